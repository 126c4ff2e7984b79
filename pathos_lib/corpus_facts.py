"""What each public corpus's documentation says, how its files are named, and how its layout is recognised.

Facts, from each corpus's own documentation (``FACTS`` holds them for code and the README):

- **RAVDESS** (Livingstone & Russo 2018, PLoS ONE 13(5): e0196391; zenodo.org/record/1188976; CC BY-NC-SA
  4.0). Audio-only speech: 24 actors (12 female = even numbers, 12 male = odd) x 60 files = 1,440, 48 kHz;
  song (optional): 1,012 files, no song for actor 18. Name ``MM-VV-EE-II-SS-RR-AA.wav``: modality (03 =
  audio-only), vocal channel (01 speech, 02 song), emotion (01 neutral, 02 calm, 03 happy, 04 sad, 05
  angry, 06 fearful, 07 disgust, 08 surprised), intensity (01 normal, 02 strong; neutral has no strong),
  statement (01 "Kids are talking by the door", 02 "Dogs are sitting by the door"), repetition (01, 02),
  actor (01-24). Fold groups: 6 groups of 4 consecutive actors (2 female, 2 male each).
- **CREMA-D** (Cao et al. 2014, IEEE Trans. Affective Computing 5(4); github.com/CheyneyComputerScience/
  CREMA-D; Open Database License). 7,442 clips from 91 actors (1001-1091; 48 male, 43 female, in
  ``VideoDemographics.csv``), 16 kHz. Name ``AAAA_SSS_EEE_LL.wav``: actor, one of 12 sentences, emotion
  (ANG, DIS, FEA, HAP, NEU, SAD), level (LO, MD, HI, XX unspecified). Fold groups: 5 groups of consecutive
  actor numbers. One clip of the release holds no audio (reported as unreadable).
- **TESS** (Dupuis & Pichora-Fuller 2010, Toronto emotional speech set; doi:10.5683/SP2/E8H2MF; CC BY-NC-ND
  4.0). 2,800 files = 2 actresses (OAF aged 64, YAF aged 26) x 7 emotions x 200 words in the carrier
  phrase "Say the word ...", 24,414 Hz; one folder per speaker and emotion. Fold groups: the 2 speakers.
- **EmoDB** (Burkhardt et al. 2005, Interspeech; emodb.bilderbar.info; free for research). 535 files, 10
  speakers (03, 10, 11, 12, 15 male; 08, 09, 13, 14, 16 female), 10 German sentences, 7 emotions, 16 kHz.
  Name ``SSTTTEV.wav``: speaker, text code, emotion letter (W anger, L boredom, E disgust, A fear,
  F happiness, T sadness, N neutral), version. Fold groups: 5 pairs of one male and one female speaker.
- **MELD** (Poria et al. 2019, ACL; github.com/declare-lab/MELD; GPL-3.0). Utterances of the TV series
  Friends: train 9,989, dev 1,109, test 2,610 in ``{train,dev,test}_sent_emo.csv``; clips in
  ``train_splits/``, ``dev_splits_complete/``, ``output_repeated_splits_test/`` as ``diaD_uttU.mp4``
  (decoded with PyAV, see ``audio.decode_to_wav``). The main cast speaks in every split, so no
  speaker-independent folds exist: its folds are the official split (``session`` = train / dev / test,
  protocol ``"official"``). Without the clip folders it loads text-only.

Explained in 01_data_exploration.
"""

from __future__ import annotations

import os
import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class CorpusFacts:
    """What a corpus's documentation says, for the loader's checks and the README table.

    ``official_count``: files (utterances for MELD) in the complete release; ``root_variable``: the
    environment variable that holds its folder; ``useful_text``: whether transcripts differ between
    emotions (False for fixed sentences). Explained in 01_data_exploration.
    """

    name: str
    title: str
    root_variable: str
    layout: str
    official_count: int
    speakers: int
    language: str
    modalities: str
    useful_text: bool
    sample_rate: int | None
    licence: str
    citation: str
    url: str


