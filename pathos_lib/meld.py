"""MELD (Friends TV dialogue) -> rows of the corpus table: its three CSVs and, when present, its mp4 clips.

The CSVs (``train_sent_emo.csv``, ``dev_sent_emo.csv``, ``test_sent_emo.csv``) are found in the root or up to
two levels down (where the official archives unpack them); each line is read as UTF-8 or, failing that,
cp1252 (listed with its line number), and mojibake (UTF-8 read as cp1252: ``donâ€™t``) is repaired when one
re-decoding leaves none behind. Clips ``diaD_uttU.mp4`` in ``train_splits/``, ``dev_splits_complete/`` and
``output_repeated_splits_test/`` become ``wav_path`` (decoded later by ``audio.decode_to_wav``); without
them MELD is text-only. ``session`` and ``split`` are the official split. Explained in 01_data_exploration.
"""

from __future__ import annotations

import io
import os
import re
from pathlib import Path

import numpy as np
import pandas as pd

from .corpus_facts import EMOTIONS, CorpusReport, layout_help

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


def meld_rows(root: Path, report: CorpusReport) -> list[dict]:
    """One dict per CSV row of MELD under ``root`` (columns of the corpus table plus dialog, sentiment,
    season, episode, start, end); what is short, repaired or missing goes into ``report``.
    Plumbing for load_public."""
    csvs = {split: _find_path(root, csv, folder=False) for split, (csv, _, _) in MELD_SPLITS.items()}
    if not any(csvs.values()):
        raise FileNotFoundError(f"No MELD CSVs in {root}: {layout_help('meld', root)}")
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
