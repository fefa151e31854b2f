"""Headless tests of what every app shares: the one verb ``app.set``, the figure's words, theme and scale.

The description is the figure's text alternative: after a change it must state the new value (checked
against a computation written here), be the ``<img>`` alt, reach the live region, and ride along as the
static ``text/html`` fallback. Theme colours keep WCAG AA contrast (4.5:1) for text in both themes.
"""

import base64
import colorsys
import html
import math
import re

import numpy as np
import pytest

import bpteach as bp

widgets = pytest.importorskip("bpteach.widgets")
theme_module = pytest.importorskip("bpteach.widgets._theme")
matplotlib = pytest.importorskip("matplotlib")
to_rgb = pytest.importorskip("matplotlib.colors").to_rgb

APPS = [
    "sigmoid_explorer",
    "logistic_unit",
    "two_layer_gradient",
    "backprop_stepper",
    "matrix_recipe",
    "descent_explorer",
    "vanishing_gradients",
    "training_dashboard",
]


def _sigma(z):
    return 1.0 / (1.0 + math.exp(-z))


def _blame_w11_1(w11, w21, x):
    h1 = _sigma(w11 @ x)
    return w21[0] * h1 * (1 - h1) * x[0]


# app -> (changes, words the description must then contain, computed here from the changed value)
CHANGES = {
    "sigmoid_explorer": ({"z0": 1.5}, lambda app: [f"z0 = 1.50 it is {_sigma(1.5):.3f}", f"{0.8176 * 0.1824:.3f}"]),
    "logistic_unit": ({"w1": -2.0}, lambda app: ["line −2.00 x1"]),
    "two_layer_gradient": (
        {"w11[1]": 2.0},
        lambda app: [f"w₁₁[1] {_blame_w11_1(np.array([2.0, app.state.w11[1]]), app.state.w21, app.state.x):.3f}"],
    ),
    "backprop_stepper": ({"step": 13}, lambda app: ["Step 13 of 27", f"its value {app.state.record.delta[7]:.4g}"]),
    "matrix_recipe": ({"example": 2}, lambda app: ["column 2 of delta"]),
    "descent_explorer": ({"lr": 0.05}, lambda app: ["learning rate 0.050"]),
    "vanishing_gradients": ({"depth": 5}, lambda app: ["5 layers", "layers 1 to 5"]),
    "training_dashboard": (
        {"hidden": "4", "lr": 0.1},
        lambda app: ["network [2, 4, 1] trained with learning rate 0.1,"],
    ),
}

_BUILT: dict = {}


def _app(name):
    if name not in _BUILT:
        _BUILT[name] = getattr(widgets, name)()
    return _BUILT[name]


@pytest.mark.parametrize("name", APPS)
def test_set_changes_state_control_figure_and_words_with_one_render(name):
    app = _app(name)
    changes, expected = CHANGES[name]
    renders, png, words = app.view.renders, app.view.last_png, app.description
    app.set(**changes)
    assert app.view.renders == renders + 1
    assert app.view.last_png != png
    for control, value in changes.items():
        assert app.controls[control].value == value  # the control shows what code set
    assert app.description != words
    for text in expected(app):
        assert text in app.description, (text, app.description)
    # the words are the figure's alt text, next to the new PNG, and (no event loop here: at once) the live region
    img = re.search(r'<img alt="([^"]*)" src="data:image/png;base64,([^"]+)"', app.figure.value)
    assert img is not None
    assert html.unescape(img.group(1)) == app.description
    assert base64.b64decode(img.group(2)) == app.view.last_png
    assert app.live.value == app.description


@pytest.mark.parametrize("name", [*APPS, "expression_graph"])
def test_display_output_carries_a_static_figure_with_its_alt_text(name):
    bundle = _app(name)._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    fallback = bundle["text/html"]
    assert fallback.startswith('<figure class="bpteach-figure"')
    alt = re.search(r'<img alt="([^"]*)"', fallback).group(1)
    assert html.unescape(alt) == _app(name).description
    png = base64.b64decode(re.search(r'src="data:image/png;base64,([^"]+)"', fallback).group(1))
    assert png == _app(name).view.last_png


