"""Cross-validation of the networks and of simple baselines, with everything fitted inside each fold.

``cross_validate(table, "audio" | "text" | "fusion" | "late_fusion", folds="session" | "thesis" | "random")``
trains one network per fold: the normaliser and the vocabulary are fitted on the fold's training rows, a
validation set of whole training speakers drives early stopping and model selection, seeds are set so a
CPU rerun gives the same numbers. ``baseline_cross_validate`` runs the simple baselines (MFCC statistics or
TF-IDF, then logistic regression) on the same folds. Results are saved as JSON + CSV under
``build/results/``, trained networks as ``.keras`` files under ``build/models/<name>/<fold>/`` with their
preprocessing state in plain JSON / npz beside them.
Explained in 03_audio_model, 04_text_model and 05_fusion.
"""

from __future__ import annotations

import json
import re
import time
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import numpy as np
import pandas as pd

from . import models  # selects the torch backend before keras is imported
from .audio_features import FeatureConfig, Normaliser, average_frames, extract_corpus, pad_sequences
from .corpus import check_table
from .evaluation import confusion, scores
from .paths import build_dir
from .splits import Fold, make_folds, validation_split
from .text_features import Vocabulary, tokenize

keras = models.keras  # imported by pathos_lib.models after it chose the torch backend

MODALITIES = ("audio", "text", "fusion", "late_fusion")
QUICK_EPOCHS = 20


@dataclass
class CVResult:
    """Scores of one system over the folds of one protocol, with everything needed to inspect them."""

    name: str
    modality: str
    protocol: str
    labels: list[str]
    config: dict
    per_fold: pd.DataFrame
    predictions: pd.DataFrame  # utt_id, fold, label, predicted, prob_<class> for every test row
    histories: dict[str, dict[str, list[float]]] = field(default_factory=dict)
    validation: pd.DataFrame | None = None  # the same for validation rows (used by late fusion)
    corpus: str = "custom"
    notes: list[str] = field(default_factory=list)
    fingerprint: str = ""  # hash of the rows, labels and settings that produced it (for reuse)

    @property
    def wa(self) -> float:
        """Weighted accuracy (overall accuracy), mean over folds."""
        return float(self.per_fold["wa"].mean())

    @property
    def ua(self) -> float:
        """Unweighted accuracy (mean per-class recall), mean over folds."""
        return float(self.per_fold["ua"].mean())

    @property
    def f1(self) -> float:
        """Macro-F1, mean over folds."""
        return float(self.per_fold["f1"].mean())

    @property
    def std(self) -> dict[str, float]:
        """Standard deviation over folds of WA, UA and F1 (0 for a single fold)."""
        return {m: float(self.per_fold[m].std(ddof=0)) for m in ("wa", "ua", "f1")}

    @property
    def confusion_counts(self) -> pd.DataFrame:
        """Confusion matrix summed over folds (counts; rows true, columns predicted)."""
        return confusion(
            self.predictions["label"], self.predictions["predicted"], self.labels, normalise=False
        )

    @property
    def confusion_matrix(self) -> pd.DataFrame:
        """The summed confusion matrix, row-normalised (each true class sums to 1)."""
        return confusion(self.predictions["label"], self.predictions["predicted"], self.labels)

    @property
    def per_class_recall(self) -> dict[str, float]:
        """Recall of each class over all test predictions pooled."""
        return {label: float(self.confusion_matrix.loc[label, label]) for label in self.labels}

    def summary(self) -> dict:
        """The headline numbers as plain values."""
        return {
            "name": self.name, "modality": self.modality, "protocol": self.protocol, "corpus": self.corpus,
            "wa": self.wa, "ua": self.ua, "f1": self.f1, "std": self.std, "folds": len(self.per_fold),
            "per_class_recall": self.per_class_recall,
        }  # fmt: skip

    def save(self, folder: str | Path | None = None) -> Path:
        """Write ``<name>.json`` (summary, scores per fold, confusion, config) and the predictions as CSV."""
        folder = Path(folder) if folder is not None else build_dir() / "results"
        folder.mkdir(parents=True, exist_ok=True)
        payload = {
            **self.summary(),
            "labels": self.labels,
            "config": self.config,
            "per_fold": self.per_fold.to_dict(orient="records"),
            "confusion_counts": self.confusion_counts.to_numpy().tolist(),
            "histories": self.histories,
            "notes": self.notes,
            "fingerprint": self.fingerprint,
        }
        path = folder / f"{self.name}.json"
        self.predictions.to_csv(folder / f"{self.name}_predictions.csv", index=False)
        if self.validation is not None:
            self.validation.to_csv(folder / f"{self.name}_validation.csv", index=False)
        path.write_text(json.dumps(payload, indent=1, default=float))  # written last: marks completion
        return path

    @classmethod
    def load(cls, path: str | Path) -> CVResult:
        """Read a result written by ``save`` (its ``.json`` path)."""
        path = Path(path)
        payload = json.loads(path.read_text())
        validation = path.with_name(f"{payload['name']}_validation.csv")
        return cls(
            name=payload["name"], modality=payload["modality"], protocol=payload["protocol"],
            labels=payload["labels"], config=payload["config"], per_fold=pd.DataFrame(payload["per_fold"]),
            predictions=pd.read_csv(path.with_name(f"{payload['name']}_predictions.csv")),
            histories=payload["histories"],
            validation=pd.read_csv(validation) if validation.is_file() else None,
            corpus=payload["corpus"], notes=payload["notes"], fingerprint=payload.get("fingerprint", ""),
        )  # fmt: skip

    def __repr__(self) -> str:
        std = self.std
        return (
            f"CVResult({self.name}: WA {self.wa:.3f} ± {std['wa']:.3f}, UA {self.ua:.3f} ± {std['ua']:.3f}, "
            f"F1 {self.f1:.3f} over {len(self.per_fold)} fold(s))"
        )


