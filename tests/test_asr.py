"""Speech recognition: transcripts, word times, silence, long recordings, the cache, WER, clear errors."""

from __future__ import annotations

import shutil
import sys

import numpy as np
import pandas as pd
import pytest
import soundfile as sf

from pathos_lib.asr import (
    AsrConfig,
    corpus_wer,
    normalise_for_wer,
    transcribe,
    transcribe_corpus,
    with_asr_transcripts,
    word_error_rates,
)
from pathos_lib.audio import SAMPLE_RATE
from pathos_lib.synthetic_voice import speak

SENTENCES = (
    "Well, I think the meeting is tomorrow.",
    "Can we just have the dinner again?",
    "The kitchen was quiet this morning.",
    "We have to talk about the train.",
    "I really need this car, you know.",
    "What do you want me to do about the letter?",
    "The office was ready last night.",
    "I told my sister the ticket was late.",
    "So the landlord found the phone and left.",
    "Why is the coffee always so cold?",
)


@pytest.fixture(scope="module")
def spoken(tmp_path_factory):
    """Ten sentences spoken by espeak-ng (a male voice), as wavs."""
    folder = tmp_path_factory.mktemp("spoken")
    paths = []
    for index, audio in enumerate(_voices()):
        path = folder / f"sentence{index}.wav"
        sf.write(path, audio, SAMPLE_RATE)
        paths.append(str(path))
    return pd.DataFrame({"utt_id": [f"u{i}" for i in range(len(SENTENCES))], "wav_path": paths,
                         "transcript": SENTENCES})  # fmt: skip


def _voices():
    from pathos_lib.synthetic_voice import speak_many

    return speak_many([(text, "en-us+m3", 45, 50, 160) for text in SENTENCES])


def test_a_spoken_sentence_is_heard_with_word_times(spoken):
    heard = transcribe(spoken["wav_path"].iloc[0])
    assert normalise_for_wer(heard.text) == "well i think the meeting is tomorrow"
    assert [w[0].strip(",.").lower() for w in heard.words][:3] == ["well", "i", "think"]
    starts = [w[1] for w in heard.words]
    assert starts == sorted(starts) and all(0 <= w[1] <= w[2] <= heard.duration + 0.1 for w in heard.words)
    assert all(0.0 <= w[3] <= 1.0 for w in heard.words) and heard.seconds > 0 and heard.note == ""


def test_silence_and_noise_are_heard_as_nothing_and_said_so():
    silence = transcribe((np.zeros(SAMPLE_RATE, np.float32), SAMPLE_RATE))
    assert silence.empty and silence.note.startswith("silence")
    noise = np.random.default_rng(0).standard_normal(3 * SAMPLE_RATE).astype(np.float32) * 0.05
    heard = transcribe((noise, SAMPLE_RATE))
    assert heard.empty and "no speech" in heard.note


def test_recordings_over_30_seconds_are_read_window_after_window(spoken):
    gap = np.zeros(2 * SAMPLE_RATE, np.float32)
    parts = [part for path in spoken["wav_path"] for part in (sf.read(path, dtype="float32")[0], gap)]
    long = np.concatenate(parts)
    assert len(long) / SAMPLE_RATE > 35
    heard = transcribe((long, SAMPLE_RATE))
    assert max(w[1] for w in heard.words) > 32  # words after the first window, timed from the start
    rates = word_error_rates([" ".join(SENTENCES)], [heard.text])
    assert corpus_wer(rates) < 0.2


