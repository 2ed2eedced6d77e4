"""The GRU and the plain recurrent cell (Keras SimpleRNN, PyTorch nn.RNN) in NumPy.

Part of :mod:`lstm_notes.reference`, which documents the weight layout and re-exports these
functions; import them from there.
"""

from __future__ import annotations

import functools

import numpy as np

from lstm_notes._cells import (
    Activation,
    check_weights,
    initial_state,
    resolve_activation,
    sequence_input,
    step_inputs,
    unroll,
)

__all__ = ["gru_sequence", "gru_step", "rnn_sequence", "rnn_step"]


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
        The input at one time step.
    h_prev : ndarray, shape (batch_size, hidden_size)
        The hidden state after the previous step.
    kernel : ndarray, shape (input_size, 3*hidden_size)
        The input weights in the Keras layout, gate blocks in the order z, r, h.
    recurrent_kernel : ndarray, shape (hidden_size, 3*hidden_size)
        The recurrent weights, multiplied with ``h_prev``; the same gate order.
    bias : ndarray or None
        Shape ``(2, 3*hidden_size)`` with ``reset_after=True``, ``(3*hidden_size,)`` with
        ``reset_after=False`` (see above); ``None`` means no bias.
    reset_after : bool
        Where the reset gate is applied, as the Keras argument (default True, as in Keras).
    activation : str or callable
        As the Keras argument: applied to the candidate ``n`` (default tanh).
    recurrent_activation : str or callable
        As the Keras argument: applied to the gates ``z`` and ``r`` (default sigmoid).

    Returns
    -------
    ndarray, shape (batch_size, hidden_size)
        The new hidden state.

    Raises
    ------
    ArgumentError
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
    kernel, recurrent_kernel, bias = check_weights(kernel, recurrent_kernel, bias, 3, bias_rows)
    hidden_size = recurrent_kernel.shape[0]
    x_t, (h_prev,) = step_inputs(x_t, {"h_prev": h_prev}, kernel, hidden_size)
    act, rec_act = resolve_activation(activation), resolve_activation(recurrent_activation)
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
    h0: np.ndarray | None = None,
    *,
    reset_after: bool = True,
    activation: Activation = "tanh",
    recurrent_activation: Activation = "sigmoid",
) -> tuple[np.ndarray, np.ndarray]:
    """Run a GRU over a whole batch of sequences, like ``keras.layers.GRU``.

    Parameters
    ----------
    x : ndarray, shape (batch_size, seq_len, input_size)
        The input sequences, batch first.
    kernel : ndarray, shape (input_size, 3*hidden_size)
        The input weights in the Keras layout, as for :func:`gru_step`.
    recurrent_kernel : ndarray, shape (hidden_size, 3*hidden_size)
        The recurrent weights.
    bias : ndarray or None
        Shape ``(2, 3*hidden_size)`` with ``reset_after=True``, ``(3*hidden_size,)`` with
        ``reset_after=False``; ``None`` means no bias.
    h0 : ndarray, shape (batch_size, hidden_size), optional
        Initial hidden state; zeros when omitted.
    reset_after : bool
        As in :func:`gru_step` (default True).
    activation : str or callable
        As in :func:`gru_step` (default tanh).
    recurrent_activation : str or callable
        As in :func:`gru_step` (default sigmoid).

    Returns
    -------
    outputs : ndarray, shape (batch_size, seq_len, hidden_size)
        ``h`` at every step.
    h : ndarray, shape (batch_size, hidden_size)
        The final hidden state.

    Raises
    ------
    ArgumentError
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
    lstm_notes.errors.ArgumentError: bias: expected shape (2, 12) = (2, 3*hidden_size), got (12,)
    """
    bias_rows = 2 if reset_after else 1
    kernel, recurrent_kernel, bias = check_weights(kernel, recurrent_kernel, bias, 3, bias_rows)
    x = sequence_input(x, kernel)
    step = functools.partial(
        gru_step,
        kernel=kernel,
        recurrent_kernel=recurrent_kernel,
        bias=bias,
        reset_after=reset_after,
        activation=activation,
        recurrent_activation=recurrent_activation,
    )
    return unroll(step, x, initial_state("h0", h0, x.shape[0], recurrent_kernel.shape[0]))


