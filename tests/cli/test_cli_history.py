"""``tripwire backtest``, ``tripwire calibrate`` and ``tripwire run --date`` end to end on the
committed fixture folder."""

from __future__ import annotations

import pytest
import xarray as xr
import yaml

from tests.helpers.history_fixtures import FIXTURE, MID_FIXTURE
from tripwire.cli import main
from tripwire.history import engine
from tripwire.world.profile import load_profile


@pytest.fixture
def profile_file(tmp_path):
    path = tmp_path / "start.yaml"
    path.write_text(
        yaml.safe_dump(
            {
                "name": "start",
                "ladder": dict(engine.LADDER),
                "triggers": dict(engine.TRIGGERS),
                "values": {p.name: p.start for p in engine.PARAMS},
            }
        )
    )
    return path


def test_backtest_prints_scores_and_base_rates(tmp_path, profile_file, capsys):
    out = tmp_path / "bt.nc"
    argv = ["backtest", str(MID_FIXTURE), "--data", str(FIXTURE), "--profile", str(profile_file)]
    assert main([*argv, "--trials", "300", "--out", str(out), "--quiet"]) == 0
    text = capsys.readouterr().out
    assert "5 disputes kept, 3 set aside" in text
    assert "Scores of 5 disputes" in text and "who_joins" in text and "AUC (logit)" in text
    assert "Base rates: model vs data" in text and "reach war" in text and "bilateral" in text
    assert "5 disputes x 300 trials" in text
    with xr.open_dataset(out) as ds:
        assert ds.sizes["dispute"] == 5 and ds.attrs["trials"] == 300 and ds.attrs["profile"] == "start"


def test_calibrate_writes_a_profile(tmp_path, profile_file, capsys):
    out = tmp_path / "fitted.yaml"
    argv = [
        "calibrate",
        str(MID_FIXTURE),
        "--data",
        str(FIXTURE),
        "--out",
        str(out),
        "--start",
        str(profile_file),
    ]
    argv += ["--params", "up.use.before_1945", "--trials", "30", "--score-trials", "30", "--fraction", "0.6"]
    assert main([*argv, "--maxiter", "2", "--every", "0"]) == 0
    text = capsys.readouterr().out
    assert "build: 3/3" in text and "fit: evaluation 1" in text and "curvature: 1/1" in text
    assert "up.use.before_1945" in text and "Held-out scores (2 disputes not fitted on)" in text
    prof = load_profile(out)
    assert prof.name == "fitted" and prof.record["fit"]["start"] == "start"
    assert prof.values["deterrence"] == 1.0  # not fitted: the start value


def test_run_builds_the_world_on_a_date(capsys):
    argv = ["run", "--date", "1900-06-01", "--origin", "USA:MEX", "--origin", "UKG,GMY:FRN"]
    assert main([*argv, "--data", str(FIXTURE), "--trials", "2000"]) == 0
    text = capsys.readouterr().out
    assert "world_1900-06-01" in text and "USA" in text and "2,000 trials" in text


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["run", "--date", "1900-06-01", "--origin", "USA:MEX"], "--date takes --data DIR"),
        (["run"], "needs a scenario"),
        (
            ["run", "--date", "1700-01-01", "--origin", "USA:MEX", "--data", str(FIXTURE)],
            "outside the ATOP data",
        ),
        (["backtest", str(FIXTURE / "none"), "--data", str(FIXTURE)], "MID folder"),
    ],
)
def test_errors_are_one_line_and_exit_2(argv, message, capsys):
    assert main(argv) == 2
    assert message in capsys.readouterr().err


def test_bad_arguments_are_refused(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["backtest", str(MID_FIXTURE), "--data", str(FIXTURE), "--out", "bt.zarr"])
    assert exc.value.code == 2 and "ending in .nc" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["run", "--date", "1900", "--origin", "USA-MEX", "--data", str(FIXTURE)])
    assert "INITIATOR:TARGET" in capsys.readouterr().err
