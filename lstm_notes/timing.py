"""Honest timing for recurrent layers: warm-up, device synchronisation, medians and spreads.

Three rules make a timing trustworthy, and :func:`benchmark` applies all of them:

1. **Warm up.** The first calls of a ``tf.function`` trace a graph, the first PyTorch calls pick
   kernels and allocate memory. At least two warm-up calls run before the clock starts.
2. **Synchronise before every clock read.** A GPU runs work asynchronously: a call returns as soon
   as its kernels are *queued*. PyTorch callables are timed by one
   ``torch.utils.benchmark.Timer.adaptive_autorange`` call, whose clock calls
   ``torch.accelerator.synchronize()`` before every read; TensorFlow callables are timed by a
   loop here that calls ``tf.test.experimental.sync_devices()`` before each read on a GPU.
3. **Repeat and summarise robustly.** The median of several timed blocks, with the interquartile
   range and the extremes as the spread, and what actually ran (warm-up calls, calls per block,
   blocks), the thread count, device and library versions recorded beside the number.

:func:`lstm_flops` and :func:`matmul_peak` (from :mod:`lstm_notes.flops`) turn a time into a
fraction of what the hardware can do.
"""

from __future__ import annotations

import difflib
import itertools
import math
from collections.abc import Callable, Mapping
from inspect import signature
from time import perf_counter
from typing import Any, Literal

from lstm_notes import _validate
from lstm_notes._frameworks import framework_of
from lstm_notes.environment import cpu_count, cpu_name, library_versions
from lstm_notes.errors import BenchmarkError
from lstm_notes.flops import lstm_flops, matmul_peak
from lstm_notes.measurement import Comparison, Measurement, format_seconds, refuse_duplicates

__all__ = [
    "BenchmarkError",
    "Comparison",
    "Measurement",
    "benchmark",
    "compare",
    "format_seconds",
    "lstm_flops",
    "matmul_peak",
]

Framework = Literal["auto", "torch", "tensorflow", "python"]
_FRAMEWORKS = ("auto", "torch", "tensorflow", "python")


# --------------------------------------------------------------------------------------------
# benchmark()
# --------------------------------------------------------------------------------------------


def _first_leaf(value: Any) -> Any:
    """The first non-container element of a (nested) tuple/list/dict result."""
    while isinstance(value, (tuple, list, dict)) and value:
        value = next(iter(value.values())) if isinstance(value, dict) else value[0]
    return value


def _result_framework(value: Any) -> str:
    """``"torch"``, ``"tensorflow"`` (TensorFlow or Keras tensors) or ``"python"``."""
    found = framework_of(_first_leaf(value))
    return {"torch": "torch", "keras": "tensorflow", "tensorflow": "tensorflow"}.get(
        found or "", "python"
    )


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
    **unknown: Any,
) -> Measurement:
    """Time ``fn(*args)``: warm up, synchronise, repeat, report the median and spread.

    Parameters
    ----------
    fn : callable
        What to time, called as ``fn(*args)``; wrap keyword arguments with ``functools.partial``.
    *args
        Positional arguments passed to ``fn`` on every call.
    label : str, optional
        Name shown in reports; defaults to ``fn.__name__``.
    warmup : int
        Untimed calls before timing, 2 to 1000 (the first call of a ``tf.function`` traces it,
        the second checks that it does not trace again).
    repeats : int
        Timed blocks wanted, 1 to 1000. PyTorch's ``adaptive_autorange`` runs at least four
        and picks its own block size; ``repeats`` stretches its run time to fit about that many
        blocks. The result's ``repeats`` says how many blocks ran.
    number : int, optional
        Calls per block, up to a million (TensorFlow and Python only; ``adaptive_autorange``
        picks its own). By default a block lasts about 1 ms.
    min_run_time : float
        Keep timing blocks until at least this many seconds (0 to 3600) were timed.
    threads : int, optional
        CPU threads, at least 1. PyTorch: ``num_threads`` of the ``Timer`` (default
        ``torch.get_num_threads()``). TensorFlow: must match the intra-op setting, which cannot
        change once TensorFlow has started.
    framework : {"auto", "torch", "tensorflow", "python"}
        Timing path. ``"auto"`` looks at the type of the first warm-up call's result; name the
        framework for a callable that returns no tensor, so the GPU is still synchronised.
    synchronize : bool
        ``False`` switches synchronisation off, to *demonstrate* what a naive timer reports on a
        GPU. Never use it for a real measurement.
    **unknown
        Not accepted: any other keyword (a typo such as ``repeat=3``) raises
        :class:`~lstm_notes.BenchmarkError` rather than being passed to ``fn``.

    Returns
    -------
    Measurement
        Seconds per call for each block, what ran, device, thread count and library versions.

    Raises
    ------
    BenchmarkError
        For an argument of the wrong type or out of range, an unknown option (a typo such as
        ``repeat=3``), ``number`` with a PyTorch callable, a TensorFlow thread count that cannot
        be set, or a clock that does not advance or runs backwards.

    Examples
    --------
    >>> m = benchmark(sum, range(100), label="sum", repeats=3, min_run_time=0.0)
    >>> m.label, m.framework, m.repeats, m.warmup
    ('sum', 'python', 3, 2)
    >>> m.min <= m.median <= m.max
    True
    """
    _check_options(
        fn, label, warmup, repeats, number, min_run_time, threads, framework, synchronize, unknown
    )
    label = label if label is not None else getattr(fn, "__name__", "callable")
    result = None
    for _ in range(warmup - 1):
        result = fn(*args)
    kind = _result_framework(result) if framework == "auto" else framework
    if kind == "torch":
        if number is not None:
            raise BenchmarkError(
                "number= is not used for PyTorch callables: torch.utils.benchmark's "
                "adaptive_autorange picks the calls per block itself; leave number=None"
            )
        return _benchmark_torch(
            fn, args, label, warmup, repeats, min_run_time, threads, synchronize
        )
    sync, sync_text, device, n_threads = (lambda: None), "none", f"cpu ({cpu_name()})", None
    if kind == "tensorflow":
        n_threads = _tf_threads(threads)
        sync, sync_text = _tf_sync(result) if synchronize else (sync, "none (switched off)")
    sync()
    start = perf_counter()
    result = fn(*args)  # the last warm-up call, timed to size the blocks
    sync()
    last = _elapsed(start, 1)
    if kind == "tensorflow":
        device = _tf_device(result)
    number = number or max(1, math.ceil(1e-3 / last))
    times: list[float] = []
    limit = repeats + 10_000
    while (len(times) < repeats or sum(times) * number < min_run_time) and len(times) < limit:
        sync()
        start = perf_counter()
        for _ in range(number):
            fn(*args)
        sync()
        times.append(_elapsed(start, number))
    return Measurement(
        label, tuple(times), number, warmup, kind, sync_text, device, n_threads, library_versions()
    )


