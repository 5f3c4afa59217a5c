"""The bundled scenarios: each validates and runs, and each curated treaty network agrees with ATOP
v4.01 on the scenario's date except where the scenario's comments say why.

The cross-check matches states by COW ``ccode`` (scenario codes may differ from NMC's: SRB is
YUG) and finds three kinds of difference on the date:

(a) an ATOP alliance in force with two or more members among the scenario's states that no
    curated treaty carries as ``atopid``;
(b) a curated ``atopid`` whose members differ from ATOP's members in force (its entries taken
    together), or that is not in force at all;
(c) obligation kinds: a curated entry whose obliged members (its ``guarantors``, else all its
    members) lack ATOP's flag for its kind (``entente`` has no ATOP flag), or an ATOP defense or
    offense obligation that no curated entry of that ``atopid`` gives the member.

Each difference must be explained in the scenario file by a comment line ``# ATOP <atopid>:
<reason>``; the test fails listing every difference without one, and every such line whose
alliance shows no difference (so the reasons stay current).
"""

from __future__ import annotations

import datetime as dt
import re
from importlib import resources

import numpy as np
import pandas as pd
import pytest

import tripwire
from tripwire.io.atop import alliances_in_force

#: The date each bundled scenario describes (the scenario files carry it in their comments).
SCENARIO_DATES: dict[str, dt.date] = {
    "july1914": dt.date(1914, 7, 28),  # Austria-Hungary declares war on Serbia
    "taiwan1958": dt.date(1958, 8, 23),  # the bombardment of Kinmen begins
    "cuba1962": dt.date(1962, 10, 16),  # Kennedy is shown the missile photographs
    "iraq2003": dt.date(2003, 3, 20),  # the invasion begins
    "today": dt.date(2025, 1, 1),  # the alliance system of 2025; ATOP v4.01 ends in 2016
    "europe1890": dt.date(1890, 7, 1),  # the long-horizon start: after the Reinsurance Treaty lapsed
    "coldwar1955": dt.date(1955, 5, 14),  # the Warsaw Pact is signed
}

#: Scenario treaty kind -> ATOP obligation flag (``entente`` has none).
KIND_FLAG = {
    "defense": "defense",
    "offense": "offense",
    "neutrality": "neutral",
    "nonaggression": "nonagg",
    "consultation": "consul",
}
#: ATOP obligations that move states into a war; the check (c) looks for them in the scenario.
WAR_FLAGS = ("defense", "offense")

EXPLANATION = re.compile(r"#.*?\bATOP (\d+):\s*(\S.*)$")

TRIALS = 4_000


# -- every bundled scenario runs --------------------------------------------------------------
def test_every_bundled_scenario_has_a_date():
    assert set(SCENARIO_DATES) == set(tripwire.bundled_scenarios())


@pytest.mark.parametrize("name", tripwire.bundled_scenarios())
def test_bundled_scenario_runs(name):
    world = tripwire.load_world(name)
    assert world.name == name
    assert all(s.ccode is not None for s in world.states), "every scenario state carries its ccode"
    ds = tripwire.simulate(world, TRIALS, seed=20240601)
    n_levels, n_states = len(world.ladder.levels), len(world.states)

    outcome = ds["outcome_count"].values
    assert int(ds["trials"]) == TRIALS
    assert outcome.sum() == TRIALS
    assert ds["rounds_count"].values.sum() == TRIALS
    assert ds["origin_level_count"].values.sum() == TRIALS
    exceed = outcome.sum(axis=1)[::-1].cumsum()[::-1]  # trials ending at or above each level
    assert exceed[0] == TRIALS
    assert np.all(np.diff(exceed) <= 0)
    assert 0 < exceed[world.ladder.war_index] < TRIALS, "war should be possible but not certain"
    assert np.allclose(ds["p_exceed"].values, exceed / TRIALS)
    assert 2 <= float(ds["expected_participants"]) <= n_states

    involved = ds["involved_count"].values
    assert np.all(involved <= TRIALS)
    assert np.all(ds["war_count"].values <= involved)
    assert np.array_equal(ds["side_count"].values.sum(axis=1), involved)
    # every origin's initiator and target take part in every trial that starts there
    origins = [] if world.origins == "rivalries" else world.origins  # rival dyads: see compile tests
    weights = {o.label: o.weight for o in origins}
    for origin in origins:
        if weights[origin.label] > 0:
            assert involved[world.codes.index(origin.initiator)] > 0
            assert involved[world.codes.index(origin.target)] > 0
    # the summed participants equal the sizes tallied
    sizes = ds["size"].values
    assert (outcome.sum(axis=0) * sizes).sum() == involved.sum()
    assert outcome.shape == (n_levels, n_states - 1)

    honoured, failed = ds["treaty_honoured"].values, ds["treaty_failed"].values
    assert np.all(honoured >= 0) and np.all(failed >= 0)
    assert honoured.sum() > 0, "some treaty should fire in a curated scenario"
    for k, t in enumerate(world.treaties):
        if t.is_pledge:
            assert honoured[k] == failed[k] == 0, f"pledge {t.name!r} never fires"


