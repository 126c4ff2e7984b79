"""The public emotion corpora a lab can download on day one -> the PATHOS corpus table.

``load_public(name, root)`` reads RAVDESS, CREMA-D, TESS, EmoDB and MELD exactly as their official
archives unpack, into the table every later stage takes (utt_id, session = the speaker-independent fold
group, speaker, label, emotion = the corpus's own label, transcript, wav_path, ...) plus what each corpus
records (intensity, sentence code, gender, language, official split). Nothing is guessed: a file whose name
breaks the corpus's rule is listed in the report, not parsed; unreadable files are kept, flagged and
listed; a partial download warns with what is short. ``table.attrs["report"]`` is a ``CorpusReport``.

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
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import soundfile as sf


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
MELD_SPLITS = {  # split -> (CSV, clip folder, official utterance count)
    "train": ("train_sent_emo.csv", "train_splits", 9989),
    "dev": ("dev_sent_emo.csv", "dev_splits_complete", 1109),
    "test": ("test_sent_emo.csv", "output_repeated_splits_test", 2610),
}
MELD_COLUMNS = (
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
MELD_CLIP = re.compile(r"^dia(\d+)_utt(\d+)\.mp4$")
MOJIBAKE = re.compile("[\u0080-\u009f]|â€|Ã.|Â.")  # UTF-8 bytes read as cp1252 / latin-1 (or the reverse)


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


def load_public(
    name: str,
    root: str | os.PathLike | None = None,
    labels: str | Mapping[str, str] = "standard4",
    *,
    song: bool = False,
) -> pd.DataFrame:
    """One public corpus (``"ravdess"``, ``"cremad"``, ``"tess"``, ``"emodb"``, ``"meld"``) as a corpus table.

    ``root``: the corpus folder (default: the environment variable ``FACTS[name].root_variable``, e.g.
    ``RAVDESS_ROOT``). ``labels``: ``"standard4"`` (ang, hap, neu, sad; see ``STANDARD4``), ``"all"`` (the
    corpus's own emotions) or a dict emotion -> class. ``song``: RAVDESS only, add the song files.
    Headers are read (soundfile), never the audio, so listing a whole corpus takes seconds. Returns one row
    per kept file (MELD: per CSV row), sorted by utt_id, columns ``COLUMNS`` plus the corpus's own
    (RAVDESS repetition and channel, MELD dialog, sentiment, season, episode, start, end); ``attrs``:
    ``corpus``, ``report`` (a ``CorpusReport``, also summarised in a warning when something is off).
    Explained in 01_data_exploration.
    """
    if name not in FACTS:
        raise ValueError(f"Unknown public corpus {name!r}; known: {list(FACTS)}")
    if song and name != "ravdess":
        raise ValueError("song=True applies to RAVDESS only")
    scheme = _scheme(name, labels)
    folder = _resolve_root(name, root)
    report = CorpusReport(name, str(folder), expected=FACTS[name].official_count)
    if name == "ravdess":
        report.expected += 1012 if song else 0
        rows = _ravdess_rows(folder, report, song)
    elif name == "meld":
        rows = _meld_rows(folder, report)
    else:
        rows = {"cremad": _cremad_rows, "tess": _tess_rows, "emodb": _emodb_rows}[name](folder, report)
    table = pd.DataFrame.from_records(rows)
    if table.empty:
        raise FileNotFoundError(
            f"No {FACTS[name].title} files found under {folder}: {_layout_help(name, folder)}"
        )
    table = _drop_identical_copies(table, report, name, folder)
    if scheme is None:
        table["label"] = table["emotion"]
    else:
        table["label"] = table["emotion"].map(scheme)
        dropped = table["label"].isna()
        report.dropped_by_emotion = {
            str(k): int(v) for k, v in table.loc[dropped, "emotion"].value_counts().items()
        }
        table = table.loc[~dropped]
    extra = [c for c in table.columns if c not in COLUMNS]
    table = table.reindex(columns=[*COLUMNS, *extra])
    table["has_transcript"] = table["transcript"].notna()
    table["has_wav"] = table["wav_path"].notna()
    table = table.sort_values("utt_id", ignore_index=True)
    table.attrs["corpus"] = name
    table.attrs["report"] = report
    _warn_about(report)
    return table


def _drop_identical_copies(
    table: pd.DataFrame, report: CorpusReport, name: str, folder: Path
) -> pd.DataFrame:
    """One row per utterance. A file found twice with the same size (a second copy of the archive, as
    some mirrors ship) is kept once, nearest the root, and listed; copies that differ are an error."""
    duplicated = table["utt_id"].duplicated(keep=False)
    if not duplicated.any():
        return table
    copies = table.loc[duplicated].copy()
    copies["depth"] = copies["wav_path"].map(lambda p: str(p).count(os.sep))
    copies = copies.sort_values(["utt_id", "depth", "wav_path"])
    for utt_id, group in copies.groupby("utt_id", sort=False):
        paths = group["wav_path"].tolist()
        sizes = {os.path.getsize(p) if isinstance(p, str) else None for p in paths}
        if len(sizes) > 1 or None in sizes:
            raise ValueError(
                f"{FACTS[name].title}: utterance {utt_id} is found {len(paths)} times under {folder} with "
                f"different contents ({', '.join(map(str, paths))}): keep one copy or pass the folder of one"
            )
        report.duplicates.append(f"{utt_id}: {paths[0]} used, identical {', '.join(paths[1:])} left out")
    keep = copies.drop_duplicates("utt_id").index
    report.found -= int(duplicated.sum()) - len(keep)
    return table.loc[~duplicated | table.index.isin(keep)]


def detect_corpus(folder: str | os.PathLike) -> str | None:
    """Which corpus a folder looks like, from its layout (``"iemocap"``, a public corpus name or None).

    Looks at most three levels down. Returns the name, or None when nothing is recognised.
    Plumbing for the loaders' wrong-root errors.
    """
    found = _signature(Path(folder))
    return found[0] if found else None


def useful_modalities(table: pd.DataFrame) -> dict[str, str | None]:
    """For each of "audio", "text", "fusion": None when the table supports it, else the reason why not.

    Text is not useful when every transcript is spoken in several emotions (fixed sentences: a sentence
    tells nothing about the emotion); audio not when no row has a wav (MELD without its clips); fusion
    needs both. Returns ``{"audio": reason or None, "text": ..., "fusion": ...}``.
    Explained in 04_text_model.
    """
    reasons: dict[str, str | None] = {"audio": None, "text": None}
    if "wav_path" not in table.columns or table["wav_path"].isna().all():
        reasons["audio"] = "no row has audio (MELD without its clip folders is text-only)"
    with_text = table.dropna(subset=["transcript"]) if "transcript" in table.columns else table.iloc[:0]
    if with_text.empty:
        reasons["text"] = "no row has a transcript"
    else:
        emotions_per_text = with_text.groupby("transcript")["label"].nunique()
        shared = float((emotions_per_text.reindex(with_text["transcript"]).to_numpy() > 1).mean())
        fixed = not FACTS[table.attrs["corpus"]].useful_text if table.attrs.get("corpus") in FACTS else None
        if fixed is None:  # another corpus: every transcript repeated, nearly all in several classes
            fixed = len(with_text) >= 3 * with_text["transcript"].nunique() and shared > 0.9
        if fixed:
            reasons["text"] = (
                f"{with_text['transcript'].nunique()} fixed sentence(s) for {len(with_text):,} recordings, "
                f"{shared:.0%} of them spoken in more than one class: the words cannot tell the emotion"
            )
    missing = [m for m in ("audio", "text") if reasons[m]]
    why = "; ".join(f"{m}: {reasons[m]}" for m in missing)
    reasons["fusion"] = f"fusion needs audio and useful text ({why})" if missing else None
    return reasons


# ----------------------------------------------------------------------------------------------
# plumbing: roots, layouts, headers


def _scheme(name: str, labels: str | Mapping[str, str]) -> dict[str, str] | None:
    if isinstance(labels, Mapping):
        unknown = sorted(set(labels) - set(EMOTIONS[name]))
        if unknown:
            raise ValueError(
                f"Label map has emotions {unknown} that {name} does not have; it has {list(EMOTIONS[name])}"
            )
        return dict(labels)
    if labels == "all":
        return None
    if labels == "standard4":
        return STANDARD4[name]
    raise ValueError(
        f"labels for {name} must be 'standard4', 'all' or a dict emotion -> class, got {labels!r}"
        + (" ('thesis' is IEMOCAP's happy/excited distinction)" if labels == "thesis" else "")
    )


def _resolve_root(name: str, root: str | os.PathLike | None) -> Path:
    facts = FACTS[name]
    if root is None:
        value = os.environ.get(facts.root_variable)
        if not value:
            raise FileNotFoundError(
                f"No {facts.title} folder given and {facts.root_variable} is not set: download it from "
                f"{facts.url} (expected layout: {facts.layout}) and pass its folder as `root` (notebook "
                f"parameter `corpus_root`) or set {facts.root_variable}"
            )
        root = value
    path = Path(root).expanduser()
    if not path.is_dir():
        raise FileNotFoundError(f"{facts.title} folder {path} does not exist or is not a folder")
    return path


def _layout_help(name: str, folder: Path) -> str:
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


def _audio_files(folder: Path, report: CorpusReport) -> list[os.DirEntry]:
    """The .wav entries of one folder, sorted; ``._`` files and other entries go to ``report.ignored``."""
    kept = []
    for entry in sorted(os.scandir(folder), key=lambda e: e.name):
        if entry.is_dir():
            continue
        if entry.name.startswith("._") or not entry.name.lower().endswith(".wav"):
            report.ignored.append(entry.path)
        else:
            kept.append(entry)
    return kept


def _probe(path: str, expected_rate: int | None, report: CorpusReport) -> dict:
    """Header facts of one file (duration, rate) and its problems, reading the header only."""
    facts = {"wav_path": path, "duration": np.nan, "sample_rate": np.nan, "audio_note": None}
    try:
        if os.path.getsize(path) == 0:
            problem = "empty file (0 bytes)"
        else:
            info = sf.info(path)
            problem = None if info.frames > 0 else "header only, no samples"
    except (sf.LibsndfileError, RuntimeError, OSError) as error:
        problem = f"unreadable ({str(error).splitlines()[0] if str(error) else type(error).__name__})"
    if problem:
        report.unreadable.append(f"{path}: {problem}")
        return {**facts, "wav_path": None, "audio_note": problem}
    notes = []
    if info.format != "WAV" and path.lower().endswith(".wav"):
        notes.append(f"{info.format} data under a .wav name")
    if info.subtype in ("FLOAT", "DOUBLE"):
        notes.append(f"{info.subtype.lower()} samples")
    if expected_rate and info.samplerate != expected_rate:
        notes.append(f"{info.samplerate} Hz, not the release's {expected_rate} Hz")
    for note in notes:
        report.format_notes.setdefault(note, []).append(path)
    return {
        **facts,
        "duration": info.frames / info.samplerate,
        "sample_rate": info.samplerate,
        "audio_note": "; ".join(notes) or None,
    }


def _short(report: CorpusReport, counts: Mapping[str, int], expected: Mapping[str, int]) -> None:
    report.short = [
        f"{group}: {counts.get(group, 0)} of {n}" for group, n in expected.items() if counts.get(group, 0) < n
    ]


# ----------------------------------------------------------------------------------------------
# the corpora


def _ravdess_rows(root: Path, report: CorpusReport, song: bool) -> list[dict]:
    actors = sorted(
        (Path(d) / s for d, subdirs, _ in os.walk(root) for s in subdirs if re.fullmatch(r"Actor_\d{2}", s)),
        key=lambda p: (p.name, str(p)),
    )
    if not actors:
        raise FileNotFoundError(f"No RAVDESS Actor_NN folders under {root}: {_layout_help('ravdess', root)}")
    rows, counts, songs_left = [], defaultdict(int), 0
    for folder in actors:
        folder_actor = int(folder.name[-2:])
        for entry in _audio_files(folder, report):
            match = RAVDESS_NAME.match(entry.name)
            fields = match.groups() if match else ()
            why = _ravdess_problem(fields, folder_actor) if match else "not MM-VV-EE-II-SS-RR-AA.wav"
            if why:
                report.not_following_rule.append(f"{entry.path}: {why}")
                continue
            modality, channel, emotion, intensity, statement, repetition, actor = fields
            if channel == "02" and not song:
                songs_left += 1
                continue
            counts[f"Actor_{actor} {'song' if channel == '02' else 'speech'}"] += 1
            number = int(actor)
            rows.append(
                {
                    "utt_id": Path(entry.name).stem,
                    "session": (number - 1) // 4 + 1,
                    "speaker": f"Actor_{actor}",
                    "gender": "M" if number % 2 else "F",
                    "emotion": EMOTIONS["ravdess"][int(emotion) - 1],
                    "intensity": "normal" if intensity == "01" else "strong",
                    "statement": statement,
                    "transcript": RAVDESS_STATEMENTS[statement],
                    "language": "en",
                    "split": None,
                    "channel": "song" if channel == "02" else "speech",
                    "repetition": int(repetition),
                    **_probe(entry.path, 48_000, report),
                }
            )
    expected = {f"Actor_{a:02d} speech": 60 for a in range(1, 25)}
    if song:
        expected |= {f"Actor_{a:02d} song": 44 for a in range(1, 25) if a != 18}
    _short(report, counts, expected)
    report.found = sum(counts.values())
    if songs_left:
        report.notes.append(f"song files left out (song=False): {songs_left}")
    return rows


def _ravdess_problem(fields: tuple[str, ...], folder_actor: int) -> str | None:
    modality, channel, emotion, intensity, statement, repetition, actor = fields
    checks = [
        (modality == "03", f"modality {modality} is not 03 (audio-only)"),
        (channel in ("01", "02"), f"vocal channel {channel} is not 01 or 02"),
        ("01" <= emotion <= "08", f"emotion {emotion} is not 01-08"),
        (intensity in ("01", "02"), f"intensity {intensity} is not 01 or 02"),
        (not (emotion == "01" and intensity == "02"), "neutral has no strong intensity (02)"),
        (statement in ("01", "02"), f"statement {statement} is not 01 or 02"),
        (repetition in ("01", "02"), f"repetition {repetition} is not 01 or 02"),
        (int(actor) == folder_actor, f"actor {actor} in a folder of actor {folder_actor:02d}"),
    ]
    return next((why for ok, why in checks if not ok), None)


def _cremad_rows(root: Path, report: CorpusReport) -> list[dict]:
    folder = root / "AudioWAV" if (root / "AudioWAV").is_dir() else root if root.name == "AudioWAV" else None
    if folder is None:
        raise FileNotFoundError(f"No CREMA-D AudioWAV folder in {root}: {_layout_help('cremad', root)}")
    gender = _cremad_genders(folder.parent / "VideoDemographics.csv", report)
    rows, counts = [], defaultdict(int)
    for entry in _audio_files(folder, report):
        match = CREMAD_NAME.match(entry.name)
        why = "not AAAA_SSS_EEE_LL.wav"
        if match:
            actor, sentence, emotion, level = match.groups()
            why = next(
                (
                    w
                    for ok, w in (
                        (1001 <= int(actor) <= 1091, f"actor {actor} is not 1001-1091"),
                        (sentence in CREMAD_SENTENCES, f"sentence code {sentence} is not one of the 12"),
                        (
                            emotion in CREMAD_EMOTIONS,
                            f"emotion {emotion} is not one of {list(CREMAD_EMOTIONS)}",
                        ),
                        (level in CREMAD_LEVELS, f"level {level} is not one of {list(CREMAD_LEVELS)}"),
                    )
                    if not ok
                ),
                None,
            )
        if why:
            report.not_following_rule.append(f"{entry.path}: {why}")
            continue
        counts[actor] += 1
        rows.append(
            {
                "utt_id": Path(entry.name).stem,
                "session": (int(actor) - 1001) * 5 // 91 + 1,
                "speaker": actor,
                "gender": gender.get(actor),
                "emotion": CREMAD_EMOTIONS[emotion],
                "intensity": CREMAD_LEVELS[level],
                "statement": sentence,
                "transcript": CREMAD_SENTENCES[sentence],
                "language": "en",
                "split": None,
                **_probe(entry.path, 16_000, report),
            }
        )
    report.found = len(rows)
    missing = [str(a) for a in range(1001, 1092) if str(a) not in counts]
    if report.found < report.expected:
        report.short = [f"actors without any file: {', '.join(missing) or 'none'}"]
    return rows


def _cremad_genders(path: Path, report: CorpusReport) -> dict[str, str]:
    if not path.is_file():
        report.notes.append("VideoDemographics.csv not beside AudioWAV/: gender left empty")
        return {}
    try:
        frame = pd.read_csv(path, dtype=str)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as error:
        report.notes.append(f"{path} is not a readable CSV ({str(error).splitlines()[0]}): gender left empty")
        return {}
    if not {"ActorID", "Sex"} <= set(frame.columns):
        report.notes.append(f"{path} lacks ActorID / Sex columns: gender left empty")
        return {}
    return {
        a: {"Male": "M", "Female": "F"}.get(s, s) for a, s in zip(frame["ActorID"], frame["Sex"], strict=True)
    }


def _tess_rows(root: Path, report: CorpusReport) -> list[dict]:
    folders = sorted(
        (Path(d) / s for d, subdirs, _ in os.walk(root) for s in subdirs if TESS_FOLDER.match(s)),
        key=lambda p: p.name.lower(),
    )
    if not folders:
        raise FileNotFoundError(f"No TESS OAF_* / YAF_* folders under {root}: {_layout_help('tess', root)}")
    rows, counts = [], defaultdict(int)
    for folder in folders:
        speaker, folder_emotion = TESS_FOLDER.match(folder.name).groups()
        speaker, emotion = speaker.upper(), TESS_FOLDER_EMOTIONS.get(folder_emotion.lower())
        if emotion is None:
            report.not_following_rule.append(
                f"{folder}: folder emotion {folder_emotion!r} is not a TESS emotion"
            )
            continue
        for entry in _audio_files(folder, report):
            match = TESS_NAME.match(entry.name)
            prefix, word, file_emotion = match.groups() if match else ("", "", "")
            why = None if match else "not SPEAKER_word_emotion.wav"
            if match and TESS_FILE_EMOTIONS.get(file_emotion.lower()) != emotion:
                why = f"emotion {file_emotion!r} in the name, {folder_emotion!r} in the folder"
            elif match and prefix.upper() != speaker:
                if speaker.startswith(prefix.upper()):  # "OA_bite_neutral.wav" in OAF_neutral: a known typo
                    report.repaired.append(
                        f"{entry.path}: speaker prefix {prefix!r}, speaker {speaker} from the folder"
                    )
                else:
                    why = f"speaker {prefix!r} in the name, {speaker} in the folder"
            if why:
                report.not_following_rule.append(f"{entry.path}: {why}")
                continue
            counts[f"{speaker}_{emotion}"] += 1
            rows.append(
                {
                    "utt_id": f"{speaker}_{word.lower()}_{emotion}",
                    "session": 1 if speaker == "OAF" else 2,
                    "speaker": speaker,
                    "gender": "F",
                    "emotion": emotion,
                    "intensity": None,
                    "statement": word.lower(),
                    "transcript": f"Say the word {word.lower()}.",
                    "language": "en",
                    "split": None,
                    **_probe(entry.path, 24_414, report),
                }
            )
    _short(report, counts, {f"{s}_{e}": 200 for s in TESS_SPEAKERS for e in EMOTIONS["tess"]})
    report.found = len(rows)
    return rows


def _emodb_rows(root: Path, report: CorpusReport) -> list[dict]:
    folder = root / "wav" if (root / "wav").is_dir() else root if root.name == "wav" else None
    if folder is None:
        raise FileNotFoundError(f"No EmoDB wav/ folder in {root}: {_layout_help('emodb', root)}")
    rows, counts = [], defaultdict(int)
    for entry in _audio_files(folder, report):
        match = EMODB_NAME.match(entry.name)
        why = "not SSTTTEV.wav (speaker, text code, emotion letter, version)"
        if match:
            speaker, text, letter, _ = match.groups()
            why = next(
                (
                    w
                    for ok, w in (
                        (
                            speaker in EMODB_SPEAKERS,
                            f"speaker {speaker} is not one of {sorted(EMODB_SPEAKERS)}",
                        ),
                        (text in EMODB_SENTENCES, f"text code {text} is not one of the 10"),
                        (
                            letter in EMODB_EMOTIONS,
                            f"emotion letter {letter} is not one of {''.join(EMODB_EMOTIONS)}",
                        ),
                    )
                    if not ok
                ),
                None,
            )
        if why:
            report.not_following_rule.append(f"{entry.path}: {why}")
            continue
        gender, _, pair = EMODB_SPEAKERS[speaker]
        counts[speaker] += 1
        rows.append(
            {
                "utt_id": Path(entry.name).stem,
                "session": pair,
                "speaker": speaker,
                "gender": gender,
                "emotion": EMODB_EMOTIONS[letter],
                "intensity": None,
                "statement": text,
                "transcript": EMODB_SENTENCES[text],
                "language": "de",
                "split": None,
                **_probe(entry.path, 16_000, report),
            }
        )
    _short(
        report,
        {f"speaker {k}": n for k, n in counts.items()},
        {f"speaker {k}": n for k, n in EMODB_COUNTS.items()},
    )
    report.found = len(rows)
    return rows


def _meld_rows(root: Path, report: CorpusReport) -> list[dict]:
    csvs = {split: _find_path(root, csv, folder=False) for split, (csv, _, _) in MELD_SPLITS.items()}
    if not any(csvs.values()):
        raise FileNotFoundError(f"No MELD CSVs in {root}: {_layout_help('meld', root)}")
    for split, path in csvs.items():
        if path is None:  # counted as short: a partial download warns
            report.short.append(f"{MELD_SPLITS[split][0]}: not found (0 of {MELD_SPLITS[split][2]} rows)")
    clip_folders = {split: _find_path(root, folder) for split, (_, folder, _) in MELD_SPLITS.items()}
    if not any(clip_folders.values()):
        report.notes.append(
            "no clip folders (train_splits/, dev_splits_complete/, output_repeated_splits_test/): text only"
        )
    elif not all(clip_folders.values()):
        absent = [MELD_SPLITS[split][1] + "/" for split, folder in clip_folders.items() if folder is None]
        report.notes.append(f"clip folder(s) not found, their rows are text-only: {', '.join(absent)}")
        report.missing_clip_folders = absent
    rows, seen = [], {}
    for split, path in csvs.items():
        if path is None:
            continue
        frame = _read_meld_csv(path, report)
        if len(frame) != MELD_SPLITS[split][2]:
            report.short.append(f"{path.name}: {len(frame)} of {MELD_SPLITS[split][2]} rows")
        clips = _meld_clips(clip_folders[split], report)
        for index, record in enumerate(frame.to_dict("records")):
            where = f"{path}: row {index + 1} (Sr No. {record['Sr No.']})"
            emotion = str(record["Emotion"]).strip().lower()
            dialog, utterance = record["Dialogue_ID"], record["Utterance_ID"]
            if emotion not in EMOTIONS["meld"] or not (str(dialog).isdigit() and str(utterance).isdigit()):
                report.not_following_rule.append(
                    f"{where}: emotion {emotion!r}, Dialogue_ID {dialog!r}, Utterance_ID {utterance!r}"
                )
                continue
            key = (split, int(dialog), int(utterance))
            if key in seen:
                raise ValueError(f"{where} repeats dia{key[1]}_utt{key[2]} of {seen[key]}")
            seen[key] = where
            text = _meld_text(str(record["Utterance"]), where, report)
            clip = clips.pop(key[1:], None)
            if clip_folders[split] and clip is None:
                report.missing_clips.append(f"{split} dia{dialog}_utt{utterance}.mp4")
            audio = {"wav_path": None, "sample_rate": np.nan, "audio_note": None}
            if clip is not None and os.path.getsize(clip) == 0:
                report.unreadable.append(f"{clip}: empty file (0 bytes)")
                audio["audio_note"] = "empty clip (0 bytes)"
            elif clip is not None:
                audio["wav_path"] = clip
            rows.append(
                {
                    "utt_id": f"{split}_dia{key[1]}_utt{key[2]}",
                    "session": split,
                    "speaker": str(record["Speaker"]).strip(),
                    "gender": None,
                    "emotion": emotion,
                    "intensity": None,
                    "statement": None,
                    "transcript": text,
                    "language": "en",
                    "split": split,
                    "duration": _meld_seconds(record["EndTime"]) - _meld_seconds(record["StartTime"]),
                    **audio,
                    "dialog": f"{split}_dia{key[1]}",
                    "sentiment": record["Sentiment"],
                    "season": record["Season"],
                    "episode": record["Episode"],
                    "start": record["StartTime"],
                    "end": record["EndTime"],
                }
            )
        if clips:
            report.notes.append(f"{len(clips)} clip(s) in {clip_folders[split]} without a CSV row (not used)")
    report.found = len(rows)
    return rows


def _meld_text(text: str, where: str, report: CorpusReport) -> str:
    repaired, changed = _repair_mojibake(text)
    if changed:
        report.repaired.append(f"{where}: mojibake repaired -> {repaired[:60]!r}")
    elif MOJIBAKE.search(text):
        report.notes.append(
            f"{where}: looks like mojibake no single re-decoding repairs; kept as is: {text!r}"
        )
    return repaired


def _meld_seconds(stamp: str) -> float:
    """MELD's "00:16:16,059" -> 976.059 s (NaN when it is not of that form)."""
    match = re.fullmatch(r"\s*(\d+):(\d{2}):(\d{2})[,.](\d{1,3})\s*", str(stamp))
    if match is None:
        return float("nan")
    hours, minutes, seconds, fraction = match.groups()
    return int(hours) * 3600 + int(minutes) * 60 + int(seconds) + int(fraction.ljust(3, "0")) / 1000


def _find_path(root: Path, name: str, folder: bool = True) -> Path | None:
    """The shallowest folder (or file) called ``name`` at most two levels under ``root``."""
    for depth in range(3):
        found = sorted(p for p in root.glob("/".join(["*"] * depth + [name])) if p.is_dir() == folder)
        if found:
            return found[0]
    return None


def _meld_clips(folder: Path | None, report: CorpusReport) -> dict[tuple[int, int], str]:
    clips: dict[tuple[int, int], str] = {}
    if folder is None:
        return clips
    for entry in sorted(os.scandir(folder), key=lambda e: e.name):
        match = MELD_CLIP.match(entry.name)
        if entry.name.startswith("._") or entry.is_dir():
            report.ignored.append(entry.path)
        elif entry.name.startswith("final_videos_test"):  # extra clips of the test folder, in no CSV
            report.ignored.append(f"{entry.path} (final_videos_test*: not an utterance of the CSV)")
        elif match is None:
            report.not_following_rule.append(f"{entry.path}: not diaD_uttU.mp4")
        else:
            clips[int(match[1]), int(match[2])] = entry.path
    return clips


def _read_meld_csv(path: Path, report: CorpusReport) -> pd.DataFrame:
    """One MELD CSV; each line is UTF-8 or, failing that, cp1252 (listed with its line number)."""
    import io

    lines = path.read_bytes().removeprefix(b"\xef\xbb\xbf").split(b"\n")
    decoded = []
    for number, line in enumerate(lines, start=1):
        try:
            decoded.append(line.decode("utf-8"))
        except UnicodeDecodeError as error:
            decoded.append(line.decode("cp1252", errors="replace"))
            report.repaired.append(f"{path}:{number}: not UTF-8 (byte {error.start}), read as cp1252")
    try:
        frame = pd.read_csv(io.StringIO("\n".join(decoded)), dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as error:
        raise ValueError(
            f"{path}: not a readable CSV ({error}); a MELD CSV has {list(MELD_COLUMNS)}"
        ) from error
    absent = [c for c in MELD_COLUMNS if c not in frame.columns]
    if absent:
        raise ValueError(
            f"{path}: columns {absent} missing; a MELD CSV has {list(MELD_COLUMNS)}, "
            f"this one has {list(frame.columns)}"
        )
    return frame


def _repair_mojibake(text: str) -> tuple[str, bool]:
    """Undo UTF-8 read as cp1252/latin-1 ("donâ€™t" -> "don’t", "don\\x92t" -> "don’t"): a re-decoding is
    kept only when it leaves no mojibake behind. Returns (text, changed)."""
    if not MOJIBAKE.search(text):
        return text, False
    candidate = text
    for _ in range(2):  # at most two layers
        for wrong, right in (("cp1252", "utf-8"), ("latin-1", "utf-8"), ("latin-1", "cp1252")):
            try:
                decoded = candidate.encode(wrong).decode(right)
            except UnicodeError:
                continue
            if decoded != candidate:
                candidate = decoded
                break
        if not MOJIBAKE.search(candidate):
            return candidate, True
    return text, False


def _warn_about(report: CorpusReport) -> None:
    problems = []
    if report.found < report.expected:
        problems.append(
            f"{report.found:,} of the release's {report.expected:,} found (partial download?)"
            + (f"; short: {', '.join(report.short[:6])}" if report.short else "")
        )
    if report.missing_clip_folders:
        problems.append(f"clip folder(s) {report.missing_clip_folders} not found: those splits are text-only")
    for title, items in (
        ("names not following the rule", report.not_following_rule),
        ("unreadable files", report.unreadable),
        ("missing clips", report.missing_clips),
        ("files found twice (identical copies; one kept)", report.duplicates),
    ):
        if items:
            problems.append(f"{len(items)} {title} (first: {items[0]})")
    if problems:
        warnings.warn(
            f"{FACTS[report.corpus].title}: " + "; ".join(problems) + " (see table.attrs['report'])",
            stacklevel=3,
        )
