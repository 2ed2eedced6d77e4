"""Move recurrent-layer weights between Keras 3 and PyTorch, so both give the same numbers.

Three functions do the work:

- :func:`keras_to_torch` turns a built Keras ``LSTM``/``GRU``/``SimpleRNN`` (or a ``Bidirectional``
  of one, or a list of them forming a stack) into ``nn.LSTM``/``nn.GRU``/``nn.RNN``;
- :func:`torch_to_keras` turns such a PyTorch module into built Keras layers;
- :func:`copy_weights` copies weights between objects you built yourself, in either direction.

What they take care of
----------------------
- **Transposed kernels.** Keras stores ``kernel`` as ``(input_size, gates * hidden_size)``; PyTorch
  stores ``weight_ih`` as ``(gates * hidden_size, input_size)``. The same holds for the recurrent
  matrices.
- **Gate order.** LSTM gates are in the same order in both (input, forget, cell candidate, output).
  GRU gates are not: Keras stores ``z, r, h`` (update, reset, candidate), PyTorch ``r, z, n``.
- **Biases.** Keras has one bias per direction, PyTorch two (``bias_ih`` and ``bias_hh``) that are
  always added together for LSTM and SimpleRNN. Going to Keras they are folded (summed); going to
  PyTorch the whole bias goes into ``bias_ih`` and ``bias_hh`` is zero. A Keras GRU with
  ``reset_after=True`` (the default) has a ``(2, 3 * hidden_size)`` bias whose two rows are exactly
  PyTorch's ``bias_ih`` and ``bias_hh``, so they are copied row by row (gate order fixed).
- ``use_bias=False`` corresponds to ``bias=False``; a SimpleRNN with ``activation="tanh"`` or
  ``"relu"`` corresponds to ``nn.RNN(nonlinearity=...)``.

What they refuse (:class:`PortError`) and warn about (:class:`PortWarning`)
---------------------------------------------------------------------------
Refused, because no weights in the other framework compute the same function: a Keras GRU
with ``reset_after=False``, activations other than the defaults (``tanh`` plus ``sigmoid`` gates;
SimpleRNN may use ``relu``), ``go_backwards=True`` outside ``Bidirectional``, an LSTM with
``proj_size > 0``, mismatched sizes, unbuilt Keras layers, and any other layer type. A warning,
because the weights port but training behaves differently: Keras ``dropout``/``recurrent_dropout``
(inside the recurrence, per step) versus PyTorch ``dropout`` (between stacked layers only), a Keras
``stateful`` layer, and a ``Bidirectional`` whose ``merge_mode`` is not ``"concat"``. Masks
(``Embedding(mask_zero=True)``, ``Masking``) are not part of a layer's weights and are not carried
either: in PyTorch use ``torch.nn.utils.rnn.pack_padded_sequence``.
"""

from __future__ import annotations

import sys
import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from collections.abc import Sequence

    import keras
    import torch

__all__ = ["PortError", "PortWarning", "copy_weights", "keras_to_torch", "torch_to_keras"]

_GATES = {"LSTM": 4, "GRU": 3, "RNN": 1}
_KERAS_NAME = {"LSTM": "LSTM", "GRU": "GRU", "RNN": "SimpleRNN"}
_TORCH_NAME = {"LSTM": "nn.LSTM", "GRU": "nn.GRU", "RNN": "nn.RNN"}
_SUPPORTED = (
    "Keras LSTM, GRU, SimpleRNN, a Bidirectional of one of them, or a list of them forming a "
    "stack; PyTorch nn.LSTM, nn.GRU or nn.RNN"
)


class PortError(ValueError):
    """A layer or module cannot be ported; the message says why and what would work.

    >>> raise PortError("GRU reset_after=False has no PyTorch equivalent")
    Traceback (most recent call last):
    ...
    lstm_notes.port.PortError: GRU reset_after=False has no PyTorch equivalent
    """


class PortWarning(UserWarning):
    """The weights were ported, but something about training is not carried over.

    >>> issubclass(PortWarning, UserWarning)
    True
    """


@dataclass
class _Direction:
    """One direction of one layer, in PyTorch layout and PyTorch gate order."""

    weight_ih: np.ndarray
    weight_hh: np.ndarray
    bias_ih: np.ndarray | None
    bias_hh: np.ndarray | None


