"""The drawing shortcuts of the widgets give the pixels of the slow way, and are taken when they should be.

Each shortcut (``_fastimage``, ``_onepath``, the view's panels and still artists) is compared pixel
for pixel with what plain matplotlib or a full draw of the same figure gives.
"""

import numpy as np
import pytest

widgets = pytest.importorskip("bpteach.widgets")

from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402
from matplotlib.colors import Normalize  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from bpteach.widgets._fastimage import NearestGridImage, SmoothGridImage, grid_image, nearest_grid_image  # noqa: E402
from bpteach.widgets._onepath import OnePath  # noqa: E402


def _canvas(size=(5.0, 3.0)):
    fig = Figure(figsize=size, dpi=96)
    FigureCanvasAgg(fig)
    return fig, fig.add_axes((0.12, 0.15, 0.8, 0.75))


def _pixels(fig):
    fig.canvas.draw()
    return np.asarray(fig.canvas.buffer_rgba()).copy()


@pytest.mark.parametrize("shape", [(90, 90), (7, 13), (120, 40)])
def test_a_nearest_grid_image_draws_imshows_pixels(shape):
    rng = np.random.default_rng(1)
    grids = [rng.uniform(0, 1, shape), np.round(rng.uniform(0, 1, shape))]  # smooth values, and a step's 0/1
    plain_fig, plain_ax = _canvas()
    fast_fig, fast_ax = _canvas()
    kwargs = {"extent": (-3.5, 3.5, -2.0, 2.0), "origin": "lower", "cmap": "RdBu", "norm": Normalize(0, 1)}
    plain = plain_ax.imshow(grids[0], interpolation="nearest", aspect="auto", **kwargs)
    fast = nearest_grid_image(fast_ax, grids[0], **kwargs)
    assert isinstance(fast, NearestGridImage)
    for ax in (plain_ax, fast_ax):
        ax.set_xlim(-3.5, 3.5)
        ax.set_ylim(-2.0, 2.0)
    for grid in grids:  # a new grid: looked up in the learned map
        plain.set_data(grid)
        fast.set_data(grid)
        np.testing.assert_array_equal(_pixels(fast_fig), _pixels(plain_fig))
    for ax in (plain_ax, fast_ax):  # another place on the screen: the map is learned again
        ax.set_position((0.2, 0.1, 0.5, 0.6))
    np.testing.assert_array_equal(_pixels(fast_fig), _pixels(plain_fig))


def test_one_path_draws_the_bars_pixels():
    heights = np.array([3.0, 0.02, 1e-4, 7.5, 0.3, 2.0])
    plain_fig, plain_ax = _canvas()
    fast_fig, fast_ax = _canvas()
    plain_bars = plain_ax.bar(np.arange(6), heights, width=0.6, bottom=1e-6, color="#0072B2")
    fast_bars = fast_ax.bar(np.arange(6), heights, width=0.6, bottom=1e-6, color="#0072B2")
    for ax in (plain_ax, fast_ax):
        ax.set_yscale("log")
        ax.set_ylim(1e-6, 10)
    one = OnePath(fast_bars)
    for bars in (plain_bars, fast_bars):
        bars[4].set_visible(False)  # a hidden bar is left out
        bars[1].set_height(0.5)
    # as the apps draw them: animated, over the kept background; one by one, or in one path
    for bar in plain_bars:
        bar.set_animated(True)
    plain_fig.canvas.draw()
    for bar in plain_bars:
        plain_fig.draw_artist(bar)
    fast_fig.canvas.draw()
    fast_fig.draw_artist(one)
    plain = np.asarray(plain_fig.canvas.buffer_rgba())
    np.testing.assert_array_equal(np.asarray(fast_fig.canvas.buffer_rgba()), plain)


def _full_draw_png(app):
    """The PNG of the app's state drawn from scratch (the whole figure, no kept background)."""
    app.view.invalidate()
    app.refresh()
    return app.view.last_png


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_dashboard_panels_redraw_alone_and_give_a_full_draws_picture(theme):
    app = widgets.training_dashboard(theme=theme)
    app.controls["noise"].value = 0.3  # a new data box: the data panel alone is drawn again
    full = app.view.full_draws
    loss_panel = app.view._panels["loss"].pixels  # which panel was redrawn is the point
    app.controls["noise"].value = 0.45
    assert app.view.full_draws == full + 1  # one panel, drawn alone
    assert app.view._panels["loss"].pixels is loss_panel  # the loss panel was kept
    for change in ({"n": 500}, {"hidden": "3"}, {"dataset": "spirals"}, {"momentum": 0.5}):
        app.set(**change)
        shown = app.view.last_png
        assert _full_draw_png(app) == shown
    app.step(30)  # training moves the loss and gradient limits: their panels are drawn again
    shown = app.view.last_png
    assert _full_draw_png(app) == shown


@pytest.mark.parametrize("scale", [0.75, 1.5, 2.0])
def test_dashboard_panels_at_a_presenters_scale(scale):
    app = widgets.training_dashboard(scale=scale, dataset="circles", hidden="4, 4, 4")
    for noise in (0.05, 0.5):
        full = app.view.full_draws
        app.set(noise=noise)
        assert app.view.full_draws == full + 1  # the data panel alone (it stays inside its region)
        shown = app.view.last_png
        assert _full_draw_png(app) == shown


