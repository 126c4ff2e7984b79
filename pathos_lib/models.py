"""The networks: audio, text and fused, Keras 3 on the torch backend (a CUDA GPU when torch sees one).

The thesis architecture, for either modality::

    Masking -> Dense 512 relu -> Dropout 0.5 -> Dense 512 relu -> Dropout 0.5
            -> Bidirectional LSTM 128 (all steps) -> attention pooling -> Dense softmax

The fused network runs both branches up to their attention-pooled vectors, concatenates them, then
Dense 512 relu -> Dense softmax, trained end to end. The late-fusion baseline averages the unimodal
probabilities instead (``late_fusion``).

Importing this module selects the torch backend (``KERAS_BACKEND=torch``) and refuses to run if keras was
already imported with another backend.
Explained in 03_audio_model (audio), 04_text_model (text) and 05_fusion (fusion, attention).
"""

from __future__ import annotations

import os
import sys
from dataclasses import asdict, dataclass, replace

if "keras" in sys.modules:
    _backend = sys.modules["keras"].backend.backend()
    if _backend != "torch":
        raise RuntimeError(
            f"keras was imported with the {_backend!r} backend before pathos_lib.models; PATHOS needs "
            "the torch backend: restart the kernel and import pathos_lib.models first "
            "(or set KERAS_BACKEND=torch)."
        )
os.environ["KERAS_BACKEND"] = "torch"

import keras  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402
from keras import layers, ops  # noqa: E402

from .audio_features import FeatureConfig  # noqa: E402

# One thread for torch's CPU math: these small networks train as fast on one as on two, and several kernels on
# one machine (a lab's JupyterHub) then share its cores; torch's own choice, one thread per core, made two
# runs on 2 cores take about 5x as long as one (benchmarks/concurrency.py). README: "Shared machines".
DEFAULT_THREADS = 1


def threads_from_environment() -> int:
    """Apply ``PATHOS_THREADS`` (default ``DEFAULT_THREADS``; 0: torch's own choice, one per core) to
    torch's CPU math (a GPU is not affected) and return the threads in use. Run when this module is
    imported; README "Shared machines". Plumbing for the notebooks (they import pathos_lib.models)."""
    value = os.environ.get("PATHOS_THREADS", str(DEFAULT_THREADS)).strip()
    if not value.isdigit():
        raise ValueError(f"PATHOS_THREADS must be a whole number of threads (0: one per core), got {value!r}")
    if int(value):
        torch.set_num_threads(int(value))
    return torch.get_num_threads()


THREADS = threads_from_environment()

TEXT_FEATURES = ("learned", "glove")  # where the text network's word embeddings start


