"""Tests for lstm_notes.stateful: the stream layout and the PyTorch state carrying."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from lstm_notes import (
    ArgumentError,
    StateBatchSizeError,
    StatefulRunner,
    StreamLayoutError,
    UnsupportedLayerError,
)
from lstm_notes.stateful import detach_state, language_model_batches, stateful_batches
from tests.conftest import FIXED_JUNK, JUNK_SETTINGS, check_junk, junk

# ---------------------------------------------------------------- layout


@given(
    num_steps=st.integers(1, 300),
    batch_size=st.integers(1, 9),
    seq_len=st.integers(1, 12),
)
def test_row_i_over_batches_is_one_contiguous_slice(
    num_steps: int, batch_size: int, seq_len: int
) -> None:
    stream = np.arange(num_steps)
    if num_steps < batch_size * seq_len:
        with pytest.raises(StreamLayoutError):
            stateful_batches(stream, batch_size, seq_len)
        return
    out = stateful_batches(stream, batch_size, seq_len)
    num_batches = num_steps // (batch_size * seq_len)
    assert out.shape == (num_batches, batch_size, seq_len)
    lane_len = num_batches * seq_len
    for i in range(batch_size):
        lane = np.concatenate(list(out[:, i]))  # row i of batch 0, then of batch 1, ...
        # the stream's values are their positions, so contiguity is: lane == start + 0, 1, 2, ...
        np.testing.assert_array_equal(lane, np.arange(i * lane_len, (i + 1) * lane_len))
    # only the tail that does not fill a whole batch is dropped
    assert out.size == batch_size * lane_len
    assert num_steps - out.size < batch_size * seq_len


@given(
    num_steps=st.integers(2, 300),
    batch_size=st.integers(1, 9),
    seq_len=st.integers(1, 12),
)
def test_language_model_targets_follow_their_inputs_in_the_stream(
    num_steps: int, batch_size: int, seq_len: int
) -> None:
    stream = np.arange(num_steps)
    if num_steps < batch_size * seq_len + 1:
        with pytest.raises(StreamLayoutError):
            language_model_batches(stream, batch_size, seq_len)
        return
    inputs, targets = language_model_batches(stream, batch_size, seq_len)
    np.testing.assert_array_equal(targets, inputs + 1)  # values are positions: next step is +1
    np.testing.assert_array_equal(inputs, stateful_batches(stream[:-1], batch_size, seq_len))


def test_small_layout_written_out() -> None:
    out = stateful_batches(np.arange(13), batch_size=2, seq_len=3)  # 13 = 2 * (2 * 3) + 1
    expected = [
        [[0, 1, 2], [6, 7, 8]],  # batch 0: lane 0 starts at 0, lane 1 at 6
        [[3, 4, 5], [9, 10, 11]],  # batch 1: each row continues its row of batch 0
    ]
    np.testing.assert_array_equal(out, expected)


def test_feature_axes_travel_with_their_step() -> None:
    stream = np.arange(24 * 2).reshape(24, 2)  # step t holds (2t, 2t + 1)
    out = stateful_batches(stream, batch_size=3, seq_len=4)
    assert out.shape == (2, 3, 4, 2)
    np.testing.assert_array_equal(out[1, 2, 0], stream[2 * 8 + 4])  # lane 2 starts at step 16
    np.testing.assert_array_equal(out[..., 1], out[..., 0] + 1)


def test_flattened_for_keras_fit_gives_the_same_batches_back() -> None:
    out = stateful_batches(np.arange(40), batch_size=4, seq_len=5)
    flat = out.reshape(-1, 5)  # what you pass to fit(..., batch_size=4, shuffle=False)
    for k in range(out.shape[0]):
        np.testing.assert_array_equal(flat[k * 4 : (k + 1) * 4], out[k])


def test_result_does_not_share_memory_with_the_stream() -> None:
    stream = np.arange(12)
    out = stateful_batches(stream, 2, 3)
    out[0, 0, 0] = 99
    assert stream[0] == 0


def test_language_model_targets_are_the_next_step() -> None:
    text_ids = np.array([5, 3, 8, 1, 9, 2, 7, 4, 6, 0, 11])
    inputs, targets = language_model_batches(text_ids, batch_size=2, seq_len=2)
    assert inputs.shape == targets.shape == (2, 2, 2)
    position = {int(value): index for index, value in enumerate(text_ids)}
    for x, y in zip(inputs.ravel(), targets.ravel(), strict=True):
        assert text_ids[position[int(x)] + 1] == y


def test_language_model_needs_one_step_more_than_its_inputs() -> None:
    inputs, _ = language_model_batches(np.arange(7), batch_size=2, seq_len=3)
    assert inputs.shape == (1, 2, 3)
    with pytest.raises(StreamLayoutError, match=r"at least batch_size \* seq_len \+ 1 = 7"):
        language_model_batches(np.arange(6), batch_size=2, seq_len=3)


@pytest.mark.parametrize(
    ("batch_size", "seq_len", "message"),
    [
        (0, 3, "batch_size must be at least 1, got 0"),
        (2, -1, "seq_len must be at least 1"),
        (2.0, 3, r"batch_size must be an integer, got 2\.0 \(float\)"),
        (True, 3, "got the bool True"),
        ("2", 3, r"\(str\)"),
        (None, 3, "batch_size must be an integer, got None"),
        (float("nan"), 3, "batch_size must be an integer, got nan"),
        (2, float("inf"), "seq_len must be an integer, got inf"),
        (2, 2**40, "seq_len must be at most"),
    ],
)
def test_bad_sizes_are_named(batch_size: object, seq_len: object, message: str) -> None:
    with pytest.raises(StreamLayoutError, match=message):
        stateful_batches(np.arange(100), batch_size, seq_len)  # type: ignore[arg-type]
    with pytest.raises(StreamLayoutError, match=message):
        language_model_batches(np.arange(100), batch_size, seq_len)  # type: ignore[arg-type]


def test_numpy_integer_sizes_are_accepted() -> None:
    out = stateful_batches(np.arange(12), np.int64(2), np.int32(3))
    assert out.shape == (2, 2, 3)


def test_too_short_and_scalar_streams_are_refused() -> None:
    with pytest.raises(StreamLayoutError, match=r"5 steps, fewer than one batch .* = 6"):
        stateful_batches(np.arange(5), 2, 3)
    with pytest.raises(StreamLayoutError, match="time axis"):
        stateful_batches(np.float32(1.0), 1, 1)
    with pytest.raises(StreamLayoutError, match="time axis"):
        language_model_batches(3, 1, 1)


# ---------------------------------------------------------------- PyTorch state

torch = pytest.importorskip("torch")


def _lstm(batch_first: bool = True) -> torch.nn.LSTM:
    torch.manual_seed(0)
    return torch.nn.LSTM(input_size=3, hidden_size=4, num_layers=2, batch_first=batch_first)


@pytest.mark.torch
def test_runner_carries_state_like_one_long_call() -> None:
    lstm = _lstm()
    runner = StatefulRunner(lstm)
    x = torch.randn(2, 9, 3)
    with torch.no_grad():
        pieces = [runner(x[:, t : t + 3]) for t in (0, 3, 6)]
        whole, (h, c) = lstm(x)
    torch.testing.assert_close(torch.cat(pieces, dim=1), whole)
    torch.testing.assert_close(runner.state[0], h)
    torch.testing.assert_close(runner.state[1], c)


@pytest.mark.torch
def test_runner_reset_starts_from_zeros() -> None:
    lstm = _lstm()
    runner = StatefulRunner(lstm)
    x = torch.randn(2, 4, 3)
    with torch.no_grad():
        first = runner(x)
        carried = runner(x)  # starts from the state left by the first call: different output
        runner.reset_state()
        assert runner.state is None
        fresh = runner(x)
    torch.testing.assert_close(fresh, first)
    assert not torch.allclose(carried, first)


@pytest.mark.torch
def test_runner_detaches_so_each_chunk_backpropagates_alone() -> None:
    lstm = _lstm()
    runner = StatefulRunner(lstm)
    x = torch.randn(2, 4, 3)
    for _ in range(3):  # a second backward through a freed graph would raise here
        runner(x).sum().backward()
        assert all(not part.requires_grad for part in runner.state)


@pytest.mark.torch
def test_runner_without_detach_keeps_the_graph() -> None:
    runner = StatefulRunner(_lstm(), detach=False)
    runner(torch.randn(2, 4, 3))
    assert all(part.requires_grad for part in runner.state)


@pytest.mark.torch
def test_runner_refuses_a_new_batch_size() -> None:
    runner = StatefulRunner(_lstm(batch_first=False))
    assert runner.batch_first is False
    runner(torch.randn(4, 2, 3))  # (seq_len, batch_size, input_size): batch_size 2
    with pytest.raises(
        StateBatchSizeError, match=r"batch_size 3 but the carried state has batch_size 2"
    ):
        runner(torch.randn(4, 3, 3))
    runner.reset_state()
    assert runner(torch.randn(4, 3, 3)).shape == (4, 3, 4)


@pytest.mark.torch
def test_runner_wraps_any_module_with_the_rnn_signature() -> None:
    torch.manual_seed(0)
    gru = torch.nn.GRU(input_size=3, hidden_size=4)  # batch_first=False, state is h alone
    runner = StatefulRunner(gru)
    x = torch.randn(6, 2, 3)
    with torch.no_grad():
        out = torch.cat([runner(x[:3]), runner(x[3:])], dim=0)
        torch.testing.assert_close(out, gru(x)[0])


@pytest.mark.torch
def test_detach_state_keeps_structure_and_values() -> None:
    h = torch.ones(1, 2, 3, requires_grad=True) * 3
    state = [(h, h), h]
    detached = detach_state(state)
    assert isinstance(detached, list)
    assert isinstance(detached[0], tuple)
    assert not detached[1].requires_grad
    torch.testing.assert_close(detached[0][1], h.detach())
    assert detach_state(None) is None


@pytest.mark.torch
def test_runner_checks_token_id_inputs_of_a_whole_model() -> None:
    torch.manual_seed(0)
    embedding, lstm = torch.nn.Embedding(10, 3), _lstm()

    def char_model(ids: torch.Tensor, state: object) -> tuple[torch.Tensor, object]:
        return lstm(embedding(ids), state)  # ids are (batch_size, seq_len): two axes only

    runner = StatefulRunner(char_model)
    assert runner.batch_first is True  # a plain function has no batch_first: batch comes first
    with torch.no_grad():
        assert runner(torch.zeros(1, 5, dtype=torch.long)).shape == (1, 5, 4)
        with pytest.raises(StateBatchSizeError, match="batch_size 2 but"):
            runner(torch.zeros(2, 5, dtype=torch.long))


@pytest.mark.torch
def test_runner_leaves_unbatched_calls_to_pytorch() -> None:
    lstm = torch.nn.LSTM(input_size=3, hidden_size=4)
    runner = StatefulRunner(lstm)
    with torch.no_grad():
        first = runner(torch.randn(5, 3))  # unbatched: (seq_len, input_size), state (1, 4)
        second = runner(torch.randn(2, 3))
    assert runner.state[0].shape == (1, 4)
    assert first.shape == (5, 4)
    assert second.shape == (2, 4)


# ---------------------------------------------------------------- bad input (issue 17)

BAD_STREAMS = [
    ("some text", "encode text first"),
    (b"bytes", "encode text first"),
    ([[1, 2], [3]], "no ragged rows"),
    ([1, None, 3], "must hold numbers"),
    (None, "must be an array"),
    (np.float32(1.0), "time axis"),
    ({"a": 1}, "must hold numbers"),
]


@pytest.mark.parametrize(("stream", "message"), BAD_STREAMS)
def test_bad_streams_are_named(stream: object, message: str) -> None:
    with pytest.raises(StreamLayoutError, match=message):
        stateful_batches(stream, 1, 1)
    with pytest.raises(StreamLayoutError, match=message):
        language_model_batches(stream, 1, 1)


@pytest.mark.parametrize("bad", FIXED_JUNK, ids=repr)
def test_layout_on_fixed_junk(bad: object) -> None:
    for call in (
        lambda: stateful_batches(bad, 2, 2),
        lambda: stateful_batches(np.arange(8), bad, 2),
        lambda: stateful_batches(np.arange(8), 2, bad),
        lambda: language_model_batches(bad, 1, 2),
    ):
        out = check_junk(call)
        if out is not None:  # only a valid stream can come back: check it is laid out
            assert out.shape[1:3] == (2, 2)


@JUNK_SETTINGS
@given(stream=junk, batch_size=junk, seq_len=junk)
def test_stateful_batches_on_junk(stream: object, batch_size: object, seq_len: object) -> None:
    out = check_junk(lambda: stateful_batches(stream, batch_size, seq_len))
    if out is not None:
        flat = np.asarray(stream)
        lane = out.shape[0] * out.shape[2]
        np.testing.assert_array_equal(out[:, 0].reshape(-1, *flat.shape[1:]), flat[:lane])


@pytest.mark.torch
@pytest.mark.parametrize("state", FIXED_JUNK[1:], ids=repr)  # None is a valid state
def test_detach_state_refuses_what_has_nothing_to_detach(state: object) -> None:
    if isinstance(state, (list, dict)) and not state:
        assert detach_state(state) == state  # an empty container is returned as it is
        return
    with pytest.raises(ArgumentError, match="detach_state takes a torch tensor"):
        detach_state(state)


@pytest.mark.torch
def test_detach_state_keeps_namedtuples_and_dicts() -> None:
    from collections import namedtuple

    State = namedtuple("State", ["h", "c"])
    h = torch.ones(1, 2, requires_grad=True) * 2
    detached = detach_state({"lstm": State(h, h)})
    assert type(detached["lstm"]) is State
    assert not detached["lstm"].c.requires_grad
    torch.testing.assert_close(detached["lstm"].h, h.detach())


@pytest.mark.torch
@pytest.mark.parametrize(
    ("module", "message"),
    [
        (lambda: torch.nn.Linear(3, 4), "does not take a state argument"),
        (lambda: torch.nn.LSTM, "module instance"),
        (lambda: "lstm", "module instance"),
        (lambda: None, "module instance"),
    ],
)
def test_runner_refuses_modules_without_the_rnn_signature(module: Any, message: str) -> None:
    with pytest.raises(UnsupportedLayerError, match=message):
        StatefulRunner(module())


@pytest.mark.keras
def test_runner_refuses_a_keras_layer() -> None:
    keras = pytest.importorskip("keras")
    with pytest.raises(UnsupportedLayerError, match="stateful=True"):
        StatefulRunner(keras.layers.LSTM(4))


@pytest.mark.torch
def test_runner_refuses_a_module_that_does_not_return_output_and_state() -> None:
    lstm = _lstm()

    def output_only(x: torch.Tensor, state: object) -> torch.Tensor:
        return lstm(x, state)[0]  # a tensor of 2 rows would unpack silently as (output, state)

    runner = StatefulRunner(output_only)
    with pytest.raises(UnsupportedLayerError, match=r"returns a pair.*returned Tensor"):
        runner(torch.zeros(2, 3, 3))


@pytest.mark.torch
@pytest.mark.parametrize("x", [np.zeros((2, 3, 3), np.float32), [[1.0]], None, torch.zeros(3)])
def test_runner_refuses_input_that_is_not_a_torch_sequence(x: object) -> None:
    with pytest.raises(ArgumentError, match=r"torch\.from_numpy"):
        StatefulRunner(_lstm())(x)


@pytest.mark.torch
def test_runner_options_must_be_bools() -> None:
    with pytest.raises(ArgumentError, match="detach must be True or False"):
        StatefulRunner(_lstm(), detach="no")
    with pytest.raises(ArgumentError, match="batch_first must be True or False"):
        StatefulRunner(_lstm(), batch_first=1)
