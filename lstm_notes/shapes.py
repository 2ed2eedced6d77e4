"""Shape checks for recurrent layers: assert a tensor's shape, predict a layer's output shapes.

Two public helpers:

- :func:`assert_shape` checks a tensor against a spec of named axes such as ``"batch time hidden"``
  and returns the sizes it bound, so that later checks can reuse them.
- :func:`expected_shapes` predicts, from the layer's configuration alone, the name and shape of
  every tensor a Keras or PyTorch recurrent layer returns, in the order the call returns them.

Neither imports TensorFlow or PyTorch unless the object it is given comes from that framework.
"""

from __future__ import annotations

import operator
import re
from dataclasses import dataclass
from typing import Any

__all__ = ["ShapeError", "assert_shape", "expected_shapes"]

SUPPORTED_LAYERS = (
    "keras.layers.LSTM, keras.layers.GRU, keras.layers.SimpleRNN, "
    "keras.layers.Bidirectional (wrapping one of those), "
    "torch.nn.LSTM, torch.nn.GRU, torch.nn.RNN"
)
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_INT = re.compile(r"[0-9]+\Z")


class ShapeError(AssertionError):
    """A tensor's shape does not match the expected spec.

    A subclass of ``AssertionError``, so a failed check reads (and is reported by pytest) like a
    failed ``assert``. Its message shows the expected spec, the actual shape and the axis that
    disagreed.
    """


# --------------------------------------------------------------------------------------------
# assert_shape
# --------------------------------------------------------------------------------------------


def _parse_spec(spec: str) -> list[str]:
    """Split a spec into axis tokens; raise ValueError if one is neither a name nor an int."""
    if not isinstance(spec, str):
        raise ValueError(
            f"spec must be a string of axis names and integers such as 'batch time hidden', "
            f"got {type(spec).__name__}: {spec!r}"
        )
    tokens = spec.split()
    for token in tokens:
        if not (_NAME.match(token) or _INT.match(token)):
            raise ValueError(
                f"malformed shape spec {spec!r}: axis {token!r} is neither a name "
                "(letters, digits, underscores; not starting with a digit) nor a non-negative "
                "integer; use '_' for an axis of any size"
            )
    return tokens


def _shape_of(x: Any) -> tuple[int | None, ...]:
    """The shape of ``x`` as a tuple of ints (``None`` for an axis of unknown size)."""
    if not hasattr(x, "shape"):
        raise TypeError(
            f"assert_shape needs an object with a .shape (NumPy array, torch or TF tensor), "
            f"got {type(x).__name__}"
        )
    return tuple(None if d is None else int(d) for d in x.shape)


def _as_size(value: Any) -> int | None:
    """``value`` as a Python int if it is a non-negative integer (NumPy ints too), else None."""
    if isinstance(value, bool):
        return None
    try:
        size = operator.index(value)
    except TypeError:
        return None
    return size if size >= 0 else None


def _check_known(known: dict[str, Any]) -> dict[str, int]:
    checked = {}
    for name, value in known.items():
        size = _as_size(value)
        if size is None:
            raise ValueError(
                f"known size {name}={value!r} must be a non-negative int "
                "(pass sizes such as batch=32, or the dict returned by a previous assert_shape)"
            )
        checked[name] = size
    return checked


def _mismatch(spec: str, shape: tuple[int | None, ...], detail: str) -> ShapeError:
    shown = (
        "("
        + ", ".join("?" if d is None else str(d) for d in shape)
        + ("," if len(shape) == 1 else "")
        + ")"
    )
    return ShapeError(f"expected shape {spec!r}, got {shown}: {detail}")


def assert_shape(x: Any, spec: str, **known: int) -> dict[str, int]:
    """Check that ``x`` has the shape described by ``spec`` and return the sizes it bound.

    Parameters
    ----------
    x
        Anything with a ``.shape``: a NumPy array, a torch tensor, a TensorFlow tensor.
    spec
        Axis names and integers separated by spaces, for example ``"batch time hidden"`` or
        ``"2 batch hidden"``. An integer must match exactly. A name binds to the size it meets
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
    ValueError
        If ``spec`` is malformed or a known size is not a non-negative int.

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
    >>> assert_shape(np.zeros((4, 3)), "batch hidden", hidden=7)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    lstm_notes.shapes.ShapeError: expected shape 'batch hidden', got (4, 3): axis 1 'hidden' ...
    """
    tokens = _parse_spec(spec)
    known = _check_known(known)
    shape = _shape_of(x)
    if len(shape) != len(tokens):
        raise _mismatch(spec, shape, f"rank is {len(shape)}, but the spec names {len(tokens)} axes")
    bound: dict[str, int] = dict(known)
    origin = {name: "was given as a keyword" for name in known}
    for axis, (token, size) in enumerate(zip(tokens, shape, strict=True)):
        if size is None or token == "_":
            continue
        if _INT.match(token):
            if size != int(token):
                raise _mismatch(
                    spec, shape, f"axis {axis} is {size}, but the spec fixes it to {token}"
                )
        elif token in bound:
            if size != bound[token]:
                raise _mismatch(
                    spec,
                    shape,
                    f"axis {axis} {token!r} is {size}, but {token}={bound[token]} {origin[token]}",
                )
        else:
            bound[token] = size
            origin[token] = f"was bound by axis {axis}"
    return bound


