r"""A network N = (V, A) drawn once on an axes, then updated in place (lecture 002's diagrams).

Neurons are circles with their ids; an arc (i, j) is a line whose colour and style carry the sign of
w_ij (blue solid positive, vermillion dashed negative: hue and line style, never hue alone) and
whose width grows with |w_ij|. ``set_weights`` restyles the arcs, ``highlight`` rings a neuron or
thickens an arc, ``set_notes`` writes numbers (in_j, a_j, Delta_j) beside the neurons,
``set_arc_labels`` writes a text on each arc (its weight, or a product w_jj' Delta_j') and
``set_terms`` lights up some arcs (those a backward step sums over). Arc labels sit on their own arc,
at a place chosen once so that no label touches another arc, another label, a neuron or a note
(up to ``MAX_LABELLED_ARCS`` arcs; a denser diagram shows only the lit arcs' labels).
Every update changes existing artists; nothing is created after ``__init__``.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence

import numpy as np
from matplotlib.collections import LineCollection

from bpteach.widgets._base import COLORS, NEGATIVE_STYLE, POSITIVE_STYLE
from bpteach.widgets._pathtext import PathTexts
from bpteach.widgets._theme import THEMES, legible_on

__all__ = ["NetDrawing", "arc_style", "mlp_arcs"]

Neuron = Hashable
MAX_LABELLED_ARCS = 40  # beyond this many arcs a label on each would hide the diagram


def arc_style(w: np.ndarray, scale: float = 1.0, max_width: float = 4.0) -> tuple[list, list, np.ndarray]:
    """Colours, line styles and widths for weights ``w``: sign -> hue and dash, |w| -> width."""
    w = np.asarray(w, dtype=np.float64)
    biggest = float(np.max(np.abs(w))) if w.size else 0.0
    rel = np.abs(w) / biggest if biggest > 0 else np.zeros_like(w)
    colors = [COLORS["positive"] if v >= 0 else COLORS["negative"] for v in w]
    styles = [POSITIVE_STYLE if v >= 0 else NEGATIVE_STYLE for v in w]
    widths = scale * (0.5 + (max_width - 0.5) * rel)
    return colors, styles, widths


def mlp_arcs(neuron_ids: Sequence[Sequence[int]]) -> list[tuple[int, int]]:
    """The arcs of a fully connected layered net in the order of ``W[1].ravel(), W[2].ravel(), ...``.

    Row r of W_i is neuron r of layer i, column c neuron c of layer i-1, as ``bp.to_network`` numbers them.
    """
    return [(src, j) for i in range(1, len(neuron_ids)) for j in neuron_ids[i] for src in neuron_ids[i - 1]]


class NetDrawing:
    """Neurons at ``pos`` and the lines of ``arcs`` on ``ax`` (an axes of a ``FigureView``'s figure)."""

    def __init__(
        self,
        ax: object,
        pos: Mapping[Neuron, tuple[float, float]],
        arcs: Sequence[tuple[Neuron, Neuron]],
        inputs: Sequence[Neuron] = (),
        outputs: Sequence[Neuron] = (),
        colors: Mapping[str, str] | None = None,
        scale: float = 1.0,
        labels: bool = True,
        arc_labels: bool = False,
    ) -> None:
        self.ax = ax
        self.scale = scale
        self.neurons = list(pos)
        self.pos = {n: (float(p[0]), float(p[1])) for n, p in pos.items()}
        self.arcs = list(arcs)
        self._arc_index = {arc: k for k, arc in enumerate(self.arcs)}
        theme = colors or THEMES["light"]
        xy = np.array([self.pos[n] for n in self.neurons])
        # circles shrink when a column is crowded so that 30 neurons still fit
        column_sizes = np.unique(np.round(xy[:, 0], 6), return_counts=True)[1]
        self.diameter = scale * float(np.clip(150.0 / max(column_sizes.max(), 1), 9.0, 26.0))
        segments = [[self.pos[i], self.pos[j]] for i, j in self.arcs]
        self.lines = LineCollection(segments, zorder=1, capstyle="round")
        ax.add_collection(self.lines)
        (self.arc_ring,) = ax.plot(
            [], [], color=theme["highlight"], lw=7 * scale, alpha=0.6, solid_capstyle="round", zorder=2, visible=False
        )
        face = []
        for n in self.neurons:
            if n in inputs:
                face.append(theme["sky"])
            elif n in outputs:
                face.append(COLORS["accent"])
            else:
                face.append(theme["face"])
        self.nodes = ax.scatter(
            xy[:, 0], xy[:, 1], s=self.diameter**2, c=face, edgecolors=theme["text"], linewidths=1.2 * scale, zorder=3
        )
        self.node_ring = ax.scatter(
            [0.0],
            [0.0],
            s=(self.diameter * 1.45) ** 2,
            facecolors="none",
            edgecolors=theme["highlight"],
            linewidths=3.5 * scale,
            zorder=4,
        )
        self.node_ring.set_visible(False)
        size = 10 * scale if self.diameter > 14 * scale else 7 * scale
        self.labels = PathTexts(ax, xy, size, [legible_on(f, theme) for f in face], zorder=5)
        if labels:
            self.labels.set_texts([str(n) for n in self.neurons])
        xs, ys = xy[:, 0], xy[:, 1]
        padx = 0.35 * max(np.ptp(xs), 1.0) / max(len(column_sizes), 1) + 0.25
        pady = 0.18 * max(np.ptp(ys), 1.0) + 0.25
        ax.set_xlim(xs.min() - padx, xs.max() + padx)
        ax.set_ylim(ys.min() - pady, ys.max() + pady)
        ax.set_axis_off()
        # notes go above (forward values) and below (Delta) each neuron; where a column is too crowded
        # for three lines between neighbours, one line to the right of the neuron instead
        note_size = 9.0 * scale
        self.side_notes = self._gap_points(xy) < self.diameter + 3 * 1.25 * note_size + 8 * scale
        offset = self.diameter * 0.75 + 2 * scale  # clear of the ring round a highlighted neuron
        if self.side_notes:
            # room on the right for the last column's notes
            spacing = np.ptp(xs) / max(len(column_sizes) - 1, 1) if len(column_sizes) > 1 else 1.0
            ax.set_xlim(xs.min() - padx, xs.max() + padx + 0.8 * spacing)
            self.above = PathTexts(
                ax,
                xy,
                0.85 * note_size,
                theme["text"],
                ha="left",
                va="center",
                offset=(self.diameter / 2 + 3 * scale, 0),
                zorder=6,
                halo=theme["face"],
            )
        else:
            self.above = PathTexts(
                ax, xy, note_size, theme["text"], va="bottom", offset=(0, offset), zorder=6, halo=theme["face"]
            )
        self.below = PathTexts(
            ax, xy, note_size, theme["text"], va="top", offset=(0, -offset), zorder=6, halo=theme["face"]
        )
        self._notes: tuple[dict, dict] = ({}, {})
        self._weights: np.ndarray | None = None
        self.arc_labels: PathTexts | None = None
        self.term_lines = LineCollection(
            [], colors=theme["highlight"], linewidths=6 * scale, alpha=0.75, zorder=2, capstyle="round"
        )
        ax.add_collection(self.term_lines, autolim=False)
        self.term_labels: PathTexts | None = None
        if arc_labels:
            size = 8.5 * scale
            taken: list = []
            if len(self.arcs) <= MAX_LABELLED_ARCS:
                weights, taken = self._label_places(size, note_size, chars=5)
                self.arc_labels = PathTexts(ax, weights, size, theme["text"], zorder=7, box=theme["face"])
                # the products w_jj' Delta_j' of a backward step: wider, placed clear of the weights' labels
                products, _ = self._label_places(size, note_size, chars=12, taken=taken)
            else:  # a crowded diagram: no weight labels, a product at the middle of its lit arc
                products = np.array([np.add(self.pos[i], self.pos[j]) / 2 for i, j in self.arcs])
            self.term_labels = PathTexts(ax, products, size, theme["text"], zorder=8, box=theme["face"])

    def _label_places(
        self, size: float, note_size: float, chars: int, taken: list | None = None
    ) -> tuple[np.ndarray, list]:
        """A point on each arc for a label of ``chars`` characters: the first of a few fractions along
        the arc whose box crosses no other arc, no label placed before (``taken``: boxes in pixels), no
        neuron and no note; else the one with the fewest crossings. Returns the points and every box."""
        fig = self.ax.figure
        to_px = self.ax.transData.transform
        px_per_pt = fig.dpi / 72
        half = np.array([chars * 0.31 * size + 2, 0.6 * size + 1]) * px_per_pt  # half width, half height
        nodes = to_px(np.array([self.pos[n] for n in self.neurons]))
        r = (1.45 * self.diameter / 2 + 2) * px_per_pt  # the ring of a highlighted neuron included
        note_h = 2 * 1.25 * note_size * px_per_pt
        obstacles = list(taken or [])  # boxes (x0, y0, x1, y1) in pixels: neurons with their notes, labels
        for x, y in nodes:
            obstacles.append((x - r, y - r - (0 if self.side_notes else note_h), x + r, y + r + note_h))
        segments = [(to_px(self.pos[i]), to_px(self.pos[j])) for i, j in self.arcs]
        places = []
        for k, (p0, p1) in enumerate(segments):
            best, best_cost = None, np.inf
            for t in (0.3, 0.7, 0.22, 0.78, 0.4, 0.6, 0.5, 0.15, 0.85):
                c = p0 + t * (p1 - p0)
                box = (*(c - half), *(c + half))
                cost = sum(_boxes_meet(box, o) for o in obstacles)
                cost += sum(_segment_meets_box(a, b, box) for m, (a, b) in enumerate(segments) if m != k)
                if cost < best_cost:
                    best, best_cost = c, cost
                if cost == 0:
                    break
            obstacles.append((*(best - half), *(best + half)))
            places.append(best)
        return self.ax.transData.inverted().transform(np.array(places)), obstacles

    def set_arc_labels(self, texts: Sequence[str], colors: Sequence[str] | None = None) -> None:
        """One text on each arc (aligned with ``arcs``), e.g. its weight."""
        if self.arc_labels is not None:
            self.arc_labels.set_texts(texts, colors)

    def set_terms(self, terms: Mapping[tuple[Neuron, Neuron], str]) -> None:
        """Light up the arcs of ``terms`` (e.g. the arcs (j, j') a backward step sums over), each
        labelled with its text (e.g. its product w_jj' Delta_j'); {} for none."""
        self.term_lines.set_segments([[self.pos[i], self.pos[j]] for i, j in terms])
        if self.term_labels is not None:
            self.term_labels.set_texts([terms.get(arc, "") for arc in self.arcs])

    def _gap_points(self, xy: np.ndarray) -> float:
        """The smallest vertical distance, in points, between two neurons of one column."""
        gaps = [np.diff(np.sort(xy[np.isclose(xy[:, 0], x), 1])) for x in np.unique(xy[:, 0])]
        gaps = [g.min() for g in gaps if g.size]
        if not gaps:
            return np.inf
        fig = self.ax.figure
        height = self.ax.get_position().height * fig.get_size_inches()[1] * 72
        y0, y1 = self.ax.get_ylim()
        return float(min(gaps) * height / abs(y1 - y0))

    def set_weights(self, w: Sequence[float] | np.ndarray) -> None:
        """Restyle every arc from its weight (aligned with ``arcs``); skipped when nothing changed."""
        w = np.asarray(w, dtype=np.float64)
        if w.shape != (len(self.arcs),):
            msg = f"w must hold one weight per arc ({len(self.arcs)}), got shape {w.shape}"
            raise ValueError(msg)
        if self._weights is not None and np.array_equal(w, self._weights):
            return
        self._weights = w.copy()
        # thinner lines when there are many, so that a dense diagram stays legible
        colors, styles, widths = arc_style(w, self.scale, float(np.clip(4 * np.sqrt(24 / max(len(w), 1)), 1.5, 4)))
        self.lines.set_color(colors)
        self.lines.set_linestyle(styles)
        self.lines.set_linewidth(widths)

    def highlight(self, target: object) -> None:
        """Ring the neuron ``target``, or thicken the arc ``target`` = (i, j); None clears both."""
        if target in self._arc_index:
            i, j = target  # type: ignore[misc]
            (x0, y0), (x1, y1) = self.pos[i], self.pos[j]
            self.arc_ring.set_data([x0, x1], [y0, y1])
            self.arc_ring.set_visible(True)
            self.node_ring.set_visible(False)
        elif target in self.pos:
            self.node_ring.set_offsets([self.pos[target]])
            self.node_ring.set_visible(True)
            self.arc_ring.set_visible(False)
        else:
            self.arc_ring.set_visible(False)
            self.node_ring.set_visible(False)

    def set_notes(self, above: Mapping[Neuron, str], below: Mapping[Neuron, str]) -> None:
        """Write ``above[j]`` over neuron j and ``below[j]`` under it; neurons not named get no note."""
        self._notes = (dict(above), dict(below))
        if self.side_notes:
            self.above.set_texts(
                [
                    "  ".join(t for t in (above.get(n, "").replace("\n", "  "), below.get(n, "")) if t)
                    for n in self.neurons
                ]
            )
            return
        self.above.set_texts([above.get(n, "") for n in self.neurons])
        self.below.set_texts([below.get(n, "") for n in self.neurons])

    def note_artists(self) -> list:
        """The collections that draw the notes (for a view that redraws only what moves)."""
        texts = [t for t in (self.above, self.below, self.arc_labels, self.term_labels) if t is not None]
        return [c for t in texts for c in (t.halo, t.collection) if c is not None]

    def notes(self, j: Neuron) -> tuple[str, str]:
        """The notes (above, below) neuron ``j`` now shows."""
        return self._notes[0].get(j, ""), self._notes[1].get(j, "")


def _boxes_meet(a: tuple, b: tuple) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _segment_meets_box(p0: np.ndarray, p1: np.ndarray, box: tuple) -> bool:
    """Whether the segment p0-p1 passes through the box (sampled finely enough for a label's size)."""
    t = np.linspace(0.0, 1.0, 64)[:, None]
    pts = p0 + t * (p1 - p0)
    inside = (pts[:, 0] > box[0]) & (pts[:, 0] < box[2]) & (pts[:, 1] > box[1]) & (pts[:, 1] < box[3])
    return bool(inside.any())
