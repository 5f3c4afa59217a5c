"""World building from real data (ATOP v4.01, COW NMC v6.0) and its handling of the data's quirks.

The real files live in ``TRIPWIRE_DATA`` (default ``../shared/data`` next to the repository); tests that need them are skipped
when they are absent. Tests on small hand-made tables run everywhere.
"""

from __future__ import annotations

import datetime as dt
import warnings

import numpy as np
import pandas as pd
import pytest

import tripwire
from tests.helpers.paths import DATA
from tripwire.io.atop import (
    ATOP_KINDS,
    DataWarning,
    alliances_in_force,
    world_from_atop,
)
from tripwire.io.nmc import capability_shares
from tripwire.world import kinds

MEMBERS = DATA / "atop_v4.01_member_level.csv"
ALLIANCES = DATA / "atop_v4.01_alliance_level.csv"
NMC = DATA / "NMC-60-abridged.csv"
IN_FORCE_1914 = DATA / "alliances_in_force_1914-07-28_atop401.csv"
NATO_WARSAW = DATA / "nato_warsaw_membership_atop401.csv"

requires_data = pytest.mark.skipif(
    not all(p.exists() for p in (MEMBERS, ALLIANCES, NMC, IN_FORCE_1914, NATO_WARSAW)),
    reason=f"ATOP/NMC data files not found in {DATA}",
)

JULY_28 = "1914-07-28"
CUBA = dt.date(1962, 10, 16)


def build(date, **kw):
    kw.setdefault("origins", [("AUH", "YUG")] if str(date).startswith("1914") else [("RUS", "USA")])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)
        return world_from_atop(date, members=MEMBERS, capabilities=NMC, **kw)


@pytest.fixture(scope="module")
def world_1914():
    return build(JULY_28, alliances=ALLIANCES)


@pytest.fixture(scope="module")
def world_1962():
    return build(CUBA)


def treaty(world, atopid, kind):
    found = [t for t in world.treaties if t.atopid == atopid and t.kind == kind]
    assert len(found) <= 1, f"ATOP {atopid} {kind} built twice: {[t.name for t in found]}"
    return found[0] if found else None


def owers(t):
    """The members that owe the treaty's obligation."""
    return set(t.guarantors) if t.guarantors is not None else set(t.members)


# -- 1914-07-28 -------------------------------------------------------------------------------
@requires_data
def test_1914_alliances_in_force_match_derived_file():
    derived = pd.read_csv(IN_FORCE_1914)
    rows = alliances_in_force(JULY_28, MEMBERS)
    got = rows.groupby("atopid")["member"].apply(frozenset).to_dict()
    want = derived.groupby("atopid")["ccode"].apply(frozenset).to_dict()
    assert got == want
    assert len(rows) == len(derived) == 41  # one row per member, no repeated phases


@requires_data
def test_1914_treaties_follow_each_members_own_flags(world_1914):
    derived = pd.read_csv(IN_FORCE_1914)
    codes = {s.code for s in world_1914.states}
    # Montenegro (341) and Costa Rica (94) have no NMC row for 1914
    assert {"MNG", "COS"}.isdisjoint(codes)
    # codes through ccodes: the derived file spells Romania RUM (COW state list), NMC spells it ROM
    by_ccode = {s.ccode: s.code for s in world_1914.states}
    derived = derived[derived["ccode"].isin(by_ccode)].assign(stateabb=lambda d: d["ccode"].map(by_ccode))
    assert by_ccode[360] == "ROM"
    expected = {}
    for atopid, rows in derived.groupby("atopid"):
        if len(rows) < 2:
            continue  # ATOP 1480 (Serbia-Montenegro) keeps one member with capabilities
        for flag, kind in ATOP_KINDS.items():
            carriers = set(rows.loc[rows[flag] == 1, "stateabb"])
            if carriers:
                expected[(atopid, kind)] = (set(rows["stateabb"]), carriers)
    got = {(t.atopid, t.kind): (set(t.members), owers(t)) for t in world_1914.treaties}
    assert got == expected
    assert 1480 not in {t.atopid for t in world_1914.treaties}
    for t in world_1914.treaties:
        if t.guarantors is not None:
            assert set(t.guarantors) < set(t.members), t.name  # one-way only when someone does not owe


