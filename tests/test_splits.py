"""Folds: speaker independence, coverage, and the warnings users should see."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pathos_lib.corpus import load_iemocap
from pathos_lib.splits import make_folds, random_folds, session_folds, thesis_split, validation_split


@pytest.fixture(scope="module")
def table(synthetic_root):
    return load_iemocap(synthetic_root)


def test_session_folds_are_speaker_independent_and_cover_every_row(table):
    folds = session_folds(table)
    assert [f.name for f in folds] == [f"session {s}" for s in range(1, 6)]
    speakers = table["speaker"].to_numpy()
    for fold in folds:
        assert not set(speakers[fold.train]) & set(speakers[fold.test])
        assert len(set(fold.train) | set(fold.test)) == len(table)
        assert fold.speaker_independent
    assert sorted(np.concatenate([f.test for f in folds]).tolist()) == list(range(len(table)))


def test_any_number_of_groups():
    custom = pd.DataFrame({"speaker": list("aabbcc"), "session": [7, 7, 8, 8, 9, 9], "label": list("xyxyxy")})
    assert [f.name for f in session_folds(custom)] == ["session 7", "session 8", "session 9"]
    with pytest.raises(ValueError, match="at least two"):
        session_folds(custom.assign(session=1))


def test_speaker_in_two_groups_is_an_error():
    custom = pd.DataFrame({"speaker": list("aabb"), "session": [1, 2, 2, 1], "label": list("xyxy")})
    with pytest.raises(ValueError, match=r"Speaker\(s\) \['a', 'b'\] appear in more than one session"):
        session_folds(custom)


def test_thesis_split(table):
    (fold,) = thesis_split(table)
    assert set(table["session"].iloc[fold.test]) == {5}
    assert set(table["session"].iloc[fold.train]) == {1, 2, 3, 4}
    assert fold.speaker_independent
    with pytest.raises(ValueError, match="needs sessions 1-4 and 5"):
        thesis_split(table[table["session"] < 5])


def test_random_folds_warn_and_stratify(table):
    with pytest.warns(UserWarning, match="speaker-dependent"):
        folds = random_folds(table, n_splits=5, seed=0)
    assert not any(f.speaker_independent for f in folds)
    overall = table["label"].value_counts(normalize=True)
    for fold in folds:
        share = table["label"].iloc[fold.test].value_counts(normalize=True)
        assert (share - overall).abs().max() < 0.1


def test_make_folds_dispatch(table):
    assert len(make_folds(table, "session")) == 5 and len(make_folds(table, "thesis")) == 1
    with pytest.raises(ValueError, match="protocol must be one of"):
        make_folds(table, "loso")


def test_validation_split_keeps_speakers_apart(table):
    fold = session_folds(table)[0]
    fit, validation = validation_split(table, fold.train, seed=0)
    speakers = table["speaker"].to_numpy()
    assert len(validation) > 0 and not set(speakers[fit]) & set(speakers[validation])
    assert sorted(np.concatenate([fit, validation]).tolist()) == sorted(fold.train.tolist())


def test_validation_split_counts_utterances_not_speakers():
    """A few speakers holding most rows (TV dialogue) must not leave a validation set of a handful of rows."""
    speakers = ["main1"] * 400 + ["main2"] * 400 + ["main3"] * 400 + [f"extra{i}" for i in range(300)]
    table = pd.DataFrame({"speaker": speakers})
    train = np.arange(len(table))
    for seed in range(5):
        fit, validation = validation_split(table, train, fraction=0.15, seed=seed)
        assert 0.1 <= len(validation) / len(train) <= 0.3, (seed, len(validation))
        assert not set(table["speaker"][fit]) & set(table["speaker"][validation])
        assert len(fit) + len(validation) == len(train)


def test_validation_split_needs_two_speakers():
    table = pd.DataFrame({"speaker": ["only"] * 10})
    with pytest.raises(ValueError, match="at least two training speakers"):
        validation_split(table, np.arange(10))
