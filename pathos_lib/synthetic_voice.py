"""The synthetic corpus's voice: one planned utterance -> spoken English at 16 kHz, through espeak-ng.

The second stage of ``pathos_lib.synthetic``: the corpus module plans each utterance (who speaks, the
emotion, the sentence) and this one speaks it with the espeak-ng speech synthesiser, which the
``espeakng-loader`` wheel ships with its voice data (GPL-3.0, used as an installed library, never copied
here). Ten actors (``VOICES``), a female and a male one per session, each with an espeak-ng voice of its own
(sex, pitch, pitch range, speaking rate, loudness).

The voice carries mainly *arousal*, in two ways:

- levels: pitch level and range, loudness, speaking rate and brightness (vocal tension); angry and happy
  voices sound alike (louder, higher, livelier, faster), sad ones slow, low and flat; but these are modest
  and the microphone gain varies from turn to turn;
- movement: vocal effort (loudness and brightness) builds up through an aroused utterance and fades through
  a sad one. Means and spreads over the whole utterance ignore order, so they cannot tell a build-up from a
  fade; a sequence model can.

This module imports nothing from ``pathos_lib.synthetic`` (the dependency runs one way).
Explained in 01_data_exploration (the corpus) and 02_feature_extraction (how arousal shows in the voice).
"""

from __future__ import annotations

import ctypes.util
import functools
import json
import re
import struct
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy import signal

from .audio import SAMPLE_RATE

INSTALL = (
    "pip install espeakng-loader (a dependency of pathos_lib; its wheels cover Linux x86-64, macOS arm64 and "
    "Windows); elsewhere install the system's espeak-ng library (Debian: apt-get install libespeak-ng1)"
)
# How arousal (-1..1) is voiced: levels, per unit of arousal ...
PITCH_PER_AROUSAL = 20  # espeak-ng pitch (0-100)
RANGE_PER_AROUSAL = 40  # espeak-ng pitch range (0-100)
RATE_PER_AROUSAL = 0.22  # relative speaking rate
LOUDNESS_DB_PER_AROUSAL = 5.0
BRIGHTNESS_PER_AROUSAL = 0.6  # first-difference pre-emphasis added (spectral tilt)
GAIN_SD_DB = 3.0  # microphone gain, varying from turn to turn (not emotion)
# ... and movement: the change from the start to the end of the speech, per unit of arousal (a ramp
# centred on the middle, so that it leaves the utterance's average log level unchanged).
EFFORT_RAMP_DB = 16.0
EFFORT_RAMP_BRIGHTNESS = 1.0
LEADING_SILENCE_S = (0.10, 0.25)
TRAILING_SILENCE_S = (0.10, 0.30)


@dataclass(frozen=True)
class Voice:
    """One synthetic actor: an espeak-ng voice and its settings.

    ``name``: espeak-ng voice and variant (``en-us+f3``); ``pitch`` / ``pitch_range``: espeak-ng's 0-100
    scales; ``words_per_minute``: speaking rate at neutral arousal; ``loudness_db``: added gain.
    Plumbing for render_utterance_audio (through ``VOICES``, one per session and speaker letter).
    """

    name: str
    pitch: int
    pitch_range: int
    words_per_minute: int
    loudness_db: float


# Session n has a female and a male actor, as in IEMOCAP; each voice differs from the others. The
# variants were chosen among espeak-ng's for how well Whisper tiny.en understands them (female formant
# voices are harder for it: notebook 09 measures what that does).
VOICES = {
    (1, "F"): Voice("en-us+f3", 45, 50, 145, 0.0), (1, "M"): Voice("en-us+m3", 45, 50, 160, 1.0),
    (2, "F"): Voice("en-us+f2", 50, 55, 140, -1.5), (2, "M"): Voice("en-us+m6", 40, 45, 165, 0.5),
    (3, "F"): Voice("en-us+steph3", 50, 60, 150, 1.0), (3, "M"): Voice("en-us+m2", 50, 55, 165, -1.0),
    (4, "F"): Voice("en-us+f3", 40, 45, 150, 0.5), (4, "M"): Voice("en-us+max", 35, 50, 155, 2.0),
    (5, "F"): Voice("en-us+f2", 45, 58, 145, -0.5), (5, "M"): Voice("en-us+m7", 42, 52, 160, 0.0),
}  # fmt: skip


@dataclass
class Utterance:
    """Everything written about one synthetic utterance: planned by ``synthetic``, voiced here.

    ``speaker_letter``: F or M (with ``session``, picks the ``Voice``); ``emotion``: the raw IEMOCAP code;
    ``arousal``: as voiced (-1..1 plus noise); ``text``: the transcript (bracketed tags such as [LAUGHTER]
    are written, not spoken); ``vad``: consensus (valence, activation, dominance), 1-5; ``annotations``:
    the annotator lines of EmoEvaluation; ``start`` / ``end``: seconds in the dialog (set from the audio's
    length); ``audio_seed``: seeds the rendering.
    Plumbing for synthetic.make_corpus (which plans and writes it) and render_utterance_audio.
    """

    utt_id: str
    dialog: str
    session: int
    speaker_letter: str
    emotion: str
    arousal: float  # arousal as voiced (emotion's arousal + noise), drives the audio
    text: str
    vad: tuple[float, float, float]
    annotations: list[str]
    start: float = 0.0
    end: float = 0.0
    audio_seed: int = 0


