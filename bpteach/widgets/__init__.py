"""Interactive apps for the lectures (ipywidgets + matplotlib), in lecture order.

| app | lecture | what moves |
|---|---|---|
| ``sigmoid_explorer()`` | sigmoid and its derivative | z0 and the tangent line, the 1/4 ceiling |
| ``logistic_unit()`` | 000, 001: one neuron | w, b, the boundary, dJ/df * df/dz * dz/dw |
| ``two_layer_gradient()`` | 000: the 2-layer gradient by hand | weights; raw error x blame for error |
| ``backprop_stepper(network, x, y)`` | 002: BACKPROPAGATE | one step of the procedure at a time |
| ``matrix_recipe(mlp, X, Y)`` | 000, 003: the matrix recipe | W_i, h_i, delta_i, grad W_i as heat maps |
| ``descent_explorer()`` | 003: gradient descent, momentum | learning rate, momentum, start point |
| ``training_dashboard()`` | 002-004: training | every hyper-parameter; Play / Pause |
| ``vanishing_gradients()`` | 001, 004: vanishing gradients | depth, activation, initialisation |
| ``expression_graph(text, **values)`` | 07: the computational graph | one node forward, then backward |

Each app is a function returning an ``App`` (``bpteach.widgets._app``): a thin ipywidgets view over
a pure state object (numbers and records only), changed by one verb, ``app.set(**changes)``;
``app.description`` says what its figure shows with the current numbers (the image's alt text and a
polite live region). ``theme`` ("light", "dark", "auto") and ``scale`` default from
``$BPTEACH_THEME`` and ``$BPTEACH_SCALE``. Importing this package needs ipywidgets and matplotlib;
``import bpteach`` alone does not load them. Apps are imported on first use.
"""

from __future__ import annotations

import importlib

from bpteach.widgets._base import COLORS, FigureView

_APPS = {
    "sigmoid_explorer": "sigmoid",
    "logistic_unit": "logistic",
    "two_layer_gradient": "two_layer",
    "backprop_stepper": "stepper",
    "matrix_recipe": "recipe",
    "descent_explorer": "descent",
    "training_dashboard": "dashboard",
    "vanishing_gradients": "vanishing",
    "expression_graph": "expression",
}

__all__ = ["COLORS", "FigureView", *_APPS]


def __getattr__(name: str) -> object:
    if name in _APPS:
        return getattr(importlib.import_module(f"bpteach.widgets.{_APPS[name]}"), name)
    msg = f"module 'bpteach.widgets' has no attribute {name!r}"
    raise AttributeError(msg)
