"""Tests for lstm_notes.describe: the table is right; every counterpart gives the same numbers."""

from __future__ import annotations

import importlib
import itertools
import warnings
from typing import Any

import numpy as np
import pytest
import torch
from hypothesis import given

from lstm_notes import (
    ArgumentError,
    ShapeError,
    UnsupportedLayerError,
    describe,
    expected_shapes,
    to_numpy,
)
from tests.conftest import FIXED_JUNK, JUNK_SETTINGS, check_junk, junk

try:
    import keras
except ImportError:  # the torch-only job deselects the Keras tests (-m "not keras")
    keras = None

pytestmark = pytest.mark.torch  # torch is imported above, for every test here

KERAS_KINDS = ["LSTM", "GRU", "SimpleRNN"]
TORCH_KINDS = {"LSTM": torch.nn.LSTM, "GRU": torch.nn.GRU, "SimpleRNN": torch.nn.RNN}
WRAPPERS = ["plain", "concat", "sum", "ave", "mul", None]


def _x(*shape: int) -> np.ndarray:
    return np.random.default_rng(0).standard_normal(shape).astype("float32")


def _gru_order(w: np.ndarray) -> np.ndarray:
    """Reorder the gate blocks on the last axis from Keras (z, r, h) to PyTorch (r, z, n)."""
    z, r, h = np.split(w, 3, axis=-1)
    return np.concatenate([r, z, h], axis=-1)


def _copy_direction(source: Any, module: torch.nn.Module, suffix: str) -> None:
    """Copy one Keras direction into PyTorch (written out here, independent of lstm_notes.port)."""
    kernel, recurrent, bias = source.get_weights()
    if isinstance(source, keras.layers.GRU):  # reset_after=True: bias rows (input, recurrent)
        kernel, recurrent, bias = _gru_order(kernel), _gru_order(recurrent), _gru_order(bias)
        bias_ih, bias_hh = bias[0], bias[1]
    else:  # LSTM gates i, f, c, o match PyTorch i, f, g, o; one Keras bias
        bias_ih, bias_hh = bias, np.zeros_like(bias)
    for name, value in (("weight_ih", kernel.T), ("weight_hh", recurrent.T)):
        getattr(module, f"{name}_l0{suffix}").data.copy_(
            torch.from_numpy(np.ascontiguousarray(value))
        )
    getattr(module, f"bias_ih_l0{suffix}").data.copy_(torch.from_numpy(bias_ih))
    getattr(module, f"bias_hh_l0{suffix}").data.copy_(torch.from_numpy(bias_hh))


def _torch_twin(kind: str, layer: Any, input_size: int, units: int) -> torch.nn.Module:
    bidirectional = isinstance(layer, keras.layers.Bidirectional)
    module = TORCH_KINDS[kind](input_size, units, batch_first=True, bidirectional=bidirectional)
    if bidirectional:
        _copy_direction(layer.forward_layer, module, "")
        _copy_direction(layer.backward_layer, module, "_reverse")
    else:
        _copy_direction(layer, module, "")
    return module.eval()


@pytest.mark.keras
@pytest.mark.parametrize(
    ("kind", "sequences", "wrapper"), list(itertools.product(KERAS_KINDS, [False, True], WRAPPERS))
)
def test_keras_counterparts_evaluate_to_the_same_numbers(
    kind: str, sequences: bool, wrapper: object
) -> None:
    """Each counterpart is a PyTorch expression; evaluated on the twin module it gives the value."""
    keras.utils.set_random_seed(1)
    layer = getattr(keras.layers, kind)(4, return_sequences=sequences, return_state=True)
    if wrapper != "plain":
        layer = keras.layers.Bidirectional(layer, merge_mode=wrapper)
    x = _x(2, 5, 3)
    table = describe(layer, x)
    module = _torch_twin(kind, layer, 3, 4)
    with torch.no_grad():
        output, state = module(torch.from_numpy(x))
    h_n, c_n = state if kind == "LSTM" else (state, None)
    scope = {"output": output, "h_n": h_n, "c_n": c_n, "torch": torch}
    assert len(table.rows) == len(table.outputs) >= 2
    for row, value in zip(table.rows, table.outputs, strict=True):
        twin = eval(row.counterpart, scope)  # the counterpart is a plain expression
        np.testing.assert_allclose(to_numpy(value), twin.numpy(), atol=1e-5, err_msg=row.name)


