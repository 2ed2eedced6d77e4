"""Tests for ``lstm_notes.port``: Keras <-> PyTorch weight porting for LSTM, GRU and SimpleRNN.

The property-based tests draw a random kind, sizes, direction count, stack depth and bias setting,
port the layer in one direction, and check that the two frameworks then compute the same function:
the whole output sequence, every final state, and the gradient of one loss with respect to the
input. The unit tests pin the layout facts that the properties rely on (transposes, gate orders,
bias fold and split) with hand-built weights, and every refusal and warning.
"""

from __future__ import annotations

import sys
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lstm_notes import (
    MissingFrameworkError,
    PortError,
    PortWarning,
    UnsupportedLayerError,
    copy_weights,
    keras_to_torch,
    to_numpy,
    torch_to_keras,
)
from tests.conftest import FIXED_JUNK, JUNK_SETTINGS, check_junk, junk

tf = pytest.importorskip("tensorflow")
keras = pytest.importorskip("keras")
torch = pytest.importorskip("torch")

pytestmark = [pytest.mark.keras, pytest.mark.torch]

TOL = {"atol": 1e-5, "rtol": 1e-5}
# Few examples (each builds real layers in both frameworks), the same ones on every run so that a CI
# failure reproduces locally; no example database is written.
PROPERTY = settings(
    max_examples=12,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
KERAS_CLASS = {"LSTM": "LSTM", "GRU": "GRU", "RNN": "SimpleRNN"}
TORCH_CLASS = {"LSTM": "LSTM", "GRU": "GRU", "RNN": "RNN"}


@dataclass(frozen=True)
class Config:
    """One random recurrent layer (or stack) and the input it is run on."""

    kind: str
    input_size: int
    hidden_size: int
    num_layers: int
    bidirectional: bool
    bias: bool
    nonlinearity: str
    batch_size: int
    seq_len: int
    seed: int

    @property
    def directions(self) -> int:
        return 2 if self.bidirectional else 1


configs = st.builds(
    Config,
    kind=st.sampled_from(["LSTM", "GRU", "RNN"]),
    input_size=st.integers(1, 5),
    hidden_size=st.integers(1, 6),
    num_layers=st.integers(1, 3),
    bidirectional=st.booleans(),
    bias=st.booleans(),
    nonlinearity=st.sampled_from(["tanh", "relu"]),
    batch_size=st.integers(1, 3),
    seq_len=st.integers(1, 6),
    seed=st.integers(0, 2**16),
)


# ----------------------------------------------------------------------------- builders


def keras_layer(kind: str, hidden_size: int, **options: Any) -> Any:
    """A Keras recurrent layer returning the whole sequence and its final states."""
    options = {"return_sequences": True, "return_state": True, **options}
    return getattr(keras.layers, KERAS_CLASS[kind])(hidden_size, **options)


def keras_stack(cfg: Config) -> list[Any]:
    """Built Keras layers for ``cfg`` with random weights (biases included)."""
    rng = np.random.default_rng(cfg.seed)
    options = {"activation": cfg.nonlinearity} if cfg.kind == "RNN" else {}
    layers, size = [], cfg.input_size
    for _ in range(cfg.num_layers):
        layer = keras_layer(cfg.kind, cfg.hidden_size, use_bias=cfg.bias, **options)
        if cfg.bidirectional:
            layer = keras.layers.Bidirectional(layer)
        layer.build((None, None, size))
        layer.set_weights(
            [rng.uniform(-0.5, 0.5, w.shape).astype("float32") for w in layer.weights]
        )
        layers.append(layer)
        size = cfg.hidden_size * cfg.directions
    return layers


def torch_module(cfg: Config, batch_first: bool = True) -> Any:
    """A PyTorch module for ``cfg`` with random weights (two different biases)."""
    torch.manual_seed(cfg.seed)
    options = {"nonlinearity": cfg.nonlinearity} if cfg.kind == "RNN" else {}
    module = getattr(torch.nn, TORCH_CLASS[cfg.kind])(
        cfg.input_size,
        cfg.hidden_size,
        num_layers=cfg.num_layers,
        bias=cfg.bias,
        batch_first=batch_first,
        bidirectional=cfg.bidirectional,
        **options,
    )
    with torch.no_grad():
        for parameter in module.parameters():
            parameter.uniform_(-0.5, 0.5)
    return module


def as_list(layers: Any) -> list[Any]:
    return layers if isinstance(layers, list) else [layers]


# ----------------------------------------------------------------------------- runners


def run_keras(layers: list[Any], x: Any, kind: str) -> tuple[Any, Any, Any]:
    """Chain the layers; return the output and the final states stacked like PyTorch's h_n, c_n."""
    per_direction = 2 if kind == "LSTM" else 1
    hs, cs = [], []
    for layer in layers:
        x, *states = layer(x)
        for start in range(0, len(states), per_direction):
            hs.append(states[start])
            cs += states[start + 1 : start + per_direction]
    return x, keras.ops.stack(hs), keras.ops.stack(cs) if cs else None


def run_torch(module: Any, x: Any, kind: str) -> tuple[Any, Any, Any]:
    if not module.batch_first:
        output, states = module(x.transpose(0, 1))
        output = output.transpose(0, 1)
    else:
        output, states = module(x)
    return (output, *states) if kind == "LSTM" else (output, states, None)


def assert_same_function(layers: list[Any], module: Any, cfg: Config) -> None:
    """Outputs, final states and d(loss)/d(input) agree between the Keras layers and the module."""
    rng = np.random.default_rng(cfg.seed + 1)
    x = rng.normal(size=(cfg.batch_size, cfg.seq_len, cfg.input_size)).astype("float32")

    def keras_loss(x_in: Any) -> tuple[Any, tuple[Any, Any, Any]]:
        results = run_keras(layers, x_in, cfg.kind)
        probes = zip(results, _probes(cfg), strict=True)
        return sum(
            keras.ops.sum(keras.ops.multiply(r, p)) for r, p in probes if r is not None
        ), results

    keras_results, keras_grad = keras_value_and_grad(keras_loss, x)

    x_torch = torch.tensor(x, requires_grad=True)
    torch_results = run_torch(module, x_torch, cfg.kind)
    torch_loss = sum(
        (r * torch.from_numpy(p)).sum()
        for r, p in zip(torch_results, _probes(cfg), strict=True)
        if r is not None
    )
    torch_loss.backward()

    names = ["output", "h_n", "c_n"]
    for name, k, t in zip(names, keras_results, torch_results, strict=True):
        if t is None:
            assert k is None, name
            continue
        np.testing.assert_allclose(to_numpy(k), t.detach().numpy(), **TOL, err_msg=name)
    np.testing.assert_allclose(to_numpy(keras_grad), x_torch.grad.numpy(), **TOL)


def keras_value_and_grad(loss: Any, x: np.ndarray) -> tuple[Any, Any]:
    """``loss(x)``'s results and its gradient with respect to ``x``, on the active backend.

    ``loss`` returns ``(scalar, results)``; the gradient is taken with the backend's own autodiff
    (a GradientTape, jax.grad, or torch.autograd), since Keras 3 has no backend-neutral one.
    """
    backend = keras.backend.backend()
    if backend == "tensorflow":
        x_tf = tf.constant(x)
        with tf.GradientTape() as tape:
            tape.watch(x_tf)
            value, results = loss(x_tf)
        return results, tape.gradient(value, x_tf)
    if backend == "jax":
        import jax

        (_, results), grad = jax.value_and_grad(loss, has_aux=True)(jax.numpy.asarray(x))
        return results, grad
    if backend == "torch":
        x_torch = torch.tensor(x, requires_grad=True)
        value, results = loss(x_torch)
        return results, torch.autograd.grad(value, x_torch)[0]
    pytest.skip(f"no gradient for the {backend} backend in this test")


def _probes(cfg: Config) -> list[np.ndarray]:
    """Fixed random weights for the loss sum(output * p0) + sum(h_n * p1) (+ sum(c_n * p2))."""
    rng = np.random.default_rng(cfg.seed + 2)
    width = cfg.hidden_size * cfg.directions
    states = (cfg.num_layers * cfg.directions, cfg.batch_size, cfg.hidden_size)
    shapes = [(cfg.batch_size, cfg.seq_len, width), states, states]
    return [rng.normal(size=shape).astype("float32") for shape in shapes]


# ----------------------------------------------------------------------------- properties


@PROPERTY
@given(cfg=configs)
def test_keras_to_torch_computes_the_same_function(cfg: Config) -> None:
    layers = keras_stack(cfg)
    module = keras_to_torch(layers if cfg.num_layers > 1 else layers[0])
    assert module.num_layers == cfg.num_layers
    assert module.bidirectional == cfg.bidirectional
    assert module.batch_first
    assert not module.training
    assert_same_function(layers, module, cfg)


@PROPERTY
@given(cfg=configs, batch_first=st.booleans())
def test_torch_to_keras_computes_the_same_function(cfg: Config, batch_first: bool) -> None:
    module = torch_module(cfg, batch_first=batch_first)
    layers = torch_to_keras(module)
    assert isinstance(layers, list) == (cfg.num_layers > 1)
    assert_same_function(as_list(layers), module, cfg)


@PROPERTY
@given(cfg=configs)
def test_keras_torch_keras_round_trip_gives_identical_weights(cfg: Config) -> None:
    layers = keras_stack(cfg)
    back = as_list(torch_to_keras(keras_to_torch(layers)))
    assert len(back) == len(layers)
    for original, returned in zip(layers, back, strict=True):
        before, after = original.get_weights(), returned.get_weights()
        assert [w.shape for w in before] == [w.shape for w in after]
        for a, b in zip(before, after, strict=True):
            np.testing.assert_array_equal(a, b)


@PROPERTY
@given(cfg=configs)
def test_torch_keras_torch_round_trip_folds_then_splits_the_biases(cfg: Config) -> None:
    module = torch_module(cfg)
    back = keras_to_torch(torch_to_keras(module))
    before, after = dict(module.named_parameters()), dict(back.named_parameters())
    assert before.keys() == after.keys()
    for name, value in before.items():
        value, returned = value.detach().numpy(), after[name].detach().numpy()
        if not name.startswith("bias") or cfg.kind == "GRU":
            np.testing.assert_array_equal(value, returned, err_msg=name)
        elif name.startswith("bias_hh"):
            np.testing.assert_array_equal(returned, np.zeros_like(value), err_msg=name)
        else:
            folded = value + before[name.replace("bias_ih", "bias_hh")].detach().numpy()
            np.testing.assert_array_equal(returned, folded, err_msg=name)


@PROPERTY
@given(cfg=configs, keras_first=st.booleans())
def test_copy_weights_into_objects_the_user_built(cfg: Config, keras_first: bool) -> None:
    layers, module = keras_stack(cfg), torch_module(cfg)
    src, dst = (layers, module) if keras_first else (module, layers)
    copy_weights(src, dst)
    assert_same_function(layers, module, cfg)


# ----------------------------------------------------------------------------- layout facts


def _built(layer: Any, input_size: int) -> Any:
    layer.build((None, None, input_size))
    return layer


def test_lstm_kernel_is_transposed_and_bias_goes_into_bias_ih() -> None:
    layer = _built(keras.layers.LSTM(2), 3)
    kernel = np.arange(3 * 8, dtype="float32").reshape(3, 8)
    recurrent = -np.arange(2 * 8, dtype="float32").reshape(2, 8)
    bias = np.arange(8, dtype="float32") + 100
    layer.set_weights([kernel, recurrent, bias])
    module = keras_to_torch(layer)
    assert module.weight_ih_l0.shape == (8, 3)
    # Same gate order (i, f, g/c, o) in both frameworks: a plain transpose.
    np.testing.assert_array_equal(module.weight_ih_l0.detach().numpy(), kernel.T)
    np.testing.assert_array_equal(module.weight_hh_l0.detach().numpy(), recurrent.T)
    np.testing.assert_array_equal(module.bias_ih_l0.detach().numpy(), bias)
    np.testing.assert_array_equal(module.bias_hh_l0.detach().numpy(), np.zeros(8))


def test_gru_gate_blocks_are_reordered_from_z_r_h_to_r_z_n() -> None:
    hidden_size = 2
    layer = _built(keras.layers.GRU(hidden_size), 3)
    # Keras blocks: z filled with 1, r with 2, h with 3 (kernel); bias rows 10/20/30 and 40/50/60.
    blocks = np.repeat(np.array([1.0, 2.0, 3.0], dtype="float32"), hidden_size)
    bias = np.stack([blocks * 10, blocks * 10 + 30]).astype("float32")
    layer.set_weights([np.tile(blocks, (3, 1)), np.tile(blocks, (hidden_size, 1)), bias])
    module = keras_to_torch(layer)
    r_z_n = np.repeat(np.array([2.0, 1.0, 3.0], dtype="float32"), hidden_size)
    np.testing.assert_array_equal(module.weight_ih_l0.detach().numpy()[:, 0], r_z_n)
    np.testing.assert_array_equal(module.weight_hh_l0.detach().numpy()[:, 0], r_z_n)
    np.testing.assert_array_equal(module.bias_ih_l0.detach().numpy(), r_z_n * 10)
    np.testing.assert_array_equal(module.bias_hh_l0.detach().numpy(), r_z_n * 10 + 30)


def test_use_bias_false_and_relu_map_to_bias_false_and_nonlinearity() -> None:
    layer = _built(keras.layers.SimpleRNN(4, activation="relu", use_bias=False), 2)
    module = keras_to_torch(layer)
    assert isinstance(module, torch.nn.RNN)
    assert module.nonlinearity == "relu"
    assert module.bias is False
    assert sorted(name for name, _ in module.named_parameters()) == ["weight_hh_l0", "weight_ih_l0"]
    back = torch_to_keras(module)
    assert back.get_config()["activation"] == "relu"
    assert back.use_bias is False


def test_torch_to_keras_single_and_bidirectional_layers() -> None:
    single = torch_to_keras(torch.nn.GRU(3, 4))
    assert isinstance(single, keras.layers.GRU)
    assert (single.return_sequences, single.return_state, single.reset_after) == (True, True, True)
    both = torch_to_keras(torch.nn.LSTM(3, 4, bidirectional=True))
    assert isinstance(both, keras.layers.Bidirectional)
    assert both.merge_mode == "concat"


def test_torch_to_keras_stack_options_make_a_sequential_model() -> None:
    torch.manual_seed(0)
    module = torch.nn.LSTM(3, 4, num_layers=3, batch_first=True).eval()
    layers = torch_to_keras(module, return_sequences=False, return_state=False)
    assert [layer.return_sequences for layer in layers] == [True, True, False]
    assert [layer.return_state for layer in layers] == [False, False, False]
    model = keras.Sequential([keras.Input(shape=(5, 3)), *layers])
    x = np.random.default_rng(0).normal(size=(2, 5, 3)).astype("float32")
    expected = module(torch.from_numpy(x))[0][:, -1].detach().numpy()
    np.testing.assert_allclose(model.predict(x, verbose=0), expected, **TOL)


def test_bidirectional_sum_warns_and_torch_output_splits_into_the_two_directions() -> None:
    layer = keras.layers.Bidirectional(keras_layer("GRU", 3), merge_mode="sum")
    layer.build((None, None, 2))
    with pytest.warns(PortWarning, match="merge_mode='sum'"):
        module = keras_to_torch(layer)
    x = np.random.default_rng(1).normal(size=(2, 4, 2)).astype("float32")
    output = module(torch.from_numpy(x))[0].detach().numpy()
    np.testing.assert_allclose(to_numpy(layer(x)[0]), output[..., :3] + output[..., 3:], **TOL)


def test_no_warning_for_a_plain_layer() -> None:
    layer = _built(keras.layers.LSTM(2), 3)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # any warning fails the test
        back = torch_to_keras(keras_to_torch(layer))
    for before, after in zip(layer.get_weights(), back.get_weights(), strict=True):
        np.testing.assert_array_equal(before, after)


def test_copy_weights_within_one_framework() -> None:
    cfg = Config("GRU", 3, 4, 2, True, True, "tanh", 2, 5, 7)
    source, target = keras_stack(cfg), keras_stack(Config(**{**cfg.__dict__, "seed": 8}))
    copy_weights(source, target)
    for a, b in zip(source, target, strict=True):
        for x, y in zip(a.get_weights(), b.get_weights(), strict=True):
            np.testing.assert_array_equal(x, y)
    module, other = torch_module(cfg), torch_module(Config(**{**cfg.__dict__, "seed": 8}))
    copy_weights(module, other)
    for (name, x), y in zip(module.named_parameters(), other.parameters(), strict=True):
        np.testing.assert_array_equal(x.detach().numpy(), y.detach().numpy(), err_msg=name)


# ----------------------------------------------------------------------------- refusals


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: keras.layers.GRU(3, reset_after=False), r"reset_after=False"),
        (lambda: keras.layers.LSTM(3, activation="relu"), r"activation='relu'"),
        (
            lambda: keras.layers.GRU(3, recurrent_activation="hard_sigmoid"),
            r"recurrent_activation='hard_sigmoid'",
        ),
        (lambda: keras.layers.SimpleRNN(3, activation="sigmoid"), r"activation='sigmoid'.*tanh"),
        (lambda: keras.layers.LSTM(3, go_backwards=True), r"go_backwards=True"),
    ],
)
def test_keras_layers_that_do_not_port_are_refused(make: Any, message: str) -> None:
    layer = _built(make(), 2)
    with pytest.raises(PortError, match=message):
        keras_to_torch(layer)


