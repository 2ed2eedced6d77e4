"""The Keras-side helpers on every Keras backend, and lstm_notes.backends itself.

Keras picks its backend once per process, so each backend's helper checks run in a process of
their own (``KERAS_BACKEND`` set in its environment): one process per backend runs every check of
``PROBE`` and prints a JSON verdict per check, and one test per (backend, check) reads it. Each
check compares a helper with what Keras itself does on that backend (outputs, shapes, counts),
so a helper that breaks on one backend fails that backend's test.

Known failures are marked ``xfail(strict=True)`` with the reason: when the helper is fixed the
test passes unexpectedly and fails, so the marker has to go.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from functools import cache
from pathlib import Path

import numpy as np
import pytest

from lstm_notes.backends import KINDS, keras_weights, run_backends, save_cases
from lstm_notes.errors import ArgumentError, LstmNotesError

pytestmark = pytest.mark.keras

PROBE = r"""
import json, traceback, warnings
import numpy as np
import keras, torch
import lstm_notes as ln
from lstm_notes.port_model import verify

warnings.simplefilter("error", DeprecationWarning)  # e.g. NumPy 2's __array__(copy=...) warning
warnings.filterwarnings("error", module=r"lstm_notes\.")  # any warning raised at a helper's line

x = np.random.default_rng(0).normal(size=(2, 5, 3)).astype("float32")
TORCH = {"LSTM": torch.nn.LSTM, "GRU": torch.nn.GRU, "SimpleRNN": torch.nn.RNN}

def close(a, b):
    assert ln.max_abs_diff(a, b) < 1e-5, ln.max_abs_diff(a, b)

def keras_to_torch():
    layer = keras.layers.LSTM(4, return_sequences=True)
    close(layer(x), ln.keras_to_torch(layer)(torch.from_numpy(x))[0])

def keras_to_torch_bidirectional():
    layer = keras.layers.Bidirectional(keras.layers.GRU(4, return_sequences=True))
    close(layer(x), ln.keras_to_torch(layer)(torch.from_numpy(x))[0])

def torch_to_keras():
    module = torch.nn.GRU(3, 4, batch_first=True)
    close(ln.torch_to_keras(module)(x)[0], module(torch.from_numpy(x))[0])

def copy_weights():
    module = torch.nn.RNN(3, 4, batch_first=True)
    layer = keras.layers.SimpleRNN(4, return_sequences=True)
    layer.build((None, None, 3))
    ln.copy_weights(module, layer)
    close(layer(x), module(torch.from_numpy(x))[0])

def copy_weights_keras_to_torch():
    layer = keras.layers.GRU(4, return_sequences=True)
    layer.build((None, None, 3))
    module = torch.nn.GRU(3, 4, batch_first=True)
    ln.copy_weights(layer, module)
    close(layer(x), module(torch.from_numpy(x))[0])

def port_model():
    model = keras.Sequential([
        keras.Input((None,), dtype="int32"),
        keras.layers.Embedding(20, 3, mask_zero=True),
        keras.layers.LSTM(4, return_sequences=True),
        keras.layers.GRU(4),
        keras.layers.Dense(2),
    ])
    assert max(verify(model, ln.port_model(model))) < 1e-5

def port_model_masked_unrolled_bidirectional():
    # Keras-on-JAX's unrolled masked loop ignores zero_output_for_mask: the port follows it.
    inner = keras.layers.LSTM(3, unroll=True, return_sequences=True)
    model = keras.Sequential([
        keras.Input((6, 3)),
        keras.layers.Masking(),
        keras.layers.Bidirectional(inner),
    ])
    tokens = np.array(x.tolist() + x.tolist(), dtype="float32")[:, :5]
    padded = np.concatenate([tokens, np.zeros((4, 1, 3), "float32")], axis=1)
    padded[0, 3:] = 0.0  # right padding
    padded[1, :2] = 0.0  # left padding
    if keras.backend.backend() == "torch":
        # Keras's own bug: backend/torch/rnn.py, unrolled masked go_backwards, calls torch.flip
        # on the tuple torch.unbind returns. When a Keras release fixes it, compare the port.
        try:
            model(padded)
        except AttributeError as error:
            assert "'tuple' object has no attribute 'shape'" in str(error), error
            return
        raise AssertionError("Keras-on-torch runs it now: drop this branch")
    assert max(verify(model, ln.port_model(model), [padded])) < 1e-5

def expected_shapes():
    layer = keras.layers.LSTM(7, return_sequences=True, return_state=True)
    got = [tuple(ln.to_numpy(o).shape) for o in layer(x)]
    assert [shape for _, shape in ln.expected_shapes(layer, x.shape)] == got

def count_params():
    for kind in TORCH:
        layer = getattr(keras.layers, kind)(7)
        layer.build((None, None, 3))
        assert ln.count_params(layer).total == layer.count_params(), kind
    both = keras.layers.Bidirectional(keras.layers.LSTM(5))
    both.build((None, None, 3))
    assert ln.count_params(both).total == both.count_params()

def describe():
    layer = keras.layers.GRU(4, return_sequences=True, return_state=True)
    rows = ln.describe(layer, x).rows
    assert [tuple(r.shape) for r in rows] == [tuple(ln.to_numpy(o).shape) for o in layer(x)]

def cudnn_report_names_the_active_backend():
    report = ln.keras_cudnn_report(keras.layers.LSTM(4))
    assert report.backend == keras.backend.backend(), report.backend