# ----------------------------------------------------------------------------------------------
# The networks


def cross_validate(
    table: pd.DataFrame,
    modality: str,
    folds: str | list[Fold] = "session",
    labels: list[str] | None = None,
    config: str | models.ModelConfig | None = None,
    seed: int = 0,
    epochs: int | None = None,
    quick: bool = False,
    save: bool = True,
    save_models: bool = True,
    progress: bool = True,
    reuse: bool = False,
) -> CVResult:
    """Train and test one network per fold; returns the scores, predictions and training histories.

    ``modality``: "audio", "text", "fusion" (one network on both) or "late_fusion" (an audio and a text
    network whose probabilities are averaged with a weight chosen on the validation speakers).
    ``folds``: "session" (leave one ``session`` group out), "thesis" (train 1-4, test 5) or "random"
    (speaker-dependent; warns). ``labels`` fixes the class order (default: sorted labels of the table).
    ``config``: a preset name ("default", "thesis") or a ``ModelConfig``. ``epochs`` overrides the
    config's; ``quick=True`` caps them at 20 (CI). Text-only runs never read ``wav_path``; audio-only
    runs never read transcripts. ``reuse=True`` returns the saved result of an identical earlier run
    (same rows, labels, protocol, settings and seed) from ``build/results/`` instead of training again.
    Explained in 03_audio_model.
    """
    if modality not in MODALITIES:
        raise ValueError(f"modality must be one of {MODALITIES}, got {modality!r}")
    config = models.get_config(config)
    epochs = epochs or config.epochs
    if quick:
        epochs = min(epochs, QUICK_EPOCHS)
    config = config.with_(epochs=epochs)
    if modality == "late_fusion":
        parts = {
            m: cross_validate(
                table, m, folds, labels, config, seed, epochs, quick, save, save_models, progress, reuse
            )
            for m in ("audio", "text")
        }
        result = late_fusion_result(parts["audio"], parts["text"])
        if save:
            result.save()
        return result

    needs = {"audio": "audio", "text": "text", "fusion": "both"}[modality]
    table, notes = _usable_rows(check_table(table, needs), modality)
    labels = list(labels) if labels is not None else sorted(table["label"].unique())
    unknown = sorted(set(table["label"]) - set(labels))
    if unknown:
        raise ValueError(f"The table has labels {unknown} outside labels={labels}")
    protocol = folds if isinstance(folds, str) else "custom"
    name = _result_name(table, modality, protocol, config, seed, quick)
    fold_key = folds if isinstance(folds, str) else [f.test.tolist() for f in folds]
    fingerprint = _fingerprint(table, labels, modality, fold_key, config, seed, quick)
    saved = build_dir() / "results" / f"{name}.json"
    if reuse and saved.is_file():
        earlier = CVResult.load(saved)
        if earlier.fingerprint == fingerprint:
            if progress:
                print(f"reusing {saved} (same rows, labels, protocol, settings and seed)")
            return earlier
    data = _Inputs(table, modality, config, progress)
    notes += data.notes
    y = table["label"].map({label: i for i, label in enumerate(labels)}).to_numpy()
    models.set_precision(config.mixed_precision)

    per_fold, predictions, validations, histories = [], [], [], {}
    fold_list = make_folds(table, folds, seed=seed)
    for index, fold in enumerate(fold_list):
        model, history, fit, val, epochs_run = _train_fold(
            table, data, y, fold, config, len(labels), seed + index
        )
        test_probabilities = _predict(model, data, fold.test)
        predictions.append(_prediction_frame(table, fold.test, y, test_probabilities, labels, fold.name))
        if len(val):
            val_probabilities = _predict(model, data, val)
            validations.append(_prediction_frame(table, val, y, val_probabilities, labels, fold.name))
        fold_scores = scores(y[fold.test], test_probabilities.argmax(1), list(range(len(labels))))
        fold_scores = _named_recalls(fold_scores, labels)
        per_fold.append({"fold": fold.name, "n_train": len(fit), "n_validation": len(val),
                         "n_test": len(fold.test), "epochs": epochs_run, **fold_scores})  # fmt: skip
        histories[fold.name] = history
        if save_models:
            data.save(build_dir() / "models" / name / _slug(fold.name), model, fit, labels)
        if progress:
            print(
                f"  {fold.name}: UA {fold_scores['ua']:.3f}, WA {fold_scores['wa']:.3f} ({epochs_run} epochs)"
            )
    result = CVResult(
        name=name, modality=modality, protocol=protocol, labels=labels,
        config={**config.to_dict(), "seed": seed, "quick": quick},
        per_fold=pd.DataFrame(per_fold), predictions=pd.concat(predictions, ignore_index=True),
        histories=histories, validation=pd.concat(validations, ignore_index=True) if validations else None,
        corpus=table.attrs.get("corpus", "custom"), notes=notes, fingerprint=fingerprint,
    )  # fmt: skip
    if save:
        result.save()
    return result


