"""One description of a recurrent layer, whichever framework it comes from.

Every helper that takes a layer (shapes, parameter counts, ``describe``, porting, the cuDNN report,
the FLOP model) reads it here, into an :class:`RnnLayer`:

- :func:`read_layer` reads a Keras ``LSTM``/``GRU``/``SimpleRNN``, a Keras ``Bidirectional`` of
  one, or a PyTorch ``nn.LSTM``/``nn.GRU``/``nn.RNN``;
- :func:`read_stack` reads a list of them that forms a stack (each layer feeds the next);
- anything else raises :class:`~lstm_notes.errors.UnsupportedLayerError`, which says what came
  and what is supported.

Each kind has one spelling, the Keras class name: ``"LSTM"``, ``"GRU"``, ``"SimpleRNN"`` (PyTorch's
``nn.RNN`` is ``"SimpleRNN"`` here). Nothing is imported: a Keras layer is recognised only when
Keras is already imported (it must be, for the layer to exist), so reading a PyTorch module works
without Keras installed, and the other way round.

>>> import torch
>>> layer = read_layer(torch.nn.GRU(3, 5, num_layers=2))
>>> layer.framework, layer.kind, layer.gates, layer.input_size, layer.num_layers
('torch', 'GRU', 3, 3, 2)
"""

from __future__ import annotations

import itertools
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from lstm_notes._frameworks import framework_of, is_keras_layer, is_torch_module
from lstm_notes.errors import LstmNotesError, UnsupportedLayerError

__all__ = [
    "GATES",
    "KINDS",
    "SUPPORTED",
    "RnnLayer",
    "read_layer",
    "read_stack",
    "torch_param_names",
    "unsupported",
]

KINDS = ("LSTM", "GRU", "SimpleRNN")
"""The kinds of recurrent layer, each spelled as its Keras class."""

GATES = {"LSTM": 4, "GRU": 3, "SimpleRNN": 1}
"""Number of gate blocks stacked in each weight matrix, per kind."""

TORCH_CLASS = {"LSTM": "LSTM", "GRU": "GRU", "SimpleRNN": "RNN"}
"""The PyTorch class (in ``torch.nn``) of each kind."""

SUPPORTED = (
    "keras.layers.LSTM, GRU or SimpleRNN, a keras.layers.Bidirectional of one of them, "
    "or torch.nn.LSTM, GRU or RNN"
)
MERGE_MODES = ("concat", "sum", "ave", "mul", None)