@dataclass(frozen=True)
class ModelConfig:
    """Sizes and training settings of a network. ``PRESETS`` holds the named ones.

    Explained in 03_audio_model.
    """

    dense_units: tuple[int, ...] = (64,)
    text_dense_units: tuple[int, ...] | None = ()  # None = the same as dense_units
    dropout: float = 0.3
    lstm_units: int = 64
    fusion_units: int = 128
    embedding_dim: int = 64
    optimizer: str = "adam"
    learning_rate: float = 3e-3
    batch_size: int = 8
    epochs: int = 40
    patience: int = 8  # early stopping on validation UA; 0 = train all epochs, keep the last
    class_weights: bool = True
    audio_feature: str = "mfcc"
    pool_frames: int = 8  # average every N frames before the network (10 ms -> 80 ms steps)
    normalisation: str = "speaker"  # "speaker" (z-score per speaker), "global" or "none"
    max_frames: int = 400  # after pooling
    max_tokens: int = 60
    tokenizer: str = "wordpunct"
    min_count: int = 1
    mixed_precision: bool = False  # float16 compute on GPU only
    pooling_std: bool = False  # attention pooling also returns the weighted standard deviation
    text_feature: str = "learned"  # "learned" (embeddings from scratch) or "glove" (GloVe 6B 50-d start)
    freeze_embeddings: bool = False  # keep pretrained word vectors as they are (the thesis's GloVe)

    def __post_init__(self) -> None:
        FeatureConfig(self.audio_feature)  # refuses an unknown feature kind, naming the known ones
        if not 0.0 <= self.dropout < 1.0:
            raise ValueError(
                f"dropout is the share of units dropped in training: 0 <= dropout < 1, got {self.dropout}"
            )
        sizes = {"lstm_units": self.lstm_units, "fusion_units": self.fusion_units, "epochs": self.epochs,
                 "embedding_dim": self.embedding_dim, "batch_size": self.batch_size}  # fmt: skip
        sizes |= {f"dense_units[{i}]": n for i, n in enumerate(self.dense_units)}
        sizes |= {f"text_dense_units[{i}]": n for i, n in enumerate(self.text_dense_units or ())}
        for name, value in sizes.items():
            if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
                raise ValueError(f"{name} must be a whole number of at least 1, got {value!r}")
        if self.text_feature not in TEXT_FEATURES:
            raise ValueError(f"text_feature must be one of {TEXT_FEATURES}, got {self.text_feature!r}")
        if self.text_feature == "glove" and self.embedding_dim != 50:
            raise ValueError(
                f"GloVe 6B vectors have 50 dimensions: embedding_dim must be 50, not {self.embedding_dim}"
            )

    def with_(self, **changes) -> ModelConfig:
        """A copy with some fields changed (``changes``: field -> value); returns a new ``ModelConfig``."""
        return replace(self, **changes)

    def to_dict(self) -> dict:
        """Plain-JSON form: field -> value, tuples as lists."""
        return {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(self).items()}

    @classmethod
    def from_dict(cls, values: dict) -> ModelConfig:
        """Inverse of ``to_dict``: a ``ModelConfig`` from field -> value (lists back to tuples)."""
        values = dict(values)
        values["dense_units"] = tuple(values["dense_units"])
        if values.get("text_dense_units") is not None:
            values["text_dense_units"] = tuple(values["text_dense_units"])
        return cls(**values)


PRESETS: dict[str, ModelConfig] = {
    # PATHOS defaults: smaller layers, per-speaker normalised MFCC pooled to 80 ms, Adam, class weights,
    # early stopping on validation speakers; words and punctuation (wordpunct tokens) go from the
    # embedding straight into the BLSTM. Chosen on real speech (EmoDB) and transcripts (MELD).
    "default": ModelConfig(),
    # The thesis as published: 34 features on 100 ms steps, no normalisation, Dense 512 x 2, BLSTM 128,
    # dropout 0.5, RMSprop 1e-4, batch 20, 100 epochs, no class weights, the last epoch kept.
    "thesis": ModelConfig(
        dense_units=(512, 512),
        text_dense_units=None,
        dropout=0.5,
        lstm_units=128,
        fusion_units=512,
        optimizer="rmsprop",
        learning_rate=1e-4,
        batch_size=20,
        epochs=100,
        patience=0,
        class_weights=False,
        audio_feature="thesis34",
        pool_frames=1,
        normalisation="none",
        max_frames=400,
        tokenizer="thesis",
        text_feature="glove",  # the thesis's pretrained GloVe (Wikipedia) vectors, as they are
        embedding_dim=50,
        freeze_embeddings=True,
    ),  # fmt: skip
    # Pretrained encoders in the same networks: Whisper tiny.en encoder frames (20 ms, pooled to 80 ms) for
    # audio, GloVe 6B vectors fine-tuned for text (08_pretrained).
    "pretrained": ModelConfig(
        audio_feature="whisper",
        pool_frames=4,
        text_feature="glove",
        embedding_dim=50,
    ),
}


def get_config(config: str | ModelConfig | None) -> ModelConfig:
    """A ``ModelConfig`` from a preset name, a config, or None (the default preset).

    Returns the config itself or ``PRESETS[name]``; raises ``ValueError`` for an unknown name.
    Plumbing for the model builders, ModelInputs and cross_validate.
    """
    if config is None:
        return PRESETS["default"]
    if isinstance(config, ModelConfig):
        return config
    if config not in PRESETS:
        raise ValueError(f"Unknown model preset {config!r}; presets: {list(PRESETS)}")
    return PRESETS[config]


