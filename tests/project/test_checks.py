"""Counts as researchers type them: whole-number floats and ``1e6`` accepted, beyond int64 refused."""

import numpy as np
import pytest

import tripwire
from tripwire._checks import MAX_INT64, check_int, parse_count
from tripwire.errors import ParamError


@pytest.mark.parametrize("value", [1e5, 100_000.0, np.float64(1e5), np.int32(100_000), 100_000])
def test_whole_number_floats_are_counts(value):
    assert check_int("trials", value, 1) == 100_000


@pytest.mark.parametrize(
    "value, message",
    [
        (2.5, r"trials must be a whole number, saw 2\.5 \(float\)"),
        (float("nan"), r"trials must be a whole number, saw nan"),
        (True, r"trials must be a whole number, saw True \(bool\)"),
        ("1e6", r"trials must be a whole number, saw '1e6' \(str\)"),
        (
            10**23,
            r"trials must be at most 2\*\*63 - 1 = 9,223,372,036,854,775,807 \(a 64-bit integer\), saw 100,000,000,000,000,000,000,000",
        ),
        (1e23, r"at most 2\*\*63 - 1 .* saw 1e\+23"),
        (0, r"trials must be >= 1, saw 0"),
    ],
)
def test_bad_counts_are_refused_with_what_was_seen(value, message):
    with pytest.raises(ParamError, match=message):
        check_int("trials", value, 1)


def test_int64_is_the_ceiling():
    assert check_int("trials", MAX_INT64, 1) == MAX_INT64
    with pytest.raises(ParamError, match="at most 2"):
        check_int("trials", MAX_INT64 + 1, 1)


@pytest.mark.parametrize(
    "text, value",
    [
        ("1000000", 10**6),
        ("1_000_000", 10**6),
        ("1,000,000", 10**6),
        ("1e6", 10**6),
        ("2.5E6", 2_500_000),
        ("1e23", 10**23),
        (" 7 ", 7),
    ],
)
def test_parse_count(text, value):
    assert parse_count(text) == value


@pytest.mark.parametrize("text", ["1.5", "1e-2", "abc", "", "1e6.5"])
def test_parse_count_refuses(text):
    with pytest.raises(ValueError, match="whole number"):
        parse_count(text)


def test_simulate_takes_1e3_trials():
    # Why: `simulate(w, 1e5)` was refused, though researchers type it all the time
    assert tripwire.simulate("july1914", 1e3, seed=2).identical(tripwire.simulate("july1914", 1000, seed=2))
    with pytest.raises(ParamError, match="at most 2"):
        tripwire.simulate("july1914", 10**23)