# --------------------------------------------------------------------------------------------
# Reading a layer's configuration (shared with lstm_notes.params and lstm_notes.describe)
# --------------------------------------------------------------------------------------------

GATES = {"LSTM": 4, "GRU": 3, "SimpleRNN": 1, "RNN": 1}
"""Number of gate blocks stacked in each weight matrix, per kind of recurrent layer."""


@dataclass(frozen=True)
class KerasRnn:
    """The configuration of a Keras recurrent layer, read from its attributes."""

    kind: str  # "LSTM", "GRU" or "SimpleRNN"
    units: int
    backward_units: int | None  # None unless bidirectional
    input_size: int | None  # None until the layer is built
    return_sequences: bool
    return_state: bool
    bidirectional: bool
    merge_mode: str | None
    use_bias: bool
    reset_after: bool  # GRU only; False for the other kinds

    @property
    def framework(self) -> str:
        return "keras"

    @property
    def title(self) -> str:
        inner = f"{self.kind}(units={self.units})"
        return (
            f"Bidirectional({inner}, merge_mode={self.merge_mode!r})"
            if self.bidirectional
            else inner
        )


@dataclass(frozen=True)
class TorchRnn:
    """The configuration of a PyTorch ``nn.LSTM``, ``nn.GRU`` or ``nn.RNN``."""

    kind: str  # "LSTM", "GRU" or "RNN"
    input_size: int
    hidden_size: int
    num_layers: int
    bidirectional: bool
    batch_first: bool
    proj_size: int
    bias: bool

    @property
    def framework(self) -> str:
        return "torch"

    @property
    def directions(self) -> int:
        return 2 if self.bidirectional else 1

    @property
    def out_size(self) -> int:
        """Size of the output and of ``h_n``: ``proj_size`` if set, else ``hidden_size``."""
        return self.proj_size or self.hidden_size

    @property
    def title(self) -> str:
        args = [f"{self.input_size}", f"{self.hidden_size}"]
        for name, value, default in (
            ("num_layers", self.num_layers, 1),
            ("bias", self.bias, True),
            ("batch_first", self.batch_first, False),
            ("bidirectional", self.bidirectional, False),
            ("proj_size", self.proj_size, 0),
        ):
            if value != default:
                args.append(f"{name}={value}")
        return f"nn.{self.kind}({', '.join(args)})"


def _comes_from(obj: Any, package: str) -> bool:
    """Whether ``obj``'s class (or a base class) is defined in ``package``, without importing it."""
    return any((cls.__module__ or "").split(".")[0] == package for cls in type(obj).__mro__)


def _unsupported(layer: Any) -> TypeError:
    return TypeError(
        f"unsupported layer type {type(layer).__module__}.{type(layer).__qualname__}; "
        f"supported are: {SUPPORTED_LAYERS}"
    )


def _keras_single(layer: Any) -> tuple[str, Any]:
    import keras

    for kind in ("LSTM", "GRU", "SimpleRNN"):
        if isinstance(layer, getattr(keras.layers, kind)):
            return kind, layer.cell
    raise _unsupported(layer)


def _keras_input_size(cell: Any) -> int | None:
    kernel = getattr(cell, "kernel", None) if cell.built else None
    return None if kernel is None else int(kernel.shape[0])


def keras_config(layer: Any) -> KerasRnn:
    """Read a Keras ``LSTM``/``GRU``/``SimpleRNN`` or ``Bidirectional`` layer's configuration."""
    import keras

    bidirectional = isinstance(layer, keras.layers.Bidirectional)
    forward = layer.forward_layer if bidirectional else layer
    kind, cell = _keras_single(forward)
    backward_units = None
    if bidirectional:
        backward_kind, backward_cell = _keras_single(layer.backward_layer)
        if backward_kind != kind:
            raise TypeError(
                f"Bidirectional with a {kind} forward layer and a {backward_kind} backward layer "
                "is not supported; use the same kind in both directions"
            )
        backward_units = int(backward_cell.units)
    return KerasRnn(
        kind=kind,
        units=int(cell.units),
        backward_units=backward_units,
        input_size=_keras_input_size(cell),
        return_sequences=bool(forward.return_sequences),
        return_state=bool(forward.return_state),
        bidirectional=bidirectional,
        merge_mode=layer.merge_mode if bidirectional else None,
        use_bias=bool(cell.use_bias),
        reset_after=bool(getattr(cell, "reset_after", False)),
    )


