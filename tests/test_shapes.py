"""Tests for lstm_notes.shapes: assert_shape and expected_shapes against the real frameworks."""

from __future__ import annotations

import sys
import warnings
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from lstm_notes import (
    ArgumentError,
    ShapeError,
    UnsupportedLayerError,
    assert_shape,
    expected_shapes,
)
from tests.conftest import FIXED_JUNK, JUNK_SETTINGS, check_junk, junk

try:
    import keras
    import tensorflow as tf
except ImportError:  # the torch-only job deselects the Keras tests (-m "not keras")
    keras = tf = None

pytestmark = pytest.mark.torch  # torch is imported above, for every test here

KERAS_KINDS = ["LSTM", "GRU", "SimpleRNN"]
TORCH_KINDS = {"LSTM": torch.nn.LSTM, "GRU": torch.nn.GRU, "RNN": torch.nn.RNN}
WRAPPERS = ["plain", "concat", "sum", "ave", "mul", None]
GRID = settings(max_examples=30, deadline=None, derandomize=True, database=None)


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
    "make",
    [
        lambda: np.zeros((3, 5)),
        lambda: torch.zeros(3, 5),
        pytest.param(lambda: tf.zeros((3, 5)), marks=pytest.mark.keras),
        lambda: SimpleNamespace(shape=(3, 5)),
    ],
    ids=["numpy", "torch", "tensorflow", "anything-with-shape"],
)
def test_assert_shape_accepts_every_tensor_type(make: Any) -> None:
    assert assert_shape(make(), "batch hidden") == {"batch": 3, "hidden": 5}


@pytest.mark.parametrize(
    "spec", [(2, 7, 10), ("batch", 7, "hidden"), ["2", "time", "_"], (np.int64(2), 7, 10)]
)
def test_assert_shape_accepts_a_sequence_spec(spec: Any) -> None:
    bound = assert_shape(np.zeros((2, 7, 10)), spec)
    assert set(bound.values()) <= {2, 7, 10}
    with pytest.raises(ShapeError, match=r"expected shape \(.*got \(2, 7, 11\)"):
        assert_shape(np.zeros((2, 7, 11)), (2, 7, 10))


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


def test_numpy_integers_are_accepted() -> None:
    sizes = assert_shape(np.zeros((3, 5)), "batch hidden", batch=np.int64(3))
    assert sizes == {"batch": 3, "hidden": 5}
    assert type(sizes["batch"]) is int
    shape = tuple(np.array([2, 5, 3]))  # NumPy ints, as from arithmetic on shapes
    assert expected_shapes(torch.nn.GRU(3, 4), shape) == [("output", (2, 5, 4)), ("h_n", (1, 5, 4))]


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


def test_wildcard_and_unknown_axes_match_anything() -> None:
    assert assert_shape(np.zeros((2, 9)), "batch _") == {"batch": 2}
    assert assert_shape(SimpleNamespace(shape=(None, 5, 3)), "batch time 3") == {"time": 5}
    assert assert_shape(np.zeros(()), "") == {}


@pytest.mark.keras
def test_symbolic_keras_input_has_an_unknown_batch_axis() -> None:
    assert assert_shape(keras.Input(shape=(5, 3)), "batch time 3") == {"time": 5}


@pytest.mark.parametrize("spec", ["batch-size time", "-1 h", "2.5", "batch, time", "1batch"])
def test_malformed_spec_raises_argument_error(spec: str) -> None:
    with pytest.raises(ValueError, match="malformed shape spec") as info:
        assert_shape(np.zeros((1, 2)), spec)
    assert not isinstance(info.value, ShapeError)


BAD_ASSERT_SHAPE = [
    # (x, spec, known sizes, what the message must say)
    (np.zeros(2), 3, {}, "spec must be a string"),
    (np.zeros(2), None, {}, "spec must be a string"),
    (np.zeros(2), (2.5,), {}, "must be an integer, got 2.5"),
    (np.zeros(2), (True,), {}, "got the bool True"),
    (np.zeros(2), (-1,), {}, "at least 0"),
    (np.zeros(2), ("a b",), {}, "malformed shape spec"),
    (np.zeros(2), "batch", {"batch": -1}, "known size batch .* at least 0"),
    (np.zeros(2), "batch", {"batch": 2.0}, "known size batch .* must be an integer"),
    (np.zeros(2), "batch", {"batch": None}, "must be an integer, got None"),
    ([1, 2], "n", {}, r"needs an object with a \.shape"),
    (None, "n", {}, r"needs an object with a \.shape"),
    (SimpleNamespace(shape=("a",)), "n", {}, "must be an integer"),
    (SimpleNamespace(shape=5), "n", {}, "of known rank"),
]


