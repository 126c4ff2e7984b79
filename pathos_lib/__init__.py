"""PATHOS: multimodal emotion recognition from speech audio and its transcript.

One module per stage of the data's path:

- ``corpus``          IEMOCAP (or any table with the documented schema) -> one row per utterance
- ``synthetic``       a licence-free corpus in the exact IEMOCAP layout (the default)
- ``splits``          leave-one-session-out, thesis and random folds
- ``audio_features``  wav -> feature matrix (plus normalising and padding)
- ``text_features``   transcript -> token ids (vocabulary, word vectors)
- ``models``          the Keras 3 networks (torch backend): audio, text, fused, attention pooling
- ``experiment``      cross-validation of networks and baselines, saved results and models
- ``evaluation``      WA, UA, F1, confusion matrices and result figures
- ``predict``         trained networks on a new utterance (wav + transcript), and the command line
- ``plots``           figures for looking at the data
- ``widgets``         interactive views for the notebooks (corpus browser, try-it app)
- ``records``         metrics recorded by notebooks and read back by tests

Importing the package has no side effects; importing ``pathos_lib.models`` selects Keras's torch backend.
"""

__version__ = "0.1.0"
