"""The networks: backend, the two custom layers, shapes, masks, save/load round trip, late fusion."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from pathos_lib import models
from pathos_lib.models import (
    PRESETS,
    AttentionPooling,
    MaskedBiLSTM,
    ModelConfig,
    attention_model,
    build_audio_model,
    build_fusion_model,
    build_text_model,
    configure,
    device_summary,
    get_config,
    late_fusion,
)

keras = models.keras  # imported by pathos_lib.models with the torch backend
SMALL = ModelConfig(dense_units=(16,), lstm_units=8, fusion_units=16, embedding_dim=8)


def inputs(seed: int = 0):
    rng = np.random.default_rng(seed)
    audio = rng.standard_normal((3, 12, 5)).astype("float32")
    audio[0, 7:] = 0.0  # padded frames
    text = rng.integers(1, 20, (3, 6)).astype("int32")
    text[1, 2:] = 0  # padded tokens
    return audio, text


def test_backend_and_device():
    assert keras.backend.backend() == "torch"
    assert "torch backend" in device_summary() and ("CPU" in device_summary() or "GPU" in device_summary())


def test_other_backend_already_imported_is_refused():
    code = (  # a keras already imported with the jax backend (stand-in module: jax is not installed)
        "import sys, types; k = types.ModuleType('keras'); "
        "k.backend = types.SimpleNamespace(backend=lambda: 'jax'); sys.modules['keras'] = k; "
        "import pathos_lib.models"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert run.returncode != 0 and "needs the torch backend" in run.stderr


@pytest.mark.parametrize(("value", "threads"), [(None, 1), ("3", 3), (" 2 ", 2), ("0", None)])
def test_threads_follow_pathos_threads(value, threads):
    """One thread by default (a shared machine's kernels share its cores); PATHOS_THREADS changes it."""
    import os

    env = {k: v for k, v in os.environ.items() if k != "PATHOS_THREADS"}
    if value is not None:
        env["PATHOS_THREADS"] = value
    code = "import torch, pathos_lib.models as m; print(m.THREADS, torch.get_num_threads())"
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    reported, used = map(int, run.stdout.split())
    assert reported == used and (used == threads if threads else used >= 1)


def test_a_bad_pathos_threads_is_named():
    import os

    env = os.environ | {"PATHOS_THREADS": "many"}
    run = subprocess.run(
        [sys.executable, "-c", "import pathos_lib.models"], capture_output=True, text=True, env=env
    )
    assert run.returncode != 0 and "PATHOS_THREADS must be a whole number" in run.stderr


def padded(sequences: list[np.ndarray], steps: int) -> tuple[np.ndarray, np.ndarray]:
    """Zero-pad (time_i, dim) arrays to (n, steps, dim), with the mask of real steps."""
    batch = np.zeros((len(sequences), steps, sequences[0].shape[1]), "float32")
    mask = np.zeros((len(sequences), steps), bool)
    for i, sequence in enumerate(sequences):
        batch[i, : len(sequence)], mask[i, : len(sequence)] = sequence, True
    return batch, mask


def numpy_of(tensor) -> np.ndarray:
    return keras.ops.convert_to_numpy(tensor)


def blstm_with_random_weights(units: int, dim: int, seed: int = 0) -> MaskedBiLSTM:
    """A MaskedBiLSTM whose every weight (biases too) is random, so that no gate or direction looks alike."""
    rng = np.random.default_rng(seed)
    blstm = MaskedBiLSTM(units)
    blstm.build((None, None, dim))
    blstm.set_weights([0.5 * rng.standard_normal(w.shape).astype("float32") for w in blstm.get_weights()])
    return blstm


def keras_twin(blstm: MaskedBiLSTM, dim: int):
    """keras.layers.Bidirectional(LSTM) holding the same weights as ``blstm``.

    Keras keeps kernel (dim, 4u), recurrent kernel (u, 4u) and bias (4u,) per direction; MaskedBiLSTM keeps
    the transposed matrices, as torch does. Both use the gate order i, f, c, o and list the forward
    direction's three weights, then the backward direction's.
    """
    twin = keras.layers.Bidirectional(keras.layers.LSTM(blstm.units, return_sequences=True))
    twin.build((None, None, dim))
    twin.set_weights([w.T for w in blstm.get_weights()])  # .T leaves the 1-D biases as they are
    return twin


def test_masked_bilstm_equals_keras_bidirectional_lstm_without_a_mask():
    x = np.random.default_rng(1).standard_normal((4, 9, 5)).astype("float32")
    blstm = blstm_with_random_weights(6, 5)
    ours, theirs = numpy_of(blstm(x)), numpy_of(keras_twin(blstm, 5)(x))
    assert ours.shape == theirs.shape == (4, 9, 12)  # forward units, then backward units
    np.testing.assert_allclose(ours, theirs, atol=1e-5)


def test_masked_bilstm_reads_each_sequence_only_up_to_its_end():
    rng = np.random.default_rng(2)
    lengths = (7, 4, 1)
    sequences = [rng.standard_normal((n, 5)).astype("float32") for n in lengths]
    batch, mask = padded(sequences, 9)
    blstm = blstm_with_random_weights(6, 5)
    out = numpy_of(blstm(batch, mask=mask))
    for i, sequence in enumerate(sequences):
        n = len(sequence)
        np.testing.assert_allclose(out[i, :n], numpy_of(blstm(sequence[None]))[0], atol=1e-5)
        assert (out[i, n:] == 0).all()
    twin = keras_twin(blstm, 5)
    # the same numbers as Keras's own (step-by-step) masked path ...
    np.testing.assert_allclose(out, numpy_of(twin(batch, mask=mask)), atol=1e-5)
    # ... which differ from Keras without the mask, whose backward direction starts in the padding
    unmasked = numpy_of(twin(batch))
    np.testing.assert_allclose(out[1, :4, :6], unmasked[1, :4, :6], atol=1e-5)  # forward: padding not reached
    assert np.abs(out[1, :4, 6:] - unmasked[1, :4, 6:]).min() > 1e-4  # backward: every real step differs


def test_attention_pooling_is_a_softmax_over_real_steps_only():
    rng = np.random.default_rng(3)
    lengths = (6, 3, 1)
    sequences = [rng.standard_normal((n, 4)).astype("float32") for n in lengths]
    batch, mask = padded(sequences, 8)
    pooling = AttentionPooling(units=5, return_attention=True)
    pooled, weights = (numpy_of(t) for t in pooling(batch, mask=mask))
    projection, bias, context = pooling.get_weights()
    for i, sequence in enumerate(sequences):
        n = len(sequence)
        scores = (np.tanh(sequence @ projection + bias) @ context)[:, 0]  # one score per real step
        expected = np.exp(scores - scores.max()) / np.exp(scores - scores.max()).sum()
        np.testing.assert_allclose(weights[i, :n], expected, atol=1e-5)
        assert (weights[i, n:] == 0).all()
        np.testing.assert_allclose(pooled[i], expected @ sequence, atol=1e-5)
        alone, _ = pooling(sequence[None])  # no padding, no mask: the same vector
        np.testing.assert_allclose(numpy_of(alone)[0], pooled[i], atol=1e-5)


def test_shapes_and_probabilities():
    audio, text = inputs()
    for model, x in [
        (build_audio_model(5, 4, SMALL), audio),
        (build_text_model(20, 4, SMALL), text),
        (build_fusion_model(5, 20, 4, SMALL), {"audio": audio, "text": text}),
    ]:
        probabilities = np.asarray(model.predict_on_batch(x))
        assert probabilities.shape == (3, 4) and np.isfinite(probabilities).all()


def test_thesis_architecture_sizes():
    model = build_fusion_model(34, 100, 4, "thesis")
    names = {layer.name: layer for layer in model.layers}
    assert names["audio_dense1"].units == 512 and names["audio_dense2"].units == 512
    assert names["audio_dropout1"].rate == 0.5 and names["audio_blstm"].units == 128
    assert names["fusion_dense"].units == 512 and names["emotion"].units == 4
    assert PRESETS["thesis"].optimizer == "rmsprop" and PRESETS["thesis"].learning_rate == 1e-4
    assert (PRESETS["thesis"].batch_size, PRESETS["thesis"].epochs) == (20, 100)
    with pytest.raises(ValueError, match="Unknown model preset"):
        get_config("huge")


def test_padding_is_ignored_and_attention_respects_the_mask():
    audio, text = inputs()
    model = build_fusion_model(5, 20, 4, SMALL)
    x = {"audio": audio, "text": text}
    longer = {
        "audio": np.concatenate([audio, np.zeros((3, 9, 5), "float32")], axis=1),
        "text": np.concatenate([text, np.zeros((3, 4), "int32")], axis=1),
    }
    assert np.allclose(model.predict_on_batch(x), model.predict_on_batch(longer), atol=1e-6)
    weights = attention_model(model).predict_on_batch(x)
    audio_weights, text_weights = np.asarray(weights["audio"]), np.asarray(weights["text"])
    assert (audio_weights[0, 7:] == 0).all() and (text_weights[1, 2:] == 0).all()
    assert (audio_weights[0, :7] > 0).all()


def test_save_and_load_round_trip(tmp_path):
    audio, text = inputs()
    model = build_fusion_model(5, 20, 4, SMALL)
    model.save(tmp_path / "model.keras")
    loaded = keras.saving.load_model(tmp_path / "model.keras", safe_mode=True)
    x = {"audio": audio, "text": text}
    assert np.allclose(model.predict_on_batch(x), loaded.predict_on_batch(x), atol=1e-6)


def test_training_reduces_the_loss():
    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((64, 10, 5)).astype("float32")
    y = (x[:, :, 0].mean(1) > 0).astype(int)
    model = build_audio_model(5, 2, SMALL)
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss="sparse_categorical_crossentropy")
    history = model.fit(x, y, epochs=15, batch_size=16, verbose=0)
    assert history.history["loss"][-1] < 0.6 * history.history["loss"][0]