@pytest.mark.parametrize(("x", "spec", "known", "message"), BAD_ASSERT_SHAPE)
def test_assert_shape_refuses_bad_arguments(x: Any, spec: Any, known: dict, message: str) -> None:
    with pytest.raises(ArgumentError, match=message):
        assert_shape(x, spec, **known)


@pytest.mark.parametrize("bad", FIXED_JUNK, ids=repr)
def test_assert_shape_on_fixed_junk(bad: Any) -> None:
    for call, expected in (
        (lambda: assert_shape(bad, "a"), lambda: {"a": np.shape(bad)[0]}),
        (lambda: assert_shape(np.zeros(2), bad), lambda: {}),
        (lambda: assert_shape(np.zeros(2), "a", a=bad), lambda: {"a": 2}),
    ):
        bound = check_junk(call)
        assert bound is None or bound == expected()


@JUNK_SETTINGS
@given(x=junk, spec=junk)
def test_assert_shape_on_junk(x: Any, spec: Any) -> None:
    bound = check_junk(lambda: assert_shape(x, spec))  # a failed check is a ShapeError
    if bound is not None:
        assert len(np.shape(x)) == len(spec.split() if isinstance(spec, str) else spec)


# --------------------------------------------------------------------------------------------
# expected_shapes: hand-derived cases (names and order)
# --------------------------------------------------------------------------------------------


@pytest.mark.keras
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


@pytest.mark.keras
def test_keras_bidirectional_return_state_gives_five_tensors() -> None:
    layer = keras.layers.Bidirectional(keras.layers.LSTM(4, return_state=True))
    assert expected_shapes(layer, (2, 5, 3)) == [
        ("final_output", (2, 8)),
        ("forward_final_memory_state", (2, 4)),
        ("forward_final_carry_state", (2, 4)),
        ("backward_final_memory_state", (2, 4)),
        ("backward_final_carry_state", (2, 4)),
    ]


@pytest.mark.keras
def test_keras_bidirectional_merge_none_gives_two_outputs() -> None:
    inner = keras.layers.GRU(4, return_sequences=True, return_state=True)
    layer = keras.layers.Bidirectional(inner, merge_mode=None)
    assert expected_shapes(layer, (2, 5, 3)) == [
        ("forward_whole_seq_output", (2, 5, 4)),
        ("backward_whole_seq_output", (2, 5, 4)),
        ("forward_final_state", (2, 4)),
        ("backward_final_state", (2, 4)),
    ]


def _uneven_bidirectional(merge_mode: str) -> Any:
    forward = keras.layers.LSTM(3, return_sequences=True)
    backward = keras.layers.LSTM(5, return_sequences=True, go_backwards=True)
    return keras.layers.Bidirectional(forward, backward_layer=backward, merge_mode=merge_mode)


@pytest.mark.keras
def test_keras_bidirectional_with_different_backward_units() -> None:
    layer = _uneven_bidirectional("concat")
    predicted = expected_shapes(layer, (2, 4, 6))
    assert predicted == [("whole_seq_output", (2, 4, 8))]
    assert _shapes(layer(np.zeros((2, 4, 6), "float32"))) == [predicted[0][1]]


@pytest.mark.keras
@pytest.mark.parametrize("merge_mode", ["sum", "ave", "mul"])
def test_uneven_bidirectional_that_keras_cannot_call_is_refused(merge_mode: str) -> None:
    layer = _uneven_bidirectional(merge_mode)
    with pytest.raises(Exception) as keras_error:
        layer(np.zeros((2, 4, 6), "float32"))
    assert not isinstance(keras_error.value, UnsupportedLayerError)
    with pytest.raises(UnsupportedLayerError, match="units=3 forward and units=5 backward"):
        expected_shapes(_uneven_bidirectional(merge_mode), (2, 4, 6))


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


