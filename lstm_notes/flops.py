"""How much work a recurrent layer does, and how fast this machine multiplies matrices.

:func:`lstm_flops` counts the floating-point operations of a layer's matrix products;
:func:`matmul_peak` measures the rate of a large matrix product. A layer's FLOPs divided by its
time, divided by that rate, is the fraction of the hardware's useful speed the layer reaches: a
number that travels across machines better than seconds do.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal

from lstm_notes import _validate
from lstm_notes._layer import GATES
from lstm_notes.errors import BenchmarkError

__all__ = ["lstm_flops", "matmul_peak"]

_SIZES = ("input_size", "hidden_size", "seq_len", "batch_size", "num_layers")


def lstm_flops(
    input_size: int,
    hidden_size: int,
    seq_len: int,
    batch_size: int,
    num_layers: int = 1,
    bidirectional: bool = False,
    kind: str = "LSTM",
    backward: bool = False,
) -> int:
    """Floating-point operations of the matrix products in a recurrent layer stack.

    One step of one sample multiplies ``[x, h]`` (length ``input_size + hidden_size``) by the
    weights of every gate block (``hidden_size`` outputs each). A multiply-accumulate counts as
    2 FLOPs, so per sample and step:

    - LSTM, 4 blocks (i, f, g, o): ``8 * hidden_size * (input_size + hidden_size)``
    - GRU, 3 blocks (r, z, n):     ``6 * hidden_size * (input_size + hidden_size)``
    - SimpleRNN / ``nn.RNN``:      ``2 * hidden_size * (input_size + hidden_size)``

    Layers after the first read the previous layer's output, of size ``hidden_size`` (or
    ``2 * hidden_size`` when bidirectional). A bidirectional layer does the work twice.
    Bias additions and element-wise gate arithmetic (``O(hidden_size)`` per step, against
    ``O(hidden_size**2)`` for the products) are not counted.

    Parameters
    ----------
    input_size : int
        Features of the input at each step. Every size is an integer of at least 1, a Python
        or a NumPy integer; the count is a Python int, so it never overflows.
    hidden_size : int
        Units of each layer (Keras ``units``), per direction.
    seq_len : int
        Time steps per sequence.
    batch_size : int
        Sequences per call.
    num_layers : int
        Layers in the stack (default 1).
    bidirectional : bool
        Two directions per layer.
    kind : {"LSTM", "GRU", "SimpleRNN"}
        The cell type, spelled as its Keras class (``"SimpleRNN"`` is also PyTorch's ``nn.RNN``).
    backward : bool
        If True, return forward **plus** backward FLOPs. Convention: the backward pass costs
        twice the forward (one product of the same size for the gradient with respect to the
        inputs and one for the weights), so the total is three times the forward.

    Returns
    -------
    int
        FLOPs for one call on a whole batch.

    Raises
    ------
    BenchmarkError
        For an unknown ``kind``, a size that is not an integer of at least 1 (floats and bools
        included), or a flag that is not a bool.

    Examples
    --------
    >>> lstm_flops(input_size=128, hidden_size=256, seq_len=100, batch_size=64)
    5033164800
    >>> lstm_flops(3, 2, seq_len=1, batch_size=1, kind="GRU")  # 6 * 2 * (3 + 2)
    60
    """
    sizes = [input_size, hidden_size, seq_len, batch_size, num_layers]
    x, h, t, b, layers = (
        _validate.size(value, name, minimum=1, error=BenchmarkError)
        for value, name in zip(sizes, _SIZES, strict=True)
    )
    gates = GATES[_validate.choice(kind, "kind", tuple(GATES), error=BenchmarkError)]
    directions = 2 if _validate.flag(bidirectional, "bidirectional", error=BenchmarkError) else 1
    per_step = 0
    for layer in range(layers):
        layer_input = x if layer == 0 else directions * h
        per_step += directions * 2 * gates * h * (layer_input + h)
    forward = per_step * t * b
    return 3 * forward if _validate.flag(backward, "backward", error=BenchmarkError) else forward


def matmul_peak(
    n: int = 2048,
    framework: Literal["torch", "tensorflow"] = "torch",
    threads: int | None = None,
    repeats: int = 7,
    dtype: Literal["float32", "bfloat16"] = "float32",
) -> float:
    """Measured FLOP/s of an ``n x n`` matrix product on the current device.

    The product costs ``2 * n**3`` FLOPs; the rate is that divided by the median time from
    :func:`lstm_notes.timing.benchmark`. PyTorch uses CUDA when available; TensorFlow its
    default device. Use it as the denominator that turns a timing into a fraction of what the
    hardware does, in the same precision as the timing.

    Parameters
    ----------
    n : int
        Matrix size, 1 to 16384 (checked before anything is allocated).
    framework : {"torch", "tensorflow"}
        Which library multiplies.
    threads : int, optional
        Passed to :func:`~lstm_notes.timing.benchmark`.
    repeats : int
        Timed blocks.
    dtype : {"float32", "bfloat16"}
        Precision of both matrices.

    Returns
    -------
    float
        FLOP/s.

    Raises
    ------
    BenchmarkError
        For a size out of range, an unknown ``framework`` or ``dtype``.

    Examples
    --------
    >>> matmul_peak(64, framework="torch", repeats=3) > 0
    True
    """
    n = _validate.size(n, "n", minimum=1, error=BenchmarkError)
    _validate.check_elements((n, n), "each matrix", error=BenchmarkError)
    framework = _validate.choice(
        framework, "framework", ("torch", "tensorflow"), error=BenchmarkError
    )
    dtype = _validate.choice(dtype, "dtype", ("float32", "bfloat16"), error=BenchmarkError)
    fn: Callable[[], Any]
    if framework == "torch":
        import torch

        device = "cuda" if torch.cuda.is_available() else "cpu"
        gen = torch.Generator().manual_seed(0)
        a, b = (torch.randn(n, n, generator=gen).to(device, getattr(torch, dtype)) for _ in "ab")
        fn = lambda: a @ b  # noqa: E731
    else:
        import tensorflow as tf

        a, b = (tf.cast(tf.random.stateless_normal((n, n), seed=(0, i)), dtype) for i in (1, 2))
        fn = lambda: tf.linalg.matmul(a, b)  # noqa: E731
    from lstm_notes.timing import benchmark

    label = f"{n}x{n} {dtype} matmul"
    measured = benchmark(fn, label=label, framework=framework, threads=threads, repeats=repeats)
    return measured.rate(2.0 * n**3)
