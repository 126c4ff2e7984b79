"""Cross-validation: speaker-independent folds, training-only fitting, determinism, saving, baselines."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from pathos_lib import experiment, inputs
from pathos_lib.baselines import baseline_cross_validate
from pathos_lib.corpus import load_iemocap
from pathos_lib.evaluation import scores, unweighted_accuracy, weighted_accuracy
from pathos_lib.experiment import CVResult, TrainedModel, cross_validate, late_fusion_result
from pathos_lib.models import ModelConfig

TINY = ModelConfig(dense_units=(16,), lstm_units=8, fusion_units=16, embedding_dim=8, epochs=3, patience=0)


@pytest.fixture(scope="module")
def table(synthetic_root):
    table = load_iemocap(synthetic_root)
    table.attrs = {"corpus": "synthetic-test"}
    return table


@pytest.fixture(autouse=True)
def _build_elsewhere(tmp_path, monkeypatch):
    monkeypatch.setenv("PATHOS_BUILD", str(tmp_path / "build"))
    monkeypatch.setenv("PATHOS_DATA", str(tmp_path / "data"))


def test_wa_and_ua_on_a_hand_made_example():
    truth = ["a"] * 8 + ["b"] * 2
    predicted = ["a"] * 8 + ["a", "b"]
    assert weighted_accuracy(truth, predicted) == pytest.approx(0.9)  # 9 of 10 utterances
    assert unweighted_accuracy(truth, predicted) == pytest.approx(0.75)  # (8/8 + 1/2) / 2
    result = scores(truth, predicted, ["a", "b"])
    assert result["recall_b"] == pytest.approx(0.5) and result["ua"] == pytest.approx(0.75)


def test_ua_leaves_out_a_class_the_fold_lacks():
    """One UA definition: a class absent from a test fold has no recall; it is not counted as 0."""
    truth, predicted = ["a", "a", "b", "b"], ["a", "b", "b", "c"]
    assert unweighted_accuracy(truth, predicted, ["a", "b", "c"]) == pytest.approx(0.5)  # (1/2 + 1/2) / 2
    result = scores(truth, predicted, ["a", "b", "c"])
    assert np.isnan(result["recall_c"]) and result["ua"] == pytest.approx(0.5)
    assert unweighted_accuracy(truth, predicted) == pytest.approx(0.5)  # classes default to those present


def test_class_weights_are_sklearns_balanced_and_zero_for_absent_classes():
    from pathos_lib.training import balanced_class_weights

    weights = balanced_class_weights(np.array([0, 0, 0, 1]), 3)
    assert weights == pytest.approx([4 / (2 * 3), 4 / (2 * 1), 0.0])


def test_text_run_never_needs_audio_and_fits_inside_folds(table, monkeypatch):
    fitted_on = []
    original = inputs.Vocabulary.fit

    def spy(texts, *args, **kwargs):
        fitted_on.append(list(texts))
        return original(texts, *args, **kwargs)

    monkeypatch.setattr(inputs.Vocabulary, "fit", staticmethod(spy))
    text_only = table.drop(columns=["wav_path"])
    result = cross_validate(text_only, "text", config=TINY, progress=False)
    assert len(result.per_fold) == 5 and 0 <= result.ua <= 1
    for fold_name, texts in zip(result.per_fold["fold"], fitted_on, strict=True):
        session = int(fold_name.split()[-1])
        assert not set(texts) & set(table.loc[table["session"] == session, "transcript"]) - set(
            table.loc[table["session"] != session, "transcript"]
        )
    # predictions: every row tested exactly once, never in its own training fold
    assert sorted(result.predictions["utt_id"]) == sorted(table["utt_id"])
    sessions = table.set_index("utt_id")["session"]
    assert all(
        f"session {sessions[u]}" == f
        for u, f in zip(result.predictions["utt_id"], result.predictions["fold"], strict=True)
    )
    assert (result.per_fold["n_validation"] > 0).all()


def test_audio_run_never_needs_transcripts_and_is_deterministic(table):
    audio_only = table.drop(columns=["transcript"])
    first = cross_validate(audio_only, "audio", protocol="thesis", config=TINY, progress=False, save=False)
    second = cross_validate(audio_only, "audio", protocol="thesis", config=TINY, progress=False, save=False)
    assert first.per_fold["fold"].tolist() == ["sessions 1-4 / 5"]
    assert np.allclose(
        first.predictions.filter(like="prob_"), second.predictions.filter(like="prob_"), atol=1e-5
    )
    assert first.ua == pytest.approx(second.ua)


def test_fusion_results_models_and_reuse(table, tmp_path):
    result = cross_validate(table, "fusion", protocol="thesis", config=TINY, progress=False)
    saved = tmp_path / "build" / "results" / f"{result.name}.json"
    payload = json.loads(saved.read_text())
    assert payload["ua"] == pytest.approx(result.ua) and payload["classes"] == ["ang", "hap", "neu", "sad"]
    assert CVResult.load(saved).predictions.shape == result.predictions.shape
    again = cross_validate(table, "fusion", protocol="thesis", config=TINY, progress=False, reuse=True)
    assert again.fingerprint == result.fingerprint and again.ua == pytest.approx(result.ua)
    folder = tmp_path / "build" / "models" / result.name / "sessions-1-4-5"
    assert {p.name for p in folder.iterdir()} >= {
        "model.keras",
        "preprocessing.json",
        "normaliser.json",
        "vocabulary.json",
    }
    trained = TrainedModel(folder)
    rows = table[table["session"] == 5]  # the whole test session: per-speaker statistics as in training
    probabilities = trained.probabilities(rows)
    stored = result.predictions.set_index("utt_id").loc[rows["utt_id"]].filter(like="prob_").to_numpy()
    assert np.allclose(probabilities.to_numpy(), stored, atol=1e-4)  # saved preprocessing reproduces the run
    attention = trained.attention(rows.head(3))
    n_words = [len(trained.inputs.vocabulary.encode(t)) for t in rows.head(3)["transcript"]]
    assert len(attention["audio"]) == 3 and [len(w) for w in attention["text"]] == n_words


def test_late_fusion_takes_the_best_weight_on_validation_and_applies_it_to_test(table):
    settings = dict(protocol="thesis", config=TINY, progress=False, save=False, save_models=False)
    audio, text = (cross_validate(table, m, **settings) for m in ("audio", "text"))
    result = late_fusion_result(audio, text)
    classes, columns = audio.classes, [f"prob_{c}" for c in audio.classes]
    weight = result.per_fold["audio_weight"].iloc[0]

    def fused(frames, w):
        a, t = (f.set_index("utt_id")[columns] for f in frames)
        return w * a.to_numpy() + (1 - w) * t.loc[a.index].to_numpy(), a.index

    def validation_ua(w):
        probabilities, ids = fused((audio.validation, text.validation), w)
        truth = audio.validation.set_index("utt_id").loc[ids, "label"]
        return unweighted_accuracy(truth, np.asarray(classes)[probabilities.argmax(1)], classes)

    assert validation_ua(weight) == max(validation_ua(w) for w in experiment.LATE_FUSION_WEIGHTS)
    probabilities, ids = fused((audio.predictions, text.predictions), weight)
    assert np.allclose(result.predictions.set_index("utt_id").loc[ids, columns].to_numpy(), probabilities)
    whole = cross_validate(table, "late_fusion", **settings)  # the same, as one call
    assert whole.ua == pytest.approx(result.ua)


def test_missing_inputs_are_reported_not_silently_dropped(table):
    damaged = table.copy()
    damaged.loc[damaged.index[:3], "transcript"] = None
    with pytest.warns(UserWarning, match="3 row"):
        result = baseline_cross_validate(damaged, "text", protocol="thesis")
    assert "3 row(s) without transcript" in result.notes[0]
    with pytest.raises(ValueError, match="modality"):
        cross_validate(table, "video")
    with pytest.raises(ValueError, match="outside classes"):
        cross_validate(table, "text", classes=["ang", "hap"], config=TINY)


def test_unreadable_wav_is_left_out_and_noted(table, tmp_path):
    """A file the loader passed but that cannot be decoded (a corrupt clip) is a reported skip."""
    broken = tmp_path / "broken.wav"
    broken.write_bytes(b"RIFF....WAVEfmt not audio")
    damaged = table.copy()
    damaged.loc[damaged.index[0], "wav_path"] = str(broken)
    lost = damaged["utt_id"].iloc[0]
    with pytest.warns(UserWarning, match=r"1 row\(s\) whose audio could not be read.*broken.wav"):
        result = cross_validate(damaged, "audio", protocol="thesis", config=TINY, progress=False, save=False)
    assert any("could not be read" in note and "broken.wav" in note for note in result.notes)
    assert lost not in set(result.predictions["utt_id"]) and result.per_fold["n_test"].sum() > 0
    with pytest.warns(UserWarning, match="could not be read"):
        baseline = baseline_cross_validate(damaged, "audio", protocol="thesis")
    assert any("broken.wav" in note for note in baseline.notes)


def test_baselines_run_on_the_same_folds(table):
    audio = baseline_cross_validate(table, "audio")
    text = baseline_cross_validate(table, "text")
    assert (
        list(audio.per_fold["fold"]) == list(text.per_fold["fold"]) == [f"session {s}" for s in range(1, 6)]
    )
    assert audio.ua > 0.3 and text.ua > 0.3  # above chance (0.25) on the planted corpus
    counts = audio.confusion_counts  # every utterance tested once, in the row of its true class
    assert counts.sum(axis=1).to_dict() == table["label"].value_counts().to_dict()


def _result(name, modality, frames, validation):
    per_fold = pd.DataFrame(
        [{"fold": "f", "n_train": 4, "n_validation": len(validation), "n_test": len(frames)}]
    )
    return CVResult(name=name, modality=modality, protocol="custom", classes=["a", "b"], config={},
                    per_fold=per_fold, predictions=frames, validation=validation)  # fmt: skip


def test_late_fusion_weight_on_hand_made_probabilities():
    """Only an audio weight in (0.65, 0.75) gets both validation rows right: 0.7 must be chosen."""

    def frame(rows):
        return pd.DataFrame(
            [
                {"utt_id": u, "fold": "f", "label": y, "predicted": "a", "prob_a": p, "prob_b": 1 - p}
                for u, y, p in rows
            ]
        )

    audio = _result(
        "x_audio_y", "audio", frame([("t1", "a", 0.6)]), frame([("v1", "a", 0.77), ("v2", "b", 0.6)])
    )
    text = _result("x_text_y", "text", frame([("t1", "a", 0.3)]), frame([("v1", "a", 0.0), ("v2", "b", 0.2)]))
    fused = late_fusion_result(audio, text)
    assert fused.per_fold["audio_weight"].tolist() == [0.7]
    assert fused.predictions["prob_a"].iloc[0] == pytest.approx(0.7 * 0.6 + 0.3 * 0.3)


def test_results_of_an_older_layout_are_not_reused_and_saved_models_leave_nothing_behind(table, tmp_path):
    first = cross_validate(table, "audio", protocol="thesis", config=TINY, progress=False)
    saved = tmp_path / "build" / "results" / f"{first.name}.json"
    payload = json.loads(saved.read_text())
    payload["labels"] = payload.pop("classes")  # as an older PATHOS wrote it
    saved.write_text(json.dumps(payload))
    with pytest.raises(ValueError, match="older PATHOS"):
        CVResult.load(saved)
    folder = tmp_path / "build" / "models" / first.name / "sessions-1-4-5"
    (folder / "stale.npy").write_bytes(b"left by an earlier run")
    again = cross_validate(table, "audio", protocol="thesis", config=TINY, progress=False, reuse=True)
    assert again.ua == pytest.approx(first.ua) and CVResult.load(saved).classes == first.classes  # retrained
    assert not (folder / "stale.npy").exists()


def test_baseline_names_labels_outside_the_classes(table):
    with pytest.raises(ValueError, match="outside classes"):
        baseline_cross_validate(table, "text", classes=["ang", "hap"])
