"""Honest timing for recurrent layers: warm-up, device synchronisation, medians and spreads.

Three rules make a timing trustworthy, and :func:`benchmark` applies all of them:

1. **Warm up.** The first calls of a ``tf.function`` trace a graph, the first PyTorch calls pick
   kernels and allocate memory. At least two warm-up calls run before the clock starts.
2. **Synchronise before every clock read.** A GPU runs work asynchronously: a call returns as soon
   as its kernels are *queued*. Reading the clock without waiting measures the time to launch
   the work, not to do it. PyTorch callables are timed by :class:`torch.utils.benchmark.Timer`,
   whose clock calls ``torch.accelerator.synchronize()`` before every read; TensorFlow callables
   call ``tf.test.experimental.sync_devices()`` (or read the result back on versions without it).
3. **Repeat and summarise robustly.** The median of several timed blocks, with the interquartile
   range and the extremes as the spread, and the thread count, device and library versions
   recorded beside the number.

:func:`lstm_flops` and :func:`matmul_peak` turn a time into a fraction of what the hardware can do.
"""

from __future__ import annotations

import math
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from lstm_notes._tables import html_table, text_table

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = [
    "BenchmarkError",
    "Comparison",
    "Measurement",
    "benchmark",
    "compare",
    "lstm_flops",
    "matmul_peak",
]

Framework = Literal["auto", "torch", "tensorflow", "python"]
_FRAMEWORKS = ("auto", "torch", "tensorflow", "python")
_COMPARISON_HEADER = ("callable", "median", "IQR", "vs fastest")
_GATES = {"lstm": 4, "gru": 3, "rnn": 1, "simple_rnn": 1}


class BenchmarkError(ValueError):
    """Raised when a benchmark is asked for something it cannot measure honestly."""


# --------------------------------------------------------------------------------------------
# The result of one benchmark
# --------------------------------------------------------------------------------------------


def format_seconds(seconds: float) -> str:
    """Format a duration with a unit that keeps three significant digits.

    Parameters
    ----------
    seconds : float
        A duration in seconds (non-negative).

    Returns
    -------
    str
        For example ``"12.3 ms"``.

    Examples
    --------
    >>> format_seconds(0.0123)
    '12.3 ms'
    >>> format_seconds(2.5e-6)
    '2.5 µs'
    """
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6)):
        if seconds >= scale:
            return f"{seconds / scale:.3g} {unit}"
    return f"{seconds / 1e-9:.3g} ns"