def configure(preset: str | ModelConfig | None = "default", **changes: object) -> ModelConfig:
    """A preset with some sizes or settings changed: what a notebook's parameters cell asks for.

    ``preset``: a preset name, a ``ModelConfig`` or None (the default preset); ``changes``: ``ModelConfig``
    field -> value, where None keeps the preset's value and lists become tuples (``dense_units=[32]``).
    Returns a ``ModelConfig``; raises ``ValueError`` naming an unknown field or a value out of range.
    Explained in 03_audio_model.
    """
    config = get_config(preset)
    fields = set(asdict(config))
    unknown = sorted(set(changes) - fields)
    if unknown:
        raise ValueError(f"ModelConfig has no field {unknown}; its fields: {sorted(fields)}")
    given = {k: tuple(v) if isinstance(v, list) else v for k, v in changes.items() if v is not None}
    return config.with_(**given)


def device_summary() -> str:
    """Which device training runs on, and the Keras backend, in one line.

    Explained in 03_audio_model.
    """
    if torch.cuda.is_available():
        device = f"CUDA GPU {torch.cuda.get_device_name(0)}"
    else:
        device = f"CPU ({torch.get_num_threads()} threads)"
    return f"Keras {keras.__version__} on the {keras.backend.backend()} backend; device: {device}"


def set_precision(mixed: bool) -> str:
    """Use float16 compute (mixed precision) when asked and a GPU is present; returns the policy name.

    Plumbing for cross_validate (``ModelConfig.mixed_precision``).
    """
    policy = "mixed_float16" if mixed and torch.cuda.is_available() else "float32"
    keras.mixed_precision.set_global_policy(policy)
    return policy


# ----------------------------------------------------------------------------------------------
# Layers


@keras.saving.register_keras_serializable(package="pathos")
class AttentionPooling(layers.Layer):
    """Softmax attention over time: a score per step, weights summing to 1 over real steps, weighted sum.

    Padded steps (mask False) get zero weight. ``units``: size of the scoring layer; ``with_std``: also
    the attention-weighted standard deviation. Input (batch, time, dim) with a (batch, time) bool mask;
    output (batch, dim), or (batch, 2 * dim) with ``with_std``. ``return_attention=True`` also returns
    the weights (batch, time) float32, for plots. Explained in 03_audio_model.
    """

    def __init__(
        self, units: int = 64, return_attention: bool = False, with_std: bool = False, **kwargs
    ) -> None:
        super().__init__(**kwargs)
        self.units = units
        self.return_attention = return_attention
        self.with_std = with_std  # also return the attention-weighted standard deviation
        self.supports_masking = True

    def build(self, input_shape) -> None:
        """Keras hook: projection (dim, units), bias (units,) and context (units, 1) for (..., dim) inputs."""
        dim = input_shape[-1]
        self.projection = self.add_weight(
            name="projection", shape=(dim, self.units), initializer="glorot_uniform"
        )
        self.bias = self.add_weight(name="bias", shape=(self.units,), initializer="zeros")
        self.context = self.add_weight(name="context", shape=(self.units, 1), initializer="glorot_uniform")

    def call(self, inputs, mask=None):
        """``inputs``: (batch, time, dim); ``mask``: (batch, time) bool, or None (every step real).

        Returns pooled (batch, dim), (batch, 2 * dim) with ``with_std``, in the inputs' dtype; with
        ``return_attention``, ``(pooled, weights)``, weights (batch, time) float32 summing to 1 per row.
        """
        scores = ops.squeeze(
            ops.matmul(ops.tanh(ops.matmul(inputs, self.projection) + self.bias), self.context), -1
        )
        scores = ops.cast(scores, "float32")
        if mask is not None:
            scores = ops.where(mask, scores, ops.full_like(scores, -1e9))
        # softmax over time, written out (keras warns on a length-1 axis, e.g. one-word transcripts)
        weights = ops.exp(scores - ops.max(scores, axis=-1, keepdims=True))
        if mask is not None:
            weights = weights * ops.cast(mask, weights.dtype)
        weights = weights / ops.maximum(ops.sum(weights, axis=-1, keepdims=True), 1e-9)
        values = ops.cast(inputs, "float32")
        pooled = ops.sum(values * ops.expand_dims(weights, -1), axis=1)
        if self.with_std:
            variance = ops.sum(ops.square(values) * ops.expand_dims(weights, -1), axis=1) - ops.square(pooled)
            pooled = ops.concatenate([pooled, ops.sqrt(ops.maximum(variance, 1e-6))], axis=-1)
        pooled = ops.cast(pooled, inputs.dtype)
        return (pooled, weights) if self.return_attention else pooled

    def compute_mask(self, inputs, mask=None):
        """Keras hook: the time axis is pooled away, so no mask goes on (None)."""
        return None

    def compute_output_shape(self, input_shape):
        """Keras hook: the shape (or shapes) ``call`` returns for ``input_shape`` (batch, time, dim)."""
        pooled = (input_shape[0], input_shape[-1] * (2 if self.with_std else 1))
        return (pooled, (input_shape[0], input_shape[1])) if self.return_attention else pooled

    def get_config(self) -> dict:
        """Keras hook: the constructor arguments, to save and reload the layer."""
        return {**super().get_config(), "units": self.units, "return_attention": self.return_attention,
                "with_std": self.with_std}  # fmt: skip


