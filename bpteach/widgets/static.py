"""A static lecture figure with a text alternative: ``show_figure(fig, alt)``.

A figure a lecture draws once (no control moves it) is shown as the same ``<figure><img alt=...>``
element the apps use, so a screen reader reads ``alt`` in JupyterLab, Voila and the offline export
(``bpteach export``), and the text/plain fallback of the output is that same sentence.
"""

from __future__ import annotations

import io

from bpteach.widgets._page import figure_html

__all__ = ["show_figure"]


def show_figure(fig: object, alt: str) -> None:
    """Display the matplotlib figure ``fig`` with ``alt``, a sentence that says what it shows.

    ``alt`` should carry the numbers a sighted reader takes from the picture (e.g. "the loss falls
    from 0.25 to 0.01 in 600 epochs"), not only its title.
    """
    from IPython.display import display
    from matplotlib.figure import Figure

    if not isinstance(fig, Figure):
        msg = f"fig must be a matplotlib Figure, got {type(fig).__name__}"
        raise TypeError(msg)
    if not isinstance(alt, str) or not alt.strip():
        msg = "alt must say what the figure shows (a sentence with its numbers), got {alt!r}"
        raise ValueError(msg)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=fig.dpi)
    width_px = round(fig.get_figwidth() * fig.dpi)
    bundle = {"text/html": figure_html(buffer.getvalue(), alt, width_px), "text/plain": alt}
    display(bundle, raw=True)
    if fig.canvas.manager is not None:  # a pyplot figure: close it so Jupyter does not show it twice
        import matplotlib.pyplot as plt

        plt.close(fig)