# ---------------------------------------------------------------------------------------------
# SimpleRNN
# ---------------------------------------------------------------------------------------------


def rnn_step(
    x_t: np.ndarray,
    h_prev: np.ndarray,
    kernel: np.ndarray,
    recurrent_kernel: np.ndarray,
    bias: np.ndarray | None = None,
    *,
    activation: Activation = "tanh",
) -> np.ndarray:
    """One step of a plain recurrent cell: ``h = a(x_t @ kernel + h_prev @ recurrent_kernel + b)``.

    This is ``keras.layers.SimpleRNN`` and ``torch.nn.RNN`` (whose ``nonlinearity`` is
    ``"tanh"`` or ``"relu"``).

    Parameters
    ----------
    x_t : ndarray, shape (batch_size, input_size)
        The input at one time step.
    h_prev : ndarray, shape (batch_size, hidden_size)
        The hidden state after the previous step.
    kernel : ndarray, shape (input_size, hidden_size)
        The input weights.
    recurrent_kernel : ndarray, shape (hidden_size, hidden_size)
        The recurrent weights, multiplied with ``h_prev``.
    bias : ndarray, shape (hidden_size,), optional
        The bias; ``None`` (the default) means no bias.
    activation : str or callable
        ``"tanh"`` (the default in both frameworks), ``"relu"``, or any other activation.

    Returns
    -------
    ndarray, shape (batch_size, hidden_size)
        The new hidden state.

    Raises
    ------
    ArgumentError
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
    kernel, recurrent_kernel, bias = check_weights(kernel, recurrent_kernel, bias, blocks=1)
    x_t, (h_prev,) = step_inputs(x_t, {"h_prev": h_prev}, kernel, recurrent_kernel.shape[0])
    return resolve_activation(activation)(x_t @ kernel + h_prev @ recurrent_kernel + bias)


def rnn_sequence(
    x: np.ndarray,
    kernel: np.ndarray,
    recurrent_kernel: np.ndarray,
    bias: np.ndarray | None = None,
    *,
    h0: np.ndarray | None = None,
    activation: Activation = "tanh",
) -> tuple[np.ndarray, np.ndarray]:
    """Run a plain recurrent layer over a batch of sequences, like ``keras.layers.SimpleRNN``.

    Parameters
    ----------
    x : ndarray, shape (batch_size, seq_len, input_size)
        The input sequences, batch first.
    kernel : ndarray, shape (input_size, hidden_size)
        The input weights, as for :func:`rnn_step`.
    recurrent_kernel : ndarray, shape (hidden_size, hidden_size)
        The recurrent weights.
    bias : ndarray, shape (hidden_size,), optional
        The bias; ``None`` (the default) means no bias.
    h0 : ndarray, shape (batch_size, hidden_size), optional
        The initial hidden state; zeros when omitted.
    activation : str or callable
        As in :func:`rnn_step` (default tanh).

    Returns
    -------
    outputs : ndarray, shape (batch_size, seq_len, hidden_size)
        ``h`` at every step.
    h : ndarray, shape (batch_size, hidden_size)
        The final hidden state.

    Raises
    ------
    ArgumentError
        If an array's shape does not fit the layout, or ``activation`` is unknown.

    Examples
    --------
    A linear cell with ``recurrent_kernel = 1`` adds up its inputs:

    >>> import numpy as np
    >>> x = np.array([[[1.0], [2.0], [3.0]]])
    >>> outputs, h = rnn_sequence(x, np.ones((1, 1)), np.ones((1, 1)), None, activation="linear")
    >>> outputs[0, :, 0], h
    (array([1., 3., 6.]), array([[6.]]))
    """
    kernel, recurrent_kernel, bias = check_weights(kernel, recurrent_kernel, bias, blocks=1)
    x = sequence_input(x, kernel)
    step = functools.partial(
        rnn_step, kernel=kernel, recurrent_kernel=recurrent_kernel, bias=bias, activation=activation
    )
    return unroll(step, x, initial_state("h0", h0, x.shape[0], recurrent_kernel.shape[0]))