FACTS: dict[str, CorpusFacts] = {
    "ravdess": CorpusFacts(
        name="ravdess",
        title="RAVDESS (audio-only speech)",
        root_variable="RAVDESS_ROOT",
        layout="Actor_01 ... Actor_24 folders at any depth under the root (Audio_Speech_Actors_01-24.zip)",
        official_count=1_440,
        speakers=24,
        language="en",
        modalities="audio (2 fixed statements)",
        useful_text=False,
        sample_rate=48_000,
        licence="CC BY-NC-SA 4.0",
        citation="Livingstone & Russo, PLoS ONE 2018",
        url="https://zenodo.org/record/1188976",
    ),
    "cremad": CorpusFacts(
        name="cremad",
        title="CREMA-D",
        root_variable="CREMAD_ROOT",
        layout="AudioWAV/ under the root (the CREMA-D repository's folder)",
        official_count=7_442,
        speakers=91,
        language="en",
        modalities="audio (12 fixed sentences)",
        useful_text=False,
        sample_rate=16_000,
        licence="ODbL 1.0",
        citation="Cao et al., IEEE Trans. Affective Computing 2014",
        url="https://github.com/CheyneyComputerScience/CREMA-D",
    ),
    "tess": CorpusFacts(
        name="tess",
        title="TESS",
        root_variable="TESS_ROOT",
        layout="one folder per speaker and emotion (OAF_angry, YAF_sad, ...) at any depth",
        official_count=2_800,
        speakers=2,
        language="en",
        modalities='audio ("Say the word ...")',
        useful_text=False,
        sample_rate=24_414,
        licence="CC BY-NC-ND 4.0",
        citation="Dupuis & Pichora-Fuller, University of Toronto 2010",
        url="https://doi.org/10.5683/SP2/E8H2MF",
    ),
    "emodb": CorpusFacts(
        name="emodb",
        title="EmoDB (Berlin)",
        root_variable="EMODB_ROOT",
        layout="wav/ under the root (the download's folder)",
        official_count=535,
        speakers=10,
        language="de",
        modalities="audio (10 fixed German sentences)",
        useful_text=False,
        sample_rate=16_000,
        licence="free for research",
        citation="Burkhardt et al., Interspeech 2005",
        url="http://emodb.bilderbar.info/",
    ),
    "meld": CorpusFacts(
        name="meld",
        title="MELD",
        root_variable="MELD_ROOT",
        layout=(
            "train_sent_emo.csv, dev_sent_emo.csv, test_sent_emo.csv in the root "
            "(MELD.Raw/), clips optional in train_splits/, dev_splits_complete/, output_repeated_splits_test/"
        ),
        official_count=13_708,
        speakers=304,
        language="en",
        modalities="text + audio (mp4 clips; text-only without them)",
        useful_text=True,
        sample_rate=None,
        licence="GPL-3.0",
        citation="Poria et al., ACL 2019",
        url="https://github.com/declare-lab/MELD",
    ),
}

PUBLIC_CORPORA = tuple(FACTS)

# The standard 4 classes (the IEMOCAP codes, so that models and class lists are shared across corpora).
STANDARD4: dict[str, dict[str, str]] = {
    "ravdess": {"angry": "ang", "happy": "hap", "neutral": "neu", "sad": "sad"},
    "cremad": {"anger": "ang", "happy": "hap", "neutral": "neu", "sad": "sad"},
    "tess": {"angry": "ang", "happy": "hap", "neutral": "neu", "sad": "sad"},
    "emodb": {"anger": "ang", "happiness": "hap", "neutral": "neu", "sadness": "sad"},
    "meld": {"anger": "ang", "joy": "hap", "neutral": "neu", "sadness": "sad"},
}

EMOTIONS: dict[str, tuple[str, ...]] = {
    "ravdess": ("neutral", "calm", "happy", "sad", "angry", "fearful", "disgust", "surprised"),
    "cremad": ("anger", "disgust", "fear", "happy", "neutral", "sad"),
    "tess": ("angry", "disgust", "fear", "happy", "neutral", "pleasant_surprise", "sad"),
    "emodb": ("anger", "boredom", "disgust", "fear", "happiness", "sadness", "neutral"),
    "meld": ("anger", "disgust", "fear", "joy", "neutral", "sadness", "surprise"),
}

# fmt: off
COLUMNS = (
    "utt_id", "session", "speaker", "gender", "emotion", "label", "intensity", "statement", "transcript",
    "language", "split", "duration", "sample_rate", "audio_note", "wav_path", "has_transcript",
    "has_wav",
)
# fmt: on

