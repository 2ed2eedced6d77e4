"""Tests for lstm_notes.params: count_params against hand-derived formulas and both frameworks."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from lstm_notes import ParamCountError, UnsupportedLayerError, count_params
from tests.conftest import FIXED_JUNK, JUNK_SETTINGS, check_junk, junk

try:
    import keras
except ImportError:  # the torch-only job deselects the Keras tests (-m "not keras")
    keras = None

pytestmark = pytest.mark.torch  # torch is imported above, for every test here

GATES = {"LSTM": 4, "GRU": 3, "SimpleRNN": 1}
KERAS_KINDS = ["LSTM", "GRU", "SimpleRNN"]
TORCH_KINDS = {"LSTM": torch.nn.LSTM, "GRU": torch.nn.GRU, "SimpleRNN": torch.nn.RNN}
GRID = settings(max_examples=25, deadline=None, derandomize=True, database=None)


def _built(layer: Any, input_size: int, seq_len: int = 3) -> Any:
    layer.build((None, seq_len, input_size))
    return layer


# --------------------------------------------------------------------------------------------
# Known figures
# --------------------------------------------------------------------------------------------


@pytest.mark.keras
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


@pytest.mark.keras
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


@pytest.mark.keras
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


@pytest.mark.keras
def test_keras_gru_reset_after_true_has_two_bias_rows_like_pytorch() -> None:
    keras_counted = count_params(_built(keras.layers.GRU(7), 10))
    assert keras_counted.tensors[-1].shape == (2, 21)
    assert keras_counted.total == 3 * (7 * 10 + 7 * 7 + 2 * 7) == 399
    assert count_params(torch.nn.GRU(10, 7)).total == keras_counted.total
    assert keras_counted.torch_surplus == 0
    assert count_params(torch.nn.GRU(10, 7)).torch_surplus == 0
    assert "reset_after=True" in keras_counted.note


@pytest.mark.keras
def test_keras_gru_reset_after_false_has_one_bias_row() -> None:
    counted = count_params(_built(keras.layers.GRU(7, reset_after=False), 10))
    assert counted.tensors[-1].shape == (21,)
    assert counted.total == 3 * (7 * 10 + 7 * 7 + 7) == 378
    assert counted.torch_surplus == 21
    assert count_params(torch.nn.GRU(10, 7)).total - counted.total == 21


# --------------------------------------------------------------------------------------------
# Grids against the frameworks
# --------------------------------------------------------------------------------------------


@pytest.mark.keras
@GRID
@given(
    kind=st.sampled_from(KERAS_KINDS),
    bidirectional=st.booleans(),
    use_bias=st.booleans(),
    reset_after=st.booleans(),
    n=st.integers(1, 9),
    h=st.integers(1, 9),
)
def test_keras_counts(
    kind: str, bidirectional: bool, use_bias: bool, reset_after: bool, n: int, h: int
) -> None:
    extra = {"reset_after": reset_after} if kind == "GRU" else {}
    layer = getattr(keras.layers, kind)(h, use_bias=use_bias, **extra)
    if bidirectional:
        layer = keras.layers.Bidirectional(layer)
    counted = count_params(_built(layer, n))
    assert counted.total == layer.count_params()
    assert [t.shape for t in counted.tensors] == [tuple(w.shape) for w in layer.weights]
    if kind != "GRU" or reset_after:  # a GRU with reset_after=False has no PyTorch twin
        # The PyTorch module with the same sizes has exactly torch_surplus more parameters.
        module = TORCH_KINDS[kind](n, h, bias=use_bias, bidirectional=bidirectional)
        assert count_params(module).total - counted.total == counted.torch_surplus


@GRID
@given(
    kind=st.sampled_from(sorted(TORCH_KINDS)),
    layers=st.integers(1, 3),
    bidirectional=st.booleans(),
    bias=st.booleans(),
    proj=st.integers(0, 2),
    n=st.integers(1, 9),
    h=st.integers(3, 9),
)
def test_torch_counts(
    kind: str, layers: int, bidirectional: bool, bias: bool, proj: int, n: int, h: int
) -> None:
    extra = {"proj_size": proj} if proj and kind == "LSTM" else {}
    module = TORCH_KINDS[kind](
        n, h, num_layers=layers, bidirectional=bidirectional, bias=bias, **extra
    )
    counted = count_params(module)
    assert counted.total == sum(p.numel() for p in module.parameters())
    assert [(t.name, t.shape) for t in counted.tensors] == [
        (name, tuple(p.shape)) for name, p in module.named_parameters()
    ]
    # Dropping bias_hh (the vectors Keras does not have) leaves the Keras count.
    if kind != "GRU":
        bias_hh = sum(p.numel() for name, p in module.named_parameters() if "bias_hh" in name)
        assert counted.torch_surplus == bias_hh


@pytest.mark.keras
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


@pytest.mark.keras
def test_bidirectional_with_a_different_backward_layer() -> None:
    forward = keras.layers.LSTM(3)
    backward = keras.layers.LSTM(5, go_backwards=True)
    layer = _built(keras.layers.Bidirectional(forward, backward_layer=backward), 2)
    counted = count_params(layer)
    assert counted.total == layer.count_params()
    assert counted.torch_surplus == 4 * 3 + 4 * 5
    assert "4·3 + 4·5" in counted.note


@pytest.mark.keras
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


@pytest.mark.keras
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


@pytest.mark.keras
def test_unbuilt_keras_layer_is_refused() -> None:
    with pytest.raises(UnsupportedLayerError, match="not built yet") as info:
        count_params(keras.layers.LSTM(4))
    assert "keras.Input" in str(info.value)


def _dense() -> Any:
    dense = keras.layers.Dense(3)
    dense.build((None, 4))
    return dense


BAD_LAYERS = [
    # (what to count, what the message must say)
    pytest.param(_dense, r"count_params takes .*got keras\..*Dense", marks=pytest.mark.keras),
    (lambda: torch.nn.Linear(3, 4), r"torch\.nn\.LSTM"),
    (lambda: [], "empty list"),
    (lambda: torch.nn.LSTM, "the class torch.nn.modules.rnn.LSTM; pass an instance"),
    (lambda: [torch.nn.LSTM(3, 4), torch.nn.LSTM(5, 4)], "layer 1 .* input_size=5 .* outputs 4"),
    (lambda: [torch.nn.LSTM(3, 4, bidirectional=True), torch.nn.GRU(8, 2)], None),
    (lambda: [torch.nn.LSTM(3, 4), "LSTM"], "got builtins.str"),
    pytest.param(
        lambda: [torch.nn.LSTM(3, 4), _built(keras.layers.LSTM(4), 4)],
        "mixes keras and torch",
        marks=pytest.mark.keras,
    ),
    pytest.param(
        lambda: [_built(keras.layers.LSTM(4), 3), _built(keras.layers.LSTM(4), 4)],
        "return_sequences=False",
        marks=pytest.mark.keras,
    ),
]


@pytest.mark.parametrize(("make", "message"), BAD_LAYERS)
def test_what_is_not_a_layer_or_a_stack_is_refused(make: Any, message: str | None) -> None:
    layers = make()
    if message is None:  # a stack that chains (8 = 2 directions x 4) is counted
        assert count_params(layers).total == sum(count_params(m).total for m in layers)
        return
    with pytest.raises(UnsupportedLayerError, match=message):
        count_params(layers)


@pytest.mark.parametrize("bad", FIXED_JUNK, ids=repr)
def test_count_params_on_fixed_junk(bad: Any) -> None:
    assert check_junk(lambda: count_params(bad)) is None
    assert check_junk(lambda: count_params([torch.nn.GRU(3, 4), bad])) is None


@JUNK_SETTINGS
@given(layer=junk)
def test_count_params_on_junk(layer: Any) -> None:
    assert check_junk(lambda: count_params(layer)) is None  # no junk is a layer


@pytest.mark.keras
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


@pytest.mark.keras
def test_count_does_not_need_data() -> None:
    # count_params only reads shapes; it must not change the layer's weights.
    layer = _built(keras.layers.SimpleRNN(3), 2)
    before = [w.copy() for w in layer.get_weights()]
    count_params(layer)
    assert all(np.array_equal(a, b) for a, b in zip(before, layer.get_weights(), strict=True))
