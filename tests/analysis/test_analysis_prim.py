"""PRIM finds a planted box, on plain arrays and through a sweep store."""

import numpy as np
import pytest

import tripwire.analysis as ta
from tests.helpers.analysis_stores import TINY, build_store
from tripwire.errors import StoreError

BOX = {"a": (0.2, 0.6), "b": (0.5, 0.9)}  # c is free


def planted(n=3000, noise=0.05, seed=1):
    rng = np.random.default_rng(seed)
    x = rng.uniform(size=(n, 3))
    inside = (x[:, 0] > 0.2) & (x[:, 0] < 0.6) & (x[:, 1] > 0.5) & (x[:, 1] < 0.9)
    return x, inside ^ (rng.uniform(size=n) < noise)


def test_prim_finds_the_planted_box_despite_noise():
    x, y = planted()
    res = ta.prim_boxes(x, y, ["a", "b", "c"])
    box = res.boxes[0]
    assert box.restricted == ["a", "b"]  # c is left free
    for p, (lo, hi) in BOX.items():  # limits within 0.05 of the planted ones
        assert abs(box.limits.loc[p, "lo"] - lo) < 0.05 and abs(box.limits.loc[p, "hi"] - hi) < 0.05
    truth = (x[:, 0] > 0.2) & (x[:, 0] < 0.6) & (x[:, 1] > 0.5) & (x[:, 1] < 0.9)
    # coverage and density as defined, recomputed by hand from the limits
    lim = box.limits
    inb = np.all((x >= lim["lo"].values) & (x <= lim["hi"].values), axis=1)
    assert box.coverage == pytest.approx(y[inb].sum() / y.sum())
    assert box.density == pytest.approx(y[inb].mean())
    assert box.mass == pytest.approx(inb.mean())
    assert box.density > 0.85 and box.coverage > 0.7 and (inb & truth).sum() / truth.sum() > 0.85
    traj = box.trajectory
    assert traj["coverage"].iloc[0] == 1.0 and traj["mass"].iloc[0] == 1.0
    assert traj["chosen"].sum() == 1 and (np.diff(traj["mass"].values) < 0).all()  # every peel removes points
    text = res.describe()
    assert (
        "a in [" in text
        and "b in [" in text
        and "free: c" in text
        and "coverage" in text
        and "density" in text
    )


def test_prim_on_discrete_grid_values_and_second_box():
    g = np.arange(11) / 10  # exactly 0.0, 0.1, ..., 1.0
    x = np.array([[a, b] for a in g for b in g])
    y = ((x[:, 0] >= 0.7) & (x[:, 1] <= 0.3)) | ((x[:, 0] <= 0.2) & (x[:, 1] >= 0.8))
    res = ta.prim_boxes(x, y, ["a", "b"], boxes=2, alpha=0.1)
    assert len(res.boxes) == 2
    first = res.boxes[0].limits
    assert res.boxes[0].density == 1.0
    corners = {(first.loc["a", "lo"], first.loc["b", "hi"]), (first.loc["a", "hi"], first.loc["b", "lo"])}
    assert (0.7, 0.3) in corners or (0.2, 0.8) in corners  # one planted box, exactly
    assert res.table().shape == (4, 8)


def test_prim_through_an_lhs_store(tmp_path):
    path = tmp_path / "lhs.zarr"
    params = {
        "escalation.deterrence": [0.0, 1.0],
        "escalation.misperception": [0.0, 1.0],
        "state.A.capability": [0.0, 1.0],
    }

    def f(x):  # P(top) high in the planted box, low elsewhere
        inside = (x[:, 0] > 0.2) & (x[:, 0] < 0.6) & (x[:, 1] > 0.5) & (x[:, 1] < 0.9)
        return np.where(inside, 0.8, 0.1) + 0.01 * x[:, 2]

    build_store(path, TINY, params, design="lhs", n=800, trials=10**6, seed=4, fn=f)
    res = ta.prim(path, "p_exceed", 0.5, level="war")
    box = res.boxes[0]
    assert box.restricted == ["escalation.deterrence", "escalation.misperception"]
    assert box.density > 0.95 and box.coverage > 0.85
    assert res.rule == "p_exceed[level=war] > 0.5"
    ds = res.to_dataset()
    assert ds.attrs["tripwire_analysis"] == "prim" and "Box 1" in ds.attrs["description"]
    assert bool(ds.restricted.sel(box=1, param="escalation.deterrence"))
    with pytest.raises(StoreError, match="one value per point"):
        ta.prim(path, "p_exceed", 0.5)
    with pytest.raises(StoreError, match="threshold"):
        ta.prim(path, "p_exceed", level="war")
