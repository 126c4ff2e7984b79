"""Public-corpus loading speed: listing and labelling from headers vs reading every file.

Run by `make bench`. Writes a tree in CREMA-D's layout and naming (7,442 clips of 91 actors by default, short
16 kHz tones: the header is all the loader reads, so clip length does not matter for it) into a temporary
folder, then prints, measured in one run:

- `load_corpus("cremad", root)`: listing, name parsing, header reading (the goal: 2 s or less);
- reading every file's samples instead (what a loader that opens each wav would cost), and the ratio;
- feature extraction (mfcc) on the same public-corpus table, all cores, then the cached re-run.

Numbers from one run on this machine; nothing here is asserted. Tones are not speech: the extraction line
measures the pipeline on a public-corpus table, not a corpus's real durations.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import soundfile as sf

from pathos_lib.corpus import load_corpus
from pathos_lib.corpus_facts import CREMAD_EMOTIONS, CREMAD_LEVELS, CREMAD_SENTENCES
from pathos_lib.feature_cache import extract_corpus


def write_cremad_tree(root: Path, files: int, seconds: float) -> None:
    """``files`` clips named by CREMA-D's rule, spread over its 91 actors, 12 sentences and 6 emotions."""
    folder = root / "AudioWAV"
    folder.mkdir(parents=True)
    rate = 16_000
    tone = (0.1 * np.sin(2 * np.pi * 220 * np.arange(int(seconds * rate)) / rate)).astype(np.float32)
    combos = [(s, e, lvl) for s in CREMAD_SENTENCES for e in CREMAD_EMOTIONS for lvl in CREMAD_LEVELS]
    for i in range(files):
        actor = 1001 + i % 91
        sentence, emotion, level = combos[(i // 91) % len(combos)]
        sf.write(folder / f"{actor}_{sentence}_{emotion}_{level}.wav", tone, rate, subtype="PCM_16")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=7442, help="clips in the tree (CREMA-D: 7,442)")
    parser.add_argument("--seconds", type=float, default=2.5, help="clip length (CREMA-D: about 2.5 s)")
    parser.add_argument("--extract", type=int, default=1500, help="rows whose features are timed")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-cremad-") as temp:
        root = Path(temp)
        tick = time.perf_counter()
        write_cremad_tree(root, args.files, args.seconds)
        print(f"CREMA-D-layout tree: {args.files} clips written in {time.perf_counter() - tick:.1f} s; "
              f"cores: {os.cpu_count()}")  # fmt: skip

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # a synthetic tree is "partial" when smaller than 7,442
            tick = time.perf_counter()
            table = load_corpus("cremad", root, labels="all")
            listing = time.perf_counter() - tick
        assert len(table) == args.files, len(table)
        tick = time.perf_counter()
        for path in table["wav_path"]:
            sf.read(path)
        reading = time.perf_counter() - tick
        per_file = 1e3 * listing / len(table)
        print(f"load_corpus('cremad'), headers only: {listing:.2f} s for {len(table)} files "
              f"({per_file:.2f} ms per file; goal: 7,442 files in 2 s or less)")  # fmt: skip
        print(f"reading every file's samples instead: {reading:.2f} s ({reading / listing:.1f}x the listing)")

        subset = table.sample(n=min(args.extract, len(table)), random_state=0)
        with tempfile.TemporaryDirectory(prefix="bench-cremad-cache-") as cache:
            tick = time.perf_counter()
            features = extract_corpus(subset, "mfcc", cache_dir=cache, progress=False)
            fresh = time.perf_counter() - tick
            tick = time.perf_counter()
            again = extract_corpus(subset, "mfcc", cache_dir=cache, progress=False)
            cached = time.perf_counter() - tick
        assert again.from_cache == len(subset) == len(features)
        audio = float(subset["duration"].sum())
        print(f"mfcc on {len(subset)} rows of the public-corpus table: {fresh:.1f} s "
              f"({audio / fresh:.0f}x real time), cached re-run {cached:.2f} s "
              f"({fresh / cached:.0f}x faster)")  # fmt: skip


if __name__ == "__main__":
    main()
