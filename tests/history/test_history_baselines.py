"""Joint scores, the score table of many models, bootstrap intervals and the baselines
(tripwire.history.joint, .evaluation, .baselines), on enumerations, simulations and the fixture."""

from __future__ import annotations

import itertools
import math
import sys

import numpy as np
import pandas as pd
import pytest

from tests.helpers.history_fixtures import FIXTURE, MID_FIXTURE
from tests.history.test_history import tiny_backtest
from tripwire.history import backtest, compare, engine, load_disputes, score
from tripwire.history.baselines import (
    BASELINES,
    BoostingBaseline,
    PenalisedLogit,
    fit_baselines,
    group_folds,
    holdout_scores,
    sided_design,
)
from tripwire.history.covariates import covariate_tables
from tripwire.history.evaluation import (
    Observed,
    Predictions,
    compare_predictions,
    weighted_auc,
)
from tripwire.history.joint import count_rps, joint_log_prob, poisson_binomial, rps
from tripwire.history.scores import auc


# -- joint scores ---------------------------------------------------------------------------------
def test_joint_log_prob_matches_enumeration_of_joiner_sets():
    p_a = np.array([0.3, 0.05, 0.6])
    p_b = np.array([0.1, 0.15, 0.0])
    total = 0.0
    for sides in itertools.product("0AB", repeat=3):  # every sided joiner set
        prob = math.prod({"A": a, "B": b, "0": 1 - a - b}[s] for s, a, b in zip(sides, p_a, p_b, strict=True))
        total += prob
        ja = np.array([s == "A" for s in sides])
        jb = np.array([s == "B" for s in sides])
        got = joint_log_prob(p_a, p_b, ja, jb, np.zeros(3, dtype=int))
        assert math.exp(got[0]) == pytest.approx(max(prob, 0.0), abs=1e-6)  # p = 0 is kept at 1e-6
    assert total == pytest.approx(1.0)
    # two disputes at once: sums per group
    two = joint_log_prob(p_a, p_b, [True, False, False], [False, False, False], [0, 1, 1])
    assert two == pytest.approx([math.log(0.3), math.log(0.8) + math.log(0.4)])


def test_poisson_binomial_and_rps_match_enumeration():
    p = np.array([0.2, 0.5, 0.9, 0.05])
    pmf = np.zeros(5)
    for pattern in itertools.product([0, 1], repeat=4):
        pmf[sum(pattern)] += math.prod(q if x else 1 - q for x, q in zip(pattern, p, strict=True))
    assert poisson_binomial(p) == pytest.approx(pmf)
    cdf = np.cumsum(pmf)
    for k in range(6):  # k = 5 > n - 1: thresholds m >= 4 add nothing (both sides 1 or equal)
        expected = sum((cdf[m] - (k <= m)) ** 2 for m in range(5))
        assert rps(pmf, k) == pytest.approx(expected)
    assert rps(np.array([0.0, 1.0]), 1) == 0.0  # a sure, right forecast
    got = count_rps(np.concatenate([p, [0.5]]), np.array([0, 0, 0, 0, 1]), np.array([2, 0]))
    assert got == pytest.approx([rps(pmf, 2), rps(np.array([0.5, 0.5]), 0)])


def test_weighted_auc_is_mann_whitney_with_unit_weights():
    rng = np.random.default_rng(3)
    p = rng.integers(0, 6, 200) / 5  # many ties
    y = rng.random(200) < 0.3
    assert weighted_auc(p, y) == pytest.approx(auc(p, y))
    w = rng.integers(0, 3, 200).astype(float)  # a weight is a repeat count
    rep = np.repeat(np.arange(200), w.astype(int))
    assert weighted_auc(p, y, w) == pytest.approx(auc(p[rep], y[rep]))


