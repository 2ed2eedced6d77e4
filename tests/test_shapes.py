"""Tests for lstm_notes.shapes: assert_shape and expected_shapes against the real frameworks."""

from __future__ import annotations

import itertools
import random
import subprocess
import sys
import warnings
from types import SimpleNamespace

import keras
import numpy as np
import pytest
import tensorflow as tf
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from lstm_notes import ShapeError, assert_shape, expected_shapes

KERAS_KINDS = {
    "LSTM": keras.layers.LSTM,
    "GRU": keras.layers.GRU,
    "SimpleRNN": keras.layers.SimpleRNN,
}
TORCH_KINDS = {"LSTM": torch.nn.LSTM, "GRU": torch.nn.GRU, "RNN": torch.nn.RNN}
WRAPPERS = ["plain", "concat", "sum", "ave", "mul", None]


def _flat(result: object) -> list:
    if isinstance(result, (list, tuple)):
        return [t for item in result for t in _flat(item)]
    return [result]


def _shapes(result: object) -> list[tuple[int, ...]]:
    return [tuple(int(d) for d in t.shape) for t in _flat(result)]


# --------------------------------------------------------------------------------------------
# assert_shape
# --------------------------------------------------------------------------------------------


def test_assert_shape_binds_names_and_returns_sizes() -> None:
    sizes = assert_shape(np.zeros((4, 10, 7)), "batch time hidden")
    assert sizes == {"batch": 4, "time": 10, "hidden": 7}
    again = assert_shape(np.zeros((2, 4, 7)), "2 batch hidden", **sizes)
    assert again == {"batch": 4, "time": 10, "hidden": 7}


@pytest.mark.parametrize(
    "x",
    [np.zeros((3, 5)), torch.zeros(3, 5), tf.zeros((3, 5)), SimpleNamespace(shape=(3, 5))],
    ids=["numpy", "torch", "tensorflow", "anything-with-shape"],
)
def test_assert_shape_accepts_every_tensor_type(x: object) -> None:
    assert assert_shape(x, "batch hidden") == {"batch": 3, "hidden": 5}


@settings(max_examples=60, deadline=None)
@given(
    sizes=st.lists(st.integers(0, 6), min_size=1, max_size=4),
    data=st.data(),
)
def test_assert_shape_property(sizes: list[int], data: st.DataObject) -> None:
    """Binding a spec to its own shape succeeds; changing one axis fails at exactly that axis."""
    names = [f"a{i}" for i in range(len(sizes))]
    x = np.zeros(sizes)
    assert assert_shape(x, " ".join(names)) == dict(zip(names, sizes, strict=True))
    axis = data.draw(st.integers(0, len(sizes) - 1))
    wrong = sizes[axis] + data.draw(st.integers(1, 3))
    with pytest.raises(
        ShapeError, match=rf"axis {axis} 'a{axis}' is {sizes[axis]}, but a{axis}={wrong}"
    ):
        assert_shape(x, " ".join(names), **{names[axis]: wrong})
    fixed = [str(wrong) if i == axis else name for i, name in enumerate(names)]
    with pytest.raises(ShapeError, match=rf"axis {axis} is {sizes[axis]}, but the spec fixes it"):
        assert_shape(x, " ".join(fixed))


@settings(max_examples=25, deadline=None)
@given(
    kind=st.sampled_from(sorted(TORCH_KINDS)),
    sizes=st.tuples(*[st.integers(1, 4)] * 4),
    layers=st.integers(1, 3),
    bidirectional=st.booleans(),
    batch_first=st.booleans(),
    proj=st.integers(0, 2),
)
def test_torch_shapes_property(
    kind: str,
    sizes: tuple[int, int, int, int],
    layers: int,
    bidirectional: bool,
    batch_first: bool,
    proj: int,
) -> None:
    batch, seq_len, input_size, hidden = sizes
    proj = proj if kind == "LSTM" and proj < hidden else 0
    module = TORCH_KINDS[kind](
        input_size,
        hidden,
        layers,
        bidirectional=bidirectional,
        batch_first=batch_first,
        **({"proj_size": proj} if proj else {}),
    )
    shape = (batch, seq_len, input_size) if batch_first else (seq_len, batch, input_size)
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # oneDNN's notice about LSTM projections
        actual = _shapes(module(torch.randn(shape)))
    assert [s for _, s in expected_shapes(module, shape)] == actual


