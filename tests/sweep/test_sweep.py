"""Designs, sweep files and the store contract, run on an in-process dask cluster.

The distributed properties (worker processes, killed workers, a killed driver) are in
test_sweep_distributed.py.
"""

import json
import shutil
import time
from pathlib import Path

import numpy as np
import pytest
import yaml
import zarr
from distributed import Client, LocalCluster

import tripwire
from tests.helpers.paths import REPO
from tests.helpers.sweep_checks import assert_matches_simulate, assert_stores_identical
from tests.helpers.worlds import small_world
from tripwire.crisis.results import TALLIES
from tripwire.errors import DesignError, ParamError, SweepError
from tripwire.sweep.chunks import chunk_shape_for, default_points_per_task
from tripwire.sweep.designs import make_design
from tripwire.sweep.files import load_sweep
from tripwire.sweep.plan import plan_sweep
from tripwire.sweep.reader import open_sweep
from tripwire.sweep.run import sweep
from tripwire.sweep.store import (
    StoreMismatch,
    prepare,
    read_attrs,
    read_done,
    write_chunk,
    write_template,
)

GRID = {"policy.communication": [0.0, 0.6, 0.9], "treaty.BC defense.active": [True, False]}


@pytest.fixture(scope="module")
def client():
    # one worker with two threads in this process: tasks share the kernel, one call at a time
    with (
        LocalCluster(n_workers=1, threads_per_worker=2, processes=False, dashboard_address=":0") as cluster,
        Client(cluster) as c,
    ):
        yield c


# -- designs -------------------------------------------------------------------------------------
def test_grid_design(world):
    d = make_design(
        "grid", {"escalation.deterrence": [0, 1, 2], "treaty.BC defense.active": [True, False]}, world
    )
    assert d.dims == ("escalation.deterrence", "treaty.BC defense.active") and d.shape == (3, 2)
    assert d.values[0].dtype == np.float64 and d.values[1].dtype == bool
    points = list(d.points())
    assert len(points) == 6
    assert points[1] == ((0, 1), (0.0, False))  # C order: the last path varies fastest
    assert all(isinstance(v, float | bool) for _, values in points for v in values)


def test_list_design_zips(world):
    d = make_design("list", {"policy.communication": [0, 0.5], "state.A.capability": [1, 2]}, world)
    assert d.dims == ("point",) and d.shape == (2,)
    assert [v for _, v in d.points()] == [(0.0, 1.0), (0.5, 2.0)]
    coords = d.coords()
    assert coords["policy.communication"][0] == "point"
    with pytest.raises(
        DesignError, match="need the same length; saw policy.communication: 2, state.A.capability: 3"
    ):
        make_design("list", {"policy.communication": [0, 0.5], "state.A.capability": [1, 2, 3]}, world)


def test_lhs_design_is_a_latin_hypercube(world):
    n = 20
    params = {"escalation.deterrence": [0.0, 4.0], "policy.communication": [0.2, 0.7]}
    d = make_design("lhs", params, world, n=n, seed=5)
    assert d.shape == (n,)
    for column, (lo, hi) in zip(d.values, params.values(), strict=True):
        strata = np.floor((column - lo) / (hi - lo) * n).astype(int)
        assert sorted(strata) == list(range(n))  # exactly one point in each of the n strata
    again = make_design("lhs", params, world, n=n, seed=5)
    other = make_design("lhs", params, world, n=n, seed=6)
    assert again.values_hash() == d.values_hash() and other.values_hash() != d.values_hash()


def test_sobol_design_feeds_salib(world):
    from SALib.analyze import sobol

    params = {
        "escalation.deterrence": [0.0, 2.0],
        "policy.communication": [0.0, 1.0],
        "policy.defection": [0.0, 0.5],
    }
    d = make_design("sobol", params, world, n=256, seed=1)
    assert d.shape == (256 * (2 * 3 + 2),)
    for column, (lo, hi) in zip(d.values, params.values(), strict=True):
        assert column.min() >= lo and column.max() <= hi
    # y depends on the first parameter only: its first-order index is 1, the others 0
    problem = {"num_vars": 3, "names": list(params), "bounds": list(params.values())}
    result = sobol.analyze(problem, d.values[0] ** 2, calc_second_order=True, seed=1)
    assert result["S1"][0] == pytest.approx(1.0, abs=0.05)
    assert np.all(np.abs(result["ST"][1:]) < 0.05)


