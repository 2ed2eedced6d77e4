"""Tests for lstm_notes.timing, .measurement, .flops and .environment, and the benchmark script.

No assertion here compares two real durations, so the tests cannot flake on a busy machine: the
statistics are checked on a fake clock, and the framework paths on what they record.
"""

from __future__ import annotations

import itertools
import json
import math
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import lstm_notes.timing as timing
from lstm_notes.environment import BF16_FLAGS, bf16_support, cpu_flags
from lstm_notes.errors import BenchmarkError
from lstm_notes.timing import (
    Comparison,
    Measurement,
    benchmark,
    compare,
    format_seconds,
    lstm_flops,
    matmul_peak,
)
from tests.conftest import FIXED_JUNK, JUNK_SETTINGS, check_junk, junk


class FakeWork:
    """A clock and a callable: each call advances the clock by the next planned duration."""

    def __init__(self, durations: list[float]) -> None:
        self.now = 0.0
        self.durations = list(durations)
        self.calls = 0

    def clock(self) -> float:
        return self.now

    def __call__(self) -> None:
        self.now += self.durations[self.calls]
        self.calls += 1


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch):
    """Make a FakeWork whose clock replaces the timing module's ``perf_counter``."""

    def make(durations: list[float]) -> FakeWork:
        work = FakeWork(durations)
        monkeypatch.setattr(timing, "perf_counter", work.clock)
        return work

    return make


def measurement(label: str, times: tuple[float, ...]) -> Measurement:
    return Measurement(label, times, 1, 2, "python", "none", "cpu", None, {"python": "3"})


# ---------------------------------------------------------------------------------------------
# benchmark(): statistics and bookkeeping on a fake clock (the Python path)
# ---------------------------------------------------------------------------------------------


def test_median_and_spread_come_from_the_timed_blocks_only(fake) -> None:
    # Two warm-up calls (one untimed, one timed to size the blocks), then five blocks of one call.
    work = fake([100.0, 0.5, 3.0, 1.0, 4.0, 1.0, 5.0])
    m = benchmark(work, number=1, repeats=5, min_run_time=0.0)
    assert m.times == (3.0, 1.0, 4.0, 1.0, 5.0)  # the 100 s warm-up call is excluded
    assert m.median == 3.0
    # sorted: 1, 1, 3, 4, 5 -> quartiles at positions 1 and 3 (inclusive method): 1 and 4
    assert m.iqr == 3.0
    assert (m.min, m.max, m.repeats, m.number, m.warmup) == (1.0, 5.0, 5, 1, 2)
    assert work.calls == 7


def test_blocks_report_time_per_call(fake) -> None:
    # Blocks of two calls: (1 + 3) / 2 = 2 and (2 + 2) / 2 = 2 seconds per call.
    work = fake([9.0, 9.0, 1.0, 3.0, 2.0, 2.0])
    m = benchmark(work, number=2, repeats=2, min_run_time=0.0)
    assert m.times == (2.0, 2.0)
    assert m.iqr == 0.0


def test_more_warmup_calls_are_all_excluded(fake) -> None:
    work = fake([50.0, 50.0, 50.0, 50.0, 1.0])
    m = benchmark(work, warmup=4, number=1, repeats=1, min_run_time=0.0)
    assert m.times == (1.0,)
    assert m.warmup == 4 and work.calls == 5


def test_block_size_grows_until_a_block_lasts_a_millisecond(fake) -> None:
    # The sizing call takes 2**-12 s (0.244 ms); 1 ms needs ceil(4.096) = 5 calls per block.
    quick = 2.0**-12
    work = fake([quick] * 2 + [quick] * 5 * 3)
    m = benchmark(work, repeats=3, min_run_time=0.0)
    assert m.number == 5
    assert m.times == (quick, quick, quick)


def test_min_run_time_adds_blocks_beyond_repeats(fake) -> None:
    work = fake([1.0, 1.0] + [1.0] * 10)
    m = benchmark(work, number=1, repeats=2, min_run_time=4.5)
    assert m.repeats == 5  # 4 s of blocks are not enough, 5 s are


