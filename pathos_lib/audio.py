"""Sound in: a wav file or a ``(samples, sample_rate)`` pair -> a float32 mono waveform at 16 kHz.

The one place that knows PATHOS's sample rate (``SAMPLE_RATE``) and how any other sound is brought to it:
channels averaged to mono, integer PCM scaled to [-1, 1], other rates resampled (librosa's
``resample``). Every later stage (features, the synthetic voices, plots, prediction) starts from here.
Explained in 02_feature_extraction (loading) and 07_try_it (samples from a microphone or another rate).
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf

SAMPLE_RATE = 16_000  # Hz: IEMOCAP's rate, and the rate of every waveform PATHOS works on
# What "no speech", "noise" and "clipped" mean for a recording (audio_facts / unusual_audio):
SILENCE_DBFS = -55.0  # speech level below this (dB re full scale): silence, nothing said
NOISE_FLATNESS = 0.3  # spectral flatness of the louder frames above this: noise (speech ~0.01, white ~0.55)
CLIPPED_SHARE = 0.001  # more than 0.1 % of the samples at full scale: clipped (distorted) audio
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
    announced = _announced_wav_frames(path)
    if announced is not None and announced > samples.shape[0]:
        raise ValueError(
            f"Audio file {path} is truncated: its header announces {announced} samples per channel, the "
            f"file holds {samples.shape[0]} ({samples.shape[0] / announced:.0%}); copy it again"
        )
    try:
        return to_mono_16k(samples, rate, channel_axis=1)
    except ValueError as error:
        raise ValueError(f"Audio file {path}: {error}") from error


def _announced_wav_frames(path: str | os.PathLike) -> int | None:
    """The frame count a RIFF/WAVE header announces (its ``data`` chunk size over the frame size), or None
    for other formats and for streamed wavs whose size field was never filled in (0 or 0xFFFFFFFF).
    libsndfile quietly reads what is there; this tells a cut copy from a short recording."""
    with open(path, "rb") as stream:
        head = stream.read(1 << 16)
    if head[:4] != b"RIFF" or head[8:12] != b"WAVE":
        return None
    position, block_align = 12, 0
    while position + 8 <= len(head):
        chunk = head[position : position + 4]
        size = int.from_bytes(head[position + 4 : position + 8], "little")
        if chunk == b"fmt " and position + 22 <= len(head):
            block_align = int.from_bytes(head[position + 20 : position + 22], "little")
        if chunk == b"data":
            if size in (0, 0xFFFFFFFF) or block_align == 0:
                return None
            return size // block_align
        position += 8 + size + (size & 1)
    return None


def decode_to_wav(path: str | os.PathLike, cache_dir: str | os.PathLike | None = None) -> Path:
    """Decode the first audio stream of a container (a MELD ``.mp4`` clip) into a cached 16 kHz mono wav.

    Uses PyAV (FFmpeg's decoders inside a PyPI wheel; no ``ffmpeg`` program needed) and its resampler.
    The wav goes to ``cache_dir`` (default ``<data_dir>/decoded``), named by the clip's stem and a hash of
    its path, size and modification time, so a changed clip is decoded again and nothing else is.
    Returns the wav's path; raises ``ValueError`` naming the clip when it is empty, holds no audio stream
    or cannot be decoded. Explained in 02_feature_extraction.
    """
    import av

    from .paths import data_dir, make_folder

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
    make_folder(folder)
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


@dataclass(frozen=True)
class AudioFacts:
    """What a recording is like, next to what the networks were trained on.

    ``duration_s``: seconds; ``level_dbfs``: the speech level, the 90th percentile of 25 ms frame RMS in
    dB re full scale (silence is below ``SILENCE_DBFS``); ``flatness``: median spectral flatness of the
    louder half of the frames (speech about 0.01, white noise about 0.55); ``clipped``: share of the
    samples at full scale. Explained in 07_try_it.
    """

    duration_s: float
    level_dbfs: float
    flatness: float
    clipped: float


def _frame_rms(samples: np.ndarray) -> np.ndarray:
    import librosa

    padded = np.pad(samples, (0, max(0, 400 - len(samples))))
    frames = librosa.util.frame(padded, frame_length=400, hop_length=160)  # 25 ms every 10 ms
    return np.sqrt(np.mean(np.square(frames, dtype=np.float64), axis=0))


def speech_level_dbfs(waveform: np.ndarray) -> float:
    """The speech level of a waveform at 16 kHz: the 90th percentile of its 25 ms frames' RMS, in dB re
    full scale (pauses do not lower it; below ``SILENCE_DBFS`` it is silence). Plumbing for audio_facts
    and asr.transcribe."""
    return _level(_frame_rms(np.asarray(waveform, dtype=np.float32)))


def _level(rms: np.ndarray) -> float:
    return float(20 * np.log10(np.percentile(rms, 90) + 1e-10))


def audio_facts(waveform: np.ndarray) -> AudioFacts:
    """The ``AudioFacts`` of a float waveform at 16 kHz, shape (samples,). Explained in 07_try_it."""
    import librosa

    samples = np.asarray(waveform, dtype=np.float32)
    padded = np.pad(samples, (0, max(0, 400 - len(samples))))
    rms = _frame_rms(samples)
    level = _level(rms)
    flatness = librosa.feature.spectral_flatness(y=padded, n_fft=512, hop_length=160, center=False)[0]
    n = min(len(flatness), len(rms))
    louder = rms[:n] >= np.median(rms[:n])
    flat = float(np.median(flatness[:n][louder])) if level >= SILENCE_DBFS and louder.any() else 0.0
    clipped = float(np.mean(np.abs(samples) >= 0.999)) if len(samples) else 0.0
    return AudioFacts(duration_s(samples), level, flat, clipped)


def unusual_audio(facts: AudioFacts, trained_on: dict | None = None) -> list[str]:
    """Why a recording is far from what the networks learnt from (empty when it is not).

    ``facts``: from ``audio_facts``; ``trained_on``: the training recordings' ranges as the networks saved
    them (``{"seconds": [lo, hi], "level_dbfs": [lo, hi]}``), or None to check no speech, noise and
    clipping only. Returns one sentence per finding. Explained in 07_try_it.
    """
    found = []
    if facts.level_dbfs < SILENCE_DBFS:
        found.append(f"no speech: the recording is silent (level {facts.level_dbfs:.0f} dBFS)")
    elif facts.flatness > NOISE_FLATNESS:
        found.append(f"sounds like noise, not speech (spectral flatness {facts.flatness:.2f}; speech ~0.01)")
    if facts.clipped > CLIPPED_SHARE:
        found.append(f"clipped: {facts.clipped:.1%} of the samples are at full scale (distorted)")
    if trained_on and trained_on.get("level_dbfs") and facts.level_dbfs >= SILENCE_DBFS:
        low, high = trained_on["level_dbfs"]
        if not low - 6 <= facts.level_dbfs <= high + 6:
            side = "louder" if facts.level_dbfs > high else "quieter"
            found.append(
                f"{side} than any training recording: {facts.level_dbfs:.0f} dBFS "
                f"(training: {low:.0f} to {high:.0f} dBFS)"
            )
    if trained_on:
        low, high = trained_on["seconds"]
        if not low <= facts.duration_s <= high:
            side = "longer" if facts.duration_s > high else "shorter"
            found.append(
                f"{side} than any training recording: {facts.duration_s:.1f} s (training: {low:.1f} to "
                f"{high:.1f} s)"
            )
    return found