@pytest.mark.keras
def test_go_backwards_does_not_change_shapes() -> None:
    for kind in KERAS_KINDS:
        cls = getattr(keras.layers, kind)
        forward = cls(4, return_sequences=True, return_state=True)
        backward = cls(4, return_sequences=True, return_state=True, go_backwards=True)
        assert expected_shapes(forward, (2, 5, 3)) == expected_shapes(backward, (2, 5, 3))


@pytest.mark.keras
def test_expected_shapes_does_not_run_the_keras_layer() -> None:
    layer = keras.layers.LSTM(4)
    expected_shapes(layer, (2, 5, 3))
    assert not layer.built


def test_expected_shapes_does_not_run_the_torch_module() -> None:
    module = torch.nn.LSTM(3, 4)
    calls: list[int] = []
    module.register_forward_hook(lambda *_: calls.append(1))
    expected_shapes(module, (5, 2, 3))
    assert calls == []


# --------------------------------------------------------------------------------------------
# expected_shapes against the real frameworks, over drawn configurations
# --------------------------------------------------------------------------------------------


@pytest.mark.keras
@GRID
@given(
    kind=st.sampled_from(KERAS_KINDS),
    sequences=st.booleans(),
    state=st.booleans(),
    wrapper=st.sampled_from(WRAPPERS),
    backwards=st.booleans(),
    sizes=st.tuples(*[st.integers(1, 4)] * 4),
)
def test_keras_shapes_match_keras(
    kind: str,
    sequences: bool,
    state: bool,
    wrapper: object,
    backwards: bool,
    sizes: tuple[int, int, int, int],
) -> None:
    batch, seq_len, input_size, units = sizes
    layer = getattr(keras.layers, kind)(
        units,
        return_sequences=sequences,
        return_state=state,
        # Keras' Bidirectional refuses an inner layer with go_backwards=True.
        go_backwards=backwards and wrapper == "plain",
    )
    if wrapper != "plain":
        layer = keras.layers.Bidirectional(layer, merge_mode=wrapper)
    x = np.random.default_rng(0).standard_normal((batch, seq_len, input_size)).astype("float32")
    predicted = expected_shapes(layer, x.shape)
    assert [shape for _, shape in predicted] == _shapes(layer(x))
    assert len({name for name, _ in predicted}) == len(predicted)  # names are unique


