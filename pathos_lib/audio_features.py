"""Wav file -> waveform -> feature matrix.

This module starts with loading: every wav is read as float32 mono at 16 kHz, whatever its sample
rate or channel count, so features are comparable across corpora.
Explained in 01_data_exploration (loading) and 02_feature_extraction (features).
"""

from __future__ import annotations

import os

import numpy as np
import soundfile as sf

SAMPLE_RATE = 16_000


def load_audio(path: str | os.PathLike, sample_rate: int = SAMPLE_RATE) -> np.ndarray:
    """Read a sound file as float32 mono at ``sample_rate`` (stereo averaged, resampled if needed).

    Raises ``ValueError`` naming the file when it cannot be decoded.
    Explained in 01_data_exploration.
    """
    try:
        audio, rate = sf.read(os.fspath(path), dtype="float32", always_2d=True)
    except (sf.LibsndfileError, RuntimeError) as error:
        raise ValueError(f"Cannot read audio file {path}: {error}") from error
    audio = audio.mean(axis=1)
    if rate != sample_rate:
        import librosa

        audio = librosa.resample(audio, orig_sr=rate, target_sr=sample_rate)
    return np.ascontiguousarray(audio, dtype=np.float32)