@requires_data
def test_1914_warns_about_states_without_capabilities():
    with pytest.warns(DataWarning) as record:
        world_from_atop(JULY_28, members=MEMBERS, capabilities=NMC, origins=[("AUH", "YUG")])
    text = "\n".join(str(w.message) for w in record)
    assert "ccode 341 (ATOP 1480)" in text and "ccode 94 (ATOP 1450)" in text
    assert "ATOP 1480 defense" in text  # the treaty left with one member is dropped, and said so


@requires_data
def test_dual_alliance_is_mutual_defense(world_1914):
    t = treaty(world_1914, 1335, "defense")
    assert t.name == "ATOP 1335 (GMY, AUH) defense"
    assert t.kind == "defense" and sorted(t.members) == ["AUH", "GMY"]
    assert t.guarantors is None or sorted(t.guarantors) == ["AUH", "GMY"]
    assert t.signed == 1879 and t.reliability == kinds.get("defense").reliability

    from tripwire.crisis.compile import DEFEND, compile_world

    cw = compile_world(world_1914)
    k = cw.treaties.index(t.name)
    edges = set()
    for i, code in enumerate(cw.codes):
        for e in range(cw.edge_ptr[i], cw.edge_ptr[i + 1]):
            if cw.edge_treaty[e] == k:
                assert cw.edge_kind[e] == DEFEND
                edges.add((code, cw.codes[cw.edge_dst[e]]))
    assert edges == {("AUH", "GMY"), ("GMY", "AUH")}


@requires_data
def test_italy_owes_only_what_its_own_rows_say(world_1914):
    raw = pd.read_csv(MEMBERS)
    rows = alliances_in_force(JULY_28, MEMBERS)
    ita = rows[rows["member"] == 325].set_index("atopid")
    # the Triple Alliance (1350) in force is its 1913 phase; Italy's row there, from the raw file
    phase = raw[(raw.atopid == 1350) & (raw.member == 325) & (raw.yrent == 1913)]
    assert len(phase) == 1
    for flag in ATOP_KINDS:
        assert bool(ita.at[1350, flag]) == bool(phase[flag].iloc[0])
    with_ita = [t for t in world_1914.treaties if "ITA" in t.members]
    assert {t.atopid for t in with_ita} == set(ita.index)
    for t in with_ita:
        flag = {v: k for k, v in ATOP_KINDS.items()}[t.kind]
        assert ("ITA" in owers(t)) == bool(ita.at[t.atopid, flag]), t.name
    for atopid in ita.index:
        for f, kind in ATOP_KINDS.items():
            if ita.at[atopid, f]:
                assert "ITA" in owers(treaty(world_1914, atopid, kind))
    # the cases that differ from the allies: Germany alone owes offense in the Triple Alliance,
    # and Italy joined the Austro-Romanian treaty (1355) for consultation only
    assert treaty(world_1914, 1350, "offense").guarantors == ["GMY"]
    assert set(treaty(world_1914, 1355, "defense").guarantors) == {"GMY", "AUH", "ROM"}
    assert treaty(world_1914, 1355, "consultation").guarantors is None


# -- 1962-10-16 -------------------------------------------------------------------------------
@requires_data
@pytest.mark.parametrize(("bloc", "atopid", "size"), [("NATO", 3180, 15), ("WarsawPact", 3285, 8)])
def test_1962_blocs(world_1962, bloc, atopid, size):
    ref = pd.read_csv(NATO_WARSAW)
    ref = ref[ref["bloc"] == bloc]
    entered = ref["atop_entry_year"] * 100 + ref["atop_entry_month"] <= CUBA.year * 100 + CUBA.month
    stayed = (ref["atop_exit_year"] == 0) | (ref["atop_exit_year"] > CUBA.year)
    want = set(ref.loc[entered & stayed, "ccode"])
    assert len(want) == size
    t = treaty(world_1962, atopid, "defense")
    ccode = {s.code: s.ccode for s in world_1962.states}
    assert t is not None and len(t.members) == size and {ccode[m] for m in t.members} == want
    assert t.guarantors is None  # every member owes every other
    assert t.name.startswith(f"ATOP {atopid} (") and t.name.endswith(f" +{size - 4}) defense")


@requires_data
def test_repeated_phases_give_one_row_and_one_treaty(world_1962):
    raw = pd.read_csv(MEMBERS)
    assert raw[(raw.atopid == 3180) & (raw.member == 2)].shape[0] == 2  # 1949-1951 and from 1951
    for date in ("1950-01-01", "1951-06-19", CUBA):
        rows = alliances_in_force(date, MEMBERS)
        assert not rows.duplicated(["atopid", "member"]).any()
        nato = rows[rows.atopid == 3180]
        assert len(nato) == (12 if str(date) < "1951-10" else 15)
    # on the day phase 2 starts, the members' rows are those of phase 2
    assert set(alliances_in_force("1951-06-19", MEMBERS).query("atopid == 3180")["phase"]) == {2}
    names = [t.name for t in world_1962.treaties]
    assert len(names) == len(set(names))
    assert [t.kind for t in world_1962.treaties if t.atopid == 3180] == [
        "defense",
        "nonaggression",
        "consultation",
    ]


