"""Tests for lstm_notes.masks: masks <-> lengths, packing, every error message, and bad input."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch.nn.utils.rnn import pad_packed_sequence

from lstm_notes import MaskError, pack_padded
from lstm_notes.masks import lengths_from_mask, mask_from_lengths
from tests.conftest import FIXED_JUNK, JUNK_SETTINGS, check_junk, junk

pytestmark = pytest.mark.torch

LENGTHS = st.lists(st.integers(min_value=0, max_value=6), min_size=1, max_size=5)
PADDING = st.sampled_from(["post", "pre"])


# --- masks and lengths -------------------------------------------------------------------------


def test_mask_from_lengths_post_and_pre() -> None:
    post = mask_from_lengths([2, 0, 3], max_len=4)
    pre = mask_from_lengths([2, 0, 3], max_len=4, padding="pre")
    assert post.dtype == np.bool_
    assert post.astype(int).tolist() == [[1, 1, 0, 0], [0, 0, 0, 0], [1, 1, 1, 0]]
    assert pre.astype(int).tolist() == [[0, 0, 1, 1], [0, 0, 0, 0], [0, 1, 1, 1]]


def test_mask_from_lengths_default_max_len_is_longest() -> None:
    assert mask_from_lengths([1, 4, 2]).shape == (3, 4)
    assert mask_from_lengths(np.array([], dtype=np.int64)).shape == (0, 0)


def test_lengths_from_mask_accepts_bools_ints_floats_and_frameworks() -> None:
    rows = [[1, 1, 0], [1, 1, 1], [0, 0, 0]]
    expected = [2, 3, 0]
    for mask in (
        rows,
        np.array(rows, dtype=bool),
        np.array(rows, dtype=np.float32),
        torch.tensor(rows, dtype=torch.bool),
    ):
        lengths = lengths_from_mask(mask)
        assert lengths.dtype == np.int64
        assert lengths.tolist() == expected


@pytest.mark.keras
def test_lengths_from_mask_accepts_tensorflow() -> None:
    tf = pytest.importorskip("tensorflow")
    mask = tf.constant([[True, False], [True, True]])
    assert lengths_from_mask(mask).tolist() == [1, 2]


def test_lengths_from_mask_pre() -> None:
    assert lengths_from_mask([[0, 0, 1], [1, 1, 1]], padding="pre").tolist() == [1, 3]


@settings(max_examples=40, deadline=None)
@given(lengths=LENGTHS, extra=st.integers(min_value=0, max_value=3), padding=PADDING)
def test_round_trip_lengths_mask_lengths(lengths: list[int], extra: int, padding: str) -> None:
    max_len = max(lengths) + extra
    mask = mask_from_lengths(lengths, max_len=max_len, padding=padding)
    assert mask.shape == (len(lengths), max_len)
    assert mask.sum(axis=1).tolist() == lengths
    assert lengths_from_mask(mask, padding=padding).tolist() == lengths


@settings(max_examples=40, deadline=None)
@given(rows=st.lists(st.lists(st.booleans(), min_size=4, max_size=4), min_size=1, max_size=4))
def test_any_mask_is_accepted_exactly_when_contiguous(rows: list[list[bool]]) -> None:
    mask = np.array(rows)
    # A row is right-padded iff it never goes False -> True, left-padded iff never True -> False.
    right = all(not (not a and b) for row in rows for a, b in itertools.pairwise(row))
    left = all(not (a and not b) for row in rows for a, b in itertools.pairwise(row))
    for padding, contiguous in (("post", right), ("pre", left)):
        if contiguous:
            lengths = lengths_from_mask(mask, padding=padding)
            assert (mask_from_lengths(lengths, 4, padding=padding) == mask).all()
        else:
            with pytest.raises(MaskError, match="is not"):
                lengths_from_mask(mask, padding=padding)


# --- error messages ----------------------------------------------------------------------------


def test_hole_in_right_padded_mask_names_the_row_and_the_fix() -> None:
    with pytest.raises(MaskError) as info:
        lengths_from_mask([[1, 1, 0], [1, 0, 1]])
    message = str(info.value)
    assert "row 1" in message
    assert "not right-padded" in message
    assert "101" in message
    assert "padding='pre'" in message


def test_left_padded_mask_read_as_post_suggests_pre() -> None:
    with pytest.raises(MaskError, match=r"row 0 .*padding='pre'"):
        lengths_from_mask([[0, 1, 1], [1, 1, 1]])


def test_right_padded_mask_read_as_pre_suggests_post() -> None:
    with pytest.raises(MaskError, match=r"row 0 .*not left-padded.*padding='post'"):
        lengths_from_mask([[1, 1, 0]], padding="pre")


def test_mask_must_be_two_dimensional() -> None:
    with pytest.raises(MaskError, match=r"shape \(batch_size, seq_len\), got shape \(2, 3, 1\)"):
        lengths_from_mask(np.ones((2, 3, 1)))


def test_mask_values_must_be_zero_or_one() -> None:
    with pytest.raises(MaskError, match="found the value 2"):
        lengths_from_mask([[1, 2]])


def test_unknown_padding() -> None:
    with pytest.raises(MaskError, match=r"padding must be one of 'post', 'pre'; got 'left'"):
        mask_from_lengths([1], padding="left")  # type: ignore[arg-type]


def test_length_longer_than_max_len() -> None:
    with pytest.raises(MaskError, match="row 1 has length 5, longer than max_len=4"):
        mask_from_lengths([2, 5], max_len=4)


def test_negative_and_fractional_lengths() -> None:
    with pytest.raises(MaskError, match="must not be negative, row 1 has length -1"):
        mask_from_lengths([2, -1])
    with pytest.raises(MaskError, match="whole numbers"):
        mask_from_lengths([1.5])
    with pytest.raises(MaskError, match="1-D"):
        mask_from_lengths([[1, 2]])


# --- packing -----------------------------------------------------------------------------------


def _padded(lengths: list[int], seq_len: int, padding: str) -> torch.Tensor:
    """A batch whose valid entries are 1, 2, 3, ... (distinct) and whose padding is -1."""
    mask = torch.as_tensor(mask_from_lengths(lengths, seq_len, padding=padding))
    x = torch.full((len(lengths), seq_len, 1), -1.0)
    x[mask] = torch.arange(1.0, int(mask.sum()) + 1).unsqueeze(1)
    return x


@settings(max_examples=25, deadline=None)
@given(
    lengths=st.lists(st.integers(min_value=1, max_value=5), min_size=1, max_size=4),
    extra=st.integers(min_value=0, max_value=2),
    padding=PADDING,
    batch_first=st.booleans(),
    from_mask=st.booleans(),
)
def test_pack_padded_then_pad_recovers_the_valid_steps(
    lengths: list[int], extra: int, padding: str, batch_first: bool, from_mask: bool
) -> None:
    seq_len = max(lengths) + extra
    x = _padded(lengths, seq_len, padding)
    mask = mask_from_lengths(lengths, seq_len, padding=padding)
    layout_x = x if batch_first else x.transpose(0, 1)
    if from_mask:
        packed = pack_padded(layout_x, mask=mask, batch_first=batch_first, padding=padding)
    else:
        packed = pack_padded(layout_x, lengths=lengths, batch_first=batch_first, padding=padding)
    out, out_lengths = pad_packed_sequence(packed, batch_first=True, padding_value=-1.0)
    assert out_lengths.tolist() == lengths
    assert packed.batch_sizes.sum().item() == sum(lengths)
    for row, length in enumerate(lengths):
        # the valid steps come back in order, at the start of the row, whatever the padding was
        assert out[row, :length].tolist() == x[row][mask[row]].tolist()
        assert (out[row, length:] == -1).all()


def test_pack_padded_accepts_numpy_and_puts_lengths_on_the_cpu() -> None:
    x = np.zeros((3, 4, 2), dtype=np.float32)
    packed = pack_padded(x, lengths=torch.tensor([4, 1, 2]))
    assert packed.data.shape == (7, 2)
    assert packed.batch_sizes.device.type == "cpu"
    assert packed.batch_sizes.tolist() == [3, 2, 1, 1]


def test_pack_padded_same_result_from_mask_and_lengths() -> None:
    x = torch.randn(3, 5, 2)
    by_lengths = pack_padded(x, lengths=[5, 2, 3])
    by_mask = pack_padded(x, mask=mask_from_lengths([5, 2, 3], 5))
    assert torch.equal(by_lengths.data, by_mask.data)
    assert torch.equal(by_lengths.sorted_indices, by_mask.sorted_indices)


def test_pack_padded_zero_length_is_refused_with_the_reason() -> None:
    with pytest.raises(MaskError, match=r"row 1 has length 0.*rejects sequences of length 0"):
        pack_padded(torch.zeros(2, 3, 1), lengths=[3, 0])


def test_pack_padded_needs_exactly_one_of_lengths_and_mask() -> None:
    x = torch.zeros(1, 2, 1)
    with pytest.raises(MaskError, match="exactly one of lengths= or mask="):
        pack_padded(x)
    with pytest.raises(MaskError, match="exactly one of lengths= or mask="):
        pack_padded(x, lengths=[2], mask=[[1, 1]])


def test_pack_padded_shape_mismatches() -> None:
    x = torch.zeros(2, 3, 1)
    with pytest.raises(MaskError, match=r"got 3 lengths for a batch of 2 rows"):
        pack_padded(x, lengths=[1, 2, 3])
    with pytest.raises(MaskError, match=r"row 1 has length 4, longer than the time axis"):
        pack_padded(x, lengths=[1, 4])
    with pytest.raises(MaskError, match=r"mask has shape \(2, 2\).*must be .* = \(2, 3\)"):
        pack_padded(x, mask=[[1, 1], [1, 0]])
    with pytest.raises(MaskError, match=r"must be .* = \(3, 2\)"):
        pack_padded(x, mask=[[1, 1, 1], [1, 1, 0]], batch_first=False)
    with pytest.raises(MaskError, match="batch axis and a time axis"):
        pack_padded(torch.zeros(3), lengths=[1, 1, 1])


def test_pack_padded_refuses_a_mask_with_a_hole() -> None:
    with pytest.raises(MaskError, match="row 0 of the mask is not right-padded"):
        pack_padded(torch.zeros(1, 3, 1), mask=[[1, 0, 1]])


# --- bad input (issue 17) ----------------------------------------------------------------------

BAD_MASK_FROM_LENGTHS = [
    # (lengths, max_len, what the message must say)
    ([3, 1], 3.5, "max_len must be an integer"),
    ([1], True, "max_len must be an integer, got the bool"),
    ([1], 10**10, "more than"),  # refused before allocating 10 GB
    ([10**10], None, "at most"),
    ([3, float("inf")], None, "whole numbers"),
    ([3, float("nan")], None, "whole numbers"),
    ([True, False], None, "whole numbers"),
    ([[1, 2], [3]], None, "no ragged rows"),
    (None, None, "must be an array"),
    ("3", None, "must be an array"),
    ([1, None], None, "must hold numbers"),
    ([1], -1, "at least 0"),
    ([1], "4", "max_len must be an integer"),
]
BAD_LENGTHS_FROM_MASK = [
    ([[0.5, 1.0]], "found the value 0.5"),
    ([[1, None]], "must hold numbers"),
    ([[1, 1], [1]], "no ragged rows"),
    ("1100", "must be an array"),
    ([[1, float("nan")]], "found the value nan"),
    (np.ones((2, 3, 1)), r"shape \(batch_size, seq_len\)"),
    (None, "must be an array"),
]
BAD_PACK = [
    # (x, keyword arguments, what the message must say)
    (None, {"lengths": [1]}, "x must be an array"),
    (np.zeros((0, 3, 1)), {"lengths": []}, "at least one row"),
    (np.zeros((2, 0, 1)), {"lengths": [0, 0]}, "at least one row and one step"),
    (np.array([["a", "b"]]), {"lengths": [1]}, "must hold numbers"),
    (np.zeros((1, 2, 1)), {"lengths": [2], "batch_first": "yes"}, "batch_first must be True"),
    (np.zeros((1, 2, 1)), {"lengths": [2], "padding": "left"}, "padding must be one of"),
    (np.zeros((1, 2, 1)), {"mask": [[1, 0.5]]}, "found the value 0.5"),
]


@pytest.mark.parametrize(("lengths", "max_len", "message"), BAD_MASK_FROM_LENGTHS)
def test_mask_from_lengths_refuses_bad_input(
    lengths: object, max_len: object, message: str
) -> None:
    with pytest.raises(MaskError, match=message):
        mask_from_lengths(lengths, max_len=max_len)  # type: ignore[arg-type]


@pytest.mark.parametrize(("mask", "message"), BAD_LENGTHS_FROM_MASK)
def test_lengths_from_mask_refuses_bad_input(mask: object, message: str) -> None:
    with pytest.raises(MaskError, match=message):
        lengths_from_mask(mask)


@pytest.mark.parametrize(("x", "options", "message"), BAD_PACK)
def test_pack_padded_refuses_bad_input(x: object, options: dict, message: str) -> None:
    with pytest.raises(MaskError, match=message):
        pack_padded(x, **options)


def _check_mask_result(mask: np.ndarray, lengths: object) -> None:
    """A mask that was returned must be the one the lengths describe."""
    assert mask.dtype == np.bool_
    assert mask.sum(axis=1).tolist() == np.asarray(lengths).astype(np.int64).tolist()


@pytest.mark.parametrize("bad", FIXED_JUNK, ids=repr)
def test_mask_helpers_on_fixed_junk(bad: object) -> None:
    for call in (
        lambda: mask_from_lengths(bad),
        lambda: mask_from_lengths([1, 2], max_len=bad),
        lambda: mask_from_lengths([1, 2], padding=bad),
        lambda: lengths_from_mask(bad),
        lambda: lengths_from_mask([[1, 0]], padding=bad),
        lambda: pack_padded(bad, lengths=[1]),
        lambda: pack_padded(torch.zeros(1, 2, 1), lengths=bad),
        lambda: pack_padded(torch.zeros(1, 2, 1), mask=bad),
    ):
        check_junk(call)


@JUNK_SETTINGS
@given(lengths=junk, max_len=junk)
def test_mask_from_lengths_on_junk(lengths: object, max_len: object) -> None:
    mask = check_junk(lambda: mask_from_lengths(lengths, max_len=max_len))
    if mask is not None:
        _check_mask_result(mask, lengths)
        assert mask.shape[1] == (max(lengths, default=0) if max_len is None else max_len)


@JUNK_SETTINGS
@given(mask=junk)
def test_lengths_from_mask_on_junk(mask: object) -> None:
    lengths = check_junk(lambda: lengths_from_mask(mask))
    if lengths is not None:
        assert (mask_from_lengths(lengths, np.asarray(mask).shape[1]) == np.asarray(mask)).all()


@JUNK_SETTINGS
@given(x=junk, lengths=junk)
def test_pack_padded_on_junk(x: object, lengths: object) -> None:
    packed = check_junk(lambda: pack_padded(x, lengths=lengths))
    if packed is not None:
        assert pad_packed_sequence(packed, batch_first=True)[1].tolist() == list(lengths)