def late_fusion_result(audio: CVResult, text: CVResult) -> CVResult:
    """Combine two unimodal results fold by fold: audio weight chosen on validation UA, applied to test.

    Explained in 05_fusion.
    """
    if list(audio.per_fold["fold"]) != list(text.per_fold["fold"]) or audio.labels != text.labels:
        raise ValueError("late fusion needs audio and text results on the same folds and labels")
    labels = audio.labels
    prob_columns = [f"prob_{label}" for label in labels]
    weights = np.round(np.linspace(0, 1, 11), 2)
    per_fold, predictions = [], []
    for fold in audio.per_fold["fold"]:
        weight = 0.5
        if audio.validation is not None and text.validation is not None:
            va = audio.validation[audio.validation["fold"] == fold].set_index("utt_id")
            vt = text.validation[text.validation["fold"] == fold].set_index("utt_id").loc[va.index]
            truth = va["label"].map(labels.index).to_numpy()
            if len(va):
                val_ua = [
                    scores(truth, models.late_fusion(va[prob_columns], vt[prob_columns], w).argmax(1),
                           list(range(len(labels))))["ua"]
                    for w in weights
                ]  # fmt: skip
                weight = float(weights[int(np.argmax(val_ua))])
        ta = audio.predictions[audio.predictions["fold"] == fold].set_index("utt_id")
        tt = text.predictions[text.predictions["fold"] == fold].set_index("utt_id").loc[ta.index]
        fused = models.late_fusion(ta[prob_columns].to_numpy(), tt[prob_columns].to_numpy(), weight)
        truth = ta["label"].map(labels.index).to_numpy()
        frame = ta[["fold", "label"]].copy()
        frame["predicted"] = [labels[i] for i in fused.argmax(1)]
        frame[prob_columns] = fused
        predictions.append(frame.reset_index())
        fold_scores = scores(truth, fused.argmax(1), list(range(len(labels))))
        row = audio.per_fold[audio.per_fold["fold"] == fold].iloc[0]
        per_fold.append({"fold": fold, "n_train": row["n_train"], "n_validation": row["n_validation"],
                         "n_test": len(ta), "audio_weight": weight,
                         **_named_recalls(fold_scores, labels)})  # fmt: skip
    name = audio.name.replace("_audio_", "_late_fusion_")
    return CVResult(
        name=name, modality="late_fusion", protocol=audio.protocol, labels=labels, config=audio.config,
        per_fold=pd.DataFrame(per_fold), predictions=pd.concat(predictions, ignore_index=True),
        histories={}, corpus=audio.corpus, notes=audio.notes + text.notes,
    )  # fmt: skip