@pytest.mark.parametrize("name", [*APPS, "expression_graph"])
def test_controls_have_plain_text_names_and_icon_buttons_tooltips(name):
    """A slider's label becomes its handle's accessible name in the page: no LaTeX in it."""
    app = _app(name)
    for control in (w for c in app.controls.values() for w in (c if isinstance(c, list) else [c])):
        if isinstance(control, widgets.FigureView):  # pragma: no cover - never a control
            continue
        name_ = getattr(control, "description", "")
        assert "$" not in name_, name_
        if type(control).__name__ == "Button":
            assert control.tooltip, f"button {control.description!r} has no tooltip"
        elif type(control).__name__ != "Play":
            assert name_, f"{type(control).__name__} without a description"


def test_set_refuses_unknown_names_and_a_bad_value_leaves_the_state():
    app = _app("sigmoid_explorer")
    with pytest.raises(TypeError, match=r"SigmoidExplorer\.set takes z0, activation, theme, scale, got w"):
        app.set(w=1.0)
    app.set(z0=0.5)
    with pytest.raises(ValueError, match=r"z0 must lie between -6.0 and 6.0, got 9"):
        app.set(z0=9)
    assert app.state.z0 == 0.5 and app.controls["z0"].value == 0.5


def test_hold_sets_several_and_renders_once():
    app = _app("logistic_unit")
    renders = app.view.renders
    with app.hold():
        app.set(w1=0.3)
        app.set(b=-0.2)
        assert app.view.renders == renders
    assert app.view.renders == renders + 1
    assert "0.30 x1" in app.description and "− 0.20 = 0" in app.description


def test_stepper_backward_step_lights_each_arc_with_its_product():
    net, (x, y) = bp.datasets.lecture002_network(), bp.datasets.lecture002_example()
    rec = net.backpropagate(x, y)  # the independent reference
    app = widgets.backprop_stepper(net, x, y)
    k = next(n for n, s in enumerate(bp.steps(rec), 1) if s.phase == "delta" and s.target == 3)
    app.set(step=k)
    # Delta_3 = g'(in_3) (w_35 Delta_5 + w_36 Delta_6): both arcs lit, labelled with their products
    lit = [tuple(map(tuple, seg)) for seg in app.drawing.term_lines.get_segments()]
    pos = net.layout()
    assert lit == [(pos[3], pos[5]), (pos[3], pos[6])]
    labels = dict(zip(app.drawing.arcs, app.drawing.term_labels.texts, strict=True))
    for j in (5, 6):
        product = net.weight(3, j) * rec.delta[j]
        assert labels[(3, j)] == f"w·$\\Delta_{{{j}}}$={product:.4g}".replace("-", "−")
        assert f"arc (3, {j}): {net.weight(3, j):.3g} × {rec.delta[j]:.4g} = {product:.4g}" in app.description
    assert all(labels[a] == "" for a in app.drawing.arcs if a[0] != 3)
    total = net.weight(3, 5) * rec.delta[5] + net.weight(3, 6) * rec.delta[6]
    g = net.g
    assert rec.delta[3] == pytest.approx(float(g.derivative(rec.in_[3])) * total, rel=1e-12)
    assert app.readout.value == str(bp.steps(rec)[k - 1])  # the step in plain text
    # while the sum is being formed (in a kernel: one more term every 0.7 s), its partial value under j
    app.terms_shown = 1
    app.refresh()
    first = f"{net.weight(3, 5) * rec.delta[5]:.4g}".replace("-", "−")
    assert app.drawing.notes(3)[1] == f"Σ={first} (1 of 2)"
    assert f"(forming the sum: {first} … 1 of 2 terms = {first})" in app.readout.value
    assert len(app.drawing.term_lines.get_segments()) == 1
    # every arc carries its weight; no backward sum at a forward step
    app.set(step=3)
    assert app.drawing.arc_labels.texts == [f"{w:.4g}".replace("-", "−") for w in net.w]
    assert len(app.drawing.term_lines.get_segments()) == 0


