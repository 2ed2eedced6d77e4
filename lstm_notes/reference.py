"""Recurrent cells written from scratch in NumPy: LSTM, GRU and SimpleRNN.

These functions compute exactly what ``keras.layers.LSTM/GRU/SimpleRNN`` and
``torch.nn.LSTM/GRU/RNN`` compute, with no framework involved, so that every equation in the book
can be checked against both libraries. They favour clarity over speed and compute in float64.

**Weight layout.** Every function takes the weights as Keras stores them (``layer.get_weights()``):
``kernel``, ``recurrent_kernel`` and ``bias``, each holding ``k`` blocks of ``hidden_size`` columns
side by side, one block per gate.

* LSTM, ``k = 4``, blocks i, f, g, o (Keras calls g "c"): ``kernel (input_size, 4*hidden_size)``,
  ``recurrent_kernel (hidden_size, 4*hidden_size)``, ``bias (4*hidden_size,)``.
* GRU, ``k = 3``, blocks z, r, h: ``kernel (input_size, 3*hidden_size)``,
  ``recurrent_kernel (hidden_size, 3*hidden_size)``, and ``bias (2, 3*hidden_size)`` with
  ``reset_after=True`` (the Keras default; row 0 is the input bias, row 1 the recurrent bias) or
  ``bias (3*hidden_size,)`` with ``reset_after=False``.
* SimpleRNN, ``k = 1``: ``kernel (input_size, hidden_size)``,
  ``recurrent_kernel (hidden_size, hidden_size)``, ``bias (hidden_size,)``.

``bias=None`` stands for a layer built with ``use_bias=False``.

**PyTorch's layout.** PyTorch stores ``weight_ih_l0`` as ``(k*hidden_size, input_size)`` and
``weight_hh_l0`` as ``(k*hidden_size, hidden_size)``, and keeps two bias vectors, ``bias_ih_l0``
and ``bias_hh_l0``. To use PyTorch weights here:

* LSTM (PyTorch order i, f, g, o, the same as Keras) and RNN: ``kernel = weight_ih.T``,
  ``recurrent_kernel = weight_hh.T``, ``bias = bias_ih + bias_hh``.
* GRU (PyTorch order r, z, n): swap the first two blocks of every tensor to get z, r, n, then
  ``kernel = weight_ih.T``, ``recurrent_kernel = weight_hh.T``, ``bias = [bias_ih, bias_hh]``
  (stacked), with ``reset_after=True``: PyTorch applies the reset gate after the recurrent matrix
  product. A Keras GRU with ``reset_after=False`` has no PyTorch equivalent.

Inputs are batch-first, ``x`` of shape ``(batch_size, seq_len, input_size)``, as in Keras and in
PyTorch with ``batch_first=True``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import NamedTuple

import numpy as np

Activation = str | Callable[[np.ndarray], np.ndarray]

__all__ = [
    "ACTIVATIONS",
    "LSTMGates",
    "gru_sequence",
    "gru_step",
    "lstm_gates",
    "lstm_sequence",
    "lstm_step",
    "rnn_sequence",
    "rnn_step",
]


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * z))  # equal to 1 / (1 + exp(-z)), without overflow


ACTIVATIONS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "sigmoid": _sigmoid,
    "tanh": np.tanh,
    "relu": lambda z: np.maximum(z, 0.0),
    "hard_sigmoid": lambda z: np.clip(z / 6.0 + 0.5, 0.0, 1.0),
    "linear": lambda z: z,
}
"""The activations known by name, defined as in Keras 3 (``hard_sigmoid`` is ``x/6 + 1/2``
clipped to ``[0, 1]``). Any other callable mapping an array to an array works as well."""


class LSTMGates(NamedTuple):
    """Everything one LSTM step computes, each of shape ``(batch_size, hidden_size)``."""

    i: np.ndarray
    """Input gate: how much of the candidate ``g`` is written into the cell."""
    f: np.ndarray
    """Forget gate: how much of the previous cell state is kept."""
    g: np.ndarray
    """Candidate values that may be written into the cell."""
    o: np.ndarray
    """Output gate: how much of the squashed cell state is shown as ``h``."""
    c: np.ndarray
    """New cell state ``c_t``."""
    h: np.ndarray
    """New hidden state ``h_t``, the layer's output at this step."""


# ---------------------------------------------------------------------------------------------
# Validation
# ---------------------------------------------------------------------------------------------


