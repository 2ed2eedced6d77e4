"""Tests for lstm_notes.cudnn: every condition of Keras's cuDNN paths, checked on a CPU.

Three kinds of evidence: each rule on its own (one setting changed from the defaults gives exactly
one reason), agreement with Keras itself (its private predicates, its installed source for the
other backends, and its behaviour: ``use_cudnn=True`` raises exactly when the fused kernel cannot
run), and junk input (the library's error, never another).
"""

from __future__ import annotations

import importlib
import itertools
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from lstm_notes.cudnn import BACKENDS, CudnnReport, keras_cudnn_report
from lstm_notes.errors import ArgumentError, MaskError, UnsupportedLayerError
from tests.conftest import FIXED_JUNK, JUNK_SETTINGS, check_junk, junk

try:
    import keras
    import tensorflow as tf
except ImportError:  # the torch-only run: only the tests without Keras below
    keras = tf = None

RIGHT_PADDED = np.array([[1, 1, 1, 0], [1, 1, 1, 1], [1, 0, 0, 0]], dtype=bool)
LEFT_PADDED = np.array([[0, 1, 1, 1], [1, 1, 1, 1]], dtype=bool)
EMPTY_ROW = np.array([[1, 1, 0, 0], [0, 0, 0, 0]], dtype=bool)


def layer(name: str, *args: Any, **kwargs: Any) -> Any:
    return getattr(keras.layers, name)(*args, **kwargs)


def tf_rnn() -> Any:
    return importlib.import_module("keras.src.backend.tensorflow.rnn")  # the module


# ---------------------------------------------------------------------------------------------
# Not a Keras layer: refused before Keras is touched
# ---------------------------------------------------------------------------------------------


@pytest.mark.torch
def test_a_torch_module_is_refused_without_importing_keras(monkeypatch: pytest.MonkeyPatch) -> None:
    torch = pytest.importorskip("torch")
    monkeypatch.setitem(sys.modules, "keras", None)  # as if only torch were installed
    with pytest.raises(UnsupportedLayerError, match=r"got torch\.nn\.modules\.rnn\.LSTM"):
        keras_cudnn_report(torch.nn.LSTM(3, 4))


@pytest.mark.parametrize("obj", [None, 3, "LSTM", [1, 2], object()])
def test_non_layers_are_refused(obj: Any) -> None:
    with pytest.raises(UnsupportedLayerError, match="keras_cudnn_report\\(\\) takes"):
        keras_cudnn_report(obj)


@pytest.mark.torch
def test_with_only_torch_installed_the_error_is_the_library_s() -> None:
    pytest.importorskip("torch")
    code = (
        "import sys\n"
        "for name in ('keras', 'tensorflow'):\n"
        "    sys.modules[name] = None\n"
        "import torch\n"
        "from lstm_notes.cudnn import keras_cudnn_report\n"
        "from lstm_notes.errors import UnsupportedLayerError\n"
        "for obj in (torch.nn.LSTM(3, 4), None):\n"
        "    try:\n"
        "        keras_cudnn_report(obj)\n"
        "    except UnsupportedLayerError:\n"
        "        print('refused')\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False
    )
    assert result.stdout.split() == ["refused", "refused"], result.stderr


@pytest.mark.keras
@pytest.mark.parametrize("name", ["LSTM", "Dense"])
def test_classes_and_other_layers_are_refused(name: str) -> None:
    pytest.importorskip("keras")
    with pytest.raises(UnsupportedLayerError, match=r"the class|got keras"):
        keras_cudnn_report(getattr(keras.layers, name) if name == "LSTM" else layer(name, 3))


# ---------------------------------------------------------------------------------------------
# Each rule on its own (TensorFlow backend)
# ---------------------------------------------------------------------------------------------


@pytest.mark.keras
@pytest.mark.parametrize("kind", ["LSTM", "GRU"])
def test_defaults_qualify_on_a_gpu_and_need_one(kind: str) -> None:
    pytest.importorskip("keras")
    report = keras_cudnn_report(layer(kind, 4), backend="tensorflow", gpu=True)
    assert report.eligible and bool(report) and report.reasons == ()
    assert "uses the cuDNN kernel" in str(report)
    without = keras_cudnn_report(layer(kind, 4), backend="tensorflow", gpu=False)
    assert not without and without.eligible_on_gpu and without.layer_reasons == ()
    (reason,) = without.environment_reasons
    assert "no GPU is visible to the tensorflow backend" in reason.problem