@dataclass
class _Layer:
    """One (possibly bidirectional) recurrent layer, framework-neutral."""

    kind: str
    input_size: int
    hidden_size: int
    bias: bool
    nonlinearity: str
    directions: list[_Direction]

    def sizes(self) -> str:
        """Sizes and weight shapes in both frameworks' terms, for error messages."""
        gates = _GATES[self.kind] * self.hidden_size
        keras_shape, torch_shape = (self.input_size, gates), (gates, self.input_size)
        return (
            f"input_size={self.input_size}, hidden_size={self.hidden_size} "
            f"(Keras kernel {keras_shape}, PyTorch weight_ih {torch_shape})"
        )


# ----------------------------------------------------------------------------- layout helpers


def _swap_gru_gates(kind: str, array: np.ndarray) -> np.ndarray:
    """Swap the first two gate blocks along the last axis for a GRU (z, r, h <-> r, z, n)."""
    if kind != "GRU":
        return array
    first, second, third = np.split(array, 3, axis=-1)
    return np.concatenate([second, first, third], axis=-1)


def _from_keras_weights(kind: str, weights: list[np.ndarray]) -> _Direction:
    """Keras ``[kernel, recurrent_kernel, (bias)]`` to PyTorch layout and gate order."""
    kernel, recurrent_kernel, *rest = weights
    weight_ih = np.ascontiguousarray(_swap_gru_gates(kind, kernel).T)
    weight_hh = np.ascontiguousarray(_swap_gru_gates(kind, recurrent_kernel).T)
    if not rest:
        return _Direction(weight_ih, weight_hh, None, None)
    bias = _swap_gru_gates(kind, rest[0])
    if kind == "GRU":
        return _Direction(weight_ih, weight_hh, bias[0].copy(), bias[1].copy())
    return _Direction(weight_ih, weight_hh, bias.copy(), np.zeros_like(bias))


def _to_keras_weights(kind: str, direction: _Direction) -> list[np.ndarray]:
    """PyTorch layout to Keras ``[kernel, recurrent_kernel, (bias)]``."""
    kernel = _swap_gru_gates(kind, direction.weight_ih.T)
    recurrent_kernel = _swap_gru_gates(kind, direction.weight_hh.T)
    if direction.bias_ih is None or direction.bias_hh is None:
        return [kernel, recurrent_kernel]
    if kind == "GRU":
        bias = np.stack([direction.bias_ih, direction.bias_hh])
    else:
        bias = direction.bias_ih + direction.bias_hh
    return [kernel, recurrent_kernel, _swap_gru_gates(kind, bias)]


def _is_torch(obj: object) -> bool:
    torch = sys.modules.get("torch")
    return torch is not None and isinstance(obj, torch.nn.Module)


def _is_keras(obj: object) -> bool:
    keras = sys.modules.get("keras")
    if isinstance(obj, (list, tuple)):
        return len(obj) > 0 and all(_is_keras(item) for item in obj)
    return keras is not None and isinstance(obj, keras.layers.Layer)


def _unsupported(obj: object) -> PortError:
    return PortError(
        f"cannot port {type(obj).__name__}: supported are {_SUPPORTED}. Embedding and Dense/Linear "
        "layers need no helper: an embedding table has the same layout in both frameworks, and a "
        "Keras Dense kernel is the transpose of nn.Linear.weight"
    )


# ----------------------------------------------------------------------------- Keras side


def _keras_kind(rnn: Any) -> str:
    import keras

    for kind, cls in (
        ("LSTM", keras.layers.LSTM),
        ("GRU", keras.layers.GRU),
        ("RNN", keras.layers.SimpleRNN),
    ):
        if isinstance(rnn, cls):
            return kind
    raise _unsupported(rnn)


def _keras_directions(layer: Any) -> list[Any]:
    """The plain recurrent layers inside ``layer``: one, or two for ``Bidirectional``."""
    import keras

    if isinstance(layer, keras.layers.Bidirectional):
        return [layer.forward_layer, layer.backward_layer]
    _keras_kind(layer)
    if layer.go_backwards:
        raise PortError(
            f"Keras layer {layer.name!r} has go_backwards=True, which PyTorch has no argument for; "
            "port it with go_backwards=False and reverse the time axis yourself "
            "(torch.flip(x, dims=[1]) on a batch-first input), or use keras.layers.Bidirectional"
        )
    return [layer]


