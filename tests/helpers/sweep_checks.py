"""Shared checks for the sweep tests: every point against ``simulate``, store equality, and the
environment that lets worker processes load the compiled kernels from a cache."""

from __future__ import annotations

import contextlib
import itertools
import json
import os

import numpy as np

import tripwire
from tripwire.crisis.results import TALLIES
from tripwire.world.params import apply_params


@contextlib.contextmanager
def numba_cache_env(tmp_path_factory):
    """Workers inherit the session's kernel cache (``TRIPWIRE_CACHE_DIR``, set in conftest.py), so they
    load the kernels instead of compiling them; this yields that folder."""
    yield os.environ["TRIPWIRE_CACHE_DIR"]


def sweep_points(ds):
    """``(isel indexer, {path: value})`` for every point of an opened sweep."""
    dims = json.loads(ds.attrs["sweep_dims"])
    sweep = json.loads(ds.attrs["sweep"])
    paths = sweep["design"]["paths"]
    for index in itertools.product(*(range(ds.sizes[d]) for d in dims)):
        sel = dict(zip(dims, index, strict=True))
        yield sel, {p: ds[p].isel({d: sel[d] for d in ds[p].dims}).item() for p in paths}


def assert_point_matches(pt, sim, label=""):
    """One point of a sweep equals ``simulate`` of its world: every variable, bit for bit.

    A removed treaty is absent from ``sim``: its tallies must be 0 in the sweep, and the other
    treaties must match.
    """
    removed = [t for t in pt.treaty.values if t not in set(sim.treaty.values)]
    for name in removed:
        assert int(pt.treaty_honoured.sel(treaty=name)) == 0, (label, name)
        assert int(pt.treaty_failed.sel(treaty=name)) == 0, (label, name)
    for name, var in sim.data_vars.items():
        got = pt[name]
        if "treaty" in var.dims:
            got = got.sel(treaty=sim.treaty.values)
        assert got.dims == var.dims, (label, name)
        np.testing.assert_array_equal(got.values, var.values, err_msg=f"{label} {name}")
        if name in TALLIES:
            assert got.dtype == np.int64, (label, name)
    for name, coord in sim.coords.items():
        got = pt[name].sel(treaty=sim.treaty.values) if "treaty" in coord.dims else pt[name]
        np.testing.assert_array_equal(got.values, coord.values, err_msg=f"{label} coord {name}")


def assert_matches_simulate(ds, world, *, trials, seed, only=None):
    """Every done point (or those in ``only``) of an opened sweep equals ``simulate``."""
    ds = ds.load()
    checked = 0
    for sel, values in sweep_points(ds):
        if only is not None and sel not in only:
            continue
        pt = ds.isel(sel)
        assert bool(pt.done), (sel, "not done")
        sim = tripwire.simulate(apply_params(world, values), trials, seed=seed, threads=1)
        assert_point_matches(pt, sim, label=str(values))
        checked += 1
    return checked


def assert_stores_identical(a, b):
    """Two opened sweeps hold the same tallies, coordinates and attributes; only the execution
    settings (chunks, trial block) may differ."""
    a, b = a.load(), b.load()
    assert {k: v for k, v in a.attrs.items() if k != "execution"} == {
        k: v for k, v in b.attrs.items() if k != "execution"
    }
    assert a.drop_attrs(deep=False).identical(b.drop_attrs(deep=False))


# -- drivers in their own process ------------------------------------------------------------------
def write_sweep_file(path, params, *, trials, seed, points_per_task=1, name="sweep", world=None):
    """A sweep file on the small test world (or ``world``)."""
    import yaml

    from tests.helpers.worlds import small_world

    spec = {
        "name": name,
        "world": world if world is not None else small_world(),
        "design": "grid",
        "params": params,
        "trials": trials,
        "seed": seed,
        "points_per_task": points_per_task,
    }
    path.write_text(yaml.safe_dump(spec, sort_keys=False))
    return path


def start_driver(*argv, env=None, log=None):
    """``tripwire ARGV`` in a new session (its own process group), output to ``log`` (a path) or pipes."""
    import subprocess
    import sys

    out = open(log, "w") if log is not None else subprocess.PIPE  # noqa: SIM115 - closed by the caller
    return subprocess.Popen(
        [sys.executable, "-m", "tripwire", *map(str, argv)],
        stdout=out,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        env=env,
    )


def points_done(store):
    """Points marked done in a store, 0 while it does not exist (or is being renamed into place)."""
    from tripwire.sweep.store import count_done

    try:
        counts = count_done(store)
    except Exception:  # a store being created
        return 0
    return counts[0] if counts else 0


def wait_for(condition, timeout, what, proc=None):
    import time

    t0 = time.monotonic()
    while not condition():
        if proc is not None and proc.poll() is not None:
            raise AssertionError(
                f"the driver ended (exit {proc.returncode}) while waiting for {what}: {proc.stderr.read()}"
            )
        if time.monotonic() - t0 > timeout:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.05)


def process_group_alive(pgid):
    """Whether any (non-zombie) process of a process group is running."""
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().split(")")[-1].split()
        except OSError:
            continue
        if fields[0] != "Z" and int(fields[2]) == pgid:
            return True
    return False


class ChunkCounts:
    """A scheduler plugin counting, per chunk task, how often it finished (``memory``): a chunk
    finished twice was computed (and written) twice. Register with :func:`count_chunks`."""

    name = "tripwire-chunk-counts"

    def __init__(self):
        import collections

        self.done = collections.Counter()

    def transition(self, key, start, finish, *args, **kwargs):
        if str(key).startswith("tripwire-chunk-") and finish == "memory":
            self.done[str(key)] += 1


def count_chunks(client):
    """Start counting chunk completions on the client's scheduler; returns a function that reads
    ``{chunk key: times finished}``."""
    from distributed.diagnostics.plugin import SchedulerPlugin

    plugin = type("ChunkCountsPlugin", (ChunkCounts, SchedulerPlugin), {})()

    def add(dask_scheduler):
        dask_scheduler.add_plugin(plugin, name=ChunkCounts.name)

    client.run_on_scheduler(add)
    return lambda: dict(
        client.run_on_scheduler(lambda dask_scheduler: dict(dask_scheduler.plugins[ChunkCounts.name].done))
    )
