"""Helpers for the LSTM Notes book: recurrent layers in Keras and PyTorch, side by side.

Importing this package is cheap: TensorFlow and PyTorch are imported only inside the functions
that need them, so the helpers work with either framework installed alone.
"""

from lstm_notes.compare import max_abs_diff, to_numpy
from lstm_notes.cudnn import keras_cudnn_report
from lstm_notes.errors import LstmNotesError
from lstm_notes.describe import describe
from lstm_notes.masks import MaskError, lengths_from_mask, mask_from_lengths, pack
from lstm_notes.params import count_params
from lstm_notes.port import PortError, PortWarning, copy_weights, keras_to_torch, torch_to_keras
from lstm_notes.shapes import ShapeError, assert_shape, expected_shapes
from lstm_notes.stateful import (
    StateBatchSizeError,
    StatefulRunner,
    StreamLayoutError,
    detach_state,
    language_model_batches,
    stateful_batches,
)
from lstm_notes.timing import Measurement, benchmark, compare, lstm_flops, matmul_peak

__version__ = "0.1.0"

__all__: list[str] = [
    "LstmNotesError",
    "MaskError",
    "Measurement",
    "PortError",
    "PortWarning",
    "ShapeError",
    "StateBatchSizeError",
    "StatefulRunner",
    "StreamLayoutError",
    "assert_shape",
    "benchmark",
    "compare",
    "copy_weights",
    "count_params",
    "describe",
    "detach_state",
    "expected_shapes",
    "keras_cudnn_report",
    "keras_to_torch",
    "language_model_batches",
    "lengths_from_mask",
    "lstm_flops",
    "mask_from_lengths",
    "max_abs_diff",
    "matmul_peak",
    "pack",
    "stateful_batches",
    "to_numpy",
    "torch_to_keras",
]