def test_score_adds_joint_rows_and_keeps_the_old_ones():
    ds = tiny_backtest()
    old = score(ds)
    new = score(ds, joint=True)
    pd.testing.assert_frame_equal(new.iloc[: len(old)].drop(columns="rps"), old)
    tw = new[new["model"] == "tripwire"].set_index("outcome")
    # dispute 10: candidates (.3, .1) joined A and (0, .05) stayed out
    lp10 = math.log(0.3) + math.log(0.95)
    lp11 = math.log(0.9)
    lp12 = math.log(0.9)
    lp13 = math.log(0.2) + math.log(1.0)  # (.2, .2) joined B; (0, 0) stayed out
    assert tw.at["joiner_set", "log_loss"] == pytest.approx(-(lp10 + lp11 + lp12 + lp13) / 4)
    r = [
        rps(poisson_binomial(np.array(q)), k)
        for q, k in (([0.4, 0.05], 1), ([0.1], 0), ([0.1], 0), ([0.4, 0.0], 1))
    ]
    assert tw.at["joiner_count", "rps"] == pytest.approx(np.mean(r))
    assert "joiner_set" not in set(new.loc[new["model"] == "logistic", "outcome"])  # no sides


# -- bootstrap ------------------------------------------------------------------------------------
def _simulated(n: int, seed: int) -> tuple[dict[str, Predictions], Observed, dict[str, float]]:
    rng = np.random.default_rng(seed)
    q = rng.random(n)
    y = (rng.random(n) < q).astype(int)
    index = pd.Index(np.arange(n), name="dispnum")
    obs = Observed(
        pd.DataFrame({o: y for o in ("display", "use", "war", "joiner")}, index=index),
        pd.DataFrame(
            {"joined_a": np.zeros(0, dtype=int), "joined_b": np.zeros(0, dtype=int)},
            index=pd.MultiIndex.from_arrays([[], []], names=["dispnum", "ccode"]),
        ),
    )
    empty = pd.DataFrame({"p_join": np.zeros(0)}, index=obs.candidates.index)
    truth = Predictions(pd.DataFrame({"war": q}, index=index), empty)
    half = Predictions(pd.DataFrame({"war": np.full(n, 0.5)}, index=index), empty)
    return (
        {"tripwire": truth, "coin": half},
        obs,
        {"war": 0.5, "display": 0.5, "use": 0.5, "joiner": 0.5, "who_joins": 0.0},
    )


def test_bootstrap_interval_covers_a_known_difference():
    # truth q ~ U(0, 1): E[Brier] = E[q(1 - q)] = 1/6; a coin (0.5) scores 1/4. Against a base
    # rate of 0.5 (Brier 1/4), the skill difference coin - truth is 0 - (1 - (1/6)/(1/4)) = -1/3.
    covered = 0
    for seed in range(10):
        preds, obs, rates = _simulated(600, seed)
        diffs = compare_predictions(preds, obs, rates, n_boot=300, seed=seed)
        row = diffs[(diffs["outcome"] == "war") & (diffs["score"] == "brier_skill")].iloc[0]
        assert row["model"] == "coin" and row["reference"] == "tripwire"
        covered += row["lo"] <= -1 / 3 <= row["hi"]
        assert row["lo"] < row["difference"] < row["hi"]
    assert covered >= 8  # a 95 % interval: 10 tries, at least 8 cover (P(fewer) < 0.02)
    again = compare_predictions(preds, obs, rates, n_boot=300, seed=9)
    pd.testing.assert_frame_equal(diffs, again)  # a fixed seed gives the same intervals


# -- the penalised logit --------------------------------------------------------------------------
def test_penalised_logit_recovers_known_coefficients():
    rng = np.random.default_rng(11)
    n = 4000
    x = np.column_stack([rng.normal(size=n), rng.random(n) < 0.3, rng.normal(2, 3, size=n)])
    beta = np.array([-1.0, 0.8, -1.2, 0.25])
    p = 1 / (1 + np.exp(-(beta[0] + x @ beta[1:])))
    y = (rng.random(n) < p).astype(int)
    fit = PenalisedLogit(lam=1e-6).fit(x, y)
    assert np.all(np.abs(fit.coef - beta) <= 3 * fit.se), (fit.coef, fit.se)  # k = 3 standard errors
    assert np.all(fit.se < 0.2)
    assert fit.predict_proba(x).shape == (n, 1)


