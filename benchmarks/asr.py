"""Speech recognition and the speaking corpus: how fast, measured in one run on this machine.

Run by `make bench`. Prints:

- how long the default synthetic corpus takes to speak (espeak-ng, a fresh folder);
- Whisper tiny.en's real-time factor (seconds of speech per second of computing) on a sample of its
  utterances, with the settings PATHOS uses (beam 1, int8) beside beam 5 and float32, and the word error
  rate of each against the gold transcripts;
- the cached re-run of `transcribe_corpus` over the same utterances.

Usage: python benchmarks/asr.py [--files 60]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from pathos_lib.asr import AsrConfig, corpus_wer, transcribe, transcribe_corpus, word_error_rates
from pathos_lib.audio import SAMPLE_RATE, load_audio
from pathos_lib.corpus import load_corpus
from pathos_lib.synthetic import make_corpus


def corpus_speed() -> None:
    with tempfile.TemporaryDirectory(prefix="bench-speak-") as folder:
        tick = time.perf_counter()
        make_corpus(Path(folder) / "corpus", progress=False)
        spent = time.perf_counter() - tick
        print(f"default synthetic corpus (5 sessions x 100 utterances) spoken in {spent:.1f} s")


def asr_speed(files: int) -> None:
    table = load_corpus("synthetic").sample(n=files, random_state=0)
    waves = [load_audio(path) for path in table["wav_path"]]
    seconds = sum(len(w) for w in waves) / SAMPLE_RATE
    print(f"{files} utterances of the default corpus, {seconds:.0f} s of speech")
    for config in (AsrConfig(), AsrConfig(beam_size=5), AsrConfig(compute_type="float32")):
        transcribe((waves[0], SAMPLE_RATE), config)  # starting the worker and loading are not timed
        tick = time.perf_counter()
        heard = [transcribe((wave, SAMPLE_RATE), config).text for wave in waves]
        spent = time.perf_counter() - tick
        wer = corpus_wer(word_error_rates(table["transcript"], heard))
        name = f"beam {config.beam_size}, {config.compute_type}"
        print(f"  {name:16s}: {seconds / spent:5.1f}x real time, WER {wer:.1%}")
    with tempfile.TemporaryDirectory(prefix="bench-asr-") as cache:
        tick = time.perf_counter()
        transcribe_corpus(table, cache_dir=cache, progress=False)
        fresh = time.perf_counter() - tick
        tick = time.perf_counter()
        again = transcribe_corpus(table, cache_dir=cache, progress=False)
        cached = time.perf_counter() - tick
    assert again["from_cache"].all()
    print(f"  transcribe_corpus: {fresh:.1f} s, cached re-run {cached:.2f} s ({fresh / cached:.0f}x faster)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=60, help="utterances to transcribe (default 60)")
    args = parser.parse_args()
    corpus_speed()
    asr_speed(args.files)


if __name__ == "__main__":
    main()
