"""Tiny fixture trees of the public corpora, written at test time with each corpus's real naming rules.

No corpus data is ever committed: every file is a short generated tone (wavs written with soundfile, MELD's
mp4 clips encoded with PyAV). The folder and file names follow the official releases, written down here
from each corpus's own documentation (not from ``pathos_lib``), so that a loader that misreads a rule fails:

- RAVDESS ``Audio_Speech_Actors_01-24/Actor_NN/03-01-EE-II-SS-RR-AA.wav`` (song: ``Audio_Song_Actors_01-24``)
- CREMA-D ``AudioWAV/AAAA_SSS_EEE_LL.wav`` and ``VideoDemographics.csv``
- TESS ``TESS Toronto emotional speech set data/OAF_angry/OAF_back_angry.wav``
- EmoDB ``wav/03a01Wa.wav``
- MELD ``{train,dev,test}_sent_emo.csv`` and ``train_splits/``, ``dev_splits_complete/``,
  ``output_repeated_splits_test/`` holding ``diaD_uttU.mp4``
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from functools import lru_cache
from pathlib import Path

import numpy as np
import soundfile as sf

SECONDS = 0.3  # length of every generated recording
TONE_HZ = 440.0

# ---------------------------------------------------------------------------------------------------------
# sound


def tone(rate: int, seconds: float = SECONDS, channels: int = 1, hz: float = TONE_HZ) -> np.ndarray:
    """A sine tone of shape (samples,) or (samples, channels), float32 in [-0.3, 0.3]."""
    t = np.arange(int(round(seconds * rate))) / rate
    wave = (0.3 * np.sin(2 * np.pi * hz * t)).astype(np.float32)
    return wave if channels == 1 else np.repeat(wave[:, None], channels, axis=1)


@lru_cache(maxsize=64)
def audio_bytes(rate: int, seconds: float = SECONDS, subtype: str = "PCM_16", format: str = "WAV") -> bytes:
    """The bytes of one sound file (encoded once, then copied to every path that needs it)."""
    buffer = io.BytesIO()
    sf.write(buffer, tone(rate, seconds), rate, subtype=subtype, format=format)
    return buffer.getvalue()


def write_audio(
    path: Path, rate: int, seconds: float = SECONDS, subtype: str = "PCM_16", format: str = "WAV"
) -> Path:
    """Write a tone to ``path`` (``format`` "AIFF" writes AIFF data whatever the name says)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(audio_bytes(rate, seconds, subtype, format))
    return path


@lru_cache(maxsize=16)
def mp4_bytes(seconds: float = SECONDS, rate: int = 44_100, channels: int = 2, hz: float = TONE_HZ) -> bytes:
    """An mp4 container holding one AAC audio stream (no video), encoded with PyAV."""
    import av

    buffer = io.BytesIO()
    layout = "mono" if channels == 1 else "stereo"
    with av.open(buffer, mode="w", format="mp4") as container:
        stream = container.add_stream("aac", rate=rate, layout=layout)
        planes = np.ascontiguousarray(np.tile(tone(rate, seconds, hz=hz), (channels, 1)))
        frame = av.AudioFrame.from_ndarray(planes, format="fltp", layout=layout)
        frame.sample_rate = rate
        for packet in [*stream.encode(frame), *stream.encode(None)]:
            container.mux(packet)
    return buffer.getvalue()


@lru_cache(maxsize=1)
def video_only_mp4_bytes() -> bytes:
    """An mp4 container with a 3-frame video stream and no audio stream."""
    import av

    buffer = io.BytesIO()
    with av.open(buffer, mode="w", format="mp4") as container:
        stream = container.add_stream("mpeg4", rate=10)
        stream.width, stream.height, stream.pix_fmt = 32, 32, "yuv420p"
        for _ in range(3):
            frame = av.VideoFrame.from_ndarray(np.zeros((32, 32, 3), np.uint8), format="rgb24")
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)
    return buffer.getvalue()


def write_mp4(path: Path, seconds: float = SECONDS, rate: int = 44_100, channels: int = 2) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(mp4_bytes(seconds, rate, channels))
    return path


# ---------------------------------------------------------------------------------------------------------
# RAVDESS (Livingstone & Russo 2018): modality-channel-emotion-intensity-statement-repetition-actor

RAVDESS_SPEECH = "Audio_Speech_Actors_01-24"
RAVDESS_SONG = "Audio_Song_Actors_01-24"


def ravdess_names(actor: int, song: bool = False) -> list[str]:
    """Every file name one actor has in the release: 60 speech files, or 44 song files.

    Emotions 01-08 for speech (01-06 for song); neutral (01) has intensity 01 only; 2 statements x 2
    repetitions each.
    """
    channel, emotions = ("02", range(1, 7)) if song else ("01", range(1, 9))
    return [
        f"03-{channel}-{emotion:02d}-{intensity:02d}-{statement:02d}-{repetition:02d}-{actor:02d}.wav"
        for emotion in emotions
        for intensity in ((1,) if emotion == 1 else (1, 2))
        for statement in (1, 2)
        for repetition in (1, 2)
    ]


