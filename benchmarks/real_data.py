"""Development check on real data: do the default networks beat the simple baselines on real speech and text?

Reads the two small real corpora kept beside the project (never committed, never used by tests or
notebooks; see their README) with PATHOS's own loaders: EmoDB (acted German speech, 10 speakers) for audio,
MELD (English TV-dialogue transcripts) for text. Four classes (``labels="standard4"``): anger,
happiness/joy, sadness, neutral. Prints what the loader reports, then WA and UA of the network and of the
baseline on the same folds:

- EmoDB audio, speaker-independent: 5 male-female speaker pairs as `session`, leave one pair out;
- MELD text, the official split (protocol "official": train, dev for early stopping, test).

Each preset's network (default, thesis, pretrained) is printed beside the simple baselines: MFCC statistics
and pooled Whisper states (audio), TF-IDF and MiniLM sentence vectors (text), each + logistic regression.

Usage: python benchmarks/real_data.py ../shared/data [--presets default thesis pretrained] [--only emodb|meld]
Cite Burkhardt et al. 2005 (EmoDB) and Poria et al. 2019 (MELD) when reporting these numbers.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import time
import warnings
from pathlib import Path

from pathos_lib.baselines import baseline_cross_validate
from pathos_lib.corpus import load_corpus
from pathos_lib.experiment import cross_validate  # chooses the torch backend


def report(name: str, network, baseline, seconds: float) -> None:
    gain = network.ua - baseline.ua
    print(f"{name}: network WA {network.wa:.3f} UA {network.ua:.3f} | baseline WA {baseline.wa:.3f} "
          f"UA {baseline.ua:.3f} | network - baseline UA {gain:+.3f} ({seconds:.0f} s)")  # fmt: skip
    print("  per fold UA (network):", network.per_fold["ua"].round(3).tolist())
    print("  per fold UA (baseline):", baseline.per_fold["ua"].round(3).tolist())


BASELINES = {"audio": ("mfcc", "whisper"), "text": ("tfidf", "sentence")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", type=Path, help="the shared data folder holding emodb/ and meld/")
    parser.add_argument("--presets", nargs="+", default=["default", "thesis", "pretrained"])
    parser.add_argument("--only", choices=["emodb", "meld"])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--record", type=Path, help="also write the scores as JSON (08_pretrained reads it)")
    args = parser.parse_args()
    rows = []
    for name, modality in (("emodb", "audio"), ("meld", "text")):
        if args.only not in (None, name):
            continue
        tick = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the report below says the same, in full
            table = load_corpus(name, args.data / name)
        print(f"== {name}: loaded in {time.perf_counter() - tick:.2f} s")
        print(table.attrs["report"])
        print(f"{len(table)} utterances in the 4 classes, {table['speaker'].nunique()} speakers, "
              f"{table['label'].value_counts().to_dict()}")  # fmt: skip
        folds = "5 speaker pairs" if name == "emodb" else "official train / dev / test"
        baselines = {}
        for kind in BASELINES[modality]:
            tick = time.perf_counter()
            baselines[kind] = baseline_cross_validate(table, modality, seed=args.seed, features=kind)
            result = baselines[kind]
            rows.append(_row(name, modality, folds, f"baseline {result.config['baseline']}", result))
            print(f"{name} {modality}, {folds}: baseline {result.config['baseline']}: UA {result.ua:.3f} "
                  f"WA {result.wa:.3f} ({time.perf_counter() - tick:.0f} s)")  # fmt: skip
        for preset in args.presets:
            tick = time.perf_counter()
            network = cross_validate(
                table, modality, config=preset, seed=args.seed, save_models=False, progress=False
            )
            report(f"{name} {modality}, {folds}, preset {preset}", network, baselines[BASELINES[modality][0]],
                   time.perf_counter() - tick)  # fmt: skip
            rows.append(_row(name, modality, folds, f"network, preset {preset}", network))
    if args.record:
        machine = f"{platform.machine()}, {os.cpu_count()} cores, {platform.python_version()}"
        record = {"measured_on": datetime.date.today().isoformat(), "machine": machine, "seed": args.seed,
                  "command": "python benchmarks/real_data.py <data> --presets " + " ".join(args.presets),
                  "rows": rows}  # fmt: skip
        args.record.parent.mkdir(parents=True, exist_ok=True)
        args.record.write_text(json.dumps(record, indent=1) + "\n")
        print(f"recorded in {args.record}")


def _row(corpus: str, modality: str, folds: str, system: str, result) -> dict:
    return {"corpus": corpus, "modality": modality, "protocol": folds, "system": system,
            "ua": round(float(result.ua), 4), "wa": round(float(result.wa), 4)}  # fmt: skip


if __name__ == "__main__":
    main()
