"""How fast is one Keras LSTM on each Keras backend, next to PyTorch's own nn.LSTM?

Times one LSTM layer (``return_sequences=True``) forward and forward+backward four ways, each in
a process of its own (Keras picks its backend once per process, from ``KERAS_BACKEND``):

- ``keras on tensorflow``  inside ``tf.function``, as ``fit``/``predict`` run it on a CPU
- ``keras on jax``         ``stateless_call`` inside ``jax.jit``, as ``fit``/``predict`` run it
- ``keras on torch``       eager, as ``fit``/``predict`` run it (Keras's torch backend does not
  compile by default)
- ``torch nn.LSTM``        PyTorch's own layer, eager

Forward+backward is the gradient of the sum of the outputs with respect to the input and every
weight. Every time comes from :func:`lstm_notes.timing.benchmark` (warm-up, synchronisation,
median of repeated blocks); JAX calls end with ``jax.block_until_ready``.

Results go to ``lstm_notes/data/backends_speed-<device>-<date>.json`` (package data, so the
chapter "One Keras on TensorFlow, JAX and PyTorch" reads them from an installed package) with
provenance: device, versions, threads, date, command, the load average before and after. Usage::

    python benchmarks/backends_speed.py              # two sizes, one thread per framework
    python benchmarks/backends_speed.py --threads 2  # every framework on two threads
    python benchmarks/backends_speed.py --quick      # one small size, a smoke test

One thread is the default: it compares the kernels, not the thread pools, and a small op in a
Python loop (the torch backend's LSTM on a CPU) slows down badly when OpenMP threads wait for
cores that other work holds.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent.parent / "lstm_notes" / "data"
SIZES = [
    {"batch_size": 32, "seq_len": 50, "input_size": 64, "hidden_size": 128},
    {"batch_size": 64, "seq_len": 100, "input_size": 128, "hidden_size": 256},
]
QUICK_SIZES = [{"batch_size": 8, "seq_len": 10, "input_size": 16, "hidden_size": 32}]
RUNS = {  # name -> (KERAS_BACKEND for its process, how it runs, which kernel runs on a CPU)
    "keras on tensorflow": ("tensorflow", "tf.function", "generic loop (tf.while_loop)"),
    "keras on jax": ("jax", "jax.jit", "generic loop (lax.scan)"),
    "keras on torch": ("torch", "eager", "Python loop over steps (_fallback_lstm)"),
    "torch nn.LSTM": ("torch", "eager", "fused (aten::mkldnn_rnn_layer, oneDNN)"),
}
PASSES = ("forward", "forward+backward")
WARMUP = 10  # Keras's torch backend needs a few calls before it settles (slow first calls)


# --------------------------------------------------------------------------------------------
# One process: the two passes of one run, at every size
# --------------------------------------------------------------------------------------------


def _tensorflow(layer: Any, x: Any) -> tuple[Callable, Callable]:
    import tensorflow as tf

    x = tf.constant(x)

    @tf.function
    def forward() -> Any:
        return layer(x)

    @tf.function
    def train() -> Any:
        with tf.GradientTape() as tape:
            tape.watch(x)
            loss = tf.reduce_sum(layer(x))
        return tape.gradient(loss, [x, *layer.trainable_variables])

    return forward, train


def _jax(layer: Any, x: Any) -> tuple[Callable, Callable]:
    import jax
    import jax.numpy as jnp

    x = jnp.asarray(x)
    trainable = [v.value for v in layer.trainable_variables]
    frozen = [v.value for v in layer.non_trainable_variables]

    def loss(weights: list, inputs: Any) -> Any:
        return jnp.sum(layer.stateless_call(weights, frozen, inputs)[0])

    forward_jit = jax.jit(lambda w, inputs: layer.stateless_call(w, frozen, inputs)[0])
    grad_jit = jax.jit(jax.grad(loss, argnums=(0, 1)))
    return (
        lambda: jax.block_until_ready(forward_jit(trainable, x)),
        lambda: jax.block_until_ready(grad_jit(trainable, x)),
    )


def _torch(module: Any, x: Any) -> tuple[Callable, Callable]:
    import torch

    x = torch.from_numpy(x).requires_grad_(True)

    def output() -> Any:
        out = module(x)
        return out[0] if isinstance(out, (tuple, list)) else out

    def forward() -> Any:
        with torch.no_grad():
            return output()

    def train() -> Any:
        module.zero_grad(set_to_none=True)
        x.grad = None
        output().sum().backward()
        return x.grad

    return forward, train


def thread_settings(threads: int) -> dict[str, str]:
    """Environment that fixes the CPU threads of XLA (JAX) and OpenMP before they start."""
    xla = "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"
    return {"OMP_NUM_THREADS": str(threads), **({"XLA_FLAGS": xla} if threads == 1 else {})}


def child(
    name: str, sizes: list[dict[str, int]], repeats: int, threads: int
) -> list[dict[str, Any]]:
    """Time one run at every size; this process's KERAS_BACKEND must match the run."""
    import numpy as np

    from lstm_notes.timing import benchmark

    if RUNS[name][0] == "tensorflow":  # before TensorFlow runs its first operation
        import tensorflow as tf

        tf.config.threading.set_intra_op_parallelism_threads(threads)
        tf.config.threading.set_inter_op_parallelism_threads(threads)
    else:
        import torch

        torch.set_num_threads(threads)

    rows = []
    for size in sizes:
        b, t, x_size, h = (size[k] for k in ("batch_size", "seq_len", "input_size", "hidden_size"))
        x = np.random.default_rng(0).normal(size=(b, t, x_size)).astype(np.float32)
        if name == "torch nn.LSTM":
            import torch

            torch.manual_seed(0)
            passes = _torch(torch.nn.LSTM(x_size, h, batch_first=True), x)
            framework = "torch"
        else:
            import keras

            assert keras.backend.backend() == RUNS[name][0], keras.backend.backend()
            keras.utils.set_random_seed(0)
            layer = keras.layers.LSTM(h, return_sequences=True)
            layer.build((None, None, x_size))
            backend = keras.backend.backend()
            passes = {"tensorflow": _tensorflow, "jax": _jax, "torch": _torch}[backend](layer, x)
            framework = {"tensorflow": "tensorflow", "jax": "python", "torch": "torch"}[backend]
        for pass_name, fn in zip(PASSES, passes, strict=True):
            m = benchmark(
                fn,
                label=f"{name} [{pass_name}]",
                framework=framework,
                threads=threads if framework != "python" else None,
                warmup=WARMUP,
                repeats=repeats,
                min_run_time=0.2,
            )
            rows.append({"size": size, "impl": name, "pass": pass_name, "measurement": m.as_dict()})
            print(f"  {m.label:<42} {size} {m.median * 1e3:9.2f} ms", file=sys.stderr, flush=True)
    return rows


