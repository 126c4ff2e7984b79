"""Interactive views for the notebooks (ipywidgets); callbacks are plain methods tests can call.

What a view shows (audio player, figure, text) is set as child widgets of a box, never captured through an
``Output`` widget: capturing races with headless execution (papermill/nbclient could hang), child widgets
are plain state. Explained in 01_data_exploration (corpus browser) and 07_try_it (the prediction app).
"""

from __future__ import annotations

import html
import io
from typing import TYPE_CHECKING

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import soundfile as sf
from IPython.display import Audio, display

from .audio import SAMPLE_RATE, load_audio
from .plots import plot_utterance

if TYPE_CHECKING:
    from .predict import Prediction, Predictor

ALL = "all"


def show_utterance(row: pd.Series) -> None:
    """Display one utterance: its transcript, an audio player, waveform and spectrogram.

    ``row``: one row of a corpus table (utt_id, label, wav_path, transcript; has_wav if present). Returns
    None: it displays in the running notebook (only a line of text when there is no wav).
    Explained in 01_data_exploration.
    """
    if not row.get("has_wav", True) or pd.isna(row.get("wav_path")):
        display(f"{row['utt_id']}: no wav file; transcript: {row.get('transcript')!r}")
        return
    audio = load_audio(row["wav_path"])
    # resampling a recording at full scale can overshoot [-1, 1] a little (EmoDB): the player clips it
    display(Audio(np.clip(audio, -1.0, 1.0), rate=SAMPLE_RATE, normalize=False))
    fig = plot_utterance(row, audio)
    display(fig)
    plt.close(fig)


def audio_widget(samples: np.ndarray, rate: int = SAMPLE_RATE) -> widgets.Audio:
    """An audio player holding ``samples`` (as a 16-bit wav).

    ``samples``: (samples,) float at ``rate`` Hz, clipped to [-1, 1]. Returns an ``ipywidgets.Audio``.
    Plumbing for TryItApp and CorpusBrowser.
    """
    buffer = io.BytesIO()
    sf.write(buffer, np.clip(samples, -1.0, 1.0), rate, format="WAV", subtype="PCM_16")
    return widgets.Audio(value=buffer.getvalue(), format="wav", autoplay=False, loop=False)


def figure_widget(fig: plt.Figure) -> widgets.Image:
    """A matplotlib figure as a PNG image widget (the figure is closed). Returns an ``ipywidgets.Image``.

    Plumbing for TryItApp and CorpusBrowser.
    """
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=90, bbox_inches="tight")
    plt.close(fig)
    return widgets.Image(value=buffer.getvalue(), format="png")


def text_widget(text: str, error: bool = False) -> widgets.HTML:
    """Preformatted text (red for an error), HTML-escaped. Returns an ``ipywidgets.HTML``.

    Plumbing for TryItApp and CorpusBrowser.
    """
    style = "color:#b00" if error else ""
    return widgets.HTML(f"<pre style='{style}'>{html.escape(text)}</pre>")


