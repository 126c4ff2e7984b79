"""The synthetic corpus: IEMOCAP layout and formats, determinism, the voice, and where emotion shows."""

from __future__ import annotations

import ast
import hashlib
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from pathos_lib import synthetic, synthetic_voice
from pathos_lib.audio import SAMPLE_RATE, load_audio
from pathos_lib.audio_features import compute_features, energy_trend
from pathos_lib.corpus import UTT_ID, load_iemocap
from pathos_lib.synthetic import NEGATIVE_WORDS, POSITIVE_WORDS, make_corpus, synthetic_corpus
from pathos_lib.synthetic_voice import Utterance, render_utterance_audio, speak, spoken_text


def digest(root) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def test_layout_and_formats(synthetic_root):
    for session in range(1, 6):
        base = synthetic_root / f"Session{session}"
        for sub in ("dialog/EmoEvaluation", "dialog/EmoEvaluation/Categorical", "dialog/transcriptions",
                    "sentences/wav"):  # fmt: skip
            assert (base / sub).is_dir(), sub
    table = load_iemocap(synthetic_root, labels="all")
    assert table.attrs["report"].skipped_lines == []
    assert table["has_wav"].all() and table["has_transcript"].all()
    assert len(table) == 200 and table["session"].value_counts().eq(40).all()
    assert all(UTT_ID.match(u) for u in table["utt_id"])
    header = (synthetic_root / "Session1/dialog/EmoEvaluation/Ses01F_impro01.txt").read_text().splitlines()
    assert header[0].startswith("% [START_TIME - END_TIME] TURN_NAME EMOTION")
    assert re.fullmatch(
        r"\[\d+\.\d{4} - \d+\.\d{4}\]\tSes01F_impro01_[FM]\d{3}\t[a-z]{3}\t\[[\d., ]+\]", header[2]
    )
    assert header[3].startswith("C-E1:\t")
    line = (synthetic_root / "Session1/dialog/transcriptions/Ses01F_impro01.txt").read_text().splitlines()[0]
    assert re.fullmatch(r"Ses01F_impro01_[FM]\d{3} \[\d{3}\.\d{4}-\d{3}\.\d{4}\]: \S.*", line)
    for path in table["wav_path"].iloc[::7]:
        info = sf.info(path)
        assert (info.samplerate, info.channels, info.subtype, info.format) == (16000, 1, "PCM_16", "WAV")
    row = table.iloc[3]
    assert sf.info(row["wav_path"]).duration == pytest.approx(row["duration"], abs=0.01)
    assert table["duration"].between(0.8, 8.0).all()  # short turns and long ones, as in IEMOCAP


def test_dialogs_speakers_and_labels(synthetic_root):
    table = load_iemocap(synthetic_root, labels="all")
    assert table["speaker"].nunique() == 10
    assert table.groupby("session")["speaker"].nunique().eq(2).all()
    assert table.groupby("dialog")["speaker"].nunique().eq(2).all()  # both actors in every dialog
    assert set(table["method"]) == {"impro", "script"}
    assert {"hap", "exc", "fru", "xxx", "neu", "ang", "sad"} <= set(table["emotion"])
    assert table[["valence", "arousal", "dominance"]].stack().between(1, 5).all()


def test_scripted_lines_repeat_across_sessions(synthetic_root):
    table = load_iemocap(synthetic_root, labels="all")
    scripted = table[table["method"] == "script"]
    shared = scripted.groupby("transcript")["session"].nunique()
    assert (shared > 1).any()


def test_same_seed_same_bytes_other_seed_other_corpus(tmp_path):
    first = make_corpus(tmp_path / "a", utterances_per_session=10, seed=3, progress=False)
    second = make_corpus(tmp_path / "b", utterances_per_session=10, seed=3, progress=False)
    other = make_corpus(tmp_path / "c", utterances_per_session=10, seed=4, progress=False)
    assert digest(first) == digest(second)
    assert digest(first) != digest(other)


def test_refuses_to_write_over_a_corpus(synthetic_root):
    with pytest.raises(FileExistsError):
        make_corpus(synthetic_root, utterances_per_session=10)
    with pytest.raises(ValueError, match="at least 10"):
        make_corpus(synthetic_root.parent / "tiny", utterances_per_session=3)


def test_cache_is_made_once(tmp_path, monkeypatch):
    monkeypatch.setenv("PATHOS_DATA", str(tmp_path))
    root = synthetic_corpus(utterances_per_session=10, seed=1)
    assert root.parent == tmp_path / "synthetic" and (root / "COMPLETE").is_file()
    assert "SYNTHETIC" in (root / "README_SYNTHETIC.txt").read_text()
    before = digest(root)
    assert synthetic_corpus(utterances_per_session=10, seed=1) == root and digest(root) == before
    assert [p.name for p in (tmp_path / "synthetic").iterdir()] == [root.name]  # no staging left


def test_emotion_shows_as_arousal_in_the_voice(synthetic_root):
    table = load_iemocap(synthetic_root)  # standard4
    loudness = {}
    for label, rows in table.groupby("label"):
        levels = [np.sqrt(np.mean(sf.read(p)[0] ** 2)) for p in rows["wav_path"]]
        loudness[label] = 20 * np.log10(np.median(levels))
    assert loudness["ang"] > loudness["neu"] + 3
    assert abs(loudness["ang"] - loudness["hap"]) < 4  # anger and happiness sound alike
    # effort builds up through angry/happy utterances and fades through sad ones (log-energy change)
    trend = {}
    for label, rows in table.groupby("label"):
        log_energy = [compute_features(load_audio(p), "mfcc")[:, -1] for p in rows["wav_path"]]
        trend[label] = np.median([energy_trend(e) for e in log_energy])
    assert min(trend["ang"], trend["hap"]) > trend["neu"] + 1.5 > trend["sad"] + 2


