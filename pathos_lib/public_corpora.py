"""The public emotion corpora a lab can download on day one -> the PATHOS corpus table.

``load_public(name, root)`` reads RAVDESS, CREMA-D, TESS, EmoDB and MELD exactly as their official
archives unpack, into the table every later stage takes (utt_id, session = the speaker-independent fold
group, speaker, label, emotion = the corpus's own label, transcript, wav_path, ...) plus what each corpus
records (intensity, sentence code, gender, language, official split). Nothing is guessed: a file whose name
breaks the corpus's rule is listed in the report, not parsed; unreadable files are kept, flagged and
listed; a partial download warns with what is short. ``table.attrs["report"]`` is a ``CorpusReport``.

The facts these loaders check (official counts, naming rules, fixed texts) are in ``corpus_facts``; MELD's
CSVs and clips in ``meld``.

Explained in 01_data_exploration.
"""

from __future__ import annotations

import os
import re
from collections import defaultdict
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd
import soundfile as sf

from .corpus_facts import (
    COLUMNS,
    CREMAD_EMOTIONS,
    CREMAD_LEVELS,
    CREMAD_NAME,
    CREMAD_SENTENCES,
    EMODB_COUNTS,
    EMODB_EMOTIONS,
    EMODB_NAME,
    EMODB_SENTENCES,
    EMODB_SPEAKERS,
    EMOTIONS,
    FACTS,
    RAVDESS_NAME,
    RAVDESS_STATEMENTS,
    STANDARD4,
    TESS_FILE_EMOTIONS,
    TESS_FOLDER,
    TESS_FOLDER_EMOTIONS,
    TESS_NAME,
    TESS_SPEAKERS,
    CorpusReport,
    layout_help,
)
from .meld import meld_rows


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
        rows = meld_rows(folder, report)
    else:
        rows = {"cremad": _cremad_rows, "tess": _tess_rows, "emodb": _emodb_rows}[name](folder, report)
    table = pd.DataFrame.from_records(rows)
    if table.empty:
        raise FileNotFoundError(
            f"No {FACTS[name].title} files found under {folder}: {layout_help(name, folder)}"
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
    report.warn()
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


def _ravdess_rows(root: Path, report: CorpusReport, song: bool) -> list[dict]:
    actors = sorted(
        (Path(d) / s for d, subdirs, _ in os.walk(root) for s in subdirs if re.fullmatch(r"Actor_\d{2}", s)),
        key=lambda p: (p.name, str(p)),
    )
    if not actors:
        raise FileNotFoundError(f"No RAVDESS Actor_NN folders under {root}: {layout_help('ravdess', root)}")
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
                    **_probe(entry.path, FACTS["ravdess"].sample_rate, report),
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
        raise FileNotFoundError(f"No CREMA-D AudioWAV folder in {root}: {layout_help('cremad', root)}")
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
                **_probe(entry.path, FACTS["cremad"].sample_rate, report),
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
        raise FileNotFoundError(f"No TESS OAF_* / YAF_* folders under {root}: {layout_help('tess', root)}")
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
                    **_probe(entry.path, FACTS["tess"].sample_rate, report),
                }
            )
    _short(report, counts, {f"{s}_{e}": 200 for s in TESS_SPEAKERS for e in EMOTIONS["tess"]})
    report.found = len(rows)
    return rows


def _emodb_rows(root: Path, report: CorpusReport) -> list[dict]:
    folder = root / "wav" if (root / "wav").is_dir() else root if root.name == "wav" else None
    if folder is None:
        raise FileNotFoundError(f"No EmoDB wav/ folder in {root}: {layout_help('emodb', root)}")
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
                **_probe(entry.path, FACTS["emodb"].sample_rate, report),
            }
        )
    _short(
        report,
        {f"speaker {k}": n for k, n in counts.items()},
        {f"speaker {k}": n for k, n in EMODB_COUNTS.items()},
    )
    report.found = len(rows)
    return rows
