"""The pretrained encoders (Whisper tiny.en, GloVe 6B, MiniLM): shapes, packing, caching, missing packages."""

from __future__ import annotations

import importlib

import numpy as np
import pytest

from pathos_lib import pretrained
from pathos_lib.audio import SAMPLE_RATE
from pathos_lib.audio_features import FeatureConfig, compute_features
from pathos_lib.baselines import baseline_cross_validate
from pathos_lib.feature_cache import extract_corpus
from pathos_lib.text_features import Vocabulary

RNG = np.random.default_rng(0)


def noise(seconds: float) -> np.ndarray:
    return (0.1 * RNG.standard_normal(int(seconds * SAMPLE_RATE))).astype(np.float32)


def test_pack_windows_fits_every_utterance_once_and_never_overfills():
    lengths = [int(s * SAMPLE_RATE) for s in (2.0, 9.5, 0.4, 31.0, 12.0, 3.3, 7.7, 1.0)]
    windows = pretrained.pack_windows(lengths)
    assert sorted(i for window in windows for i in window) == list(range(len(lengths)))
    for window in windows:
        used = sum(lengths[i] + pretrained.PACK_GAP for i in window)
        assert len(window) == 1 or used <= pretrained.WHISPER_WINDOW
    assert [3] in windows  # longer than a window: a window of its own


@pytest.mark.parametrize("pack", [False, True])
def test_whisper_frames_one_per_20_ms_of_each_utterance(pack):
    waves = [noise(0.005), noise(3.0), noise(12.0), noise(31.0)]
    frames = pretrained.whisper_frames(waves, pack=pack)
    assert [f.shape for f in frames] == [(1, 384), (150, 384), (600, 384), (1550, 384)]
    assert all(f.dtype == np.float32 and np.isfinite(f).all() for f in frames)


def test_whisper_window_changes_the_states_a_little_and_is_deterministic():
    wave = noise(2.0)
    short, again = pretrained.whisper_frames([wave, wave])
    assert np.array_equal(short, again)  # the same input alone gives the same states
    full = pretrained.whisper_frames([wave], window_s=30.0)[0]
    cosine = float(
        short.mean(0) @ full.mean(0) / np.linalg.norm(short.mean(0)) / np.linalg.norm(full.mean(0))
    )
    assert 0.5 < cosine < 1.0


def test_whisper_is_a_feature_kind(tmp_path):
    config = FeatureConfig("whisper")
    assert config.n_features == 384 and config.hop_s == 0.02 and config.window_s == 10.0
    assert compute_features(noise(1.0), config).shape == (50, 384)
    with pytest.raises(ValueError, match="pitch"):
        FeatureConfig("whisper", pitch=True)


def test_whisper_features_are_cached(tmp_path):
    import pandas as pd
    import soundfile as sf

    paths = []
    for i in range(3):
        paths.append(tmp_path / f"u{i}.wav")
        sf.write(paths[-1], noise(1.0 + i), SAMPLE_RATE)
    table = pd.DataFrame({"utt_id": [p.stem for p in paths], "wav_path": [str(p) for p in paths]})
    first = extract_corpus(table, "whisper", cache_dir=tmp_path / "cache", progress=False)
    again = extract_corpus(table, "whisper", cache_dir=tmp_path / "cache", progress=False)
    assert first.computed == 3 and again.from_cache == 3
    assert [again[u].shape[0] for u in table["utt_id"]] == [50, 100, 150]


def test_glove_neighbours_and_similarity():
    rows, glove = pretrained.glove_vectors()
    nearest = pretrained.glove_neighbours(["angry", "sad"], n=5)
    assert list(nearest) == ["angry", "sad"] and all(len(words) == 5 for words in nearest.values())
    assert "angry" not in nearest["angry"] and "furious" in nearest["angry"]
    a, b = (np.asarray(glove[rows[w]], dtype=np.float64) for w in ("happy", "sad"))
    expected = a @ b / np.linalg.norm(a) / np.linalg.norm(b)
    assert pretrained.glove_similarity("happy", "sad") == pytest.approx(expected, abs=1e-5)
    similarities = [pretrained.glove_similarity("angry", word) for word in nearest["angry"]]
    assert similarities == sorted(similarities, reverse=True)  # nearest first
    with pytest.raises(KeyError, match="no vector for \\['Angry'\\]"):
        pretrained.glove_neighbours(["Angry"])
    with pytest.raises(KeyError, match="xyzzyq"):
        pretrained.glove_similarity("happy", "xyzzyq")


def test_glove_embeddings_follow_the_thesis():
    vocabulary = Vocabulary.fit(["I am so angry today", "what a lovely xqzzyq day"], tokenizer="wordpunct")
    matrix, coverage = pretrained.glove_embeddings(vocabulary)
    rows, glove = pretrained.glove_vectors()
    assert matrix.shape == (len(vocabulary), 50) and not matrix[0].any()  # row 0: padding
    assert np.allclose(matrix[vocabulary.index["angry"]], glove[rows["angry"]])
    unknown = glove[rows["unknown"]]
    assert np.allclose(matrix[vocabulary.index["xqzzyq"]], unknown)  # a word GloVe lacks -> "unknown"
    assert np.allclose(matrix[1], unknown)  # the vocabulary's own OOV entry
    words = len(vocabulary) - 2
    assert coverage["vocabulary_covered"] == pytest.approx((words - 1) / words)


