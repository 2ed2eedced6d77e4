"""Tests for lstm_notes.params: count_params against hand-derived formulas and both frameworks."""

from __future__ import annotations

import itertools
import random

import keras
import numpy as np
import pytest
import torch

from lstm_notes import count_params
from lstm_notes.params import ParamCountError

GATES = {"LSTM": 4, "GRU": 3, "SimpleRNN": 1, "RNN": 1}
KERAS_KINDS = {
    "LSTM": keras.layers.LSTM,
    "GRU": keras.layers.GRU,
    "SimpleRNN": keras.layers.SimpleRNN,
}
TORCH_KINDS = {"LSTM": torch.nn.LSTM, "GRU": torch.nn.GRU, "SimpleRNN": torch.nn.RNN}


def _built(layer: keras.layers.Layer, input_size: int, seq_len: int = 3) -> keras.layers.Layer:
    layer.build((None, seq_len, input_size))
    return layer


def _keras_formula(
    kind: str, n: int, h: int, use_bias: bool = True, reset_after: bool = True
) -> int:
    """One Keras direction: kernel (n, g·h), recurrent_kernel (h, g·h), bias."""
    g = GATES[kind]
    rows = 2 if kind == "GRU" and reset_after else 1
    return g * h * (n + h) + (rows * g * h if use_bias else 0)


def _torch_formula(
    kind: str, n: int, h: int, layers: int, directions: int, bias: bool, proj: int = 0
) -> int:
    """Every layer and direction: weight_ih, weight_hh, two biases, and weight_hr with proj_size."""
    g, out = GATES[kind], proj or h
    total = 0
    for layer in range(layers):
        n_in = n if layer == 0 else directions * out
        total += directions * (g * h * (n_in + out) + (2 * g * h if bias else 0) + proj * h)
    return total


# --------------------------------------------------------------------------------------------
# Known figures
# --------------------------------------------------------------------------------------------


def test_keras_lstm_stack_figures() -> None:
    # input_size 10, hidden 7: 4·(7·10 + 7·7 + 7) = 504, then 4·(7·7 + 7·7 + 7) = 420 twice.
    model = keras.Sequential(
        [
            keras.Input(shape=(5, 10)),
            keras.layers.LSTM(7, return_sequences=True),
            keras.layers.LSTM(7, return_sequences=True),
            keras.layers.LSTM(7),
        ]
    )
    counted = count_params(list(model.layers))
    assert [part.total for part in counted.parts] == [504, 420, 420]
    assert counted.total == 1344 == model.count_params()
    assert counted.torch_surplus == 3 * 4 * 7
    torch_counted = count_params(torch.nn.LSTM(10, 7, num_layers=3))
    assert torch_counted.total == 1344 + 3 * 28
    assert torch_counted.torch_surplus == 3 * 28


def test_model_with_embedding_two_lstms_and_dense() -> None:
    model = keras.Sequential(
        [
            keras.Input(shape=(12,)),
            keras.layers.Embedding(50, 6),
            keras.layers.LSTM(8, return_sequences=True),
            keras.layers.LSTM(4),
            keras.layers.Dense(4, activation="relu"),
            keras.layers.Dense(1),
        ]
    )
    first, second = model.layers[1], model.layers[2]
    assert count_params(first).torch_surplus == 32  # 4·8
    assert count_params(second).torch_surplus == 16  # 4·4
    stack = count_params([first, second])
    assert [p.torch_surplus for p in stack.parts] == [32, 16]
    assert stack.torch_surplus == 48
    assert stack.total == 4 * (6 * 8 + 8 * 8 + 8) + 4 * (8 * 4 + 4 * 4 + 4)
    # The surplus is exactly what PyTorch layers of the same sizes have on top.
    assert count_params(torch.nn.LSTM(6, 8)).total - count_params(first).total == 32
    assert count_params(torch.nn.LSTM(8, 4)).total - count_params(second).total == 16
    assert "32 + 16" in stack.note


def test_breakdown_of_a_keras_lstm() -> None:
    counted = count_params(_built(keras.layers.LSTM(7), 10))
    assert [(t.name, t.shape, t.count) for t in counted.tensors] == [
        ("kernel", (10, 28), 280),
        ("recurrent_kernel", (7, 28), 196),
        ("bias", (28,), 28),
    ]
    assert counted.tensors[0].formula == "input_size·4·hidden_size = 10·4·7"


