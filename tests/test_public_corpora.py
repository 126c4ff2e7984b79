"""The public-corpus loaders (RAVDESS, CREMA-D, TESS, EmoDB, MELD) on tiny trees with the real naming rules.

The trees are written at test time by ``public_fixtures``; shared ones are module-scoped and only read.
A test that changes a tree builds its own under ``tmp_path``.
"""

from __future__ import annotations

import os
import re
import shutil
import warnings
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import soundfile as sf
from public_fixtures import (
    EMODB_SPEAKER_FILES,
    MELD_FILES,
    RAVDESS_SPEECH,
    SECONDS,
    TONE_HZ,
    cremad_sex,
    emodb_complete_names,
    make_cremad,
    make_emodb,
    make_meld,
    make_ravdess,
    make_tess,
    meld_rows,
    mp4_bytes,
    ravdess_actor_dir,
    ravdess_names,
    tess_folder,
    video_only_mp4_bytes,
    write_audio,
    write_meld_csv,
    write_mp4,
)

from pathos_lib.audio import SAMPLE_RATE, decode_to_wav, load_audio
from pathos_lib.corpus import load_corpus
from pathos_lib.corpus_facts import COLUMNS, FACTS, detect_corpus
from pathos_lib.public_corpora import useful_modalities
from pathos_lib.splits import default_protocol, make_folds, official_split

CORPORA = ("ravdess", "cremad", "tess", "emodb", "meld")
ROOT_FIXTURE = {  # corpus -> the module-scoped fixture that builds it
    "ravdess": "ravdess_root",
    "cremad": "cremad_root",
    "tess": "tess_root",
    "emodb": "emodb_root",
    "meld": "meld_text",
}
CREMAD_ACTORS = (1001, 1002, 1019, 1020, 1046, 1091)  # fold groups 1, 1, 1, 2, 3, 5
EMODB_EMOTION_OF = {
    "W": "anger",
    "L": "boredom",
    "E": "disgust",
    "A": "fear",
    "F": "happiness",
    "T": "sadness",
    "N": "neutral",
}


def load(name, root=None, **kwargs) -> pd.DataFrame:
    """``load_corpus`` with its summary warning silenced (partial fixtures always warn; the tests of the
    warning itself use ``pytest.warns``)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return load_corpus(name, root, **kwargs)


def by_id(table: pd.DataFrame) -> pd.DataFrame:
    return table.set_index("utt_id")


def listed(items: list[str], path: Path | str) -> list[str]:
    """The report entries about ``path`` ("path: why" entries, or bare paths)."""
    return [item for item in items if item == str(path) or item.startswith(f"{path}:")]


# ---------------------------------------------------------------------------------------------------------
# shared trees (read only)


@pytest.fixture(scope="module")
def ravdess_root(tmp_path_factory) -> Path:
    """The complete audio-only speech release: 24 actors x 60 files (0.05 s each, to stay small)."""
    return make_ravdess(tmp_path_factory.mktemp("ravdess"), seconds=0.05)


@pytest.fixture(scope="module")
def cremad_root(tmp_path_factory) -> Path:
    return make_cremad(tmp_path_factory.mktemp("cremad"), actors=CREMAD_ACTORS, seconds=0.05)


@pytest.fixture(scope="module")
def tess_root(tmp_path_factory) -> Path:
    return make_tess(tmp_path_factory.mktemp("tess"), words=("back", "bar", "base"))


@pytest.fixture(scope="module")
def emodb_root(tmp_path_factory) -> Path:
    """The release's 535 files with its count per speaker."""
    return make_emodb(tmp_path_factory.mktemp("emodb"), emodb_complete_names(), seconds=0.05)


@pytest.fixture(scope="module")
def meld_text(tmp_path_factory) -> Path:
    """The three CSVs (7 rows each, every emotion once per split), no clip folders."""
    return make_meld(tmp_path_factory.mktemp("meld_text"), rows_per_split=7, clips=False)


@pytest.fixture(scope="module")
def meld_clips(tmp_path_factory) -> Path:
    return make_meld(tmp_path_factory.mktemp("meld_clips"), rows_per_split=7, clips=True)


@pytest.fixture
def data_dir(tmp_path, monkeypatch) -> Path:
    """Decoded clips go here, never into the checkout's data/."""
    monkeypatch.setenv("PATHOS_DATA", str(tmp_path / "data"))
    return tmp_path / "data"


# ---------------------------------------------------------------------------------------------------------
# 1. what each corpus's names say


def test_ravdess_names_parsed(ravdess_root):
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)  # the complete release: nothing to warn about
        table = load_corpus("ravdess", ravdess_root, labels="all")
    assert list(table.columns) == [*COLUMNS, "channel", "repetition"]
    assert len(table) == 1440 and table["utt_id"].is_unique and table["utt_id"].is_monotonic_increasing
    rows = by_id(table)
    angry = rows.loc["03-01-05-02-01-01-12"]
    assert (angry["emotion"], angry["label"], angry["intensity"]) == ("angry", "angry", "strong")
    assert (angry["statement"], angry["transcript"]) == ("01", "Kids are talking by the door.")
    assert (angry["speaker"], angry["gender"], angry["session"]) == ("Actor_12", "F", 3)
    assert (angry["channel"], angry["repetition"], angry["language"]) == ("speech", 1, "en")
    assert angry["sample_rate"] == 48_000 and angry["duration"] == pytest.approx(0.05)
    assert angry["wav_path"] == str(ravdess_actor_dir(ravdess_root, 12) / "03-01-05-02-01-01-12.wav")
    assert angry["has_wav"] and angry["has_transcript"]
    calm = rows.loc["03-01-02-01-02-02-07"]
    assert (calm["emotion"], calm["intensity"], calm["statement"]) == ("calm", "normal", "02")
    assert calm["transcript"] == "Dogs are sitting by the door."
    assert (calm["speaker"], calm["gender"], calm["session"], calm["repetition"]) == ("Actor_07", "M", 2, 2)
    assert table.groupby("speaker").size().eq(60).all()
    assert table["emotion"].value_counts().to_dict() == {
        "neutral": 96,
        **{e: 192 for e in ("calm", "happy", "sad", "angry", "fearful", "disgust", "surprised")},
    }
    for session, group in table.groupby("session"):  # 6 groups of 4 consecutive actors, 2 F and 2 M
        numbers = sorted(int(s[-2:]) for s in group["speaker"].unique())
        assert numbers == list(range(4 * session - 3, 4 * session + 1))
        assert Counter(group.drop_duplicates("speaker")["gender"]) == {"F": 2, "M": 2}
    report = table.attrs["report"]
    assert (report.found, report.expected, report.short) == (1440, 1440, [])
    assert table.attrs["corpus"] == "ravdess"
    assert "found 1,440 of the 1,440" in str(report)