def test_sentence_vectors_are_normalised_cached_and_offline(tmp_path, monkeypatch):
    monkeypatch.setenv("PATHOS_DATA", str(tmp_path))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    texts = ["I am so angry with you", "What a lovely day", "I am so angry with you"]
    vectors = pretrained.sentence_vectors(texts)
    assert vectors.shape == (3, 384) and np.allclose(np.linalg.norm(vectors, axis=1), 1, atol=1e-5)
    assert np.array_equal(vectors[0], vectors[2])
    assert float(vectors[0] @ vectors[1]) < 0.9
    assert len(list((tmp_path / "features" / "sentence-minilm").rglob("*.npy"))) == 2
    monkeypatch.setattr(pretrained, "sentence_model", lambda: pytest.fail("a cached text was encoded again"))
    assert np.array_equal(pretrained.sentence_vectors(texts[:2]), vectors[:2])


def test_a_missing_package_names_the_install_command(monkeypatch):
    real = importlib.import_module

    def refuse(name, *args):
        if name == "faster_whisper":
            raise ImportError("no module named faster_whisper")
        return real(name, *args)

    monkeypatch.setattr(importlib, "import_module", refuse)
    pretrained.whisper_model.cache_clear()
    try:
        with pytest.raises(ImportError, match=r'faster-whisper .*pip install "pathos_lib\[pretrained\]"'):
            pretrained.whisper_model()
    finally:
        pretrained.whisper_model.cache_clear()


def test_baselines_refuse_features_of_the_other_modality(mini_iemocap):
    from pathos_lib.corpus import load_iemocap

    table = load_iemocap(mini_iemocap)
    with pytest.raises(ValueError, match=r"audio baselines take features \('mfcc', 'whisper'\)"):
        baseline_cross_validate(table, "audio", features="sentence")


def test_presets_read_pretrained_inputs():
    from pathos_lib.models import PRESETS, ModelConfig

    thesis, pretrained_preset = PRESETS["thesis"], PRESETS["pretrained"]
    assert (thesis.text_feature, thesis.embedding_dim, thesis.freeze_embeddings) == ("glove", 50, True)
    assert (pretrained_preset.audio_feature, pretrained_preset.text_feature) == ("whisper", "glove")
    assert not pretrained_preset.freeze_embeddings
    with pytest.raises(ValueError, match="embedding_dim must be 50"):
        ModelConfig(text_feature="glove")
    with pytest.raises(ValueError, match="text_feature must be one of"):
        ModelConfig(text_feature="bert")


@pytest.mark.parametrize("frozen", [True, False])
def test_a_glove_text_network_starts_from_glove(frozen):
    import pandas as pd

    from pathos_lib.inputs import ModelInputs
    from pathos_lib.models import ModelConfig
    from pathos_lib.training import build_network

    config = ModelConfig(text_feature="glove", embedding_dim=50, freeze_embeddings=frozen)
    table = pd.DataFrame({"utt_id": ["a", "b"], "speaker": ["s1", "s2"], "label": ["ang", "hap"],
                          "transcript": ["I am so angry", "what a happy day"]})  # fmt: skip
    inputs = ModelInputs("text", config, ["ang", "hap"]).fit(table)
    model = build_network(inputs, seed=0)
    layer = model.get_layer("text_embedding")
    expected, _ = pretrained.glove_embeddings(inputs.vocabulary)
    assert np.allclose(np.asarray(layer.get_weights()[0]), expected)
    assert layer.trainable is not frozen


def test_the_encoders_load_and_run_with_the_network_off(tmp_path):
    """Every encoder reads a folder of an installed wheel (MiniLM: extracted from its wheel into the data
    folder), never a hub name: with every socket refused they still load and encode (Whisper's features and
    its transcription included)."""
    import subprocess
    import sys

    script = """
import socket
def refuse(*args, **kwargs):
    raise OSError("network is off in this test")
socket.socket.connect = refuse
socket.create_connection = refuse
import numpy as np
from pathos_lib import pretrained
from pathos_lib import asr
# in this process, not the worker's (whisper_frames and transcribe call these there), so the refusal applies
frames = pretrained._whisper_frames_here([np.zeros(16000, dtype=np.float32)], 10.0, False)
heard = asr._recognise_many([np.zeros(16000, dtype=np.float32) + 0.01], asr.AsrConfig())[0]
rows, matrix = pretrained.glove_vectors()
vectors = pretrained.sentence_vectors(["the network is off"], use_cache=False)
print(frames[0].shape, matrix.shape, vectors.shape, type(heard).__name__)
"""
    env = {**__import__("os").environ, "PATHOS_DATA": str(tmp_path)}
    env.pop("HF_HUB_OFFLINE", None)
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=300
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.split("\n")[-2] == "(50, 384) (400000, 50) (1, 384) Transcript"


def test_the_worker_survives_an_interrupt_meant_for_its_caller():
    """A notebook's "interrupt kernel" signals the whole process group: the worker ignores it (quietly)."""
    import os
    import signal

    pid = pretrained.in_worker("os:getpid")
    os.kill(pid, signal.SIGINT)
    assert pretrained.in_worker("os:getpid") == pid
    with pytest.raises(ZeroDivisionError):  # an error there is raised here, and the worker goes on
        pretrained.in_worker("operator:truediv", 1, 0)
    assert pretrained.in_worker("os:getpid") == pid
