r"""A TensorFlow-Playground-class trainer for 2-D data (lectures 002-004: training).

Every hyper-parameter of ``bp.train`` is a control; the network is ``MLP([2, *hidden, 1])`` with a
sigmoid output p(y = 1 | x), trained by ``bp.Trainer`` one epoch at a time:

| control | lecture | ``bp.train`` argument |
|---|---|---|
| learning rate eta | 002: w_ij <- w_ij - eta Delta_j a_i | ``lr`` |
| batch size (1 = SGD, all = batch) | 002 NEURALNETTRAIN / mini-batch; 003: accumulate over all cases | ``batch_size`` |
| momentum mu | 003: dw(t) = -eta dE/dw(t) + mu dw(t-1) | ``momentum`` |
| weight decay lambda | 002: w <- w - eta Delta_j a_i - 2 eta lambda w | ``weight_decay`` |
| stop after N epochs / below a loss | 002, 004: termination | ``epochs``, ``loss_threshold`` |

Playing never blocks the kernel: an ``ipywidgets.Play`` ticks in the browser every 100 ms, and each
tick trains for at most ~70 ms, then redraws once (so at most 10 frames a second); between ticks
the kernel is free, so Pause and every other control act at once. ``DashboardState`` holds the
numbers (data, model, trainer, test losses); ``TrainingDashboard`` is the view.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from typing import ClassVar

import ipywidgets as widgets
import numpy as np
from matplotlib.artist import Artist
from matplotlib.colors import LinearSegmentedColormap, Normalize

from bpteach import datasets
from bpteach._checks import as_float_array
from bpteach.activations import ACTIVATIONS
from bpteach.compare import to_network
from bpteach.init import INIT_SCHEMES, default_scale
from bpteach.losses import LOSSES
from bpteach.matrix import MLP
from bpteach.train import History, Trainer
from bpteach.widgets._app import App, wrap
from bpteach.widgets._base import COLORS, FigureView
from bpteach.widgets._fastimage import SmoothGridImage, grid_image
from bpteach.widgets._limits import decade_limits, doubling_limit, no_axis_label, unicode_log_labels
from bpteach.widgets._netdraw import NetDrawing, mlp_arcs

__all__ = ["DATASETS", "DashboardState", "TrainingDashboard", "parse_hidden", "training_dashboard"]

# "xor" is the 2-D cloud version (TensorFlow Playground's), not the four corners of datasets.xor()
DATASETS = {
    "xor": datasets.xor_clouds,
    "circles": datasets.circles,
    "moons": datasets.moons,
    "spirals": datasets.spirals,
    "blobs": datasets.blobs,
}
CUSTOM = "your data"
FRAME_SECONDS = 0.1  # at most 10 redraws a second
TRAIN_SECONDS = 0.05  # training time per frame; the rest of the 100 ms frame draws
MAX_HIDDEN_LAYERS, MAX_WIDTH = 6, 64
GRID = 60  # the decision boundary is p(y=1|x) on a GRID x GRID lattice
PANEL_SPLIT = 0.51  # figure fraction between the left and right, and the top and bottom panels


def parse_hidden(hidden: object) -> list[int]:
    """Hidden layer sizes from "8, 8" (or a list of ints); "" means no hidden layer (logistic regression)."""
    if isinstance(hidden, str):
        parts = [p.strip() for p in hidden.replace(";", ",").split(",") if p.strip()]
        if not all(p.isdigit() for p in parts):
            msg = f"hidden must be layer sizes separated by commas, like '8, 8', got {hidden!r}"
            raise ValueError(msg)
        sizes = [int(p) for p in parts]
    elif isinstance(hidden, Sequence) and all(
        isinstance(h, (int, np.integer)) and not isinstance(h, bool) for h in hidden
    ):
        sizes = [int(h) for h in hidden]
    else:
        msg = f"hidden must be a list of layer sizes like [8, 8] or a string '8, 8', got {hidden!r}"
        raise TypeError(msg)
    if len(sizes) > MAX_HIDDEN_LAYERS or any(not 1 <= s <= MAX_WIDTH for s in sizes):
        msg = f"hidden must list at most {MAX_HIDDEN_LAYERS} layers of 1 to {MAX_WIDTH} neurons each, got {hidden!r}"
        raise ValueError(msg)
    return sizes


def _user_data(X: object, Y: object) -> tuple[np.ndarray, np.ndarray]:
    X_ = as_float_array(X, "X")
    Y_ = as_float_array(Y, "Y")
    if X_.ndim != 2 or X_.shape[0] != 2 or X_.shape[1] < 2:
        msg = (
            f"X must have shape (2, n_examples), n_examples >= 2 (examples as columns; the dashboard "
            f"draws the plane of the two inputs), got shape {X_.shape}"
        )
        raise ValueError(msg)
    n = X_.shape[1]
    if Y_.shape == (n,):
        Y_ = Y_.reshape(1, n)
    if Y_.shape != (1, n):
        msg = f"Y must have shape (1, {n}), one label per column of X, got shape {Y_.shape}"
        raise ValueError(msg)
    if not np.all((Y_ == 0) | (Y_ == 1)):
        msg = f"Y must hold class labels 0 and 1, got values {np.unique(Y_)[:6]}"
        raise ValueError(msg)
    if not np.all(np.isfinite(X_)):
        msg = "X must hold finite numbers"
        raise ValueError(msg)
    return X_, Y_


class DashboardState:
    """Data, split, model and trainer for one set of settings; ``set`` (a new run), ``step``, ``reset``.

    The run is exactly ``bp.train(MLP([2, *hidden, 1], activation, "sigmoid", loss, bias=True,
    seed=seed, init=init, scale=init_scale), X_train, Y_train, lr, epochs, batch_size, momentum,
    weight_decay, seed=seed, loss_threshold=...)`` on ``datasets.split(X, Y, test_fraction, seed)``
    of ``datasets.<dataset>(n, noise, seed)`` (or the user's X, Y), one epoch per ``step``.
    """

    DEFAULTS: ClassVar[dict[str, object]] = {
        "dataset": "moons",
        "n": 200,
        "noise": 0.15,
        "test_fraction": 0.25,
        "hidden": (8, 8),
        "activation": "tanh",
        "loss": "log_loss",
        "lr": 0.3,
        "batch_size": 10,
        "momentum": 0.0,
        "weight_decay": 0.0,
        "init": "xavier",
        "init_scale": None,
        "seed": 0,
        "epochs": 1000,
        "loss_threshold": None,
    }

    def __init__(self, X: object = None, Y: object = None, **settings: object) -> None:
        if (X is None) != (Y is None):
            msg = "X and Y must be given together (your own data) or both left out, got only " + (
                "X" if Y is None else "Y"
            )
            raise ValueError(msg)
        self.user_data = None if X is None else _user_data(X, Y)
        self.settings: dict[str, object] = dict(self.DEFAULTS)
        if self.user_data is not None:
            self.settings["dataset"] = CUSTOM
        self.set(**settings)

    # ------------------------------------------------------------------ settings
    def set(self, **settings: object) -> None:
        """Change settings (checked), then start again from the initial weights of the new run."""
        unknown = set(settings) - set(self.DEFAULTS)
        if unknown:
            msg = f"unknown setting(s) {sorted(unknown)}: the settings are {', '.join(self.DEFAULTS)}"
            raise TypeError(msg)
        new = {**self.settings, **settings}
        new["hidden"] = tuple(parse_hidden(new["hidden"]))
        names = [*DATASETS, CUSTOM] if self.user_data is not None else list(DATASETS)
        if new["dataset"] not in names:
            msg = f"dataset must be one of {', '.join(map(repr, names))}, got {new['dataset']!r}"
            raise ValueError(msg)
        for key, registry in (("activation", ACTIVATIONS), ("loss", LOSSES), ("init", INIT_SCHEMES)):
            if new[key] not in registry:
                msg = f"{key} must be one of {', '.join(map(repr, registry))}, got {new[key]!r}"
                raise ValueError(msg)
        if new["loss_threshold"] == 0:
            new["loss_threshold"] = None  # 0 in the box means "no threshold"
        previous = self.settings
        self.settings = new
        try:
            self._build()
        except (TypeError, ValueError):
            # a bad value leaves the last good run in place
            self.settings = previous
            if hasattr(self, "trainer"):
                self._build()
            raise

    def _build(self) -> None:
        s = self.settings
        if s["dataset"] == CUSTOM:
            X, Y = self.user_data  # type: ignore[misc]
        else:
            X, Y = DATASETS[s["dataset"]](s["n"], s["noise"], s["seed"])  # type: ignore[operator]
        self.X, self.Y = X, Y
        self.X_train, self.Y_train, self.X_test, self.Y_test = datasets.split(X, Y, s["test_fraction"], s["seed"])
        scale = default_scale(s["init"]) if s["init_scale"] is None else s["init_scale"]  # type: ignore[arg-type]
        self.model = MLP(
            [2, *s["hidden"], 1],
            activation=s["activation"],
            output_activation="sigmoid",  # type: ignore[misc]
            loss=s["loss"],
            bias=True,
            seed=s["seed"],
            init=s["init"],
            scale=scale,
        )
        self.initial = {k: v.copy() for k, v in self.model.parameters().items()}
        self.reset()

    def reset(self) -> None:
        """Back to the initial weights (the same seed's draw) and epoch 0."""
        s = self.settings
        for k, v in self.model.parameters().items():
            v[...] = self.initial[k]
        batch = s["batch_size"]
        if batch is not None and batch > self.X_train.shape[1]:  # type: ignore[operator]
            batch = None  # more than the training set: the whole set, one batch
        self.trainer = Trainer(
            self.model,
            self.X_train,
            self.Y_train,
            lr=s["lr"],
            epochs=s["epochs"],
            batch_size=batch,
            momentum=s["momentum"],
            weight_decay=s["weight_decay"],
            seed=s["seed"],
            loss_threshold=s["loss_threshold"],
            record_grad_norms=True,
            callback=self._after_epoch,
        )
        self.test_losses = [self.model.loss(self.X_test, self.Y_test)]

    def _after_epoch(self, _: object) -> None:
        self.test_losses.append(self.model.loss(self.X_test, self.Y_test))

    # ------------------------------------------------------------------ training
    @property
    def epoch(self) -> int:
        return self.trainer.history.epochs

    @property
    def done(self) -> bool:
        return self.trainer.done

    @property
    def history(self) -> History:
        return self.trainer.history

    def step(self, epochs: int = 1) -> int:
        """Train ``epochs`` more epochs (fewer if a stopping rule fires); the number trained."""
        if isinstance(epochs, bool) or not isinstance(epochs, (int, np.integer)) or epochs < 0:
            msg = f"epochs must be an int >= 0, got {epochs!r}"
            raise ValueError(msg)
        start = self.epoch
        for _ in range(int(epochs)):
            if self.done:
                break
            self.trainer.epoch()
        return self.epoch - start

    def train_for(self, seconds: float, max_epochs: int = 1000) -> int:
        """Train whole epochs until ``seconds`` have passed (at least one); the number trained."""
        start, t0 = self.epoch, time.perf_counter()
        while not self.done and self.epoch - start < max_epochs:
            self.trainer.epoch()
            if time.perf_counter() - t0 >= seconds:
                break
        return self.epoch - start

    def accuracy(self, X: np.ndarray, Y: np.ndarray) -> float:
        """The fraction of examples on the right side of p(y=1|x) = 1/2."""
        return float(np.mean((self.model.predict(X) >= 0.5) == (Y >= 0.5)))


def _with(options: list, value: object) -> list:
    """A dropdown's options with ``value`` added: the state accepts any valid number, the menu offers a few."""

    def number(option: object) -> float:
        v = option[1] if isinstance(option, tuple) else option
        return math.inf if v is None else v  # "all (batch)" goes last

    if any(number(o) == number(value) for o in options):
        return options
    extra = (str(value), value) if isinstance(options[0], tuple) else value
    return sorted([*options, extra], key=number)


class _Group(Artist):
    """Animated artists that a new run replaces: the view animates the group once, not each member."""

    def __init__(self) -> None:
        super().__init__()
        self.members: list[Artist] = []

    def replace(self, artists: Sequence[Artist]) -> None:
        for artist in artists:
            artist.set_animated(True)  # left out of the full draw of the background
        self.members = list(artists)

    def draw(self, renderer: object) -> None:
        for artist in self.members:
            artist.draw(renderer)


class TrainingDashboard(App):
    """The view: settings, Play / Pause / Step / Reset, and four panels redrawn at most 10 times a second.

    A setting is a state change (``app.set(lr=0.1)`` starts a new run); Play, Pause, Step and Reset
    are actions on the run (``app.play()``, ``app.pause()``, ``app.step()``, ``app.reset()``).
    """

    passive = ("step_epochs",)  # read when Step is pressed

    def __init__(self, state: DashboardState, scale: float | None = None, theme: str | None = None) -> None:
        controls = self._make_controls(state)
        self.ticker = controls["ticker"]
        self._last_frame = 0.0
        c_ = controls
        self.ticker.observe(self._on_tick, names="value")
        self.ticker.observe(self._on_playing, names="playing")
        c_["play"].on_click(lambda _: self.play())
        c_["pause"].on_click(lambda _: self.pause())
        c_["step"].on_click(lambda _: self.step())
        c_["reset"].on_click(lambda _: self.reset())
        # every setting starts a new run, so the sliders report on release, not while dragging
        panel = widgets.VBox(
            [
                widgets.HBox(
                    [c_["play"], c_["pause"], c_["step"], c_["step_epochs"], c_["reset"], self.ticker], layout=wrap()
                ),
                widgets.HBox([c_["dataset"], c_["n"], c_["noise"], c_["test_fraction"]], layout=wrap()),
                widgets.HBox([c_["hidden"], c_["activation"], c_["loss"], c_["init"], c_["init_scale"]], layout=wrap()),
                widgets.HBox([c_["lr"], c_["batch_size"], c_["momentum"], c_["weight_decay"]], layout=wrap()),
                widgets.HBox([c_["epochs"], c_["loss_threshold"], c_["seed"]], layout=wrap()),
            ]
        )
        super().__init__(state, controls, figsize=(9.0, 6.4), scale=scale, theme=theme, panel=panel)

    def _build(self, view: FigureView) -> None:
        c = view.colors
        k = view.scale
        fig = view.figure
        self._sizes: tuple | None = None
        with view.style():
            grid = fig.add_gridspec(2, 2, left=0.07, right=0.98, bottom=0.08, top=0.94, hspace=0.35, wspace=0.18)
            self.ax_data = fig.add_subplot(grid[0, 0])
            self.ax_net = fig.add_subplot(grid[0, 1])
            self.ax_loss = fig.add_subplot(grid[1, 0])
            self.ax_grad = fig.add_subplot(grid[1, 1])
            cmap = LinearSegmentedColormap.from_list("classes", [COLORS["negative"], c["face"], COLORS["positive"]])
            # imshow(interpolation="bilinear") that keeps what its place decides (_fastimage.py)
            self.boundary = grid_image(
                self.ax_data,
                np.full((GRID, GRID), 0.5),
                SmoothGridImage,
                origin="lower",
                cmap=cmap,
                norm=Normalize(0, 1),
                alpha=0.75,
                interpolation="bilinear",
            )
            # class by hue and by marker; test points hollow
            self.points = {
                (cls, part): self.ax_data.scatter(
                    [],
                    [],
                    s=14 * k**2,
                    marker="s" if cls == 0 else "o",
                    facecolors=color if part == "train" else "none",
                    edgecolors=color if part == "train" else c["text"],
                    linewidths=0.8 * k,
                    zorder=3,
                )
                for cls, color in ((0, COLORS["negative"]), (1, COLORS["positive"]))
                for part in ("train", "test")
            }
            self.ax_data.set_title("p(y=1 | x): filled train, hollow test")
            (self.train_line,) = self.ax_loss.plot([], [], color=COLORS["positive"], label="train")
            (self.test_line,) = self.ax_loss.plot([], [], color=COLORS["negative"], ls="--", label="test")
            self.ax_loss.set_yscale("log")
            unicode_log_labels(self.ax_loss)
            self.ax_loss.set_xlabel("epoch")
            self.ax_loss.set_title("loss J")
            self.ax_loss.legend(loc="upper right")
            self.ax_grad.set_yscale("log")
            unicode_log_labels(self.ax_grad)
            self.ax_grad.set_title(r"gradient norm $\|\nabla_{W_i} J\|$ per layer")
            self.ax_grad.set_xlabel("layer $i$")
            no_axis_label(self.ax_data.xaxis, self.ax_data.yaxis, self.ax_loss.yaxis, self.ax_grad.yaxis)
        self._limits: dict[str, object] = {}
        self._per_run = _Group()
        # drawn in this order over the cached background: the data over the boundary, nodes over arcs
        view.animate(self.boundary, *self.points.values(), self.train_line, self.test_line, self._per_run)
        # each quarter keeps its own background: new loss limits redraw the loss panel's ticks, not
        # all four panels' (a whole draw costs ~180 ms here, one panel 20-50). The split at 0.51
        # lies between the left panels' tick labels and the right panels' (tested pixel for pixel)
        for name, ax, region in (
            ("data", self.ax_data, (0.0, PANEL_SPLIT, PANEL_SPLIT, 1.0)),
            ("net", self.ax_net, (PANEL_SPLIT, PANEL_SPLIT, 1.0, 1.0)),
            ("loss", self.ax_loss, (0.0, 0.0, PANEL_SPLIT, PANEL_SPLIT)),
            ("grad", self.ax_grad, (PANEL_SPLIT, 0.0, 1.0, PANEL_SPLIT)),
        ):
            view.panel(name, [ax], region)
        self._build_model_artists()

    # ------------------------------------------------------------------ construction
    @staticmethod
    def _make_controls(state: DashboardState) -> dict[str, widgets.Widget]:
        s = state.settings
        short = widgets.Layout(width="200px")
        datasets_ = [*DATASETS, CUSTOM] if state.user_data is not None else list(DATASETS)
        custom = state.user_data is not None and s["dataset"] == CUSTOM
        return {
            "play": widgets.Button(
                description="Play", icon="play", tooltip="train, redrawing up to 10 times a second", layout=_button()
            ),
            "pause": widgets.Button(description="Pause", icon="pause", tooltip="stop training", layout=_button()),
            "step": widgets.Button(
                description="Step", icon="step-forward", tooltip="train the epochs in epochs/step", layout=_button()
            ),
            "step_epochs": widgets.BoundedIntText(value=1, min=1, max=10_000, description="epochs/step", layout=short),
            "reset": widgets.Button(
                description="Reset", icon="undo", tooltip="back to the initial weights", layout=_button()
            ),
            # the browser-side clock: each tick trains a little and redraws once
            "ticker": widgets.Play(value=0, min=0, max=10**9, interval=int(FRAME_SECONDS * 1000), show_repeat=False),
            "dataset": widgets.Dropdown(options=datasets_, value=s["dataset"], description="data", layout=short),
            "n": widgets.IntSlider(
                value=s["n"], min=20, max=1000, step=10, description="points", disabled=custom, continuous_update=False
            ),
            "noise": widgets.FloatSlider(
                value=s["noise"],
                min=0.0,
                max=0.5,
                step=0.05,
                description="noise",
                disabled=custom,
                continuous_update=False,
            ),
            "test_fraction": widgets.FloatSlider(
                value=s["test_fraction"], min=0.1, max=0.9, step=0.05, description="test part", continuous_update=False
            ),
            "hidden": widgets.Text(
                value=", ".join(map(str, s["hidden"])),
                description="hidden",
                placeholder="8, 8",
                continuous_update=False,
                layout=short,
            ),
            "activation": widgets.Dropdown(
                options=list(ACTIVATIONS), value=s["activation"], description="g", layout=short
            ),
            "loss": widgets.Dropdown(options=list(LOSSES), value=s["loss"], description="loss", layout=short),
            "init": widgets.Dropdown(options=list(INIT_SCHEMES), value=s["init"], description="init", layout=short),
            "init_scale": widgets.FloatSlider(
                value=default_scale(s["init"]) if s["init_scale"] is None else s["init_scale"],
                min=0.05,
                max=4.0,
                step=0.05,
                description="init scale",
                continuous_update=False,
            ),
            "lr": widgets.Dropdown(
                options=_with([0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0], s["lr"]),
                value=s["lr"],
                description="rate η",
                layout=short,
            ),
            "batch_size": widgets.Dropdown(
                options=_with(
                    [("1 (SGD)", 1), ("2", 2), ("5", 5), ("10", 10), ("25", 25), ("50", 50), ("all (batch)", None)],
                    s["batch_size"],
                ),
                value=s["batch_size"],
                description="batch",
                layout=short,
            ),
            "momentum": widgets.FloatSlider(
                value=s["momentum"], min=0.0, max=0.99, step=0.01, description="momentum", continuous_update=False
            ),
            "weight_decay": widgets.Dropdown(
                options=_with([0.0, 1e-4, 1e-3, 1e-2, 1e-1], s["weight_decay"]),
                value=s["weight_decay"],
                description="decay λ",
                layout=short,
            ),
            "epochs": widgets.BoundedIntText(
                value=s["epochs"], min=1, max=1_000_000, description="stop after", layout=short
            ),
            "loss_threshold": widgets.BoundedFloatText(
                value=s["loss_threshold"] or 0.0, min=0.0, max=100.0, step=0.01, description="or loss <", layout=short
            ),
            "seed": widgets.BoundedIntText(value=s["seed"], min=0, max=2**31 - 1, description="seed", layout=short),
        }

    def _build_model_artists(self) -> None:
        """Artists whose number depends on the data or the architecture: made again on a new run."""
        state = self.state
        k = self.view.scale
        X = state.X
        # limits on a quarter-unit lattice: a little more noise or another seed keeps the same axes
        pad = 0.15 * (X.max(axis=1) - X.min(axis=1)) + 1e-9
        lo = np.floor(4 * (X.min(axis=1) - pad)) / 4
        hi = np.ceil(4 * (X.max(axis=1) + pad)) / 4
        self.grid_x = np.stack(np.meshgrid(np.linspace(lo[0], hi[0], GRID), np.linspace(lo[1], hi[1], GRID)))
        self.grid_x = self.grid_x.reshape(2, -1)
        self.boundary.set_extent((lo[0], hi[0], lo[1], hi[1]))
        self.ax_data.set_xlim(lo[0], hi[0])
        self.ax_data.set_ylim(lo[1], hi[1])
        self._data_box = (*lo, *hi)
        for (cls, part), scatter in self.points.items():
            Xp, Yp = (state.X_train, state.Y_train) if part == "train" else (state.X_test, state.Y_test)
            scatter.set_offsets(Xp[:, Yp[0] == cls].T)
        sizes = tuple(state.model.sizes)
        if sizes != getattr(self, "_sizes", None):  # a new architecture: a new diagram and new bars
            self._sizes = sizes
            for artist in getattr(self, "_model_artists", []):
                artist.remove()
            ids = state.model.neuron_ids()
            net = to_network(state.model)
            m = state.model.m
            with self.view.style():
                self.ax_net.clear()
                self.ax_net.set_title("weights: blue solid > 0, vermillion dashed < 0")
                self.drawing = NetDrawing(
                    self.ax_net, net.layout(), mlp_arcs(ids), ids[0], ids[-1], self.view.colors, 0.8 * k, labels=False
                )
                self.grad_bars = self.ax_grad.bar(
                    np.arange(1, m + 1), np.ones(m), bottom=1e-300, width=0.6, color=COLORS["positive"]
                )
            self.ax_grad.set_xlim(0.4, m + 0.6)
            self.ax_grad.set_xticks(np.arange(1, m + 1))
            self._model_artists = list(self.grad_bars)
            self._per_run.replace([self.drawing.lines, self.drawing.nodes, *self.grad_bars])
        # wide fixed ranges that grow only when the data leave them: every change of limits costs
        # a full draw of the figure (tick labels), ten times the cost of a frame
        self._limits = {"loss": (-4.0, 1.0), "grad": (-6.0, 1.0)}
        self._set_limits(0, np.array([]), np.array([]), force=True)

    # ------------------------------------------------------------------ the public controls
    def play(self) -> None:
        """Start the ticker: the browser sends a tick every 100 ms, each tick trains and redraws."""
        self.ticker.playing = True

    def pause(self) -> None:
        """Stop training at once; ticks already on their way are ignored."""
        self.ticker.playing = False

    @property
    def running(self) -> bool:
        return bool(self.ticker.playing)

    def step(self, epochs: int | None = None) -> int:
        """Train the number of epochs in the "epochs/step" box (or ``epochs``), then redraw."""
        trained = self.state.step(self.controls["step_epochs"].value if epochs is None else epochs)
        self.refresh()
        return trained

    def reset(self) -> None:
        """Back to the initial weights and epoch 0 (playing stops)."""
        self.pause()
        self.state.reset()
        self.message.value = ""
        self.refresh()

    def tick(self) -> int:
        """One frame while playing: train for up to 70 ms, redraw once; nothing when paused or too soon."""
        now = time.perf_counter()
        if not self.running or now - self._last_frame < FRAME_SECONDS * 0.9:
            return 0
        self._last_frame = now
        trained = self.state.train_for(TRAIN_SECONDS)
        if self.state.done:
            self.pause()
        self.refresh()
        return trained

    # ------------------------------------------------------------------ observers
    def _on_tick(self, _: dict) -> None:
        self.tick()

    def _on_playing(self, change: dict) -> None:
        if change["new"] and self.state.done:
            self.ticker.playing = False  # nothing left to train: Reset first
            self.message.value = "Training has stopped (see below): press Reset to train again."

    def _apply(self, changes: dict[str, object]) -> None:
        c = self.controls
        settings = {name: c[name].value for name in DashboardState.DEFAULTS if name in c}
        settings.update({k: v for k, v in changes.items() if k in DashboardState.DEFAULTS})
        self.state.set(**settings)
        custom = self.state.settings["dataset"] == CUSTOM
        c["n"].disabled = c["noise"].disabled = custom  # the user's points are fixed
        self._build_model_artists()

    # ------------------------------------------------------------------ drawing
    def _draw(self) -> None:
        state, h = self.state, self.state.history
        model = state.model
        p = model.predict(self.grid_x).reshape(GRID, GRID)
        self.boundary.set_data(p)
        self.drawing.set_weights(np.concatenate([model.W[i].ravel() for i in range(1, model.m + 1)]))
        epochs = np.arange(len(h.losses))
        self.train_line.set_data(epochs, h.losses)
        self.test_line.set_data(epochs, state.test_losses)
        norms = np.array([h.grad_norms[-1].get(i, 0.0) for i in range(1, model.m + 1)])
        losses = np.concatenate([h.losses, state.test_losses])
        self._set_limits(len(h.losses) - 1, losses, norms)
        floor = 10.0 ** self._limits["grad"][0]
        for bar, v in zip(self.grad_bars, norms, strict=True):
            bar.set_y(floor)
            bar.set_height(max(v, floor) - floor)
        train_acc = state.accuracy(state.X_train, state.Y_train)
        test_acc = state.accuracy(state.X_test, state.Y_test)
        status = (
            f"<b>epoch {state.epoch}</b> &nbsp; train loss {h.losses[-1]:.4f} (accuracy {train_acc:.0%}) "
            f"&nbsp; test loss {state.test_losses[-1]:.4f} (accuracy {test_acc:.0%}) &nbsp; "
            f"{h.updates} weight updates"
        )
        if h.stop_reason is not None:
            status += f"<br>stopped: {h.message}"
        self.show_text(readout=status)

    def describe(self) -> str:
        state, h = self.state, self.state.history
        s = state.settings
        norms = ", ".join(f"{h.grad_norms[-1].get(i, 0.0):.2g}" for i in range(1, state.model.m + 1))
        stopped = f" Training stopped: {h.message}." if h.stop_reason is not None else ""
        return (
            f"Four panels after epoch {state.epoch} on {s['dataset']} data, network {state.model.sizes} trained with "
            f"learning rate {s['lr']:g}, batch {s['batch_size'] or 'all'}, momentum {s['momentum']:g}, weight decay "
            f"{s['weight_decay']:g}: top left, the plane with the training "
            f"points (filled) and test points (hollow) over the network's p(y = 1 | x), train accuracy "
            f"{state.accuracy(state.X_train, state.Y_train):.0%}, test accuracy "
            f"{state.accuracy(state.X_test, state.Y_test):.0%}; top right, the network with its weights as lines; "
            f"bottom left, the loss per epoch on a log scale, train {h.losses[-1]:.3g}, "
            f"test {state.test_losses[-1]:.3g}; bottom right, the gradient norm per layer: {norms}.{stopped}"
        )

    def _set_limits(self, epoch: int, losses: np.ndarray, norms: np.ndarray, force: bool = False) -> bool:
        """Move the loss and gradient axes' limits in coarse jumps; True when they moved."""
        old = dict(self._limits)
        self._limits["epochs"] = doubling_limit(epoch, self._limits.get("epochs", 0), 50)  # type: ignore[arg-type]
        for key, values in (("loss", losses), ("grad", norms)):
            positive = values[np.isfinite(values) & (values > 0)]
            if positive.size:
                self._limits[key] = decade_limits(
                    np.log10(positive.min()), np.log10(positive.max()), self._limits[key], slack=100
                )  # type: ignore[arg-type]
        if self._limits == old and not force:
            return False
        self.ax_loss.set_xlim(0, self._limits["epochs"])
        lo, hi = self._limits["loss"]  # type: ignore[misc]
        self.ax_loss.set_ylim(10.0**lo, 10.0**hi)
        lo, hi = self._limits["grad"]  # type: ignore[misc]
        self.ax_grad.set_ylim(10.0**lo, 10.0**hi)
        self._invalidate_panels()
        return True

    def _invalidate_panels(self) -> None:
        """Each panel's background is fixed by these: a panel is drawn again only when its own change."""
        limits = self._limits
        self.view.invalidate(key=self._data_box, panel="data")
        self.view.invalidate(key=self._sizes, panel="net")
        self.view.invalidate(key=(limits["epochs"], limits["loss"]), panel="loss")
        self.view.invalidate(key=(limits["grad"], self._sizes), panel="grad")


def training_dashboard(
    X: object = None,
    Y: object = None,
    dataset: str = "moons",
    hidden: Sequence[int] | str = (8, 8),
    activation: str = "tanh",
    loss: str = "log_loss",
    lr: float = 0.3,
    batch_size: int | None = 10,
    momentum: float = 0.0,
    weight_decay: float = 0.0,
    init: str = "xavier",
    init_scale: float | None = None,
    seed: int = 0,
    epochs: int = 1000,
    loss_threshold: float | None = None,
    n: int = 200,
    noise: float = 0.15,
    test_fraction: float = 0.25,
    scale: float | None = None,
    theme: str | None = None,
) -> TrainingDashboard:
    r"""Train an MLP([2, *hidden, 1]) on 2-D data live, with every setting of ``bp.train`` as a control.

    Each update is Delta w(t) = -lr (dJ/dw + 2 lambda w) + momentum Delta w(t-1) (lectures 002, 003).
    ``X`` (2, n) and ``Y`` (1, n) in {0, 1} train on your own data instead of ``dataset`` (xor,
    circles, moons, spirals, blobs). Returns the widget: ``app.state`` (``DashboardState``, with
    ``app.state.epoch``), ``app.play()``, ``app.pause()``, ``app.step()``, ``app.reset()``,
    ``app.tick()`` (one frame), ``app.set(lr=..., hidden="4, 4", ...)`` (a new run), ``app.controls``.
    """
    state = DashboardState(
        X,
        Y,
        dataset=CUSTOM if X is not None and dataset == "moons" else dataset,
        hidden=hidden,
        activation=activation,
        loss=loss,
        lr=lr,
        batch_size=batch_size,
        momentum=momentum,
        weight_decay=weight_decay,
        init=init,
        init_scale=init_scale,
        seed=seed,
        epochs=epochs,
        loss_threshold=loss_threshold,
        n=n,
        noise=noise,
        test_fraction=test_fraction,
    )
    return TrainingDashboard(state, scale=scale, theme=theme)


def _button() -> widgets.Layout:
    return widgets.Layout(width="90px")