@pytest.mark.keras
def test_environment_is_asked_of_the_backend_by_default() -> None:
    pytest.importorskip("keras")
    has_gpu = bool(tf.config.list_logical_devices("GPU"))
    report = keras_cudnn_report(keras.layers.LSTM(4), backend="tensorflow")
    assert report.eligible is has_gpu
    assert bool(report.environment_reasons) is not has_gpu


@pytest.mark.keras
@pytest.mark.parametrize(
    ("kind", "kwargs", "problem"),
    [
        ("LSTM", {"activation": "relu"}, "activation=relu"),
        ("LSTM", {"recurrent_activation": "hard_sigmoid"}, "recurrent_activation"),
        ("LSTM", {"recurrent_dropout": 0.2}, "recurrent_dropout=0.2"),
        ("LSTM", {"unroll": True}, "unroll=True"),
        ("LSTM", {"use_bias": False}, "use_bias=False"),
        ("LSTM", {"use_cudnn": False}, "use_cudnn=False"),
        ("GRU", {"activation": "sigmoid"}, "activation=sigmoid"),
        ("GRU", {"recurrent_activation": "tanh"}, "recurrent_activation=tanh"),
        ("GRU", {"recurrent_dropout": 0.5}, "recurrent_dropout=0.5"),
        ("GRU", {"unroll": True}, "unroll=True"),
        ("GRU", {"use_bias": False}, "use_bias=False"),
        ("GRU", {"use_cudnn": False}, "use_cudnn=False"),
        ("GRU", {"reset_after": False}, "reset_after=False"),
    ],
)
@pytest.mark.parametrize("backend", ["tensorflow", "jax", "torch"])
def test_each_setting_gives_exactly_one_layer_reason(
    kind: str, kwargs: dict, problem: str, backend: str
) -> None:
    pytest.importorskip("keras")
    report = keras_cudnn_report(layer(kind, 4, **kwargs), backend=backend, gpu=True)
    assert not report.eligible and not report.eligible_on_gpu
    (reason,) = report.reasons
    if backend == "jax" and kind == "GRU":  # no cuDNN GRU there at all, whatever the settings
        problem = "the jax backend has no cuDNN GRU"
    assert reason.kind == "layer" and problem in reason.problem
    assert reason.fix in str(report) and reason.fix in report._repr_html_()


@pytest.mark.keras
def test_hard_sigmoid_fix_dates_the_default_correctly() -> None:
    pytest.importorskip("keras")
    lstm = keras.layers.LSTM(4, recurrent_activation="hard_sigmoid")
    (reason,) = keras_cudnn_report(lstm, backend="tensorflow", gpu=True).reasons
    assert "since TF 2.0's tf.keras" in reason.fix and "Keras up to 2.2" in reason.fix
    assert keras.layers.LSTM(4).cell.recurrent_activation is keras.activations.sigmoid


@pytest.mark.keras
def test_input_dropout_keeps_cudnn_and_several_problems_are_all_listed() -> None:
    pytest.importorskip("keras")
    assert keras_cudnn_report(
        keras.layers.LSTM(4, dropout=0.3), backend="tensorflow", gpu=True
    ).eligible
    bad = keras.layers.LSTM(4, recurrent_dropout=0.1, unroll=True, use_bias=False)
    kinds = [r.kind for r in keras_cudnn_report(bad, backend="tensorflow", gpu=False).reasons]
    assert kinds == ["layer", "layer", "layer", "environment"]


@pytest.mark.keras
def test_activation_is_compared_by_identity_like_keras() -> None:
    pytest.importorskip("keras")
    for tanh in (keras.ops.tanh, tf.tanh, keras.activations.tanh):
        assert keras_cudnn_report(
            keras.layers.LSTM(4, activation=tanh), backend="tensorflow", gpu=True
        ).eligible
    lam = keras.layers.LSTM(4, activation=lambda x: keras.ops.tanh(x))
    assert not keras_cudnn_report(lam, backend="tensorflow", gpu=True).eligible


