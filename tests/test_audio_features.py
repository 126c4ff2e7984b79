"""Audio features: shapes, known signals, the per-frame reference, the cache, failures."""

from __future__ import annotations

import os
import time

import numpy as np
import pandas as pd
import pytest
import soundfile as sf

from pathos_lib.audio import load_audio
from pathos_lib.audio_features import (
    FEATURE_KINDS,
    FeatureConfig,
    compute_features,
    energy_trend,
    thesis34_per_frame,
)
from pathos_lib.feature_cache import extract_corpus

RATE = 16000


def tone(freq: float, seconds: float = 1.0, rate: int = RATE) -> np.ndarray:
    return (0.5 * np.sin(2 * np.pi * freq * np.arange(int(seconds * rate)) / rate)).astype(np.float32)


@pytest.mark.parametrize(
    "kind, frames, columns", [("thesis34", 1 + (32000 - 3200) // 1600, 34), ("logmel", 1 + 32000 // 160, 64),
                              ("mfcc", 1 + 32000 // 160, 121)]
)  # fmt: skip
def test_frame_counts_and_shapes(kind, frames, columns):
    features = compute_features(tone(440, 2.0), kind)
    assert features.shape == (frames, columns) == (frames, len(FeatureConfig(kind).names))
    assert features.dtype == np.float32 and np.isfinite(features).all()
    with_pitch = compute_features(tone(440, 2.0), FeatureConfig(kind, pitch=True))
    assert with_pitch.shape == (frames, columns + 1)


def test_short_clips_give_one_frame_and_empty_is_an_error():
    for kind in FEATURE_KINDS:
        assert compute_features(tone(300, 0.01), kind).shape[0] >= 1
    with pytest.raises(ValueError, match="non-empty mono"):
        compute_features(np.zeros(0, dtype=np.float32))


def test_pure_tone_centroid_chroma_and_pitch():
    config = FeatureConfig("thesis34", pitch=True)
    features = compute_features(tone(440.0), config)
    names = config.names
    centroid_hz = features[:, names.index("spectral_centroid")].mean() * RATE / 2
    assert centroid_hz == pytest.approx(440, rel=0.15)
    chroma = features[:, names.index("chroma_1") : names.index("chroma_12") + 1].mean(axis=0)
    assert int(np.argmax(chroma)) == 9  # librosa's chroma starts at C: A is bin 9
    assert np.exp(np.median(features[:, names.index("log_f0")])) == pytest.approx(440, rel=0.02)
    higher = compute_features(tone(2000.0), "thesis34")[:, names.index("spectral_centroid")].mean() * RATE / 2
    assert higher == pytest.approx(2000, rel=0.15)


def test_silence_energy_and_known_zero_crossings():
    config = FeatureConfig("thesis34")
    silence = compute_features(np.zeros(RATE, dtype=np.float32), config)
    assert np.allclose(silence[:, config.names.index("energy")], 0.0)
    square = np.tile(np.r_[np.ones(10), -np.ones(10)], RATE // 20).astype(np.float32)  # sign flips every 10
    zcr = compute_features(square, config)[:, config.names.index("zcr")]
    assert np.allclose(zcr, 0.1, atol=0.001)
    energy = compute_features(tone(440), config)[:, config.names.index("energy")]
    assert np.allclose(energy, 0.5, atol=0.01)  # scaled to peak 1: a sine's mean square is 1/2


def test_vectorised_thesis34_matches_the_per_frame_reference():
    rng = np.random.default_rng(1)
    audio = (tone(220, 1.5) + 0.2 * rng.standard_normal(int(1.5 * RATE))).astype(np.float32)
    assert np.allclose(compute_features(audio, "thesis34"), thesis34_per_frame(audio), atol=1e-5)


def test_load_audio_mixes_down_and_resamples(tmp_path):
    stereo = np.stack([tone(440, 1.0, 22050), np.zeros(22050, dtype=np.float32)], axis=1)
    sf.write(tmp_path / "stereo.wav", stereo, 22050)
    audio = load_audio(tmp_path / "stereo.wav")
    assert audio.ndim == 1 and len(audio) == pytest.approx(RATE, abs=2)
    assert np.abs(audio).max() == pytest.approx(0.25, abs=0.02)
    (tmp_path / "broken.wav").write_bytes(b"RIFF\x00\x00not really a wav")
    with pytest.raises(ValueError, match="broken.wav"):
        load_audio(tmp_path / "broken.wav")


@pytest.fixture
def wav_table(tmp_path):
    rows = []
    for i, freq in enumerate([200, 300, 400]):
        path = tmp_path / "wavs" / f"u{i}.wav"
        path.parent.mkdir(exist_ok=True)
        sf.write(path, tone(freq, 0.5), RATE, subtype="PCM_16")
        rows.append({"utt_id": f"u{i}", "wav_path": str(path)})
    return pd.DataFrame(rows)


def test_extract_corpus_caches_and_invalidates(wav_table, tmp_path):
    cache = tmp_path / "cache"
    first = extract_corpus(wav_table, "logmel", cache_dir=cache, n_jobs=1, progress=False)
    assert (first.computed, first.from_cache, sorted(first)) == (3, 0, ["u0", "u1", "u2"])
    assert np.allclose(first["u1"], compute_features(load_audio(wav_table.wav_path[1]), "logmel"))
    again = extract_corpus(wav_table, "logmel", cache_dir=cache, n_jobs=1, progress=False)
    assert (again.computed, again.from_cache) == (0, 3)
    assert all(np.array_equal(first[u], again[u]) for u in first)
    # another configuration is another cache
    mfcc = extract_corpus(wav_table, "mfcc", cache_dir=cache, n_jobs=1, progress=False)
    assert mfcc.computed == 3 and mfcc["u0"].shape[1] == 121
    # a touched (rewritten) file is recomputed, the others are not; its stale entry goes
    time.sleep(0.01)
    sf.write(wav_table.wav_path[2], tone(1000, 0.8), RATE, subtype="PCM_16")
    os.utime(wav_table.wav_path[2])
    changed = extract_corpus(wav_table, "logmel", cache_dir=cache, n_jobs=1, progress=False)
    assert (changed.computed, changed.from_cache) == (1, 2)
    assert changed["u2"].shape[0] == 1 + int(0.8 * RATE) // 160
    folder = cache / FeatureConfig("logmel").key
    assert len(list(folder.glob("u2.*.npy"))) == 1
    # a parallel run gives the same numbers (up to BLAS summation order in the workers)
    parallel = extract_corpus(wav_table, "logmel", cache_dir=tmp_path / "other", n_jobs=2, progress=False)
    assert all(np.allclose(parallel[u], changed[u], rtol=1e-5, atol=1e-5) for u in changed)


def test_interrupted_write_leaves_no_entry(wav_table, tmp_path, monkeypatch):
    cache = tmp_path / "cache"

    def crash(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(np, "save", crash)
    with pytest.raises(KeyboardInterrupt):
        extract_corpus(wav_table, "logmel", cache_dir=cache, n_jobs=1, progress=False)
    monkeypatch.undo()
    folder = cache / FeatureConfig("logmel").key
    assert list(folder.iterdir()) == []  # neither a half-written entry nor a temporary file
    assert extract_corpus(wav_table, "logmel", cache_dir=cache, n_jobs=1, progress=False).computed == 3


def test_corrupt_cache_entry_is_recomputed(wav_table, tmp_path):
    cache = tmp_path / "cache"
    extract_corpus(wav_table, "logmel", cache_dir=cache, n_jobs=1, progress=False)
    entry = next((cache / FeatureConfig("logmel").key).glob("u0.*.npy"))
    entry.write_bytes(b"garbage")
    again = extract_corpus(wav_table, "logmel", cache_dir=cache, n_jobs=1, progress=False)
    assert (again.computed, again.from_cache) == (1, 2) and again["u0"].shape[1] == 64


def test_unreadable_and_missing_wavs_are_reported(wav_table, tmp_path):
    broken = tmp_path / "wavs" / "broken.wav"
    broken.write_bytes(b"RIFF....WAVEfmt garbage")
    table = pd.concat([wav_table, pd.DataFrame([
        {"utt_id": "broken", "wav_path": str(broken)},
        {"utt_id": "gone", "wav_path": str(tmp_path / "wavs" / "gone.wav")},
        {"utt_id": "text_only", "wav_path": None},
    ])], ignore_index=True)  # fmt: skip
    with pytest.warns(UserWarning, match=r"2 audio file\(s\) could not be read.*broken.wav"):
        features = extract_corpus(table, "thesis34", cache_dir=tmp_path / "cache", n_jobs=2, progress=False)
    assert sorted(features) == ["u0", "u1", "u2"]
    assert set(features.failed) == {"broken", "gone"} and "gone.wav" in features.failed["gone"]
    assert features.missing_wav == ["text_only"]
    assert "2 failed, 1 without wav" in repr(features)


def test_energy_trend_sees_order_that_statistics_cannot():
    rng = np.random.default_rng(0)
    syllables = np.tile(np.r_[np.full(5, -12.0), np.zeros(15)], 10)  # pauses and syllables, 200 frames
    build_up = syllables + np.linspace(-1.5, 1.5, 200) + 0.1 * rng.standard_normal(200)
    fade = build_up[::-1]
    assert np.mean(build_up) == pytest.approx(np.mean(fade))  # same statistics, other order
    assert np.std(build_up) == pytest.approx(np.std(fade))
    assert energy_trend(build_up) == pytest.approx(3.0, abs=0.3)  # the pauses are left out of the fit
    assert energy_trend(fade) == pytest.approx(-energy_trend(build_up), abs=0.3)
    assert energy_trend(np.zeros(50)) == 0.0
    with pytest.raises(ValueError, match="at least 2 frames"):
        energy_trend(np.zeros(1))
