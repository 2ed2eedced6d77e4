"""Shape checks for recurrent layers: assert a tensor's shape, predict a layer's output shapes.

Two public helpers:

- :func:`assert_shape` checks a tensor against a spec of named axes such as ``"batch time hidden"``
  (or ``("batch", "time", 10)``) and returns the sizes it bound, so that later checks can reuse
  them.
- :func:`expected_shapes` predicts, from the layer's configuration alone, the name and shape of
  every tensor a Keras or PyTorch recurrent layer returns, in the order the call returns them.

Neither imports TensorFlow or PyTorch unless the object it is given comes from that framework.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from lstm_notes._layer import RnnLayer, read_layer
from lstm_notes._validate import size
from lstm_notes.errors import ArgumentError, ShapeError

__all__ = ["ShapeError", "assert_shape", "expected_shapes"]

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_INT = re.compile(r"[0-9]+\Z")
Spec = str | Sequence[int | str]


# --------------------------------------------------------------------------------------------
# assert_shape
# --------------------------------------------------------------------------------------------


def _parse_spec(spec: Any) -> tuple[list[str], str]:
    """Axis tokens of a spec (a string, or a sequence of ints and names) and how to show it."""
    if isinstance(spec, str):
        tokens, shown = spec.split(), repr(spec)
    elif isinstance(spec, Sequence) and not isinstance(spec, bytes):
        tokens = [
            item
            if isinstance(item, str)
            else str(size(item, f"axis {axis} of the spec {tuple(spec)!r}"))
            for axis, item in enumerate(spec)
        ]
        shown = repr(tuple(spec))
    else:
        raise ArgumentError(
            "spec must be a string of axis names and integers such as 'batch time hidden', or a "
            f"sequence such as ('batch', 'time', 10); got {type(spec).__name__}: {spec!r}"
        )
    for token in tokens:
        if not (_NAME.match(token) or _INT.match(token)):
            raise ArgumentError(
                f"malformed shape spec {shown}: axis {token!r} is neither a name "
                "(letters, digits, underscores; not starting with a digit) nor a non-negative "
                "integer; use '_' for an axis of any size"
            )
    return tokens, shown


def _shape_of(x: Any) -> tuple[int | None, ...]:
    """The shape of ``x`` as a tuple of ints (``None`` for an axis of unknown size)."""
    shape = getattr(x, "shape", None)
    try:
        dims = tuple(shape)  # type: ignore[arg-type]
    except (TypeError, ValueError):  # no .shape, or a TensorShape of unknown rank
        raise ArgumentError(
            "assert_shape needs an object with a .shape of known rank (NumPy array, torch or TF "
            f"tensor), got {type(x).__name__} with shape {shape!r}"
        ) from None
    return tuple(None if d is None else size(d, "an axis of x.shape") for d in dims)


def _mismatch(spec: str, shape: tuple[int | None, ...], detail: str) -> ShapeError:
    shown = (
        "("
        + ", ".join("?" if d is None else str(d) for d in shape)
        + ("," if len(shape) == 1 else "")
        + ")"
    )
    return ShapeError(f"expected shape {spec}, got {shown}: {detail}")


def assert_shape(x: Any, spec: Spec, **known: int) -> dict[str, int]:
    """Check that ``x`` has the shape described by ``spec`` and return the sizes it bound.

    Parameters
    ----------
    x
        Anything with a ``.shape``: a NumPy array, a torch tensor, a TensorFlow tensor.
    spec
        Axis names and integers separated by spaces, for example ``"batch time hidden"`` or
        ``"2 batch hidden"``, or the same as a sequence: ``("batch", "time", 10)``,
        ``(2, 7, 10)``. An integer must match exactly. A name binds to the size it meets
        first and must have that size wherever it appears again. ``_`` matches any size and binds
        nothing. An empty spec means a scalar (rank 0).
    **known
        Sizes already known, such as ``batch=32``; a name in ``spec`` must match them.

    Returns
    -------
    dict[str, int]
        ``known`` updated with every name bound in ``spec``, so it can be passed on to the next
        check: ``assert_shape(h, "batch hidden", **sizes)``.

    Raises
    ------
    ShapeError
        If the rank or any axis disagrees; the message shows the expected spec, the actual shape
        and the axis that disagreed. ``ShapeError`` is an ``AssertionError``.
    ArgumentError
        If ``spec`` is malformed, ``x`` has no shape, or a known size is not a non-negative int.

    Notes
    -----
    An axis whose size is unknown (``None``, as in a symbolic Keras tensor) matches anything
    and binds nothing.

    Examples
    --------
    >>> import numpy as np
    >>> sizes = assert_shape(np.zeros((4, 10, 7)), "batch time hidden")
    >>> sizes
    {'batch': 4, 'time': 10, 'hidden': 7}
    >>> assert_shape(np.zeros((2, 4, 7)), "2 batch hidden", **sizes)["batch"]
    4
    >>> assert_shape(np.zeros((2, 7, 10)), (2, 7, "hidden"))
    {'hidden': 10}
    >>> assert_shape(np.zeros((4, 3)), "batch hidden", hidden=7)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    lstm_notes.errors.ShapeError: expected shape 'batch hidden', got (4, 3): axis 1 'hidden' ...
    """
    tokens, shown = _parse_spec(spec)
    bound = {
        name: size(value, f"known size {name} (pass sizes such as batch=32)")
        for name, value in known.items()
    }
    shape = _shape_of(x)
    if len(shape) != len(tokens):
        raise _mismatch(
            shown, shape, f"rank is {len(shape)}, but the spec names {len(tokens)} axes"
        )
    origin = {name: "was given as a keyword" for name in known}
    for axis, (token, dim) in enumerate(zip(tokens, shape, strict=True)):
        if dim is None or token == "_":
            continue
        if _INT.match(token):
            if dim != int(token):
                raise _mismatch(
                    shown, shape, f"axis {axis} is {dim}, but the spec fixes it to {token}"
                )
        elif token in bound:
            if dim != bound[token]:
                raise _mismatch(
                    shown,
                    shape,
                    f"axis {axis} {token!r} is {dim}, but {token}={bound[token]} {origin[token]}",
                )
        else:
            bound[token] = dim
            origin[token] = f"was bound by axis {axis}"
    return bound


# --------------------------------------------------------------------------------------------
# expected_shapes
# --------------------------------------------------------------------------------------------

Shapes = list[tuple[str, tuple[int, ...]]]


def _check_input_shape(
    input_shape: Any, ranks: tuple[int, ...], layout: str, batch_axis: int, batch_min: int
) -> tuple[int, ...]:
    """``input_shape`` as ints, refusing a wrong rank, ``seq_len=0`` and too small a batch."""
    if isinstance(input_shape, (str, bytes)) or not isinstance(input_shape, Sequence):
        raise ArgumentError(
            f"input_shape must be a tuple of ints such as {layout}, got {input_shape!r}"
        )
    shape = tuple(size(d, f"input_shape[{i}]") for i, d in enumerate(input_shape))
    if len(shape) not in ranks:
        raise ArgumentError(f"input_shape must be {layout}, got rank {len(shape)}: {shape}")
    seq_axis = 1 - batch_axis if len(shape) == 3 else 0
    if shape[seq_axis] < 1:
        raise ArgumentError(
            f"input_shape {shape} has seq_len=0 (axis {seq_axis}); the layer cannot run on a "
            "sequence without time steps"
        )
    if len(shape) == 3 and shape[batch_axis] < batch_min:
        raise ArgumentError(f"input_shape {shape} has batch_size=0; Keras needs at least one row")
    return shape


def _check_features(features: int, expected: int | None, title: str) -> None:
    if expected is not None and features != expected:
        raise ArgumentError(
            f"{title} expects input_size={expected} features on the last axis, "
            f"but input_shape has {features}"
        )


def _keras_output_name(cfg: RnnLayer) -> str:
    return "whole_seq_output" if cfg.return_sequences else "final_output"


def _keras_state_names(cfg: RnnLayer) -> list[str]:
    if cfg.kind == "LSTM":
        return ["final_memory_state", "final_carry_state"]
    return ["final_state"]


def _keras_shapes(cfg: RnnLayer, input_shape: Any) -> Shapes:
    batch, time, features = _check_input_shape(
        input_shape, (3,), "(batch_size, seq_len, input_size)", batch_axis=0, batch_min=1
    )
    _check_features(features, cfg.input_size, f"keras {cfg.title}")

    def out(units: int) -> tuple[int, ...]:
        return (batch, time, units) if cfg.return_sequences else (batch, units)

    name = _keras_output_name(cfg)
    if not cfg.bidirectional:
        states = _keras_state_names(cfg) if cfg.return_state else []
        return [(name, out(cfg.hidden_size))] + [(s, (batch, cfg.hidden_size)) for s in states]
    fw, bw = cfg.hidden_size, cfg.backward_size
    if cfg.merge_mode is None:
        outputs = [(f"forward_{name}", out(fw)), (f"backward_{name}", out(bw))]
    elif cfg.merge_mode == "concat":
        outputs = [(name, out(fw + bw))]
    else:
        outputs = [(name, out(fw))]
    if not cfg.return_state:
        return outputs
    states = _keras_state_names(cfg)
    return (
        outputs
        + [(f"forward_{s}", (batch, fw)) for s in states]
        + [(f"backward_{s}", (batch, bw)) for s in states]
    )


def _torch_shapes(cfg: RnnLayer, input_shape: Any) -> Shapes:
    layout = "(seq_len, batch_size, input_size), (seq_len, input_size) when unbatched"
    if cfg.batch_first:
        layout = "(batch_size, seq_len, input_size), (seq_len, input_size) when unbatched"
    shape = _check_input_shape(
        input_shape, (2, 3), layout, batch_axis=0 if cfg.batch_first else 1, batch_min=0
    )
    _check_features(shape[-1], cfg.input_size, f"torch {cfg.title}")
    stacked = cfg.directions * cfg.num_layers
    if len(shape) == 2:
        seq_len = shape[0]
        output: tuple[int, ...] = (seq_len, cfg.directions * cfg.out_size)
        h_n: tuple[int, ...] = (stacked, cfg.out_size)
        c_n: tuple[int, ...] = (stacked, cfg.hidden_size)
    else:
        batch, seq_len = (shape[0], shape[1]) if cfg.batch_first else (shape[1], shape[0])
        width = cfg.directions * cfg.out_size
        output = (batch, seq_len, width) if cfg.batch_first else (seq_len, batch, width)
        h_n = (stacked, batch, cfg.out_size)
        c_n = (stacked, batch, cfg.hidden_size)
    result = [("output", output), ("h_n", h_n)]
    return [*result, ("c_n", c_n)] if cfg.kind == "LSTM" else result


def shapes_for_config(cfg: RnnLayer, input_shape: Any) -> Shapes:
    """:func:`expected_shapes` for a layer already read by :func:`lstm_notes._layer.read_layer`."""
    if cfg.framework == "keras":
        return _keras_shapes(cfg, input_shape)
    return _torch_shapes(cfg, input_shape)


def expected_shapes(layer: Any, input_shape: tuple[int, ...]) -> Shapes:
    """Predict the name and shape of every tensor a recurrent layer returns for an input shape.

    Only the layer's configuration is read; nothing is run.

    Parameters
    ----------
    layer
        A Keras ``LSTM``, ``GRU`` or ``SimpleRNN`` (any ``return_sequences``/``return_state``), a
        Keras ``Bidirectional`` wrapping one (any ``merge_mode``, including ``None``), or a PyTorch
        ``nn.LSTM``, ``nn.GRU`` or ``nn.RNN`` (any ``num_layers``, ``bidirectional``,
        ``batch_first``, ``proj_size``).
    input_shape
        The input's shape: ``(batch_size, seq_len, input_size)`` for Keras; for PyTorch
        ``(seq_len, batch_size, input_size)``, or ``(batch_size, seq_len, input_size)`` with
        ``batch_first=True``, or ``(seq_len, input_size)`` for an unbatched input.

    Returns
    -------
    list[tuple[str, tuple[int, ...]]]
        ``(name, shape)`` for each returned tensor, in the order the call returns them.
        Keras: ``whole_seq_output`` (``return_sequences=True``) or ``final_output``, then with
        ``return_state=True`` the final states: ``final_memory_state`` (h) and
        ``final_carry_state`` (c) for an LSTM, ``final_state`` for a GRU or SimpleRNN.
        ``Bidirectional`` returns one merged output (two, ``forward_...`` and ``backward_...``,
        when ``merge_mode=None``), then the forward states and the backward states.
        PyTorch: ``output``, ``h_n`` and, for an LSTM, ``c_n`` (the call's
        ``(output, (h_n, c_n))`` flattened).

    Raises
    ------
    UnsupportedLayerError
        If the layer is not a supported recurrent layer, or one the framework cannot call (a
        ``Bidirectional`` with different ``units`` per direction and ``merge_mode="sum"``).
    ArgumentError
        If ``input_shape`` is not a tuple of ints, has the wrong rank, no time steps
        (``seq_len=0``), or a last axis that disagrees with the input size of a built layer.

    Examples
    --------
    >>> import keras
    >>> expected_shapes(keras.layers.LSTM(7, return_state=True), (32, 10, 3))
    [('final_output', (32, 7)), ('final_memory_state', (32, 7)), ('final_carry_state', (32, 7))]
    >>> import torch
    >>> expected_shapes(torch.nn.GRU(3, 7, num_layers=2, batch_first=True), (32, 10, 3))
    [('output', (32, 10, 7)), ('h_n', (2, 32, 7))]
    """
    return shapes_for_config(read_layer(layer, "expected_shapes"), input_shape)
