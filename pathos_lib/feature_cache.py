"""Features stage, a corpus at a time: every row's wav -> its feature matrix, in parallel, cached on disk.

``extract_corpus(table, audio_feature)`` runs over a corpus table with joblib and a tqdm progress bar; the
cache holds plain ``.npy`` files (no pickle) keyed by the feature configuration and each wav's path, size
and modification time, written atomically, so an interrupted run leaves no half file. Every file that
cannot be read is reported by name (a warning and ``FeatureSet.failed``), never silently dropped.
Explained in 02_feature_extraction.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
import warnings
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from .audio import load_audio
from .audio_features import PRETRAINED_KINDS, FeatureConfig, compute_features
from .paths import data_dir, make_folder
from .records import progress_bar


@dataclass
class FeatureSet(Mapping):
    """utt_id -> feature matrix (frames x ``config.n_features``, float32), plus what could not be extracted.

    Explained in 02_feature_extraction.
    """

    config: FeatureConfig
    arrays: dict[str, np.ndarray]
    failed: dict[str, str] = field(default_factory=dict)  # utt_id -> error naming the file
    missing_wav: list[str] = field(default_factory=list)  # rows with no wav_path
    from_cache: int = 0
    computed: int = 0

    def __getitem__(self, utt_id: str) -> np.ndarray:
        return self.arrays[utt_id]

    def __iter__(self) -> Iterator[str]:
        return iter(self.arrays)

    def __len__(self) -> int:
        return len(self.arrays)

    def __repr__(self) -> str:
        return (
            f"FeatureSet({self.config.audio_feature}: {len(self)} utterances x {self.config.n_features} "
            f"features; "
            f"{self.from_cache} from cache, {self.computed} computed, {len(self.failed)} failed, "
            f"{len(self.missing_wav)} without wav)"
        )


# joblib's workers (a few hundred MB each) wait this long for the next extraction, then end (joblib's own
# default is 5 minutes, in a notebook kernel that may never ask again); one whose run was killed ends at
# its next task
WORKER_IDLE_S = 10


def feature_cache_dir() -> Path:
    """Default cache folder: ``<data_dir>/features`` (``PATHOS_DATA`` moves it).

    Plumbing for extract_corpus.
    """
    return data_dir() / "features"


def extract_corpus(
    table: pd.DataFrame,
    audio_feature: str | FeatureConfig = "logmel",
    cache_dir: str | os.PathLike | None = None,
    n_jobs: int | None = None,
    *,
    pitch: bool = False,
    use_cache: bool = True,
    progress: bool = True,
) -> FeatureSet:
    """Features of every row with a wav: utt_id -> float32 array (frames x features).

    ``table`` needs ``utt_id`` and ``wav_path``; ``audio_feature`` is a kind name or a ``FeatureConfig``.

    Parallel over files (joblib, ``n_jobs`` defaults to all cores) with a tqdm progress bar. Results are
    cached under ``cache_dir/<config key>/`` (default ``data/features/``) as ``.npy`` files named by
    utterance and by the wav's identity (path, size, mtime): a changed configuration or file is
    recomputed, nothing else is. Writes are atomic. Cached arrays come back memory-mapped (read-only;
    the bytes are read when first used), so a cached re-run returns at once; all arrays are read-only.
    Unreadable wavs are reported (warning and ``.failed``) and left out; rows without ``wav_path`` are
    listed in ``.missing_wav``. ``pitch`` adds log f0 to a kind given by name; ``use_cache=False``
    recomputes every file. Returns a ``FeatureSet``.
    Explained in 02_feature_extraction.
    """
    from joblib import Parallel, delayed

    config = (
        audio_feature
        if isinstance(audio_feature, FeatureConfig)
        else FeatureConfig(audio_feature, pitch=pitch)
    )
    if "wav_path" not in table.columns or "utt_id" not in table.columns:
        raise ValueError("extract_corpus needs a table with 'utt_id' and 'wav_path' columns")
    folder = Path(cache_dir) if cache_dir is not None else feature_cache_dir()
    folder = make_folder(folder / config.key)
    os.utime(folder)  # cache_folders() says when each configuration was last used
    existing = _cache_entries(folder) if use_cache else {}

    result = FeatureSet(config, {})
    todo: list[tuple[str, str, Path]] = []
    stale: list[Path] = []
    for utt_id, path in zip(table["utt_id"], table["wav_path"], strict=True):
        if path is None or (isinstance(path, float) and np.isnan(path)):
            result.missing_wav.append(str(utt_id))
            continue
        path = os.fspath(path)
        try:
            identity = file_identity(path)
        except OSError as error:
            result.failed[utt_id] = f"{path}: {error.strerror or error}"
            continue
        stem, where = _safe_stem(utt_id), _path_key(path)
        entry = folder / f"{stem}.{where}.{identity}.npy"
        known = existing.get(stem, [])
        # the same file, changed since (or named the old way): stale; the same id at another path (another
        # corpus, the synthetic corpus at another size) keeps its own entry
        for name in known:
            parts = name.split(".")  # stem, path key, identity, "npy"
            if name != entry.name and (len(parts) != 4 or parts[1] == where):
                stale.append(folder / name)
        if entry.name in known:
            try:
                result.arrays[utt_id] = np.load(entry, mmap_mode="r", allow_pickle=False)
                result.from_cache += 1
                continue
            except (OSError, ValueError):
                pass  # an unreadable cache entry is recomputed
        todo.append((utt_id, path, entry))

    if todo:
        n_jobs = n_jobs or os.cpu_count() or 1
        if config.audio_feature in PRETRAINED_KINDS:  # one model (in its worker), an utterance per core
            outputs = _extract_batches(todo, config)
        else:
            jobs = (delayed(_extract_one)(path, config, entry, os.getpid()) for _, path, entry in todo)
            runner = None
            if n_jobs > 1:
                runner = Parallel(
                    n_jobs, return_as="generator", batch_size="auto", idle_worker_timeout=WORKER_IDLE_S
                )
            outputs = runner(jobs) if runner else (job[0](*job[1], **job[2]) for job in jobs)
        for (utt_id, _, _), (array, error) in progress_bar(
            zip(todo, outputs, strict=True), total=len(todo), disable=not progress, desc=config.audio_feature
        ):
            if error is None:
                array.flags.writeable = False  # like the memory-mapped cached ones
                result.arrays[utt_id] = array
                result.computed += 1
            else:
                result.failed[utt_id] = error
    for path in stale:
        path.unlink(missing_ok=True)
    if result.failed:
        listed = "; ".join(list(result.failed.values())[:5])
        warnings.warn(
            f"{len(result.failed)} audio file(s) could not be read and are left out of the features "
            f"(see .failed): {listed}",
            stacklevel=2,
        )
    return result


def _extract_one(
    path: str, config: FeatureConfig, entry: Path, parent: int | None = None
) -> tuple[np.ndarray | None, str | None]:
    if parent is not None and parent != os.getpid() and os.getppid() != parent:
        os._exit(0)  # the run that asked is gone (killed): a worker must not go on for it
    try:
        features = compute_features(load_audio(path), config)
    except ValueError as error:
        return None, str(error) if str(path) in str(error) else f"{path}: {error}"
    _atomic_save(entry, features)
    return features, None


def _extract_batches(todo: list, config: FeatureConfig) -> Iterator[tuple[np.ndarray | None, str | None]]:
    """A pretrained encoder's features, a few files per request (the encoder runs one per core)."""
    from .pretrained import whisper_frames

    size = 2 * (os.cpu_count() or 1)
    for first in range(0, len(todo), size):
        waves: list[np.ndarray | str] = []
        for _, path, _ in todo[first : first + size]:
            try:
                waves.append(load_audio(path))
            except ValueError as error:
                waves.append(str(error))
        frames = iter(whisper_frames([w for w in waves if not isinstance(w, str)], window_s=config.window_s))
        for (_, path, entry), wave in zip(todo[first : first + size], waves, strict=True):
            if isinstance(wave, str):
                yield None, wave
                continue
            features = next(frames)
            if not np.isfinite(features).all():
                yield None, f"{path}: whisper features came out NaN or infinite"
                continue
            _atomic_save(entry, features)
            yield features, None


