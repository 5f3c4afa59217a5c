"""``tripwire sweep`` and ``tripwire show`` end to end, on a running cluster (``--scheduler``), a
scheduler file, and batch-cluster files built into real dask-jobqueue clusters (no jobs submitted)."""

import json
import re
import shutil

import pytest
import yaml

import tripwire
from tests.helpers.paths import REPO
from tests.helpers.sweep_checks import assert_matches_simulate
from tests.helpers.worlds import small_world
from tripwire.cli import main
from tripwire.errors import SweepError
from tripwire.sweep.clusters import jobqueue_cluster
from tripwire.sweep.reader import open_sweep

TRIALS = 3_000
SEED = 77
GRID = {
    "escalation.deterrence": [0.0, 2.0],
    "treaty.CE entente.active": [True, False],
    "state.A.capability": [0.1, 0.5],
}


@pytest.fixture(scope="module")
def address(cluster):
    return cluster.scheduler_address


@pytest.fixture
def sweep_file(tmp_path):
    spec = {
        "name": "cli",
        "description": "three paths on the small world",
        "world": small_world(),
        "design": "grid",
        "params": GRID,
        "trials": TRIALS,
        "seed": SEED,
        "points_per_task": 3,
    }
    path = tmp_path / "cli.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False))
    return path


def run(capsys, *argv):
    """Run the command line; errors come back with their line wrapping undone."""
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, " ".join(err.split())


def test_sweep_then_show_end_to_end(tmp_path, capsys, address, sweep_file):
    store = tmp_path / "out.zarr"
    code, out, err = run(capsys, "sweep", sweep_file, "--out", store, "--scheduler", address, "--log")
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0] == (
        "sweep 'cli' on small: grid design, 8 points [escalation.deterrence (2) x treaty.CE entente.active (2) "
        f"x state.A.capability (2)] x {TRIALS:,} trials, seed {SEED}"
    )
    assert f"connected to {address}: 2 worker(s)" in out
    assert (
        f"store {store}: 4 task(s) of up to 1x1x2 points; 4 to run" in out
    )  # 3 points per task: whole rows of 2
    progress = [line for line in lines if line.startswith("cli points: ")]
    assert progress and progress[-1] == "cli points: 8/8 (100%)"  # plain lines, one per step
    summary = next(line for line in lines if line.startswith("cli: 8 points"))
    m = re.fullmatch(
        r"cli: 8 points \(8 computed now, 0 done before\); ([\d,]+) trials in ([\d.]+) s"
        r"(?: \(after \d+ s waiting for workers\))?: ([\d,]+) trials/s; wall time ([\d.]+) s",
        summary,
    )
    assert m and int(m.group(1).replace(",", "")) == 8 * TRIALS
    assert f"wrote {store}" in out

    ds = open_sweep(store)
    world = tripwire.World.model_validate(small_world())
    assert assert_matches_simulate(ds, world, trials=TRIALS, seed=SEED) == 8

    code, out, err = run(capsys, "show", store)
    assert code == 0, err
    rows = dict(re.split(r"\s{2,}", line, maxsplit=1) for line in out.splitlines() if line[:1].strip())
    assert rows["sweep"] == "'cli': three paths on the small world"
    assert rows["world"].startswith(f"small (hash {world.hash[:12]}), engine tripwire {tripwire.__version__}")
    assert (
        rows["design"]
        == "grid: 8 points over escalation.deterrence (2) x treaty.CE entente.active (2) x state.A.capability (2)"
    )
    assert rows["params"] == "escalation.deterrence: 0, 2"
    assert "treaty.CE entente.active: true, false" in out and "state.A.capability: 0.1, 0.5" in out
    assert rows["trials"].startswith(f"{TRIALS:,} per point, seed {SEED}")
    # done marks are not data: show says so, and points to verify
    assert rows["done"] == (
        f"8/8 points (100%), 4/4 tasks; done marks: complete; run `tripwire verify {store}` to check data"
    )
    assert "lock" not in rows  # released when the sweep ended
    lo, hi = map(float, re.findall(r"[\d.]+", rows["P(>= war)"])[:2])
    p = ds.p_exceed.sel(level="war").values
    assert lo == pytest.approx(p.min(), abs=1e-4) and hi == pytest.approx(p.max(), abs=1e-4)


