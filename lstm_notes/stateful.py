"""Stateful recurrent models: lay out one long stream, and carry state between calls.

A stateful recurrent layer starts each batch from the state the previous batch ended in, row by
row: row ``i`` of batch ``k + 1`` must hold the part of the data that directly follows row ``i``
of batch ``k``. :func:`stateful_batches` and :func:`language_model_batches` produce that layout
from one long stream as NumPy arrays that Keras (``fit(..., shuffle=False)``) and PyTorch (a
plain loop) can both consume. :class:`StatefulRunner` and :func:`detach_state` give a PyTorch
recurrent module the carry / reset behaviour of a Keras layer with ``stateful=True``.

Nothing here imports TensorFlow or PyTorch: the PyTorch helpers only call methods on the objects
they are given.
"""

from __future__ import annotations

import inspect
from typing import TYPE_CHECKING, Any

import numpy as np

from lstm_notes import _validate
from lstm_notes._frameworks import framework_of, is_keras_layer
from lstm_notes.errors import (
    ArgumentError,
    StateBatchSizeError,
    StreamLayoutError,
    UnsupportedLayerError,
)

if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = [
    "StateBatchSizeError",
    "StatefulRunner",
    "StreamLayoutError",
    "detach_state",
    "language_model_batches",
    "stateful_batches",
]


def _positive_int(value: object, name: str) -> int:
    return _validate.size(value, name, minimum=1, error=StreamLayoutError)


def _time_major(stream: Any) -> np.ndarray:
    """Return ``stream`` as an array with a time axis first, else raise StreamLayoutError."""
    if isinstance(stream, (str, bytes)):
        raise StreamLayoutError(
            f"stream must be an array of numbers with a time axis first, got the "
            f"{type(stream).__name__} {stream[:20]!r}...; encode text first, for example as "
            "character ids: np.array([vocab[ch] for ch in text])"
        )
    array = _validate.array(stream, "stream", error=StreamLayoutError)
    if array.ndim == 0:
        raise StreamLayoutError(
            "stream must have a time axis, shape (num_steps, ...); got the single number "
            f"{stream!r}"
        )
    return array


def stateful_batches(stream: Any, batch_size: int, seq_len: int) -> np.ndarray:
    """Cut a long stream into batches where row ``i`` of batch ``k + 1`` continues that of ``k``.

    The stream is split into ``batch_size`` contiguous lanes of equal length (one lane per row);
    each lane is cut into chunks of ``seq_len`` steps, and batch ``k`` holds chunk ``k`` of every
    lane. The steps left over at the end of the stream (fewer than ``batch_size * seq_len``) are
    dropped.

    Parameters
    ----------
    stream : array_like, shape (num_steps, ...)
        The sequence along its first axis; any trailing axes (features) are kept.
    batch_size : int
        Rows per batch: the fixed batch size of the stateful model.
    seq_len : int
        Steps per row in each batch (the truncation length of backpropagation through time).

    Returns
    -------
    numpy.ndarray, shape (num_batches, batch_size, seq_len, ...)
        ``out[k, i]`` is chunk ``k`` of lane ``i``. Feed ``out[k]`` to PyTorch in a loop, or
        ``out.reshape(-1, *out.shape[2:])`` to Keras ``fit(..., batch_size=batch_size,
        shuffle=False)``: Keras then cuts exactly these batches again.

    Raises
    ------
    StreamLayoutError
        If ``batch_size`` or ``seq_len`` is not a positive integer, the stream has no time axis, or
        the stream is shorter than one batch (``batch_size * seq_len`` steps).

    Examples
    --------
    >>> out = stateful_batches(np.arange(12), batch_size=2, seq_len=3)
    >>> out.shape
    (2, 2, 3)
    >>> out[0].tolist(), out[1].tolist()
    ([[0, 1, 2], [6, 7, 8]], [[3, 4, 5], [9, 10, 11]])
    """
    batch_size = _positive_int(batch_size, "batch_size")
    seq_len = _positive_int(seq_len, "seq_len")
    array = _time_major(stream)
    num_batches = array.shape[0] // (batch_size * seq_len)
    if num_batches == 0:
        raise StreamLayoutError(
            f"stream has {array.shape[0]} steps, fewer than one batch of batch_size * seq_len = "
            f"{batch_size} * {seq_len} = {batch_size * seq_len}; use a longer stream or smaller "
            "sizes"
        )
    lane_len = num_batches * seq_len
    lanes = array[: batch_size * lane_len].reshape(
        (batch_size, num_batches, seq_len, *array.shape[1:])
    )
    return np.ascontiguousarray(lanes.swapaxes(0, 1))


