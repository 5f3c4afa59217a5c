"""Exact oracles of the long-horizon model: each a small configuration with a closed form.

Deterministic oracles hold to 1e-12; statistical ones within K standard errors of the closed form
(fixed seeds).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.linalg
import scipy.stats

import tripwire
from tests.crisis.test_oracles import exact_dyad
from tripwire.horizon.compile import compile_horizon, discretise
from tripwire.kernels.horizon import arms_paths
from tripwire.world.horizon import arms_system

K = 4.5  # standard errors per compared value; false alarms below 1e-3 over the cells compared


def world(states="AB", treaties=(), rivalries=(("A", "B", 0.5),), horizon=None, escalation=None, **extra):
    """A small world; by default crises end at once (settle 1) so that arrivals are easy to count."""
    w = {
        "name": "oracle",
        "escalation": escalation or {"up": 0.0, "settle": 1.0},
        "states": [{"code": c, "capability": 1.0} for c in states],
        "treaties": list(treaties),
        "rivalries": [{"states": [a, b], "hostility": h} for a, b, h in rivalries],
        "origins": "rivalries",
        "horizon": {"noise": 0.0, "background": _no_background(), **(horizon or {})},
    }
    w.update(extra)
    return tripwire.World.model_validate(w)


def _no_background():
    return dict.fromkeys(
        ("defense", "offense", "entente", "consultation", "neutrality", "nonaggression"), 0.0
    )


def assert_within(estimate, exact, se, what):
    estimate, exact, se = np.asarray(estimate), np.asarray(exact), np.asarray(se)
    assert np.all(np.abs(estimate - exact) <= K * se + 1e-12), (what, estimate, exact, se)


def binomial_se(p, n):
    return np.sqrt(np.maximum(p * (1 - p), 1e-12) / n)


# -- 1. the deterministic Richardson path and its fixed point --------------------------------------
NOISE = {"A": 0.2, "B": 0.1, "C": 0.3, "D": 0.05}


def richardson_world(growth=None, target=None, noise=0.0):
    return world(
        "ABCD",
        treaties=[{"name": "CD", "kind": "defense", "members": ["C", "D"]}],
        rivalries=[("A", "B", 0.8), ("A", "C", 0.4), ("B", "D", 0.3)],
        horizon={
            "fatigue": {"A": 0.3, "B": 0.25},
            "reaction": 0.15,
            "burden": 0.1,
            "growth": growth,
            "target": target,
            "noise": noise,
        },
    )


@pytest.mark.parametrize("growth", [None, {"A": 0.5, "B": -0.1, "C": 0.0, "D": 0.3}])
def test_deterministic_richardson_path_and_fixed_point(growth):
    w = richardson_world(growth=growth)
    m, g, _ = arms_system(w)
    a = -np.diag(np.diag(m))
    k = m + a
    x_star = np.linalg.solve(a - k, g)  # (A - K)^-1 g
    if growth is None:
        np.testing.assert_allclose(x_star, 1.0, rtol=0, atol=1e-12)
    hc = compile_horizon(w)
    np.testing.assert_allclose(hc.x_star, x_star, rtol=0, atol=1e-12)
    paths = arms_paths(0, 1, 30, hc.phi_mat, hc.drift, hc.noise_l, False)[0]
    for y in range(31):
        exact = x_star + scipy.linalg.expm(m * y) @ (np.ones(4) - x_star)
        np.testing.assert_allclose(paths[y], exact, rtol=0, atol=1e-12, err_msg=f"year {y}")


def test_fixed_point_holds_still_with_target():
    w = richardson_world(target={"A": 1.5, "C": 0.5})
    hc = compile_horizon(w)
    np.testing.assert_allclose(hc.x_star, [1.5, 1.0, 0.5, 1.0], rtol=0, atol=1e-12)


# -- 2. the Ornstein-Uhlenbeck mean and covariance ---------------------------------------------------
def test_ornstein_uhlenbeck_one_year_covariance_is_exact():
    w = richardson_world(noise=NOISE)
    m, g, b = arms_system(w)
    phi, c, q = discretise(m, g, b)
    np.testing.assert_allclose(phi, scipy.linalg.expm(m), rtol=0, atol=1e-12)
    sigma = scipy.linalg.solve_continuous_lyapunov(m, -np.diag(b**2))  # M S + S M^T + B B^T = 0
    np.testing.assert_allclose(m @ sigma + sigma @ m.T + np.diag(b**2), 0, atol=1e-12)
    # stationary: S = Phi S Phi^T + Q
    np.testing.assert_allclose(q, sigma - phi @ sigma @ phi.T, rtol=0, atol=1e-12)
    x_star = np.linalg.solve(-m, g)
    np.testing.assert_allclose(c, (np.eye(4) - phi) @ x_star, rtol=0, atol=1e-12)


def test_ornstein_uhlenbeck_paths_have_the_exact_mean_and_covariance():
    hc = compile_horizon(richardson_world(noise=NOISE))
    trials, years = 40_000, 8
    x = arms_paths(3, trials, years, hc.phi_mat, hc.drift, hc.noise_l, True)[:, years]
    m = hc.m
    sigma = scipy.linalg.solve_continuous_lyapunov(m, -np.diag(hc.b**2))
    phi_y = scipy.linalg.expm(m * years)
    mean = hc.x_star + phi_y @ (np.ones(4) - hc.x_star)
    cov = sigma - phi_y @ sigma @ phi_y.T  # from a fixed start
    assert_within(x.mean(axis=0), mean, np.sqrt(np.diag(cov) / trials), "mean")
    sample = np.cov(x, rowvar=False)
    # se of a sample covariance of normals: sqrt((s_ij^2 + s_ii s_jj) / n)
    se = np.sqrt((cov**2 + np.outer(np.diag(cov), np.diag(cov))) / trials)
    assert_within(sample, cov, se, "covariance")


def test_runaway_race_grows_exponentially_when_asked_for():
    w = world("AB", horizon={"fatigue": 0.05, "reaction": 0.2, "runaway": True})
    hc = compile_horizon(w)
    path = arms_paths(0, 1, 10, hc.phi_mat, hc.drift, hc.noise_l, False)[0]
    lam = max(np.linalg.eigvals(hc.m).real)
    assert lam > 0
    # x - x* grows like e^(lam y) along the unstable direction; x0 = x* here, so it stays put
    np.testing.assert_allclose(path, 1.0, atol=1e-12)
    w2 = world(
        "AB", horizon={"fatigue": 0.05, "reaction": 0.2, "runaway": True, "growth": {"A": 0.2, "B": 0.2}}
    )
    hc2 = compile_horizon(w2)
    path2 = arms_paths(0, 1, 10, hc2.phi_mat, hc2.drift, hc2.noise_l, False)[0]
    m = hc2.m
    exact = [
        scipy.linalg.expm(m * y) @ np.ones(2)
        + np.linalg.solve(m, (scipy.linalg.expm(m * y) - np.eye(2)) @ hc2.g)
        for y in range(11)
    ]
    np.testing.assert_allclose(path2, exact, rtol=1e-11)


# -- 3. Poisson crisis counts -------------------------------------------------------------------------
def test_crisis_counts_are_poisson_with_and_without_a_race():
    # A and B grow deterministically toward x* = 2 (fast), so both race in the first years and
    # then stop racing: the expected crises per year are lambda0 h e^(beta race(y))
    w = world(
        "ABC",
        rivalries=[("A", "B", 0.5), ("B", "C", 0.25)],
        horizon={
            "lambda0": 0.6,
            "target": {"A": 2.0, "B": 2.0},
            "fatigue": 0.8,
            "reaction": 0.0,
            "burden": 0.0,
            "tau": 0.3,
        },
    )
    trials, years = 20_000, 8
    ds = tripwire.horizon(w, trials, years=years, seed=5)
    hc = compile_horizon(w, years)
    x = arms_paths(0, 1, years, hc.phi_mat, hc.drift, hc.noise_l, False)[0]
    expected = np.zeros(years)
    for y in range(1, years + 1):
        prev = x[max(y - 3, 0)]
        grew = x[y] / prev - 1 > 0.3
        for (i, j), h in (((0, 1), 0.5), ((1, 2), 0.25)):
            race = grew[i] and grew[j]
            expected[y - 1] += 0.6 * h * (math.exp(w.horizon.beta) if race else 1.0)
    assert expected.max() > expected.min() * 1.3  # the race switches off within the horizon
    counts = ds.crisis_level_count.sum("level").values
    assert_within(counts / trials, expected, np.sqrt(expected / trials), "crises per history-year")
    assert int(ds.crises) == counts.sum()


# -- 4. treaty survival with sunset and renewal -------------------------------------------------------
@pytest.mark.parametrize("age0", [0, 7])
def test_treaty_survival_with_sunset_and_renewal(age0):
    nu, term, review, rho = 0.03, 5, 3, 0.7
    w = world(
        "ABC",
        treaties=[
            {
                "name": "T",
                "kind": "defense",
                "members": ["B", "C"],
                "term": term,
                "review": review,
                "renewal": rho,
                "signed": 1950 - age0,
            }
        ],
        horizon={"lambda0": 0.0, "start": 1950, "background": {**_no_background(), "defense": nu}},
    )
    trials, years = 30_000, 20
    ds = tripwire.horizon(w, trials, years=years, seed=9)
    ages = age0 + np.arange(1, years + 1)
    # renewal decisions at ages term, term + review, ...: those after the start, up to the age
    decision_ages = [term + m * review for m in range(40)]
    decisions = np.array([sum(age0 < d <= a for d in decision_ages) for a in ages])
    exact = np.exp(-nu * np.arange(1, years + 1)) * rho**decisions
    est = ds.treaty_survival.sel(treaty="T").values
    assert_within(est, exact, binomial_se(exact, trials), "survival")
    # ends split into background and lapse; nothing else
    ends = ds.treaty_end_count.sel(treaty="T")
    assert int(ends.sel(cause="failure")) == 0 and int(ends.sel(cause="domino")) == 0
    assert int(ends.sum()) == trials - int(ds.treaty_alive_count.sel(treaty="T").isel(year=-1))


# -- 5. dissolution at the n*-th failure ---------------------------------------------------------------
def test_dissolution_at_the_nth_failure_is_an_erlang_count():
    r0, delta = 1e-12, 0.3
    r_min = r0 * (1 - delta) ** 2.5  # n* = ceil(ln(r_min / r0) / ln(1 - delta)) = 3
    n_star = math.ceil(math.log(r_min / r0) / math.log(1 - delta))
    assert n_star == 3
    lam = 0.4
    w = world(
        "ABC",
        treaties=[{"name": "BC", "kind": "defense", "members": ["B", "C"], "reliability": r0, "trigger": 0}],
        horizon={
            "lambda0": lam,
            "arrivals": [{"states": ["A", "B"], "initiator": "A"}],
            "alpha": 0.0,
            "delta": delta,
            "r_min": r_min,
            "pi_d": 0.0,
            "epsilon": 0.0,
        },
    )
    trials, years = 20_000, 15
    ds = tripwire.horizon(w, trials, years=years, seed=13)
    y = np.arange(1, years + 1)
    exact = scipy.stats.poisson.cdf(n_star - 1, lam * y)  # fewer than n* failures by the end of year y
    est = ds.treaty_survival.sel(treaty="BC").values
    assert_within(est, exact, binomial_se(exact, trials), "alive")
    ends = ds.treaty_end_count.sel(treaty="BC")
    assert int(ends.sum()) == int(ends.sel(cause="failure"))
    # while alive after k failures, the reliability is exactly r0 (1 - delta)^k: below n* it is
    # a mixture whose largest value is r0
    assert float(ds.mean_reliability.sel(treaty="BC").max()) <= r0 + 1e-18


# -- 6. the domino threshold on both sides of it ---------------------------------------------------
@pytest.mark.parametrize("r0,falls", [(0.3, True), (0.34, False)])
def test_domino_threshold_all_or_none(r0, falls):
    eps, r_min = 0.1, 0.3  # r0 (1 - eps) < r_min  <=>  r0 < 1/3
    assert (r0 * (1 - eps) < r_min) == falls
    w = world(
        "ABCDE",
        treaties=[
            {"name": "AB", "kind": "offense", "members": ["A", "B"]},
            {"name": "BC", "kind": "defense", "members": ["B", "C"], "reliability": r0},
            {"name": "CD", "kind": "defense", "members": ["C", "D"], "reliability": r0},
            {"name": "DE", "kind": "defense", "members": ["D", "E"], "reliability": 0.9},
        ],
        horizon={
            "lambda0": 0.0,
            "epsilon": eps,
            "r_min": r_min,
            "background": {**_no_background(), "offense": 50.0},
        },
    )
    trials = 500
    ds = tripwire.horizon(w, trials, years=3, seed=1)
    alive = ds.treaty_alive_count.isel(year=-1)
    assert (
        int(alive.sel(treaty="AB")) == 0
        and int(ds.treaty_end_count.sel(treaty="AB", cause="background")) == trials
    )
    if falls:  # BC falls with AB, CD with BC; DE (0.9 * 0.9 = 0.81) holds
        assert int(ds.treaty_end_count.sel(treaty="BC", cause="domino")) == trials
        assert int(ds.treaty_end_count.sel(treaty="CD", cause="domino")) == trials
        assert int(alive.sel(treaty="DE")) == trials
        np.testing.assert_allclose(ds.mean_reliability.sel(treaty="DE").values, 0.9 * 0.9, atol=1e-7)
    else:  # BC holds at r0 (1 - eps); CD never hears of it
        assert int(alive.sel(treaty="BC")) == trials and int(alive.sel(treaty="CD")) == trials
        np.testing.assert_allclose(ds.mean_reliability.sel(treaty="BC").values, r0 * (1 - eps), atol=1e-7)
        np.testing.assert_allclose(ds.mean_reliability.sel(treaty="CD").values, r0, atol=1e-7)
        assert int(ds.treaty_end_count.sel(treaty=["BC", "CD", "DE"]).sum()) == 0


# -- 7. P(first systemic war <= y) for an isolated dyad ------------------------------------------------
def test_first_systemic_war_of_an_isolated_dyad():
    up, settle, gamma, max_rounds = [0.4, 0.35, 0.3], [0.3, 0.2, 0.2, 0.0], 1.0, 12
    caps = (0.3, 0.1)
    lam0, h = 0.5, 0.6
    w = tripwire.World.model_validate(
        {
            "name": "dyad",
            "ladder": {"levels": ["L0", "L1", "L2", "L3"], "war": "L2"},
            "escalation": {
                "up": up,
                "settle": settle,
                "deterrence": gamma,
                "misperception": 0.0,
                "max_rounds": max_rounds,
            },
            "states": [{"code": "A", "capability": caps[0]}, {"code": "B", "capability": caps[1]}],
            "rivalries": [{"states": ["A", "B"], "hostility": h}],
            "origins": "rivalries",
            "horizon": {"lambda0": lam0, "noise": 0.0},
        }
    )
    # initiator either side with probability 1/2: q is the mean of the two dyad chains' top-level mass
    q_ab = exact_dyad(up, settle, caps[0] / sum(caps), gamma, max_rounds)[0][-1]
    q_ba = exact_dyad(up, settle, caps[1] / sum(caps), gamma, max_rounds)[0][-1]
    q = 0.5 * (q_ab + q_ba)
    trials, years = 40_000, 12
    ds = tripwire.horizon(w, trials, years=years, seed=21)
    y = np.arange(1, years + 1)
    exact = 1 - np.exp(-lam0 * h * q * y)
    assert_within(ds.p_first_systemic.values, exact, binomial_se(exact, trials), "P(first systemic <= y)")
    assert (ds.p_first_systemic_lo <= ds.p_first_systemic).all() and (
        ds.p_first_systemic <= ds.p_first_systemic_hi
    ).all()
    # histories stop at their first systemic war: the running count falls by the first-war count
    running = ds.running_count.values
    np.testing.assert_array_equal(running[1:], running[:-1] - ds.first_systemic_count.values[:-1])