# --------------------------------------------------------------------------------------------
# The parent: one process per run, then the results file
# --------------------------------------------------------------------------------------------


def run_child(name: str, args: argparse.Namespace) -> list[dict[str, Any]]:
    env = {**os.environ, "KERAS_BACKEND": RUNS[name][0], "TF_CPP_MIN_LOG_LEVEL": "3"}
    env |= thread_settings(args.threads)
    command = [sys.executable, __file__, "--child", name, "--repeats", str(args.repeats)]
    command += ["--threads", str(args.threads)]
    command += ["--quick"] * args.quick
    done = subprocess.run(command, env=env, stdout=subprocess.PIPE, check=True, text=True)
    return json.loads(done.stdout)


def child_versions() -> dict[str, str]:
    """Versions of every framework, read in a fresh process (importing all of them)."""
    code = (
        "import json, jax, keras, numpy, tensorflow, torch, platform;"
        "print(json.dumps({m.__name__: m.__version__ for m in (jax, keras, numpy, tensorflow, "
        "torch)} | {'python': platform.python_version()}))"
    )
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    done = subprocess.run([sys.executable, "-c", code], env=env, stdout=subprocess.PIPE, text=True)
    return json.loads(done.stdout)


def slug(text: str) -> str:
    """``"cpu (AMD EPYC 7B13)"`` -> ``"cpu-amd-epyc-7b13"``."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def main(argv: list[str] | None = None) -> Path | None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one small size, fewer repeats")
    parser.add_argument("--repeats", type=int, default=7, help="timed blocks per case")
    parser.add_argument(
        "--threads", type=int, default=1, help="CPU threads of every framework (default 1)"
    )
    parser.add_argument("--out", type=Path, default=RESULTS, help="folder for the result file")
    parser.add_argument("--child", choices=sorted(RUNS), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    sizes = QUICK_SIZES if args.quick else SIZES
    if args.child:
        print(json.dumps(child(args.child, sizes, args.repeats, args.threads)))
        return None

    from lstm_notes.environment import cpu_count, cpu_name

    started, load_before = time.perf_counter(), os.getloadavg()
    rows = []
    for name in RUNS:
        print(f"{name} (KERAS_BACKEND={RUNS[name][0]}, {RUNS[name][1]})", flush=True)
        rows += run_child(name, args)
    for row in rows:
        native = next(
            r
            for r in rows
            if r["impl"] == "torch nn.LSTM"
            and r["size"] == row["size"]
            and r["pass"] == row["pass"]
        )
        row["ratio_to_torch_nn_lstm"] = (
            row["measurement"]["median_s"] / native["measurement"]["median_s"]
        )
        row["backend"], row["runs_as"], row["kernel_on_cpu"] = RUNS[row["impl"]]
    device = f"cpu ({cpu_name()})"
    now = dt.datetime.now(dt.timezone.utc)
    record = {
        "schema": 1,
        "provenance": {
            "device": device,
            "gpu": False,
            "date_utc": now.isoformat(timespec="seconds"),
            "command": " ".join(["python", *sys.argv]),
            "quick": args.quick,
            "cpu_cores_available": cpu_count(),
            "threads": {
                "every framework": args.threads,
                "environment": thread_settings(args.threads),
            },
            "versions": child_versions(),
            "run_seconds": round(time.perf_counter() - started, 1),
            "load_average_1_5_15_min": {
                "start": [round(v, 2) for v in load_before],
                "end": [round(v, 2) for v in os.getloadavg()],
            },
        },
        "sizes": sizes,
        "results": rows,
    }
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / f"backends_speed-{slug(device)}-{now:%Y-%m-%d}{'-quick' * args.quick}.json"
    path.write_text(json.dumps(record, indent=1) + "\n")
    for row in rows:
        print(
            f"{row['impl']:<22} {row['pass']:<17} {row['size']['hidden_size']:>4} hidden "
            f"{row['measurement']['median_s'] * 1e3:9.2f} ms  {row['ratio_to_torch_nn_lstm']:6.2f}x"
        )
    print(f"wrote {path}")
    return path


if __name__ == "__main__":
    main()
