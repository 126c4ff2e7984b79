"""Library docs keep their promises: each "Explained in NN_..." names a notebook that shows the name."""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parent.parent
MODULES = sorted((PROJECT / "pathos_lib").glob("*.py"))
NOTEBOOKS = {p.stem: p for p in (PROJECT / "notebooks").glob("*.ipynb")}
POINTER = re.compile(r"Explained in ([^.]*)")
NOTEBOOK_NAME = re.compile(r"\b(\d\d_[a-z0-9_]+)\b")


def _notebook_text(stem: str) -> str:
    cells = json.loads(NOTEBOOKS[stem].read_text())["cells"]
    return "\n".join("".join(cell["source"]) for cell in cells)


def _documented(path: Path):
    """(qualified name, the names it may be shown by, its docstring) for the module and its public defs."""
    tree = ast.parse(path.read_text())
    module = path.stem
    yield module, {module}, ast.get_docstring(tree) or ""
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.ClassDef) and not node.name.startswith("_"):
            yield f"{module}.{node.name}", {node.name}, ast.get_docstring(node) or ""
            if isinstance(node, ast.ClassDef):
                for item in node.body:
                    if isinstance(item, ast.FunctionDef) and not item.name.startswith("_"):
                        names = {node.name, item.name}
                        yield f"{module}.{node.name}.{item.name}", names, ast.get_docstring(item) or ""


def _pointers():
    for path in MODULES:
        for qualified, names, docstring in _documented(path):
            for match in POINTER.finditer(" ".join(docstring.split())):
                for stem in NOTEBOOK_NAME.findall(match.group(1)):
                    yield pytest.param(qualified, names, stem, id=f"{qualified}->{stem}")


@pytest.mark.parametrize(("qualified", "names", "stem"), list(_pointers()))
def test_explained_in_names_a_notebook_that_shows_it(qualified, names, stem):
    assert stem in NOTEBOOKS, f"{qualified} points to {stem}, which is not a notebook"
    text = _notebook_text(stem)
    shown = [n for n in names if re.search(rf"\b{re.escape(n)}\b", text)]
    wanted = " or ".join(sorted(names))
    assert shown, f"{qualified} says 'Explained in {stem}', but {stem} never shows {wanted}"


def test_every_public_function_points_to_a_notebook():
    """Taught names point to their notebook; helpers only other library code calls say whom they serve."""
    missing = []
    for path in MODULES:
        if path.name == "__init__.py":
            continue
        for qualified, _, docstring in _documented(path):
            if qualified.count(".") == 1 and not re.search(r"Explained in|Plumbing for", docstring):
                missing.append(qualified)
    assert not missing, f"public names without 'Explained in NN_...' (or 'Plumbing for ...'): {missing}"


def test_readme_images_exist():
    readme = (PROJECT / "README.md").read_text()
    images = re.findall(r"\]\((figures/[^)]+\.png)\)", readme)
    assert len(images) >= 7 and "figures/app_try_it.png" in images
    assert not [image for image in images if not (PROJECT / image).is_file()]


def test_readme_maps_every_thesis_number():
    from pathos_lib.evaluation import THESIS_NUMBERS

    readme = (PROJECT / "README.md").read_text()
    section = readme.split("## The thesis's numbers, mapped", 1)[1].split("\n## ", 1)[0]
    for figure in THESIS_NUMBERS["thesis figure"]:
        assert f"| {figure} |" in section
    assert THESIS_NUMBERS["papermill parameters"].iloc[0].replace(" -p quick False", "") in section
