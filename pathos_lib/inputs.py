"""Model-inputs stage: a corpus table and its features -> the padded arrays and masks a network reads.

``ModelInputs(modality, config, classes)`` is the one preprocessor of training, evaluation and prediction:
``fit(table, features)`` learns the normaliser (global or per-speaker z-scores of the pooled frames) and the
vocabulary from **training rows only**; ``encode(audio=, texts=, speakers=)`` or ``transform(table)``
turn utterances into ``Sequences``, which ``padded`` stacks into arrays and masks (cut at ``max_frames`` /
``max_tokens``); ``targets`` gives class indices; ``save`` / ``load`` keep the fitted state beside a
trained model as JSON and ``.npy`` files (no pickle). Its pieces are public too: ``average_frames``,
``Normaliser``, ``pad_sequences``.
Explained in 02_feature_extraction (normalising, padding) and 03_audio_model (the preprocessor).
"""

from __future__ import annotations

import functools
import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from .audio_features import FeatureConfig
from .feature_cache import FeatureSet, extract_corpus, file_identity
from .text_features import Vocabulary

if TYPE_CHECKING:  # models imports keras; the preprocessor itself does not need it
    from .models import ModelConfig

MODALITIES = ("audio", "text", "fusion")
NEW_SPEAKERS = ("own", "global")