def test_unbuilt_keras_layer_is_refused() -> None:
    with pytest.raises(PortError, match=r"not built"):
        keras_to_torch(keras.layers.LSTM(3))


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: keras_to_torch(_built(keras.layers.Dense(3), 2)), r"got keras\..*Dense"),
        (lambda: keras_to_torch(keras.layers.Embedding(10, 3)), r"got keras\..*Embedding"),
        (lambda: keras_to_torch("lstm"), r"keras_to_torch takes .*got builtins\.str"),
        (lambda: keras_to_torch([]), r"got an empty list"),
        (
            lambda: keras_to_torch(torch.nn.LSTM(3, 4)),
            r"to port a PyTorch module use torch_to_keras",
        ),
        (lambda: keras_to_torch(keras.layers.LSTM), r"the class .*LSTM; pass an instance"),
        (lambda: torch_to_keras(torch.nn.Linear(3, 4)), r"Dense/Linear layers need no helper"),
        (lambda: torch_to_keras(torch.nn.LSTMCell(3, 4)), r"got torch\..*LSTMCell"),
        (lambda: torch_to_keras([]), r"torch_to_keras takes a PyTorch nn\.LSTM"),
        (lambda: torch_to_keras(keras.layers.GRU(3)), r"to port a Keras layer use keras_to_torch"),
        (
            lambda: copy_weights(torch.nn.GRU(3, 4), None),
            r"copy_weights takes .*got builtins\.None",
        ),
        (lambda: copy_weights("a", torch.nn.GRU(3, 4)), r"got builtins\.str"),
        (
            lambda: copy_weights(torch.nn.GRU(3, 4), [keras.layers.GRU(4), torch.nn.GRU(4, 4)]),
            r"a list of GRU",
        ),
    ],
)
def test_what_is_not_a_recurrent_layer_is_refused_by_type(call: Any, message: str) -> None:
    with pytest.raises(UnsupportedLayerError, match=message):
        call()