class TrainedModel:
    """A network saved by ``cross_validate`` (``build/models/<name>/<fold>/``) with its preprocessing.

    ``probabilities(table)`` and ``attention(table)`` take rows with the corpus schema; audio rows are
    read, pooled and normalised exactly as in training (per-speaker statistics, where used, come from the
    rows given; ``new_speakers="global"`` uses the training statistics instead). ``features`` (utt_id ->
    unpooled feature frames) replaces reading ``wav_path``. Explained in 05_fusion.
    """

    def __init__(self, folder: str | Path) -> None:
        folder = Path(folder)
        if not (folder / "model.keras").is_file():
            raise FileNotFoundError(
                f"No trained model at {folder} (expected model.keras and preprocessing.json)"
            )
        self.folder = folder
        self.state = json.loads((folder / "preprocessing.json").read_text())
        self.modality, self.labels = self.state["modality"], self.state["labels"]
        self.config = models.ModelConfig.from_dict(self.state["config"])
        self.model = keras.saving.load_model(folder / "model.keras", safe_mode=True)
        normaliser = folder / "normaliser.npz"
        self.normaliser = Normaliser.load(normaliser) if normaliser.is_file() else None
        vocabulary = folder / "vocabulary.json"
        self.vocabulary = Vocabulary.from_json(vocabulary) if vocabulary.is_file() else None

    def add_speaker(self, speaker: str, wav_paths: list[str | Path]) -> None:
        """Normalise ``speaker`` with statistics of these recordings (read and pooled as in training).

        Does nothing for a network without per-speaker normalisation. Explained in 07_try_it.
        """
        if self.normaliser is None or not self.normaliser.per_speaker:
            return
        table = pd.DataFrame({"utt_id": [f"{speaker}/{i}" for i in range(len(wav_paths))],
                              "wav_path": [str(path) for path in wav_paths]})  # fmt: skip
        recordings = _Inputs(table, "audio", self.config, progress=False).raw
        self.normaliser.add_speaker(speaker, list(recordings.values()))

    @property
    def step_seconds(self) -> float:
        """Seconds between two steps of the audio sequence the network reads (after pooling)."""
        return FeatureConfig(self.config.audio_feature).hop_s * max(self.config.pool_frames, 1)

    def inputs(
        self,
        table: pd.DataFrame,
        features: Mapping[str, np.ndarray] | None = None,
        new_speakers: str = "own",
    ):
        """Padded model inputs for the rows of ``table``, and the true length of each sequence.

        The same preprocessing object as in training (``_Inputs``), with the saved normaliser and
        vocabulary in place of fitted ones.
        """
        table = table.reset_index(drop=True)
        data = _Inputs(table, self.modality, self.config, progress=False, features=features)
        data.normaliser, data.vocabulary = self.normaliser, self.vocabulary
        data.new_speakers = new_speakers
        rows = np.arange(len(table))
        data.prepare(rows)
        ids = table["utt_id"].to_numpy()
        lengths = {}
        if self.modality in ("audio", "fusion"):
            lengths["audio"] = [min(len(data.audio[u]), self.config.max_frames) for u in ids]
        if self.modality in ("text", "fusion"):
            lengths["text"] = [min(len(data.text[u]), self.config.max_tokens) for u in ids]
        return data.inputs(rows), lengths

    def probabilities(
        self,
        table: pd.DataFrame,
        features: Mapping[str, np.ndarray] | None = None,
        new_speakers: str = "own",
    ) -> pd.DataFrame:
        """Class probabilities, one row per utterance."""
        inputs, _ = self.inputs(table, features, new_speakers)
        probabilities = self.model.predict_on_batch(inputs)
        return pd.DataFrame(np.asarray(probabilities), index=table["utt_id"].to_numpy(), columns=self.labels)

    def attention(
        self,
        table: pd.DataFrame,
        features: Mapping[str, np.ndarray] | None = None,
        new_speakers: str = "own",
    ) -> dict[str, list[np.ndarray]]:
        """Attention weights of each branch for each row, trimmed to the row's true length."""
        inputs, lengths = self.inputs(table, features, new_speakers)
        weights = models.attention_model(self.model).predict_on_batch(inputs)
        return {
            branch: [np.asarray(weights[branch])[i, :n] for i, n in enumerate(lengths[branch])]
            for branch in weights
        }


