"""Helpers for the LSTM Notes book: recurrent layers in Keras and PyTorch, side by side.

Importing this package is cheap: TensorFlow and PyTorch are imported only inside the functions
that need them, so the helpers work with either framework installed alone.
"""

__version__ = "0.1.0"

__all__: list[str] = []