@requires_data
def test_overlapping_phases_keep_the_later_phase():
    # ATOP 3610: Romania's phase 2 (to 1993-09-24) and phase 3 (to 1994-06-22) both start 1993-01-01
    rows = alliances_in_force("1993-07-01", MEMBERS)
    rom = rows[(rows.atopid == 3610) & (rows.member == 360)]
    assert len(rom) == 1 and int(rom["phase"].iloc[0]) == 3


# -- capabilities -----------------------------------------------------------------------------
@requires_data
def test_cinc_is_a_share_of_the_whole_years_total(world_1914):
    nmc = pd.read_csv(NMC)
    year = nmc[nmc.year == 1914]
    total = year["cinc"].sum()
    assert abs(total - 1.0) > 0.01  # NMC's own shares do not add up to 1 in 1914
    caps = capability_shares(1914, NMC)
    assert len(caps) == len(year)
    assert caps["capability"].sum() == pytest.approx(1.0, abs=1e-12)
    gmy = float(year.loc[year.stateabb == "GMY", "cinc"].iloc[0])
    state = {s.code: s for s in world_1914.states}["GMY"]
    assert state.capability == pytest.approx(gmy / total, rel=1e-12)
    assert state.ccode == 255
    assert state.capability < gmy  # 1914's total is above 1, so shares shrink
    assert sum(s.capability for s in world_1914.states) < 1.0  # only the states in the world


def write_tiny(tmp_path, nmc_rows, member_rows=None):
    nmc = tmp_path / "nmc.csv"
    pd.DataFrame(nmc_rows, columns=["stateabb", "ccode", "year", "milex", "cinc"]).to_csv(nmc, index=False)
    members = tmp_path / "members.csv"
    cols = ["atopid", "member", "yrent", "moent", "dayent", "yrexit", "moexit", "dayexit", *ATOP_KINDS]
    member_rows = member_rows or [
        (1, 10, 1900, 0, 0, 1903, 0, 0, 1, 0, 0, 0, 0),
        (1, 20, 1900, 0, 0, 1903, 0, 0, 1, 0, 0, 0, 0),
    ]
    pd.DataFrame(member_rows, columns=cols).to_csv(members, index=False)
    return members, nmc


def test_missing_cinc_is_imputed_from_the_nearest_year_with_a_warning(tmp_path):
    members, nmc = write_tiny(
        tmp_path,
        [
            ("AAA", 10, 1900, -9, 0.5),
            ("AAA", 10, 1901, -9, 0.6),
            ("AAA", 10, 1902, -9, 0.7),
            ("BBB", 20, 1900, 5, 0.2),
            ("BBB", 20, 1901, 5, -9),  # 1900 and 1902 are equally near: the earlier year is used
            ("BBB", 20, 1902, 5, 0.3),
            ("CCC", 30, 1901, 5, -9),  # never known: 0
            ("DDD", 40, 1901, 5, 0.1),
        ],
    )
    with pytest.warns(DataWarning) as record:
        world = world_from_atop(1901, members=members, capabilities=nmc, states=["CCC"], origins=[(10, 20)])
    text = "\n".join(str(w.message) for w in record)
    assert "BBB (ccode 20) from 1900" in text
    assert "CCC (ccode 30): capability set to 0" in text
    cap = {s.code: s.capability for s in world.states}
    total = 0.6 + 0.2 + 0.0 + 0.1  # every state of the year, DDD included
    assert cap == pytest.approx({"AAA": 0.6 / total, "BBB": 0.2 / total, "CCC": 0.0})
    with pytest.warns(DataWarning):
        shares = capability_shares(1901, nmc)
    assert shares.loc[20, "imputed_from"] == 1900 and np.isnan(shares.loc[10, "imputed_from"])
    assert [t.name for t in world.treaties] == ["ATOP 1 (AAA, BBB) defense"]
    # -9 in other columns (milex) is not CINC and raises no warning
    with warnings.catch_warnings():
        warnings.simplefilter("error", DataWarning)
        capability_shares(1900, nmc)