def test_numpy_integers_are_accepted() -> None:
    sizes = assert_shape(np.zeros((3, 5)), "batch hidden", batch=np.int64(3))
    assert sizes == {"batch": 3, "hidden": 5}
    assert type(sizes["batch"]) is int
    shape = tuple(np.array([2, 5, 3]))  # NumPy ints, as from arithmetic on shapes
    assert expected_shapes(keras.layers.GRU(4), shape) == [("final_output", (2, 4))]


def test_repeated_name_must_agree() -> None:
    assert assert_shape(np.zeros((3, 3)), "h h") == {"h": 3}
    with pytest.raises(ShapeError, match=r"axis 1 'h' is 4, but h=3 was bound by axis 0"):
        assert_shape(np.zeros((3, 4)), "h h")


def test_known_size_mismatch_names_axis_spec_and_shape() -> None:
    with pytest.raises(ShapeError) as info:
        assert_shape(torch.zeros(4, 6, 3), "batch time hidden", time=5)
    message = str(info.value)
    assert "'batch time hidden'" in message
    assert "(4, 6, 3)" in message
    assert "axis 1 'time' is 6" in message
    assert "time=5 was given as a keyword" in message


def test_integer_axis_mismatch() -> None:
    with pytest.raises(ShapeError, match=r"axis 0 is 3, but the spec fixes it to 2"):
        assert_shape(np.zeros((3, 4, 5)), "2 batch hidden")


def test_rank_mismatch() -> None:
    with pytest.raises(ShapeError, match=r"got \(2, 3\): rank is 2, but the spec names 3 axes"):
        assert_shape(np.zeros((2, 3)), "batch time hidden")
    with pytest.raises(ShapeError, match=r"got \(5,\): rank is 1"):
        assert_shape(np.zeros(5), "a b")


def test_shape_error_is_an_assertion_error() -> None:
    assert issubclass(ShapeError, AssertionError)


def test_wildcard_and_unknown_axes_match_anything() -> None:
    assert assert_shape(np.zeros((2, 9)), "batch _") == {"batch": 2}
    symbolic = keras.Input(shape=(5, 3))  # batch axis is None
    assert assert_shape(symbolic, "batch time 3") == {"time": 5}
    assert assert_shape(np.zeros(()), "") == {}


@pytest.mark.parametrize("spec", ["batch-size time", "-1 h", "2.5", "batch, time", "1batch"])
def test_malformed_spec_raises_value_error(spec: str) -> None:
    with pytest.raises(ValueError, match="malformed shape spec") as info:
        assert_shape(np.zeros((1, 2)), spec)
    assert not isinstance(info.value, ShapeError)


def test_bad_arguments() -> None:
    with pytest.raises(ValueError, match="spec must be a string"):
        assert_shape(np.zeros(2), ("batch",))  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"known size batch=-1 must be a non-negative int"):
        assert_shape(np.zeros(2), "batch", batch=-1)
    with pytest.raises(ValueError, match=r"known size batch=2.0"):
        assert_shape(np.zeros(2), "batch", batch=2.0)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"needs an object with a \.shape"):
        assert_shape([1, 2], "n")


# --------------------------------------------------------------------------------------------
# expected_shapes: hand-derived cases (names and order)
# --------------------------------------------------------------------------------------------


def test_keras_lstm_names_follow_the_keras_docs() -> None:
    layer = keras.layers.LSTM(4, return_sequences=True, return_state=True)
    assert expected_shapes(layer, (2, 5, 3)) == [
        ("whole_seq_output", (2, 5, 4)),
        ("final_memory_state", (2, 4)),
        ("final_carry_state", (2, 4)),
    ]
    assert expected_shapes(keras.layers.GRU(4), (2, 5, 3)) == [("final_output", (2, 4))]
    rnn = keras.layers.SimpleRNN(4, return_state=True)
    assert expected_shapes(rnn, (2, 5, 3)) == [("final_output", (2, 4)), ("final_state", (2, 4))]


