"""Readers for the history data (Thompson rivalries, COW contiguity and major powers, MID) and the
world on a date, on the committed fixture folder and on the real data when present."""

from __future__ import annotations

import datetime as dt
import warnings

import pandas as pd
import pytest
import yaml

from tests.helpers.history_fixtures import FIXTURE, real_data
from tripwire.errors import DataError, DataWarning
from tripwire.io.atop import world_from_atop
from tripwire.io.cow import borders_on, majors_on, read_contiguity, read_majors
from tripwire.io.thompson import RIVAL_NAMES, read_rivalries
from tripwire.io.world_on import HistoryData, world_on, world_spec


def quiet_spec(date, **kw):
    kw.setdefault("origins", [("USA", "MEX")])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)
        return world_spec(date, data=FIXTURE, **kw)


# -- Thompson rivalries -----------------------------------------------------------------------
def test_rivalries_read_names_years_and_types():
    r = read_rivalries(FIXTURE / "rivalries" / "tss_rivalries.xlsx").set_index("rivalry")
    assert list(r.index) == [
        "Britain-France 2",
        "France-Germany",
        "Mexico-United States",
        "United States-USSR 2",
    ]
    assert r.at["Britain-France 2", "ccodes1"] == (200,) and r.at["Britain-France 2", "ccodes2"] == (220,)
    assert r.at["Mexico-United States", "start"] == 1816  # written P1816
    assert r.at["France-Germany", "ccodes2"] == (255, 260)  # Germany, then West Germany
    assert r.at["United States-USSR 2", "types"] == ("positional", "ideological")
    assert r.at["Mexico-United States", "types"] == ("spatial",)


def test_rivalries_unknown_name_and_missing_file_raise():
    with pytest.raises(DataError, match=r"row 6: rivalry 'Canada-Mexico 9' does not split.*RIVAL_NAMES"):
        read_rivalries(FIXTURE / "rivalries" / "bad_name.xlsx")
    with pytest.raises(FileNotFoundError, match="tss_rivalries.xlsx"):
        read_rivalries(FIXTURE / "no_such.xlsx")
    with pytest.raises(DataError, match="not a readable .xlsx"):
        read_rivalries(FIXTURE / "NMC-60-abridged.csv")


def test_real_rivalries_map_every_name():
    data = real_data()
    r = read_rivalries(data / "rivalries" / "tss_rivalries.xlsx")
    assert len(r) == 264
    assert r["end"].isna().sum() == 56  # 'ongoing'
    row = r.set_index("rivalry").loc["Austria (Hungary)-Russia"]
    assert (row["ccodes1"][0], row["ccodes2"][0], row["start"], row["end"]) == (300, 365, 1768, 1918)
    # every rival name has ccodes except Venice (no COW state)
    names = set(r["name1"]) | set(r["name2"])
    assert {n for n in names if not RIVAL_NAMES[n]} == {"Venice"}


# -- contiguity and majors ----------------------------------------------------------------------
def test_borders_open_spells_continue_and_closed_ones_end():
    spells = read_contiguity(FIXTURE / "contiguity" / "contdir.csv")  # CR-only line ends
    assert len(spells) == 6 and int(spells["open"].sum()) == 3

    def pairs(date):
        b = borders_on(spells, date)
        return {(r.ccode1, r.ccode2): r.type for r in b.itertuples()}

    assert pairs(dt.date(1900, 6, 1)) == {
        (2, 70): "land",
        (200, 220): "sea12",
        (220, 255): "land",
        (200, 255): "sea400",
    }
    assert pairs(dt.date(1950, 6, 1)) == {(2, 20): "land", (2, 70): "land", (200, 220): "sea12"}
    # after the end of the data (2006), the spells open then continue
    assert pairs(dt.date(2012, 1, 1)) == pairs(dt.date(1950, 6, 1))
    with pytest.raises(DataError, match="before the COW direct contiguity data"):
        borders_on(spells, dt.date(1801, 1, 1))


