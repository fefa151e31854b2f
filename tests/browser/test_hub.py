"""A class on JupyterHub: two students log in, each runs lecture 01 in their own server, widgets working.

JupyterHub runs on 127.0.0.1 with the DummyAuthenticator (any name, one shared password) and the
SimpleLocalProcessSpawner, which needs no system users: every student's server runs as the hub's
user with ``HOME`` set to a folder of their own. As root, that server must be told ``--allow-root``
(Jupyter refuses to run as root otherwise). The lecture is handed out by copying it into each home
(what nbgitpuller does from a git repository). Afterwards the servers are stopped through the hub's
REST API, the hub by SIGTERM, and no process they started may be left. The proxy is npm's
``configurable-http-proxy`` (``.ci/run`` installs it).
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import sys
import textwrap
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

from . import jlab

pytestmark = [pytest.mark.browser, pytest.mark.slow]

LECTURE = jlab.REPO / "lectures" / "01_sigmoid.ipynb"
STUDENTS = ("ada", "grace")
PASSWORD = "class-of-2026"


def _config(state: Path, port: int, token: str) -> str:
    """jupyterhub_config.py for the test (also the README's example, with paths filled in)."""
    return textwrap.dedent(
        f"""
        import os, sys
        c.JupyterHub.ip = "127.0.0.1"
        c.JupyterHub.port = {port}
        c.JupyterHub.hub_ip = "127.0.0.1"
        c.JupyterHub.hub_port = {jlab.free_port()}
        c.ConfigurableHTTPProxy.api_url = "http://127.0.0.1:{jlab.free_port()}"
        c.JupyterHub.db_url = "sqlite:///{state}/jupyterhub.sqlite"
        c.JupyterHub.cookie_secret_file = "{state}/cookie_secret"
        c.JupyterHub.authenticator_class = "dummy"
        c.DummyAuthenticator.password = "{PASSWORD}"
        c.Authenticator.allow_all = True
        c.JupyterHub.spawner_class = "simple"
        c.SimpleLocalProcessSpawner.home_dir_template = "{state}/home/{{username}}"
        c.Spawner.cmd = [sys.executable, "-m", "jupyterhub.singleuser"]
        c.Spawner.default_url = "/lab"
        c.Spawner.args = ["--LabApp.news_url=", "--ServerApp.terminals_enabled=False"]
        if os.geteuid() == 0:
            c.Spawner.args.append("--allow-root")  # every server runs as the hub's user, here root
        c.Spawner.environment = {{"MPLBACKEND": "Agg", "PYDEVD_DISABLE_FILE_VALIDATION": "1"}}
        c.Spawner.start_timeout = 120
        c.Spawner.http_timeout = 120
        c.JupyterHub.services = [{{"name": "teacher", "api_token": "{token}"}}]
        c.JupyterHub.load_roles = [
            {{"name": "teacher", "scopes": ["admin:users", "admin:servers"], "services": ["teacher"]}}
        ]
        """
    )


@pytest.fixture(scope="module")
def hub(browser_available, tmp_path_factory) -> Iterator[jlab.Server]:
    if shutil.which("configurable-http-proxy") is None:
        pytest.skip(
            "needs a system package: configurable-http-proxy is not on PATH "
            "(npm install -g configurable-http-proxy; .ci/run does it)"
        )
    state = tmp_path_factory.mktemp("hub")
    for student in STUDENTS:  # the lecture handed out: a copy in each home, as nbgitpuller leaves it
        home = state / "home" / student
        (home / "lectures").mkdir(parents=True)
        shutil.copy(LECTURE, home / "lectures" / LECTURE.name)
        # keep every cell in the DOM (JupyterLab's windowing drops off-screen widget views)
        jlab.write_lab_settings(home / ".jupyter" / "lab" / "user-settings")
    port, token = jlab.free_port(), secrets.token_hex(24)
    (state / "jupyterhub_config.py").write_text(_config(state, port, token))
    cmd = [sys.executable, "-m", "jupyterhub", "-f", str(state / "jupyterhub_config.py")]
    server = jlab.start("JupyterHub", cmd, port, "", state / "hub.log", "/hub/api", cwd=state, timeout=120)
    server.token = token  # the teacher service's token: the API calls below carry it
    try:
        # the proxy answers (404) before the hub has added its route: wait for the hub itself
        jlab.wait_until(lambda: _hub_version(server) is not None, timeout=120, what="the hub behind its proxy")
        yield server
    finally:
        jlab.stop(server, kernels=False)


def _hub_version(hub: jlab.Server) -> str | None:
    try:
        with urllib.request.urlopen(f"{hub.base}/hub/api", timeout=10) as resp:
            return json.loads(resp.read()).get("version")
    except (OSError, ValueError):  # HTTPError (the proxy's 404) is an OSError
        return None


def _hub_api(hub: jlab.Server, method: str, path: str) -> object:
    req = urllib.request.Request(f"{hub.base}/hub/api{path}", method=method)
    req.add_header("Authorization", f"token {hub.token}")
    with urllib.request.urlopen(req, timeout=60) as resp:
        raw = resp.read()
    return json.loads(raw) if raw else None


def _run_lecture_as(browser, hub: jlab.Server, student: str, screenshots: Path) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(60_000)
    try:
        page = context.new_page()
        console = jlab.watch_console(page)
        page.goto(f"{hub.base}/hub/login", wait_until="load", timeout=120_000)
        form = page.locator("input[name=username]")
        try:
            form.wait_for(timeout=120_000)  # a loaded machine renders the hub's first page slowly
        except Exception as exc:
            page.screenshot(path=screenshots / f"hub_login_{student}.png")
            raise AssertionError(f"no login form at {page.url}: {page.inner_text('body')[:500]!r}") from exc
        form.fill(student)
        page.fill("input[name=password]", PASSWORD)
        page.click("input[type=submit], button[type=submit]")
        page.wait_for_url(f"**/user/{student}/lab**", timeout=150_000)  # after the spawn page
        page.goto(f"{hub.base}/user/{student}/lab/tree/lectures/{LECTURE.name}", wait_until="domcontentloaded")
        page.locator(".jp-NotebookPanel .jp-Cell").first.wait_for(timeout=90_000)
        jlab.wait_kernel_idle(page, timeout=90_000)
        jlab.run_all_cells(page, timeout=150_000)
        jlab.wait_widgets_rendered(page)
        assert jlab.error_outputs(page) == [], f"{student}: error output"
        assert jlab.widget_errors(page) == [], f"{student}: 'Error displaying widget'"
        app = page.locator(".jp-OutputArea-output > .widget-vbox:has(img)").first
        app.scroll_into_view_if_needed()
        img, slider = app.locator("img").first, app.locator(".widget-slider:not(.mod-disabled)").first
        before, src, digest = jlab.slider_readout(slider), img.get_attribute("src"), jlab.image_digest(img)
        jlab.press_slider(slider, "ArrowRight")
        jlab.wait_until(lambda: jlab.slider_readout(slider) != before, what=f"{student}'s slider to move")
        assert jlab.wait_image_changed(img, src, digest) != digest
        page.screenshot(path=screenshots / f"hub_{student}.png")
        assert jlab.widget_console_errors(console) == []
    finally:
        context.close()


def test_two_students_run_lecture_01_in_their_own_servers(hub, browser, screenshots) -> None:
    for student in STUDENTS:
        _run_lecture_as(browser, hub, student, screenshots)
    users = {u["name"]: u for u in _hub_api(hub, "GET", "/users")}
    assert set(STUDENTS) <= set(users)
    servers = {name: users[name]["servers"][""] for name in STUDENTS}
    assert servers["ada"]["url"] != servers["grace"]["url"], "the two students share a server"
    # each student's own server: its process has that student's HOME and one kernel for the lecture
    started = psutil.Process(hub.proc.pid).children(recursive=True)
    homes = {}
    for p in started:
        if "jupyterhub.singleuser" in " ".join(p.cmdline()):
            homes[p.environ().get("HOME")] = [
                k for k in p.children(recursive=True) if "ipykernel" in " ".join(k.cmdline())
            ]
    assert sorted(Path(h).name for h in homes) == sorted(STUDENTS)
    assert all(len(kernels) == 1 for kernels in homes.values()), homes
    # the teacher stops both servers, then the hub; nothing either started is left
    for student in STUDENTS:
        _hub_api(hub, "DELETE", f"/users/{student}/server")
    jlab.wait_until(
        lambda: all(not u["servers"] for u in _hub_api(hub, "GET", "/users") if u["name"] in STUDENTS),
        timeout=60,
        what="both servers to stop",
    )
    jlab.stop(hub, kernels=False)
    left = []
    for p in started:
        try:
            p.wait(timeout=10)
        except psutil.TimeoutExpired:
            left.append((p.pid, p.cmdline()))
    assert left == [], f"still running after the hub stopped: {left}"
    assert os.path.isdir(Path(hub.log).parent / "home" / "ada" / "lectures")