def test_ravdess_song_only_on_request(tmp_path):
    root = make_ravdess(tmp_path, actors=[1], song=True)
    speech = load("ravdess", root, labels="all")
    assert len(speech) == 60 and set(speech["channel"]) == {"speech"}
    assert any("song files left out" in note and "44" in note for note in speech.attrs["report"].notes)
    both = load("ravdess", root, labels="all", song=True)
    assert Counter(both["channel"]) == {"speech": 60, "song": 44}
    assert both.attrs["report"].expected == 1440 + 1012
    song = by_id(both).loc["03-02-03-02-01-01-01"]
    assert (song["emotion"], song["intensity"], song["channel"]) == ("happy", "strong", "song")
    with pytest.raises(ValueError, match="song"):
        load_corpus("tess", tmp_path, song=True)


def test_cremad_names_parsed(cremad_root):
    table = load("cremad", cremad_root, labels="all")
    assert list(table.columns) == list(COLUMNS)
    assert len(table) == 82 * len(CREMAD_ACTORS)  # 11 sentences x 6 emotions + IEO: 5 x 3 levels + neutral
    rows = by_id(table)
    jacket = rows.loc["1001_DFA_ANG_XX"]
    assert (jacket["emotion"], jacket["intensity"], jacket["statement"]) == ("anger", "unspecified", "DFA")
    assert jacket["transcript"] == "Don't forget a jacket."
    assert (jacket["speaker"], jacket["gender"], jacket["session"]) == ("1001", "M", 1)
    assert (jacket["sample_rate"], jacket["language"]) == (16_000, "en")
    assert [rows.loc[f"1002_IEO_HAP_{lv}", "intensity"] for lv in ("LO", "MD", "HI")] == [
        "low",
        "medium",
        "high",
    ]
    assert rows.loc["1002_IEO_HAP_LO", "transcript"] == "It's eleven o'clock."
    assert rows.loc["1002_WSI_NEU_XX", "transcript"] == "We'll stop in a couple of minutes."
    assert rows.loc["1002_TSI_DIS_XX", "emotion"] == "disgust"
    for actor in CREMAD_ACTORS:
        assert set(table.loc[table["speaker"] == str(actor), "gender"]) == {cremad_sex(actor)[0]}
    sessions = table.drop_duplicates("speaker").set_index("speaker")["session"].to_dict()
    assert sessions == {"1001": 1, "1002": 1, "1019": 1, "1020": 2, "1046": 3, "1091": 5}
    assert not any("VideoDemographics" in n for n in table.attrs["report"].notes)


def test_cremad_without_demographics_leaves_gender_empty_and_says_so(tmp_path):
    root = make_cremad(tmp_path, actors=[1001], sentences=["DFA"], demographics=False)
    table = load("cremad", root, labels="all")
    assert len(table) == 6 and table["gender"].isna().all()
    assert any("VideoDemographics.csv" in note for note in table.attrs["report"].notes)


def test_tess_names_parsed(tess_root):
    table = load("tess", tess_root, labels="all")
    assert list(table.columns) == list(COLUMNS)
    assert len(table) == 2 * 7 * 3
    rows = by_id(table)
    back = rows.loc["OAF_back_angry"]
    assert (back["transcript"], back["statement"], back["emotion"]) == ("Say the word back.", "back", "angry")
    assert (back["speaker"], back["gender"], back["session"]) == ("OAF", "F", 1)
    assert back["sample_rate"] == 24_414
    young = rows.loc["YAF_base_sad"]
    assert (young["speaker"], young["session"], young["transcript"]) == ("YAF", 2, "Say the word base.")
    # the release spells its folders OAF_Fear, OAF_Pleasant_surprise, YAF_pleasant_surprised; files say "ps"
    assert rows.loc["OAF_bar_fear", "emotion"] == "fear"
    assert {rows.loc[f"{s}_bar_pleasant_surprise", "emotion"] for s in ("OAF", "YAF")} == {
        "pleasant_surprise"
    }
    assert table["emotion"].value_counts().eq(6).all() and table["emotion"].nunique() == 7
    assert Counter(table["session"]) == {1: 21, 2: 21}


def test_emodb_names_parsed(emodb_root):
    with warnings.catch_warnings():
        warnings.simplefilter(
            "error", UserWarning
        )  # the release's count for every speaker: nothing to warn about
        table = load_corpus("emodb", emodb_root, labels="all")
    assert list(table.columns) == list(COLUMNS) and len(table) == 535
    rows = by_id(table)
    anger = rows.loc["03a01Wa"]
    assert (anger["emotion"], anger["statement"], anger["language"]) == ("anger", "a01", "de")
    assert anger["transcript"] == "Der Lappen liegt auf dem Eisschrank."
    assert (anger["speaker"], anger["gender"], anger["session"]) == ("03", "M", 1)
    assert rows.loc["03b01Ta", "transcript"] == "Was sind denn das für Tüten, die da unter dem Tisch stehen?"
    assert rows.loc["03b01Ta", "emotion"] == "sadness"
    pairs = table.drop_duplicates("speaker").set_index("speaker")[["session", "gender"]]
    assert pairs.to_dict("index") == {
        "03": {"session": 1, "gender": "M"},
        "08": {"session": 1, "gender": "F"},
        "10": {"session": 2, "gender": "M"},
        "09": {"session": 2, "gender": "F"},
        "11": {"session": 3, "gender": "M"},
        "13": {"session": 3, "gender": "F"},
        "12": {"session": 4, "gender": "M"},
        "14": {"session": 4, "gender": "F"},
        "15": {"session": 5, "gender": "M"},
        "16": {"session": 5, "gender": "F"},
    }
    assert table.groupby("speaker").size().to_dict() == EMODB_SPEAKER_FILES
    expected = Counter(EMODB_EMOTION_OF[name[5]] for name in emodb_complete_names())
    assert Counter(table["emotion"]) == expected
    assert table.attrs["report"].short == []


