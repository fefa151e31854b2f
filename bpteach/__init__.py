"""bpteach: back-propagation taught twice, node by node and in matrix form, in the lectures' notation.

    import bpteach as bp
    net = bp.Network.layered([2, 2, 2, 1])       # lecture 002's 7 neurons, numbered 1..7
    rec = net.backpropagate([1.0, 0.5], 1.0)      # rec.in_, rec.a, rec.delta, rec.grad
    print(*bp.steps(rec), sep="\n")             # the procedure line by line
    mlp = bp.MLP([2, 3, 1])                       # lecture 000: h_i = s(W_i h_{i-1})
    bp.side_by_side(mlp, [1.0, 0.5], [1.0])       # every Delta_j beside its delta_i entry
    J = (bp.Value(2.0) * bp.Value(-3.0)).tanh()   # a scalar graph; J.backward() fills every .grad

The core imports numpy only; ``bpteach.widgets`` (ipywidgets, matplotlib) and ``bpteach.grading``
are imported on demand.
"""

from bpteach import activations, datasets, losses
from bpteach.activations import identity, relu, sigmoid, tanh
from bpteach.blocks import ActivationBlock, Chain, Linear, LossBlock
from bpteach.compare import side_by_side, to_chain, to_network
from bpteach.gradcheck import gradcheck, numerical_gradient
from bpteach.graph import Network, NodeRecord
from bpteach.losses import half_squared_error, log_loss, squared_error
from bpteach.matrix import MLP, MatrixRecord
from bpteach.scalar import Value
from bpteach.steps import Step, steps
from bpteach.train import History, Trainer, train

__version__ = "0.1.0"

__all__ = [
    "MLP",
    "ActivationBlock",
    "Chain",
    "History",
    "Linear",
    "LossBlock",
    "MatrixRecord",
    "Network",
    "NodeRecord",
    "Step",
    "Trainer",
    "Value",
    "activations",
    "datasets",
    "gradcheck",
    "half_squared_error",
    "identity",
    "log_loss",
    "losses",
    "numerical_gradient",
    "relu",
    "side_by_side",
    "sigmoid",
    "squared_error",
    "steps",
    "tanh",
    "to_chain",
    "to_network",
    "train",
]
