"""Recurrent weights in one neutral layout, read from and written to either framework.

The neutral layout is PyTorch's: per layer and direction ``weight_ih``, ``weight_hh`` and the two
biases, in PyTorch's gate order. This module knows the layouts (transposes, the GRU gate swap, the
bias fold and split); :mod:`lstm_notes.port` decides what may be ported and says why not.

>>> import numpy as np
>>> swap_gru_gates("GRU", np.array([1, 2, 3])).tolist()
[2, 1, 3]
"""

from __future__ import annotations

import sys
import warnings
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from lstm_notes._layer import RnnLayer, torch_param_names
from lstm_notes.compare import as_numpy
from lstm_notes.errors import PortWarning

__all__ = [
    "NOT_RECURRENT",
    "Direction",
    "LayerWeights",
    "read_keras_weights",
    "read_torch_weights",
    "signature",
    "sizes",
    "swap_gru_gates",
    "warn",
    "write_keras_weights",
    "write_torch_weights",
]


NOT_RECURRENT = (
    ". Embedding and Dense/Linear layers need no helper: an embedding table has the same layout "
    "in both frameworks, and a Keras Dense kernel is the transpose of nn.Linear.weight"
)
"""Appended to the message for a layer that porting refuses by its type."""


@dataclass
class Direction:
    """One direction of one layer, in PyTorch layout and PyTorch gate order."""

    weight_ih: np.ndarray
    weight_hh: np.ndarray
    bias_ih: np.ndarray | None
    bias_hh: np.ndarray | None


@dataclass
class LayerWeights:
    """One layer (``num_layers == 1``) of a recurrent model: its description and its weights."""

    layer: RnnLayer
    activation: str
    directions: list[Direction]


def swap_gru_gates(kind: str, array: np.ndarray) -> np.ndarray:
    """Swap the first two gate blocks along the last axis for a GRU (z, r, h <-> r, z, n)."""
    if kind != "GRU":
        return array
    first, second, third = np.split(array, 3, axis=-1)
    return np.concatenate([second, first, third], axis=-1)


def _from_keras(kind: str, weights: list[np.ndarray]) -> Direction:
    """Keras ``[kernel, recurrent_kernel, (bias)]`` to PyTorch layout and gate order."""
    kernel, recurrent_kernel, *rest = weights
    weight_ih = np.ascontiguousarray(swap_gru_gates(kind, kernel).T)
    weight_hh = np.ascontiguousarray(swap_gru_gates(kind, recurrent_kernel).T)
    if not rest:
        return Direction(weight_ih, weight_hh, None, None)
    bias = swap_gru_gates(kind, rest[0])
    if kind == "GRU":
        return Direction(weight_ih, weight_hh, bias[0].copy(), bias[1].copy())
    return Direction(weight_ih, weight_hh, bias.copy(), np.zeros_like(bias))


def _to_keras(kind: str, direction: Direction) -> list[np.ndarray]:
    """PyTorch layout to Keras ``[kernel, recurrent_kernel, (bias)]``."""
    kernel = swap_gru_gates(kind, direction.weight_ih.T)
    recurrent_kernel = swap_gru_gates(kind, direction.weight_hh.T)
    if direction.bias_ih is None or direction.bias_hh is None:
        return [kernel, recurrent_kernel]
    if kind == "GRU":
        bias = np.stack([direction.bias_ih, direction.bias_hh])
    else:
        bias = direction.bias_ih + direction.bias_hh
    return [kernel, recurrent_kernel, swap_gru_gates(kind, bias)]


def keras_arrays(layer: Any) -> list[np.ndarray]:
    """``layer.get_weights()`` without its NumPy 2 ``DeprecationWarning`` on every backend.

    ``get_weights`` (and ``keras.ops.convert_to_numpy``) call ``np.array`` on a variable or a
    torch tensor, whose ``__array__`` takes no ``copy`` argument; :func:`as_numpy` converts each
    variable's backend tensor with that framework's own method.
    """
    return [as_numpy(v) for v in layer.weights]


def read_keras_weights(layer: RnnLayer, activation: str) -> LayerWeights:
    """The weights of a built Keras layer (both directions of a ``Bidirectional``)."""
    directions = [_from_keras(layer.kind, keras_arrays(cell)) for cell in layer.cells]
    return LayerWeights(layer, activation, directions)


def write_keras_weights(layer: RnnLayer, weights: LayerWeights) -> None:
    """Set a built Keras layer's weights (``layer.cells`` in order) from the neutral layout."""
    for cell, direction in zip(layer.cells, weights.directions, strict=True):
        cell.set_weights(_to_keras(layer.kind, direction))


def read_torch_weights(layer: RnnLayer) -> list[LayerWeights]:
    """The weights of a PyTorch module, one :class:`LayerWeights` per layer."""
    module = layer.source
    activation = getattr(module, "nonlinearity", "tanh")
    read = []
    for index in range(layer.num_layers):
        directions = []
        for d in range(layer.directions):
            names = torch_param_names(index, d, layer.bias)
            arrays = [getattr(module, name).detach().cpu().numpy().copy() for name in names]
            directions.append(Direction(*arrays, *([None, None] if len(arrays) == 2 else [])))
        input_size = layer.input_size if index == 0 else layer.hidden_size * layer.directions
        one = replace(layer, num_layers=1, input_size=input_size)
        read.append(LayerWeights(one, activation, directions))
    return read


def write_torch_weights(module: Any, read: list[LayerWeights]) -> None:
    """Copy the neutral weights into a PyTorch module's parameters, layer by layer."""
    import torch

    with torch.no_grad():
        for index, weights in enumerate(read):
            bias = weights.layer.bias
            for d, direction in enumerate(weights.directions):
                values = [direction.weight_ih, direction.weight_hh]
                values += [direction.bias_ih, direction.bias_hh] if bias else []
                for name, value in zip(torch_param_names(index, d, bias), values, strict=True):
                    getattr(module, name).copy_(torch.as_tensor(value))


def warn(message: str) -> None:
    """Issue a PortWarning that points at the first line outside lstm_notes (the caller's)."""
    frame, level = sys._getframe(1), 2  # stacklevel 2 is the caller of warn()
    while frame is not None and frame.f_globals.get("__name__", "").startswith("lstm_notes"):
        frame, level = frame.f_back, level + 1
    warnings.warn(message, PortWarning, stacklevel=level)


def signature(weights: LayerWeights, with_hidden_size: bool = True) -> str:
    layer = weights.layer
    size = f"hidden_size={layer.hidden_size}, " if with_hidden_size else ""
    extra = f", nonlinearity={weights.activation!r}" if layer.kind == "SimpleRNN" else ""
    return f"{layer.kind} with {size}bias={layer.bias}, {layer.directions} direction(s){extra}"


def sizes(weights: LayerWeights) -> str:
    """Sizes and the input weight's shape in the layer's own framework, for error messages."""
    layer = weights.layer
    gates = layer.gates * layer.hidden_size
    shape = (
        f"kernel {(layer.input_size, gates)}"
        if layer.framework == "keras"
        else f"weight_ih {(gates, layer.input_size)}"
    )
    return f"input_size={layer.input_size}, hidden_size={layer.hidden_size} ({shape})"
