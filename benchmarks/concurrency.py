"""One training run alone, then two at once on the same cores: a lab's shared server, measured.

Run by `make bench`. Each run is a child Python that trains the default audio network (thesis split,
a fixed number of epochs, no early stopping) on the default synthetic corpus through `cross_validate`,
as notebook 03 does. For each threading setting it prints the training time of one run alone and of the
slower of two started together (each child's start-up left out), their ratio, and the CPU seconds the
children used. The settings:

- torch's own choice, `PATHOS_THREADS=0`: one thread per core, whose idle threads spin while they wait
  for the next operation. This is what a kernel got before PATHOS set its threads.
- the PATHOS default: what `pathos_lib.models` sets when imported (`DEFAULT_THREADS`; README: "Shared
  machines").

The target: two runs at once take at most 2.5x the time of one alone. Nothing here is asserted.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import time

SETTINGS = {
    "torch's own choice (PATHOS_THREADS=0: one thread per core)": {"PATHOS_THREADS": "0"},
    "PATHOS default (PATHOS_THREADS unset)": {},
}
TARGET_RATIO = 2.5


def train(epochs: int) -> None:
    """The child: one training run, its wall time printed."""
    from pathos_lib.corpus import load_corpus
    from pathos_lib.experiment import cross_validate
    from pathos_lib.models import PRESETS, torch

    table = load_corpus("synthetic")
    config = PRESETS["default"].with_(patience=0)
    start = time.perf_counter()
    cross_validate(table, "audio", protocol="thesis", config=config, epochs=epochs, save=False,
                   save_models=False, progress=False)  # fmt: skip
    print(f"{time.perf_counter() - start:.2f} {torch.get_num_threads()}")


def runs(count: int, epochs: int, env: dict) -> tuple[float, float, float, str]:
    """Start ``count`` children at once. Returns the wall seconds until the last one ended, the longest
    training time one of them reported (start-up left out), their CPU seconds, and their threads."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    children = [
        subprocess.Popen(
            [sys.executable, __file__, "--child", "--epochs", str(epochs)],
            env=os.environ | env,
            stdout=subprocess.PIPE,
            text=True,
        )  # fmt: skip
        for _ in range(count)
    ]
    outputs = [child.communicate()[0].split() for child in children]
    wall = time.perf_counter() - start
    if any(child.returncode for child in children):
        raise SystemExit("a training run failed")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, max(float(out[0]) for out in outputs), cpu, outputs[0][1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=6)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        train(args.epochs)
        return
    from pathos_lib.corpus import load_corpus
    from pathos_lib.feature_cache import extract_corpus
    from pathos_lib.models import PRESETS

    extract_corpus(load_corpus("synthetic"), PRESETS["default"].audio_feature, progress=False)  # cached once
    print(f"{os.cpu_count()} cores; each run trains the default audio network for {args.epochs} epochs")
    print("training seconds of one run alone, of the slower of two at once, their ratio; CPU seconds used")
    for name, env in SETTINGS.items():
        _, one, cpu_one, threads = runs(1, args.epochs, env)
        _, two, cpu_two, _ = runs(2, args.epochs, env)
        print(
            f"  {name} ({threads} threads each): one {one:.1f} s, two at once {two:.1f} s, ratio "
            f"{two / one:.2f}; CPU {cpu_one:.0f} s for one, {cpu_two:.0f} s for two"
        )
    print(f"target: two at once within {TARGET_RATIO}x the time of one alone")


if __name__ == "__main__":
    main()