@dataclass(frozen=True)
class Measurement:
    """The time per call of one callable, with the conditions it was measured under.

    Attributes
    ----------
    label : str
        A name for what was timed.
    times : tuple of float
        Seconds per call, one value per timed block (a block is ``number`` calls in a row).
    number : int
        Calls per timed block.
    warmup : int
        Untimed calls made before the first block.
    framework : str
        ``"torch"``, ``"tensorflow"`` or ``"python"``: which timing path was used.
    sync : str
        How the device was synchronised before each clock read (``"none"`` when not needed or
        switched off on purpose).
    device : str
        Where the work ran, e.g. ``"cpu (AMD EPYC)"`` or ``"cuda (NVIDIA H100 80GB HBM3)"``.
    threads : int or None
        Intra-op CPU threads used by the framework (``None`` for plain Python).
    versions : dict
        Versions of Python, NumPy and of each framework already imported.
    """

    label: str
    times: tuple[float, ...]
    number: int
    warmup: int
    framework: str
    sync: str
    device: str
    threads: int | None
    versions: dict[str, str] = field(default_factory=dict)

    @property
    def median(self) -> float:
        """Median seconds per call over the timed blocks."""
        return statistics.median(self.times)

    @property
    def iqr(self) -> float:
        """Interquartile range of the per-call times (0 with fewer than two blocks)."""
        q1, q3 = _quartiles(self.times)
        return q3 - q1

    @property
    def min(self) -> float:
        """Fastest block, seconds per call."""
        return min(self.times)

    @property
    def max(self) -> float:
        """Slowest block, seconds per call."""
        return max(self.times)

    @property
    def repeats(self) -> int:
        """Number of timed blocks."""
        return len(self.times)

    def rate(self, flops: float) -> float:
        """FLOP/s achieved if one call performs ``flops`` floating-point operations.

        Examples
        --------
        >>> m = Measurement("x", (0.5, 0.5), 1, 2, "python", "none", "cpu", None)
        >>> m.rate(1e9)
        2000000000.0
        """
        return flops / self.median

    def as_dict(self) -> dict[str, Any]:
        """Every field plus the summary statistics, ready for ``json.dump``."""
        return {
            "label": self.label,
            "median_s": self.median,
            "iqr_s": self.iqr,
            "min_s": self.min,
            "max_s": self.max,
            "times_s": list(self.times),
            "number": self.number,
            "repeats": self.repeats,
            "warmup": self.warmup,
            "framework": self.framework,
            "sync": self.sync,
            "device": self.device,
            "threads": self.threads,
            "versions": dict(self.versions),
        }

    def __str__(self) -> str:
        threads = "" if self.threads is None else f", {self.threads} threads"
        return (
            f"{self.label}: median {format_seconds(self.median)} per call "
            f"(IQR {format_seconds(self.iqr)}, min {format_seconds(self.min)}, "
            f"max {format_seconds(self.max)}; {self.repeats} blocks x {self.number} calls) "
            f"on {self.device}{threads}; {self.framework}, sync: {self.sync}"
        )

    def _repr_html_(self) -> str:
        versions = ", ".join(f"{k} {v}" for k, v in self.versions.items())
        rows = [
            ("median per call", format_seconds(self.median)),
            ("IQR", format_seconds(self.iqr)),
            ("min / max", f"{format_seconds(self.min)} / {format_seconds(self.max)}"),
            ("blocks x calls", f"{self.repeats} x {self.number} (after {self.warmup} warm-up)"),
            ("device", self.device),
            ("threads", "n/a" if self.threads is None else str(self.threads)),
            ("synchronisation", self.sync),
            ("versions", versions),
        ]
        return html_table(None, rows, caption=self.label, row_headers=True)


def _quartiles(values: tuple[float, ...] | list[float]) -> tuple[float, float]:
    """First and third quartiles, linear interpolation between order statistics."""
    data = sorted(values)
    if len(data) < 2:
        return data[0], data[0]
    q1, _, q3 = statistics.quantiles(data, n=4, method="inclusive")
    return q1, q3


# --------------------------------------------------------------------------------------------
# Environment: frameworks, devices, threads, versions
# --------------------------------------------------------------------------------------------


def _first_leaf(value: Any) -> Any:
    """The first non-container element of a (nested) tuple/list/dict result."""
    while isinstance(value, (tuple, list, dict)) and value:
        value = next(iter(value.values())) if isinstance(value, dict) else value[0]
    return value


def detect_framework(value: Any) -> str:
    """Which framework produced ``value`` (checked by type, without importing anything).

    Parameters
    ----------
    value : object
        A callable's return value; nested tuples, lists and dicts are searched for their first
        element.

    Returns
    -------
    str
        ``"torch"``, ``"tensorflow"`` (TensorFlow tensors and Keras outputs) or ``"python"``.

    Examples
    --------
    >>> detect_framework((1.0, 2.0))
    'python'
    """
    module = type(_first_leaf(value)).__module__ or ""
    root = module.split(".")[0]
    if root == "torch":
        return "torch"
    if root in ("tensorflow", "keras", "tf_keras"):
        return "tensorflow"
    return "python"


def _cpu_name() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            for line in handle:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown CPU"


def cpu_count() -> int:
    """CPU cores this process may run on (its affinity mask where the OS has one).

    Examples
    --------
    >>> cpu_count() >= 1
    True
    """
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def library_versions() -> dict[str, str]:
    """Versions of Python, NumPy and every framework already imported (none is imported here).

    Examples
    --------
    >>> "python" in library_versions()
    True
    """
    versions = {"python": platform.python_version()}
    for name in ("numpy", "torch", "tensorflow", "keras"):
        module = sys.modules.get(name)
        if module is not None:
            versions[name] = str(getattr(module, "__version__", "unknown"))
    return versions


def _torch_device(value: Any) -> str:
    import torch

    leaf = _first_leaf(value)
    device = getattr(leaf, "device", torch.device("cpu"))
    if device.type == "cuda":
        return f"cuda ({torch.cuda.get_device_name(device)})"
    return f"{device.type} ({_cpu_name()})"


