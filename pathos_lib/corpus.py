"""IEMOCAP (or any table with the same columns) -> one row per utterance.

``load_iemocap`` reads the official release layout::

    <root>/Session1 … Session5/dialog/EmoEvaluation/<dialog>.txt
                              /dialog/transcriptions/<dialog>.txt
                              /sentences/wav/<dialog>/<utt_id>.wav

and joins labels, transcripts and wavs **by utterance id**, never by position. ``load_corpus`` picks the
synthetic corpus (the default), the IEMOCAP copy named by ``IEMOCAP_ROOT``, or a path.

Every downstream function accepts any ``pandas.DataFrame`` with at least the columns in
``REQUIRED_COLUMNS`` (see ``check_table``), so other corpora can be brought in.
Explained in 01_data_exploration.
"""

from __future__ import annotations

import os
import re
import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from .corpus_facts import PUBLIC_CORPORA
from .public_corpora import load_public

# Label schemes: raw IEMOCAP code -> class. Codes not in a scheme are dropped (and counted).
LABEL_SCHEMES: dict[str, dict[str, str]] = {
    # The field's standard 4 classes: happy and excited merged (5531 utterances on IEMOCAP).
    "standard4": {"ang": "ang", "hap": "hap", "exc": "hap", "neu": "neu", "sad": "sad"},
    # The thesis's 4 classes: excited kept ("joy" in the thesis), happy dropped (4936 utterances).
    "thesis": {"ang": "ang", "exc": "exc", "neu": "neu", "sad": "sad"},
}
RAW_CODES = ("neu", "hap", "exc", "sad", "ang", "fru", "sur", "fea", "dis", "oth", "xxx")
COLUMNS = (
    "utt_id", "session", "dialog", "speaker", "gender", "method", "start", "end", "duration",
    "emotion", "label", "valence", "arousal", "dominance", "transcript", "wav_path",
    "has_transcript", "has_wav",
)  # fmt: skip
REQUIRED_COLUMNS = ("utt_id", "session", "speaker", "label", "transcript", "wav_path")
LAYOUT_HELP = (
    "expected the IEMOCAP release layout <root>/Session1..Session5/dialog/EmoEvaluation/<dialog>.txt "
    "(plus dialog/transcriptions/ and sentences/wav/<dialog>/<utt_id>.wav); pass the folder that "
    "holds Session1..Session5 as `root` (notebook parameters `corpus = 'iemocap'` and `corpus_root`) or "
    "set the environment variable IEMOCAP_ROOT"
)

UTT_ID = re.compile(r"^Ses(?P<session>\d{2})(?P<marker>[FM])_(?P<dialog_name>\S+)_(?P<gender>[FM])\d{3}$")
SUMMARY_LINE = re.compile(
    r"^\[\s*(?P<start>\d+(?:\.\d+)?)\s*-\s*(?P<end>\d+(?:\.\d+)?)\s*\]\s+(?P<utt_id>\S+)\s+"
    r"(?P<emotion>[a-z]{3})\s+\[\s*(?P<v>\d+(?:\.\d+)?)\s*,\s*(?P<a>\d+(?:\.\d+)?)\s*,\s*"
    r"(?P<d>\d+(?:\.\d+)?)\s*\]\s*$"
)
ANNOTATOR_LINE = re.compile(r"^[A-Z]+-[A-Za-z]+\d*\s*:")  # C-E2:, A-F1: ... one annotator's labels
TRANSCRIPT_LINE = re.compile(r"^(?P<utt_id>\S+)\s+\[[\d.\s]+-[\d.\s]+\]:\s?(?P<text>.*)$")


@dataclass
class SkippedLine:
    """A line of an input file that was not used, and why: its file ``path``, ``line`` number (from 1),
    ``text`` and ``reason``. Plumbing for LoadReport.
    """

    path: str
    line: int
    text: str
    reason: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.reason}: {self.text!r}"


