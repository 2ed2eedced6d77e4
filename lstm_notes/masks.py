"""Masks, lengths and packed sequences: the bridge between Keras masking and PyTorch packing.

Keras describes a padded batch with a boolean *mask* of shape ``(batch_size, seq_len)``; PyTorch
describes it with one *length* per row and packs it into a ``PackedSequence``. The two carry the
same information only when every row is *contiguous*: all its valid steps together, padding on one
side. These helpers convert between the two descriptions and refuse, with a :class:`MaskError`,
any mask that has holes.

``padding`` follows ``keras.utils.pad_sequences``: ``"post"`` means the padding is at the end of
each row (right-padded, ``[1, 1, 1, 0, 0]``), ``"pre"`` means it is at the start (left-padded,
``[0, 0, 1, 1, 1]``). The default here is ``"post"``, the layout that cuDNN and
``pack_padded_sequence`` expect (note that ``pad_sequences`` itself defaults to ``"pre"``).

TensorFlow and PyTorch are imported only inside the functions that need them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from lstm_notes import _validate
from lstm_notes._frameworks import framework_of, require
from lstm_notes.errors import MaskError

if TYPE_CHECKING:
    from torch.nn.utils.rnn import PackedSequence

__all__ = [
    "MaskError",
    "as_bool_mask",
    "lengths_from_mask",
    "mask_from_lengths",
    "misaligned_rows",
    "pack_padded",
]

Padding = Literal["post", "pre"]


def _check_padding(padding: Any) -> None:
    _validate.choice(padding, "padding", ("post", "pre"), error=MaskError)


def as_bool_mask(mask: Any) -> np.ndarray:
    """Validate a ``(batch_size, seq_len)`` mask of booleans or 0/1 values; return it as bools.

    >>> as_bool_mask([[1, 0], [1, 1]]).tolist()
    [[True, False], [True, True]]
    """
    values = _validate.array(mask, "a mask", error=MaskError)
    if values.ndim != 2:
        raise MaskError(
            f"a mask must have shape (batch_size, seq_len), got shape {values.shape}. "
            "For a Keras mask of shape (batch_size, seq_len, 1), pass mask[..., 0]."
        )
    if values.dtype != np.bool_:
        if not np.isin(values, (0, 1)).all():
            odd = values[~np.isin(values, (0, 1))].flat[0].item()
            raise MaskError(
                f"a mask must hold booleans or the numbers 0 and 1, found the value {odd!r}."
            )
        values = values.astype(bool)
    return values


def _row_pattern(row: np.ndarray) -> str:
    return "".join("1" if value else "0" for value in row)


def misaligned_rows(mask: np.ndarray, padding: Padding = "post") -> np.ndarray:
    """Indices of the rows of a bool mask that are not one block with the padding on one side.

    ``padding="post"``: rows that are not right-padded (a valid step after a padded one).

    >>> misaligned_rows(np.array([[True, False, True], [True, True, False]])).tolist()
    [0]
    """
    lengths = mask.sum(axis=1, dtype=np.int64)
    steps = np.arange(mask.shape[1])[None, :]
    if padding == "post":
        expected = steps < lengths[:, None]
    else:
        expected = steps >= (mask.shape[1] - lengths)[:, None]
    return np.flatnonzero((mask != expected).any(axis=1))


def lengths_from_mask(mask: Any, padding: Padding = "post") -> np.ndarray:
    """Return the number of valid steps of each row of a contiguous mask.

    Parameters
    ----------
    mask : array-like of shape (batch_size, seq_len)
        Booleans or 0/1 values (NumPy, list, TensorFlow or PyTorch); ``True`` marks a valid step.
    padding : {"post", "pre"}
        Where the padding is: ``"post"`` at the end of each row (``[1, 1, 0]``), ``"pre"`` at the
        start (``[0, 1, 1]``).

    Returns
    -------
    numpy.ndarray of int64, shape (batch_size,)
        The lengths. A fully padded row has length 0.

    Raises
    ------
    MaskError
        If the mask is not 2-D, holds values other than 0/1, or a row is not contiguous for the
        given ``padding`` (for ``"post"``: a valid step after a padded one). The message names the
        first such row.

    Examples
    --------
    >>> lengths_from_mask([[1, 1, 1, 0], [1, 0, 0, 0]])
    array([3, 1])
    >>> lengths_from_mask([[False, True, True], [True, True, True]], padding="pre")
    array([2, 3])
    """
    _check_padding(padding)
    values = as_bool_mask(mask)
    lengths = values.sum(axis=1, dtype=np.int64)
    bad_rows = misaligned_rows(values, padding)
    if bad_rows.size:
        row = int(bad_rows[0])
        side, other = ("right", "pre") if padding == "post" else ("left", "post")
        order = "after a padded" if padding == "post" else "before a padded"
        raise MaskError(
            f"row {row} of the mask is not {side}-padded (padding={padding!r}): "
            f"{_row_pattern(values[row])} has a valid step {order} one. With padding={padding!r} "
            f"each row must be one block of valid steps with the padding "
            f"{'after' if padding == 'post' else 'before'} it. If the padding is on the other "
            f"side, pass padding={other!r}; if the row really has holes, no length can describe "
            "it (Keras can still mask it step by step, but cuDNN and pack_padded_sequence cannot)."
        )
    return lengths


def _as_lengths(lengths: Any) -> np.ndarray:
    """Validate a 1-D array of non-negative integer lengths; return it as int64."""
    values = _validate.array(lengths, "lengths", error=MaskError)
    if values.ndim != 1:
        raise MaskError(
            f"lengths must be a 1-D array with one length per row, got shape {values.shape}."
        )
    whole = values.dtype.kind in "iu" or (
        values.dtype.kind == "f"
        and bool(np.all(np.isfinite(values) & (values == np.round(values))))
    )
    if not whole:
        raise MaskError(
            f"lengths must be whole numbers (no bools, nan or inf), got {values.tolist()}."
        )
    if (values < 0).any():
        row = int(np.flatnonzero(values < 0)[0])
        raise MaskError(f"lengths must not be negative, row {row} has length {values[row]}.")
    if values.size and values.max() > _validate.MAX_SIZE:
        raise MaskError(f"lengths must be at most {_validate.MAX_SIZE}, got {values.max()}.")
    return values.astype(np.int64)


def mask_from_lengths(
    lengths: Any, max_len: int | None = None, padding: Padding = "post"
) -> np.ndarray:
    """Return the boolean mask of shape ``(batch_size, max_len)`` for the given lengths.

    Parameters
    ----------
    lengths : array-like of int, shape (batch_size,)
        The number of valid steps of each row (NumPy, list, TensorFlow or PyTorch).
    max_len : int, optional
        The padded length ``seq_len``; by default the longest length.
    padding : {"post", "pre"}
        Put the padding at the end (``"post"``) or at the start (``"pre"``) of each row.

    Returns
    -------
    numpy.ndarray of bool, shape (batch_size, max_len)

    Raises
    ------
    MaskError
        If the lengths are not a 1-D array of non-negative whole numbers, or one is longer
        than ``max_len``.

    Examples
    --------
    >>> mask_from_lengths([3, 1]).astype(int)
    array([[1, 1, 1],
           [1, 0, 0]])
    >>> mask_from_lengths([2, 3], max_len=4, padding="pre").astype(int)
    array([[0, 0, 1, 1],
           [0, 1, 1, 1]])
    """
    _check_padding(padding)
    values = _as_lengths(lengths)
    longest = int(values.max()) if values.size else 0
    max_len = longest if max_len is None else _validate.size(max_len, "max_len", error=MaskError)
    if longest > max_len:
        row = int(np.argmax(values))
        raise MaskError(
            f"row {row} has length {longest}, longer than max_len={max_len}. "
            "Raise max_len or truncate that sequence first."
        )
    _validate.check_elements((values.size, max_len), "the mask", error=MaskError)
    steps = np.arange(max_len)
    if padding == "post":
        return steps[None, :] < values[:, None]
    return steps[None, :] >= (max_len - values)[:, None]


def _resolve_lengths(
    shape: tuple[int, ...], lengths: Any, mask: Any, padding: Padding, batch_first: bool
) -> np.ndarray:
    """Return validated lengths for a padded input of ``shape``, from ``lengths`` or ``mask``."""
    if (lengths is None) == (mask is None):
        raise MaskError("pass exactly one of lengths= or mask= to describe the padding.")
    batch_size, seq_len = (shape[0], shape[1]) if batch_first else (shape[1], shape[0])
    layout = "(batch_size, seq_len, ...)" if batch_first else "(seq_len, batch_size, ...)"
    if mask is not None:
        values = as_bool_mask(mask)
        if values.shape != (batch_size, seq_len):
            raise MaskError(
                f"the mask has shape {values.shape} but x has shape {shape}, laid out as "
                f"{layout} (batch_first={batch_first}); the mask must be (batch_size, seq_len) "
                f"= {(batch_size, seq_len)}."
            )
        return lengths_from_mask(values, padding=padding)
    values = _as_lengths(lengths)
    if values.shape[0] != batch_size:
        raise MaskError(
            f"got {values.shape[0]} lengths for a batch of {batch_size} rows "
            f"(x has shape {shape}, laid out as {layout}, batch_first={batch_first})."
        )
    if values.size and values.max() > seq_len:
        row = int(np.argmax(values))
        raise MaskError(
            f"row {row} has length {values[row]}, longer than the time axis of x "
            f"(seq_len={seq_len})."
        )
    return values


def _left_align(x: Any, lengths: np.ndarray, batch_first: bool) -> Any:
    """Move each row's valid steps from the end of the time axis to its start."""
    import torch

    time_axis = 1 if batch_first else 0
    seq_len = x.shape[time_axis]
    shift = torch.as_tensor(seq_len - lengths, device=x.device)
    steps = torch.arange(seq_len, device=x.device)
    index = (steps[None, :] + shift[:, None]) % max(seq_len, 1)  # (batch_size, seq_len)
    if not batch_first:
        index = index.T
    index = index.reshape(index.shape + (1,) * (x.dim() - 2)).expand_as(x)
    return torch.gather(x, time_axis, index)