def _tf_gpus() -> list[Any]:
    import tensorflow as tf

    return list(tf.config.list_logical_devices("GPU"))


def _tf_device(value: Any) -> str:
    leaf = _first_leaf(value)
    name = str(getattr(leaf, "device", "") or "")
    if "GPU" in name.upper():
        import tensorflow as tf

        physical = tf.config.list_physical_devices("GPU")
        details = tf.config.experimental.get_device_details(physical[0]) if physical else {}
        return f"gpu ({details.get('device_name', name)})"
    return f"cpu ({_cpu_name()})"


def _tf_threads(threads: int | None) -> int:
    import tensorflow as tf

    current = tf.config.threading.get_intra_op_parallelism_threads() or cpu_count()
    if threads is None or threads == current:
        return current
    try:
        tf.config.threading.set_intra_op_parallelism_threads(threads)
    except RuntimeError as error:
        raise BenchmarkError(
            f"threads={threads} was asked for, but TensorFlow already runs with {current} "
            "intra-op threads and cannot change after it has started; call "
            "tf.config.threading.set_intra_op_parallelism_threads() at the start of the program, "
            "or pass threads=None"
        ) from error
    return threads


def _tf_sync(result: Any) -> tuple[Callable[[], None], str]:
    """A function that waits for TensorFlow's devices, and a description of it."""
    if not _tf_gpus():
        return (lambda: None), "none needed (TensorFlow runs CPU ops synchronously)"
    import tensorflow as tf

    sync_devices = getattr(getattr(tf.test, "experimental", None), "sync_devices", None)
    if sync_devices is not None:
        return sync_devices, "tf.test.experimental.sync_devices()"

    def read_back() -> None:
        leaf = _first_leaf(result)
        if hasattr(leaf, "numpy"):
            leaf.numpy()

    return read_back, "result read back to the host (.numpy())"


# --------------------------------------------------------------------------------------------
# benchmark()
# --------------------------------------------------------------------------------------------


def benchmark(
    fn: Callable[..., Any],
    *args: Any,
    label: str | None = None,
    warmup: int = 2,
    repeats: int = 7,
    number: int | None = None,
    min_run_time: float = 0.2,
    threads: int | None = None,
    framework: Framework = "auto",
    synchronize: bool = True,
    clock: Callable[[], float] | None = None,
    **kwargs: Any,
) -> Measurement:
    """Time ``fn(*args, **kwargs)``: warm up, synchronise, repeat, report the median and spread.

    Parameters
    ----------
    fn : callable
        What to time. Extra positional and keyword arguments (other than the ones below) are
        passed to it on every call.
    label : str, optional
        Name shown in reports; defaults to ``fn.__name__``.
    warmup : int
        Untimed calls before timing, at least 2 (the first call of a ``tf.function`` traces it,
        the second checks that it does not trace again).
    repeats : int
        Timed blocks wanted (at least 1). The median and the spread are taken over blocks.
    number : int, optional
        Calls per block. By default a block is long enough (about 1 ms) for the clock's own cost
        to vanish; slow callables get one call per block.
    min_run_time : float
        Keep timing blocks until at least this many seconds were timed (and ``repeats`` blocks).
    threads : int, optional
        CPU threads for the framework. PyTorch: passed to ``torch.utils.benchmark.Timer`` as
        ``num_threads`` (default: ``torch.get_num_threads()``). TensorFlow: must match the
        intra-op setting, which cannot change once TensorFlow has started.
    framework : {"auto", "torch", "tensorflow", "python"}
        Timing path. ``"auto"`` looks at the type of the first warm-up call's result; name the
        framework for a callable that returns no tensor (or nothing), so the GPU is still
        synchronised.
    synchronize : bool
        ``False`` switches synchronisation off, to *demonstrate* what a naive timer reports on a
        GPU. Never use it for a real measurement.
    clock : callable, optional
        A replacement clock for the ``"python"`` path (used by tests); seconds as a float.

    Returns
    -------
    Measurement
        Seconds per call for each block, with device, thread count and library versions.

    Raises
    ------
    BenchmarkError
        If ``warmup < 2``, ``repeats < 1``, ``number < 1``, an unknown ``framework``, a ``clock``
        with a framework other than ``"python"``, or a TensorFlow thread count that cannot be set.

    Notes
    -----
    PyTorch callables are timed by ``torch.utils.benchmark.Timer(..., num_threads=threads)``
    and its ``blocked_autorange``, whose default clock synchronises any accelerator before each
    read. TensorFlow callables are timed here, calling ``tf.test.experimental.sync_devices()``
    before each clock read when a GPU is visible. On a CPU both are synchronous anyway.

    Examples
    --------
    >>> m = benchmark(sum, range(100), label="sum", repeats=3, min_run_time=0.0)
    >>> m.label, m.framework, m.repeats, m.warmup
    ('sum', 'python', 3, 2)
    >>> m.min <= m.median <= m.max
    True
    """
    _check_benchmark_args(warmup, repeats, number, framework, clock)
    label = label or getattr(fn, "__name__", "callable")
    result = None
    for _ in range(warmup - 1):
        result = fn(*args, **kwargs)
    kind = detect_framework(result) if framework == "auto" else framework
    if clock is not None and kind != "python":
        raise BenchmarkError(f"clock= is only supported with framework='python', not {kind!r}")
    if kind == "torch":
        return _benchmark_torch(
            fn, args, kwargs, label, warmup, repeats, number, min_run_time, threads, synchronize
        )
    sync, sync_text, device, n_threads = (lambda: None), "none", f"cpu ({_cpu_name()})", None
    if kind == "tensorflow":
        n_threads = _tf_threads(threads)
        sync, sync_text = _tf_sync(result) if synchronize else (sync, "none (switched off)")
    clock = clock or time.perf_counter
    last = _timed_block(fn, args, kwargs, 1, sync, clock)  # the last warm-up call, timed
    if kind == "tensorflow":
        device = _tf_device(fn(*args, **kwargs))  # one more untimed call, outside the count
    number = number or max(1, math.ceil(1e-3 / max(last, 1e-9)))
    times = _blocks(fn, args, kwargs, number, repeats, min_run_time, sync, clock)
    return Measurement(
        label, tuple(times), number, warmup, kind, sync_text, device, n_threads, library_versions()
    )


