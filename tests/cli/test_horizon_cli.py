"""``tripwire horizon`` end to end: summary, progress, result written and read back."""

from __future__ import annotations

import subprocess
import sys

import pytest
import yaml

import tripwire
from tests.helpers.worlds import small_world
from tripwire.cli import main
from tripwire.io.results import open_result


@pytest.fixture()
def horizon_file(tmp_path):
    w = small_world()
    w["states"][0]["major"] = True
    w["horizon"] = {"years": 15, "start": 2000, "lambda0": 0.5, "term": 4}
    path = tmp_path / "small.yaml"
    path.write_text(yaml.safe_dump(w))
    return path


def test_horizon_writes_a_result_equal_to_the_api(horizon_file, tmp_path, capsys):
    out = tmp_path / "h.zarr"
    argv = [
        "horizon",
        str(horizon_file),
        "--years",
        "12",
        "--trials",
        "500",
        "--seed",
        "3",
        "--out",
        str(out),
    ]
    assert main(argv) == 0
    text = capsys.readouterr().out
    assert "P(systemic war)" in text and "10 years (2010)" in text and "12 years (2012)" in text
    assert "treaties most likely to end, and how" in text and "lapse" in text
    assert "arms x (1 = start) in 2012: main rivals" in text and "q50" in text
    assert "500/500" in text  # the progress line (output is not a terminal here)
    assert "trial-years/s" in text
    expected = tripwire.horizon(horizon_file, 500, years=12, seed=3)
    assert open_result(out).identical(expected)


@pytest.mark.slow
def test_horizon_bundled_scenario_in_a_fresh_process():
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "tripwire",
            "horizon",
            "coldwar1955",
            "--years",
            "40",
            "--trials",
            "300",
            "--threads",
            "1",
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr
    assert "coldwar1955: 300 histories of 40 years" in proc.stdout
    assert "40 years (1995)" in proc.stdout and "Warsaw Pact" in proc.stdout


def test_horizon_reports_bad_input(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    w = small_world()
    w["horizon"] = {"fatigue": 0.01, "reaction": 2.0}
    bad.write_text(yaml.safe_dump(w))
    assert main(["horizon", str(bad), "--trials", "10"]) == 2
    err = capsys.readouterr().err
    assert "the arms system is unstable" in err and "eigenvalue" in err
    with pytest.raises(SystemExit):
        main(["horizon", "coldwar1955", "--trials", "0"])
    with pytest.raises(SystemExit):
        main(["horizon", "coldwar1955", "--out", "x.csv"])
