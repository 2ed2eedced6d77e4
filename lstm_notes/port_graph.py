"""Walk a Keras model's graph and write the source of one PyTorch ``nn.Module`` that computes it.

A ``Sequential`` model is read through the functional graph Keras builds for it. The nodes are
visited in the order Keras runs them; each layer call becomes a few lines of ``forward`` (see
:mod:`lstm_notes.port_layers`) and each mask op one line (see :mod:`lstm_notes.port_ops`). Before
any code is written, every node is checked, so that a refusal names every layer that cannot be
ported rather than the first one.
"""

from __future__ import annotations

import inspect
import keyword
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from lstm_notes.errors import PortError
from lstm_notes.port_layers import TRANSLATORS, Call, Emitted, problems
from lstm_notes.port_ops import OPS
from lstm_notes.port_runtime import recurrence, right_padded_recurrence

_RESERVED = {"self", "torch", "nn", "F", "recurrence", "right_padded_recurrence", "annotations"}
SUPPORTED = ", ".join(sorted(TRANSLATORS))


@dataclass
class Generated:
    """The generated source, its class name and the weights its ``load_state_dict`` expects."""

    source: str
    class_name: str
    state_dict: dict[str, Any]


class _Names:
    """Unique Python identifiers derived from Keras names."""

    def __init__(self) -> None:
        self.used: set[str] = set(_RESERVED)

    def new(self, base: str) -> str:
        name = re.sub(r"\W", "_", base).strip("_") or "x"
        name = f"x_{name}" if name[0].isdigit() or keyword.iskeyword(name) else name
        candidate, index = name, 1
        while candidate in self.used:
            candidate, index = f"{name}_{index}", index + 1
        self.used.add(candidate)
        return candidate


def keras_graph(model: Any) -> Any:
    """The functional graph of ``model`` (a ``Sequential`` has one built for it), or PortError."""
    import keras

    if not isinstance(model, keras.Model):
        raise PortError(
            f"port_model takes a keras.Model (Sequential or functional), got {type(model).__name__}"
        )
    graph = getattr(model, "_functional", None) if isinstance(model, keras.Sequential) else model
    if graph is None or not hasattr(graph, "_nodes_by_depth"):
        raise PortError(
            f"model {model.name!r} has no graph to read: build a Sequential model with "
            "keras.Input(shape=...) as its first layer (or call model.build), and write other "
            "models with the functional API; subclassed models cannot be ported"
        )
    return graph


def graph_nodes(graph: Any) -> list[Any]:
    """The graph's nodes in the order Keras runs them (deepest first)."""
    return [
        node
        for depth in sorted(graph._nodes_by_depth, reverse=True)
        for node in graph._nodes_by_depth[depth]
    ]


def _is_keras_tensor(value: Any) -> bool:
    return hasattr(value, "_keras_history")


def _refusals(nodes: list[Any]) -> list[str]:
    import keras

    found, seen = [], set()
    for node in nodes:
        op = node.operation
        if id(op) in seen or type(op).__name__ == "InputLayer":
            continue
        seen.add(id(op))
        label = f"{op.name!r} ({type(op).__name__})"
        if isinstance(op, keras.Model):
            found.append(f"{label}: a nested model; rebuild it with its layers inlined")
        elif isinstance(op, keras.layers.Layer):
            module = type(op).__module__
            why = ["a custom layer"] if not module.startswith("keras.") else problems(op)
            found += [f"{label}: {reason}" for reason in why]
        elif type(op).__name__ not in OPS:
            found.append(f"{label}: an op that is not supported (supported: {', '.join(OPS)})")
    return found


def _output_names(names: _Names, layer: Any, count: int) -> list[str]:
    base = names.new(layer.name)
    kind = type(layer).__name__
    if kind == "Bidirectional":
        inner = type(layer.forward_layer).__name__
        heads = [f"{base}_forward", f"{base}_backward"] if layer.merge_mode is None else [base]
        states = ["h", "c"] if inner == "LSTM" else ["h"]
        tails = [f"{base}_{s}_{d}" for d in ("forward", "backward") for s in states]
    else:
        heads, tails = [base], [f"{base}_{s}" for s in (["h", "c"] if kind == "LSTM" else ["h"])]
    wanted = (heads + tails)[:count]
    return (
        [wanted[0]]
        + [names.new(name) for name in wanted[1:]]
        + [names.new(base) for _ in range(count - len(wanted))]
    )


def _render(value: Any, names: dict[int, str]) -> str:
    if _is_keras_tensor(value):
        return names[id(value)]
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_render(item, names) for item in value) + "]"
    return repr(value)


def _flat(value: Any) -> list[Any]:
    if isinstance(value, (list, tuple)):
        return [item for sub in value for item in _flat(sub)]
    return [value]


def _layer_call(
    node: Any, attr: str, outputs: list[str], names: dict[int, str], identifiers: _Names
) -> Call:
    args, kwargs = list(node.arguments.args), dict(node.arguments.kwargs)
    initial = kwargs.get("initial_state", args[1] if len(args) > 1 else None)
    mask = kwargs.get("mask")
    return Call(
        inputs=[names[id(t)] for t in _flat(args[0])],
        outputs=outputs,
        attr=attr,
        mask=names[id(mask)] if _is_keras_tensor(mask) else None,
        initial_state=None if initial is None else [names[id(t)] for t in _flat(initial)],
        ranks=[len(t.shape) for t in _flat(args[0])],
        new_name=identifiers.new,
    )


def _class_name(model: Any) -> str:
    words = re.split(r"[^0-9a-zA-Z]+", model.name)
    name = "".join(word[:1].upper() + word[1:] for word in words if word)
    return name if name and name[0].isalpha() else f"Ported{name}"


