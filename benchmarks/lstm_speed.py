"""How fast is an LSTM layer in Keras and in PyTorch, and how far from the hardware's limit?

Sweeps a few sizes over six ways of running the same LSTM layer, forward and forward+backward:

- ``keras cudnn (tf.function)``   Keras LSTM with ``use_cudnn=True`` (GPU only; skipped on a CPU)
- ``keras generic (tf.function)`` Keras LSTM with ``use_cudnn=False``, inside ``tf.function``
- ``keras default (eager)``       Keras LSTM as configured by default, called eagerly
- ``keras default (tf.function)`` the same layer inside ``tf.function``
- ``torch nn.LSTM``               one fused call (cuDNN on an NVIDIA GPU, oneDNN on a CPU)
- ``torch LSTMCell loop``         a Python loop over ``nn.LSTMCell``, one step per iteration

Every time comes from :func:`lstm_notes.timing.benchmark` (warm-up, device synchronisation,
median of repeated blocks). The table shows each median, its ratio to the fastest way at that
size, and the rate as a fraction of a measured 2048 x 2048 matmul
(:func:`lstm_notes.timing.matmul_peak`). On a GPU it also shows what a naive, unsynchronised timer
reports for the same call. It also times a Keras LSTM's forward pass with ``unroll=True`` against
``unroll=False`` at two sequence lengths (with the size of each traced graph and its trace time).

The run ends with the two closing checks of the timing helper, measured side by side at batch 64,
100 steps, input 128, hidden 256: the helper's median against ``torch.utils.benchmark`` on the
same workload, and ``torch.nn.LSTM``'s forward rate as a fraction of the matmul peak.

Results go to ``lstm_notes/data/lstm_speed-<device>-<date>.json`` (package data, so the speed
chapter reads them from the installed package) with provenance (device, CPU model and flags,
versions, threads, date, command, load). Usage::

    python benchmarks/lstm_speed.py            # the full sweep (a few minutes on 2 CPU cores)
    python benchmarks/lstm_speed.py --quick    # one small size, for a smoke test
"""

from __future__ import annotations

import argparse
import json
import os
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

RESULTS = Path(__file__).resolve().parent.parent / "lstm_notes" / "data"
UNROLL_SEQ_LENS = (10, 100)
REFERENCE = {"batch_size": 64, "seq_len": 100, "input_size": 128, "hidden_size": 256}
FULL_SIZES = [
    {"batch_size": 32, "seq_len": 50, "input_size": 64, "hidden_size": 128},
    REFERENCE,
    {"batch_size": 64, "seq_len": 100, "input_size": 256, "hidden_size": 512},
]
QUICK_SIZES = [{"batch_size": 16, "seq_len": 20, "input_size": 32, "hidden_size": 64}]
PASSES = ("forward", "forward+backward")


@dataclass
class Case:
    """One way of running the layer at one size, for one pass."""

    name: str
    kernel: str
    framework: str
    forward: Callable[[], Any]
    train: Callable[[], Any]


# --------------------------------------------------------------------------------------------
# The candidates
# --------------------------------------------------------------------------------------------


def keras_cases(size: dict[str, int], gpu: bool) -> tuple[list[Case], list[dict[str, str]]]:
    """Keras LSTM layers: cuDNN (GPU only), generic, default eager and default tf.function."""
    import keras
    import tensorflow as tf

    from lstm_notes import keras_cudnn_report

    keras.utils.set_random_seed(0)
    b, t, x_size, h = (size[k] for k in ("batch_size", "seq_len", "input_size", "hidden_size"))
    x = tf.random.stateless_normal((b, t, x_size), seed=(1, 2))
    cases, skipped = [], []
    variants = [
        ("keras cudnn (tf.function)", True, True),
        ("keras generic (tf.function)", False, True),
        ("keras default (eager)", "auto", False),
        ("keras default (tf.function)", "auto", True),
    ]
    for name, use_cudnn, compiled in variants:
        layer = keras.layers.LSTM(h, return_sequences=True, use_cudnn=use_cudnn)
        report = keras_cudnn_report(layer)
        if use_cudnn is True and not report.eligible:
            skipped.append({"name": name, "reason": "; ".join(r.problem for r in report.reasons)})
            continue
        layer(x[:1])  # build the weights before timing
        kernel = "cuDNN" if report.eligible else "generic loop"
        forward, train = _keras_passes(layer, x, compiled)
        cases.append(Case(name, kernel, "tensorflow", forward, train))
    return cases, skipped