@pytest.mark.parametrize(
    "module",
    [
        torch.nn.LSTM(3, 4),
        torch.nn.GRU(3, 4, batch_first=True, num_layers=2),
        torch.nn.RNN(3, 4, bidirectional=True, nonlinearity="relu"),
        torch.nn.LSTM(3, 4, proj_size=2, batch_first=True),
    ],
    ids=["lstm", "gru-stack", "rnn-bidirectional", "lstm-proj"],
)
def test_torch_rows_follow_expected_shapes(module: torch.nn.Module) -> None:
    x = _x(2, 5, 3)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # describe must stay quiet (no stderr in the book)
        table = describe(module, x)
    assert [(r.name, r.shape) for r in table.rows] == expected_shapes(module, x.shape)
    assert all(r.meaning and r.counterpart for r in table.rows)
    assert table["h_n"] is table.outputs[1]


def test_torch_counterparts_name_the_keras_tensors() -> None:
    single = describe(torch.nn.LSTM(3, 4, batch_first=True), _x(2, 5, 3))
    assert [r.counterpart for r in single.rows] == [
        "whole_seq_output",
        "final_memory_state is h_n[0]",
        "final_carry_state is c_n[0]",
    ]
    time_major = describe(torch.nn.GRU(3, 4), _x(5, 2, 3))
    assert "transposed" in time_major.rows[0].counterpart
    assert time_major.rows[1].counterpart == "final_state is h_n[0]"
    stacked = describe(torch.nn.LSTM(3, 4, num_layers=2, bidirectional=True), _x(5, 2, 3))
    assert "forward_final_memory_state, backward_final_memory_state" in stacked.rows[1].counterpart
    assert "a stack of 2 keras Bidirectional(LSTM(4" in stacked.title
    projected = describe(torch.nn.LSTM(3, 4, proj_size=2), _x(5, 2, 3))
    assert projected.rows[0].counterpart == "none: Keras has no proj_size"
    unbatched = describe(torch.nn.RNN(3, 4), _x(5, 3))
    assert unbatched.rows[1].counterpart == "final_state[0] is h_n[0]"


@pytest.mark.keras
def test_keras_gru_rows() -> None:
    layer = keras.layers.Bidirectional(keras.layers.GRU(4, return_state=True), merge_mode="ave")
    table = describe(layer, _x(2, 5, 3))
    assert [(r.name, r.counterpart) for r in table.rows] == [
        ("final_output", "(h_n[-2] + h_n[-1]) / 2"),
        ("forward_final_state", "h_n[-2]"),
        ("backward_final_state", "h_n[-1]"),
    ]
    assert "torch nn.GRU(3, 4, batch_first=True, bidirectional=True)" in table.title
    no_twin = describe(keras.layers.GRU(4, reset_after=False, use_bias=False), _x(2, 5, 3))
    assert "nn.GRU(3, 4, batch_first=True, bias=False) (which computes reset_after=True" in (
        no_twin.title
    )


@pytest.mark.keras
def test_text_and_html() -> None:
    table = describe(keras.layers.LSTM(4, return_state=True), _x(2, 5, 3))
    text = str(table)
    for piece in ("final_output", "final_memory_state", "final_carry_state", "(2, 4)", "c_n[-1]"):
        assert piece in text
    assert repr(table) == text
    html = table._repr_html_()
    assert html.count("<tr>") == 1 + 3
    assert "final_carry_state" in html