def test_stepper_weight_labels_touch_no_other_arc_and_no_other_label():
    app = widgets.backprop_stepper()
    app.set(step=len(app.state.steps))
    fig = app.view.figure
    renderer = fig.canvas.get_renderer()
    labels = app.drawing.arc_labels
    boxes = [p.get_extents(transform) for p, transform in _placed(labels, renderer)]
    for k, box in enumerate(boxes):
        for m, other in enumerate(boxes):
            assert k == m or not box.overlaps(other), (app.drawing.arcs[k], app.drawing.arcs[m])
        for m, (i, j) in enumerate(app.drawing.arcs):
            if m == k:
                continue
            ends = app.drawing.ax.transData.transform([app.drawing.pos[i], app.drawing.pos[j]])
            t = np.linspace(0, 1, 200)[:, None]
            pts = ends[0] + t * (ends[1] - ends[0])
            inside = (pts[:, 0] > box.x0) & (pts[:, 0] < box.x1) & (pts[:, 1] > box.y0) & (pts[:, 1] < box.y1)
            assert not inside.any(), f"the label of {app.drawing.arcs[k]} lies on arc {(i, j)}"


def _placed(texts, renderer):
    """(path, transform to pixels) of each label of a PathTexts."""
    collection = texts.collection
    offsets = collection.get_offset_transform().transform(collection.get_offsets())
    base = collection.get_transform()
    from matplotlib.transforms import Affine2D

    return [(p, base + Affine2D().translate(*o)) for p, o in zip(collection.get_paths(), offsets, strict=True)]


def test_recipe_says_mean_or_sum_and_its_gradient_is_that():
    mlp = bp.MLP([2, 3, 1], activation="tanh", loss="half_squared_error", seed=2)
    X = np.array([[0.5, -1.0, 2.0], [1.5, 0.3, -0.7]])
    Y = np.array([[1.0, 0.0, 1.0]])
    mean, total = widgets.matrix_recipe(mlp, X, Y), widgets.matrix_recipe(mlp, X, Y, reduction="sum")
    for app in (mean, total):
        app.controls["last"].click()
    np.testing.assert_allclose(total.state.matrix("grad", 1), 3 * mean.state.matrix("grad", 1), rtol=1e-12)
    assert "the mean of the 3 examples" in mean.readout.value and "mean over the examples" in mean.description
    assert "the sum of the 3 examples" in total.readout.value
    assert r"\frac{1}{N}" in mean.state.lines[-1][2] and r"\frac" not in total.state.lines[-1][2]
    with pytest.raises(ValueError, match="reduction must be 'mean' or 'sum'"):
        widgets.matrix_recipe(mlp, X, Y, reduction="max")


def test_recipe_names_its_cost_and_the_lecture_as_the_student_numbers_it():
    # the rain network uses 1/2 (y - a)^2, lecture 6's 3-4-1 network (GT - P)^2: a factor 2 apart
    rain = widgets.matrix_recipe(reduction="sum")
    assert "node level (lecture 4), cost ½ (y − a)²: Δ" in rain.readout.value
    assert "the sum of the 3 examples' gradients" in rain.readout.value
    x, gt = bp.datasets.lecture004_example()
    one = widgets.matrix_recipe(bp.datasets.lecture004_network(), x[:, None], gt[:, None])
    assert "cost (y − a)²: Δ" in one.readout.value
    assert "the gradient of the one example." in one.readout.value and "1 examples" not in one.readout.value
    assert "lecture 00" not in rain.readout.value + one.readout.value


def test_recipe_says_when_a_value_is_not_computed_yet_instead_of_showing_it():
    app = widgets.matrix_recipe()
    app.set(step=0, neuron=app.state.ids[1][0])
    assert "computed at line" in app.readout.value
    assert f"{app.state.matrix_delta():.6g}" not in app.readout.value.split("matrix form")[1]


def test_recipe_rows_share_one_colour_scale_printed_in_the_titles():
    app = widgets.matrix_recipe()
    m = app.state.mlp.m
    biggest = max(np.max(np.abs(app.state.mlp.W[i])) for i in range(1, m + 1))
    for i in range(1, m + 1):
        assert app.maps[("W", i)].image.get_clim() == (-biggest, biggest)
        assert app.maps[("W", i)].ax.get_title().endswith(f"colours ±{biggest:.3g}")


