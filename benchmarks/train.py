"""Training throughput of the fused network on an IEMOCAP-size synthetic corpus, CPU and (if any) GPU.

Run by `make bench`. Generates (once, cached) a synthetic corpus of about 10,000 utterances in the IEMOCAP
layout, keeps the 4 standard classes (about 5,500 utterances, as IEMOCAP's), extracts the default features
(cached), then trains the default fused network with the thesis split (train on sessions 1-4) for a few
epochs through the same `cross_validate` code the notebooks use. Prints seconds per epoch (training
batches only, the first epoch left out as warm-up) and training utterances per second, for each device
available and, on a GPU, with mixed precision off and on; then the ratios measured in this run, and the
ratio to the target (a full-size fused epoch in 5 s on one H200). Nothing here is asserted.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch

from pathos_lib.audio_features import FeatureConfig
from pathos_lib.corpus import load_corpus
from pathos_lib.experiment import cross_validate
from pathos_lib.feature_cache import extract_corpus
from pathos_lib.models import PRESETS, device_summary, keras

TARGET_EPOCH_SECONDS = 5.0  # one H200, full-size fused epoch


def measure(table, device: str, mixed: bool, epochs: int, batch_size: int) -> dict:
    """Train the fused network on ``device``; seconds per epoch after the first, utterances per second."""
    config = PRESETS["default"].with_(patience=0, mixed_precision=mixed, batch_size=batch_size)
    with keras.device(device):
        result = cross_validate(
            table, "fusion", protocol="thesis", config=config, epochs=epochs, save=False, save_models=False,
            progress=False,
        )  # fmt: skip
    history = next(iter(result.histories.values()))
    seconds = history["epoch_seconds"][1:] or history["epoch_seconds"]
    n_fit = int(result.per_fold["n_train"].iloc[0])
    per_epoch = float(np.median(seconds))
    return {"device": device, "mixed": mixed, "epoch_s": per_epoch, "utt_per_s": n_fit / per_epoch,
            "n_fit": n_fit, "ua": result.ua}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--utterances-per-session", type=int, default=2000, help="2000: about 10,000 in all")
    parser.add_argument("--epochs", type=int, default=3, help="epochs per run (the first is warm-up)")
    parser.add_argument("--batch-size", type=int, default=PRESETS["default"].batch_size)
    parser.add_argument("--devices", nargs="+", default=None, help="default: cpu, and cuda when present")
    args = parser.parse_args()

    print(device_summary())
    started = time.perf_counter()
    size = args.utterances_per_session
    every = load_corpus("synthetic", labels="all", utterances_per_session=size)
    print(f"synthetic corpus ready in {time.perf_counter() - started:.0f} s (generated once, then cached)")
    table = load_corpus("synthetic", labels="standard4", utterances_per_session=size)
    started = time.perf_counter()
    extract_corpus(table, FeatureConfig(PRESETS["default"].audio_feature), progress=False)
    print(f"{len(every)} utterances, {len(table)} in the 4 classes; features ready in "
          f"{time.perf_counter() - started:.0f} s (cached after the first run)")  # fmt: skip

    devices = args.devices or ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])
    rows = []
    for device in devices:
        for mixed in (False, True) if device.startswith("cuda") else (False,):
            row = measure(table, device, mixed, args.epochs, args.batch_size)
            rows.append(row)
            precision = "on " if mixed else "off"
            print(f"{device:5s} mixed precision {precision}: {row['epoch_s']:7.2f} s per epoch, "
                  f"{row['utt_per_s']:7.0f} training utterances/s ({row['n_fit']} per epoch, batch "
                  f"{args.batch_size}; UA after {args.epochs} epochs {row['ua']:.3f})")  # fmt: skip

    print("\nratios measured in this run:")
    cpu = next((r for r in rows if r["device"] == "cpu"), None)
    for row in rows:
        if cpu is not None and row is not cpu:
            precision = "mixed" if row["mixed"] else "float32"
            ratio = cpu["epoch_s"] / row["epoch_s"]
            print(f"  {row['device']} ({precision}) speed-up over cpu: {ratio:.1f}x")
    gpu = {r["mixed"]: r for r in rows if r["device"].startswith("cuda")}
    if len(gpu) == 2:
        print(f"  mixed precision speed-up on the GPU: {gpu[False]['epoch_s'] / gpu[True]['epoch_s']:.2f}x")
    best = min(rows, key=lambda r: r["epoch_s"])
    if len(every) >= 9000:
        print(f"  best epoch / {TARGET_EPOCH_SECONDS:.0f} s target (one H200): "
              f"{best['epoch_s'] / TARGET_EPOCH_SECONDS:.2f} ({best['device']})")  # fmt: skip
    else:
        print(f"  ({len(every)} utterances is smaller than IEMOCAP: no comparison with the target)")
    if not gpu:
        print("  (no GPU here: the target is for one H200 and is not measured by this run)")


if __name__ == "__main__":
    main()
