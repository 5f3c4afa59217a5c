"""The HTML report is self-contained (no script, no external URL); exports read back by pandas."""

import matplotlib

matplotlib.use("Agg")

import re  # noqa: E402

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

import tripwire  # noqa: E402
from tests.helpers.analysis_stores import TINY, build_store  # noqa: E402
from tests.helpers.worlds import small_world  # noqa: E402
from tripwire.analysis.tables import long_tables, stata_names, write_tables  # noqa: E402
from tripwire.plots.report import report  # noqa: E402

URL = re.compile(r"(https?:|ftp:|file:|//[a-z0-9.-]+\.[a-z]{2,}|\bsrc\s*=|@import|url\((?!#))", re.I)


@pytest.fixture(scope="module")
def july():
    return tripwire.simulate("july1914", 3_000, seed=2)


def check_self_contained(html: str) -> None:
    assert "<script" not in html.lower()
    assert not URL.search(html), URL.search(html).group(0)
    ids = re.findall(r'id="([^"]+)"', html)
    assert len(ids) == len(set(ids))  # several inline figures share one page


def test_report_of_a_result(july, tmp_path):
    out = report(july, tmp_path / "july.html")
    html = out.read_text()
    check_self_contained(html)
    assert html.count("<svg") == 4
    for text in (
        july.attrs["world_hash"],
        'seed</th><td class="text">2',
        "3,000",
        "engine version",
        "Natural Earth",
    ):
        assert text in html, text
    assert "P(final level ≥ l)" in html


def test_report_of_sweeps(tmp_path):
    grid = tmp_path / "grid.zarr"
    build_store(
        grid,
        small_world(),
        {"escalation.deterrence": [0.0, 1.0, 2.0], "policy.communication": [0.0, 0.5]},
        design="grid",
        trials=500,
        seed=2,
    )
    html = report(grid, tmp_path / "grid.html").read_text()
    check_self_contained(html)
    assert 'design</th><td class="text">grid, 6 points' in html and "<svg" in html and "PRIM" in html
    sob = tmp_path / "sobol.zarr"
    build_store(
        sob,
        TINY,
        {"escalation.deterrence": [0.0, 2.0], "policy.communication": [0.0, 1.0]},
        design="sobol",
        n=16,
        trials=300,
        seed=1,
    )
    html = report(sob, tmp_path / "sobol.html").read_text()
    check_self_contained(html)
    assert "First-order (S1) and total (ST) indices" in html and "bootstrap seed" in html


def test_report_of_analyses(tmp_path):
    ent = tripwire.entanglement("july1914", 200, seed=1)
    html = report(ent, tmp_path / "ent.html").read_text()
    check_self_contained(html)
    assert "Most vulnerable states" in html and html.count("<svg") == 2
    crit = tripwire.criticality("july1914", 1_000, seed=1)
    html = report(crit, tmp_path / "crit.html").read_text()
    check_self_contained(html)
    assert "paired SE" in html


def test_export_formats_read_back(july, tmp_path):
    for fmt, read in (("csv", pd.read_csv), ("parquet", pd.read_parquet), ("dta", pd.read_stata)):
        paths = write_tables(july, tmp_path / f"july.{fmt}", fmt)
        names = {p.name for p in paths}
        assert {f"july_state.{fmt}", f"july_level.{fmt}", f"july_treaty.{fmt}"} <= names
        state = read(tmp_path / f"july_state.{fmt}")
        assert list(state.columns[:4]) == ["state", "stateabb", "ccode", "state_name"]
        assert len(state) == july.sizes["state"]
        srb = state[state.state == "SRB"].iloc[0]
        assert srb.stateabb == "YUG" and int(srb.ccode) == 345  # COW's conventions for Serbia
        np.testing.assert_allclose(state.p_involved.values, july.p_involved.values)
        level = read(tmp_path / f"july_level.{fmt}")
        np.testing.assert_allclose(level.p_exceed.values, july.p_exceed.values)


def test_export_of_a_sweep_has_stata_safe_parameter_columns(tmp_path):
    path = tmp_path / "list.zarr"
    build_store(
        path,
        small_world(),
        {"treaty.CE entente.active": [True, False], "escalation.deterrence": [1.0, 2.0]},
        design="list",
        trials=200,
        seed=1,
    )
    ds = tripwire.open_sweep(path).load()
    (out,) = write_tables(ds, tmp_path / "state.dta", "dta", table="state")
    df = pd.read_stata(out)
    assert {"point", "treaty_CE_entente_active", "escalation_deterrence", "stateabb", "ccode"} <= set(
        df.columns
    )
    assert len(df) == 2 * ds.sizes["state"]
    with pd.io.stata.StataReader(out) as reader:
        labels = reader.variable_labels()
    assert labels["treaty_CE_entente_active"] == "treaty.CE entente.active"
    csv = pd.read_csv(write_tables(ds, tmp_path / "level.csv", "csv", table="level")[0])
    assert list(csv.columns[:4]) == ["point", "treaty.CE entente.active", "escalation.deterrence", "level"]
    assert set(long_tables(ds)) >= {"state", "level", "point"}


def test_stata_names_are_safe_and_unique():
    names = ["x" * 40 + ".a", "x" * 40 + ".b", "1st", "p.q"]
    mapping, labels = stata_names(names)
    safe = list(mapping.values())
    assert all(re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]{0,31}", s) for s in safe)
    assert len({s.lower() for s in safe}) == 4 and labels[mapping["p.q"]] == "p.q"
