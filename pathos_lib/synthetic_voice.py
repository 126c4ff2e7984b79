"""The synthetic corpus's voice: one planned utterance -> a speech-like waveform at 16 kHz.

The second stage of ``pathos_lib.synthetic``: the corpus module plans each utterance (who speaks, the
emotion, the words) and this one renders its audio. A source-filter voice: a glottal source following an
f0 contour through vowel resonances, syllable rhythm, pauses, consonant noise, microphone gain and room
noise; ten actors (``VOICES``), a female and a male one per session, each with its own pitch and timbre.

The voice carries mainly *arousal*, in two ways:

- levels: pitch level and range, loudness, speaking rate, voice tension; angry and happy voices sound alike
  (louder, higher, faster), sad ones slow and low; but these are modest and the microphone gain varies from
  turn to turn;
- movement: vocal effort (loudness, pitch, brightness) builds up through an aroused utterance and fades
  through a sad one. Means and spreads over the whole utterance ignore order, so they cannot tell a
  build-up from a fade; a sequence model can.

This module imports nothing from ``pathos_lib.synthetic`` (the dependency runs one way).
Explained in 01_data_exploration (the corpus) and 02_feature_extraction (how arousal shows in the voice).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import signal

from .audio import SAMPLE_RATE

# (F1, F2, F3) in Hz for five vowels of an adult male voice; scaled per speaker.
VOWEL_FORMANTS = np.array(
    [[730, 1090, 2440], [530, 1840, 2480], [270, 2290, 3010], [570, 840, 2410], [300, 870, 2240]],
    dtype=float,
)
FORMANT_BANDWIDTHS = np.array([90.0, 110.0, 170.0])

# How arousal (-1..1) is voiced: levels, per unit of arousal ...
PITCH_PER_AROUSAL = 0.12  # relative f0 level
LOUDNESS_DB_PER_AROUSAL = 3.0
BRIGHTNESS_PER_AROUSAL = 0.75  # first-difference pre-emphasis added (spectral tilt)
RATE_PER_AROUSAL = 0.7  # syllables per second
GAIN_SD_DB = 3.0  # microphone gain, varying from turn to turn (not emotion)
# ... and movement: the change from the start to the end of the speech, per unit of arousal (a ramp
# centred on the middle, so that it leaves the utterance's average log level unchanged).
EFFORT_RAMP_DB = 16.0
EFFORT_RAMP_PITCH = 0.3  # change of log f0
EFFORT_RAMP_BRIGHTNESS = 1.0


@dataclass(frozen=True)
class Voice:
    """One synthetic actor: base pitch (Hz), vocal-tract scale, breathiness, loudness offset (dB).

    ``f0``: base pitch; ``formant_scale``: multiplies the vowel formants; ``breathiness``: noise in the
    glottal source; ``loudness_db``: added gain. Plumbing for render_utterance_audio (through ``VOICES``,
    one per session and speaker letter).
    """

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
    """Everything written about one synthetic utterance: planned by ``synthetic``, voiced here.

    ``speaker_letter``: F or M (with ``session``, picks the ``Voice``); ``emotion``: the raw IEMOCAP code;
    ``arousal``: as voiced (-1..1 plus noise); ``words``: the transcript's words; ``vad``: consensus
    (valence, activation, dominance), 1-5; ``annotations``: the annotator lines of EmoEvaluation;
    ``start`` / ``end``: seconds in the dialog; ``audio_seed``: seeds the rendering.
    Plumbing for synthetic.make_corpus (which plans and writes it) and render_utterance_audio.
    """

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


def render_utterance_audio(utterance: Utterance) -> np.ndarray:
    """The waveform of one planned utterance, float32 in [-1, 1] at 16 kHz (``SAMPLE_RATE``).

    Returns shape (round((end - start) * 16000),): its length is ``utterance.end - utterance.start`` (see
    ``utterance_duration``); the same utterance (``audio_seed`` included) always gives the same samples.
    Explained in 02_feature_extraction.
    """
    rng = np.random.default_rng(utterance.audio_seed)
    voice = VOICES[(utterance.session, utterance.speaker_letter)]
    return _synthesise(utterance.words, utterance.arousal, voice, rng, utterance.end - utterance.start)


def utterance_duration(words: list[str], arousal: float) -> float:
    """How long (s, 1.5 to 6) an utterance of these words lasts at this arousal; the renderer fits to it.

    ``words``: the utterance's words (bracketed tags such as [LAUGHTER] add no syllables); ``arousal``:
    -1..1. Returns seconds as a float. Aroused voices speak faster (``RATE_PER_AROUSAL``); a phrase pause
    comes every four words. Plumbing for the synthetic corpus's plan (synthetic.make_corpus).
    """
    n = sum(_syllables(w) for w in words)
    pauses = 0.18 * max(0, len(words) // 4)
    return float(np.clip(0.35 + n / _rate(arousal) + pauses, 1.5, 6.0))


# ----------------------------------------------------------------------------------------------
# Speech timing


def _syllables(word: str) -> int:
    letters = sum(ch.isalpha() for ch in word)
    return 0 if word.startswith("[") else int(np.clip(round(letters / 3.2), 1, 3))


def _rate(arousal: float) -> float:
    return float(np.clip(4.3 + RATE_PER_AROUSAL * arousal, 2.6, 6.5))  # syllables per second


# ----------------------------------------------------------------------------------------------
# A source-filter voice, vectorised over samples; one lfilter call per syllable


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

    # Effort ramp over the speech, from -arousal/2 at its start to +arousal/2 at its end.
    speech_start, speech_stop = segments[0][0], segments[-1][0] + segments[-1][1]
    progress = (np.arange(n_total) - speech_start) / max(1, speech_stop - speech_start)
    ramp = arousal * (np.clip(progress, 0.0, 1.0) - 0.5)

    # f0 contour: speaker base x arousal level x effort ramp x smooth random movement x declination,
    # plus jitter.
    time = np.arange(n_total) / sr
    level = voice.f0 * (1.0 + PITCH_PER_AROUSAL * arousal)
    depth = float(np.clip(0.14 + 0.13 * arousal, 0.03, 0.4))
    knots = np.arange(0.0, total + 0.5, 0.22)
    movement = np.interp(time, knots, rng.normal(0.0, 1.0, len(knots)))
    f0 = level * np.exp(depth * movement + EFFORT_RAMP_PITCH * ramp) * (1.0 - 0.12 * time / total)
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
    breath = voice.breathiness * (1.0 + 0.5 * max(0.0, -arousal)) * rng.standard_normal(n_total) * 0.1
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
    # Tense voices carry more high frequencies; brightness and then loudness follow the effort ramp.
    brightness = np.clip(0.8 + BRIGHTNESS_PER_AROUSAL * arousal + EFFORT_RAMP_BRIGHTNESS * ramp, 0.0, 3.0)
    voiced = voiced + brightness * np.diff(voiced, prepend=0.0)
    level = np.sqrt(np.mean(voiced[envelope > 0] ** 2)) if np.any(envelope > 0) else 1.0
    audio = voiced / max(level, 1e-12) * 10 ** (EFFORT_RAMP_DB * ramp / 20.0)
    # Consonants: short high-passed noise bursts (fricatives) before most syllable nuclei.
    for start, length, _ in segments:
        if rng.random() < 0.6 and length > 40:
            burst = min(length // 3, int(rng.uniform(0.02, 0.06) * sr))
            noise = np.diff(rng.standard_normal(burst + 1)) * np.hanning(burst)
            audio[start : start + burst] += noise * rng.uniform(0.08, 0.25) * (1.0 + 0.3 * arousal)
    gain_db = LOUDNESS_DB_PER_AROUSAL * arousal + voice.loudness_db + GAIN_SD_DB * rng.standard_normal()
    audio *= 10 ** ((-27.0 + gain_db) / 20.0)
    audio += rng.standard_normal(n_total) * 10 ** (-72 / 20)  # room noise
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
