"""Interactive views for the notebooks (ipywidgets); callbacks are plain methods tests can call.

Explained in 01_data_exploration.
"""

from __future__ import annotations

import ipywidgets as widgets
import matplotlib.pyplot as plt
import pandas as pd
from IPython.display import Audio, display

from .audio_features import SAMPLE_RATE, load_audio
from .plots import plot_utterance

ALL = "all"


def show_utterance(row: pd.Series) -> None:
    """Display one utterance: its transcript, an audio player, waveform and spectrogram.

    Explained in 01_data_exploration.
    """
    if not row.get("has_wav", True) or pd.isna(row.get("wav_path")):
        display(f"{row['utt_id']}: no wav file; transcript: {row.get('transcript')!r}")
        return
    audio = load_audio(row["wav_path"])
    display(Audio(audio, rate=SAMPLE_RATE, normalize=False))
    fig = plot_utterance(row, audio)
    display(fig)
    plt.close(fig)


class CorpusBrowser:
    """Filter a corpus table by session and class, pick an utterance, hear it, see it, read it.

    ``browser.widget`` is the ipywidgets box; displaying the browser shows it. ``choices`` and
    ``select`` are the callbacks, callable without a front end.
    Explained in 01_data_exploration.
    """

    def __init__(self, table: pd.DataFrame) -> None:
        if table.empty:
            raise ValueError("The corpus table is empty: nothing to browse")
        self.table = table.set_index("utt_id", drop=False)
        sessions = [ALL, *sorted(self.table["session"].unique().tolist())]
        labels = [ALL, *sorted(self.table["label"].unique().tolist())]
        self.session = widgets.Dropdown(options=sessions, value=ALL, description="session")
        self.label = widgets.Dropdown(options=labels, value=ALL, description="class")
        self.utterance = widgets.Select(options=[], rows=8, description="utterance",
                                        layout=widgets.Layout(width="420px"))  # fmt: skip
        self.output = widgets.Output()
        self.current: str | None = None  # the utterance on show
        self.session.observe(self._on_filter, names="value")
        self.label.observe(self._on_filter, names="value")
        self.utterance.observe(self._on_pick, names="value")
        self.widget = widgets.VBox([widgets.HBox([self.session, self.label]), self.utterance, self.output])
        self._on_filter()

    def choices(self, session: object = ALL, label: str = ALL) -> list[str]:
        """Utterance ids matching the filters."""
        rows = self.table
        if session != ALL:
            rows = rows[rows["session"] == session]
        if label != ALL:
            rows = rows[rows["label"] == label]
        return rows["utt_id"].tolist()

    def select(self, utt_id: str) -> pd.Series:
        """Show ``utt_id`` in the output area and return its row."""
        if utt_id not in self.table.index:
            raise KeyError(f"Unknown utterance id {utt_id!r}")
        row = self.table.loc[utt_id]
        self.current = utt_id
        self.output.clear_output(wait=True)
        with self.output:
            show_utterance(row)
        return row

    def _on_filter(self, _change: object = None) -> None:
        options = self.choices(self.session.value, self.label.value)
        self.utterance.options = options
        self.utterance.value = options[0] if options else None

    def _on_pick(self, change: dict) -> None:
        if change["new"] is not None:
            self.select(change["new"])

    def _ipython_display_(self) -> None:
        display(self.widget)