def _outputs(graph: Any, names: dict[int, str]) -> str:
    struct = getattr(graph, "_outputs_struct", graph.outputs)
    if isinstance(struct, dict):
        raise PortError("models with a dict of outputs are not supported; return a list")
    return (
        _render(struct, names)
        if not isinstance(struct, tuple)
        else ("(" + ", ".join(_render(item, names) for item in struct) + ",)")
    )


def generate(model: Any, on_layer: Callable[[str], None] | None = None) -> Generated:
    """Read ``model`` and write the PyTorch module's source; raise :class:`PortError` if refused.

    ``on_layer`` is called with ``"name (Class)"`` as each layer is translated.

    >>> import keras
    >>> layers = [keras.Input((3, 2), name="x"), keras.layers.Dense(4, name="head")]
    >>> generated = generate(keras.Sequential(layers, name="tiny"))
    >>> generated.class_name, sorted(generated.state_dict)
    ('Tiny', ['head.bias', 'head.weight'])
    >>> print(generated.source[generated.source.index("    def forward") :].strip())
    def forward(self, x):
            # head: Dense
            head = self.head(x)
            return head
    """
    import keras

    from lstm_notes import __version__

    graph = keras_graph(model)
    nodes = graph_nodes(graph)
    refused = _refusals(nodes)
    if refused:
        raise PortError(
            f"cannot port model {model.name!r}: "
            + "; ".join(refused)
            + f". Supported layers: {SUPPORTED}; recurrent layers need the default activations "
            "(SimpleRNN: tanh or relu), GRU reset_after=True and stateful=False"
        )
    names, identifiers, attr_names = {}, _Names(), _Names()
    arguments = []
    for tensor in graph.inputs:
        names[id(tensor)] = identifiers.new(tensor._keras_history.operation.name)
        arguments.append(names[id(tensor)])
    attrs: dict[int, str] = {}
    init: list[str] = []
    body: list[str] = []
    state: dict[str, Any] = {}
    for node in nodes:
        op = node.operation
        if type(op).__name__ == "InputLayer":
            continue
        if isinstance(op, keras.layers.Layer):
            new_layer = id(op) not in attrs
            attrs.setdefault(id(op), attr_names.new(op.name))
            outputs = _output_names(identifiers, op, len(node.outputs))
            call = _layer_call(node, attrs[id(op)], outputs, names, identifiers)
            emitted = TRANSLATORS[type(op).__name__](op, call)
            body.append(f"# {op.name}: {type(op).__name__}")
            if on_layer is not None and new_layer:
                on_layer(f"{op.name} ({type(op).__name__})")
        else:
            outputs = [identifiers.new("mask")]  # the ops in a supported graph compute masks
            args = [_render(value, names) for value in node.arguments.args]
            emitted = Emitted([f"{outputs[0]} = {OPS[type(op).__name__](op, args)}"])
        body += emitted.lines
        _add_modules(emitted, init, state)
        names |= {id(tensor): name for tensor, name in zip(node.outputs, outputs, strict=True)}
    body.append(f"return {_outputs(graph, names)}")
    class_name = _class_name(model)
    source = _source(model, class_name, arguments, init, body, __version__)
    return Generated(source, class_name, state)


def _add_modules(emitted: Emitted, init: list[str], state: dict[str, Any]) -> None:
    """Declare the submodules of one layer call in ``__init__`` and collect their weights."""
    for attr, (source, module) in emitted.modules.items():
        if f"self.{attr} = {source}" in init:  # a shared layer, called again
            continue
        init.append(f"self.{attr} = {source}")
        state |= {
            f"{attr}.{key}": value.detach().clone() for key, value in module.state_dict().items()
        }


_HEAD = re.compile(r"\s*(return\s*|[\w, *]+ = [\w.]+)")


def _wrap(line: str, width: int = 100) -> str:
    """Break a long ``name = f(...)`` or ``return [...]`` inside its brackets."""
    opener = line.find("(" if line.endswith(")") else "[")
    if len(line) <= width or opener < 0 or not _HEAD.fullmatch(line[:opener]):
        return line
    depth = 0
    for char in line[opener:-1]:  # the opener must be closed by the last character only
        depth += {"(": 1, "[": 1, ")": -1, "]": -1}.get(char, 0)
        if depth == 0:
            return line
    indent = line[: len(line) - len(line.lstrip())]
    inner = line[opener + 1 : -1]
    if len(indent) + 4 + len(inner) > width and line.endswith("]"):
        inner = f",\n{indent}    ".join(inner.split(", ")) + ","
    return f"{line[: opener + 1]}\n{indent}    {inner}\n{indent}{line[-1]}"


def _source(
    model: Any,
    class_name: str,
    arguments: list[str],
    init: list[str],
    body: list[str],
    version: str,
) -> str:
    init_code = "\n".join(_wrap("        " + line) for line in init)
    body_code = "\n".join(_wrap("        " + line) for line in body)
    helpers = (recurrence, right_padded_recurrence) if "recurrence(" in body_code else ()
    helper = "".join(inspect.getsource(function) + "\n\n" for function in helpers)
    functional = "import torch.nn.functional as F\n" if "F." in body_code else ""
    return f'''"""PyTorch port of the Keras model {model.name!r}, written by lstm_notes {version}.

Load the weights saved beside this file and use it like the Keras model (batch first)::

    model = {class_name}()
    model.load_state_dict(torch.load("weights.pt", weights_only=True))
    model.eval()
"""

from __future__ import annotations

import torch
{functional}from torch import nn


{helper}class {class_name}(nn.Module):
    """The Keras model {model.name!r}, layer by layer; forward takes {", ".join(arguments)}."""

    def __init__(self) -> None:
        super().__init__()
{init_code}

    def forward(self, {", ".join(arguments)}):
{body_code}
'''