def pack_padded(
    x: Any,
    lengths: Any = None,
    mask: Any = None,
    batch_first: bool = True,
    padding: Padding = "post",
) -> PackedSequence:
    """Pack a padded batch for a PyTorch recurrent layer, from its lengths or from its mask.

    A thin, checked wrapper of ``torch.nn.utils.rnn.pack_padded_sequence`` with
    ``enforce_sorted=False`` (rows may come in any order) and the lengths on the CPU (as
    PyTorch requires, even when ``x`` is on a GPU).

    Parameters
    ----------
    x : torch.Tensor or array-like
        The padded batch, ``(batch_size, seq_len, ...)`` if ``batch_first`` else
        ``(seq_len, batch_size, ...)``. NumPy input becomes a tensor of the same dtype.
    lengths : array-like of int, shape (batch_size,), optional
        The valid steps of each row. Give either ``lengths`` or ``mask``.
    mask : array-like of shape (batch_size, seq_len), optional
        A contiguous mask (see :func:`lengths_from_mask`), for example a Keras mask.
    batch_first : bool
        The layout of ``x``, as for ``nn.LSTM(batch_first=...)``.
    padding : {"post", "pre"}
        Where the padding of ``x`` is. With ``"pre"`` (left-padded rows, as
        ``keras.utils.pad_sequences`` makes by default) the valid steps of each row are first
        moved to its start, so the packed sequence, and ``pad_packed_sequence`` of the result,
        are right-padded.

    Returns
    -------
    torch.nn.utils.rnn.PackedSequence

    Raises
    ------
    MaskError
        If both or neither of ``lengths`` and ``mask`` are given, their shape does not match
        ``x``, a length is longer than ``seq_len``, the mask is not contiguous, or a row has
        length 0: ``pack_padded_sequence`` rejects empty rows, so drop them before packing.

    Examples
    --------
    >>> import torch
    >>> x = torch.arange(6.0).reshape(2, 3, 1)
    >>> packed = pack_padded(x, mask=[[1, 1, 0], [1, 1, 1]])
    >>> packed.batch_sizes.tolist()  # rows still running at each step
    [2, 2, 1]
    >>> torch.nn.utils.rnn.pad_packed_sequence(packed, batch_first=True)[1].tolist()
    [2, 3]
    """
    torch = require("torch", "pack_padded")
    from torch.nn.utils.rnn import pack_padded_sequence

    _check_padding(padding)
    batch_first = _validate.flag(batch_first, "batch_first", error=MaskError)
    if framework_of(x) != "torch" or not isinstance(x, torch.Tensor):
        x = torch.as_tensor(_validate.array(x, "x", error=MaskError))
    if x.dim() < 2 or 0 in x.shape[:2]:
        raise MaskError(
            f"x must have a batch axis and a time axis with at least one row and one step, got "
            f"shape {tuple(x.shape)}; a batch of sequences of vectors is "
            "(batch_size, seq_len, input_size)."
        )
    lengths = _resolve_lengths(tuple(x.shape), lengths, mask, padding, batch_first)
    empty = np.flatnonzero(lengths == 0)
    if empty.size:
        raise MaskError(
            f"row {int(empty[0])} has length 0 ({empty.size} empty row(s) in all): "
            "pack_padded_sequence rejects sequences of length 0. Drop the empty rows before "
            "packing (and put zeros or the initial state back in their place afterwards)."
        )
    if padding == "pre":
        x = _left_align(x, lengths, batch_first)
    cpu_lengths = torch.as_tensor(lengths, dtype=torch.int64, device="cpu")
    return pack_padded_sequence(x, cpu_lengths, batch_first=batch_first, enforce_sorted=False)
