"""Transcript -> tokens -> integer sequence (and optional pretrained word vectors).

Tokenisers are data-free (nothing is downloaded): ``"thesis"`` is the thesis's rule (lower-case, split on
whitespace, strip every character but letters, digits and apostrophes); ``"treebank"`` and
``"wordpunct"`` are NLTK's rule-based tokenisers applied to lower-cased text.

The vocabulary is fitted on training transcripts only: index 0 pads, index 1 is the out-of-vocabulary
token. An empty transcript is encoded as a single out-of-vocabulary token, so every sequence has at least
one step for the attention layer to weigh.
Explained in 02_feature_extraction.
"""

from __future__ import annotations

import json
import os
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from pathlib import Path

import numpy as np

PAD, OOV = "<pad>", "<unk>"
TOKENIZERS = ("thesis", "treebank", "wordpunct")
_NOT_WORD = re.compile(r"[^a-z0-9']")


def tokenize(text: str | None, tokenizer: str = "thesis") -> list[str]:
    """Split a transcript into lower-case tokens with ``tokenizer``, one of ``TOKENIZERS``.

    Returns a list of tokens ([] for None, NaN or an empty text). Explained in 02_feature_extraction.
    """
    if text is None or (isinstance(text, float) and np.isnan(text)):
        return []
    text = str(text).lower()
    if tokenizer == "thesis":
        return [token for token in (_NOT_WORD.sub("", word) for word in text.split()) if token]
    if tokenizer == "treebank":
        from nltk.tokenize import TreebankWordTokenizer

        return TreebankWordTokenizer().tokenize(text)
    if tokenizer == "wordpunct":
        from nltk.tokenize import WordPunctTokenizer

        return WordPunctTokenizer().tokenize(text)
    raise ValueError(f"tokenizer must be one of {TOKENIZERS}, got {tokenizer!r}")


class Vocabulary:
    """Word -> index, fitted on training transcripts (0 = padding, 1 = out of vocabulary).

    ``words``: the kept words, given indices 2, 3, ...; ``tokenizer``: one of ``TOKENIZERS``; ``min_count``:
    kept for saving. ``words`` and ``index`` hold the mapping; ``len`` counts padding and OOV too.
    Explained in 02_feature_extraction.
    """

    def __init__(self, words: Iterable[str] = (), tokenizer: str = "thesis", min_count: int = 1) -> None:
        if tokenizer not in TOKENIZERS:
            raise ValueError(f"tokenizer must be one of {TOKENIZERS}, got {tokenizer!r}")
        self.tokenizer = tokenizer
        self.min_count = min_count
        self.words = [PAD, OOV, *words]
        self.index = {word: i for i, word in enumerate(self.words)}

    @classmethod
    def fit(
        cls, texts: Iterable[str], tokenizer: str = "thesis", min_count: int = 1, max_size: int | None = None
    ) -> Vocabulary:
        """Keep words seen at least ``min_count`` times in ``texts`` (most frequent first).

        ``texts``: the training transcripts; ``max_size``: keep at most this many words. Returns a new
        ``Vocabulary``.
        """
        counts = Counter(token for text in texts for token in tokenize(text, tokenizer))
        kept = sorted((w for w, c in counts.items() if c >= min_count), key=lambda w: (-counts[w], w))
        return cls(kept[:max_size] if max_size else kept, tokenizer=tokenizer, min_count=min_count)

    def __len__(self) -> int:
        return len(self.words)

    def encode(self, text: str | None) -> list[int]:
        """Token ids of one transcript, unknown words 1 (``[1]`` for an empty one); a list of int."""
        ids = [self.index.get(token, 1) for token in tokenize(text, self.tokenizer)]
        return ids or [1]

    def oov_rate(self, texts: Iterable[str | None]) -> float:
        """Share of tokens in ``texts`` not in the vocabulary: a float in [0, 1] (0 for no tokens)."""
        tokens = [token for text in texts for token in tokenize(text, self.tokenizer)]
        return sum(token not in self.index for token in tokens) / max(1, len(tokens))

    def to_json(self, path: str | os.PathLike) -> None:
        """Save as plain JSON to the file ``path``: the tokenizer, ``min_count`` and the words."""
        state = {"tokenizer": self.tokenizer, "min_count": self.min_count, "words": self.words[2:]}
        Path(path).write_text(json.dumps(state))

    @classmethod
    def from_json(cls, path: str | os.PathLike) -> Vocabulary:
        """Load a vocabulary saved by ``to_json`` at ``path``; returns a ``Vocabulary``."""
        state = json.loads(Path(path).read_text())
        return cls(state["words"], tokenizer=state["tokenizer"], min_count=state["min_count"])