@pytest.mark.parametrize(
    ("module", "message"),
    [
        (lambda: torch.nn.LSTM(3, 4, proj_size=2), r"proj_size=2"),
    ],
)
def test_torch_modules_that_do_not_port_are_refused(module: Any, message: str) -> None:
    with pytest.raises(PortError, match=message):
        torch_to_keras(module())


def test_mismatched_sizes_name_both_shapes() -> None:
    layer = _built(keras.layers.LSTM(4), 3)
    with pytest.raises(PortError, match=r"sizes do not match") as caught:
        copy_weights(layer, torch.nn.LSTM(5, 4))
    message = str(caught.value)
    assert "input_size=3" in message and "input_size=5" in message
    assert "kernel (3, 16)" in message and "weight_ih (16, 5)" in message


def test_torch_to_torch_mismatch_does_not_talk_about_keras() -> None:
    with pytest.raises(PortError, match=r"sizes do not match") as caught:
        copy_weights(torch.nn.GRU(3, 4), torch.nn.GRU(5, 4))
    message = str(caught.value)
    assert "weight_ih (12, 3)" in message and "weight_ih (12, 5)" in message
    assert "Keras" not in message and "kernel" not in message


@pytest.mark.parametrize(
    ("dst", "message"),
    [
        (lambda: torch.nn.GRU(3, 4), r"source is LSTM.*destination is GRU"),
        (lambda: torch.nn.LSTM(3, 4, bias=False), r"bias=True.*bias=False"),
        (lambda: torch.nn.LSTM(3, 4, bidirectional=True), r"1 direction.*2 direction"),
        (lambda: torch.nn.LSTM(3, 4, num_layers=2), r"1 recurrent layer\(s\).*has 2"),
    ],
)
def test_copy_weights_refuses_a_different_configuration(dst: Any, message: str) -> None:
    with pytest.raises(PortError, match=message):
        copy_weights(_built(keras.layers.LSTM(4), 3), dst())


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: [keras_layer("LSTM", 4), keras_layer("GRU", 4)], r"layer 1.*GRU.*layer 0 is LSTM"),
        (lambda: [keras_layer("LSTM", 4), keras_layer("LSTM", 5)], r"hidden_size=5.*hidden_size=4"),
        (
            lambda: [keras_layer("LSTM", 4, return_sequences=False), keras_layer("LSTM", 4)],
            r"return_sequences=False",
        ),
        (
            lambda: [
                keras.layers.Bidirectional(keras_layer("LSTM", 4), merge_mode="sum"),
                keras.layers.Bidirectional(keras_layer("LSTM", 4)),
            ],
            r"merge_mode='sum'",
        ),
    ],
)
def test_keras_lists_that_are_not_one_torch_stack_are_refused(make: Any, message: str) -> None:
    first, *rest = make()
    # Layer 0 sees 3 features and outputs 4 (or 4 summed per direction); the others see 4.
    layers = [_built(first, 3)] + [_built(layer, 4) for layer in rest]
    with pytest.raises(PortError, match=message):
        keras_to_torch(layers)


