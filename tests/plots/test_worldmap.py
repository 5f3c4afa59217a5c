"""The world map draws offline from the package's own file, and every bundled scenario's states
are on it (historical states on their successors)."""

import matplotlib

matplotlib.use("Agg")

import socket  # noqa: E402

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
import yaml  # noqa: E402

import tripwire  # noqa: E402
from tests.helpers.paths import REPO  # noqa: E402
from tripwire.analysis.cow import COW, lookup  # noqa: E402
from tripwire.plots import world_map  # noqa: E402
from tripwire.plots.worldmap import load_countries, map_states, unmapped_states  # noqa: E402

SCENARIOS = sorted((REPO / "configs" / "scenarios").glob("*.yaml"))


@pytest.fixture
def offline(monkeypatch):
    def refuse(*args, **kwargs):
        raise OSError("network access attempted while drawing a map")

    monkeypatch.setattr(socket, "socket", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


def test_the_shipped_map_is_small_and_readable_with_numpy():
    path = REPO / "src" / "tripwire" / "plots" / "data" / "ne_110m_countries.npz"
    assert path.stat().st_size < 200_000
    countries = load_countries()
    assert len(countries) == 176 and "ATA" not in countries
    for iso in ("FRA", "NOR", "XKX", "DEU", "RUS", "USA", "SRB"):  # France and Norway fixed from -99
        assert iso in countries
    lon, lat = countries["FRA"][0].T
    assert -6 < lon.min() and lon.max() < 10 or lon.min() < -50  # mainland France or French Guiana


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_every_bundled_scenario_is_mapped(path, offline):
    world = yaml.safe_load(path.read_text())
    codes = [s["code"] for s in world["states"]]
    ccodes = [s.get("ccode") for s in world["states"]]
    assert unmapped_states(codes, ccodes) == []
    countries = load_countries()
    for code, isos in map_states(codes, ccodes).items():
        s = lookup(code)
        assert any(i in countries for i in isos) or s.point is not None, code
    ax = world_map({c: 0.5 for c in codes})
    assert ax.collections and ax.child_axes
    plt.close("all")


def test_historical_states_map_to_their_successors():
    assert lookup("AUH").countries == ("AUT", "HUN")
    assert lookup("GFR").countries == lookup("GDR").countries == ("DEU",)
    assert lookup("USR").countries == lookup("RUS").countries == ("RUS",)
    assert lookup("YUG").countries == lookup("SRB").countries == ("SRB",)
    assert lookup("CZE").countries == ("CZE", "SVK")
    assert lookup(ccode=365).stateabb == "RUS" and lookup("SRB").ccode == 345


def test_cow_table_agrees_with_nmc(data_dir):
    import pandas as pd

    nmc = pd.read_csv(data_dir / "NMC-60-abridged.csv")[["stateabb", "ccode"]].drop_duplicates()
    for abb, ccode in nmc.itertuples(index=False):
        assert COW[abb].ccode == ccode, abb
    assert unmapped_states(list(nmc.stateabb)) == []


def test_map_of_a_result_offline(offline):
    ds = tripwire.simulate("cuba1962", 1_000, seed=1)
    ax = world_map(ds)
    assert "P(state participates)" in ax.get_title()
    plt.close("all")
