"""Promises of the project itself: installable with ranges, reproducible with constraints.txt, clean
notebooks with one parameters cell and one identical install cell."""

from __future__ import annotations

import ast
import json
import os
import re
import subprocess
import sys
import tomllib
import urllib.request
from importlib.metadata import entry_points, version
from pathlib import Path

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

PROJECT = Path(__file__).resolve().parent.parent
LESSONS = sorted((PROJECT / "notebooks").glob("*.ipynb"))
SOLUTIONS = sorted((PROJECT / "notebooks" / "solutions").glob("*.ipynb"))
NOTEBOOKS = LESSONS + SOLUTIONS  # the rules below hold for both
SHARED_PARAMETERS = {"corpus", "corpus_root", "labels", "quick", "seed", "data_dir"}
PYPROJECT = tomllib.loads((PROJECT / "pyproject.toml").read_text())["project"]
INSTALL_CELL_ID = "colab-install"


def _requirements(*extras: str) -> list[Requirement]:
    specs = PYPROJECT["dependencies"] + [s for e in extras for s in PYPROJECT["optional-dependencies"][e]]
    return [Requirement(spec) for spec in specs]


def _constraints() -> dict[str, str]:
    """constraints.txt as {name: pinned version}; every line must be an exact `==` pin."""
    pins = {}
    for line in (PROJECT / "constraints.txt").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            requirement = Requirement(line)
            (spec,) = requirement.specifier
            assert spec.operator == "==", f"constraints.txt pins exactly: {line}"
            pins[canonicalize_name(requirement.name)] = spec.version
    return pins


def test_dependencies_are_ranges_that_the_constraints_pin_inside():
    assert PYPROJECT["requires-python"] == ">=3.11"
    for minor in (11, 12, 13):
        assert f"Programming Language :: Python :: 3.{minor}" in PYPROJECT["classifiers"]
    pins = _constraints()
    for requirement in _requirements("notebooks", "dev"):
        operators = {spec.operator for spec in requirement.specifier}
        assert ">=" in operators and "==" not in operators, f"{requirement}: a range with a lower bound"
        name = canonicalize_name(requirement.name)
        assert name in pins, f"constraints.txt does not pin {name}"
        assert requirement.specifier.contains(pins[name]), f"{name}=={pins[name]} is outside {requirement}"
    assert pins["torch"] == "2.13.0"
    assert pins["keras"].startswith("3.") and pins["numpy"].startswith("2.")


def test_the_venv_has_the_pinned_versions():
    """`make setup` installs with -c constraints.txt; a pin changed without reinstalling shows up here."""
    pins = _constraints()
    for requirement in _requirements("notebooks", "dev"):
        name = canonicalize_name(requirement.name)
        installed = Version(version(name)).public  # torch 2.13.0+cpu is torch 2.13.0
        assert installed == pins[name], f"{name} {installed} installed, constraints.txt pins {pins[name]}"


def test_environment_yml_installs_with_the_constraints_and_the_extras():
    environment = yaml.safe_load((PROJECT / "environment.yml").read_text())
    assert "python=3.11" in environment["dependencies"]
    pip_block = next(d["pip"] for d in environment["dependencies"] if isinstance(d, dict))
    assert "-c constraints.txt" in pip_block
    assert "-e .[notebooks,dev,pretrained]" in pip_block
    assert not [line for line in pip_block if "==" in line], "the pins live in constraints.txt only"
    text = (PROJECT / "environment.yml").read_text()
    entries = [line for line in text.split("dependencies:")[1].splitlines() if re.match(r"\s+- \S", line)]
    assert all("#" in line for line in entries), "each entry says why"


def test_make_setup_installs_with_the_constraints():
    makefile = (PROJECT / "Makefile").read_text()
    assert re.search(r"^\$\(STAMP\): pyproject.toml constraints.txt$", makefile, re.MULTILINE)
    assert '-c constraints.txt -e ".[notebooks,dev,pretrained]"' in makefile
    assert re.search(r"^test-fast: .*\n.*\n.*pytest -m \"not notebook\"", makefile, re.MULTILINE)


