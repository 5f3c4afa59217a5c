"""Checksums, ``tripwire verify`` and ``--repair``: a flipped byte and a deleted chunk are caught when
reading and by verify, and repair + resume gives back the bit-identical store. Also the checks of
``tripwire show`` and result stores of ``tripwire run``."""

import re
import shutil

import numpy as np
import pytest
import zarr

import tripwire
from tests.helpers.sweep_checks import assert_stores_identical
from tests.helpers.worlds import random_world, small_world
from tripwire.cli import main
from tripwire.crisis.variables import TALLIES
from tripwire.errors import StoreCorrupted
from tripwire.io.checksums import has_checksum
from tripwire.io.results import open_result, write_dataset
from tripwire.sweep.reader import open_sweep
from tripwire.sweep.run import sweep
from tripwire.sweep.verify import invariant_problems, repair, verify

GRID = {"policy.communication": [0.0, 0.5, 0.9], "treaty.BC defense.active": [True, False]}
TRIALS = 2_000
SEED = 31


@pytest.fixture(scope="module")
def reference(tmp_path_factory, world, client):
    """A store of 3 chunks of 2 points, and its data."""
    path = tmp_path_factory.mktemp("verify") / "ref.zarr"
    ds = sweep(world, GRID, trials=TRIALS, seed=SEED, store=path, client=client, points_per_task=2).load()
    return path, ds


@pytest.fixture
def store(tmp_path, reference):
    path = tmp_path / "s.zarr"
    shutil.copytree(reference[0], path)
    return path


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, " ".join(err.split())


def flip_a_byte(path):
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x04
    path.write_bytes(bytes(data))


def test_every_array_is_written_with_a_checksum_and_flat_chunk_names(reference):
    path, _ = reference
    group = zarr.open_group(path, mode="r")
    for name in group.array_keys():
        assert has_checksum(group[name]), name
    # chunk files in the array's folder (c.1.0.0.0), not one folder per chunk
    assert (path / "outcome_count" / "c.1.0.0.0").is_file()
    assert not (path / "outcome_count" / "c").exists()
    # every chunk of a done point is written, zeros too: the removed treaty's honoured counts
    assert (path / "treaty_honoured" / "c.0.0.0").is_file()


def test_a_flipped_byte_is_caught_by_reading_and_by_verify(store, reference, capsys):
    flip_a_byte(store / "outcome_count" / "c.1.0.0.0")  # the points (1, 0) and (1, 1)
    with pytest.raises(StoreCorrupted) as err:
        _ = open_sweep(store).outcome_count.values
    msg = str(err.value)
    assert "array 'outcome_count', chunk file outcome_count/c.1.0.0.0 failed its checksum" in msg
    assert "tripwire verify" in msg
    np.testing.assert_array_equal(
        open_sweep(store).trials.values, reference[1].trials.values
    )  # the rest reads

    report = verify(store)
    assert not report.ok and [d.index for d in report.damaged] == [(1, 0), (1, 1)]
    assert all(
        "outcome_count: chunk file outcome_count/c.1.0.0.0 fails its checksum" in d.reason
        for d in report.damaged
    )
    code, out, _ = run(capsys, "verify", store)
    assert code == 1
    assert f"{store}: 2 damaged point(s) of 6 marked done:" in out
    assert "policy.communication=0.5, treaty.BC defense.active=True: outcome_count: chunk file" in out
    assert f"`tripwire verify --repair {store}` marks them not done" in out
    # show does not call it complete, and says what it could not read
    code, out, _ = run(capsys, "show", store)
    assert (
        "done marks: complete; run `tripwire verify" in out and "complete;" not in out.split("done marks")[0]
    )
    assert re.search(r"^damaged\s+.*outcome_count/c\.1\.0\.0\.0 failed its checksum", out, flags=re.M)


def test_a_deleted_chunk_is_caught_by_reading_and_by_verify(store, capsys):
    (store / "war_count" / "c.2.0.0").unlink()  # points (2, 0) and (2, 1)
    with pytest.raises(
        StoreCorrupted, match=r"war_count/c\.2\.0\.0 is missing although its points are marked done"
    ):
        _ = open_sweep(store).war_count.values
    report = verify(store)
    assert [d.index for d in report.damaged] == [(2, 0), (2, 1)]
    assert "chunk file war_count/c.2.0.0 is missing" in report.damaged[0].reason
    assert run(capsys, "verify", store)[0] == 1


