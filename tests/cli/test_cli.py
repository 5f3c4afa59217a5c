"""The command line end to end: run, validate, world; results written and read back."""

import subprocess
import sys

import pytest
import xarray as xr
import yaml

import tripwire
from tests.helpers.worlds import small_world
from tripwire.cli import main
from tripwire.io.results import open_result


@pytest.fixture()
def world_file(tmp_path):
    path = tmp_path / "small.yaml"
    path.write_text(yaml.safe_dump(small_world()))
    return path


@pytest.mark.parametrize("suffix", [".zarr", ".nc"])
def test_run_writes_a_result_equal_to_simulate(world_file, tmp_path, suffix, capsys):
    out = tmp_path / f"result{suffix}"
    assert main(["run", str(world_file), "--trials", "20000", "--seed", "4", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "final level" in text and "expected participants" in text and "trials/s" in text
    assert "states most likely drawn in" in text and "treaties most often called on" in text
    expected = tripwire.simulate(world_file, 20_000, seed=4)
    assert open_result(out).identical(expected)
    opened = xr.open_zarr(out) if suffix == ".zarr" else xr.open_dataset(out)
    assert int(opened.trials) == 20_000 and opened.attrs["seed"] == 4
    assert list(opened.level.values) == ["crisis", "clash", "war", "general_war"]


@pytest.mark.slow
def test_run_bundled_scenario_in_a_fresh_process(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "tripwire", "run", "july1914", "--trials", "50000", "--threads", "1"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    assert "july1914" in proc.stdout and "50,000 trials in" in proc.stdout


def test_run_rejects_bad_arguments(world_file, tmp_path, capsys):
    with pytest.raises(SystemExit) as info:
        main(["run", str(world_file), "--out", str(tmp_path / "x.csv")])
    assert info.value.code == 2
    assert "output must end in .zarr or .nc" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["run", str(world_file), "--trials", "0"])
    assert "expected a number >= 1, saw 0" in capsys.readouterr().err
    assert main(["run", "no-such-scenario"]) == 2
    assert "neither a world file nor a bundled scenario" in capsys.readouterr().err


def test_validate_reports_each_file(world_file, tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    world = small_world()
    world["treaties"][0]["members"] = ["B", "XYZ"]
    world["states"][0]["capabilty"] = 1
    bad.write_text(yaml.safe_dump(world))
    assert main(["validate", str(world_file)]) == 0
    assert "ok" in capsys.readouterr().out
    assert main(["validate", str(world_file), str(bad)]) == 1
    out = capsys.readouterr().out
    assert f"{bad}: invalid" in out
    assert "unknown key 'capabilty' (did you mean 'capability'?)" in out


def test_world_from_data_round_trips_through_run(data_dir, tmp_path, capsys):
    out = tmp_path / "w1914.yaml"
    args = [
        "world",
        "--atop-members",
        str(data_dir / "atop_v4.01_member_level.csv"),
        "--nmc",
        str(data_dir / "NMC-60-abridged.csv"),
        "--date",
        "1914-07-28",
        "--origin",
        "AUH:YUG",
        "-o",
        str(out),
    ]
    assert main(args) == 0
    assert "wrote" in capsys.readouterr().out
    world = tripwire.load_world(out)
    assert world.origins[0].label == "AUH->YUG"
    assert any(t.atopid == 1335 and t.kind == "defense" for t in world.treaties)
    result = tmp_path / "w1914.nc"
    assert main(["run", str(out), "--trials", "5000", "--out", str(result)]) == 0
    assert open_result(result).attrs["world_hash"] == world.hash


def test_world_rejects_a_bad_origin(data_dir, tmp_path, capsys):
    with pytest.raises(SystemExit):
        main(
            [
                "world",
                "--atop-members",
                "x.csv",
                "--nmc",
                "y.csv",
                "--date",
                "1914",
                "--origin",
                "AUH",
                "-o",
                "w.yaml",
            ]
        )
    assert "an origin is INITIATOR:TARGET" in capsys.readouterr().err