def test_majors_by_date():
    majors = read_majors(FIXTURE / "wars" / "majors2011.csv")
    assert majors_on(majors, dt.date(1900, 1, 1)) == {2, 200, 220, 255}
    assert majors_on(majors, dt.date(1941, 1, 1)) == {2, 200}  # France out 1940-1945
    assert majors_on(majors, dt.date(2015, 1, 1)) == {2, 200, 220}  # spells open at the end continue


# -- the world on a date ------------------------------------------------------------------------
def test_world_spec_on_the_fixture():
    spec, notes = quiet_spec("1900-06-01")
    assert [s["code"] for s in spec["states"]] == ["USA", "MEX", "UKG", "FRN", "GMY"]  # CAN not in 1900
    assert sum(s["capability"] for s in spec["states"]) == pytest.approx(1.0)
    assert {s["code"]: s["major"] for s in spec["states"]} == {
        "USA": True, "MEX": False, "UKG": True, "FRN": True, "GMY": True,
    }  # fmt: skip
    names = [t["name"] for t in spec["treaties"]]
    assert names == [
        "ATOP 1001 (USA, UKG) defense",
        "ATOP 1002 (UKG, FRN) consultation",
        "ATOP 1003 (FRN, GMY) defense",
        "ATOP 1003 (FRN, GMY) offense",
        "ATOP 1003 (FRN, GMY) nonaggression",
    ]
    assert spec["treaties"][2]["signed"] == 1898  # from the alliance-level file, not the entry year
    # rivalries in force in 1900 with their types; Mexico-US ended in 1848, US-USSR starts 1945
    assert spec["rivalries"] == [
        {"states": ["FRN", "GMY"], "types": ["positional", "spatial"]},
        {"states": ["FRN", "UKG"], "types": ["positional", "spatial"]},
    ]
    assert {tuple(b["states"]): b["type"] for b in spec["borders"]} == {
        ("USA", "MEX"): "land", ("UKG", "FRN"): "sea12", ("UKG", "GMY"): "sea400", ("FRN", "GMY"): "land",
    }  # fmt: skip
    assert notes.members_outside == 1  # ccode 999 in ATOP 1005
    assert any("ccode 999 (ATOP 1005)" in line for line in notes.lines)


def test_world_spec_counts_rivals_outside_the_system():
    spec, notes = quiet_spec("1950-07-01", origins=[("USA", "CAN")])
    # US-USSR 2 is in force in 1950 but the fixture has no Soviet Union, and France-Germany has
    # neither Germany (255) nor West Germany (260) in the fixture's 1950: both left out and counted
    assert notes.rivalries_outside == 2
    assert any("France-Germany, United States-USSR 2" in x for x in notes.lines)
    assert spec["rivalries"] == []
    assert {tuple(b["states"]) for b in spec["borders"]} == {("USA", "CAN"), ("USA", "MEX"), ("UKG", "FRN")}


def test_world_on_warns_and_validates():
    with pytest.warns(DataWarning, match=r"ccode 999 \(ATOP 1005\)"):
        world = world_on("1900-06-01", data=FIXTURE, origins=[("USA", "MEX")])
    assert world.codes == ["USA", "MEX", "UKG", "FRN", "GMY"]
    assert world.year == 1900


def test_world_on_emits_borders_and_multi_state_origins():
    spec, _ = quiet_spec("1901-02-02", origins=[(["FRN", "GMY"], "UKG")])
    assert spec["origins"] == [{"initiator": ["FRN", "GMY"], "target": "UKG", "weight": 1.0}]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)
        world = world_on("1901-02-02", data=FIXTURE, origins=[(["FRN", "GMY"], "UKG")])
    assert len(world.borders) == len(spec["borders"])