def ravdess_actor_dir(root: Path, actor: int, song: bool = False) -> Path:
    return Path(root) / (RAVDESS_SONG if song else RAVDESS_SPEECH) / f"Actor_{actor:02d}"


def make_ravdess(
    root: Path,
    actors: Iterable[int] = range(1, 25),
    per_actor: int | None = None,
    song: bool = False,
    rate: int = 48_000,
    seconds: float = SECONDS,
) -> Path:
    """RAVDESS audio-only speech (and song, no song for actor 18) for ``actors``.

    ``per_actor``: write only the first n names of each actor (a partial download). Returns ``root``.
    """
    root = Path(root)
    for actor in actors:
        for is_song in (False, True) if song else (False,):
            if is_song and actor == 18:
                continue
            names = ravdess_names(actor, is_song)[:per_actor]
            folder = ravdess_actor_dir(root, actor, is_song)
            for name in names:
                write_audio(folder / name, rate, seconds)
    return root


# ---------------------------------------------------------------------------------------------------------
# CREMA-D (Cao et al. 2014): actor_sentence_emotion_level

CREMAD_SENTENCES = ("IEO", "TIE", "IOM", "IWW", "TAI", "MTI", "IWL", "ITH", "DFA", "ITS", "TSI", "WSI")
CREMAD_EMOTIONS = ("ANG", "DIS", "FEA", "HAP", "NEU", "SAD")


def cremad_names(actor: int, sentences: Iterable[str] = CREMAD_SENTENCES) -> list[str]:
    """The release's names for one actor: sentence IEO at levels LO, MD, HI (neutral: XX), others at XX."""
    names = []
    for sentence in sentences:
        for emotion in CREMAD_EMOTIONS:
            levels = ("LO", "MD", "HI") if sentence == "IEO" and emotion != "NEU" else ("XX",)
            names += [f"{actor}_{sentence}_{emotion}_{level}.wav" for level in levels]
    return names


def cremad_sex(actor: int) -> str:
    """The sex the fixture's VideoDemographics.csv gives an actor (odd: Male, even: Female)."""
    return "Male" if actor % 2 else "Female"


def make_cremad(
    root: Path,
    actors: Iterable[int] = (1001, 1002),
    sentences: Iterable[str] = CREMAD_SENTENCES,
    demographics: bool = True,
    rate: int = 16_000,
    seconds: float = SECONDS,
) -> Path:
    """``AudioWAV/`` for ``actors`` x ``sentences`` x 6 emotions, and ``VideoDemographics.csv`` beside it."""
    root = Path(root)
    actors, sentences = list(actors), list(sentences)
    for actor in actors:
        for name in cremad_names(actor, sentences):
            write_audio(root / "AudioWAV" / name, rate, seconds)
    if demographics:
        lines = ["ActorID,Age,Sex,Race,Ethnicity"] + [
            f"{a},{20 + a % 50},{cremad_sex(a)},Caucasian,Not Hispanic" for a in actors
        ]
        (root / "VideoDemographics.csv").write_text("\n".join(lines) + "\n")
    return root


# ---------------------------------------------------------------------------------------------------------
# TESS (Dupuis & Pichora-Fuller 2010): one folder per speaker and emotion, SPEAKER_word_emotion.wav

TESS_DIR = "TESS Toronto emotional speech set data"
TESS_FOLDERS = (  # (folder as the release spells it, speaker, emotion in the file names)
    ("OAF_angry", "OAF", "angry"),
    ("OAF_disgust", "OAF", "disgust"),
    ("OAF_Fear", "OAF", "fear"),
    ("OAF_happy", "OAF", "happy"),
    ("OAF_neutral", "OAF", "neutral"),
    ("OAF_Pleasant_surprise", "OAF", "ps"),
    ("OAF_Sad", "OAF", "sad"),
    ("YAF_angry", "YAF", "angry"),
    ("YAF_disgust", "YAF", "disgust"),
    ("YAF_fear", "YAF", "fear"),
    ("YAF_happy", "YAF", "happy"),
    ("YAF_neutral", "YAF", "neutral"),
    ("YAF_pleasant_surprised", "YAF", "ps"),
    ("YAF_sad", "YAF", "sad"),
)


def make_tess(
    root: Path,
    words: Iterable[str] = ("back", "bar", "base"),
    speakers: Iterable[str] = ("OAF", "YAF"),
    rate: int = 24_414,
    seconds: float = SECONDS,
) -> Path:
    """``TESS Toronto emotional speech set data/<folder>/<SPEAKER>_<word>_<emotion>.wav``. Returns root."""
    root, words, speakers = Path(root), list(words), set(speakers)
    for folder, speaker, emotion in TESS_FOLDERS:
        if speaker in speakers:
            for word in words:
                write_audio(root / TESS_DIR / folder / f"{speaker}_{word}_{emotion}.wav", rate, seconds)
    return root


def tess_folder(root: Path, folder: str) -> Path:
    return Path(root) / TESS_DIR / folder


# ---------------------------------------------------------------------------------------------------------
# EmoDB (Burkhardt et al. 2005): speaker, text code, emotion letter, version

