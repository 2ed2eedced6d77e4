"""Tests for lstm_notes.timing: statistics on a fake clock, framework paths, FLOP counts.

No assertion here compares two real durations, so the tests cannot flake on a busy machine.
"""

from __future__ import annotations

import json
import sys

import matplotlib
import pytest
import tensorflow as tf
import torch

from lstm_notes.timing import (
    BenchmarkError,
    Comparison,
    Measurement,
    benchmark,
    compare,
    cpu_count,
    detect_framework,
    format_seconds,
    lstm_flops,
    matmul_peak,
)

matplotlib.use("Agg")

HAS_CUDA = torch.cuda.is_available()
NEEDS_CUDA = pytest.mark.skipif(
    not HAS_CUDA, reason="needs a CUDA GPU (none found): checks that the clock waits for the GPU"
)


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


def fake_measurement(label: str, times: tuple[float, ...]) -> Measurement:
    return Measurement(label, times, 1, 2, "python", "none", "cpu", None, {"python": "3"})


# ---------------------------------------------------------------------------------------------
# benchmark(): statistics and bookkeeping on a fake clock
# ---------------------------------------------------------------------------------------------


def test_median_and_spread_come_from_the_timed_blocks_only() -> None:
    # Two warm-up calls (one untimed, one timed for calibration), then five blocks of one call.
    work = FakeWork([100.0, 0.5, 3.0, 1.0, 4.0, 1.0, 5.0])
    m = benchmark(work, number=1, repeats=5, min_run_time=0.0, clock=work.clock)
    assert m.times == (3.0, 1.0, 4.0, 1.0, 5.0)  # the 100 s warm-up call is excluded
    assert m.median == 3.0
    # sorted: 1, 1, 3, 4, 5 -> quartiles at positions 1 and 3 (inclusive method): 1 and 4
    assert m.iqr == 3.0
    assert (m.min, m.max, m.repeats, m.number, m.warmup) == (1.0, 5.0, 5, 1, 2)
    assert work.calls == 7


def test_blocks_report_time_per_call() -> None:
    # Blocks of two calls: (1 + 3) / 2 = 2 and (2 + 2) / 2 = 2 seconds per call.
    work = FakeWork([9.0, 9.0, 1.0, 3.0, 2.0, 2.0])
    m = benchmark(work, number=2, repeats=2, min_run_time=0.0, clock=work.clock)
    assert m.times == (2.0, 2.0)
    assert m.iqr == 0.0


def test_more_warmup_calls_are_all_excluded() -> None:
    work = FakeWork([50.0, 50.0, 50.0, 50.0, 1.0])
    m = benchmark(work, warmup=4, number=1, repeats=1, min_run_time=0.0, clock=work.clock)
    assert m.times == (1.0,)
    assert m.warmup == 4


def test_block_size_grows_until_a_block_lasts_a_millisecond() -> None:
    # The calibration call takes 2**-12 s (0.244 ms); 1 ms needs ceil(4.096) = 5 calls per block.
    quick = 2.0**-12
    work = FakeWork([quick] * 2 + [quick] * 5 * 3)
    m = benchmark(work, repeats=3, min_run_time=0.0, clock=work.clock)
    assert m.number == 5
    assert m.times == (quick, quick, quick)


def test_min_run_time_adds_blocks_beyond_repeats() -> None:
    work = FakeWork([1.0, 1.0] + [1.0] * 10)
    m = benchmark(work, number=1, repeats=2, min_run_time=4.5, clock=work.clock)
    assert m.repeats == 5  # 4 s of blocks are not enough, 5 s are


def test_arguments_are_passed_through() -> None:
    seen = []
    m = benchmark(seen.append, "x", repeats=1, number=1, min_run_time=0.0, label="append")
    assert set(seen) == {"x"}
    assert m.label == "append"
    assert benchmark(len, "ab", repeats=1, min_run_time=0.0).label == "len"


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"warmup": 1}, "warmup must be at least 2"),
        ({"repeats": 0}, "repeats must be at least 1"),
        ({"number": 0}, "number"),
        ({"framework": "jax"}, "framework must be one of"),
        ({"framework": "torch", "clock": lambda: 0.0}, "clock= is only supported"),
    ],
)
def test_bad_arguments_are_rejected_with_a_message(options: dict, message: str) -> None:
    with pytest.raises(BenchmarkError, match=message):
        benchmark(lambda: torch.zeros(1), **options)


# ---------------------------------------------------------------------------------------------
# Framework detection and the framework paths on this machine
# ---------------------------------------------------------------------------------------------


def test_detect_framework_by_result_type() -> None:
    lstm_out = torch.nn.LSTM(3, 2)(torch.zeros(4, 1, 3))  # (output, (h, c))
    assert detect_framework(lstm_out) == "torch"
    assert detect_framework(tf.zeros(2)) == "tensorflow"
    assert detect_framework({"a": [tf.zeros(1)]}) == "tensorflow"
    assert detect_framework(3.0) == "python"
    assert detect_framework(()) == "python"


