"""Prediction on new utterances: Predictor load/save, inputs of any shape, skips, errors, command line."""

from __future__ import annotations

import shutil
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
import soundfile as sf

from pathos_lib.audio import SAMPLE_RATE, as_waveform, load_audio
from pathos_lib.experiment import TrainedModel, model_folder
from pathos_lib.predict import Predictor, main


@pytest.fixture(scope="module")
def build(trained):
    return trained.folder


@pytest.fixture(scope="module")
def results(trained):
    return trained.results


@pytest.fixture(scope="module")
def predictor(model_dir):
    return Predictor.load(model_dir)


def test_saved_predictor_reproduces_the_test_run(predictor, results, table):
    """A registered test speaker is normalised as in the cross-validation run: same probabilities."""
    speaker = table.loc[table["session"] == 5, "speaker"].iloc[0]
    rows = table[table["speaker"] == speaker]
    predictor.add_speaker(speaker, list(rows["wav_path"]))
    row = rows.iloc[0]
    prediction = predictor.predict(row["wav_path"], row["transcript"], speaker=speaker)
    assert list(prediction.probabilities.index) == ["audio", "text", "fusion"]
    assert list(prediction.probabilities.columns) == ["ang", "hap", "neu", "sad"]
    for result in results:
        stored = result.predictions.set_index("utt_id").loc[row["utt_id"]].filter(like="prob_")
        assert np.allclose(prediction.probabilities.loc[result.modality], stored.astype(float), atol=1e-4)
    assert prediction.notes == [] and prediction.skipped == {}


def test_a_speaker_registered_from_samples_is_normalised_as_from_files(predictor, table):
    """add_speaker takes (samples, rate) pairs as predict does: the same voice, the same statistics."""
    rows = table[table["session"] == 5].head(4)
    predictor.add_speaker("from files", list(rows["wav_path"]))
    samples = [(load_audio(path), SAMPLE_RATE) for path in rows["wav_path"]]
    predictor.add_speaker("from samples", samples)
    row = rows.iloc[0]
    by_files = predictor.predict(row["wav_path"], "", speaker="from files").probabilities
    by_samples = predictor.predict(row["wav_path"], "", speaker="from samples").probabilities
    assert np.allclose(by_files.to_numpy(), by_samples.to_numpy(), atol=1e-6)
    silent = (np.zeros(2 * SAMPLE_RATE, dtype=np.float32), SAMPLE_RATE)
    with pytest.raises(ValueError, match=r"recording 1 \(samples\) cannot serve as a voice sample: no sp"):
        predictor.add_speaker("someone", [samples[0], silent])


def test_attention_over_frames_and_words(predictor, table):
    row = table.iloc[0]
    prediction = predictor.predict(row["wav_path"], row["transcript"])
    fused = prediction.attention["fusion"]
    assert set(fused) == {"audio", "text"} and set(prediction.attention["audio"]) == {"audio"}
    frames, words = fused["audio"], fused["text"]
    assert np.isclose(frames["weight"].sum(), 1, atol=1e-4)
    assert np.isclose(words["weight"].sum(), 1, atol=1e-4)
    assert 0 < frames["time_s"].max() <= prediction.duration_s + 0.08
    assert words["word"].str.len().gt(0).all() and words["known"].dtype == bool
    assert "unknown speaker" in prediction.notes[0]  # a corpus speaker not registered: global statistics


def test_any_rate_stereo_and_integer_samples_give_the_same_answer(predictor, table):
    row = table.iloc[0]
    reference = predictor.predict(row["wav_path"], row["transcript"]).probabilities
    samples = load_audio(row["wav_path"])
    import librosa

    at_44k = librosa.resample(samples, orig_sr=16_000, target_sr=44_100)
    pcm = np.round(np.clip(at_44k, -1, 1) * 32767).astype(np.int16)
    for stereo in (np.stack([pcm, pcm], axis=1), np.stack([pcm, pcm], axis=0)):
        other = predictor.predict((stereo, 44_100), row["transcript"]).probabilities
        assert np.allclose(other.to_numpy(), reference.to_numpy(), atol=0.03)


