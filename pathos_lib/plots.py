"""Figures for looking at a corpus table; every figure says which corpus it shows.

Explained in 01_data_exploration.
"""

from __future__ import annotations

import zlib
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from .audio import SAMPLE_RATE, load_audio
from .corpus import LABEL_SCHEMES
from .corpus_facts import FACTS, STANDARD4
from .paths import figures_dir

# One colour per class, the same in every figure.
CLASS_COLOURS = {
    "ang": "#d62728", "hap": "#ff7f0e", "exc": "#ff7f0e", "neu": "#7f7f7f", "sad": "#1f77b4",
    "fru": "#8c564b", "sur": "#e377c2", "fea": "#9467bd", "dis": "#bcbd22", "oth": "#17becf",
    "xxx": "#c7c7c7",
}  # fmt: skip


def corpus_name(table: pd.DataFrame) -> str:
    """A label for titles: 'SYNTHETIC corpus (not IEMOCAP)', 'IEMOCAP', a public corpus's title or
    'CUSTOM CORPUS'.

    ``table``: any table; its ``attrs["corpus"]`` (set by ``load_corpus``) is read. Returns that name
    upper-cased (a public corpus: its title, e.g. 'CREMA-D'), the synthetic corpus flagged as not IEMOCAP,
    'CUSTOM CORPUS' when it has none. Explained in 01_data_exploration.
    """
    name = table.attrs.get("corpus", "custom corpus")
    if name in FACTS:
        return FACTS[name].title
    return "SYNTHETIC corpus (not IEMOCAP)" if name == "synthetic" else str(name).upper()


def save_figure(fig: plt.Figure, name: str) -> Path:
    """Save ``fig`` as ``<figures_dir>/<name>.png`` (110 dpi) and return the path.

    ``name``: the file name without ``.png``; an existing file is overwritten.
    Explained in 01_data_exploration.
    """
    folder = figures_dir()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.png"
    fig.savefig(path, dpi=110, bbox_inches="tight")
    return path


def _colour(label) -> str:
    """A class's colour: fixed for the four classes, else one of matplotlib's tab10 picked from the name
    (so that a corpus's own emotions, ``labels="all"``, keep their colour across figures)."""
    if str(label) in CLASS_COLOURS:
        return CLASS_COLOURS[str(label)]
    return plt.get_cmap("tab10")(zlib.crc32(str(label).encode()) % 10)


def class_colours(labels) -> list:
    """One colour per label (``_colour``). Plumbing for the figures of plots and predict."""
    return [_colour(label) for label in labels]


def plot_class_counts(table: pd.DataFrame) -> plt.Figure:
    """Stacked bars: utterances per session and class.

    ``table``: a corpus table (session, label). Returns the matplotlib Figure.
    Explained in 01_data_exploration.
    """
    counts = pd.crosstab(table["session"], table["label"])
    fig, ax = plt.subplots(figsize=(7, 3.5))
    counts.plot.bar(stacked=True, ax=ax, color=class_colours(counts.columns), rot=0)
    ax.set(xlabel="session", ylabel="utterances", title=f"Classes per session - {corpus_name(table)}")
    ax.legend(title="class", bbox_to_anchor=(1.01, 1), loc="upper left")
    return fig


def plot_label_schemes(raw_table: pd.DataFrame) -> plt.Figure:
    """The corpus's own emotions and what each 4-class scheme keeps, from a ``labels="all"`` table.

    ``raw_table``: ``load_corpus(..., labels="all")`` (column emotion). IEMOCAP (and the synthetic corpus)
    show its two schemes, a public corpus its ``standard4`` mapping. Returns the matplotlib Figure.
    Explained in 01_data_exploration.
    """
    corpus = raw_table.attrs.get("corpus", "custom")
    schemes = {"standard4": STANDARD4[corpus]} if corpus in STANDARD4 else LABEL_SCHEMES
    raw = raw_table["emotion"].value_counts()
    ratios = [2] + [1] * len(schemes)
    fig, axes = plt.subplots(1, 1 + len(schemes), figsize=(4 + 4 * len(schemes), 3.5), width_ratios=ratios)
    axes[0].bar(raw.index, raw.to_numpy(), color=class_colours(raw.index))
    axes[0].set(title=f"the corpus's own labels ({len(raw_table)})", ylabel="utterances")
    axes[0].tick_params(axis="x", labelrotation=45)
    for ax, (scheme, mapping) in zip(axes[1:], schemes.items(), strict=True):
        kept = raw_table["emotion"].map(mapping).dropna().value_counts().sort_index()
        ax.bar(kept.index, kept.to_numpy(), color=class_colours(kept.index))
        ax.set(title=f"{scheme} ({kept.sum()})")
    fig.suptitle(f"Label schemes - {corpus_name(raw_table)}")
    fig.tight_layout()
    return fig