CONFIGS = [
    dict(zip(("activation", "recurrent_activation", "unroll", "use_bias"), values, strict=True))
    for values in itertools.product(
        ["tanh", "relu"], ["sigmoid", "hard_sigmoid"], [False, True], [True, False]
    )
]


@pytest.mark.keras
@pytest.mark.parametrize("config", CONFIGS)
def test_argument_rules_agree_with_keras_private_predicates(config: dict) -> None:
    pytest.importorskip("keras")
    # If a Keras release changes its rules, this test fails and the checker must follow.
    lstm = keras.layers.LSTM(4, **config)
    expected = tf_rnn()._do_lstm_arguments_support_cudnn(
        lstm.cell.activation, lstm.cell.recurrent_activation, lstm.unroll, lstm.cell.use_bias
    )
    assert keras_cudnn_report(lstm, backend="tensorflow", gpu=True).eligible == expected
    for reset_after in (True, False):
        gru = keras.layers.GRU(4, reset_after=reset_after, **config)
        expected = tf_rnn()._do_gru_arguments_support_cudnn(
            gru.cell.activation,
            gru.cell.recurrent_activation,
            gru.unroll,
            gru.cell.use_bias,
            gru.cell.reset_after,
        )
        assert keras_cudnn_report(gru, backend="tensorflow", gpu=True).eligible == expected


@pytest.mark.keras
def test_bidirectional_checks_both_directions() -> None:
    pytest.importorskip("keras")
    wrapped = keras.layers.Bidirectional(keras.layers.LSTM(4, recurrent_dropout=0.1), name="bi")
    report = keras_cudnn_report(wrapped, backend="tensorflow", gpu=True)
    assert [r.where for r in report.reasons] == ["bi.forward_layer", "bi.backward_layer"]
    assert report.layer_class == "Bidirectional"
    only_backward = keras.layers.Bidirectional(
        keras.layers.LSTM(4),
        backward_layer=keras.layers.LSTM(4, go_backwards=True, activation="relu"),
        name="bi",
    )
    (reason,) = keras_cudnn_report(only_backward, backend="tensorflow", gpu=True).reasons
    assert reason.where == "bi.backward_layer" and "activation=relu" in reason.problem


@pytest.mark.keras
@pytest.mark.parametrize(
    ("make", "problem"),
    [
        (lambda: keras.layers.SimpleRNN(4), "SimpleRNN has no cuDNN kernel"),
        (lambda: keras.layers.RNN(keras.layers.LSTMCell(4)), "generic keras.layers.RNN(LSTMCell)"),
    ],
)
def test_layers_without_a_cudnn_path(make: Any, problem: str) -> None:
    pytest.importorskip("keras")
    report = keras_cudnn_report(make(), backend="tensorflow", gpu=True)
    assert not report.eligible_on_gpu and problem in report.reasons[0].problem


# ---------------------------------------------------------------------------------------------
# Masks
# ---------------------------------------------------------------------------------------------


@pytest.mark.keras
def test_right_padded_mask_keeps_cudnn_as_bools_ints_or_tensors() -> None:
    pytest.importorskip("keras")
    assert keras_cudnn_report(
        keras.layers.LSTM(4), mask=RIGHT_PADDED, backend="tensorflow", gpu=True
    ).eligible
    assert keras_cudnn_report(
        keras.layers.GRU(4), tf.constant(RIGHT_PADDED), backend="tensorflow", gpu=True
    ).eligible
    as_ints = RIGHT_PADDED.astype(int).tolist()
    assert keras_cudnn_report(
        keras.layers.LSTM(4), mask=as_ints, backend="tensorflow", gpu=True
    ).eligible


