"""Features stage: a 16 kHz mono waveform -> a feature matrix (frames x features), for one utterance.

Three representations (the ``audio_feature`` of a configuration), each vectorised over frames (no per-frame
Python loops):

- ``"thesis34"``: the thesis's 34 short-term features (pyAudioAnalysis style) on 200 ms windows, 100 ms hop:
  zero-crossing rate, energy, energy entropy, spectral centroid, spread, entropy, flux, roll-off (0.90),
  13 MFCCs, 12 chroma bins, chroma standard deviation;
- ``"logmel"``: 64-band log-mel energies, 25 ms window, 10 ms hop;
- ``"mfcc"``: 40 MFCCs + deltas + delta-deltas + log energy (121 columns), 25 ms / 10 ms.

``pitch=True`` appends a log-f0 column (librosa's YIN) on the same frames.

Short-clip policy: a clip shorter than one analysis window is zero-padded to one window, so it yields one
frame; an empty waveform is an error (never a silent empty matrix). Waveforms come from ``pathos_lib.audio``;
a whole corpus at a time, cached, is ``pathos_lib.feature_cache``.
Explained in 02_feature_extraction.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from .audio import SAMPLE_RATE

FEATURES_VERSION = 1  # bump when the numbers a configuration produces change
FEATURE_KINDS = ("thesis34", "logmel", "mfcc")  # hand-crafted
PRETRAINED_KINDS = ("whisper",)  # from a pretrained encoder (pathos_lib.pretrained; 08_pretrained)
THESIS34_NAMES = (
    ["zcr", "energy", "energy_entropy", "spectral_centroid", "spectral_spread", "spectral_entropy",
     "spectral_flux", "spectral_rolloff"]
    + [f"mfcc_{i + 1}" for i in range(13)] + [f"chroma_{i + 1}" for i in range(12)] + ["chroma_std"]
)  # fmt: skip
EPS = 1e-10


@dataclass(frozen=True)
class FeatureConfig:
    """Everything that decides the numbers a feature extraction produces (and so its cache key).

    ``audio_feature``: one of ``FEATURE_KINDS``; ``window_s`` / ``hop_s`` default to the representation's
    own (200 / 100 ms for thesis34, 25 / 10 ms otherwise); ``pitch`` appends a log-f0 column.
    Explained in 02_feature_extraction.
    """

    audio_feature: str = "logmel"
    sample_rate: int = SAMPLE_RATE
    window_s: float | None = None  # None: 0.2 for thesis34, 0.025 otherwise
    hop_s: float | None = None  # None: 0.1 for thesis34, 0.010 otherwise
    n_mels: int = 64
    n_mfcc: int = 40
    pitch: bool = False

    def __post_init__(self) -> None:
        kinds = FEATURE_KINDS + PRETRAINED_KINDS
        if self.audio_feature not in kinds:
            raise ValueError(f"audio_feature must be one of {kinds}, got {self.audio_feature!r}")
        if self.audio_feature == "whisper":  # window: Whisper's input per utterance; hop: its 20 ms frames
            if self.pitch:
                raise ValueError("pitch=True applies to the hand-crafted kinds, not whisper")
            defaults = (10.0, 0.020)
        else:
            defaults = (0.2, 0.1) if self.audio_feature == "thesis34" else (0.025, 0.010)
        if self.window_s is None:
            object.__setattr__(self, "window_s", defaults[0])
        if self.hop_s is None:
            object.__setattr__(self, "hop_s", defaults[1])

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
        return self.window if self.audio_feature == "thesis34" else int(2 ** np.ceil(np.log2(self.window)))

    @property
    def names(self) -> list[str]:
        """Column names of the feature matrix."""
        if self.audio_feature == "thesis34":
            names = list(THESIS34_NAMES)
        elif self.audio_feature == "logmel":
            names = [f"logmel_{i + 1}" for i in range(self.n_mels)]
        elif self.audio_feature == "whisper":
            names = [f"whisper_{i + 1}" for i in range(384)]
        else:
            base = [f"mfcc_{i + 1}" for i in range(self.n_mfcc)]
            names = base + [f"d_{n}" for n in base] + [f"dd_{n}" for n in base] + ["log_energy"]
        return names + (["log_f0"] if self.pitch else [])

    @property
    def n_features(self) -> int:
        """Columns of the feature matrix (``len(names)``): 34, 64, 121 or 384 (whisper); +1 with pitch."""
        return len(self.names)

    @property
    def key(self) -> str:
        """A short stable id of this configuration (the cache folder name)."""
        fields = dataclasses.asdict(self)
        fields["kind"] = fields.pop("audio_feature")  # the field's earlier name: existing caches stay valid
        text = json.dumps({**fields, "version": FEATURES_VERSION}, sort_keys=True)
        return f"{self.audio_feature}-{hashlib.sha1(text.encode()).hexdigest()[:12]}"


def compute_features(audio: np.ndarray, audio_feature: FeatureConfig | str = "logmel") -> np.ndarray:
    """The feature matrix of a 16 kHz mono waveform.

    ``audio``: float samples, shape (samples,); ``audio_feature``: a ``FeatureConfig`` or a kind name.
    Returns float32 of shape (frames, ``config.n_features``); raises ``ValueError`` for an empty,
    non-mono or non-finite waveform and for features that come out non-finite (they would turn a
    network's loss into NaN). Explained in 02_feature_extraction.
    """
    config = FeatureConfig(audio_feature) if isinstance(audio_feature, str) else audio_feature
    audio = np.asarray(audio, dtype=np.float32)
    if audio.ndim != 1 or audio.size == 0:
        raise ValueError(f"Expected a non-empty mono waveform, got shape {audio.shape}")
    if not np.isfinite(audio).all():
        raise ValueError("the waveform holds NaN or infinite samples")
    features = _features(audio, config)
    if not np.isfinite(features).all():
        raise ValueError(f"{config.audio_feature} features came out NaN or infinite")
    return features


def _features(audio: np.ndarray, config: FeatureConfig) -> np.ndarray:
    if config.audio_feature == "whisper":
        from .pretrained import whisper_frames

        return whisper_frames([audio], window_s=config.window_s)[0]
    if audio.size < config.n_fft:  # short-clip policy: pad to one analysis window
        audio = np.pad(audio, (0, config.n_fft - audio.size))
    if config.audio_feature == "thesis34":
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
    if config.audio_feature == "logmel":
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

    center = config.audio_feature != "thesis34"
    frame_length = max(config.window, 1024) if center else config.window
    padded = audio if audio.size >= frame_length else np.pad(audio, (0, frame_length - audio.size))
    f0 = librosa.yin(padded, fmin=60, fmax=500, sr=config.sample_rate, frame_length=frame_length,
                     hop_length=config.hop, center=center)  # fmt: skip
    f0 = np.pad(f0, (0, max(0, n_frames - f0.size)), mode="edge")[:n_frames]
    return np.log(f0)


def thesis34_per_frame(audio: np.ndarray, config: FeatureConfig | None = None) -> np.ndarray:
    """Reference: the thesis34 features written frame by frame, as pyAudioAnalysis computes them.

    Slow on purpose and written independently of the vectorised code: the tests check
    ``compute_features`` against it and ``benchmarks/extract.py`` times both. ``audio``: (samples,) float
    at 16 kHz; ``config``: a thesis34 ``FeatureConfig`` (default windows; ``pitch`` ignored). Returns
    (frames, 34) float64, the columns of ``THESIS34_NAMES``.
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

    ``log_energy``: (frames,) log energy of one utterance (e.g. the mfcc features' ``log_energy``
    column), at least 2 frames. Returns a float in log-energy units, 0 when one frame is speech.
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