def test_guarantors_and_dropped_treaties_on_a_tiny_table(tmp_path):
    members, nmc = write_tiny(
        tmp_path,
        [("AAA", 10, 1900, 0, 0.5), ("BBB", 20, 1900, 0, 0.3), ("CCC", 30, 1900, 0, 0.2)],
        [
            # alliance 1: AAA owes defense, BBB does not; both consult
            (1, 10, 1899, 5, 0, 0, 0, 0, 1, 0, 0, 0, 1),
            (1, 20, 1899, 5, 0, 0, 0, 0, 0, 0, 0, 0, 1),
            # alliance 2: CCC left before the date (exit on the date counts as gone)
            (2, 10, 1899, 1, 1, 0, 0, 0, 0, 0, 0, 1, 0),
            (2, 30, 1899, 1, 1, 1900, 6, 1, 0, 0, 0, 1, 0),
            # alliance 3: ZZZ (ccode 99) has no capabilities; BBB alone is left
            (3, 20, 1899, 1, 1, 0, 0, 0, 1, 0, 0, 0, 0),
            (3, 99, 1899, 1, 1, 0, 0, 0, 1, 0, 0, 0, 0),
            # alliance 4: entered later in the year (unknown day: the 1st)
            (4, 10, 1900, 7, 0, 0, 0, 0, 1, 0, 0, 0, 0),
            (4, 30, 1900, 7, 0, 0, 0, 0, 1, 0, 0, 0, 0),
        ],
    )
    with pytest.warns(DataWarning) as record:
        world = world_from_atop("1900-06-01", members=members, capabilities=nmc, origins=[("AAA", "BBB")])
    text = "\n".join(str(w.message) for w in record)
    assert "ccode 99 (ATOP 3)" in text
    assert "ATOP 2 nonaggression: 1 member(s)" in text and "ATOP 3 defense: 1 member(s)" in text
    got = {t.name: (t.members, t.guarantors) for t in world.treaties}
    assert got == {
        "ATOP 1 (AAA, BBB) defense": (["AAA", "BBB"], ["AAA"]),
        "ATOP 1 (AAA, BBB) consultation": (["AAA", "BBB"], None),
    }
    assert world.codes == ["AAA", "BBB"]
    with pytest.warns(DataWarning):
        later = world_from_atop("1900-07-01", members=members, capabilities=nmc, origins=[("AAA", "BBB")])
    assert "ATOP 4 (AAA, CCC) defense" in [t.name for t in later.treaties]


# -- errors -----------------------------------------------------------------------------------
@requires_data
@pytest.mark.parametrize(
    ("date", "match"),
    [
        (1700, "outside the ATOP data.*1815-2016"),
        ("2030-01-01", "outside the ATOP data"),
        ("1815-06-01", "year 1815 is outside the NMC data.*1816-2016"),
        ("July 1914", "could not read 'July 1914'"),
    ],
)
def test_dates_outside_the_data_raise(date, match):
    with pytest.raises(ValueError, match=match):
        world_from_atop(date, members=MEMBERS, capabilities=NMC, origins=[("UKG", "FRN")])


@requires_data
@pytest.mark.parametrize(
    ("states", "match"),
    [
        (["SRB"], r"unknown state code 'SRB'.*YUG"),
        (["GMZ"], r"unknown state code 'GMZ'.*near matches: .*GMY"),
        (["GFR"], r"'GFR' for 1914 \(NMC has it in 1955-1990"),
        ([9999], r"ccode 9999 has no NMC row for 1914"),
    ],
)
def test_unknown_state_codes_raise_with_near_matches(states, match):
    with pytest.raises(ValueError, match=match):
        build(JULY_28, states=states)


@requires_data
def test_unknown_origin_state_raises():
    with pytest.raises(ValueError, match=r"origins\[0\] target: unknown state code 'SRB'"):
        build(JULY_28, origins=[("AUH", "SRB")])


@requires_data
def test_bad_paths_raise():
    missing = DATA / "no_such_file.csv"
    with pytest.raises(FileNotFoundError, match="no_such_file.csv"):
        world_from_atop(JULY_28, members=missing, capabilities=NMC, origins=[("AUH", "YUG")])
    with pytest.raises(FileNotFoundError, match="NMC capabilities file .*no_such_file.csv"):
        world_from_atop(JULY_28, members=MEMBERS, capabilities=missing, origins=[("AUH", "YUG")])
    with pytest.raises(FileNotFoundError, match="not a file"):
        world_from_atop(JULY_28, members=DATA, capabilities=NMC, origins=[("AUH", "YUG")])