def model_folder(result: CVResult, fold: str | None = None) -> Path:
    """Where ``cross_validate`` saved the network of ``fold`` (default: the result's only fold).

    Explained in 05_fusion.
    """
    folds = list(result.per_fold["fold"])
    if fold is None:
        if len(folds) != 1:
            raise ValueError(f"{result.name} has {len(folds)} folds ({', '.join(folds)}); say which one")
        fold = folds[0]
    if fold not in folds:
        raise ValueError(f"{result.name} has no fold {fold!r}; its folds: {', '.join(folds)}")
    folder = build_dir() / "models" / result.name / _slug(fold)
    if not (folder / "model.keras").is_file():
        raise FileNotFoundError(
            f"No saved network at {folder}: was {result.name} run with save_models=False, or in another "
            "build folder?"
        )
    return folder


# ----------------------------------------------------------------------------------------------
# Baselines


def baseline_cross_validate(
    table: pd.DataFrame,
    modality: str,
    folds: str | list[Fold] = "session",
    labels: list[str] | None = None,
    seed: int = 0,
    tokenizer: str | None = None,
) -> CVResult:
    """The simple baselines on the same folds: MFCC statistics (audio) or TF-IDF (text), then logistic
    regression with balanced class weights. The networks are taught against these.

    The TF-IDF baseline reads the same tokens as the default text network (``tokenizer`` overrides it,
    e.g. ``"thesis"`` to match the thesis preset): word unigrams and bigrams.

    Explained in 03_audio_model (audio) and 04_text_model (text).
    """
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    if modality not in ("audio", "text"):
        raise ValueError(f"baselines exist for 'audio' and 'text', got {modality!r}")
    table, notes = _usable_rows(check_table(table, modality), modality)
    labels = list(labels) if labels is not None else sorted(table["label"].unique())
    y = table["label"].map({label: i for i, label in enumerate(labels)}).to_numpy()
    if modality == "audio":
        features = extract_corpus(table, "mfcc", progress=False)
        x = np.stack([np.concatenate([features[u].mean(0), features[u].std(0)]) for u in table["utt_id"]])
    else:
        x = table["transcript"].fillna("").to_numpy()
    per_fold, predictions = [], []
    for fold in make_folds(table, folds, seed=seed):
        if modality == "audio":
            model = make_pipeline(
                StandardScaler(), LogisticRegression(max_iter=3000, class_weight="balanced")
            )
        else:
            vectoriser = TfidfVectorizer(
                tokenizer=partial(tokenize, method=tokenizer or models.PRESETS["default"].tokenizer),
                token_pattern=None, lowercase=False, ngram_range=(1, 2),
            )  # fmt: skip
            model = make_pipeline(
                vectoriser, LogisticRegression(max_iter=3000, class_weight="balanced", C=5.0)
            )
        model.fit(x[fold.train], y[fold.train])
        probabilities = np.zeros((len(fold.test), len(labels)))
        probabilities[:, model.classes_] = model.predict_proba(x[fold.test])
        predictions.append(_prediction_frame(table, fold.test, y, probabilities, labels, fold.name))
        fold_scores = scores(y[fold.test], probabilities.argmax(1), list(range(len(labels))))
        per_fold.append({"fold": fold.name, "n_train": len(fold.train), "n_validation": 0,
                         "n_test": len(fold.test),
                         **_named_recalls(fold_scores, labels)})  # fmt: skip
    kind = "mfcc_stats_logreg" if modality == "audio" else "tfidf_logreg"
    protocol = folds if isinstance(folds, str) else "custom"
    name = f"{table.attrs.get('corpus', 'custom')}_{modality}_baseline_{kind}_{protocol}_seed{seed}"
    return CVResult(
        name=name, modality=f"{modality}_baseline", protocol=protocol, labels=labels,
        config={"baseline": kind},
        per_fold=pd.DataFrame(per_fold), predictions=pd.concat(predictions, ignore_index=True),
        corpus=table.attrs.get("corpus", "custom"), notes=notes,
    )  # fmt: skip