def cudnn_report_gru_matches_the_backend():
    # JAX's GRU has no cuDNN path (jax.experimental.rnn has only an LSTM): never "uses cuDNN".
    eligible = ln.keras_cudnn_report(keras.layers.GRU(4), gpu=True).eligible
    assert eligible == (keras.backend.backend() != "jax"), eligible

def cudnn_report_use_cudnn_true_raises_as_keras_does():
    # Without a GPU, use_cudnn=True raises ValueError unless the backend has another fused path
    # for the layer (the JAX GRU's lax.scan): the report must say which.
    if ln.keras_cudnn_report(keras.layers.LSTM(4)).eligible:
        return  # a GPU: nothing raises
    for layer in (keras.layers.LSTM(4, use_cudnn=True), keras.layers.GRU(4, use_cudnn=True)):
        try:
            layer(x)
            raised = False
        except ValueError:
            raised = True
        assert ln.keras_cudnn_report(layer).raises_on_call == raised, layer

def doctor_names_the_active_backend():
    from lstm_notes.doctor import BACKENDS_SECTION, CUDNN_SECTION, doctor
    report, backend = doctor().as_dict(), keras.backend.backend()
    assert report[BACKENDS_SECTION]["active"] == backend, report[BACKENDS_SECTION]
    assert report[BACKENDS_SECTION][backend] == "installed", report[BACKENDS_SECTION]
    assert f"the {backend} backend" in report[CUDNN_SECTION]["default LSTM uses cuDNN"]

def refuses_a_dense_layer():
    try:
        ln.keras_to_torch(keras.layers.Dense(3))
    except ln.UnsupportedLayerError:
        return
    raise AssertionError("no UnsupportedLayerError")

verdicts = {}
for check in [v for k, v in list(globals().items()) if callable(v) and k not in ("close",)
              and getattr(v, "__module__", None) == "__main__"]:
    try:
        check()
        verdicts[check.__name__] = "ok"
    except Exception:
        verdicts[check.__name__] = traceback.format_exc(limit=-3)
print("VERDICTS" + json.dumps({"backend": keras.backend.backend(), **verdicts}))
"""

CHECKS = [
    "keras_to_torch",
    "keras_to_torch_bidirectional",
    "torch_to_keras",
    "copy_weights",
    "copy_weights_keras_to_torch",
    "port_model",
    "port_model_masked_unrolled_bidirectional",
    "expected_shapes",
    "count_params",
    "describe",
    "cudnn_report_names_the_active_backend",
    "cudnn_report_gru_matches_the_backend",
    "cudnn_report_use_cudnn_true_raises_as_keras_does",
    "doctor_names_the_active_backend",
    "refuses_a_dense_layer",
]

KNOWN: dict[tuple[str, str], pytest.MarkDecorator] = {}
"""Known failures, (backend, check) to an ``xfail(strict=True)`` marker naming the cause."""


@cache
def verdicts(backend: str) -> dict[str, str]:
    """Run PROBE once under ``backend``; the verdict of every check."""
    pytest.importorskip("keras")
    env = {**os.environ, "KERAS_BACKEND": backend, "TF_CPP_MIN_LOG_LEVEL": "3"}
    done = subprocess.run(
        [sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, timeout=600
    )
    lines = [line for line in done.stdout.splitlines() if line.startswith("VERDICTS")]
    assert done.returncode == 0 and lines, done.stderr[-3000:]
    return json.loads(lines[-1].removeprefix("VERDICTS"))


@pytest.mark.parametrize(
    ("backend", "check"),
    [
        pytest.param(backend, check, marks=KNOWN.get((backend, check), ()))
        for backend in ("tensorflow", "jax", "torch")
        for check in CHECKS
    ],
)
def test_helper_on_backend(backend: str, check: str) -> None:
    found = verdicts(backend)
    assert found["backend"] == backend
    assert found[check] == "ok", f"{check} on the {backend} backend:\n{found[check]}"


def test_the_probe_runs_every_check() -> None:
    defined = [line[4:].split("(")[0] for line in PROBE.splitlines() if line.startswith("def ")]
    assert sorted(set(defined) - {"close"}) == sorted(CHECKS)


# --------------------------------------------------------------------------------------------
# lstm_notes.backends
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_keras_weights_have_the_shapes_keras_builds(kind: str) -> None:
    keras = pytest.importorskip("keras")
    layer = getattr(keras.layers, kind)(5)
    layer.build((None, None, 3))
    layer.set_weights(keras_weights(kind, 3, 5))  # Keras refuses a wrong shape
    assert [w.shape for w in layer.get_weights()] == [w.shape for w in keras_weights(kind, 3, 5)]


def test_bad_arguments_get_the_library_error(tmp_path: Path) -> None:
    with pytest.raises(ArgumentError, match="among"):
        save_cases(tmp_path / "c.npz", np.zeros((1, 2, 3)), {"Dense": []})
    with pytest.raises(ArgumentError, match="backend"):
        run_backends(tmp_path / "c.npz", ["theano"])
    with pytest.raises(ArgumentError, match="native"):
        run_backends(tmp_path / "c.npz", ["jax"], native="torch")
    with pytest.raises(ArgumentError, match="at least one"):
        run_backends(tmp_path / "c.npz", [])


def test_a_failing_process_says_which_backend_and_why(tmp_path: Path) -> None:
    with pytest.raises(LstmNotesError, match="the jax backend's process failed"):
        run_backends(tmp_path / "missing.npz", ["jax"])
