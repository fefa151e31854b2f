r"""Back-propagation on a graph of scalar operations: ``bp.Value`` (micrograd's model, our notation).

Every ``Value`` remembers the operation that made it and its parents; ``J.backward()`` then
visits the graph once in reverse topological order and applies, at every node, one local rule:

    parent.grad += (d node / d parent) * node.grad        ("local derivative x upstream")

The ``+=`` is what makes a fan-out right: a value used twice receives the sum of what comes
back along both uses, exactly the sum over j' in Delta_j = g'(in_j) sum_{j'} w_{j,j'} Delta_{j'}
(source 002, taught in lecture 4). Each operation computes its local derivatives right beside its forward and keeps
them as numbers, ``v.local`` (micrograd keeps the same rule in a ``_backward`` closure; numbers
let a view show them, and cost less memory).

| lecture | meaning | code |
|---|---|---|
| a node v of the graph | a number and the operation that made it | ``v.data``, ``v.op``, ``v.parents`` |
| d v / d parent | the local derivatives of v's operation | ``v.local`` |
| J | the value ``backward()`` is called on (the root) | ``J.backward()`` |
| dJ/dv | the derivative of the root with respect to v | ``v.grad`` (after ``J.backward()``) |
| dJ/d in_j = Delta_j | in_j built from ``+`` and ``*`` of Values | ``in_j.grad`` |
| dJ/dw_ij = Delta_j a_i | a weight as a leaf Value | ``w_ij.grad`` |

The gate rules of lecture 7's table (upstream = ``out.grad``; ``a / b`` is left out here, since
exercise 7 asks the student to derive it):

| operation | local derivatives | what the gate does with the upstream gradient |
|---|---|---|
| a + b, a - b | 1, 1 (1, -1) | distributes it unchanged (negated to b) |
| a * b | b, a | swaps the inputs: a gets b x upstream, b gets a x upstream |
| a ** p (p a number) | p a^(p-1) | |
| exp(a), log(a) | exp(a), 1/a | |
| sigmoid(a), tanh(a) | s (1 - s), 1 - t^2 (from the output s, t) | |
| relu(a) | [a > 0] | lets it through or blocks it |
| a.max(b) | [a >= b], [a < b] | routes all of it to the larger input (ties to a) |

Semantics worth knowing:

- ``backward()`` first sets ``grad = 0`` on every node of the root's graph, then ``root.grad = 1``,
  then runs the rules: calling it twice gives the same numbers (nothing accumulates across calls,
  so there is no ``zero_grad`` to forget). When two roots share nodes, the shared nodes' ``grad``
  holds the derivative of the root that called ``backward()`` last.
- The order is found without recursion (an explicit stack), so a chain of 100,000 operations works.
- A node's parents are fixed when it is made and a node can only be made from existing nodes,
  so the graph cannot have a cycle; one forced in by hand is reported as a ``ValueError``.
- Changing ``v.data`` after v was used in an operation makes that operation's stored result
  stale; ``backward()`` then refuses to run instead of returning wrong gradients (build the
  expression again first, as a training loop does every step).

Sources, numbered as the source slide decks (the student's lectures in brackets): source 000
("chain rule via dynamic programming"; lecture 7), source 002 (Delta_j and its sum; lecture 4),
source 003 (the f = x^2 + xy + y^2 warm-up; lecture 7), source 004 (each block needs only its own
dy/dx; lecture 6); micrograd's ``engine.py`` for the shape of the code.
"""

from __future__ import annotations

import math
from collections.abc import Iterator

from bpteach._checks import number

__all__ = ["RULES", "Value"]

# the local derivative d(out)/d(parent) of each operation, as text, parent by parent (for views)
RULES: dict[str, tuple[str, ...]] = {
    "+": ("1", "1"),
    "-": ("1", "-1"),
    "*": ("b", "a"),
    "/": ("1/b", "-a/b²"),
    "**": ("p·a^(p-1)",),
    "neg": ("-1",),
    "exp": ("exp(a)",),
    "log": ("1/a",),
    "sigmoid": ("s·(1 - s)",),
    "tanh": ("1 - t²",),
    "relu": ("[a > 0]",),
    "max": ("[a ≥ b]", "[a < b]"),
}


def _finite(value: object, name: str) -> float:
    """``value`` as a finite float; a TypeError for a non-number or a bool, a ValueError for nan/inf."""
    if type(value) in (float, int) and math.isfinite(value):  # the common case, fast (bool's type is bool)
        return float(value)
    return number(value, name, -math.inf)


def _result(x: float, what: str) -> float:
    if not math.isfinite(x):
        msg = f"{what} is not a finite number ({x!r}): the inputs are too large for a float"
        raise OverflowError(msg)
    return x


def _exp(x: float, what: str) -> float:
    try:
        return math.exp(x)
    except OverflowError:
        msg = f"{what} overflows a float (e^{x!r}): keep its argument below about 709"
        raise OverflowError(msg) from None


