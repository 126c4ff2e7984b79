"""Text features: tokeniser rules, training-only vocabulary, padding, word-vector files."""

from __future__ import annotations

import numpy as np
import pytest

from pathos_lib.corpus import load_iemocap
from pathos_lib.splits import session_folds
from pathos_lib.text_features import Vocabulary, distinctive_words, load_word_vectors, tokenize


def test_thesis_tokeniser_rule():
    text = "Don't you DARE -- it's 5 o'clock!! [LAUGHTER]  Okay."
    assert tokenize(text) == ["don't", "you", "dare", "it's", "5", "o'clock", "laughter", "okay"]
    assert tokenize("") == [] and tokenize(None) == [] and tokenize(float("nan")) == []


def test_nltk_tokenisers_need_no_data():
    assert tokenize("Don't stop, it's fine.", "treebank") == [
        "do",
        "n't",
        "stop",
        ",",
        "it",
        "'s",
        "fine",
        ".",
    ]
    assert tokenize("Don't stop", "wordpunct") == ["don", "'", "t", "stop"]
    with pytest.raises(ValueError, match="tokenizer must be one of"):
        tokenize("x", "spacy")


def test_vocabulary_indices_min_count_and_oov():
    vocabulary = Vocabulary.fit(["a b b c", "b c d"], min_count=2)
    assert vocabulary.words == ["<pad>", "<unk>", "b", "c"]
    assert vocabulary.encode("B c zebra") == [2, 3, 1]
    assert vocabulary.encode("") == [1] and vocabulary.encode(None) == [1]  # empty: one OOV step
    assert vocabulary.oov_rate(["b zebra", "c"]) == pytest.approx(1 / 3)
    assert Vocabulary.fit(["a a b"], max_size=1).words == ["<pad>", "<unk>", "a"]


def test_vocabulary_is_fitted_on_training_rows_only(synthetic_root):
    table = load_iemocap(synthetic_root)
    fold = session_folds(table)[0]
    train_texts = table["transcript"].iloc[fold.train]
    vocabulary = Vocabulary.fit(train_texts)
    train_tokens = {t for text in train_texts for t in tokenize(text)}
    assert set(vocabulary.words[2:]) == train_tokens
    assert vocabulary.oov_rate(train_texts) == 0.0


def test_vocabulary_round_trip(tmp_path):
    vocabulary = Vocabulary.fit(["hello there", "hello"], tokenizer="wordpunct")
    vocabulary.to_json(tmp_path / "vocab.json")
    loaded = Vocabulary.from_json(tmp_path / "vocab.json")
    assert loaded.words == vocabulary.words and loaded.tokenizer == "wordpunct"
    assert loaded.encode("hello you") == vocabulary.encode("hello you")


def test_word_vectors_glove_and_word2vec(tmp_path):
    vocabulary = Vocabulary(["happy", "sad", "table"])
    glove = tmp_path / "glove.txt"
    glove.write_text("happy 0.1 0.2 0.3\nSad -0.1 -0.2 -0.3\nextra 1 1 1\n")
    matrix, coverage = load_word_vectors(glove, vocabulary)
    assert matrix.shape == (5, 3) and (matrix[0] == 0).all()
    assert np.allclose(matrix[2], [0.1, 0.2, 0.3]) and np.allclose(matrix[3], [-0.1, -0.2, -0.3])
    assert coverage == {"vocabulary_covered": pytest.approx(2 / 3), "words_in_file": 3, "dimension": 3}
    word2vec = tmp_path / "w2v.txt"
    word2vec.write_text("2 2\ntable 1.5 2.5\nhappy 0 1\n")
    matrix, coverage = load_word_vectors(word2vec, vocabulary)
    assert np.allclose(matrix[4], [1.5, 2.5]) and coverage["dimension"] == 2


def test_word_vectors_bad_lines_name_the_line(tmp_path):
    vocabulary = Vocabulary(["happy"])
    bad = tmp_path / "bad.txt"
    bad.write_text("happy 0.1 0.2\nsad 0.1\n")
    with pytest.raises(ValueError, match=r"bad.txt:2: expected 2 values"):
        load_word_vectors(bad, vocabulary)
    bad.write_text("happy 0.1 x\n")
    with pytest.raises(ValueError, match=r"bad.txt:1: non-numeric"):
        load_word_vectors(bad, vocabulary)
    bad.write_text("\n")
    with pytest.raises(ValueError, match="no word vectors"):
        load_word_vectors(bad, vocabulary)


def test_distinctive_words_find_planted_valence(synthetic_root):
    table = load_iemocap(synthetic_root)
    top = distinctive_words(table["transcript"], table["label"], top=10, min_count=2)
    from pathos_lib.synthetic import NEGATIVE_WORDS, POSITIVE_WORDS

    assert sum(w in POSITIVE_WORDS for w, _ in top["hap"]) >= 5
    assert sum(w in NEGATIVE_WORDS for w, _ in top["sad"]) >= 4