def test_meld_text_only(meld_text):
    table = load("meld", meld_text, labels="all")
    assert list(table.columns) == [*COLUMNS, "dialog", "sentiment", "season", "episode", "start", "end"]
    assert len(table) == 21
    rows = by_id(table)
    first = rows.loc["train_dia0_utt0"]
    csv_row = meld_rows("train", 7)[0]
    assert (first["session"], first["split"], first["dialog"]) == ("train", "train", "train_dia0")
    assert (first["transcript"], first["speaker"]) == (csv_row["Utterance"], csv_row["Speaker"])
    assert (first["emotion"], first["sentiment"]) == ("neutral", "neutral")
    assert (first["season"], first["episode"], first["start"]) == ("8", "21", "00:16:00,059")
    assert rows.loc["test_dia3_utt0", "emotion"] == meld_rows("test", 7)[6]["Emotion"]
    assert (table["session"] == table["split"]).all()
    assert Counter(table["split"]) == {"train": 7, "dev": 7, "test": 7}
    assert not table["has_wav"].any() and table["wav_path"].isna().all()
    assert table["has_transcript"].all()
    report = table.attrs["report"]
    assert any("text only" in note for note in report.notes)
    assert report.missing_clips == []  # no clip folders: nothing is missing, the corpus is text-only


def test_meld_with_clips_points_at_the_mp4(meld_clips):
    table = load("meld", meld_clips, labels="all")
    assert len(table) == 21 and table["has_wav"].all()
    rows = by_id(table)
    for split, (_, folder) in MELD_FILES.items():
        assert rows.loc[f"{split}_dia1_utt1", "wav_path"] == str(meld_clips / folder / "dia1_utt1.mp4")
    report = table.attrs["report"]
    assert report.missing_clips == [] and report.unreadable == []
    assert not any("text only" in note for note in report.notes)


def test_meld_clip_folders_one_level_down(tmp_path):
    root = make_meld(tmp_path / "MELD.Raw", rows_per_split=2, splits=["train"], clips=True)
    (root / "train").mkdir()
    (root / "train_splits").rename(root / "train" / "train_splits")
    table = load("meld", root, labels="all")
    clips = root / "train" / "train_splits"
    assert table["wav_path"].tolist() == [str(clips / "dia0_utt0.mp4"), str(clips / "dia0_utt1.mp4")]
    assert table["has_wav"].all() and table.attrs["report"].missing_clips == []


def test_meld_some_clip_folders_missing_is_reported(tmp_path):
    root = make_meld(tmp_path, rows_per_split=3, clips=True)
    for split in ("dev", "test"):
        shutil.rmtree(root / MELD_FILES[split][1])
    table = load("meld", root, labels="all")
    assert table.loc[table["split"] == "train", "has_wav"].all()
    assert not table.loc[table["split"] != "train", "has_wav"].any()
    report = str(table.attrs["report"])
    assert "dev_splits_complete" in report and "output_repeated_splits_test" in report


def test_meld_some_csvs_missing(tmp_path):
    root = make_meld(tmp_path, rows_per_split=3, splits=["train", "test"], clips=False)
    table = load("meld", root, labels="all")
    assert set(table["split"]) == {"train", "test"}
    report = table.attrs["report"]
    assert report.expected == 13708  # the release's count: a missing CSV is a partial download
    assert "dev_sent_emo.csv: not found (0 of 1109 rows)" in report.short
    with pytest.warns(UserWarning, match="partial download.*dev_sent_emo.csv: not found"):
        load_corpus("meld", root, labels="all")


def test_meld_csvs_where_the_official_archives_unpack_them(tmp_path):
    """MELD.Raw.tar.gz holds train.tar.gz, which unpacks to train/train_sent_emo.csv and train_splits/."""
    make_meld(tmp_path, rows_per_split=3, clips=True)
    (tmp_path / "train").mkdir()
    for name in ("train_sent_emo.csv", "train_splits"):
        shutil.move(tmp_path / name, tmp_path / "train" / name)
    table = load("meld", tmp_path, labels="all")
    assert table.groupby("split").size().to_dict() == {"dev": 3, "test": 3, "train": 3}
    assert table["has_wav"].all()


def test_meld_durations_come_from_the_timestamps(meld_text):
    table = by_id(load("meld", meld_text, labels="all"))
    assert table.loc["train_dia0_utt0", "duration"] == pytest.approx(1.062)  # 00:16:00,059 -> 00:16:01,121


def test_meld_text_of_mixed_encodings_is_kept_as_is_and_noted(tmp_path):
    """A real accent beside double-encoded text: no single re-decoding repairs it, so nothing is changed."""
    mixed = "café â\x80\x99 x"
    root = make_meld(tmp_path, rows_per_split=2, clips=False, utterances={("train", 0): mixed})
    table = by_id(load("meld", root, labels="all"))
    assert table.loc["train_dia0_utt0", "transcript"] == mixed
    assert any("kept as is" in note for note in table.attrs["report"].notes)


def test_unreadable_demographics_leave_gender_empty_and_say_which_file(tmp_path):
    make_cremad(tmp_path, actors=[1001], seconds=0.05)
    demographics = tmp_path / "VideoDemographics.csv"
    demographics.write_text('ActorID,Age,Sex\n1001,51,"Male\n')  # an unclosed quote
    table = load("cremad", tmp_path, labels="all")
    assert table["gender"].isna().all()
    assert any(
        note.startswith(f"{demographics} is not a readable CSV") for note in table.attrs["report"].notes
    )


def test_meld_repeated_row_names_both_rows(tmp_path):
    rows = meld_rows("train", 2)
    rows[1]["Dialogue_ID"], rows[1]["Utterance_ID"] = rows[0]["Dialogue_ID"], rows[0]["Utterance_ID"]
    write_meld_csv(tmp_path / "train_sent_emo.csv", rows)
    with pytest.raises(ValueError, match=r"row 2 \(Sr No. 2\) repeats dia0_utt0 of .*row 1 \(Sr No. 1\)"):
        load("meld", tmp_path)


def test_meld_final_videos_test_clips_are_named_in_the_report(tmp_path):
    root = make_meld(tmp_path, rows_per_split=2, clips=True)
    extra = write_mp4(root / MELD_FILES["test"][1] / "final_videos_testdia0_utt0.mp4")
    report = load("meld", root, labels="all").attrs["report"]
    assert any(item.startswith(str(extra)) and "final_videos_test" in item for item in report.ignored)
    assert not listed(report.not_following_rule, extra)


# ---------------------------------------------------------------------------------------------------------
# 2. label schemes