def render_utterance_audio(utterance: Utterance) -> np.ndarray:
    """The waveform of one planned utterance, float32 in [-1, 1] at 16 kHz (``SAMPLE_RATE``).

    espeak-ng speaks the transcript (tags removed) in the speaker's voice at the utterance's arousal; then
    the effort ramp, brightness, microphone gain, short leading and trailing silences and room noise are
    applied. Its length follows from the words and the rate; the same utterance (``audio_seed`` included)
    always gives the same samples. Raises ``ImportError`` (with the install command) without espeak-ng.
    Explained in 02_feature_extraction.
    """
    return render_utterances_audio([utterance])[0]


def render_utterances_audio(utterances: Sequence[Utterance]) -> list[np.ndarray]:
    """``render_utterance_audio`` for many utterances at once (one espeak-ng worker for all of them).
    Plumbing for synthetic.make_corpus."""
    requests, settings = [], []
    for utterance in utterances:
        voice = VOICES[(utterance.session, utterance.speaker_letter)]
        arousal = float(np.clip(utterance.arousal, -1.2, 1.2))
        requests.append((
            spoken_text(utterance.text),
            voice.name,
            int(np.clip(voice.pitch + PITCH_PER_AROUSAL * arousal, 0, 99)),
            int(np.clip(voice.pitch_range + RANGE_PER_AROUSAL * arousal, 5, 100)),
            int(np.clip(voice.words_per_minute * (1.0 + RATE_PER_AROUSAL * arousal), 110, 230)),
        ))  # fmt: skip
        settings.append((arousal, voice, np.random.default_rng(utterance.audio_seed)))
    spoken = speak_many(requests)
    return [_colour(speech, *setting) for speech, setting in zip(spoken, settings, strict=True)]


def spoken_text(transcript: str) -> str:
    """The words of a transcript that are said: IEMOCAP's bracketed tags ([LAUGHTER]) removed.
    Plumbing for render_utterance_audio."""
    return re.sub(r"\s+", " ", re.sub(r"\[[^\]]*\]", " ", transcript)).strip()


def speak(
    text: str, voice: str, pitch: int = 50, pitch_range: int = 50, words_per_minute: int = 170
) -> np.ndarray:
    """``text`` spoken by espeak-ng in ``voice`` (``en-us+f3``), float32 at 16 kHz; the same arguments
    always give the same samples. ``pitch`` / ``pitch_range``: 0-100; ``words_per_minute``: 80-450.
    Explained in 02_feature_extraction."""
    return speak_many([(text, voice, pitch, pitch_range, words_per_minute)])[0]


