"""One driver per store (the lock), what killed runs leave behind, the small-chunk warning and the
worker timeout, on an in-process dask cluster (the driver killed and interrupted in its own
process is in test_sweep_signals.py)."""

import json
import logging
import os
import socket
import subprocess
import time

import pytest
import zarr
from distributed import Client, LocalCluster

from tripwire.errors import ClusterError, StoreLocked
from tripwire.sweep.lock import LOCK_NAME, LOCK_STALE_S, StoreLock, read_lock
from tripwire.sweep.plan import plan_sweep
from tripwire.sweep.run import sweep
from tripwire.sweep.store import prepare, read_done, write_template

GRID = {"policy.communication": [0.0, 0.9], "treaty.BC defense.active": [True, False]}
TRIALS = 500


def half_done(path, world, client):
    """A store of this sweep with its second row not done."""
    sweep(world, GRID, trials=TRIALS, store=path, client=client, points_per_task=2)
    zarr.open_array(path / "done", mode="r+")[1, :] = False


def write_lock(path, *, host=None, pid=None, started=None, age=0.0):
    info = {
        "host": host or socket.gethostname(),
        "pid": pid or os.getpid(),
        "started": started if started is not None else time.time() - 1,
        "token": "f" * 32,
        "command": "tripwire sweep other.yaml --out s.zarr",
    }
    (path / LOCK_NAME).write_text(json.dumps(info))
    if age:
        os.utime(path / LOCK_NAME, (time.time() - age, time.time() - age))


def dead_pid():
    proc = subprocess.Popen(["true"])
    proc.wait()
    return proc.pid


def test_a_running_driver_holds_the_lock_and_releases_it(tmp_path, world, client):
    path = tmp_path / "s.zarr"
    seen = []

    def progress(n):
        seen.append(read_lock(path))

    sweep(world, GRID, trials=TRIALS, store=path, client=client, points_per_task=1, progress=progress)
    assert seen and all(info is not None and info.pid == os.getpid() for info in seen)
    assert seen[0].host == socket.gethostname() and seen[0].alive() is True
    assert read_lock(path) is None  # released at the end


def test_a_second_driver_is_refused(tmp_path, world, client):
    path = tmp_path / "s.zarr"
    half_done(path, world, client)
    write_lock(path)  # a live process of this host: this one
    with pytest.raises(StoreLocked) as err:
        sweep(world, GRID, trials=TRIALS, store=path, client=client)
    msg = str(err.value)
    assert f"is in use by another driver: process {os.getpid()} on {socket.gethostname()}" in msg
    assert "tripwire sweep other.yaml --out s.zarr" in msg and "Wait for it to finish" in msg
    assert not read_done(path)[1].any()  # nothing ran
    # --fresh is refused too: it would pull the store from under the first driver
    with pytest.raises(StoreLocked):
        sweep(world, GRID, trials=TRIALS, store=path, client=client, resume=False)
    assert read_lock(path).token == "f" * 32  # the other driver's lock is left alone


def test_the_lock_of_a_process_gone_is_taken_over(tmp_path, world, client, caplog):
    path = tmp_path / "s.zarr"
    half_done(path, world, client)
    write_lock(path, pid=dead_pid())
    with caplog.at_level(logging.INFO, logger="tripwire.sweep"):
        ds = sweep(world, GRID, trials=TRIALS, store=path, client=client)
    assert bool(ds.done.all()) and read_lock(path) is None
    assert "took over the lock of" in caplog.text and "is no longer running" in caplog.text


def test_a_lock_from_another_host_needs_break_lock_once_stale(tmp_path, world, client):
    path = tmp_path / "s.zarr"
    half_done(path, world, client)
    write_lock(path, host="node17", pid=4242)
    with pytest.raises(StoreLocked) as err:
        sweep(world, GRID, trials=TRIALS, store=path, client=client)
    assert "process 4242 on node17" in str(err.value)
    assert "rerun with --break-lock once its lock is 10 min old" in str(err.value)
    with pytest.raises(StoreLocked, match="looks alive: --break-lock takes over only a lock not refreshed"):
        sweep(world, GRID, trials=TRIALS, store=path, client=client, break_lock=True)
    write_lock(path, host="node17", pid=4242, age=LOCK_STALE_S + 5)  # its driver stopped refreshing it
    with pytest.raises(
        StoreLocked, match="Its lock is stale: if that driver is gone, rerun with --break-lock"
    ):
        sweep(world, GRID, trials=TRIALS, store=path, client=client)
    ds = sweep(world, GRID, trials=TRIALS, store=path, client=client, break_lock=True)
    assert bool(ds.done.all()) and read_lock(path) is None