STANDARD4_DROPPED = {
    "ravdess": {"calm", "fearful", "disgust", "surprised"},
    "cremad": {"disgust", "fear"},
    "tess": {"disgust", "fear", "pleasant_surprise"},
    "emodb": {"boredom", "disgust", "fear"},
    "meld": {"disgust", "fear", "surprise"},
}


@pytest.mark.parametrize("name", CORPORA)
def test_standard4_on_every_corpus(name, request):
    root = request.getfixturevalue(ROOT_FIXTURE[name])
    everything = load(name, root, labels="all")
    assert set(everything["emotion"]) == set(everything["label"])
    assert (everything["label"] == everything["emotion"]).all()
    table = load(name, root)
    assert set(table["label"]) == {"ang", "hap", "neu", "sad"}
    dropped = table.attrs["report"].dropped_by_emotion
    assert set(dropped) == STANDARD4_DROPPED[name]
    assert dropped == {e: int((everything["emotion"] == e).sum()) for e in dropped}
    assert len(table) + sum(dropped.values()) == len(everything)
    assert not table["emotion"].isin(STANDARD4_DROPPED[name]).any()
    for emotion, group in table.groupby("emotion"):  # one class per emotion
        assert group["label"].nunique() == 1, emotion


def test_ravdess_calm_is_not_neutral(ravdess_root):
    table = load("ravdess", ravdess_root)
    assert set(table.loc[table["label"] == "neu", "emotion"]) == {"neutral"}
    assert (table["label"] == "neu").sum() == 96
    assert table.attrs["report"].dropped_by_emotion["calm"] == 192


@pytest.mark.parametrize("name", CORPORA)
def test_thesis_scheme_is_iemocap_only(name, tmp_path):
    with pytest.raises(ValueError, match="IEMOCAP"):
        load_corpus(name, tmp_path, labels="thesis")


@pytest.mark.parametrize("name", CORPORA)
def test_label_map_with_an_emotion_the_corpus_lacks(name, tmp_path):
    with pytest.raises(ValueError, match="excited"):
        load_corpus(name, tmp_path, labels={"excited": "hap"})


def test_custom_label_map(ravdess_root):
    table = load(
        "ravdess", ravdess_root, labels={"angry": "negative", "sad": "negative", "happy": "positive"}
    )
    assert Counter(table["label"]) == {"negative": 384, "positive": 192}
    assert sum(table.attrs["report"].dropped_by_emotion.values()) == 1440 - 576


# ---------------------------------------------------------------------------------------------------------
# 3. roots


@pytest.mark.parametrize("name", CORPORA)
def test_root_from_the_environment_variable(name, request, monkeypatch):
    root = request.getfixturevalue(ROOT_FIXTURE[name])
    variable = FACTS[name].root_variable
    assert variable == f"{name.upper()}_ROOT"
    monkeypatch.delenv(variable, raising=False)
    with pytest.raises(FileNotFoundError, match=f"{variable} is not set"):
        load_corpus(name)
    monkeypatch.setenv(variable, str(root))
    from_env = load(name)
    pd.testing.assert_frame_equal(from_env, load(name, root))
    assert from_env.attrs["report"].root == str(root)


WRONG_ROOTS = [  # (corpus loaded, fixture of another corpus, what the message should say)
    ("cremad", "ravdess_root", "ravdess"),
    ("ravdess", "cremad_root", "cremad"),
    ("tess", "emodb_root", "emodb"),
    ("emodb", "tess_root", "tess"),
    ("meld", "ravdess_root", "ravdess"),
    ("ravdess", "meld_text", "meld"),
    ("cremad", "tess_root", "tess"),
]


@pytest.mark.parametrize(("name", "fixture", "other"), WRONG_ROOTS)
def test_wrong_root_names_the_layout_and_the_corpus_it_looks_like(name, fixture, other, request):
    root = request.getfixturevalue(fixture)
    with pytest.raises(FileNotFoundError) as error:
        load_corpus(name, root)
    message = str(error.value)
    assert f"expected {FACTS[name].layout}" in message
    assert f"this looks like {other}" in message
    assert detect_corpus(root) == other


@pytest.mark.parametrize("name", ["cremad", "emodb", "meld"])
def test_a_root_one_level_too_high_names_the_folder_to_pass(name, tmp_path):
    inner = tmp_path / "download" / name.upper()
    {"cremad": lambda: make_cremad(inner, actors=[1001], seconds=0.05),
     "emodb": lambda: make_emodb(inner, ["03a01Wa.wav"], seconds=0.05),
     "meld": lambda: make_meld(inner / "nested", rows_per_split=2, clips=False)}[name]()  # fmt: skip
    expected = inner / "nested" if name == "meld" else inner
    with pytest.raises(FileNotFoundError, match=f"pass {re.escape(str(expected))} as the root"):
        load_corpus(name, tmp_path)


@pytest.mark.parametrize("name", CORPORA)
def test_empty_or_absent_root(name, tmp_path):
    with pytest.raises(FileNotFoundError, match="holds nothing"):
        load_corpus(name, tmp_path)
    (tmp_path / "notes.txt").write_text("my notes")
    with pytest.raises(FileNotFoundError, match=r"holds \['notes.txt'\]"):
        load_corpus(name, tmp_path)
    with pytest.raises(FileNotFoundError, match="does not exist"):
        load_corpus(name, tmp_path / "nowhere")


@pytest.mark.parametrize("name", CORPORA)
def test_detect_corpus(name, request, tmp_path):
    assert detect_corpus(request.getfixturevalue(ROOT_FIXTURE[name])) == name
    assert detect_corpus(tmp_path) is None


def test_ravdess_actor_folders_at_any_depth(tmp_path):
    make_ravdess(tmp_path / "downloads" / "2024" / "unzipped", actors=[1, 2], per_actor=3)
    table = load("ravdess", tmp_path, labels="all")
    assert len(table) == 6 and set(table["speaker"]) == {"Actor_01", "Actor_02"}


def test_tess_folders_at_any_depth(tmp_path):
    make_tess(tmp_path / "kaggle" / "archive", words=["back"], speakers=["YAF"])
    table = load("tess", tmp_path, labels="all")
    assert len(table) == 7 and set(table["speaker"]) == {"YAF"}