def test_breakdown_of_a_torch_lstm_with_projection() -> None:
    counted = count_params(torch.nn.LSTM(5, 6, proj_size=2))
    assert [(t.name, t.shape) for t in counted.tensors] == [
        ("weight_ih_l0", (24, 5)),
        ("weight_hh_l0", (24, 2)),
        ("bias_ih_l0", (24,)),
        ("bias_hh_l0", (24,)),
        ("weight_hr_l0", (2, 6)),
    ]
    assert "proj_size" in counted.note


# --------------------------------------------------------------------------------------------
# GRU: reset_after decides whether Keras has one or two bias rows
# --------------------------------------------------------------------------------------------


def test_keras_gru_reset_after_true_has_two_bias_rows_like_pytorch() -> None:
    keras_counted = count_params(_built(keras.layers.GRU(7), 10))
    assert keras_counted.tensors[-1].shape == (2, 21)
    assert keras_counted.total == 3 * (7 * 10 + 7 * 7 + 2 * 7) == 399
    assert count_params(torch.nn.GRU(10, 7)).total == keras_counted.total
    assert keras_counted.torch_surplus == 0
    assert count_params(torch.nn.GRU(10, 7)).torch_surplus == 0
    assert "reset_after=True" in keras_counted.note


def test_keras_gru_reset_after_false_has_one_bias_row() -> None:
    counted = count_params(_built(keras.layers.GRU(7, reset_after=False), 10))
    assert counted.tensors[-1].shape == (21,)
    assert counted.total == 3 * (7 * 10 + 7 * 7 + 7) == 378
    assert counted.torch_surplus == 21
    assert count_params(torch.nn.GRU(10, 7)).total - counted.total == 21


# --------------------------------------------------------------------------------------------
# Grids against the frameworks
# --------------------------------------------------------------------------------------------

KERAS_GRID = [
    (kind, bidirectional, use_bias, reset_after)
    for kind, bidirectional, use_bias, reset_after in itertools.product(
        KERAS_KINDS, [False, True], [False, True], [False, True]
    )
    if kind == "GRU" or reset_after
]


@pytest.mark.parametrize(("kind", "bidirectional", "use_bias", "reset_after"), KERAS_GRID)
def test_keras_counts(kind: str, bidirectional: bool, use_bias: bool, reset_after: bool) -> None:
    rng = random.Random(f"{kind}{bidirectional}{use_bias}{reset_after}")
    n, h = rng.randint(1, 9), rng.randint(1, 9)
    extra = {"reset_after": reset_after} if kind == "GRU" else {}
    layer = KERAS_KINDS[kind](h, use_bias=use_bias, **extra)
    if bidirectional:
        layer = keras.layers.Bidirectional(layer)
    counted = count_params(_built(layer, n))
    directions = 2 if bidirectional else 1
    assert counted.total == directions * _keras_formula(kind, n, h, use_bias, reset_after)
    assert counted.total == layer.count_params()
    # The PyTorch module with the same sizes has exactly torch_surplus more parameters.
    module = TORCH_KINDS[kind](n, h, bias=use_bias, bidirectional=bidirectional)
    assert count_params(module).total - counted.total == counted.torch_surplus
    surplus_per_direction = (
        GATES[kind] * h if use_bias and not (kind == "GRU" and reset_after) else 0
    )
    assert counted.torch_surplus == directions * surplus_per_direction


TORCH_GRID = [
    (kind, layers, bidirectional, bias, proj)
    for kind, layers, bidirectional, bias, proj in itertools.product(
        TORCH_KINDS, [1, 2, 3], [False, True], [False, True], [0, 2]
    )
    if proj == 0 or kind == "LSTM"
]


@pytest.mark.parametrize(("kind", "layers", "bidirectional", "bias", "proj"), TORCH_GRID)
def test_torch_counts(kind: str, layers: int, bidirectional: bool, bias: bool, proj: int) -> None:
    rng = random.Random(f"{kind}{layers}{bidirectional}{bias}{proj}")
    n, h = rng.randint(1, 9), rng.randint(3, 9)
    extra = {"proj_size": proj} if proj else {}
    module = TORCH_KINDS[kind](
        n, h, num_layers=layers, bidirectional=bidirectional, bias=bias, **extra
    )
    counted = count_params(module)
    directions = 2 if bidirectional else 1
    assert counted.total == _torch_formula(kind, n, h, layers, directions, bias, proj)
    assert counted.total == sum(p.numel() for p in module.parameters())
    assert [(t.name, t.shape) for t in counted.tensors] == [
        (name, tuple(p.shape)) for name, p in module.named_parameters()
    ]
    expected_surplus = GATES[kind] * h * layers * directions if bias and kind != "GRU" else 0
    assert counted.torch_surplus == expected_surplus


