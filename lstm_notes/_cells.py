"""Shared plumbing of the NumPy reference cells: activations, shape checks, the time loop.

Every check raises :class:`~lstm_notes.errors.ArgumentError` naming the array, the shape it must
have (in axis names) and the shape it has. Used by :mod:`lstm_notes.reference` and
:mod:`lstm_notes._gru_rnn`.

>>> initial_state("h0", None, batch_size=2, hidden_size=3).shape
(2, 3)
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from lstm_notes import _validate
from lstm_notes.errors import ArgumentError

Activation = str | Callable[[np.ndarray], np.ndarray]

__all__ = [
    "ACTIVATIONS",
    "Activation",
    "check_weights",
    "expect_shape",
    "initial_state",
    "resolve_activation",
    "sequence_input",
    "step_inputs",
    "unroll",
]


def sigmoid(z: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * z))  # equal to 1 / (1 + exp(-z)), without overflow


ACTIVATIONS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "sigmoid": sigmoid,
    "tanh": np.tanh,
    "relu": lambda z: np.maximum(z, 0.0),
    "hard_sigmoid": lambda z: np.clip(z / 6.0 + 0.5, 0.0, 1.0),
    "linear": lambda z: z,
}
"""The activations known by name, defined as in Keras 3 (``hard_sigmoid`` is ``x/6 + 1/2``
clipped to ``[0, 1]``). Any other callable mapping an array to an array works as well."""


# ---------------------------------------------------------------------------------------------
# Validation
# ---------------------------------------------------------------------------------------------


def resolve_activation(activation: Activation) -> Callable[[np.ndarray], np.ndarray]:
    if callable(activation) and not isinstance(activation, type):
        return activation
    if not isinstance(activation, str) or activation not in ACTIVATIONS:
        raise ArgumentError(
            f"unknown activation {activation!r}; use one of {sorted(ACTIVATIONS)} or a callable"
        )
    return ACTIVATIONS[activation]


def as_array(name: str, value: np.ndarray, ndim: int, axes: str) -> np.ndarray:
    array = _validate.array(value, name).astype(np.float64)
    if array.ndim != ndim:
        raise ArgumentError(f"{name} must have {ndim} axes {axes}; got shape {array.shape}")
    return array


def expect_shape(name: str, array: np.ndarray, expected: tuple[int, ...], axes: str) -> None:
    if array.shape != expected:
        raise ArgumentError(f"{name}: expected shape {expected} = {axes}, got {array.shape}")


def check_weights(
    kernel: np.ndarray,
    recurrent_kernel: np.ndarray,
    bias: np.ndarray | None,
    blocks: int,
    bias_rows: int = 1,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Check the Keras layout of one cell's weights; return them as float64 (bias never None)."""
    width = "hidden_size" if blocks == 1 else f"{blocks}*hidden_size"
    recurrent_kernel = as_array("recurrent_kernel", recurrent_kernel, 2, f"(hidden_size, {width})")
    hidden_size = recurrent_kernel.shape[0]
    expect_shape(
        "recurrent_kernel",
        recurrent_kernel,
        (hidden_size, blocks * hidden_size),
        f"(hidden_size, {width})",
    )
    kernel = as_array("kernel", kernel, 2, f"(input_size, {width})")
    expect_shape(
        "kernel", kernel, (kernel.shape[0], blocks * hidden_size), f"(input_size, {width})"
    )
    bias_shape = (blocks * hidden_size,) if bias_rows == 1 else (bias_rows, blocks * hidden_size)
    if bias is None:
        return kernel, recurrent_kernel, np.zeros(bias_shape)
    bias = _validate.array(bias, "bias").astype(np.float64)
    axes = f"({width},)" if bias_rows == 1 else f"({bias_rows}, {width})"
    expect_shape("bias", bias, bias_shape, axes)
    return kernel, recurrent_kernel, bias


def step_inputs(
    x_t: np.ndarray, states: dict[str, np.ndarray], kernel: np.ndarray, hidden_size: int
) -> tuple[np.ndarray, list[np.ndarray]]:
    """Check one step's input ``(batch_size, input_size)`` and states ``(batch_size, hidden)``."""
    x_t = as_array("x_t", x_t, 2, "(batch_size, input_size)")
    expect_shape("x_t", x_t, (x_t.shape[0], kernel.shape[0]), "(batch_size, input_size)")
    checked = []
    for name, state in states.items():
        state = as_array(name, state, 2, "(batch_size, hidden_size)")
        expect_shape(name, state, (x_t.shape[0], hidden_size), "(batch_size, hidden_size)")
        checked.append(state)
    return x_t, checked


def sequence_input(x: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    axes = "(batch_size, seq_len, input_size)"
    x = as_array("x", x, 3, axes)
    expect_shape("x", x, (*x.shape[:2], kernel.shape[0]), axes)
    return x


def initial_state(
    name: str, state: np.ndarray | None, batch_size: int, hidden_size: int
) -> np.ndarray:
    """An initial state of shape ``(batch_size, hidden_size)``: zeros when ``state`` is None."""
    if state is None:
        return np.zeros((batch_size, hidden_size))
    state = as_array(name, state, 2, "(batch_size, hidden_size)")
    expect_shape(name, state, (batch_size, hidden_size), "(batch_size, hidden_size)")
    return state


# ---------------------------------------------------------------------------------------------
# LSTM
# ---------------------------------------------------------------------------------------------


def unroll(
    step: Callable[[np.ndarray, np.ndarray], np.ndarray], x: np.ndarray, h: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Apply ``step(x_t, h) -> h`` along the time axis; return every ``h`` and the last one."""
    outputs = np.empty((x.shape[0], x.shape[1], h.shape[1]))
    for t in range(x.shape[1]):
        h = step(x[:, t], h)
        outputs[:, t] = h
    return outputs, h
