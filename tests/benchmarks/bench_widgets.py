"""Milliseconds from a control change to the updated PNG, for every app in ``bpteach.widgets``.

Run: ``.venv/bin/python tests/benchmarks/bench_widgets.py [--changes 40] [--kernel]``. Not
collected by pytest (timing is not a test). With ``--kernel`` the same measurement runs inside a
real IPython kernel (started with jupyter_client), where every widget has a live comm and each
new PNG is serialised and sent on the kernel's iopub socket, as in JupyterLab or Voila.

Each app is built with its defaults; then its controls are set through the widget API,
round-robin, ``--changes`` times: sliders get values sweeping their range, dropdowns and toggles
the next option, buttons a click (a Play, which only drives the step slider, is left alone). A
change runs the app's observer, which updates the state and the artists and renders the PNG
(``view.render()``) before the assignment returns, so the time of the assignment is the time to
the new picture. Two rows per app:

- ``sliders``: float and int sliders only, what a student's drag produces (the goal's case);
- ``all``: every control, including the dropdowns and buttons that redraw the static background.

Goals (issue 4, this 2-core machine): median < 30 ms, p95 < 60 ms for apps 1-6 and 8. The
wall-clock figures suffer from whatever else runs; the CPU column (this process's CPU time) and
the load average printed at the top tell how much.
"""

from __future__ import annotations

import argparse
import importlib
import itertools
import os
import time
from collections.abc import Callable

import ipywidgets as widgets
import numpy as np

from bpteach.widgets import __all__ as _PUBLIC

# every app the package lists, in lecture order (a new app is benchmarked without an edit here)
APPS = [name for name in _PUBLIC if name[0].islower() and name != "show_figure"]
GOAL_MEDIAN, GOAL_P95 = 30.0, 60.0
SLIDERS = (widgets.FloatSlider, widgets.IntSlider, widgets.FloatLogSlider)