def language_model_batches(
    stream: Any, batch_size: int, seq_len: int
) -> tuple[np.ndarray, np.ndarray]:
    """Inputs and next-step targets of a stream, laid out for a stateful language model.

    ``targets`` is the stream shifted by one step and laid out exactly like ``inputs``, so that
    ``targets[k, i, t]`` is the step that follows ``inputs[k, i, t]`` in the stream. Both come from
    :func:`stateful_batches`, so row ``i`` of batch ``k + 1`` continues row ``i`` of batch ``k``.

    Parameters
    ----------
    stream : array_like, shape (num_steps, ...)
        The sequence, for example the integer ids of the characters of a text.
    batch_size : int
        Rows per batch, as in :func:`stateful_batches`.
    seq_len : int
        Steps per row in each batch, as in :func:`stateful_batches`.

    Returns
    -------
    inputs : numpy.ndarray, shape (num_batches, batch_size, seq_len, ...)
        The stream without its last step, laid out by :func:`stateful_batches`.
    targets : numpy.ndarray, shape (num_batches, batch_size, seq_len, ...)
        The stream without its first step, laid out the same way.

    Raises
    ------
    StreamLayoutError
        As in :func:`stateful_batches`; the stream needs at least ``batch_size * seq_len + 1``
        steps, because the last input needs a target after it.

    Examples
    --------
    >>> inputs, targets = language_model_batches(np.arange(13), batch_size=2, seq_len=3)
    >>> inputs[1].tolist(), targets[1].tolist()
    ([[3, 4, 5], [9, 10, 11]], [[4, 5, 6], [10, 11, 12]])
    """
    batch_size = _positive_int(batch_size, "batch_size")
    seq_len = _positive_int(seq_len, "seq_len")
    array = _time_major(stream)
    needed = batch_size * seq_len + 1
    if array.shape[0] < needed:
        raise StreamLayoutError(
            f"stream has {array.shape[0]} steps; a language model with batch_size={batch_size} "
            f"and seq_len={seq_len} needs at least batch_size * seq_len + 1 = {needed} (one "
            "step more than the inputs, for the last target)"
        )
    return stateful_batches(array[:-1], batch_size, seq_len), stateful_batches(
        array[1:], batch_size, seq_len
    )


def detach_state(state: Any) -> Any:
    """Cut a recurrent state out of the autograd graph, keeping its values.

    Call it between chunks in truncated backpropagation through time: the next chunk starts from
    the same numbers, but gradients stop at the chunk boundary instead of flowing back through
    every chunk seen so far (which would grow memory without bound, and fail on the second
    ``backward()`` because the earlier graph has been freed).

    Parameters
    ----------
    state : tensor, tuple, list, namedtuple or dict of tensors, or None
        ``h`` (``nn.RNN``, ``nn.GRU``), ``(h, c)`` (``nn.LSTM``), any nesting of tuples,
        namedtuples, lists and dicts of them, or ``None`` (no state yet).

    Returns
    -------
    same type as state
        The same structure with every tensor replaced by ``tensor.detach()``.

    Raises
    ------
    ArgumentError
        For anything else (a NumPy array, a Keras tensor, a string), which has nothing to detach.

    Examples
    --------
    >>> import torch
    >>> h = torch.ones(1, 2, 3, requires_grad=True) * 2
    >>> h2, c2 = detach_state((h, h))
    >>> h2.requires_grad, h.requires_grad, bool((h2 == h).all())
    (False, True, True)
    """
    if state is None:
        return None
    if isinstance(state, tuple) and hasattr(state, "_fields"):  # a namedtuple
        return type(state)(*(detach_state(part) for part in state))
    if isinstance(state, (tuple, list)):
        return type(state)(detach_state(part) for part in state)
    if isinstance(state, dict):
        return {key: detach_state(value) for key, value in state.items()}
    if framework_of(state) == "torch" and hasattr(state, "detach"):
        return state.detach()
    raise ArgumentError(
        "detach_state takes a torch tensor, a tuple, list, namedtuple or dict of them, or None; "
        f"got {type(state).__module__}.{type(state).__qualname__}. NumPy arrays and Keras "
        "tensors carry no autograd graph, so there is nothing to detach"
    )


def _length(result: Any) -> str:
    return f" of length {len(result)}" if isinstance(result, (tuple, list)) else ""


def _check_module(module: Any) -> None:
    """Refuse what cannot be called as ``output, state = module(x, state)``."""
    if is_keras_layer(module):
        raise UnsupportedLayerError(
            f"StatefulRunner runs PyTorch modules; a Keras {type(module).__name__} carries its "
            "own state: build it with stateful=True and call layer.reset_states() between streams"
        )
    if not callable(module) or isinstance(module, type):
        raise UnsupportedLayerError(
            "StatefulRunner takes a module instance called as module(x, state), such as "
            f"torch.nn.LSTM(3, 4); got {module!r}"
        )
    try:
        inspect.signature(getattr(module, "forward", module)).bind(None, None)
    except TypeError:
        raise UnsupportedLayerError(
            f"StatefulRunner calls module(x, state), but {type(module).__name__} does not take a "
            "state argument; use nn.LSTM, nn.GRU, nn.RNN or a module with that signature"
        ) from None
    except ValueError:
        pass  # no signature to read (a builtin): the call itself will tell


