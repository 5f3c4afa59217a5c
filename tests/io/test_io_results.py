"""Result files are written safely: checked before any work, never replacing what tripwire did not
write, and written under a temporary name so that a failure never leaves half a result."""

import os

import pytest
import xarray as xr

import tripwire
from tests.helpers.worlds import small_world
from tripwire.errors import StoreError
from tripwire.io.results import check_output, open_result, result_kind, write_dataset


@pytest.fixture(scope="module")
def ds():
    return tripwire.simulate(small_world(), 500, seed=3)


def visible(folder):
    return sorted(p.name for p in folder.iterdir())


@pytest.mark.parametrize("suffix", [".zarr", ".nc"])
def test_write_then_refuse_then_overwrite(ds, tmp_path, suffix):
    out = tmp_path / f"r{suffix}"
    write_dataset(ds, out)
    assert result_kind(out) == "run" and open_result(out).identical(ds)
    with pytest.raises(StoreError, match="already holds a tripwire result; pass overwrite=True"):
        write_dataset(ds, out)
    other = tripwire.simulate(small_world(), 300, seed=4)
    write_dataset(other, out, overwrite=True)
    assert int(open_result(out).trials) == 300
    assert visible(tmp_path) == [out.name]  # no temporary or old copies left behind


def test_a_folder_of_user_files_is_never_replaced(ds, tmp_path):
    thesis = tmp_path / "mythesis.zarr"
    thesis.mkdir()
    (thesis / "chapter1.tex").write_text("months of work")
    for overwrite in (False, True):
        with pytest.raises(
            StoreError, match="exists and is a folder that tripwire did not write; it is left alone"
        ):
            write_dataset(ds, thesis, overwrite=overwrite)
    assert (thesis / "chapter1.tex").read_text() == "months of work"
    note = tmp_path / "notes.nc"
    note.write_text("not a netCDF file")
    with pytest.raises(StoreError, match="is a file that tripwire did not write"):
        write_dataset(ds, note, overwrite=True)
    assert note.read_text() == "not a netCDF file"


def test_a_sweep_store_is_never_replaced(tmp_path):
    from tripwire.sweep.plan import plan_sweep
    from tripwire.sweep.store import prepare

    world = tripwire.load_world(small_world())
    store = tmp_path / "sweep.zarr"
    prepare(plan_sweep(world, {"policy.communication": [0.0, 0.5]}, trials=10), store)
    assert result_kind(store) == "sweep"
    before = sorted(p.relative_to(store) for p in store.rglob("*"))
    with pytest.raises(StoreError, match="is a sweep store; a run never replaces one"):
        check_output(store, overwrite=True)
    assert sorted(p.relative_to(store) for p in store.rglob("*")) == before


def test_an_empty_folder_may_be_replaced(ds, tmp_path):
    empty = tmp_path / "empty.zarr"
    empty.mkdir()
    write_dataset(ds, empty)
    assert result_kind(empty) == "run"


def test_output_checks_before_any_work(tmp_path):
    with pytest.raises(StoreError, match="the folder '.*nodir' does not exist; create it first"):
        check_output(tmp_path / "nodir" / "x.nc")
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(StoreError, match="is not a folder"):
        check_output(blocker / "x.nc")
    with pytest.raises(StoreError, match=r"must end in \.zarr .* or \.nc"):
        check_output(tmp_path / "x.csv")


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write anywhere")
def test_an_unwritable_folder_is_refused(tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    with pytest.raises(StoreError, match="no permission to write in the folder"):
        check_output(locked / "x.nc")


@pytest.mark.parametrize("suffix", [".zarr", ".nc"])
def test_a_failed_write_leaves_nothing_half_written(ds, tmp_path, suffix, monkeypatch):
    out = tmp_path / f"r{suffix}"
    write_dataset(ds, out)
    old = open_result(out)

    def fail(self, *args, **kwargs):  # the disk fills up halfway through
        target = args[0] if args else kwargs.get("store") or kwargs.get("path")
        if str(target).endswith(".zarr"):
            os.makedirs(target, exist_ok=True)
        open(os.path.join(target, "half") if str(target).endswith(".zarr") else target, "w").write("half")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(xr.Dataset, "to_netcdf" if suffix == ".nc" else "to_zarr", fail)
    with pytest.raises(OSError, match="No space left"):
        write_dataset(tripwire.simulate(small_world(), 200, seed=9), out, overwrite=True)
    assert visible(tmp_path) == [out.name]  # the temporary file is gone
    assert open_result(out).identical(old)  # and the previous result is intact


def test_open_result_says_what_it_was_given(tmp_path):
    with pytest.raises(FileNotFoundError, match="no result at"):
        open_result(tmp_path / "none.nc")
    folder = tmp_path / "f.zarr"
    folder.mkdir()
    (folder / "x").write_text("x")
    with pytest.raises(StoreError, match="is not a tripwire result"):
        open_result(folder)