@pytest.mark.parametrize(
    "kind, params, n, exc, fragment",
    [
        (
            "grid",
            {"policy.communication": []},
            None,
            DesignError,
            "'policy.communication' has no values; give at least one",
        ),
        ("grid", {}, None, DesignError, "no parameters given"),
        ("grid", {"policy.communication": [0.1, 0.1]}, None, DesignError, "repeats the value(s) [0.1]"),
        ("grid", {"policy.communication": 0.5}, None, DesignError, "needs a list of values, saw 0.5"),
        (
            "grid",
            {"policy.communication": [0.5, 1.2]},
            None,
            ParamError,
            "policy.communication = 1.2 is outside its range",
        ),
        (
            "lhs",
            {"policy.communication": [0.8, 0.2]},
            4,
            DesignError,
            "the range of 'policy.communication' is [0.8, 0.2]; it needs lo < hi",
        ),
        (
            "lhs",
            {"policy.communication": [0, 2]},
            4,
            ParamError,
            "policy.communication = 2 is outside its range",
        ),
        (
            "lhs",
            {"policy.communication": [0, 0.5, 1]},
            4,
            DesignError,
            "needs a range [lo, hi], saw [0, 0.5, 1]",
        ),
        (
            "lhs",
            {"treaty.BC defense.active": [False, True]},
            4,
            DesignError,
            "put it in a grid or list design",
        ),
        (
            "lhs",
            {"policy.communication": [0, 1]},
            None,
            DesignError,
            "n must be a whole number >= 1 (points), saw None",
        ),
        ("sobol", {"policy.communication": [0, 1]}, 100, DesignError, "use 64 or 128"),
        ("grid", {"policy.communication": [0, 1]}, 8, DesignError, "n is only for lhs and sobol designs"),
        (
            "cube",
            {"policy.communication": [0, 1]},
            None,
            DesignError,
            "unknown design 'cube'; designs: grid, list, lhs, sobol",
        ),
        (
            "grid",
            {"escalation.up[1]": [0.1], "escalation.up[clash]": [0.2]},
            None,
            DesignError,
            "'escalation.up[1]' and 'escalation.up[clash]' set the same value",
        ),
    ],
)
def test_design_errors(world, kind, params, n, exc, fragment):
    with pytest.raises(exc) as err:
        make_design(kind, params, world, n=n)
    assert fragment in str(err.value)


def test_chunking_rules():
    assert chunk_shape_for((8, 8), 8) == (1, 8)
    assert chunk_shape_for((8, 8), 20) == (2, 8)
    assert chunk_shape_for((5, 5), 3) == (1, 3)
    assert chunk_shape_for((3, 4, 5), 1000) == (3, 4, 5)
    assert chunk_shape_for((7,), 3) == (3,)
    assert default_points_per_task(64, 100_000, 1 << 22, 2) == 16  # two tasks per worker
    assert default_points_per_task(64, 10_000_000, 1 << 22, 2) == 1  # a point per task, split into blocks
    assert default_points_per_task(3, 1000, 1 << 22, 16) == 1


# -- sweep files ---------------------------------------------------------------------------------
SWEEP_FILES = sorted((REPO / "configs" / "sweeps").glob("*.yaml"))


@pytest.mark.parametrize("path", SWEEP_FILES, ids=lambda p: p.stem)
def test_bundled_sweep_files_are_valid(path):
    world = yaml.safe_load(path.read_text())["world"]
    if isinstance(world, str) and world not in tripwire.bundled_scenarios():
        pytest.skip(f"scenario {world!r} is not bundled yet")
    plan, spec = load_sweep(path)
    assert plan.name == path.stem
    # a history of decades is ~40 years of crises: horizon sweeps need fewer trials
    assert plan.n_points >= 2 and plan.trials >= (10_000 if plan.model == "horizon" else 100_000)
    assert plan.description


def test_the_issue_sweeps_exist():
    names = {p.stem for p in SWEEP_FILES}
    assert {"july1914_alliances", "cuba1962_policy"} <= names
    assert any("removal" in n for n in names)
    alliances = yaml.safe_load((REPO / "configs/sweeps/july1914_alliances.yaml").read_text())
    assert set(alliances["params"]) == {"treaties.reliability", "escalation.misperception"}
    policy = yaml.safe_load((REPO / "configs/sweeps/cuba1962_policy.yaml").read_text())
    assert set(policy["params"]) == {
        f"policy.{k}" for k in ("communication", "dispute_resolution", "confidence_building")
    }


