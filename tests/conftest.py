"""Shared fixtures: the real-data folder, the small world, dask clusters (plain helpers live in tests/helpers)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.helpers.paths import DATA, REPO
from tests.helpers.worlds import small_world

# One kernel cache for the whole test session, its subprocesses and its dask workers (they inherit
# the environment): each kernel compiles once per source version, then every process loads it.
os.environ.setdefault("TRIPWIRE_CACHE_DIR", str(REPO / ".pytest_cache" / "tripwire-kernels"))


@pytest.fixture(scope="session")
def data_dir() -> Path:
    if not (DATA / "atop_v4.01_member_level.csv").exists():
        pytest.skip(f"real data not found at {DATA}")
    return DATA


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    """A real LocalCluster of two worker processes, once per test module; the workers load the
    kernels from a shared numba cache instead of compiling them each."""
    from distributed import LocalCluster

    from tests.helpers.sweep_checks import numba_cache_env

    with (
        numba_cache_env(tmp_path_factory),
        LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0") as cluster,
    ):
        yield cluster


@pytest.fixture(scope="module")
def world():
    """The small world, validated (a test module may define its own ``world``)."""
    import tripwire

    return tripwire.World.model_validate(small_world())


@pytest.fixture(scope="module")
def client():
    """A client of a one-worker, one-thread cluster in this process."""
    from distributed import Client, LocalCluster

    with (
        LocalCluster(n_workers=1, threads_per_worker=1, processes=False, dashboard_address=":0") as cluster,
        Client(cluster) as c,
    ):
        yield c