EMODB_TEXTS = ("a01", "a02", "a04", "a05", "a07", "b01", "b02", "b03", "b09", "b10")
EMODB_LETTERS = "WLEAFTN"  # anger, boredom, disgust, fear, happiness, sadness, neutral
EMODB_SPEAKER_FILES = {  # files per speaker in the release (535 in all)
    "03": 49,
    "08": 58,
    "09": 43,
    "10": 38,
    "11": 55,
    "12": 35,
    "13": 61,
    "14": 69,
    "15": 56,
    "16": 71,
}


def emodb_complete_names() -> list[str]:
    """535 distinct names with the release's count per speaker (texts and emotions cycled)."""
    names = []
    for speaker, count in EMODB_SPEAKER_FILES.items():
        combos = [
            f"{speaker}{text}{letter}{version}"
            for version in "ab"
            for text in EMODB_TEXTS
            for letter in EMODB_LETTERS
        ]
        names += [f"{c}.wav" for c in combos[:count]]
    return names


def make_emodb(
    root: Path,
    files: Iterable[str] = ("03a01Wa.wav", "08a01Nb.wav", "10b01Fa.wav", "09a02Ta.wav"),
    rate: int = 16_000,
    seconds: float = SECONDS,
) -> Path:
    """``wav/<name>`` for each name in ``files``. Returns root."""
    root = Path(root)
    for name in files:
        write_audio(root / "wav" / name, rate, seconds)
    return root


# ---------------------------------------------------------------------------------------------------------
# MELD (Poria et al. 2019)

MELD_HEADER = (
    "Sr No.",
    "Utterance",
    "Speaker",
    "Emotion",
    "Sentiment",
    "Dialogue_ID",
    "Utterance_ID",
    "Season",
    "Episode",
    "StartTime",
    "EndTime",
)
MELD_FILES = {  # split -> (CSV, clip folder)
    "train": ("train_sent_emo.csv", "train_splits"),
    "dev": ("dev_sent_emo.csv", "dev_splits_complete"),
    "test": ("test_sent_emo.csv", "output_repeated_splits_test"),
}
MELD_EMOTIONS = ("neutral", "joy", "sadness", "anger", "surprise", "fear", "disgust")
MELD_SENTIMENTS = {
    "neutral": "neutral",
    "joy": "positive",
    "surprise": "positive",
    "sadness": "negative",
    "anger": "negative",
    "fear": "negative",
    "disgust": "negative",
}
MELD_CAST = ("Ross", "Rachel", "Monica", "Chandler", "Joey", "Phoebe")
_WORDS = (
    "coffee couch apartment dinosaur museum turkey lobster sandwich pivot unagi fireball moustache "
    "duck chick boat holiday armadillo ballet jam soap opera cooking nurse paleontology"
).split()


def meld_rows(split: str, n: int) -> list[dict]:
    """``n`` rows of a MELD CSV: dialogue i // 2, utterance i % 2, emotions cycled, distinct utterances."""
    rows = []
    for i in range(n):
        emotion = MELD_EMOTIONS[i % len(MELD_EMOTIONS)]
        words = " ".join(_WORDS[(i * 3 + k + len(split)) % len(_WORDS)] for k in range(3))
        rows.append(
            {
                "Sr No.": str(i + 1),
                "Utterance": f"{split.title()} line {i}: the {words}, right?",
                "Speaker": MELD_CAST[i % len(MELD_CAST)],
                "Emotion": emotion,
                "Sentiment": MELD_SENTIMENTS[emotion],
                "Dialogue_ID": str(i // 2),
                "Utterance_ID": str(i % 2),
                "Season": "8",
                "Episode": "21",
                "StartTime": f"00:16:{i:02d},059",
                "EndTime": f"00:16:{i + 1:02d},121",
            }
        )
    return rows


def write_meld_csv(path: Path, rows: list[dict], encoding: str = "utf-8") -> Path:
    """A MELD CSV with the official header (Windows line ends, as the release ships them)."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]) if rows else list(MELD_HEADER))
    writer.writeheader()
    writer.writerows(rows)
    Path(path).write_bytes(buffer.getvalue().encode(encoding))
    return Path(path)


def make_meld(
    root: Path,
    rows_per_split: int = 7,
    clips: bool = True,
    splits: Iterable[str] = ("train", "dev", "test"),
    utterances: Mapping[tuple[str, int], str] | None = None,
    encoding: str = "utf-8",
) -> Path:
    """The three CSVs (``utterances`` replaces the text of (split, row index)) and, with ``clips``, one
    mp4 per row in each split's clip folder. Returns root."""
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    for split in splits:
        csv_name, clip_folder = MELD_FILES[split]
        rows = meld_rows(split, rows_per_split)
        for (where, index), text in (utterances or {}).items():
            if where == split:
                rows[index]["Utterance"] = text
        write_meld_csv(root / csv_name, rows, encoding)
        if clips:
            for row in rows:
                write_mp4(root / clip_folder / f"dia{row['Dialogue_ID']}_utt{row['Utterance_ID']}.mp4")
    return root