def write_sweep(tmp_path, **keys):
    data = {
        "world": small_world(),
        "design": "grid",
        "params": {"policy.communication": [0, 0.5]},
        "trials": 1000,
    }
    data.update(keys)
    path = tmp_path / "sweep.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


@pytest.mark.parametrize(
    "keys, fragments",
    [
        ({"trails": 10}, ["unknown key 'trails' (did you mean 'trials'?)", "valid keys:"]),
        (
            {"params": {"policy.comunication": [0, 1]}},
            [
                "unknown parameter path 'policy.comunication'",
                "did you mean 'policy.communication'?",
                "treaty.<name>.reliability",
            ],
        ),
        (
            {"params": {"policy.communication": []}},
            ["'policy.communication' has no values; give at least one"],
        ),
        (
            {"design": "lhs", "n": 4, "params": {"escalation.deterrence": [2, 1]}},
            ["the range of 'escalation.deterrence' is [2.0, 1.0]; it needs lo < hi"],
        ),
        (
            {"design": "lhs", "n": 4, "params": {"policy.defection": [0, 1.5]}},
            ["policy.defection = 1.5 is outside its range: it must be a probability in [0, 1]"],
        ),
        ({"trials": 0}, ["trials: Input should be greater than or equal to 1"]),
        ({"design": "random"}, ["design: Input should be 'grid', 'list', 'lhs' or 'sobol'"]),
        ({"world": "atlantis"}, ["'atlantis' is neither a world file nor a bundled scenario"]),
        ({"design_seed": 3}, ["design_seed is only for lhs and sobol designs"]),
    ],
)
def test_bad_sweep_files_get_clear_errors(tmp_path, keys, fragments):
    path = write_sweep(tmp_path, **keys)
    with pytest.raises(SweepError) as err:
        load_sweep(path)
    msg = str(err.value)
    assert msg.startswith(str(path))
    for fragment in fragments:
        assert fragment in msg


def test_sweep_file_world_path_is_relative_to_the_file(tmp_path, world):
    (tmp_path / "worlds").mkdir()
    (tmp_path / "worlds" / "small.yaml").write_text(world.to_yaml())
    sub = tmp_path / "sweeps"
    sub.mkdir()
    path = write_sweep(sub, world="../worlds/small.yaml", seed=4)
    plan, _ = load_sweep(path, trials=77)  # an override replaces the file's value
    assert plan.world == world and plan.trials == 77 and plan.seed == 4
    path.write_text(path.read_text() + "seed: 5\n")
    with pytest.raises(SweepError, match="key 'seed' is given twice"):
        load_sweep(path)


# -- the store contract --------------------------------------------------------------------------
def test_template_is_written_first(tmp_path, world):
    plan = plan_sweep(world, GRID, trials=500, seed=2)
    state = prepare(plan, tmp_path / "s.zarr", points_per_task=2)
    assert state.created and state.chunk == (1, 2) and len(state.regions()) == 3
    meta = json.loads((tmp_path / "s.zarr" / "zarr.json").read_text())
    assert "consolidated_metadata" in meta and meta["consolidated_metadata"]["metadata"]
    attrs = meta["attributes"]
    assert tripwire.World.model_validate_json(attrs["world"]) == world
    assert attrs["world_hash"] == world.hash and attrs["seed"] == 2 and attrs["trials"] == 500
    assert attrs["engine_version"] == tripwire.__version__
    sweep_attr = json.loads(attrs["sweep"])
    assert sweep_attr["design"]["paths"] == list(GRID) and sweep_attr["design"]["params"] == GRID
    assert len(attrs["sweep_hash"]) == 64
    assert not read_done(tmp_path / "s.zarr").any()
    ds = open_sweep(tmp_path / "s.zarr").load()
    assert (ds.trials == 0).all() and (ds.outcome_count == 0).all() and ds.p_level.isnull().all()
    for name in ("outcome_count", "treaty_honoured", "done"):
        assert zarr.open_array(tmp_path / "s.zarr" / name).chunks[:2] == (1, 2)
    assert not list(tmp_path.glob(".s.zarr.tmp-*"))  # written beside, then renamed into place


