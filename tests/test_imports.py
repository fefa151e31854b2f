"""`import bpteach` loads the numpy core only: no matplotlib, no ipywidgets (DESIGN.md)."""

import json
import subprocess
import sys

FORBIDDEN = ("matplotlib", "ipywidgets")


def _modules_after(statement: str) -> set[str]:
    code = f"import json, sys\n{statement}\nprint(json.dumps(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120)
    return set(json.loads(out.stdout.strip().splitlines()[-1]))


def _loaded(modules: set[str], package: str) -> list[str]:
    return sorted(m for m in modules if m == package or m.startswith(package + "."))


def test_import_bpteach_loads_neither_matplotlib_nor_ipywidgets():
    modules = _modules_after("import bpteach")
    assert "bpteach" in modules
    for package in FORBIDDEN:
        assert _loaded(modules, package) == [], f"import bpteach loaded {package}"


def test_core_modules_load_neither_matplotlib_nor_ipywidgets():
    core = ["activations", "losses", "graph", "matrix", "blocks", "gradcheck", "compare", "init"]
    modules = _modules_after("\n".join(f"import bpteach.{m}" for m in core))
    for package in FORBIDDEN:
        assert _loaded(modules, package) == [], f"the core loaded {package}"


def test_the_check_sees_matplotlib_when_it_is_imported():
    # guards the test above against passing vacuously (e.g. a wrong module name)
    modules = _modules_after("import bpteach\nimport matplotlib")
    assert _loaded(modules, "matplotlib")


def test_widgets_without_ipywidgets_say_how_to_install_them():
    # None in sys.modules makes `import ipywidgets` fail as if it were not installed
    code = (
        "import sys\n"
        "sys.modules['ipywidgets'] = None\n"
        "try:\n"
        "    import bpteach.widgets\n"
        "except ImportError as exc:\n"
        "    print(exc)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert "bpteach.widgets needs ipywidgets and matplotlib" in out
    assert "pip install ipywidgets matplotlib" in out