@requires_data
def test_missing_columns_are_named(tmp_path):
    raw = pd.read_csv(MEMBERS)
    short = tmp_path / "members.csv"
    raw.drop(columns=["dayexit", "consul"]).to_csv(short, index=False)
    with pytest.raises(ValueError, match=r"lacks column\(s\) \['dayexit', 'consul'\]"):
        world_from_atop(JULY_28, members=short, capabilities=NMC, origins=[("AUH", "YUG")])
    # the files the wrong way round
    with pytest.raises(ValueError, match=r"ATOP member-level file .* lacks column\(s\) \['atopid', 'member'"):
        world_from_atop(JULY_28, members=NMC, capabilities=MEMBERS, origins=[("AUH", "YUG")])


def test_missing_nmc_columns_are_named(tmp_path):
    members, nmc = write_tiny(tmp_path, [("AAA", 10, 1900, 0, 0.5)])
    pd.read_csv(nmc).drop(columns=["cinc"]).to_csv(nmc, index=False)
    with pytest.raises(ValueError, match=r"NMC capabilities file .* lacks column\(s\) \['cinc'\]"):
        world_from_atop(1900, members=members, capabilities=nmc, origins=[(10, 20)])


@requires_data
def test_origins_are_required_unless_rivalries_are_given():
    with pytest.raises(ValueError, match="origins: a world needs to know where crises start"):
        world_from_atop(JULY_28, members=MEMBERS, capabilities=NMC)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)
        world = world_from_atop(
            JULY_28,
            members=MEMBERS,
            capabilities=NMC,
            rivalries=[{"states": ["AUH", 365], "hostility": 0.7}],
        )
    assert world.origins == "rivalries"
    assert list(world.rivalries[0].states) == ["AUH", "RUS"]


# -- the world ------------------------------------------------------------------------------
@requires_data
def test_options_pass_through_and_the_world_round_trips(tmp_path):
    world = build(
        JULY_28,
        name="july1914_atop",
        states=["BEL", 345],
        origins=[{"initiator": "AUH", "target": "YUG", "weight": 2.0}, ("GMY", "BEL", 1.0)],
        escalation={"deterrence": 0.5, "misperception": 0.3},
        policy={"communication": 0.2},
        treaty_params={"defense": {"reliability": 0.9, "trigger": "clash"}},
    )
    assert world.name == "july1914_atop" and "1914-07-28" in world.description
    assert world.escalation.deterrence == 0.5 and world.policy.communication == 0.2
    assert "BEL" in world.codes and [o.label for o in world.origins] == ["AUH->YUG", "GMY->BEL"]
    defense = [t for t in world.treaties if t.kind == "defense"]
    assert defense and all(t.reliability == 0.9 and t.trigger == "clash" for t in defense)
    assert all(t.reliability == 0.5 for t in world.treaties if t.kind == "consultation")
    path = tmp_path / "july1914_atop.yaml"
    path.write_text(world.to_yaml())
    again = tripwire.load_world(path)
    assert again == world and again.hash == world.hash


@requires_data
def test_kinds_and_option_errors():
    world = build(JULY_28, kinds=["defense", "nonagg"])
    assert {t.kind for t in world.treaties} == {"defense", "nonaggression"}
    with pytest.raises(ValueError, match="unknown obligation kind 'alliance'"):
        build(JULY_28, kinds=["alliance"])
    with pytest.raises(ValueError, match="unknown key"):
        build(JULY_28, treaty_params={"defense": {"reliabilty": 0.9}})
    with pytest.raises(TypeError, match="unexpected option"):
        build(JULY_28, treaties=[])


@requires_data
def test_states_all_takes_every_state_of_the_year():
    world = build(1914, states="all")
    nmc = pd.read_csv(NMC)
    assert len(world.states) == (nmc.year == 1914).sum()
    assert sum(s.capability for s in world.states) == pytest.approx(1.0)


@requires_data
def test_1914_world_runs_in_simulate(world_1914):
    trials = 4000
    ds = tripwire.simulate(world_1914, trials, seed=0)
    assert int(ds["trials"]) == trials
    involved = ds["involved_count"].to_series()
    assert set(involved.index) == set(world_1914.codes)
    assert involved["AUH"] == involved["YUG"] == trials  # the origin pair is always in the crisis
    assert int(ds["outcome_count"].sum()) == trials
    assert set(ds["treaty"].values) == {t.name for t in world_1914.treaties}