def test_resume_refuse_and_fresh(tmp_path, capsys, address, sweep_file):
    store = tmp_path / "r.zarr"
    assert run(capsys, "sweep", sweep_file, "--out", store, "--scheduler", address, "--log")[0] == 0
    code, out, _ = run(capsys, "sweep", sweep_file, "--out", store, "--scheduler", address)
    assert code == 0
    assert "resuming" in out and "8/8 points done" in out and "nothing to do" in out

    code, out, err = run(
        capsys, "sweep", sweep_file, "--out", store, "--scheduler", address, "--trials", 4000, "--seed", 1
    )
    assert code == 2
    assert "was made by a different sweep, so it cannot be resumed" in err
    assert "seed: the store has 77, this sweep 1" in err
    assert "trials per point: the store has 3000, this sweep 4000" in err
    assert "--fresh" in err

    code, out, err = run(
        capsys,
        "sweep",
        sweep_file,
        "--out",
        store,
        "--scheduler",
        address,
        "--trials",
        4000,
        "--fresh",
        "--log",
    )
    assert code == 0, err
    assert "overwriting" in out
    code, out, _ = run(capsys, "show", store)
    assert "4,000 per point, seed 77" in out


def test_resume_after_a_partial_store(tmp_path, capsys, address, sweep_file):
    import zarr

    store = tmp_path / "p.zarr"
    assert run(capsys, "sweep", sweep_file, "--out", store, "--scheduler", address, "--log")[0] == 0
    reference = open_sweep(store).load()
    zarr.open_array(store / "done", mode="r+")[1, :, :] = False  # as if the run had stopped early
    code, out, _ = run(capsys, "show", store)
    assert "4/8 points (50%)" in out and "incomplete: rerun the sweep to resume it" in out
    code, out, err = run(capsys, "sweep", sweep_file, "--out", store, "--scheduler", address, "--log")
    assert code == 0, err
    assert "resuming" in out and "4/8 points done" in out
    assert "cli points: 4/8 (50%)" in out  # the count starts from the points already done
    assert "(4 computed now, 4 done before)" in out
    assert open_sweep(store).load().identical(reference)


def test_scheduler_file(tmp_path, capsys, address, sweep_file):
    path = tmp_path / "scheduler.json"  # as `dask scheduler --scheduler-file` writes it
    path.write_text(json.dumps({"type": "Scheduler", "address": address}))
    code, out, err = run(
        capsys, "sweep", sweep_file, "--out", tmp_path / "f.zarr", "--scheduler-file", path, "--log"
    )
    assert code == 0, err
    assert f"scheduler file {path}" in out


def test_bad_sweep_file_on_the_command_line(tmp_path, capsys, sweep_file):
    spec = yaml.safe_load(sweep_file.read_text())
    spec["params"] = {"treaty.CE entente.realiability": [0.1, 0.2]}
    sweep_file.write_text(yaml.safe_dump(spec))
    code, out, err = run(capsys, "sweep", sweep_file, "--out", tmp_path / "x.zarr")
    assert code == 2
    assert "unknown parameter path 'treaty.CE entente.realiability'" in err
    assert "did you mean 'treaty.CE entente.reliability'?" in err
    assert not (tmp_path / "x.zarr").exists()  # nothing started, nothing written


@pytest.mark.parametrize(
    "argv, fragment",
    [
        (
            ["--scheduler", "tcp://127.0.0.1:1", "--workers", "2"],
            "--workers and --threads-per-worker size a local cluster",
        ),
        (
            ["--scheduler", "tcp://127.0.0.1:1", "--cluster", "slurm"],
            "--scheduler and --cluster each choose the cluster",
        ),
        (["--cluster", "pbs"], "--cluster pbs needs --cluster-config FILE"),
    ],
)
def test_cluster_option_errors(tmp_path, capsys, sweep_file, argv, fragment):
    code, _, err = run(capsys, "sweep", sweep_file, "--out", tmp_path / "x.zarr", *argv)
    assert code == 2 and fragment in err


def test_store_must_be_a_zarr_folder(tmp_path, capsys, sweep_file):
    with pytest.raises(SystemExit) as exit_:
        main(["sweep", str(sweep_file), "--out", str(tmp_path / "out.nc")])
    assert exit_.value.code == 2
    assert "a sweep store is a zarr folder ending in .zarr, saw" in capsys.readouterr().err


