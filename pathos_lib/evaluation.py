"""Scores and their figures: WA, UA, macro-F1, confusion matrices, training curves, per-session bars.

WA (weighted accuracy) is the overall accuracy: every utterance counts once, so big classes weigh more.
UA (unweighted accuracy) is the mean of the per-class recalls: every class counts once. The original
PATHOSnet code swapped the two names; the thesis's 73.5 % is a UA.
Explained in 03_audio_model (metrics) and 05_fusion (confusion matrices).
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from sklearn.metrics import accuracy_score, confusion_matrix, f1_score, recall_score

# Published figures to show beside ours (../shared/notes/peers.md); protocol stated for each. "thesis UA" is
# the mean diagonal of the thesis's row-normalised confusion matrix (its README's 73.5 %).
# Published results, each with its protocol. The thesis's abstract gives "accuracy" without saying WA or UA
# (and its code swapped the two names), so those three sit in a column of their own; its README's 73.5 % is
# the mean diagonal of its published row-normalised confusion matrix, hence a UA. THESIS_NUMBERS maps them.
THESIS_ROW = "thesis split: test Session 5, exc-only scheme"
RANDOM_5 = "random 5-fold (speaker-dependent)"
PUBLISHED = pd.DataFrame(
    [
        ("PATHOSnet thesis (2018)", "text", None, None, 62.3, THESIS_ROW),
        ("PATHOSnet thesis (2018)", "audio", None, None, 55.5, THESIS_ROW),
        ("PATHOSnet thesis (2018)", "fused", None, 73.5, 69.3, THESIS_ROW),
        ("Yoon et al. 2018 (ARE / TRE / MDRE)", "audio", 54.6, None, None, RANDOM_5),
        ("Yoon et al. 2018 (ARE / TRE / MDRE)", "text", 63.5, None, None, RANDOM_5),
        ("Yoon et al. 2018 (ARE / TRE / MDRE)", "fused", 71.8, None, None, RANDOM_5),
        ("Tripathi et al. 2018", "audio", 55.7, None, None, "not stated"),
        ("Tripathi et al. 2018", "text", 64.8, None, None, "not stated"),
        ("Tripathi et al. 2018", "fused", 68.4, None, None, "not stated"),
        ("1-D CNN on MFCC (teaching code)", "audio", 52.3, 41.0, None, "leave-one-session-out"),
        ("TIM-Net on MFCC", "audio", 53.8, 54.8, None, "leave-one-session-out"),
        ("WavLM-large fine-tuned (pretrained)", "audio", 75.4, 75.9, None, "leave-one-session-out"),
        ("MMER 2023 (wav2vec2 + RoBERTa, pretrained)", "fused", 81.0, None, None, "unclear"),
    ],
    columns=["system", "modality", "WA %", "UA %", "accuracy % (WA or UA not said)", "protocol"],
)

THESIS_SETUP = (
    "-p corpus iemocap -p labels thesis -p preset thesis -p protocols '[\"thesis\"]' -p quick False"
)
THESIS_SPLIT = "thesis split: train Sessions 1-4, test Session 5 (1,098 utterances)"
THESIS_SCHEME = "thesis: exc (as joy), ang, sad, neu; hap dropped (4,936 utterances)"
# Each figure of the thesis: what it measures, on what, and which notebook cell reproduces it on IEMOCAP.
THESIS_NUMBERS = pd.DataFrame(
    [
        ("text 62.3 %", "accuracy, WA or UA not said (abstract)", THESIS_SPLIT, THESIS_SCHEME,
         "06_results, 'This run' table: thesis / text", THESIS_SETUP),
        ("audio 55.5 %", "accuracy, WA or UA not said (abstract)", THESIS_SPLIT, THESIS_SCHEME,
         "06_results, 'This run' table: thesis / audio", THESIS_SETUP),
        ("fused 69.3 %", "accuracy, WA or UA not said (abstract)", THESIS_SPLIT, THESIS_SCHEME,
         "06_results, 'This run' table: thesis / fusion", THESIS_SETUP),
        ("fused 73.5 % (its code's README)", "UA: the mean diagonal of its row-normalised confusion matrix "
         "(its code called it WA)", THESIS_SPLIT, THESIS_SCHEME,
         "06_results, 'This run' table: thesis / fusion, UA %; 05_fusion's confusion matrix", THESIS_SETUP),
    ],
    columns=["thesis figure", "what it measures", "split", "label scheme", "reproduced in",
             "papermill parameters"],
)  # fmt: skip


def bootstrap_ua(predictions: pd.DataFrame, classes: list[str], draws: int = 1000, seed: int = 0) -> tuple:
    """A 95 % interval for the UA of one test set: the 2.5th and 97.5th percentiles of the UA over
    ``draws`` resamplings of its utterances (with replacement). Small test sets give wide intervals.

    ``predictions``: one row per test utterance with ``label`` and ``predicted`` (a ``CVResult``'s
    ``predictions``); ``classes``: the class names. Returns (low, high) as fractions.
    Explained in 06_results.
    """
    rng = np.random.default_rng(seed)
    truth, guess = predictions["label"].to_numpy(), predictions["predicted"].to_numpy()
    values = []
    for _ in range(draws):
        pick = rng.integers(0, len(truth), len(truth))
        values.append(unweighted_accuracy(truth[pick], guess[pick], classes))
    low, high = np.nanpercentile(values, [2.5, 97.5])
    return float(low), float(high)


def weighted_accuracy(y_true, y_pred) -> float:
    """WA: the share of utterances classified correctly.

    ``y_true`` / ``y_pred``: (n,) class names or indices. Returns a float in [0, 1].
    Explained in 03_audio_model.
    """
    return float(accuracy_score(y_true, y_pred))


def per_class_recall(y_true, y_pred, classes) -> np.ndarray:
    """Each class's recall, in the order of ``classes``, shape (len(classes),) float; NaN for a class that
    ``y_true`` does not contain (its recall is undefined, not 0). ``y_true`` / ``y_pred``: (n,) class
    names or indices. Explained in 03_audio_model."""
    return recall_score(y_true, y_pred, labels=list(classes), average=None, zero_division=np.nan)


def unweighted_accuracy(y_true, y_pred, classes=None) -> float:
    """UA: the mean recall over the classes that ``y_true`` contains.

    The one definition PATHOS uses. A test fold without some class (possible with custom folds or tiny
    corpora) is scored on the classes it has: the absent class's recall is undefined and left out, not
    counted as 0. With every class present this is sklearn's ``balanced_accuracy_score``.
    ``y_true`` / ``y_pred``: (n,) class names or indices; ``classes`` only fixes which labels exist
    (default: those in ``y_true``). Returns a float in [0, 1]. Explained in 03_audio_model.
    """
    classes = np.unique(y_true) if classes is None else classes
    return float(np.nanmean(per_class_recall(y_true, y_pred, classes)))


def macro_f1(y_true, y_pred, classes=None) -> float:
    """The mean over classes of each class's F1.

    ``y_true`` / ``y_pred``: (n,) class names or indices; ``classes``: the classes averaged over (default:
    those in either; a given class neither true nor predicted counts 0). Returns a float in [0, 1].
    Explained in 03_audio_model.
    """
    return float(f1_score(y_true, y_pred, labels=classes, average="macro", zero_division=0))


def scores(y_true, y_pred, classes: list) -> dict[str, float]:
    """WA, UA, macro-F1 and each class's recall (``recall_<class>``, NaN when absent), in one dict.

    ``y_true`` / ``y_pred``: (n,) class names or indices; ``classes``: all classes, in report order.
    Explained in 03_audio_model.
    """
    recalls = per_class_recall(y_true, y_pred, classes)
    result = {
        "wa": weighted_accuracy(y_true, y_pred),
        "ua": unweighted_accuracy(y_true, y_pred, classes),
        "f1": macro_f1(y_true, y_pred, classes),
    }
    result.update({f"recall_{c}": float(r) for c, r in zip(classes, recalls, strict=True)})
    return result


def confusion(y_true, y_pred, classes: list[str], normalise: bool = True) -> pd.DataFrame:
    """Confusion matrix, (len(classes), len(classes)), rows true, columns predicted; ``normalise``
    divides each row by its total. ``y_true`` / ``y_pred``: (n,) class names. Returns a float DataFrame
    (counts when not normalised), index named "true", columns "predicted". Explained in 05_fusion."""
    matrix = confusion_matrix(y_true, y_pred, labels=classes).astype(float)
    if normalise:
        matrix = matrix / np.maximum(matrix.sum(axis=1, keepdims=True), 1)
    return pd.DataFrame(
        matrix, index=pd.Index(classes, name="true"), columns=pd.Index(classes, name="predicted")
    )


def plot_confusion(matrix: pd.DataFrame, title: str = "", ax: plt.Axes | None = None) -> plt.Figure:
    """A row-normalised confusion matrix as the thesis drew it: shares in each cell, true classes as rows.

    ``matrix``: from ``confusion`` (normalised: the colours span 0 to 1); ``ax``: draw into this Axes
    (default: a new figure). Returns the matplotlib Figure (the one holding ``ax``).
    Explained in 03_audio_model.
    """
    if ax is None:
        fig, ax = plt.subplots(figsize=(4.2, 3.8))
    else:
        fig = ax.figure
    values = matrix.to_numpy()
    ax.imshow(values, cmap="Blues", vmin=0, vmax=1)
    for i in range(values.shape[0]):
        for j in range(values.shape[1]):
            ax.text(j, i, f"{values[i, j]:.2f}", ha="center", va="center",
                    color="white" if values[i, j] > 0.5 else "black")  # fmt: skip
    ax.set_xticks(range(len(matrix.columns)), matrix.columns)
    ax.set_yticks(range(len(matrix.index)), matrix.index)
    ax.set(xlabel="predicted", ylabel="true", title=title)
    return fig


def plot_confusions(matrices: dict[str, pd.DataFrame], suptitle: str = "") -> plt.Figure:
    """Several confusion matrices side by side (e.g. audio, text, fused).

    ``matrices``: title -> a ``confusion`` matrix. Returns the matplotlib Figure. Explained in 05_fusion.
    """
    fig, axes = plt.subplots(1, len(matrices), figsize=(4.2 * len(matrices), 3.9))
    for ax, (title, matrix) in zip(np.atleast_1d(axes), matrices.items(), strict=True):
        plot_confusion(matrix, title, ax)
    fig.suptitle(suptitle)
    fig.tight_layout()
    return fig


def plot_histories(histories: dict[str, dict[str, list[float]]], title: str = "") -> plt.Figure:
    """Training and validation loss and validation UA per epoch, one line per fold.

    ``histories``: fold -> history, lists per epoch under ``loss``, ``val_loss`` and ``val_ua`` (a missing
    one is left out). Returns the matplotlib Figure.
    Explained in 03_audio_model.
    """
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.4))
    for i, (fold, history) in enumerate(histories.items()):
        colour = f"C{i}"
        left.plot(history.get("loss", []), color=colour, label=f"{fold} train")
        left.plot(history.get("val_loss", []), color=colour, linestyle="--")
        right.plot(history.get("val_ua", []), color=colour, label=fold)
    left.set(xlabel="epoch", ylabel="loss (dashed: validation)", title="loss")
    right.set(xlabel="epoch", ylabel="UA", title="validation UA (speakers held out of training)")
    right.legend(fontsize=7)
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def plot_attention(
    row: pd.Series,
    audio_weights: np.ndarray | None,
    words: list[str] | None,
    text_weights: np.ndarray | None,
    frame_seconds: float = 0.08,
    source: str = "",
) -> plt.Figure:
    """Where a network looked: attention over audio steps (with the waveform) and over words.

    ``row``: one row of a corpus table (utt_id, label, wav_path, transcript); ``audio_weights``: (steps,)
    one weight per network step of ``frame_seconds``, or None; ``words`` / ``text_weights``: the tokens and
    their (tokens,) weights, or None; ``source``: the corpus, named once in the first title
    (``plots.corpus_name``). Returns the matplotlib Figure.
    Explained in 05_fusion.
    """
    from .audio import load_audio

    panels = int(audio_weights is not None) + int(text_weights is not None)
    fig, axes = plt.subplots(panels, 1, figsize=(9, 2.6 * panels), squeeze=False)
    first = axes[0, 0]
    axes = list(axes[:, 0])
    if audio_weights is not None:
        ax = axes.pop(0)
        draw_audio_attention(ax, load_audio(row["wav_path"]), audio_weights, frame_seconds)
        ax.set_title(f"{row['utt_id']} [{row['label']}]: audio attention")
    if text_weights is not None:
        ax = axes.pop(0)
        draw_word_attention(ax, (words or [])[: len(text_weights)], text_weights)
        ax.set_title(f'text attention: "{row.get("transcript", "")}"')
    if source:
        first.set_title(f"{first.get_title()} - {source}")
    fig.tight_layout()
    return fig


def draw_audio_attention(ax: plt.Axes, audio: np.ndarray, weights, frame_seconds: float) -> None:
    """The waveform (grey) with the attention weight of each network step as bars over it.

    ``ax``: the Axes drawn into; ``audio``: (samples,) at 16 kHz; ``weights``: (steps,); ``frame_seconds``:
    one step's length. Returns None.
    Plumbing for plot_attention (05_fusion) and plot_prediction (07_try_it).
    """
    from .audio import SAMPLE_RATE

    time = np.arange(len(audio)) / SAMPLE_RATE
    ax.plot(time, audio / (np.abs(audio).max() + 1e-9), color="#bbbbbb", lw=0.5)
    twin = ax.twinx()
    centres = (np.arange(len(weights)) + 0.5) * frame_seconds
    twin.bar(centres, weights, width=frame_seconds * 0.9, color="#d62728", alpha=0.6)
    twin.set_ylabel("attention")
    ax.set(xlabel="seconds", yticks=[])


def draw_word_attention(ax: plt.Axes, words: list[str], weights, unknown: list[bool] | None = None) -> None:
    """One bar per word; words the network never saw in training (``unknown``) are hatched.

    ``ax``: the Axes drawn into; ``words``, ``weights`` (words,) and ``unknown`` (bool): one per word.
    Returns None.
    Plumbing for plot_attention (05_fusion) and plot_prediction (07_try_it).
    """
    bars = ax.bar(range(len(weights)), weights, color="#1f77b4")
    for bar, is_unknown in zip(bars, unknown or [False] * len(weights), strict=True):
        if is_unknown:
            bar.set(hatch="//", facecolor="#9ecae1")
    ax.set_xticks(range(len(weights)), words, rotation=30, ha="right")
    ax.set(ylabel="attention")


def plot_per_fold(per_fold: dict[str, pd.DataFrame], metric: str = "ua", title: str = "") -> plt.Figure:
    """Grouped bars: ``metric`` per fold (test session) for several systems.

    ``per_fold``: system name -> a table with a ``fold`` column and a ``metric`` column in [0, 1] (a
    ``CVResult.per_fold``). Returns the matplotlib Figure.
    Explained in 06_results.
    """
    frame = pd.DataFrame({name: table.set_index("fold")[metric] for name, table in per_fold.items()})
    fig, ax = plt.subplots(figsize=(7, 3.4))
    frame.plot.bar(ax=ax, rot=0)
    ax.set(ylabel=metric.upper(), xlabel="test fold", title=title, ylim=(0, 1))
    ax.legend(fontsize=8)
    return fig