def test_sided_choice_logit_recovers_known_coefficients_and_cv_picks_a_penalty():
    rng = np.random.default_rng(5)
    n = 6000
    own = rng.random((n, 2)) < 0.2  # e.g. an alliance with the side
    size = rng.normal(size=n)
    # alternative a in (A, B): u = -3 + 2 * own_a - 0.5 * side_b + 0.7 * size
    x = np.stack([np.column_stack([own[:, k], np.full(n, float(k)), size]) for k in (0, 1)], axis=1).astype(
        float
    )
    beta = np.array([-3.0, 2.0, -0.5, 0.7])
    u = beta[0] + x @ beta[1:]
    prob = np.exp(u) / (1 + np.exp(u).sum(axis=1, keepdims=True))
    draw = rng.random(n)
    y = np.where(draw < prob[:, 0], 1, np.where(draw < prob.sum(axis=1), 2, 0))
    groups = np.arange(n) // 20  # "disputes" of 20 candidates
    fit = PenalisedLogit(folds=4, seed=1, penalties=(0.01, 1.0, 1000.0)).fit(x, y, groups)
    assert fit.lam_ in (0.01, 1.0) and list(fit.cv["penalty"]) == [0.01, 1.0, 1000.0]
    assert np.all(np.abs(fit.coef - beta) <= 3 * fit.se + 0.01), (fit.coef, fit.se)  # k = 3
    assert fit.predict_proba(x).shape == (n, 2)
    folds = group_folds(groups, 4, seed=1)
    assert all(len(set(folds[groups == g])) == 1 for g in range(0, n // 20, 7)) and set(folds) == {0, 1, 2, 3}


def test_sided_design_mirrors_the_sides():
    tables = covariate_tables(load_disputes(MID_FIXTURE, data=FIXTURE), data=FIXTURE)
    x, names = sided_design(tables.candidates)
    k_own, k_other = names.index("own_defense"), names.index("other_defense")
    cand = tables.candidates
    assert np.array_equal(x[:, 0, k_own], cand["defense_a"]) and np.array_equal(
        x[:, 1, k_own], cand["defense_b"]
    )
    assert np.array_equal(x[:, 0, k_other], cand["defense_b"]) and np.array_equal(
        x[:, 1, names.index("side_b")], np.ones(len(cand))
    )


# -- the baselines on the fixture -----------------------------------------------------------------
@pytest.fixture(scope="module")
def fixture_backtest():
    d = load_disputes(MID_FIXTURE, data=FIXTURE)
    ds = backtest(d, data=FIXTURE, profile=engine.values_for(None), trials=200, seed=1)
    return d, ds, covariate_tables(d, data=FIXTURE)


def test_score_shows_the_baselines_beside_tripwire(fixture_backtest):
    d, ds, tables = fixture_backtest
    table = score(
        ds, baselines=("penalised_logit", "boosting", "classic_logit"), covariates=tables, joint=True
    )
    models = set(table["model"])
    assert models == {"tripwire", "logistic", "penalised_logit", "boosting", "classic_logit"}
    keyed = table.set_index(["model", "outcome"])
    assert not keyed.index.duplicated().any()
    for m in ("tripwire", "penalised_logit", "boosting"):
        assert {"who_joins", "war", "use", "joiner", "joiner_set", "joiner_count"} <= set(
            keyed.loc[m].index
        ), m
    assert "joiner_set" not in keyed.loc["classic_logit"].index  # either side only
    assert keyed.loc[("penalised_logit", "who_joins"), "n"] == ds.sizes["candidate"]
    diffs = compare(ds, baselines=("penalised_logit",), covariates=tables, n_boot=50)
    assert {"tripwire", "best (penalised_logit)", "best (logistic)"} & set(diffs["reference"])
    assert (diffs["model"] != diffs["reference"]).all()
    with pytest.raises(ValueError, match="baselines need the covariate table"):
        score(ds, baselines=("boosting",))


def test_holdout_scores_run_on_the_fixture(fixture_backtest):
    _, _, tables = fixture_backtest
    scores, diffs = holdout_scores(tables, fraction=0.6, models=("penalised_logit",), n_boot=20)
    assert set(scores["model"]) == {"base_rate", "penalised_logit"} and scores["n"].max() >= 2
    assert set(diffs["reference"]) <= {"best (base_rate)", "best (penalised_logit)"}
    assert set(BASELINES) == {"classic_logit", "penalised_logit", "boosting"}
    with pytest.raises(Exception, match="unknown baseline"):
        fit_baselines(tables, ["forest"])


def test_boosting_names_the_extra_when_scikit_learn_is_missing(fixture_backtest, monkeypatch):
    _, _, tables = fixture_backtest
    monkeypatch.setitem(sys.modules, "sklearn", None)
    with pytest.raises(ImportError, match=r"tripwire\[history\]"):
        BoostingBaseline().fit(tables)