def _slider_moves(control: widgets.Widget) -> Callable[[], None]:
    """Values sweeping 10 %..90 % of the slider's range in 16 steps, back and forth, as a drag does."""
    counter = itertools.count()

    def move() -> None:
        k = next(counter)
        phase = (k % 16) / 15
        frac = 0.1 + 0.8 * (phase if (k // 16) % 2 == 0 else 1 - phase)
        if isinstance(control, widgets.FloatLogSlider):
            exponent = control.min + frac * (control.max - control.min)
            value = control.base**exponent
        else:
            value = control.min + frac * (control.max - control.min)
            value = control.min + round((value - control.min) / control.step) * control.step
            value = int(value) if isinstance(control, widgets.IntSlider) else float(value)
        if np.isclose(value, control.value):  # no change, no event: take the next value instead
            value = control.min if not np.isclose(control.value, control.min) else control.max
        control.value = value

    return move


def _click(control: widgets.Button) -> Callable[[], None]:
    return control.click


def _next_option(control: widgets.Widget) -> Callable[[], None]:
    values = [o[1] if isinstance(o, tuple) else o for o in control.options]

    def move() -> None:
        control.value = values[(values.index(control.value) + 1) % len(values)]

    return move


def _flip(control: widgets.Widget) -> Callable[[], None]:
    def move() -> None:
        control.value = not control.value

    return move


def _nudge(control: widgets.Widget) -> Callable[[], None]:
    counter = itertools.count()

    def move() -> None:
        control.value = control.value + (1 if next(counter) % 2 == 0 else -1) * 0.25

    return move


def _moves(controls: dict) -> tuple[list, list]:
    """(slider moves, every move) as (name, function making the control's next change)."""
    sliders, every = [], []
    for name, control in controls.items():
        if isinstance(control, (list, tuple)):  # e.g. one text box per input x_j
            control = control[0]
        if isinstance(control, widgets.Play):  # it only drives the step slider, timed already
            continue
        if isinstance(control, SLIDERS):
            move = _slider_moves(control)
            sliders.append((name, move))
        elif isinstance(control, widgets.Button):
            move = _click(control)
        elif hasattr(control, "options") and len(control.options) > 1:
            move = _next_option(control)
        elif isinstance(control, (widgets.Checkbox, widgets.ToggleButton)):
            move = _flip(control)
        elif isinstance(control, (widgets.FloatText, widgets.BoundedFloatText)):
            move = _nudge(control)
        else:
            continue
        every.append((name, move))
    return sliders, every


def _time(app: object, moves: list, changes: int) -> tuple[np.ndarray, np.ndarray, int]:
    """Wall and CPU ms of ``changes`` moves (round-robin), and how many of them rendered."""
    for _, move in moves:  # warm up: first layouts, caches
        move()
    wall, cpu, rendered = [], [], 0
    for k in range(changes):
        _, move = moves[k % len(moves)]
        renders = app.view.renders
        w0, c0 = time.perf_counter(), time.process_time()
        move()
        wall.append(time.perf_counter() - w0)
        cpu.append(time.process_time() - c0)
        rendered += app.view.renders > renders
    return 1e3 * np.array(wall), 1e3 * np.array(cpu), rendered


def _row(name: str, kind: str, wall: np.ndarray, cpu: np.ndarray, rendered: int, n: int) -> str:
    med, p95 = float(np.median(wall)), float(np.percentile(wall, 95))
    ok = "ok" if med < GOAL_MEDIAN and p95 < GOAL_P95 else "MISSES"
    return (
        f"{name:<22}{kind:<9}{n:>5}{rendered:>7}{med:>9.1f}{p95:>8.1f}{float(np.median(cpu)):>9.1f}"
        f"{float(np.percentile(cpu, 95)):>9.1f}  {ok}"
    )


def _in_kernel(argv: list[str]) -> None:
    """Run this script's measurement in a fresh IPython kernel and print what it prints."""
    from jupyter_client.manager import start_new_kernel

    km, kc = start_new_kernel(kernel_name="python3")
    try:
        code = (
            f"import runpy, sys\nsys.argv = {[__file__, *argv]!r}\nrunpy.run_path({__file__!r}, run_name='__main__')\n"
        )
        reply = kc.execute_interactive(code, timeout=900, output_hook=_print_stream)
        if reply["content"]["status"] != "ok":
            print("the kernel failed:", reply["content"].get("ename"), reply["content"].get("evalue"))
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


def _print_stream(msg: dict) -> None:
    if msg["msg_type"] == "stream":
        print(msg["content"]["text"], end="", flush=True)
    elif msg["msg_type"] == "error":
        print("\n".join(msg["content"]["traceback"]))


def _dashboard_throughput(seconds: float = 3.0) -> None:
    """Play on 200 moons points with 2-8-8-1, ticked every 100 ms as the browser's Play widget does."""
    from bpteach.widgets import training_dashboard

    app = training_dashboard(dataset="moons", n=200, hidden=(8, 8), epochs=10**6)
    renders0, epoch0 = app.view.renders, app.state.epoch
    app.play()
    start = time.perf_counter()
    tick = 0
    while (now := time.perf_counter()) - start < seconds:
        tick += 1
        app.ticker.value = tick  # what a tick from the front end does
        time.sleep(max(0.0, start + tick * 0.1 - time.perf_counter()))
    app.pause()
    elapsed = now - start
    epochs = (app.state.epoch - epoch0) / elapsed
    redraws = (app.view.renders - renders0) / elapsed
    ok = "ok" if epochs >= 20 and redraws <= 10 else "MISSES"
    print(
        f"training_dashboard playing: {epochs:.0f} epochs/s (goal >= 20) at {redraws:.1f} redraws/s "
        f"(goal <= 10), 200 moons points, 2-8-8-1, batch {app.state.settings['batch_size']}  {ok}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--changes", type=int, default=40, help="control changes timed per app and row (>= 30)")
    parser.add_argument("--apps", nargs="*", default=APPS, help="only these apps")
    parser.add_argument("--kernel", action="store_true", help="measure inside a real IPython kernel")
    args = parser.parse_args()
    if args.kernel:
        print("in a real IPython kernel (live comms, PNG sent on iopub):")
        _in_kernel(["--changes", str(args.changes), "--apps", *args.apps])
        return
    module = importlib.import_module("bpteach.widgets")
    print(
        f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())} on {os.cpu_count()} CPUs; "
        f"goals: median < {GOAL_MEDIAN:g} ms, p95 < {GOAL_P95:g} ms"
    )
    print(f"{'app':<22}{'changes':<9}{'n':>5}{'renders':>7}{'median':>9}{'p95':>8}{'cpu med':>9}{'cpu p95':>9}  (ms)")
    for name in args.apps:
        try:
            make = getattr(module, name)
        except (AttributeError, ImportError) as exc:
            print(f"{name:<22}skipped: not written yet ({type(exc).__name__}: {exc})")
            continue
        start = time.perf_counter()
        app = make()
        built = 1e3 * (time.perf_counter() - start)
        sliders, every = _moves(app.controls)
        for kind, moves in (("sliders", sliders), ("all", every)):
            if not moves:
                print(f"{name:<22}{kind:<9}  (no such controls)")
                continue
            wall, cpu, rendered = _time(app, moves, args.changes)
            print(_row(name, kind, wall, cpu, rendered, args.changes))
        print(f"{'':<22}built in {built:.0f} ms")
        if name == "training_dashboard":
            print(f"{'':<22}(a setting change starts a new run; the dashboard's goal is its throughput:)")
            _dashboard_throughput()


if __name__ == "__main__":
    main()