def test_cremad_and_emodb_accept_the_audio_folder_itself(tmp_path):
    cremad = make_cremad(tmp_path / "cremad", actors=[1002], sentences=["DFA", "TSI"])
    table = load("cremad", cremad / "AudioWAV", labels="all")
    assert len(table) == 12 and set(table["gender"]) == {"F"}  # VideoDemographics.csv beside AudioWAV/
    emodb = make_emodb(tmp_path / "emodb")
    assert len(load("emodb", emodb / "wav", labels="all")) == len(load("emodb", emodb, labels="all")) == 4


def test_meld_read_from_the_folder_above_meld_raw(tmp_path):
    make_meld(tmp_path / "MELD.Raw", rows_per_split=2, clips=False)
    assert len(load("meld", tmp_path, labels="all")) == 6


def test_sessions_filter(ravdess_root, meld_text):
    table = load("ravdess", ravdess_root, labels="all", sessions=[1, 3])
    assert set(table["session"]) == {1, 3} and len(table) == 480
    with pytest.raises(ValueError, match=r"no session\(s\) \[9\]"):
        load("ravdess", ravdess_root, sessions=[9])
    dev = load("meld", meld_text, labels="all", sessions=["dev"])
    assert set(dev["split"]) == {"dev"} and len(dev) == 7


# ---------------------------------------------------------------------------------------------------------
# 4. quirks: reported, never guessed


def test_aiff_float_and_other_rate_are_read_and_noted(tmp_path):
    root = make_ravdess(tmp_path, actors=[1], per_actor=4)
    folder = ravdess_actor_dir(root, 1)
    aiff, floating, fast, plain = (folder / name for name in ravdess_names(1)[:4])
    write_audio(aiff, 48_000, format="AIFF")
    write_audio(floating, 48_000, subtype="FLOAT")
    write_audio(fast, 96_000)
    table = load("ravdess", root, labels="all")
    assert len(table) == 4 and table["has_wav"].all()
    notes = table.attrs["report"].format_notes
    for path, word in ((aiff, "AIFF"), (floating, "float"), (fast, "96000")):
        keys = [note for note, paths in notes.items() if str(path) in paths]
        assert len(keys) == 1 and word in keys[0], (path, notes)
        row = table.loc[table["wav_path"] == str(path)].iloc[0]
        assert word in row["audio_note"]
        wave = load_audio(path)
        assert wave.dtype == np.float32 and len(wave) == pytest.approx(SECONDS * SAMPLE_RATE, abs=2)
    assert not any(str(plain) in paths for paths in notes.values())
    assert table.loc[table["wav_path"] == str(plain), "audio_note"].isna().all()
    assert table.loc[table["wav_path"] == str(fast), "sample_rate"].item() == 96_000
    assert "AIFF" in str(table.attrs["report"])


def test_tess_misspelled_prefix_is_repaired_and_a_foreign_one_is_not(tmp_path):
    root = make_tess(tmp_path, words=["back"], speakers=["OAF"])
    typo = write_audio(tess_folder(root, "OAF_neutral") / "OA_bite_neutral.wav", 24_414)
    foreign = write_audio(tess_folder(root, "OAF_neutral") / "YAF_chain_neutral.wav", 24_414)
    with pytest.warns(UserWarning, match="not following the rule"):
        table = load_corpus("tess", root, labels="all")
    rows = by_id(table)
    bite = rows.loc["OAF_bite_neutral"]
    assert (bite["speaker"], bite["session"], bite["transcript"]) == ("OAF", 1, "Say the word bite.")
    assert bite["wav_path"] == str(typo)
    report = table.attrs["report"]
    assert len(listed(report.repaired, typo)) == 1 and "'OA'" in listed(report.repaired, typo)[0]
    assert len(listed(report.not_following_rule, foreign)) == 1
    assert not table["utt_id"].str.contains("chain").any() and len(table) == 8
    assert listed(report.repaired, foreign) == []


def test_unreadable_clips_are_kept_and_listed(tmp_path):
    root = make_cremad(tmp_path, actors=[1001], sentences=["DFA"])
    audio = root / "AudioWAV"
    empty, corrupt, header_only = audio / "1001_DFA_ANG_XX.wav", audio / "1001_DFA_SAD_XX.wav", None
    empty.write_bytes(b"")
    corrupt.write_bytes(np.random.default_rng(0).bytes(2000))
    header_only = audio / "1001_DFA_HAP_XX.wav"
    sf.write(header_only, np.zeros(0, np.float32), 16_000, subtype="PCM_16")  # as 1076_MTI_SAD_XX
    with pytest.warns(UserWarning, match="3 unreadable files"):
        table = load_corpus("cremad", root, labels="all")
    assert len(table) == 6
    rows = by_id(table)
    report = table.attrs["report"]
    for path, word in ((empty, "empty"), (corrupt, "unreadable"), (header_only, "no samples")):
        row = rows.loc[path.stem]
        assert not row["has_wav"] and pd.isna(row["wav_path"]) and pd.isna(row["duration"])
        assert word in row["audio_note"]
        assert len(listed(report.unreadable, path)) == 1
    assert rows["has_wav"].sum() == 3
    assert len(report.unreadable) == 3


@pytest.mark.parametrize(
    ("name", "folder"),
    [("ravdess", f"{RAVDESS_SPEECH}/Actor_01"), ("cremad", "AudioWAV"), ("emodb", "wav"), ("tess", "")],
)
def test_dot_underscore_and_other_files_are_ignored(name, folder, tmp_path):
    build = {
        "ravdess": lambda: make_ravdess(tmp_path, actors=[1], per_actor=4),
        "cremad": lambda: make_cremad(tmp_path, actors=[1001], sentences=["DFA"]),
        "emodb": lambda: make_emodb(tmp_path),
        "tess": lambda: make_tess(tmp_path, words=["back"], speakers=["OAF"]),
    }[name]
    root = build()
    where = tess_folder(root, "OAF_angry") if name == "tess" else root / folder
    before = load(name, root, labels="all")
    first = Path(before["wav_path"].iloc[0]).name
    apple = where / f"._{first}"
    apple.write_bytes(b"\x00\x05\x16\x07 AppleDouble")
    store, readme = where / ".DS_Store", where / "readme.txt"
    store.write_bytes(b"\x00\x00\x00\x01Bud1")
    readme.write_text("downloaded from ...")
    table = load(name, root, labels="all")
    pd.testing.assert_frame_equal(table, before)
    report = table.attrs["report"]
    assert {str(apple), str(store), str(readme)} <= set(report.ignored)
    assert report.unreadable == [] and not listed(report.not_following_rule, apple)