def test_keras_stack_of_bidirectional_matches_torch_bidirectional() -> None:
    first = _built(keras.layers.Bidirectional(keras.layers.LSTM(5, return_sequences=True)), 3)
    second = _built(keras.layers.Bidirectional(keras.layers.LSTM(5)), 10)
    keras_counted = count_params([first, second])
    torch_counted = count_params(torch.nn.LSTM(3, 5, num_layers=2, bidirectional=True))
    assert torch_counted.total - keras_counted.total == keras_counted.torch_surplus == 4 * 5 * 4
    assert torch_counted.torch_surplus == keras_counted.torch_surplus
    assert [t.name for t in keras_counted.tensors][:3] == [
        "0/forward/kernel",
        "0/forward/recurrent_kernel",
        "0/forward/bias",
    ]


def test_bidirectional_with_a_different_backward_layer() -> None:
    forward = keras.layers.LSTM(3)
    backward = keras.layers.LSTM(5, go_backwards=True)
    layer = _built(keras.layers.Bidirectional(forward, backward_layer=backward), 2)
    counted = count_params(layer)
    assert counted.total == _keras_formula("LSTM", 2, 3) + _keras_formula("LSTM", 2, 5)
    assert counted.torch_surplus == 4 * 3 + 4 * 5
    assert "4·3 + 4·5" in counted.note


def test_keras_gru_reset_after_false_in_both_directions() -> None:
    layer = _built(keras.layers.Bidirectional(keras.layers.GRU(6, reset_after=False)), 4)
    assert count_params(layer).torch_surplus == 2 * 3 * 6


def test_simple_rnn_surplus_is_h_per_direction_per_layer() -> None:
    counted = count_params(torch.nn.RNN(4, 6, num_layers=2, bidirectional=True))
    assert counted.torch_surplus == 6 * 2 * 2
    assert "b_hh" in counted.note


# --------------------------------------------------------------------------------------------
# Display
# --------------------------------------------------------------------------------------------


def test_text_and_html_tables() -> None:
    counted = count_params(_built(keras.layers.LSTM(7), 10))
    text = str(counted)
    for piece in ("kernel", "recurrent_kernel", "bias", "(10, 28)", "504", "note:", "28 more"):
        assert piece in text
    assert repr(counted) == text
    html = counted._repr_html_()
    assert html.count("<tr>") == 1 + 3 + 1  # header, three tensors, total
    assert "504" in html


# --------------------------------------------------------------------------------------------
# Bad input
# --------------------------------------------------------------------------------------------


def test_unbuilt_keras_layer_is_refused() -> None:
    with pytest.raises(ValueError, match="not built yet") as info:
        count_params(keras.layers.LSTM(4))
    assert "keras.Input" in str(info.value)


def test_unsupported_layers_and_empty_stack() -> None:
    dense = keras.layers.Dense(3)
    dense.build((None, 4))
    with pytest.raises(TypeError, match=r"unsupported layer type .*Dense.*supported are"):
        count_params(dense)
    with pytest.raises(TypeError, match=r"torch\.nn\.LSTM"):
        count_params(torch.nn.Linear(3, 4))
    with pytest.raises(ValueError, match="empty"):
        count_params([])


def test_disagreement_with_the_framework_raises() -> None:
    class LSTMWithExtra(keras.layers.LSTM):
        def build(self, sequences_shape: tuple) -> None:
            super().build(sequences_shape)
            self.extra = self.add_weight(shape=(3,), name="extra")

    layer = _built(LSTMWithExtra(4), 3)
    with pytest.raises(ParamCountError, match=r"count_params\(\) = 131"):
        count_params(layer)
    module = torch.nn.GRU(3, 4)
    module.register_parameter("extra", torch.nn.Parameter(torch.zeros(2)))
    with pytest.raises(ParamCountError, match=r"sum\(p\.numel\(\)\)"):
        count_params(module)


def test_count_does_not_need_data() -> None:
    # count_params only reads shapes; it must not change the layer's weights.
    layer = _built(keras.layers.SimpleRNN(3), 2)
    before = [w.copy() for w in layer.get_weights()]
    count_params(layer)
    assert all(np.array_equal(a, b) for a, b in zip(before, layer.get_weights(), strict=True))