def test_a_clock_that_never_advances_is_an_error(fake) -> None:
    work = fake([0.0] * 5)
    with pytest.raises(BenchmarkError, match="did not advance"):
        benchmark(work, repeats=3, min_run_time=0.0)
    assert work.calls == 2  # refused at the sizing call, not after thousands of blocks


def test_a_clock_that_goes_backwards_is_an_error(fake) -> None:
    work = fake([1.0, 1.0, -0.5])
    with pytest.raises(BenchmarkError, match="went backwards"):
        benchmark(work, number=1, repeats=3, min_run_time=0.0)


def test_arguments_are_passed_through() -> None:
    seen: list[str] = []
    m = benchmark(seen.append, "x", repeats=1, number=1, min_run_time=0.0, label="append")
    assert set(seen) == {"x"} and len(seen) == 3  # warm-up 2 (one timed), one block of one
    assert m.label == "append"
    assert benchmark(len, "ab", repeats=1, min_run_time=0.0).label == "len"


BAD_OPTIONS = [
    ({"warmup": 1}, "warmup must be at least 2"),
    ({"warmup": True}, "warmup must be an integer, got the bool"),
    ({"repeats": 0}, "repeats must be at least 1"),
    ({"repeats": 2.5}, "repeats must be an integer, got 2.5"),
    ({"number": 0}, "number must be at least 1"),
    ({"threads": 0}, "threads must be at least 1"),
    ({"threads": "2"}, "threads must be an integer"),
    ({"min_run_time": -1.0}, "min_run_time must be between 0 and 3600"),
    ({"min_run_time": math.nan}, "min_run_time must be between 0 and 3600"),
    ({"min_run_time": "fast"}, "min_run_time must be a number"),
    ({"framework": "jax"}, "framework must be one of"),
    ({"synchronize": "no"}, "synchronize must be True or False"),
    ({"label": 3}, "label must be a str"),
    ({"repeat": 3}, "no option 'repeat' \\(did you mean 'repeats'\\?\\)"),
    ({"threds": 1, "warm_up": 3}, "'threds' \\(did you mean 'threads'\\?\\), 'warm_up'"),
]
"""Bad options for benchmark(): each must be refused, naming the option, before fn is called."""


@pytest.mark.parametrize(("options", "message"), BAD_OPTIONS)
def test_bad_options_are_refused_before_anything_runs(options: dict, message: str) -> None:
    calls: list[int] = []
    with pytest.raises(BenchmarkError, match=message):
        benchmark(lambda: calls.append(1), **options)
    assert calls == []


@pytest.mark.parametrize("fn", [None, 3, "sum", [len]])
def test_fn_must_be_callable(fn: Any) -> None:
    with pytest.raises(BenchmarkError, match="fn must be callable"):
        benchmark(fn)


# ---------------------------------------------------------------------------------------------
# The PyTorch and TensorFlow paths on this machine
# ---------------------------------------------------------------------------------------------


@pytest.mark.torch
def test_torch_path_reports_every_call_that_ran() -> None:
    torch = pytest.importorskip("torch")
    a = torch.ones(8, 8)
    counter = itertools.count()

    def work() -> Any:
        next(counter)
        return a @ a

    m = benchmark(work, threads=1, repeats=3, min_run_time=0.0)
    calls = next(counter)
    assert (m.framework, m.threads) == ("torch", 1)
    assert m.warmup + m.repeats * m.number == calls  # warm-up as it ran, not as asked
    assert m.warmup >= 2 and m.repeats >= 4  # adaptive_autorange times at least four blocks
    assert m.min <= m.median <= m.max
    assert "torch" in m.versions


