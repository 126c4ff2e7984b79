"""Where PATHOS keeps generated data, build outputs and figures.

Defaults live inside the project checkout (``data/``, ``build/``, ``build/figures/``); environment
variables override them: ``PATHOS_DATA``, ``PATHOS_BUILD``, ``PATHOS_FIGURES``.
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
    """Figures saved by the notebooks (``PATHOS_FIGURES``, default ``build/figures/``, in ``PATHOS_BUILD``).

    A run leaves the committed ``figures/`` (the README's images) as they are: ``make figures`` refreshes
    those. Returns the folder (it may not exist yet). Plumbing for plots.save_figure."""
    value = os.environ.get("PATHOS_FIGURES")
    return Path(value).expanduser() if value else build_dir() / "figures"


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


def make_folder(folder: str | os.PathLike) -> Path:
    """Create ``folder`` (and its parents) or raise ``PermissionError`` / ``OSError`` saying which folder
    could not be written and how to choose another. Plumbing for the caches and the synthetic corpus."""
    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        why = error.strerror or str(error)
        raise type(error)(
            f"Cannot write to {folder} ({why}): PATHOS keeps generated corpora and caches under "
            f"{data_dir()}; set PATHOS_DATA (or the notebooks' data_dir parameter) to a folder you can write"
        ) from error
    return folder


CACHE_KINDS = ("features", "asr", "decoded", "synthetic")  # the folders under data_dir() that can be rebuilt


def cache_folders() -> list[dict]:
    """Every cache folder under ``data_dir()``: features per configuration, ASR transcripts per model,
    decoded clips, generated synthetic corpora; each rebuilt on demand when removed.

    Returns one dict per folder: ``folder`` (path), ``kind``, ``files``, ``bytes`` and ``last_used``
    (seconds since the epoch: the last run that read or changed it).
    Explained in 02_feature_extraction.
    """
    found = []
    for kind in CACHE_KINDS:
        parent = data_dir() / kind
        if not parent.is_dir():
            continue
        folders = [parent] if kind == "decoded" else sorted(p for p in parent.iterdir() if p.is_dir())
        for folder in folders:
            files = [p for p in folder.rglob("*") if p.is_file()]
            found.append({
                "folder": str(folder), "kind": kind, "files": len(files),
                "bytes": sum(p.stat().st_size for p in files),
                "last_used": folder.stat().st_mtime,  # each run that reads a cache touches its folder
            })  # fmt: skip
    return found


def remove_caches(older_than_days: float | None = None, folders: list[str] | None = None) -> list[dict]:
    """Delete cache folders: those named in ``folders`` (paths from ``cache_folders``), or every one not
    used for ``older_than_days`` days (0: all of them). Returns the entries removed, with their sizes.
    Refuses a folder that is not one of ``cache_folders()``. Explained in 02_feature_extraction.
    """
    import shutil
    import time

    known = {entry["folder"]: entry for entry in cache_folders()}
    if folders is not None:
        unknown = [f for f in folders if str(Path(f)) not in known]
        if unknown:
            raise ValueError(f"not cache folders of {data_dir()}: {unknown} (see cache_folders())")
        chosen = [known[str(Path(f))] for f in folders]
    elif older_than_days is not None:
        cutoff = time.time() - older_than_days * 86400
        chosen = [entry for entry in known.values() if entry["last_used"] <= cutoff]
    else:
        raise ValueError("remove_caches needs folders or older_than_days")
    for entry in chosen:
        shutil.rmtree(entry["folder"])
    return chosen


def main(argv: list[str] | None = None) -> int:
    """``python -m pathos_lib.paths caches`` lists the cache folders with their sizes;
    ``... remove-caches DAYS`` deletes those not used for DAYS days (``make caches``, ``make clean-caches``).
    Plumbing for the Makefile."""
    import sys
    import time

    args = sys.argv[1:] if argv is None else argv
    if (
        not args
        or args[0] not in ("caches", "remove-caches")
        or (args[0] == "remove-caches" and len(args) != 2)
    ):
        print("usage: python -m pathos_lib.paths caches | remove-caches DAYS", file=sys.stderr)
        return 2
    entries = cache_folders() if args[0] == "caches" else remove_caches(older_than_days=float(args[1]))
    verb = "" if args[0] == "caches" else "removed "
    for entry in entries:
        age = (time.time() - entry["last_used"]) / 86400
        size, files = f"{entry['bytes'] / 1e6:9.1f} MB", f"{entry['files']:7d} files"
        print(f"{verb}{size}  {files}  used {age:5.1f} days ago  {entry['folder']}")
    total = sum(entry["bytes"] for entry in entries) / 1e6
    print(f"{verb}{total:9.1f} MB in {len(entries)} cache folder(s) under {data_dir()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
