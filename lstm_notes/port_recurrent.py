"""Translate Keras ``LSTM``/``GRU``/``SimpleRNN`` and ``Bidirectional`` calls into PyTorch code.

The weights come from the public per-layer port, :func:`lstm_notes.keras_to_torch`, one module
per direction. The generated code runs each direction through
:func:`lstm_notes.port_runtime.recurrence`, which applies Keras' masking rules step by step when the
layer received a mask, and otherwise calls the PyTorch module on the whole sequence.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

from lstm_notes.errors import PortError

if TYPE_CHECKING:
    from lstm_notes.port_layers import Call, Emitted

RECURRENT = ("LSTM", "GRU", "SimpleRNN", "Bidirectional")
_PLAIN = ("LSTM", "GRU", "SimpleRNN")
_MERGE = {
    "concat": "torch.cat([{f}, {b}], dim=-1)",
    "sum": "{f} + {b}",
    "ave": "({f} + {b}) / 2",
    "mul": "{f} * {b}",
}


def _directions(layer: Any) -> list[Any]:
    if type(layer).__name__ == "Bidirectional":
        return [layer.forward_layer, layer.backward_layer]
    return [layer]


def recurrent_problems(layer: Any) -> list[str]:
    """Why a recurrent layer (or a ``Bidirectional`` of one) cannot be ported."""
    found = []
    for rnn in _directions(layer):
        kind, config = type(rnn).__name__, rnn.get_config()
        if kind not in _PLAIN:
            found.append(f"it wraps {kind}; Bidirectional ports only LSTM, GRU or SimpleRNN")
            continue
        activation, recurrent = config.get("activation"), config.get("recurrent_activation")
        if kind == "SimpleRNN" and activation not in ("tanh", "relu"):
            found.append(f"activation={activation!r} (nn.RNN has only 'tanh' and 'relu')")
        if kind != "SimpleRNN" and (activation, recurrent) != ("tanh", "sigmoid"):
            found.append(
                f"activation={activation!r}, recurrent_activation={recurrent!r} (PyTorch fixes "
                "them to 'tanh' and 'sigmoid')"
            )
        if kind == "GRU" and not config.get("reset_after", True):
            found.append("reset_after=False (nn.GRU always applies the reset gate after)")
        if config.get("stateful"):
            found.append("stateful=True (its state lives between calls; rebuild it stateless)")
    return sorted(set(found))


def _direction_module(rnn: Any) -> Any:
    """A one-direction PyTorch module with the weights of the Keras layer ``rnn``."""
    from lstm_notes._port_weights import keras_arrays
    from lstm_notes.port import keras_to_torch

    if rnn.go_backwards:  # the time reversal is done by the generated code, not the weights
        twin = type(rnn).from_config({**rnn.get_config(), "go_backwards": False})
        twin.build((None, None, int(rnn.cell.kernel.shape[0])))
        twin.set_weights(keras_arrays(rnn))
        rnn = twin
    try:
        return keras_to_torch(rnn)
    except ValueError as error:
        raise PortError(f"layer {rnn.name!r} ({type(rnn).__name__}): {error}") from error


def _source(module: Any) -> str:
    kind = type(module).__name__
    extra = f", nonlinearity={module.nonlinearity!r}" if kind == "RNN" else ""
    return (
        f"nn.{kind}({module.input_size}, {module.hidden_size}, batch_first=True, "
        f"bias={module.bias}{extra})"
    )


def _zero_masked(rnn: Any, masked: bool) -> bool:
    """Whether Keras, on the active backend, outputs zeros at this layer's masked steps.

    ``zero_output_for_mask`` (which ``Bidirectional`` sets when it returns sequences) is honoured
    by every backend's scan, and by the TensorFlow and PyTorch backends' unrolled loop; the JAX
    backend's unrolled masked loop (``keras/src/backend/jax/rnn.py``, ``rnn`` with ``unroll``)
    ignores it and repeats the previous output. The port follows the backend it runs under.
    """
    unrolled_on_jax = rnn.unroll and masked and sys.modules["keras"].backend.backend() == "jax"
    return bool(rnn.zero_output_for_mask) and not unrolled_on_jax


def _run(attr: str, x: str, call: Call, states: str, rnn: Any, names: list[str]) -> str:
    mask = call.mask or "None"
    zero = _zero_masked(rnn, bool(call.mask))
    options = f"reverse={bool(rnn.go_backwards)}, zero_masked={zero}"
    options += ", unrolled=True" if rnn.unroll and call.mask else ""
    target = ", ".join(names) if len(names) > 1 else f"{names[0]}, *_"
    return f"{target} = recurrence(self.{attr}, {x}, {mask}, {states}, {options})"


def translate_recurrent(layer: Any, call: Call) -> Emitted:
    """Forward lines and submodules for one call of a recurrent layer or ``Bidirectional``."""
    from lstm_notes.port_layers import Emitted

    directions = _directions(layer)
    count = 2 if type(directions[0]).__name__ == "LSTM" else 1
    initial = call.initial_state or []
    x, out, lines, modules = call.inputs[0], call.outputs, [], {}
    unmerged = len(directions) == 2 and layer.merge_mode is None
    outputs, states = out[: 1 + unmerged], out[1 + unmerged :]
    sequences = []
    for index, rnn in enumerate(directions):
        suffix = ("_forward", "_backward")[index] if len(directions) == 2 else ""
        attr = call.attr + suffix
        seq = outputs[index] if unmerged else outputs[0]
        seq = call.new_name(f"{seq}{suffix}") if len(directions) == 2 and not unmerged else seq
        module = _direction_module(rnn)
        modules[attr] = (_source(module), module)
        given = initial[index * count : (index + 1) * count]
        names = [seq] + (states[index * count : (index + 1) * count] if states else [])
        lines.append(_run(attr, x, call, f"[{', '.join(given)}]" if given else "None", rnn, names))
        sequences.append(seq)
    if len(directions) == 2 and layer.return_sequences:
        lines.append(f"{sequences[1]} = {sequences[1]}.flip(1)")
    if not layer.return_sequences:
        sequences = [f"{seq}[:, -1]" for seq in sequences]
    if len(directions) == 1:
        if not layer.return_sequences:
            lines.append(f"{outputs[0]} = {sequences[0]}")
    elif unmerged and sequences != outputs[:2]:
        lines.append(f"{outputs[0]}, {outputs[1]} = {sequences[0]}, {sequences[1]}")
    elif unmerged:
        pass  # the two directions' outputs already have their names
    else:
        merged = _MERGE[layer.merge_mode].format(f=sequences[0], b=sequences[1])
        lines.append(f"{outputs[0]} = {merged}")
    return Emitted(lines, modules)
