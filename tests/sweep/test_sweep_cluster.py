"""``tripwire sweep --cluster slurm`` against a stand-in SLURM (tests/helpers/fake_slurm.py: ``sbatch``,
``squeue`` and ``scancel`` on ``PATH``, which dask-jobqueue and the driver call): refused jobs,
jobs that never start, jobs whose environment is broken, a job cancelled mid-sweep, SIGINT and
SIGTERM to the driver, the job script and ``--dry-run``. In ``run`` mode the stand-in runs each job
script, so the jobs' dask workers really start, with the configured Python."""

import os
import re
import signal
import subprocess
import sys
import threading
import time

import pytest
import yaml

from tests.helpers import fake_slurm
from tests.helpers.sweep_checks import (
    points_done,
    process_group_alive,
    start_driver,
    wait_for,
    write_sweep_file,
)
from tripwire.cli import main
from tripwire.sweep.lock import read_lock
from tripwire.sweep.verify import verify

GRID = {"escalation.deterrence": [0.0, 0.5, 1.0, 1.5, 2.0, 3.0], "state.A.capability": [0.1, 0.2, 0.3, 0.5]}
POINTS = 24


@pytest.fixture
def slurm(tmp_path):
    """Install the stand-in in ``run`` mode; returns (folder, env with it first on PATH)."""
    folder = tmp_path / "slurm"
    bin_dir = fake_slurm.install(folder, "run")
    env = dict(os.environ, PATH=f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    return folder, env


def set_mode(folder, mode):
    (folder / "state" / "mode").write_text(mode)


def cluster_file(tmp_path, *, python=None, prologue=None, jobs=2):
    cluster = {
        "cores": 1,
        "memory": "1GB",
        "processes": 1,
        "walltime": "00:10:00",
        "log_directory": str(tmp_path / "logs"),
        "death_timeout": 30,
        "scheduler_options": {"dashboard_address": ":0"},
    }
    if python is not None:
        cluster["python"] = str(python)
    if prologue is not None:
        cluster["job_script_prologue"] = prologue
    path = tmp_path / "slurm.yaml"
    path.write_text(yaml.safe_dump({"cluster": cluster, "jobs": jobs, "queue_check_s": 0.5}))
    return path


def recording_python(tmp_path):
    """A Python that notes each call in a file, then runs this interpreter: the job's python."""
    env = tmp_path / "env" / "bin"
    env.mkdir(parents=True)
    python = env / "python"
    python.write_text(f'#!/bin/sh\necho "$$ $*" >> {tmp_path / "python-calls"}\nexec {sys.executable} "$@"\n')
    python.chmod(0o755)
    return python


def sweep_argv(tmp_path, config, *extra, trials=500_000):
    path = write_sweep_file(tmp_path / "s.yaml", GRID, trials=trials, seed=9)
    return (
        "sweep",
        path,
        "--out",
        tmp_path / "s.zarr",
        "--cluster",
        "slurm",
        "--cluster-config",
        config,
        "--log",
        *extra,
    )


def run_with_times(proc, timeout):
    """Wait for the driver; its stdout lines with the time each arrived, and its stderr."""
    seen = []

    def read():
        for line in proc.stdout:
            seen.append((time.monotonic(), line.rstrip("\n")))

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    err = proc.stderr.read()
    proc.wait(timeout=timeout)
    reader.join(timeout=30)
    return seen, err


@pytest.mark.slow
def test_a_refused_submission_fails_at_once_with_the_schedulers_message(tmp_path, slurm):
    folder, env = slurm
    set_mode(folder, "refuse")
    driver = start_driver(*sweep_argv(tmp_path, cluster_file(tmp_path), "--worker-timeout", "10m"), env=env)
    seen, err = run_with_times(driver, 240)
    end = time.monotonic()
    assert driver.returncode == 1, err
    err = " ".join(err.split())
    assert (
        "error: the sweep stopped: the batch system refused the slurm job: sbatch: error: Batch job "
        "submission failed: Invalid account or account/partition combination specified (exit code 1)"
    ) in err
    assert (
        f"{tmp_path / 's.zarr'} holds no finished point yet; run the same command again to resume it" in err
    )
    asked = next(t for t, line in seen if line.startswith("slurm cluster: asking for 2 job(s) (kept at 2)"))
    detect = end - asked
    print(f"refused submission detected {detect:.1f} s after the jobs were asked for")
    assert detect < 60  # at once, not after the 10-minute worker timeout
    assert [c[0] for c in fake_slurm.calls(folder)] == ["sbatch", "sbatch"]


@pytest.mark.slow
def test_jobs_that_never_start_fail_after_the_worker_timeout_and_are_cancelled(tmp_path, slurm):
    folder, env = slurm
    set_mode(folder, "hold")
    argv = sweep_argv(tmp_path, cluster_file(tmp_path), "--worker-timeout", "4", "--report-every", "1")
    driver = start_driver(*argv, env=env)
    out, err = driver.communicate(timeout=240)
    assert driver.returncode == 1, err
    assert "submitted slurm job(s) 1000, 1001" in out
    # no silent waiting: a status line with the workers and jobs every --report-every
    assert re.search(
        r"^status: 0/24 points done; workers: 0 alive; jobs: 0 running, 2 pending, 0 failed; no worker for \d+ s$",
        out,
        flags=re.M,
    ), out
    err = " ".join(err.split())
    assert "error: the sweep stopped: no worker has been alive for 4 s (the --worker-timeout): " in err
    assert "jobs: 0 running, 2 pending, 0 failed; still queued: 1000, 1001 (`squeue -j ID` says why" in err
    cancelled = sorted(c[1] for c in fake_slurm.calls(folder) if c[0] == "scancel")
    assert cancelled == ["1000", "1001"] and fake_slurm.active(folder) == {}


@pytest.mark.slow
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_a_signal_to_a_cluster_driver_cancels_its_jobs(tmp_path, slurm, signum):
    folder, env = slurm
    python = recording_python(tmp_path)
    store = tmp_path / "s.zarr"
    argv = sweep_argv(
        tmp_path, cluster_file(tmp_path, python=python), trials=1_000_000
    )  # stopped long before the end
    driver = start_driver(*argv, env=env)
    try:
        wait_for(lambda: points_done(store) >= 1, 240, "a point done", proc=driver)
        driver.send_signal(signum)
        out, err = driver.communicate(timeout=120)
    finally:
        if driver.poll() is None:
            os.killpg(driver.pid, signal.SIGKILL)
            driver.wait()
    # 130, not the 0 that dask-jobqueue's own SIGINT handler gave
    assert driver.returncode == 128 + signum, err
    kept = points_done(store)
    assert err.strip().splitlines() == [
        f"interrupted by {signal.Signals(signum).name}; batch jobs cancelled: {kept}/{POINTS} points are done "
        f"and kept in {store}; run the same command again to resume"
    ]
    assert 1 <= kept < POINTS and verify(store).ok and read_lock(store) is None
    # no orphans: every job cancelled, their processes gone, the driver's own too
    submitted = sorted(p.stem.split("-")[1] for p in (folder / "state").glob("job-*.sh"))
    assert submitted == ["1000", "1001"]
    assert sorted(c[1] for c in fake_slurm.calls(folder) if c[0] == "scancel") == submitted
    assert fake_slurm.active(folder) == {}
    for pid in fake_slurm.job_pids(folder):
        wait_for(lambda pid=pid: not process_group_alive(pid), 10, f"job {pid} to end")
    wait_for(lambda: not process_group_alive(driver.pid), 10, "the driver's processes to end")
    # the jobs ran the configured Python: the check of its environment, then the workers
    script = (folder / "state" / "job-1000.sh").read_text()
    assert f"{python} -m distributed.cli.dask_worker tcp://" in script
    assert script.index("set -e") < script.index(f'{python} -c "import tripwire"')
    calls = (tmp_path / "python-calls").read_text()
    assert calls.count("-c import tripwire") == 2 and calls.count("-m distributed.cli.dask_worker") == 2


@pytest.mark.slow
def test_a_job_that_ends_is_replaced_and_the_sweep_finishes(tmp_path, slurm):
    folder, env = slurm
    store = tmp_path / "s.zarr"
    driver = start_driver(*sweep_argv(tmp_path, cluster_file(tmp_path, jobs=1)), env=env)
    try:
        wait_for(lambda: points_done(store) >= 1, 240, "a point done", proc=driver)
        subprocess.run(["scancel", "1000"], env=env, check=True)  # as walltime or preemption would
        out, err = driver.communicate(timeout=300)
    finally:
        if driver.poll() is None:
            os.killpg(driver.pid, signal.SIGKILL)
            driver.wait()
    assert driver.returncode == 0, err
    assert "warning: slurm job 1000 ended (walltime, preemption or cancelled); submitting another" in err
    assert "submitted slurm job(s) 1001" in out
    assert points_done(store) == POINTS and verify(store).ok
    assert fake_slurm.active(folder) == {}


@pytest.mark.slow
@pytest.mark.parametrize(
    "how, words",
    [
        ("prologue", "no_such_module_command: command not found"),
        ("python", "is missing or cannot import tripwire; set python in the cluster file"),
    ],
)
def test_jobs_in_a_broken_environment_stop_the_sweep_with_their_log(tmp_path, slurm, how, words):
    folder, env = slurm
    if how == "prologue":  # a failing line stops the job (set -e) instead of being ignored
        config = cluster_file(
            tmp_path, prologue=["no_such_module_command load python", "echo went on"], jobs=1
        )
    else:
        config = cluster_file(tmp_path, python=tmp_path / "no-env" / "bin" / "python", jobs=1)
    driver = start_driver(*sweep_argv(tmp_path, config, "--worker-timeout", "10m"), env=env)
    _, err = driver.communicate(timeout=240)
    assert driver.returncode == 1, err
    assert "3 slurm jobs in a row ended before their workers connected (the last: job 1002)" in err
    assert f"Its log {tmp_path / 'logs' / 'tripwire-1002.err'} ends with:" in err
    assert words in err and "went on" not in (tmp_path / "logs" / "tripwire-1002.out").read_text()
    assert [c[0] for c in fake_slurm.calls(folder)].count("sbatch") == 3


def test_dry_run_prints_the_job_script_and_the_plan(tmp_path, slurm, capsys, monkeypatch):
    folder, env = slurm
    set_mode(folder, "refuse")  # a submission would show in the calls
    monkeypatch.setenv("PATH", env["PATH"])
    monkeypatch.chdir(tmp_path)
    python = tmp_path / "env" / "bin" / "python"
    config = cluster_file(tmp_path, python=python, prologue=["module load python"])
    code = main([str(a) for a in sweep_argv(tmp_path, config, "--dry-run")])
    out = capsys.readouterr().out
    assert code == 0
    assert "dry run: nothing is written and no job is submitted" in out
    assert f"store {tmp_path / 's.zarr'}: would be created" in out
    assert (
        "chunks: 24 task(s) of up to 1x1 points (2 workers of the cluster file); about 288 chunk files" in out
    )
    assert f"slurm cluster: 2 job(s) (kept at 2) of 1 worker(s) each; jobs run {python}" in out
    script = out.split("job script:\n", 1)[1]
    assert script.startswith("#!/usr/bin/env bash") and "#SBATCH -J tripwire" in script
    assert "set -e\nmodule load python\n" in script
    assert f"{python} -m distributed.cli.dask_worker" in script
    assert not (tmp_path / "s.zarr").exists() and fake_slurm.calls(folder) == []


def test_dry_run_warns_of_many_small_chunks(tmp_path, capsys):
    big = {
        "escalation.deterrence": [i / 10 for i in range(50)],
        "policy.communication": [i / 50 for i in range(50)],
    }
    path = write_sweep_file(tmp_path / "big.yaml", big, trials=100, seed=1, points_per_task=1)
    code = main(["sweep", str(path), "--out", str(tmp_path / "b.zarr"), "--workers", "2", "--dry-run"])
    out = capsys.readouterr().out
    assert code == 0
    assert "chunks: 2,500 task(s) of up to 1x1 points (2 local workers); about 30,000 chunk files" in out
    assert "warning: that is many files; --points-per-task 2 or more keeps the store under 20,000" in out