def _keras_passes(
    layer: Any, x: Any, compiled: bool, jit_compile: bool = False
) -> tuple[Callable, Callable]:
    import tensorflow as tf

    def forward() -> Any:
        return layer(x, training=False)

    def train() -> Any:
        with tf.GradientTape() as tape:
            tape.watch(x)
            loss = tf.reduce_sum(layer(x, training=True))
        return tape.gradient(loss, [x, *layer.trainable_variables])

    if compiled:
        return tf.function(forward, jit_compile=jit_compile), tf.function(
            train, jit_compile=jit_compile
        )
    return forward, train


def _torch_passes(module: Any, x: Any, autocast: bool = False) -> tuple[Callable, Callable]:
    import torch

    def forward() -> Any:
        with torch.no_grad(), torch.autocast("cpu", torch.bfloat16, enabled=autocast):
            return module(x)

    def train() -> Any:
        module.zero_grad(set_to_none=True)
        x.grad = None
        with torch.autocast("cpu", torch.bfloat16, enabled=autocast):
            output = module(x)
        output[0].float().sum().backward()
        return x.grad

    return forward, train


def cell_loop_module(cell: Any) -> Any:
    """A Python loop over ``nn.LSTMCell`` as an ``nn.Module``, so ``torch.compile`` can take it."""
    import torch

    class CellLoop(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.cell = cell

        def forward(self, x: Any) -> tuple[Any]:
            state = None
            outputs = []
            for step in range(x.shape[1]):
                state = self.cell(x[:, step], state)
                outputs.append(state[0])
            return (torch.stack(outputs, dim=1),)

    return CellLoop()


def recipe_rows(size: dict[str, int], repeats: int, with_compile: bool) -> dict[str, Any]:
    """The speed chapter's recipes at one size, forward and forward+backward.

    Each row's rate is given as a fraction of the matmul rate in the same precision: the faster
    of PyTorch's and TensorFlow's products, the machine's rate rather than one library's (on some
    CPUs PyTorch's fused LSTM is faster than its own plain matmul). ``torch.compile`` of a cell
    loop is timed after its compilation, whose seconds (first forward call, first
    forward+backward call) are recorded apart.
    """
    import copy

    import keras
    import tensorflow as tf
    import torch

    from lstm_notes.timing import benchmark, lstm_flops, matmul_peak

    b, t, x_size, h = (size[k] for k in ("batch_size", "seq_len", "input_size", "hidden_size"))
    keras.utils.set_random_seed(0)
    torch.manual_seed(0)
    xk = tf.random.stateless_normal((b, t, x_size), seed=(4, 5))
    k32 = keras.layers.LSTM(h, return_sequences=True)
    kbf = keras.layers.LSTM(h, return_sequences=True, dtype="mixed_bfloat16")
    for layer in (k32, kbf):
        layer(xk[:1])
    kbf.set_weights(k32.get_weights())
    xt = torch.randn(b, t, x_size, requires_grad=True)
    xbf = xt.detach().to(torch.bfloat16).requires_grad_()
    lstm = torch.nn.LSTM(x_size, h, batch_first=True)
    recipes = {
        "keras tf.function": ("tensorflow", "float32", _keras_passes(k32, xk, True)),
        "keras tf.function(jit_compile=True)": (
            "tensorflow",
            "float32",
            _keras_passes(k32, xk, True, jit_compile=True),
        ),
        "keras mixed_bfloat16": ("tensorflow", "bfloat16", _keras_passes(kbf, xk, True)),
        "torch nn.LSTM": ("torch", "float32", _torch_passes(lstm, xt)),
        "torch nn.LSTM bfloat16 cast": (
            "torch",
            "bfloat16",
            _torch_passes(copy.deepcopy(lstm).to(torch.bfloat16), xbf),
        ),
        "torch nn.LSTM autocast bfloat16": ("torch", "bfloat16", _torch_passes(lstm, xt, True)),
    }
    compile_seconds: dict[str, Any] = {"skipped": "not asked for (--quick)"}
    if with_compile:
        compiled = torch.compile(cell_loop_module(torch.nn.LSTMCell(x_size, h)))
        forward, train = _torch_passes(compiled, xt)
        try:
            compile_seconds = {}
            for pass_name, fn in (("forward", forward), ("forward+backward", train)):
                start = time.perf_counter()
                fn()
                compile_seconds[pass_name] = time.perf_counter() - start
            recipes["torch.compile(LSTMCell loop)"] = ("torch", "float32", (forward, train))
        except Exception as error:  # inductor needs a C++ compiler; record why it did not run
            compile_seconds = {"skipped": f"{type(error).__name__}: {error}"[:300]}
    n = 2048 if size["hidden_size"] >= 256 else 512
    rates = {
        (framework, dtype): matmul_peak(n, framework=framework, repeats=repeats, dtype=dtype)
        for framework in ("torch", "tensorflow")
        for dtype in ("float32", "bfloat16")
    }
    rows = []
    for name, (framework, dtype, passes) in recipes.items():
        for pass_name, fn in zip(PASSES, passes, strict=True):
            flops = lstm_flops(**size, backward=pass_name != "forward")
            m = benchmark(
                fn,
                label=f"{name} [{pass_name}]",
                framework=framework,
                repeats=repeats,
                min_run_time=0.1,
            )
            rate = max(rates["torch", dtype], rates["tensorflow", dtype])
            rows.append(
                {
                    "recipe": name,
                    "pass": pass_name,
                    "precision": dtype,
                    "fraction_of_matmul_same_precision": m.rate(flops) / rate,
                    "measurement": m.as_dict(),
                }
            )
            print(f"  {m.label:<50} {m.median * 1e3:9.2f} ms", flush=True)
    return {
        "size": size,
        "matmul": {"n": n, "flops_per_s": {f"{f} {d}": r for (f, d), r in rates.items()}},
        "torch_compile_seconds": compile_seconds,
        "rows": rows,
    }


def torch_cases(size: dict[str, int], device: str) -> list[Case]:
    """torch.nn.LSTM (one fused call) and a Python loop over nn.LSTMCell."""
    import torch

    torch.manual_seed(0)
    b, t, x_size, h = (size[k] for k in ("batch_size", "seq_len", "input_size", "hidden_size"))
    x = torch.randn(b, t, x_size, device=device, requires_grad=True)
    lstm = torch.nn.LSTM(x_size, h, batch_first=True).to(device)
    cell = torch.nn.LSTMCell(x_size, h).to(device)
    fused = "cuDNN" if device == "cuda" else "oneDNN (aten::mkldnn_rnn_layer)"

    def lstm_forward() -> Any:
        with torch.no_grad():
            return lstm(x)[0]

    def lstm_train() -> Any:
        lstm.zero_grad(set_to_none=True)
        x.grad = None
        lstm(x)[0].sum().backward()
        return x.grad

    def cell_run() -> Any:
        state = (x.new_zeros(b, h), x.new_zeros(b, h))
        outputs = []
        for step in range(t):
            state = cell(x[:, step], state)
            outputs.append(state[0])
        return torch.stack(outputs, dim=1)

    def cell_forward() -> Any:
        with torch.no_grad():
            return cell_run()

    def cell_train() -> Any:
        cell.zero_grad(set_to_none=True)
        x.grad = None
        cell_run().sum().backward()
        return x.grad

    return [
        Case("torch nn.LSTM", fused, "torch", lstm_forward, lstm_train),
        Case("torch LSTMCell loop", "addmm per step", "torch", cell_forward, cell_train),
    ]


# --------------------------------------------------------------------------------------------
# Measuring
# --------------------------------------------------------------------------------------------


def measure_size(
    size: dict[str, int], peak: float, gpu: bool, threads: int, repeats: int
) -> tuple[list[dict[str, Any]], list[dict[str, str]]]:
    """Every case at one size, both passes, as result rows."""
    from lstm_notes.timing import benchmark, lstm_flops

    cases, skipped = keras_cases(size, gpu)
    cases += torch_cases(size, "cuda" if gpu else "cpu")
    rows = []
    for pass_name in PASSES:
        backward = pass_name != "forward"
        flops = lstm_flops(**size, backward=backward)
        for case in cases:
            fn = case.train if backward else case.forward
            label = f"{case.name} [{pass_name}]"
            m = benchmark(
                fn,
                label=label,
                framework=case.framework,
                threads=threads if case.framework == "torch" else None,
                repeats=repeats,
                min_run_time=0.1,
            )
            row = {
                "size": size,
                "impl": case.name,
                "pass": pass_name,
                "kernel": case.kernel,
                "flops": flops,
                "fraction_of_peak": m.rate(flops) / peak,
                "fraction_of_peak_fastest_block": flops / m.min / peak,
                "measurement": m.as_dict(),
            }
            if gpu:  # what a naive timer (no synchronisation, one call per reading) reports
                naive = benchmark(
                    fn, label=label, framework="python", number=1, repeats=repeats, min_run_time=0.0
                )
                row["unsynchronised_median_s"] = naive.median
            rows.append(row)
            print(f"  {label:<45} {m.median * 1e3:9.2f} ms", flush=True)
        fastest = min(r["measurement"]["median_s"] for r in rows if r["pass"] == pass_name)
        for r in rows:
            if r["pass"] == pass_name:
                r["ratio_to_fastest"] = r["measurement"]["median_s"] / fastest
    for skip in skipped:
        print(f"  skipped {skip['name']}: {skip['reason']}", flush=True)
    return rows, [{**s, "size": size} for s in skipped]


def unroll_rows(seq_lens: tuple[int, ...], repeats: int) -> list[dict[str, Any]]:
    """A Keras LSTM's forward pass in tf.function, unroll=False against unroll=True, same weights.

    For each sequence length: the median time per call, the number of operations in the traced
    graph, the time the trace took, and the largest output difference from the rolled layer.
    """
    import keras
    import numpy as np
    import tensorflow as tf

    from lstm_notes.timing import benchmark

    b, x_size, h = (REFERENCE[k] for k in ("batch_size", "input_size", "hidden_size"))
    keras.utils.set_random_seed(0)
    layers = {u: keras.layers.LSTM(h, return_sequences=True, unroll=u) for u in (False, True)}
    rows = []
    for t in seq_lens:
        x = tf.random.stateless_normal((b, t, x_size), seed=(3, t))
        outputs = {}
        for unroll, layer in layers.items():
            layer(x[:1, :1])  # build the weights
            if unroll:
                layer.set_weights(layers[False].get_weights())
            forward = tf.function(lambda x=x, layer=layer: layer(x))
            start = time.perf_counter()
            graph = forward.get_concrete_function().graph
            trace_s = time.perf_counter() - start
            outputs[unroll] = forward().numpy()
            m = benchmark(
                forward, label=f"unroll={unroll}, seq_len={t}", repeats=repeats, min_run_time=0.1
            )
            rows.append(
                {
                    "seq_len": t,
                    "unroll": unroll,
                    "graph_operations": len(graph.get_operations()),
                    "trace_s": trace_s,
                    "max_abs_diff_vs_rolled": float(np.abs(outputs[unroll] - outputs[False]).max()),
                    "measurement": m.as_dict(),
                }
            )
            print(
                f"  keras LSTM forward, unroll={unroll!s:<5} seq_len={t:<4} "
                f"{m.median * 1e3:9.2f} ms",
                flush=True,
            )
    return rows


def closing_targets(gpu: bool, threads: int, rounds: int = 3) -> dict[str, Any]:
    """The helper against torch.utils.benchmark, and nn.LSTM as a fraction of the matmul peak.

    The peak is the faster of PyTorch's and TensorFlow's 2048 x 2048 float32 products, as in the
    tables.

    The three measurements (matmul peak, helper, ``torch.utils.benchmark.Timer``) run one after
    another in each of ``rounds`` rounds, so that a change of machine load hits all three alike;
    the reported values are medians over rounds.
    """
    import statistics

    from torch.utils import benchmark as tb

    from lstm_notes.timing import benchmark, lstm_flops, matmul_peak

    case = torch_cases(REFERENCE, "cuda" if gpu else "cpu")[0]
    timer = tb.Timer(stmt="fn()", globals={"fn": case.forward}, num_threads=threads)
    flops = lstm_flops(**REFERENCE)
    per_round = []
    for _ in range(rounds):
        # The same peak as the tables: the faster of the two frameworks' matmul. PyTorch's own
        # 2048 x 2048 product can be slower than its fused LSTM kernel on some CPUs, which would
        # put the LSTM above 100% of a "peak" that is not one.
        peak = max(matmul_peak(2048, "torch", threads=threads), matmul_peak(2048, "tensorflow"))
        helper = benchmark(case.forward, label="torch nn.LSTM forward", threads=threads)
        reference = timer.blocked_autorange(min_run_time=1.0)
        per_round.append(
            {
                "matmul_peak_flops_per_s": peak,
                "helper_median_s": helper.median,
                "torch_utils_benchmark_median_s": reference.median,
                "helper_over_torch_utils_benchmark": helper.median / reference.median,
                "fraction_of_peak": helper.rate(flops) / peak,
            }
        )
    ratio = statistics.median(r["helper_over_torch_utils_benchmark"] for r in per_round)
    fraction = statistics.median(r["fraction_of_peak"] for r in per_round)
    return {
        "size": REFERENCE,
        "rounds": per_round,
        "helper_over_torch_utils_benchmark": ratio,
        "within_10_percent": abs(ratio - 1.0) <= 0.10,
        "torch_nn_lstm_forward_fraction_of_peak": fraction,
        "at_least_60_percent_of_peak": fraction >= 0.60,
        "threads": threads,
    }


# --------------------------------------------------------------------------------------------
# Provenance, printing, saving
# --------------------------------------------------------------------------------------------


def device_description(gpu: bool) -> str:
    import torch

    from lstm_notes.environment import cpu_name

    return f"gpu ({torch.cuda.get_device_name(0)})" if gpu else f"cpu ({cpu_name()})"


def slug(text: str) -> str:
    """``"gpu (NVIDIA H100 80GB HBM3)"`` -> ``"gpu-nvidia-h100-80gb-hbm3"``."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def print_table(rows: list[dict[str, Any]], gpu: bool) -> None:
    header = f"{'size (b, t, x, h)':<20} {'impl':<29} {'pass':<17} {'median':>10} {'vs best':>8}"
    header += f" {'of peak':>8}" + (f" {'no-sync':>10}" if gpu else "")
    print("\n" + header + "\n" + "-" * len(header))
    for r in rows:
        s = r["size"]
        dims = f"{s['batch_size']}, {s['seq_len']}, {s['input_size']}, {s['hidden_size']}"
        line = (
            f"{dims:<20} {r['impl']:<29} {r['pass']:<17} "
            f"{r['measurement']['median_s'] * 1e3:>8.2f}ms {r['ratio_to_fastest']:>7.2f}x "
            f"{r['fraction_of_peak']:>7.1%}"
        )
        if gpu:
            line += f" {r['unsynchronised_median_s'] * 1e3:>8.3f}ms"
        print(line)


def main(argv: list[str] | None = None) -> Path:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one small size, fewer repeats")
    parser.add_argument("--threads", type=int, default=None, help="CPU threads (default: all)")
    parser.add_argument("--repeats", type=int, default=None, help="timed blocks per case")
    parser.add_argument("--out", type=Path, default=RESULTS, help="folder for the result file")
    args = parser.parse_args(argv)

    import tensorflow as tf

    if args.threads:  # TensorFlow takes its thread count once, before it starts
        tf.config.threading.set_intra_op_parallelism_threads(args.threads)
    import torch

    from lstm_notes.environment import cpu_count, provenance
    from lstm_notes.timing import matmul_peak

    threads = args.threads or torch.get_num_threads()
    gpu = torch.cuda.is_available() and bool(tf.config.list_logical_devices("GPU"))
    if not gpu:
        print(
            "No GPU visible to both PyTorch and TensorFlow: Keras cuDNN rows are skipped, and "
            "the unsynchronised-timer column is GPU-only."
        )
    started, load_before = time.perf_counter(), os.getloadavg()
    peaks = {
        "torch": matmul_peak(2048, "torch", threads=threads),
        "tensorflow": matmul_peak(2048, "tensorflow"),
    }
    peak = max(peaks.values())
    print(f"2048x2048 float32 matmul: {peak / 1e9:.1f} GFLOP/s (best of torch and tensorflow)")
    rows, skipped = [], []
    for size in QUICK_SIZES if args.quick else FULL_SIZES:
        print(f"size {size}", flush=True)
        repeats = args.repeats or (3 if args.quick else 5)
        size_rows, size_skipped = measure_size(size, peak, gpu, threads, repeats)
        rows += size_rows
        skipped += size_skipped
    unroll = unroll_rows(UNROLL_SEQ_LENS[:1] if args.quick else UNROLL_SEQ_LENS, args.repeats or 5)
    recipes = recipe_rows(
        QUICK_SIZES[0] if args.quick else REFERENCE, args.repeats or 5, not args.quick
    )
    targets = closing_targets(gpu, threads)
    print_table(rows, gpu)
    print(f"\nclosing checks at {REFERENCE} (medians of {len(targets['rounds'])} rounds)")
    print(
        f"  helper median / torch.utils.benchmark median: "
        f"{targets['helper_over_torch_utils_benchmark']:.3f} "
        f"(within 10%: {targets['within_10_percent']})"
    )
    print(
        f"  torch nn.LSTM forward, fraction of matmul peak: "
        f"{targets['torch_nn_lstm_forward_fraction_of_peak']:.1%} "
        f"(at least 60%: {targets['at_least_60_percent_of_peak']})"
    )

    device = device_description(gpu)
    record = {
        "schema": 1,
        "provenance": provenance(
            load_before,
            device=device,
            gpu=gpu,
            quick=args.quick,
            threads={
                "torch": threads,
                "tensorflow_intra_op": tf.config.threading.get_intra_op_parallelism_threads()
                or cpu_count(),
            },
            run_seconds=round(time.perf_counter() - started, 1),
        ),
        "matmul_peak": {"n": 2048, "dtype": "float32", "flops_per_s": peaks, "used": peak},
        "flops_convention": "lstm_flops: 8*h*(x+h) per sample and step forward; "
        "forward+backward = 3 x forward",
        "results": rows,
        "skipped": skipped,
        "unroll": unroll,
        "recipes": recipes,
        "targets": targets,
    }
    args.out.mkdir(parents=True, exist_ok=True)
    day = record["provenance"]["date_utc"][:10]
    name = f"lstm_speed-{slug(device)}-{day}{'-quick' if args.quick else ''}.json"
    path = args.out / name
    path.write_text(json.dumps(record, indent=1) + "\n")
    print(f"\nwrote {path}")
    return path


if __name__ == "__main__":
    main()