def _check_keras_activations(rnn: Any, kind: str) -> str:
    """Refuse non-default activations; return the nonlinearity name for SimpleRNN."""
    config = rnn.get_config()
    activation = config.get("activation")
    if kind == "RNN":
        if activation not in ("tanh", "relu"):
            raise PortError(
                f"Keras SimpleRNN {rnn.name!r} has activation={activation!r}; PyTorch nn.RNN "
                "supports only nonlinearity='tanh' or 'relu', so use one of those"
            )
        return str(activation)
    recurrent = config.get("recurrent_activation")
    if (activation, recurrent) != ("tanh", "sigmoid"):
        raise PortError(
            f"Keras {kind} {rnn.name!r} has activation={activation!r}, "
            f"recurrent_activation={recurrent!r}; PyTorch nn.{kind} is fixed to tanh and sigmoid, "
            "so only activation='tanh', recurrent_activation='sigmoid' (the Keras defaults) port"
        )
    if kind == "GRU" and not config.get("reset_after", True):
        raise PortError(
            f"Keras GRU {rnn.name!r} has reset_after=False (reset gate applied before the "
            "recurrent matrix multiplication); PyTorch nn.GRU always applies it after, so no "
            "weights reproduce it. Use reset_after=True (the Keras default) and retrain"
        )
    return "tanh"


def _warn_keras_training(rnn: Any, kind: str) -> None:
    if rnn.dropout or rnn.recurrent_dropout:
        warnings.warn(
            f"Keras {kind} {rnn.name!r} has dropout={rnn.dropout}, recurrent_dropout="
            f"{rnn.recurrent_dropout}: this per-time-step dropout inside the recurrence is not "
            f"carried, because {_TORCH_NAME[kind]} has none (its `dropout` acts only between "
            "stacked layers). Outputs agree at inference; to train with it in PyTorch, write the "
            "time loop over a cell and apply your own masks",
            PortWarning,
            stacklevel=4,
        )
    if rnn.stateful:
        warnings.warn(
            f"Keras {kind} {rnn.name!r} is stateful: PyTorch modules keep no state between calls, "
            "so pass the returned final states back in as the initial states yourself",
            PortWarning,
            stacklevel=4,
        )


def _read_keras_direction(rnn: Any) -> _Layer:
    kind = _keras_kind(rnn)
    nonlinearity = _check_keras_activations(rnn, kind)
    weights = rnn.get_weights()
    if not rnn.built or not weights:
        raise PortError(
            f"Keras layer {rnn.name!r} is not built, so it has no weights yet; call it once on an "
            "input, or on keras.Input(shape=(seq_len, input_size)), before porting"
        )
    _warn_keras_training(rnn, kind)
    direction = _from_keras_weights(kind, weights)
    return _Layer(
        kind=kind,
        input_size=int(weights[0].shape[0]),
        hidden_size=int(rnn.units),
        bias=bool(rnn.use_bias),
        nonlinearity=nonlinearity,
        directions=[direction],
    )


def _read_keras_layer(layer: Any) -> _Layer:
    read = [_read_keras_direction(rnn) for rnn in _keras_directions(layer)]
    first = read[0]
    for other in read[1:]:
        if _describe_config(other) != _describe_config(first):
            raise PortError(
                f"Bidirectional {layer.name!r} has different forward and backward layers "
                f"({_describe_config(first)} vs {_describe_config(other)}); PyTorch uses one "
                "configuration for both directions"
            )
        first.directions += other.directions
    return first


def _describe_config(layer: _Layer, with_hidden_size: bool = True) -> str:
    size = f"hidden_size={layer.hidden_size}, " if with_hidden_size else ""
    extra = f", nonlinearity={layer.nonlinearity!r}" if layer.kind == "RNN" else ""
    return f"{layer.kind} with {size}bias={layer.bias}, {len(layer.directions)} direction(s){extra}"


def _merge_mode(layer: Any) -> str | None:
    import keras

    if isinstance(layer, keras.layers.Bidirectional):
        return layer.merge_mode
    return "concat"


