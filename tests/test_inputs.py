"""The model-inputs stage: normalising, padding, and the preprocessor fitted on training rows only."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from pathos_lib.inputs import ModelInputs, Normaliser, average_frames, pad_sequences
from pathos_lib.models import ModelConfig


def test_normaliser_is_fitted_on_training_rows_only(tmp_path):
    rng = np.random.default_rng(0)
    train = [rng.normal(5, 2, (50, 3)) for _ in range(4)]
    test = [rng.normal(100, 30, (50, 3)) for _ in range(2)]
    normaliser = Normaliser().fit(train)
    expected = np.concatenate(train)
    assert np.allclose(normaliser.mean, expected.mean(0)) and np.allclose(normaliser.std, expected.std(0))
    assert normaliser.fitted_on == 4
    out = normaliser.transform(train + test)
    assert np.allclose(np.concatenate(out[:4]).mean(0), 0, atol=1e-6)
    assert np.concatenate(out[4:]).mean() > 10  # test rows were not used to fit
    normaliser.save(tmp_path)
    assert sorted(p.suffix for p in tmp_path.iterdir()) == [".json"] + [".npy"] * 4  # no pickle
    loaded = Normaliser.load(tmp_path)
    assert np.allclose(loaded.transform(test)[0], out[4])


def test_per_speaker_normaliser():
    rng = np.random.default_rng(0)
    a1, a2, b1, c1 = (rng.normal(m, s, (40, 2)) for m, s in [(0, 1), (0, 1), (10, 1), (-20, 3)])
    normaliser = Normaliser(per_speaker=True).fit([a1, a2, b1], ["A", "A", "B"])
    out = normaliser.transform([b1, c1], ["B", "C"])
    assert abs(out[0].mean()) < 1e-5 and abs(out[1].mean()) < 1e-5  # C: by its own frames
    global_c = normaliser.transform([c1], ["C"], new_speakers="global")[0]
    assert global_c.mean() < -3  # the training statistics leave C's offset in place
    with pytest.raises(ValueError, match="one speaker per utterance"):
        normaliser.transform([b1])


def test_pad_sequences_policies():
    sequences = [np.ones((3, 2)), 2 * np.ones((5, 2)), np.arange(10).reshape(5, 2)]
    batch, mask = pad_sequences(sequences)
    assert batch.shape == (3, 5, 2) and mask.sum(1).tolist() == [3, 5, 5]
    assert (batch[0, 3:] == 0).all() and mask[0].tolist() == [True, True, True, False, False]
    pre, pre_mask = pad_sequences(sequences, padding="pre")
    assert pre_mask[0].tolist() == [False, False, True, True, True] and (pre[0, 2:] == 1).all()
    cut, _ = pad_sequences(sequences, max_len=2, truncate="end")
    assert cut[2].tolist() == [[0, 1], [2, 3]]
    assert pad_sequences(sequences, max_len=2, truncate="start")[0][2].tolist() == [[6, 7], [8, 9]]
    assert pad_sequences(sequences, max_len=3, truncate="center")[0][2].tolist() == [[2, 3], [4, 5], [6, 7]]
    with pytest.raises(ValueError, match="truncate"):
        pad_sequences(sequences, truncate="middle")


def test_average_frames_keeps_the_last_short_group():
    frames = np.arange(10, dtype=float).reshape(5, 2)
    pooled = average_frames(frames, 2)
    assert pooled.tolist() == [[1, 2], [5, 6], [8, 9]] and pooled.dtype == np.float32


CONFIG = ModelConfig(pool_frames=2, max_frames=3, max_tokens=4, tokenizer="thesis")


@pytest.fixture
def corpus():
    rng = np.random.default_rng(1)
    table = pd.DataFrame({
        "utt_id": ["a1", "a2", "b1", "c1"], "speaker": ["A", "A", "B", "C"],
        "label": ["ang", "sad", "ang", "neu"],
        "transcript": ["so angry now", "sad", "angry angry angry angry angry", "a new word"],
    })  # fmt: skip
    features = {u: rng.normal(i, 1, (4 + 3 * i, 5)) for i, u in enumerate(table["utt_id"])}
    return table, features


def test_model_inputs_fit_on_training_rows_only_and_cut_to_the_config(corpus):
    table, features = corpus
    train, test = table.iloc[:3], table.iloc[3:]
    inputs = ModelInputs("fusion", CONFIG, ["ang", "neu", "sad"]).fit(train, features)
    assert inputs.n_features == 5 and inputs.normaliser.fitted_on == 3
    assert sorted(inputs.normaliser.speaker_stats) == ["A", "B"]  # never the test speaker
    assert "new" not in inputs.vocabulary.index and "angry" in inputs.vocabulary.index
    sequences = inputs.transform(test, features)
    (batch, masks) = sequences.padded()
    assert batch["audio"].shape == (1, 3, 5)  # 13 frames pooled by 2 -> 7 steps, cut at max_frames=3
    assert batch["text"].tolist() == [[1, 1, 1]]  # three words never seen in training -> <unk>
    assert sequences.true_lengths() == {"audio": [3], "text": [3]}
    assert masks["audio"].all() and inputs.targets(test["label"]).tolist() == [1]
    long_text = inputs.transform(table.iloc[2:3], features).padded()[0]["text"]
    assert long_text.shape == (1, 4)  # five tokens cut at max_tokens=4
    with pytest.raises(ValueError, match=r"\['hap'\] are not among the classes"):
        inputs.targets(["hap"])


def test_model_inputs_save_and_load_as_json_and_npy(corpus, tmp_path):
    table, features = corpus
    inputs = ModelInputs("fusion", CONFIG, ["ang", "neu", "sad"]).fit(table.iloc[:3], features)
    inputs.save(tmp_path)
    assert {p.suffix for p in tmp_path.iterdir()} == {".json", ".npy"}
    assert json.loads((tmp_path / "preprocessing.json").read_text())["classes"] == ["ang", "neu", "sad"]
    loaded = ModelInputs.load(tmp_path)
    before, after = inputs.transform(table, features), loaded.transform(table, features)
    for branch in ("audio", "text"):
        assert np.array_equal(before.padded()[0][branch], after.padded()[0][branch])
    assert loaded.config == CONFIG and loaded.classes == inputs.classes


def test_encode_needs_no_corpus_row(corpus):
    """Prediction encodes bare utterances: no label, no session, no file path."""
    table, features = corpus
    inputs = ModelInputs("fusion", CONFIG, ["ang", "neu", "sad"]).fit(table.iloc[:3], features)
    sequences = inputs.encode(
        audio=[features["c1"]], texts=["so sad, Zorro"], speakers=["nobody"], new_speakers="global"
    )
    index = inputs.vocabulary.index
    assert sequences.padded()[0]["text"].tolist() == [[index["so"], index["sad"], 1]]
    pooled = average_frames(features["c1"], 2)[:3]
    expected = (
        pooled - inputs.normaliser.mean
    ) / inputs.normaliser.std  # an unknown voice: global statistics
    assert np.allclose(sequences.padded()[0]["audio"][0], expected, atol=1e-5)
    with pytest.raises(ValueError, match="needs transcripts"):
        inputs.encode(audio=[features["c1"]], speakers=["A"])
    with pytest.raises(ValueError, match="expected 5 audio features"):
        inputs.encode(audio=[np.zeros((10, 3))], texts=["x"], speakers=["A"])
    with pytest.raises(RuntimeError, match="before fit"):
        ModelInputs("text", CONFIG).encode(texts=["x"])