def _check_benchmark_args(
    warmup: int, repeats: int, number: int | None, framework: str, clock: Any
) -> None:
    if warmup < 2:
        raise BenchmarkError(
            f"warmup must be at least 2 calls (tracing, then a check); got {warmup}"
        )
    if repeats < 1:
        raise BenchmarkError(f"repeats must be at least 1; got {repeats}")
    if number is not None and number < 1:
        raise BenchmarkError(f"number (calls per block) must be at least 1 or None; got {number}")
    if framework not in _FRAMEWORKS:
        raise BenchmarkError(f"framework must be one of {_FRAMEWORKS}; got {framework!r}")


def _timed_block(
    fn: Callable[..., Any],
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    number: int,
    sync: Callable[[], None],
    clock: Callable[[], float],
) -> float:
    """Seconds per call for ``number`` calls, synchronising before both clock reads."""
    sync()
    start = clock()
    for _ in range(number):
        fn(*args, **kwargs)
    sync()
    return (clock() - start) / number


def _blocks(
    fn: Callable[..., Any],
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    number: int,
    repeats: int,
    min_run_time: float,
    sync: Callable[[], None],
    clock: Callable[[], float],
) -> list[float]:
    times: list[float] = []
    limit = repeats + 10_000  # a clock that never advances must not loop forever
    while (len(times) < repeats or sum(times) * number < min_run_time) and len(times) < limit:
        times.append(_timed_block(fn, args, kwargs, number, sync, clock))
    return times