def _check_keras_stack(layers: Sequence[Any], read: list[_Layer]) -> None:
    """A list of Keras layers must be what one PyTorch module with num_layers > 1 computes."""
    first = read[0]
    for index, (layer, spec) in enumerate(zip(layers, read, strict=True)):
        if _describe_config(spec) != _describe_config(first):
            raise PortError(
                f"layer {index} of the stack is {_describe_config(spec)} but layer 0 is "
                f"{_describe_config(first)}; one PyTorch module needs the same kind, hidden_size, "
                "bias and direction count in every layer, so port such layers one by one"
            )
        if index == len(layers) - 1:
            break
        if not layer.return_sequences:
            raise PortError(
                f"layer {index} of the stack ({layer.name!r}) has return_sequences=False, so it "
                "cannot feed the next recurrent layer; every layer but the last needs "
                "return_sequences=True"
            )
        if _merge_mode(layer) != "concat":
            raise PortError(
                f"layer {index} of the stack ({layer.name!r}) has merge_mode="
                f"{_merge_mode(layer)!r}; inside a PyTorch stack the two directions are always "
                "concatenated, so intermediate layers need merge_mode='concat'"
            )
        expected = spec.hidden_size * len(spec.directions)
        if read[index + 1].input_size != expected:
            raise PortError(
                f"layer {index + 1} of the stack has input_size={read[index + 1].input_size} but "
                f"layer {index} outputs {expected} features; the layers must be in calling order"
            )


def _read_keras(obj: Any) -> list[_Layer]:
    layers = list(obj) if isinstance(obj, (list, tuple)) else [obj]
    if not layers:
        raise PortError(f"got an empty list; expected {_SUPPORTED}")
    read = [_read_keras_layer(layer) for layer in layers]
    _check_keras_stack(layers, read)
    last = layers[-1]
    if _merge_mode(last) != "concat":
        warnings.warn(
            f"Bidirectional {last.name!r} has merge_mode={_merge_mode(last)!r}; the weights are "
            "carried, but PyTorch always concatenates the two directions (forward first), so "
            "combine output[..., :hidden_size] and output[..., hidden_size:] yourself",
            PortWarning,
            stacklevel=3,
        )
    return read


def _write_keras(obj: Any, read: list[_Layer]) -> None:
    layers = list(obj) if isinstance(obj, (list, tuple)) else [obj]
    for layer, spec in zip(layers, read, strict=True):
        for rnn, direction in zip(_keras_directions(layer), spec.directions, strict=True):
            rnn.set_weights(_to_keras_weights(spec.kind, direction))


def _new_keras_layer(spec: _Layer, return_sequences: bool, return_state: bool) -> Any:
    import keras

    cls = getattr(keras.layers, _KERAS_NAME[spec.kind])
    options: dict[str, Any] = {"return_sequences": return_sequences, "return_state": return_state}
    if spec.kind == "RNN":
        options["activation"] = spec.nonlinearity
    layer = cls(spec.hidden_size, use_bias=spec.bias, **options)
    if len(spec.directions) == 2:
        layer = keras.layers.Bidirectional(layer, merge_mode="concat")
    layer.build((None, None, spec.input_size))
    _write_keras(layer, [spec])
    return layer


# ----------------------------------------------------------------------------- PyTorch side


def _torch_kind(module: Any) -> str:
    import torch

    for kind, cls in (("LSTM", torch.nn.LSTM), ("GRU", torch.nn.GRU), ("RNN", torch.nn.RNN)):
        if isinstance(module, cls):
            return kind
    raise _unsupported(module)


def _param_names(layer: int, direction: int, bias: bool) -> list[str]:
    suffix = f"_l{layer}" + ("_reverse" if direction else "")
    names = ["weight_ih", "weight_hh"] + (["bias_ih", "bias_hh"] if bias else [])
    return [name + suffix for name in names]


def _read_torch(module: Any) -> list[_Layer]:
    kind = _torch_kind(module)
    if getattr(module, "proj_size", 0) > 0:
        raise PortError(
            f"nn.LSTM has proj_size={module.proj_size}: the projected hidden state feeds back into "
            "the recurrence, and Keras LSTM has no projection, so no Keras layer (nor an LSTM "
            "followed by a Dense) reproduces it; use proj_size=0"
        )
    if module.dropout and module.num_layers > 1:
        warnings.warn(
            f"{_TORCH_NAME[kind]} has dropout={module.dropout} between its {module.num_layers} "
            "layers; this is not carried into the Keras layers (it only matters in training). "
            f"To train the same way, put keras.layers.Dropout({module.dropout}) between them",
            PortWarning,
            stacklevel=3,
        )
    directions = 2 if module.bidirectional else 1
    read = []
    for index in range(module.num_layers):
        arrays = [
            [getattr(module, name).detach().cpu().numpy().copy() for name in names]
            for names in (_param_names(index, d, module.bias) for d in range(directions))
        ]
        read.append(
            _Layer(
                kind=kind,
                input_size=module.input_size if index == 0 else module.hidden_size * directions,
                hidden_size=module.hidden_size,
                bias=bool(module.bias),
                nonlinearity=getattr(module, "nonlinearity", "tanh"),
                directions=[_Direction(*a, *([None, None] if len(a) == 2 else [])) for a in arrays],
            )
        )
    return read