def test_missing_inputs_skip_the_networks_that_need_them(predictor, table):
    row = table.iloc[0]
    no_words = predictor.predict(row["wav_path"], "   ")
    assert list(no_words.probabilities.index) == ["audio"]
    assert no_words.skipped == {"text": "the transcript is empty", "fusion": "the transcript is empty"}
    assert "not used: text (the transcript is empty)" in no_words.table()
    no_audio = predictor.predict(None, row["transcript"])
    assert list(no_audio.probabilities.index) == ["text"] and set(no_audio.skipped) == {"audio", "fusion"}
    assert np.isclose(no_audio.probabilities.to_numpy().sum(), 1, atol=1e-5)


def test_prediction_from_the_voice_alone(predictor, table):
    row = table.iloc[0]
    heard = predictor.predict(row["wav_path"])  # no transcript: speech recognition supplies one
    assert heard.heard is not None and heard.transcript == heard.heard.text != ""
    assert list(heard.probabilities.index) == ["audio", "text", "fusion"] and heard.skipped == {}
    assert heard.table().splitlines()[0] == f'heard (speech recognition): "{heard.heard.text}"'
    given = predictor.predict(row["wav_path"], row["transcript"])
    assert given.heard is None and "heard" not in given.table()


def test_silence_is_heard_as_nothing_and_the_text_networks_say_why(predictor):
    quiet = (np.random.default_rng(0).standard_normal(SAMPLE_RATE).astype(np.float32) * 1e-4, SAMPLE_RATE)
    prediction = predictor.predict(quiet)
    assert list(prediction.probabilities.index) == ["audio"]
    assert prediction.skipped["text"].startswith("speech recognition heard no words (silence")
    assert "heard (speech recognition): nothing (silence" in prediction.table()


def test_bad_audio_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="No audio file"):
        as_waveform(tmp_path / "nothing.wav")
    broken = tmp_path / "broken.wav"
    broken.write_text("not audio")
    with pytest.raises(ValueError, match="broken.wav"):
        as_waveform(broken)
    with pytest.raises(ValueError, match="sample_rate"):
        as_waveform((np.zeros(100), 0))
    with pytest.raises(ValueError, match="NaN"):
        as_waveform((np.full(100, np.nan), 16_000))
    with pytest.raises(ValueError, match="non-empty"):
        as_waveform((np.zeros(0), 16_000))
    with pytest.raises(TypeError):
        as_waveform(np.zeros(100))
    unsigned = as_waveform((np.array([0, 128, 255], dtype=np.uint8), 16_000))  # 8-bit PCM
    assert unsigned[1] == 0.0 and unsigned[0] == -1.0 and unsigned[2] > 0.99


def test_too_short_audio_is_a_clear_error(predictor):
    with pytest.raises(ValueError, match="lasts 0.003 s; at least 0.1 s"):
        predictor.predict((np.zeros(50, dtype=np.float32), 16_000), "hello")


def test_load_finds_one_model_per_modality_or_says_why(model_dir, tmp_path):
    assert set(Predictor.load(model_dir / "text").networks) == {"text"}
    with pytest.raises(FileNotFoundError, match="No model folder"):
        Predictor.load(tmp_path / "absent")
    with pytest.raises(FileNotFoundError, match="No trained model"):
        Predictor.load(tmp_path)
    for copy in ("first", "second"):
        shutil.copytree(model_dir / "audio", tmp_path / "two" / copy)
    with pytest.raises(ValueError, match="several models of one kind"):
        Predictor.load(tmp_path / "two")
    with pytest.raises(ValueError, match="different classes"):
        text = TrainedModel(model_dir / "text")
        text.inputs.classes = ["a", "b"]
        Predictor({"text": text, "audio": TrainedModel(model_dir / "audio")})


def test_model_folder_names_the_fold(results):
    assert (model_folder(results[0]) / "model.keras").is_file()
    with pytest.raises(ValueError, match="no fold"):
        model_folder(results[0], "session 9")


