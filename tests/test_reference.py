"""The NumPy cells in ``lstm_notes.reference`` against first principles, Keras and PyTorch.

The framework tests give both libraries the same random weights (biases included) and the same
random initial states as the reference, and require every output and final state to agree to
within 1e-5.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from lstm_notes import ArgumentError, to_numpy
from tests.conftest import FIXED_JUNK, JUNK_SETTINGS, check_junk, junk

try:
    import keras
except ImportError:  # the torch-only job deselects the Keras tests (-m "not keras")
    keras = None

from lstm_notes.reference import (
    gru_sequence,
    gru_step,
    lstm_gates,
    lstm_sequence,
    lstm_step,
    rnn_sequence,
    rnn_step,
)

pytestmark = pytest.mark.torch  # torch is imported above, for every test here

ATOL = 1e-5
# (batch_size, seq_len, input_size, hidden_size), and whether to pass a random initial state.
CASES = [(1, 1, 1, 1, False), (2, 5, 3, 4, True), (3, 9, 6, 2, False), (4, 6, 2, 5, True)]


def _random(rng: np.random.Generator, *shape: int) -> np.ndarray:
    return rng.normal(scale=0.5, size=shape).astype("float32")


def _inputs(case: tuple, seed: int) -> tuple[np.random.Generator, np.ndarray, np.ndarray | None]:
    """A generator, an input ``x`` and an initial state (or None) for one case."""
    batch_size, seq_len, input_size, hidden_size, with_state = case
    rng = np.random.default_rng(seed)
    x = _random(rng, batch_size, seq_len, input_size)
    return rng, x, _random(rng, batch_size, hidden_size) if with_state else None


def _close(actual: np.ndarray, expected: np.ndarray) -> None:
    np.testing.assert_allclose(to_numpy(actual), expected, rtol=0, atol=ATOL)


# ---------------------------------------------------------------------------------------------
# First principles: values worked out by hand
# ---------------------------------------------------------------------------------------------


def test_lstm_with_zero_weights_keeps_half_of_the_cell() -> None:
    # Every gate is sigmoid(0) = 1/2 and g = tanh(0) = 0, so c = c_prev / 2, h = tanh(c) / 2.
    c_prev = np.array([[2.0, -1.0, 0.0]])
    gates = lstm_gates(
        np.ones((1, 2)), np.ones((1, 3)), c_prev, np.zeros((2, 12)), np.zeros((3, 12)), np.zeros(12)
    )
    for gate in (gates.i, gates.f, gates.o):
        np.testing.assert_array_equal(gate, 0.5)
    np.testing.assert_array_equal(gates.g, 0.0)
    np.testing.assert_array_equal(gates.c, [[1.0, -0.5, 0.0]])
    np.testing.assert_allclose(gates.h, 0.5 * np.tanh([[1.0, -0.5, 0.0]]))


def test_lstm_bias_blocks_are_in_order_i_f_g_o() -> None:
    # One unit; a large bias opens exactly one gate, or sets the candidate g = tanh(10) ~ 1.
    big = 10.0
    x_t, h_prev, c_prev = np.zeros((1, 1)), np.zeros((1, 1)), np.array([[0.8]])
    kernel, recurrent_kernel = np.zeros((1, 4)), np.zeros((1, 4))
    only_forget = np.array([-big, big, 0.0, -big])  # keep c, write nothing, show nothing
    h, c = lstm_step(x_t, h_prev, c_prev, kernel, recurrent_kernel, only_forget)
    np.testing.assert_allclose(c, 0.8, atol=1e-3)
    np.testing.assert_allclose(h, 0.0, atol=1e-4)
    write_and_show = np.array([big, -big, big, big])  # forget c, write g ~ 1, show tanh(1)
    h, c = lstm_step(x_t, h_prev, c_prev, kernel, recurrent_kernel, write_and_show)
    np.testing.assert_allclose(c, 1.0, atol=1e-3)
    np.testing.assert_allclose(h, np.tanh(1.0), atol=1e-3)


@pytest.mark.parametrize("reset_after", [True, False])
def test_gru_with_zero_weights_halves_the_state(reset_after: bool) -> None:
    # z = 1/2 and n = tanh(0) = 0, so h = h_prev / 2.
    bias = np.zeros((2, 9)) if reset_after else np.zeros(9)
    h = gru_step(
        np.ones((1, 2)),
        np.array([[4.0, -2.0, 1.0]]),
        np.zeros((2, 9)),
        np.zeros((3, 9)),
        bias,
        reset_after=reset_after,
    )
    np.testing.assert_array_equal(h, [[2.0, -1.0, 0.5]])


def test_gru_reset_variants_differ_in_where_r_is_applied() -> None:
    # Two units. Update gate shut (z ~ 0), so h = n. Reset gate r ~ [1, 0]. U_h swaps the units.
    # reset_after=True:  n = tanh(r * (h_prev U_h + b'_h)) = tanh([1, 0] * [2 + 0.5, 1 + 0.5])
    # reset_after=False: n = tanh((r * h_prev) U_h)        = tanh([1, 0] @ swap) = tanh([0, 1])
    big = 20.0
    swap = np.array([[0.0, 1.0], [1.0, 0.0]])
    recurrent_kernel = np.concatenate([np.zeros((2, 4)), swap], axis=1)
    input_bias = np.array([-big, -big, big, -big, 0.0, 0.0])  # blocks z, r, h
    recurrent_bias = np.array([0.0, 0.0, 0.0, 0.0, 0.5, 0.5])
    x_t, h_prev, kernel = np.zeros((1, 1)), np.array([[1.0, 2.0]]), np.zeros((1, 6))
    after = gru_step(x_t, h_prev, kernel, recurrent_kernel, np.stack([input_bias, recurrent_bias]))
    before = gru_step(x_t, h_prev, kernel, recurrent_kernel, input_bias, reset_after=False)
    np.testing.assert_allclose(after, np.tanh([[2.5, 0.0]]), atol=1e-6)
    np.testing.assert_allclose(before, np.tanh([[0.0, 1.0]]), atol=1e-6)


def test_rnn_relu_with_identity_recurrence_holds_its_state() -> None:
    h0 = np.array([[0.0, 1.5, 3.0]])
    outputs, h = rnn_sequence(
        np.zeros((1, 4, 2)), np.ones((2, 3)), np.eye(3), np.zeros(3), h0=h0, activation="relu"
    )
    np.testing.assert_array_equal(outputs, np.repeat(h0[:, None], 4, axis=1))
    np.testing.assert_array_equal(h, h0)


def test_bias_none_means_zero_bias() -> None:
    rng = np.random.default_rng(1)
    x, kernel = rng.normal(size=(2, 3, 4)), rng.normal(size=(4, 8))
    recurrent_kernel = rng.normal(size=(2, 8))
    np.testing.assert_array_equal(
        lstm_sequence(x, kernel, recurrent_kernel, None)[0],
        lstm_sequence(x, kernel, recurrent_kernel, np.zeros(8))[0],
    )


@settings(max_examples=15, deadline=None, derandomize=True)
@given(
    sizes=st.tuples(*[st.integers(1, 4)] * 4),
    split=st.integers(1, 5),
    cell=st.sampled_from(["lstm", "gru", "gru_reset_before", "rnn"]),
)
def test_a_sequence_split_in_two_gives_the_same_outputs(
    sizes: tuple[int, int, int, int], split: int, cell: str
) -> None:
    """Running seq[:split], then seq[split:] from the final state, equals one run."""
    batch_size, extra, input_size, hidden_size = sizes
    rng = np.random.default_rng(sum(sizes) + split)
    x = rng.normal(size=(batch_size, split + extra, input_size))
    blocks = {"lstm": 4, "gru": 3, "gru_reset_before": 3, "rnn": 1}[cell]
    weights = (
        rng.normal(size=(input_size, blocks * hidden_size)),
        rng.normal(size=(hidden_size, blocks * hidden_size)),
        rng.normal(size=(2, 3 * hidden_size) if cell == "gru" else (blocks * hidden_size,)),
    )
    if cell == "lstm":
        full, *_ = lstm_sequence(x, *weights)
        first, h, c = lstm_sequence(x[:, :split], *weights)
        second, *_ = lstm_sequence(x[:, split:], *weights, h0=h, c0=c)
    elif cell == "rnn":
        full, _ = rnn_sequence(x, *weights)
        first, h = rnn_sequence(x[:, :split], *weights)
        second, _ = rnn_sequence(x[:, split:], *weights, h0=h)
    else:
        reset_after = cell == "gru"
        full, _ = gru_sequence(x, *weights, reset_after=reset_after)
        first, h = gru_sequence(x[:, :split], *weights, reset_after=reset_after)
        second, _ = gru_sequence(x[:, split:], *weights, h0=h, reset_after=reset_after)
    np.testing.assert_allclose(np.concatenate([first, second], axis=1), full, atol=1e-12)


# ---------------------------------------------------------------------------------------------
# Errors
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (
            lambda: lstm_sequence(np.zeros((2, 5, 3)), np.zeros((3, 6)), np.zeros((2, 8)), None),
            "kernel: expected shape (3, 8) = (input_size, 4*hidden_size), got (3, 6)",
        ),
        (
            lambda: lstm_sequence(np.zeros((2, 5, 3)), np.zeros((3, 8)), np.zeros((2, 6)), None),
            "recurrent_kernel: expected shape (2, 8) = (hidden_size, 4*hidden_size), got (2, 6)",
        ),
        (
            lambda: lstm_sequence(np.zeros((5, 3)), np.zeros((3, 8)), np.zeros((2, 8)), None),
            "x must have 3 axes (batch_size, seq_len, input_size); got shape (5, 3)",
        ),
        (
            lambda: lstm_sequence(
                np.zeros((2, 5, 3)), np.zeros((3, 8)), np.zeros((2, 8)), None, c0=np.zeros((1, 2))
            ),
            "c0: expected shape (2, 2) = (batch_size, hidden_size), got (1, 2)",
        ),
        (
            lambda: gru_step(
                np.zeros((2, 3)),
                np.zeros((2, 2)),
                np.zeros((3, 6)),
                np.zeros((2, 6)),
                np.zeros((2, 6)),
                reset_after=False,
            ),
            "bias: expected shape (6,) = (3*hidden_size,), got (2, 6)",
        ),
        (
            lambda: rnn_step(
                np.zeros((2, 3)), np.zeros((2, 4)), np.zeros((3, 2)), np.zeros((2, 2)), None
            ),
            "h_prev: expected shape (2, 2) = (batch_size, hidden_size), got (2, 4)",
        ),
        (
            lambda: rnn_step(
                np.zeros((2, 3)),
                np.zeros((2, 2)),
                np.zeros((3, 2)),
                np.zeros((2, 2)),
                None,
                activation="gelu",
            ),
            "unknown activation 'gelu'; use one of ['hard_sigmoid', 'linear', 'relu', 'sigmoid', "
            "'tanh'] or a callable",
        ),
    ],
    ids=["kernel", "recurrent_kernel", "x", "c0", "gru_bias", "h_prev", "activation"],
)
def test_bad_input_raises_an_error_that_says_what_was_expected(call, message: str) -> None:
    with pytest.raises(ArgumentError, match=re.escape(message)):
        call()


def _lstm_weights() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    return np.zeros((3, 8)), np.zeros((2, 8)), np.zeros(8)


@pytest.mark.parametrize("bad", FIXED_JUNK, ids=repr)
def test_reference_cells_on_fixed_junk(bad: Any) -> None:
    kernel, recurrent_kernel, bias = _lstm_weights()
    x = np.zeros((1, 2, 3))
    for call in (
        lambda: lstm_sequence(bad, kernel, recurrent_kernel, bias),
        lambda: lstm_sequence(x, bad, recurrent_kernel, bias),
        lambda: lstm_sequence(x, kernel, recurrent_kernel, bad),
        lambda: lstm_sequence(x, kernel, recurrent_kernel, bias, h0=bad),
        lambda: gru_sequence(x, np.zeros((3, 6)), np.zeros((2, 6)), None, activation=bad),
        lambda: rnn_step(bad, np.zeros((1, 2)), np.zeros((3, 2)), np.zeros((2, 2)), None),
    ):
        result = check_junk(call)
        assert result is None or all(np.all(np.isfinite(r)) for r in result)


@JUNK_SETTINGS
@given(x=junk, h0=junk)
def test_lstm_sequence_on_junk(x: Any, h0: Any) -> None:
    kernel, recurrent_kernel, bias = _lstm_weights()
    result = check_junk(lambda: lstm_sequence(x, kernel, recurrent_kernel, bias, h0=h0))
    if result is not None:  # zero weights: the state stays exactly zero (h0 = None)
        assert not np.any(result[1])


# ---------------------------------------------------------------------------------------------
# Keras
# ---------------------------------------------------------------------------------------------


def _keras_layer(layer: Any, input_size: int, rng: np.random.Generator) -> list:
    """Build a Keras layer, give it random weights, and return them (Keras layout)."""
    layer.build((None, None, input_size))
    weights = [_random(rng, *w.shape) for w in layer.get_weights()]
    layer.set_weights(weights)
    return weights


@pytest.mark.keras
@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize(
    ("activation", "recurrent_activation"), [("tanh", "sigmoid"), ("relu", "hard_sigmoid")]
)
def test_lstm_matches_keras(case: tuple, activation: str, recurrent_activation: str) -> None:
    rng, x, h0 = _inputs(case, seed=10)
    c0 = None if h0 is None else _random(rng, *h0.shape)
    acts = {"activation": activation, "recurrent_activation": recurrent_activation}
    layer = keras.layers.LSTM(case[3], return_sequences=True, return_state=True, **acts)
    weights = _keras_layer(layer, case[2], rng)
    outputs, h, c = layer(x, initial_state=None if h0 is None else [h0, c0])
    expected = lstm_sequence(x, *weights, h0=h0, c0=c0, **acts)
    for actual, wanted in zip((outputs, h, c), expected, strict=True):
        _close(actual, wanted)


@pytest.mark.keras
@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize(
    ("reset_after", "activation", "recurrent_activation"),
    [(True, "tanh", "sigmoid"), (False, "tanh", "sigmoid"), (True, "relu", "hard_sigmoid")],
)
def test_gru_matches_keras(
    case: tuple, reset_after: bool, activation: str, recurrent_activation: str
) -> None:
    rng, x, h0 = _inputs(case, seed=20)
    options = {
        "reset_after": reset_after,
        "activation": activation,
        "recurrent_activation": recurrent_activation,
    }
    layer = keras.layers.GRU(case[3], return_sequences=True, return_state=True, **options)
    weights = _keras_layer(layer, case[2], rng)
    assert weights[2].shape == ((2, 3 * case[3]) if reset_after else (3 * case[3],))
    outputs, h = layer(x, initial_state=None if h0 is None else [h0])
    expected = gru_sequence(x, *weights, h0=h0, **options)
    for actual, wanted in zip((outputs, h), expected, strict=True):
        _close(actual, wanted)


@pytest.mark.keras
@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("activation", ["tanh", "relu"])
def test_simple_rnn_matches_keras(case: tuple, activation: str) -> None:
    rng, x, h0 = _inputs(case, seed=30)
    layer = keras.layers.SimpleRNN(
        case[3], activation=activation, return_sequences=True, return_state=True
    )
    weights = _keras_layer(layer, case[2], rng)
    outputs, h = layer(x, initial_state=None if h0 is None else [h0])
    expected = rnn_sequence(x, *weights, h0=h0, activation=activation)
    for actual, wanted in zip((outputs, h), expected, strict=True):
        _close(actual, wanted)


# ---------------------------------------------------------------------------------------------
# PyTorch: random PyTorch weights, converted to the Keras layout for the reference
# ---------------------------------------------------------------------------------------------


def _torch_module(module: torch.nn.RNNBase, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Give a one-layer PyTorch module random weights; return them as NumPy arrays."""
    params = {}
    with torch.no_grad():
        for name, param in module.named_parameters():
            params[name] = _random(rng, *param.shape)
            param.copy_(torch.from_numpy(params[name]))
    return params