RULE_BREAKERS = [  # (corpus, file relative to the corpus's audio folder, what the report should say)
    ("ravdess", "03-01-05-01-01-01-02.wav", "actor 02 in a folder of actor 01"),
    ("ravdess", "03-01-01-02-01-01-01.wav", "neutral has no strong intensity"),
    ("ravdess", "01-01-05-01-01-01-01.wav", "modality 01"),
    ("ravdess", "03-01-09-01-01-01-01.wav", "emotion 09"),
    ("ravdess", "03-01-05-01-03-01-01.wav", "statement 03"),
    ("ravdess", "03-01-05-01-01-01.wav", "MM-VV-EE-II-SS-RR-AA"),
    ("cremad", "1001_XYZ_ANG_XX.wav", "sentence code XYZ"),
    ("cremad", "1001_DFA_CAL_XX.wav", "emotion CAL"),
    ("cremad", "1001_DFA_ANG_ZZ.wav", "level ZZ"),
    ("cremad", "1092_DFA_ANG_XX.wav", "actor 1092"),
    ("cremad", "1001-DFA-ANG-XX.wav", "AAAA_SSS_EEE_LL"),
    ("tess", "OAF_back_sad.wav", "emotion 'sad' in the name"),
    ("tess", "OAF_back.wav", "SPEAKER_word_emotion"),
    ("emodb", "03a01Xa.wav", "emotion letter X"),
    ("emodb", "04a01Wa.wav", "speaker 04"),
    ("emodb", "03a03Wa.wav", "text code a03"),
    ("emodb", "03a01W.wav", "SSTTTEV"),
]


@pytest.mark.parametrize(("name", "filename", "why"), RULE_BREAKERS)
def test_names_breaking_the_rule_are_listed_not_parsed(name, filename, why, tmp_path):
    if name == "ravdess":
        root, folder = make_ravdess(tmp_path, actors=[1], per_actor=4), ravdess_actor_dir(tmp_path, 1)
    elif name == "cremad":
        root = make_cremad(tmp_path, actors=[1001], sentences=["DFA"])
        folder = root / "AudioWAV"
    elif name == "tess":
        root, folder = (
            make_tess(tmp_path, words=["back"], speakers=["OAF"]),
            tess_folder(tmp_path, "OAF_angry"),
        )
    else:
        root, folder = make_emodb(tmp_path), tmp_path / "wav"
    before = load(name, root, labels="all")
    bad = folder / filename
    if name == "tess":  # its own emotion folder must not already hold a file of that word
        (folder / "OAF_back_angry.wav").unlink()
        before = before.loc[before["utt_id"] != "OAF_back_angry"].reset_index(drop=True)
    write_audio(bad, 16_000)
    with pytest.warns(UserWarning, match="not following the rule"):
        table = load_corpus(name, root, labels="all")
    pd.testing.assert_frame_equal(table, before, check_like=False)
    entries = listed(table.attrs["report"].not_following_rule, bad)
    assert len(entries) == 1 and why in entries[0], entries
    assert str(bad) not in set(table["wav_path"])


@pytest.mark.parametrize("name", ["ravdess", "cremad", "tess", "emodb", "meld"])
def test_partial_download_warns_and_names_what_is_short(name, tmp_path):
    if name == "ravdess":
        make_ravdess(tmp_path, actors=[1], per_actor=None)
        make_ravdess(tmp_path, actors=[2], per_actor=5)
        short, complete = ["Actor_02 speech: 5 of 60", "Actor_03 speech: 0 of 60"], "Actor_01 speech"
    elif name == "cremad":
        make_cremad(tmp_path, actors=[1001, 1002], sentences=["DFA"])
        short, complete = ["1003", "1091"], "1001"
    elif name == "tess":
        make_tess(tmp_path, words=["back", "bar", "base"], speakers=["YAF"])
        short, complete = ["YAF_angry: 3 of 200", "OAF_angry: 0 of 200", "OAF_pleasant_surprise: 0"], None
    elif name == "emodb":
        make_emodb(tmp_path, ["03a01Wa.wav", "08a01Wa.wav", "08a02Wa.wav"])
        short, complete = ["speaker 03: 1 of 49", "speaker 08: 2 of 58", "speaker 16: 0 of 71"], None
    else:
        make_meld(tmp_path, rows_per_split=7, clips=False)
        short, complete = ["train_sent_emo.csv: 7 of 9989", "test_sent_emo.csv: 7 of 2610"], None
    with pytest.warns(UserWarning, match="partial download") as caught:
        table = load_corpus(name, tmp_path, labels="all")
    report = table.attrs["report"]
    assert report.found == len(table) < report.expected == FACTS[name].official_count
    text = " | ".join(report.short)
    for item in short:
        assert item in text, (item, report.short)
    if name == "cremad":
        absent = text.split(": ", 1)[1].split(", ")
        assert "1001" not in absent and "1002" not in absent and len(absent) == 89
    elif complete:
        assert complete not in text
    assert report.short[0] in str(caught[0].message) and len(caught) == 1


def test_meld_mojibake_is_repaired_and_listed(tmp_path):
    root = make_meld(
        tmp_path,
        rows_per_split=4,
        splits=["train"],
        clips=False,
        utterances={
            ("train", 0): "I donâ€™t know.",  # UTF-8 read as cp1252, saved as UTF-8
            ("train", 1): "Un cafÃ© au lait.",
            ("train", 2): "YouÂ\x92re late.",  # cp1252 read as latin-1, saved as UTF-8
            ("train", 3): "Ross’s naïve café — 100 €",  # correct UTF-8: left alone
        },
    )
    table = load("meld", root, labels="all")
    text = by_id(table)["transcript"]
    assert text["train_dia0_utt0"] == "I don’t know."
    assert text["train_dia0_utt1"] == "Un café au lait."
    assert text["train_dia1_utt0"] == "You’re late."
    assert text["train_dia1_utt1"] == "Ross’s naïve café — 100 €"
    repaired = table.attrs["report"].repaired
    assert len(repaired) == 3 and all("mojibake" in item for item in repaired)
    assert any("row 1 " in item and "don’t" in item for item in repaired)