def test_command_line(model_dir, table, tmp_path, capsys):
    row = table.iloc[0]
    stereo = tmp_path / "stereo_8k.wav"
    samples = load_audio(row["wav_path"])[::2]
    sf.write(stereo, np.stack([samples, samples], axis=1), 8_000)
    assert main([str(model_dir), str(stereo), row["transcript"]]) == 0
    printed = capsys.readouterr().out
    assert all(name in printed for name in ("audio", "text", "fusion", "predicted"))
    assert main([str(model_dir), str(stereo), ""]) == 0
    assert "not used: fusion (the transcript is empty)" in capsys.readouterr().out
    assert main([str(model_dir), str(stereo)]) == 0  # no transcript: it says what it heard
    printed = capsys.readouterr().out
    assert "heard (speech recognition):" in printed and "fusion" in printed
    same_voice = table.loc[table["speaker"] == row["speaker"], "wav_path"].head(5).tolist()
    assert main([str(model_dir), str(stereo), row["transcript"], "--voice", *same_voice]) == 0
    assert "unknown speaker" not in capsys.readouterr().out  # the voice was registered
    assert main([str(model_dir), str(tmp_path / "missing.wav"), "hello"]) == 1
    assert "No audio file" in capsys.readouterr().err
    broken = tmp_path / "broken.wav"
    broken.write_text("not audio")
    assert main([str(model_dir), str(broken), "hello"]) == 1
    assert "Cannot read audio file" in capsys.readouterr().err
    assert main([str(model_dir), str(stereo), "hello", "--voice", str(broken)]) == 1
    assert "broken.wav" in capsys.readouterr().err  # an unreadable voice recording is named


def test_module_entry_point_exits_non_zero(model_dir, tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "pathos_lib.predict", str(model_dir), str(tmp_path / "missing.wav"), "hi"],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 1 and "No audio file" in done.stderr


def test_prediction_table_lists_every_network(predictor, table):
    row = table.iloc[0]
    prediction = predictor.predict(row["wav_path"], row["transcript"])
    assert isinstance(prediction.probabilities, pd.DataFrame)
    assert set(prediction.predicted) == {"audio", "text", "fusion"}
    assert prediction.table().count("\n") >= 3


def test_try_it_app_callbacks(predictor, results, table, tmp_path):
    import matplotlib.pyplot as plt

    from pathos_lib.predict import plot_prediction
    from pathos_lib.widgets import TryItApp

    test_rows = table[table["session"] == 5]
    app = TryItApp(predictor, test_rows)
    utt_id = test_rows["utt_id"].iloc[3]
    shown = app.pick(utt_id)  # the speaker's statistics from their recordings: as in the evaluation
    stored = results[2].predictions.set_index("utt_id").loc[utt_id].filter(like="prob_").astype(float)
    assert np.allclose(shown.probabilities.loc["fusion"], stored, atol=1e-4)
    assert app.wav_path.value == test_rows["wav_path"].iloc[3] and app.last is shown
    player, figure, table_text = app.view.children
    assert player.value[:4] == b"RIFF" and figure.value[:4] == b"\x89PNG" and "fusion" in table_text.value
    app.utterance.value = test_rows["utt_id"].iloc[4]  # the dropdown calls pick
    assert app.last is not None and app.transcript.value == test_rows["transcript"].iloc[4]
    assert app.run(str(tmp_path / "missing.wav"), "hello") is None and app.last is None
    assert "No audio file" in app.error and "No audio file" in app.view.children[0].value
    app.wav_path.value, app.transcript.value = test_rows["wav_path"].iloc[3], ""
    app.button.click()  # the button calls run with the fields' values; no transcript: ASR listens
    assert list(app.last.probabilities.index) == ["audio", "text", "fusion"] and app.last.heard is not None
    assert "heard (speech recognition)" in app.view.children[2].value
    # a recording of the table keeps its speaker's statistics, as when picked
    assert np.allclose(app.last.probabilities.loc["audio"], shown.probabilities.loc["audio"], atol=1e-5)
    assert not any("unknown speaker" in note for note in app.last.notes)
    elsewhere = tmp_path / "copy.wav"
    shutil.copy(test_rows["wav_path"].iloc[3], elsewhere)
    outside = app.run(f" {elsewhere} ", test_rows["transcript"].iloc[3])
    assert "unknown speaker" in outside.notes[0]
    app.listen.value = True  # a corpus utterance, heard rather than read
    heard = app.pick(test_rows["utt_id"].iloc[2])
    assert heard.heard is not None and heard.transcript == heard.heard.text and app.transcript.value == ""
    with pytest.raises(KeyError):
        app.pick("no-such-utterance")
    fig = plot_prediction(shown, load_audio(app.table.loc[utt_id, "wav_path"]), utt_id)
    assert len(fig.axes) == 4  # probabilities, waveform + attention (twin axis), words
    plt.close(fig)
    empty = predictor.predict(None, "")
    assert empty.probabilities.empty and "no network could be used" in empty.table()
    plt.close(plot_prediction(empty))
