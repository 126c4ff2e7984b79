"""Promises of the project itself: pinned dependencies in step, clean notebooks, one parameters cell."""

from __future__ import annotations

import ast
import json
import re
import tomllib
from pathlib import Path

import pytest
import yaml

PROJECT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((PROJECT / "notebooks").glob("*.ipynb"))
SHARED_PARAMETERS = {"corpus", "iemocap_root", "labels", "quick", "seed"}


def _requirement(spec: str) -> tuple[str, str]:
    name, _, version = spec.partition("==")
    return name.strip().lower(), version.strip()


def test_environment_yml_and_pyproject_pin_the_same_packages():
    project = tomllib.loads((PROJECT / "pyproject.toml").read_text())["project"]
    declared = project["dependencies"] + project["optional-dependencies"]["dev"]
    assert all("==" in spec for spec in declared), "every dependency is pinned exactly"
    environment = yaml.safe_load((PROJECT / "environment.yml").read_text())
    assert "python=3.11" in environment["dependencies"]
    pip_block = next(d["pip"] for d in environment["dependencies"] if isinstance(d, dict))
    conda_pins = dict(_requirement(s) for s in pip_block if not s.startswith("-e"))
    assert conda_pins == dict(_requirement(s) for s in declared)
    assert conda_pins["torch"] == "2.13.0"
    lines = (PROJECT / "environment.yml").read_text().splitlines()
    assert all("#" in line for line in lines if re.match(r"\s+- [a-z].*==", line)), "each pin says why"


def test_notebooks_exist_numbered():
    assert NOTEBOOKS, "no notebooks found"
    for path in NOTEBOOKS:
        assert re.fullmatch(r"\d\d_[a-z0-9_]+\.ipynb", path.name), path.name


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_committed_clean(path):
    notebook = json.loads(path.read_text())
    assert notebook["metadata"]["kernelspec"]["name"] == "pathos"
    for cell in notebook["cells"]:
        if cell["cell_type"] == "code":
            assert cell["outputs"] == [] and cell["execution_count"] is None, f"{path.name} has outputs"


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
    first_code = next(c for c in notebook["cells"] if c["cell_type"] == "code")
    assert first_code is tagged[0], "the parameters cell is the first code cell"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebooks_do_not_install_download_or_use_absolute_paths(path):
    source = "\n".join(
        "".join(c["source"]) for c in json.loads(path.read_text())["cells"] if c["cell_type"] == "code"
    )
    for forbidden in ("pip install", "nltk.download", "urlopen", "requests.", "/home/", "/Users/", "C:\\"):
        assert forbidden not in source, f"{path.name} contains {forbidden!r}"


def test_readme_gives_the_two_commands_and_ci_runs_the_test_one():
    readme = (PROJECT / "README.md").read_text()
    assert "make notebooks" in readme and "make test" in readme
    ci = (PROJECT / ".ci" / "run").read_text()
    assert re.search(r"^make test$", ci, re.MULTILINE)


def test_importing_the_package_imports_nothing_heavy():
    tree = ast.parse((PROJECT / "pathos_lib" / "__init__.py").read_text())
    assert not [n for n in ast.walk(tree) if isinstance(n, ast.Import | ast.ImportFrom)]