def test_keras_stack_in_the_wrong_order_is_refused() -> None:
    first, second = _built(keras_layer("GRU", 4), 3), _built(keras_layer("GRU", 4), 4)
    with pytest.raises(PortError, match=r"layer 1 of the stack has input_size=3.*outputs 4"):
        keras_to_torch([second, first])


# ----------------------------------------------------------------------------- warnings


def test_keras_dropout_is_not_carried_and_says_so() -> None:
    layer = _built(keras.layers.LSTM(3, dropout=0.2, recurrent_dropout=0.1), 2)
    with pytest.warns(
        PortWarning, match=r"dropout=0.2, recurrent_dropout=0.1.*not carried"
    ) as seen:
        module = keras_to_torch(layer)
    assert module.dropout == 0
    assert [w.filename for w in seen] == [__file__]  # stacklevel: the warning names this line


def test_copying_into_a_keras_layer_that_keeps_its_dropout_does_not_warn() -> None:
    layer = _built(keras.layers.LSTM(3, dropout=0.2), 2)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        copy_weights(torch.nn.LSTM(2, 3), layer)
    assert layer.dropout == 0.2


def test_torch_dropout_between_layers_is_not_carried_and_says_so() -> None:
    module = torch.nn.GRU(3, 4, num_layers=2, dropout=0.3)
    with pytest.warns(
        PortWarning, match=r"dropout=0.3 between its 2 layers.*Dropout\(0.3\)"
    ) as seen:
        layers = torch_to_keras(module)
    assert [w.filename for w in seen] == [__file__]
    assert all(layer.dropout == 0 for layer in layers)