def torch_config(module: Any) -> TorchRnn:
    """Read a PyTorch ``nn.LSTM``/``nn.GRU``/``nn.RNN`` module's configuration."""
    from torch import nn

    for kind, cls in (("LSTM", nn.LSTM), ("GRU", nn.GRU), ("RNN", nn.RNN)):
        if isinstance(module, cls):
            return TorchRnn(
                kind=kind,
                input_size=int(module.input_size),
                hidden_size=int(module.hidden_size),
                num_layers=int(module.num_layers),
                bidirectional=bool(module.bidirectional),
                batch_first=bool(module.batch_first),
                proj_size=int(getattr(module, "proj_size", 0)),
                bias=bool(module.bias),
            )
    raise _unsupported(module)


def layer_config(layer: Any) -> KerasRnn | TorchRnn:
    """Identify a supported recurrent layer and read its configuration.

    Raises
    ------
    TypeError
        If the layer is not one of the supported Keras or PyTorch recurrent layers.
    """
    if _comes_from(layer, "torch"):
        return torch_config(layer)
    if _comes_from(layer, "keras"):
        return keras_config(layer)
    raise _unsupported(layer)


# --------------------------------------------------------------------------------------------
# expected_shapes
# --------------------------------------------------------------------------------------------

Shapes = list[tuple[str, tuple[int, ...]]]


def _check_input_shape(input_shape: Any, ranks: tuple[int, ...], layout: str) -> tuple[int, ...]:
    try:
        sizes = [_as_size(d) for d in input_shape]
    except TypeError:
        sizes = [None]
    shape = tuple(d for d in sizes if d is not None)
    if len(shape) != len(sizes):
        raise ValueError(
            f"input_shape must be a tuple of non-negative ints such as {layout}, "
            f"got {input_shape!r}"
        )
    if len(shape) not in ranks:
        raise ValueError(f"input_shape must be {layout}, got rank {len(shape)}: {shape}")
    return shape


def _check_features(features: int, expected: int | None, title: str) -> None:
    if expected is not None and features != expected:
        raise ValueError(
            f"{title} expects input_size={expected} features on the last axis, "
            f"but input_shape has {features}"
        )


def _keras_output_name(cfg: KerasRnn) -> str:
    return "whole_seq_output" if cfg.return_sequences else "final_output"


def _keras_state_names(cfg: KerasRnn) -> list[str]:
    if cfg.kind == "LSTM":
        return ["final_memory_state", "final_carry_state"]
    return ["final_state"]


def _keras_shapes(cfg: KerasRnn, input_shape: Any) -> Shapes:
    batch, time, features = _check_input_shape(
        input_shape, (3,), "(batch_size, seq_len, input_size)"
    )
    _check_features(features, cfg.input_size, f"keras {cfg.title}")

    def out(units: int) -> tuple[int, ...]:
        return (batch, time, units) if cfg.return_sequences else (batch, units)

    name = _keras_output_name(cfg)
    if not cfg.bidirectional:
        states = _keras_state_names(cfg) if cfg.return_state else []
        return [(name, out(cfg.units))] + [(s, (batch, cfg.units)) for s in states]
    fw, bw = cfg.units, cfg.backward_units or cfg.units
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


def _torch_shapes(cfg: TorchRnn, input_shape: Any) -> Shapes:
    layout = "(seq_len, batch_size, input_size), (seq_len, input_size) when unbatched"
    if cfg.batch_first:
        layout = "(batch_size, seq_len, input_size), (seq_len, input_size) when unbatched"
    shape = _check_input_shape(input_shape, (2, 3), layout)
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


def shapes_for_config(cfg: KerasRnn | TorchRnn, input_shape: Any) -> Shapes:
    """:func:`expected_shapes` for a configuration already read by :func:`layer_config`."""
    if isinstance(cfg, KerasRnn):
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
    TypeError
        If the layer is not a supported recurrent layer.
    ValueError
        If ``input_shape`` has the wrong rank, or a last axis that disagrees with the input size
        of a built layer.

    Examples
    --------
    >>> import keras
    >>> expected_shapes(keras.layers.LSTM(7, return_state=True), (32, 10, 3))
    [('final_output', (32, 7)), ('final_memory_state', (32, 7)), ('final_carry_state', (32, 7))]
    >>> import torch
    >>> expected_shapes(torch.nn.GRU(3, 7, num_layers=2, batch_first=True), (32, 10, 3))
    [('output', (32, 10, 7)), ('h_n', (2, 32, 7))]
    """
    return shapes_for_config(layer_config(layer), input_shape)