@pytest.mark.torch
def test_torch_default_threads_and_no_number() -> None:
    torch = pytest.importorskip("torch")
    a = torch.ones(4, 4)
    m = benchmark(lambda: a + a, repeats=2, min_run_time=0.0)
    assert m.threads == torch.get_num_threads()
    with pytest.raises(BenchmarkError, match="number= is not used for PyTorch"):
        benchmark(lambda: a + a, number=3)


@pytest.mark.torch
def test_torch_on_cpu_needs_no_synchronisation_and_can_be_unsynchronised() -> None:
    torch = pytest.importorskip("torch")
    if torch.cuda.is_available():
        pytest.skip("checks the CPU description; a GPU is present")
    a = torch.ones(4, 4)
    m = benchmark(lambda: a + a, repeats=2, min_run_time=0.0)
    assert m.device.startswith("cpu") and m.sync.startswith("none needed")
    off = benchmark(lambda: a + a, repeats=2, min_run_time=0.0, synchronize=False)
    assert off.sync == "none (switched off)"


@pytest.mark.torch
def test_torch_clock_synchronises_the_gpu(monkeypatch: pytest.MonkeyPatch) -> None:
    torch = pytest.importorskip("torch")
    if not torch.cuda.is_available():
        pytest.skip("needs a CUDA GPU (none found): checks that the clock waits for the GPU")
    calls: list[int] = []
    real = torch.accelerator.synchronize
    monkeypatch.setattr(torch.accelerator, "synchronize", lambda *a: calls.append(1) or real(*a))
    a = torch.ones(256, 256, device="cuda")
    m = benchmark(lambda: a @ a, repeats=3, min_run_time=0.0)
    assert m.device.startswith("cuda") and "synchronize" in m.sync
    assert len(calls) >= 2 * m.repeats  # at least before and after every timed block


@pytest.mark.keras
def test_tensorflow_path_records_threads_device_and_traces_in_warmup() -> None:
    tf = pytest.importorskip("tensorflow")
    traces: list[int] = []

    @tf.function
    def f(x: Any) -> Any:
        traces.append(1)  # Python side effect: runs only while tracing
        return tf.tanh(x) * 2.0

    m = benchmark(f, tf.ones((4, 4)), repeats=2, min_run_time=0.0)
    assert len(traces) == 1
    assert m.framework == "tensorflow" and m.warmup == 2
    assert isinstance(m.threads, int) and m.threads >= 1
    assert "tensorflow" in m.versions
    if not tf.config.list_logical_devices("GPU"):
        assert m.device.startswith("cpu") and m.sync.startswith("none needed")


@pytest.mark.keras
def test_tensorflow_thread_count_cannot_change_after_start() -> None:
    tf = pytest.importorskip("tensorflow")
    from lstm_notes.environment import cpu_count

    tf.ones(1) + 1  # make sure the runtime has started
    current = tf.config.threading.get_intra_op_parallelism_threads() or cpu_count()
    with pytest.raises(BenchmarkError, match="cannot change after it has started"):
        benchmark(lambda: tf.ones(1), threads=current + 1)


@pytest.mark.keras
def test_tensorflow_clock_synchronises_the_gpu(monkeypatch: pytest.MonkeyPatch) -> None:
    tf = pytest.importorskip("tensorflow")
    if not tf.config.list_physical_devices("GPU"):
        pytest.skip("needs a GPU visible to TensorFlow (none found): checks sync_devices()")
    calls: list[int] = []
    real = tf.test.experimental.sync_devices
    monkeypatch.setattr(tf.test.experimental, "sync_devices", lambda: calls.append(1) or real())
    a = tf.ones((256, 256))
    m = benchmark(lambda: tf.linalg.matmul(a, a), repeats=3, number=2, min_run_time=0.0)
    assert m.device.startswith("gpu")
    assert len(calls) >= 2 * 3


# ---------------------------------------------------------------------------------------------
# Measurement and Comparison
# ---------------------------------------------------------------------------------------------


