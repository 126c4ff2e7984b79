"""A licence-free corpus in the exact IEMOCAP layout, so every notebook and test runs anywhere.

``make_corpus`` writes five sessions of two speakers each, with improvised and scripted dialogs, the
EmoEvaluation / transcriptions / ``sentences/wav`` files in IEMOCAP's own formats, and speech-like audio
(a glottal source following an f0 contour through vowel resonances, syllable rhythm, pauses, noise).

How emotion is planted, as in IEMOCAP where the modalities complement each other:

- the **audio** carries mainly *arousal*: pitch level and range, loudness, speaking rate, voice tension;
  angry and happy voices sound alike, sad ones slow, low and soft;
- the **words** carry mainly *valence*: a small positive and a small negative lexicon among neutral
  fillers; angry and sad transcripts read alike;
- both are noisy: many emotional utterances use no emotional word, some voices are flat.

So each modality alone confuses one pair of classes and the fused model can separate all four.
This is *not* IEMOCAP: numbers measured on it teach the method, they say nothing about real speech.
Explained in 01_data_exploration.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf
from scipy import signal

from .paths import data_dir

SAMPLE_RATE = 16_000
GENERATOR_VERSION = 1
DEFAULT_UTTERANCES_PER_SESSION = 100

# Raw IEMOCAP label proportions (full release, 10,039 utterances); rare codes are raised a little so
# that every code appears even in a small corpus.
LABEL_SHARES = {
    "xxx": 0.245, "fru": 0.180, "neu": 0.167, "ang": 0.108, "sad": 0.106, "exc": 0.102,
    "hap": 0.062, "sur": 0.012, "fea": 0.008, "dis": 0.005, "oth": 0.005,
}  # fmt: skip
# Where each code sits on the two axes the modalities carry (-1..1).
AROUSAL = {
    "ang": 0.85, "exc": 0.80, "hap": 0.55, "sur": 0.70, "fea": 0.55, "fru": 0.30,
    "neu": -0.15, "dis": 0.05, "oth": 0.0, "sad": -0.80,
}  # fmt: skip
VALENCE = {
    "hap": 0.80, "exc": 0.75, "sur": 0.30, "neu": 0.0, "oth": 0.0, "fru": -0.55,
    "fea": -0.60, "dis": -0.70, "ang": -0.75, "sad": -0.80,
}  # fmt: skip
CATEGORY_NAMES = {
    "neu": "Neutral", "hap": "Happiness", "exc": "Excited", "sad": "Sadness", "ang": "Anger",
    "fru": "Frustration", "sur": "Surprise", "fea": "Fear", "dis": "Disgust", "oth": "Other",
}  # fmt: skip

POSITIVE_WORDS = (
    "great wonderful love amazing happy glad fantastic beautiful perfect excited awesome lucky fun "
    "brilliant congratulations thrilled delighted sweet"
).split()
NEGATIVE_WORDS = (
    "terrible awful hate sorry wrong bad hurt lost never miss alone tired unfair horrible worst "
    "ruined upset gone"
).split()
CONTENT_WORDS = (
    "meeting tomorrow car office table paper train dinner phone window form line number street week "
    "letter ticket coffee house money job plane weekend kitchen"
).split()
FILLER_WORDS = (
    "I you the it we that is was just so well okay yeah know think and but really about this there "
    "what do don't can't it's I'm a to of me"
).split()

# (F1, F2, F3) in Hz for five vowels of an adult male voice; scaled per speaker.
VOWEL_FORMANTS = np.array(
    [[730, 1090, 2440], [530, 1840, 2480], [270, 2290, 3010], [570, 840, 2410], [300, 870, 2240]],
    dtype=float,
)
FORMANT_BANDWIDTHS = np.array([90.0, 110.0, 170.0])


@dataclass(frozen=True)
class Voice:
    """One synthetic actor: base pitch (Hz), vocal-tract scale, breathiness, loudness offset (dB)."""

    f0: float
    formant_scale: float
    breathiness: float
    loudness_db: float


# Session n has a female and a male actor, as in IEMOCAP; each voice differs from the others.
VOICES = {
    (1, "F"): Voice(205, 1.17, 0.05, 0.0), (1, "M"): Voice(112, 1.00, 0.04, 1.0),
    (2, "F"): Voice(228, 1.20, 0.08, -1.5), (2, "M"): Voice(101, 0.97, 0.06, 0.5),
    (3, "F"): Voice(192, 1.14, 0.03, 1.0), (3, "M"): Voice(126, 1.03, 0.05, -1.0),
    (4, "F"): Voice(216, 1.22, 0.06, 0.5), (4, "M"): Voice(95, 0.95, 0.07, 2.0),
    (5, "F"): Voice(198, 1.16, 0.09, -0.5), (5, "M"): Voice(118, 1.01, 0.03, 0.0),
}  # fmt: skip


@dataclass
class Utterance:
    """Everything written about one synthetic utterance."""

    utt_id: str
    dialog: str
    session: int
    speaker_letter: str
    emotion: str
    arousal: float  # arousal as voiced (emotion's arousal + noise), drives the audio
    words: list[str]
    vad: tuple[float, float, float]
    annotations: list[str]
    start: float = 0.0
    end: float = 0.0
    audio_seed: int = 0


# ----------------------------------------------------------------------------------------------
# Public API


def corpus_path(utterances_per_session: int = DEFAULT_UTTERANCES_PER_SESSION, seed: int = 0) -> Path:
    """Where the cached synthetic corpus of this size and seed lives (``<data_dir>/synthetic/...``)."""
    name = f"iemocap_v{GENERATOR_VERSION}_n{utterances_per_session}_seed{seed}"
    return data_dir() / "synthetic" / name


def synthetic_corpus(
    utterances_per_session: int = DEFAULT_UTTERANCES_PER_SESSION, seed: int = 0, n_jobs: int | None = None
) -> Path:
    """The root of the cached synthetic corpus, made on first use (atomically) and reused after.

    Explained in 01_data_exploration.
    """
    root = corpus_path(utterances_per_session, seed)
    if (root / "COMPLETE").is_file():
        return root
    root.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{root.name}-", dir=root.parent))
    try:
        make_corpus(staging, utterances_per_session=utterances_per_session, seed=seed, n_jobs=n_jobs)
        try:
            staging.rename(root)
        except OSError:  # another process finished first: keep theirs
            if not (root / "COMPLETE").is_file():
                raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return root


def make_corpus(
    root: str | os.PathLike,
    utterances_per_session: int = DEFAULT_UTTERANCES_PER_SESSION,
    seed: int = 0,
    n_jobs: int | None = None,
) -> Path:
    """Write a synthetic corpus in the IEMOCAP layout under ``root``; same seed -> identical bytes.

    ``utterances_per_session`` counts every labelled utterance (all raw codes, ``xxx`` included):
    100 gives about 500 utterances (CI size), 2000 about IEMOCAP's 10,000.
    Explained in 01_data_exploration.
    """
    from joblib import Parallel, delayed

    if utterances_per_session < 10:
        raise ValueError(f"utterances_per_session must be at least 10, got {utterances_per_session}")
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    if any(p.name.startswith("Session") for p in root.iterdir()):
        raise FileExistsError(f"{root} already holds Session folders; choose an empty folder")

    sessions = {s: _plan_session(s, utterances_per_session, seed) for s in range(1, 6)}
    for session, dialogs in sessions.items():
        _write_text_files(root, session, dialogs)

    jobs = [
        (root / f"Session{u.session}/sentences/wav/{u.dialog}/{u.utt_id}.wav", u)
        for dialogs in sessions.values()
        for utterances in dialogs.values()
        for u in utterances
    ]
    for path, _ in jobs:
        path.parent.mkdir(parents=True, exist_ok=True)
    n_jobs = n_jobs or os.cpu_count() or 1
    chunks = [jobs[i :: n_jobs * 4] for i in range(n_jobs * 4)]
    if n_jobs == 1:
        for chunk in chunks:
            _render_chunk(chunk)
    else:
        Parallel(n_jobs=n_jobs)(delayed(_render_chunk)(chunk) for chunk in chunks)

    (root / "README_SYNTHETIC.txt").write_text(
        "SYNTHETIC corpus generated by pathos_lib.synthetic (not IEMOCAP; licence-free).\n"
        f"generator version {GENERATOR_VERSION}, utterances_per_session={utterances_per_session}, "
        f"seed={seed}\nDialog-level wavs (SessionN/dialog/wav/) are not generated: use the utterance "
        "wavs in SessionN/sentences/wav/.\n"
    )
    (root / "COMPLETE").write_text("ok\n")
    return root


def render_utterance_audio(utterance: Utterance) -> np.ndarray:
    """The waveform of one planned utterance, float32 in [-1, 1] at 16 kHz."""
    rng = np.random.default_rng(utterance.audio_seed)
    voice = VOICES[(utterance.session, utterance.speaker_letter)]
    return _synthesise(utterance.words, utterance.arousal, voice, rng, utterance.end - utterance.start)


# ----------------------------------------------------------------------------------------------
# Planning: dialogs, labels, words, annotator lines (cheap, done in the main process)


def _dialog_names(n_dialogs: int) -> list[str]:
    names = []
    for i in range(n_dialogs):
        if i % 2 == 0:
            names.append(f"impro{i // 2 + 1:02d}")
        else:
            script = i // 2
            names.append(f"script{script // 3 + 1:02d}_{script % 3 + 1}")
    return names


def _plan_session(session: int, n_utterances: int, seed: int) -> dict[str, list[Utterance]]:
    rng = np.random.default_rng([seed, session, 1])
    n_dialogs = int(np.clip(round(n_utterances / 25), 2, 30))
    sizes = np.full(n_dialogs, n_utterances // n_dialogs)
    sizes[: n_utterances % n_dialogs] += 1
    emotions = iter(_label_quota(n_utterances, rng))
    dialogs: dict[str, list[Utterance]] = {}
    for d, (name, size) in enumerate(zip(_dialog_names(n_dialogs), sizes, strict=True)):
        marker = "F" if d % 2 == 0 else "M"  # the actor wearing markers: NOT who speaks
        dialog = f"Ses{session:02d}{marker}_{name}"
        # Scripted dialogs reuse the same sentences across sessions (text leaks across folds, as in
        # IEMOCAP); the emotional words follow what the actor plays.
        script_rng = (
            np.random.default_rng([seed, 99, _stable_hash(name)]) if name.startswith("script") else None
        )
        counters = {"F": 0, "M": 0}
        speaker = "F" if rng.random() < 0.5 else "M"
        clock = rng.uniform(1.0, 4.0)
        utterances = []
        for _ in range(size):
            if rng.random() < 0.7:  # turns mostly alternate
                speaker = "M" if speaker == "F" else "F"
            emotion = next(emotions)
            voiced_as = _voiced_emotion(emotion, rng)
            words = _compose_words(voiced_as, rng, skeleton_rng=script_rng)
            utt_id = f"{dialog}_{speaker}{counters[speaker]:03d}"
            counters[speaker] += 1
            vad, annotations = _annotate(emotion, voiced_as, speaker, rng)
            arousal = AROUSAL[voiced_as] + rng.normal(0.0, 0.28)
            u = Utterance(
                utt_id, dialog, session, speaker, emotion, float(arousal), words, vad, annotations,
                audio_seed=int(rng.integers(2**63)),
            )  # fmt: skip
            u.start = round(clock, 4)
            u.end = round(clock + _expected_duration(u), 4)
            clock = u.end + rng.uniform(0.2, 2.0)
            utterances.append(u)
        dialogs[dialog] = utterances
    return dialogs


def _stable_hash(text: str) -> int:
    """A stable (process-independent) integer for a string, for seeding."""
    return zlib.crc32(text.encode())


def _voiced_emotion(emotion: str, rng: np.random.Generator) -> str:
    """``xxx`` (no annotator majority) is voiced as one of the emotions annotators hesitated between."""
    if emotion != "xxx":
        return emotion
    return str(rng.choice(["neu", "fru", "ang", "sad", "hap", "exc", "sur"]))


def _label_quota(n: int, rng: np.random.Generator) -> list[str]:
    """Raw codes for ``n`` utterances in IEMOCAP proportions (varied a little per session), shuffled."""
    shares = np.array(list(LABEL_SHARES.values())) * rng.uniform(0.8, 1.2, len(LABEL_SHARES))
    expected = shares / shares.sum() * n
    counts = np.floor(expected).astype(int)
    counts[np.argsort(counts - expected)[: n - counts.sum()]] += 1  # largest remainders
    codes = np.repeat(list(LABEL_SHARES), counts)
    return [str(c) for c in rng.permutation(codes)]


def _compose_words(
    emotion: str, rng: np.random.Generator, skeleton_rng: np.random.Generator | None = None
) -> list[str]:
    """Neutral skeleton (from ``skeleton_rng`` for scripted lines) with emotional words put in."""
    skeleton_rng = skeleton_rng or rng
    valence = VALENCE[emotion]
    roll = rng.random()
    if roll < 0.20:
        valence = 0.0  # said with neutral words: only the voice tells
    elif roll < 0.25:
        valence = -valence  # ironic or mixed wording
    n_words = int(np.clip(skeleton_rng.lognormal(np.log(7.0), 0.45), 3, 16))
    words = [
        str(skeleton_rng.choice(FILLER_WORDS if skeleton_rng.random() < 0.65 else CONTENT_WORDS))
        for _ in range(n_words)
    ]
    if abs(valence) > 0.3:
        lexicon = POSITIVE_WORDS if valence > 0 else NEGATIVE_WORDS
        for _ in range(1 + int(rng.random() < 0.5)):
            words[int(rng.integers(len(words)))] = str(rng.choice(lexicon))
    elif rng.random() < 0.12:
        words[int(rng.integers(len(words)))] = str(rng.choice(POSITIVE_WORDS + NEGATIVE_WORDS))
    if emotion in ("hap", "exc") and rng.random() < 0.1:
        words.append("[LAUGHTER]")
    elif rng.random() < 0.03:
        words.insert(0, "[BREATHING]")
    return words


def _annotate(
    emotion: str, voiced_as: str, speaker: str, rng: np.random.Generator
) -> tuple[tuple[float, float, float], list[str]]:
    """Consensus [valence, activation, dominance] and per-annotator lines in IEMOCAP's format."""
    others = [c for c in CATEGORY_NAMES if c != emotion]
    if emotion == "xxx":  # no majority: every annotator says something else
        picks = [voiced_as, *rng.choice([c for c in others if c != voiced_as], 2, replace=False)]
    else:
        picks = [emotion, emotion, emotion if rng.random() < 0.6 else str(rng.choice(others))]
    lines = [f"C-E{i + 1}:\t{CATEGORY_NAMES[str(c)]};\t()" for i, c in enumerate(picks)]
    lines.append(f"C-{speaker}1:\t{CATEGORY_NAMES[voiced_as]};\t()")
    n_raters = int(rng.choice([2, 3]))
    scores = []
    for i in range(n_raters):
        v = int(np.clip(round(3 + 1.5 * VALENCE[voiced_as] + rng.normal(0, 0.6)), 1, 5))
        a = int(np.clip(round(3 + 1.5 * AROUSAL[voiced_as] + rng.normal(0, 0.6)), 1, 5))
        d = int(np.clip(round(3 + 0.8 * AROUSAL[voiced_as] + rng.normal(0, 0.7)), 1, 5))
        scores.append((v, a, d))
        lines.append(f"A-E{i + 1}:\tval {v}; act {a}; dom  {d};\t()")
    vad = tuple(float(x) for x in np.mean(scores, axis=0))
    return vad, lines  # type: ignore[return-value]