# ----------------------------------------------------------------- theme and scale
def test_environment_gives_theme_and_scale_and_arguments_win(monkeypatch):
    monkeypatch.setenv("BPTEACH_THEME", "dark")
    monkeypatch.setenv("BPTEACH_SCALE", "1.5")
    app = widgets.sigmoid_explorer()
    assert app.view.theme == "dark" and app.view.scale == 1.5
    assert app.view.width_px == round(9.0 * 1.5 * 96)
    assert "bpteach-panel { zoom: 1.5; }" in app.children[-1].value  # the controls grow too
    assert "bpteach-panel" in app.children[0]._dom_classes
    explicit = widgets.sigmoid_explorer(theme="light", scale=1)
    assert explicit.view.theme == "light" and explicit.view.scale == 1.0
    monkeypatch.setenv("BPTEACH_THEME", "sepia")
    with pytest.raises(ValueError, match="BPTEACH_THEME must be one of 'light', 'dark', 'auto', got 'sepia'"):
        widgets.sigmoid_explorer()
    monkeypatch.setenv("BPTEACH_THEME", "auto")
    monkeypatch.setenv("BPTEACH_SCALE", "huge")
    with pytest.raises(ValueError, match=r"BPTEACH_SCALE must be a number between 0\.5 and 4"):
        widgets.sigmoid_explorer()


def test_auto_theme_follows_the_page_and_a_fixed_theme_does_not(monkeypatch):
    monkeypatch.delenv("BPTEACH_THEME", raising=False)
    auto, fixed = widgets.sigmoid_explorer(z0=1.0), widgets.sigmoid_explorer(z0=1.0, theme="light")
    assert auto.theme == "auto" and auto.view.theme == "light"  # nothing reported yet
    for app in (auto, fixed):
        app._page_theme.value = "dark"  # what the page's script reports from the front end's theme
    assert auto.view.theme == "dark" and fixed.view.theme == "light"
    assert auto.view.figure.get_facecolor()[:3] == pytest.approx((0x1E / 255,) * 3)
    assert auto.state.z0 == 1.0 and "z0 = 1.00" in auto.description  # the state survives the new figure
    auto._page_theme.value = "light"
    assert auto.view.theme == "light"
    auto.set(theme="dark", scale=2)
    assert auto.view.theme == "dark" and auto.view.scale == 2.0


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_theme_text_colours_keep_wcag_aa_contrast(theme):
    colors = theme_module.THEMES[theme]
    for role in ("text", "muted"):
        assert theme_module.contrast(colors[role], colors["face"]) >= 4.5, (theme, role)
    # digits on heat-map cells: whichever of text and face reads better, on every colour of the scale
    app = widgets.matrix_recipe(theme=theme)
    heat = next(iter(app.maps.values()))
    for value in np.linspace(-1, 1, 41):
        cell = heat.image.cmap((value + 1) / 2)[:3]
        assert theme_module.contrast(theme_module.legible_on(cell, theme), cell) >= 4.5, (theme, value)


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_theme_graphic_colours_keep_wcag_non_text_contrast(theme):
    """WCAG 1.4.11: bars, rings, lines and markers need 3:1 against the figure's face."""
    colors = theme_module.THEMES[theme]
    palette = {**widgets._base.COLORS, **colors}
    for role in ("positive", "negative", "accent", "second", "sky", "highlight", "neutral"):
        assert theme_module.contrast(palette[role], colors["face"]) >= 3.0, (theme, role, palette[role])
    # a view draws with its theme's shades, the line cycle included
    view = widgets._base.FigureView(theme=theme)
    with view.style():
        cycle = [d["color"] for d in matplotlib.rcParams["axes.prop_cycle"]]
    assert colors["highlight"] in cycle and widgets._base.COLORS["positive"] in cycle


def test_light_shades_keep_the_okabe_ito_hues_apart():
    """The darker light-theme shades keep their hue, and stay lighter than the blue and vermillion
    they sit beside, so lightness still separates them for a colour-blind reader."""
    light, original = theme_module.THEMES["light"], theme_module.THEMES["dark"]
    for role in ("sky", "highlight"):
        hue_light = colorsys.rgb_to_hsv(*to_rgb(light[role]))[0]
        hue_original = colorsys.rgb_to_hsv(*to_rgb(original[role]))[0]
        assert abs(hue_light - hue_original) * 360 < 6, role
    lum = theme_module.luminance
    assert lum(light["sky"]) > lum(widgets._base.COLORS["positive"]) + 0.07
    assert lum(light["highlight"]) > lum(widgets._base.COLORS["negative"]) + 0.05


def test_contrast_is_wcag_formula():
    # WCAG's own examples: black on white 21:1, equal colours 1:1, #777 on white about 4.48:1
    assert theme_module.contrast("#000000", "#ffffff") == pytest.approx(21.0)
    assert theme_module.contrast("#123456", "#123456") == pytest.approx(1.0)
    assert theme_module.contrast("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)