def test_console_script_is_declared_and_runs():
    assert PYPROJECT["scripts"] == {"pathos-predict": "pathos_lib.predict:main"}
    assert [e.value for e in entry_points(group="console_scripts", name="pathos-predict")] == [
        "pathos_lib.predict:main"
    ], "reinstall the package (make setup) to get the console script"
    script = Path(sys.executable).parent / "pathos-predict"
    assert script.is_file(), f"{script} is missing: reinstall the package (make setup)"
    for command in ([str(script), "--help"], [sys.executable, "-m", "pathos_lib.predict", "--help"]):
        done = subprocess.run(command, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr
        assert "usage" in done.stdout.lower()


def _pypi_reachable() -> bool:
    try:
        with urllib.request.urlopen("https://pypi.org/simple/pip/", timeout=15):
            return True
    except OSError:
        return False


@pytest.mark.network
@pytest.mark.parametrize(
    ("python", "kept"),
    [("3.12", []), ("3.13", []), ("3.12", ["torch==2.8.0", "numpy==2.0.2"])],
    ids=["py3.12", "py3.13", "py3.12-colab-torch-numpy-kept"],
)
def test_dependencies_resolve_for_newer_pythons(python, kept, tmp_path):
    """pip resolves pathos_lib[notebooks,pretrained] for another Python from wheels alone, installing nothing.

    With --dry-run pip reads wheel metadata only (PEP 658), not the wheels: about 15-40 s, no torch
    download. The last case is a Colab-like runtime whose torch and numpy must stay. pip evaluates
    environment markers for the running Python; wheel tags and Requires-Python follow --python-version.
    """
    if not _pypi_reachable():
        if os.environ.get("CI"):
            pytest.fail("CI must reach PyPI to check that the dependencies resolve for Python 3.12/3.13")
        pytest.skip("PyPI cannot be reached (no network): dependency resolution not checked")
    keep = tmp_path / "keep.txt"
    keep.write_text("".join(f"{pin}\n" for pin in kept))
    report = tmp_path / "report.json"
    options = f"--dry-run --ignore-installed --only-binary=:all: --python-version {python} --quiet".split()
    command = [sys.executable, "-m", "pip", "install", *options, "--report", str(report), "-c", str(keep)]
    command.append(".[notebooks,pretrained]")
    done = subprocess.run(command, cwd=PROJECT, capture_output=True, text=True, timeout=540)
    assert done.returncode == 0, done.stderr[-4000:]
    chosen = {
        canonicalize_name(item["metadata"]["name"]): item["metadata"]["version"]
        for item in json.loads(report.read_text())["install"]
    }
    for requirement in _requirements("notebooks", "pretrained"):
        name = canonicalize_name(requirement.name)
        assert requirement.specifier.contains(chosen[name]), f"{name} {chosen[name]} for Python {python}"
    for pin in kept:
        name, _, pinned = pin.partition("==")
        assert chosen[name] == pinned, f"{name} was not kept at {pinned}"
    tag = "cp" + python.replace(".", "")
    torch_url = next(i for i in json.loads(report.read_text())["install"] if i["metadata"]["name"] == "torch")
    assert tag in torch_url["download_info"]["url"], "a torch wheel built for that Python"


def test_notebooks_exist_numbered():
    assert LESSONS, "no notebooks found"
    for path in LESSONS:
        assert re.fullmatch(r"\d\d_[a-z0-9_]+\.ipynb", path.name), path.name


def test_every_notebook_has_exercises_and_their_solutions():
    """Each lesson ends with exercises (change, expect, why) that link to a solutions notebook, and each
    solutions notebook belongs to a lesson."""
    for path in LESSONS:
        text = "\n".join("".join(c["source"]) for c in json.loads(path.read_text())["cells"])
        exercises = text.split("## Exercises", 1)
        assert len(exercises) == 2, f"{path.name} has no '## Exercises' section"
        headings = re.findall(rf"### Exercise {path.name[:2]}\.\d", exercises[1])
        assert len(headings) >= 2, f"{path.name}: fewer than two exercises"
        for part in ("**Change:**", "**Expect:**", "**Why:**"):
            assert exercises[1].count(part) == len(headings), f"{path.name}: an exercise lacks {part}"
        solution = f"solutions/{path.stem}_solutions.ipynb"
        assert f"]({solution})" in exercises[1] and (path.parent / solution).is_file(), solution
    assert {p.name for p in SOLUTIONS} == {f"{p.stem}_solutions.ipynb" for p in LESSONS}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_committed_clean(path):
    notebook = json.loads(path.read_text())
    assert notebook["metadata"]["kernelspec"]["name"] == "pathos"
    for cell in notebook["cells"]:
        if cell["cell_type"] == "code":
            assert cell["outputs"] == [] and cell["execution_count"] is None, f"{path.name} has outputs"


def _code_cells(path: Path) -> list[dict]:
    return [c for c in json.loads(path.read_text())["cells"] if c["cell_type"] == "code"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_one_parameters_cell_of_literals(path):
    notebook = json.loads(path.read_text())
    tagged = [c for c in notebook["cells"] if "parameters" in c.get("metadata", {}).get("tags", [])]
    assert len(tagged) == 1, f"{path.name} needs exactly one cell tagged 'parameters'"
    tree = ast.parse("".join(tagged[0]["source"]))
    names = set()
    for node in tree.body:
        assert isinstance(node, ast.Assign) and len(node.targets) == 1, ast.dump(node)
        ast.literal_eval(node.value)  # literal values only: derived values go in the next cell
        names.add(node.targets[0].id)
    assert SHARED_PARAMETERS <= names, f"{path.name} lacks {SHARED_PARAMETERS - names}"
    code = _code_cells(path)
    assert code[0]["id"] == INSTALL_CELL_ID, "the install cell is the first code cell"
    assert code[1] == tagged[0], "the parameters cell is the first code cell after the install cell"
    assert "use_data_dir(data_dir)" in "".join(code[2]["source"]), "the next cell applies data_dir"


def _install_cell(path: Path) -> str:
    (cell,) = [c for c in _code_cells(path) if c.get("id") == INSTALL_CELL_ID]
    return "".join(cell["source"])


def test_install_cell_is_the_same_everywhere_and_guarded_by_a_failed_import():
    sources = {path.name: _install_cell(path) for path in NOTEBOOKS}
    assert len(set(sources.values())) == 1, "the install cell differs between notebooks"
    statements = [n for n in ast.parse(next(iter(sources.values()))).body]
    assert len(statements) == 1 and isinstance(statements[0], ast.Try), "one try/except ImportError"
    guard = statements[0]
    assert [ast.unparse(n) for n in guard.body] == ["import pathos_lib"]
    assert [ast.unparse(h.type) for h in guard.handlers] == ["ImportError"]
    assert not guard.orelse and not guard.finalbody


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebooks_do_not_install_download_or_use_absolute_paths(path):
    source = "\n".join("".join(c["source"]) for c in _code_cells(path) if c.get("id") != INSTALL_CELL_ID)
    for forbidden in ("nltk.download", "urlopen", "requests.", "/home/", "/Users/", "C:\\", "subprocess"):
        assert forbidden not in source, f"{path.name} contains {forbidden!r}"
    assert not re.search(r"\bpip\b", source), f"{path.name}: only the install cell may mention pip"


_RUN_INSTALL_CELL = """
import json, subprocess, sys
calls = []
subprocess.check_call = lambda command, **kwargs: calls.append(command) or 0
if sys.argv[1] == "missing":
    sys.modules["pathos_lib"] = None  # `import pathos_lib` raises ImportError
error = None
try:
    exec(compile(open(sys.argv[2]).read(), "install-cell", "exec"), {})
except RuntimeError as exc:
    error = str(exc)
kept = [open(c[c.index("-c") + 1]).read().split() for c in calls]
print(json.dumps({"calls": calls, "kept": kept, "error": error, "path0": sys.path[0]}))
"""


def _run_install_cell(tmp_path, cwd, imports, source=None):
    cell = tmp_path / "cell.py"
    cell.write_text(_install_cell(NOTEBOOKS[0]))
    env = {k: v for k, v in os.environ.items() if k != "PATHOS_SOURCE"}
    if source:
        env["PATHOS_SOURCE"] = source
    command = [sys.executable, "-c", _RUN_INSTALL_CELL, imports, str(cell)]
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=120, check=True)
    return json.loads(done.stdout), done.stdout


def test_install_cell_does_nothing_where_pathos_lib_imports(tmp_path):
    result, stdout = _run_install_cell(tmp_path, PROJECT / "notebooks", "present")
    assert result["calls"] == [] and result["error"] is None
    assert stdout.count("\n") == 1, "no output besides the harness's own line"


def test_install_cell_installs_the_checkout_keeping_torch_and_numpy(tmp_path):
    result, _ = _run_install_cell(tmp_path, PROJECT / "notebooks", "missing")
    ((command,),) = [result["calls"]]
    assert command[:4] == [sys.executable, "-m", "pip", "install"]
    assert command[-2:] == ["-e", f"{PROJECT}[notebooks]"]
    assert sorted(result["kept"][0]) == [f"numpy=={version('numpy')}", f"torch=={version('torch')}"]
    assert result["path0"] == str(PROJECT), "this kernel can import the editable install at once"


def test_install_cell_uses_pathos_source_outside_a_checkout(tmp_path):
    url = "git+https://example.org/pathos.git"
    result, _ = _run_install_cell(tmp_path, tmp_path, "missing", source=url)
    ((command,),) = [result["calls"]]
    assert command[-1] == f"pathos_lib[notebooks] @ {url}"
    result, _ = _run_install_cell(tmp_path, tmp_path, "missing")
    assert result["calls"] == [] and "PATHOS_SOURCE" in result["error"]


def test_readme_gives_the_two_commands_and_ci_runs_the_test_one():
    readme = (PROJECT / "README.md").read_text()
    assert "make notebooks" in readme and "make test" in readme and "make test-fast" in readme
    assert "## Colab and other installs" in readme and "PATHOS_SOURCE" in readme
    ci = (PROJECT / ".ci" / "run").read_text()
    assert re.search(r"^make test$", ci, re.MULTILINE)


def test_importing_the_package_imports_nothing_heavy():
    tree = ast.parse((PROJECT / "pathos_lib" / "__init__.py").read_text())
    assert not [n for n in ast.walk(tree) if isinstance(n, ast.Import | ast.ImportFrom)]


def test_a_run_draws_into_the_build_folder_not_the_committed_figures(monkeypatch, tmp_path):
    from pathos_lib.paths import figures_dir

    monkeypatch.delenv("PATHOS_FIGURES", raising=False)
    monkeypatch.setenv("PATHOS_BUILD", str(tmp_path / "build"))
    assert figures_dir() == tmp_path / "build" / "figures"
    monkeypatch.delenv("PATHOS_BUILD")
    assert figures_dir() == PROJECT / "build" / "figures"
    makefile = (PROJECT / "Makefile").read_text()
    assert 'NB_ENV="PATHOS_FIGURES=$(CURDIR)/figures"' in makefile  # only make figures refreshes figures/


def test_progress_bars_are_text_where_a_run_is_headless(monkeypatch):
    import tqdm.std

    from pathos_lib.records import progress_bar

    monkeypatch.setenv("PATHOS_PROGRESS", "text")
    with progress_bar(total=3, disable=True) as bar:
        assert type(bar) is tqdm.std.tqdm  # not a widget, whose state an executed copy would not keep
    monkeypatch.delenv("PATHOS_PROGRESS")
    with progress_bar(total=3, disable=True) as bar:
        assert isinstance(bar, tqdm.std.tqdm)  # tqdm.auto: a widget where a notebook front end draws one
    assert "PATHOS_PROGRESS=text" in (PROJECT / "Makefile").read_text()