def _elapsed(start: float, number: int) -> float:
    """Seconds per call since ``start``; a clock that stands still or goes back is an error."""
    seconds = perf_counter() - start
    if seconds <= 0:
        raise BenchmarkError(
            f"the clock read {seconds!r} s for {number} call(s): it did not advance (or went "
            "backwards), so no time can be measured; time.perf_counter must be a working clock"
        )
    return seconds / number


def _check_options(
    fn: Any,
    label: Any,
    warmup: Any,
    repeats: Any,
    number: Any,
    min_run_time: Any,
    threads: Any,
    framework: Any,
    synchronize: Any,
    unknown: dict[str, Any],
) -> None:
    if unknown:
        params = signature(benchmark).parameters.values()
        options = [p.name for p in params if p.kind == p.KEYWORD_ONLY]
        hints = [
            f"{name!r} (did you mean {close[0]!r}?)" if close else repr(name)
            for name in unknown
            for close in [difflib.get_close_matches(name, options, n=1)]
        ]
        raise BenchmarkError(
            f"benchmark() has no option {', '.join(hints)}; its options are {', '.join(options)}."
            " Pass keyword arguments for the callable with functools.partial(fn, ...)"
        )
    if not callable(fn):
        raise BenchmarkError(f"fn must be callable; got {fn!r} ({type(fn).__name__})")
    if label is not None and not isinstance(label, str):
        raise BenchmarkError(f"label must be a str or None; got {label!r}")
    _validate.size(warmup, "warmup", minimum=2, maximum=1000, error=BenchmarkError)
    _validate.size(repeats, "repeats", minimum=1, maximum=1000, error=BenchmarkError)
    if number is not None:
        _validate.size(number, "number", minimum=1, maximum=10**6, error=BenchmarkError)
    if threads is not None:
        _validate.size(threads, "threads", minimum=1, maximum=4096, error=BenchmarkError)
    if isinstance(min_run_time, bool) or not isinstance(min_run_time, (int, float)):
        raise BenchmarkError(f"min_run_time must be a number of seconds; got {min_run_time!r}")
    if not 0 <= min_run_time <= 3600:
        raise BenchmarkError(f"min_run_time must be between 0 and 3600 s; got {min_run_time!r}")
    _validate.choice(framework, "framework", _FRAMEWORKS, error=BenchmarkError)
    _validate.flag(synchronize, "synchronize", error=BenchmarkError)


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
    import tensorflow as tf

    if not tf.config.list_logical_devices("GPU"):
        return (lambda: None), "none needed (TensorFlow runs CPU ops synchronously)"
    sync_devices = getattr(getattr(tf.test, "experimental", None), "sync_devices", None)
    if sync_devices is not None:
        return sync_devices, "tf.test.experimental.sync_devices()"
    leaf = _first_leaf(result)
    return (lambda: leaf.numpy() and None), "result read back to the host (.numpy())"


