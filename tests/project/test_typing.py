"""The package's type annotations hold: ``mypy`` (configured in pyproject.toml) finds no error."""

import subprocess
import sys

import pytest

from tests.helpers.paths import REPO


@pytest.mark.slow
def test_mypy_finds_no_error():
    pytest.importorskip("mypy", reason="mypy comes with the test extra")
    done = subprocess.run(
        [sys.executable, "-m", "mypy", "--no-error-summary"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=280,
    )
    assert done.returncode == 0, done.stdout + done.stderr
