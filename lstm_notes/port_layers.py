"""One translator per supported Keras layer: PyTorch code for its forward pass, and its weights.

A translator takes the Keras layer and a :class:`Call` (the Python names of its inputs, mask,
initial states and outputs in the generated ``forward``) and returns an :class:`Emitted`: the
lines of ``forward`` and the submodules (constructor source plus a module holding the weights)
that those lines use. :func:`problems` says, before anything is translated, what in a layer
cannot be ported, so that one :class:`~lstm_notes.errors.PortError` can name every offender.
The mask ops that Keras records in a functional graph are in :mod:`lstm_notes.port_ops`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from lstm_notes.compare import to_numpy
from lstm_notes.port_ops import ACTIVATIONS, activation_code
from lstm_notes.port_recurrent import RECURRENT, recurrent_problems, translate_recurrent


@dataclass
class Call:
    """Names in the generated ``forward`` for one call of a layer."""

    inputs: list[str]
    outputs: list[str]
    attr: str
    mask: str | None = None
    initial_state: list[str] | None = None
    ranks: list[int] = field(default_factory=list)
    new_name: Callable[[str], str] = str


@dataclass
class Emitted:
    """What one layer call contributes to the generated module."""

    lines: list[str]
    modules: dict[str, tuple[str, Any]] = field(default_factory=dict)


def _tensor(array: Any) -> Any:
    """A float32 torch tensor that owns a copy (a JAX array reads as a read-only NumPy array,
    which ``torch.from_numpy`` warns about)."""
    import torch

    return torch.from_numpy(np.asarray(array, dtype=np.float32).copy(order="C"))


def _with_weights(module: Any, weights: dict[str, Any]) -> Any:
    import torch

    with torch.no_grad():
        for name, value in weights.items():
            getattr(module, name).copy_(_tensor(value))
    return module


def _assign(call: Call, expression: str) -> Emitted:
    return Emitted([f"{call.outputs[0]} = {expression}"])


def _dense(layer: Any, call: Call) -> Emitted:
    import torch

    dense = getattr(layer, "layer", layer)  # TimeDistributed(Dense) is Dense on the last axis
    kernel = to_numpy(dense.kernel)
    bias = dense.use_bias
    linear = torch.nn.Linear(kernel.shape[0], kernel.shape[1], bias=bias)
    weights = {"weight": kernel.T} | ({"bias": to_numpy(dense.bias)} if bias else {})
    source = f"nn.Linear({kernel.shape[0]}, {kernel.shape[1]}, bias={bias})"
    expression = activation_code(_activation_name(dense), f"self.{call.attr}({call.inputs[0]})")
    return Emitted(
        [f"{call.outputs[0]} = {expression}"],
        {call.attr: (source, _with_weights(linear, weights))},
    )


def _embedding(layer: Any, call: Call) -> Emitted:
    import torch

    table = to_numpy(layer.embeddings)
    module = _with_weights(torch.nn.Embedding(*table.shape), {"weight": table})
    return Emitted(
        [f"{call.outputs[0]} = self.{call.attr}({call.inputs[0]}.long())"],
        {call.attr: (f"nn.Embedding({table.shape[0]}, {table.shape[1]})", module)},
    )


def _masking(layer: Any, call: Call) -> Emitted:
    x = call.inputs[0]
    keep = f"({x} != {float(layer.mask_value)!r}).any(dim=-1, keepdim=True)"
    return _assign(call, f"torch.where({keep}, {x}, 0.0)")


def _identity(layer: Any, call: Call) -> Emitted:
    return Emitted(
        [f"{call.outputs[0]} = {call.inputs[0]}  # {type(layer).__name__}: identity at inference"]
    )


def _dropout(layer: Any, call: Call) -> Emitted:
    import torch

    return Emitted(
        [f"{call.outputs[0]} = self.{call.attr}({call.inputs[0]})"],
        {call.attr: (f"nn.Dropout({float(layer.rate)!r})", torch.nn.Dropout(float(layer.rate)))},
    )


def _activation_name(layer: Any) -> str:
    from keras import activations

    return str(activations.serialize(layer.activation))


def _activation(layer: Any, call: Call) -> Emitted:
    return _assign(call, activation_code(_activation_name(layer), call.inputs[0]))


def _repeat_vector(layer: Any, call: Call) -> Emitted:
    return _assign(call, f"{call.inputs[0]}.unsqueeze(1).repeat(1, {int(layer.n)}, 1)")


def _flatten(layer: Any, call: Call) -> Emitted:
    return _assign(call, f"{call.inputs[0]}.flatten(1)")


def _reshape(layer: Any, call: Call) -> Emitted:
    shape = ", ".join(str(int(d)) for d in layer.target_shape)
    return _assign(call, f"{call.inputs[0]}.reshape({call.inputs[0]}.shape[0], {shape})")


def _merge(operator: str) -> Callable[[Any, Call], Emitted]:
    def translate(layer: Any, call: Call) -> Emitted:
        joined = f" {operator} ".join(call.inputs)
        if type(layer).__name__ == "Average":
            joined = f"({joined}) / {len(call.inputs)}"
        return _assign(call, joined)

    return translate


def _concatenate(layer: Any, call: Call) -> Emitted:
    return _assign(call, f"torch.cat([{', '.join(call.inputs)}], dim={int(layer.axis)})")


def _global_average(layer: Any, call: Call) -> Emitted:
    x, keep = call.inputs[0], bool(layer.keepdims)
    if call.mask is None:
        return _assign(call, f"{x}.mean(dim=1, keepdim={keep})")
    steps = call.new_name("steps")
    total = f"torch.where({steps}, {x}, 0.0).sum(dim=1, keepdim={keep})"
    count = f"{steps}.sum(dim=1, keepdim={keep})"
    return Emitted(
        [f"{steps} = {call.mask}.unsqueeze(-1)", f"{call.outputs[0]} = {total} / {count}"]
    )


def _global_max(layer: Any, call: Call) -> Emitted:
    return _assign(call, f"{call.inputs[0]}.amax(dim=1, keepdim={bool(layer.keepdims)})")


def _channels_first(expression: str) -> str:
    return f"{expression}.transpose(1, 2)"


def _same_padding(call: Call, window: int, stride: int) -> tuple[str, str]:
    """TensorFlow's ``padding="same"``: the line computing it, and the ``F.pad`` amounts.

    The total depends on the input's length; an odd step goes at the end.
    """
    pad, steps = call.new_name(f"{call.outputs[0]}_padding"), f"{call.inputs[0]}.shape[1]"
    line = f"{pad} = max((-(-{steps} // {stride}) - 1) * {stride} + {window} - {steps}, 0)"
    return line, f"({pad} // 2, {pad} - {pad} // 2)"


def _conv1d(layer: Any, call: Call) -> Emitted:
    import torch

    kernel = to_numpy(layer.kernel)  # (kernel_size, input_size / groups, filters)
    size, _, filters = kernel.shape
    (stride,), (dilation,) = layer.strides, layer.dilation_rate
    channels = kernel.shape[1] * layer.groups
    padding = "same" if layer.padding == "same" and stride == 1 else "valid"
    options = f"stride={stride}, padding={padding!r}, dilation={dilation}, groups={layer.groups}"
    source = f"nn.Conv1d({channels}, {filters}, {size}, {options}, bias={layer.use_bias})"
    module = torch.nn.Conv1d(
        channels,
        filters,
        size,
        stride=stride,
        padding=padding,
        dilation=dilation,
        groups=layer.groups,
        bias=layer.use_bias,
    )
    weights = {"weight": kernel.transpose(2, 1, 0)}
    if layer.use_bias:
        weights["bias"] = to_numpy(layer.bias)
    x, lines = _channels_first(call.inputs[0]), []
    if layer.padding == "causal":
        x = f"F.pad({x}, ({dilation * (size - 1)}, 0))"
    elif layer.padding == "same" and stride > 1:
        line, amounts = _same_padding(call, dilation * (size - 1) + 1, stride)
        lines.append(line)
        x = f"F.pad({x}, {amounts})"
    expression = _channels_first(f"self.{call.attr}({x})")
    lines.append(f"{call.outputs[0]} = {activation_code(_activation_name(layer), expression)}")
    return Emitted(lines, {call.attr: (source, _with_weights(module, weights))})


def _pooling(function: str) -> Callable[[Any, Call], Emitted]:
    def translate(layer: Any, call: Call) -> Emitted:
        (size,), (stride,) = layer.pool_size, layer.strides
        x = _channels_first(call.inputs[0])
        if layer.padding == "valid":
            return _assign(call, _channels_first(f"F.{function}({x}, {size}, {stride})"))
        line, amounts = _same_padding(call, size, stride)
        if function == "max_pool1d":  # the padding never wins a maximum
            pooled = f"F.max_pool1d(F.pad({x}, {amounts}, value=float('-inf')), {size}, {stride})"
        else:  # TensorFlow averages over the real steps in each window only
            total = f"F.avg_pool1d(F.pad({x}, {amounts}), {size}, {stride})"
            ones = f"torch.ones_like({x}[:, :1])"
            pooled = f"({total} / F.avg_pool1d(F.pad({ones}, {amounts}), {size}, {stride}))"
        return Emitted([line, f"{call.outputs[0]} = {_channels_first(pooled)}"])

    return translate


def _layer_normalization(layer: Any, call: Call) -> Emitted:
    import torch

    size = int(layer.gamma.shape[0] if layer.scale else layer.beta.shape[0])
    affine, bias = bool(layer.scale), bool(layer.center)
    module = torch.nn.LayerNorm(
        size, eps=float(layer.epsilon), elementwise_affine=affine, bias=bias
    )
    weights = ({"weight": layer.gamma} if affine else {}) | ({"bias": layer.beta} if bias else {})
    source = f"nn.LayerNorm({size}, eps={float(layer.epsilon)!r}, elementwise_affine={affine}"
    source += f", bias={bias})"
    return Emitted(
        [f"{call.outputs[0]} = self.{call.attr}({call.inputs[0]})"],
        {call.attr: (source, _with_weights(module, weights))},
    )


def _batch_normalization(layer: Any, call: Call) -> Emitted:
    import torch

    size = int(layer.moving_mean.shape[0])
    eps, momentum = float(layer.epsilon), round(1.0 - float(layer.momentum), 8)
    module = torch.nn.BatchNorm1d(size, eps=eps, momentum=momentum, affine=True)
    ones, zeros = np.ones(size), np.zeros(size)
    weights = {
        "weight": layer.gamma if layer.scale else ones,
        "bias": layer.beta if layer.center else zeros,
        "running_mean": layer.moving_mean,
        "running_var": layer.moving_variance,
    }
    x = call.inputs[0]
    expression = f"self.{call.attr}({x})"
    if call.ranks[0] == 3:
        expression = _channels_first(f"self.{call.attr}({_channels_first(x)})")
    source = f"nn.BatchNorm1d({size}, eps={eps!r}, momentum={momentum!r})"
    return Emitted(
        [f"{call.outputs[0]} = {expression}"], {call.attr: (source, _with_weights(module, weights))}
    )


TRANSLATORS: dict[str, Callable[[Any, Call], Emitted]] = {
    "Activation": _activation,
    "Add": _merge("+"),
    "Average": _merge("+"),
    "AveragePooling1D": _pooling("avg_pool1d"),
    "BatchNormalization": _batch_normalization,
    "Concatenate": _concatenate,
    "Conv1D": _conv1d,
    "Dense": _dense,
    "Dropout": _dropout,
    "Embedding": _embedding,
    "Flatten": _flatten,
    "GaussianDropout": _identity,
    "GaussianNoise": _identity,
    "GlobalAveragePooling1D": _global_average,
    "GlobalMaxPooling1D": _global_max,
    "LayerNormalization": _layer_normalization,
    "Masking": _masking,
    "MaxPooling1D": _pooling("max_pool1d"),
    "Multiply": _merge("*"),
    "RepeatVector": _repeat_vector,
    "Reshape": _reshape,
    "SpatialDropout1D": _identity,
    "Subtract": _merge("-"),
    "TimeDistributed": _dense,
} | dict.fromkeys(RECURRENT, translate_recurrent)


def _layer_problems(layer: Any) -> list[str]:
    """What in a layer of a supported class cannot be ported (empty when all is well)."""
    kind = type(layer).__name__
    config = layer.get_config()
    found = []
    activation = config.get("activation")
    if activation is not None and (
        not isinstance(activation, str) or activation not in ACTIVATIONS
    ):
        found.append(f"activation={activation!r} (supported: {', '.join(sorted(ACTIVATIONS))})")
    if kind == "TimeDistributed" and type(layer.layer).__name__ != "Dense":
        found.append(f"it wraps {type(layer.layer).__name__}; only TimeDistributed(Dense) ports")
    elif kind == "TimeDistributed":
        found += _layer_problems(layer.layer)
    if config.get("data_format", "channels_last") != "channels_last":
        found.append("data_format='channels_first' (only channels_last ports)")
    if kind == "LayerNormalization" and (config.get("rms_scaling") or _axes(config) != [-1]):
        found.append("rms_scaling or an axis other than -1 (only the last axis ports)")
    if kind == "BatchNormalization" and config.get("axis") not in (-1, [-1]):
        found.append(f"axis={config.get('axis')!r} (only axis=-1 ports)")
    if kind == "Concatenate" and config["axis"] not in (-1, 1, 2):
        found.append(f"axis={config['axis']} (supported: -1, 1, 2)")
    if kind in RECURRENT:
        found += recurrent_problems(layer)
    return found


def _axes(config: dict[str, Any]) -> list[int]:
    axis = config.get("axis", -1)
    return list(axis) if isinstance(axis, (list, tuple)) else [axis]


def problems(layer: Any) -> list[str]:
    """Why ``layer`` cannot be ported, as phrases; empty when it can.

    >>> import keras
    >>> problems(keras.layers.GRU(2, reset_after=False))
    ['reset_after=False (nn.GRU always applies the reset gate after)']
    >>> problems(keras.layers.Dense(2)), problems(keras.layers.Conv2D(2, 3))
    ([], ['this layer type is not supported'])
    """
    kind = type(layer).__name__
    if kind not in TRANSLATORS:
        return ["this layer type is not supported"]
    return _layer_problems(layer)
