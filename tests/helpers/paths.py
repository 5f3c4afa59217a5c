"""Where the tests find things: the repository, the test data fixtures and the real data folder.

The real data folder is ``TRIPWIRE_DATA`` when set, else ``../shared/data`` beside the repository;
tests that need it skip when it is absent.
"""

from __future__ import annotations

import os
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
TESTS = REPO / "tests"
FIXTURES = TESTS / "fixtures"
DATA = Path(os.environ.get("TRIPWIRE_DATA") or REPO.parent / "shared" / "data").resolve()


def link_shared_data(folder: Path) -> bool:
    """Lay out ``folder`` like the parent of a checkout: ``folder/shared/data`` links to the real data
    (when it exists), so that examples naming ``../shared/data`` run from ``folder/<anything>``.
    Returns whether the data is there."""
    if not DATA.is_dir():
        return False
    (folder / "shared").mkdir(exist_ok=True)
    (folder / "shared" / "data").symlink_to(DATA)
    return True