def test_world_on_with_a_profile_sets_every_value():
    profile = {
        "name": "test",
        "ladder": {"levels": ["threat", "display", "use", "war"], "war": "war"},
        "triggers": {"defense": "war", "consultation": "display", "rivalry": "display", "border": "use"},
        "values": {
            "up.threat.before_1945": 0.9, "up.threat.from_1945": 0.8,
            "up.display.before_1945": 0.7, "up.display.from_1945": 0.6,
            "up.use.before_1945": 0.2, "up.use.from_1945": 0.05,
            "deterrence": 0.5, "misperception": 0.1,
            "reliability.alliance.before_1945": 0.4, "reliability.alliance.from_1945": 0.1,
            "reliability.consultation": 0.03, "joining.land": 0.05, "joining.sea": 0.01,
            "hostility.rivalry": 0.07, "hostility.spatial": 0.09,
        },
    }  # fmt: skip
    spec, _ = quiet_spec("1900-06-01", profile=profile)
    assert spec["profile"] == "test" and spec["ladder"]["levels"] == ["threat", "display", "use", "war"]
    assert spec["escalation"]["up"] == [0.9, 0.7, 0.2]
    assert spec["escalation"]["settle"] == pytest.approx([0.1, 0.3, 0.8, 0.0])
    rel = {t["name"]: (t.get("reliability"), t.get("trigger")) for t in spec["treaties"]}
    assert rel["ATOP 1001 (USA, UKG) defense"] == (0.4, "war")
    assert rel["ATOP 1002 (UKG, FRN) consultation"] == (0.03, "display")
    assert rel["ATOP 1003 (FRN, GMY) nonaggression"] == (None, None)
    assert all(
        r["hostility"] == 0.09 and r["trigger"] == "display" for r in spec["rivalries"]
    )  # spatial > rivalry
    assert {b["type"]: b["joining"] for b in spec["borders"]} == {"land": 0.05, "sea12": 0.01, "sea400": 0.01}
    later, _ = quiet_spec("1950-07-01", origins=[("USA", "CAN")], profile=profile)
    assert later["escalation"]["up"] == [0.8, 0.6, 0.05]
    assert [t["reliability"] for t in later["treaties"] if t["kind"] == "defense"] == [0.1, 0.1]


@pytest.mark.parametrize(
    ("date", "match"),
    [
        (
            1700,
            r"outside the ATOP data in ATOP member-level file .*atop_v4.01_member_level.csv.*span 1899-1951",
        ),
        (
            1951,
            r"year 1951 is outside the NMC data in NMC capabilities file .*NMC-60-abridged.csv.*1900-1950",
        ),
        ("June 1900", "could not read 'June 1900'"),
    ],
)
def test_dates_outside_a_source_name_the_file(date, match):
    with pytest.raises(DataError, match=match):
        quiet_spec(date)


def test_bad_folders_codes_and_origins_raise(tmp_path):
    with pytest.raises(FileNotFoundError, match="data folder .* does not exist"):
        HistoryData(tmp_path / "nope")
    with pytest.raises(FileNotFoundError, match="contiguity file .*missing.csv' does not exist"):
        HistoryData(FIXTURE, files={"contiguity": "missing.csv"})
    with pytest.raises(DataError, match=r"origins\[0\] target: unknown state code 'SRB'"):
        quiet_spec("1900-06-01", origins=[("USA", "SRB")])
    with pytest.raises(DataError, match="origins: the list is empty"):
        quiet_spec("1900-06-01", origins=[])