def test_corpus_transcripts_are_cached_per_file_and_bad_files_named(spoken, tmp_path):
    spoken = spoken.head(3).copy()  # copies: this test changes a file
    spoken["wav_path"] = [shutil.copy(path, tmp_path) for path in spoken["wav_path"]]
    bad = {
        "utt_id": ["broken", "nowav"],
        "wav_path": [str(tmp_path / "broken.wav"), None],
        "transcript": ["a", "b"],
    }
    table = pd.concat([spoken.head(3), pd.DataFrame(bad)], ignore_index=True)
    (tmp_path / "broken.wav").write_text("not audio")
    cache = tmp_path / "cache"
    with pytest.warns(UserWarning, match="2 utterances have no audio"):
        first = transcribe_corpus(table, cache_dir=cache, progress=False)
    assert list(first["utt_id"]) == list(table["utt_id"])  # nothing dropped, same order
    assert "broken.wav" in first.loc[3, "asr_note"] and first.loc[4, "asr_note"].startswith("no audio")
    assert (first["asr_transcript"].iloc[3:] == "").all() and not first["from_cache"].any()
    with pytest.warns(UserWarning):
        again = transcribe_corpus(table, cache_dir=cache, progress=False)
    assert again["from_cache"].iloc[:3].all()
    assert again["asr_transcript"].tolist() == first["asr_transcript"].tolist()
    other = sf.read(spoken["wav_path"].iloc[2])[0]
    sf.write(spoken["wav_path"].iloc[1], other, SAMPLE_RATE)  # the file changes: transcribed again
    changed = transcribe_corpus(spoken.head(3), cache_dir=cache, progress=False)
    assert changed["from_cache"].tolist() == [True, False, True]
    assert changed["asr_transcript"].iloc[1] == changed["asr_transcript"].iloc[2]


def test_cache_folders_are_keyed_by_settings():
    assert AsrConfig().key != AsrConfig(beam_size=5).key != AsrConfig(compute_type="float32").key
    assert AsrConfig().key.startswith("whisper-tiny.en-")


def test_unreadable_audio_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="No audio file"):
        transcribe(tmp_path / "missing.wav")
    broken = tmp_path / "broken.wav"
    broken.write_text("not audio")
    with pytest.raises(ValueError, match="broken.wav"):
        transcribe(broken)


def test_a_missing_asr_package_says_how_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "faster_whisper", None)
    with pytest.raises(ImportError, match=r"faster-whisper .*pip install"):
        transcribe((np.ones(SAMPLE_RATE, np.float32) * 0.1, SAMPLE_RATE))


def test_word_error_rates_count_every_edit():
    rates = word_error_rates(
        pd.Series(["The cat sat.", "[LAUGHTER] Hello there", "I'm fine", "[BREATHING]"], index=[7, 8, 9, 10]),
        ["the cat sat on", "", "I'm fine!", "um"],
    )
    assert list(rates.index) == [7, 8, 9, 10]
    assert rates["errors"].tolist() == [1, 2, 0, 1] and rates["reference_words"].tolist() == [3, 2, 2, 0]
    assert rates["wer"].iloc[0] == pytest.approx(1 / 3) and rates["wer"].iloc[1] == 1.0
    assert np.isnan(rates["wer"].iloc[3])  # no reference words: no rate, but its insertions count
    assert corpus_wer(rates) == pytest.approx(4 / 7)
    assert normalise_for_wer("[LAUGHTER] Oh, it’s GREAT!") == "oh it's great"


def test_asr_transcripts_replace_the_gold_ones(spoken):
    spoken = spoken.copy()
    spoken.attrs = {"corpus": "synthetic"}
    spoken["has_transcript"] = True
    heard = pd.DataFrame({"utt_id": spoken["utt_id"], "asr_transcript": ["hello"] * 9 + [""]})
    table = with_asr_transcripts(spoken, heard)
    assert table.attrs["corpus"] == "synthetic-asr" and spoken.attrs["corpus"] == "synthetic"
    assert table["gold_transcript"].tolist() == list(SENTENCES)
    assert table["transcript"].iloc[0] == "hello" and table["has_transcript"].tolist() == [True] * 9 + [False]
    assert table["transcript"].isna().tolist() == [False] * 9 + [True]  # usable_rows leaves it out, noted
    with pytest.raises(ValueError, match="no ASR transcript"):
        with_asr_transcripts(spoken, heard.head(5))


def test_a_clear_voice_is_recognised_well(spoken):
    audio = [sf.read(path, dtype="float32")[0] for path in spoken["wav_path"]]
    heard = [transcribe((a, SAMPLE_RATE)) for a in audio]
    rates = word_error_rates(list(SENTENCES), [h.text for h in heard])
    assert corpus_wer(rates) < 0.15  # a clear male voice at a normal rate
    assert speak("hello", "en-us+m3").dtype == np.float32