@pytest.mark.keras
@pytest.mark.parametrize(
    ("mask", "problem"),
    [(LEFT_PADDED, "not right-padded in row(s) [0]"), (EMPTY_ROW, "fully masked row(s) [1]")],
)
def test_a_bad_mask_raises_under_fit_on_a_gpu_and_says_both_fixes(
    mask: np.ndarray, problem: str
) -> None:
    pytest.importorskip("keras")
    report = keras_cudnn_report(keras.layers.LSTM(4), mask=mask, backend="tensorflow", gpu=True)
    (reason,) = report.reasons
    assert reason.kind == "input" and problem in reason.problem
    assert "raises under fit/predict on a GPU" in reason.problem
    assert "falls back" in reason.problem  # only the eager call does
    assert "padding='post'" in reason.fix and "use_cudnn=False" in reason.fix
    assert report.raises_under_fit and "InvalidArgumentError" in str(report)
    fixed = keras_cudnn_report(
        keras.layers.LSTM(4, use_cudnn=False), mask=mask, backend="tensorflow", gpu=True
    )
    assert not fixed.raises_under_fit  # never takes the fused path, so never asserts


@pytest.mark.keras
def test_the_mask_assertion_raises_at_once_eagerly_and_only_when_a_graph_runs() -> None:
    # The mechanism behind "raises under fit": eager, tf.Assert raises inside Keras's try; in a
    # tf.function, the trace succeeds and the error comes when the graph runs.
    pytest.importorskip("keras")
    with pytest.raises(tf.errors.InvalidArgumentError):
        tf_rnn()._assert_valid_mask(tf.constant(LEFT_PADDED))
    traced = tf.function(tf_rnn()._assert_valid_mask).get_concrete_function(
        tf.TensorSpec((None, None), tf.bool)
    )
    with pytest.raises(tf.errors.InvalidArgumentError):
        traced(tf.constant(LEFT_PADDED))
    source = Path(tf_rnn().__file__).read_text()
    assert "except tf.errors.InvalidArgumentError:" in source  # the try that catches eager only


@pytest.mark.keras
def test_mask_rules_agree_with_keras_on_every_row_of_length_four() -> None:
    pytest.importorskip("keras")
    for row in itertools.product([False, True], repeat=4):
        mask = np.array([row])
        keras_ok = bool(
            tf_rnn()._is_sequence_right_padded(tf.constant(mask))
            and not tf_rnn()._has_fully_masked_sequence(tf.constant(mask))
        )
        report = keras_cudnn_report(keras.layers.LSTM(2), mask=mask, backend="tensorflow", gpu=True)
        assert report.eligible == keras_ok, row


BAD_MASKS = [
    (np.ones(4, dtype=bool), r"shape \(batch_size, seq_len\), got shape \(4,\)"),
    (np.full((2, 3), 0.5), "booleans or the numbers 0 and 1, found the value 0.5"),
    ([[1, 2, 0]], "found the value 2"),
    ([[1, 1], [1]], "rectangular"),
    ([[None, 1]], "mask must"),
    ("mask", "mask must be an array"),
]
"""Bad masks: each refused with MaskError, never read as a mask."""


@pytest.mark.keras
@pytest.mark.parametrize(("mask", "message"), BAD_MASKS)
def test_bad_masks_are_refused(mask: Any, message: str) -> None:
    pytest.importorskip("keras")
    with pytest.raises(MaskError, match=message):
        keras_cudnn_report(keras.layers.LSTM(4), mask=mask)


# ---------------------------------------------------------------------------------------------
# Other backends, from the installed Keras source
# ---------------------------------------------------------------------------------------------


@pytest.mark.keras
@pytest.mark.parametrize("backend", ["jax", "torch"])
def test_any_mask_leaves_the_jax_and_torch_cudnn_paths(backend: str) -> None:
    pytest.importorskip("keras")
    source = (Path(keras.__file__).parent / "src" / "backend" / backend / "rnn.py").read_text()
    lstm_source = source[source.index("\ndef lstm(") :]
    assert "if mask is not None:\n        raise NotImplementedError" in lstm_source
    report = keras_cudnn_report(keras.layers.LSTM(4), RIGHT_PADDED, backend=backend, gpu=True)
    (reason,) = report.reasons
    assert reason.kind == "input" and f"the {backend} backend's cuDNN path takes no mask" in (
        reason.problem
    )
    assert not report.raises_under_fit  # it falls back; only TensorFlow asserts


