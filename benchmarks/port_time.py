"""How long does porting a whole Keras model to PyTorch take, as the model grows?

Builds ``Sequential`` models with a masked embedding, ``depth`` recurrent layers (LSTM, GRU,
bidirectional LSTM in turn, all returning sequences) and a dense head, for a few depths, and times
with :func:`time.perf_counter` (median of ``--repeats`` runs, after one warm-up run that pays for
the frameworks' first-call costs):

- ``port_model``   reading the graph, writing the source, running it, loading the weights;
- ``export_torch`` the same plus writing the files, importing them back and checking them
  against Keras on random inputs (one Keras and one PyTorch forward pass).

Framework import time is excluded (both are imported before the clock starts). The issue's target:
porting a 10-layer model takes well under 2 s. Results go to
``benchmarks/results/port_time-<date>.json`` with the versions, thread counts and load average.
Usage::

    python benchmarks/port_time.py            # depths 1, 2, 5, 10, 20 (under a minute)
    python benchmarks/port_time.py --quick    # depths 1 and 10, one repeat
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import keras
import torch

import lstm_notes
from lstm_notes import export_torch, port_model

RESULTS = Path(__file__).resolve().parent / "results"


def build(depth: int, units: int = 32) -> Any:
    """A masked embedding, ``depth`` recurrent layers and a dense head: ``depth + 2`` layers."""
    layers = [keras.Input((40,), dtype="int32")]
    layers.append(keras.layers.Embedding(1000, units, mask_zero=True))
    kinds = [
        lambda: keras.layers.LSTM(units, return_sequences=True),
        lambda: keras.layers.GRU(units, return_sequences=True),
        lambda: keras.layers.Bidirectional(keras.layers.LSTM(units // 2, return_sequences=True)),
    ]
    layers += [kinds[index % len(kinds)]() for index in range(depth)]
    layers.append(keras.layers.Dense(10, activation="softmax"))
    return keras.Sequential(layers)


def median_seconds(work: Callable[[], Any], repeats: int) -> dict[str, float]:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return {"median_s": statistics.median(times), "min_s": min(times), "max_s": max(times)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="depths 1 and 10, one repeat")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    depths, repeats = ([1, 10], 1) if args.quick else ([1, 2, 5, 10, 20], args.repeats)
    load_start = os.getloadavg()
    port_model(build(1))  # warm-up: first calls into both frameworks
    rows = []
    for depth in depths:
        model = build(depth)
        with tempfile.TemporaryDirectory() as folder:
            export = median_seconds(
                lambda m=model, f=folder: export_torch(m, Path(f) / "out", overwrite=True), repeats
            )
        row = {
            "layers": len(model.layers),
            "recurrent_layers": depth,
            "parameters": int(model.count_params()),
            "port_model": median_seconds(lambda m=model: port_model(m), repeats),
            "export_torch": export,
        }
        rows.append(row)
        print(
            f"{row['layers']:>3} layers {row['parameters']:>8} parameters: "
            f"port_model {row['port_model']['median_s']:.3f} s, "
            f"export_torch {row['export_torch']['median_s']:.3f} s",
            flush=True,
        )
    result = {
        "date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "command": " ".join([Path(sys.argv[0]).name, *(argv or sys.argv[1:])]),
        "versions": {
            "lstm_notes": lstm_notes.__version__,
            "keras": keras.__version__,
            "torch": torch.__version__,
        },
        "torch_threads": torch.get_num_threads(),
        "cpu_count": os.cpu_count(),
        "load_average": {"start": load_start, "end": os.getloadavg()},
        "repeats": repeats,
        "rows": rows,
    }
    RESULTS.mkdir(exist_ok=True)
    suffix = "-quick" if args.quick else ""
    path = RESULTS / f"port_time-{dt.date.today().isoformat()}{suffix}.json"
    path.write_text(json.dumps(result, indent=2) + "\n")
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
