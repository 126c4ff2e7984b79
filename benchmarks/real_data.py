"""Development check on real data: do the default networks beat the simple baselines on real speech and text?

Reads the two small real corpora kept beside the project (never committed, never used by tests or
notebooks; see their README): EmoDB (acted German speech, 10 speakers) for audio, MELD (English TV-dialogue
transcripts) for text. Four classes: anger, happiness/joy, sadness, neutral. Prints WA and UA of the network
and of the baseline on the same folds:

- EmoDB audio, speaker-independent: 5 groups of 2 speakers as `session`, leave one group out;
- MELD text, the official train -> test split (train's dev file is not used; the network holds out
  training speakers for early stopping as everywhere else).

Usage: python benchmarks/real_data.py ../shared/data [--preset default] [--only emodb|meld]
Cite Burkhardt et al. 2005 (EmoDB) and Poria et al. 2019 (MELD) when reporting these numbers.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import pandas as pd

from pathos_lib.baselines import baseline_cross_validate
from pathos_lib.experiment import cross_validate  # chooses the torch backend
from pathos_lib.splits import Fold

EMODB_CLASSES = {"anger": "ang", "happiness": "hap", "sadness": "sad", "neutral": "neu"}
MELD_CLASSES = {"anger": "ang", "joy": "hap", "sadness": "sad", "neutral": "neu"}


def emodb_table(folder: Path) -> pd.DataFrame:
    """EmoDB as a corpus table: 4 classes, `session` = one of 5 groups of 2 speakers."""
    labels = pd.read_csv(folder / "labels.csv", dtype={"speaker": str})
    labels = labels[labels["emotion"].isin(EMODB_CLASSES)].copy()
    speakers = sorted(labels["speaker"].unique())
    group = {speaker: i // 2 + 1 for i, speaker in enumerate(speakers)}
    table = pd.DataFrame({
        "utt_id": labels["path"].map(lambda p: Path(p).stem),
        "session": labels["speaker"].map(group),
        "speaker": "emodb" + labels["speaker"],
        "label": labels["emotion"].map(EMODB_CLASSES),
        "wav_path": labels["path"].map(lambda p: str(folder / p)),
    }).reset_index(drop=True)  # fmt: skip
    table.attrs["corpus"] = "emodb"
    return table


def meld_table(folder: Path) -> tuple[pd.DataFrame, list[Fold]]:
    """MELD train + test as one table (4 classes) and the official train -> test fold."""
    parts = []
    for split in ("train", "test"):
        frame = pd.read_csv(folder / f"{split}_sent_emo.csv", encoding="utf-8", encoding_errors="replace")
        frame = frame[frame["Emotion"].isin(MELD_CLASSES)]
        parts.append(pd.DataFrame({
            "utt_id": split + "_" + frame["Dialogue_ID"].astype(str) + "_" + frame["Utterance_ID"].astype(str),  # noqa: E501
            "session": frame["Season"].astype(int),
            "speaker": frame["Speaker"].astype(str),
            "label": frame["Emotion"].map(MELD_CLASSES),
            "transcript": frame["Utterance"].astype(str).str.replace("\\x92", "'", regex=False),
            "split": split,
        }))  # fmt: skip
    table = pd.concat(parts, ignore_index=True)
    table.attrs["corpus"] = "meld"
    is_train = (table["split"] == "train").to_numpy()
    fold = Fold("official train -> test", np.flatnonzero(is_train), np.flatnonzero(~is_train), False)
    return table, [fold]


def report(name: str, network, baseline, seconds: float) -> None:
    gain = network.ua - baseline.ua
    print(f"{name}: network WA {network.wa:.3f} UA {network.ua:.3f} | baseline WA {baseline.wa:.3f} "
          f"UA {baseline.ua:.3f} | network - baseline UA {gain:+.3f} ({seconds:.0f} s)")  # fmt: skip
    print("  per fold UA (network):", network.per_fold["ua"].round(3).tolist())
    print("  per fold UA (baseline):", baseline.per_fold["ua"].round(3).tolist())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", type=Path, help="the shared data folder holding emodb/ and meld/")
    parser.add_argument("--preset", default="default")
    parser.add_argument("--only", choices=["emodb", "meld"])
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    if args.only in (None, "emodb"):
        table = emodb_table(args.data / "emodb")
        print(f"EmoDB: {len(table)} utterances, {table['speaker'].nunique()} speakers, "
              f"{table['label'].value_counts().to_dict()}")  # fmt: skip
        tick = time.perf_counter()
        network = cross_validate(
            table, "audio", config=args.preset, seed=args.seed, save_models=False, progress=False
        )
        baseline = baseline_cross_validate(table, "audio", seed=args.seed)
        report("EmoDB audio, 5 speaker groups", network, baseline, time.perf_counter() - tick)
    if args.only in (None, "meld"):
        table, folds = meld_table(args.data / "meld")
        print(f"MELD: {len(table)} utterances ({(table['split'] == 'train').sum()} train), "
              f"{table['label'].value_counts().to_dict()}")  # fmt: skip
        tick = time.perf_counter()
        network = cross_validate(
            table,
            "text",
            protocol=folds,
            config=args.preset,
            seed=args.seed,
            save_models=False,
            progress=False,
        )
        baseline = baseline_cross_validate(table, "text", protocol=folds, seed=args.seed)
        report("MELD text, official train -> test", network, baseline, time.perf_counter() - tick)


if __name__ == "__main__":
    main()
