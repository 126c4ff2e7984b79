"""Training stage: one network fitted on prepared sequences, with early stopping on validation speakers.

``build_network(inputs, n_classes)`` builds the audio, text or fused network that a fitted
``ModelInputs`` feeds; ``train_network`` fits it on batches of similar length (less padding), reshuffled
every epoch, weighting classes as sklearn's ``compute_class_weight("balanced")`` does, and, given
validation rows, records their UA and loss after every epoch and keeps the best epoch (Keras's
``EarlyStopping``). ``predict_probabilities`` runs a trained network over any prepared rows.
Explained in 03_audio_model.
"""

from __future__ import annotations

import time

import numpy as np
from sklearn.utils.class_weight import compute_class_weight

from . import models  # selects the torch backend before keras is imported
from .evaluation import unweighted_accuracy
from .inputs import ModelInputs, Sequences

keras = models.keras  # imported by pathos_lib.models after it chose the torch backend


def build_network(inputs: ModelInputs, n_classes: int | None = None, seed: int | None = None) -> keras.Model:
    """The network of ``inputs.modality`` sized for a fitted preprocessor (feature width, vocabulary).

    ``n_classes`` defaults to ``len(inputs.classes)``; ``seed`` seeds Python, numpy and Keras first, so the
    initial weights (and dropout in the training that follows) repeat. With ``text_feature="glove"`` the
    word embeddings start from GloVe (``pretrained.glove_embeddings``). Explained in 03_audio_model.
    """
    if seed is not None:
        keras.utils.set_random_seed(seed)
    n_classes = n_classes or len(inputs.classes)
    if inputs.modality == "audio":
        return models.build_audio_model(inputs.n_features, n_classes, inputs.config)
    if inputs.modality == "text":
        model = models.build_text_model(inputs.vocabulary_size, n_classes, inputs.config)
    else:
        model = models.build_fusion_model(inputs.n_features, inputs.vocabulary_size, n_classes, inputs.config)
    if inputs.config.text_feature == "glove":  # start from GloVe (set after building: not saved twice)
        from .pretrained import glove_embeddings

        model.get_layer("text_embedding").set_weights([glove_embeddings(inputs.vocabulary)[0]])
    return model


def balanced_class_weights(targets: np.ndarray, n_classes: int) -> np.ndarray:
    """Per-class loss weights, shape (n_classes,): n / (classes present x count), as sklearn's
    ``compute_class_weight("balanced")``; 0 for a class absent from ``targets``. Explained in 03_audio_model.
    """
    weights = np.zeros(n_classes)
    present = np.unique(targets)
    weights[present] = compute_class_weight("balanced", classes=present, y=targets)
    return weights


def train_network(
    model: keras.Model,
    train: Sequences,
    train_targets: np.ndarray,
    config: models.ModelConfig,
    *,
    validation: tuple[Sequences, np.ndarray] | None = None,
    seed: int = 0,
) -> dict[str, list[float]]:
    """Compile and fit ``model``; returns the history (loss, epoch_seconds, val_ua and val_loss per epoch).

    ``train``: prepared rows and their class indices (n,); ``validation``: the same for the validation
    speakers (early stopping on their UA when ``config.patience``, best weights restored); ``seed``: the
    order of the batches (the weights were seeded by ``build_network``).
    Explained in 03_audio_model.
    """
    optimizer = {"adam": keras.optimizers.Adam, "rmsprop": keras.optimizers.RMSprop}[config.optimizer]
    model.compile(
        optimizer=optimizer(learning_rate=config.learning_rate), loss="sparse_categorical_crossentropy"
    )
    n_classes = model.output_shape[-1]
    weights = balanced_class_weights(train_targets, n_classes) if config.class_weights else np.ones(n_classes)
    callbacks = [_EpochTimer()]  # first: it times training only, not the validation pass
    if validation is not None and len(validation[0]):
        callbacks.append(_ValidationUA(*validation, n_classes))
        if config.patience:
            stopper = keras.callbacks.EarlyStopping(
                monitor="val_ua", mode="max", patience=config.patience, restore_best_weights=True
            )
            callbacks.append(stopper)
    batches = _Batches(train, train_targets, weights, config.batch_size, seed)
    history = model.fit(batches, epochs=config.epochs, callbacks=callbacks, verbose=0)
    return {k: [float(v) for v in values] for k, values in history.history.items()}


def predict_probabilities(model: keras.Model, sequences: Sequences, batch_size: int = 64) -> np.ndarray:
    """Class probabilities of every prepared row, shape (n, n_classes), in the rows' order; ``batch_size``
    rows at a time, grouped by length for speed. Explained in 03_audio_model."""
    order = np.argsort(sequences.lengths(), kind="stable")
    out = np.zeros((len(sequences), model.output_shape[-1]), dtype=np.float32)
    for start in range(0, len(sequences), batch_size):
        chosen = order[start : start + batch_size]
        out[chosen] = model.predict_on_batch(sequences.model_input(chosen))
    return out


class _EpochTimer(keras.callbacks.Callback):
    """Adds ``epoch_seconds`` (wall time of the epoch's training batches) to the epoch logs."""

    def on_epoch_begin(self, epoch, logs=None):
        self.started = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None:
            logs["epoch_seconds"] = time.perf_counter() - self.started


class _ValidationUA(keras.callbacks.Callback):
    """Adds ``val_ua`` (validation unweighted accuracy) and ``val_loss`` to the epoch logs."""

    def __init__(self, sequences: Sequences, targets: np.ndarray, n_classes: int) -> None:
        super().__init__()
        self.sequences, self.targets, self.classes = sequences, targets, list(range(n_classes))

    def on_epoch_end(self, epoch, logs=None):
        probabilities = predict_probabilities(self.model, self.sequences)
        if logs is not None:
            logs["val_ua"] = unweighted_accuracy(self.targets, probabilities.argmax(1), self.classes)
            chosen = probabilities[np.arange(len(self.targets)), self.targets]
            logs["val_loss"] = float(-np.mean(np.log(np.clip(chosen, 1e-7, 1.0))))


class _Batches(keras.utils.PyDataset):
    """Training batches of similar length (less padding), reshuffled every epoch, with class weights."""

    def __init__(self, sequences: Sequences, targets: np.ndarray, class_weights: np.ndarray,
                 batch_size: int, seed: int) -> None:  # fmt: skip
        super().__init__()
        self.sequences, self.targets, self.class_weights = sequences, targets, class_weights
        self.batch_size, self.rng = batch_size, np.random.default_rng(seed)
        self.lengths = sequences.lengths()
        self.on_epoch_end()

    def __len__(self) -> int:
        return -(-len(self.sequences) // self.batch_size)

    def __getitem__(self, index: int):
        rows = self.batches[index]
        targets = self.targets[rows]
        return self.sequences.model_input(rows), targets, self.class_weights[targets].astype("float32")

    def on_epoch_end(self) -> None:
        order = self.rng.permutation(len(self.sequences))
        chunk = self.batch_size * 8  # sort by length inside chunks of 8 batches, then shuffle the batches
        for start in range(0, len(order), chunk):
            part = order[start : start + chunk]
            order[start : start + chunk] = part[np.argsort(self.lengths[part], kind="stable")]
        batches = [order[i : i + self.batch_size] for i in range(0, len(order), self.batch_size)]
        self.batches = [batches[i] for i in self.rng.permutation(len(batches))]