def test_late_fusion_and_config_round_trip():
    a, t = np.array([[0.8, 0.2]]), np.array([[0.2, 0.8]])
    assert np.allclose(late_fusion(a, t, 0.75), [[0.65, 0.35]])
    with pytest.raises(ValueError, match="audio_weight"):
        late_fusion(a, t, 1.5)
    assert ModelConfig.from_dict(PRESETS["thesis"].to_dict()) == PRESETS["thesis"]


def test_text_dense_units_shape_the_text_branch_only():
    no_dense = SMALL.with_(text_dense_units=())
    text_layers = [layer.name for layer in build_text_model(50, 4, no_dense).layers]
    assert not any(name.startswith("text_dense") for name in text_layers)
    fused_layers = [layer.name for layer in build_fusion_model(5, 50, 4, no_dense).layers]
    assert "audio_dense1" in fused_layers and not any(name.startswith("text_dense") for name in fused_layers)
    same = [layer.name for layer in build_text_model(50, 4, SMALL.with_(text_dense_units=None)).layers]
    assert "text_dense1" in same
    assert ModelConfig.from_dict(SMALL.with_(text_dense_units=(8,)).to_dict()).text_dense_units == (8,)
    assert PRESETS["thesis"].text_dense_units is None and PRESETS["thesis"].tokenizer == "thesis"