@GRID
@given(
    kind=st.sampled_from(sorted(TORCH_KINDS)),
    sizes=st.tuples(st.integers(0, 4), *[st.integers(1, 4)] * 3),
    layers=st.integers(1, 3),
    bidirectional=st.booleans(),
    batch_first=st.booleans(),
    unbatched=st.booleans(),
    proj=st.integers(0, 2),
)
def test_torch_shapes_match_torch(
    kind: str,
    sizes: tuple[int, int, int, int],
    layers: int,
    bidirectional: bool,
    batch_first: bool,
    unbatched: bool,
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
    shape = (seq_len, input_size) if unbatched else shape
    predicted = expected_shapes(module, shape)
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # oneDNN's notice about LSTM projections
        actual = _shapes(module(torch.randn(shape)))
    assert [s for _, s in predicted] == actual
    assert [n for n, _ in predicted] == (
        ["output", "h_n", "c_n"] if kind == "LSTM" else ["output", "h_n"]
    )


# --------------------------------------------------------------------------------------------
# Bad input
# --------------------------------------------------------------------------------------------

UNSUPPORTED = [
    pytest.param(lambda: keras.layers.Dense(3), id="keras-Dense", marks=pytest.mark.keras),
    pytest.param(lambda: keras.layers.LSTM, id="keras-class", marks=pytest.mark.keras),
    pytest.param(lambda: keras.Input((5, 3)), id="keras-Input", marks=pytest.mark.keras),
    pytest.param(lambda: torch.nn.Linear(3, 4), id="torch-Linear"),
    pytest.param(lambda: torch.nn.LSTMCell(3, 4), id="torch-LSTMCell"),
    pytest.param(lambda: torch.nn.LSTM, id="torch-class"),
    pytest.param(object, id="object"),
    pytest.param(lambda: None, id="None"),
    pytest.param(lambda: [torch.nn.LSTM(3, 4)], id="list"),
]


@pytest.mark.parametrize("make", UNSUPPORTED)
def test_unsupported_layer_lists_supported_ones(make: Any) -> None:
    with pytest.raises(UnsupportedLayerError, match="expected_shapes takes") as info:
        expected_shapes(make(), (2, 5, 3))
    for name in ("keras.layers.LSTM", "keras.layers.Bidirectional", "torch.nn.LSTM, GRU or RNN"):
        assert name in str(info.value)


BAD_INPUT_SHAPES = [
    # (layer, input_shape, what the message must say)
    (lambda: torch.nn.LSTM(3, 4), (1, 2, 5, 3), "got rank 4"),
    (lambda: torch.nn.LSTM(3, 4), (2, 5, 7), "expects input_size=3 features .* has 7"),
    (lambda: torch.nn.GRU(3, 4), (2, None, 3), r"input_shape\[1\] must be an integer"),
    (lambda: torch.nn.GRU(3, 4), (0, 2, 3), "seq_len=0"),  # PyTorch raises on such a call
    (lambda: torch.nn.GRU(3, 4), (0, 3), "seq_len=0"),
    (lambda: torch.nn.GRU(3, 4, batch_first=True), (2, 0, 3), "seq_len=0"),
    (lambda: torch.nn.GRU(3, 4), (2.0, 5, 3), "must be an integer, got 2.0"),
    (lambda: torch.nn.GRU(3, 4), (2, float("nan"), 3), "must be an integer, got nan"),
    (lambda: torch.nn.GRU(3, 4), (True, 5, 3), "got the bool True"),
    (lambda: torch.nn.GRU(3, 4), (2, 5, -3), "at least 0"),
    (lambda: torch.nn.GRU(3, 4), "2 5 3", "tuple of ints"),
    (lambda: torch.nn.GRU(3, 4), None, "tuple of ints"),
    (lambda: torch.nn.GRU(3, 4), 5, "tuple of ints"),
    (lambda: torch.nn.GRU(3, 4), (2, 2**40, 3), "at most"),
]
KERAS_BAD_INPUT_SHAPES = [
    (lambda: keras.layers.LSTM(4), (5, 3), r"\(batch_size, seq_len, input_size\), got rank 2"),
    (lambda: keras.layers.LSTM(4), (0, 5, 3), "batch_size=0"),  # Keras raises on such a call
    (lambda: keras.layers.LSTM(4), (2, 0, 3), "seq_len=0"),
]


@pytest.mark.parametrize(
    ("make", "input_shape", "message"),
    BAD_INPUT_SHAPES
    + [pytest.param(*case, marks=pytest.mark.keras) for case in KERAS_BAD_INPUT_SHAPES],
)
def test_bad_input_shapes_are_named(make: Any, input_shape: Any, message: str) -> None:
    with pytest.raises(ArgumentError, match=message):
        expected_shapes(make(), input_shape)


@pytest.mark.keras
def test_built_keras_layer_checks_the_features() -> None:
    built = keras.layers.GRU(4)
    built.build((None, 5, 3))
    with pytest.raises(ArgumentError, match="expects input_size=3"):
        expected_shapes(built, (2, 5, 7))


@pytest.mark.parametrize("bad", FIXED_JUNK, ids=repr)
def test_expected_shapes_on_fixed_junk(bad: Any) -> None:
    module = torch.nn.GRU(3, 4)
    assert check_junk(lambda: expected_shapes(bad, (2, 5, 3))) is None
    predicted = check_junk(lambda: expected_shapes(module, bad))
    if predicted is not None:
        assert [s for _, s in predicted] == _shapes(module(torch.zeros(bad)))


@JUNK_SETTINGS
@given(input_shape=junk)
def test_expected_shapes_on_junk(input_shape: Any) -> None:
    module = torch.nn.RNN(3, 2, batch_first=True)
    predicted = check_junk(lambda: expected_shapes(module, input_shape))
    if predicted is not None:  # the call the prediction is for must run and agree
        with torch.no_grad():
            assert [s for _, s in predicted] == _shapes(module(torch.zeros(input_shape)))


@pytest.mark.keras
def test_keras_layers_work_without_torch(monkeypatch: pytest.MonkeyPatch) -> None:
    if keras.backend.backend() == "torch":
        pytest.skip("on the torch backend Keras itself runs on torch: it cannot be unimported")
    for name in [m for m in sys.modules if m == "torch" or m.startswith("torch.")]:
        monkeypatch.setitem(sys.modules, name, None)  # any `import torch` now fails
    layer = keras.layers.LSTM(4, return_state=True)
    assert len(expected_shapes(layer, (2, 5, 3))) == 3
