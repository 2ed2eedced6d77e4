"""Tests for lstm_notes.cudnn: every condition of Keras's cuDNN path, checked on a CPU.

Two kinds of evidence: each rule on its own (one setting changed from the defaults gives exactly
one reason), and agreement with Keras itself, both its private predicates and its behaviour
(``use_cudnn=True`` raises exactly when the fused kernel cannot run).
"""

from __future__ import annotations

import importlib
import itertools

import keras
import numpy as np
import pytest
import tensorflow as tf

from lstm_notes.cudnn import CudnnReport, UnsupportedLayerError, keras_cudnn_report

# The module, not the function of the same name that its package re-exports.
tf_rnn = importlib.import_module("keras.src.backend.tensorflow.rnn")
HAS_GPU = bool(tf.config.list_logical_devices("GPU"))

RIGHT_PADDED = np.array([[1, 1, 1, 0], [1, 1, 1, 1], [1, 0, 0, 0]], dtype=bool)
LEFT_PADDED = np.array([[0, 1, 1, 1], [1, 1, 1, 1]], dtype=bool)
EMPTY_ROW = np.array([[1, 1, 0, 0], [0, 0, 0, 0]], dtype=bool)


@pytest.mark.parametrize("layer_class", [keras.layers.LSTM, keras.layers.GRU])
def test_defaults_qualify_on_a_gpu(layer_class: type) -> None:
    report = keras_cudnn_report(layer_class(4), gpu=True)
    assert report.eligible and bool(report)
    assert report.reasons == ()
    assert "uses the cuDNN kernel" in str(report)


@pytest.mark.parametrize("layer_class", [keras.layers.LSTM, keras.layers.GRU])
def test_no_gpu_is_an_environment_reason_of_its_own(layer_class: type) -> None:
    report = keras_cudnn_report(layer_class(4), gpu=False)
    assert not report.eligible and not report
    assert report.eligible_on_gpu
    assert report.layer_reasons == ()
    (reason,) = report.environment_reasons
    assert reason.kind == "environment"
    assert "would use cuDNN on a GPU, but no GPU is visible" in reason.problem
    assert "would use cuDNN on a GPU" in str(report)


def test_environment_is_detected_from_tensorflow_by_default() -> None:
    report = keras_cudnn_report(keras.layers.LSTM(4))
    assert report.eligible is HAS_GPU
    assert bool(report.environment_reasons) is not HAS_GPU


@pytest.mark.parametrize(
    ("layer_class", "kwargs", "problem"),
    [
        (keras.layers.LSTM, {"activation": "relu"}, "activation=relu"),
        (keras.layers.LSTM, {"recurrent_activation": "hard_sigmoid"}, "recurrent_activation"),
        (keras.layers.LSTM, {"recurrent_dropout": 0.2}, "recurrent_dropout=0.2"),
        (keras.layers.LSTM, {"unroll": True}, "unroll=True"),
        (keras.layers.LSTM, {"use_bias": False}, "use_bias=False"),
        (keras.layers.LSTM, {"use_cudnn": False}, "use_cudnn=False"),
        (keras.layers.GRU, {"activation": "sigmoid"}, "activation=sigmoid"),
        (keras.layers.GRU, {"recurrent_activation": "tanh"}, "recurrent_activation=tanh"),
        (keras.layers.GRU, {"recurrent_dropout": 0.5}, "recurrent_dropout=0.5"),
        (keras.layers.GRU, {"unroll": True}, "unroll=True"),
        (keras.layers.GRU, {"use_bias": False}, "use_bias=False"),
        (keras.layers.GRU, {"use_cudnn": False}, "use_cudnn=False"),
        (keras.layers.GRU, {"reset_after": False}, "reset_after=False"),
    ],
)
def test_each_setting_gives_exactly_one_layer_reason(
    layer_class: type, kwargs: dict, problem: str
) -> None:
    report = keras_cudnn_report(layer_class(4, **kwargs), gpu=True)
    assert not report.eligible and not report.eligible_on_gpu
    (reason,) = report.reasons
    assert reason.kind == "layer"
    assert problem in reason.problem
    assert reason.fix  # says what to change
    assert reason.fix in str(report) and reason.fix in report._repr_html_()


