"""Feature-extraction speed: pathos_lib (parallel, vectorised, cached) vs a naive per-file loop.

Run by `make bench`. On a synthetic IEMOCAP-layout slice (default 2000 utterances at 16 kHz) it prints, for
logmel, mfcc and thesis34: the real-time factor (seconds of audio per wall second) with all cores, the same
features from a naive sequential per-file librosa loop in the same run (and the ratio), and the cached
re-run time, with both extrapolated to IEMOCAP's 12.4 hours / 10,039 files. Numbers from one run on this
machine; nothing here is asserted.
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time

import librosa
import numpy as np

from pathos_lib.audio_features import thesis34_per_frame
from pathos_lib.corpus import load_iemocap
from pathos_lib.feature_cache import extract_corpus
from pathos_lib.synthetic import synthetic_corpus

IEMOCAP_SECONDS = 12.4 * 3600
IEMOCAP_FILES = 10_039


def naive(kind: str, path: str) -> np.ndarray:
    """What a first notebook would write: librosa.load, then librosa's features, one file at a time."""
    audio, rate = librosa.load(path, sr=16000)
    if kind == "thesis34":
        return thesis34_per_frame(audio)  # a Python loop over 200 ms frames, as pyAudioAnalysis does
    mel = librosa.feature.melspectrogram(
        y=audio, sr=rate, n_fft=512, hop_length=160, win_length=400, n_mels=64
    )
    if kind == "logmel":
        return np.log(mel + 1e-10).T
    mfcc = librosa.feature.mfcc(S=librosa.power_to_db(mel), n_mfcc=40)
    deltas = [librosa.feature.delta(mfcc, order=o, mode="nearest") for o in (1, 2)]
    return np.vstack([mfcc, *deltas, np.log(mel.sum(0) + 1e-10)[None]]).T


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--utterances-per-session", type=int, default=400, help="corpus size / 5")
    parser.add_argument("--naive-files", type=int, default=300, help="files timed with the naive loop")
    parser.add_argument("--kinds", nargs="+", default=["logmel", "mfcc", "thesis34"])
    args = parser.parse_args()

    started = time.perf_counter()
    root = synthetic_corpus(args.utterances_per_session)
    table = load_iemocap(root, labels="all")
    audio_seconds = float(table["duration"].sum())
    print(f"corpus: {root} ({len(table)} utterances, {audio_seconds / 3600:.2f} h of synthetic audio, "
          f"ready in {time.perf_counter() - started:.1f} s); cores: {os.cpu_count()}")  # fmt: skip
    subset = table.sample(n=min(args.naive_files, len(table)), random_state=0)
    subset_seconds = float(subset["duration"].sum())

    header = f"{'feature':<9} {'pathos RTF':>11} {'warm RTF':>9} {'naive RTF':>10} {'ratio':>6} "
    header += f"{'IEMOCAP est.':>13} "
    header += f"{'cached':>8} {'cached@IEMOCAP':>15} {'read all@IEMOCAP':>17}"
    rows = []
    for kind in args.kinds:
        cache = tempfile.mkdtemp(prefix=f"bench-{kind}-")
        try:
            tick = time.perf_counter()
            features = extract_corpus(table, kind, cache_dir=cache, progress=False)
            fresh = time.perf_counter() - tick
            assert len(features) == len(table), features
            warm_cache = tempfile.mkdtemp(prefix=f"bench-{kind}-warm-")
            tick = time.perf_counter()
            extract_corpus(table, kind, cache_dir=warm_cache, progress=False)  # worker pool already started
            warm = time.perf_counter() - tick
            shutil.rmtree(warm_cache, ignore_errors=True)
            tick = time.perf_counter()
            cached = extract_corpus(table, kind, cache_dir=cache, progress=False)
            rerun = time.perf_counter() - tick
            assert cached.from_cache == len(table)
            tick = time.perf_counter()
            total = sum(float(np.asarray(array).sum()) for array in cached.values())  # read every byte
            materialised = rerun + time.perf_counter() - tick
            assert np.isfinite(total)
        finally:
            shutil.rmtree(cache, ignore_errors=True)
        naive(kind, subset["wav_path"].iloc[0])  # warm-up: librosa's first calls compile and cache
        tick = time.perf_counter()
        for path in subset["wav_path"]:
            naive(kind, path)
        naive_seconds = time.perf_counter() - tick
        rtf, naive_rtf = audio_seconds / fresh, subset_seconds / naive_seconds
        rows.append(
            f"{kind:<9} {rtf:>10.0f}x {audio_seconds / warm:>8.0f}x {naive_rtf:>9.0f}x "
            f"{rtf / naive_rtf:>5.1f}x "
            f"{IEMOCAP_SECONDS / rtf:>11.1f} s "
            f"{rerun:>6.2f} s {rerun * IEMOCAP_FILES / len(table):>13.2f} s "
            f"{materialised * IEMOCAP_FILES / len(table):>15.2f} s"
        )
        print(f"  {kind}: {fresh:.1f} s fresh, {rerun:.2f} s cached, naive {naive_seconds:.1f} s "
              f"for {len(subset)} files", flush=True)  # fmt: skip
    print()
    print(header)
    print("\n".join(rows))
    print("RTF = seconds of audio per wall-clock second (all cores for pathos, one process for naive);")
    print("pathos RTF includes starting the worker pool, warm RTF is a second fresh run with the pool up.")
    print(
        "IEMOCAP est. = 12.4 h / RTF; cached@IEMOCAP = cached re-run (memory-mapped) scaled to 10,039 files;"
    )
    print("read all@IEMOCAP = cached re-run plus reading every value once, scaled the same way.")


if __name__ == "__main__":
    main()