def test_grid_sweep_equals_simulate_with_trial_blocks(tmp_path, world, client):
    seen = []
    # 2,500 trials in blocks of 700: four blocks per point, the last one short, summed per chunk
    ds = sweep(
        world,
        GRID,
        trials=2_500,
        seed=11,
        store=tmp_path / "g.zarr",
        client=client,
        points_per_task=4,
        trial_block=700,
        progress=seen.append,
    )
    assert sum(seen) == 6 and bool(ds.done.all())
    assert list(ds.outcome_count.dims) == [
        "policy.communication",
        "treaty.BC defense.active",
        "level",
        "size",
    ]
    assert ds["treaty"].values.tolist() == [t.name for t in world.treaties]  # removal keeps the coordinate
    assert assert_matches_simulate(ds, world, trials=2_500, seed=11) == 6
    whole = sweep(
        world, GRID, trials=2_500, seed=11, store=tmp_path / "w.zarr", client=client, points_per_task=1
    )
    assert_stores_identical(ds, whole)


def test_point_designs_equal_simulate(tmp_path, world, client):
    params = {"escalation.deterrence": [0.0, 3.0], "state.A.capability": [0.05, 0.6]}
    # tripwire.sweep is both the package and the function, with its modules already imported
    assert callable(tripwire.sweep) and tripwire.sweep.run.sweep is sweep
    ds = tripwire.sweep(
        world, params, design="lhs", n=5, trials=1_500, seed=3, store=tmp_path / "l.zarr", client=client
    )
    assert ds.sizes["point"] == 5 and ds["escalation.deterrence"].dims == ("point",)
    assert assert_matches_simulate(ds, world, trials=1_500, seed=3) == 5
    d = make_design("lhs", params, world, n=5, seed=3)  # the design seed defaults to the sweep's seed
    np.testing.assert_array_equal(ds["state.A.capability"].values, d.values[1])
    # a list design whose path has a space (a treaty name) keeps it as a coordinate on `point`
    listed = {"treaty.BC defense.active": [True, False, True], "policy.communication": [0.1, 0.2, 0.3]}
    ds = sweep(world, listed, design="list", trials=1_000, seed=4, store=tmp_path / "z.zarr", client=client)
    assert set(listed) <= set(ds.coords) and not set(listed) & set(ds.data_vars)
    assert ds["treaty.BC defense.active"].values.tolist() == [True, False, True]
    assert assert_matches_simulate(ds, world, trials=1_000, seed=4) == 3


def test_resume_recomputes_exactly_the_points_not_done(tmp_path, world, client):
    store = tmp_path / "r.zarr"
    sweep(world, GRID, trials=800, seed=5, store=store, client=client, points_per_task=2)
    reference = open_sweep(store).load()
    group = zarr.open_group(store, mode="r+")
    # chunk 0 stays done but its data is overwritten: a resume must not touch it
    group["outcome_count"][0:1, 0:2] = 7
    # chunk 2 is made not done, with garbage in it: a resume must recompute it
    group["done"][2:3, 0:2] = False
    group["involved_count"][2:3, 0:2] = -1
    seen = []
    ds = sweep(world, GRID, trials=800, seed=5, store=store, client=client, progress=seen.append).load()
    assert seen == [2]
    assert (ds.outcome_count[0:1, 0:2] == 7).all()
    np.testing.assert_array_equal(ds.involved_count.values[1:], reference.involved_count.values[1:])
    assert bool(ds.done.all())


def test_mismatched_store_is_refused_with_what_differs(tmp_path, world, client):
    store = tmp_path / "m.zarr"
    sweep(world, GRID, trials=600, seed=1, store=store, client=client)
    before = (store / "zarr.json").read_text()
    other_world = tripwire.World.model_validate(
        small_world(escalation={**small_world()["escalation"], "deterrence": 2.0})
    )
    cases = [
        (
            dict(world=other_world),
            ["world: the store was made from 'small'", "escalation.deterrence: 1.0 -> 2.0"],
        ),
        (
            dict(params={**GRID, "policy.communication": [0.0, 0.5, 0.9]}),
            [
                "design values of 'policy.communication': the store has [0.0, 0.6, 0.9], this sweep [0.0, 0.5, 0.9]"
            ],
        ),
        (
            dict(params=dict(reversed(GRID.items()))),
            ["design parameters: the store has ['policy.communication', 'treaty.BC defense.active']"],
        ),
        (
            dict(params={"policy.communication": [0.0, 0.6]}, design="list"),
            ["design: the store has a grid design, this sweep a list design"],
        ),
        (dict(seed=2), ["seed: the store has 1, this sweep 2"]),
        (dict(trials=700), ["trials per point: the store has 600, this sweep 700"]),
        (dict(seed=2, trials=700), ["seed: the store has 1", "trials per point: the store has 600"]),
    ]
    for changes, fragments in cases:
        args = dict(world=world, params=GRID, trials=600, seed=1, design="grid") | changes
        with pytest.raises(StoreMismatch) as err:
            sweep(args.pop("world"), args.pop("params"), store=store, client=client, **args)
        msg = str(err.value)
        assert "was made by a different sweep, so it cannot be resumed" in msg and "--fresh" in msg
        for fragment in fragments:
            assert fragment in msg, (changes, msg)
    assert (store / "zarr.json").read_text() == before  # refused without touching the store
    ds = sweep(world, GRID, trials=600, seed=2, store=store, client=client, resume=False)
    assert ds.attrs["seed"] == 2 and bool(ds.done.all())