def test_several_problems_are_all_listed() -> None:
    layer = keras.layers.LSTM(4, recurrent_dropout=0.1, unroll=True, use_bias=False)
    report = keras_cudnn_report(layer, gpu=False)
    kinds = [r.kind for r in report.reasons]
    assert kinds == ["layer", "layer", "layer", "environment"]


def test_input_dropout_keeps_cudnn() -> None:
    assert keras_cudnn_report(keras.layers.LSTM(4, dropout=0.3), gpu=True).eligible


def test_activation_is_compared_by_identity_like_keras() -> None:
    # keras.ops.tanh and tf.tanh are accepted by cudnn_ok; a lambda computing tanh is not.
    for tanh in (keras.ops.tanh, tf.tanh, keras.activations.tanh):
        assert keras_cudnn_report(keras.layers.LSTM(4, activation=tanh), gpu=True).eligible
    lam = keras.layers.LSTM(4, activation=lambda x: keras.ops.tanh(x))
    assert not keras_cudnn_report(lam, gpu=True).eligible


CONFIGS = [
    dict(zip(("activation", "recurrent_activation", "unroll", "use_bias"), values, strict=True))
    for values in itertools.product(
        ["tanh", "relu"], ["sigmoid", "hard_sigmoid"], [False, True], [True, False]
    )
]


@pytest.mark.parametrize("config", CONFIGS)
def test_argument_rules_agree_with_keras_private_predicates(config: dict) -> None:
    # If a Keras release changes its rules, this test fails and the checker must follow.
    lstm = keras.layers.LSTM(4, **config)
    expected = tf_rnn._do_lstm_arguments_support_cudnn(
        lstm.cell.activation, lstm.cell.recurrent_activation, lstm.unroll, lstm.cell.use_bias
    )
    assert keras_cudnn_report(lstm, gpu=True).eligible == expected
    for reset_after in (True, False):
        gru = keras.layers.GRU(4, reset_after=reset_after, **config)
        expected = tf_rnn._do_gru_arguments_support_cudnn(
            gru.cell.activation,
            gru.cell.recurrent_activation,
            gru.unroll,
            gru.cell.use_bias,
            gru.cell.reset_after,
        )
        assert keras_cudnn_report(gru, gpu=True).eligible == expected


def test_bidirectional_checks_both_directions() -> None:
    wrapped = keras.layers.Bidirectional(keras.layers.LSTM(4, recurrent_dropout=0.1), name="bi")
    report = keras_cudnn_report(wrapped, gpu=True)
    assert [r.where for r in report.reasons] == ["bi.forward_layer", "bi.backward_layer"]
    assert report.layer_class == "Bidirectional"


def test_bidirectional_with_only_the_backward_layer_off_the_fast_path() -> None:
    wrapped = keras.layers.Bidirectional(
        keras.layers.LSTM(4),
        backward_layer=keras.layers.LSTM(4, go_backwards=True, activation="relu"),
        name="bi",
    )
    report = keras_cudnn_report(wrapped, gpu=True)
    (reason,) = report.reasons
    assert reason.where == "bi.backward_layer" and "activation=relu" in reason.problem
    assert keras_cudnn_report(keras.layers.Bidirectional(keras.layers.GRU(4)), gpu=True)


def test_right_padded_mask_keeps_cudnn() -> None:
    assert keras_cudnn_report(keras.layers.LSTM(4), mask=RIGHT_PADDED, gpu=True).eligible
    as_tensor = tf.constant(RIGHT_PADDED)
    assert keras_cudnn_report(keras.layers.GRU(4), mask=as_tensor, gpu=True).eligible