@dataclass
class LoadReport:
    """What ``load_iemocap`` skipped, dropped or flagged; nothing is left out without a trace here.

    ``sessions_loaded`` / ``sessions_missing``: session numbers; ``skipped_lines`` (malformed) and
    ``recoded_lines`` (read as cp1252): ``SkippedLine`` lists; ``dropped_by_code``: raw code -> rows dropped
    by the label scheme; ``missing_transcript`` / ``missing_wav``: utt_ids kept but flagged;
    ``unlabelled_transcript_lines``: a count of turns whose id is not an utterance id (``XX`` ids, ``M:``);
    ``transcripts_without_label`` / ``wavs_without_label``: utterance ids with a transcript line or a wav
    but no label line (not in the table). ``str(report)`` summarises it.
    Explained in 01_data_exploration.
    """

    root: str = ""
    sessions_loaded: list[int] = field(default_factory=list)
    sessions_missing: list[int] = field(default_factory=list)
    skipped_lines: list[SkippedLine] = field(default_factory=list)
    dropped_by_code: dict[str, int] = field(default_factory=dict)
    missing_transcript: list[str] = field(default_factory=list)
    missing_wav: list[str] = field(default_factory=list)
    unlabelled_transcript_lines: int = 0
    recoded_lines: list[SkippedLine] = field(default_factory=list)
    transcripts_without_label: list[str] = field(default_factory=list)
    wavs_without_label: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        lines = [f"corpus root: {self.root}", f"sessions loaded: {self.sessions_loaded}"]
        if self.sessions_missing:
            lines.append(f"sessions missing: {self.sessions_missing}")
        if self.dropped_by_code:
            dropped = ", ".join(f"{k} {v}" for k, v in sorted(self.dropped_by_code.items()))
            lines.append(
                f"dropped (outside the label scheme): {sum(self.dropped_by_code.values())} = {dropped}"
            )
        lines.append(
            f"transcript lines without a label (ids with XX and the like): {self.unlabelled_transcript_lines}"
        )
        for name, ids in (("without transcript", self.missing_transcript), ("without wav", self.missing_wav)):
            if ids:
                lines.append(f"kept but flagged {name}: {len(ids)} (e.g. {', '.join(ids[:3])})")
        for name, ids in (("transcripts", self.transcripts_without_label), ("wavs", self.wavs_without_label)):
            if ids:
                examples = ", ".join(ids[:3])
                lines.append(f"{name} without a label line (not in the table): {len(ids)} (e.g. {examples})")
        if self.skipped_lines:
            lines.append(f"malformed lines skipped: {len(self.skipped_lines)}")
            lines += [f"  {s}" for s in self.skipped_lines[:10]]
        if self.recoded_lines:
            lines.append(f"lines decoded as cp1252 (not UTF-8): {len(self.recoded_lines)}")
        return "\n".join(lines)


# ----------------------------------------------------------------------------------------------


