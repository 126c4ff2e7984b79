"""Sound in: a wav file or a ``(samples, sample_rate)`` pair -> a float32 mono waveform at 16 kHz.

The one place that knows PATHOS's sample rate (``SAMPLE_RATE``) and how any other sound is brought to it:
channels averaged to mono, integer PCM scaled to [-1, 1], other rates resampled (librosa's
``resample``). Every later stage (features, the synthetic voices, plots, prediction) starts from here.
Explained in 02_feature_extraction (loading) and 07_try_it (samples from a microphone or another rate).
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import numpy as np
import soundfile as sf

SAMPLE_RATE = 16_000  # Hz: IEMOCAP's rate, and the rate of every waveform PATHOS works on
# Video/audio containers (MELD's clips are .mp4): decoded once by PyAV, then read as wavs.
CONTAINER_SUFFIXES = (".mp4", ".m4a", ".mkv", ".mov", ".webm")


def to_mono_16k(samples: np.ndarray, sample_rate: int, channel_axis: int | None = None) -> np.ndarray:
    """Average the channels, scale integer PCM to [-1, 1] and resample to ``SAMPLE_RATE``.

    Parameters: ``samples`` of shape (n,) or (n, channels) / (channels, n) (``channel_axis`` says which
    axis holds the channels; by default the shorter one), any float or integer dtype (unsigned PCM is
    centred on its midpoint); ``sample_rate`` in Hz. Returns a C-contiguous float32 array of shape
    (n * SAMPLE_RATE / sample_rate,). Raises ``ValueError`` for an empty signal, a bad rate or
    non-finite samples.
    Explained in 07_try_it.
    """
    samples = np.asarray(samples)
    if not isinstance(sample_rate, (int, np.integer)) or isinstance(sample_rate, bool) or sample_rate <= 0:
        raise ValueError(f"sample_rate must be a positive integer, got {sample_rate!r}")
    if np.issubdtype(samples.dtype, np.unsignedinteger):  # e.g. 8-bit PCM: silence at the midpoint
        middle = (float(np.iinfo(samples.dtype).max) + 1.0) / 2.0
        samples = (samples - middle) / middle
    elif np.issubdtype(samples.dtype, np.integer):
        samples = samples / float(np.iinfo(samples.dtype).max)
    samples = samples.astype(np.float32)
    if samples.ndim == 2:
        if channel_axis is None:  # channels on the shorter axis, whichever it is
            channel_axis = 0 if samples.shape[0] < samples.shape[1] else 1
        samples = samples.mean(axis=channel_axis)
    if samples.ndim != 1 or samples.size == 0:
        raise ValueError(f"audio samples must be a non-empty 1-D or 2-D array, got shape {samples.shape}")
    if not np.all(np.isfinite(samples)):
        raise ValueError("audio samples contain NaN or infinite values")
    if sample_rate != SAMPLE_RATE:
        import librosa

        samples = librosa.resample(samples, orig_sr=int(sample_rate), target_sr=SAMPLE_RATE)
    return np.ascontiguousarray(samples, dtype=np.float32)


def load_audio(path: str | os.PathLike) -> np.ndarray:
    """Read a sound file as a float32 mono waveform at ``SAMPLE_RATE``, shape (samples,).

    Stereo is averaged, other rates are resampled (``to_mono_16k``). Raises ``ValueError`` naming the
    file when it cannot be decoded, holds no samples or holds non-finite ones.
    Explained in 02_feature_extraction.
    """
    if Path(path).suffix.lower() in CONTAINER_SUFFIXES:
        path = decode_to_wav(path)
    try:
        samples, rate = sf.read(os.fspath(path), dtype="float32", always_2d=True)
    except (sf.LibsndfileError, RuntimeError, OSError) as error:
        raise ValueError(f"Cannot read audio file {path}: {error}") from error
    if samples.shape[0] == 0:
        raise ValueError(f"Audio file {path} holds no samples")
    try:
        return to_mono_16k(samples, rate, channel_axis=1)
    except ValueError as error:
        raise ValueError(f"Audio file {path}: {error}") from error


def decode_to_wav(path: str | os.PathLike, cache_dir: str | os.PathLike | None = None) -> Path:
    """Decode the first audio stream of a container (a MELD ``.mp4`` clip) into a cached 16 kHz mono wav.

    Uses PyAV (FFmpeg's decoders inside a PyPI wheel; no ``ffmpeg`` program needed) and its resampler.
    The wav goes to ``cache_dir`` (default ``<data_dir>/decoded``), named by the clip's stem and a hash of
    its path, size and modification time, so a changed clip is decoded again and nothing else is.
    Returns the wav's path; raises ``ValueError`` naming the clip when it is empty, holds no audio stream
    or cannot be decoded. Explained in 02_feature_extraction.
    """
    import av

    from .paths import data_dir

    source = Path(path)
    try:
        stat = source.stat()
    except OSError as error:
        raise ValueError(f"Cannot read clip {source}: {error.strerror or error}") from error
    if stat.st_size == 0:
        raise ValueError(f"Clip {source} is empty (0 bytes)")
    key = hashlib.sha1(f"{source.resolve()}|{stat.st_size}|{stat.st_mtime_ns}".encode()).hexdigest()[:12]
    folder = Path(cache_dir) if cache_dir is not None else data_dir() / "decoded"
    target = folder / f"{source.stem}.{key}.wav"
    if target.is_file():
        return target
    chunks = []
    try:
        with av.open(os.fspath(source)) as container:
            if not container.streams.audio:
                raise ValueError(f"Clip {source} has no audio stream")
            resampler = av.AudioResampler(format="s16", layout="mono", rate=SAMPLE_RATE)
            for frame in container.decode(container.streams.audio[0]):
                chunks += [f.to_ndarray().reshape(-1) for f in resampler.resample(frame)]
            chunks += [f.to_ndarray().reshape(-1) for f in resampler.resample(None)]
    except av.FFmpegError as error:
        raise ValueError(f"Cannot decode clip {source}: {error}") from error
    samples = np.concatenate(chunks) if chunks else np.zeros(0, dtype=np.int16)
    if samples.size == 0:
        raise ValueError(f"Clip {source} holds no audio samples")
    folder.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".partial.wav")
    sf.write(partial, samples, SAMPLE_RATE, subtype="PCM_16")
    partial.replace(target)  # atomic: a killed run leaves no half-written wav under the final name
    return target


def as_waveform(audio: str | os.PathLike | tuple[np.ndarray, int]) -> np.ndarray:
    """A wav path or a ``(samples, sample_rate)`` pair as float32 mono at 16 kHz, shape (samples,).

    Raises ``FileNotFoundError`` for a missing file, ``TypeError`` for anything else than these two,
    ``ValueError`` for an unreadable file, an empty signal or a bad sample rate.
    Explained in 07_try_it.
    """
    if isinstance(audio, (str, os.PathLike)):
        if not Path(audio).is_file():
            raise FileNotFoundError(f"No audio file at {audio}")
        return load_audio(audio)
    if not (isinstance(audio, tuple) and len(audio) == 2):
        raise TypeError("audio must be a wav path or a (samples, sample_rate) pair")
    return to_mono_16k(audio[0], audio[1])


def duration_s(waveform: np.ndarray) -> float:
    """Seconds of a waveform at ``SAMPLE_RATE``. Explained in 02_feature_extraction."""
    return len(waveform) / SAMPLE_RATE