def test_keras_bidirectional_return_state_gives_five_tensors() -> None:
    layer = keras.layers.Bidirectional(keras.layers.LSTM(4, return_state=True))
    assert expected_shapes(layer, (2, 5, 3)) == [
        ("final_output", (2, 8)),
        ("forward_final_memory_state", (2, 4)),
        ("forward_final_carry_state", (2, 4)),
        ("backward_final_memory_state", (2, 4)),
        ("backward_final_carry_state", (2, 4)),
    ]


def test_keras_bidirectional_merge_none_gives_two_outputs() -> None:
    inner = keras.layers.GRU(4, return_sequences=True, return_state=True)
    layer = keras.layers.Bidirectional(inner, merge_mode=None)
    assert expected_shapes(layer, (2, 5, 3)) == [
        ("forward_whole_seq_output", (2, 5, 4)),
        ("backward_whole_seq_output", (2, 5, 4)),
        ("forward_final_state", (2, 4)),
        ("backward_final_state", (2, 4)),
    ]


def test_keras_bidirectional_with_different_backward_units() -> None:
    forward = keras.layers.LSTM(3, return_sequences=True)
    backward = keras.layers.LSTM(5, return_sequences=True, go_backwards=True)
    layer = keras.layers.Bidirectional(forward, backward_layer=backward)
    predicted = expected_shapes(layer, (2, 4, 6))
    assert predicted == [("whole_seq_output", (2, 4, 8))]
    assert _shapes(layer(np.zeros((2, 4, 6), "float32"))) == [predicted[0][1]]


def test_torch_lstm_with_projection_and_layers() -> None:
    module = torch.nn.LSTM(3, 6, num_layers=2, bidirectional=True, proj_size=2)
    # output width is 2 directions · proj_size; h_n holds proj_size; c_n keeps hidden_size.
    assert expected_shapes(module, (5, 4, 3)) == [
        ("output", (5, 4, 4)),
        ("h_n", (4, 4, 2)),
        ("c_n", (4, 4, 6)),
    ]
    assert expected_shapes(module, (5, 3)) == [("output", (5, 4)), ("h_n", (4, 2)), ("c_n", (4, 6))]


def test_torch_batch_first_does_not_apply_to_states() -> None:
    module = torch.nn.GRU(3, 6, batch_first=True)
    assert expected_shapes(module, (4, 5, 3)) == [("output", (4, 5, 6)), ("h_n", (1, 4, 6))]


def test_go_backwards_does_not_change_shapes() -> None:
    for kind in KERAS_KINDS.values():
        forward = kind(4, return_sequences=True, return_state=True)
        backward = kind(4, return_sequences=True, return_state=True, go_backwards=True)
        assert expected_shapes(forward, (2, 5, 3)) == expected_shapes(backward, (2, 5, 3))


def test_expected_shapes_does_not_run_the_layer() -> None:
    layer = keras.layers.LSTM(4)
    expected_shapes(layer, (2, 5, 3))
    assert not layer.built
    module = torch.nn.LSTM(3, 4)
    calls: list[int] = []
    module.register_forward_hook(lambda *_: calls.append(1))
    expected_shapes(module, (5, 2, 3))
    assert calls == []


# --------------------------------------------------------------------------------------------
# expected_shapes against the real frameworks, over a grid with random sizes
# --------------------------------------------------------------------------------------------

KERAS_GRID = list(itertools.product(KERAS_KINDS, [False, True], [False, True], WRAPPERS))


@pytest.mark.parametrize(("kind", "sequences", "state", "wrapper"), KERAS_GRID)
def test_keras_shapes_match_keras(kind: str, sequences: bool, state: bool, wrapper: object) -> None:
    rng = random.Random(f"{kind}{sequences}{state}{wrapper}")
    batch, seq_len, input_size, units = (rng.randint(1, 4) for _ in range(4))
    # Keras' Bidirectional refuses an inner layer with go_backwards=True, so only plain layers
    # get a random go_backwards.
    backwards = wrapper == "plain" and rng.random() < 0.5
    layer = KERAS_KINDS[kind](
        units, return_sequences=sequences, return_state=state, go_backwards=backwards
    )
    if wrapper != "plain":
        layer = keras.layers.Bidirectional(layer, merge_mode=wrapper)
    x = np.random.default_rng(0).standard_normal((batch, seq_len, input_size)).astype("float32")
    predicted = expected_shapes(layer, x.shape)
    assert [shape for _, shape in predicted] == _shapes(layer(x))
    assert len({name for name, _ in predicted}) == len(predicted)  # names are unique