def _benchmark_torch(
    fn: Callable[..., Any],
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    label: str,
    warmup: int,
    repeats: int,
    number: int | None,
    min_run_time: float,
    threads: int | None,
    synchronize: bool,
) -> Measurement:
    import timeit

    import torch
    from torch.utils import benchmark as tb

    n_threads = threads or torch.get_num_threads()
    clock = tb.utils.timer.timer if synchronize else timeit.default_timer
    timer = tb.Timer(
        stmt="_fn(*_args, **_kwargs)",
        globals={"_fn": fn, "_args": args, "_kwargs": kwargs},
        num_threads=n_threads,
        label=label,
        timer=clock,
    )
    last = timer.timeit(1).raw_times[0]  # the last warm-up call (Timer warms up 2 more itself)
    device = _torch_device(fn(*args, **kwargs))
    times: list[float] = []
    while len(times) < repeats:
        if number is None:
            block = timer.blocked_autorange(min_run_time=max(min_run_time, repeats * last))
        else:
            block = timer.timeit(number)
        times += [t / block.number_per_run for t in block.raw_times]
    sync = "torch.utils.benchmark.Timer (torch.accelerator.synchronize() before each read)"
    if not torch.accelerator.is_available():
        sync = "none needed (no accelerator); torch.utils.benchmark.Timer"
    if not synchronize:
        sync = "none (switched off)"
    return Measurement(
        label,
        tuple(times),
        block.number_per_run,
        warmup,
        "torch",
        sync,
        device,
        n_threads,
        library_versions(),
    )


# --------------------------------------------------------------------------------------------
# compare()
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Comparison:
    """Several measurements side by side: a table with ratios to the fastest, and a bar chart.

    Attributes
    ----------
    measurements : tuple of Measurement
        In the order they were given.
    """

    measurements: tuple[Measurement, ...]

    @property
    def fastest(self) -> Measurement:
        """The measurement with the smallest median."""
        return min(self.measurements, key=lambda m: m.median)

    @property
    def ratios(self) -> dict[str, float]:
        """Median of each measurement divided by the fastest median (1.0 for the fastest)."""
        best = self.fastest.median
        return {m.label: m.median / best for m in self.measurements}

    def rows(self) -> list[tuple[str, str, str, str]]:
        """Table rows: label, median, IQR and ratio to the fastest, formatted."""
        best = self.fastest.median
        return [
            (m.label, format_seconds(m.median), format_seconds(m.iqr), f"{m.median / best:.2f}x")
            for m in self.measurements
        ]

    def __str__(self) -> str:
        return text_table(_COMPARISON_HEADER, self.rows(), align="lrrr")

    def _repr_html_(self) -> str:
        return html_table(_COMPARISON_HEADER, self.rows(), align="lrrr")

    def plot(self, ax: Axes | None = None) -> Axes:
        """Horizontal bars of the median time per call (ms), with min-max whiskers and ratios.

        Parameters
        ----------
        ax : matplotlib Axes, optional
            Where to draw; a new ``(7, 3.5)`` figure by default.

        Returns
        -------
        matplotlib Axes
        """
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots(figsize=(7, 3.5))
        labels = [m.label for m in self.measurements]
        medians = [m.median * 1e3 for m in self.measurements]
        low = [(m.median - m.min) * 1e3 for m in self.measurements]
        high = [(m.max - m.median) * 1e3 for m in self.measurements]
        ax.barh(labels, medians, xerr=[low, high], color="tab:blue", capsize=3)
        ax.invert_yaxis()
        ax.set_xlabel("median time per call (ms); whiskers: min to max")
        best = self.fastest.median * 1e3
        for y, m in enumerate(self.measurements):
            ax.annotate(f" {m.median * 1e3 / best:.2f}x", (m.max * 1e3, y), va="center", fontsize=8)
        return ax


def compare(
    *candidates: Mapping[str, Callable[[], Any]] | tuple[str, Callable[[], Any]] | Measurement,
    **options: Any,
) -> Comparison:
    """Benchmark several named callables (or gather finished measurements) into one table.

    Parameters
    ----------
    *candidates : dict, (name, callable) pairs, or Measurement
        Callables take no arguments (wrap arguments with ``lambda`` or ``functools.partial``).
        Measurements already made are taken as they are.
    **options
        Passed to :func:`benchmark` for every callable (``repeats``, ``threads``, ...).

    Returns
    -------
    Comparison
        ``print`` it for a table with ratios to the fastest; ``.plot()`` draws a bar chart.

    Raises
    ------
    BenchmarkError
        If nothing is given, or a candidate is none of the accepted kinds.

    Examples
    --------
    >>> table = compare({"short": lambda: sum(range(10)), "long": lambda: sum(range(10_000))},
    ...                 repeats=3, min_run_time=0.0)
    >>> table.fastest.label, table.ratios["short"]
    ('short', 1.0)
    """
    measurements: list[Measurement] = []
    for candidate in candidates:
        if isinstance(candidate, Measurement):
            measurements.append(candidate)
        elif isinstance(candidate, Mapping):
            measurements += [benchmark(f, label=n, **options) for n, f in candidate.items()]
        elif isinstance(candidate, tuple) and len(candidate) == 2 and callable(candidate[1]):
            measurements.append(benchmark(candidate[1], label=str(candidate[0]), **options))
        else:
            raise BenchmarkError(
                "compare() takes dicts of {name: callable}, (name, callable) pairs or "
                f"Measurement objects; got {type(candidate).__name__}"
            )
    if not measurements:
        raise BenchmarkError("compare() needs at least one callable or Measurement")
    return Comparison(tuple(measurements))