@dataclass(frozen=True)
class RnnLayer:
    """A recurrent layer (or a PyTorch stack of them), framework-neutral.

    Attributes
    ----------
    framework : {"keras", "torch"}
    kind : {"LSTM", "GRU", "SimpleRNN"}
    hidden_size : int
        Keras ``units`` (of the forward layer) or PyTorch ``hidden_size``.
    input_size : int or None
        Features per step; ``None`` for a Keras layer that is not built yet.
    num_layers, directions : int
        PyTorch's ``num_layers`` (1 for Keras) and 1 or 2 (``bidirectional``/``Bidirectional``).
    bias : bool
        Keras ``use_bias``, PyTorch ``bias``.
    backward_size : int
        ``units`` of a Keras ``Bidirectional``'s backward layer (else ``hidden_size``).
    batch_first, return_sequences, return_state : bool
        As the framework defines them (PyTorch always returns the sequence and the state; Keras
        is always batch first).
    proj_size : int
        PyTorch LSTM's ``proj_size``; 0 for Keras.
    merge_mode : str or None
        A Keras ``Bidirectional``'s ``merge_mode``; ``"concat"`` otherwise (what PyTorch does).
    reset_after : bool
        GRU only: Keras ``reset_after``; PyTorch's GRU always resets after (True).
    cells : tuple
        The objects that hold the weights: for Keras the plain layer of each direction (forward,
        backward), for PyTorch the module itself.
    source : object
        The object that was read.
    """

    framework: Literal["keras", "torch"]
    kind: str
    hidden_size: int
    input_size: int | None
    num_layers: int = 1
    directions: int = 1
    bias: bool = True
    backward_size: int = 0
    batch_first: bool = True
    return_sequences: bool = True
    return_state: bool = True
    proj_size: int = 0
    merge_mode: str | None = "concat"
    reset_after: bool = False
    cells: tuple[Any, ...] = ()
    source: Any = None

    @property
    def gates(self) -> int:
        """Gate blocks in each weight matrix: 4 (LSTM), 3 (GRU) or 1 (SimpleRNN)."""
        return GATES[self.kind]

    @property
    def bidirectional(self) -> bool:
        return self.directions == 2

    @property
    def out_size(self) -> int:
        """Size of one direction's output and ``h``: ``proj_size`` if set, else ``hidden_size``."""
        return self.proj_size or self.hidden_size

    @property
    def output_width(self) -> int:
        """Features of the output sequence (both directions merged as ``merge_mode`` says)."""
        if self.directions == 1 or self.merge_mode in ("sum", "ave", "mul"):
            return self.out_size
        return self.out_size + (self.backward_size if self.framework == "keras" else self.out_size)

    @property
    def class_name(self) -> str:
        """``"LSTM"`` for Keras, ``"nn.LSTM"`` for PyTorch (``"nn.RNN"`` for SimpleRNN)."""
        return self.kind if self.framework == "keras" else f"nn.{TORCH_CLASS[self.kind]}"

    @property
    def title(self) -> str:
        """The layer as its constructor call, for messages and table titles."""
        if self.framework == "keras":
            inner = f"{self.kind}(units={self.hidden_size})"
            if not self.bidirectional:
                return inner
            return f"Bidirectional({inner}, merge_mode={self.merge_mode!r})"
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
        return f"{self.class_name}({', '.join(args)})"


def torch_param_names(layer: int, direction: int, bias: bool, proj: bool = False) -> list[str]:
    """PyTorch's parameter names of one layer and direction, in ``named_parameters()`` order.

    >>> torch_param_names(1, 1, bias=False)
    ['weight_ih_l1_reverse', 'weight_hh_l1_reverse']
    """
    suffix = f"_l{layer}" + ("_reverse" if direction else "")
    names = ["weight_ih", "weight_hh"] + (["bias_ih", "bias_hh"] if bias else [])
    names += ["weight_hr"] if proj else []
    return [name + suffix for name in names]


def unsupported(
    obj: Any, needed_by: str, supported: str = SUPPORTED, hint: str = ""
) -> UnsupportedLayerError:
    """The error for an object that is not a layer ``needed_by`` takes (``hint`` is appended)."""
    if isinstance(obj, type):
        name = f"{obj.__module__}.{obj.__qualname__}"
        got = f"the class {name}; pass an instance, such as {obj.__name__}(8)"
    elif isinstance(obj, list | tuple):
        kinds = sorted({type(item).__name__ for item in obj})
        got = f"a {type(obj).__name__} of {', '.join(kinds)}" if obj else "an empty list"
    elif framework_of(obj) == "keras" and not is_keras_layer(obj):
        got = f"{type(obj).__name__} {obj!r}, a tensor rather than a layer"
    else:
        got = f"{type(obj).__module__}.{type(obj).__qualname__}"
    return UnsupportedLayerError(f"{needed_by} takes {supported}; got {got}{hint}")


def _keras_kind(layer: Any, needed_by: str) -> str:
    keras = sys.modules["keras"]
    for kind in KINDS:
        if isinstance(layer, getattr(keras.layers, kind)):
            return kind
    raise unsupported(layer, needed_by)


