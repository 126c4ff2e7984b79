"""Results stage: the scores of one system over the folds of one protocol, saved and read back.

``CVResult`` holds the per-fold scores (WA, UA, macro-F1, per-class recall), every test prediction with its
class probabilities, the training histories and the settings; ``save`` writes them as JSON + CSV under
``build/results/`` and ``CVResult.load`` reads them back (``cross_validate(..., reuse=True)`` uses that).
Explained in 03_audio_model.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from .evaluation import confusion, scores
from .paths import build_dir


@dataclass
class CVResult:
    """Scores of one system over the folds of one protocol, with everything needed to inspect them.

    ``per_fold``: one row per fold (n_train, n_validation, n_test, epochs, wa, ua, f1, recall_<class>);
    ``predictions``: one row per test utterance (utt_id, fold, label, predicted, prob_<class>).
    Explained in 03_audio_model.
    """

    name: str
    modality: str
    protocol: str
    classes: list[str]
    config: dict
    per_fold: pd.DataFrame
    predictions: pd.DataFrame  # utt_id, fold, label, predicted, prob_<class> for every test row
    histories: dict[str, dict[str, list[float]]] = field(default_factory=dict)
    validation: pd.DataFrame | None = None  # the same for validation rows (used by late fusion)
    corpus: str = "custom"
    notes: list[str] = field(default_factory=list)
    fingerprint: str = ""  # hash of the rows, labels and settings that produced it (for reuse)

    @property
    def wa(self) -> float:
        """Weighted accuracy (overall accuracy), mean over folds."""
        return float(self.per_fold["wa"].mean())

    @property
    def ua(self) -> float:
        """Unweighted accuracy (mean per-class recall), mean over folds."""
        return float(self.per_fold["ua"].mean())

    @property
    def f1(self) -> float:
        """Macro-F1, mean over folds."""
        return float(self.per_fold["f1"].mean())

    @property
    def std(self) -> dict[str, float]:
        """Standard deviation over folds of WA, UA and F1 (0 for a single fold)."""
        return {m: float(self.per_fold[m].std(ddof=0)) for m in ("wa", "ua", "f1")}

    @property
    def confusion_counts(self) -> pd.DataFrame:
        """Confusion matrix summed over folds (counts; rows true, columns predicted)."""
        return confusion(
            self.predictions["label"], self.predictions["predicted"], self.classes, normalise=False
        )

    @property
    def confusion_matrix(self) -> pd.DataFrame:
        """The summed confusion matrix, row-normalised (each true class sums to 1)."""
        return confusion(self.predictions["label"], self.predictions["predicted"], self.classes)

    @property
    def per_class_recall(self) -> dict[str, float]:
        """Recall of each class over all test predictions pooled."""
        return {c: float(self.confusion_matrix.loc[c, c]) for c in self.classes}

    def summary(self) -> dict:
        """The headline numbers as plain values."""
        return {
            "name": self.name, "modality": self.modality, "protocol": self.protocol, "corpus": self.corpus,
            "wa": self.wa, "ua": self.ua, "f1": self.f1, "std": self.std, "folds": len(self.per_fold),
            "per_class_recall": self.per_class_recall,
        }  # fmt: skip

    def save(self, folder: str | Path | None = None) -> Path:
        """Write ``<name>.json`` (summary, scores per fold, confusion, config) and the predictions as CSV."""
        folder = Path(folder) if folder is not None else build_dir() / "results"
        folder.mkdir(parents=True, exist_ok=True)
        payload = {
            **self.summary(),
            "classes": self.classes,
            "config": self.config,
            "per_fold": self.per_fold.to_dict(orient="records"),
            "confusion_counts": self.confusion_counts.to_numpy().tolist(),
            "histories": self.histories,
            "notes": self.notes,
            "fingerprint": self.fingerprint,
        }
        path = folder / f"{self.name}.json"
        self.predictions.to_csv(folder / f"{self.name}_predictions.csv", index=False)
        if self.validation is not None:
            self.validation.to_csv(folder / f"{self.name}_validation.csv", index=False)
        path.write_text(json.dumps(payload, indent=1, default=float))  # written last: marks completion
        return path

    @classmethod
    def load(cls, path: str | Path, missing_ok: bool = False) -> CVResult | None:
        """Read a result written by ``save`` (its ``.json`` path).

        A file written by an older PATHOS (another layout) raises ``ValueError`` naming it, or returns
        None with ``missing_ok=True`` (``cross_validate(reuse=True)`` then trains again).
        """
        path = Path(path)
        payload = json.loads(path.read_text())
        if "classes" not in payload:
            if missing_ok:
                return None
            raise ValueError(f"{path} was saved by an older PATHOS (no 'classes'); run cross_validate again")
        validation = path.with_name(f"{payload['name']}_validation.csv")
        return cls(
            name=payload["name"], modality=payload["modality"], protocol=payload["protocol"],
            classes=payload["classes"], config=payload["config"], per_fold=pd.DataFrame(payload["per_fold"]),
            predictions=pd.read_csv(path.with_name(f"{payload['name']}_predictions.csv")),
            histories=payload["histories"],
            validation=pd.read_csv(validation) if validation.is_file() else None,
            corpus=payload["corpus"], notes=payload["notes"], fingerprint=payload.get("fingerprint", ""),
        )  # fmt: skip

    def __repr__(self) -> str:
        std = self.std
        return (
            f"CVResult({self.name}: WA {self.wa:.3f} ± {std['wa']:.3f}, UA {self.ua:.3f} ± {std['ua']:.3f}, "
            f"F1 {self.f1:.3f} over {len(self.per_fold)} fold(s))"
        )


def prediction_frame(
    utt_ids, fold: str, targets: np.ndarray, probabilities: np.ndarray, classes: list[str]
) -> pd.DataFrame:
    """One row per utterance: utt_id, fold, label, predicted and ``prob_<class>`` columns.

    ``targets``: (n,) class indices; ``probabilities``: (n, len(classes)). Plumbing for cross_validate
    and the baselines.
    """
    names = np.asarray(classes)
    frame = pd.DataFrame({"utt_id": np.asarray(utt_ids), "fold": fold, "label": names[targets],
                          "predicted": names[probabilities.argmax(1)]})  # fmt: skip
    for i, name in enumerate(classes):
        frame[f"prob_{name}"] = probabilities[:, i]
    return frame


def fold_scores(frame: pd.DataFrame, classes: list[str]) -> dict[str, float]:
    """WA, UA, macro-F1 and ``recall_<class>`` of one fold's ``prediction_frame``.

    Plumbing for cross_validate and the baselines."""
    return scores(frame["label"].to_numpy(), frame["predicted"].to_numpy(), classes)
