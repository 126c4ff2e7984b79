"""Wav file -> waveform -> feature matrix (frames x features), for one file or a whole corpus.

Three representations, each vectorised over frames (no per-frame Python loops):

- ``"thesis34"``: the thesis's 34 short-term features (pyAudioAnalysis style) on 200 ms windows, 100 ms hop:
  zero-crossing rate, energy, energy entropy, spectral centroid, spread, entropy, flux, roll-off (0.90),
  13 MFCCs, 12 chroma bins, chroma standard deviation;
- ``"logmel"``: 64-band log-mel energies, 25 ms window, 10 ms hop;
- ``"mfcc"``: 40 MFCCs + deltas + delta-deltas + log energy (121 columns), 25 ms / 10 ms.

``pitch=True`` appends a log-f0 column (librosa's YIN) on the same frames.

Loading policy: every file is read as float32 mono at 16 kHz (stereo averaged, other rates resampled).
Short-clip policy: a clip shorter than one analysis window is zero-padded to one window, so it yields one
frame; a file with no samples is an error (reported, never a silent empty matrix).

``extract_corpus`` runs over a corpus table in parallel with an on-disk cache (plain ``.npy`` files, no
pickle) keyed by the feature configuration and each wav's path, size and modification time.
Explained in 02_feature_extraction (loading also in 01_data_exploration).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import re
import tempfile
import warnings
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
import soundfile as sf

from .paths import data_dir

SAMPLE_RATE = 16_000
FEATURES_VERSION = 1  # bump when the numbers a configuration produces change
FEATURE_KINDS = ("thesis34", "logmel", "mfcc")
THESIS34_NAMES = (
    ["zcr", "energy", "energy_entropy", "spectral_centroid", "spectral_spread", "spectral_entropy",
     "spectral_flux", "spectral_rolloff"]
    + [f"mfcc_{i + 1}" for i in range(13)] + [f"chroma_{i + 1}" for i in range(12)] + ["chroma_std"]
)  # fmt: skip
EPS = 1e-10


@dataclass(frozen=True)
class FeatureConfig:
    """Everything that decides the numbers a feature extraction produces (and so its cache key)."""

    kind: str = "logmel"
    sample_rate: int = SAMPLE_RATE
    window_s: float | None = None  # None: 0.2 for thesis34, 0.025 otherwise
    hop_s: float | None = None  # None: 0.1 for thesis34, 0.010 otherwise
    n_mels: int = 64
    n_mfcc: int = 40
    pitch: bool = False

    def __post_init__(self) -> None:
        if self.kind not in FEATURE_KINDS:
            raise ValueError(f"feature must be one of {FEATURE_KINDS}, got {self.kind!r}")
        thesis = self.kind == "thesis34"
        if self.window_s is None:
            object.__setattr__(self, "window_s", 0.2 if thesis else 0.025)
        if self.hop_s is None:
            object.__setattr__(self, "hop_s", 0.1 if thesis else 0.010)

    @property
    def window(self) -> int:
        """Window length in samples."""
        return int(round(self.window_s * self.sample_rate))

    @property
    def hop(self) -> int:
        """Hop length in samples."""
        return int(round(self.hop_s * self.sample_rate))

    @property
    def n_fft(self) -> int:
        """FFT size: the window for thesis34 (as pyAudioAnalysis), the next power of two otherwise."""
        return self.window if self.kind == "thesis34" else int(2 ** np.ceil(np.log2(self.window)))

    @property
    def names(self) -> list[str]:
        """Column names of the feature matrix."""
        if self.kind == "thesis34":
            names = list(THESIS34_NAMES)
        elif self.kind == "logmel":
            names = [f"logmel_{i + 1}" for i in range(self.n_mels)]
        else:
            base = [f"mfcc_{i + 1}" for i in range(self.n_mfcc)]
            names = base + [f"d_{n}" for n in base] + [f"dd_{n}" for n in base] + ["log_energy"]
        return names + (["log_f0"] if self.pitch else [])

    @property
    def key(self) -> str:
        """A short stable id of this configuration (the cache folder name)."""
        text = json.dumps({**dataclasses.asdict(self), "version": FEATURES_VERSION}, sort_keys=True)
        return f"{self.kind}-{hashlib.sha1(text.encode()).hexdigest()[:12]}"


def load_audio(path: str | os.PathLike, sample_rate: int = SAMPLE_RATE) -> np.ndarray:
    """Read a sound file as float32 mono at ``sample_rate`` (stereo averaged, resampled if needed).

    Raises ``ValueError`` naming the file when it cannot be decoded or holds no samples.
    Explained in 01_data_exploration.
    """
    try:
        audio, rate = sf.read(os.fspath(path), dtype="float32", always_2d=True)
    except (sf.LibsndfileError, RuntimeError, OSError) as error:
        raise ValueError(f"Cannot read audio file {path}: {error}") from error
    if audio.shape[0] == 0:
        raise ValueError(f"Audio file {path} holds no samples")
    audio = audio.mean(axis=1)
    if rate != sample_rate:
        import librosa

        audio = librosa.resample(audio, orig_sr=rate, target_sr=sample_rate)
    return np.ascontiguousarray(audio, dtype=np.float32)


def compute_features(audio: np.ndarray, config: FeatureConfig | str = "logmel") -> np.ndarray:
    """The feature matrix (frames x ``len(config.names)``, float32) of a 16 kHz mono waveform.

    Explained in 02_feature_extraction.
    """
    config = FeatureConfig(config) if isinstance(config, str) else config
    audio = np.asarray(audio, dtype=np.float32)
    if audio.ndim != 1 or audio.size == 0:
        raise ValueError(f"Expected a non-empty mono waveform, got shape {audio.shape}")
    if audio.size < config.n_fft:  # short-clip policy: pad to one analysis window
        audio = np.pad(audio, (0, config.n_fft - audio.size))
    if config.kind == "thesis34":
        features = _thesis34(audio, config)
    else:
        features = _mel_family(audio, config)
    if config.pitch:
        features = np.hstack([features, _log_f0(audio, config, len(features))[:, None]])
    return features.astype(np.float32)


# ----------------------------------------------------------------------------------------------
# The representations


@lru_cache(maxsize=16)
def _mel_basis(sample_rate: int, n_fft: int, n_mels: int) -> np.ndarray:
    import librosa

    return librosa.filters.mel(sr=sample_rate, n_fft=n_fft, n_mels=n_mels)


@lru_cache(maxsize=16)
def _chroma_basis(sample_rate: int, n_fft: int) -> np.ndarray:
    import librosa

    return librosa.filters.chroma(sr=sample_rate, n_fft=n_fft, n_chroma=12)


def _mel_family(audio: np.ndarray, config: FeatureConfig) -> np.ndarray:
    import librosa

    spectrum = librosa.stft(
        audio, n_fft=config.n_fft, hop_length=config.hop, win_length=config.window, center=True
    )
    power = spectrum.real**2 + spectrum.imag**2  # (bins, frames)
    log_mel = np.log(_mel_basis(config.sample_rate, config.n_fft, config.n_mels) @ power + EPS)
    if config.kind == "logmel":
        return log_mel.T
    from scipy.fft import dct

    mfcc = dct(log_mel, type=2, axis=0, norm="ortho")[: config.n_mfcc]
    delta = librosa.feature.delta(mfcc, order=1, mode="nearest")
    delta2 = librosa.feature.delta(mfcc, order=2, mode="nearest")
    log_energy = np.log(power.sum(axis=0) + EPS)[None]
    return np.vstack([mfcc, delta, delta2, log_energy]).T


def _thesis34(audio: np.ndarray, config: FeatureConfig) -> np.ndarray:
    """pyAudioAnalysis-style short-term features, computed for all frames at once."""
    import librosa
    from scipy.fft import dct

    x = audio.astype(np.float64)
    x = x - x.mean()  # DC removed, scaled by the maximum, as the thesis did
    peak = np.abs(x).max()
    x = x / peak if peak > 0 else x
    win, hop, rate = config.window, config.hop, config.sample_rate
    frames = librosa.util.frame(x, frame_length=win, hop_length=hop, axis=0)  # (n, win), no centring
    signs = np.signbit(frames)
    zcr = np.count_nonzero(signs[:, 1:] != signs[:, :-1], axis=1) / (win - 1)
    energy = np.mean(frames**2, axis=1)
    energy_entropy = _entropy_of_blocks(frames[:, : win // 10 * 10] ** 2, 10)

    magnitude_full = np.abs(np.fft.rfft(frames, axis=1)) / (win // 2)  # (n, win // 2 + 1)
    magnitude = magnitude_full[:, : win // 2]
    bins = magnitude.shape[1]
    freqs = np.arange(1, bins + 1) * (rate / (2.0 * bins))
    shape = magnitude / (magnitude.max(axis=1, keepdims=True) + EPS)
    total = shape.sum(axis=1) + EPS
    centroid = (shape * freqs).sum(axis=1) / total
    spread = np.sqrt(((freqs[None, :] - centroid[:, None]) ** 2 * shape).sum(axis=1) / total)
    power = magnitude**2
    spectral_entropy = _entropy_of_blocks(power[:, : bins // 10 * 10], 10)
    distribution = magnitude / (magnitude.sum(axis=1, keepdims=True) + EPS)
    flux = np.concatenate([[0.0], ((distribution[1:] - distribution[:-1]) ** 2).sum(axis=1)])
    cumulative = np.cumsum(power, axis=1)
    rolloff = (cumulative <= 0.90 * cumulative[:, -1:]).sum(axis=1) / bins

    power_full = magnitude_full**2
    mel = _mel_basis(rate, config.n_fft, 40) @ power_full.T  # (40, n)
    mfcc = dct(np.log10(mel + EPS), type=2, axis=0, norm="ortho")[:13].T
    chroma = (_chroma_basis(rate, config.n_fft) @ power_full.T).T  # (n, 12)
    chroma = chroma / (chroma.sum(axis=1, keepdims=True) + EPS)
    columns = [zcr, energy, energy_entropy, centroid / (rate / 2), spread / (rate / 2), spectral_entropy,
               flux, rolloff]  # fmt: skip
    return np.column_stack([*columns, mfcc, chroma, chroma.std(axis=1)])


def _entropy_of_blocks(values: np.ndarray, blocks: int) -> np.ndarray:
    """Entropy (bits) of the share of each of ``blocks`` equal sub-blocks in each row's total."""
    sums = values.reshape(values.shape[0], blocks, -1).sum(axis=2)
    share = sums / (sums.sum(axis=1, keepdims=True) + EPS)
    return -(share * np.log2(share + EPS)).sum(axis=1)