def test_emotion_shows_as_valence_in_the_words(synthetic_root):
    table = load_iemocap(synthetic_root)

    def share(words, label):
        texts = table.loc[table["label"] == label, "transcript"].str.lower()
        return texts.apply(lambda t: any(w in t.replace(".", " ").split() for w in words)).mean()

    assert share(POSITIVE_WORDS, "hap") > share(POSITIVE_WORDS, "ang") + 0.3
    assert share(NEGATIVE_WORDS, "sad") > share(NEGATIVE_WORDS, "hap") + 0.3
    assert share(NEGATIVE_WORDS, "ang") > share(NEGATIVE_WORDS, "neu") + 0.2


def test_voices_differ_by_speaker(synthetic_root):
    import librosa

    table = load_iemocap(synthetic_root)
    pitch = {}
    for speaker, rows in table[table["label"] == "neu"].groupby("speaker"):
        audio, rate = sf.read(rows["wav_path"].iloc[0])
        f0 = librosa.yin(audio, fmin=60, fmax=400, sr=rate)
        pitch[speaker] = float(np.median(f0))
    female = [v for k, v in pitch.items() if k.endswith("F")]
    male = [v for k, v in pitch.items() if k.endswith("M")]
    assert female and male and min(female) > max(male)


def test_voice_speaks_the_planned_utterance():
    text = "[BREATHING] Well, I think the meeting is tomorrow."
    planned = Utterance("Ses02F_impro01_M000", "Ses02F_impro01", 2, "M", "ang", 0.5, text, (2.0, 4.0, 3.5),
                        [], audio_seed=7)  # fmt: skip
    audio = render_utterance_audio(planned)
    assert audio.dtype == np.float32 and 1.0 < len(audio) / SAMPLE_RATE < 5.0
    assert 0 < np.max(np.abs(audio)) <= 0.98
    assert np.array_equal(render_utterance_audio(planned), audio)
    other_seed = Utterance(**{**vars(planned), "audio_seed": 8})
    assert not np.array_equal(render_utterance_audio(other_seed), audio)
    calm = Utterance(**{**vars(planned), "arousal": -0.8})
    assert len(render_utterance_audio(calm)) > len(audio) * 1.1  # aroused voices speak faster
    assert spoken_text(text) == "Well, I think the meeting is tomorrow."  # tags are written, not said


def test_espeak_voices_are_checked():
    with pytest.raises(ValueError, match="no voice"):
        speak("hello", "xx-nowhere")
    assert len(speak("hello there", "en-us+f3")) > 0.3 * SAMPLE_RATE


def test_transcripts_are_sentences_from_templates(synthetic_root):
    table = load_iemocap(synthetic_root, labels="all")
    sentences = table["transcript"].str.replace(r"\s*\[[A-Z]+\]\s*", "", regex=True)
    assert sentences.str.match(r"^[A-Z].*[.?]$").all()
    assert not sentences.str.contains(r"\{|\}|  ").any()  # every slot filled, no double spaces


def test_corpus_wavs_are_the_voice_of_the_plan(synthetic_root):
    # the two stages meet here: the corpus plans (same arguments as the fixture), the voice renders
    planned = synthetic._plan_session(3, 40, 0)
    utterance = next(iter(planned.values()))[1]
    table = load_iemocap(synthetic_root, labels="all").set_index("utt_id")
    assert table.loc[utterance.utt_id, "transcript"] == utterance.text
    path = synthetic_root / f"Session3/sentences/wav/{utterance.dialog}/{utterance.utt_id}.wav"
    written, rate = sf.read(path, dtype="float32")
    assert rate == SAMPLE_RATE
    np.testing.assert_allclose(written, render_utterance_audio(utterance), atol=1.5 / 32768)


def test_the_split_runs_one_way_and_sample_rate_has_one_home():
    # synthetic imports synthetic_voice, never the reverse (checked in a fresh interpreter)
    code = "import sys, pathos_lib.synthetic_voice; assert 'pathos_lib.synthetic' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)
    for module in (synthetic, synthetic_voice):
        tree = ast.parse(Path(module.__file__).read_text())
        assigned = {t.id for node in tree.body if isinstance(node, ast.Assign) for t in node.targets
                    if isinstance(t, ast.Name)}  # fmt: skip
        assert "SAMPLE_RATE" not in assigned, f"{module.__name__} defines SAMPLE_RATE: import it from audio"


def test_without_espeak_ng_the_error_says_how_to_install(monkeypatch):
    import ctypes.util

    monkeypatch.setitem(sys.modules, "espeakng_loader", None)
    monkeypatch.setattr(ctypes.util, "find_library", lambda name: None)
    synthetic_voice._espeak_library.cache_clear()
    try:
        with pytest.raises(ImportError, match=r"espeak-ng, which is missing: pip install espeakng-loader"):
            speak("hello", "en-us+m3")
    finally:
        synthetic_voice._espeak_library.cache_clear()