@pytest.mark.keras
def test_a_gru_uses_cudnn_on_torch_but_never_on_jax() -> None:
    pytest.importorskip("keras")
    root = Path(keras.__file__).parent / "src" / "backend"
    torch_source = (root / "torch" / "rnn.py").read_text()
    assert "def gru(" in torch_source and "_cudnn_gru(" in torch_source
    assert keras_cudnn_report(keras.layers.GRU(4), backend="torch", gpu=True).eligible
    # backend/jax/rnn.py: the cuDNN kernel comes from jax.experimental.rnn, which has an LSTM
    # only; its gru is a lax.scan, and bidirectional_gru always raises NotImplementedError.
    jax_source = (root / "jax" / "rnn.py").read_text()
    gru_source = jax_source[jax_source.index("\ndef gru(") : jax_source.index("\ndef unstack(")]
    assert "lax.scan(" in gru_source and "cudnn" not in gru_source.lower().split("def bid")[0]
    assert "from jax.experimental.rnn import lstm" in jax_source
    assert "import gru" not in jax_source
    report = keras_cudnn_report(keras.layers.GRU(4), backend="jax", gpu=True)
    (reason,) = report.reasons
    assert not report.eligible_on_gpu and reason.kind == "layer"
    assert "no cuDNN GRU" in reason.problem and "lax.scan" in reason.problem
    # use_cudnn=True raises only when the scan refuses too (jax gru's NotImplementedError).
    assert not keras_cudnn_report(keras.layers.GRU(4, use_cudnn=True), backend="jax").raises_on_call
    refused = keras.layers.GRU(4, use_cudnn=True, reset_after=False)
    assert keras_cudnn_report(refused, backend="jax").raises_on_call
    masked = keras_cudnn_report(keras.layers.GRU(4, use_cudnn=True), RIGHT_PADDED, backend="jax")
    assert masked.raises_on_call


@pytest.mark.keras
def test_torch_falls_back_to_its_own_loop_unless_masked() -> None:
    # backend/torch/rnn.py: lstm and gru run _fallback_lstm/_fallback_gru off the GPU; they raise
    # NotImplementedError (so use_cudnn=True raises ValueError) only for a mask, or a GRU with
    # reset_after=False.
    pytest.importorskip("keras")
    source = (Path(keras.__file__).parent / "src" / "backend" / "torch" / "rnn.py").read_text()
    assert (
        "return _fallback_lstm(" in source and "if not reset_after or mask is not None:" in source
    )
    for kind in ("LSTM", "GRU"):
        insisting = layer(kind, 4, use_cudnn=True)
        report = keras_cudnn_report(insisting, backend="torch", gpu=False)
        assert not report.eligible and not report.raises_on_call, kind
        masked = keras_cudnn_report(insisting, RIGHT_PADDED, backend="torch", gpu=False)
        assert masked.raises_on_call, kind
    old_gru = layer("GRU", 4, use_cudnn=True, reset_after=False)
    assert keras_cudnn_report(old_gru, backend="torch", gpu=False).raises_on_call
    assert keras_cudnn_report(layer("LSTM", 4, use_cudnn=True), backend="jax").raises_on_call


@pytest.mark.keras
def test_fused_bidirectional_path_refuses_dropout_on_jax_and_torch_only() -> None:
    pytest.importorskip("keras")
    import inspect

    text = inspect.getsource(keras.layers.Bidirectional._can_attempt_fused_lstm)
    assert "if fwd.cell.dropout or fwd.cell.recurrent_dropout:" in text
    wrapped = keras.layers.Bidirectional(keras.layers.LSTM(4, dropout=0.2))
    for backend in ("jax", "torch"):
        report = keras_cudnn_report(wrapped, backend=backend, gpu=True)
        assert report.eligible  # each direction still runs on cuDNN
        (note,) = report.notes
        assert "fused call for both directions is refused" in note and "dropout=0.2" in note
    assert keras_cudnn_report(wrapped, backend="tensorflow", gpu=True).notes == ()


@pytest.mark.keras
@pytest.mark.parametrize("backend", ["numpy", "openvino"])
def test_backends_without_cudnn(backend: str) -> None:
    pytest.importorskip("keras")
    report = keras_cudnn_report(keras.layers.LSTM(4), backend=backend)
    (reason,) = report.reasons
    assert reason.kind == "environment" and "has no cuDNN path" in reason.problem
    assert report.eligible_on_gpu