def _log_f0(audio: np.ndarray, config: FeatureConfig, n_frames: int) -> np.ndarray:
    """log f0 (YIN, 60-500 Hz) on the same frame grid as the other features."""
    import librosa

    center = config.kind != "thesis34"
    frame_length = max(config.window, 1024) if center else config.window
    padded = audio if audio.size >= frame_length else np.pad(audio, (0, frame_length - audio.size))
    f0 = librosa.yin(padded, fmin=60, fmax=500, sr=config.sample_rate, frame_length=frame_length,
                     hop_length=config.hop, center=center)  # fmt: skip
    f0 = np.pad(f0, (0, max(0, n_frames - f0.size)), mode="edge")[:n_frames]
    return np.log(f0)


def thesis34_per_frame(audio: np.ndarray, config: FeatureConfig | None = None) -> np.ndarray:
    """Reference: the thesis34 features written frame by frame, as pyAudioAnalysis computes them.

    Slow on purpose and written independently of the vectorised code: the tests check
    ``compute_features`` against it and ``benchmarks/extract.py`` times both.
    Explained in 02_feature_extraction.
    """
    from scipy.fft import dct

    config = config or FeatureConfig("thesis34")
    win, hop, rate = config.window, config.hop, config.sample_rate
    x = audio.astype(np.float64)
    x = x - x.mean()
    x = x / max(np.abs(x).max(), EPS)
    if len(x) < win:
        x = np.pad(x, (0, win - len(x)))
    mel_basis, chroma_basis = _mel_basis(rate, win, 40), _chroma_basis(rate, win)
    rows, previous = [], None
    for start in range(0, len(x) - win + 1, hop):
        frame = x[start : start + win]
        zcr = sum(1 for a, b in zip(frame[:-1], frame[1:], strict=True) if (a < 0) != (b < 0)) / (win - 1)
        energy = float(np.sum(frame**2)) / win
        sub = win // 10
        blocks = np.array([np.sum(frame[i * sub : (i + 1) * sub] ** 2) for i in range(10)])
        shares = blocks / (blocks.sum() + EPS)
        energy_entropy = -float(np.sum(shares * np.log2(shares + EPS)))
        full = np.abs(np.fft.rfft(frame)) / (win // 2)
        magnitude = full[: win // 2]
        freqs = np.arange(1, len(magnitude) + 1) * (rate / (2.0 * len(magnitude)))
        shape = magnitude / (magnitude.max() + EPS)
        centroid = np.sum(freqs * shape) / (np.sum(shape) + EPS)
        spread = np.sqrt(np.sum((freqs - centroid) ** 2 * shape) / (np.sum(shape) + EPS))
        power = magnitude**2
        band = len(power) // 10
        bands = np.array([np.sum(power[i * band : (i + 1) * band]) for i in range(10)])
        shares = bands / (bands.sum() + EPS)
        spectral_entropy = -float(np.sum(shares * np.log2(shares + EPS)))
        distribution = magnitude / (magnitude.sum() + EPS)
        flux = 0.0 if previous is None else float(np.sum((distribution - previous) ** 2))
        previous = distribution
        cumulative = np.cumsum(power)
        rolloff = int(np.argmax(cumulative > 0.90 * cumulative[-1])) / len(power)
        mfcc = dct(np.log10(mel_basis @ full**2 + EPS), type=2, norm="ortho")[:13]
        chroma = chroma_basis @ full**2
        chroma = chroma / (chroma.sum() + EPS)
        nyquist = rate / 2
        rows.append([zcr, energy, energy_entropy, centroid / nyquist, spread / nyquist, spectral_entropy,
                     flux, rolloff, *mfcc, *chroma, chroma.std()])  # fmt: skip
    return np.array(rows)


def energy_trend(log_energy: np.ndarray, speech_percentile: float = 30.0) -> float:
    """How loudness moves through an utterance: the change in log energy from its first to its last
    speech frame, along a straight line fitted to the speech frames (those above the
    ``speech_percentile``-th percentile of the utterance's log energy; pauses and silence fall below).

    Positive: effort builds up; negative: it fades. Whole-utterance means and spreads cannot show this
    direction (a build-up and a fade have the same values in another order). Explained in
    02_feature_extraction.
    """
    log_energy = np.asarray(log_energy, dtype=float).ravel()
    if len(log_energy) < 2:
        raise ValueError(f"energy_trend needs at least 2 frames, got {len(log_energy)}")
    frames = np.flatnonzero(log_energy >= np.percentile(log_energy, speech_percentile))
    if frames[-1] == frames[0]:
        return 0.0
    slope = np.polyfit(frames, log_energy[frames], 1)[0]
    return float(slope * (frames[-1] - frames[0]))


# ----------------------------------------------------------------------------------------------
# Normalisation and padding


def average_frames(array: np.ndarray, size: int) -> np.ndarray:
    """Average every ``size`` consecutive frames (the last, shorter group included), as float32.

    The default networks read MFCCs averaged over 8 frames (80 ms steps). Explained in 03_audio_model.
    """
    if size <= 1:
        return array.astype(np.float32)
    n = len(array)
    groups = -(-n // size)
    padded = np.concatenate([array, np.repeat(array[-1:], groups * size - n, axis=0)])
    return padded.reshape(groups, size, -1).mean(axis=1).astype(np.float32)


class Normaliser:
    """Per-column z-score, fitted on training utterances only, then applied to any utterances.

    ``per_speaker=True`` standardises each speaker by their own statistics: speakers seen in ``fit`` use
    their training statistics; a new (test) speaker uses statistics of their own frames among those being
    transformed (no labels involved: the usual speaker normalisation), or, with ``new_speakers="global"``,
    the global training statistics (for a single utterance, too little to estimate a voice from).
    ``add_speaker`` registers a new speaker from unlabelled recordings of their voice.
    Explained in 02_feature_extraction.
    """

    def __init__(self, per_speaker: bool = False) -> None:
        self.per_speaker = per_speaker
        self.mean: np.ndarray | None = None
        self.std: np.ndarray | None = None
        self.speaker_stats: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self.fitted_on: int = 0

    def fit(
        self, features: Mapping[str, np.ndarray], utt_ids: list[str], speakers: list[str] | None = None
    ) -> Normaliser:
        """Learn statistics from ``utt_ids`` (the training rows) only."""
        if not len(utt_ids):
            raise ValueError("Normaliser.fit needs at least one training utterance")
        self.mean, self.std = _column_stats([features[u] for u in utt_ids])
        self.fitted_on = len(utt_ids)
        if self.per_speaker:
            self.speaker_stats = self._stats_by_speaker(features, utt_ids, _need(speakers, utt_ids))
        return self

    def transform(
        self,
        features: Mapping[str, np.ndarray],
        utt_ids: list[str],
        speakers: list[str] | None = None,
        new_speakers: str = "own",
    ) -> dict[str, np.ndarray]:
        """Standardised copies of the given utterances' features (float32).

        ``new_speakers`` (per-speaker only): "own" (statistics of their frames among those given) or
        "global" (the training statistics).
        """
        if self.mean is None:
            raise RuntimeError("Normaliser.transform called before fit")
        if new_speakers not in ("own", "global"):
            raise ValueError(f"new_speakers must be 'own' or 'global', got {new_speakers!r}")
        stats = {}
        if self.per_speaker:
            speakers = _need(speakers, utt_ids)
            new = [(u, s) for u, s in zip(utt_ids, speakers, strict=True) if s not in self.speaker_stats]
            if new_speakers == "own":
                stats = self._stats_by_speaker(features, [u for u, _ in new], [s for _, s in new])
            else:
                stats = {s: (self.mean, self.std) for _, s in new}
            stats.update(self.speaker_stats)
        out = {}
        for i, utt_id in enumerate(utt_ids):
            mean, std = stats[speakers[i]] if self.per_speaker else (self.mean, self.std)
            out[utt_id] = ((features[utt_id] - mean) / std).astype(np.float32)
        return out

    def add_speaker(self, speaker: str, arrays: list[np.ndarray]) -> None:
        """Use the statistics of ``arrays`` (recordings of ``speaker``, no labels needed) for ``speaker``."""
        if not self.per_speaker:
            raise ValueError("add_speaker needs a per-speaker normaliser")
        if not arrays:
            raise ValueError(f"add_speaker({speaker!r}) needs at least one recording")
        self.speaker_stats[speaker] = _column_stats(arrays)

    def save(self, path: str | os.PathLike) -> None:
        """Store the fitted statistics in a plain ``.npz`` file."""
        names = sorted(self.speaker_stats)
        shape = (len(names), len(self.mean))
        np.savez(
            path, mean=self.mean, std=self.std, per_speaker=np.array(self.per_speaker),
            fitted_on=np.array(self.fitted_on), speakers=np.array(names, dtype=str),
            speaker_mean=np.array([self.speaker_stats[s][0] for s in names]).reshape(shape),
            speaker_std=np.array([self.speaker_stats[s][1] for s in names]).reshape(shape),
        )  # fmt: skip

    @classmethod
    def load(cls, path: str | os.PathLike) -> Normaliser:
        """Read statistics written by ``save``."""
        with np.load(path, allow_pickle=False) as data:
            normaliser = cls(per_speaker=bool(data["per_speaker"]))
            normaliser.mean, normaliser.std = data["mean"], data["std"]
            normaliser.fitted_on = int(data["fitted_on"])
            normaliser.speaker_stats = {
                str(s): (m, d)
                for s, m, d in zip(data["speakers"], data["speaker_mean"], data["speaker_std"], strict=True)
            }
        return normaliser

    def _stats_by_speaker(self, features, utt_ids, speakers) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        grouped: dict[str, list[np.ndarray]] = {}
        for utt_id, speaker in zip(utt_ids, speakers, strict=True):
            grouped.setdefault(speaker, []).append(features[utt_id])
        return {speaker: _column_stats(arrays) for speaker, arrays in grouped.items()}


def _column_stats(arrays: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    frames = np.concatenate(arrays, axis=0).astype(np.float64)
    std = frames.std(axis=0)
    return frames.mean(axis=0), np.where(std > 1e-8, std, 1.0)


def _need(speakers: list[str] | None, utt_ids: list[str]) -> list[str]:
    if speakers is None or len(speakers) != len(utt_ids):
        raise ValueError("per-speaker normalisation needs one speaker per utterance id")
    return list(speakers)


def pad_sequences(
    sequences: list[np.ndarray],
    max_len: int | None = None,
    truncate: str = "end",
    padding: str = "post",
    value: float = 0.0,
    dtype: str = "float32",
) -> tuple[np.ndarray, np.ndarray]:
    """Stack variable-length sequences into (batch, time[, features]) plus a boolean mask of real steps.

    ``max_len`` defaults to the longest sequence. Longer sequences are cut: ``truncate="end"`` keeps the
    beginning, ``"start"`` keeps the end, ``"center"`` keeps the middle. ``padding="post"`` pads after the
    sequence, ``"pre"`` before it (as the thesis did). Explained in 02_feature_extraction.
    """
    if truncate not in ("end", "start", "center") or padding not in ("post", "pre"):
        raise ValueError("truncate must be 'end', 'start' or 'center'; padding 'post' or 'pre'")
    if not sequences:
        raise ValueError("pad_sequences needs at least one sequence")
    lengths = [len(s) for s in sequences]
    longest = max(max(lengths), 1)
    max_len = longest if max_len is None else int(max_len)
    tail = np.asarray(sequences[0]).shape[1:]
    batch = np.full((len(sequences), max_len, *tail), value, dtype=dtype)
    mask = np.zeros((len(sequences), max_len), dtype=bool)
    for i, sequence in enumerate(sequences):
        sequence = np.asarray(sequence)
        if len(sequence) > max_len:
            cut = {"end": 0, "start": len(sequence) - max_len, "center": (len(sequence) - max_len) // 2}[
                truncate
            ]
            sequence = sequence[cut : cut + max_len]
        n = len(sequence)
        where = slice(0, n) if padding == "post" else slice(max_len - n, max_len)
        batch[i, where] = sequence
        mask[i, where] = True
    return batch, mask


# ----------------------------------------------------------------------------------------------
# A corpus at a time: parallel, cached, every failure reported


@dataclass
class FeatureSet(Mapping):
    """utt_id -> feature matrix, plus what could not be extracted and why."""

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
            f"FeatureSet({self.config.kind}: {len(self)} utterances x {len(self.config.names)} features; "
            f"{self.from_cache} from cache, {self.computed} computed, {len(self.failed)} failed, "
            f"{len(self.missing_wav)} without wav)"
        )


def feature_cache_dir() -> Path:
    """Default cache folder: ``<data_dir>/features`` (``PATHOS_DATA`` moves it)."""
    return data_dir() / "features"


def extract_corpus(
    table: pd.DataFrame,
    feature: str | FeatureConfig = "logmel",
    cache_dir: str | os.PathLike | None = None,
    n_jobs: int | None = None,
    *,
    pitch: bool = False,
    use_cache: bool = True,
    progress: bool = True,
) -> FeatureSet:
    """Features of every row with a wav: utt_id -> float32 array (frames x features).

    Parallel over files (joblib, ``n_jobs`` defaults to all cores) with a tqdm progress bar. Results are
    cached under ``cache_dir/<config key>/`` (default ``data/features/``) as ``.npy`` files named by
    utterance and by the wav's identity (path, size, mtime): a changed configuration or file is
    recomputed, nothing else is. Writes are atomic. Cached arrays come back memory-mapped (read-only;
    the bytes are read when first used), so a cached re-run returns at once; all arrays are read-only.
    Unreadable wavs are reported (warning and ``.failed``) and left out; rows without ``wav_path`` are
    listed in ``.missing_wav``.
    Explained in 02_feature_extraction.
    """
    from joblib import Parallel, delayed
    from tqdm.auto import tqdm

    config = feature if isinstance(feature, FeatureConfig) else FeatureConfig(feature, pitch=pitch)
    if "wav_path" not in table.columns or "utt_id" not in table.columns:
        raise ValueError("extract_corpus needs a table with 'utt_id' and 'wav_path' columns")
    folder = Path(cache_dir) if cache_dir is not None else feature_cache_dir()
    folder = folder / config.key
    folder.mkdir(parents=True, exist_ok=True)
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
            identity = _file_identity(path)
        except OSError as error:
            result.failed[utt_id] = f"{path}: {error.strerror or error}"
            continue
        stem = _safe_stem(utt_id)
        entry = folder / f"{stem}.{identity}.npy"
        known = existing.get(stem, [])
        stale += [folder / name for name in known if name != entry.name]
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
        jobs = (delayed(_extract_one)(path, config, entry) for _, path, entry in todo)
        runner = Parallel(n_jobs=n_jobs, return_as="generator", batch_size="auto") if n_jobs > 1 else None
        outputs = runner(jobs) if runner else (job[0](*job[1], **job[2]) for job in jobs)
        for (utt_id, _, _), (array, error) in tqdm(
            zip(todo, outputs, strict=True), total=len(todo), disable=not progress, desc=config.kind
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


def _extract_one(path: str, config: FeatureConfig, entry: Path) -> tuple[np.ndarray | None, str | None]:
    try:
        features = compute_features(load_audio(path, config.sample_rate), config)
    except ValueError as error:
        return None, str(error)
    _atomic_save(entry, features)
    return features, None


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


def _file_identity(path: str) -> str:
    stat = os.stat(path)
    text = f"{os.path.abspath(path)}|{stat.st_size}|{stat.st_mtime_ns}"
    return hashlib.sha1(text.encode()).hexdigest()[:16]


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