# --------------------------------------------------------------------------------------------
# FLOPs and the matmul peak
# --------------------------------------------------------------------------------------------


def lstm_flops(
    input_size: int,
    hidden_size: int,
    seq_len: int,
    batch_size: int,
    num_layers: int = 1,
    bidirectional: bool = False,
    kind: str = "lstm",
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
    input_size, hidden_size, seq_len, batch_size, num_layers : int
        Sizes, all at least 1.
    bidirectional : bool
        Two directions per layer.
    kind : {"lstm", "gru", "rnn", "simple_rnn"}
        The cell type.
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
    ValueError
        For an unknown ``kind`` or a size below 1.

    Examples
    --------
    >>> lstm_flops(input_size=128, hidden_size=256, seq_len=100, batch_size=64)
    5033164800
    >>> lstm_flops(3, 2, seq_len=1, batch_size=1, kind="gru")  # 6 * 2 * (3 + 2)
    60
    """
    if kind not in _GATES:
        raise ValueError(f"kind must be one of {sorted(_GATES)}; got {kind!r}")
    sizes = {
        "input_size": input_size,
        "hidden_size": hidden_size,
        "seq_len": seq_len,
        "batch_size": batch_size,
        "num_layers": num_layers,
    }
    for name, value in sizes.items():
        if int(value) != value or value < 1:
            raise ValueError(f"{name} must be a positive integer; got {value!r}")
    directions = 2 if bidirectional else 1
    per_step = 0
    for layer in range(num_layers):
        layer_input = input_size if layer == 0 else directions * hidden_size
        per_step += directions * 2 * _GATES[kind] * hidden_size * (layer_input + hidden_size)
    forward = per_step * seq_len * batch_size
    return 3 * forward if backward else forward


def matmul_peak(
    n: int = 2048,
    framework: Literal["torch", "tensorflow"] = "torch",
    threads: int | None = None,
    repeats: int = 7,
) -> float:
    """Measured FLOP/s of an ``n x n`` float32 matrix product on the current device.

    The product costs ``2 * n**3`` FLOPs; the rate is that divided by the median time from
    :func:`benchmark`. PyTorch uses CUDA when available; TensorFlow uses its default device.
    Use it as the denominator that turns any timing into a fraction of what the hardware does.

    Parameters
    ----------
    n : int
        Matrix size (at least 1).
    framework : {"torch", "tensorflow"}
        Which library multiplies.
    threads : int, optional
        Passed to :func:`benchmark`.
    repeats : int
        Timed blocks.

    Returns
    -------
    float
        FLOP/s.

    Raises
    ------
    ValueError
        For ``n < 1`` or an unknown ``framework``.

    Examples
    --------
    >>> matmul_peak(64, framework="torch", repeats=3) > 0
    True
    """
    if n < 1:
        raise ValueError(f"n must be at least 1; got {n}")
    if framework == "torch":
        import torch

        device = "cuda" if torch.cuda.is_available() else "cpu"
        gen = torch.Generator().manual_seed(0)
        a, b = (torch.randn(n, n, generator=gen).to(device) for _ in range(2))
        fn: Callable[[], Any] = lambda: a @ b  # noqa: E731
    elif framework == "tensorflow":
        import tensorflow as tf

        a, b = (tf.random.stateless_normal((n, n), seed=(0, i)) for i in range(2))
        fn = lambda: tf.linalg.matmul(a, b)  # noqa: E731
    else:
        raise ValueError(f"framework must be 'torch' or 'tensorflow'; got {framework!r}")
    measured = benchmark(
        fn, label=f"{n}x{n} matmul", framework=framework, threads=threads, repeats=repeats
    )
    return measured.rate(2.0 * n**3)
