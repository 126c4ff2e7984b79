"""Baselines stage: the simple systems every network is held to, on the same folds.

Audio: mean and standard deviation of each MFCC column over the utterance, standardised, then logistic
regression with balanced class weights. Text: TF-IDF of word unigrams and bigrams (the same tokens as the
network reads), then logistic regression. A network that cannot beat these has not earned its complexity.
With pretrained features (``features="whisper"`` / ``"sentence"``): the pooled Whisper states, or one MiniLM
vector per utterance, each standardised, then the same logistic regression.
Explained in 03_audio_model (audio) and 04_text_model (text).
"""

from __future__ import annotations

from functools import partial

import numpy as np
import pandas as pd

from .corpus import check_table, usable_rows
from .feature_cache import extract_corpus
from .models import PRESETS
from .results import CVResult, fold_scores, prediction_frame
from .splits import Fold, default_protocol, make_folds
from .text_features import tokenize


def baseline_cross_validate(
    table: pd.DataFrame,
    modality: str,
    *,
    protocol: str | list[Fold] | None = None,
    classes: list[str] | None = None,
    seed: int = 0,
    tokenizer: str | None = None,
    features: str | None = None,
) -> CVResult:
    """The simple baseline of ``modality`` ("audio" or "text") cross-validated on ``protocol``'s folds
    (as in ``cross_validate``; None: the corpus's usual protocol).

    ``classes`` fixes the class order (default: the sorted labels of the table); ``tokenizer`` (text)
    defaults to the default preset's, e.g. ``"thesis"`` to match the thesis preset; ``seed`` is used by
    the "random" protocol's folds; ``features``: audio ``"mfcc"`` (default) or ``"whisper"``, text
    ``"tfidf"`` (default) or ``"sentence"`` (MiniLM). Returns a ``CVResult`` (modality "audio_baseline"
    or "text_baseline").
    Explained in 03_audio_model (audio) and 04_text_model (text).
    """
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    if modality not in ("audio", "text"):
        raise ValueError(f"baselines exist for 'audio' and 'text', got {modality!r}")
    table, notes = usable_rows(check_table(table, modality), modality)
    classes = list(classes) if classes is not None else sorted(table["label"].unique())
    unknown = sorted(set(table["label"]) - set(classes))
    if unknown:
        raise ValueError(f"The table has labels {unknown} outside classes={classes}")
    kind = features or ("mfcc" if modality == "audio" else "tfidf")
    allowed = ("mfcc", "whisper") if modality == "audio" else ("tfidf", "sentence")
    if kind not in allowed:
        raise ValueError(f"{modality} baselines take features {allowed}, got {kind!r}")
    if modality == "audio":
        frames = extract_corpus(table, kind, progress=False)
        table, unreadable = usable_rows(table, modality, frames)  # a corrupt clip: left out, noted
        notes += unreadable
        x = np.stack([np.concatenate([frames[u].mean(0), frames[u].std(0)]) for u in table["utt_id"]])
    elif kind == "sentence":
        from .pretrained import sentence_vectors

        x = sentence_vectors(table["transcript"].fillna("").tolist())
    else:
        x = table["transcript"].fillna("").to_numpy()
    y = table["label"].map({c: i for i, c in enumerate(classes)}).to_numpy()
    per_fold, predictions = [], []
    for fold in make_folds(table, protocol, seed=seed):
        if kind != "tfidf":  # dense vectors; the 768 / 384 pretrained dimensions get C = 0.1
            strength = 1.0 if kind == "mfcc" else 0.1
            model = make_pipeline(
                StandardScaler(), LogisticRegression(max_iter=3000, class_weight="balanced", C=strength)
            )
        else:
            vectoriser = TfidfVectorizer(
                tokenizer=partial(tokenize, tokenizer=tokenizer or PRESETS["default"].tokenizer),
                token_pattern=None, lowercase=False, ngram_range=(1, 2),
            )  # fmt: skip
            model = make_pipeline(
                vectoriser, LogisticRegression(max_iter=3000, class_weight="balanced", C=5.0)
            )
        model.fit(x[fold.train], y[fold.train])
        probabilities = np.zeros((len(fold.test), len(classes)))
        probabilities[:, model.classes_] = model.predict_proba(x[fold.test])
        frame = prediction_frame(
            table["utt_id"].to_numpy()[fold.test], fold.name, y[fold.test], probabilities, classes
        )
        predictions.append(frame)
        per_fold.append({"fold": fold.name, "n_train": len(fold.train), "n_validation": 0,
                         "n_test": len(fold.test), **fold_scores(frame, classes)})  # fmt: skip
    kind = {"mfcc": "mfcc_stats_logreg", "whisper": "whisper_stats_logreg", "tfidf": "tfidf_logreg",
            "sentence": "minilm_logreg"}[kind]  # fmt: skip
    protocol = default_protocol(table) if protocol is None else protocol
    protocol_name = protocol if isinstance(protocol, str) else "custom"
    name = f"{table.attrs.get('corpus', 'custom')}_{modality}_baseline_{kind}_{protocol_name}_seed{seed}"
    return CVResult(
        name=name, modality=f"{modality}_baseline", protocol=protocol_name, classes=classes,
        config={"baseline": kind},
        per_fold=pd.DataFrame(per_fold), predictions=pd.concat(predictions, ignore_index=True),
        corpus=table.attrs.get("corpus", "custom"), notes=notes,
    )  # fmt: skip
