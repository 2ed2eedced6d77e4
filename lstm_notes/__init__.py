"""Helpers for the LSTM Notes book: recurrent layers in Keras and PyTorch, side by side.

Importing this package is cheap: TensorFlow and PyTorch are imported only inside the functions
that need them, so the helpers work with either framework installed alone. Every error the
helpers raise on purpose derives from :class:`LstmNotesError`.

The top level holds what a reader reuses in their own code. The rest lives in its module: masks
and lengths in :mod:`lstm_notes.masks`, stream batching and state detaching in
:mod:`lstm_notes.stateful`, timing and FLOP models in :mod:`lstm_notes.timing`, the NumPy
reference cells in :mod:`lstm_notes.reference`, the book's small texts in
:mod:`lstm_notes.datasets`.
"""

from lstm_notes.compare import max_abs_diff, to_numpy
from lstm_notes.cudnn import keras_cudnn_report
from lstm_notes.describe import describe
from lstm_notes.errors import (
    ArgumentError,
    BenchmarkError,
    LstmNotesError,
    MaskError,
    MissingFrameworkError,
    ParamCountError,
    PortError,
    PortWarning,
    ShapeError,
    StateBatchSizeError,
    StreamLayoutError,
    UnsupportedLayerError,
)
from lstm_notes.masks import pack_padded
from lstm_notes.params import count_params
from lstm_notes.port import copy_weights, keras_to_torch, torch_to_keras
from lstm_notes.port_model import export_torch, port_model
from lstm_notes.shapes import assert_shape, expected_shapes
from lstm_notes.stateful import StatefulRunner

__version__ = "0.1.0"

__all__: list[str] = [
    "ArgumentError",
    "BenchmarkError",
    "LstmNotesError",
    "MaskError",
    "MissingFrameworkError",
    "ParamCountError",
    "PortError",
    "PortWarning",
    "ShapeError",
    "StateBatchSizeError",
    "StatefulRunner",
    "StreamLayoutError",
    "UnsupportedLayerError",
    "assert_shape",
    "copy_weights",
    "count_params",
    "describe",
    "expected_shapes",
    "export_torch",
    "keras_cudnn_report",
    "keras_to_torch",
    "max_abs_diff",
    "pack_padded",
    "port_model",
    "to_numpy",
    "torch_to_keras",
]
