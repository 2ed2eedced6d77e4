"""Fixtures and Hypothesis strategies shared by the helper tests.

``junk`` draws the arbitrary bad input of issue 17: values of the wrong type, sizes out of range,
NaN and infinities, ragged lists, strings, classes instead of instances. ``check_junk`` is what
every property test asserts: a helper given junk either returns (and the test then checks the
result against the frameworks) or raises the library's own error, never anything else.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from lstm_notes import LstmNotesError

JUNK_SETTINGS = settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
"""Few, repeatable examples: the same junk on every run, so a failure reproduces."""


class Opaque:
    """An object of no kind the helpers know, with the same repr in every process (test ids)."""

    def __repr__(self) -> str:
        return "Opaque()"


FIXED_JUNK: list[Any] = [
    None,
    True,
    False,
    -1,
    0,
    2.5,
    math.nan,
    math.inf,
    -math.inf,
    10**12,
    "",
    "batch time",
    b"bytes",
    1j,
    [],
    [[1], [1, 2]],
    [None, 1],
    {"a": 1},
    Opaque(),
    int,
    np.array(["a", "b"]),
    np.array([np.nan, 1.0]),
    np.zeros((0,)),
    np.zeros((2, 0, 3)),
    np.float64(3.0),
    np.bool_(True),
]
"""Hand-picked bad values: the parametrized bad-input tests try each one for every argument."""

junk = st.one_of(
    st.sampled_from(FIXED_JUNK),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=8),
    st.lists(st.integers(-3, 3), max_size=4),
    st.lists(st.lists(st.integers(0, 3), max_size=3), max_size=3),  # often ragged
    st.lists(st.floats(allow_nan=True, allow_infinity=True), max_size=4),
    st.dictionaries(st.text(max_size=2), st.integers(), max_size=2),
    st.tuples(st.integers(-2, 5), st.integers(-2, 5)),
)
"""Arbitrary bad input: any of the values above, or one Hypothesis draws."""


def check_junk(call: Callable[[], Any]) -> Any:
    """Run ``call``; return its result, or None if it raised the library's error.

    Any other exception fails the test (it propagates), as does a library error whose message is
    too short to name the problem.
    """
    try:
        return call()
    except LstmNotesError as error:
        assert len(str(error)) > 20, f"unhelpful message: {error!r}"
        return None


@pytest.fixture
def rng() -> np.random.Generator:
    """A NumPy generator with a fixed seed, for inputs and weights."""
    return np.random.default_rng(0)


@pytest.fixture
def seeded_torch() -> Any:
    """PyTorch with a fixed seed (for modules built inside a test)."""
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    return torch
