"""Hostile but realistic inputs, as a careful user would try them: every one is named, reported or refused,
never silently wrong. Built at test time from small corpora and tiny networks (tests/test_predict.py).

Loader: indented label lines, byte-order marks, transcript lines without times, transcripts and wavs
without a label. Audio: NaN / infinite samples, cut copies, streamed headers, odd formats and lengths.
Prediction: silence, noise, clipping, recordings and transcripts longer than the networks read, voices with
no speech. Model folders: every file cut, garbled, missing or swapped.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import soundfile as sf
from conftest import summary, write_dialog

from pathos_lib.audio import SAMPLE_RATE, audio_facts, load_audio, unusual_audio
from pathos_lib.audio_features import compute_features
from pathos_lib.corpus import load_iemocap
from pathos_lib.feature_cache import extract_corpus
from pathos_lib.predict import Predictor, main

DIALOG = "Ses01F_impro01"


def _corpus(root, blocks, lines, wav_ids):
    write_dialog(root, 1, DIALOG, blocks, lines, wav_ids)
    with pytest.warns(UserWarning):
        return load_iemocap(root, labels="all", sessions=[1])


# ---------------------------------------------------------------------------------------------- loader


def test_an_indented_label_line_is_read_and_a_stray_line_is_reported(tmp_path):
    ids = [f"{DIALOG}_F000", f"{DIALOG}_M000"]
    blocks = [summary(ids[0], "neu"), "  " + summary(ids[1], "ang"), "this line is not IEMOCAP's\n"]
    lines = [f"{u} [001.0000-002.5000]: words." for u in ids]
    table = _corpus(tmp_path, blocks, lines, ids)
    assert table["utt_id"].tolist() == ids  # the indented one is not lost
    report = table.attrs["report"]
    [stray] = report.skipped_lines
    assert stray.path.endswith(f"EmoEvaluation/{DIALOG}.txt") and "not IEMOCAP" in stray.text
    assert "neither a summary line" in stray.reason and stray.line > 0


def test_a_byte_order_mark_and_a_line_without_times(tmp_path):
    ids = [f"{DIALOG}_F000", f"{DIALOG}_M000"]
    lines = ["\ufeff" + f"{ids[0]} [001.0000-002.5000]: first words.", f"{ids[1]}: no times here"]
    table = _corpus(tmp_path, [summary(u, "neu") for u in ids], lines, ids)
    assert table.set_index("utt_id").loc[ids[0], "transcript"] == "first words."
    report = table.attrs["report"]
    assert report.missing_transcript == [ids[1]] and report.unlabelled_transcript_lines == 0
    [skipped] = report.skipped_lines
    assert skipped.line == 2 and skipped.path.endswith(f"transcriptions/{DIALOG}.txt")
    assert f"transcriptions/{DIALOG}.txt:2" in str(report)


def test_transcripts_and_wavs_without_a_label_are_named(tmp_path):
    ids = [f"{DIALOG}_F000"]
    lines = [f"{u} [001.0000-002.5000]: words." for u in (*ids, f"{DIALOG}_F009")]
    table = _corpus(tmp_path, [summary(ids[0], "neu")], lines, [*ids, f"{DIALOG}_F010"])
    report = table.attrs["report"]
    assert report.transcripts_without_label == [f"{DIALOG}_F009"]
    assert report.wavs_without_label == [f"{DIALOG}_F010"]
    assert "without a label line" in str(report) and len(table) == 1


# ---------------------------------------------------------------------------------------------- audio


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_samples_are_named_and_left_out(tmp_path, bad):
    samples = np.random.default_rng(0).uniform(-0.1, 0.1, SAMPLE_RATE).astype(np.float32)
    samples[100] = bad
    path = tmp_path / "bad.wav"
    sf.write(path, samples, SAMPLE_RATE, subtype="FLOAT")
    with pytest.raises(ValueError, match="bad.wav.*NaN or infinite"):
        load_audio(path)
    with pytest.raises(ValueError, match="NaN or infinite"):
        compute_features(samples, "thesis34")
    rows = pd.DataFrame({"utt_id": ["bad"], "wav_path": [str(path)]})
    for kind in ("thesis34", "mfcc", "logmel"):
        with pytest.warns(UserWarning, match="could not be read"):
            features = extract_corpus(rows, kind, cache_dir=tmp_path / "cache", progress=False)
        assert "bad.wav" in features.failed["bad"] and "bad" not in features.arrays


def test_a_cut_copy_is_refused_and_a_streamed_header_is_not(tmp_path):
    samples = np.random.default_rng(0).uniform(-0.1, 0.1, 3 * SAMPLE_RATE).astype(np.float32)
    whole = tmp_path / "whole.wav"
    sf.write(whole, samples, SAMPLE_RATE, subtype="PCM_16")
    data = whole.read_bytes()
    cut = tmp_path / "cut.wav"
    cut.write_bytes(data[: len(data) // 3])
    with pytest.raises(ValueError, match=r"cut.wav is truncated: its header announces 48000 samples"):
        load_audio(cut)
    streamed = tmp_path / "streamed.wav"  # a recorder that never filled in the size: not a cut copy
    offset = data.index(b"data") + 4
    streamed.write_bytes(data[:offset] + (0xFFFFFFFF).to_bytes(4, "little") + data[offset + 4 :])
    assert len(load_audio(streamed)) == 3 * SAMPLE_RATE


@pytest.mark.parametrize(
    ("subtype", "rate", "channels"),
    [("PCM_U8", 8000, 1), ("PCM_24", 44100, 2), ("PCM_32", 22050, 1), ("DOUBLE", 16000, 2)],
)
def test_odd_formats_load_as_16k_mono(tmp_path, subtype, rate, channels):
    samples = 0.3 * np.sin(2 * np.pi * 220 * np.arange(rate) / rate)
    samples = np.stack([samples] * channels, axis=1) if channels > 1 else samples
    path = tmp_path / "odd.wav"
    sf.write(path, samples, rate, subtype=subtype)
    waveform = load_audio(path)
    assert waveform.dtype == np.float32 and waveform.ndim == 1
    assert abs(len(waveform) - SAMPLE_RATE) <= 2 and 0.25 < np.abs(waveform).max() < 0.35


def test_audio_facts_tell_speech_from_silence_noise_and_clipping(table):
    voice = load_audio(table["wav_path"].iloc[0])
    rng = np.random.default_rng(0)
    assert unusual_audio(audio_facts(voice)) == []
    [silent] = unusual_audio(audio_facts(np.zeros(SAMPLE_RATE, np.float32)))
    [noise] = unusual_audio(audio_facts(rng.normal(0, 0.1, SAMPLE_RATE).astype(np.float32)))
    clipped = unusual_audio(audio_facts(np.clip(voice * 30, -1, 1)))
    assert silent.startswith("no speech") and noise.startswith("sounds like noise")
    assert [f for f in clipped if f.startswith("clipped")]
    trained_on = {"seconds": [1.0, 5.0], "level_dbfs": [-30.0, -12.0]}
    quiet = unusual_audio(audio_facts(voice * 0.05), trained_on)  # about 26 dB down
    assert [f for f in quiet if f.startswith("quieter than any training recording")]
    long = unusual_audio(audio_facts(np.tile(voice, 5)), trained_on)
    assert [f for f in long if f.startswith("longer than any training recording")]


# ---------------------------------------------------------------------------------------------- prediction


@pytest.fixture(scope="module")
def predictor(model_dir):
    return Predictor.load(model_dir)


def test_the_networks_remember_what_they_were_trained_on(predictor, table):
    trained_on = predictor.networks["audio"].inputs.trained_on
    training = table[table["session"] != 5]  # the thesis split trains on sessions 1-4 (some validate)
    durations = set(training["duration"].round(3))
    low, high = trained_on["seconds"]
    assert low in durations and high in durations and low < high
    low, high = trained_on["level_dbfs"]
    assert -60 < low < high < 0 and 0.5 * len(training) < trained_on["recordings"] < len(training)


def test_unusual_recordings_are_flagged_and_what_is_cut_is_said(predictor, table):
    row = table.iloc[0]
    voice = load_audio(row["wav_path"])
    usual = predictor.predict(row["wav_path"], row["transcript"])
    assert usual.warnings == [] and "WARNING" not in usual.table()
    noise = np.random.default_rng(0).normal(0, 0.1, 2 * SAMPLE_RATE).astype(np.float32)
    flagged = predictor.predict((noise, SAMPLE_RATE), "hello")
    assert [w for w in flagged.warnings if w.startswith("sounds like noise")]
    assert "WARNING: sounds like noise" in flagged.table() and "not to be trusted" in flagged.table()
    forty = np.tile(voice, 40 * SAMPLE_RATE // len(voice) + 1)[: 40 * SAMPLE_RATE]
    long = predictor.predict((forty, SAMPLE_RATE), row["transcript"])
    assert [n for n in long.notes if n.startswith("cut: the recording lasts 40.0 s") and "first 32.0 s" in n]
    words = " ".join(["word"] * 10_000)
    wordy = predictor.predict(None, words)
    assert [
        n for n in wordy.notes if n.startswith("cut: the transcript has 10000 tokens") and "first 60" in n
    ]


def test_the_command_line_does_not_echo_ten_thousand_words(model_dir, table, capsys):
    row = table.iloc[0]
    assert main([str(model_dir), row["wav_path"], " ".join(["word"] * 10_000)]) == 0
    out = capsys.readouterr().out
    assert len(out.splitlines()[0]) < 400 and "(10000 words in all)" in out and "cut: the transcript" in out


def test_a_voice_sample_must_hold_speech(predictor, table, tmp_path):
    silent, noise = tmp_path / "silent.wav", tmp_path / "noise.wav"
    sf.write(silent, np.zeros(2 * SAMPLE_RATE), SAMPLE_RATE)
    sf.write(noise, np.random.default_rng(0).normal(0, 0.1, 2 * SAMPLE_RATE), SAMPLE_RATE, subtype="FLOAT")
    with pytest.raises(ValueError, match="silent.wav cannot serve as a voice sample: no speech"):
        predictor.add_speaker("someone", [table["wav_path"].iloc[0], silent])
    with pytest.raises(ValueError, match="noise.wav cannot serve as a voice sample: sounds like noise"):
        predictor.add_speaker("someone", [noise])
    with pytest.raises(ValueError, match="at least one recording"):
        predictor.add_speaker("someone", [])
    assert not predictor.networks["audio"].inputs.knows_speaker("someone")


def test_the_command_line_names_a_voice_sample_without_speech(model_dir, table, tmp_path, capsys):
    silent = tmp_path / "silent.wav"
    sf.write(silent, np.zeros(2 * SAMPLE_RATE), SAMPLE_RATE)
    row = table.iloc[0]
    assert main([str(model_dir), row["wav_path"], "hello", "--voice", str(silent)]) == 1
    error = capsys.readouterr().err
    assert "silent.wav cannot serve as a voice sample" in error and "remove those rows" not in error


# ---------------------------------------------------------------------------------------------- model folders


def _damaged(model_dir, tmp_path, damage, keep_manifest=False):
    """A copy of the model folder with ``damage(folder)`` done to it (manifests removed unless kept)."""
    folder = tmp_path / "models"
    shutil.copytree(model_dir, folder)
    if not keep_manifest:
        for manifest in folder.rglob("manifest.json"):
            manifest.unlink()
    damage(folder)
    return folder


def _cut(path):
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 3])


def _edit_json(path, change):
    state = json.loads(path.read_text())
    change(state)
    path.write_text(json.dumps(state))


DAMAGES = {
    "model.keras cut": (lambda f: _cut(f / "audio" / "model.keras"), r"audio/model.keras: cannot be loaded"),
    "model.keras garbage": (
        lambda f: (f / "audio" / "model.keras").write_bytes(b"not a model at all"),
        r"audio/model.keras: cannot be loaded as a Keras network",
    ),
    "preprocessing.json invalid": (
        lambda f: (f / "audio" / "preprocessing.json").write_text("{'modality': 'audio'"),
        r"audio/preprocessing.json: not valid JSON",
    ),
    "preprocessing.json unknown key": (
        lambda f: _edit_json(f / "audio" / "preprocessing.json", lambda s: s["config"].update(colour="blue")),
        r"audio/preprocessing.json: unknown setting\(s\) \['colour'\]",
    ),
    "vocabulary missing": (
        lambda f: (f / "text" / "vocabulary.json").unlink(),
        r"text: vocabulary.json is missing; this text network reads words",
    ),
    "vocabulary garbled": (
        lambda f: (f / "text" / "vocabulary.json").write_text('{"words": 3}'),
        r"text/vocabulary.json: not a vocabulary saved by PATHOS",
    ),
    "normaliser cut": (
        lambda f: _cut(f / "audio" / "normaliser_mean.npy"),
        r"audio: the normaliser's files cannot be read",
    ),
    "normaliser missing": (
        lambda f: (f / "audio" / "normaliser.json").unlink(),
        r"audio: normaliser.json is missing",
    ),
    "text model in the audio folder": (
        lambda f: shutil.copy(f / "text" / "model.keras", f / "audio" / "model.keras"),
        r"audio: model.keras reads \['text'\] but preprocessing.json describes a audio network",
    ),
}


@pytest.mark.parametrize("damage", list(DAMAGES))
def test_a_damaged_model_file_is_named_and_its_network_listed_as_not_used(model_dir, table, tmp_path, damage):
    change, message = DAMAGES[damage]
    folder = _damaged(model_dir, tmp_path, change)
    with pytest.warns(UserWarning, match=message):
        predictor = Predictor.load(folder)
    [(where, why)] = predictor.unavailable.items()
    row = table.iloc[0]
    prediction = predictor.predict(row["wav_path"], row["transcript"])
    assert len(prediction.probabilities) == 2  # the other two networks still answer
    assert prediction.skipped[where].startswith("could not be loaded") and where in prediction.table()


def test_a_missing_preprocessing_file_is_not_a_silent_skip(model_dir, tmp_path):
    folder = _damaged(model_dir, tmp_path, lambda f: (f / "fusion" / "preprocessing.json").unlink())
    with pytest.warns(UserWarning, match="fusion"):
        predictor = Predictor.load(folder)
    assert set(predictor.networks) == {"audio", "text"}
    assert "expected model.keras and preprocessing.json" in predictor.unavailable[str(folder / "fusion")]


def test_the_manifest_tells_a_cut_or_changed_file(model_dir, tmp_path):
    cut = _damaged(
        model_dir, tmp_path / "cut", lambda f: _cut(f / "audio" / "model.keras"), keep_manifest=True
    )
    with pytest.warns(UserWarning, match=r"audio/model.keras: \d+ bytes where \d+ were saved"):
        Predictor.load(cut)

    def flip_a_byte(folder):  # same size, other content
        path = folder / "text" / "vocabulary.json"
        data = bytearray(path.read_bytes())
        data[5] ^= 0x01
        path.write_bytes(bytes(data))

    changed = _damaged(model_dir, tmp_path / "changed", flip_a_byte, keep_manifest=True)
    with pytest.warns(UserWarning, match=r"text/vocabulary.json: changed since it was saved"):
        Predictor.load(changed)


def test_nothing_loadable_is_one_error_naming_every_file(model_dir, tmp_path, capsys):
    def garble(folder):
        for path in folder.rglob("model.keras"):
            path.write_bytes(b"garbage")

    folder = _damaged(model_dir, tmp_path, garble)
    with pytest.raises(ValueError, match="could be loaded") as error:
        Predictor.load(folder)
    assert all(f"{name}/model.keras" in str(error.value) for name in ("audio", "text", "fusion"))
    assert main([str(folder), "any.wav", "hello"]) == 1  # the missing wav is said first
    wav = tmp_path / "voice.wav"
    sf.write(wav, 0.1 * np.sin(np.arange(SAMPLE_RATE) / 5), SAMPLE_RATE)
    assert main([str(folder), str(wav), "hello"]) == 1
    assert "audio/model.keras: cannot be loaded" in capsys.readouterr().err


def test_an_unreadable_voice_sample_is_named_for_the_command(model_dir, table, tmp_path, capsys):
    garbage = tmp_path / "voice.wav"
    garbage.write_bytes(b"RIFF....WAVEfmt nothing useful")
    assert main([str(model_dir), table["wav_path"].iloc[0], "hello", "--voice", str(garbage)]) == 1
    error = capsys.readouterr().err
    assert "voice.wav" in error and "remove those rows" not in error and error.count("\n") == 1


# ------------------------------------------------------------------------------ caches, processes


def _tones(folder, frequencies):
    folder.mkdir(parents=True)
    rows = []
    for i, frequency in enumerate(frequencies):
        path = folder / f"u{i}.wav"
        sf.write(path, 0.3 * np.sin(2 * np.pi * frequency * np.arange(8000) / SAMPLE_RATE), SAMPLE_RATE)
        rows.append({"utt_id": f"u{i}", "wav_path": str(path)})
    return pd.DataFrame(rows)


def test_two_corpora_sharing_ids_keep_their_cached_features(tmp_path):
    first, second = _tones(tmp_path / "one", [200, 300]), _tones(tmp_path / "two", [500, 700])
    cache = tmp_path / "cache"
    for table_ in (first, second):
        assert extract_corpus(table_, "logmel", cache_dir=cache, n_jobs=1, progress=False).computed == 2
    for table_ in (first, second, first):  # switching back and forth recomputes nothing
        again = extract_corpus(table_, "logmel", cache_dir=cache, n_jobs=1, progress=False)
        assert (again.computed, again.from_cache) == (0, 2)
        expected = compute_features(load_audio(table_["wav_path"].iloc[1]), "logmel")
        assert np.allclose(again["u1"], expected)


def test_cache_folders_are_listed_and_removed(tmp_path, monkeypatch, capsys):
    from pathos_lib.paths import cache_folders, remove_caches
    from pathos_lib.paths import main as paths_main

    monkeypatch.setenv("PATHOS_DATA", str(tmp_path / "data"))
    extract_corpus(_tones(tmp_path / "wavs", [200, 300]), "logmel", n_jobs=1, progress=False)
    [entry] = cache_folders()
    assert entry["kind"] == "features" and entry["files"] == 2 and entry["bytes"] > 1000
    assert paths_main(["caches"]) == 0 and entry["folder"] in capsys.readouterr().out
    with pytest.raises(ValueError, match="not cache folders"):
        remove_caches(folders=[str(tmp_path)])
    assert remove_caches(older_than_days=1) == []  # used just now
    assert [e["folder"] for e in remove_caches(folders=[entry["folder"]])] == [entry["folder"]]
    assert cache_folders() == []


def test_an_unwritable_data_folder_is_named(tmp_path, monkeypatch):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("PATHOS_DATA", str(blocker / "data"))
    with pytest.raises(OSError, match=r"Cannot write to .*a-file/data/features.*set PATHOS_DATA"):
        extract_corpus(_tones(tmp_path / "wavs", [200]), "logmel", n_jobs=1, progress=False)


def test_prediction_and_voices_write_nothing(predictor, table, tmp_path, monkeypatch):
    monkeypatch.setenv("PATHOS_DATA", str(tmp_path / "data"))
    speaker = table["speaker"].iloc[0]
    predictor.add_speaker(speaker, list(table.loc[table["speaker"] == speaker, "wav_path"])[:3])
    predictor.predict(table["wav_path"].iloc[0], table["transcript"].iloc[0], speaker=speaker)
    assert not (tmp_path / "data").exists()


def _children_named(pid: int, word: str) -> list[int]:
    """Processes whose parent is ``pid`` and whose command line holds ``word`` (from /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and int((entry / "stat").read_text().split(") ")[1].split()[1]) == pid:
                if word in (entry / "cmdline").read_text():
                    found.append(int(entry.name))
        except (OSError, IndexError, ValueError):
            continue
    return found


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc (Linux)")
def test_idle_workers_end_soon_after_their_run(tmp_path):
    from pathos_lib.feature_cache import WORKER_IDLE_S

    table_ = _tones(tmp_path / "wavs", [200, 300, 400, 500])
    extract_corpus(table_, "logmel", cache_dir=tmp_path / "cache", n_jobs=2, progress=False)
    deadline = time.monotonic() + WORKER_IDLE_S + 15  # joblib checks its idle workers now and then
    while time.monotonic() < deadline and _children_named(os.getpid(), "LokyProcess"):
        time.sleep(0.5)
    assert _children_named(os.getpid(), "LokyProcess") == []


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc (Linux)")
def test_workers_end_when_their_run_is_killed(tmp_path):
    """SIGKILL of the process that started them (a kernel killed by the OOM killer, say): they end within
    90 s (busy ones at their next task, idle ones at the idle timeout), not minutes later."""
    wavs = _tones(tmp_path / "wavs", [200 + 10 * i for i in range(400)])
    wavs.to_csv(tmp_path / "table.csv", index=False)
    code = (
        "import pandas as pd, sys; from pathos_lib.feature_cache import extract_corpus; "
        f"extract_corpus(pd.read_csv({str(tmp_path / 'table.csv')!r}), 'thesis34', "
        f"cache_dir={str(tmp_path / 'cache')!r}, n_jobs=2, progress=False)"
    )
    run = subprocess.Popen([sys.executable, "-c", code])
    deadline, workers = time.monotonic() + 60, []
    while not workers and time.monotonic() < deadline and run.poll() is None:
        time.sleep(0.2)
        workers = _children_named(run.pid, "LokyProcess")
    assert workers, "the extraction ended before its workers could be seen"
    run.kill()
    run.wait()
    deadline = time.monotonic() + 90  # idle workers end at their idle timeout
    while time.monotonic() < deadline and any(Path(f"/proc/{w}").exists() for w in workers):
        time.sleep(0.5)
    alive = [
        w
        for w in workers
        if Path(f"/proc/{w}/cmdline").exists() and "Loky" in Path(f"/proc/{w}/cmdline").read_text()
    ]
    assert alive == [], f"joblib workers {alive} outlived the killed run"


def test_the_command_line_names_a_recording_with_nan_samples(model_dir, tmp_path, capsys):
    samples = np.random.default_rng(0).uniform(-0.1, 0.1, SAMPLE_RATE).astype(np.float32)
    samples[::1000] = np.nan
    path = tmp_path / "nan.wav"
    sf.write(path, samples, SAMPLE_RATE, subtype="FLOAT")
    assert main([str(model_dir), str(path), "hello"]) == 1
    error = capsys.readouterr().err
    assert error.startswith("error: Audio file") and "nan.wav" in error and "Traceback" not in error