@keras.saving.register_keras_serializable(package="pathos")
class MaskedBiLSTM(layers.Layer):
    """Bidirectional LSTM that reads each sequence only up to its true length (all steps returned).

    Runs torch's fused LSTM kernel (cuDNN on a GPU, oneDNN / native on a CPU) once per direction on the
    padded batch: the backward direction reads each sequence reversed within its own length, so padding
    never reaches it, and no Python loop runs over time steps (no packing either: packed sequences have a
    slow backward pass on a CPU). The mask must mark a prefix of each row (padding after the real steps, as
    ``Sequences.padded`` makes it). Output steps past a sequence's end are zero; the mask passes through.
    Gate layout matches ``keras.layers.LSTM``.
    ``units``: per direction. Input (batch, time, dim) with a (batch, time) bool mask; output
    (batch, time, 2 * units), the forward then the backward direction.
    Explained in 03_audio_model.
    """

    def __init__(self, units: int = 128, **kwargs) -> None:
        super().__init__(**kwargs)
        self.units = units
        self.supports_masking = True

    def build(self, input_shape) -> None:
        """Keras hook: per direction, kernel (4u, dim), recurrent (4u, u) and bias (4u,), u = ``units``."""
        dim, units = input_shape[-1], self.units
        self.cells = []
        for direction in ("forward", "backward"):
            self.cells.append(
                (
                    self.add_weight(
                        name=f"{direction}_kernel", shape=(4 * units, dim), initializer="glorot_uniform"
                    ),
                    self.add_weight(
                        name=f"{direction}_recurrent", shape=(4 * units, units), initializer="orthogonal"
                    ),
                    self.add_weight(
                        name=f"{direction}_bias", shape=(4 * units,), initializer=_forget_bias_one
                    ),
                )
            )

    def call(self, inputs, mask=None):
        """``inputs``: (batch, time, dim); ``mask``: (batch, time) bool, or None (every step real).

        Returns (batch, time, 2 * units) in the inputs' dtype, zero past each sequence's true length.
        """
        batch, steps = inputs.shape[0], inputs.shape[1]
        step = torch.arange(steps, device=inputs.device)[None, :]
        if mask is None:
            real = torch.full((batch, 1), steps, device=inputs.device)
        else:
            real = mask.to(torch.int64).sum(dim=1, keepdim=True)  # the mask is a prefix: padding after
        lengths = real.clamp(min=1)
        # the backward direction reads each sequence reversed within its own length; padding stays behind it
        order = torch.where(step < lengths, lengths - 1 - step, step)

        def reorder(x):
            return x.gather(1, order[..., None].expand(-1, -1, x.shape[-1]))

        zeros = torch.zeros(1, batch, self.units, dtype=inputs.dtype, device=inputs.device)
        outputs = []
        for (kernel, recurrent, bias), x in zip(self.cells, (inputs, reorder(inputs)), strict=True):
            params = [p.to(inputs.dtype) for p in (kernel.value, recurrent.value, bias.value)]
            params.append(torch.zeros_like(params[2]))  # torch's second bias; Keras has one
            out, _, _ = torch.lstm(x, (zeros, zeros), params, True, 1, 0.0, self.training, False, True)
            outputs.append(out)
        out = torch.cat([outputs[0], reorder(outputs[1])], dim=-1)
        return out * (step < real)[..., None].to(out.dtype)  # an all-padding row gives zeros

    def compute_mask(self, inputs, mask=None):
        """Keras hook: the input mask, unchanged."""
        return mask

    def compute_output_shape(self, input_shape):
        """Keras hook: (batch, time, 2 * units) for ``input_shape`` (batch, time, dim)."""
        return (*input_shape[:-1], 2 * self.units)

    def get_config(self) -> dict:
        """Keras hook: the constructor arguments, to save and reload the layer."""
        return {**super().get_config(), "units": self.units}