def test_a_path_that_is_not_a_sweep_store_is_never_overwritten(tmp_path, world, client):
    other = tmp_path / "mine.zarr"
    other.mkdir()
    (other / "notes.txt").write_text("keep me")
    for resume in (True, False):
        with pytest.raises(StoreMismatch, match="is not a tripwire sweep store; it is left alone"):
            sweep(world, GRID, trials=100, store=other, client=client, resume=resume)
    assert (other / "notes.txt").read_text() == "keep me"
    run = tmp_path / "run.zarr"
    tripwire.io.results.write_dataset(tripwire.simulate(world, 100), run)
    with pytest.raises(StoreMismatch, match="not a tripwire sweep store"):
        sweep(world, GRID, trials=100, store=run, client=client)
    with pytest.raises(StoreMismatch, match="not a tripwire sweep store"):
        open_sweep(run)
    empty = tmp_path / "empty.zarr"
    empty.mkdir()
    assert bool(sweep(world, GRID, trials=100, store=empty, client=client).done.all())


def test_a_task_never_writes_into_a_replaced_store(tmp_path, world):
    plan = plan_sweep(world, GRID, trials=100)
    state = prepare(plan, tmp_path / "x.zarr", points_per_task=6)
    region = ((0, 3), (0, 2))
    group = zarr.open_group(tmp_path / "x.zarr")
    tallies = {name: np.ones((3, 2) + group[name].shape[2:], dtype=np.int64) for name in TALLIES}
    with pytest.raises(StoreMismatch, match="is not the one this task was scheduled for"):
        write_chunk(str(state.path), "0" * 32, region, tallies)
    assert not read_done(tmp_path / "x.zarr").any()
    assert read_attrs(tmp_path / "x.zarr")["store_id"] == state.store_id


def test_tasks_wait_for_a_template_still_being_written(tmp_path, world):
    import threading

    plan = plan_sweep(world, GRID, trials=100)
    state = prepare(plan, tmp_path / "later.zarr", points_per_task=2, write=False)
    assert state.pending and not state.path.exists()
    tallies = {name: np.ones((1, 2) + shape, dtype=np.int64) for name, shape in _own_shapes(world).items()}
    errors = []

    def task():
        try:
            write_chunk(str(state.path), state.store_id, ((1, 2), (0, 2)), tallies, wait_s=60)
        except Exception as exc:  # reported below
            errors.append(exc)

    writer = threading.Thread(target=task)
    writer.start()
    time.sleep(0.3)
    assert writer.is_alive() and not state.path.exists()  # waiting, nothing written
    write_template(plan, state)
    writer.join(timeout=60)
    assert not errors and not state.pending
    np.testing.assert_array_equal(read_done(state.path), [[False, False], [True, True], [False, False]])
    assert int(zarr.open_array(state.path / "trials")[1, 0]) == 1


def _own_shapes(world):
    """Shape of each tally for one point of ``world``."""
    ds = tripwire.simulate(world, 10)
    return {name: ds[name].shape for name in TALLIES}


def test_a_store_can_move(tmp_path, world, client):
    a = tmp_path / "a.zarr"
    ds = sweep(world, GRID, trials=300, store=a, client=client).load()
    b = tmp_path / "moved" / "b.zarr"
    b.parent.mkdir()
    shutil.move(a, b)
    again = sweep(world, GRID, trials=300, store=b, client=client)  # resumes: nothing to do
    assert_stores_identical(ds, again)
    assert Path(b).exists() and not a.exists()