class StatefulRunner:
    """Run a PyTorch recurrent module like a Keras layer with ``stateful=True``.

    Each call passes the state left by the previous call in, keeps the new state (detached, so
    backpropagation is truncated at the chunk boundary) and returns only the output, like a
    stateful Keras layer. :meth:`reset_state` starts again from zeros. The runner holds no
    parameters of its own (it is not an ``nn.Module``): train, save and switch ``train()`` /
    ``eval()`` on ``runner.module``.

    Parameters
    ----------
    module : callable
        Anything called as ``output, state = module(x, state)`` with ``state=None`` meaning zeros:
        ``nn.LSTM``, ``nn.GRU``, ``nn.RNN``, or your own ``nn.Module`` with that signature. The
        state is a tensor or a (nested) tuple of tensors laid out as PyTorch's recurrent layers
        lay it out, ``(num_layers * num_directions, batch_size, hidden_size)``.
    batch_first : bool, optional
        Whether ``x`` is ``(batch_size, seq_len, ...)`` rather than ``(seq_len, batch_size,
        ...)``. By default it is read from ``module.batch_first``, and taken as ``True`` when the
        module has no such attribute.
    detach : bool, default True
        Detach the carried state after each call (truncated backpropagation through time). Use
        ``False`` only if you call ``backward()`` once over several chunks yourself.

    Raises
    ------
    UnsupportedLayerError
        When ``module`` is a Keras layer (use ``stateful=True`` there), is not callable, cannot
        be called as ``module(x, state)`` (``nn.Linear``), or returns something other than a
        pair ``(output, state)``.
    ArgumentError
        When ``x`` is not a PyTorch tensor, or the options are not bools.
    StateBatchSizeError
        When called with a batch size other than that of the carried state (row ``i`` of the
        state can only continue row ``i`` of the data); call :meth:`reset_state` first.

    Examples
    --------
    >>> import torch
    >>> lstm = torch.nn.LSTM(input_size=3, hidden_size=4, batch_first=True)
    >>> runner = StatefulRunner(lstm)
    >>> x = torch.randn(2, 5, 3)
    >>> y1, y2 = runner(x[:, :2]), runner(x[:, 2:])
    >>> torch.allclose(torch.cat([y1, y2], dim=1), lstm(x)[0], atol=1e-6)
    True
    >>> runner.reset_state()
    >>> runner.state is None
    True
    """

    def __init__(
        self,
        module: Callable[..., Any],
        *,
        batch_first: bool | None = None,
        detach: bool = True,
    ) -> None:
        _check_module(module)
        self.module = module
        self.batch_first = (
            bool(getattr(module, "batch_first", True))
            if batch_first is None
            else _validate.flag(batch_first, "batch_first")
        )
        self.detach = _validate.flag(detach, "detach")
        self.state: Any = None

    def __call__(self, x: Any) -> Any:
        """Run one chunk from the carried state; keep the new state; return the output."""
        if framework_of(x) != "torch" or not hasattr(x, "dim") or x.dim() < 2:
            raise ArgumentError(
                "StatefulRunner takes a PyTorch tensor with a time axis, (batch_size, seq_len, "
                f"...) or (seq_len, batch_size, ...); got {type(x).__name__} "
                f"{getattr(x, 'shape', '')}. Convert NumPy input with torch.from_numpy(x)"
            )
        self._check_batch_size(x)
        result = self.module(x, self.state)
        if not (isinstance(result, (tuple, list)) and len(result) == 2):
            raise UnsupportedLayerError(
                f"StatefulRunner needs a module that returns a pair (output, state), as nn.LSTM, "
                f"nn.GRU and nn.RNN do; {type(self.module).__name__} returned "
                f"{type(result).__name__}{_length(result)}"
            )
        output, state = result
        self.state = detach_state(state) if self.detach else state
        return output

    def reset_state(self) -> None:
        """Forget the carried state: the next call starts from zeros (``state=None``)."""
        self.state = None

    def _check_batch_size(self, x: Any) -> None:
        """Raise StateBatchSizeError if ``x`` has a different batch size from the carried state."""
        first = self.state
        while isinstance(first, (tuple, list)) and first:
            first = first[0]
        if framework_of(first) != "torch" or first.dim() < 3:
            return  # no state yet, or an unbatched one (PyTorch checks those itself)
        carried = first.shape[1]  # h is (num_layers * num_directions, batch_size, hidden_size)
        given = x.shape[0] if self.batch_first else x.shape[1]
        if given != carried:
            raise StateBatchSizeError(
                f"this chunk has batch_size {given} but the carried state has batch_size "
                f"{carried}; a stateful model needs the same batch size in every call "
                "(row i continues row i). Call reset_state() first to start a new stream."
            )
