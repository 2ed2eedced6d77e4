"""Helpers for the LSTM Notes book: recurrent layers in Keras and PyTorch, side by side.

Importing this package is cheap: TensorFlow and PyTorch are imported only inside the functions
that need them, so the helpers work with either framework installed alone. Every error the
helpers raise on purpose derives from :class:`LstmNotesError`. Timing and FLOP models live in
:mod:`lstm_notes.timing`; the NumPy reference cells in :mod:`lstm_notes.reference`.
"""

from lstm_notes import errors
from lstm_notes.compare import max_abs_diff, to_numpy
from lstm_notes.cudnn import keras_cudnn_report
from lstm_notes.datasets import load_text
from lstm_notes.describe import describe
from lstm_notes.errors import *  # noqa: F403  (the error family: errors.__all__)
from lstm_notes.masks import lengths_from_mask, mask_from_lengths, pack_padded
from lstm_notes.params import count_params
from lstm_notes.port import copy_weights, keras_to_torch, torch_to_keras
from lstm_notes.port_model import export_torch, port_model
from lstm_notes.shapes import assert_shape, expected_shapes
from lstm_notes.stateful import StatefulRunner, detach_state, stateful_batches

__version__ = "0.1.0"

__all__: list[str] = [
    *errors.__all__,
    "StatefulRunner",
    "assert_shape",
    "copy_weights",
    "count_params",
    "describe",
    "detach_state",
    "expected_shapes",
    "export_torch",
    "keras_cudnn_report",
    "keras_to_torch",
    "lengths_from_mask",
    "load_text",
    "mask_from_lengths",
    "max_abs_diff",
    "pack_padded",
    "port_model",
    "stateful_batches",
    "to_numpy",
    "torch_to_keras",
]
