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
``proj_size > 0``, a ``Bidirectional`` whose directions are not forward then backward or differ in
size or settings, mismatched sizes, and unbuilt Keras layers; any other layer type raises
:class:`~lstm_notes.errors.UnsupportedLayerError`. A warning,
because the weights port but training behaves differently: Keras ``dropout``/``recurrent_dropout``
(inside the recurrence, per step) versus PyTorch ``dropout`` (between stacked layers only), a Keras
``stateful`` layer, and a ``Bidirectional`` whose ``merge_mode`` is not ``"concat"``. Masks
(``Embedding(mask_zero=True)``, ``Masking``) are not part of a layer's weights and are not carried
either: in PyTorch use ``torch.nn.utils.rnn.pack_padded_sequence``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lstm_notes._frameworks import is_keras_layer, is_torch_module, require
from lstm_notes._layer import TORCH_CLASS, read_layer, unsupported
from lstm_notes._port_keras import new_keras_layer, read_keras
from lstm_notes._port_weights import (
    NOT_RECURRENT,
    LayerWeights,
    read_torch_weights,
    signature,
    sizes,
    warn,
    write_keras_weights,
    write_torch_weights,
)
from lstm_notes.errors import PortError, PortWarning

if TYPE_CHECKING:
    from collections.abc import Sequence

    import keras
    import torch

__all__ = ["PortError", "PortWarning", "copy_weights", "keras_to_torch", "torch_to_keras"]

_KERAS = (
    "a built Keras LSTM, GRU or SimpleRNN, a Bidirectional of one, or a list of them forming a "
    "stack"
)
_TORCH = "a PyTorch nn.LSTM, nn.GRU or nn.RNN"


# ----------------------------------------------------------------------------- PyTorch side


def _read_torch(module: Any, source: bool, needed_by: str) -> list[LayerWeights]:
    layer = read_layer(module, needed_by, NOT_RECURRENT)
    if layer.proj_size > 0:
        raise PortError(
            f"nn.LSTM has proj_size={layer.proj_size}: the projected hidden state feeds back into "
            "the recurrence, and Keras LSTM has no projection, so no Keras layer (nor an LSTM "
            "followed by a Dense) reproduces it; use proj_size=0"
        )
    if source and module.dropout and layer.num_layers > 1:
        warn(
            f"{layer.class_name} has dropout={module.dropout} between its {layer.num_layers} "
            "layers; this is not carried into the Keras layers (it only matters in training). "
            f"To train the same way, put keras.layers.Dropout({module.dropout}) between them"
        )
    return read_torch_weights(layer)


def _new_torch_module(read: list[LayerWeights]) -> torch.nn.Module:
    import torch

    first = read[0].layer
    cls = getattr(torch.nn, TORCH_CLASS[first.kind])
    kind_options = {"nonlinearity": read[0].activation} if first.kind == "SimpleRNN" else {}
    module = cls(
        input_size=first.input_size,
        hidden_size=first.hidden_size,
        num_layers=len(read),
        bias=first.bias,
        batch_first=True,
        bidirectional=first.bidirectional,
        **kind_options,
    )
    write_torch_weights(module, read)
    return module.eval()


# ----------------------------------------------------------------------------- public API


def _is_keras(obj: Any) -> bool:
    if isinstance(obj, list | tuple):
        return len(obj) > 0 and all(is_keras_layer(item) for item in obj)
    return is_keras_layer(obj)


def _read_any(obj: Any, source: bool) -> list[LayerWeights]:
    if is_torch_module(obj):
        return _read_torch(obj, source, "copy_weights")
    if _is_keras(obj):
        return read_keras(obj, source, "copy_weights")
    raise unsupported(obj, "copy_weights", f"{_KERAS}, or {_TORCH}{NOT_RECURRENT}")


def _check_same_structure(src: list[LayerWeights], dst: list[LayerWeights]) -> None:
    if len(src) != len(dst):
        raise PortError(
            f"the source has {len(src)} recurrent layer(s) but the destination has {len(dst)}; "
            "build the destination with the same num_layers (or list of layers)"
        )
    for index, (a, b) in enumerate(zip(src, dst, strict=True)):
        if signature(a, False) != signature(b, False):
            raise PortError(
                f"layer {index}: the source is {signature(a, False)} but the destination "
                f"is {signature(b, False)}; build the destination with the same settings"
            )
        if (a.layer.input_size, a.layer.hidden_size) != (b.layer.input_size, b.layer.hidden_size):
            raise PortError(
                f"layer {index}: sizes do not match: the source has {sizes(a)}, the destination "
                f"has {sizes(b)}; build the destination with the same input_size and hidden_size"
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
    UnsupportedLayerError
        For anything that is not a Keras recurrent layer (a PyTorch module names
        :func:`torch_to_keras`).
    MissingFrameworkError
        When PyTorch is not installed.

    Warns
    -----
    :class:`PortWarning`
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
        hint = (
            "; to port a PyTorch module use torch_to_keras"
            if is_torch_module(layer_or_layers)
            else NOT_RECURRENT
        )
        raise unsupported(layer_or_layers, "keras_to_torch", _KERAS, hint)
    require("torch", "keras_to_torch")
    return _new_torch_module(read_keras(layer_or_layers, source=True, needed_by="keras_to_torch"))


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
        For ``proj_size > 0``.
    UnsupportedLayerError
        For anything but ``nn.LSTM``/``nn.GRU``/``nn.RNN`` (a Keras layer names
        :func:`keras_to_torch`).
    MissingFrameworkError
        When Keras is not installed.

    Warns
    -----
    :class:`PortWarning`
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
    if not is_torch_module(module):
        hint = "; to port a Keras layer use keras_to_torch" if _is_keras(module) else ""
        raise unsupported(module, "torch_to_keras", _TORCH, hint or NOT_RECURRENT)
    read = _read_torch(module, source=True, needed_by="torch_to_keras")
    require("keras", "torch_to_keras")
    layers = [
        new_keras_layer(weights, return_sequences or index < len(read) - 1, return_state)
        for index, weights in enumerate(read)
    ]
    return layers[0] if len(layers) == 1 else layers


def copy_weights(src: Any, dst: Any) -> None:
    """Copy recurrent weights from ``src`` into ``dst``, both already built, in either direction.

    Each of the two is a PyTorch ``nn.LSTM``/``nn.GRU``/``nn.RNN`` or a built Keras
    ``LSTM``/``GRU``/``SimpleRNN``/``Bidirectional`` (or a list of them forming a stack, as for
    :func:`keras_to_torch`). They must have the same kind, sizes, number of layers, bias setting
    and direction count. Copying between two objects of the same framework works too.

    Parameters
    ----------
    src
        The layer, module or stack whose weights are read; it is left unchanged.
    dst
        The layer, module or stack whose weights are overwritten. It keeps its other settings
        (a PyTorch module stays in train or eval mode).

    Raises
    ------
    PortError
        When the two do not match (the message names both shapes) or either cannot be ported.
    UnsupportedLayerError
        When either is not a supported recurrent layer.

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
    lstm_notes.errors.PortError: layer 0: sizes do not match: the source has input_size=3, ...
    """
    read = _read_any(src, source=True)
    target = _read_any(dst, source=False)
    _check_same_structure(read, target)
    if is_torch_module(dst):
        write_torch_weights(dst, read)
        return
    for weights, into in zip(read, target, strict=True):
        write_keras_weights(into.layer, weights)