# ----------------------------------------------------------------------------------------------
# plumbing


class _Inputs:
    """Per-utterance inputs of a modality, and the per-fold fitting of their preprocessing."""

    def __init__(
        self,
        table: pd.DataFrame,
        modality: str,
        config: models.ModelConfig,
        progress: bool,
        features: Mapping[str, np.ndarray] | None = None,
    ) -> None:
        self.table, self.modality, self.config = table, modality, config
        self.notes: list[str] = []
        self.audio: dict[str, np.ndarray] = {}
        self.text: dict[str, np.ndarray] = {}
        self.normaliser: Normaliser | None = None
        self.vocabulary: Vocabulary | None = None
        self.new_speakers = "own"  # how the normaliser treats speakers it was not fitted on
        if modality in ("audio", "fusion"):
            self.feature = FeatureConfig(config.audio_feature)
            if features is None:  # else computed by the caller (e.g. from samples, not a file)
                features = self._extract(progress)
            ids = table["utt_id"]
            self.raw = {u: average_frames(np.asarray(features[u]), config.pool_frames) for u in ids}

    def _extract(self, progress: bool):
        extracted = extract_corpus(self.table, self.feature, progress=progress)
        if extracted.failed:
            listed = "; ".join(list(extracted.failed.values())[:5])
            raise ValueError(
                f"{len(extracted.failed)} audio file(s) could not be read ({listed}); remove those rows "
                "from the table (or fix the files) before training"
            )
        return extracted

    def fit(self, rows: np.ndarray) -> None:
        """Fit the normaliser / vocabulary on ``rows`` (training rows of a fold) only."""
        ids = self.table["utt_id"].to_numpy()
        if self.modality in ("audio", "fusion"):
            speakers = self.table["speaker"].to_numpy()
            self.normaliser = None  # "none": raw features, as the thesis fed them
            if self.config.normalisation != "none":
                self.normaliser = Normaliser(per_speaker=self.config.normalisation == "speaker")
                self.normaliser.fit(self.raw, list(ids[rows]), list(speakers[rows]))
        if self.modality in ("text", "fusion"):
            texts = self.table["transcript"].to_numpy()[rows]
            self.vocabulary = Vocabulary.fit(
                texts, tokenizer=self.config.tokenizer, min_count=self.config.min_count
            )
        self.audio, self.text = {}, {}

    def prepare(self, rows: np.ndarray) -> None:
        """Normalise / encode ``rows`` as one set (a new speaker's statistics come from all its rows here)."""
        ids = self.table["utt_id"].to_numpy()[rows]
        if self.modality in ("audio", "fusion"):
            if self.normaliser is None:
                self.audio.update({u: self.raw[u] for u in ids})
            else:
                speakers = list(self.table["speaker"].to_numpy()[rows])
                self.audio.update(self.normaliser.transform(self.raw, list(ids), speakers, self.new_speakers))
        if self.modality in ("text", "fusion"):
            texts = self.table["transcript"].to_numpy()[rows]
            self.text.update(
                {
                    u: np.array(self.vocabulary.encode(t), dtype=np.int32)
                    for u, t in zip(ids, texts, strict=True)
                }
            )

    def lengths(self, rows: np.ndarray) -> np.ndarray:
        """Sequence length of each row (audio frames, or tokens for text-only)."""
        ids = self.table["utt_id"].to_numpy()[rows]
        source = self.audio if self.modality in ("audio", "fusion") else self.text
        return np.array([len(source[u]) for u in ids])

    def inputs(self, rows: np.ndarray):
        """Model inputs for prepared ``rows``, padded to the longest of them (capped by the config)."""
        ids = self.table["utt_id"].to_numpy()[rows]
        out = {}
        if self.modality in ("audio", "fusion"):
            arrays = [self.audio[u][: self.config.max_frames] for u in ids]
            out["audio"] = pad_sequences(arrays)[0]
        if self.modality in ("text", "fusion"):
            sequences = [self.text[u][: self.config.max_tokens] for u in ids]
            out["text"] = pad_sequences(sequences, value=0, dtype="int32")[0]
        return out if self.modality == "fusion" else next(iter(out.values()))

    def n_features(self) -> int:
        return next(iter(self.raw.values())).shape[1]

    def save(self, folder: Path, model, fit_rows: np.ndarray, labels: list[str]) -> None:
        """The trained model (.keras) and its preprocessing state (JSON / npz) in ``folder``."""
        folder.mkdir(parents=True, exist_ok=True)
        model.save(folder / "model.keras")
        state = {"modality": self.modality, "labels": labels, "config": self.config.to_dict(),
                 "n_train": int(len(fit_rows))}  # fmt: skip
        if self.modality in ("audio", "fusion"):
            state["feature"] = {"kind": self.feature.kind, "pool_frames": self.config.pool_frames}
            if self.normaliser is not None:
                self.normaliser.save(folder / "normaliser.npz")
        if self.vocabulary is not None:
            self.vocabulary.to_json(folder / "vocabulary.json")
        (folder / "preprocessing.json").write_text(json.dumps(state, indent=1))