def test_measurement_prints_and_renders() -> None:
    m = measurement("lstm forward", (0.002, 0.004, 0.003))
    text = str(m)
    assert "lstm forward" in text and "median 3 ms" in text and "after 2 warm-up" in text
    assert "<table>" in m._repr_html_() and "lstm forward" in m._repr_html_()
    record = json.loads(json.dumps(m.as_dict()))
    assert record["median_s"] == 0.003 and record["repeats"] == 3
    assert m.rate(6.0) == pytest.approx(2000.0)


BAD_TIMES = [
    ((), "at least one block"),
    ((0.0, 0.0, 1.0), "median of 0"),
    ((0.0,), "median of 0"),
    ((1.0, -1.0), "not negative"),
    ((1.0, math.nan), "finite"),
    ((1.0, math.inf), "finite"),
    (("1 ms",), "numbers of seconds"),
    (None, "numbers of seconds"),
]
"""Bad ``times`` for a Measurement: each refused with the library's error, never a statistic."""


@pytest.mark.parametrize(("times", "message"), BAD_TIMES)
def test_measurement_refuses_times_without_a_statistic(times: Any, message: str) -> None:
    with pytest.raises(BenchmarkError, match=message):
        measurement("x", times)


@pytest.mark.parametrize(
    ("seconds", "text"), [(1.5, "1.5 s"), (0.25, "250 ms"), (3e-5, "30 µs"), (5e-9, "5 ns")]
)
def test_format_seconds(seconds: float, text: str) -> None:
    assert format_seconds(seconds) == text


def test_comparison_ratios_table_and_plot() -> None:
    matplotlib = pytest.importorskip("matplotlib", reason="the plot needs matplotlib")

    matplotlib.use("Agg")
    fast = measurement("fast", (1.0, 1.0, 1.0))
    slow = measurement("slow", (4.0, 4.0, 4.0))
    table = compare(slow, fast)
    assert isinstance(table, Comparison)
    assert table.fastest is fast
    assert table.ratios == {"slow": 4.0, "fast": 1.0}
    lines = str(table).splitlines()
    assert lines[0].split()[:2] == ["callable", "median"]
    assert "4.00x" in lines[2] and "1.00x" in lines[3]
    assert table._repr_html_().count("<tr>") == 3
    ax = table.plot()
    assert len(ax.patches) == 2 and "ms" in ax.get_xlabel()


def test_compare_benchmarks_dicts_and_pairs() -> None:
    table = compare(
        {"a": lambda: None}, ("b", lambda: None), repeats=2, min_run_time=0.0, framework="python"
    )
    assert [m.label for m in table.measurements] == ["a", "b"]
    assert all(m.repeats >= 2 for m in table.measurements)


def test_duplicate_labels_are_refused_before_anything_is_timed() -> None:
    calls: list[str] = []
    with pytest.raises(BenchmarkError, match=r"\['a'\] appear more than once"):
        compare({"a": lambda: calls.append("a")}, ("a", lambda: calls.append("b")))
    assert calls == []
    with pytest.raises(BenchmarkError, match="more than once"):
        compare(measurement("x", (1.0,)), measurement("x", (2.0,)))
    with pytest.raises(BenchmarkError, match="more than once"):
        Comparison((measurement("x", (1.0,)), measurement("x", (2.0,))))


@pytest.mark.parametrize(
    ("args", "options", "message"),
    [
        ((), {}, "at least one"),
        ((3,), {}, "got int"),
        (((1, 2, 3),), {}, "got tuple"),
        (({1: len},), {}, "every name must be a str"),
        (({"a": len},), {"label": "x"}, "drop label="),
        (({"a": "not callable"},), {}, "fn must be callable"),
    ],
)
def test_compare_refuses_what_it_cannot_time(args: tuple, options: dict, message: str) -> None:
    with pytest.raises(BenchmarkError, match=message):
        compare(*args, **options)


# ---------------------------------------------------------------------------------------------
# FLOP counts and the matmul rate
# ---------------------------------------------------------------------------------------------