def test_masked_bilstm_gives_zeros_for_a_row_of_padding_only():
    layer = MaskedBiLSTM(4)
    batch = np.random.default_rng(0).normal(size=(2, 5, 3)).astype("float32")
    mask = np.array([[True] * 5, [False] * 5])
    out = keras.ops.convert_to_numpy(layer(batch, mask=mask))
    assert np.abs(out[0]).sum() > 0 and (out[1] == 0).all()


def test_configure_changes_what_the_parameters_cell_names_and_refuses_the_rest():
    config = configure("default", lstm_units=16, dense_units=[32, 32], dropout=None, audio_feature="logmel")
    assert (config.lstm_units, config.dense_units, config.audio_feature) == (16, (32, 32), "logmel")
    assert config.dropout == PRESETS["default"].dropout  # None keeps the preset's value
    assert configure("thesis") == PRESETS["thesis"] and configure(None) == PRESETS["default"]
    layers = {layer.name: layer for layer in build_audio_model(64, 4, config).layers}
    assert layers["audio_blstm"].units == 16 and layers["audio_dense2"].units == 32
    assert configure("default", dense_units=[]).dense_units == ()  # no dense layer before the BLSTM
    with pytest.raises(ValueError, match=r"no field \['lstm_unit'\]"):
        configure("default", lstm_unit=8)
    for wrong, message in [
        (dict(dropout=1.0), "0 <= dropout < 1"),
        (dict(dropout=-0.1), "0 <= dropout < 1"),
        (dict(lstm_units=0), "lstm_units must be a whole number of at least 1"),
        (dict(lstm_units=2.5), "lstm_units must be a whole number"),
        (dict(dense_units=[64, 0]), r"dense_units\[1\] must be"),
        (dict(fusion_units=True), "fusion_units must be"),
        (dict(audio_feature="mfccs"), "audio_feature must be one of"),
        (dict(embedding_dim=64, text_feature="glove"), "embedding_dim must be 50"),
    ]:
        with pytest.raises(ValueError, match=message):
            configure("default", **wrong)
