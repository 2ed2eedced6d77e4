"""Run a recurrent layer and explain every tensor it returns, with its twin in the other framework.

:func:`describe` is the interactive companion of :func:`lstm_notes.expected_shapes`: it calls the
layer, checks that the shapes match the prediction, and returns a table of name, shape, meaning
and counterpart (Keras ``final_memory_state`` is PyTorch ``h_n[-1]``, and so on).
"""

from __future__ import annotations

import html
import warnings
from dataclasses import dataclass
from typing import Any, NamedTuple

from lstm_notes._frameworks import framework_of
from lstm_notes._layer import TORCH_CLASS, RnnLayer, read_layer
from lstm_notes._tables import html_table, text_table
from lstm_notes._validate import array
from lstm_notes.compare import flatten
from lstm_notes.errors import ArgumentError, ShapeError
from lstm_notes.shapes import shapes_for_config

__all__ = ["Description", "TensorInfo", "describe"]

_HEADER = ("name", "shape", "meaning", "counterpart")
_MERGE = {
    "sum": ("added", "{a} + {b}"),
    "ave": ("averaged", "({a} + {b}) / 2"),
    "mul": ("multiplied element-wise", "{a} * {b}"),
    "concat": ("concatenated, forward first", "torch.cat([{a}, {b}], dim=-1)"),
}


class TensorInfo(NamedTuple):
    """One returned tensor: its name, shape, what it holds and its twin in the other framework."""

    name: str
    """The name the framework gives the tensor, e.g. ``"final_memory_state"`` or ``"h_n"``."""
    shape: tuple[int, ...]
    """The tensor's shape, as returned for the input given."""
    meaning: str
    """What the tensor holds, in words."""
    counterpart: str
    """The same values in the other framework's result, e.g. ``"h_n[-1]"``."""


@dataclass(frozen=True)
class Description:
    """What a recurrent layer returned: a table that prints as text and renders as HTML.

    Attributes
    ----------
    title
        The layer and the input shape.
    rows
        One :class:`TensorInfo` per returned tensor, in the order the call returns them.
    outputs
        The returned tensors themselves, flattened in the same order; ``description["h_n"]``
        gives one by name.
    """

    title: str
    rows: tuple[TensorInfo, ...]
    outputs: tuple[Any, ...]

    def __getitem__(self, name: str) -> Any:
        for row, tensor in zip(self.rows, self.outputs, strict=True):
            if row.name == name:
                return tensor
        raise KeyError(f"no returned tensor named {name!r}; names: {[r.name for r in self.rows]}")

    def _cells(self) -> list[tuple[str, str, str, str]]:
        return [(r.name, str(r.shape), r.meaning, r.counterpart) for r in self.rows]

    def __str__(self) -> str:
        return f"{self.title}\n{text_table(_HEADER, self._cells())}"

    def __repr__(self) -> str:
        return str(self)

    def _repr_html_(self) -> str:
        table = html_table(_HEADER, self._cells(), code_columns=(0, 1, 3))
        return f"<div><p><b>{html.escape(self.title)}</b></p>{table}</div>"


# --------------------------------------------------------------------------------------------
# Meanings and counterparts
# --------------------------------------------------------------------------------------------


def _keras_single_info(cfg: RnnLayer, name: str) -> tuple[str, str]:
    """Meaning and PyTorch twin of a tensor returned by a one-direction Keras layer."""
    last = "hidden state h after the last time step"
    if cfg.return_sequences:
        last += " (= the last step of the output)"
    return {
        "whole_seq_output": ("hidden state h at every time step", "output"),
        "final_output": (last + " (= output[:, -1] in PyTorch)", "h_n[-1]"),
        "final_memory_state": (last, "h_n[-1]"),
        "final_carry_state": ("cell state c after the last time step", "c_n[-1]"),
        "final_state": (last, "h_n[-1]"),
    }[name]


def _keras_merged_info(cfg: RnnLayer, name: str) -> tuple[str, str]:
    """Meaning and PyTorch twin of the merged output of a Keras ``Bidirectional`` layer."""
    verb, twin = _MERGE[cfg.merge_mode or "concat"]
    if name == "whole_seq_output":
        meaning = f"forward and backward h at every time step, {verb}"
        if cfg.merge_mode == "concat":
            return meaning, "output"
        size = cfg.hidden_size
        return meaning, twin.format(a=f"output[..., :{size}]", b=f"output[..., {size}:]")
    meaning = (
        f"forward h after the last step and backward h after the first step, {verb} "
        "(in PyTorch this is not output[:, -1])"
    )
    return meaning, twin.format(a="h_n[-2]", b="h_n[-1]")