def test_lstm_flops_by_hand() -> None:
    # One LSTM step, one sample: 4 gates x h outputs x (x + h) inputs MACs, 2 FLOPs each.
    assert lstm_flops(3, 2, seq_len=1, batch_size=1) == 2 * 4 * 2 * (3 + 2)
    assert lstm_flops(3, 2, seq_len=1, batch_size=1, kind="GRU") == 2 * 3 * 2 * 5
    assert lstm_flops(3, 2, seq_len=1, batch_size=1, kind="SimpleRNN") == 2 * 1 * 2 * 5
    assert lstm_flops(3, 2, seq_len=7, batch_size=5) == 35 * lstm_flops(3, 2, 1, 1)
    # Two bidirectional layers: layer 0 reads x (3), layer 1 reads both directions (2 * 2 = 4).
    per_step = 2 * 8 * 2 * (3 + 2) + 2 * 8 * 2 * (4 + 2)
    assert lstm_flops(3, 2, 5, 3, num_layers=2, bidirectional=True) == per_step * 5 * 3
    assert lstm_flops(3, 2, 5, 3, backward=True) == 3 * lstm_flops(3, 2, 5, 3)


def test_lstm_flops_with_numpy_integers_is_an_exact_python_int() -> None:
    big = np.int64(10**6)
    flops = lstm_flops(big, big, big, big)
    assert type(flops) is int
    assert flops == 8 * 10**6 * (2 * 10**6) * 10**6 * 10**6  # past int64, no overflow
    assert lstm_flops(np.int32(3), np.uint8(2), 1, 1) == lstm_flops(3, 2, 1, 1)


@pytest.mark.torch
@pytest.mark.parametrize(
    ("kind", "module"), [("LSTM", "LSTM"), ("GRU", "GRU"), ("SimpleRNN", "RNN")]
)
@pytest.mark.parametrize(("num_layers", "bidirectional"), [(1, False), (3, False), (2, True)])
def test_lstm_flops_match_torch_weight_counts(
    kind: str, module: str, num_layers: int, bidirectional: bool
) -> None:
    torch = pytest.importorskip("torch")
    # Every weight matrix entry is one multiply-accumulate per sample and step: 2 FLOPs.
    layer = getattr(torch.nn, module)(5, 7, num_layers=num_layers, bidirectional=bidirectional)
    weights = sum(p.numel() for name, p in layer.named_parameters() if name.startswith("weight"))
    assert lstm_flops(5, 7, 11, 4, num_layers, bidirectional, kind=kind) == 2 * weights * 11 * 4


BAD_FLOPS = [
    ({"kind": "transformer"}, "kind must be one of 'LSTM', 'GRU', 'SimpleRNN'"),
    ({"kind": "lstm"}, "kind must be one of"),
    ({"hidden_size": 0}, "hidden_size must be at least 1"),
    ({"seq_len": 2.5}, "seq_len must be an integer, got 2.5"),
    ({"seq_len": 4.0}, "seq_len must be an integer, got 4.0"),
    ({"batch_size": True}, "batch_size must be an integer, got the bool"),
    ({"input_size": "3"}, "input_size must be an integer"),
    ({"input_size": None}, "input_size must be an integer"),
    ({"num_layers": -1}, "num_layers must be at least 1"),
    ({"bidirectional": 1}, "bidirectional must be True or False"),
    ({"backward": "yes"}, "backward must be True or False"),
]
"""Bad arguments for lstm_flops: each refused with a message naming the argument."""


@pytest.mark.parametrize(("kwargs", "message"), BAD_FLOPS)
def test_lstm_flops_refuses_bad_input(kwargs: dict, message: str) -> None:
    args = {"input_size": 3, "hidden_size": 2, "seq_len": 4, "batch_size": 1, **kwargs}
    with pytest.raises(BenchmarkError, match=message):
        lstm_flops(**args)


