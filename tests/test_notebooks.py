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
    # arousal in the voice: louder and higher for angry/happy, quieter and lower for sad (log-energy units
    # and semitones; margins well inside what the corpus plants)
    energy, pitch = metrics["energy_by_class"], metrics["pitch_by_class"]
    assert min(energy["ang"], energy["hap"]) > energy["neu"] + 0.2 > energy["sad"] + 0.4
    assert min(pitch["ang"], pitch["hap"]) > pitch["neu"] + 2 > pitch["sad"] + 3
    # valence in the words: the most distinctive happy words are positive, angry and sad ones negative
    from pathos_lib.synthetic import NEGATIVE_WORDS, POSITIVE_WORDS

    top = metrics["top_words"]
    assert sum(w in POSITIVE_WORDS for w in top["hap"]) >= 5
    assert (
        sum(w in NEGATIVE_WORDS for w in top["ang"]) >= 5
        and sum(w in NEGATIVE_WORDS for w in top["sad"]) >= 5
    )
