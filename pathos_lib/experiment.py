"""Cross-validation stage: one network per fold, everything fitted inside the fold, results and models saved.

``cross_validate(table, "audio" | "text" | "fusion" | "late_fusion", protocol="session" | "thesis" |
"random")`` trains one network per fold: the preprocessing (``ModelInputs``: normaliser, vocabulary) is
fitted on the fold's training rows, a validation set of whole training speakers drives early stopping and
model selection, seeds are set so a CPU rerun gives the same numbers. Results are saved as JSON + CSV
under ``build/results/`` (``CVResult``), trained networks as ``.keras`` files under
``build/models/<name>/<fold>/`` with their preprocessing state beside them (``TrainedModel`` reads them).
The simple baselines on the same folds are ``pathos_lib.baselines``.
Explained in 03_audio_model, 04_text_model and 05_fusion.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from . import models  # selects the torch backend before keras is imported
from .audio import as_waveform, audio_facts, unusual_audio
from .audio_features import compute_features
from .corpus import check_table, usable_rows
from .evaluation import unweighted_accuracy
from .inputs import ModelInputs, Sequences
from .paths import build_dir
from .results import CVResult, fold_scores, prediction_frame
from .splits import Fold, default_protocol, fit_and_validation, make_folds
from .training import build_network, predict_probabilities, train_network

keras = models.keras  # imported by pathos_lib.models after it chose the torch backend

MODALITIES = ("audio", "text", "fusion", "late_fusion")
QUICK_EPOCHS = 20
RESULTS_FORMAT = 2  # bump when saved results or model folders change shape (older ones are not reused)
VALIDATION_SHARE = 0.125  # of each fold's training rows, as whole speakers
LATE_FUSION_WEIGHTS = np.round(np.linspace(0, 1, 11), 2)  # audio weights tried on the validation speakers


def cross_validate(
    table: pd.DataFrame,
    modality: str,
    *,
    protocol: str | list[Fold] | None = None,
    classes: list[str] | None = None,
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

    ``table``: a corpus table (``load_corpus``); ``modality``: "audio", "text", "fusion" (one network on
    both) or "late_fusion" (an audio and a text network whose probabilities are averaged with a weight
    chosen on the validation speakers). ``protocol``: "session" (leave one ``session`` group out),
    "thesis" (train 1-4, test 5), "random" (speaker-dependent; warns), "official" (the corpus's own split:
    MELD), a list of ``Fold``, or None (default) for the corpus's usual one (``default_protocol``).
    ``classes`` fixes the class order (default: the sorted labels of the table). ``config``: a preset
    name ("default", "thesis") or a ``ModelConfig``. ``epochs`` overrides the config's; ``quick=True``
    caps them at 20 (CI). ``save`` writes the result under ``build/results/``, ``save_models`` each fold's
    network; ``progress`` prints a line per fold. Text-only runs never read ``wav_path``; audio-only runs
    never read transcripts.
    ``reuse=True`` returns the saved result of an identical earlier run (same rows, classes, protocol,
    settings and seed) from ``build/results/`` instead of training again.
    Returns a ``CVResult``. Explained in 03_audio_model.
    """
    if modality not in MODALITIES:
        raise ValueError(f"modality must be one of {MODALITIES}, got {modality!r}")
    config = models.get_config(config)
    epochs = epochs or config.epochs
    if quick:
        epochs = min(epochs, QUICK_EPOCHS)
    config = config.with_(epochs=epochs)
    if modality == "late_fusion":  # both networks on the rows that have audio and words
        table, _ = usable_rows(check_table(table, "both"), "fusion")
        settings = dict(protocol=protocol, classes=classes, config=config, seed=seed, quick=quick, save=save,
                        save_models=save_models, progress=progress, reuse=reuse)  # fmt: skip
        result = late_fusion_result(
            cross_validate(table, "audio", **settings), cross_validate(table, "text", **settings)
        )
        if save:
            result.save()
        return result

    needs = {"audio": "audio", "text": "text", "fusion": "both"}[modality]
    table, notes = usable_rows(check_table(table, needs), modality)
    classes = list(classes) if classes is not None else sorted(table["label"].unique())
    unknown = sorted(set(table["label"]) - set(classes))
    if unknown:
        raise ValueError(f"The table has labels {unknown} outside classes={classes}")
    protocol = default_protocol(table) if protocol is None else protocol
    protocol_name = protocol if isinstance(protocol, str) else "custom"
    name = _result_name(table, modality, protocol_name, config, seed, quick)
    fold_key = protocol if isinstance(protocol, str) else [f.test.tolist() for f in protocol]
    fingerprint = _fingerprint(table, classes, modality, fold_key, config, seed, quick)
    saved = build_dir() / "results" / f"{name}.json"
    if reuse and saved.is_file():
        earlier = CVResult.load(saved, missing_ok=True)  # None: written by an older PATHOS, run again
        if earlier is not None and earlier.fingerprint == fingerprint:
            if progress:
                print(f"reusing {saved} (same rows, classes, protocol, settings and seed)")
            return earlier
    template = ModelInputs(modality, config, classes)
    features = None
    if template.uses_audio:  # audio that cannot be read (a corrupt clip) is left out and noted
        features = template.extract(table, progress, strict=False)
        table, unreadable = usable_rows(table, modality, features)
        notes += unreadable
    y = template.targets(table["label"])
    models.set_precision(config.mixed_precision)

    per_fold, predictions, validations, histories = [], [], [], {}
    for index, fold in enumerate(make_folds(table, protocol, seed=seed)):
        fold_seed = seed + index
        fit, val = fit_and_validation(table, fold, fraction=VALIDATION_SHARE, seed=fold_seed)
        inputs = ModelInputs(modality, config, classes).fit(table.iloc[fit], features)
        sets = {"fit": fit, "val": val, "test": fold.test}
        prepared = {k: inputs.transform(table.iloc[rows], features) for k, rows in sets.items() if len(rows)}
        model = build_network(inputs, seed=fold_seed)
        validation = (prepared["val"], y[val]) if len(val) else None
        history = train_network(model, prepared["fit"], y[fit], config, validation=validation, seed=fold_seed)
        ids = table["utt_id"].to_numpy()
        frames = {
            k: prediction_frame(ids[sets[k]], fold.name, y[sets[k]], predict_probabilities(model, s), classes)
            for k, s in prepared.items() if k != "fit"
        }  # fmt: skip
        test = frames["test"]
        predictions.append(test)
        if "val" in frames:
            validations.append(frames["val"])
        scored = fold_scores(test, classes)
        epochs_run = len(history.get("loss", []))
        per_fold.append({"fold": fold.name, "n_train": len(fit), "n_validation": len(val),
                         "n_test": len(fold.test), "epochs": epochs_run, **scored})  # fmt: skip
        histories[fold.name] = history
        if save_models:
            save_trained(build_dir() / "models" / name / _slug(fold.name), model, inputs)
        if progress:
            print(f"  {fold.name}: UA {scored['ua']:.3f}, WA {scored['wa']:.3f} ({epochs_run} epochs)")
    result = CVResult(
        name=name, modality=modality, protocol=protocol_name, classes=classes,
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

    The weight is the one of ``LATE_FUSION_WEIGHTS`` with the best validation UA (0.5 when a fold has no
    validation rows). Explained in 05_fusion.
    """
    if list(audio.per_fold["fold"]) != list(text.per_fold["fold"]) or audio.classes != text.classes:
        raise ValueError("late fusion needs audio and text results on the same folds and classes")
    classes = audio.classes
    columns = [f"prob_{c}" for c in classes]
    per_fold, predictions = [], []
    for fold in audio.per_fold["fold"]:
        weight = 0.5
        if audio.validation is not None and text.validation is not None:
            va = audio.validation[audio.validation["fold"] == fold].set_index("utt_id")
            vt = text.validation[text.validation["fold"] == fold].set_index("utt_id").loc[va.index]
            if len(va):
                truth, names = va["label"].to_numpy(), np.asarray(classes)
                val_ua = []
                for w in LATE_FUSION_WEIGHTS:
                    fused = models.late_fusion(va[columns].to_numpy(), vt[columns].to_numpy(), w)
                    val_ua.append(unweighted_accuracy(truth, names[fused.argmax(1)], classes))
                weight = float(LATE_FUSION_WEIGHTS[int(np.argmax(val_ua))])
        ta = audio.predictions[audio.predictions["fold"] == fold].set_index("utt_id")
        tt = text.predictions[text.predictions["fold"] == fold].set_index("utt_id").loc[ta.index]
        fused = models.late_fusion(ta[columns].to_numpy(), tt[columns].to_numpy(), weight)
        frame = prediction_frame(ta.index, fold, ta["label"].map(classes.index).to_numpy(), fused, classes)
        predictions.append(frame)
        row = audio.per_fold[audio.per_fold["fold"] == fold].iloc[0]
        per_fold.append({"fold": fold, "n_train": row["n_train"], "n_validation": row["n_validation"],
                         "n_test": len(ta), "audio_weight": weight,
                         **fold_scores(frame, classes)})  # fmt: skip
    name = audio.name.replace("_audio_", "_late_fusion_")
    return CVResult(
        name=name, modality="late_fusion", protocol=audio.protocol, classes=classes, config=audio.config,
        per_fold=pd.DataFrame(per_fold), predictions=pd.concat(predictions, ignore_index=True),
        histories={}, corpus=audio.corpus, notes=audio.notes + text.notes,
    )  # fmt: skip


def save_trained(folder: str | Path, model: keras.Model, inputs: ModelInputs) -> Path:
    """Write a trained network (``model.keras``) and its fitted preprocessor into ``folder``.

    ``TrainedModel(folder)`` reads them back. Plumbing for cross_validate.
    """
    folder = Path(folder)
    if folder.exists():
        shutil.rmtree(folder)  # no file of an earlier run (e.g. its normaliser) may outlive it
    folder.mkdir(parents=True)
    model.save(folder / "model.keras")
    inputs.save(folder)  # preprocessing.json last: a folder with it is complete
    write_manifest(folder)
    return folder


MANIFEST = "manifest.json"


def write_manifest(folder: str | Path) -> Path:
    """Record every file of a model folder with its size and SHA-256 in ``manifest.json``.

    ``TrainedModel`` checks them on loading, so a cut or changed file is told apart from a wrong one.
    Returns the manifest's path. Plumbing for save_trained.
    """
    folder = Path(folder)
    files = {
        path.name: {"bytes": path.stat().st_size, "sha256": hashlib.sha256(path.read_bytes()).hexdigest()}
        for path in sorted(folder.iterdir())
        if path.is_file() and path.name != MANIFEST
    }
    target = folder / MANIFEST
    target.write_text(json.dumps({"files": files}, indent=1))
    return target


def check_manifest(folder: str | Path) -> None:
    """Raise ``ValueError`` naming the first file of a model folder that is missing, cut or changed
    since ``write_manifest`` recorded it (nothing to check in folders saved without a manifest).
    Plumbing for TrainedModel."""
    folder = Path(folder)
    manifest = folder / MANIFEST
    if not manifest.is_file():
        return
    try:
        files = json.loads(manifest.read_text())["files"]
    except (ValueError, KeyError, TypeError) as error:
        raise ValueError(f"{manifest}: not a PATHOS manifest ({error})") from error
    for name, expected in files.items():
        path = folder / name
        if not path.is_file():
            raise ValueError(f"{path}: missing (the model folder's manifest.json lists it)")
        size = path.stat().st_size
        if size != expected["bytes"]:
            raise ValueError(
                f"{path}: {size} bytes where {expected['bytes']} were saved (cut or replaced since; copy the "
                "model folder again)"
            )
        if hashlib.sha256(path.read_bytes()).hexdigest() != expected["sha256"]:
            raise ValueError(f"{path}: changed since it was saved (its SHA-256 differs from manifest.json)")


class TrainedModel:
    """A network saved by ``cross_validate`` (``build/models/<name>/<fold>/``) with its preprocessing.

    ``probabilities(table)`` and ``attention(table)`` take rows with the corpus schema; audio rows are
    read, pooled and normalised exactly as in training, by the saved ``ModelInputs`` (per-speaker
    statistics, where used, come from the rows given; ``new_speakers="global"`` uses the training
    statistics instead). ``features`` (utt_id -> unpooled feature frames) replaces reading ``wav_path``.
    ``probabilities_of`` / ``attention_of`` take ``Sequences`` made by ``inputs.encode`` instead.
    Explained in 05_fusion.
    """

    def __init__(self, folder: str | Path) -> None:
        folder = Path(folder)
        if not (folder / "model.keras").is_file() or not (folder / "preprocessing.json").is_file():
            raise FileNotFoundError(
                f"No trained model at {folder} (expected model.keras and preprocessing.json)"
            )
        self.folder = folder
        check_manifest(folder)
        self.inputs = ModelInputs.load(folder)
        self.model = _load_network(folder / "model.keras")
        branches = sorted(i.name for i in self.model.inputs)
        expected = sorted(
            b for b, used in (("audio", self.inputs.uses_audio), ("text", self.inputs.uses_text)) if used
        )
        if branches != expected:
            raise ValueError(
                f"{folder}: model.keras reads {branches} but preprocessing.json describes a "
                f"{self.inputs.modality} network (reading {expected}); the files come from different models"
            )
        if self.inputs.uses_audio:
            width = self.model.get_layer("audio").output.shape[-1]
            if width != self.inputs.n_features:
                raise ValueError(
                    f"{folder}: model.keras reads {width} audio features per step, preprocessing.json "
                    f"says {self.inputs.n_features}; the files come from different models"
                )

    @property
    def modality(self) -> str:
        """ "audio", "text" or "fusion"."""
        return self.inputs.modality

    @property
    def classes(self) -> list[str]:
        """The classes, in the order of the network's outputs."""
        return self.inputs.classes

    @property
    def config(self) -> models.ModelConfig:
        """The settings the network was trained with."""
        return self.inputs.config

    @property
    def step_seconds(self) -> float:
        """Seconds between two steps of the audio sequence the network reads (after pooling)."""
        return self.inputs.step_seconds

    def add_speaker(self, speaker: str, recordings: list[str | Path | tuple[np.ndarray, int]]) -> None:
        """Normalise ``speaker`` with statistics of these recordings (wav paths or ``(samples, rate)``
        pairs, read and pooled as in training).

        Does nothing for a network without per-speaker normalisation. Raises ``ValueError`` naming a
        recording that cannot be read or holds no speech (silence or noise would skew the statistics).
        Explained in 07_try_it.
        """
        if not (self.inputs.uses_audio and self.inputs.normaliser and self.inputs.normaliser.per_speaker):
            return
        config = self.inputs.feature_config
        frames = [compute_features(voice_sample(r, i), config) for i, r in enumerate(recordings)]
        self.inputs.add_speaker(speaker, frames)

    def probabilities_of(self, sequences: Sequences) -> np.ndarray:
        """Class probabilities of prepared rows (``inputs.encode``), shape (n, len(classes)), in batches."""
        return predict_probabilities(self.model, sequences)

    def attention_of(self, sequences: Sequences, batch_size: int = 64) -> dict[str, list[np.ndarray]]:
        """branch -> each row's attention weights over its real steps (each (steps,), summing to 1)."""
        network = models.attention_model(self.model)
        out: dict[str, list[np.ndarray]] = {}
        for start in range(0, len(sequences), batch_size):
            rows = np.arange(start, min(start + batch_size, len(sequences)))
            weights = network.predict_on_batch(sequences.model_input(rows))
            for branch, lengths in sequences.true_lengths(rows).items():
                batch = np.asarray(weights[branch])
                out.setdefault(branch, []).extend(batch[i, :n] for i, n in enumerate(lengths))
        return out

    def probabilities(
        self,
        table: pd.DataFrame,
        features: Mapping[str, np.ndarray] | None = None,
        new_speakers: str = "own",
    ) -> pd.DataFrame:
        """Class probabilities of the rows of ``table`` (corpus schema), one row per utterance (index
        utt_id), one column per class. ``features``: utt_id -> unpooled (frames, features), instead of
        reading ``wav_path``; ``new_speakers``: "own" or "global" statistics for unknown speakers."""
        sequences = self.inputs.transform(table, features, new_speakers)
        return pd.DataFrame(
            self.probabilities_of(sequences), index=table["utt_id"].to_numpy(), columns=self.classes
        )

    def attention(
        self,
        table: pd.DataFrame,
        features: Mapping[str, np.ndarray] | None = None,
        new_speakers: str = "own",
    ) -> dict[str, list[np.ndarray]]:
        """branch -> each row's attention weights over its real steps; arguments as ``probabilities``."""
        return self.attention_of(self.inputs.transform(table, features, new_speakers))


def voice_sample(recording: str | Path | tuple[np.ndarray, int], index: int = 0) -> np.ndarray:
    """A recording of a speaker's voice (a wav path or ``(samples, sample_rate)``) as a 16 kHz waveform,
    refused (``ValueError`` naming it, or its ``index`` among the samples given) when it holds no speech:
    silence or noise. Plumbing for TrainedModel.add_speaker."""
    waveform = as_waveform(recording)
    name = recording if isinstance(recording, str | Path) else f"recording {index} (samples)"
    wrong = [
        f for f in unusual_audio(audio_facts(waveform)) if f.startswith(("no speech", "sounds like noise"))
    ]
    if wrong:
        raise ValueError(f"{name} cannot serve as a voice sample: {wrong[0]}")
    return waveform


def _load_network(path: Path) -> keras.Model:
    """``keras.saving.load_model`` in safe mode (no code runs on loading), with an error naming the file."""
    try:
        return keras.saving.load_model(path, safe_mode=True)
    except Exception as error:  # zip, HDF5, JSON and Keras errors alike: the file is not a saved network
        first = str(error).strip().splitlines()[0][:200] if str(error).strip() else ""
        raise ValueError(
            f"{path}: cannot be loaded as a Keras network ({type(error).__name__}: {first}); the file is "
            "damaged or not a model.keras saved by PATHOS"
        ) from error


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


def _result_name(table, modality, protocol, config, seed, quick) -> str:
    preset = next((n for n, c in models.PRESETS.items() if c.with_(epochs=config.epochs) == config), "custom")
    labels = "-".join(sorted(table["label"].unique()))
    return _slug(f"{table.attrs.get('corpus', 'custom')}_{modality}_{protocol}_{preset}_{labels}_seed{seed}"
                 + ("_quick" if quick else ""))  # fmt: skip


def _fingerprint(table, classes, modality, protocol, config, seed, quick) -> str:
    inputs = {"audio": ("wav_path",), "text": ("transcript",)}.get(modality, ("wav_path", "transcript"))
    keys = ("utt_id", "label", "session", "speaker", *(c for c in inputs if c in table))
    columns = [table[c].astype(str).tolist() for c in keys]  # what the network reads: a new corpus retrains
    parts = [*columns, classes, modality, protocol, config.to_dict(), seed, quick, RESULTS_FORMAT]
    return hashlib.sha1(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()[:16]


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", text).strip("-")