def average_frames(array: np.ndarray, size: int) -> np.ndarray:
    """Average every ``size`` consecutive frames (the last, shorter group included), as float32.

    ``array``: (frames, features). Returns (ceil(frames / size), features). The default networks read
    MFCCs averaged over 8 frames (80 ms steps). Explained in 03_audio_model.
    """
    array = np.asarray(array)
    if size <= 1:
        return array.astype(np.float32)
    n = len(array)
    groups = -(-n // size)
    padded = np.concatenate([array, np.repeat(array[-1:], groups * size - n, axis=0)])
    return padded.reshape(groups, size, -1).mean(axis=1).astype(np.float32)


class Normaliser:
    """Per-column z-score, fitted on training utterances only, then applied to any utterances.

    ``per_speaker=True`` standardises each speaker by their own statistics: speakers seen in ``fit`` use
    their training statistics; a new (test) speaker uses statistics of their own frames among those being
    transformed (no labels involved: the usual speaker normalisation), or, with ``new_speakers="global"``,
    the global training statistics (for a single utterance, too little to estimate a voice from).
    ``add_speaker`` registers a new speaker from unlabelled recordings of their voice.
    Explained in 02_feature_extraction.
    """

    def __init__(self, per_speaker: bool = False) -> None:
        self.per_speaker = per_speaker
        self.mean: np.ndarray | None = None
        self.std: np.ndarray | None = None
        self.speaker_stats: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self.fitted_on: int = 0

    def fit(self, arrays: Sequence[np.ndarray], speakers: Sequence[str] | None = None) -> Normaliser:
        """Learn statistics from ``arrays`` (the training utterances, each (frames, features)) only.

        ``speakers``: one per array, needed when ``per_speaker``. Returns ``self``.
        """
        if not len(arrays):
            raise ValueError("Normaliser.fit needs at least one training utterance")
        self.mean, self.std = _column_stats(arrays)
        self.fitted_on = len(arrays)
        if self.per_speaker:
            self.speaker_stats = _stats_by_speaker(arrays, _need(speakers, arrays))
        return self

    def transform(
        self,
        arrays: Sequence[np.ndarray],
        speakers: Sequence[str] | None = None,
        new_speakers: str = "own",
    ) -> list[np.ndarray]:
        """Standardised float32 copies of ``arrays`` (each (frames, features)), in their order.

        ``new_speakers`` (per-speaker only): "own" (statistics of their frames among those given) or
        "global" (the training statistics).
        """
        if self.mean is None:
            raise RuntimeError("Normaliser.transform called before fit")
        if new_speakers not in NEW_SPEAKERS:
            raise ValueError(f"new_speakers must be one of {NEW_SPEAKERS}, got {new_speakers!r}")
        if not self.per_speaker:
            return [((a - self.mean) / self.std).astype(np.float32) for a in arrays]
        speakers = _need(speakers, arrays)
        new = [i for i, s in enumerate(speakers) if s not in self.speaker_stats]
        if new_speakers == "own":
            stats = _stats_by_speaker([arrays[i] for i in new], [speakers[i] for i in new])
        else:
            stats = {speakers[i]: (self.mean, self.std) for i in new}
        stats.update(self.speaker_stats)
        pairs = zip(arrays, speakers, strict=True)
        return [((a - stats[s][0]) / stats[s][1]).astype(np.float32) for a, s in pairs]

    def add_speaker(self, speaker: str, arrays: Sequence[np.ndarray]) -> None:
        """Use the statistics of ``arrays`` (recordings of ``speaker``, no labels needed) for ``speaker``."""
        if not self.per_speaker:
            raise ValueError("add_speaker needs a per-speaker normaliser")
        if not len(arrays):
            raise ValueError(f"add_speaker({speaker!r}) needs at least one recording")
        self.speaker_stats[speaker] = _column_stats(arrays)

    def save(self, folder: str | os.PathLike) -> None:
        """Write ``normaliser.json`` (settings, speaker names) and its statistics as ``.npy`` files."""
        folder = Path(folder)
        names = sorted(self.speaker_stats)
        shape = (len(names), len(self.mean))
        arrays = {
            "mean": self.mean, "std": self.std,
            "speaker_mean": np.array([self.speaker_stats[s][0] for s in names]).reshape(shape),
            "speaker_std": np.array([self.speaker_stats[s][1] for s in names]).reshape(shape),
        }  # fmt: skip
        for name, array in arrays.items():
            np.save(folder / f"normaliser_{name}.npy", np.asarray(array, float), allow_pickle=False)
        state = {"per_speaker": self.per_speaker, "fitted_on": self.fitted_on, "speakers": names}
        (folder / "normaliser.json").write_text(json.dumps(state, indent=1))

    @classmethod
    def load(cls, folder: str | os.PathLike) -> Normaliser:
        """Read statistics written by ``save`` into ``folder``."""
        folder = Path(folder)
        state = json.loads((folder / "normaliser.json").read_text())
        arrays = {
            name: np.load(folder / f"normaliser_{name}.npy", allow_pickle=False)
            for name in ("mean", "std", "speaker_mean", "speaker_std")
        }
        normaliser = cls(per_speaker=bool(state["per_speaker"]))
        normaliser.mean, normaliser.std = arrays["mean"], arrays["std"]
        normaliser.fitted_on = int(state["fitted_on"])
        normaliser.speaker_stats = {
            str(s): (m, d)
            for s, m, d in zip(state["speakers"], arrays["speaker_mean"], arrays["speaker_std"], strict=True)
        }
        return normaliser


def _column_stats(arrays: Sequence[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    frames = np.concatenate(list(arrays), axis=0).astype(np.float64)
    std = frames.std(axis=0)
    return frames.mean(axis=0), np.where(std > 1e-8, std, 1.0)


def _stats_by_speaker(arrays, speakers) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    grouped: dict[str, list[np.ndarray]] = {}
    for array, speaker in zip(arrays, speakers, strict=True):
        grouped.setdefault(speaker, []).append(array)
    return {speaker: _column_stats(group) for speaker, group in grouped.items()}


def _need(speakers: Sequence[str] | None, arrays: Sequence) -> list[str]:
    if speakers is None or len(speakers) != len(arrays):
        raise ValueError("per-speaker normalisation needs one speaker per utterance")
    return [str(s) for s in speakers]


def _read_json(path: Path) -> dict:
    """A JSON object from ``path``, or ``ValueError`` naming the file and what is wrong with it."""
    try:
        state = json.loads(path.read_text())
    except OSError as error:
        raise ValueError(f"{path}: cannot be read ({error.strerror or error})") from error
    except ValueError as error:  # JSONDecodeError, UnicodeDecodeError
        raise ValueError(f"{path}: not valid JSON ({error})") from error
    if not isinstance(state, dict):
        raise ValueError(f"{path}: expected a JSON object, found {type(state).__name__}")
    return state


LEVEL_SAMPLE = 200  # training recordings read to measure the level range (all of them when fewer)


def training_audio(table: pd.DataFrame, features: Mapping[str, np.ndarray], hop_s: float) -> dict:
    """The lengths and speech levels the training recordings span, for flagging unusual inputs later.

    ``table``: the training rows (``utt_id``; ``duration`` in seconds where known, ``wav_path``);
    ``features``: their unpooled frames (lengths where ``duration`` is missing), ``hop_s`` seconds apart.
    The level comes from at most ``LEVEL_SAMPLE`` recordings, drawn with a fixed seed (each measured once
    per process). Returns ``{"seconds": [lo, hi], "level_dbfs": [lo, hi] or None, "recordings": n}``.
    Plumbing for ModelInputs.fit; the ranges are used by Predictor.predict (07_try_it).
    """
    seconds = [len(features[u]) * hop_s for u in table["utt_id"]]
    if "duration" in table.columns:
        known = pd.to_numeric(table["duration"], errors="coerce").to_numpy(float)
        seconds = [d if np.isfinite(d) and d > 0 else s for d, s in zip(known, seconds, strict=True)]
    paths = table.get("wav_path", pd.Series([], dtype=str)).dropna().astype(str)
    if len(paths) > LEVEL_SAMPLE:
        paths = paths.sample(LEVEL_SAMPLE, random_state=0)
    levels = [level for level in map(_speech_level, paths) if level is not None]
    return {
        "seconds": [round(float(min(seconds)), 3), round(float(max(seconds)), 3)],
        "level_dbfs": [round(min(levels), 1), round(max(levels), 1)] if levels else None,
        "recordings": len(levels),
    }


@functools.lru_cache(maxsize=100_000)
def _speech_level_of(path: str, identity: str) -> float | None:
    from .audio import audio_facts, load_audio

    try:
        return audio_facts(load_audio(path)).level_dbfs
    except (OSError, ValueError):
        return None  # an unreadable file is reported where the features are read


def _speech_level(path: str) -> float | None:
    try:
        return _speech_level_of(path, file_identity(path))
    except OSError:
        return None


def pad_sequences(
    sequences: Sequence[np.ndarray],
    max_len: int | None = None,
    truncate: str = "end",
    padding: str = "post",
    value: float = 0.0,
    dtype: str = "float32",
) -> tuple[np.ndarray, np.ndarray]:
    """Stack variable-length sequences into one array plus a boolean mask of real steps.

    ``sequences``: n arrays of shape (time_i, ...). Returns ``(batch, mask)``: batch of shape
    (n, max_len, ...) filled with ``value`` where there is no data, mask of shape (n, max_len).
    ``max_len`` defaults to the longest sequence. Longer sequences are cut: ``truncate="end"`` keeps the
    beginning, ``"start"`` keeps the end, ``"center"`` keeps the middle. ``padding="post"`` pads after the
    sequence, ``"pre"`` before it (as the thesis did). Explained in 02_feature_extraction.
    """
    if truncate not in ("end", "start", "center") or padding not in ("post", "pre"):
        raise ValueError("truncate must be 'end', 'start' or 'center'; padding 'post' or 'pre'")
    if not len(sequences):
        raise ValueError("pad_sequences needs at least one sequence")
    lengths = [len(s) for s in sequences]
    longest = max(max(lengths), 1)
    max_len = longest if max_len is None else int(max_len)
    tail = np.asarray(sequences[0]).shape[1:]
    batch = np.full((len(sequences), max_len, *tail), value, dtype=dtype)
    mask = np.zeros((len(sequences), max_len), dtype=bool)
    for i, sequence in enumerate(sequences):
        sequence = np.asarray(sequence)
        if len(sequence) > max_len:
            cut = {"end": 0, "start": len(sequence) - max_len, "center": (len(sequence) - max_len) // 2}
            sequence = sequence[cut[truncate] : cut[truncate] + max_len]
        n = len(sequence)
        where = slice(0, n) if padding == "post" else slice(max_len - n, max_len)
        batch[i, where] = sequence
        mask[i, where] = True
    return batch, mask


@dataclass
class Sequences:
    """Prepared utterances, one sequence per branch and row, ready to be padded into a batch.

    ``audio``: pooled, normalised frames, each (steps, n_features) float32; ``text``: token ids, each
    (tokens,) int32; None for a branch the network lacks. ``max_frames`` / ``max_tokens`` cut longer ones.
    Explained in 03_audio_model.
    """

    audio: list[np.ndarray] | None
    text: list[np.ndarray] | None
    max_frames: int
    max_tokens: int

    def __len__(self) -> int:
        return len(self.audio if self.audio is not None else self.text)

    @property
    def branches(self) -> list[str]:
        """The branches present, "audio" and / or "text"."""
        return [b for b in ("audio", "text") if getattr(self, b) is not None]

    def lengths(self) -> np.ndarray:
        """Each row's sequence length before cutting (audio steps, or tokens for text-only), shape (n,)."""
        source = self.audio if self.audio is not None else self.text
        return np.array([len(s) for s in source])

    def true_lengths(self, rows: np.ndarray | None = None) -> dict[str, np.ndarray]:
        """branch -> the number of real steps each row has in ``padded`` (after cutting), shape (n,)."""
        rows = np.arange(len(self)) if rows is None else np.asarray(rows)
        caps = {"audio": self.max_frames, "text": self.max_tokens}
        return {b: np.array([min(len(getattr(self, b)[i]), caps[b]) for i in rows]) for b in self.branches}

    def padded(self, rows: np.ndarray | None = None) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
        """``(inputs, masks)`` for ``rows`` (default: all), each branch -> array, padded to the longest row.

        inputs["audio"]: (n, steps, n_features) float32; inputs["text"]: (n, tokens) int32, 0 = padding;
        masks: branch -> (n, steps) bool. A one-branch network takes ``inputs[branch]``; ``model_input``
        does that choice.
        """
        rows = np.arange(len(self)) if rows is None else np.asarray(rows)
        inputs, masks = {}, {}
        if self.audio is not None:
            inputs["audio"], masks["audio"] = pad_sequences([self.audio[i][: self.max_frames] for i in rows])
        if self.text is not None:
            inputs["text"], masks["text"] = pad_sequences(
                [self.text[i][: self.max_tokens] for i in rows], value=0, dtype="int32"
            )
        return inputs, masks

    def model_input(self, rows: np.ndarray | None = None) -> np.ndarray | dict[str, np.ndarray]:
        """What ``model.predict`` / ``fit`` take for ``rows``: the one array, or a dict for the fused net."""
        inputs, _ = self.padded(rows)
        return inputs if len(inputs) > 1 else next(iter(inputs.values()))


class ModelInputs:
    """The preprocessor of one network: fitted on training rows, then applied to any utterances.

    ``modality``: "audio", "text" or "fusion"; ``config``: a preset name or ``ModelConfig`` (its
    ``audio_feature``, ``pool_frames``, ``normalisation``, ``tokenizer``, ``min_count``, ``max_frames``,
    ``max_tokens`` are read); ``classes``: the class names in output order.
    Explained in 03_audio_model.
    """

    def __init__(
        self, modality: str, config: str | ModelConfig | None = None, classes: Sequence[str] = ()
    ) -> None:
        from .models import get_config

        if modality not in MODALITIES:
            raise ValueError(f"modality must be one of {MODALITIES}, got {modality!r}")
        self.modality = modality
        self.uses_audio = modality in ("audio", "fusion")  # whether the network reads audio frames
        self.uses_text = modality in ("text", "fusion")  # whether it reads words
        self.config = get_config(config)
        self.classes = list(classes)
        self.normaliser: Normaliser | None = None
        self.vocabulary: Vocabulary | None = None
        self.n_features: int | None = None
        self.trained_on: dict | None = None  # the training recordings' length and level ranges (audio)
        self.fitted = False

    @property
    def feature_config(self) -> FeatureConfig:
        """The audio features this network reads, before pooling."""
        return FeatureConfig(self.config.audio_feature)

    @property
    def step_seconds(self) -> float:
        """Seconds between two steps of the audio sequence the network reads (after pooling)."""
        return self.feature_config.hop_s * max(self.config.pool_frames, 1)

    @property
    def vocabulary_size(self) -> int:
        """Rows of the embedding table (words + padding + unknown); fitted text networks only."""
        if self.vocabulary is None:
            raise RuntimeError("vocabulary_size needs a fitted text or fused preprocessor")
        return len(self.vocabulary)

    def extract(self, table: pd.DataFrame, progress: bool = False, strict: bool = True) -> FeatureSet:
        """utt_id -> unpooled (frames, features) float32 of the rows' wavs (``utt_id``, ``wav_path``;
        cached, with a progress bar if ``progress``): a ``FeatureSet``. With ``strict`` it raises
        ``ValueError`` naming unreadable files; without, they are in ``.failed`` (and a warning)."""
        extracted = extract_corpus(table, self.feature_config, progress=progress)
        if extracted.failed and strict:
            listed = "; ".join(list(extracted.failed.values())[:5])
            raise ValueError(
                f"{len(extracted.failed)} audio file(s) could not be read ({listed}); remove those rows "
                "from the table (or fix the files) before training"
            )
        return extracted

    def pool(self, frames: np.ndarray) -> np.ndarray:
        """One utterance's (frames, features) averaged over ``config.pool_frames`` -> (steps, features)."""
        return average_frames(np.asarray(frames), self.config.pool_frames)

    def fit(self, table: pd.DataFrame, features: Mapping[str, np.ndarray] | None = None) -> ModelInputs:
        """Fit the normaliser and the vocabulary on ``table``, the training rows, only; returns ``self``.

        ``table``: rows with ``utt_id`` and ``speaker`` (audio), ``transcript`` (text); ``features``:
        utt_id -> unpooled (frames, features) arrays (default: extracted from ``wav_path``).
        """
        if not len(table):
            raise ValueError("ModelInputs.fit needs at least one training row")
        if self.uses_audio:
            features = self.extract(table) if features is None else features
            self.trained_on = training_audio(table, features, self.feature_config.hop_s)
            pooled = [self.pool(features[u]) for u in table["utt_id"]]
            self.n_features = pooled[0].shape[1]
            self.normaliser = None  # "none": raw features, as the thesis fed them
            if self.config.normalisation != "none":
                self.normaliser = Normaliser(per_speaker=self.config.normalisation == "speaker")
                self.normaliser.fit(pooled, list(table["speaker"].astype(str)))
        if self.uses_text:
            self.vocabulary = Vocabulary.fit(
                table["transcript"], tokenizer=self.config.tokenizer, min_count=self.config.min_count
            )
        self.fitted = True
        return self

    def encode(
        self,
        *,
        audio: Sequence[np.ndarray] | None = None,
        texts: Sequence[str] | None = None,
        speakers: Sequence[str] | None = None,
        new_speakers: str = "own",
    ) -> Sequences:
        """Utterances -> ``Sequences``, with the fitted normaliser and vocabulary.

        ``audio``: unpooled (frames, features) arrays; ``texts``: transcripts; ``speakers``: one per
        utterance (per-speaker normalisation; a speaker the normaliser does not know is standardised by
        the statistics of their utterances given here (``new_speakers="own"``) or by the global training
        statistics ("global")). Every branch the network has must be given.
        """
        if not self.fitted:
            raise RuntimeError("ModelInputs.encode called before fit (or load)")
        audio_sequences = text_sequences = None
        if self.uses_audio:
            if audio is None:
                raise ValueError(f"the {self.modality} network needs audio features")
            pooled = [self.pool(frames) for frames in audio]
            if pooled and pooled[0].shape[1] != self.n_features:
                raise ValueError(
                    f"expected {self.n_features} audio features per frame ({self.config.audio_feature}), "
                    f"got {pooled[0].shape[1]}"
                )
            if self.normaliser is None:
                audio_sequences = pooled
            else:
                speakers = list(speakers) if speakers is not None else None
                audio_sequences = self.normaliser.transform(pooled, speakers, new_speakers)
        if self.uses_text:
            if texts is None:
                raise ValueError(f"the {self.modality} network needs transcripts")
            text_sequences = [np.array(self.vocabulary.encode(t), dtype=np.int32) for t in texts]
        return Sequences(audio_sequences, text_sequences, self.config.max_frames, self.config.max_tokens)

    def transform(
        self,
        table: pd.DataFrame,
        features: Mapping[str, np.ndarray] | None = None,
        new_speakers: str = "own",
    ) -> Sequences:
        """``encode`` for the rows of a corpus table (features default to those of its ``wav_path``)."""
        audio = None
        if self.uses_audio:
            features = self.extract(table) if features is None else features
            audio = [features[u] for u in table["utt_id"]]
        per_speaker = self.uses_audio and self.normaliser is not None and self.normaliser.per_speaker
        if per_speaker and "speaker" not in table.columns:
            raise ValueError("per-speaker normalisation needs a 'speaker' column in the table")
        speakers = list(table["speaker"].astype(str)) if "speaker" in table.columns else None
        texts = list(table["transcript"]) if self.uses_text else None
        return self.encode(audio=audio, texts=texts, speakers=speakers, new_speakers=new_speakers)

    def targets(self, label_column: Sequence[str]) -> np.ndarray:
        """Class indices (into ``classes``) of each utterance's label, shape (n,) int; raises for an
        unknown label."""
        index = {c: i for i, c in enumerate(self.classes)}
        unknown = sorted(set(label_column) - set(index))
        if unknown:
            raise ValueError(f"labels {unknown} are not among the classes {self.classes}")
        return np.array([index[label] for label in label_column], dtype=np.int64)

    def add_speaker(self, speaker: str, recordings: Sequence[np.ndarray]) -> None:
        """Normalise ``speaker`` with statistics of these unpooled feature arrays of their voice.

        Does nothing for a network without per-speaker normalisation. Explained in 07_try_it.
        """
        if self.normaliser is None or not self.normaliser.per_speaker:
            return
        self.normaliser.add_speaker(speaker, [self.pool(frames) for frames in recordings])

    def knows_speaker(self, speaker: str) -> bool:
        """Whether ``speaker`` has statistics of their own (a training speaker, or added)."""
        return self.normaliser is not None and speaker in self.normaliser.speaker_stats

    def save(self, folder: str | os.PathLike) -> None:
        """Write ``preprocessing.json`` (modality, classes, config, feature width), the vocabulary as
        JSON and the normaliser's statistics as ``.npy`` into ``folder``."""
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        state = {"modality": self.modality, "classes": self.classes, "config": self.config.to_dict(),
                 "n_features": self.n_features, "trained_on": self.trained_on}  # fmt: skip
        if self.normaliser is not None:
            self.normaliser.save(folder)
        if self.vocabulary is not None:
            self.vocabulary.to_json(folder / "vocabulary.json")
        (folder / "preprocessing.json").write_text(json.dumps(state, indent=1))

    @classmethod
    def load(cls, folder: str | os.PathLike) -> ModelInputs:
        """The preprocessor saved by ``save`` in ``folder``; raises ``ValueError`` naming a file that is
        missing, unreadable or not what ``save`` writes."""
        from .models import ModelConfig

        folder = Path(folder)
        path = folder / "preprocessing.json"
        state = _read_json(path)
        missing = [key for key in ("modality", "config", "n_features") if key not in state]
        if "classes" not in state:
            raise ValueError(f"{path}: saved by an older PATHOS (no 'classes'); run cross_validate again")
        if missing:
            raise ValueError(f"{path}: lacks {missing}; not a preprocessing.json written by PATHOS")
        known = set(ModelConfig.__dataclass_fields__)
        unknown = sorted(set(state["config"]) - known)
        if unknown:
            raise ValueError(
                f"{path}: unknown setting(s) {unknown} in 'config' (saved by another PATHOS version, or "
                f"edited); known: {sorted(known)}"
            )
        try:
            inputs = cls(state["modality"], ModelConfig.from_dict(state["config"]), state["classes"])
        except (TypeError, ValueError) as error:
            raise ValueError(f"{path}: {error}") from error
        inputs.n_features = state["n_features"]
        inputs.trained_on = state.get("trained_on")  # None in folders saved before it was recorded
        if inputs.uses_audio and inputs.config.normalisation != "none":
            if not (folder / "normaliser.json").is_file():
                raise ValueError(
                    f"{folder}: normaliser.json is missing; this {inputs.modality} network normalises its "
                    f"audio ({inputs.config.normalisation!r}) with the statistics saved there"
                )
            try:
                inputs.normaliser = Normaliser.load(folder)
            except (OSError, ValueError, KeyError, TypeError, EOFError) as error:
                raise ValueError(f"{folder}: the normaliser's files cannot be read ({error})") from error
        if inputs.uses_text:
            vocabulary = folder / "vocabulary.json"
            if not vocabulary.is_file():
                raise ValueError(
                    f"{folder}: vocabulary.json is missing; this {inputs.modality} network reads words"
                )
            try:
                inputs.vocabulary = Vocabulary.from_json(vocabulary)
            except (OSError, ValueError, KeyError, TypeError) as error:
                raise ValueError(f"{vocabulary}: not a vocabulary saved by PATHOS ({error})") from error
        inputs.fitted = True
        return inputs