def test_numpy_and_lists_are_converted_to_the_module_dtype() -> None:
    table = describe(torch.nn.GRU(3, 4), np.zeros((5, 2, 3)))  # float64 NumPy into float32 torch
    assert table.rows[0].shape == (5, 2, 4)
    assert table.outputs[0].dtype == torch.float32
    table = describe(torch.nn.GRU(3, 4), [[0.0, 0.0, 0.0]])  # a list: one unbatched step
    assert table.rows[0].shape == (1, 4)


@pytest.mark.keras
def test_a_torch_tensor_is_converted_for_keras() -> None:
    table = describe(keras.layers.GRU(4), torch.zeros(2, 5, 3))
    assert table.rows[0].shape == (2, 4)


def test_unknown_name() -> None:
    table = describe(torch.nn.GRU(3, 4), _x(5, 2, 3))
    with pytest.raises(
        KeyError, match=r"no returned tensor named 'c_n'; names: \['output', 'h_n'\]"
    ):
        table["c_n"]


BAD_X = [
    # (x for torch.nn.GRU(3, 4), what the message must say)
    (None, "must be an array"),
    ("abc", "must be an array"),
    ([[0.0, 1.0], [0.0]], "no ragged rows"),
    (np.array([["a", "b", "c"]]), "must hold numbers"),
    (torch.zeros(5, 2, 3, dtype=torch.float64), r"dtype torch\.float64 .* torch\.float32"),
    (_x(5, 2, 4), "expects input_size=3"),
    (_x(3), "got rank 1"),
    (_x(0, 2, 3), "seq_len=0"),
]


@pytest.mark.parametrize(("x", "message"), BAD_X)
def test_bad_inputs_are_named(x: Any, message: str) -> None:
    with pytest.raises(ArgumentError, match=message):
        describe(torch.nn.GRU(3, 4), x)


@pytest.mark.keras
def test_a_symbolic_keras_input_is_refused() -> None:
    with pytest.raises(ArgumentError, match=r"symbolic KerasTensor .*expected_shapes"):
        describe(keras.layers.LSTM(4), keras.Input((5, 3)))
    with pytest.raises(UnsupportedLayerError, match="a tensor rather than a layer"):
        describe(keras.Input((5, 3)), _x(2, 5, 3))


def test_unsupported_layers_are_refused() -> None:
    for layer in (torch.nn.Linear(3, 4), torch.nn.GRU, None, [torch.nn.GRU(3, 4)]):
        with pytest.raises(UnsupportedLayerError, match="describe takes"):
            describe(layer, _x(2, 3))


@pytest.mark.parametrize("bad", FIXED_JUNK, ids=repr)
def test_describe_on_fixed_junk(bad: Any) -> None:
    module = torch.nn.RNN(3, 2)
    assert check_junk(lambda: describe(bad, _x(2, 3))) is None
    table = check_junk(lambda: describe(module, bad))
    if table is not None:
        assert [(r.name, r.shape) for r in table.rows] == expected_shapes(module, np.shape(bad))


@JUNK_SETTINGS
@given(x=junk)
def test_describe_on_junk(x: Any) -> None:
    module = torch.nn.LSTM(2, 3, batch_first=True)
    table = check_junk(lambda: describe(module, x))
    if table is not None:  # what came back is what the module computes
        with torch.no_grad():
            output = module(torch.as_tensor(np.asarray(x, dtype=np.float32)))[0]
        torch.testing.assert_close(table["output"], output)


def test_shape_disagreement_is_reported_as_a_bug(monkeypatch: pytest.MonkeyPatch) -> None:
    wrong = [("output", (1, 1, 1)), ("h_n", (1, 1, 1))]
    # `lstm_notes.describe` is the function once the package re-exports it; fetch the module.
    describe_module = importlib.import_module("lstm_notes.describe")
    monkeypatch.setattr(describe_module, "shapes_for_config", lambda cfg, shape: wrong)
    with pytest.raises(ShapeError, match=r"returned shapes \[\(5, 2, 4\), \(1, 2, 4\)\].*bug"):
        describe(torch.nn.GRU(3, 4), _x(5, 2, 3))