def test_show_errors(tmp_path, capsys):
    code, _, err = run(capsys, "show", tmp_path / "missing.zarr")
    assert code == 2 and "no result or sweep store at" in err
    single = tmp_path / "single.zarr"
    tripwire.io.results.write_dataset(tripwire.simulate(small_world(), 100), single)
    code, out, _ = run(capsys, "show", single)  # a run result is printed, not taken for a sweep store
    assert code == 0 and "final level ≥" in out and "done " not in out


@pytest.mark.parametrize(
    "kind, lines",
    [
        (
            "slurm",
            [
                "#SBATCH -J tripwire",
                "#SBATCH -p compute",
                "#SBATCH -A my_project",
                "#SBATCH --cpus-per-task=32",
                "#SBATCH -t 04:00:00",
                "#SBATCH --exclusive",
                "set -e\nmodule load python\n",
                '~/venvs/tripwire/bin/python -c "import tripwire" || {',
                "~/venvs/tripwire/bin/python -m distributed.cli.dask_worker",
                "--nthreads 4",
                "--nworkers 8",
            ],
        ),
        (
            "pbs",
            [
                "#PBS -q workq",
                "#PBS -l select=1:ncpus=24:mem=96GB",
                "#PBS -l walltime=02:00:00",
                "set -e\nmodule load python\n",
                "~/venvs/tripwire/bin/python -m distributed.cli.dask_worker",
                "--nthreads 4",
                "--nworkers 6",
            ],
        ),
    ],
)
def test_bundled_cluster_files_build_jobqueue_clusters(tmp_path, monkeypatch, kind, lines):
    monkeypatch.chdir(tmp_path)  # the cluster makes its log folder here
    cluster, spec = jobqueue_cluster(kind, REPO / "configs" / "cluster" / f"{kind}.yaml")
    with cluster:
        script = cluster.job_script()
        assert len(cluster.workers) == 0  # built, nothing submitted
    for line in lines:
        assert line in script, (line, script)
    # the bundled files adapt (jobs that end are replaced); the hint sizes chunks for the most jobs
    assert spec.adapt is not None and spec.jobs is None
    assert spec.workers_hint == (8 * 8 if kind == "slurm" else 8 * 6)


def test_bad_cluster_files(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "c.yaml"
    path.write_text(yaml.safe_dump({"cluster": {"cores": 4, "memory": "8GB", "cpus": 3}, "jobs": 1}))
    with pytest.raises(SweepError, match="SLURMCluster rejected the options: .*cpus"):
        jobqueue_cluster("slurm", path)
    path.write_text(yaml.safe_dump({"cluster": {"cores": 4, "memory": "8GB"}, "job": 2}))
    with pytest.raises(SweepError, match="unknown key 'job' \\(did you mean 'jobs'\\?\\)"):
        jobqueue_cluster("pbs", path)
    path.write_text(
        yaml.safe_dump({"cluster": {"cores": 4, "memory": "8GB"}, "jobs": 2, "adapt": {"maximum_jobs": 3}})
    )
    with pytest.raises(SweepError, match="give either jobs .* or adapt .*, not both"):
        jobqueue_cluster("pbs", path)


@pytest.mark.skipif(shutil.which("sbatch") is not None, reason="a real SLURM is here")
def test_cluster_without_the_batch_system_fails_before_submitting(tmp_path, capsys, monkeypatch, sweep_file):
    monkeypatch.chdir(tmp_path)
    config = tmp_path / "slurm.yaml"
    config.write_text(json.dumps({"cluster": {"cores": 2, "memory": "4GB"}, "jobs": 1}))
    code, _, err = run(
        capsys,
        "sweep",
        sweep_file,
        "--out",
        tmp_path / "s.zarr",
        "--cluster",
        "slurm",
        "--cluster-config",
        config,
    )
    assert code == 2
    assert "sbatch" in err and "not found" in err


def test_a_terminal_gets_a_progress_bar(tmp_path, address, sweep_file):
    import io

    from rich.console import Console

    from tripwire.cli import build_parser

    args = build_parser().parse_args(
        ["sweep", str(sweep_file), "--out", str(tmp_path / "t.zarr"), "--scheduler", address]
    )
    out = io.StringIO()
    code = args.func(args, Console(file=out, force_terminal=True, width=120))
    text = out.getvalue()
    assert code == 0
    assert "cli points: " not in text  # a bar, not log lines
    assert "cli: 8 points (8 computed now, 0 done before)" in text and "wrote" in text
