"""The Keras side of porting: what a Keras layer or stack must be for PyTorch to compute it.

:func:`read_keras` checks a built Keras layer (or a list forming a stack) and returns its weights
in the neutral layout of :mod:`lstm_notes._port_weights`, refusing with :class:`PortError` what no
PyTorch module computes and warning (:class:`PortWarning`) about what only training would notice.
:func:`new_keras_layer` builds the Keras layer for given weights.
"""

from __future__ import annotations

from typing import Any

from lstm_notes._layer import TORCH_CLASS, RnnLayer, read_layer, read_stack
from lstm_notes._port_weights import (
    NOT_RECURRENT,
    LayerWeights,
    keras_arrays,
    read_keras_weights,
    signature,
    warn,
    write_keras_weights,
)
from lstm_notes.errors import PortError

__all__ = ["new_keras_layer", "read_keras"]


def _check_directions(layer: RnnLayer) -> None:
    """Refuse ``go_backwards`` that PyTorch cannot express, in a layer or a Bidirectional."""
    flags = [bool(cell.go_backwards) for cell in layer.cells]
    if flags == [False] or flags == [False, True]:
        return
    name = layer.source.name
    if len(flags) == 1:
        raise PortError(
            f"Keras layer {name!r} has go_backwards=True, which PyTorch has no argument for; "
            "port it with go_backwards=False and reverse the time axis yourself "
            "(torch.flip(x, dims=[1]) on a batch-first input), or use keras.layers.Bidirectional"
        )
    raise PortError(
        f"Bidirectional {name!r} has forward_layer.go_backwards={flags[0]} and "
        f"backward_layer.go_backwards={flags[1]}; PyTorch's bidirectional module runs its first "
        "direction forward and its second backward, so only go_backwards=False forward and True "
        "backward port. Build the Bidirectional from a layer with go_backwards=False"
    )


def _keras_activation(cell: Any, kind: str) -> str:
    """Refuse non-default activations; return the nonlinearity name (tanh or relu)."""
    config = cell.get_config()
    activation = config.get("activation")
    if kind == "SimpleRNN":
        if activation not in ("tanh", "relu"):
            raise PortError(
                f"Keras SimpleRNN {cell.name!r} has activation={activation!r}; PyTorch nn.RNN "
                "supports only nonlinearity='tanh' or 'relu', so use one of those"
            )
        return str(activation)
    recurrent = config.get("recurrent_activation")
    if (activation, recurrent) != ("tanh", "sigmoid"):
        raise PortError(
            f"Keras {kind} {cell.name!r} has activation={activation!r}, "
            f"recurrent_activation={recurrent!r}; PyTorch nn.{kind} is fixed to tanh and sigmoid, "
            "so only activation='tanh', recurrent_activation='sigmoid' (the Keras defaults) port"
        )
    if kind == "GRU" and not config.get("reset_after", True):
        raise PortError(
            f"Keras GRU {cell.name!r} has reset_after=False (reset gate applied before the "
            "recurrent matrix multiplication); PyTorch nn.GRU always applies it after, so no "
            "weights reproduce it. Use reset_after=True (the Keras default) and retrain"
        )
    return "tanh"


def _warn_keras_training(cell: Any, kind: str) -> None:
    if cell.dropout or cell.recurrent_dropout:
        warn(
            f"Keras {kind} {cell.name!r} has dropout={cell.dropout}, recurrent_dropout="
            f"{cell.recurrent_dropout}: this per-time-step dropout inside the recurrence is not "
            f"carried, because nn.{TORCH_CLASS[kind]} has none (its `dropout` acts only between "
            "stacked layers). Outputs agree at inference; to train with it in PyTorch, write the "
            "time loop over a cell and apply your own masks"
        )
    if cell.stateful:
        warn(
            f"Keras {kind} {cell.name!r} is stateful: PyTorch modules keep no state between calls, "
            "so pass the returned final states back in as the initial states yourself"
        )


def _read_keras_layer(layer: RnnLayer, source: bool) -> LayerWeights:
    _check_directions(layer)
    activations = {_keras_activation(cell, layer.kind) for cell in layer.cells}
    for cell in layer.cells:
        if not cell.built or not keras_arrays(cell):
            raise PortError(
                f"Keras layer {cell.name!r} is not built, so it has no weights yet; call it once "
                "on an input, or on keras.Input(shape=(seq_len, input_size)), before porting"
            )
        if source:
            _warn_keras_training(cell, layer.kind)
    forward, backward = layer.cells[0], layer.cells[-1]
    if (
        len(activations) > 1
        or layer.hidden_size != layer.backward_size
        or (forward.use_bias != backward.use_bias)
    ):
        raise PortError(
            f"Bidirectional {layer.source.name!r} has different forward and backward layers "
            f"(units {layer.hidden_size} and {layer.backward_size}, use_bias {forward.use_bias} "
            f"and {backward.use_bias}, activations {sorted(activations)}); PyTorch uses one "
            "configuration for both directions"
        )
    return read_keras_weights(layer, activations.pop())


def _check_keras_stack(read: list[LayerWeights]) -> None:
    """A list of Keras layers must be what one PyTorch module with num_layers > 1 computes."""
    first = read[0]
    for index, weights in enumerate(read):
        if signature(weights) != signature(first):
            raise PortError(
                f"layer {index} of the stack is {signature(weights)} but layer 0 is "
                f"{signature(first)}; one PyTorch module needs the same kind, hidden_size, "
                "bias and direction count in every layer, so port such layers one by one"
            )
        if index < len(read) - 1 and weights.layer.merge_mode != "concat":
            raise PortError(
                f"layer {index} of the stack ({weights.layer.source.name!r}) has merge_mode="
                f"{weights.layer.merge_mode!r}; inside a PyTorch stack the two directions are "
                "always concatenated, so intermediate layers need merge_mode='concat'"
            )


def read_keras(obj: Any, source: bool, needed_by: str) -> list[LayerWeights]:
    layers = (
        read_stack(obj, needed_by, error=PortError, hint=NOT_RECURRENT)
        if isinstance(obj, list | tuple)
        else [read_layer(obj, needed_by, NOT_RECURRENT)]
    )
    read = [_read_keras_layer(layer, source) for layer in layers]
    _check_keras_stack(read)
    last = layers[-1]
    if last.merge_mode != "concat":
        warn(
            f"Bidirectional {last.source.name!r} has merge_mode={last.merge_mode!r}; the weights "
            "are carried, but PyTorch always concatenates the two directions (forward first), so "
            "combine output[..., :hidden_size] and output[..., hidden_size:] yourself"
        )
    return read


def new_keras_layer(weights: LayerWeights, return_sequences: bool, return_state: bool) -> Any:
    import keras

    spec = weights.layer
    cls = getattr(keras.layers, spec.kind)
    options: dict[str, Any] = {"return_sequences": return_sequences, "return_state": return_state}
    if spec.kind == "SimpleRNN":
        options["activation"] = weights.activation
    layer = cls(spec.hidden_size, use_bias=spec.bias, **options)
    if spec.bidirectional:
        layer = keras.layers.Bidirectional(layer, merge_mode="concat")
    layer.build((None, None, spec.input_size))
    write_keras_weights(read_layer(layer), weights)
    return layer
