"""Notebooks run top to bottom with papermill in quick mode; their recorded numbers are checked."""

from __future__ import annotations

import os
from pathlib import Path

import papermill
import pytest

from pathos_lib.corpus import load_corpus
from pathos_lib.records import read_metrics

PROJECT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.notebook


@pytest.fixture(scope="module", autouse=True)
def _shared_build(tmp_path_factory):
    """One build folder for this module: 05 and 06 reuse what 03 and 04 trained, as under make notebooks."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PATHOS_BUILD", str(tmp_path_factory.mktemp("build")))
        yield


_executed: dict[str, dict] = {}


def metrics_of(name: str, tmp_path_factory) -> dict:
    """Run a notebook once per test session (quick mode) and return its recorded metrics."""
    if name not in _executed:
        _executed[name] = run_notebook(name, tmp_path_factory.mktemp(name))
    return _executed[name]


def run_notebook(name: str, tmp_path: Path, **parameters) -> dict:
    """Execute notebooks/<name>.ipynb in quick mode and return its recorded metrics."""
    output = tmp_path / f"{name}.ipynb"
    papermill.execute_notebook(
        PROJECT / "notebooks" / f"{name}.ipynb",
        output,
        parameters={"quick": True, **parameters},
        cwd=PROJECT / "notebooks",
        kernel_name="python3",  # this interpreter; `make setup` also registers it as `pathos`
        progress_bar=False,
    )
    return read_metrics(output)


def test_01_data_exploration(tmp_path):
    metrics = run_notebook("01_data_exploration", tmp_path)
    table = load_corpus("synthetic")
    assert metrics["corpus"] == "synthetic" and metrics["labels"] == "standard4"
    assert metrics["n_utterances"] == len(table)
    assert metrics["per_class"] == table["label"].value_counts().to_dict()
    assert sum(metrics["per_session"].values()) == metrics["n_utterances"]
    assert set(metrics["per_session"]) == {"1", "2", "3", "4", "5"}
    assert metrics["n_speakers"] == 10
    assert metrics["max_speakers_in_both"] == 0
    totals = metrics["scheme_totals"]
    # The default corpus is CI-sized: about 500 utterances, about 55% in the standard 4 classes as in IEMOCAP.
    assert 450 <= totals["all"] <= 550
    assert 0.45 <= totals["standard4"] / totals["all"] <= 0.65
    assert totals["thesis"] < totals["standard4"] == metrics["n_utterances"]
    assert min(metrics["per_class"].values()) >= 0.1 * metrics["n_utterances"]
    written = {p.name for p in Path(os.environ["PATHOS_FIGURES"]).glob("01_*.png")}
    assert {
        "01_class_counts.png",
        "01_label_schemes.png",
        "01_durations.png",
        "01_valence_arousal.png",
    } <= written


def test_02_feature_extraction(tmp_path):
    metrics = run_notebook("02_feature_extraction", tmp_path)
    n = len(load_corpus("synthetic"))
    assert metrics["dimensions"] == {"thesis34": 34, "logmel": 64, "mfcc": 121}
    assert metrics["n_with_features"] == {"thesis34": n, "logmel": n, "mfcc": n} and metrics["n_failed"] == 0
    assert (metrics["cached_from_cache"], metrics["cached_computed"]) == (n, 0)
    assert all(0.0 < rate < 0.2 for rate in metrics["oov_rates"])  # rare names are unseen in training
    # arousal in the voice: a little louder and higher for angry/happy, quieter and lower for sad (medians
    # in log-energy units and semitones; measured: energy 1.47-1.50 / 1.32 / 1.21, pitch 1.7-1.9 / -0.7 /
    # -2.2), and in how effort moves: it builds up through angry/happy utterances and fades through sad
    # ones (energy trend, end - start: 2.1-2.7 / -0.5 / -3.4)
    energy, pitch = metrics["energy_by_class"], metrics["pitch_by_class"]
    assert min(energy["ang"], energy["hap"]) > energy["neu"] > energy["sad"]
    assert min(pitch["ang"], pitch["hap"]) > pitch["neu"] + 1.5 > pitch["sad"] + 2
    trend = metrics["energy_trend_by_class"]
    assert min(trend["ang"], trend["hap"]) > trend["neu"] + 1.5 > trend["sad"] + 2
    # valence in the words: the most distinctive happy words are positive, angry and sad ones negative
    from pathos_lib.synthetic import NEGATIVE_WORDS, POSITIVE_WORDS, SPECIFIC_WORDS

    top = metrics["top_words"]
    assert sum(w in POSITIVE_WORDS for w in top["hap"]) >= 5
    for label in ("ang", "sad"):  # shared negative words, and now and then a more specific one
        assert sum(w in NEGATIVE_WORDS + SPECIFIC_WORDS[label] for w in top[label]) >= 5


CHANCE = 0.25  # four classes


def test_03_audio_model(tmp_path_factory):
    metrics = metrics_of("03_audio_model", tmp_path_factory)
    assert metrics["corpus"] == "synthetic" and metrics["folds"] == 5 and metrics["n_classes"] == 4
    assert metrics["audio_ua"] > CHANCE + 0.15 and metrics["baseline_ua"] > CHANCE + 0.15


def test_03_audio_network_beats_its_baseline(tmp_path_factory):
    metrics = metrics_of("03_audio_model", tmp_path_factory)
    # The bar the audio network is taught against. The synthetic voice carries part of its arousal in how
    # effort moves through the utterance, which whole-utterance statistics cannot see (5 runs measured,
    # corpus seeds 0-2 x training seeds 0-1: network 0.574-0.623, baseline 0.508-0.578, margin +3.2 to
    # +6.8 points, +4.5 on this corpus and seed). On real speech: benchmarks/real_data.py (EmoDB).
    assert metrics["audio_ua"] > metrics["baseline_ua"]


def test_04_text_model(tmp_path_factory):
    metrics = metrics_of("04_text_model", tmp_path_factory)
    assert metrics["folds"] == 5 and metrics["text_ua"] > CHANCE + 0.15
    assert metrics["text_ua"] > metrics["baseline_ua"]  # the bar the text network is taught against


def test_05_fusion_beats_each_modality_by_ten_points(tmp_path_factory):
    audio = metrics_of("03_audio_model", tmp_path_factory)
    metrics = metrics_of("05_fusion", tmp_path_factory)
    assert metrics["audio_ua"] == pytest.approx(audio["audio_ua"])  # reused from notebook 03, not retrained
    assert metrics["fusion_ua"] >= max(metrics["audio_ua"], metrics["text_ua"]) + 0.10
    assert metrics["late_fusion_ua"] > CHANCE + 0.15 and metrics["attention_examples"] >= 2
    assert all(0.0 <= w <= 1.0 for w in metrics["late_fusion_weights"])


def test_06_results(tmp_path_factory):
    fusion = metrics_of("05_fusion", tmp_path_factory)
    metrics = metrics_of("06_results", tmp_path_factory)
    results = metrics["results"]
    assert set(results) == {f"{p}/{m}" for p in ("session", "thesis") for m in ("audio", "text", "fusion")}
    assert results["session/fusion"]["ua"] == pytest.approx(fusion["fusion_ua"])  # the same run, reused
    assert results["session/fusion"]["folds"] == 5 and results["thesis/fusion"]["folds"] == 1
    assert all(r["ua"] > CHANCE + 0.1 for r in results.values())
    assert metrics["published_rows"] >= 10


def test_07_try_it(tmp_path_factory):
    results = metrics_of("06_results", tmp_path_factory)["results"]
    metrics = metrics_of("07_try_it", tmp_path_factory)
    networks = ["audio", "text", "fusion"]
    assert metrics["networks"] == networks and metrics["app_prediction_networks"] == networks
    assert metrics["probability_sums"] == pytest.approx([1.0, 1.0, 1.0], abs=1e-4)
    assert metrics["audio_attention_sum"] == pytest.approx(1.0, abs=1e-4)
    assert metrics["text_attention_words"] > 0
    assert metrics["skipped_without_words"] == ["fusion", "text"]
    assert (metrics["cli_exit_status"], metrics["cli_missing_file_status"]) == (0, 1)
    for name in networks:  # the networks of notebook 06's thesis-split run, reused, saved for the CLI
        assert metrics["test_ua"][name] == pytest.approx(results[f"thesis/{name}"]["ua"])
        assert (Path(os.environ["PATHOS_BUILD"]) / metrics["model_dir"] / name / "model.keras").is_file()