class CorpusBrowser:
    """Filter a corpus table by session and class, pick an utterance, hear it, see it, read it.

    ``table``: a non-empty corpus table (utt_id, session, label, wav_path, transcript; has_wav if
    present). ``browser.widget`` is the ipywidgets box; displaying the browser shows it. ``choices`` and
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
        self.view = widgets.VBox()  # what is on show: transcript, player, figure
        self.current: str | None = None  # the utterance on show
        self.session.observe(self._on_filter, names="value")
        self.label.observe(self._on_filter, names="value")
        self.utterance.observe(self._on_pick, names="value")
        self.widget = widgets.VBox([widgets.HBox([self.session, self.label]), self.utterance, self.view])
        self._on_filter()

    def choices(self, session: object = ALL, label: str = ALL) -> list[str]:
        """Utterance ids matching the filters, in table order.

        ``session``: a session value or ``"all"``; ``label``: a class or ``"all"``. Returns a list of str.
        """
        rows = self.table
        if session != ALL:
            rows = rows[rows["session"] == session]
        if label != ALL:
            rows = rows[rows["label"] == label]
        return rows["utt_id"].tolist()

    def select(self, utt_id: str) -> pd.Series:
        """Show ``utt_id`` (transcript, player, waveform and spectrogram) and return its row.

        Returns the table row (a ``pandas.Series``); raises ``KeyError`` for an unknown id.
        """
        if utt_id not in self.table.index:
            raise KeyError(f"Unknown utterance id {utt_id!r}")
        row = self.table.loc[utt_id]
        self.current = utt_id
        if not row.get("has_wav", True) or pd.isna(row.get("wav_path")):
            missing = f"{utt_id}: no wav file; transcript: {row.get('transcript')!r}"
            self.view.children = [text_widget(missing)]
        else:
            audio = load_audio(row["wav_path"])
            self.view.children = [audio_widget(audio), figure_widget(plot_utterance(row, audio))]
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


class TryItApp:
    """Pick an utterance of the corpus (or give a wav path and type a transcript), hear and see it, and
    see what the audio, text and fused networks say and where they looked. Without a transcript (the
    field left empty, or "speech recognition" ticked for a corpus utterance), Whisper transcribes the
    voice and the table says what it heard.

    ``pick(utt_id)`` and ``run(wav_path, transcript)`` are the callbacks, callable without a front end;
    both return the ``Prediction`` shown (``None`` after an error, which is shown instead). A corpus
    speaker is normalised with the statistics of all their recordings in ``table`` (no labels used), as
    in the evaluation; a wav given by path gets the global training statistics.
    ``predictor``: a loaded ``Predictor``; ``table``: the utterances to pick from, a non-empty corpus table
    (utt_id, speaker, label, wav_path, transcript).
    Explained in 07_try_it.
    """

    def __init__(self, predictor: Predictor, table: pd.DataFrame) -> None:
        if table.empty:
            raise ValueError("The table of utterances to pick from is empty")
        self.predictor = predictor
        self.table = table.set_index("utt_id", drop=False)
        self.registered: set[str] = set()
        self.utterance = widgets.Dropdown(
            options=list(self.table.index), value=None, description="utterance",
            layout=widgets.Layout(width="420px"),
        )  # fmt: skip
        self.wav_path = widgets.Text(
            placeholder="or a wav file: path/to/file.wav", description="wav",
            layout=widgets.Layout(width="600px"),
        )  # fmt: skip
        self.transcript = widgets.Text(
            placeholder="what is said (empty: speech recognition listens)", description="transcript",
            layout=widgets.Layout(width="600px"),
        )  # fmt: skip
        self.listen = widgets.Checkbox(
            value=False, description="speech recognition, not the corpus transcript",
            layout=widgets.Layout(width="420px"),
        )  # fmt: skip
        self.button = widgets.Button(description="predict", button_style="primary")
        self.view = widgets.VBox()  # what is on show: player, figure, table (or the error)
        self.last: Prediction | None = None
        self.error: str | None = None  # why the last prediction could not be made
        self.utterance.observe(self._on_pick, names="value")
        self.button.on_click(self._on_click)
        self.widget = widgets.VBox([widgets.HBox([self.utterance, self.listen]),
                                    widgets.HBox([self.wav_path, self.button]), self.transcript,
                                    self.view])  # fmt: skip

    def pick(self, utt_id: str) -> Prediction:
        """Predict a corpus utterance (its speaker's statistics from their recordings in the table).

        Returns the ``Prediction`` shown, or None when it could not be made (the error is shown and kept
        in ``error``); raises ``KeyError`` for an unknown id.
        """
        if utt_id not in self.table.index:
            raise KeyError(f"Unknown utterance id {utt_id!r}")
        row = self.table.loc[utt_id]
        speaker = self._register(row)
        transcript = "" if pd.isna(row["transcript"]) else str(row["transcript"])  # NaN is not the word "nan"
        self.wav_path.value, self.transcript.value = (
            str(row["wav_path"]),
            "" if self.listen.value else transcript,
        )
        title = f"{utt_id} (true class: {row['label']})"
        return self._predict(row["wav_path"], None if self.listen.value else transcript, speaker, title)

    def run(self, wav_path: str, transcript: str) -> Prediction | None:
        """Predict any wav file (any rate, mono or stereo) with the transcript typed.

        ``wav_path``: a path (surrounding spaces ignored); a recording of the table keeps its speaker's
        statistics and its title, as when picked. ``transcript``: empty (or None) lets speech recognition
        transcribe the voice; silence or noise then leaves the audio network only.
        Returns the ``Prediction`` shown, or None when it could not be made (the error is shown).
        """
        transcript = (transcript or "").strip() or None
        wav_path = wav_path.strip()
        same = self.table[self.table["wav_path"].astype(str) == wav_path]
        if same.empty:
            return self._predict(wav_path, transcript, None, wav_path)
        row = same.iloc[0]
        title = f"{row['utt_id']} (true class: {row['label']})"
        return self._predict(wav_path, transcript, self._register(row), title)

    def _register(self, row: pd.Series) -> str:
        """The row's speaker, normalised with all their recordings in the table (once per speaker)."""
        speaker = str(row["speaker"])
        if speaker not in self.registered:
            recordings = self.table.loc[self.table["speaker"] == speaker, "wav_path"].dropna()
            self.predictor.add_speaker(speaker, list(recordings))
            self.registered.add(speaker)
        return speaker

    def _predict(self, wav_path, transcript, speaker, title) -> Prediction | None:
        from .audio import as_waveform
        from .predict import plot_prediction

        try:
            waveform = as_waveform(wav_path)
            prediction = self.predictor.predict((waveform, SAMPLE_RATE), transcript, speaker=speaker)
        except (FileNotFoundError, ValueError, ImportError) as error:
            self.last, self.error = None, str(error)
            self.view.children = [text_widget(f"Cannot predict: {error}", error=True)]
            return None
        self.view.children = [
            audio_widget(waveform),
            figure_widget(plot_prediction(prediction, waveform, title)),
            text_widget(prediction.table()),
        ]
        self.last, self.error = prediction, None
        return prediction

    def _on_pick(self, change: dict) -> None:
        if change["new"] is not None:
            self.pick(change["new"])

    def _on_click(self, _button: object) -> None:
        self.run(self.wav_path.value, self.transcript.value)

    def _ipython_display_(self) -> None:
        display(self.widget)
