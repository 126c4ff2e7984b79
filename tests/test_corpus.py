"""The IEMOCAP loader: schemes, joins by id, and every kind of bad input."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest
from conftest import summary, write_dialog

from pathos_lib.corpus import COLUMNS, check_table, label_counts, load_corpus, load_iemocap


def test_columns_and_counts_per_scheme(mini_iemocap):
    table = load_iemocap(mini_iemocap)
    assert list(table.columns) == list(COLUMNS)
    assert len(table) == 15  # standard4: hap and exc merged, fru and xxx dropped
    assert set(table["label"]) == {"ang", "hap", "neu", "sad"}
    assert table.attrs["report"].dropped_by_code == {"fru": 3, "xxx": 2}
    thesis = load_iemocap(mini_iemocap, labels="thesis")
    assert len(thesis) == 12 and set(thesis["label"]) == {"ang", "exc", "neu", "sad"}
    assert not (thesis["emotion"] == "hap").any()
    everything = load_iemocap(mini_iemocap, labels="all")
    assert len(everything) == 20 and (everything["label"] == everything["emotion"]).all()
    custom = load_iemocap(mini_iemocap, labels={"ang": "negative", "sad": "negative", "hap": "positive"})
    assert sorted(custom["label"].unique()) == ["negative", "positive"]


def test_rows_joined_by_id_not_position(mini_iemocap):
    table = load_iemocap(mini_iemocap, labels="all")
    for row in table.itertuples():
        assert row.transcript == f"words of {row.utt_id}."
        assert row.wav_path.endswith(f"{row.utt_id}.wav")
    first = table.set_index("utt_id").loc["Ses01F_impro01_M000"]
    assert (first["emotion"], first["start"], first["end"]) == ("exc", 3.0, 5.0)
    assert first["duration"] == pytest.approx(2.0)
    assert (first["valence"], first["arousal"], first["dominance"]) == (2.5, 3.0, 3.5)


def test_speaker_is_the_last_token_not_the_dialog_prefix(mini_iemocap):
    table = load_iemocap(mini_iemocap, labels="all").set_index("utt_id")
    assert table.loc["Ses01F_impro01_M000", "speaker"] == "Ses01M"
    assert table.loc["Ses01F_impro01_M000", "gender"] == "M"
    assert table.loc["Ses01F_impro01_F001", "speaker"] == "Ses01F"
    assert table.loc["Ses01F_impro01_F001", "dialog"] == "Ses01F_impro01"
    assert table["method"].eq("impro").all()
    assert table["session"].dtype.kind == "i"


def test_unlabelled_transcript_lines_are_counted_not_loaded(mini_iemocap):
    table = load_iemocap(mini_iemocap, labels="all")
    assert not table["utt_id"].str.contains("XX").any()
    assert table.attrs["report"].unlabelled_transcript_lines == 5


def test_missing_root_names_the_layout_and_the_variable(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"Session1\.\.Session5.*IEMOCAP_ROOT"):
        load_iemocap(tmp_path / "nowhere")


def test_root_from_environment(mini_iemocap, monkeypatch):
    monkeypatch.delenv("IEMOCAP_ROOT", raising=False)
    with pytest.raises(FileNotFoundError, match="IEMOCAP_ROOT is not set"):
        load_iemocap()
    monkeypatch.setenv("IEMOCAP_ROOT", str(mini_iemocap))
    assert len(load_iemocap()) == 15
    assert len(load_corpus("iemocap")) == 15


def test_not_an_iemocap_root_suggests_the_right_folder(mini_iemocap):
    with pytest.raises(FileNotFoundError, match="Did you mean .*IEMOCAP_full_release"):
        load_iemocap(mini_iemocap.parent)


def test_some_sessions_missing_loads_the_rest_and_warns(mini_iemocap):
    shutil.rmtree(mini_iemocap / "Session5")
    with pytest.warns(UserWarning, match=r"sessions \[5\] not found"):
        table = load_iemocap(mini_iemocap, labels="all")
    assert sorted(table["session"].unique()) == [1, 2, 3, 4]
    with pytest.raises(FileNotFoundError, match=r"sessions \[5\]"):
        load_iemocap(mini_iemocap, sessions=[4, 5])
    assert sorted(load_iemocap(mini_iemocap, sessions=[2])["session"].unique()) == [2]


def test_appledouble_files_and_annotator_subfolders_are_ignored(mini_iemocap):
    emo = mini_iemocap / "Session1" / "dialog" / "EmoEvaluation"
    (emo / "._Ses01F_impro01.txt").write_bytes(b"\x00\x05\x16\x07Mac OS X garbage \xff\xfe")
    (emo / "Categorical").mkdir()
    (emo / "Categorical" / "Ses01F_impro01_e1_cat.txt").write_text(summary("Ses01F_impro01_F000", "ang"))
    (emo / "Attribute").mkdir()
    (emo / "Attribute" / "Ses01F_impro01_e1_atr.txt").write_text("Ses01F_impro01_F000 :act 2; val 3; ()\n")
    wav_dir = mini_iemocap / "Session1" / "sentences" / "wav" / "Ses01F_impro01"
    (wav_dir / "._Ses01F_impro01_F000.wav").write_bytes(b"\x00\x05\x16\x07")
    table = load_iemocap(mini_iemocap, labels="all").set_index("utt_id")
    assert len(table) == 20
    assert table.loc["Ses01F_impro01_F000", "emotion"] == "neu"
    assert not table.loc["Ses01F_impro01_F000", "wav_path"].split("/")[-1].startswith("._")
    assert table.attrs["report"].skipped_lines == []


def test_malformed_summary_lines_are_skipped_and_reported(tmp_path):
    root = tmp_path / "corpus"
    dialog = "Ses01F_impro02"
    good = [f"{dialog}_F000", f"{dialog}_M000"]
    blocks = [
        summary(good[0], "neu"),
        "[1.0 - 2.0]\tSes01F_impro02_M001\tang\n",  # no [v, a, d]
        summary("NotAnId_001", "sad"),
        summary(f"{dialog}_F001", "joy"),  # unknown code
        summary(good[1], "ang"),
    ]
    lines = [f"{u} [001.0000-002.0000]: hello." for u in good]
    write_dialog(root, 1, dialog, blocks, lines, good)
    with pytest.warns(UserWarning, match="3 malformed line"):
        table = load_iemocap(root, labels="all", sessions=[1])
    assert sorted(table["utt_id"]) == good
    assert dict(zip(table["utt_id"], table["emotion"], strict=True)) == {good[0]: "neu", good[1]: "ang"}
    skipped = table.attrs["report"].skipped_lines
    assert [s.line for s in skipped] == [7, 9, 13]
    assert all(s.path.endswith(f"EmoEvaluation/{dialog}.txt") for s in skipped)
    assert "not of the form" in skipped[0].reason and "unknown emotion code 'joy'" in skipped[2].reason
    assert f"{dialog}.txt:7" in str(table.attrs["report"])


def test_utterances_without_transcript_or_wav_are_kept_and_flagged(tmp_path):
    root = tmp_path / "corpus"
    dialog = "Ses02M_script01_1"
    ids = [f"{dialog}_F000", f"{dialog}_M000", f"{dialog}_F001"]
    lines = [
        f"{ids[0]} [001.0000-002.0000]: First line.",
        f"{ids[1]} missing brackets and colon",  # malformed: reported, transcript missing
    ]
    write_dialog(root, 2, dialog, [summary(u, "sad") for u in ids], lines, ids[:2])
    with pytest.warns(UserWarning) as caught:
        table = load_iemocap(root, sessions=[2])
    message = str(caught[0].message)
    assert "1 malformed line" in message and "2 labelled utterance(s) without transcript" in message
    assert "1 labelled utterance(s) without wav" in message
    table = table.set_index("utt_id")
    assert len(table) == 3 and (table["label"] == "sad").all()
    assert table.loc[ids[0], "has_transcript"] and table.loc[ids[0], "has_wav"]
    assert not table.loc[ids[1], "has_transcript"] and pd.isna(table.loc[ids[1], "transcript"])
    assert not table.loc[ids[2], "has_wav"] and pd.isna(table.loc[ids[2], "wav_path"])
    report = table.attrs["report"]
    assert report.missing_transcript == sorted([ids[1], ids[2]]) and report.missing_wav == [ids[2]]
    assert report.skipped_lines[0].line == 2
    assert table.loc[ids[0], "method"] == "script"


def test_duplicate_ids_are_an_error(tmp_path):
    root = tmp_path / "corpus"
    utt = "Ses01F_impro01_F000"
    write_dialog(root, 1, "Ses01F_impro01", [summary(utt, "neu")], [], [utt])
    write_dialog(root, 1, "Ses01F_impro01b", [summary(utt, "ang")], [], [])
    with pytest.raises(
        ValueError, match=rf"Duplicate utterance id {utt} at .*Ses01F_impro01b.txt:3 .*first seen"
    ):
        load_iemocap(root, sessions=[1])


def test_non_utf8_transcripts_are_decoded_and_reported(tmp_path):
    root = tmp_path / "corpus"
    utt = "Ses03F_impro01_F000"
    write_dialog(root, 3, "Ses03F_impro01", [summary(utt, "hap")], [], [utt])
    path = root / "Session3" / "dialog" / "transcriptions" / "Ses03F_impro01.txt"
    path.write_bytes(f"{utt} [001.0000-002.0000]: ".encode() + b"caf\xe9 \x93quoted\x94\n")
    table = load_iemocap(root, sessions=[3])
    assert table.loc[0, "transcript"] == "caf\u00e9 \u201cquoted\u201d"
    assert table.attrs["report"].recoded_lines[0].line == 1


def test_empty_dialog_folder_is_an_error(tmp_path):
    (tmp_path / "Session1" / "dialog" / "EmoEvaluation").mkdir(parents=True)
    with pytest.raises(ValueError, match="No labelled utterances"):
        load_iemocap(tmp_path, sessions=[1])


def test_unknown_scheme_and_codes(mini_iemocap):
    with pytest.raises(ValueError, match="labels must be one of"):
        load_iemocap(mini_iemocap, labels="six")
    with pytest.raises(ValueError, match="unknown raw codes"):
        load_iemocap(mini_iemocap, labels={"joy": "hap"})


def test_check_table_lists_missing_columns():
    table = pd.DataFrame(
        {"utt_id": ["a", "b"], "session": [1, 2], "speaker": ["x", "y"], "label": ["p", "q"]}
    )
    with pytest.raises(ValueError, match=r"lacks column\(s\) \['wav_path', 'transcript'\]"):
        check_table(table)
    with pytest.raises(ValueError, match=r"\['transcript'\]"):
        check_table(table, "text")
    text_table = table.assign(transcript=["hi", "there"])
    assert check_table(text_table, "text") is text_table
    with pytest.raises(ValueError, match="Duplicate utt_id"):
        check_table(text_table.assign(utt_id=["a", "a"]), "text")
    with pytest.raises(ValueError, match="'label' has empty values"):
        check_table(text_table.assign(label=["p", None]), "text")
    with pytest.raises(ValueError, match="modality"):
        check_table(text_table, "video")


def test_label_counts_has_totals(mini_iemocap):
    counts = label_counts(load_iemocap(mini_iemocap))
    assert counts.loc["total", "total"] == 15
    assert counts.loc[1, "hap"] == 2


def test_load_corpus_synthetic_is_cached_and_marked(tmp_path, monkeypatch):
    monkeypatch.setenv("PATHOS_DATA", str(tmp_path))
    table = load_corpus("synthetic", utterances_per_session=12)
    assert table.attrs["corpus"] == "synthetic"
    assert set(table["label"]) <= {"ang", "hap", "neu", "sad"}
    made = list((tmp_path / "synthetic").iterdir())
    assert len(made) == 1 and (made[0] / "COMPLETE").is_file()
    stamp = (made[0] / "COMPLETE").stat().st_mtime_ns
    again = load_corpus("synthetic", labels="all", utterances_per_session=12)
    assert (made[0] / "COMPLETE").stat().st_mtime_ns == stamp and len(again) == 60
    with pytest.raises(ValueError, match="only applies to the synthetic"):
        load_corpus(tmp_path, utterances_per_session=12)