def _atomic_save(entry: Path, array: np.ndarray) -> None:
    """Write to a temporary file in the same folder, then rename: readers never see half a file."""
    handle, temporary = tempfile.mkstemp(dir=entry.parent, prefix=".tmp-", suffix=".npy")
    try:
        with os.fdopen(handle, "wb") as stream:
            np.save(stream, array, allow_pickle=False)
        os.replace(temporary, entry)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def file_identity(path: str) -> str:
    """A short hash of a file's absolute path, size and modification time: a changed file gets a new cache
    entry. Plumbing for extract_corpus and asr.transcribe_corpus."""
    stat = os.stat(path)
    text = f"{os.path.abspath(path)}|{stat.st_size}|{stat.st_mtime_ns}"
    return hashlib.sha1(text.encode()).hexdigest()[:16]


def _path_key(path: str) -> str:
    """A short hash of a file's absolute path: two corpora sharing utterance ids keep separate entries."""
    return hashlib.sha1(os.path.abspath(path).encode()).hexdigest()[:8]


_SAFE = re.compile(r"^[A-Za-z0-9_\-]+$")


def _safe_stem(utt_id: str) -> str:
    text = str(utt_id)
    return text if _SAFE.match(text) else "h" + hashlib.sha1(text.encode()).hexdigest()[:20]


def _cache_entries(folder: Path) -> dict[str, list[str]]:
    """stem -> cache file names, from one listing of the folder (temporary files ignored)."""
    entries: dict[str, list[str]] = {}
    with os.scandir(folder) as listing:
        for item in listing:
            name = item.name
            if name.endswith(".npy") and not name.startswith(".tmp-"):
                entries.setdefault(name.split(".", 1)[0], []).append(name)
    return entries