def _sigmoid(x: float) -> float:
    # 1 / (1 + e^{-x}), as bp.sigmoid computes it; e^{-x} overflows only when the result is 0
    try:
        return 1.0 / (1.0 + math.exp(-x))
    except OverflowError:
        return 0.0


class Value:
    """A number that remembers how it was computed, for back-propagation (micrograd's ``Value``).

    ``Value(data, label="")``: ``data`` a finite number (not a bool), ``label`` a name for views.
    ``v.data`` is the value, ``v.grad`` the derivative dJ/dv of the last ``J.backward()``,
    ``v.op`` the operation that made v ("" for a leaf), ``v.parents`` its inputs and ``v.local``
    the local derivatives d v / d parent, one per parent, computed by the forward.
    Operators: ``+ - * /`` with Values or numbers on either side, ``v ** p`` for a number p,
    ``-v``; methods ``exp log sigmoid tanh relu max``. Values compare by identity (``==`` is not
    an operation here), so a Value can key a dict.
    """

    __slots__ = ("_data", "_local", "_parent_versions", "_parents", "_version", "grad", "label", "op")

    def __init__(self, data: object, label: str = "") -> None:
        if not isinstance(label, str):
            msg = f"label must be a str, got {type(label).__name__}: {label!r}"
            raise TypeError(msg)
        self._data = _finite(data, "data")
        self._version = 0
        self.grad = 0.0
        self.label = label
        self.op = ""
        self._parents: tuple[Value, ...] = ()
        self._parent_versions: tuple[int, ...] = ()
        self._local: tuple[float, ...] = ()

    # ------------------------------------------------------------------ the node
    @property
    def data(self) -> float:
        return self._data

    @data.setter
    def data(self, value: object) -> None:
        self._data = _finite(value, "data")
        self._version += 1  # operations made from the old number are now stale

    @property
    def parents(self) -> tuple[Value, ...]:
        """The inputs of the operation that made this value (empty for a leaf)."""
        return self._parents

    @property
    def local(self) -> tuple[float, ...]:
        """The local derivatives d(this)/d(parent), one per parent, as the forward computed them."""
        return self._local

    def __repr__(self) -> str:
        name = f"{self.label}, " if self.label else ""
        return f"Value({name}data={self._data:.6g}, grad={self.grad:.6g})"

    @classmethod
    def _make(cls, data: float, parents: tuple[Value, ...], op: str, local: tuple[float, ...]) -> Value:
        out = cls.__new__(cls)
        out._data = data
        out._version = 0
        out.grad = 0.0
        out.label = ""
        out.op = op
        out._parents = parents
        out._parent_versions = tuple(p._version for p in parents)
        out._local = local
        return out

    # ------------------------------------------------------------------ two inputs
    # Each operation computes its value and, beside it, its local derivatives; backward() then
    # applies the one rule parent.grad += local * out.grad to every parent of every node.
    def __add__(self, other: object) -> Value:
        other = _as_value(other)
        # d(a + b)/da = d(a + b)/db = 1: add distributes the upstream gradient unchanged
        return Value._make(_result(self._data + other._data, "a + b"), (self, other), "+", (1.0, 1.0))

    def __sub__(self, other: object) -> Value:
        other = _as_value(other)
        # d(a - b)/da = 1, d(a - b)/db = -1
        return Value._make(_result(self._data - other._data, "a - b"), (self, other), "-", (1.0, -1.0))

    def __mul__(self, other: object) -> Value:
        other = _as_value(other)
        a, b = self._data, other._data
        # d(ab)/da = b, d(ab)/db = a: multiply swaps its inputs
        return Value._make(_result(a * b, "a * b"), (self, other), "*", (b, a))

    def __truediv__(self, other: object) -> Value:
        other = _as_value(other)
        a, b = self._data, other._data
        if b == 0:
            msg = "a / b with b.data = 0: division by zero"
            raise ZeroDivisionError(msg)
        # d(a/b)/da = 1/b, d(a/b)/db = -a/b^2
        return Value._make(_result(a / b, "a / b"), (self, other), "/", (1.0 / b, _result(-a / b**2, "-a / b^2")))

    def max(self, other: object) -> Value:
        """max(a, b); the whole upstream gradient goes to the larger input (to a on a tie)."""
        other = _as_value(other)
        first = self._data >= other._data
        # d max/da = [a >= b], d max/db = [a < b]: max routes the gradient to one input
        local = (1.0, 0.0) if first else (0.0, 1.0)
        return Value._make(self._data if first else other._data, (self, other), "max", local)

    def __radd__(self, other: object) -> Value:
        return _as_value(other) + self

    def __rsub__(self, other: object) -> Value:
        return _as_value(other) - self

    def __rmul__(self, other: object) -> Value:
        return _as_value(other) * self

    def __rtruediv__(self, other: object) -> Value:
        return _as_value(other) / self

    # ------------------------------------------------------------------ one input
    def __pow__(self, p: object) -> Value:
        if isinstance(p, Value):
            msg = "the exponent of a ** p must be a number, got a Value: for a Value p write (p * a.log()).exp()"
            raise TypeError(msg)
        p = _finite(p, "p (the exponent of a ** p)")
        a = self._data
        if a < 0 and not p.is_integer():
            msg = f"a ** p with a = {a!r} < 0 and p = {p!r} not an integer is not a real number"
            raise ValueError(msg)
        if a == 0 and p < 0:
            msg = f"a ** p with a = 0 and p = {p!r} < 0: division by zero"
            raise ZeroDivisionError(msg)
        # d(a^p)/da = p a^(p-1); infinite at a = 0 when 0 < p < 1 (backward() then refuses)
        slope = math.inf if a == 0 and 0 < p < 1 else _result(p * a ** (p - 1), "p a^(p-1)")
        return Value._make(_result(a**p, "a ** p"), (self,), "**", (slope,))

    def __neg__(self) -> Value:
        return Value._make(-self._data, (self,), "neg", (-1.0,))  # d(-a)/da = -1

    def __pos__(self) -> Value:
        return self

    def exp(self) -> Value:
        e = _exp(self._data, "exp(a)")
        return Value._make(e, (self,), "exp", (e,))  # d e^a/da = e^a, the output itself

    def log(self) -> Value:
        a = self._data
        if a <= 0:
            msg = f"log(a) needs a > 0, got a.data = {a!r}"
            raise ValueError(msg)
        return Value._make(math.log(a), (self,), "log", (1.0 / a,))  # d log a/da = 1/a

    def sigmoid(self) -> Value:
        s = _sigmoid(self._data)
        return Value._make(s, (self,), "sigmoid", (s * (1.0 - s),))  # sigma' = sigma (1 - sigma)

    def tanh(self) -> Value:
        t = math.tanh(self._data)
        return Value._make(t, (self,), "tanh", (1.0 - t * t,))  # tanh' = 1 - tanh^2

    def relu(self) -> Value:
        on = self._data > 0
        # relu'(a) = [a > 0]: the gradient passes or is blocked
        return Value._make(self._data if on else 0.0, (self,), "relu", (1.0 if on else 0.0,))

    # ------------------------------------------------------------------ backward
    def order(self) -> list[Value]:
        """Every node this value depends on, itself last, each node after its parents.

        A depth-first search with an explicit stack (no recursion, so no depth limit): a node is
        listed once all its parents are. It is 5-10 times faster than ``graphlib`` here, and a
        node met again while it is still on the search path closes a cycle.
        """
        on_path, done = 1, 2
        mark: dict[Value, int] = {self: on_path}
        listed: list[Value] = []
        stack = [(self, iter(self._parents))]
        while stack:
            node, todo = stack[-1]
            for p in todo:
                seen = mark.get(p)
                if seen is None:
                    mark[p] = on_path
                    stack.append((p, iter(p._parents)))
                    break
                if seen == on_path:
                    path = [n for n, _ in stack[[n for n, _ in stack].index(p) :]]
                    cycle = " -> ".join(repr(v) for v in [*path, p])
                    msg = f"the graph has a cycle ({cycle}): a value cannot depend on itself"
                    raise ValueError(msg)
            else:
                stack.pop()
                mark[node] = done
                listed.append(node)
        return listed

    def backward_steps(self) -> Iterator[Value]:
        """``backward()`` one node at a time: yields each node just after it passed back its gradient.

        Zeroes every ``grad`` of the graph, sets this root's ``grad = 1`` (dJ/dJ), then visits the
        nodes in reverse topological order; leaves (no parents) have no rule and are not yielded.
        """
        nodes = self.order()
        for node in nodes:
            for p, version in zip(node._parents, node._parent_versions, strict=True):
                if p._version != version:
                    msg = (
                        f"{p!r} had its .data changed after it was used in a '{node.op}' operation, so that "
                        "result is stale: build the expression again from the new numbers, then call backward()"
                    )
                    raise ValueError(msg)
        for node in nodes:
            node.grad = 0.0
        self.grad = 1.0
        for node in reversed(nodes):
            if node._parents:
                for p, d in zip(node._parents, node._local, strict=True):
                    if d == math.inf:
                        msg = f"the local derivative of '{node.op}' at {p!r} is infinite (e.g. a ** 0.5 at a = 0)"
                        raise ZeroDivisionError(msg)
                    p.grad += d * node.grad  # local derivative x upstream; += sums over a fan-out
                yield node

    def backward(self) -> None:
        """Set ``v.grad = dJ/dv`` for every node v of this value J's graph (see the module notes)."""
        for _ in self.backward_steps():
            pass


def _as_value(x: object) -> Value:
    return x if isinstance(x, Value) else Value._make(_finite(x, "the other operand"), (), "", ())
