"""Recording metrics in a notebook and reading them back from the executed copy."""

from __future__ import annotations

import json

import nbformat
import numpy as np
import pytest

from pathos_lib.records import METRICS_MIME, read_metrics, record_metrics


def test_record_then_read(tmp_path, capsys):
    record_metrics(ua=np.float32(0.5), counts={"ang": np.int64(3)}, per_fold=np.array([1, 2]))
    shown = capsys.readouterr().out  # outside a notebook the text form is printed
    assert "ua = 0.5" in shown and "counts = {'ang': 3}" in shown and "per_fold = [1, 2]" in shown

    notebook = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("record_metrics(...)")
    cell.outputs = [
        nbformat.v4.new_output("display_data", data={METRICS_MIME: {"ua": 0.4, "wa": 0.6}, "text/plain": ""}),
        nbformat.v4.new_output("stream", text="noise\n"),
        nbformat.v4.new_output("display_data", data={METRICS_MIME: {"ua": 0.5}, "text/plain": ""}),
    ]
    notebook.cells = [nbformat.v4.new_markdown_cell("# title"), cell]
    path = tmp_path / "executed.ipynb"
    path.write_text(json.dumps(notebook))
    assert read_metrics(path) == {"ua": 0.5, "wa": 0.6}


def test_unstorable_values_are_refused():
    with pytest.raises(TypeError, match="cannot store a object"):
        record_metrics(thing=object())