def _to_keras(params: dict[str, np.ndarray], gru: bool = False) -> tuple[np.ndarray, ...]:
    """PyTorch layout to Keras layout; a GRU's blocks go from r, z, n to z, r, n."""

    def order(w: np.ndarray) -> np.ndarray:
        if not gru:
            return w
        r, z, n = np.split(w, 3, axis=0)
        return np.concatenate([z, r, n], axis=0)

    kernel = order(params["weight_ih_l0"]).T
    recurrent_kernel = order(params["weight_hh_l0"]).T
    bias_ih, bias_hh = order(params["bias_ih_l0"]), order(params["bias_hh_l0"])
    bias = np.stack([bias_ih, bias_hh]) if gru else bias_ih + bias_hh
    return kernel, recurrent_kernel, bias


def _run_torch(module: torch.nn.RNNBase, x: np.ndarray, *states: np.ndarray | None) -> tuple:
    """Output sequence and final state(s) of a batch-first module, as NumPy arrays."""
    initial = None if states[0] is None else tuple(torch.from_numpy(s[None]) for s in states)
    if initial is not None and len(initial) == 1:
        initial = initial[0]
    with torch.no_grad():
        outputs, final = module(torch.from_numpy(x), initial)
    final = final if isinstance(final, tuple) else (final,)
    return (outputs.numpy(), *(state[0].numpy() for state in final))