def _write_torch(module: Any, read: list[_Layer]) -> None:
    import torch

    with torch.no_grad():
        for index, spec in enumerate(read):
            for d, direction in enumerate(spec.directions):
                values = [direction.weight_ih, direction.weight_hh]
                values += [direction.bias_ih, direction.bias_hh] if spec.bias else []
                for name, value in zip(_param_names(index, d, spec.bias), values, strict=True):
                    getattr(module, name).copy_(torch.tensor(value))


def _new_torch_module(read: list[_Layer]) -> torch.nn.Module:
    import torch

    first = read[0]
    cls = {"LSTM": torch.nn.LSTM, "GRU": torch.nn.GRU, "RNN": torch.nn.RNN}[first.kind]
    options: dict[str, Any] = {"nonlinearity": first.nonlinearity} if first.kind == "RNN" else {}
    module = cls(
        input_size=first.input_size,
        hidden_size=first.hidden_size,
        num_layers=len(read),
        bias=first.bias,
        batch_first=True,
        bidirectional=len(first.directions) == 2,
        **options,
    )
    _write_torch(module, read)
    return module.eval()


# ----------------------------------------------------------------------------- public API


def _read_any(obj: Any) -> list[_Layer]:
    if _is_torch(obj):
        return _read_torch(obj)
    if _is_keras(obj):
        return _read_keras(obj)
    raise _unsupported(obj)


def _check_same_structure(src: list[_Layer], dst: list[_Layer]) -> None:
    if len(src) != len(dst):
        raise PortError(
            f"the source has {len(src)} recurrent layer(s) but the destination has {len(dst)}; "
            "build the destination with the same num_layers (or list of layers)"
        )
    for index, (a, b) in enumerate(zip(src, dst, strict=True)):
        if _describe_config(a, False) != _describe_config(b, False):
            raise PortError(
                f"layer {index}: the source is {_describe_config(a, False)} but the destination "
                f"is {_describe_config(b, False)}; build the destination with the same settings"
            )
        if (a.input_size, a.hidden_size) != (b.input_size, b.hidden_size):
            raise PortError(
                f"layer {index}: sizes do not match: the source has {a.sizes()}, the destination "
                f"has {b.sizes()}; build the destination with the same input_size and hidden_size"
            )


def keras_to_torch(layer_or_layers: keras.layers.Layer | Sequence[keras.layers.Layer]) -> Any:
    """Build the PyTorch module that computes what a built Keras recurrent layer computes.

    Parameters
    ----------
    layer_or_layers
        A built Keras ``LSTM``, ``GRU`` or ``SimpleRNN``, a ``Bidirectional`` of one, or a list of
        such layers forming a stack, in calling order. A stack must use one kind, one
        ``units``, one ``use_bias`` (and activation) and one direction count throughout, every
        layer but the last must have ``return_sequences=True``, and intermediate
        ``Bidirectional`` layers ``merge_mode="concat"``, because that is all one PyTorch
        module with ``num_layers > 1`` can express. Port other stacks layer by layer.

    Returns
    -------
    torch.nn.Module
        ``nn.LSTM``, ``nn.GRU`` or ``nn.RNN`` with ``batch_first=True``, ``num_layers`` equal to
        the number of layers, ``bidirectional`` as in Keras, the weights copied, in eval mode.
        It returns the whole sequence and the final states whatever the Keras layer's
        ``return_sequences``/``return_state`` were; Keras' last-step output is ``output[:, -1]``.

    Raises
    ------
    PortError
        For anything PyTorch cannot express (see the module documentation).

    Warns
    -----
    PortWarning
        For training-time behaviour that is not carried (dropout, ``stateful``, ``merge_mode``).

    Examples
    --------
    >>> import keras, numpy as np, torch
    >>> gru = keras.layers.GRU(4)
    >>> x = np.random.default_rng(0).normal(size=(2, 5, 3)).astype("float32")
    >>> keras_out = np.asarray(gru(x))
    >>> module = keras_to_torch(gru)
    >>> module
    GRU(3, 4, batch_first=True)
    >>> torch_out = module(torch.from_numpy(x))[0][:, -1]
    >>> bool(np.allclose(keras_out, torch_out.detach().numpy(), atol=1e-5))
    True
    """
    if not _is_keras(layer_or_layers):
        raise _unsupported(layer_or_layers)
    return _new_torch_module(_read_keras(layer_or_layers))