def _keras_bidirectional_info(cfg: RnnLayer, name: str) -> tuple[str, str]:
    """Meaning and PyTorch twin of a tensor returned by a Keras ``Bidirectional`` layer."""
    if name in ("whole_seq_output", "final_output"):
        return _keras_merged_info(cfg, name)
    direction, _, base = name.partition("_")
    index = "-1" if direction == "backward" else "-2"
    which = f"the {direction} direction"
    if base == "whole_seq_output":
        size = cfg.hidden_size
        cut = f"[..., {size}:]" if direction == "backward" else f"[..., :{size}]"
        return f"h of {which} at every time step (in input order)", "output" + cut
    if base == "final_carry_state":
        return f"cell state c of {which} after its last step", f"c_n[{index}]"
    return f"hidden state h of {which} after its last step", f"h_n[{index}]"


def _keras_info(cfg: RnnLayer, name: str) -> tuple[str, str]:
    if cfg.bidirectional:
        return _keras_bidirectional_info(cfg, name)
    return _keras_single_info(cfg, name)


def _keras_twin(cfg: RnnLayer, input_size: int) -> str:
    """The PyTorch module the counterparts of a Keras layer refer to."""
    args = f"{input_size}, {cfg.hidden_size}, batch_first=True"
    if not cfg.bias:
        args += ", bias=False"
    if cfg.bidirectional:
        args += ", bidirectional=True"
    twin = f"torch nn.{TORCH_CLASS[cfg.kind]}({args})"
    if cfg.kind == "GRU" and not cfg.reset_after:
        twin += " (which computes reset_after=True: this layer has no exact twin)"
    return twin


def _torch_twin(cfg: RnnLayer) -> str:
    """The Keras layer (or stack) the counterparts of a PyTorch module refer to."""
    layer = f"{cfg.kind}({cfg.hidden_size}, return_sequences=True, return_state=True)"
    if cfg.bidirectional:
        layer = f"Bidirectional({layer})"
    if cfg.num_layers > 1:
        return f"a stack of {cfg.num_layers} keras {layer}"
    return f"keras {layer}"


def _torch_info(cfg: RnnLayer, name: str, unbatched: bool) -> tuple[str, str]:
    batch = "" if unbatched else "batch_size, "
    order = "layers in order, forward then backward" if cfg.bidirectional else "one per layer"
    if name == "output":
        layout = f"({batch}seq_len, ·)" if cfg.batch_first else f"(seq_len, {batch}·)"
        meaning = f"h of the last layer at every time step, layout {layout}"
        if cfg.bidirectional:
            meaning = "forward and backward " + meaning.replace("layout", "concatenated; layout")
        if cfg.proj_size:
            return (
                meaning + f"; projected to proj_size={cfg.proj_size}",
                "none: Keras has no proj_size",
            )
        if cfg.num_layers > 1:
            return meaning, "whole_seq_output of the last layer"
        if unbatched:
            return meaning, "whole_seq_output[0] (Keras always has a batch axis)"
        transpose = "" if cfg.batch_first else " (transposed: Keras is batch first)"
        return meaning, "whole_seq_output" + transpose
    kind = "h" if name == "h_n" else "cell state c"
    meaning = f"{kind} after the last time step of each layer and direction ({order}), on axis 0"
    if name == "h_n" and cfg.proj_size:
        return meaning, "none: Keras has no proj_size"
    state = "final_state"
    if cfg.kind == "LSTM":
        state = "final_memory_state" if name == "h_n" else "final_carry_state"
    if cfg.num_layers == 1 and not cfg.bidirectional:
        return meaning, f"{state}[0] is {name}[0]" if unbatched else f"{state} is {name}[0]"
    if cfg.bidirectional:
        return meaning, f"forward_{state}, backward_{state} of each layer, stacked"
    return meaning, f"{state} of each layer, stacked"


# --------------------------------------------------------------------------------------------
# Running the layer
# --------------------------------------------------------------------------------------------