@pytest.mark.torch
@pytest.mark.parametrize("case", CASES)
def test_lstm_matches_torch(case: tuple) -> None:
    rng, x, h0 = _inputs(case, seed=40)
    c0 = None if h0 is None else _random(rng, *h0.shape)
    module = torch.nn.LSTM(case[2], case[3], batch_first=True)
    weights = _to_keras(_torch_module(module, rng))
    actual = _run_torch(module, x, h0, c0)
    expected = lstm_sequence(x, *weights, h0=h0, c0=c0)
    for got, wanted in zip(actual, expected, strict=True):
        _close(got, wanted)


@pytest.mark.torch
@pytest.mark.parametrize("case", CASES)
def test_gru_matches_torch(case: tuple) -> None:
    rng, x, h0 = _inputs(case, seed=50)
    module = torch.nn.GRU(case[2], case[3], batch_first=True)
    weights = _to_keras(_torch_module(module, rng), gru=True)
    actual = _run_torch(module, x, h0)
    expected = gru_sequence(x, *weights, h0=h0, reset_after=True)
    for got, wanted in zip(actual, expected, strict=True):
        _close(got, wanted)


@pytest.mark.torch
@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("nonlinearity", ["tanh", "relu"])
def test_rnn_matches_torch(case: tuple, nonlinearity: str) -> None:
    rng, x, h0 = _inputs(case, seed=60)
    module = torch.nn.RNN(case[2], case[3], nonlinearity=nonlinearity, batch_first=True)
    weights = _to_keras(_torch_module(module, rng))
    actual = _run_torch(module, x, h0)
    expected = rnn_sequence(x, *weights, h0=h0, activation=nonlinearity)
    for got, wanted in zip(actual, expected, strict=True):
        _close(got, wanted)