def _train_fold(table, data: _Inputs, y, fold: Fold, config: models.ModelConfig, n_classes: int, seed: int):
    keras.utils.set_random_seed(seed)
    try:
        fit, val = validation_split(table, fold.train, fraction=0.125, seed=seed)
    except ValueError:
        fit, val = fold.train, np.array([], dtype=int)
    data.fit(fit)
    for rows in (fit, val, fold.test):
        if len(rows):
            data.prepare(rows)
    if data.modality == "audio":
        model = models.build_audio_model(data.n_features(), n_classes, config)
    elif data.modality == "text":
        model = models.build_text_model(len(data.vocabulary), n_classes, config)
    else:
        model = models.build_fusion_model(data.n_features(), len(data.vocabulary), n_classes, config)
    optimizer = {"adam": keras.optimizers.Adam, "rmsprop": keras.optimizers.RMSprop}[config.optimizer]
    model.compile(
        optimizer=optimizer(learning_rate=config.learning_rate), loss="sparse_categorical_crossentropy"
    )
    weights = np.ones(n_classes)
    if config.class_weights:
        counts = np.bincount(y[fit], minlength=n_classes)
        weights = np.where(counts > 0, len(fit) / (n_classes * np.maximum(counts, 1)), 0.0)
    callbacks = [_EpochTimer()]  # first: it times training only, not the validation pass
    if len(val):
        callbacks.append(_ValidationUA(data, val, y[val], n_classes))
        if config.patience:
            stopper = keras.callbacks.EarlyStopping(
                monitor="val_ua", mode="max", patience=config.patience, restore_best_weights=True
            )
            callbacks.append(stopper)
    batches = _Batches(data, fit, y, weights, config.batch_size, seed)
    history = model.fit(batches, epochs=config.epochs, callbacks=callbacks, verbose=0)
    logs = {k: [float(v) for v in values] for k, values in history.history.items()}
    return model, logs, fit, val, len(logs.get("loss", []))


class _EpochTimer(keras.callbacks.Callback):
    """Adds ``epoch_seconds`` (wall time of the epoch's training batches) to the epoch logs."""

    def on_epoch_begin(self, epoch, logs=None):
        self.started = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None:
            logs["epoch_seconds"] = time.perf_counter() - self.started


class _ValidationUA(keras.callbacks.Callback):
    """Adds ``val_ua`` (validation unweighted accuracy) and ``val_loss`` to the epoch logs."""

    def __init__(self, data: _Inputs, rows: np.ndarray, targets: np.ndarray, n_classes: int) -> None:
        super().__init__()
        self.data, self.rows, self.targets, self.classes = data, rows, targets, list(range(n_classes))

    def on_epoch_end(self, epoch, logs=None):
        probabilities = _predict(self.model, self.data, self.rows)
        if logs is not None:
            logs["val_ua"] = scores(self.targets, probabilities.argmax(1), self.classes)["ua"]
            chosen = probabilities[np.arange(len(self.targets)), self.targets]
            logs["val_loss"] = float(-np.mean(np.log(np.clip(chosen, 1e-7, 1.0))))