def test_left_padded_mask_is_an_input_reason() -> None:
    report = keras_cudnn_report(keras.layers.LSTM(4), mask=LEFT_PADDED, gpu=True)
    (reason,) = report.reasons
    assert reason.kind == "input"
    assert "not right-padded (rows [0])" in reason.problem
    assert "padding='post'" in reason.fix


def test_fully_masked_row_is_an_input_reason() -> None:
    report = keras_cudnn_report(keras.layers.LSTM(4), mask=EMPTY_ROW, gpu=True)
    (reason,) = report.reasons
    assert reason.kind == "input" and "fully masked row(s) [1]" in reason.problem


def test_mask_must_be_two_dimensional() -> None:
    with pytest.raises(ValueError, match=r"shape \(batch_size, seq_len\); got shape \(4,\)"):
        keras_cudnn_report(keras.layers.LSTM(4), mask=np.ones(4, dtype=bool))


def test_mask_rules_agree_with_keras_on_every_row_of_length_four() -> None:
    for row in itertools.product([False, True], repeat=4):
        mask = np.array([row])
        keras_ok = bool(
            tf_rnn._is_sequence_right_padded(tf.constant(mask))
            and not tf_rnn._has_fully_masked_sequence(tf.constant(mask))
        )
        report = keras_cudnn_report(keras.layers.LSTM(2), mask=mask, gpu=True)
        assert report.eligible == keras_ok, row


@pytest.mark.parametrize(
    ("layer", "problem"),
    [
        (keras.layers.SimpleRNN(4), "SimpleRNN has no cuDNN kernel"),
        (keras.layers.RNN(keras.layers.LSTMCell(4)), "generic keras.layers.RNN(LSTMCell)"),
    ],
)
def test_layers_without_a_cudnn_path(layer: keras.layers.Layer, problem: str) -> None:
    report = keras_cudnn_report(layer, gpu=True)
    assert not report.eligible_on_gpu
    assert problem in report.reasons[0].problem


def test_non_recurrent_layers_are_refused() -> None:
    with pytest.raises(UnsupportedLayerError, match="got Dense"):
        keras_cudnn_report(keras.layers.Dense(3))


def test_other_backends_are_an_environment_reason() -> None:
    report = keras_cudnn_report(keras.layers.LSTM(4), backend="jax")
    (reason,) = report.reasons
    assert reason.kind == "environment" and reason.where == "backend"
    assert "'jax'" in reason.problem and "KERAS_BACKEND=tensorflow" in reason.fix
    assert report.eligible_on_gpu


def test_report_is_a_frozen_value() -> None:
    report = keras_cudnn_report(keras.layers.LSTM(4), gpu=True)
    assert isinstance(report, CudnnReport)
    with pytest.raises(AttributeError):
        report.reasons = ()  # type: ignore[misc]


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


@pytest.mark.parametrize(("name", "kwargs", "mask"), BEHAVIOUR_CASES)
def test_prediction_matches_keras_when_cudnn_is_forced(
    name: str, kwargs: dict, mask: np.ndarray | None
) -> None:
    layer = keras.layers.LSTM(3, use_cudnn=True, **kwargs)
    report = keras_cudnn_report(layer, mask=mask)
    x = np.ones((2, 4, 5), dtype="float32")
    try:
        layer(x, mask=None if mask is None else tf.constant(mask))
        raised = False
    except (ValueError, tf.errors.InvalidArgumentError):
        raised = True
    assert report.raises_on_call == raised, name
    if not HAS_GPU:
        assert raised and "! use_cudnn=True" in str(report)


@pytest.mark.skipif(
    not HAS_GPU, reason="needs a GPU visible to TensorFlow (none found): runs cuDNN for real"
)
def test_eligible_layer_really_runs_with_use_cudnn_true_on_a_gpu() -> None:
    layer = keras.layers.LSTM(3, use_cudnn=True)
    assert keras_cudnn_report(layer).eligible
    out = layer(np.ones((2, 4, 5), dtype="float32"))
    assert tuple(out.shape) == (2, 3)