def load_corpus(
    name: str | os.PathLike | None = "synthetic",
    root: str | os.PathLike | None = None,
    labels: str | Mapping[str, str] = "standard4",
    sessions: Iterable[int] | None = None,
    utterances_per_session: int | None = None,
    **options,
) -> pd.DataFrame:
    """The utterance table of a corpus: ``"synthetic"`` (default), ``"iemocap"``, or a public corpus.

    ``name``: ``"synthetic"``, ``"iemocap"``, ``"ravdess"``, ``"cremad"``, ``"tess"``, ``"emodb"``,
    ``"meld"`` (see ``pathos_lib.public_corpora``), or the path of an IEMOCAP release (older form).
    ``root``: the corpus's folder; default: its environment variable (``IEMOCAP_ROOT``, ``RAVDESS_ROOT``,
    ``CREMAD_ROOT``, ``TESS_ROOT``, ``EMODB_ROOT``, ``MELD_ROOT``). ``labels``: ``"standard4"`` (the four
    classes ang, hap, neu, sad on every corpus), ``"all"`` (the corpus's own emotions), ``"thesis"``
    (IEMOCAP only) or a dict. ``sessions``: keep these fold groups only. ``utterances_per_session`` sizes
    the synthetic corpus (default 100: 500 utterances, about 270 in the ``"standard4"`` classes), which
    is generated on first use and cached (see ``pathos_lib.synthetic``). ``options``: corpus-specific
    (``song=True`` for RAVDESS). Returns one row per utterance; ``attrs["corpus"]`` names the corpus and
    ``attrs["report"]`` says what was skipped or flagged.
    Explained in 01_data_exploration.
    """
    known = ("synthetic", "iemocap", *PUBLIC_CORPORA)
    if name is not None and str(name) not in known:
        if root is not None or not Path(name).expanduser().is_dir():
            raise ValueError(
                f"Unknown corpus {str(name)!r}: use one of {list(known)} (and `root` for its folder)"
            )
        name, root = "iemocap", name  # the older form load_corpus(<IEMOCAP folder>)
    name = "iemocap" if name is None else str(name)
    if utterances_per_session is not None and name != "synthetic":
        raise ValueError("utterances_per_session only applies to the synthetic corpus")
    if options and name != "ravdess":
        raise ValueError(f"options {sorted(options)} do not apply to {name}")
    if name == "synthetic":
        from .synthetic import DEFAULT_UTTERANCES_PER_SESSION, synthetic_corpus

        if root is not None:
            raise ValueError("the synthetic corpus is generated under data_dir(); it takes no root")
        root = synthetic_corpus(utterances_per_session or DEFAULT_UTTERANCES_PER_SESSION)
        table = load_iemocap(root, labels=labels, sessions=sessions)
        table.attrs["corpus"] = "synthetic"
        return table
    if name == "iemocap":
        return load_iemocap(root, labels=labels, sessions=sessions)
    table = load_public(name, root, labels, **options)
    if sessions is not None:
        wanted = set(sessions)
        absent = sorted(wanted - set(table["session"]), key=str)
        if absent:
            raise ValueError(
                f"{name} has no session(s) {absent}; it has {sorted(set(table['session']), key=str)}"
            )
        table = table.loc[table["session"].isin(wanted)].reset_index(drop=True)
    return table


def load_iemocap(
    root: str | os.PathLike | None = None,
    labels: str | Mapping[str, str] = "standard4",
    sessions: Iterable[int] | None = None,
) -> pd.DataFrame:
    """Read an IEMOCAP release into one row per labelled utterance (columns: ``COLUMNS``).

    ``labels`` is ``"standard4"`` (ang, hap = hap+exc, neu, sad), ``"thesis"`` (ang, exc, neu, sad;
    hap dropped), ``"all"`` (every raw code) or a dict raw code -> class. Rows outside the scheme are
    dropped and counted; malformed lines are skipped and reported with file and line number; labelled
    utterances without transcript or wav are kept and flagged. The report is ``table.attrs["report"]``.

    ``root``: the folder holding Session1..Session5 (default: the ``IEMOCAP_ROOT`` variable);
    ``sessions``: session numbers to read (default 1-5; a missing one warns, or raises when asked for).
    Returns one row per kept utterance, sorted by utt_id, with the columns of ``COLUMNS``: utt_id, session
    (int), dialog, speaker (e.g. Ses01F), gender (F / M), method (impro / script), start, end, duration
    (float seconds), emotion (raw code), label (class), valence, arousal, dominance (float, 1-5),
    transcript and wav_path (str, NaN when missing), has_transcript, has_wav (bool).
    Explained in 01_data_exploration.
    """
    root = _resolve_root(root)
    scheme = _scheme(labels)
    report = LoadReport(root=str(root))
    wanted = sorted(set(sessions)) if sessions is not None else [1, 2, 3, 4, 5]
    present = [s for s in wanted if (root / f"Session{s}" / "dialog" / "EmoEvaluation").is_dir()]
    report.sessions_loaded, report.sessions_missing = present, [s for s in wanted if s not in present]
    if not present:
        raise FileNotFoundError(
            f"No IEMOCAP sessions found under {root}: {LAYOUT_HELP}.{_did_you_mean(root)}"
        )
    if report.sessions_missing:
        message = f"IEMOCAP sessions {report.sessions_missing} not found under {root}; loading {present}"
        if sessions is not None:
            raise FileNotFoundError(message)
        warnings.warn(message, stacklevel=2)

    rows: dict[str, dict] = {}
    origin: dict[str, str] = {}
    transcripts: dict[str, str] = {}
    for session in present:
        base = root / f"Session{session}"
        for path in _text_files(base / "dialog" / "EmoEvaluation"):
            for lineno, line in _read_lines(path, report):
                _parse_summary_line(path, lineno, line, rows, origin, report)
        for path in _text_files(base / "dialog" / "transcriptions"):
            for lineno, line in _read_lines(path, report):
                _parse_transcript_line(path, lineno, line, transcripts, report)
    if not rows:
        raise ValueError(f"No labelled utterances found under {root}: {LAYOUT_HELP}")

    wavs = _list_wavs(root, {row["session_folder"] for row in rows.values()})
    report.transcripts_without_label = sorted(set(transcripts) - set(rows))
    report.wavs_without_label = sorted(u for u in set(wavs) - set(rows) if UTT_ID.match(u))
    table = pd.DataFrame.from_records(list(rows.values()))
    table["transcript"] = table["utt_id"].map(transcripts)
    table["wav_path"] = table["utt_id"].map(wavs)
    table["has_transcript"] = table["transcript"].notna()
    table["has_wav"] = table["wav_path"].notna()

    if scheme is None:
        table["label"] = table["emotion"]
    else:
        table["label"] = table["emotion"].map(scheme)
        dropped = table["label"].isna()
        report.dropped_by_code = {
            str(k): int(v) for k, v in table.loc[dropped, "emotion"].value_counts().items()
        }
        table = table.loc[~dropped]
    table = table.sort_values("utt_id", ignore_index=True)[list(COLUMNS)]
    report.missing_transcript = table.loc[~table["has_transcript"], "utt_id"].tolist()
    report.missing_wav = table.loc[~table["has_wav"], "utt_id"].tolist()
    _warn_about(report)
    table.attrs["corpus"] = "iemocap"
    table.attrs["report"] = report
    return table