# File-naming rules and fixed texts, as each corpus documents them.
RAVDESS_STATEMENTS = {"01": "Kids are talking by the door.", "02": "Dogs are sitting by the door."}
RAVDESS_NAME = re.compile(r"^(\d{2})-(\d{2})-(\d{2})-(\d{2})-(\d{2})-(\d{2})-(\d{2})\.wav$", re.IGNORECASE)
CREMAD_SENTENCES = {
    "IEO": "It's eleven o'clock.",
    "TIE": "That is exactly what happened.",
    "IOM": "I'm on my way to the meeting.",
    "IWW": "I wonder what this is about.",
    "TAI": "The airplane is almost full.",
    "MTI": "Maybe tomorrow it will be cold.",
    "IWL": "I would like a new alarm clock.",
    "ITH": "I think I have a doctor's appointment.",
    "DFA": "Don't forget a jacket.",
    "ITS": "I think I've seen this before.",
    "TSI": "The surface is slick.",
    "WSI": "We'll stop in a couple of minutes.",
}
CREMAD_EMOTIONS = {
    "ANG": "anger",
    "DIS": "disgust",
    "FEA": "fear",
    "HAP": "happy",
    "NEU": "neutral",
    "SAD": "sad",
}
CREMAD_LEVELS = {"LO": "low", "MD": "medium", "HI": "high", "XX": "unspecified"}
CREMAD_NAME = re.compile(r"^(\d{4})_([A-Z]{3})_([A-Z]{3})_([A-Z]{2})\.wav$")
TESS_SPEAKERS = {"OAF": 64, "YAF": 26}  # speaker code -> age
TESS_FOLDER_EMOTIONS = {  # folder spellings of the release (case varies) -> emotion
    "angry": "angry",
    "disgust": "disgust",
    "fear": "fear",
    "happy": "happy",
    "neutral": "neutral",
    "pleasant_surprise": "pleasant_surprise",
    "pleasant_surprised": "pleasant_surprise",
    "sad": "sad",
}
TESS_FILE_EMOTIONS = {**TESS_FOLDER_EMOTIONS, "ps": "pleasant_surprise"}
TESS_FOLDER = re.compile(r"^(OAF|YAF)_(\w+)$", re.IGNORECASE)
TESS_NAME = re.compile(r"^([A-Za-z]+)_([A-Za-z]+)_([A-Za-z_]+)\.wav$")
EMODB_SPEAKERS = {  # speaker -> (gender, age, fold pair)
    "03": ("M", 31, 1),
    "08": ("F", 34, 1),
    "10": ("M", 32, 2),
    "09": ("F", 21, 2),
    "11": ("M", 26, 3),
    "13": ("F", 32, 3),
    "12": ("M", 30, 4),
    "14": ("F", 35, 4),
    "15": ("M", 25, 5),
    "16": ("F", 31, 5),
}
EMODB_COUNTS = {
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
EMODB_SENTENCES = {
    "a01": "Der Lappen liegt auf dem Eisschrank.",
    "a02": "Das will sie am Mittwoch abgeben.",
    "a04": "Heute abend könnte ich es ihm sagen.",
    "a05": "Das schwarze Stück Papier befindet sich da oben neben dem Holzstück.",
    "a07": "In sieben Stunden wird es soweit sein.",
    "b01": "Was sind denn das für Tüten, die da unter dem Tisch stehen?",
    "b02": "Sie haben es gerade hochgetragen und jetzt gehen sie wieder runter.",
    "b03": "An den Wochenenden bin ich jetzt immer nach Hause gefahren und habe Agnes besucht.",
    "b09": "Ich will das eben wegbringen und dann mit Karl was trinken gehen.",
    "b10": "Die wird auf dem Platz sein, wo wir sie immer hinlegen.",
}
EMODB_EMOTIONS = {
    "W": "anger",
    "L": "boredom",
    "E": "disgust",
    "A": "fear",
    "F": "happiness",
    "T": "sadness",
    "N": "neutral",
}
EMODB_NAME = re.compile(r"^(\d{2})([ab]\d{2})([A-Z])([a-z])\.wav$")


@dataclass
class CorpusReport:
    """What a public-corpus loader found, left out and flagged: nothing is dropped without a trace here.

    ``found`` / ``expected``: files (MELD: CSV rows) matched against the official count; ``short``: groups
    with fewer files than the release has ("Actor_05: 0 of 60"); ``not_following_rule``: "path: why" for
    names that break the corpus's rule (not parsed); ``ignored``: ``._`` files and other non-audio entries;
    ``unreadable``: "path: why" (rows kept with ``has_wav`` False); ``format_notes``: note -> paths read
    fine but not as the release ships them (AIFF or float32 under a .wav name, another rate); ``repaired``:
    "where: what" for quirks fixed by a stated rule (a misspelled TESS prefix, MELD's mojibake);
    ``missing_clips`` and ``missing_clip_folders`` (MELD); ``duplicates``: files found twice with identical
    sizes (a second copy of the archive), one kept; ``dropped_by_emotion``: emotion -> rows outside the
    label scheme.
    Explained in 01_data_exploration.
    """

    corpus: str
    root: str
    expected: int = 0
    found: int = 0
    short: list[str] = field(default_factory=list)
    not_following_rule: list[str] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)
    unreadable: list[str] = field(default_factory=list)
    format_notes: dict[str, list[str]] = field(default_factory=dict)
    repaired: list[str] = field(default_factory=list)
    missing_clips: list[str] = field(default_factory=list)
    missing_clip_folders: list[str] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    dropped_by_emotion: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        lines = [
            f"{FACTS[self.corpus].title} at {self.root}",
            f"found {self.found:,} of the {self.expected:,} in the official release",
        ]
        lines += self.notes
        if self.short:
            lines.append(f"short of the release ({len(self.short)}): " + ", ".join(self.short[:12]))
        listed = (
            ("names not following the corpus's rule (not parsed)", self.not_following_rule),
            ("ignored (._ files, non-audio)", self.ignored),
            ("unreadable (kept, has_wav False)", self.unreadable),
            ("repaired by a stated rule", self.repaired),
            ("missing clips (kept, has_wav False)", self.missing_clips),
            ("found twice, identical (a second copy of the archive; one kept)", self.duplicates),
        )
        for title, items in listed:
            if items:
                lines.append(f"{title}: {len(items)}")
                lines += [f"  {item}" for item in items[:5]] + (
                    [f"  ... {len(items) - 5} more"] * (len(items) > 5)
                )
        for note, paths in self.format_notes.items():
            lines.append(f"read, but {note}: {len(paths)} file(s), e.g. {paths[0]}")
        if self.dropped_by_emotion:
            dropped = ", ".join(f"{k} {v}" for k, v in sorted(self.dropped_by_emotion.items()))
            lines.append(f"outside the label scheme: {sum(self.dropped_by_emotion.values())} = {dropped}")
        return "\n".join(lines)

    def warn(self) -> None:
        """Summarise in one warning what is short, not parsed, unreadable, missing or doubled (nothing
        when the corpus is complete and clean). Plumbing for load_public."""
        problems = []
        if self.found < self.expected:
            problems.append(
                f"{self.found:,} of the release's {self.expected:,} found (partial download?)"
                + (f"; short: {', '.join(self.short[:6])}" if self.short else "")
            )
        if self.missing_clip_folders:
            problems.append(
                f"clip folder(s) {self.missing_clip_folders} not found: those splits are text-only"
            )
        for title, items in (
            ("names not following the rule", self.not_following_rule),
            ("unreadable files", self.unreadable),
            ("missing clips", self.missing_clips),
            ("files found twice (identical copies; one kept)", self.duplicates),
        ):
            if items:
                problems.append(f"{len(items)} {title} (first: {items[0]})")
        if problems:
            warnings.warn(
                f"{FACTS[self.corpus].title}: " + "; ".join(problems) + " (see table.attrs['report'])",
                stacklevel=4,
            )


