"""``tripwire sweep`` on a local cluster, stopped by a signal in its own process: SIGINT (a terminal's
Ctrl-C, sent to the whole process group), SIGTERM (``kill``, a batch system) and SIGHUP (a closed
SSH session) each give one line saying what is kept, the exit code 128 + signal, no process left
behind, the lock released and a store that resumes to the same results as ``simulate``. While the
first driver runs, a second one on the same store is refused by the lock."""

import os
import signal
import socket

import pytest

import tripwire
from tests.helpers.sweep_checks import (
    assert_matches_simulate,
    points_done,
    process_group_alive,
    start_driver,
    wait_for,
    write_sweep_file,
)
from tests.helpers.worlds import small_world
from tripwire.errors import StoreLocked
from tripwire.sweep.files import load_sweep
from tripwire.sweep.lock import read_lock
from tripwire.sweep.run import run_sweep, sweep
from tripwire.sweep.verify import verify

GRID = {"escalation.deterrence": [0.0, 0.5, 1.0, 1.5, 2.0, 3.0], "state.A.capability": [0.1, 0.2, 0.3, 0.5]}
POINTS = 24
TRIALS = 500_000  # a quarter of a second or more per point: the driver is stopped mid-sweep
SEED = 5


@pytest.mark.slow
@pytest.mark.parametrize(
    "signum, to_group",
    [(signal.SIGINT, True), (signal.SIGTERM, False), (signal.SIGHUP, True)],
    ids=["SIGINT", "SIGTERM", "SIGHUP"],
)
def test_a_signal_stops_a_local_driver_cleanly(tmp_path, cluster, signum, to_group):
    from distributed import Client

    path = write_sweep_file(tmp_path / "s.yaml", GRID, trials=TRIALS, seed=SEED)
    store = tmp_path / "s.zarr"
    argv = ("sweep", path, "--out", store, "--workers", "1", "--log")
    driver = start_driver(*argv)
    try:
        wait_for(lambda: points_done(store) >= 1, 240, "a point done", proc=driver)
        if signum == signal.SIGINT:  # a second driver (this process) on the same store is refused by the lock
            with pytest.raises(StoreLocked) as refused:
                run_sweep(load_sweep(path)[0], store, worker_timeout=5)
            assert f"is in use by another driver: process {driver.pid} on {socket.gethostname()}" in str(
                refused.value
            )
            assert "Wait for it to finish" in str(refused.value) and driver.poll() is None
        if to_group:
            os.killpg(driver.pid, signum)  # as a terminal does
        else:
            os.kill(driver.pid, signum)
        _, err = driver.communicate(timeout=120)
    finally:
        if driver.poll() is None:
            os.killpg(driver.pid, signal.SIGKILL)
            driver.wait()
    assert driver.returncode == 128 + signum, err
    lines = err.strip().splitlines()
    kept = points_done(store)
    assert lines == [
        f"interrupted by {signal.Signals(signum).name}: {kept}/{POINTS} points are done and kept in {store}; "
        "run the same command again to resume"
    ], err
    assert 1 <= kept < POINTS
    wait_for(lambda: not process_group_alive(driver.pid), 10, "the driver's workers to exit")
    assert read_lock(store) is None
    assert verify(store).ok  # what is marked done is sound
    if signum != signal.SIGINT:
        return
    # the store resumes: the points not done, and the points equal simulate
    world = tripwire.World.model_validate(small_world())
    seen = []
    with Client(cluster) as client:
        ds = sweep(world, GRID, trials=TRIALS, seed=SEED, store=store, client=client, progress=seen.append)
    assert sum(seen) == POINTS - kept and bool(ds.done.all())
    some = [
        {"escalation.deterrence": 0, "state.A.capability": 0},
        {"escalation.deterrence": 5, "state.A.capability": 3},
    ]
    assert assert_matches_simulate(ds, world, trials=TRIALS, seed=SEED, only=some) == 2