def _read_keras(layer: Any, needed_by: str) -> RnnLayer:
    keras = sys.modules["keras"]
    bidirectional = isinstance(layer, keras.layers.Bidirectional)
    cells = (layer.forward_layer, layer.backward_layer) if bidirectional else (layer,)
    kinds = [_keras_kind(cell, needed_by) for cell in cells]
    if len(set(kinds)) > 1:
        raise UnsupportedLayerError(
            f"{needed_by}: Bidirectional {layer.name!r} has a {kinds[0]} forward layer and a "
            f"{kinds[1]} backward layer; use the same kind in both directions"
        )
    units = [int(cell.units) for cell in cells]
    merge_mode = layer.merge_mode if bidirectional else "concat"
    if units[0] != units[-1] and merge_mode in ("sum", "ave", "mul"):
        raise UnsupportedLayerError(
            f"{needed_by}: Bidirectional {layer.name!r} has units={units[0]} forward and "
            f"units={units[1]} backward with merge_mode={merge_mode!r}, which Keras cannot "
            "compute (the two outputs must have the same size to be combined); use the same "
            "units in both directions, or merge_mode='concat'"
        )
    cell = cells[0].cell
    kernel = getattr(cell, "kernel", None) if cell.built else None
    return RnnLayer(
        framework="keras",
        kind=kinds[0],
        hidden_size=units[0],
        input_size=None if kernel is None else int(kernel.shape[0]),
        directions=len(cells),
        bias=bool(cell.use_bias),
        backward_size=units[-1],
        return_sequences=bool(cells[0].return_sequences),
        return_state=bool(cells[0].return_state),
        merge_mode=merge_mode,
        reset_after=bool(getattr(cell, "reset_after", False)),
        cells=cells,
        source=layer,
    )


def _read_torch(module: Any, needed_by: str) -> RnnLayer:
    nn = sys.modules["torch"].nn
    for kind in KINDS:
        if isinstance(module, getattr(nn, TORCH_CLASS[kind])):
            return RnnLayer(
                framework="torch",
                kind=kind,
                hidden_size=int(module.hidden_size),
                input_size=int(module.input_size),
                num_layers=int(module.num_layers),
                directions=2 if module.bidirectional else 1,
                bias=bool(module.bias),
                backward_size=int(module.hidden_size),
                batch_first=bool(module.batch_first),
                proj_size=int(getattr(module, "proj_size", 0)),
                reset_after=kind == "GRU",
                cells=(module,),
                source=module,
            )
    raise unsupported(module, needed_by)


def read_layer(obj: Any, needed_by: str = "this helper", hint: str = "") -> RnnLayer:
    """Read one supported recurrent layer; anything else raises UnsupportedLayerError.

    ``needed_by`` names the helper in the message (``"count_params"``, say); ``hint`` is appended.
    """
    try:
        if is_torch_module(obj):
            return _read_torch(obj, needed_by)
        if is_keras_layer(obj):
            return _read_keras(obj, needed_by)
    except UnsupportedLayerError as error:
        raise UnsupportedLayerError(f"{error}{hint}") from None
    raise unsupported(obj, needed_by, hint=hint)


def read_stack(
    layers: Sequence[Any],
    needed_by: str = "this helper",
    error: type[LstmNotesError] = UnsupportedLayerError,
    hint: str = "",
) -> list[RnnLayer]:
    """Read a non-empty list of layers of one framework, each feeding the next.

    Raises ``error`` for an empty list, a list mixing frameworks, or layers that do not chain: a
    Keras layer that feeds another needs ``return_sequences=True``, and each layer's
    ``input_size`` must equal the previous layer's output width. A layer that is not supported
    raises UnsupportedLayerError.
    """
    if not layers:
        raise error(f"{needed_by} got an empty list; pass a layer or a stack")
    read = [read_layer(layer, needed_by, hint) for layer in layers]
    frameworks = sorted({layer.framework for layer in read})
    if len(frameworks) > 1:
        raise error(
            f"{needed_by}: the list mixes {' and '.join(frameworks)} layers; a stack is made of "
            "layers of one framework"
        )
    for index, (before, after) in enumerate(itertools.pairwise(read)):
        if not before.return_sequences:
            raise error(
                f"{needed_by}: layer {index} of the stack has return_sequences=False, so it "
                "cannot feed the next recurrent layer; every layer but the last needs "
                "return_sequences=True"
            )
        if after.input_size is not None and after.input_size != before.output_width:
            raise error(
                f"{needed_by}: layer {index + 1} of the stack has input_size={after.input_size} "
                f"but layer {index} outputs {before.output_width} features; list the layers in "
                "calling order, each taking what the previous one returns"
            )
    return read
