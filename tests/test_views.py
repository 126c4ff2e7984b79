"""Figures and the corpus browser, driven without a notebook front end."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
import soundfile as sf

from pathos_lib.audio import load_audio
from pathos_lib.corpus import load_iemocap
from pathos_lib.plots import (
    corpus_name,
    plot_class_counts,
    plot_durations,
    plot_label_schemes,
    plot_utterance,
    plot_valence_arousal,
    save_figure,
)
from pathos_lib.widgets import ALL, CorpusBrowser, show_utterance


@pytest.fixture(scope="module")
def table(synthetic_root):
    table = load_iemocap(synthetic_root)
    table.attrs["corpus"] = "synthetic"
    return table


def test_figures_name_their_corpus_and_are_saved(table, synthetic_root, tmp_path, monkeypatch):
    monkeypatch.setenv("PATHOS_FIGURES", str(tmp_path / "figs"))
    assert corpus_name(table) == "SYNTHETIC corpus (not IEMOCAP)"
    figures = {
        "counts": plot_class_counts(table),
        "schemes": plot_label_schemes(load_iemocap(synthetic_root, labels="all")),
        "durations": plot_durations(table),
        "va": plot_valence_arousal(table),
        "utterance": plot_utterance(table.iloc[0]),
    }
    assert "SYNTHETIC" in figures["counts"].axes[0].get_title()
    assert table.iloc[0]["utt_id"] in figures["utterance"].axes[0].get_title()
    for name, fig in figures.items():
        path = save_figure(fig, f"test_{name}")
        assert path.parent == tmp_path / "figs" and path.stat().st_size > 1000
        plt.close(fig)


def test_browser_filters_and_shows(table):
    browser = CorpusBrowser(table)
    assert browser.utterance.options == tuple(table["utt_id"])
    browser.session.value = 2
    browser.label.value = "sad"
    expected = table.loc[(table["session"] == 2) & (table["label"] == "sad"), "utt_id"].tolist()
    assert list(browser.utterance.options) == expected == browser.choices(2, "sad")
    assert browser.utterance.value == expected[0] == browser.current
    player, image = browser.view.children  # shown as widgets: a wav player and the figure as PNG
    assert player.value[:4] == b"RIFF" and image.value[:4] == b"\x89PNG"
    row = browser.select(expected[-1])
    assert row["label"] == "sad"
    with pytest.raises(KeyError, match="Unknown utterance id"):
        browser.select("Ses09F_nothing_F000")
    assert browser.choices(ALL, "no-such-class") == []


def test_show_utterance_without_wav(table, capsys):
    row = table.iloc[0].copy()
    row["wav_path"], row["has_wav"] = None, False
    show_utterance(row)
    assert "no wav file" in capsys.readouterr().out


def test_show_utterance_plays_a_recording_that_overshoots_full_scale(table, tmp_path, capsys):
    """Resampling a full-scale recording overshoots [-1, 1] a little (EmoDB's copy did); it still plays."""
    rate = 22_050
    loud = np.sign(np.sin(2 * np.pi * 200 * np.arange(rate) / rate)).astype(np.float32)  # square wave, +-1
    path = tmp_path / "loud.wav"
    sf.write(path, loud, rate, subtype="FLOAT")
    assert np.abs(load_audio(path)).max() > 1.0  # what the player is given before clipping
    row = table.iloc[0].copy()
    row["wav_path"], row["has_wav"] = str(path), True
    show_utterance(row)  # raised "Audio data must be between -1 and 1" before
    assert "Audio" in capsys.readouterr().out


def test_empty_table_is_refused(table):
    with pytest.raises(ValueError, match="empty"):
        CorpusBrowser(table.iloc[:0])


def test_bootstrap_interval_narrows_with_more_test_utterances():
    from pathos_lib.evaluation import bootstrap_ua

    rng = np.random.default_rng(0)
    classes = ["ang", "hap", "neu", "sad"]

    def predictions(n):
        truth = rng.choice(classes, n)
        guess = np.where(rng.random(n) < 0.7, truth, rng.choice(classes, n))  # about 70 % right
        return pd.DataFrame({"label": truth, "predicted": guess})

    from pathos_lib.evaluation import unweighted_accuracy

    few, many = predictions(50), predictions(2000)
    small, large = bootstrap_ua(few, classes), bootstrap_ua(many, classes)
    for (low, high), frame in ((small, few), (large, many)):
        assert low < unweighted_accuracy(frame["label"], frame["predicted"], classes) < high
    assert large[1] - large[0] < (small[1] - small[0]) / 3  # the width falls as one over the root of n


def test_results_figure_puts_labels_above_error_bars_and_the_legend_outside():
    from pathos_lib.plots import plot_results

    rows = pd.DataFrame(
        [
            (p, m, ua, ua - 5, ua + 5)
            for p in ("session", "thesis")
            for m, ua in (("audio", 60), ("text", 55), ("fusion", 75))
        ],
        columns=["protocol", "modality", "UA %", "UA low %", "UA high %"],
    )
    fig = plot_results(rows, 25.0, "UA - SYNTHETIC corpus (not IEMOCAP)")
    ax = fig.axes[0]
    labels = [t for t in ax.texts]
    assert len(labels) == 6 and all(t.get_position()[1] > 80 - 1 for t in labels if t.get_text() == "75")
    legend = ax.get_legend()
    assert legend.get_bbox_to_anchor().x0 >= ax.get_window_extent().x1 - 1  # beside the axes, over no bar
    texts = [t.get_text() for t in legend.get_texts()]
    assert (
        "this run: session" in texts
        and "this run: thesis" in texts
        and any("thesis on IEMOCAP" in t for t in texts)
    )
    assert ax.get_title().count("IEMOCAP") == 1