def test_torch_path_uses_torch_utils_benchmark_timer_with_explicit_threads(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from torch.utils import benchmark as tb

    made: list[int] = []

    class SpyTimer(tb.Timer):
        def __init__(self, *args, **kwargs) -> None:
            made.append(kwargs["num_threads"])
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(tb, "Timer", SpyTimer)
    a = torch.ones(8, 8)
    m = benchmark(lambda: a @ a, threads=1, repeats=3, min_run_time=0.0)
    assert made == [1]
    assert (m.framework, m.threads) == ("torch", 1)
    assert m.repeats >= 3
    assert m.min <= m.median <= m.max
    assert "torch" in m.versions


def test_torch_default_thread_count_is_recorded() -> None:
    a = torch.ones(4, 4)
    m = benchmark(lambda: a + a, repeats=2, number=3, min_run_time=0.0)
    assert m.threads == torch.get_num_threads()
    assert m.number == 3


@pytest.mark.skipif(HAS_CUDA, reason="checks the CPU description; a GPU is present")
def test_torch_on_cpu_needs_no_synchronisation() -> None:
    a = torch.ones(4, 4)
    m = benchmark(lambda: a + a, repeats=2, min_run_time=0.0)
    assert m.device.startswith("cpu")
    assert m.sync.startswith("none needed")


def test_tensorflow_path_records_threads_and_device() -> None:
    f = tf.function(lambda x: tf.tanh(x) * 2.0)
    x = tf.ones((4, 4))
    m = benchmark(f, x, repeats=2, min_run_time=0.0)
    assert m.framework == "tensorflow"
    assert isinstance(m.threads, int) and m.threads >= 1
    assert "tensorflow" in m.versions
    if not tf.config.list_logical_devices("GPU"):
        assert m.device.startswith("cpu")
        assert m.sync.startswith("none needed")


def test_tensorflow_thread_count_cannot_change_after_start() -> None:
    tf.ones(1) + 1  # make sure the runtime has started
    current = tf.config.threading.get_intra_op_parallelism_threads() or cpu_count()
    with pytest.raises(BenchmarkError, match="cannot change after it has started"):
        benchmark(lambda: tf.ones(1), threads=current + 1)


def test_tf_trace_happens_during_warmup() -> None:
    traces = []

    @tf.function
    def f(x: tf.Tensor) -> tf.Tensor:
        traces.append(1)  # Python side effect: runs only while tracing
        return x * 2.0

    benchmark(f, tf.ones(3), repeats=2, min_run_time=0.0)
    assert len(traces) == 1


def test_unsynchronised_mode_is_labelled() -> None:
    a = torch.ones(4, 4)
    m = benchmark(lambda: a + a, repeats=2, min_run_time=0.0, synchronize=False)
    assert m.sync == "none (switched off)"


@NEEDS_CUDA
def test_torch_clock_synchronises_the_gpu(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []
    real = torch.accelerator.synchronize
    monkeypatch.setattr(torch.accelerator, "synchronize", lambda *a: calls.append(1) or real(*a))
    a = torch.ones(256, 256, device="cuda")
    m = benchmark(lambda: a @ a, repeats=3, number=2, min_run_time=0.0)
    assert m.device.startswith("cuda")
    assert "synchronize" in m.sync
    assert len(calls) >= 2 * 3  # at least before and after every timed block


@pytest.mark.skipif(
    not tf.config.list_physical_devices("GPU"),
    reason="needs a GPU visible to TensorFlow (none found): checks sync_devices() is called",
)
def test_tensorflow_clock_synchronises_the_gpu(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []
    real = tf.test.experimental.sync_devices
    monkeypatch.setattr(tf.test.experimental, "sync_devices", lambda: calls.append(1) or real())
    a = tf.ones((256, 256))
    m = benchmark(lambda: tf.linalg.matmul(a, a), repeats=3, number=2, min_run_time=0.0)
    assert m.device.startswith("gpu")
    assert len(calls) >= 2 * 3


# ---------------------------------------------------------------------------------------------
# Measurement and Comparison rendering
# ---------------------------------------------------------------------------------------------


def test_measurement_prints_and_renders() -> None:
    m = fake_measurement("lstm forward", (0.002, 0.004, 0.003))
    text = str(m)
    assert "lstm forward" in text and "median 3 ms" in text and "cpu" in text
    assert "<table>" in m._repr_html_() and "lstm forward" in m._repr_html_()
    record = json.loads(json.dumps(m.as_dict()))
    assert record["median_s"] == 0.003 and record["repeats"] == 3
    assert m.rate(6.0) == pytest.approx(2000.0)


@pytest.mark.parametrize(
    ("seconds", "text"), [(1.5, "1.5 s"), (0.25, "250 ms"), (3e-5, "30 µs"), (5e-9, "5 ns")]
)
def test_format_seconds(seconds: float, text: str) -> None:
    assert format_seconds(seconds) == text


def test_comparison_ratios_table_and_plot() -> None:
    fast = fake_measurement("fast", (1.0, 1.0, 1.0))
    slow = fake_measurement("slow", (4.0, 4.0, 4.0))
    table = compare(slow, fast)
    assert isinstance(table, Comparison)
    assert table.fastest is fast
    assert table.ratios == {"slow": 4.0, "fast": 1.0}
    lines = str(table).splitlines()
    assert lines[0].split()[:2] == ["callable", "median"]
    assert "4.00x" in lines[2] and "1.00x" in lines[3]
    assert table._repr_html_().count("<tr>") == 3
    ax = table.plot()
    assert len(ax.patches) == 2
    assert "ms" in ax.get_xlabel()


def test_compare_benchmarks_dicts_and_pairs() -> None:
    table = compare(
        {"a": lambda: None}, ("b", lambda: None), repeats=2, min_run_time=0.0, framework="python"
    )
    assert [m.label for m in table.measurements] == ["a", "b"]
    assert all(m.repeats >= 2 for m in table.measurements)


def test_compare_rejects_nothing_and_strangers() -> None:
    with pytest.raises(BenchmarkError, match="at least one"):
        compare()
    with pytest.raises(BenchmarkError, match="got int"):
        compare(3)


# ---------------------------------------------------------------------------------------------
# FLOP counts
# ---------------------------------------------------------------------------------------------


def test_lstm_flops_by_hand() -> None:
    # One LSTM step, one sample: 4 gates x h outputs x (x + h) inputs MACs, 2 FLOPs each.
    assert lstm_flops(3, 2, seq_len=1, batch_size=1) == 2 * 4 * 2 * (3 + 2)
    assert lstm_flops(3, 2, seq_len=1, batch_size=1, kind="gru") == 2 * 3 * 2 * 5
    assert lstm_flops(3, 2, seq_len=1, batch_size=1, kind="rnn") == 2 * 1 * 2 * 5
    assert lstm_flops(3, 2, 1, 1, kind="simple_rnn") == lstm_flops(3, 2, 1, 1, kind="rnn")
    # Linear in seq_len and batch_size.
    assert lstm_flops(3, 2, seq_len=7, batch_size=5) == 35 * lstm_flops(3, 2, 1, 1)
    # Two bidirectional layers: layer 0 reads x (3), layer 1 reads both directions (2 * 2 = 4).
    per_step = 2 * 8 * 2 * (3 + 2) + 2 * 8 * 2 * (4 + 2)
    assert lstm_flops(3, 2, 5, 3, num_layers=2, bidirectional=True) == per_step * 5 * 3
    # Forward + backward = 3 x forward.
    assert lstm_flops(3, 2, 5, 3, backward=True) == 3 * lstm_flops(3, 2, 5, 3)


@pytest.mark.parametrize(
    ("kind", "module"), [("lstm", torch.nn.LSTM), ("gru", torch.nn.GRU), ("rnn", torch.nn.RNN)]
)
@pytest.mark.parametrize(("num_layers", "bidirectional"), [(1, False), (3, False), (2, True)])
def test_lstm_flops_match_torch_weight_counts(
    kind: str, module: type, num_layers: int, bidirectional: bool
) -> None:
    # Every weight matrix entry is one multiply-accumulate per sample and step: 2 FLOPs.
    layer = module(5, 7, num_layers=num_layers, bidirectional=bidirectional)
    weights = sum(p.numel() for name, p in layer.named_parameters() if name.startswith("weight"))
    expected = 2 * weights * 11 * 4
    assert lstm_flops(5, 7, 11, 4, num_layers, bidirectional, kind=kind) == expected


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"kind": "transformer"}, "kind must be one of"),
        ({"hidden_size": 0}, "hidden_size must be a positive integer"),
        ({"seq_len": 2.5}, "seq_len must be a positive integer"),
    ],
)
def test_lstm_flops_rejects_bad_input(kwargs: dict, message: str) -> None:
    args = {"input_size": 3, "hidden_size": 2, "seq_len": 4, "batch_size": 1, **kwargs}
    with pytest.raises(ValueError, match=message):
        lstm_flops(**args)


def test_matmul_peak_is_a_positive_rate_for_both_frameworks() -> None:
    assert matmul_peak(32, framework="torch", repeats=2) > 0
    assert matmul_peak(32, framework="tensorflow", repeats=2) > 0
    with pytest.raises(ValueError, match="n must be at least 1"):
        matmul_peak(0)
    with pytest.raises(ValueError, match="framework must be"):
        matmul_peak(8, framework="jax")  # type: ignore[arg-type]


# ---------------------------------------------------------------------------------------------
# The benchmark script (benchmarks/lstm_speed.py), on a tiny size
# ---------------------------------------------------------------------------------------------


def load_script():
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parent.parent / "benchmarks" / "lstm_speed.py"
    spec = importlib.util.spec_from_file_location("lstm_speed", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def test_benchmark_script_rows_on_a_tiny_size() -> None:
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


def test_benchmark_script_device_slug() -> None:
    script = load_script()
    assert script.slug("gpu (NVIDIA H100 80GB HBM3)") == "gpu-nvidia-h100-80gb-hbm3"
    assert "gpu" not in script.slug("cpu (AMD EPYC)")