def plot_durations(table: pd.DataFrame) -> plt.Figure:
    """Histogram of utterance durations for each class.

    ``table``: a corpus table (label, duration in seconds). Returns the matplotlib Figure.
    Explained in 01_data_exploration.
    """
    labels = sorted(table["label"].unique())
    fig, axes = plt.subplots(1, len(labels), figsize=(3 * len(labels), 3), sharex=True, sharey=True)
    bins = np.linspace(0, max(1.0, float(table["duration"].max())), 25)
    for ax, label in zip(np.atleast_1d(axes), labels, strict=True):
        durations = table.loc[table["label"] == label, "duration"]
        ax.hist(durations, bins=bins, color=_colour(label))
        ax.set(title=f"{label} (median {durations.median():.1f} s)", xlabel="seconds")
    np.atleast_1d(axes)[0].set_ylabel("utterances")
    fig.suptitle(f"Durations - {corpus_name(table)}")
    fig.tight_layout()
    return fig


def plot_valence_arousal(table: pd.DataFrame, seed: int = 0) -> plt.Figure:
    """Annotated valence vs arousal (1-5), one colour per class, jittered so ties show.

    ``table``: a corpus table (label, valence, arousal); ``seed``: the jitter's. Returns the matplotlib
    Figure. Explained in 01_data_exploration.
    """
    rng = np.random.default_rng(seed)
    fig, ax = plt.subplots(figsize=(5, 4.5))
    for label in sorted(table["label"].unique()):
        rows = table[table["label"] == label]
        jitter = rng.normal(0, 0.07, (2, len(rows)))
        ax.scatter(rows["valence"] + jitter[0], rows["arousal"] + jitter[1], s=8, alpha=0.6,
                   color=_colour(label), label=label)  # fmt: skip
    ax.set(xlabel="valence (1 negative - 5 positive)", ylabel="arousal (1 calm - 5 excited)",
           title=f"Dimensional labels - {corpus_name(table)}", xlim=(0.8, 5.2), ylim=(0.8, 5.2))  # fmt: skip
    ax.legend(markerscale=2)
    return fig


def plot_utterance(row: pd.Series, audio: np.ndarray | None = None) -> plt.Figure:
    """Waveform and log spectrogram of one utterance, titled with its id, class and transcript.

    ``row``: one row of a corpus table (utt_id, label, wav_path, transcript); ``audio``: its waveform,
    (samples,) float32 at 16 kHz, read from ``wav_path`` when None. Returns the matplotlib Figure.
    Explained in 01_data_exploration.
    """
    import librosa
    import librosa.display

    audio = load_audio(row["wav_path"]) if audio is None else audio
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(9, 4.5), sharex=True, height_ratios=[1, 2])
    time = np.arange(len(audio)) / SAMPLE_RATE
    top.plot(time, audio, linewidth=0.5, color=_colour(row["label"]))
    top.set(ylabel="amplitude", title=f'{row["utt_id"]} [{row["label"]}]  "{row.get("transcript", "")}"')
    spectrum = np.abs(librosa.stft(audio, n_fft=512, hop_length=160))
    image = librosa.display.specshow(
        librosa.amplitude_to_db(spectrum, ref=np.max), sr=SAMPLE_RATE, hop_length=160,
        x_axis="time", y_axis="hz", ax=bottom, cmap="magma",
    )  # fmt: skip
    bottom.set(ylabel="Hz", xlabel="seconds", xlim=(0, len(audio) / SAMPLE_RATE))  # no blank strip at the end
    fig.colorbar(image, ax=[top, bottom], format="%+2.0f dB", pad=0.01)
    return fig


def plot_representations(
    row: pd.Series, audio: np.ndarray, features: dict[str, np.ndarray], source: str = ""
) -> plt.Figure:
    """One utterance as waveform, spectrogram, log-mel, MFCC and a few thesis34 curves, on one time axis.

    ``row``: one row of a corpus table (utt_id, label, transcript); ``audio``: its waveform, (samples,)
    float at 16 kHz; ``features`` maps "logmel", "mfcc" and "thesis34" to their matrices (frames x
    features) from ``compute_features`` with the default windows; ``source``: the corpus, named in the title
    (``corpus_name``). Returns the matplotlib Figure.
    Explained in 02_feature_extraction.
    """
    import librosa
    import librosa.display

    from .audio_features import THESIS34_NAMES

    fig, axes = plt.subplots(5, 1, figsize=(9, 11), sharex=True, height_ratios=[1, 2, 2, 2, 2])
    seconds = len(audio) / SAMPLE_RATE
    axes[0].plot(np.arange(len(audio)) / SAMPLE_RATE, audio, linewidth=0.5, color="#333333")
    title = f'{row["utt_id"]} [{row["label"]}] "{row.get("transcript", "")}"' + (
        f" - {source}" if source else ""
    )
    axes[0].set(ylabel="waveform", title=title)
    spectrum = librosa.amplitude_to_db(np.abs(librosa.stft(audio, n_fft=512, hop_length=160)), ref=np.max)
    librosa.display.specshow(spectrum, sr=SAMPLE_RATE, hop_length=160, x_axis="time", y_axis="hz", ax=axes[1])
    axes[1].set(ylabel="spectrogram (Hz)")
    for ax, kind, label in ((axes[2], "logmel", "log-mel band"), (axes[3], "mfcc", "MFCC | Δ | ΔΔ (z)")):
        matrix = features[kind]
        if kind == "mfcc":  # columns differ in scale by orders of magnitude: show each standardised
            matrix = (matrix - matrix.mean(axis=0)) / (matrix.std(axis=0) + 1e-8)
        ax.imshow(
            matrix.T, origin="lower", aspect="auto", extent=[0, seconds, 0, matrix.shape[1]], cmap="magma"
        )
        ax.set(ylabel=label)
    thesis = features["thesis34"]
    times = (np.arange(len(thesis)) * 0.1) + 0.1  # centre of each 200 ms window
    for name in ("energy", "zcr", "spectral_centroid", "spectral_entropy", "mfcc_2"):
        column = thesis[:, THESIS34_NAMES.index(name)]
        span = np.ptp(column) or 1.0
        axes[4].plot(times, (column - column.min()) / span, marker=".", label=name)
    axes[4].set(ylabel="thesis34 (scaled)", xlabel="seconds")
    axes[4].legend(fontsize=7, ncol=5, loc="upper center")
    fig.tight_layout()
    return fig