def _forget_bias_one(shape, dtype=None):
    """Bias initialiser: 1 for the forget gate (second quarter), 0 elsewhere, as Keras's LSTM does."""
    units = shape[0] // 4
    return ops.convert_to_tensor(np.r_[np.zeros(units), np.ones(units), np.zeros(2 * units)], dtype=dtype)


# ----------------------------------------------------------------------------------------------
# Networks


def _branch(x, config: ModelConfig, name: str):
    """Dense -> Dropout (x len(dense_units)) -> BiLSTM -> attention pooling; returns (pooled, weights)."""
    dense_units = config.dense_units
    if name == "text" and config.text_dense_units is not None:
        dense_units = config.text_dense_units
    for i, units in enumerate(dense_units):
        x = layers.Dense(units, activation="relu", name=f"{name}_dense{i + 1}")(x)
        x = layers.Dropout(config.dropout, name=f"{name}_dropout{i + 1}")(x)
    x = MaskedBiLSTM(config.lstm_units, name=f"{name}_blstm")(x)
    x = layers.Dropout(config.dropout, name=f"{name}_blstm_dropout")(x)
    return AttentionPooling(return_attention=True, with_std=config.pooling_std, name=f"{name}_attention")(x)


def _audio_input(n_features: int):
    inputs = keras.Input(shape=(None, n_features), name="audio")
    return inputs, layers.Masking(mask_value=0.0, name="audio_mask")(inputs)


def _text_input(vocabulary_size: int, config: ModelConfig, embeddings: np.ndarray | None):
    inputs = keras.Input(shape=(None,), dtype="int32", name="text")
    embedding = layers.Embedding(
        vocabulary_size, config.embedding_dim if embeddings is None else embeddings.shape[1],
        mask_zero=True, name="text_embedding",
        embeddings_initializer="uniform" if embeddings is None else keras.initializers.Constant(embeddings),
        trainable=not (config.freeze_embeddings and config.text_feature != "learned"),
    )  # fmt: skip
    return inputs, embedding(inputs)


def _head(pooled, n_classes: int, name: str):
    return layers.Dense(n_classes, activation="softmax", dtype="float32", name=name)(pooled)


def build_audio_model(
    n_features: int, n_classes: int, config: str | ModelConfig | None = None
) -> keras.Model:
    """Audio network: frames (batch, time, n_features), zero-padded -> class probabilities.

    ``config``: a preset name, a ``ModelConfig`` or None (the default preset). Returns an uncompiled
    ``keras.Model``: input ``audio`` (batch, time, n_features) float32, all-zero frames masked as padding;
    output (batch, n_classes) float32 softmax.
    Explained in 03_audio_model.
    """
    config = get_config(config)
    inputs, x = _audio_input(n_features)
    pooled, _ = _branch(x, config, "audio")
    return keras.Model(inputs, _head(pooled, n_classes, "emotion"), name="audio_model")