def check_table(table: pd.DataFrame, modality: str = "both") -> pd.DataFrame:
    """Validate a corpus table for ``modality`` ("audio", "text" or "both") and return it.

    Needs ``utt_id, session, speaker, label`` plus ``wav_path`` (audio) and/or ``transcript`` (text);
    ``session`` is the group left out in cross-validation. Returns ``table`` itself, unchanged; raises
    ``ValueError`` naming what is missing (or the empty or duplicated values).
    Explained in 01_data_exploration.
    """
    if modality not in ("audio", "text", "both"):
        raise ValueError(f"modality must be 'audio', 'text' or 'both', got {modality!r}")
    needed = ["utt_id", "session", "speaker", "label"]
    needed += [] if modality == "text" else ["wav_path"]
    needed += [] if modality == "audio" else ["transcript"]
    missing = [c for c in needed if c not in table.columns]
    if missing:
        raise ValueError(
            f"The corpus table lacks column(s) {missing} needed for {modality!r} work; a table needs "
            f"{list(REQUIRED_COLUMNS)} (wav_path may be absent for text-only work, transcript for "
            "audio-only work)."
        )
    for column in ("utt_id", "session", "speaker", "label"):
        if table[column].isna().any():
            bad = table.loc[table[column].isna(), "utt_id"].astype(str).tolist()[:5]
            raise ValueError(f"Column {column!r} has empty values (rows {bad})")
    duplicated = table["utt_id"][table["utt_id"].duplicated()].tolist()
    if duplicated:
        raise ValueError(f"Duplicate utt_id values: {duplicated[:5]}")
    return table


