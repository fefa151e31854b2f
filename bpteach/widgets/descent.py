r"""Gradient descent with and without momentum on a loss surface of two weights (lecture 003).

| lecture 003 | meaning | code |
|---|---|---|
| J(w), w = (w_1, w_2) | the loss surface | ``Surface.loss(W)``, W of shape (2, k): k points at once |
| dJ/dw(t) | its gradient at step t | ``Surface.gradient(W)`` |
| dw(t) = -eta dJ/dw(t) + mu dw(t - 1) | the update with momentum | ``descend(surface, start, eps, alpha, steps)`` |
| w(t + 1) = w(t) + dw(t) | one step; mu = 0 is plain gradient descent | ``Path.w[t + 1]`` |

The symbols are those of the notation page (eta the learning rate, mu the momentum, J the loss);
the parameter names ``eps`` and ``alpha`` of ``descend`` are kept for callers.

Two surfaces: the ill-conditioned quadratic J = 1/2 (w_1^2 + 10 w_2^2), whose steep direction
overshoots for eta > 1/10 and diverges for eta > 2/10, and the loss C = 1/2 sum_c (y_c - a_c)^2
of one sigmoid neuron a = sigma(w_1 x_1 + w_2 x_2) without bias on lecture 003's rain data (a long
curved valley). A path stops when it diverges: when its loss passes ``DIVERGENCE_FACTOR`` times
max(J(w(0)), 1), or is no longer a finite number; nothing overflows and no warning is raised.
"""

from __future__ import annotations

from dataclasses import dataclass

import ipywidgets as widgets
import matplotlib as mpl
import numpy as np
from matplotlib.colors import ListedColormap

from bpteach.activations import sigmoid
from bpteach.datasets import rain
from bpteach.widgets._app import App, check_choice, check_int, check_names, check_number, fmt, slider
from bpteach.widgets._base import AUTO_TITLE, COLORS, FigureView
from bpteach.widgets._limits import no_axis_label

__all__ = ["SURFACES", "DescentExplorer", "DescentState", "Path", "Surface", "descend", "descent_explorer"]

EXTENT = (-3.0, 3.0)  # both weights, both surfaces
MAX_STEPS = 200
DIVERGENCE_FACTOR = 1e3
GRID = 121
_T_AXIS = (10, 20, 50, 100, MAX_STEPS)  # lengths of the t-axis of the loss plot