def build_text_model(
    vocabulary_size: int,
    n_classes: int,
    config: str | ModelConfig | None = None,
    embeddings: np.ndarray | None = None,
) -> keras.Model:
    """Text network: token ids (batch, time), 0 = padding -> class probabilities.

    ``vocabulary_size``: ``len(vocabulary)``; ``config``: as in ``build_audio_model``; ``embeddings``
    (vocabulary_size x dim) float initialises the embedding layer (e.g. from GloVe via
    ``load_word_vectors``; still trained), else it is random of ``config.embedding_dim``. Returns an
    uncompiled ``keras.Model``: input ``text`` (batch, time) int32; output (batch, n_classes) float32.
    Explained in 04_text_model.
    """
    config = get_config(config)
    inputs, x = _text_input(vocabulary_size, config, embeddings)
    pooled, _ = _branch(x, config, "text")
    return keras.Model(inputs, _head(pooled, n_classes, "emotion"), name="text_model")


def build_fusion_model(
    n_features: int,
    vocabulary_size: int,
    n_classes: int,
    config: str | ModelConfig | None = None,
    embeddings: np.ndarray | None = None,
) -> keras.Model:
    """Fused network: both branches' attention-pooled vectors concatenated -> Dense relu -> softmax.

    No alignment between words and frames is needed: each branch pools its own sequence. Arguments as in
    ``build_audio_model`` and ``build_text_model``. Returns an uncompiled ``keras.Model`` taking
    ``{"audio": (batch, time, n_features) float32, "text": (batch, tokens) int32}`` to (batch, n_classes)
    float32. Explained in 05_fusion.
    """
    config = get_config(config)
    audio_in, audio_x = _audio_input(n_features)
    text_in, text_x = _text_input(vocabulary_size, config, embeddings)
    audio_pooled, _ = _branch(audio_x, config, "audio")
    text_pooled, _ = _branch(text_x, config, "text")
    x = layers.Concatenate(name="fusion_concat")([audio_pooled, text_pooled])
    x = layers.Dense(config.fusion_units, activation="relu", name="fusion_dense")(x)
    x = layers.Dropout(config.dropout, name="fusion_dropout")(x)
    return keras.Model(
        {"audio": audio_in, "text": text_in}, _head(x, n_classes, "emotion"), name="fusion_model"
    )


def attention_model(model: keras.Model) -> keras.Model:
    """A model with the same inputs returning the attention weights of each branch (dict by branch).

    ``model``: a network from the builders. Its outputs: branch ("audio", "text") -> weights (batch, time)
    float32; raises ``ValueError`` when ``model`` has no attention layers.
    Plumbing for TrainedModel.attention (05_fusion).
    """
    outputs = {}
    for name in ("audio", "text"):
        try:
            layer = model.get_layer(f"{name}_attention")
        except ValueError:
            continue
        outputs[name] = layer.output[1]
    if not outputs:
        raise ValueError(f"{model.name} has no attention layers")
    return keras.Model(model.input, outputs)


def late_fusion(
    audio_probabilities: np.ndarray, text_probabilities: np.ndarray, audio_weight: float
) -> np.ndarray:
    """The late-fusion baseline: a weighted average of the two unimodal probability matrices.

    ``audio_probabilities`` / ``text_probabilities``: (n, n_classes), the same rows and class order;
    ``audio_weight`` in [0, 1] (the text gets the rest). Returns (n, n_classes) float.
    Explained in 05_fusion.
    """
    if not 0.0 <= audio_weight <= 1.0:
        raise ValueError(f"audio_weight must be in [0, 1], got {audio_weight}")
    return audio_weight * np.asarray(audio_probabilities) + (1.0 - audio_weight) * np.asarray(
        text_probabilities
    )


__all__ = [
    "PRESETS", "AttentionPooling", "MaskedBiLSTM", "ModelConfig", "attention_model", "build_audio_model",
    "build_fusion_model", "build_text_model", "configure", "device_summary", "get_config", "late_fusion",
    "set_precision",
]  # fmt: skip
