"""Sweeps on a real ``LocalCluster`` of worker processes: equality with ``simulate``, independence
from chunking and worker counts, a worker killed mid-sweep, and the driver killed with SIGKILL
then resumed."""

import os
import signal
import subprocess
import sys
import threading
import time

import numpy as np
import pytest
import yaml
import zarr
from distributed import Client, LocalCluster

from tests.helpers.sweep_checks import assert_matches_simulate, assert_stores_identical, count_chunks
from tests.helpers.worlds import small_world
from tripwire.crisis.results import TALLIES
from tripwire.errors import ClusterError, StoreMismatch
from tripwire.sweep.reader import open_sweep
from tripwire.sweep.run import sweep
from tripwire.sweep.store import read_done, store_problem

GRID = {
    "policy.communication": [0.0, 0.5, 0.9],
    "treaties.reliability": [0.3, 0.8],
    "treaty.AD offense.active": [True, False],
}
POINTS = 12
TRIALS = 1_500_000  # about a quarter of a second per point: long enough to interrupt a sweep, and a chunk
# finishing in the instant before a kill stays the exception
SEED = 2024


@pytest.fixture(scope="module")
def client(cluster):
    with Client(cluster) as c:
        yield c


@pytest.fixture(scope="module")
def reference(tmp_path_factory, world, client):
    """An uninterrupted sweep, one point per task."""
    store = tmp_path_factory.mktemp("reference") / "ref.zarr"
    return sweep(world, GRID, trials=TRIALS, seed=SEED, store=store, client=client, points_per_task=1).load()


def test_sweep_on_worker_processes_equals_simulate(reference, world):
    assert reference.sizes["policy.communication"] * reference.sizes["treaties.reliability"] * 2 == POINTS
    assert bool(reference.done.all()) and (reference.trials == TRIALS).all()
    assert assert_matches_simulate(reference, world, trials=TRIALS, seed=SEED) == POINTS
    # common random numbers: the points differ, and they differ only through the parameters
    p = reference.p_exceed.sel(level="war")
    assert float(p.max() - p.min()) > 0.01


def test_other_chunkings_and_worker_counts_give_identical_stores(tmp_path, reference, world, client):
    for k, options in enumerate(({"points_per_task": 5}, {"points_per_task": 12, "trial_block": 150_000})):
        ds = sweep(
            world, GRID, trials=TRIALS, seed=SEED, store=tmp_path / f"c{k}.zarr", client=client, **options
        )
        assert_stores_identical(ds, reference)
    chunk = zarr.open_array(tmp_path / "c0.zarr" / "done").chunks
    assert chunk != zarr.open_array(tmp_path / "c1.zarr" / "done").chunks
    # one worker with two kernel threads, in this process
    with (
        LocalCluster(n_workers=1, threads_per_worker=2, processes=False, dashboard_address=":0") as one,
        Client(one) as c,
    ):
        ds = sweep(
            world, GRID, trials=TRIALS, seed=SEED, store=tmp_path / "one.zarr", client=c, points_per_task=3
        )
    assert_stores_identical(ds, reference)


def wait_for(condition, timeout, what):
    t0 = time.monotonic()
    while not condition():
        if time.monotonic() - t0 > timeout:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.02)


def points_done(store):
    try:
        return int(read_done(store).sum())
    except (FileNotFoundError, KeyError, ValueError):
        return 0


