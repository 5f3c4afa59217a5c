"""The world file's ``horizon:`` section and treaty terms: defaults, cross-checks and messages."""

from __future__ import annotations

import pytest

import tripwire
from tests.helpers.worlds import small_world
from tripwire import defaults
from tripwire.world import kinds
from tripwire.world.horizon import arms_system, leading_eigenvalue


def with_horizon(horizon=None, **treaty_fields) -> dict:
    w = small_world()
    if horizon is not None:
        w["horizon"] = horizon
    if treaty_fields:
        w["treaties"][0].update(treaty_fields)
    return w


def error_of(w: dict) -> str:
    with pytest.raises(tripwire.WorldError) as exc:
        tripwire.load_world(w)
    return str(exc.value)


def test_defaults_are_resolved_and_round_trip():
    world = tripwire.load_world(with_horizon({}))
    h = world.horizon
    assert (h.years, h.lambda0, h.beta, h.delta, h.pi_d, h.epsilon, h.renewal, h.review) == (
        defaults.HORIZON_YEARS,
        defaults.LAMBDA0,
        defaults.BETA,
        defaults.TRUST_DELTA,
        defaults.DISSOLVE_PI,
        defaults.DOMINO_EPSILON,
        defaults.RENEWAL,
        defaults.REVIEW,
    )
    assert h.systemic.level == "general_war"  # the top of the ladder
    assert h.term is None and world.treaties[0].term is None
    again = tripwire.World.model_validate(world.resolved())
    assert again.hash == world.hash


def test_a_world_without_horizon_keeps_its_hash():
    w = small_world()
    assert "horizon" not in tripwire.load_world(w).resolved()


def test_unknown_keys_are_refused_with_a_hint():
    msg = error_of(with_horizon({"lamda0": 0.2}))
    assert "unknown key 'lamda0' (did you mean 'lambda0'?)" in msg
    assert "unknown key 'trem'" in error_of(with_horizon({}, trem=10))
    assert "unknown key 'level_'" in error_of(with_horizon({"systemic": {"level_": "war"}}))


def test_ranges_are_checked():
    assert "horizon.delta" in error_of(with_horizon({"delta": 1.5}))
    assert "horizon.years" in error_of(with_horizon({"years": 0}))
    assert "term" in error_of(with_horizon({}, term=-1))
    assert "renewal" in error_of(with_horizon({}, renewal=2.0))


def test_unstable_arms_are_refused_with_the_eigenvalue():
    w = with_horizon({"fatigue": 0.05, "reaction": 1.0})
    msg = error_of(w)
    assert "the arms system is unstable" in msg and "eigenvalue 0." in msg and "runaway: true" in msg
    w["horizon"]["runaway"] = True
    world = tripwire.load_world(w)
    assert world.horizon.runaway
    # the eigenvalue shown is M's leading one
    lam = leading_eigenvalue(arms_system(world)[0])
    assert lam.real > 0 and f"eigenvalue {lam.real:.6g} with a non-negative real part" in msg


def test_cross_checks_name_the_problem():
    assert "horizon.fatigue lists unknown state(s) ['X']" in error_of(with_horizon({"fatigue": {"X": 0.1}}))
    msg = error_of(with_horizon({"arrivals": [{"states": ["A", "Q"]}]}))
    assert "horizon.arrivals[0] lists unknown state(s) ['Q']" in msg
    msg = error_of(with_horizon({"arrivals": [{"states": ["A", "B"], "initiator": "C"}]}))
    assert "initiator 'C' is not one of the dyad's states" in msg
    assert "unknown level 'armageddon'" in error_of(with_horizon({"systemic": {"level": "armageddon"}}))
    assert "no state is marked major" in error_of(with_horizon({"systemic": {"majors": 1}}))
    assert "either target" in error_of(with_horizon({"target": {"A": 2}, "growth": {"A": 0.1}}))
    assert "r_min = 0.9 is above r_max = 0.5" in error_of(with_horizon({"r_min": 0.9, "r_max": 0.5}))
    w = with_horizon({})
    w["rivalries"] = []
    w["origins"] = [{"initiator": "A", "target": "B"}]
    assert "'rivalries' needs at least one rivalry" in error_of(w)


def test_background_rates_follow_the_era():
    h = tripwire.load_world(with_horizon({"background": {"offense": 0.5}})).horizon
    assert h.background_rate("defense", 1900) == kinds.get("defense").exit["pre1945"]
    assert h.background_rate("defense", 1945) == kinds.get("defense").exit["post1945"]
    assert h.background_rate("defense", None) == kinds.get("defense").exit["post1945"]
    assert h.background_rate("offense", 1900) == 0.5