def _activation(activation: Activation) -> Callable[[np.ndarray], np.ndarray]:
    if callable(activation):
        return activation
    if activation not in ACTIVATIONS:
        raise ValueError(
            f"unknown activation {activation!r}; use one of {sorted(ACTIVATIONS)} or a callable"
        )
    return ACTIVATIONS[activation]


def _array(name: str, value: np.ndarray, ndim: int, axes: str) -> np.ndarray:
    array = np.asarray(value, dtype=np.float64)
    if array.ndim != ndim:
        raise ValueError(f"{name} must have {ndim} axes {axes}; got shape {array.shape}")
    return array


def _expect(name: str, array: np.ndarray, expected: tuple[int, ...], axes: str) -> None:
    if array.shape != expected:
        raise ValueError(f"{name}: expected shape {expected} = {axes}, got {array.shape}")


def _weights(
    kernel: np.ndarray,
    recurrent_kernel: np.ndarray,
    bias: np.ndarray | None,
    blocks: int,
    bias_rows: int = 1,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Check the Keras layout of one cell's weights; return them as float64 (bias never None)."""
    width = "hidden_size" if blocks == 1 else f"{blocks}*hidden_size"
    recurrent_kernel = _array("recurrent_kernel", recurrent_kernel, 2, f"(hidden_size, {width})")
    hidden_size = recurrent_kernel.shape[0]
    _expect(
        "recurrent_kernel",
        recurrent_kernel,
        (hidden_size, blocks * hidden_size),
        f"(hidden_size, {width})",
    )
    kernel = _array("kernel", kernel, 2, f"(input_size, {width})")
    _expect("kernel", kernel, (kernel.shape[0], blocks * hidden_size), f"(input_size, {width})")
    bias_shape = (blocks * hidden_size,) if bias_rows == 1 else (bias_rows, blocks * hidden_size)
    if bias is None:
        return kernel, recurrent_kernel, np.zeros(bias_shape)
    bias = np.asarray(bias, dtype=np.float64)
    axes = f"({width},)" if bias_rows == 1 else f"({bias_rows}, {width})"
    _expect("bias", bias, bias_shape, axes)
    return kernel, recurrent_kernel, bias


def _step_inputs(
    x_t: np.ndarray, states: dict[str, np.ndarray], kernel: np.ndarray, hidden_size: int
) -> tuple[np.ndarray, list[np.ndarray]]:
    """Check one step's input ``(batch_size, input_size)`` and states ``(batch_size, hidden)``."""
    x_t = _array("x_t", x_t, 2, "(batch_size, input_size)")
    _expect("x_t", x_t, (x_t.shape[0], kernel.shape[0]), "(batch_size, input_size)")
    checked = []
    for name, state in states.items():
        state = _array(name, state, 2, "(batch_size, hidden_size)")
        _expect(name, state, (x_t.shape[0], hidden_size), "(batch_size, hidden_size)")
        checked.append(state)
    return x_t, checked


def _sequence_input(x: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    axes = "(batch_size, seq_len, input_size)"
    x = _array("x", x, 3, axes)
    _expect("x", x, (*x.shape[:2], kernel.shape[0]), axes)
    return x


def _initial(name: str, state: np.ndarray | None, batch_size: int, hidden_size: int) -> np.ndarray:
    """An initial state of shape ``(batch_size, hidden_size)``: zeros when ``state`` is None."""
    if state is None:
        return np.zeros((batch_size, hidden_size))
    state = _array(name, state, 2, "(batch_size, hidden_size)")
    _expect(name, state, (batch_size, hidden_size), "(batch_size, hidden_size)")
    return state


# ---------------------------------------------------------------------------------------------
# LSTM
# ---------------------------------------------------------------------------------------------


def _unroll(
    step: Callable[[np.ndarray, np.ndarray], np.ndarray], x: np.ndarray, h: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Apply ``step(x_t, h) -> h`` along the time axis; return every ``h`` and the last one."""
    outputs = np.empty((x.shape[0], x.shape[1], h.shape[1]))
    for t in range(x.shape[1]):
        h = step(x[:, t], h)
        outputs[:, t] = h
    return outputs, h


def lstm_gates(
    x_t: np.ndarray,
    h_prev: np.ndarray,
    c_prev: np.ndarray,
    kernel: np.ndarray,
    recurrent_kernel: np.ndarray,
    bias: np.ndarray | None,
    *,
    activation: Activation = "tanh",
    recurrent_activation: Activation = "sigmoid",
) -> LSTMGates:
    """One LSTM step, returning the four gates as well as the new states.

    With ``a = activation`` (tanh by default) and ``s = recurrent_activation`` (sigmoid)::

        i, f, g, o = split(x_t @ kernel + h_prev @ recurrent_kernel + bias, 4)
        i, f, g, o = s(i), s(f), a(g), s(o)
        c = f * c_prev + i * g
        h = o * a(c)

    Parameters
    ----------
    x_t : ndarray, shape (batch_size, input_size)
        The input at one time step.
    h_prev, c_prev : ndarray, shape (batch_size, hidden_size)
        The hidden and cell state after the previous step.
    kernel, recurrent_kernel, bias : ndarray
        Weights in the Keras layout, shapes ``(input_size, 4*hidden_size)``,
        ``(hidden_size, 4*hidden_size)`` and ``(4*hidden_size,)``, gate order i, f, g, o;
        ``bias=None`` means no bias.
    activation, recurrent_activation : str or callable
        As the Keras arguments of the same names: ``activation`` is applied to ``g`` and to the
        cell state in ``h``, ``recurrent_activation`` to the gates ``i``, ``f`` and ``o``.

    Returns
    -------
    LSTMGates
        ``(i, f, g, o, c, h)``, each of shape ``(batch_size, hidden_size)``.

    Raises
    ------
    ValueError
        If a shape does not fit the layout above, or an activation name is unknown.

    Examples
    --------
    With all weights zero every gate is ``sigmoid(0) = 0.5`` and the candidate is ``tanh(0) = 0``,
    so the cell keeps half of its state:

    >>> import numpy as np
    >>> zeros = np.zeros
    >>> gates = lstm_gates(zeros((1, 3)), zeros((1, 2)), np.ones((1, 2)),
    ...                    zeros((3, 8)), zeros((2, 8)), zeros(8))
    >>> gates.i, gates.g, gates.c
    (array([[0.5, 0.5]]), array([[0., 0.]]), array([[0.5, 0.5]]))
    """
    kernel, recurrent_kernel, bias = _weights(kernel, recurrent_kernel, bias, blocks=4)
    hidden_size = recurrent_kernel.shape[0]
    x_t, (h_prev, c_prev) = _step_inputs(
        x_t, {"h_prev": h_prev, "c_prev": c_prev}, kernel, hidden_size
    )
    act, rec_act = _activation(activation), _activation(recurrent_activation)
    z = x_t @ kernel + h_prev @ recurrent_kernel + bias
    z_i, z_f, z_g, z_o = np.split(z, 4, axis=-1)
    i, f, g, o = rec_act(z_i), rec_act(z_f), act(z_g), rec_act(z_o)
    c = f * c_prev + i * g
    h = o * act(c)
    return LSTMGates(i=i, f=f, g=g, o=o, c=c, h=h)


def lstm_step(
    x_t: np.ndarray,
    h_prev: np.ndarray,
    c_prev: np.ndarray,
    kernel: np.ndarray,
    recurrent_kernel: np.ndarray,
    bias: np.ndarray | None,
    *,
    activation: Activation = "tanh",
    recurrent_activation: Activation = "sigmoid",
) -> tuple[np.ndarray, np.ndarray]:
    """One LSTM step: the new hidden state ``h`` and cell state ``c``.

    Arguments as in :func:`lstm_gates`, which also returns the gates.

    Returns
    -------
    h, c : ndarray, shape (batch_size, hidden_size)

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> h, c = lstm_step(rng.normal(size=(2, 3)), np.zeros((2, 5)), np.zeros((2, 5)),
    ...                  rng.normal(size=(3, 20)), rng.normal(size=(5, 20)), np.zeros(20))
    >>> h.shape, c.shape
    ((2, 5), (2, 5))
    >>> bool(np.all(np.abs(h) < 1))  # h = o * tanh(c), with 0 < o < 1
    True
    """
    gates = lstm_gates(
        x_t,
        h_prev,
        c_prev,
        kernel,
        recurrent_kernel,
        bias,
        activation=activation,
        recurrent_activation=recurrent_activation,
    )
    return gates.h, gates.c


def lstm_sequence(
    x: np.ndarray,
    kernel: np.ndarray,
    recurrent_kernel: np.ndarray,
    bias: np.ndarray | None,
    *,
    h0: np.ndarray | None = None,
    c0: np.ndarray | None = None,
    activation: Activation = "tanh",
    recurrent_activation: Activation = "sigmoid",
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Run an LSTM over a whole batch of sequences, like ``keras.layers.LSTM``.

    Parameters
    ----------
    x : ndarray, shape (batch_size, seq_len, input_size)
        The input sequences, batch first.
    kernel, recurrent_kernel, bias : ndarray
        Weights in the Keras layout, see :func:`lstm_gates`.
    h0, c0 : ndarray, shape (batch_size, hidden_size), optional
        Initial hidden and cell state; zeros when omitted (as in both frameworks).
    activation, recurrent_activation : str or callable
        As in :func:`lstm_gates`.

    Returns
    -------
    outputs : ndarray, shape (batch_size, seq_len, hidden_size)
        ``h_t`` at every step (Keras ``return_sequences=True``, PyTorch ``output``).
    h, c : ndarray, shape (batch_size, hidden_size)
        The final hidden and cell state.

    Raises
    ------
    ValueError
        If a shape does not fit, e.g. ``x.shape[-1]`` differs from ``kernel.shape[0]``.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> kernel, recurrent_kernel = rng.normal(size=(3, 16)), rng.normal(size=(4, 16))
    >>> outputs, h, c = lstm_sequence(rng.normal(size=(2, 7, 3)), kernel, recurrent_kernel,
    ...                               np.zeros(16))
    >>> outputs.shape, h.shape, c.shape
    ((2, 7, 4), (2, 4), (2, 4))
    >>> bool(np.array_equal(outputs[:, -1], h))  # the last output is the final hidden state
    True
    >>> lstm_sequence(np.zeros((2, 7, 5)), kernel, recurrent_kernel, None)
    Traceback (most recent call last):
    ...
    ValueError: x: expected shape (2, 7, 3) = (batch_size, seq_len, input_size), got (2, 7, 5)
    """
    kernel, recurrent_kernel, bias = _weights(kernel, recurrent_kernel, bias, blocks=4)
    x = _sequence_input(x, kernel)
    batch_size, seq_len, _ = x.shape
    hidden_size = recurrent_kernel.shape[0]
    h = _initial("h0", h0, batch_size, hidden_size)
    c = _initial("c0", c0, batch_size, hidden_size)
    outputs = np.empty((batch_size, seq_len, hidden_size))
    for t in range(seq_len):
        h, c = lstm_step(
            x[:, t],
            h,
            c,
            kernel,
            recurrent_kernel,
            bias,
            activation=activation,
            recurrent_activation=recurrent_activation,
        )
        outputs[:, t] = h
    return outputs, h, c


# ---------------------------------------------------------------------------------------------
# GRU
# ---------------------------------------------------------------------------------------------


def gru_step(
    x_t: np.ndarray,
    h_prev: np.ndarray,
    kernel: np.ndarray,
    recurrent_kernel: np.ndarray,
    bias: np.ndarray | None,
    *,
    reset_after: bool = True,
    activation: Activation = "tanh",
    recurrent_activation: Activation = "sigmoid",
) -> np.ndarray:
    """One GRU step, as ``keras.layers.GRU`` computes it (gate order z, r, h).

    With ``s = recurrent_activation`` and ``a = activation``, and ``W``, ``U`` the blocks of
    ``kernel`` and ``recurrent_kernel``::

        z = s(x_t W_z + h_prev U_z + b_z)                    # update gate
        r = s(x_t W_r + h_prev U_r + b_r)                    # reset gate
        n = a(x_t W_h + b_h + r * (h_prev U_h + b'_h))       # reset_after=True (and PyTorch)
        n = a(x_t W_h + b_h + (r * h_prev) U_h)              # reset_after=False
        h = z * h_prev + (1 - z) * n

    With ``reset_after=True``, ``bias`` has shape ``(2, 3*hidden_size)``: the input biases ``b``
    and the recurrent biases ``b'``. With ``reset_after=False`` it has shape ``(3*hidden_size,)``.

    Parameters
    ----------
    x_t : ndarray, shape (batch_size, input_size)
    h_prev : ndarray, shape (batch_size, hidden_size)
    kernel, recurrent_kernel, bias : ndarray
        Keras layout: ``(input_size, 3*hidden_size)``, ``(hidden_size, 3*hidden_size)`` and the
        bias described above; ``bias=None`` means no bias.
    reset_after : bool
        Where the reset gate is applied, as the Keras argument (default True, as in Keras).
    activation, recurrent_activation : str or callable
        As the Keras arguments: ``activation`` for ``n``, ``recurrent_activation`` for ``z``, ``r``.

    Returns
    -------
    ndarray, shape (batch_size, hidden_size)
        The new hidden state.

    Raises
    ------
    ValueError
        If a shape does not fit, for example a ``(3*hidden_size,)`` bias with ``reset_after=True``.

    Examples
    --------
    With all weights zero, ``z = 0.5`` and ``n = 0``: the state is halved.

    >>> import numpy as np
    >>> gru_step(np.zeros((1, 3)), np.array([[2.0, -4.0]]),
    ...          np.zeros((3, 6)), np.zeros((2, 6)), np.zeros((2, 6)))
    array([[ 1., -2.]])
    """
    bias_rows = 2 if reset_after else 1
    kernel, recurrent_kernel, bias = _weights(kernel, recurrent_kernel, bias, 3, bias_rows)
    hidden_size = recurrent_kernel.shape[0]
    x_t, (h_prev,) = _step_inputs(x_t, {"h_prev": h_prev}, kernel, hidden_size)
    act, rec_act = _activation(activation), _activation(recurrent_activation)
    if reset_after:
        input_bias, recurrent_bias = bias[0], bias[1]
    else:
        input_bias, recurrent_bias = bias, np.zeros_like(bias)
    x_z, x_r, x_h = np.split(x_t @ kernel + input_bias, 3, axis=-1)
    u_z, u_r, u_h = np.split(recurrent_kernel, 3, axis=-1)
    b_z, b_r, b_h = np.split(recurrent_bias, 3)
    z = rec_act(x_z + h_prev @ u_z + b_z)
    r = rec_act(x_r + h_prev @ u_r + b_r)
    # The only difference between the variants: reset before or after the matrix product.
    recurrent_h = r * (h_prev @ u_h + b_h) if reset_after else (r * h_prev) @ u_h
    n = act(x_h + recurrent_h)
    return z * h_prev + (1.0 - z) * n


def gru_sequence(
    x: np.ndarray,
    kernel: np.ndarray,
    recurrent_kernel: np.ndarray,
    bias: np.ndarray | None,
    *,
    h0: np.ndarray | None = None,
    reset_after: bool = True,
    activation: Activation = "tanh",
    recurrent_activation: Activation = "sigmoid",
) -> tuple[np.ndarray, np.ndarray]:
    """Run a GRU over a whole batch of sequences, like ``keras.layers.GRU``.

    Parameters
    ----------
    x : ndarray, shape (batch_size, seq_len, input_size)
    kernel, recurrent_kernel, bias : ndarray
        Weights in the Keras layout, see :func:`gru_step`.
    h0 : ndarray, shape (batch_size, hidden_size), optional
        Initial hidden state; zeros when omitted.
    reset_after, activation, recurrent_activation
        As in :func:`gru_step`.

    Returns
    -------
    outputs : ndarray, shape (batch_size, seq_len, hidden_size)
    h : ndarray, shape (batch_size, hidden_size)
        The final hidden state.

    Raises
    ------
    ValueError
        If a shape does not fit.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> x = rng.normal(size=(2, 6, 3))
    >>> kernel, recurrent_kernel = rng.normal(size=(3, 12)), rng.normal(size=(4, 12))
    >>> outputs, h = gru_sequence(x, kernel, recurrent_kernel, rng.normal(size=(2, 12)))
    >>> outputs.shape, h.shape
    ((2, 6, 4), (2, 4))
    >>> gru_sequence(x, kernel, recurrent_kernel, np.zeros(12))
    Traceback (most recent call last):
    ...
    ValueError: bias: expected shape (2, 12) = (2, 3*hidden_size), got (12,)
    """
    bias_rows = 2 if reset_after else 1
    kernel, recurrent_kernel, bias = _weights(kernel, recurrent_kernel, bias, 3, bias_rows)
    x = _sequence_input(x, kernel)
    step = functools.partial(
        gru_step,
        kernel=kernel,
        recurrent_kernel=recurrent_kernel,
        bias=bias,
        reset_after=reset_after,
        activation=activation,
        recurrent_activation=recurrent_activation,
    )
    return _unroll(step, x, _initial("h0", h0, x.shape[0], recurrent_kernel.shape[0]))


# ---------------------------------------------------------------------------------------------
# SimpleRNN
# ---------------------------------------------------------------------------------------------


def rnn_step(
    x_t: np.ndarray,
    h_prev: np.ndarray,
    kernel: np.ndarray,
    recurrent_kernel: np.ndarray,
    bias: np.ndarray | None,
    *,
    activation: Activation = "tanh",
) -> np.ndarray:
    """One step of a plain recurrent cell: ``h = a(x_t @ kernel + h_prev @ recurrent_kernel + b)``.

    This is ``keras.layers.SimpleRNN`` and ``torch.nn.RNN`` (whose ``nonlinearity`` is
    ``"tanh"`` or ``"relu"``).

    Parameters
    ----------
    x_t : ndarray, shape (batch_size, input_size)
    h_prev : ndarray, shape (batch_size, hidden_size)
    kernel, recurrent_kernel, bias : ndarray
        Shapes ``(input_size, hidden_size)``, ``(hidden_size, hidden_size)``, ``(hidden_size,)``;
        ``bias=None`` means no bias.
    activation : str or callable
        ``"tanh"`` (the default in both frameworks), ``"relu"``, or any other activation.

    Returns
    -------
    ndarray, shape (batch_size, hidden_size)

    Raises
    ------
    ValueError
        If a shape does not fit, or the activation name is unknown.

    Examples
    --------
    >>> import numpy as np
    >>> rnn_step(np.array([[1.0, -1.0]]), np.array([[0.5]]),
    ...          np.array([[2.0], [1.0]]), np.array([[2.0]]), np.array([-3.0]), activation="relu")
    array([[0.]])
    >>> rnn_step(np.array([[1.0, -1.0]]), np.array([[0.5]]),
    ...          np.array([[2.0], [1.0]]), np.array([[2.0]]), np.array([0.5]), activation="relu")
    array([[2.5]])
    """
    kernel, recurrent_kernel, bias = _weights(kernel, recurrent_kernel, bias, blocks=1)
    x_t, (h_prev,) = _step_inputs(x_t, {"h_prev": h_prev}, kernel, recurrent_kernel.shape[0])
    return _activation(activation)(x_t @ kernel + h_prev @ recurrent_kernel + bias)


def rnn_sequence(
    x: np.ndarray,
    kernel: np.ndarray,
    recurrent_kernel: np.ndarray,
    bias: np.ndarray | None,
    *,
    h0: np.ndarray | None = None,
    activation: Activation = "tanh",
) -> tuple[np.ndarray, np.ndarray]:
    """Run a plain recurrent layer over a batch of sequences, like ``keras.layers.SimpleRNN``.

    Parameters
    ----------
    x : ndarray, shape (batch_size, seq_len, input_size)
    kernel, recurrent_kernel, bias : ndarray
        Weights in the Keras layout, see :func:`rnn_step`.
    h0 : ndarray, shape (batch_size, hidden_size), optional
        Initial hidden state; zeros when omitted.
    activation : str or callable
        As in :func:`rnn_step`.

    Returns
    -------
    outputs : ndarray, shape (batch_size, seq_len, hidden_size)
    h : ndarray, shape (batch_size, hidden_size)
        The final hidden state.

    Raises
    ------
    ValueError
        If a shape does not fit.

    Examples
    --------
    A linear cell with ``recurrent_kernel = 1`` adds up its inputs:

    >>> import numpy as np
    >>> x = np.array([[[1.0], [2.0], [3.0]]])
    >>> outputs, h = rnn_sequence(x, np.ones((1, 1)), np.ones((1, 1)), None, activation="linear")
    >>> outputs[0, :, 0], h
    (array([1., 3., 6.]), array([[6.]]))
    """
    kernel, recurrent_kernel, bias = _weights(kernel, recurrent_kernel, bias, blocks=1)
    x = _sequence_input(x, kernel)
    step = functools.partial(
        rnn_step, kernel=kernel, recurrent_kernel=recurrent_kernel, bias=bias, activation=activation
    )
    return _unroll(step, x, _initial("h0", h0, x.shape[0], recurrent_kernel.shape[0]))