BAD_PEAKS = [
    ({"n": 100_000}, "10,000,000,000 elements"),
    ({"n": 0}, "n must be at least 1"),
    ({"n": 64.0}, "n must be an integer"),
    ({"framework": "jax"}, "framework must be one of 'torch', 'tensorflow'"),
    ({"dtype": "float16"}, "dtype must be one of 'float32', 'bfloat16'"),
]
"""Bad arguments for matmul_peak, refused before any matrix is allocated."""


@pytest.mark.parametrize(("kwargs", "message"), BAD_PEAKS)
def test_matmul_peak_refuses_before_allocating(
    kwargs: dict, message: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "torch", None)  # an allocation would now fail loudly
    monkeypatch.setitem(sys.modules, "tensorflow", None)
    with pytest.raises(BenchmarkError, match=message):
        matmul_peak(**kwargs)


@pytest.mark.torch
def test_matmul_peak_is_a_positive_rate_in_both_precisions() -> None:
    pytest.importorskip("torch")
    assert matmul_peak(32, framework="torch", repeats=2) > 0
    assert matmul_peak(32, framework="torch", repeats=2, dtype="bfloat16") > 0


@pytest.mark.keras
def test_matmul_peak_with_tensorflow() -> None:
    pytest.importorskip("tensorflow")
    assert matmul_peak(32, framework="tensorflow", repeats=2) > 0


def test_bf16_support_reads_the_cpu_flags() -> None:
    flags = cpu_flags()
    assert set(bf16_support()) == {flag for flag in BF16_FLAGS if flag in flags}


# ---------------------------------------------------------------------------------------------
# Junk: every public function returns a result or raises the library's error, nothing else
# ---------------------------------------------------------------------------------------------

FLOPS_ARGUMENTS = ("input_size", "hidden_size", "seq_len", "batch_size", "num_layers")
BENCHMARK_OPTIONS = ("warmup", "repeats", "number", "threads", "framework", "synchronize", "label")
"""Options given drawn junk (min_run_time is left to BAD_OPTIONS: a valid draw may take hours)."""


@pytest.mark.parametrize("argument", FLOPS_ARGUMENTS)
@pytest.mark.parametrize("value", FIXED_JUNK, ids=range(len(FIXED_JUNK)))
def test_lstm_flops_with_fixed_junk(argument: str, value: Any) -> None:
    args = {"input_size": 3, "hidden_size": 2, "seq_len": 4, "batch_size": 1, argument: value}
    result = check_junk(lambda: lstm_flops(**args))
    if result is not None:  # only real sizes pass: the count is then exact
        assert type(result) is int and result == lstm_flops(**{**args, argument: int(value)})


@JUNK_SETTINGS
@given(argument=st.sampled_from(FLOPS_ARGUMENTS), value=junk)
def test_lstm_flops_with_drawn_junk(argument: str, value: Any) -> None:
    args = {"input_size": 3, "hidden_size": 2, "seq_len": 4, "batch_size": 1, argument: value}
    result = check_junk(lambda: lstm_flops(**args))
    assert result is None or (type(result) is int and result > 0)


@JUNK_SETTINGS
@given(option=st.sampled_from(BENCHMARK_OPTIONS), value=junk)
def test_benchmark_with_drawn_junk_options(option: str, value: Any) -> None:
    options = {"repeats": 1, "min_run_time": 0.0, "framework": "python", option: value}
    result = check_junk(lambda: benchmark(sum, [1, 2], **options))
    assert result is None or (isinstance(result, Measurement) and result.median > 0)


@JUNK_SETTINGS
@given(value=junk)
def test_measurement_and_compare_with_drawn_junk(value: Any) -> None:
    check_junk(lambda: measurement("x", value))
    check_junk(lambda: compare(value))
    check_junk(lambda: matmul_peak(value, repeats=1) if not isinstance(value, int) else None)


# ---------------------------------------------------------------------------------------------
# The benchmark script (benchmarks/lstm_speed.py), on a tiny size
# ---------------------------------------------------------------------------------------------