def usable_rows(
    table: pd.DataFrame, modality: str, features: Mapping[str, np.ndarray] | None = None
) -> tuple[pd.DataFrame, list[str]]:
    """Rows that have what ``modality`` needs, and notes on the others (left out and reported, never
    silently). ``modality``: "audio", "text" or "fusion"/"both"; ``features``: an extracted ``FeatureSet``
    whose ``failed`` rows (audio that could not be read, e.g. a corrupt clip) are left out too.
    Returns (kept rows, notes); each note is also a warning. Explained in 03_audio_model.
    """
    notes = []
    keep = np.ones(len(table), dtype=bool)
    if modality in ("audio", "fusion", "both"):
        missing = table["wav_path"].isna().to_numpy()
        if missing.any():
            notes.append(f"{missing.sum()} row(s) without wav_path left out of the {modality} run")
        keep &= ~missing
        failed = getattr(features, "failed", {})
        unreadable = table["utt_id"].isin(list(failed)).to_numpy() & keep
        if unreadable.any():
            first = failed[table["utt_id"].to_numpy()[unreadable][0]]
            notes.append(
                f"{unreadable.sum()} row(s) whose audio could not be read left out of the {modality} run "
                f"(first: {first})"
            )
        keep &= ~unreadable
    if modality in ("text", "fusion", "both"):
        missing = table["transcript"].isna().to_numpy()
        if missing.any():
            notes.append(f"{missing.sum()} row(s) without transcript left out of the {modality} run")
        keep &= ~missing
    for note in notes:
        warnings.warn(note, stacklevel=3)
    kept = table.loc[keep].reset_index(drop=True)
    kept.attrs = {"corpus": table.attrs.get("corpus", "custom")}
    return kept, notes


def label_counts(table: pd.DataFrame, by: str = "session") -> pd.DataFrame:
    """Utterances per ``by`` value and class, with totals (a table, for display and checks).

    ``by``: a column of ``table`` (default ``session``). Returns an int DataFrame: one row per ``by`` value
    and one column per ``label`` class, plus a ``total`` row and column.
    Explained in 01_data_exploration.
    """
    counts = pd.crosstab(table[by], table["label"], margins=True, margins_name="total")
    return counts


# ----------------------------------------------------------------------------------------------
# plumbing


def _resolve_root(root: str | os.PathLike | None) -> Path:
    if root is None:
        value = os.environ.get("IEMOCAP_ROOT")
        if not value:
            raise FileNotFoundError(f"No IEMOCAP root given and IEMOCAP_ROOT is not set: {LAYOUT_HELP}.")
        root = value
    path = Path(root).expanduser()
    if not path.is_dir():
        raise FileNotFoundError(f"IEMOCAP root {path} does not exist or is not a folder: {LAYOUT_HELP}.")
    return path


def _did_you_mean(root: Path) -> str:
    for child in sorted(p for p in root.iterdir() if p.is_dir()):
        if (child / "Session1" / "dialog" / "EmoEvaluation").is_dir():
            return f" Did you mean {child}?"
    return ""


def _scheme(labels: str | Mapping[str, str]) -> dict[str, str] | None:
    if isinstance(labels, Mapping):
        unknown = sorted(set(labels) - set(RAW_CODES))
        if unknown:
            raise ValueError(f"Label map has unknown raw codes {unknown}; raw codes are {list(RAW_CODES)}")
        return dict(labels)
    if labels == "all":
        return None
    if labels not in LABEL_SCHEMES:
        raise ValueError(f"labels must be one of {[*LABEL_SCHEMES, 'all']} or a dict, got {labels!r}")
    return LABEL_SCHEMES[labels]


def _text_files(folder: Path) -> list[Path]:
    """The dialog files of a folder: its own *.txt, not subfolders (Categorical/...), not ._* files."""
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.glob("*.txt") if p.is_file() and not p.name.startswith("._"))


def _read_lines(path: Path, report: LoadReport) -> Iterable[tuple[int, str]]:
    raw = path.read_bytes()
    for lineno, data in enumerate(raw.splitlines(), start=1):
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            text = data.decode("cp1252", errors="replace")
            report.recoded_lines.append(SkippedLine(str(path), lineno, text, "not UTF-8, read as cp1252"))
        if lineno == 1:
            text = text.removeprefix("\ufeff")  # a byte-order mark written by some editors
        yield lineno, text.rstrip("\r\n")


