"""Paths and small helpers shared by the history tests.

``FIXTURE`` is a data folder written for the tests (``tests/fixtures/history``): six states in
1900-1901 and 1950, five ATOP alliances, six contiguity spells, four rivalries, COW major powers
and eight MID disputes with the quirks of the real files (a -9 day, two spells of one state, a
state on both sides, a dispute without a side-B originator, a level-1 dispute, an originator
outside the system, a dispute still going on in 2014).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers.paths import DATA, FIXTURES

FIXTURE = FIXTURES / "history"
MID_FIXTURE = FIXTURE / "mid5"


def real_data() -> Path:
    """The real data folder (``TRIPWIRE_DATA`` or ``../shared/data``, tests/helpers/paths.py); skips
    when absent."""
    if not (DATA / "mid5").is_dir() or not (DATA / "contiguity" / "contdir.csv").is_file():
        pytest.skip(f"real data not found at {DATA}")
    return DATA
