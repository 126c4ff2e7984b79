"""What a notebook run leaves in its executed copy: metrics under stable names, and readable progress.

``record_metrics`` shows the values in the notebook and stores them as a JSON output with a private
MIME type; papermill keeps outputs in the executed notebook, and ``read_metrics`` collects them.
``progress_bar`` draws a widget in a live notebook and text where a run is executed headless.
Explained in 01_data_exploration.
"""

from __future__ import annotations

import json
import os
from numbers import Number

METRICS_MIME = "application/vnd.pathos.metrics+json"


def progress_bar(*args: object, **kwargs: object):
    """A tqdm progress bar: a widget in a live notebook (``tqdm.auto``), plain text when the environment
    variable ``PATHOS_PROGRESS`` is ``text``. ``make notebooks`` and the notebook tests set it: a widget's
    state is not kept in an executed copy, which would show a bar frozen at "0/N", while text shows how far
    it went. Arguments as tqdm's. Plumbing for extract_corpus, transcribe_corpus and the synthetic corpus.
    """
    if os.environ.get("PATHOS_PROGRESS", "").strip().lower() == "text":
        from tqdm.std import tqdm
    else:
        from tqdm.auto import tqdm
    return tqdm(*args, **kwargs)


def record_metrics(**values: object) -> None:
    """Record named values (numbers, strings, lists or dicts of them) in the running notebook.

    ``values``: name -> value; numpy scalars and arrays become plain numbers and lists. Returns None: the
    values are displayed and stored as a ``METRICS_MIME`` output; anything else raises ``TypeError``.
    Explained in 01_data_exploration.
    """
    clean = json.loads(json.dumps(values, default=_plain))
    from IPython.display import display

    text = "\n".join(f"{name} = {value}" for name, value in clean.items())
    display({METRICS_MIME: clean, "text/plain": "recorded metrics:\n" + text}, raw=True)


def read_metrics(notebook_path: str | os.PathLike) -> dict:
    """All values recorded by ``record_metrics`` in an executed notebook (later ones win).

    ``notebook_path``: an executed ``.ipynb`` (papermill keeps its outputs). Returns name -> value, as
    plain JSON types; empty when nothing was recorded.
    Explained in 01_data_exploration.
    """
    with open(notebook_path, encoding="utf-8") as handle:
        notebook = json.load(handle)
    found: dict = {}
    for cell in notebook.get("cells", []):
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if METRICS_MIME in data:
                found.update(data[METRICS_MIME])
    return found


def _plain(value: object) -> object:
    """numpy scalars and arrays -> plain Python for JSON."""
    if hasattr(value, "tolist"):
        return value.tolist()
    if isinstance(value, Number):
        return float(value)
    raise TypeError(f"record_metrics cannot store a {type(value).__name__}")