def test_vanishing_legend_is_pasted_and_gives_the_pixels_drawn():
    app = widgets.vanishing_gradients()
    legend = app.ax.get_legend()
    pictures = []
    for depth, activation in ((30, "sigmoid"), (4, "relu"), (20, "tanh")):
        app.set(depth=depth, activation=activation)
        pictures.append(app.view.last_png)
    assert app.view._still[legend] is not None  # the legend was pasted, not drawn
    # the same states drawn with the legend drawn as any other artist
    app.view._still.clear()
    for (depth, activation), shown in zip(((30, "sigmoid"), (4, "relu"), (20, "tanh")), pictures, strict=True):
        app.set(depth=depth, activation=activation)
        assert _full_draw_png(app) == shown


def test_kept_glyphs_draw_the_pixels_freetype_renders():
    from bpteach.widgets import _glyphs
    from bpteach.widgets._glyphs import GlyphCanvas

    def draw(canvas_class):
        fig = Figure(figsize=(5.0, 3.0), dpi=96)
        canvas_class(fig)
        ax = fig.add_axes((0.15, 0.15, 0.8, 0.7))
        ax.set_title(r"$\|\nabla_{W_i} J\|$ per layer, $\frac{1}{2}(y - f)^2$")  # mathtext: glyphs and a bar
        ax.set_xlabel("epoch (rotated below)")
        ax.set_ylabel("loss J")  # rotated 90 degrees
        ax.set_yscale("log")
        ax.set_ylim(1e-6, 10)
        ax.text(0.1, 0.5, "J = 0.0825\naccuracy = 83%", transform=ax.transAxes, antialiased=False)
        ax.text(0.6, 0.3, "slanted, 30°", rotation=30, transform=ax.transAxes)
        pictures = []
        for xmax in (2.0, 7.5, 2.0):  # new tick labels, then the first ones again (from kept glyphs)
            ax.set_xlim(0, xmax)
            fig.canvas.draw()
            pictures.append(np.asarray(fig.canvas.buffer_rgba()).copy())
        return pictures

    _glyphs._KEPT.clear()
    with_kept = draw(GlyphCanvas)
    assert len(_glyphs._KEPT) > 50  # the glyphs were kept (and the third draw took them from there)
    for kept, fresh in zip(with_kept, draw(FigureCanvasAgg), strict=True):
        np.testing.assert_array_equal(kept, fresh)


def test_recipe_maps_kept_between_steps_give_a_full_draws_picture():
    app = widgets.matrix_recipe()
    for change in ({"step": 3}, {"step": 4}, {"neuron": 4}, {"step": 6}, {"example": 2}, {"step": 1}):
        app.set(**change)
        shown = app.view.last_png
        assert _full_draw_png(app) == shown  # every map drawn afresh over a new background


def test_descent_loss_panel_redraws_alone_and_gives_a_full_draws_picture():
    app = widgets.descent_explorer()
    app.set(steps=150)  # a new t-axis: the loss panel alone is drawn again
    contours = app.view._panels["contours"].pixels  # the contour panel was kept
    app.set(steps=7)
    assert app.view._panels["contours"].pixels is contours
    for change in ({"steps": 7}, {"surface": "rain neuron"}, {"steps": 60}, {"surface": "quadratic"}):
        app.set(**change)
        shown = app.view.last_png
        assert _full_draw_png(app) == shown


def test_a_smooth_grid_image_draws_imshows_pixels():
    rng = np.random.default_rng(2)
    plain_fig, plain_ax = _canvas()
    fast_fig, fast_ax = _canvas()
    kwargs = {"origin": "lower", "cmap": "RdBu", "alpha": 0.75, "interpolation": "bilinear"}
    grid = rng.uniform(0, 1, (60, 60))
    plain = plain_ax.imshow(grid, vmin=0, vmax=1, aspect="auto", **kwargs)
    fast = grid_image(fast_ax, grid, SmoothGridImage, norm=Normalize(0, 1), **kwargs)
    # new data boxes (limits and extent move together); doubled boxes land on the very same pixels, so
    # what was kept for the place must not depend on the limits
    boxes = [(-1.0, 2.0, -1.5, 1.0), (-1.0, 2.0, -1.5, 1.0), (-2.0, 4.0, -3.0, 2.0), (-2.25, 2.5, -1.25, 1.75)]
    boxes += [(-4.5, 5.0, -2.5, 3.5), (-0.5, 1.0, -0.75, 0.5)]
    for k, (x0, x1, y0, y1) in enumerate(boxes):
        grid = rng.uniform(0, 1, (60, 60)) if k % 2 else np.clip(grid + 0.1, 0, 1)
        for image, ax in ((plain, plain_ax), (fast, fast_ax)):
            image.set_data(grid)
            image.set_extent((x0, x1, y0, y1))
            ax.set_xlim(x0, x1)
            ax.set_ylim(y0, y1)
        np.testing.assert_array_equal(_pixels(fast_fig), _pixels(plain_fig))
    assert fast._kept is not None  # the kept place was used, not matplotlib's whole path