BAD_SETTINGS = [
    ({"backend": "TensorFlow"}, "backend must be one of 'tensorflow', 'jax', 'torch'"),
    ({"backend": 3}, "backend must be one of"),
    ({"gpu": "false"}, "gpu must be True or False, got 'false'"),
    ({"gpu": 1}, "gpu must be True or False"),
]
"""Bad backend/gpu values: refused, never read as truthy or as a backend."""


@pytest.mark.keras
@pytest.mark.parametrize(("kwargs", "message"), BAD_SETTINGS)
def test_bad_backend_and_gpu_are_refused(kwargs: dict, message: str) -> None:
    pytest.importorskip("keras")
    with pytest.raises(ArgumentError, match=message):
        keras_cudnn_report(keras.layers.LSTM(4), **kwargs)
    assert keras_cudnn_report(keras.layers.LSTM(4), gpu=np.bool_(True)).eligible


# ---------------------------------------------------------------------------------------------
# Against Keras's behaviour: with use_cudnn=True, Keras raises ValueError exactly when the fused
# kernel cannot run. On a CPU every case raises (no GPU); on a GPU the rules themselves are tested.
# ---------------------------------------------------------------------------------------------

BEHAVIOUR_CASES = [
    ("defaults", {}, None),
    ("recurrent_dropout", {"recurrent_dropout": 0.2}, None),
    ("hard_sigmoid", {"recurrent_activation": "hard_sigmoid"}, None),
    ("right-padded mask", {}, RIGHT_PADDED[:2]),
    ("left-padded mask", {}, LEFT_PADDED),
]


@pytest.mark.keras
@pytest.mark.parametrize(("name", "kwargs", "mask"), BEHAVIOUR_CASES)
def test_prediction_matches_keras_when_cudnn_is_forced(
    name: str, kwargs: dict, mask: np.ndarray | None
) -> None:
    pytest.importorskip("keras")
    if keras.backend.backend() != "tensorflow":
        pytest.skip("calls the layer with tf.constant masks: the TensorFlow backend's behaviour")
    lstm = keras.layers.LSTM(3, use_cudnn=True, **kwargs)
    report = keras_cudnn_report(lstm, mask=mask)
    try:
        lstm(np.ones((2, 4, 5), dtype="float32"), mask=None if mask is None else tf.constant(mask))
        raised = False
    except (ValueError, tf.errors.InvalidArgumentError):
        raised = True
    assert report.raises_on_call == raised, name
    if not tf.config.list_logical_devices("GPU"):
        assert raised and "! use_cudnn=True" in str(report)


@pytest.mark.keras
def test_eligible_layer_really_runs_with_use_cudnn_true_on_a_gpu() -> None:
    pytest.importorskip("keras")
    if keras.backend.backend() != "tensorflow":
        pytest.skip("runs the TensorFlow backend's cuDNN kernel")
    if not tf.config.list_logical_devices("GPU"):
        pytest.skip("needs a GPU visible to TensorFlow (none found): runs cuDNN for real")
    lstm = keras.layers.LSTM(3, use_cudnn=True)
    assert keras_cudnn_report(lstm).eligible
    assert tuple(lstm(np.ones((2, 4, 5), dtype="float32")).shape) == (2, 3)


# ---------------------------------------------------------------------------------------------
# Junk
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", FIXED_JUNK, ids=range(len(FIXED_JUNK)))
def test_fixed_junk_as_the_layer_is_refused(value: Any) -> None:
    with pytest.raises(UnsupportedLayerError):
        keras_cudnn_report(value)


@pytest.mark.keras
@JUNK_SETTINGS
@given(argument=st.sampled_from(["mask", "backend", "gpu"]), value=junk)
def test_drawn_junk_settings_give_a_report_or_the_library_s_error(
    argument: str, value: Any
) -> None:
    pytest.importorskip("keras")
    report = check_junk(lambda: keras_cudnn_report(keras.layers.GRU(2), **{argument: value}))
    if report is not None:
        assert isinstance(report, CudnnReport) and report.backend in BACKENDS
