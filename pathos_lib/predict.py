"""Try the trained networks on a new utterance: a wav (or samples) and its transcript -> probabilities.
Without a transcript, speech recognition (``pathos_lib.asr``) supplies one from the voice.

``Predictor.load(model_dir)`` reads the networks saved by ``cross_validate`` under ``build/models/`` (one
model folder, or a folder holding at most one audio, one text and one fused model, such as the
``build/models/try_it`` folder notebook 07 writes); ``predict(audio, transcript)`` returns each network's
class probabilities and its attention weights over frames and words.

Audio is normalised as in training: a speaker registered with ``add_speaker`` (a few unlabelled recordings
of their voice) uses their own statistics; anyone else gets the global training statistics, and the
prediction says so.

Command line::

    pathos-predict MODEL_DIR FILE.wav "the transcript"      (or: python -m pathos_lib.predict ...)
    pathos-predict MODEL_DIR FILE.wav                       (the transcript comes from speech recognition)

prints what it heard (without a transcript) and a table of probabilities per model; a missing or
unreadable file is a clear error (exit 1), so is speech recognition that is not installed; an empty
transcript (given as "", or silence and noise heard as nothing) runs the audio network only and says why
the others were not used.
Explained in 07_try_it.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from .asr import AsrConfig, Transcript, transcribe
from .audio import SAMPLE_RATE, as_waveform, audio_facts, duration_s, unusual_audio
from .audio_features import compute_features
from .experiment import TrainedModel, model_folder
from .results import CVResult
from .text_features import tokenize

MODEL_ORDER = ("audio", "text", "fusion")
NEW_SPEAKER = "<new speaker>"
MIN_AUDIO_SECONDS = 0.1  # shorter audio holds too few frames to say anything


@dataclass
class Prediction:
    """What the networks say about one utterance.

    ``probabilities``: float, one row per network used (index audio, text, fusion), one column per class.
    ``attention``: network -> branch ("audio" or "text") -> a frame with ``time_s`` (the middle of each
    network step) or ``word`` and ``known`` (in the training vocabulary), and ``weight`` (summing to 1).
    ``skipped``: network -> why it was not used (no audio, an empty transcript). ``notes``: remarks such
    as an unknown speaker's normalisation; ``duration_s``: the audio's length (None without audio);
    ``transcript``: as given, or as heard; ``heard``: the speech recogniser's ``Transcript`` when it made
    the transcript (None when one was given). ``warnings``: why the input is far from what the networks
    were trained on (no speech, noise, clipping, a level or length no training recording had): the
    probabilities are then not to be trusted.
    Explained in 07_try_it.
    """

    probabilities: pd.DataFrame
    attention: dict[str, dict[str, pd.DataFrame]]
    skipped: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    duration_s: float | None = None
    transcript: str = ""
    heard: Transcript | None = None
    warnings: list[str] = field(default_factory=list)

    @property
    def predicted(self) -> dict[str, str]:
        """The most probable class of each network used: network -> class."""
        return self.probabilities.idxmax(axis=1).to_dict()

    def table(self) -> str:
        """A small plain-text table: probabilities per network, the predicted class, what was skipped."""
        if self.probabilities.empty:
            lines = ["no network could be used"]
        else:
            shown = self.probabilities.copy()
            shown["predicted"] = pd.Series(self.predicted)
            lines = shown.to_string(float_format=lambda p: f"{p:.3f}").splitlines()
        if self.heard is not None:
            said = f'"{self.heard.text}"' if not self.heard.empty else f"nothing ({self.heard.note})"
            lines.insert(0, f"heard (speech recognition): {said}")
        lines += [f"not used: {name} ({why})" for name, why in self.skipped.items()]
        lines += [f"note: {note}" for note in self.notes]
        lines += [f"WARNING: {text}; these probabilities are not to be trusted" for text in self.warnings]
        return "\n".join(lines)


class Predictor:
    """Trained audio / text / fused networks, ready for new utterances.

    ``networks``: modality ("audio", "text", "fusion") -> ``TrainedModel``, all trained on the same
    classes; ``classes`` keeps their order (the columns of ``Prediction.probabilities``).
    Explained in 07_try_it.
    """

    def __init__(self, networks: dict[str, TrainedModel], unavailable: dict[str, str] | None = None) -> None:
        if not networks:
            raise ValueError("A Predictor needs at least one trained network")
        self.networks = {name: networks[name] for name in MODEL_ORDER if name in networks}
        self.unavailable = dict(unavailable or {})  # model folder -> why it could not be loaded
        classes = {tuple(model.classes) for model in self.networks.values()}
        if len(classes) > 1:
            raise ValueError(f"The networks were trained on different classes: {sorted(classes)}")
        self.classes = list(classes.pop())

    @classmethod
    def load(cls, model_dir: str | Path) -> Predictor:
        """The networks in ``model_dir``: one model folder, or a folder with at most one per modality.

        Every folder holding a ``model.keras`` or a ``preprocessing.json`` is loaded; one that cannot be
        (a file missing, cut, changed since saving, or from another model) is left out with the reason, in
        ``unavailable``, a warning and each prediction's ``skipped``. Returns a ``Predictor``; raises
        ``FileNotFoundError`` when there is no model, ``ValueError`` when there are several of one kind or
        none could be loaded (naming each file and what is wrong with it).
        """
        model_dir = Path(model_dir)
        if not model_dir.is_dir():
            raise FileNotFoundError(
                f"No model folder at {model_dir}; `make notebooks` writes build/models/try_it (notebook 07)"
            )
        folders = sorted(
            {p.parent for name in ("model.keras", "preprocessing.json") for p in model_dir.rglob(name)}
        )
        if not folders:
            raise FileNotFoundError(
                f"No trained model under {model_dir} (expected model.keras and preprocessing.json, as "
                "cross_validate saves them under build/models/)"
            )
        found: dict[str, list[TrainedModel]] = {}
        unavailable: dict[str, str] = {}
        for folder in folders:
            try:
                network = TrainedModel(folder)
            except (FileNotFoundError, ValueError) as error:
                unavailable[str(folder)] = str(error)
                continue
            found.setdefault(network.modality, []).append(network)
        several = {m: networks for m, networks in found.items() if len(networks) > 1}
        if several:
            listed = "; ".join(
                f"{m}: {', '.join(str(n.folder) for n in networks[:3])}" for m, networks in several.items()
            )
            raise ValueError(
                f"{model_dir} holds several models of one kind ({listed}); point to one model folder, or "
                "to a folder with at most one audio, text and fused model (see Predictor.save)"
            )
        if not found:
            raise ValueError(
                f"No model under {model_dir} could be loaded: " + "; ".join(unavailable.values())
            )
        for folder, why in unavailable.items():
            warnings.warn(f"model folder {folder} not used: {why}", stacklevel=2)
        return cls({modality: networks[0] for modality, networks in found.items()}, unavailable)

    def add_speaker(self, speaker: str, recordings: list[str | Path | tuple[np.ndarray, int]]) -> None:
        """Normalise ``speaker``'s audio with statistics of these recordings of their voice (no labels).

        The networks were trained on per-speaker normalised features; a few utterances of a new voice
        (ideally a minute or more) bring its input close to what the networks saw in training.
        ``recordings``: wav files of that voice (any rate) or ``(samples, sample_rate)`` pairs, as
        ``predict`` takes. Later ``predict(..., speaker=speaker)`` uses them.
        Raises ``ValueError`` naming a recording that cannot be read or holds no speech (silence, noise).
        """
        if not len(recordings):
            raise ValueError(f"add_speaker needs at least one recording of {speaker}'s voice")
        for network in self.networks.values():
            network.add_speaker(speaker, list(recordings))

    @classmethod
    def from_results(cls, results: list[CVResult], fold: str | None = None) -> Predictor:
        """The networks saved by ``cross_validate`` runs for one fold (default: their only fold).

        ``results``: one ``CVResult`` per modality; ``fold``: a fold name. Returns a ``Predictor``.
        """
        return cls({result.modality: TrainedModel(model_folder(result, fold)) for result in results})

    def save(self, folder: str | Path) -> Path:
        """Copy the networks into ``folder/<modality>/`` (replacing what was there); returns ``folder``."""
        folder = Path(folder)
        for name, model in self.networks.items():
            target = folder / name
            if target.exists():
                shutil.rmtree(target)
            shutil.copytree(model.folder, target)
        return folder

    def predict(
        self,
        audio: str | Path | tuple[np.ndarray, int] | None = None,
        transcript: str | None = None,
        speaker: str | None = None,
        asr: AsrConfig | None = None,
    ) -> Prediction:
        """Probabilities and attention of every network that can use the inputs given.

        ``audio``: a wav path or ``(samples, sample_rate)``; None skips the audio and fused networks.
        ``transcript``: what is said; None (with audio, and a network that reads words) transcribes the
        audio with speech recognition (``asr`` settings; ``Prediction.heard``); an empty transcript, given
        or heard, skips the text and fused networks with the reason. ``speaker``: a training speaker's id,
        or one given to ``add_speaker``, uses that speaker's normalisation statistics; otherwise the global
        training statistics are used (one utterance is too little to estimate a new voice from).
        Returns a ``Prediction``; raises ``ValueError`` for audio shorter than ``MIN_AUDIO_SECONDS``,
        ``ImportError`` (with the install command) when a transcript is needed and ASR is not installed.
        """
        waveform = None if audio is None else as_waveform(audio)
        if waveform is not None and duration_s(waveform) < MIN_AUDIO_SECONDS:
            raise ValueError(
                f"The audio lasts {duration_s(waveform):.3f} s; at least {MIN_AUDIO_SECONDS} s needed"
            )
        heard = None
        reads_words = any(network.inputs.uses_text for network in self.networks.values())
        if transcript is None and waveform is not None and reads_words:
            heard = transcribe((waveform, SAMPLE_RATE), asr or AsrConfig())
            transcript = heard.text
        transcript = "" if transcript is None else str(transcript)
        speaker = speaker or NEW_SPEAKER
        rows, attention, notes, flags = {}, {}, [], []
        skipped = {folder: f"could not be loaded: {why}" for folder, why in self.unavailable.items()}
        facts = None if waveform is None else audio_facts(waveform)
        if facts is not None:
            hearing = [n.inputs.trained_on for n in self.networks.values() if n.inputs.uses_audio]
            flags = unusual_audio(facts, next((t for t in hearing if t), None))
        features: dict[str, np.ndarray] = {}
        for name, network in self.networks.items():
            inputs = network.inputs
            words = tokenize(transcript, inputs.config.tokenizer)
            if inputs.uses_audio and waveform is None:
                skipped[name] = "no audio given"
                continue
            if inputs.uses_text and not words:
                empty = not transcript.strip()
                skipped[name] = "the transcript is empty" if empty else "no words in the transcript"
                if heard is not None and heard.empty:
                    skipped[name] = f"speech recognition heard no words ({heard.note})"
                continue
            if inputs.uses_text and len(words) > inputs.config.max_tokens:
                notes.append(
                    f"cut: the transcript has {len(words)} tokens; the networks that read words read its "
                    f"first {inputs.config.max_tokens} (max_tokens)"
                )
            frames = None
            if inputs.uses_audio:
                limit = inputs.config.max_frames * inputs.step_seconds
                if facts.duration_s > limit:
                    notes.append(
                        f"cut: the recording lasts {facts.duration_s:.1f} s; the networks that hear read its "
                        f"first {limit:.1f} s (max_frames: {inputs.config.max_frames} steps of "
                        f"{inputs.step_seconds * 1000:.0f} ms)"
                    )
                kind = inputs.config.audio_feature
                if kind not in features:
                    features[kind] = compute_features(waveform, inputs.feature_config)
                frames = [features[kind]]
            sequences = inputs.encode(
                audio=frames, texts=[transcript], speakers=[speaker], new_speakers="global"
            )
            rows[name] = network.probabilities_of(sequences)[0]
            weights = {branch: w[0] for branch, w in network.attention_of(sequences).items()}
            attention[name] = {}
            if "audio" in weights:
                times = (np.arange(len(weights["audio"])) + 0.5) * network.step_seconds
                attention[name]["audio"] = pd.DataFrame({"time_s": times, "weight": weights["audio"]})
            if "text" in weights:
                shown = words[: len(weights["text"])]
                known = [word in inputs.vocabulary.index for word in shown]
                attention[name]["text"] = pd.DataFrame(
                    {"word": shown, "known": known, "weight": weights["text"]}
                )
            per_speaker = inputs.normaliser is not None and inputs.normaliser.per_speaker
            if inputs.uses_audio and per_speaker and not inputs.knows_speaker(speaker):
                notes.append(
                    "unknown speaker: audio normalised with the global training statistics "
                    "(Predictor.add_speaker gives better estimates)"
                )
        probabilities = pd.DataFrame.from_dict(rows, orient="index", columns=self.classes)
        return Prediction(
            probabilities=probabilities, attention=attention, skipped=skipped, notes=sorted(set(notes)),
            duration_s=None if waveform is None else duration_s(waveform), transcript=transcript, heard=heard,
            warnings=flags,
        )  # fmt: skip


def shorten(text: str, limit: int = 200) -> str:
    """``text`` itself, or its first ``limit`` characters and how many words it has in all. Plumbing for
    main and plot_prediction."""
    if len(text) <= limit:
        return text
    return f"{text[:limit].rstrip()}... ({len(text.split())} words in all)"


def plot_prediction(prediction: Prediction, waveform: np.ndarray | None = None, title: str = ""):
    """Bars of each network's class probabilities, then where the fused network (or, without it, the
    unimodal ones) attended: over time on the waveform, and over the words (unknown words hatched).

    ``prediction``: from ``Predictor.predict``; ``waveform``: the utterance, (samples,) float at 16 kHz
    (without it, no attention-over-time panel); ``title``: of the first panel. Returns the matplotlib
    Figure. Explained in 07_try_it.
    """
    import matplotlib.pyplot as plt

    from .evaluation import draw_audio_attention, draw_word_attention
    from .plots import class_colours

    def attended(branch: str):
        for name in ("fusion", "audio", "text"):
            if branch in prediction.attention.get(name, {}):
                return name, prediction.attention[name][branch]
        return None, None

    audio_source, frames = attended("audio")
    text_source, words = attended("text")
    show_audio = frames is not None and waveform is not None
    panels = 1 + int(show_audio) + int(words is not None)
    fig, axes = plt.subplots(panels, 1, figsize=(9, 2.4 + 2.3 * (panels - 1)), squeeze=False)
    axes = list(axes[:, 0])
    ax = axes.pop(0)
    probabilities = prediction.probabilities
    if probabilities.empty:
        ax.text(0.5, 0.5, "no network could be used", ha="center", transform=ax.transAxes)
    else:
        width = 0.8 / len(probabilities)
        for i, (name, row) in enumerate(probabilities.iterrows()):
            x = np.arange(len(row)) + (i - (len(probabilities) - 1) / 2) * width
            colours = class_colours(row.index)
            shade = (0.45, 0.7, 1.0)[MODEL_ORDER.index(name)]
            ax.bar(x, row.to_numpy(), width=width * 0.95, color=colours, alpha=shade, edgecolor="k", lw=0.4)
            for xi, value in zip(x, row.to_numpy(), strict=True):
                ax.text(xi, value + 0.02, name[0].upper(), ha="center", fontsize=7)
        ax.set_xticks(range(probabilities.shape[1]), probabilities.columns)
    skipped = "; ".join(f"{name}: {why}" for name, why in prediction.skipped.items())
    ax.set(ylim=(0, 1.12), ylabel="probability",
           title=(title or "class probabilities") + " (A audio, T text, F fused)"
           + (f"\nnot used: {skipped}" if skipped else ""))  # fmt: skip
    if show_audio:
        ax = axes.pop(0)
        step = frames["time_s"].iloc[1] - frames["time_s"].iloc[0] if len(frames) > 1 else 0.08
        draw_audio_attention(ax, waveform, frames["weight"].to_numpy(), step)
        ax.set_title(f"{audio_source} network: attention over time")
    if words is not None:
        ax = axes.pop(0)
        draw_word_attention(ax, list(words["word"]), words["weight"].to_numpy(), list(~words["known"]))
        ax.set_title(f'{text_source} network: attention over words ("{shorten(prediction.transcript, 90)}")')
    fig.tight_layout()
    return fig


def main(argv: list[str] | None = None) -> int:
    """``pathos-predict MODEL_DIR FILE.wav "transcript"`` (also ``python -m pathos_lib.predict``); returns
    the exit status (0: predicted; 1: a missing or unreadable input, or no network could be used).

    ``argv``: the arguments (default: the command line's); the table goes to stdout, errors to stderr.
    Explained in 07_try_it.
    """
    parser = argparse.ArgumentParser(
        prog="pathos-predict",
        description="Emotion probabilities of one utterance from the trained PATHOS networks.",
    )
    parser.add_argument("model_dir", type=Path, help="e.g. build/models/try_it (written by make notebooks)")
    parser.add_argument("wav", type=Path, help="the utterance's audio (any sample rate, mono or stereo)")
    parser.add_argument(
        "transcript", nargs="?", default=None,
        help='what is said; left out, speech recognition transcribes the wav; "" for no transcript',
    )  # fmt: skip
    parser.add_argument("--speaker", default=None, help="a training speaker's id, to use their statistics")
    parser.add_argument(
        "--voice",
        type=Path,
        nargs="+",
        default=[],
        help="other recordings of the same speaker (no labels), to normalise their voice",
    )
    args = parser.parse_args(argv)
    try:
        if not args.wav.is_file():
            raise FileNotFoundError(f"No audio file at {args.wav}")
        predictor = Predictor.load(args.model_dir)
        if args.voice:
            predictor.add_speaker("voice", args.voice)
        speaker = "voice" if args.voice else args.speaker
        prediction = predictor.predict(args.wav, args.transcript, speaker=speaker)
    except (FileNotFoundError, ValueError, ImportError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    given = "" if prediction.heard is not None else f' "{shorten(prediction.transcript)}"'
    print(f"{args.wav} ({prediction.duration_s:.2f} s){given}")
    print(prediction.table())
    return 0 if not prediction.probabilities.empty else 1


if __name__ == "__main__":
    sys.exit(main())