def plot_by_class(summary: pd.DataFrame, columns: dict[str, str]) -> plt.Figure:
    """Box plots of per-utterance values (``columns``: column -> axis title), one box per class.

    ``summary``: one row per utterance with a ``label`` column and the numeric ``columns`` (NaN left out);
    its ``attrs["corpus"]`` names the corpus in the title. Returns the matplotlib Figure.
    Explained in 02_feature_extraction.
    """
    labels = sorted(summary["label"].unique())
    fig, axes = plt.subplots(1, len(columns), figsize=(3.6 * len(columns), 3.4))
    for ax, (column, title) in zip(np.atleast_1d(axes), columns.items(), strict=True):
        values = [summary.loc[summary["label"] == label, column].dropna() for label in labels]
        boxes = ax.boxplot(values, patch_artist=True, showfliers=False)
        ax.set_xticks(range(1, len(labels) + 1), labels)
        for patch, label in zip(boxes["boxes"], labels, strict=True):
            patch.set_facecolor(CLASS_COLOURS.get(label, "#333333"))
        ax.set(title=title)
    fig.suptitle(f"Per-utterance features by class - {corpus_name(summary)}")
    fig.tight_layout()
    return fig


THESIS_ACCURACY = {"audio": 55.5, "text": 62.3, "fusion": 69.3}  # its abstract: IEMOCAP Session 5, exc-only


def plot_results(results: pd.DataFrame, chance: float, title: str) -> plt.Figure:
    """This run's UA per network, one bar per protocol, beside the thesis's figures on IEMOCAP.

    ``results``: one row per protocol and modality with ``protocol``, ``modality`` (audio, text, fusion),
    ``UA %`` and the ends of its error bar, ``UA low %`` and ``UA high %`` (the spread over folds, or a
    bootstrap interval for a single test set); ``chance``: the UA of guessing, in %; ``title``: names
    the corpus. Value labels sit above the error bars and the legend beside the axes, covering nothing.
    Returns the Figure. Explained in 06_results.
    """
    modalities = [m for m in ("audio", "text", "fusion") if m in set(results["modality"])]
    protocols = list(dict.fromkeys(results["protocol"]))
    width = 0.8 / len(protocols)
    colours = {"audio": "#d62728", "text": "#1f77b4", "fusion": "#2ca02c"}
    fig, ax = plt.subplots(figsize=(9, 3.8))
    for i, protocol in enumerate(protocols):
        rows = results[results["protocol"] == protocol].set_index("modality").reindex(modalities)
        x = np.arange(len(modalities)) + (i - (len(protocols) - 1) / 2) * width
        value = rows["UA %"].to_numpy(float)
        low, high = rows["UA low %"].to_numpy(float), rows["UA high %"].to_numpy(float)
        shade = (1.0, 0.55, 0.35)[i % 3]
        ax.bar(x, value, width * 0.9, color=[colours[m] for m in modalities], alpha=shade, edgecolor="black",
               linewidth=0.5)  # fmt: skip
        ax.bar([0], [0], 0, color="grey", alpha=shade, edgecolor="black", label=f"this run: {protocol}")
        ax.errorbar(x, value, yerr=[value - low, high - value], fmt="none", ecolor="black", capsize=3)
        for xi, top, shown in zip(x, high, value, strict=True):
            ax.text(xi, top + 1.5, f"{shown:.0f}", ha="center", va="bottom", fontsize=8)
    thesis = "thesis on IEMOCAP (Session 5, exc-only; WA or UA not said)"
    for j, modality in enumerate(modalities):
        ax.hlines(THESIS_ACCURACY[modality], j - 0.45, j + 0.45, colors="black", linestyles="--",
                  label=thesis if j == 0 else None)  # fmt: skip
    ax.axhline(chance, color="grey", linestyle=":", label="chance")
    ax.set_xticks(range(len(modalities)), modalities)
    ax.set(ylabel="UA %", ylim=(0, 108), title=title)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, frameon=False)
    fig.tight_layout()
    return fig