class Surface:
    """A loss J(w_1, w_2) with its gradient, both for k weight vectors at once (columns of W)."""

    name = ""
    label = ""
    latex = ""
    minimum = (0.0, 0.0)
    loss_limits = (1e-8, 1e5)  # the y-limits of the loss-per-step plot (log scale)

    def loss(self, W: np.ndarray) -> np.ndarray:
        """J(w) for each column w = (w_1, w_2) of W (shape (2, k)), shape (k,)."""
        raise NotImplementedError

    def gradient(self, W: np.ndarray) -> np.ndarray:
        """dJ/dw for each column of W, shape (2, k): the step of lecture 003 is -eta dJ/dw."""
        raise NotImplementedError

    def loss_and_gradient(self, W: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Both at once (a surface may share the work)."""
        return self.loss(W), self.gradient(W)


class Quadratic(Surface):
    """J = 1/2 (w_1^2 + kappa w_2^2): curvature 1 along w_1, kappa along w_2."""

    name = "quadratic"
    label = "ill-conditioned quadratic"

    def __init__(self, kappa: float = 10.0) -> None:
        self.kappa = kappa
        self.latex = rf"J = \frac{{1}}{{2}}(w_1^2 + {kappa:g}\,w_2^2)"

    def loss(self, W: np.ndarray) -> np.ndarray:
        """J = 1/2 (w_1^2 + kappa w_2^2)."""
        return 0.5 * (W[0] ** 2 + self.kappa * W[1] ** 2)

    def gradient(self, W: np.ndarray) -> np.ndarray:
        """dJ/dw = (w_1, kappa w_2)."""
        return np.stack([W[0], self.kappa * W[1]])


class RainNeuron(Surface):
    """C = 1/2 sum_c (y_c - sigma(w^T x_c))^2 on lecture 003's rain days (sum over the cases)."""

    name = "rain neuron"
    label = "one neuron on the rain data (lecture 5)"
    latex = r"J = \frac{1}{2}\sum_c (y_c - \sigma(w_1 x_{c1} + w_2 x_{c2}))^2"
    loss_limits = (1e-4, 3.0)

    def __init__(self) -> None:
        self.X, Y = rain()
        self.y = Y[0]
        self.minimum = (1.52, -0.19)  # from a fine grid: C = 0.0002 there

    def _outputs(self, W: np.ndarray) -> np.ndarray:
        return sigmoid(W.T @ self.X)  # (k, cases)

    def loss(self, W: np.ndarray) -> np.ndarray:
        """C = 1/2 sum_c (y_c - sigma(w^T x_c))^2 over lecture 003's three days."""
        return 0.5 * np.sum((self.y - self._outputs(W)) ** 2, axis=1)

    def gradient(self, W: np.ndarray) -> np.ndarray:
        """dC/dw = sum_c delta_c x_c with delta_c = (a_c - y_c) sigma'(z_c) (lecture 003)."""
        return self.loss_and_gradient(W)[1]

    def loss_and_gradient(self, W: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        a = self._outputs(W)
        delta = (a - self.y) * a * (1 - a)  # lecture 003: delta = (a - y) * sigma'(z)
        return 0.5 * np.sum((self.y - a) ** 2, axis=1), (delta @ self.X.T).T


SURFACES: dict[str, Surface] = {s.name: s for s in (Quadratic(), RainNeuron())}


@dataclass(frozen=True)
class Path:
    """w[t] (shape (T + 1, 2)) and E[t] for t = 0..T; ``diverged_at`` is the step whose loss passed the
    bound (None when none did); ``rises`` counts the steps on which the loss went up (overshoot)."""

    w: np.ndarray
    E: np.ndarray
    diverged_at: int | None
    rises: int

    @property
    def steps(self) -> int:
        return len(self.E) - 1


def descend(
    surface: Surface, start: np.ndarray, eps: float, alpha: float | list[float], steps: int
) -> Path | list[Path]:
    """Lecture 003's rule from w(0) = start: dw(t) = -eta dJ/dw(t) + mu dw(t - 1), dw(-1) = 0.

    ``eps`` is the learning rate eta, ``alpha`` the momentum mu (or a list of them).

    A path stops early when its loss passes ``DIVERGENCE_FACTOR * max(J(w(0)), 1)``. Given a list
    of momenta, the paths for all of them are run side by side (one surface evaluation a step for
    all) and returned as a list.
    """
    alphas = np.atleast_1d(np.asarray(alpha, dtype=np.float64))
    k = len(alphas)
    w = np.repeat(np.asarray(start, dtype=np.float64).reshape(2, 1), k, axis=1)  # one column a path
    dw = np.zeros((2, k))
    loss_t, g = surface.loss_and_gradient(w)
    bound = DIVERGENCE_FACTOR * max(float(loss_t[0]), 1.0)
    ws, losses = [w], [loss_t]
    ends, diverged = np.full(k, steps), [None] * k
    moving = np.ones(k, dtype=bool)
    # a diverging path stops below the bound, so nothing overflows; errstate is only a guard
    with np.errstate(all="ignore"):
        for t in range(steps):
            dw = np.where(moving, -eps * g + alphas * dw, 0.0)
            w = w + dw
            loss_t, g = surface.loss_and_gradient(w)
            ws.append(w)
            losses.append(loss_t)
            for j in np.flatnonzero(moving & ~(loss_t <= bound)):  # also True for a NaN loss
                diverged[j], ends[j], moving[j] = t + 1, t + 1, False
            if not moving.any():
                break
    W, E_all = np.stack(ws), np.stack(losses)  # (T + 1, 2, k), (T + 1, k)
    paths = []
    for j in range(k):
        E_j = E_all[: ends[j] + 1, j]
        paths.append(Path(W[: ends[j] + 1, :, j], E_j, diverged[j], int(np.sum(np.diff(E_j) > 0))))
    return paths if np.ndim(alpha) else paths[0]


class DescentState:
    """The surface, lr (learning rate eta), momentum (mu), the number of steps and w(0); two paths."""

    def __init__(
        self,
        surface: str = "quadratic",
        lr: float = 0.15,
        momentum: float = 0.5,
        steps: int = 30,
        start: tuple[float, float] = (-2.5, 1.5),
    ) -> None:
        try:
            w1, w2 = start
        except (TypeError, ValueError):
            msg = f"start must be a pair (w1, w2), got {start!r}"
            raise TypeError(msg) from None
        self.surface_name, self.lr, self.momentum, self.steps = "quadratic", 0.1, 0.0, 1
        self.w1_0 = self.w2_0 = 0.0
        self.set(surface=surface, lr=lr, momentum=momentum, steps=steps, w1_0=w1, w2_0=w2)

    def set(self, **changes: object) -> None:
        """Change any of surface, lr (eta > 0), momentum (mu in [0, 1)), steps, w1_0, w2_0."""
        check_names(changes, ("surface", "lr", "momentum", "steps", "w1_0", "w2_0"), "DescentState.set")
        if changes.get("surface") is not None:
            self.surface_name = str(check_choice(changes["surface"], "surface", SURFACES))
        if changes.get("lr") is not None:
            self.lr = check_number(changes["lr"], "lr (the learning rate eta)", 1e-6, 10.0)
        if changes.get("momentum") is not None:
            self.momentum = check_number(changes["momentum"], "momentum (mu)", 0.0, 0.999)
        if changes.get("steps") is not None:
            self.steps = check_int(changes["steps"], "steps", 1, MAX_STEPS)
        for name in ("w1_0", "w2_0"):
            if changes.get(name) is not None:
                setattr(self, name, check_number(changes[name], name, *EXTENT))
        start = np.array([self.w1_0, self.w2_0])
        self.plain, self.with_momentum = descend(self.surface, start, self.lr, [0.0, self.momentum], self.steps)

    @property
    def surface(self) -> Surface:
        return SURFACES[self.surface_name]


class DescentExplorer(App):
    """The view: contours of J with both paths; J per step on a log scale."""

    def __init__(self, state: DescentState, scale: float | None = None, theme: str | None = None) -> None:
        controls = {
            "surface": widgets.Dropdown(
                options=[(s.label, s.name) for s in SURFACES.values()],
                value=state.surface_name,
                description="surface",
                style={"description_width": "initial"},
            ),
            "lr": widgets.FloatLogSlider(
                value=state.lr,
                base=10,
                min=-3,
                max=0.5,
                step=0.01,
                description="learning rate η",
                readout_format=".3f",
                style={"description_width": "initial"},
            ),
            "momentum": slider("momentum μ", state.momentum, 0.0, 0.99, 0.01),
            "steps": widgets.IntSlider(
                value=state.steps, min=1, max=MAX_STEPS, description="steps", style={"description_width": "initial"}
            ),
            "w1_0": slider("start w₁(0)", state.w1_0, *EXTENT),
            "w2_0": slider("start w₂(0)", state.w2_0, *EXTENT),
        }
        super().__init__(state, controls, figsize=(9.0, 4.0), scale=scale, theme=theme, columns=2)

    def _build(self, view: FigureView) -> None:
        with view.style(AUTO_TITLE):  # the rain neuron's title has a subscript under its sum
            self.ax_w, self.ax_E = view.figure.subplots(1, 2, gridspec_kw={"width_ratios": [1, 1]})
        with view.style():
            ax = self.ax_w
            ax.set_xlim(*EXTENT)
            ax.set_ylim(*EXTENT)
            ax.set_xlabel("$w_1$")
            ax.set_ylabel("$w_2$")
            self.minimum = ax.plot([], [], "*", color=view.colors["text"], ms=12 * view.scale)[0]
            lw = 1.6 * view.scale
            self.path_plain = ax.plot(
                [], [], "o-", color=COLORS["positive"], ms=3.5 * view.scale, lw=lw, label="plain (μ = 0)"
            )[0]
            self.path_momentum = ax.plot(
                [], [], "s--", color=COLORS["negative"], ms=3.5 * view.scale, lw=lw, label="momentum"
            )[0]
            self.start = ax.plot([], [], "o", color=view.colors["text"], ms=7 * view.scale)[0]
            ax.legend(loc="lower left", fontsize=8 * view.scale)
            ax = self.ax_E
            ax.set_yscale("log")
            ax.set_xlabel("step t")
            ax.set_title("J(w(t))")
            no_axis_label(ax.yaxis)
            self.loss_plain = ax.plot([], [], "-", color=COLORS["positive"])[0]
            self.loss_momentum = ax.plot([], [], "--", color=COLORS["negative"])[0]
            self.status = ax.text(0.97, 0.97, "", transform=ax.transAxes, ha="right", va="top")
            # fixed margins (fractions, so they hold at every scale): tight_layout costs a full draw
            view.figure.subplots_adjust(left=0.07, right=0.98, bottom=0.13, top=0.9, wspace=0.22)
        view.animate(self.path_plain, self.path_momentum, self.start, self.loss_plain, self.loss_momentum, self.status)
        # each half keeps its own background; 0.505 lies between the halves' tick labels (tested)
        view.panel("contours", [self.ax_w], (0.0, 0.0, 0.505, 1.0))
        view.panel("loss", [self.ax_E], (0.505, 0.0, 1.0, 1.0))
        # every surface's contours are computed once, here; a surface change only shows other ones
        g1, g2 = np.meshgrid(np.linspace(*EXTENT, GRID), np.linspace(*EXTENT, GRID))
        self.contours = {}
        # viridis without its end that would vanish into the page: yellow on white, purple on black
        lo, hi = (0.0, 0.85) if view.theme == "light" else (0.3, 1.0)
        cmap = ListedColormap(mpl.colormaps["viridis"](np.linspace(lo, hi, 256)))
        with view.style():
            for name, surface in SURFACES.items():
                E = surface.loss(np.stack([g1.ravel(), g2.ravel()])).reshape(g1.shape)
                # log-spaced levels: the flat floor of a valley gets as many lines as its steep walls
                levels = np.geomspace(max(E.min(), 1e-3 * E.max(), 1e-6), E.max(), 14)
                self.contours[name] = self.ax_w.contour(g1, g2, E, levels=levels, cmap=cmap, linewidths=0.9, zorder=0)
        self._drawn: tuple[str, int] | None = None

    def _static(self, s: DescentState, key: tuple[str, int]) -> None:
        """The contours, the minimum and the axes' limits: redrawn only for a new surface or t-axis."""
        surface = s.surface
        if self._drawn is None or self._drawn[0] != s.surface_name:
            for name, contours in self.contours.items():
                contours.set_visible(name == s.surface_name)
            self.minimum.set_data([surface.minimum[0]], [surface.minimum[1]])
            with self.view.style(AUTO_TITLE):
                self.ax_w.set_title(f"${surface.latex}$", fontsize=9 * self.view.scale)
            self.ax_E.set_ylim(*surface.loss_limits)
        self.ax_E.set_xlim(0, key[1])
        self._drawn = key
        # a new t-axis redraws the loss panel alone, not the contours and the typeset title too
        self.view.invalidate(key=key[0], panel="contours")
        self.view.invalidate(key=key, panel="loss")

    def _draw(self) -> None:
        s: DescentState = self.state
        # the t-axis snaps to a few lengths, so dragging the steps slider rarely redraws the axes
        key = (s.surface_name, next(n for n in _T_AXIS if n >= s.steps))
        if self._drawn != key:
            self._static(s, key)
        floor = s.surface.loss_limits[0]
        for path, line, loss in (
            (s.plain, self.path_plain, self.loss_plain),
            (s.with_momentum, self.path_momentum, self.loss_momentum),
        ):
            line.set_data(path.w[:, 0], path.w[:, 1])
            # a loss of exactly 0 has no place on a log scale: it is drawn on the floor
            loss.set_data(np.arange(path.steps + 1), np.maximum(path.E, floor))
        self.start.set_data([s.w1_0], [s.w2_0])
        self.status.set_text(
            "\n".join(f"{name}: {_verdict(p)}" for name, p in (("plain", s.plain), ("momentum", s.with_momentum)))
        )
        # unchanged text: nothing is sent, nothing re-typeset
        self.show_text(formulas=_descent_latex(s), readout=_descent_html(s))

    def describe(self) -> str:
        s: DescentState = self.state
        outcome = "; ".join(
            f"{name} {_verdict(p) if p.diverged_at is not None else f'ends at J = {p.E[-1]:.3g} after {p.steps} steps'}"
            for name, p in (("plain gradient descent", s.plain), ("with momentum", s.with_momentum))
        )
        return (
            f"Left: contour lines of the {s.surface.label} with two paths from w(0) = ({fmt(s.w1_0, 2)}, "
            f"{fmt(s.w2_0, 2)}), learning rate {fmt(s.lr, 3)}: plain gradient descent (blue, solid) and with "
            f"momentum {fmt(s.momentum, 2)} (vermillion, dashed). Right: the loss J per step on a log scale. {outcome}."
        )


def _verdict(path: Path) -> str:
    if path.diverged_at is not None:
        return f"diverged at step {path.diverged_at}"
    return f"J = {path.E[-1]:.3g}"


def _descent_latex(s: DescentState) -> str:
    """The surface and lecture 003's rule, typeset: it changes only with the surface."""
    return (
        f"${s.surface.latex}$; &nbsp; $\\Delta w(t) = -\\eta\\,\\frac{{\\partial J}}{{\\partial w}}(t) "
        f"+ \\mu\\,\\Delta w(t-1)$, $w(t+1) = w(t) + \\Delta w(t)$, $\\Delta w(-1) = 0$"
    )


def _descent_html(s: DescentState) -> str:
    """The numbers, in plain HTML: the first step by hand and each path's outcome."""
    g = s.surface.gradient(np.array([[s.w1_0], [s.w2_0]]))[:, 0]
    step = -s.lr * g
    lines = [
        f"η = {fmt(s.lr, 3)}, μ = {fmt(s.momentum, 2)}; first step (both paths): Δw(0) = −η ∂J/∂w(0) = "
        f"-{fmt(s.lr, 3)} × ({fmt(g[0])}, {fmt(g[1])}) = ({fmt(step[0])}, {fmt(step[1])})",
    ]
    for name, p in (("plain gradient descent (μ = 0)", s.plain), ("with momentum", s.with_momentum)):
        if p.diverged_at is not None:
            verdict = (
                f"<b>diverged</b> at step {p.diverged_at}: J passed "
                f"{DIVERGENCE_FACTOR:g} × max(J(w(0)), 1) = {DIVERGENCE_FACTOR * max(p.E[0], 1.0):.4g}"
            )
        else:
            verdict = (
                f"J went from {p.E[0]:.4g} to {p.E[-1]:.4g} in {p.steps} steps, "
                f"w = ({fmt(p.w[-1, 0])}, {fmt(p.w[-1, 1])})"
            )
        overshoot = f"; the loss rose on {p.rises} step(s) (overshoot)" if p.rises else ""
        lines.append(f"{name}: {verdict}{overshoot}")
    return "<br>".join(lines)


def descent_explorer(
    surface: str = "quadratic",
    lr: float = 0.15,
    momentum: float = 0.5,
    steps: int = 30,
    start: tuple[float, float] = (-2.5, 1.5),
    scale: float | None = None,
    theme: str | None = None,
) -> DescentExplorer:
    r"""Gradient descent on a two-weight loss surface, plain and with momentum (lecture 003).

    Both paths start at ``start`` = w(0) and follow dw(t) = -eta dJ/dw(t) + mu dw(t - 1),
    w(t + 1) = w(t) + dw(t): the plain one with mu = 0, the other with mu = ``momentum``.
    ``surface`` is "quadratic" (J = 1/2 (w_1^2 + 10 w_2^2): eta > 0.1 overshoots across the
    valley, eta > 0.2 diverges) or "rain neuron" (one sigmoid neuron on lecture 003's rain data).
    Sliders: learning rate eta (0.001 to 3.16), momentum mu, the number of steps (1 to 200) and
    the start point. A readout says "diverged" when a path's loss passes 1000 max(J(w(0)), 1).
    The widget exposes ``.state`` (a ``DescentState``: ``.plain``, ``.with_momentum`` paths),
    ``.controls`` ("surface", "lr", "momentum", "steps", "w1_0", "w2_0"), ``.formulas``,
    ``.readout`` and ``.view``.
    """
    return DescentExplorer(DescentState(surface, lr, momentum, steps, start), scale=scale, theme=theme)
