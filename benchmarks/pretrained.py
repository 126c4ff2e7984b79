"""Pretrained features: Whisper extraction speed, and (with real data) what the pretrained baselines score.

Run by `make bench`. Measured in one run, on this machine:

- Whisper tiny.en encoder states of the synthetic corpus's utterances, three ways: the naive one
  utterance per 30 s window (what Whisper's own pipeline does), PATHOS's default (each utterance alone in a
  10 s window), and packing several utterances into each 30 s window. Real-time factors (seconds of audio
  per second) and the ratio to the naive one; then the cached re-run of `extract_corpus(table, "whisper")`.
- With `--real-data ../shared/data`: speaker-independent UA of the audio baselines on EmoDB (MFCC
  statistics vs pooled Whisper states, 5 speaker pairs) and of the text baselines on MELD (TF-IDF vs
  MiniLM sentence vectors, official split), and how packing's neighbours change the Whisper baseline's
  score (utterances packed in file order share windows with the same speaker's other recordings).

Usage: python benchmarks/pretrained.py [--files 120] [--real-data ../shared/data]
"""

from __future__ import annotations

import argparse
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np

from pathos_lib.audio import SAMPLE_RATE, load_audio
from pathos_lib.baselines import baseline_cross_validate
from pathos_lib.corpus import load_corpus
from pathos_lib.feature_cache import extract_corpus
from pathos_lib.pretrained import whisper_frames


def whisper_speed(files: int) -> None:
    table = load_corpus("synthetic", labels="all").sample(n=files, random_state=0)
    waves = [load_audio(path) for path in table["wav_path"]]
    seconds = sum(len(w) for w in waves) / SAMPLE_RATE
    tick = time.perf_counter()
    whisper_frames(waves[:1])  # starts the worker and loads the model
    print(f"Whisper worker started in {time.perf_counter() - tick:.2f} s; {files} synthetic utterances, "
          f"{seconds:.0f} s of audio (mean {seconds / files:.1f} s)")  # fmt: skip
    timings = {}
    for name, options in (("naive: one 30 s window each", dict(window_s=30.0)),
                          ("default: each alone, 10 s window", dict(window_s=10.0)),
                          ("packed: several per 30 s window", dict(pack=True))):  # fmt: skip
        tick = time.perf_counter()
        whisper_frames(waves, **options)
        timings[name] = time.perf_counter() - tick
    naive = timings["naive: one 30 s window each"]
    for name, spent in timings.items():
        print(f"  {name:34s} {seconds / spent:6.1f}x real time ({naive / spent:4.1f}x the naive)")
    with tempfile.TemporaryDirectory(prefix="bench-whisper-") as cache:
        tick = time.perf_counter()
        extract_corpus(table, "whisper", cache_dir=cache, progress=False)
        fresh = time.perf_counter() - tick
        tick = time.perf_counter()
        again = extract_corpus(table, "whisper", cache_dir=cache, progress=False)
        cached = time.perf_counter() - tick
    assert again.from_cache == len(table)
    print(f"  extract_corpus(table, 'whisper'): {fresh:.1f} s ({seconds / fresh:.0f}x real time), "
          f"cached re-run {cached:.2f} s")  # fmt: skip


def real_data(folder: Path) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        emodb = load_corpus("emodb", folder / "emodb")
        meld = load_corpus("meld", folder / "meld")
    checks = ((emodb, "audio", ("mfcc", "whisper"), "5 speaker pairs"),
              (meld, "text", ("tfidf", "sentence"), "official split"))  # fmt: skip
    for table, modality, kinds, folds in checks:
        for kind in kinds:
            tick = time.perf_counter()
            result = baseline_cross_validate(table, modality, features=kind)
            print(f"{table.attrs['corpus']} {modality}, {folds}: {result.config['baseline']:22s} "
                  f"UA {result.ua:.3f} WA {result.wa:.3f} ({time.perf_counter() - tick:.0f} s)")  # fmt: skip


def packing_effect(folder: Path) -> None:
    """EmoDB: pooled Whisper states + logistic regression, with states from packed windows (file order,
    random order) and from one window per utterance, on the same 5 speaker-pair folds."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from pathos_lib.evaluation import unweighted_accuracy
    from pathos_lib.splits import make_folds

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        table = load_corpus("emodb", folder / "emodb")
    waves = [load_audio(path) for path in table["wav_path"]]
    labels, classes = table["label"].to_numpy(), sorted(set(table["label"]))
    order = np.random.default_rng(0).permutation(len(waves))
    shuffled = whisper_frames([waves[i] for i in order], pack=True)
    ways = {"packed in file order (same speaker together)": whisper_frames(waves, pack=True),
            "packed in random order": [shuffled[int(k)] for k in np.argsort(order)],
            "one 30 s window each": whisper_frames(waves, window_s=30.0),
            "one 10 s window each (PATHOS)": whisper_frames(waves)}  # fmt: skip
    for name, frames in ways.items():
        x = np.stack([np.concatenate([f.mean(0), f.std(0)]) for f in frames])
        scores = []
        for fold in make_folds(table):
            classifier = LogisticRegression(max_iter=3000, class_weight="balanced", C=0.1)
            model = make_pipeline(StandardScaler(), classifier)
            model.fit(x[fold.train], labels[fold.train])
            scores.append(unweighted_accuracy(labels[fold.test], model.predict(x[fold.test]), classes))
        print(f"emodb audio, 5 speaker pairs, Whisper states {name}: UA {np.mean(scores):.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=120, help="synthetic utterances timed")
    parser.add_argument("--real-data", type=Path, help="the shared data folder holding emodb/ and meld/")
    args = parser.parse_args()
    whisper_speed(args.files)
    if args.real_data:
        real_data(args.real_data)
        packing_effect(args.real_data)


if __name__ == "__main__":
    main()