def load_word_vectors(
    path: str | os.PathLike, vocabulary: Vocabulary, seed: int = 0
) -> tuple[np.ndarray, dict[str, float]]:
    """Embedding matrix for ``vocabulary`` from a GloVe or word2vec **text** file, and its coverage.

    ``path``: the vectors file (words lower-cased when matched, the first vector of a word kept);
    ``vocabulary``: a fitted ``Vocabulary``; ``seed``: for the rows of missing words.
    Returns ``(matrix, coverage)``: matrix (len(vocabulary), dim) float32, row i for word index i, ready
    for ``build_text_model(embeddings=...)``; coverage: ``vocabulary_covered`` (the share of the
    vocabulary's words, padding and OOV aside, found in the file), ``words_in_file`` (vector lines read)
    and ``dimension``. Rows of words missing from the file are drawn from N(0, 0.1) (seeded); row 0
    (padding) is zero. A word2vec header line (``count dim``) is skipped. A line whose number of values
    differs from the first line's raises ``ValueError`` naming the file and line. Explained in 04_text_model.
    """
    wanted = vocabulary.index
    found: dict[int, np.ndarray] = {}
    dim = None
    lines_read = 0
    with open(path, encoding="utf-8", errors="replace") as stream:
        for lineno, line in enumerate(stream, start=1):
            parts = line.rstrip("\n").rstrip().split(" ")
            if lineno == 1 and len(parts) == 2 and all(p.isdigit() for p in parts):
                continue  # word2vec text header
            if len(parts) < 2:
                if line.strip():
                    raise ValueError(
                        f"{path}:{lineno}: expected a word followed by numbers, got {line[:60]!r}"
                    )
                continue
            if dim is None:
                dim = len(parts) - 1
            elif len(parts) - 1 != dim:
                raise ValueError(
                    f"{path}:{lineno}: expected {dim} values after the word, got {len(parts) - 1}"
                )
            lines_read += 1
            word = parts[0].lower()
            if word in wanted and wanted[word] not in found:
                try:
                    found[wanted[word]] = np.array(parts[1:], dtype=np.float32)
                except ValueError as error:
                    raise ValueError(f"{path}:{lineno}: non-numeric value ({error})") from error
    if dim is None:
        raise ValueError(f"{path}: no word vectors found")
    matrix = np.random.default_rng(seed).normal(0.0, 0.1, (len(vocabulary), dim)).astype(np.float32)
    matrix[0] = 0.0
    for index, vector in found.items():
        matrix[index] = vector
    real_words = len(vocabulary) - 2
    coverage = {
        "vocabulary_covered": sum(i >= 2 for i in found) / max(1, real_words),
        "words_in_file": lines_read,
        "dimension": dim,
    }
    return matrix, coverage


def distinctive_words(
    texts: Iterable[str],
    label_column: Iterable[str],
    top: int = 8,
    tokenizer: str = "thesis",
    min_count: int = 3,
) -> Mapping[str, list[tuple[str, float]]]:
    """For each class, the words most over-represented in it (log-odds against the other classes).

    ``texts`` / ``label_column``: one per utterance; ``min_count``: the fewest occurrences over all texts
    for a word to be scored. Returns class (sorted) -> its ``top`` (word, log-odds) pairs, highest first.
    Explained in 02_feature_extraction.
    """
    per_class: dict[str, Counter] = {}
    for text, label in zip(texts, label_column, strict=True):
        per_class.setdefault(label, Counter()).update(tokenize(text, tokenizer))
    overall = sum(per_class.values(), Counter())
    vocabulary = [w for w, c in overall.items() if c >= min_count]
    result = {}
    for label, counts in sorted(per_class.items()):
        inside, outside = sum(counts.values()), sum(overall.values()) - sum(counts.values())
        scores = {
            w: float(
                np.log((counts[w] + 1) / (inside + 1)) - np.log((overall[w] - counts[w] + 1) / (outside + 1))
            )
            for w in vocabulary
        }
        result[label] = sorted(scores.items(), key=lambda item: -item[1])[:top]
    return result
