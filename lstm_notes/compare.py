"""Compare tensors across frameworks: the one difference measure the book and its tests use.

Porting is checked by running both frameworks on the same input and taking the largest absolute
difference of the results. These two helpers accept a NumPy array, a PyTorch tensor, a
TensorFlow/Keras tensor or a nested list, without importing a framework that is not in use.
"""

from __future__ import annotations

import sys
from typing import Any

import numpy as np

from lstm_notes._frameworks import framework_of
from lstm_notes._validate import array
from lstm_notes.errors import ShapeError

__all__ = ["as_numpy", "flatten", "max_abs_diff", "to_numpy"]


def as_numpy(x: Any) -> np.ndarray:
    """``x`` as it comes out of NumPy, unchecked (the conversion behind :func:`to_numpy`)."""
    framework = framework_of(x)
    if framework == "torch" and hasattr(x, "detach"):
        return x.detach().cpu().numpy()
    keras = sys.modules.get("keras")
    if framework == "keras" and keras is not None and isinstance(x, keras.Variable):
        return as_numpy(x.value)  # its backend's tensor: np.array(x) warns under NumPy 2
    if framework in ("tensorflow", "keras", "jax") and hasattr(x, "numpy"):
        return np.asarray(x.numpy())
    return np.asarray(x)


def to_numpy(x: Any) -> np.ndarray:
    """``x`` as a NumPy array: a PyTorch tensor is detached and moved to the CPU first.

    Parameters
    ----------
    x
        A NumPy array, a PyTorch, TensorFlow or Keras tensor, or a (nested) list of numbers.

    Raises
    ------
    ArgumentError
        For anything that is not numbers: ``None``, strings, ragged lists, objects.

    Examples
    --------
    >>> to_numpy([[1, 2], [3, 4]]).shape
    (2, 2)
    """
    return array(x, "to_numpy's argument")


def flatten(result: Any) -> list[Any]:
    """The tensors of a nested result (tuples and lists, as recurrent layers return), in order.

    >>> flatten((1, (2, 3), [4]))
    [1, 2, 3, 4]
    """
    if isinstance(result, (list, tuple)):
        return [tensor for item in result for tensor in flatten(item)]
    return [result]


def max_abs_diff(a: Any, b: Any) -> float:
    """The largest absolute difference between two tensors of the same shape, from any framework.

    Shapes must match exactly: broadcasting would hide a layout mistake, which is what a
    cross-framework check is for.

    >>> max_abs_diff([1.0, 2.0], [1.0, 2.5])
    0.5
    >>> max_abs_diff([1.0, 2.0], [[1.0, 2.0]])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    lstm_notes.errors.ShapeError: max_abs_diff needs two tensors of the same shape, got (2,) ...
    """
    x, y = array(a, "a"), array(b, "b")
    if x.shape != y.shape:
        raise ShapeError(
            f"max_abs_diff needs two tensors of the same shape, got {x.shape} and {y.shape}"
        )
    if x.size == 0:
        return 0.0
    return float(np.max(np.abs(x.astype(np.float64) - y.astype(np.float64))))