def test_world_from_atop_on_the_fixture():
    """world_from_atop's logic without the real data: rows in force, own flags, dropped members."""
    with pytest.warns(DataWarning) as record:
        world = world_from_atop(
            "1900-06-01",
            members=FIXTURE / "atop_v4.01_member_level.csv",
            capabilities=FIXTURE / "NMC-60-abridged.csv",
            alliances=FIXTURE / "atop_v4.01_alliance_level.csv",
            origins=[("USA", "MEX")],
        )
    text = "\n".join(str(w.message) for w in record)
    assert "ccode 999 (ATOP 1005)" in text and "ATOP 1005 defense: 1 member(s)" in text
    got = {t.name: (t.members, t.guarantors, t.signed) for t in world.treaties}
    assert got == {
        "ATOP 1001 (USA, UKG) defense": (["USA", "UKG"], None, 1899),
        "ATOP 1002 (UKG, FRN) consultation": (["UKG", "FRN"], None, 1899),
        "ATOP 1003 (FRN, GMY) defense": (["FRN", "GMY"], ["FRN"], 1898),
        "ATOP 1003 (FRN, GMY) offense": (["FRN", "GMY"], ["FRN"], 1898),
        "ATOP 1003 (FRN, GMY) nonaggression": (["FRN", "GMY"], ["GMY"], 1898),
    }
    # MEX is in the world as an origin; its only alliance (1005) lost its partner
    assert world.codes == ["USA", "MEX", "UKG", "FRN", "GMY"]
    # the consultation pact was exited in June 1940; the 1949 pact is not yet signed in 1900
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)
        w1950 = world_from_atop(
            1950,
            members=FIXTURE / "atop_v4.01_member_level.csv",
            capabilities=FIXTURE / "NMC-60-abridged.csv",
            origins=[("USA", "CAN")],
        )
    assert [t.name for t in w1950.treaties] == [
        "ATOP 1001 (USA, UKG) defense",
        "ATOP 1004 (USA, CAN, UKG, FRN) defense",
        "ATOP 1004 (USA, CAN, UKG, FRN) consultation",
    ]


# -- real data ------------------------------------------------------------------------------------
def test_real_world_on_1914():
    data = real_data()
    spec, notes = world_spec("1914-07-28", data=data, origins=[("AUH", "YUG")])
    codes = [s["code"] for s in spec["states"]]
    nmc = pd.read_csv(data / "NMC-60-abridged.csv")
    assert len(codes) == (nmc.year == 1914).sum() == 45
    borders = {tuple(sorted(b["states"])): b["type"] for b in spec["borders"]}
    assert borders[("AUH", "YUG")] == "land" and borders[("AUH", "RUS")] == "land"
    assert borders[("AUH", "GRC")] == "sea400"
    rivals = {tuple(sorted(r["states"])): r["types"] for r in spec["rivalries"]}
    assert rivals[("AUH", "YUG")] == ["positional", "spatial", "interventionary"]
    assert rivals[("AUH", "RUS")] == ["positional", "spatial"] and ("FRN", "GMY") in rivals
    assert notes.members_outside == 2  # Costa Rica and Montenegro, as world_from_atop reports
    majors = {s["code"] for s in spec["states"] if s["major"]}
    assert majors == {"USA", "UKG", "FRN", "GMY", "AUH", "ITA", "RUS", "JPN"}


def test_world_from_atop_takes_a_profile(tmp_path):
    profile = tmp_path / "p.yaml"
    profile.write_text(
        yaml.safe_dump(
            {
                "name": "p",
                "ladder": {"levels": ["threat", "display", "use", "war"], "war": "war"},
                "triggers": {"defense": "use", "consultation": "display"},
                "values": {
                    "up.threat": 0.9, "up.display": 0.5, "up.use": 0.1, "deterrence": 0.5, "misperception": 0.0,
                    "reliability.alliance.before_1945": 0.35, "reliability.alliance.from_1945": 0.1,
                    "reliability.consultation": 0.02, "hostility.rivalry": 0.05,
                },
            }
        )
    )  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)
        world = world_from_atop(
            "1900-06-01",
            members=FIXTURE / "atop_v4.01_member_level.csv",
            capabilities=FIXTURE / "NMC-60-abridged.csv",
            origins=[("USA", "MEX")],
            profile=str(profile),
        )
    assert world.year == 1900 and world.ladder.levels == ["threat", "display", "use", "war"]
    assert world.escalation.up == [0.9, 0.5, 0.1]
    kinds = {t.kind: (t.reliability, t.trigger) for t in world.treaties}
    assert kinds["defense"] == (0.35, "use") and kinds["consultation"] == (0.02, "display")