class _Batches(keras.utils.PyDataset):
    """Training batches of similar length (less padding), reshuffled every epoch, with class weights."""

    def __init__(self, data: _Inputs, rows: np.ndarray, y: np.ndarray, class_weights: np.ndarray,
                 batch_size: int, seed: int) -> None:  # fmt: skip
        super().__init__()
        self.data, self.rows, self.y, self.class_weights = data, np.asarray(rows), y, class_weights
        self.batch_size, self.rng = batch_size, np.random.default_rng(seed)
        self.lengths = data.lengths(self.rows)
        self.on_epoch_end()

    def __len__(self) -> int:
        return -(-len(self.rows) // self.batch_size)

    def __getitem__(self, index: int):
        rows = self.batches[index]
        targets = self.y[rows]
        return self.data.inputs(rows), targets, self.class_weights[targets].astype("float32")

    def on_epoch_end(self) -> None:
        order = self.rng.permutation(len(self.rows))
        chunk = self.batch_size * 8  # sort by length inside chunks of 8 batches, then shuffle the batches
        for start in range(0, len(order), chunk):
            part = order[start : start + chunk]
            order[start : start + chunk] = part[np.argsort(self.lengths[part], kind="stable")]
        batches = [self.rows[order[i : i + self.batch_size]] for i in range(0, len(order), self.batch_size)]
        self.batches = [batches[i] for i in self.rng.permutation(len(batches))]


def _predict(model, data: _Inputs, rows: np.ndarray, batch_size: int = 64) -> np.ndarray:
    """Class probabilities for prepared ``rows``, in their order (batched by length for speed)."""
    order = np.argsort(data.lengths(rows), kind="stable")
    out = np.zeros((len(rows), model.output_shape[-1]), dtype=np.float32)
    for start in range(0, len(rows), batch_size):
        chosen = order[start : start + batch_size]
        out[chosen] = model.predict_on_batch(data.inputs(rows[chosen]))
    return out


def _usable_rows(table: pd.DataFrame, modality: str) -> tuple[pd.DataFrame, list[str]]:
    """Rows that have what the modality needs; the others are left out and reported (never silently)."""
    notes = []
    keep = np.ones(len(table), dtype=bool)
    if modality in ("audio", "fusion"):
        missing = table["wav_path"].isna().to_numpy()
        if missing.any():
            notes.append(f"{missing.sum()} row(s) without wav_path left out of the {modality} run")
        keep &= ~missing
    if modality in ("text", "fusion"):
        missing = table["transcript"].isna().to_numpy()
        if missing.any():
            notes.append(f"{missing.sum()} row(s) without transcript left out of the {modality} run")
        keep &= ~missing
    for note in notes:
        warnings.warn(note, stacklevel=3)
    kept = table.loc[keep].reset_index(drop=True)
    kept.attrs = {"corpus": table.attrs.get("corpus", "custom")}
    return kept, notes


def _prediction_frame(table, rows, y, probabilities, labels, fold_name) -> pd.DataFrame:
    frame = pd.DataFrame({
        "utt_id": table["utt_id"].to_numpy()[rows], "fold": fold_name,
        "label": [labels[i] for i in y[rows]], "predicted": [labels[i] for i in probabilities.argmax(1)],
    })  # fmt: skip
    for i, label in enumerate(labels):
        frame[f"prob_{label}"] = probabilities[:, i]
    return frame


def _named_recalls(fold_scores: dict, labels: list[str]) -> dict:
    return {
        (f"recall_{labels[int(k.split('_')[1])]}" if k.startswith("recall_") else k): v
        for k, v in fold_scores.items()
    }


def _result_name(table, modality, folds, config, seed, quick) -> str:
    preset = next((n for n, c in models.PRESETS.items() if c.with_(epochs=config.epochs) == config), "custom")
    labels = "-".join(sorted(table["label"].unique()))
    return _slug(f"{table.attrs.get('corpus', 'custom')}_{modality}_{folds}_{preset}_{labels}_seed{seed}"
                 + ("_quick" if quick else ""))  # fmt: skip


def _fingerprint(table, labels, modality, folds, config, seed, quick) -> str:
    import hashlib

    columns = [table[c].astype(str).tolist() for c in ("utt_id", "label", "session", "speaker")]
    parts = [*columns, labels, modality, folds, config.to_dict(), seed, quick]
    return hashlib.sha1(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()[:16]


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", text).strip("-")