def _syllables(word: str) -> int:
    letters = sum(ch.isalpha() for ch in word)
    return 0 if word.startswith("[") else int(np.clip(round(letters / 3.2), 1, 3))


def _rate(arousal: float) -> float:
    return float(np.clip(4.3 + 1.3 * arousal, 2.6, 6.5))  # syllables per second


def _expected_duration(u: Utterance) -> float:
    """Duration of the utterance; the renderer fits its timeline to it."""
    n = sum(_syllables(w) for w in u.words)
    pauses = 0.18 * max(0, len(u.words) // 4)
    return float(np.clip(0.35 + n / _rate(u.arousal) + pauses, 1.5, 6.0))


# ----------------------------------------------------------------------------------------------
# Writing the text files


def _write_text_files(root: Path, session: int, dialogs: dict[str, list[Utterance]]) -> None:
    base = root / f"Session{session}" / "dialog"
    for sub in ("EmoEvaluation/Categorical", "EmoEvaluation/Attribute", "EmoEvaluation/Self-evaluation",
                "transcriptions"):  # fmt: skip
        (base / sub).mkdir(parents=True, exist_ok=True)
    for dialog, utterances in dialogs.items():
        blocks = ["% [START_TIME - END_TIME] TURN_NAME EMOTION [V, A, D]\n"]
        for u in sorted(utterances, key=lambda u: u.start):
            v, a, d = u.vad
            blocks.append(
                f"[{u.start:.4f} - {u.end:.4f}]\t{u.utt_id}\t{u.emotion}\t[{v:.4f}, {a:.4f}, {d:.4f}]\n"
                + "\n".join(u.annotations)
                + "\n"
            )
        (base / "EmoEvaluation" / f"{dialog}.txt").write_text("\n".join(blocks) + "\n")
        # Per-annotator files as IEMOCAP ships them; loaders must not read them as summaries.
        (base / "EmoEvaluation/Categorical" / f"{dialog}_e1_cat.txt").write_text(
            "".join(f"{u.utt_id} :{CATEGORY_NAMES.get(u.emotion, 'Other')}; ()\n" for u in utterances)
        )
        (base / "EmoEvaluation/Attribute" / f"{dialog}_e1_atr.txt").write_text(
            "".join(f"{u.utt_id} :act {round(u.vad[1])}; val {round(u.vad[0])}; ()\n" for u in utterances)
        )
        (base / "EmoEvaluation/Self-evaluation" / f"{dialog}.anvil").write_text("<annotation/>\n")
        lines = []
        for u in sorted(utterances, key=lambda u: u.start):
            lines.append(f"{u.utt_id} [{u.start:08.4f}-{u.end:08.4f}]: {_sentence(u.words)}")
        if len(utterances) > 3:  # IEMOCAP also transcribes unlabelled turns (ids with XX)
            last = max(utterances, key=lambda u: u.end)
            xx = f"{dialog}_{last.speaker_letter}XX0"
            lines.append(f"{xx} [{last.end + 0.5:08.4f}-{last.end + 1.2:08.4f}]: Okay.")
        (base / "transcriptions" / f"{dialog}.txt").write_text("\n".join(lines) + "\n")


def _sentence(words: list[str]) -> str:
    text = " ".join(words)
    text = text[0].upper() + text[1:] if not text.startswith("[") else text
    return text + ("?" if _stable_hash(text) % 5 == 0 else ".")


# ----------------------------------------------------------------------------------------------
# Audio: a source-filter voice, vectorised over samples; one lfilter call per syllable


def _render_chunk(chunk: list[tuple[Path, Utterance]]) -> None:
    for path, utterance in chunk:
        audio = render_utterance_audio(utterance)
        sf.write(path, audio, SAMPLE_RATE, subtype="PCM_16", format="WAV")


def _synthesise(
    words: list[str], arousal: float, voice: Voice, rng: np.random.Generator, total: float
) -> np.ndarray:
    sr = SAMPLE_RATE
    rate = _rate(arousal)
    n_syllables = max(1, sum(_syllables(w) for w in words))
    # Timeline: leading silence, syllables (with a phrase pause every few words), trailing silence.
    speech = total - 0.35
    raw = rng.uniform(0.7, 1.3, n_syllables) / rate
    n_pauses = max(0, len(words) // 4)
    raw_pauses = rng.uniform(0.12, 0.24, n_pauses)
    scale = speech / (raw.sum() + raw_pauses.sum())
    durations, pause_durations = raw * scale, raw_pauses * scale
    n_total = int(round(total * sr))

    # Segment list: (start sample, length, vowel index) for each syllable.
    segments = []
    t = int(rng.uniform(0.12, 0.22) * sr)
    syllables_per_pause = max(1, n_syllables // (n_pauses + 1))
    pause_index = 0
    for i, dur in enumerate(durations):
        length = int(dur * sr)
        segments.append((t, length, int(rng.integers(len(VOWEL_FORMANTS)))))
        t += length
        if (i + 1) % syllables_per_pause == 0 and pause_index < n_pauses:
            t += int(pause_durations[pause_index] * sr)
            pause_index += 1

    # f0 contour: speaker base x arousal level x smooth random movement x declination, plus jitter.
    time = np.arange(n_total) / sr
    level = voice.f0 * (1.0 + 0.22 * arousal)
    depth = float(np.clip(0.14 + 0.13 * arousal, 0.03, 0.4))
    knots = np.arange(0.0, total + 0.5, 0.22)
    movement = np.interp(time, knots, rng.normal(0.0, 1.0, len(knots)))
    f0 = level * np.exp(depth * movement) * (1.0 - 0.12 * time / total)
    f0 *= 1.0 + 0.006 * rng.standard_normal(n_total)
    phase = np.cumsum(f0) / sr

    # Glottal pulses (Rosenberg shape), differentiated; tenser voices (high arousal) close faster.
    open_quotient = float(np.clip(0.6 - 0.12 * arousal, 0.35, 0.75))
    cycle = phase % 1.0
    rise = 0.65 * open_quotient
    pulse = np.where(
        cycle < rise,
        0.5 * (1.0 - np.cos(np.pi * cycle / rise)),
        np.where(cycle < open_quotient, np.cos(0.5 * np.pi * (cycle - rise) / (open_quotient - rise)), 0.0),
    )
    source = np.diff(pulse, prepend=0.0) * (f0 / 100.0) ** 0.5
    breath = voice.breathiness * (1.0 + max(0.0, -arousal)) * rng.standard_normal(n_total) * 0.15
    source = source + breath

    # Syllable envelopes and vowel resonances (one lfilter call per syllable, state carried across).
    out = np.zeros(n_total)
    zi = np.zeros(6)
    envelope = np.zeros(n_total)
    for start, length, vowel in segments:
        stop = min(start + length, n_total)
        if stop - start <= 4:
            continue
        b, a = _vowel_filter(VOWEL_FORMANTS[vowel] * voice.formant_scale)
        out[start:stop], zi = signal.lfilter(b, a, source[start:stop], zi=zi)
        envelope[start:stop] = np.sin(np.pi * np.linspace(0.0, 1.0, stop - start)) ** 0.6 * rng.uniform(
            0.75, 1.0
        )
    voiced = np.diff(out * envelope, prepend=0.0)  # lip radiation: +6 dB/octave
    level = np.sqrt(np.mean(voiced[envelope > 0] ** 2)) if np.any(envelope > 0) else 1.0
    audio = voiced / max(level, 1e-12)
    # Consonants: short high-passed noise bursts (fricatives) before most syllable nuclei.
    for start, length, _ in segments:
        if rng.random() < 0.6 and length > 40:
            burst = min(length // 3, int(rng.uniform(0.02, 0.06) * sr))
            noise = np.diff(rng.standard_normal(burst + 1)) * np.hanning(burst)
            audio[start : start + burst] += noise * rng.uniform(0.08, 0.25) * (1.0 + 0.3 * arousal)
    audio *= 10 ** ((-27.0 + 7.0 * arousal + voice.loudness_db) / 20.0)
    audio += rng.standard_normal(n_total) * 10 ** (-58 / 20)  # room noise
    peak = np.max(np.abs(audio))
    if peak > 0.98:
        audio *= 0.98 / peak
    return audio.astype(np.float32)


def _vowel_filter(formants: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A cascade of three two-pole resonators as one (b, a) pair with unit gain at 0 Hz."""
    a = np.array([1.0])
    for freq, bandwidth in zip(formants, FORMANT_BANDWIDTHS, strict=True):
        r = np.exp(-np.pi * bandwidth / SAMPLE_RATE)
        theta = 2.0 * np.pi * min(freq, 0.45 * SAMPLE_RATE) / SAMPLE_RATE
        a = np.convolve(a, [1.0, -2.0 * r * np.cos(theta), r * r])
    return np.array([a.sum()]), a
