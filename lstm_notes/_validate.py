"""The checks every public helper runs on its arguments before doing any work.

Each check returns the value in the form the helper needs or raises a library error
(:class:`~lstm_notes.errors.ArgumentError` unless the caller names another) whose message names
the argument, what came and what is allowed. Sizes go through ``operator.index``, so NumPy integers
pass and ``True``, ``2.0``, ``"2"``, ``None``, ``nan`` and ``inf`` do not.

>>> size(np.int64(3), "seq_len")
3
>>> size(2.0, "seq_len")
Traceback (most recent call last):
...
lstm_notes.errors.ArgumentError: seq_len must be an integer, got 2.0 (float)
"""

from __future__ import annotations

import math
import operator
from collections.abc import Sequence
from typing import Any

import numpy as np

from lstm_notes.errors import ArgumentError, LstmNotesError

__all__ = ["MAX_ELEMENTS", "MAX_SIZE", "array", "check_elements", "choice", "flag", "size"]

MAX_SIZE = 2**31 - 1
"""The largest size accepted (the largest a framework's int32 dimension holds)."""

MAX_ELEMENTS = 2**28
"""The most elements a helper allocates (1 GiB of float32, 256 MiB of bools)."""

Error = type[LstmNotesError]


def _shown(value: Any) -> str:
    text = repr(value)
    return (text[:60] + "...") if len(text) > 63 else text


def size(
    value: Any,
    name: str,
    *,
    minimum: int = 0,
    maximum: int = MAX_SIZE,
    error: Error = ArgumentError,
) -> int:
    """``value`` as an int in ``[minimum, maximum]``; bools, floats, strings and None refused."""
    if isinstance(value, (bool, np.bool_)):
        raise error(f"{name} must be an integer, got the bool {value!r}")
    try:
        number = operator.index(value)
    except TypeError:
        raise error(
            f"{name} must be an integer, got {_shown(value)} ({type(value).__name__})"
        ) from None
    if number < minimum:
        raise error(f"{name} must be at least {minimum}, got {number}")
    if number > maximum:
        raise error(
            f"{name} must be at most {maximum:,}, got {number:,}: more than these helpers take"
        )
    return number


def flag(value: Any, name: str, *, error: Error = ArgumentError) -> bool:
    """``value`` if it is a bool (NumPy bools too); anything else is refused."""
    if not isinstance(value, (bool, np.bool_)):
        raise error(f"{name} must be True or False, got {_shown(value)} ({type(value).__name__})")
    return bool(value)


def choice(value: Any, name: str, allowed: Sequence[Any], *, error: Error = ArgumentError) -> Any:
    """``value`` if it is one of ``allowed`` (compared by type and value, so ``1 != True``)."""
    for option in allowed:
        if type(value) is type(option) and value == option:
            return value
    raise error(f"{name} must be one of {', '.join(map(repr, allowed))}; got {_shown(value)}")


def check_elements(shape: Sequence[int], name: str, *, error: Error = ArgumentError) -> None:
    """Refuse a shape with more than :data:`MAX_ELEMENTS` elements, before it is allocated."""
    count = math.prod(shape)
    if count > MAX_ELEMENTS:
        raise error(
            f"{name} would have shape {tuple(shape)}, {count:,} elements, more than the "
            f"{MAX_ELEMENTS:,} these helpers allocate; check the sizes"
        )


def array(value: Any, name: str, *, error: Error = ArgumentError) -> np.ndarray:
    """``value`` (a list, NumPy array or tensor of any framework) as a NumPy array of numbers.

    ``None``, strings, ragged nested lists and arrays of objects are refused.
    """
    from lstm_notes.compare import as_numpy

    if value is None or isinstance(value, (str, bytes)):
        raise error(f"{name} must be an array or a (nested) list of numbers, got {_shown(value)}")
    try:
        result = as_numpy(value)
    except (ValueError, TypeError) as problem:  # ragged lists; objects NumPy cannot convert
        raise error(
            f"{name} must be a rectangular array of numbers (no ragged rows), got "
            f"{_shown(value)}: {problem}"
        ) from None
    if result.dtype.kind not in "biuf":
        raise error(
            f"{name} must hold numbers or booleans, got an array of dtype {result.dtype} "
            f"(from {_shown(value)})"
        )
    return result