def test_stateful_keras_layer_warns() -> None:
    layer = keras.layers.SimpleRNN(3, stateful=True)
    layer.build((2, 5, 3))
    with pytest.warns(PortWarning, match=r"stateful"):
        keras_to_torch(layer)


# ----------------------------------------------------------------------------- Bidirectional


def _bidirectional(forward_backwards: bool, backward_backwards: bool, **backward: Any) -> Any:
    forward = keras_layer("LSTM", 4, go_backwards=forward_backwards)
    reverse = keras_layer(
        "LSTM", backward.pop("units", 4), go_backwards=backward_backwards, **backward
    )
    layer = keras.layers.Bidirectional(forward, backward_layer=reverse)
    return _built(layer, 3)


def _keras_and_torch_outputs(layer: Any, module: Any) -> tuple[np.ndarray, np.ndarray]:
    x = np.random.default_rng(3).normal(size=(2, 5, 3)).astype("float32")
    with torch.no_grad():
        return to_numpy(layer(x)[0]), module(torch.from_numpy(x))[0].numpy()


def test_bidirectional_with_an_explicit_backward_layer_ports_exactly() -> None:
    keras.utils.set_random_seed(2)
    layer = _bidirectional(False, True)
    keras_output, torch_output = _keras_and_torch_outputs(layer, keras_to_torch(layer))
    np.testing.assert_allclose(keras_output, torch_output, **TOL)
    module = torch.nn.LSTM(3, 4, batch_first=True, bidirectional=True)
    copy_weights(layer, module)
    np.testing.assert_allclose(*_keras_and_torch_outputs(layer, module), **TOL)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: _bidirectional(True, False), r"forward_layer\.go_backwards=True"),
        (lambda: _bidirectional(False, True, units=5), r"units 4 and 5"),
        (lambda: _bidirectional(False, True, use_bias=False), r"use_bias True and False"),
        (lambda: _bidirectional(False, True, activation="relu"), r"activation='relu'"),
    ],
)
def test_bidirectional_that_pytorch_cannot_express_is_refused(make: Any, message: str) -> None:
    layer = make()
    with pytest.raises(PortError, match=message):
        keras_to_torch(layer)
    with pytest.raises(PortError, match=message):
        copy_weights(layer, torch.nn.LSTM(3, 4, batch_first=True, bidirectional=True))


