"""First / back / forward / last buttons, a Play and a slider over one step index (replay apps).

The slider holds the index; the buttons and the Play only move the slider, so an app observes one
trait (``bar.slider.value``) whatever moved it. The Play is linked in the kernel (``widgets.link``,
not ``jslink``), so a headless test that sets ``play.value`` moves the index too.
"""

from __future__ import annotations

import ipywidgets as widgets

__all__ = ["StepBar"]


class StepBar:
    """Controls over an index 0..n; ``controls`` maps first, back, forward, last, play, step to widgets."""

    def __init__(self, n: int, value: int = 0, interval_ms: int = 800, label: str = "step") -> None:
        auto = widgets.Layout(width="auto")
        self.buttons = {
            "first": widgets.Button(description="|<", tooltip="to the start", layout=auto),
            "back": widgets.Button(description="<", tooltip="one step back", layout=auto),
            "forward": widgets.Button(description=">", tooltip="one step forward", layout=auto),
            "last": widgets.Button(description=">|", tooltip="to the end", layout=auto),
        }
        self.slider = widgets.IntSlider(value=value, min=0, max=n, description=label)
        self.play = widgets.Play(value=value, min=0, max=n, interval=interval_ms, description="play")
        widgets.link((self.play, "value"), (self.slider, "value"))
        moves = {
            "first": lambda: 0,
            "back": lambda: max(self.slider.value - 1, 0),
            "forward": lambda: min(self.slider.value + 1, self.slider.max),
            "last": lambda: self.slider.max,
        }
        for name, button in self.buttons.items():
            button.on_click(lambda _, move=moves[name]: setattr(self.slider, "value", move()))
        self.controls = {**self.buttons, "play": self.play, "step": self.slider}
        # wraps rather than running off a narrow or scaled-up page
        self.widget = widgets.HBox(
            [*self.buttons.values(), self.play, self.slider], layout=widgets.Layout(flex_flow="row wrap")
        )