def speak_many(requests: Sequence[tuple[str, str, int, int, int]]) -> list[np.ndarray]:
    """Each (text, voice, pitch, pitch_range, words_per_minute) spoken by espeak-ng, float32 at 16 kHz.

    espeak-ng keeps state from one sentence to the next (its voicing noise and phase), so the same call
    twice in one process gives slightly different samples. Here a small worker process starts espeak-ng
    once and forks a fresh copy of itself for every request: each result depends on its own arguments only
    (on Windows, which cannot fork, on the requests before it too). Raises ``ImportError`` without espeak-ng
    and ``ValueError`` for a voice it does not have. Plumbing for render_utterance_audio and speak.
    """
    library, data_parent = _espeak_library()
    payload = json.dumps({"library": library, "data": data_parent, "requests": [list(r) for r in requests]})
    done = subprocess.run(
        [sys.executable, "-c", _WORKER], input=payload.encode(), capture_output=True, check=False
    )
    if done.returncode != 0:
        message = done.stderr.decode(errors="replace").strip().splitlines()
        raise RuntimeError(f"espeak-ng failed: {message[-1] if message else done.returncode}")
    out, cursor, rate = [], 0, 0
    for _ in requests:
        status, rate, size = struct.unpack_from("<iiq", done.stdout, cursor)
        cursor += 16
        samples = np.frombuffer(done.stdout, np.int16, size // 2, cursor)
        cursor += size
        if status == _NO_VOICE:
            raise ValueError(f"espeak-ng has no voice {requests[len(out)][1]!r}")
        if status != 0:
            raise RuntimeError(f"espeak-ng could not speak {requests[len(out)][0]!r} (error {status})")
        audio = samples.astype(np.float32) / 32768.0
        out.append(signal.resample_poly(audio, SAMPLE_RATE // 50, rate // 50).astype(np.float32))
    return out


@functools.lru_cache(maxsize=1)
def _espeak_library() -> tuple[str, str | None]:
    """The espeak-ng library file and the folder above its data: the wheel's, else the system's."""
    try:
        import espeakng_loader
    except ImportError:
        found = ctypes.util.find_library("espeak-ng")
        if found is None:
            raise ImportError(
                f"the synthetic corpus speaks through espeak-ng, which is missing: {INSTALL}"
            ) from None
        return found, None
    return espeakng_loader.get_library_path(), str(Path(espeakng_loader.get_data_path()).parent)


_NO_VOICE = -1000
# The worker: only the standard library, so it starts in a few tens of milliseconds. It writes, per
# request, (status, sample rate, byte count) and the 16-bit samples.
_WORKER = r"""
import ctypes, json, os, struct, sys
job = json.load(sys.stdin)
lib = ctypes.CDLL(job["library"])
lib.espeak_Synth.argtypes = [ctypes.c_char_p, ctypes.c_size_t, ctypes.c_uint, ctypes.c_int, ctypes.c_uint,
                             ctypes.c_uint, ctypes.c_void_p, ctypes.c_void_p]
rate = lib.espeak_Initialize(2, 0, job["data"].encode() if job["data"] else None, 0)
if rate <= 0:
    sys.exit(f"espeak-ng did not start (data folder {job['data']})")
chunks = []
CALLBACK = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.c_void_p)
def collect(wav, n, events):
    if n > 0:
        chunks.append(ctypes.string_at(wav, 2 * n))
    return 0
callback = CALLBACK(collect)
seed = getattr(lib, "espeak_ng_SetRandSeed", lambda value: None)
try:
    libc = ctypes.CDLL(None) if os.name == "posix" else ctypes.cdll.msvcrt
except OSError:
    libc = None
lib.espeak_SetSynthCallback(callback)
def synthesise(text, voice, pitch, pitch_range, wpm):
    if lib.espeak_SetVoiceByName(voice.encode()) != 0:
        return -1000
    for parameter, value in ((1, wpm), (2, 100), (3, pitch), (4, pitch_range)):
        lib.espeak_SetParameter(parameter, int(value), 0)
    seed(1)  # espeak-ng's breath noise draws from its own generator and from libc's rand()
    if libc is not None:
        libc.srand(1)
    data = text.encode()
    status = lib.espeak_Synth(data, len(data) + 1, 0, 1, 0, 1, None, None)
    lib.espeak_Synchronize()
    return status
out = sys.stdout.buffer
for request in job["requests"]:
    if hasattr(os, "fork"):
        read, write = os.pipe()
        child = os.fork()
        if child == 0:
            os.close(read)
            status = synthesise(*request)
            blob = b"".join(chunks)
            os.write(write, struct.pack("<iiq", status, rate, len(blob)))
            view = memoryview(blob)
            while view:
                view = view[os.write(write, view):]
            os._exit(0)
        os.close(write)
        with os.fdopen(read, "rb") as pipe:
            answer = pipe.read()
        os.waitpid(child, 0)
    else:
        chunks.clear()
        status = synthesise(*request)
        blob = b"".join(chunks)
        answer = struct.pack("<iiq", status, rate, len(blob)) + blob
    out.write(answer)
out.flush()
"""


# ----------------------------------------------------------------------------------------------
# Effort, brightness, gain, silences and room noise


def _colour(speech: np.ndarray, arousal: float, voice: Voice, rng: np.random.Generator) -> np.ndarray:
    sr = SAMPLE_RATE
    n = len(speech)
    # Effort ramp over the speech, from -arousal/2 at its start to +arousal/2 at its end.
    ramp = arousal * (np.linspace(0.0, 1.0, max(n, 1))[:n] - 0.5)
    brightness = np.clip(0.6 + BRIGHTNESS_PER_AROUSAL * arousal + EFFORT_RAMP_BRIGHTNESS * ramp, 0.0, 3.0)
    speech = speech + brightness * np.diff(speech, prepend=0.0)
    voiced = np.abs(speech) > 1e-4
    level = np.sqrt(np.mean(speech[voiced] ** 2)) if voiced.any() else 1.0
    speech = speech / max(level, 1e-12) * 10 ** (EFFORT_RAMP_DB * ramp / 20.0)
    gain_db = LOUDNESS_DB_PER_AROUSAL * arousal + voice.loudness_db + GAIN_SD_DB * rng.standard_normal()
    speech = speech * 10 ** ((-24.0 + gain_db) / 20.0)
    lead = int(rng.uniform(*LEADING_SILENCE_S) * sr)
    trail = int(rng.uniform(*TRAILING_SILENCE_S) * sr)
    audio = np.concatenate([np.zeros(lead), speech, np.zeros(trail)])
    audio += rng.standard_normal(len(audio)) * 10 ** (-66 / 20)  # room noise
    peak = np.max(np.abs(audio))
    if peak > 0.98:
        audio *= 0.98 / peak
    return audio.astype(np.float32)
