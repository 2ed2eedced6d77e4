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

from typing import Any, NamedTuple

import numpy as np

from lstm_notes import _cells
from lstm_notes._cells import ACTIVATIONS, Activation
from lstm_notes._gru_rnn import gru_sequence, gru_step, rnn_sequence, rnn_step

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
    h_prev : ndarray, shape (batch_size, hidden_size)
        The hidden state after the previous step.
    c_prev : ndarray, shape (batch_size, hidden_size)
        The cell state after the previous step.
    kernel : ndarray, shape (input_size, 4*hidden_size)
        The input weights in the Keras layout, gate blocks in the order i, f, g, o.
    recurrent_kernel : ndarray, shape (hidden_size, 4*hidden_size)
        The recurrent weights, multiplied with ``h_prev``; the same gate order.
    bias : ndarray, shape (4*hidden_size,), or None
        The bias, the same gate order; ``None`` means no bias (``use_bias=False``).
    activation : str or callable
        As the Keras argument: applied to the candidate ``g`` and to the cell state in ``h``
        (default tanh).
    recurrent_activation : str or callable
        As the Keras argument: applied to the gates ``i``, ``f`` and ``o`` (default sigmoid).

    Returns
    -------
    LSTMGates
        ``(i, f, g, o, c, h)``, each of shape ``(batch_size, hidden_size)``.

    Raises
    ------
    ArgumentError
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
    kernel, recurrent_kernel, bias = _cells.check_weights(kernel, recurrent_kernel, bias, blocks=4)
    hidden_size = recurrent_kernel.shape[0]
    x_t, (h_prev, c_prev) = _cells.step_inputs(
        x_t, {"h_prev": h_prev, "c_prev": c_prev}, kernel, hidden_size
    )
    act, rec_act = (
        _cells.resolve_activation(activation),
        _cells.resolve_activation(recurrent_activation),
    )
    z = x_t @ kernel + h_prev @ recurrent_kernel + bias
    z_i, z_f, z_g, z_o = np.split(z, 4, axis=-1)
    i, f, g, o = rec_act(z_i), rec_act(z_f), act(z_g), rec_act(z_o)
    c = f * c_prev + i * g
    h = o * act(c)
    return LSTMGates(i=i, f=f, g=g, o=o, c=c, h=h)


def lstm_step(*args: Any, **kwargs: Any) -> tuple[np.ndarray, np.ndarray]:
    """One LSTM step: the new hidden state ``h`` and cell state ``c``.

    Parameters
    ----------
    *args
        ``x_t, h_prev, c_prev, kernel, recurrent_kernel, bias``, as for :func:`lstm_gates`
        (which also returns the gates).
    **kwargs
        ``activation`` and ``recurrent_activation``, as for :func:`lstm_gates`; the arguments
        above may also be given by name.

    Returns
    -------
    h : ndarray, shape (batch_size, hidden_size)
        The new hidden state.
    c : ndarray, shape (batch_size, hidden_size)
        The new cell state.

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
    gates = lstm_gates(*args, **kwargs)
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
    kernel : ndarray, shape (input_size, 4*hidden_size)
        The input weights in the Keras layout, as for :func:`lstm_gates`.
    recurrent_kernel : ndarray, shape (hidden_size, 4*hidden_size)
        The recurrent weights.
    bias : ndarray, shape (4*hidden_size,), or None
        The bias; ``None`` means no bias.
    h0 : ndarray, shape (batch_size, hidden_size), optional
        The initial hidden state; zeros when omitted (as in both frameworks).
    c0 : ndarray, shape (batch_size, hidden_size), optional
        The initial cell state; zeros when omitted.
    activation : str or callable
        As in :func:`lstm_gates` (default tanh).
    recurrent_activation : str or callable
        As in :func:`lstm_gates` (default sigmoid).

    Returns
    -------
    outputs : ndarray, shape (batch_size, seq_len, hidden_size)
        ``h_t`` at every step (Keras ``return_sequences=True``, PyTorch ``output``).
    h : ndarray, shape (batch_size, hidden_size)
        The final hidden state, equal to ``outputs[:, -1]``.
    c : ndarray, shape (batch_size, hidden_size)
        The final cell state.

    Raises
    ------
    ArgumentError
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
    >>> lstm_sequence(np.zeros((2, 7, 5)), kernel, recurrent_kernel, None)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    lstm_notes.errors.ArgumentError: x: expected shape (2, 7, 3) = (batch_size, ...), got (2, 7, 5)
    """
    kernel, recurrent_kernel, bias = _cells.check_weights(kernel, recurrent_kernel, bias, blocks=4)
    x = _cells.sequence_input(x, kernel)
    batch_size, seq_len, _ = x.shape
    hidden_size = recurrent_kernel.shape[0]
    h = _cells.initial_state("h0", h0, batch_size, hidden_size)
    c = _cells.initial_state("c0", c0, batch_size, hidden_size)
    outputs = np.empty((batch_size, seq_len, hidden_size))
    options = {"activation": activation, "recurrent_activation": recurrent_activation}
    for t in range(seq_len):
        h, c = lstm_step(x[:, t], h, c, kernel, recurrent_kernel, bias, **options)
        outputs[:, t] = h
    return outputs, h, c