# -- cross-check against ATOP ------------------------------------------------------------------
@pytest.fixture(scope="module")
def atop(data_dir) -> pd.DataFrame:
    """The ATOP member-level file, read once for the module."""
    return pd.read_csv(data_dir / "atop_v4.01_member_level.csv", low_memory=False)


def explanations(name: str) -> dict[int, list[str]]:
    """``atopid -> reasons`` from the scenario file's ``# ATOP <atopid>: <reason>`` comment lines."""
    text = (resources.files("tripwire.scenarios") / f"{name}.yaml").read_text()
    found: dict[int, list[str]] = {}
    for line in text.splitlines():
        m = EXPLANATION.search(line)
        if m:
            found.setdefault(int(m.group(1)), []).append(m.group(2).strip())
    return found


def differences(world: tripwire.World, rows: pd.DataFrame) -> dict[int, list[str]]:
    """``atopid -> what differs`` between a world's treaties and ATOP rows in force on its date."""
    code_of = {s.ccode: s.code for s in world.states}
    ccode_of = {s.code: s.ccode for s in world.states}
    found: dict[int, list[str]] = {}

    def note(atopid: int, what: str) -> None:
        found.setdefault(int(atopid), []).append(what)

    def codes(ccodes) -> str:
        return ", ".join(sorted(code_of.get(c, f"ccode {c}") for c in ccodes))

    by_atopid = {int(a): g.set_index("member") for a, g in rows.groupby("atopid")}
    curated: dict[int, list] = {}
    for t in world.treaties:
        if t.atopid is not None:
            curated.setdefault(t.atopid, []).append(t)

    # (a) alliances in force among the scenario's states that no treaty carries
    for atopid, group in by_atopid.items():
        inside = [c for c in group.index if c in code_of]
        if len(inside) >= 2 and atopid not in curated:
            flags = [f for f in KIND_FLAG.values() if group.loc[inside, f].any()]
            note(atopid, f"in force among {codes(inside)} ({'/'.join(flags)}), no treaty carries it")

    for atopid, treaties in sorted(curated.items()):
        # (b) members
        if atopid not in by_atopid:
            note(atopid, "not in force on the date")
            continue
        group = by_atopid[atopid]
        mine = {ccode_of[m] for t in treaties for m in t.members}
        theirs = set(group.index)
        if mine - theirs:
            note(atopid, f"members not in ATOP on the date: {codes(mine - theirs)}")
        if theirs - mine:
            note(atopid, f"ATOP members left out: {codes(theirs - mine)}")
        # (c) kinds
        owed: dict[str, set[int]] = {}
        for t in treaties:
            obliged = {ccode_of[m] for m in (t.guarantors or t.members)}
            flag = KIND_FLAG.get(t.kind)
            if flag is None:
                note(atopid, f"{t.name!r} is {t.kind}, which ATOP has no flag for")
                continue
            owed.setdefault(flag, set()).update(obliged)
            lacking = sorted(c for c in obliged & theirs if not group.at[c, flag])
            if lacking:
                note(atopid, f"{t.name!r} is {t.kind} for {codes(lacking)}, ATOP has no {flag} flag")
        for flag in WAR_FLAGS:
            carried = {c for c in theirs & mine if group.at[c, flag]}
            missing = carried - owed.get(flag, set())
            if missing:
                note(atopid, f"ATOP {flag} owed by {codes(missing)} is in no {flag} entry")
    return found