def test_repair_then_resume_gives_back_the_identical_store(store, reference, world, client, capsys):
    flip_a_byte(store / "side_count" / "c.0.0.0.0")
    (store / "rounds_count" / "c.2.0.0").unlink()
    code, out, _ = run(capsys, "verify", "--repair", store)
    assert code == 0, out
    assert "repaired: 4 point(s) in 2 chunk(s) marked not done" in out
    assert not (store / "tripwire.lock").exists()  # the lock was held while repairing, then released
    assert verify(store).ok  # what is marked done now is sound
    done = open_sweep(store).done.values
    assert done.tolist() == [[False, False], [True, True], [False, False]]
    seen = []
    ds = sweep(world, GRID, trials=TRIALS, seed=SEED, store=store, client=client, progress=seen.append)
    assert sorted(seen) == [2, 2]  # exactly the two damaged chunks were recomputed
    assert_stores_identical(ds, reference[1])
    assert run(capsys, "verify", store)[:2] == (
        0,
        f"{store}: 6/6 points marked done, 36 chunk(s) decoded; checksums and invariants hold\n",
    )


def test_verify_checks_the_invariants(store):
    # a consistent checksum over wrong numbers (written through zarr): the invariants catch it
    group = zarr.open_group(store, mode="r+")
    group["involved_count"][0, 1, 2] += 1
    group["trials"][2, 0] = TRIALS - 1
    report = verify(store)
    reasons = {d.index: d.reason for d in report.damaged}
    assert set(reasons) == {(0, 1), (2, 0)}
    assert "involved_count sums to" in reasons[(0, 1)] and "outcome_count implies" in reasons[(0, 1)]
    assert f"trials is {TRIALS - 1:,}, not {TRIALS:,}" in reasons[(2, 0)]
    assert report.regions == [((0, 1), (0, 2)), ((2, 3), (0, 2))]


def test_a_damaged_done_chunk_is_reported_and_repaired(store):
    flip_a_byte(store / "done" / "c.1.0")
    with pytest.raises(StoreCorrupted, match="'done' failed its checksum"):
        tripwire.sweep.store.read_done(store)
    report = verify(store)
    assert [d.index for d in report.damaged] == [(1, 0), (1, 1)]
    assert "'done' chunk file done/c.1.0 fails its checksum" in report.damaged[0].reason
    assert repair(report) == 2
    assert tripwire.sweep.store.read_done(store).tolist() == [[True, True], [False, False], [True, True]]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_invariants_hold_for_every_run(seed):
    # random worlds with borders and several states a side: the engine keeps every invariant
    w = random_world(np.random.default_rng(seed), 7, 5, borders=True)
    ds = tripwire.simulate(w, 3_000, seed=seed)
    levels = list(ds["level"].values)
    tallies = {k: ds[k].values[None] for k in TALLIES}
    problems = invariant_problems(tallies, 3_000, levels.index(ds.attrs["war_level"]), ds["size"].values)
    assert problems == [[]]


def test_result_stores_carry_checksums_too(tmp_path, capsys):
    ds = tripwire.simulate(small_world(), 500, seed=2)
    path = write_dataset(ds, tmp_path / "run.zarr")
    group = zarr.open_group(path, mode="r")
    assert all(has_checksum(group[name]) for name in group.array_keys())
    assert run(capsys, "verify", path)[0] == 0
    flip_a_byte(path / "war_count" / "c.0")
    with pytest.raises(StoreCorrupted, match=r"war_count/c\.0 fail their checksum"):
        open_result(path)
    code, out, _ = run(capsys, "verify", path)
    assert code == 1 and "war_count: chunk file war_count/c.0 fails its checksum" in out
    assert "run it again" in out


def test_verify_errors(tmp_path, capsys):
    assert run(capsys, "verify", tmp_path / "none.zarr")[0] == 2
    other = tmp_path / "other.zarr"
    other.mkdir()
    (other / "zarr.json").write_text('{"zarr_format": 3, "node_type": "group", "attributes": {}}')
    code, _, err = run(capsys, "verify", other)
    assert code == 2 and "neither a tripwire sweep store nor a tripwire result" in err
