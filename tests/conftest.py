"""Shared fixtures: tiny hand-written IEMOCAP-layout corpora and a small synthetic corpus."""

from __future__ import annotations

import os
from pathlib import Path
from types import SimpleNamespace

import matplotlib
import numpy as np
import pytest
import soundfile as sf

matplotlib.use("Agg")

PROJECT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def _figures_elsewhere(tmp_path_factory, monkeypatch):
    """Tests never overwrite the committed figures/."""
    monkeypatch.setenv("PATHOS_FIGURES", str(tmp_path_factory.getbasetemp() / "figures"))


@pytest.fixture(scope="session")
def synthetic_root(tmp_path_factory) -> Path:
    """A small synthetic corpus (5 sessions x 40 utterances), written once per test session."""
    from pathos_lib.synthetic import make_corpus

    folder = tmp_path_factory.mktemp("synthetic") / "corpus"
    return make_corpus(folder, utterances_per_session=40, seed=0, progress=False)


@pytest.fixture(scope="module")
def trained(tmp_path_factory, synthetic_root):
    """Tiny audio, text and fused networks trained on the thesis split of the small synthetic corpus and
    saved as one model folder (``model_dir``), with ``table`` and ``results``; ``PATHOS_BUILD`` and
    ``PATHOS_DATA`` point into a temporary ``folder`` for the rest of the module."""
    from pathos_lib.corpus import load_iemocap
    from pathos_lib.experiment import cross_validate
    from pathos_lib.models import ModelConfig
    from pathos_lib.predict import Predictor

    tiny = ModelConfig(
        dense_units=(16,), lstm_units=8, fusion_units=16, embedding_dim=8, epochs=3, patience=0
    )
    folder = tmp_path_factory.mktemp("trained")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PATHOS_BUILD", str(folder / "build"))
        patch.setenv("PATHOS_DATA", str(folder / "data"))
        table = load_iemocap(synthetic_root)
        table.attrs = {"corpus": "synthetic-test"}
        results = [
            cross_validate(table, modality, protocol="thesis", config=tiny, progress=False)
            for modality in ("audio", "text", "fusion")
        ]
        model_dir = Predictor.from_results(results).save(folder / "try_it")
        yield SimpleNamespace(table=table, results=results, model_dir=model_dir, folder=folder)


@pytest.fixture(scope="module")
def model_dir(trained) -> Path:
    """The folder of ``trained``'s three networks (what ``Predictor.load`` reads)."""
    return trained.model_dir


@pytest.fixture(scope="module")
def table(trained):
    """The small synthetic corpus ``trained`` learnt from (a module with a ``table`` of its own keeps it)."""
    return trained.table


def summary(utt_id: str, code: str, start: float = 1.0, end: float = 2.5, vad=(2.5, 3.0, 3.5)) -> str:
    """An EmoEvaluation block in IEMOCAP's format (summary line and two annotator lines)."""
    v, a, d = vad
    return (
        f"[{start:.4f} - {end:.4f}]\t{utt_id}\t{code}\t[{v:.4f}, {a:.4f}, {d:.4f}]\n"
        "C-E2:\tNeutral;\t()\nA-E3:\tval 3; act 2; dom  2;\t()\n"
    )


def write_dialog(
    root: Path,
    session: int,
    dialog: str,
    blocks: list[str],
    transcript_lines: list[str],
    wav_ids: list[str],
) -> None:
    """Write one dialog's EmoEvaluation, transcription and utterance wavs (0.5 s of noise each)."""
    base = root / f"Session{session}"
    emo = base / "dialog" / "EmoEvaluation"
    emo.mkdir(parents=True, exist_ok=True)
    (emo / f"{dialog}.txt").write_text(
        "% [START_TIME - END_TIME] TURN_NAME EMOTION [V, A, D]\n\n" + "\n".join(blocks)
    )
    trans = base / "dialog" / "transcriptions"
    trans.mkdir(parents=True, exist_ok=True)
    (trans / f"{dialog}.txt").write_text("\n".join(transcript_lines) + "\n")
    wav_dir = base / "sentences" / "wav" / dialog
    wav_dir.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    for utt_id in wav_ids:
        sf.write(wav_dir / f"{utt_id}.wav", rng.uniform(-0.1, 0.1, 8000), 16000, subtype="PCM_16")


@pytest.fixture
def mini_iemocap(tmp_path) -> Path:
    """Five sessions, one dialog each, four labelled utterances per dialog, all well-formed.

    In each dialog the EmoEvaluation order differs from the transcription order, so a loader that
    joins by position gets the transcripts wrong.
    """
    root = tmp_path / "IEMOCAP_full_release"
    for session in range(1, 6):
        dialog = f"Ses{session:02d}F_impro01"
        ids = [f"{dialog}_F000", f"{dialog}_M000", f"{dialog}_F001", f"{dialog}_M001"]
        codes = ["neu", "exc", "hap", "fru"] if session % 2 else ["ang", "sad", "xxx", "neu"]
        blocks = [
            summary(u, c, start=i * 3.0, end=i * 3.0 + 2.0)
            for i, (u, c) in enumerate(zip(ids, codes, strict=True))
        ]
        lines = [
            f"{u} [{i * 3.0:08.4f}-{i * 3.0 + 2.0:08.4f}]: words of {u}."
            for i, u in reversed(list(enumerate(ids)))
        ]
        lines.insert(1, f"{dialog}_MXX0 [020.0000-021.0000]: Unlabelled turn.")
        write_dialog(root, session, dialog, blocks, lines, ids)
    return root


def env_without(*names: str) -> dict:
    return {k: v for k, v in os.environ.items() if k not in names}