def _tf_device(value: Any) -> str:
    name = str(getattr(_first_leaf(value), "device", "") or "")
    if "GPU" not in name.upper():
        return f"cpu ({cpu_name()})"
    import tensorflow as tf

    physical = tf.config.list_physical_devices("GPU")
    details = tf.config.experimental.get_device_details(physical[0]) if physical else {}
    return f"gpu ({details.get('device_name', name)})"


def _benchmark_torch(
    fn: Callable[..., Any],
    args: tuple[Any, ...],
    label: str,
    warmup: int,
    repeats: int,
    min_run_time: float,
    threads: int | None,
    synchronize: bool,
) -> Measurement:
    """One ``adaptive_autorange`` call; every call of ``fn`` is counted, so warm-up is reported."""
    import timeit

    import torch
    from torch.utils import benchmark as tb

    n_threads = threads or torch.get_num_threads()
    clock = tb.utils.timer.timer if synchronize else timeit.default_timer
    start = clock()
    result = fn(*args)  # the last of our warm-up calls, timed to give the run time a floor
    last = max(clock() - start, 1e-9)
    calls = itertools.count(1)
    timer = tb.Timer(
        stmt="next(_calls); _fn(*_args)",
        globals={"_fn": fn, "_args": args, "_calls": calls},
        num_threads=n_threads,
        label=label,
        timer=clock,
    )
    # adaptive_autorange with an infinite IQR threshold stops after at least 4 blocks and
    # min_run_time seconds. Its blocks are one call for a call of 50 ms or more, else up to ten
    # calls or about 50 ms; the run time is stretched so that `repeats` such blocks fit.
    block_s = last if last >= 0.05 else max(10 * last, 0.05)
    block = timer.adaptive_autorange(
        threshold=math.inf, min_run_time=max(min_run_time, repeats * block_s), max_run_time=None
    )
    timed = block.number_per_run * len(block.raw_times)
    ran_before = warmup + next(calls) - 1 - timed  # ours, then the Timer's block-size estimate
    leaf = _first_leaf(result)
    device = getattr(leaf, "device", torch.device("cpu")) if torch.is_tensor(leaf) else None
    if device is not None and device.type == "cuda":
        where = f"cuda ({torch.cuda.get_device_name(device)})"
    else:
        where = f"{getattr(device, 'type', 'cpu')} ({cpu_name()})"
    if not synchronize:
        sync = "none (switched off)"
    elif torch.accelerator.is_available():
        sync = "torch.utils.benchmark.Timer (torch.accelerator.synchronize() before each read)"
    else:
        sync = "none needed (no accelerator); torch.utils.benchmark.Timer"
    times = tuple(t / block.number_per_run for t in block.raw_times)
    return Measurement(
        label,
        times,
        block.number_per_run,
        ran_before,
        "torch",
        sync,
        where,
        n_threads,
        library_versions(),
    )


# --------------------------------------------------------------------------------------------
# compare()
# --------------------------------------------------------------------------------------------


def compare(
    *candidates: Mapping[str, Callable[[], Any]] | tuple[str, Callable[[], Any]] | Measurement,
    **options: Any,
) -> Comparison:
    """Benchmark several named callables (or gather finished measurements) into one table.

    Parameters
    ----------
    *candidates : dict, (name, callable) pairs, or Measurement
        Callables take no arguments (wrap arguments with ``lambda`` or ``functools.partial``).
        Measurements already made are taken as they are. Labels must be unique.
    **options
        Passed to :func:`benchmark` for every callable (``repeats``, ``threads``, ...).

    Returns
    -------
    Comparison
        ``print`` it for a table with ratios to the fastest; ``.plot()`` draws a bar chart.

    Raises
    ------
    BenchmarkError
        If nothing is given, a candidate is none of the accepted kinds, or a label repeats
        (checked before anything is timed).

    Examples
    --------
    >>> table = compare({"short": lambda: sum(range(10)), "long": lambda: sum(range(10_000))},
    ...                 repeats=3, min_run_time=0.0)
    >>> table.fastest.label, table.ratios["short"]
    ('short', 1.0)
    """
    if "label" in options:
        raise BenchmarkError("compare() names each callable itself; drop label= from the options")
    entries: list[tuple[str, Any]] = []
    for candidate in candidates:
        if isinstance(candidate, Measurement):
            entries.append((candidate.label, candidate))
        elif isinstance(candidate, Mapping):
            entries += [(name, fn) for name, fn in candidate.items()]
        elif isinstance(candidate, tuple) and len(candidate) == 2:
            entries.append(candidate)
        else:
            raise BenchmarkError(
                "compare() takes dicts of {name: callable}, (name, callable) pairs or "
                f"Measurement objects; got {type(candidate).__name__}"
            )
    if not entries:
        raise BenchmarkError("compare() needs at least one callable or Measurement")
    for name, _ in entries:
        if not isinstance(name, str):
            raise BenchmarkError(f"every name must be a str; got {name!r}")
    refuse_duplicates([name for name, _ in entries])
    return Comparison(
        tuple(
            item if isinstance(item, Measurement) else benchmark(item, label=name, **options)
            for name, item in entries
        )
    )