def torch_to_keras(
    module: torch.nn.Module, *, return_sequences: bool = True, return_state: bool = True
) -> Any:
    """Build Keras layers that compute what a PyTorch ``nn.LSTM``/``nn.GRU``/``nn.RNN`` computes.

    Parameters
    ----------
    module
        The PyTorch module; ``batch_first`` does not matter for the weights, but Keras layers
        always take ``(batch_size, seq_len, input_size)``.
    return_sequences
        For the last (or only) layer. The default returns the whole sequence, as PyTorch does.
        Intermediate layers of a stack always return sequences, since the next layer needs them.
    return_state
        For every layer. With the default each layer returns ``[sequence, *final_states]``
        (``h`` then ``c`` for an LSTM; forward then backward for ``Bidirectional``), the Keras
        counterpart of PyTorch's ``(output, h_n)`` or ``(output, (h_n, c_n))``. Use
        ``return_state=False`` to drop the layers into a ``keras.Sequential``.

    Returns
    -------
    keras.layers.Layer or list of keras.layers.Layer
        For ``num_layers == 1`` one built layer (``LSTM``, ``GRU`` with ``reset_after=True``, or
        ``SimpleRNN``), wrapped in ``Bidirectional(..., merge_mode="concat")`` if the module is
        bidirectional. For ``num_layers > 1`` a list with one such layer per PyTorch layer, to be
        called in order. PyTorch's ``h_n[k]`` (``h_n[2k]``, ``h_n[2k + 1]`` if bidirectional) is
        then the final state returned by layer ``k``.

    Raises
    ------
    PortError
        For other modules and for ``proj_size > 0``.

    Warns
    -----
    PortWarning
        When the module has ``dropout`` between its layers, which is not carried.

    Examples
    --------
    >>> import numpy as np, torch
    >>> _ = torch.manual_seed(0)
    >>> lstm = torch.nn.LSTM(3, 4, batch_first=True)
    >>> layer = torch_to_keras(lstm)
    >>> type(layer).__name__, layer.return_sequences, layer.return_state
    ('LSTM', True, True)
    >>> x = torch.randn(2, 5, 3)
    >>> output, (h_n, c_n) = lstm(x)
    >>> keras_output, keras_h, keras_c = layer(x.numpy())
    >>> bool(np.allclose(np.asarray(keras_c), c_n[0].detach().numpy(), atol=1e-5))
    True
    """
    if not _is_torch(module):
        raise _unsupported(module)
    read = _read_torch(module)
    layers = [
        _new_keras_layer(spec, return_sequences or index < len(read) - 1, return_state)
        for index, spec in enumerate(read)
    ]
    return layers[0] if len(layers) == 1 else layers


def copy_weights(src: Any, dst: Any) -> None:
    """Copy recurrent weights from ``src`` into ``dst``, both already built, in either direction.

    Parameters
    ----------
    src, dst
        Each is a PyTorch ``nn.LSTM``/``nn.GRU``/``nn.RNN`` or a built Keras ``LSTM``/``GRU``/
        ``SimpleRNN``/``Bidirectional`` (or a list of them forming a stack, as for
        :func:`keras_to_torch`). They must have the same kind, sizes, number of layers, bias
        setting and direction count. Copying between two objects of the same framework works too.
        ``dst`` keeps its other settings (a PyTorch module stays in train or eval mode).

    Raises
    ------
    PortError
        When the two do not match (the message names both shapes) or either cannot be ported.

    Examples
    --------
    >>> import keras, torch
    >>> module = torch.nn.RNN(3, 2, nonlinearity="relu")
    >>> layer = keras.layers.SimpleRNN(2, activation="relu")
    >>> layer.build((None, None, 3))
    >>> copy_weights(module, layer)
    >>> bool((layer.get_weights()[0] == module.weight_ih_l0.detach().numpy().T).all())
    True
    >>> wider = keras.layers.SimpleRNN(5, activation="relu")
    >>> wider.build((None, None, 3))
    >>> copy_weights(module, wider)
    Traceback (most recent call last):
    ...
    lstm_notes.port.PortError: layer 0: sizes do not match: the source has input_size=3, ...
    """
    read = _read_any(src)
    target = _read_any(dst)
    _check_same_structure(read, target)
    if _is_torch(dst):
        _write_torch(dst, read)
    else:
        _write_keras(dst, read)
