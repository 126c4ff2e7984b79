"""Train/test folds over a corpus table: leave-one-session-out, the thesis split, random folds, and a
corpus's official split (MELD's train / dev / test).

Every fold is a ``Fold`` holding positional row indices into the table. Session folds leave one value
of the table's ``session`` column out (any number of groups), so both speakers of the test session are
unseen in training. Random folds put the same speakers on both sides and say so.
Explained in 01_data_exploration.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.model_selection import LeaveOneGroupOut, StratifiedKFold

PROTOCOLS = ("session", "thesis", "random", "official", "holdout")


@dataclass(frozen=True)
class Fold:
    """One train/test partition: positional row indices into the table.

    ``name``: e.g. "session 5"; ``train`` / ``test``: int arrays (n_train,) / (n_test,);
    ``speaker_independent``: no speaker is on both sides; ``validation``: rows fixed for early stopping
    (an official dev set), or None to carve them out of ``train`` by speaker.
    Explained in 01_data_exploration.
    """

    name: str
    train: np.ndarray
    test: np.ndarray
    speaker_independent: bool
    validation: np.ndarray | None = None


def session_folds(table: pd.DataFrame) -> list[Fold]:
    """Leave one ``session`` group out (5 folds on IEMOCAP); speakers must not span groups.

    ``table``: a corpus table (session, speaker). Returns one ``Fold`` per session value, in sorted order,
    named "session <value>"; raises ``ValueError`` for fewer than two sessions or a speaker in several.
    Explained in 01_data_exploration.
    """
    groups = table["session"].to_numpy()
    if len(np.unique(groups)) < 2:
        raise ValueError("Leave-one-session-out needs at least two distinct values in 'session'")
    folds = []
    for train, test in LeaveOneGroupOut().split(table, groups=groups):
        name = f"session {groups[test[0]]}"
        shared = _shared_speakers(table, train, test)
        if shared:
            hint = " (the corpus has an official split: use protocol='official')" if _has_split(table) else ""
            raise ValueError(
                f"Speaker(s) {shared[:5]} appear in more than one session group, so fold '{name}' would not "
                f"be speaker-independent; give each speaker a single 'session' value{hint}"
            )
        folds.append(Fold(name, train, test, speaker_independent=True))
    return folds


def thesis_split(table: pd.DataFrame) -> list[Fold]:
    """The thesis split: train on sessions 1-4, test on session 5 (one fold).

    ``table``: a corpus table (session, speaker); rows of other sessions (RAVDESS's group 6) are in neither
    part, with a warning. Returns ``[Fold("sessions 1-4 / 5", ...)]``; raises ``ValueError`` when either
    part is empty. Explained in 01_data_exploration.
    """
    sessions = table["session"].to_numpy()
    test = np.flatnonzero(sessions == 5)
    train = np.flatnonzero(np.isin(sessions, [1, 2, 3, 4]))
    if len(test) == 0 or len(train) == 0:
        present = sorted(pd.unique(table["session"]).tolist(), key=str)
        raise ValueError(f"The thesis split needs sessions 1-4 and 5; the table has sessions {present}")
    unused = len(table) - len(train) - len(test)
    if unused:
        others = sorted(set(table["session"]) - {1, 2, 3, 4, 5}, key=str)
        warnings.warn(
            f"The thesis split leaves out {unused} row(s) of session(s) {others}; protocol 'holdout' holds "
            "out the last session group instead",
            stacklevel=2,
        )
    return [
        Fold("sessions 1-4 / 5", train, test, speaker_independent=not _shared_speakers(table, train, test))
    ]


def random_folds(table: pd.DataFrame, n_splits: int = 5, seed: int = 0) -> list[Fold]:
    """Stratified random folds over utterances; warns: the same speakers are on both sides.

    ``table``: a corpus table (label); ``seed`` shuffles. Returns ``n_splits`` Folds named "random i/n",
    stratified by ``label``, each with ``speaker_independent=False``.
    Explained in 01_data_exploration.
    """
    warnings.warn(
        "Random folds are speaker-dependent: the same speakers (and, for scripted dialogs, the same "
        "sentences) are in training and test, so scores read higher than leave-one-session-out.",
        stacklevel=2,
    )
    splitter = StratifiedKFold(n_splits=n_splits, shuffle=True, random_state=seed)
    labels = table["label"].to_numpy()
    return [
        Fold(f"random {i + 1}/{n_splits}", train, test, speaker_independent=False)
        for i, (train, test) in enumerate(splitter.split(np.zeros(len(labels)), labels))
    ]


def official_split(table: pd.DataFrame) -> list[Fold]:
    """A corpus's own split, from its ``split`` column: train -> test, with dev (if any) for early stopping.

    ``table``: a corpus table with ``split`` values ``"train"``, ``"test"`` and optionally ``"dev"`` (MELD).
    Returns ``[Fold("official train / test", ...)]`` whose ``validation`` holds the dev rows (None without
    them); ``speaker_independent`` says whether speakers are shared (on MELD they are: the Friends cast
    speaks in every split). Raises ``ValueError`` when the table has no train or no test rows.
    Explained in 04_text_model.
    """
    split = table["split"].to_numpy() if "split" in table.columns else np.full(len(table), None)
    train, test, dev = (np.flatnonzero(split == name) for name in ("train", "test", "dev"))
    if len(train) == 0 or len(test) == 0:
        raise ValueError(
            "The 'official' protocol needs a 'split' column with train and test rows (as MELD's)"
        )
    independent = not _shared_speakers(table, train, test)
    return [Fold("official train / test", train, test, independent, dev if len(dev) else None)]


def holdout_split(table: pd.DataFrame) -> list[Fold]:
    """One held-out fold on any corpus: the thesis split on IEMOCAP (train sessions 1-4, test 5), the
    official split where a corpus has one (MELD), else every ``session`` group but the last for training
    and the last for test (RAVDESS: actors 1-20 / 21-24). Returns a list of one ``Fold``.
    Explained in 07_try_it.
    """
    if _has_split(table):
        return official_split(table)
    sessions = sorted(pd.unique(table["session"]).tolist())
    if set(sessions) == {1, 2, 3, 4, 5}:
        return thesis_split(table)
    if len(sessions) < 2:
        raise ValueError("A held-out split needs at least two distinct values in 'session'")
    values = table["session"].to_numpy()
    test = np.flatnonzero(values == sessions[-1])
    train = np.flatnonzero(values != sessions[-1])
    trained_on = f"sessions {sessions[0]}-{sessions[-2]}" if len(sessions) > 2 else f"session {sessions[0]}"
    name = f"{trained_on} / {sessions[-1]}"
    return [Fold(name, train, test, speaker_independent=not _shared_speakers(table, train, test))]


def default_protocol(table: pd.DataFrame) -> str:
    """The protocol a corpus is scored with: ``"official"`` when it has an official split (MELD), else
    ``"session"`` (leave one speaker group out). Explained in 04_text_model.
    """
    return "official" if _has_split(table) else "session"


def make_folds(table: pd.DataFrame, protocol: str | list[Fold] | None = None, seed: int = 0) -> list[Fold]:
    """Folds for ``protocol``: ``"session"``, ``"thesis"``, ``"random"``, ``"official"``, ``"holdout"``, a
    list of ``Fold`` (kept), or None for the corpus's own (``default_protocol``).

    ``table``: a corpus table; ``seed``: for ``"random"`` only. Returns a list of ``Fold``.
    Explained in 03_audio_model.
    """
    if protocol is None:
        protocol = default_protocol(table)
    if isinstance(protocol, list):
        if not protocol or not all(isinstance(f, Fold) for f in protocol):
            raise ValueError("a custom protocol is a non-empty list of Fold objects")
        return protocol
    if protocol == "session":
        return session_folds(table)
    if protocol == "thesis":
        return thesis_split(table)
    if protocol == "random":
        return random_folds(table, seed=seed)
    if protocol == "official":
        return official_split(table)
    if protocol == "holdout":
        return holdout_split(table)
    raise ValueError(f"protocol must be one of {PROTOCOLS}, got {protocol!r}")


def validation_split(
    table: pd.DataFrame, train: np.ndarray, fraction: float = 0.15, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Carve a validation set out of ``train`` by whole speakers (for early stopping).

    ``train``: positional row indices into ``table`` (a fold's ``train``), at least two speakers among them.
    Speakers are visited in a seeded random order and each is taken when it brings the validation rows
    closer to ``fraction`` of the training rows (at least one speaker, at least one left for fitting).
    Counting rows, not speakers, matters when a few speakers hold most of the data (TV dialogue): a
    fraction of the speakers could otherwise give a validation set of a handful of utterances.
    Returns (fit rows, validation rows): int arrays of positional indices into the table that split
    ``train`` (its order kept). Explained in 03_audio_model.
    """
    speakers = table["speaker"].to_numpy()[train]
    names, counts = np.unique(speakers, return_counts=True)
    if len(names) < 2:
        raise ValueError("A validation split by speaker needs at least two training speakers")
    order = np.random.default_rng(seed).permutation(len(names))
    target, total, chosen = fraction * len(train), 0, []
    for i in order:
        if abs(total + counts[i] - target) < abs(total - target):
            chosen.append(i)
            total += counts[i]
    chosen = chosen[: len(names) - 1] or [order[0]]
    in_validation = np.isin(speakers, names[chosen])
    return train[~in_validation], train[in_validation]


def fit_and_validation(
    table: pd.DataFrame, fold: Fold, fraction: float = 0.15, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """The rows a fold's network is fitted on and the rows that stop its training early.

    A fold's own ``validation`` rows when it has them (MELD's dev set); else whole training speakers
    (``validation_split``); with a single training speaker (TESS) no validation rows at all (empty array).
    Returns (fit rows, validation rows), positional indices into ``table``. Explained in 03_audio_model.
    """
    if fold.validation is not None:
        return fold.train, fold.validation
    try:
        return validation_split(table, fold.train, fraction=fraction, seed=seed)
    except ValueError:
        return fold.train, np.array([], dtype=int)


def _has_split(table: pd.DataFrame) -> bool:
    return "split" in table.columns and bool(table["split"].isin(["train", "test"]).any())


def _shared_speakers(table: pd.DataFrame, train: np.ndarray, test: np.ndarray) -> list[str]:
    speakers = table["speaker"].to_numpy()
    return sorted(set(speakers[train]) & set(speakers[test]))