def detect_corpus(folder: str | os.PathLike) -> str | None:
    """Which corpus a folder looks like, from its layout (``"iemocap"``, a public corpus name or None).

    Looks at most three levels down. Returns the name, or None when nothing is recognised.
    Plumbing for the loaders' wrong-root errors.
    """
    found = _signature(Path(folder))
    return found[0] if found else None


def layout_help(name: str, folder: Path) -> str:
    """What layout a corpus needs and what ``folder`` holds instead (another corpus, the same one deeper
    down, or its first entries). Plumbing for the loaders' wrong-root errors."""
    message = f"expected {FACTS[name].layout}"
    found = _signature(folder, prefer=name)
    if found and found[0] != name:
        message += f"; found {found[1]} at {found[2]}: this looks like {found[0]}"
    elif found:
        message += f"; found {found[1]} at {found[2]}: pass {_root_of(found[2])} as the root"
    else:
        entries = sorted(p.name for p in folder.iterdir())[:8]
        message += f"; the folder holds {entries or 'nothing'}"
    return message


def _signature(folder: Path, prefer: str | None = None) -> tuple[str, str, Path] | None:
    """(corpus, what was seen, where) for the first recognisable layout within four levels of ``folder``;
    at each depth a match of the ``prefer`` corpus wins."""
    for depth in range(4):
        found = [
            hit for path in sorted(folder.glob("/".join(["*"] * (depth + 1)))) if (hit := _what_is(path))
        ]
        if found:
            return next((hit for hit in found if hit[0] == prefer), found[0])
    return None


def _what_is(path: Path) -> tuple[str, str, Path] | None:
    name = path.name
    if path.is_dir():
        if re.fullmatch(r"Actor_\d{2}", name):
            return "ravdess", "Actor_* folders", path
        if name == "AudioWAV":
            return "cremad", "an AudioWAV folder", path
        if TESS_FOLDER.match(name):
            return "tess", "OAF_* / YAF_* folders", path
        if name == "Session1" and (path / "dialog").is_dir():
            return "iemocap", "Session1/dialog", path
        if name in ("train_splits", "dev_splits_complete", "output_repeated_splits_test"):
            return "meld", f"a {name} folder", path
    elif name.endswith("_sent_emo.csv"):
        return "meld", name, path
    elif EMODB_NAME.match(name) and path.parent.name == "wav":
        return "emodb", "wav/ with EmoDB names", path.parent
    elif CREMAD_NAME.match(name):
        return "cremad", "CREMA-D file names", path.parent
    return None


def _root_of(path: Path) -> Path:
    """The folder to pass as the root for a recognised folder or file (its parent)."""
    return path.parent