def _input(cfg: RnnLayer, x: Any) -> Any:
    """``x`` as the layer's framework takes it; symbolic and malformed inputs are refused."""
    framework = framework_of(x)
    if framework == "keras" and not hasattr(x, "numpy"):
        raise ArgumentError(
            f"describe runs the layer, so x must hold numbers; got the symbolic {type(x).__name__} "
            f"{x!r} (keras.Input). Pass a NumPy array, or use expected_shapes(layer, input_shape)"
        )
    if cfg.framework == "keras":
        if framework in ("tensorflow", "keras"):
            return x
        values = array(x, "x")
        return values if values.dtype.kind == "f" else values.astype("float32")
    import torch

    dtype = next(cfg.source.parameters()).dtype
    if framework != "torch":
        return torch.as_tensor(array(x, "x"), dtype=dtype)
    if x.dtype != dtype:
        raise ArgumentError(
            f"x has dtype {x.dtype} but the module's parameters are {dtype}; convert one of them, "
            f"for example x.to({dtype})"
        )
    return x


def _run(cfg: RnnLayer, x: Any) -> list[Any]:
    if cfg.framework == "keras":
        return flatten(cfg.source(x))
    import torch

    with torch.no_grad(), warnings.catch_warnings():
        # A performance notice, not a problem: oneDNN has no kernel for LSTM projections.
        warnings.filterwarnings("ignore", message="LSTM with projections is not supported")
        return flatten(cfg.source(x))


def describe(layer: Any, x: Any) -> Description:
    """Run a recurrent layer on ``x`` and explain each tensor it returns.

    Parameters
    ----------
    layer
        A Keras ``LSTM``/``GRU``/``SimpleRNN``/``Bidirectional`` layer or a PyTorch
        ``nn.LSTM``/``nn.GRU``/``nn.RNN`` module (the same layers as
        :func:`lstm_notes.expected_shapes`).
    x
        The input: a NumPy array or a tensor of the layer's framework (a NumPy array is converted
        to a torch tensor of the module's dtype). PyTorch runs under ``torch.no_grad()``.

    Returns
    -------
    Description
        A table with one row per returned tensor (name, shape, meaning, counterpart in the other
        framework); it prints as plain text and renders as HTML in a notebook. The tensors are in
        ``.outputs`` and by name: ``description["h_n"]``.

    Raises
    ------
    UnsupportedLayerError
        If the layer is not a supported recurrent layer.
    ArgumentError
        If ``x`` is not an array of numbers (a symbolic ``keras.Input`` is refused: nothing can
        run on it), has another dtype than the module, or the wrong rank or number of features.
    ShapeError
        If a returned shape differs from :func:`lstm_notes.expected_shapes` (a bug to report).

    Examples
    --------
    >>> import numpy as np, torch
    >>> table = describe(torch.nn.LSTM(3, 5, batch_first=True), np.zeros((2, 4, 3), "float32"))
    >>> [(row.name, row.shape) for row in table.rows]
    [('output', (2, 4, 5)), ('h_n', (1, 2, 5)), ('c_n', (1, 2, 5))]
    >>> table.rows[1].counterpart
    'final_memory_state is h_n[0]'
    """
    cfg = read_layer(layer, "describe")
    x = _input(cfg, x)
    input_shape = tuple(int(d) for d in x.shape)
    expected = shapes_for_config(cfg, input_shape)
    outputs = _run(cfg, x)
    actual = [tuple(int(d) for d in t.shape) for t in outputs]
    if actual != [shape for _, shape in expected]:
        raise ShapeError(
            f"{cfg.framework} {cfg.title} returned shapes {actual} for input {input_shape}, but "
            f"expected_shapes predicted {expected}; this is a bug in lstm_notes (please report it)"
        )
    if cfg.framework == "keras":
        infos = [_keras_info(cfg, name) for name, _ in expected]
        twin = _keras_twin(cfg, input_shape[-1])
    else:
        infos = [_torch_info(cfg, name, len(input_shape) == 2) for name, _ in expected]
        twin = _torch_twin(cfg)
    rows = tuple(TensorInfo(n, s, *info) for (n, s), info in zip(expected, infos, strict=True))
    title = (
        f"{cfg.framework} {cfg.title} on input of shape {input_shape}; counterparts refer to {twin}"
    )
    return Description(title, rows, tuple(outputs))
