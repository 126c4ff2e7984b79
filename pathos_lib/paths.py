"""Where PATHOS keeps generated data, build outputs and figures.

Defaults live inside the project checkout (``data/``, ``build/``, ``figures/``); environment variables
override them: ``PATHOS_DATA``, ``PATHOS_BUILD``, ``PATHOS_FIGURES``.
Explained in 01_data_exploration.
"""

from __future__ import annotations

import os
from pathlib import Path


def project_root() -> Path:
    """The checkout that holds ``pathos_lib`` (or the working directory for a non-editable install).

    Plumbing for data_dir, build_dir and figures_dir."""
    here = Path(__file__).resolve().parent.parent
    return here if (here / "pyproject.toml").is_file() else Path.cwd()


def _folder(variable: str, default: str) -> Path:
    value = os.environ.get(variable)
    return Path(value).expanduser() if value else project_root() / default


def data_dir() -> Path:
    """Generated corpora and feature caches (``PATHOS_DATA``, default ``data/``); never committed.

    Returns the folder (it may not exist yet). Plumbing for the synthetic corpus and the feature cache."""
    return _folder("PATHOS_DATA", "data")


def build_dir() -> Path:
    """Executed notebooks, results and models (``PATHOS_BUILD``, default ``build/``).

    Returns the folder (it may not exist yet). Explained in 07_try_it."""
    return _folder("PATHOS_BUILD", "build")


def figures_dir() -> Path:
    """Figures saved by the notebooks (``PATHOS_FIGURES``, default ``figures/``).

    Returns the folder (it may not exist yet). Plumbing for plots.save_figure."""
    return _folder("PATHOS_FIGURES", "figures")


def use_data_dir(folder: str | os.PathLike | None = None) -> Path:
    """Send generated corpora and feature caches to ``folder`` for the rest of this process.

    The notebooks call it with their ``data_dir`` parameter, e.g. a Google Drive folder on Colab so that
    the corpus and caches outlive the runtime.

    ``folder``: where data goes; None keeps ``PATHOS_DATA`` or the checkout's ``data/``. Returns the data
    folder now in use (what ``data_dir`` returns). Explained in 01_data_exploration.
    """
    if folder is not None:
        os.environ["PATHOS_DATA"] = str(Path(folder).expanduser())
    return data_dir()