def test_a_worker_killed_late_in_a_sweep_makes_no_finished_chunk_compute_again(
    tmp_path, reference, world, client
):
    pids = client.run(os.getpid)
    store = tmp_path / "killed.zarr"
    counts = count_chunks(client)
    outcome = {}

    def run():
        try:
            outcome["ds"] = sweep(
                world, GRID, trials=TRIALS, seed=SEED, store=store, client=client, points_per_task=1
            )
        except BaseException as exc:  # reported below
            outcome["error"] = exc

    thread = threading.Thread(target=run)
    thread.start()
    wait_for(lambda: points_done(store) >= POINTS // 2, 120, "half the points done")
    victim = next(iter(pids.values()))
    os.kill(victim, signal.SIGKILL)
    done_at_kill = points_done(store)
    thread.join(timeout=300)
    assert not thread.is_alive()
    assert "error" not in outcome, outcome.get("error")
    assert done_at_kill < POINTS, "the worker was killed after the sweep had finished"
    assert_stores_identical(outcome["ds"], reference)
    finished = counts()
    twice = sorted(k for k, n in finished.items() if n > 1)
    print(f"worker killed at {done_at_kill}/{POINTS} points done: {len(twice)} chunk(s) finished twice")
    assert len(finished) == POINTS
    # each chunk finished once; at most one finished in the instant before the kill, not yet
    # released by the driver, is computed again (the old driver recomputed every finished chunk
    # whose result the dead worker held)
    assert len(twice) <= 1, finished
    client.wait_for_workers(2, timeout=60)  # the nanny restarted it
    assert victim not in client.run(os.getpid).values()


def check_done_points_are_written(store, reference):
    """Read ``done``, then the data: every point marked done must hold its final tallies."""
    done = read_done(store)
    group = zarr.open_group(store, mode="r")
    for name in TALLIES:
        data = group[name][...]
        np.testing.assert_array_equal(data[done], reference[name].values[done], err_msg=name)
    return int(done.sum())


def test_the_driver_killed_with_sigkill_then_resumed(tmp_path, reference, world, client):
    spec = {
        "name": "small",  # the name sweep() gives it, so the stores compare equal
        "world": small_world(),
        "design": "grid",
        "params": GRID,
        "trials": TRIALS,
        "seed": SEED,
        "points_per_task": 1,
    }
    path = tmp_path / "sweep.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False))
    store = tmp_path / "driver.zarr"
    log = open(tmp_path / "driver.log", "w")  # noqa: SIM115 - closed below
    driver = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys; from tripwire.cli import main; sys.exit(main())",
            "sweep",
            str(path),
            "--out",
            str(store),
            "--workers",
            "2",
            "--log",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    seen = []
    try:
        t0 = time.monotonic()
        while driver.poll() is None and time.monotonic() - t0 < 180:
            if store.exists():
                seen.append(check_done_points_are_written(store, reference))
                if seen[-1] >= 3:
                    break
            time.sleep(0.02)
        assert driver.poll() is None, (
            f"the driver ended before it could be killed: {(tmp_path / 'driver.log').read_text()}"
        )
        os.kill(driver.pid, signal.SIGKILL)
        driver.wait()
        assert driver.returncode == -signal.SIGKILL
        # its workers may still write for a moment; the invariant holds all the while
        for _ in range(20):
            seen.append(check_done_points_are_written(store, reference))
            time.sleep(0.05)
    finally:
        try:
            os.killpg(driver.pid, signal.SIGKILL)  # the driver's own worker processes
        except ProcessLookupError:
            pass
        driver.wait()
        log.close()
    interrupted = check_done_points_are_written(store, reference)
    assert 3 <= interrupted < POINTS, (interrupted, seen)
    assert seen == sorted(seen)  # done only ever grows
    seen_points = []
    ds = sweep(world, GRID, trials=TRIALS, seed=SEED, store=store, client=client, progress=seen_points.append)
    assert sum(seen_points) == POINTS - interrupted  # exactly the points not done
    assert_stores_identical(ds, reference)
    assert_stores_identical(open_sweep(store), reference)


def _can_hide_folders():
    try:
        subprocess.run(["unshare", "-m", "true"], check=True, capture_output=True, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return False
    return True


@pytest.mark.slow
@pytest.mark.skipif(
    not _can_hide_folders(), reason="needs `unshare -m` (root) to hide the store from a worker"
)
def test_a_worker_that_cannot_see_the_store_says_so(tmp_path, world):
    store = tmp_path / "shared" / "s.zarr"
    with (
        LocalCluster(n_workers=0, processes=True, dashboard_address=":0") as empty,
        Client(empty) as c,
    ):
        # a worker in a mount namespace of its own, where an empty filesystem covers tmp_path: as a
        # node that does not share the driver's filesystem
        hidden = subprocess.Popen(
            [
                "unshare",
                "-m",
                "--propagation",
                "private",
                "sh",
                "-c",
                f"mount -t tmpfs none {tmp_path} && exec {sys.executable} -m distributed.cli.dask_worker "
                f"{empty.scheduler_address} --nthreads 1 --no-nanny --name hidden",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        try:
            c.wait_for_workers(1, timeout=120)
            with pytest.raises(ClusterError) as err:
                sweep(world, GRID, trials=1_000, seed=SEED, store=store, client=c, points_per_task=12)
        finally:
            os.killpg(hidden.pid, signal.SIGKILL)
            hidden.wait()
    msg = str(err.value)
    assert f"cannot see the sweep store {str(store)!r}" in msg
    assert "Is it on a shared filesystem, one that the driver and every node see at the same path" in msg
    assert read_done(store).sum() == 0  # nothing marked done; the store is there to resume elsewhere


def test_the_message_for_a_store_a_worker_cannot_see(tmp_path):
    err = store_problem(str(tmp_path / "elsewhere" / "s.zarr"), "0" * 32)
    assert isinstance(err, ClusterError) and "cannot see the sweep store" in str(err)
    (tmp_path / "other.zarr").mkdir()
    assert isinstance(store_problem(str(tmp_path / "other.zarr"), "0" * 32), StoreMismatch)
