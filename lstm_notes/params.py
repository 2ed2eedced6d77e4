"""Parameter counts of recurrent layers, tensor by tensor, with the formula behind each number.

:func:`count_params` works for Keras ``LSTM``/``GRU``/``SimpleRNN``/``Bidirectional`` layers (or a
list of them forming a stack) and PyTorch ``nn.LSTM``/``nn.GRU``/``nn.RNN`` modules. It derives
every count from the layer's configuration, checks the result against the framework's own count,
and explains why PyTorch has more parameters than Keras for the same sizes.
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from lstm_notes._layer import TORCH_CLASS, RnnLayer, read_layer, read_stack
from lstm_notes._tables import html_table, text_table
from lstm_notes.errors import ParamCountError, UnsupportedLayerError

__all__ = ["ParamCount", "ParamCountError", "ParamTensor", "count_params"]

_HEADER = ("tensor", "shape", "count", "formula")


@dataclass(frozen=True)
class ParamTensor:
    """One weight tensor: its name, shape, number of entries and the formula for that number."""

    name: str
    shape: tuple[int, ...]
    formula: str

    @property
    def count(self) -> int:
        """The number of entries, the product of the shape."""
        return math.prod(self.shape)


@dataclass(frozen=True)
class ParamCount:
    """The parameter count of a recurrent layer (or a stack), tensor by tensor.

    Attributes
    ----------
    title
        What was counted, for example ``"keras LSTM(units=7), input_size=10"``.
    tensors
        One :class:`ParamTensor` per weight tensor, in the framework's own order.
    torch_surplus
        How many more parameters the PyTorch layer has than its Keras counterpart with the same
        sizes (PyTorch keeps two bias vectors, ``b_ih`` and ``b_hh``, where a Keras LSTM or
        SimpleRNN keeps one).
    note
        A sentence explaining ``torch_surplus``.
    parts
        For a stack, the count of each layer; empty for a single layer.
    why
        The reason behind ``torch_surplus``, without numbers (the end of ``note``).
    """

    title: str
    tensors: tuple[ParamTensor, ...]
    torch_surplus: int
    note: str
    parts: tuple[ParamCount, ...] = field(default=())
    why: str = field(default="", repr=False)

    @property
    def total(self) -> int:
        """The total number of parameters."""
        return sum(t.count for t in self.tensors)

    def _rows(self) -> list[tuple[str, str, str, str]]:
        return [(t.name, str(t.shape), f"{t.count:,}", t.formula) for t in self.tensors]

    def _footer(self) -> tuple[str, str, str, str]:
        return ("total", "", f"{self.total:,}", "")

    def __str__(self) -> str:
        table = text_table(_HEADER, self._rows(), align="llrl", footer=self._footer())
        return f"{self.title}\n{table}\nnote: {self.note}"

    def __repr__(self) -> str:
        return str(self)

    def _repr_html_(self) -> str:
        table = html_table(
            _HEADER, self._rows(), align="llrl", code_columns=(0, 1), footer=self._footer()
        )
        esc = html.escape
        return f"<div><p><b>{esc(self.title)}</b></p>{table}<p>{esc(self.note)}</p></div>"


# --------------------------------------------------------------------------------------------
# Keras
# --------------------------------------------------------------------------------------------


def _keras_direction(cfg: RnnLayer, units: int, prefix: str) -> list[ParamTensor]:
    """kernel, recurrent_kernel and bias of one Keras direction."""
    g, n, h = cfg.gates, cfg.input_size or 0, units
    tensors = [
        ParamTensor(f"{prefix}kernel", (n, g * h), f"input_size·{g}·hidden_size = {n}·{g}·{h}"),
        ParamTensor(
            f"{prefix}recurrent_kernel", (h, g * h), f"hidden_size·{g}·hidden_size = {h}·{g}·{h}"
        ),
    ]
    if cfg.bias and cfg.reset_after:
        tensors.append(ParamTensor(f"{prefix}bias", (2, g * h), f"2·{g}·hidden_size = 2·{g}·{h}"))
    elif cfg.bias:
        tensors.append(ParamTensor(f"{prefix}bias", (g * h,), f"{g}·hidden_size = {g}·{h}"))
    return tensors


_TWO_BIASES = (
    "PyTorch keeps two bias vectors, b_ih and b_hh, where Keras keeps one; only their sum "
    "matters, so the extra vector adds nothing a Keras layer cannot express."
)
_GRU_BIASES = (
    "A Keras GRU with reset_after=True (the default) keeps two bias rows, bias shape "
    "(2, 3·hidden_size), one for the input side and one for the recurrent side, just like "
    "PyTorch's b_ih and b_hh; with reset_after=False it keeps one row, 3·hidden_size fewer per "
    "direction, and computes something PyTorch cannot express."
)


def _keras_surplus(cfg: RnnLayer) -> tuple[int, str, str]:
    """(surplus, summary sentence, explanation) for a Keras layer."""
    g = cfg.gates
    units = [cfg.hidden_size] + ([cfg.backward_size] if cfg.bidirectional else [])
    torch_name = f"nn.{TORCH_CLASS[cfg.kind]}"
    if not cfg.bias:
        return 0, f"PyTorch {torch_name} with bias=False has the same count.", "No biases."
    if cfg.kind == "GRU" and cfg.reset_after:
        return 0, "PyTorch nn.GRU with the same sizes has the same count.", _GRU_BIASES
    surplus = sum(g * h for h in units)
    terms = " + ".join(f"{g}·{h}" for h in units)
    summary = (
        f"PyTorch {torch_name} with the same sizes has {surplus} more parameters "
        f"({g}·hidden_size per direction per layer: {terms})."
    )
    return surplus, summary, _GRU_BIASES if cfg.kind == "GRU" else _TWO_BIASES


def _keras_count(cfg: RnnLayer) -> ParamCount:
    layer = cfg.source
    if cfg.input_size is None:
        raise UnsupportedLayerError(
            f"count_params: Keras layer {layer.name!r} is not built yet, so its input_size (and "
            "its kernel shape) is unknown: build it first, for example by calling it on an input "
            "or on keras.Input(shape=(seq_len, input_size))"
        )
    if cfg.bidirectional:
        tensors = _keras_direction(cfg, cfg.hidden_size, "forward/")
        tensors += _keras_direction(cfg, cfg.backward_size, "backward/")
    else:
        tensors = _keras_direction(cfg, cfg.hidden_size, "")
    surplus, summary, why = _keras_surplus(cfg)
    title = f"keras {cfg.title}, input_size={cfg.input_size}"
    result = ParamCount(title, tuple(tensors), surplus, f"{summary} {why}", why=why)
    actual = [tuple(int(d) for d in w.shape) for w in layer.weights]
    _verify(result, [t.shape for t in tensors], actual, int(layer.count_params()), "count_params()")
    return result


# --------------------------------------------------------------------------------------------
# PyTorch
# --------------------------------------------------------------------------------------------


def _torch_direction(cfg: RnnLayer, layer: int, suffix: str) -> list[ParamTensor]:
    """weight_ih, weight_hh, bias_ih, bias_hh and weight_hr of one layer and direction."""
    g, h, out = cfg.gates, cfg.hidden_size, cfg.out_size
    if layer == 0:
        n, n_name = cfg.input_size, "input_size"
    else:
        n = cfg.directions * out
        n_name = ("2·" if cfg.bidirectional else "") + (
            "proj_size" if cfg.proj_size else "hidden_size"
        )
    out_name = "proj_size" if cfg.proj_size else "hidden_size"
    key = f"l{layer}{suffix}"
    tensors = [
        ParamTensor(f"weight_ih_{key}", (g * h, n), f"{g}·hidden_size·{n_name} = {g}·{h}·{n}"),
        ParamTensor(
            f"weight_hh_{key}", (g * h, out), f"{g}·hidden_size·{out_name} = {g}·{h}·{out}"
        ),
    ]
    if cfg.bias:
        tensors += [
            ParamTensor(f"bias_ih_{key}", (g * h,), f"{g}·hidden_size = {g}·{h}"),
            ParamTensor(f"bias_hh_{key}", (g * h,), f"{g}·hidden_size = {g}·{h}"),
        ]
    if cfg.proj_size:
        tensors.append(
            ParamTensor(f"weight_hr_{key}", (out, h), f"proj_size·hidden_size = {out}·{h}")
        )
    return tensors


def _torch_surplus(cfg: RnnLayer) -> tuple[int, str, str]:
    """(surplus, summary sentence, explanation) for a PyTorch module."""
    g, h = cfg.gates, cfg.hidden_size
    keras_name = cfg.kind
    if not cfg.bias:
        return (
            0,
            f"Keras {keras_name} layers with use_bias=False have the same count.",
            "No biases.",
        )
    per = cfg.directions * cfg.num_layers
    if cfg.kind == "GRU":
        return 0, "Keras GRU layers with the same sizes have the same count.", _GRU_BIASES
    surplus = g * h * per
    summary = (
        f"The bias_hh vectors add {surplus} parameters that Keras {keras_name} layers with the "
        f"same sizes do not have ({g}·hidden_size = {g * h} per direction per layer, times {per})."
    )
    why = _TWO_BIASES
    if cfg.proj_size:
        why += " Keras has no proj_size: the weight_hr tensors have no Keras counterpart."
    return surplus, summary, why


def _torch_count(cfg: RnnLayer) -> ParamCount:
    module = cfg.source
    tensors: list[ParamTensor] = []
    for layer in range(cfg.num_layers):
        for suffix in ("", "_reverse")[: cfg.directions]:
            tensors += _torch_direction(cfg, layer, suffix)
    surplus, summary, why = _torch_surplus(cfg)
    result = ParamCount(f"torch {cfg.title}", tuple(tensors), surplus, f"{summary} {why}", why=why)
    named = dict(module.named_parameters())
    predicted = [(t.name, t.shape) for t in tensors]
    actual = [(name, tuple(p.shape)) for name, p in named.items()]
    framework_total = sum(int(p.numel()) for p in module.parameters())
    _verify(result, predicted, actual, framework_total, "sum(p.numel())")
    return result


# --------------------------------------------------------------------------------------------
# Public entry point
# --------------------------------------------------------------------------------------------


def _verify(
    result: ParamCount, predicted: list[Any], actual: list[Any], total: int, how: str
) -> None:
    if predicted != actual or result.total != total:
        raise ParamCountError(
            f"{result.title}: the formulas give {result.total} parameters in tensors {predicted}, "
            f"but the framework reports {how} = {total} in tensors {actual}; this layer has "
            "something lstm_notes does not model (please report it)"
        )


def _count_one(cfg: RnnLayer) -> ParamCount:
    return _keras_count(cfg) if cfg.framework == "keras" else _torch_count(cfg)


def _count_stack(layers: Sequence[Any]) -> ParamCount:
    parts = tuple(_count_one(cfg) for cfg in read_stack(layers, "count_params"))
    tensors = tuple(
        ParamTensor(f"{i}/{t.name}", t.shape, t.formula)
        for i, part in enumerate(parts)
        for t in part.tensors
    )
    surplus = sum(p.torch_surplus for p in parts)
    per_layer = " + ".join(str(p.torch_surplus) for p in parts)
    whys = " ".join(dict.fromkeys(p.why for p in parts))
    note = f"The PyTorch counterpart has {surplus} more parameters ({per_layer}, layer by layer)."
    note += f" {whys}"
    title = f"stack of {len(parts)} layers: " + "; ".join(p.title for p in parts)
    return ParamCount(title, tensors, surplus, note, parts, whys)


def count_params(layer: Any) -> ParamCount:
    """Count a recurrent layer's parameters, tensor by tensor, and check the framework agrees.

    Parameters
    ----------
    layer
        A built Keras ``LSTM``, ``GRU``, ``SimpleRNN`` or ``Bidirectional`` of one; a PyTorch
        ``nn.LSTM``, ``nn.GRU`` or ``nn.RNN`` (any ``num_layers``, ``bidirectional``, ``bias``,
        ``proj_size``); or a list of such layers forming a stack.

    Returns
    -------
    ParamCount
        ``.total``, ``.tensors`` (name, shape, count and formula of each weight tensor),
        ``.torch_surplus`` and ``.note`` (how many more parameters PyTorch has for the same sizes,
        and why), and for a stack ``.parts`` (one count per layer). It prints as a table and
        shows as an HTML table in a notebook.

    Raises
    ------
    UnsupportedLayerError
        If a layer is not a supported recurrent layer or a Keras layer is not built yet (its
        input size is unknown); for a list, also if it is empty, mixes frameworks, or its layers
        do not chain (each must take what the previous one returns).
    ParamCountError
        If the formulas disagree with the framework's own count (``layer.count_params()`` for
        Keras, ``sum(p.numel())`` for PyTorch): a bug, or a layer lstm_notes does not model.

    Examples
    --------
    >>> import torch
    >>> counted = count_params(torch.nn.LSTM(10, 7))
    >>> counted.total, counted.torch_surplus
    (532, 28)
    >>> [(t.name, t.shape) for t in counted.tensors][:2]
    [('weight_ih_l0', (28, 10)), ('weight_hh_l0', (28, 7))]
    """
    if isinstance(layer, (list, tuple)):
        return _count_stack(layer)
    return _count_one(read_layer(layer, "count_params"))