def test_meld_csv_in_cp1252_is_read_and_listed(tmp_path):
    root = make_meld(
        tmp_path,
        rows_per_split=2,
        splits=["train"],
        clips=False,
        utterances={("train", 1): "I don’t know."},
        encoding="cp1252",
    )
    assert b"don\x92t" in (root / "train_sent_emo.csv").read_bytes()
    table = load("meld", root, labels="all")
    assert by_id(table).loc["train_dia0_utt1", "transcript"] == "I don’t know."
    repaired = table.attrs["report"].repaired
    assert len(repaired) == 1 and "cp1252" in repaired[0] and "train_sent_emo.csv" in repaired[0]


def test_meld_missing_and_empty_clips(tmp_path):
    root = make_meld(tmp_path, rows_per_split=4, splits=["train", "test"], clips=True)
    (root / "train_splits" / "dia0_utt1.mp4").unlink()
    empty = root / "output_repeated_splits_test" / "dia1_utt0.mp4"
    empty.write_bytes(b"")
    with pytest.warns(UserWarning, match="1 missing clips"):
        table = load_corpus("meld", root, labels="all")
    assert len(table) == 8
    rows = by_id(table)
    report = table.attrs["report"]
    assert report.missing_clips == ["train dia0_utt1.mp4"]
    assert not rows.loc["train_dia0_utt1", "has_wav"] and pd.isna(rows.loc["train_dia0_utt1", "wav_path"])
    assert not rows.loc["test_dia1_utt0", "has_wav"] and "empty" in rows.loc["test_dia1_utt0", "audio_note"]
    assert len(listed(report.unreadable, empty)) == 1
    assert rows["has_wav"].sum() == 6


def test_meld_stray_files_in_clip_folders(tmp_path):
    root = make_meld(tmp_path, rows_per_split=2, splits=["train"], clips=True)
    apple = root / "train_splits" / "._dia0_utt0.mp4"
    apple.write_bytes(b"\x00\x05\x16\x07")
    odd = write_mp4(root / "train_splits" / "final_dia0_utt0.mp4")
    table = load("meld", root, labels="all")
    report = table.attrs["report"]
    assert str(apple) in report.ignored
    assert len(listed(report.not_following_rule, odd)) == 1
    assert table["has_wav"].all() and len(table) == 2


def test_meld_rows_breaking_the_rule_and_missing_columns(tmp_path):
    rows = meld_rows("train", 3)
    rows[1]["Emotion"] = "excited"
    rows[2]["Dialogue_ID"] = "x"
    write_meld_csv(tmp_path / "train_sent_emo.csv", rows)
    with pytest.warns(UserWarning, match="2 names not following the rule"):
        table = load_corpus("meld", tmp_path, labels="all")
    assert table["utt_id"].tolist() == ["train_dia0_utt0"]
    assert any("'excited'" in item for item in table.attrs["report"].not_following_rule)
    for row in rows:
        del row["Sentiment"]
    write_meld_csv(tmp_path / "train_sent_emo.csv", rows)
    with pytest.raises(ValueError, match=r"columns \['Sentiment'\] missing"):
        load_corpus("meld", tmp_path)


def _two_copies(name: str, tmp_path: Path, seconds: float) -> tuple[Path, Path]:
    """The same release unpacked twice (as Kaggle mirrors ship RAVDESS and TESS); the copy has clips of
    ``seconds``. Returns (the file nearer the root, its copy)."""
    if name == "ravdess":
        make_ravdess(tmp_path, actors=[1], per_actor=2)
        make_ravdess(tmp_path / "copy", actors=[1], per_actor=2, seconds=seconds)
        return (ravdess_actor_dir(tmp_path, 1) / ravdess_names(1)[0],
                ravdess_actor_dir(tmp_path / "copy", 1) / ravdess_names(1)[0])  # fmt: skip
    make_tess(tmp_path, words=["back"], speakers=["OAF"])
    make_tess(tmp_path / "again", words=["back"], speakers=["OAF"], seconds=seconds)
    return (tess_folder(tmp_path, "OAF_angry") / "OAF_back_angry.wav",
            tess_folder(tmp_path / "again", "OAF_angry") / "OAF_back_angry.wav")  # fmt: skip


@pytest.mark.parametrize("name", ["ravdess", "tess"])
def test_an_identical_second_copy_is_kept_once_and_listed(name, tmp_path):
    first, second = _two_copies(name, tmp_path, SECONDS)
    with pytest.warns(UserWarning, match=r"found twice \(identical copies; one kept\)"):
        table = load_corpus(name, tmp_path, labels="all")
    assert table["utt_id"].is_unique
    assert str(first) in table["wav_path"].tolist() and str(second) not in table["wav_path"].tolist()
    report = table.attrs["report"]
    assert report.found == len(table)
    assert any(str(first) in item and str(second) in item for item in report.duplicates)


@pytest.mark.parametrize("name", ["ravdess", "tess"])
def test_copies_that_differ_are_an_error_naming_both(name, tmp_path):
    first, second = _two_copies(name, tmp_path, 2 * SECONDS)
    with pytest.raises(ValueError, match="different contents") as error:
        load(name, tmp_path, labels="all")
    assert str(first) in str(error.value) and str(second) in str(error.value)


# ---------------------------------------------------------------------------------------------------------
# 5. MELD audio: mp4 -> 16 kHz mono, decoded once


def dominant_hz(wave: np.ndarray) -> float:
    spectrum = np.abs(np.fft.rfft(wave))
    return float(np.argmax(spectrum) * SAMPLE_RATE / len(wave))


def test_meld_clip_decodes_once_to_16k_mono(meld_clips, data_dir, monkeypatch):
    import av

    clip = by_id(load("meld", meld_clips, labels="all")).loc["train_dia0_utt0", "wav_path"]
    assert clip.endswith(".mp4")
    wave = load_audio(clip)
    assert wave.dtype == np.float32 and wave.ndim == 1
    assert len(wave) / SAMPLE_RATE == pytest.approx(SECONDS, abs=0.06)  # AAC pads a frame or so
    assert dominant_hz(wave) == pytest.approx(TONE_HZ, abs=5)
    assert 0.1 < np.abs(wave).max() <= 0.35
    cached = list((data_dir / "decoded").iterdir())
    assert len(cached) == 1 and cached[0].suffix == ".wav" and cached[0].name.startswith("dia0_utt0.")
    assert sf.info(cached[0]).samplerate == SAMPLE_RATE and sf.info(cached[0]).channels == 1
    mtime = cached[0].stat().st_mtime_ns

    def no_decoding(*args, **kwargs):
        raise AssertionError("the clip was decoded again")

    monkeypatch.setattr(av, "open", no_decoding)
    np.testing.assert_array_equal(load_audio(clip), wave)
    assert list((data_dir / "decoded").iterdir()) == cached and cached[0].stat().st_mtime_ns == mtime