def _parse_summary_line(
    path: Path, lineno: int, line: str, rows: dict, origin: dict, report: LoadReport
) -> None:
    line = line.strip()  # a line indented by an editor is still read
    if not line.startswith("["):
        if line and not line.startswith("%") and not ANNOTATOR_LINE.match(line):
            reason = "neither a summary line ([start - end] <utt_id> <code> [v, a, d]) nor an annotator line"
            report.skipped_lines.append(SkippedLine(str(path), lineno, line, reason))
        return  # header (%), annotator lines (C-E2:, A-E3:) and blank separators
    match = SUMMARY_LINE.match(line)
    utt = UTT_ID.match(match["utt_id"]) if match else None
    if match is None or utt is None:
        reason = "summary line not of the form [start - end] <utt_id> <code> [v, a, d]"
        if match is not None:
            reason = f"utterance id {match['utt_id']!r} not of the form SesNN[FM]_<dialog>_[FM]NNN"
        report.skipped_lines.append(SkippedLine(str(path), lineno, line, reason))
        return
    emotion = match["emotion"]
    if emotion not in RAW_CODES:
        reason = f"unknown emotion code {emotion!r} (known: {', '.join(RAW_CODES)})"
        report.skipped_lines.append(SkippedLine(str(path), lineno, line, reason))
        return
    utt_id = match["utt_id"]
    where = f"{path}:{lineno}"
    if utt_id in rows:
        raise ValueError(f"Duplicate utterance id {utt_id} at {where} (first seen at {origin[utt_id]})")
    origin[utt_id] = where
    session = int(utt["session"])
    start, end = float(match["start"]), float(match["end"])
    rows[utt_id] = {
        "utt_id": utt_id,
        "session": session,
        "dialog": utt_id.rsplit("_", 1)[0],
        # The speaker is the session plus the LAST token's letter; the letter after SesNN only says
        # who wore the motion-capture markers.
        "speaker": f"Ses{utt['session']}{utt['gender']}",
        "gender": utt["gender"],
        "method": "impro" if "_impro" in utt_id else "script",
        "start": start,
        "end": end,
        "duration": round(end - start, 4),
        "emotion": emotion,
        "valence": float(match["v"]),
        "arousal": float(match["a"]),
        "dominance": float(match["d"]),
        "session_folder": str(path.parent.parent.parent),
    }


def _parse_transcript_line(path: Path, lineno: int, line: str, transcripts: dict, report: LoadReport) -> None:
    line = line.strip()
    if not line:
        return
    first = line.split(maxsplit=1)[0].removesuffix(":")
    if not UTT_ID.match(first):
        report.unlabelled_transcript_lines += 1  # "M: ...", ids with XX: turns without a label
        return
    match = TRANSCRIPT_LINE.match(line)
    if match is None:
        reason = "transcription line not of the form <utt_id> [start-end]: text"
        report.skipped_lines.append(SkippedLine(str(path), lineno, line, reason))
        return
    if first in transcripts:
        raise ValueError(f"Duplicate transcript for utterance id {first} at {path}:{lineno}")
    transcripts[first] = match["text"].strip()


def _list_wavs(root: Path, session_folders: set[str]) -> dict[str, str]:
    """utt_id -> wav path, listing each dialog folder once (no per-file existence checks)."""
    wavs: dict[str, str] = {}
    for folder in sorted(session_folders):
        wav_root = Path(folder) / "sentences" / "wav"
        if not wav_root.is_dir():
            continue
        for dialog in sorted(p for p in wav_root.iterdir() if p.is_dir()):
            for entry in os.scandir(dialog):
                if entry.name.endswith(".wav") and not entry.name.startswith("._") and entry.is_file():
                    wavs[entry.name[:-4]] = entry.path
    return wavs


def _warn_about(report: LoadReport) -> None:
    problems = []
    if report.skipped_lines:
        first = report.skipped_lines[0]
        problems.append(f"{len(report.skipped_lines)} malformed line(s) skipped, first: {first}")
    if report.missing_transcript:
        problems.append(f"{len(report.missing_transcript)} labelled utterance(s) without transcript")
    if report.missing_wav:
        problems.append(f"{len(report.missing_wav)} labelled utterance(s) without wav")
    if report.transcripts_without_label or report.wavs_without_label:
        problems.append(
            f"{len(report.transcripts_without_label)} transcript(s) and "
            f"{len(report.wavs_without_label)} wav(s) without a label line"
        )
    if problems:
        warnings.warn("IEMOCAP loader: " + "; ".join(problems) + " (see table.attrs['report'])", stacklevel=3)