def load_script() -> Any:
    import importlib.util

    path = Path(__file__).resolve().parent.parent / "benchmarks" / "lstm_speed.py"
    spec = importlib.util.spec_from_file_location("lstm_speed", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


@pytest.mark.keras
@pytest.mark.torch
def test_benchmark_script_rows_on_a_tiny_size() -> None:
    tf = pytest.importorskip("tensorflow")
    pytest.importorskip("torch")
    script = load_script()
    size = {"batch_size": 2, "seq_len": 3, "input_size": 4, "hidden_size": 5}
    rows, skipped = script.measure_size(size, peak=1e9, gpu=False, threads=1, repeats=1)
    cudnn = "keras cudnn (tf.function)"
    tf_gpu = bool(tf.config.list_logical_devices("GPU"))
    impls = {r["impl"] for r in rows}
    assert impls == {
        "keras generic (tf.function)",
        "keras default (eager)",
        "keras default (tf.function)",
        "torch nn.LSTM",
        "torch LSTMCell loop",
    } | ({cudnn} if tf_gpu else set())
    assert [s["name"] for s in skipped] == ([] if tf_gpu else [cudnn])  # cuDNN needs a GPU
    for pass_name in script.PASSES:
        ratios = [r["ratio_to_fastest"] for r in rows if r["pass"] == pass_name]
        assert min(ratios) == 1.0 and len(ratios) == len(impls)
    backward = next(r for r in rows if r["pass"] == "forward+backward")
    assert backward["flops"] == 3 * lstm_flops(**size)
    assert all("unsynchronised_median_s" not in r for r in rows)  # a GPU-only column
    json.dumps(rows)  # the rows go into the JSON result file as they are


@pytest.mark.keras
def test_benchmark_script_unroll_rows_compare_the_same_layer() -> None:
    pytest.importorskip("tensorflow")
    script = load_script()
    rows = script.unroll_rows(seq_lens=(2, 4), repeats=1)
    assert [(r["seq_len"], r["unroll"]) for r in rows] == [
        (2, False),
        (2, True),
        (4, False),
        (4, True),
    ]
    assert all(r["max_abs_diff_vs_rolled"] < 1e-5 for r in rows)
    graph = {(r["seq_len"], r["unroll"]): r["graph_operations"] for r in rows}
    assert graph[2, False] == graph[4, False] and graph[4, True] > graph[2, True]


@pytest.mark.keras
@pytest.mark.torch
def test_benchmark_script_recipes_on_a_tiny_size() -> None:
    pytest.importorskip("tensorflow")
    pytest.importorskip("torch")
    script = load_script()
    size = {"batch_size": 2, "seq_len": 3, "input_size": 4, "hidden_size": 5}
    record = script.recipe_rows(size, repeats=1, with_compile=False)
    precisions = {r["recipe"]: r["precision"] for r in record["rows"]}
    assert precisions == {
        "keras tf.function": "float32",
        "keras tf.function(jit_compile=True)": "float32",
        "keras mixed_bfloat16": "bfloat16",
        "torch nn.LSTM": "float32",
        "torch nn.LSTM bfloat16 cast": "bfloat16",
        "torch nn.LSTM autocast bfloat16": "bfloat16",
    }
    assert len(record["rows"]) == 2 * len(precisions)  # forward and forward+backward each
    assert all(r["fraction_of_matmul_same_precision"] > 0 for r in record["rows"])
    assert set(record["matmul"]["flops_per_s"]) == {
        "torch float32",
        "torch bfloat16",
        "tensorflow float32",
        "tensorflow bfloat16",
    }
    assert "skipped" in record["torch_compile_seconds"]
    json.dumps(record)


def test_benchmark_script_device_slug() -> None:
    script = load_script()
    assert script.slug("gpu (NVIDIA H100 80GB HBM3)") == "gpu-nvidia-h100-80gb-hbm3"
    assert "gpu" not in script.slug("cpu (AMD EPYC)")