@pytest.mark.parametrize(("rate", "channels"), [(44_100, 2), (48_000, 1), (22_050, 2)])
def test_clip_rates_and_layouts(rate, channels, tmp_path):
    clip = tmp_path / "dia0_utt0.mp4"
    clip.write_bytes(mp4_bytes(SECONDS, rate, channels))
    wav = decode_to_wav(clip, cache_dir=tmp_path / "cache")
    assert wav.parent == tmp_path / "cache"
    wave = load_audio(wav)
    # AAC adds up to two frames (1024 samples each, at the clip's rate) of priming and padding
    assert SECONDS - 0.01 <= len(wave) / SAMPLE_RATE <= SECONDS + 2 * 1024 / rate + 0.01
    assert dominant_hz(wave) == pytest.approx(TONE_HZ, abs=5)


def test_changed_clip_is_decoded_again(tmp_path, data_dir):
    clip = write_mp4(tmp_path / "dia0_utt0.mp4", seconds=SECONDS)
    short = load_audio(clip)
    clip.write_bytes(mp4_bytes(2 * SECONDS, 44_100, 2))
    os.utime(clip, ns=(clip.stat().st_atime_ns, clip.stat().st_mtime_ns + 10**9))
    longer = load_audio(clip)
    assert len(longer) / SAMPLE_RATE == pytest.approx(2 * SECONDS, abs=0.06)
    assert len(longer) > 1.5 * len(short)
    assert len(list((data_dir / "decoded").glob("*.wav"))) == 2


@pytest.mark.parametrize(
    ("content", "why"),
    [
        (b"", "empty"),
        (b"\x00not an mp4 at all" * 64, "Cannot decode"),
        (None, "no audio stream"),
    ],
)
def test_bad_clip_raises_naming_the_file(content, why, tmp_path, data_dir):
    clip = tmp_path / "dia3_utt1.mp4"
    clip.write_bytes(video_only_mp4_bytes() if content is None else content)
    with pytest.raises(ValueError, match=why) as error:
        load_audio(clip)
    assert str(clip) in str(error.value)
    assert not list(data_dir.rglob("*.wav"))  # nothing half-written left in the cache


# ---------------------------------------------------------------------------------------------------------
# 6. splits


def test_meld_official_split(meld_clips):
    table = load("meld", meld_clips, labels="all")
    assert default_protocol(table) == "official"
    (fold,) = official_split(table)
    split = table["split"].to_numpy()
    assert sorted(fold.train) == list(np.flatnonzero(split == "train"))
    assert sorted(fold.test) == list(np.flatnonzero(split == "test"))
    assert sorted(fold.validation) == list(np.flatnonzero(split == "dev"))
    assert not fold.speaker_independent  # the cast speaks in every split
    (default,) = make_folds(table)
    np.testing.assert_array_equal(default.train, fold.train)
    np.testing.assert_array_equal(default.validation, fold.validation)
    separate = table.assign(speaker=table["split"] + "_" + table["speaker"])
    assert official_split(separate)[0].speaker_independent
    with pytest.raises(ValueError, match="protocol='official'"):
        make_folds(table, "session")


@pytest.mark.parametrize(
    ("name", "groups"), [("ravdess", 6), ("cremad", 4), ("tess", 2), ("emodb", 5)], ids=str
)
def test_session_folds_on_the_other_corpora(name, groups, request):
    table = load(name, request.getfixturevalue(ROOT_FIXTURE[name]))
    assert default_protocol(table) == "session"
    folds = make_folds(table)
    assert len(folds) == groups
    speakers = table["speaker"].to_numpy()
    for fold in folds:
        assert fold.speaker_independent and fold.validation is None
        assert not set(speakers[fold.train]) & set(speakers[fold.test])
    tested = np.sort(np.concatenate([f.test for f in folds]))
    np.testing.assert_array_equal(tested, np.arange(len(table)))


def test_the_thesis_split_on_ravdess_says_which_group_it_leaves_out(ravdess_root):
    table = load("ravdess", ravdess_root)
    with pytest.warns(UserWarning, match=r"leaves out 112 row\(s\) of session\(s\) \[6\]"):
        (fold,) = make_folds(table, "thesis")
    assert len(fold.train) + len(fold.test) == len(table) - 112  # actors 21-24: 4 x 28 standard4 files


def test_ravdess_folds_are_groups_of_four_actors(ravdess_root):
    table = load("ravdess", ravdess_root)
    folds = make_folds(table)
    assert [f.name for f in folds] == [f"session {s}" for s in range(1, 7)]
    for number, fold in enumerate(folds, start=1):
        tested = sorted(set(table["speaker"].iloc[fold.test]))
        assert tested == [f"Actor_{a:02d}" for a in range(4 * number - 3, 4 * number + 1)]


# ---------------------------------------------------------------------------------------------------------
# 7. which modalities a corpus can train


@pytest.mark.parametrize("name", ["ravdess", "cremad", "emodb"])
def test_fixed_sentences_make_text_useless(name, request):
    table = load(name, request.getfixturevalue(ROOT_FIXTURE[name]))
    reasons = useful_modalities(table)
    assert reasons["audio"] is None
    assert isinstance(reasons["text"], str) and "sentence" in reasons["text"]
    assert isinstance(reasons["fusion"], str) and "text" in reasons["fusion"]


@pytest.mark.parametrize("labels", ["standard4", "all"])
def test_tess_carrier_phrase_makes_text_useless(tess_root, labels):
    reasons = useful_modalities(load("tess", tess_root, labels=labels))
    assert isinstance(reasons["text"], str)


def test_meld_modalities(meld_text, meld_clips):
    text_only = useful_modalities(load("meld", meld_text))
    assert isinstance(text_only["audio"], str) and text_only["text"] is None
    assert isinstance(text_only["fusion"], str) and "audio" in text_only["fusion"]
    assert useful_modalities(load("meld", meld_clips)) == {"audio": None, "text": None, "fusion": None}


def test_unknown_public_corpus(tmp_path):
    with pytest.raises(ValueError, match="Unknown corpus 'savee'"):
        load_corpus("savee", tmp_path)
    with pytest.raises(ValueError, match="do not apply to meld"):
        load_corpus("meld", tmp_path, song=True)