TORCH_GRID = [
    (kind, layers, bidirectional, batch_first, unbatched, proj)
    for kind, layers, bidirectional, batch_first, unbatched, proj in itertools.product(
        TORCH_KINDS, [1, 2], [False, True], [False, True], [False, True], [0, 2]
    )
    if proj == 0 or kind == "LSTM"
]


@pytest.mark.filterwarnings("ignore:LSTM with projections is not supported with oneDNN")
@pytest.mark.parametrize(
    ("kind", "layers", "bidirectional", "batch_first", "unbatched", "proj"), TORCH_GRID
)
def test_torch_shapes_match_torch(
    kind: str, layers: int, bidirectional: bool, batch_first: bool, unbatched: bool, proj: int
) -> None:
    rng = random.Random(f"{kind}{layers}{bidirectional}{batch_first}{unbatched}{proj}")
    batch, seq_len, input_size = (rng.randint(1, 4) for _ in range(3))
    hidden = rng.randint(3, 6)
    extra = {"proj_size": proj} if proj else {}
    module = TORCH_KINDS[kind](
        input_size,
        hidden,
        num_layers=layers,
        bidirectional=bidirectional,
        batch_first=batch_first,
        **extra,
    )
    shape = (batch, seq_len) if batch_first else (seq_len, batch)
    shape = (seq_len, input_size) if unbatched else (*shape, input_size)
    predicted = expected_shapes(module, shape)
    with torch.no_grad():
        actual = _shapes(module(torch.randn(shape)))
    assert [s for _, s in predicted] == actual
    assert [n for n, _ in predicted] == (
        ["output", "h_n", "c_n"] if kind == "LSTM" else ["output", "h_n"]
    )


# --------------------------------------------------------------------------------------------
# Bad input
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "layer",
    [keras.layers.Dense(3), torch.nn.Linear(3, 4), torch.nn.LSTMCell(3, 4), object()],
    ids=["keras-Dense", "torch-Linear", "torch-LSTMCell", "object"],
)
def test_unsupported_layer_lists_supported_ones(layer: object) -> None:
    with pytest.raises(TypeError, match="unsupported layer type") as info:
        expected_shapes(layer, (2, 5, 3))
    for name in ("keras.layers.LSTM", "keras.layers.Bidirectional", "torch.nn.GRU", "torch.nn.RNN"):
        assert name in str(info.value)


def test_wrong_rank_and_feature_size() -> None:
    with pytest.raises(ValueError, match=r"\(batch_size, seq_len, input_size\), got rank 2"):
        expected_shapes(keras.layers.LSTM(4), (5, 3))
    with pytest.raises(ValueError, match="got rank 4"):
        expected_shapes(torch.nn.LSTM(3, 4), (1, 2, 5, 3))
    with pytest.raises(
        ValueError, match=r"expects input_size=3 features on the last axis, but input_shape has 7"
    ):
        expected_shapes(torch.nn.LSTM(3, 4), (2, 5, 7))
    built = keras.layers.GRU(4)
    built.build((None, 5, 3))
    with pytest.raises(ValueError, match="expects input_size=3"):
        expected_shapes(built, (2, 5, 7))
    with pytest.raises(ValueError, match="tuple of non-negative ints"):
        expected_shapes(torch.nn.GRU(3, 4), (2, None, 3))


def test_keras_layers_work_without_torch(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in [m for m in sys.modules if m == "torch" or m.startswith("torch.")]:
        monkeypatch.setitem(sys.modules, name, None)  # any `import torch` now fails
    layer = keras.layers.LSTM(4, return_state=True)
    assert len(expected_shapes(layer, (2, 5, 3))) == 3


def test_import_does_not_load_frameworks() -> None:
    code = (
        "import sys, lstm_notes\n"
        "loaded = {'torch', 'tensorflow', 'keras'} & set(sys.modules)\n"
        "assert not loaded, loaded"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