def test_swapped_go_backwards_really_computes_something_else() -> None:
    """Why the refusal above matters: ported anyway, the numbers would differ."""
    keras.utils.set_random_seed(2)
    swapped, plain = _bidirectional(True, False), _bidirectional(False, True)
    plain.set_weights(swapped.get_weights())
    keras_output, torch_output = _keras_and_torch_outputs(swapped, keras_to_torch(plain))
    assert np.abs(keras_output - torch_output).max() > 1e-3


# ----------------------------------------------------------------------------- missing frameworks


def test_torch_to_keras_without_keras_names_the_package(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "keras", None)  # `import keras` now fails
    with pytest.raises(
        MissingFrameworkError, match=r"torch_to_keras needs keras.*pip install keras"
    ):
        torch_to_keras(torch.nn.GRU(3, 4))


def test_keras_to_torch_without_torch_names_the_package(monkeypatch: pytest.MonkeyPatch) -> None:
    layer = _built(keras.layers.GRU(4), 3)
    monkeypatch.setitem(sys.modules, "torch", None)
    with pytest.raises(
        MissingFrameworkError, match=r"keras_to_torch needs torch.*pip install torch"
    ):
        keras_to_torch(layer)


# ----------------------------------------------------------------------------- bad input


@pytest.mark.parametrize("bad", FIXED_JUNK, ids=repr)
def test_porting_on_fixed_junk(bad: Any) -> None:
    for call in (
        lambda: keras_to_torch(bad),
        lambda: torch_to_keras(bad),
        lambda: copy_weights(bad, torch.nn.GRU(3, 4)),
        lambda: copy_weights(torch.nn.GRU(3, 4), bad),
        lambda: keras_to_torch([_built(keras.layers.GRU(4), 3), bad]),
    ):
        assert check_junk(call) is None


@JUNK_SETTINGS
@given(src=junk, dst=junk)
def test_copy_weights_on_junk(src: Any, dst: Any) -> None:
    assert check_junk(lambda: copy_weights(src, dst)) is None
    assert check_junk(lambda: keras_to_torch(src)) is None