def curated_with_data(atop: pd.DataFrame) -> list[str]:
    last = int(max(atop["yrent"].max(), atop["yrexit"].max()))
    return [name for name, date in SCENARIO_DATES.items() if date.year <= last]


@pytest.mark.parametrize("name", sorted(SCENARIO_DATES))
def test_scenario_agrees_with_atop_or_says_why(name, atop):
    date = SCENARIO_DATES[name]
    if name not in curated_with_data(atop):
        # beyond the data: the check cannot be made, and the loader says so
        with pytest.raises(ValueError, match="outside the ATOP data"):
            alliances_in_force(date, atop)
        assert name == "today", f"{name}: its date {date} is outside ATOP v4.01"
        return
    world = tripwire.load_world(name)
    rows = alliances_in_force(date, atop)
    found = differences(world, rows)
    reasons = explanations(name)
    unexplained = [
        f"{name}: ATOP {atopid}: {what}"
        for atopid, whats in sorted(found.items())
        if atopid not in reasons
        for what in whats
    ]
    stale = [
        f"{name}: ATOP {atopid}: explained but no difference found"
        for atopid in reasons
        if atopid not in found
    ]
    problems = unexplained + stale
    assert not problems, (
        f"{len(unexplained)} difference(s) from ATOP v4.01 on {date} without a '# ATOP <atopid>: "
        f"<reason>' comment in {name}.yaml, {len(stale)} stale comment(s):\n" + "\n".join(problems)
    )


def test_cross_check_covers_the_curated_dates(atop):
    """ATOP v4.01 covers every curated scenario but ``today`` (2025; the data end in 2016)."""
    assert curated_with_data(atop) == [
        "july1914",
        "taiwan1958",
        "cuba1962",
        "iraq2003",
        "europe1890",
        "coldwar1955",
    ]
    assert SCENARIO_DATES["today"].year > int(max(atop["yrent"].max(), atop["yrexit"].max()))


def test_differences_are_found():
    """The check itself: a treaty left out, a member added and a kind changed are all reported."""
    members = pd.DataFrame(
        {
            "atopid": [1, 1, 2, 2, 3, 3],
            "member": [10, 20, 10, 30, 20, 30],
            "defense": [True, True, False, False, False, True],
            "offense": [False, False, False, False, False, False],
            "neutral": [False, False, False, False, False, False],
            "nonagg": [False, False, True, True, False, False],
            "consul": [False, False, False, False, True, True],
        }
    )
    world = tripwire.load_world(
        {
            "name": "check",
            "states": [
                {"code": "A", "capability": 1, "ccode": 10},
                {"code": "B", "capability": 1, "ccode": 20},
                {"code": "C", "capability": 1, "ccode": 30},
                {"code": "D", "capability": 1, "ccode": 40},
            ],
            "treaties": [
                {"name": "AB", "kind": "defense", "members": ["A", "B", "D"], "atopid": 1},
                {"name": "BC", "kind": "defense", "members": ["B", "C"], "atopid": 3},
                {"name": "AD", "kind": "entente", "members": ["A", "D"], "atopid": 9},
            ],
            "origins": [{"initiator": "A", "target": "B"}],
        }
    )
    found = differences(world, members)
    assert set(found) == {1, 2, 3, 9}
    assert found[1] == ["members not in ATOP on the date: D"]
    assert found[2] == ["in force among A, C (nonagg), no treaty carries it"]
    assert found[3] == ["'BC' is defense for B, ATOP has no defense flag"]
    assert found[9] == ["not in force on the date"]