def test_the_lock_is_refreshed(tmp_path):
    path = tmp_path / "s.zarr"
    path.mkdir()
    lock = StoreLock.acquire(path)
    os.utime(path / LOCK_NAME, (time.time() - 100, time.time() - 100))
    lock.start_refreshing(every=0.05)
    time.sleep(0.3)
    assert read_lock(path).refreshed_s_ago < 5
    lock.release()
    assert not (path / LOCK_NAME).exists()


def test_two_drivers_creating_one_store(tmp_path, world):
    plan = plan_sweep(world, GRID, trials=TRIALS)
    path = tmp_path / "new.zarr"
    late = prepare(plan, path, write=False)
    late.lock = StoreLock.new(path)
    first = prepare(plan, path, write=False)  # another driver, a moment ahead
    first.lock = StoreLock.new(path)
    write_template(plan, first)
    with pytest.raises(
        StoreLocked, match=f"was created by process {os.getpid()} on .* while this sweep was starting"
    ):
        write_template(plan, late)
    assert read_lock(path).token == first.lock.token
    assert not list(tmp_path.glob(".new.zarr.tmp-*"))  # the late template was removed


def test_leftovers_of_killed_runs_are_removed(tmp_path, world, client, caplog):
    path = tmp_path / "s.zarr"
    half_done(path, world, client)
    old = tmp_path / ".s.zarr.tmp-0123456789ab"  # a template whose writer was killed long ago
    old.mkdir()
    (old / "zarr.json").write_text("{}")
    os.utime(old, (time.time() - 3600, time.time() - 3600))
    dead = tmp_path / ".s.zarr.tmp-ba9876543210"  # a finished template of a driver gone
    dead.mkdir()
    write_lock(dead, pid=dead_pid())
    live = tmp_path / ".s.zarr.tmp-aaaaaaaaaaaa"  # being written by a live driver
    live.mkdir()
    write_lock(live)
    partial = path / "outcome_count" / "c.1.0.0.0.0123abcd.partial"  # a chunk write cut short
    partial.write_bytes(b"half")
    with caplog.at_level(logging.INFO, logger="tripwire.sweep"):
        sweep(world, GRID, trials=TRIALS, store=path, client=client)
    assert not old.exists() and not dead.exists() and live.exists()
    assert not partial.exists()
    assert "removed 2 folder(s) left by an interrupted run" in caplog.text
    assert "removed 1 half-written chunk file(s)" in caplog.text


def test_an_empty_folder_is_filled_not_overwritten(tmp_path, world, client, caplog):
    path = tmp_path / "empty.zarr"
    path.mkdir()
    with caplog.at_level(logging.INFO, logger="tripwire.sweep"):
        sweep(world, GRID, trials=TRIALS, store=path, client=client)
    assert f"writing into the empty folder {path}" in caplog.text and "overwriting" not in caplog.text


def test_many_small_chunks_are_warned_about(tmp_path, world, client, monkeypatch):
    monkeypatch.setattr("tripwire.sweep.run.FILES_WARN", 30)
    with pytest.warns(UserWarning) as record:
        sweep(world, GRID, trials=TRIALS, store=tmp_path / "s.zarr", client=client, points_per_task=1)
    text = " ".join(str(w.message) for w in record)
    assert "4 chunks of up to 1x1 points: the store will hold about 48 chunk files" in text
    assert "--points-per-task 2 or more keeps it under 30" in text


def test_no_worker_alive_stops_the_sweep(tmp_path, world, client):
    path = tmp_path / "s.zarr"
    with (
        LocalCluster(n_workers=0, processes=False, dashboard_address=":0") as empty,
        Client(empty) as c,
    ):
        t0 = time.monotonic()
        with pytest.raises(
            ClusterError, match="no worker has been alive for 2 s .*the cluster has no worker"
        ):
            sweep(world, GRID, trials=TRIALS, store=path, client=c, worker_timeout=1.5)
        assert time.monotonic() - t0 < 30
    assert not read_done(path).any() and read_lock(path) is None  # the store is there, to resume
    assert bool(sweep(world, GRID, trials=TRIALS, store=path, client=client).done.all())
