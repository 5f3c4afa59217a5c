"""Scores of a back-test: proper scoring rules, skill against the base rate, a logistic baseline,
AUC and reliability tables.

Outcomes
--------
``display``, ``use``, ``war``
    per dispute: did the dispute reach that MID level (``p_reach``)?
``joiner``
    per dispute: did at least one state join beyond the originators (``p_joiner``)?
``who_joins``
    per candidate (every other state in the system): did it join either side
    (``p_join`` summed over sides)?

Scores
------
``brier``: mean squared error of the probability; ``brier_skill``: ``1 - brier / brier_ref``, where
``brier_ref`` is the Brier score of the training base rate (a constant forecast), so > 0 means the
model beats the base rate; ``log_loss``: mean negative log-likelihood, with probabilities kept in
``[1e-6, 1 - 1e-6]`` (a Monte Carlo estimate of 0 would otherwise cost infinitely much); ``auc``:
the probability that a random positive case gets a higher prediction than a random negative one
(ties count a half; Mann-Whitney); ``n`` and ``positives``.

The baseline
------------
A logistic regression of each outcome on the covariates the literature uses, fitted by maximum
likelihood (scipy's L-BFGS on the exact log-likelihood with a ridge of 1e-4 on the slopes, which
only matters when a covariate separates the outcome) on the **training** disputes. Dispute
covariates: capability ratio of side A and its distance from parity, major powers on each side,
log(1 + allies) of each side, log(1 + neighbours), era (before 1945). Candidate covariates:
log(1 + alliance ties) to each side, borders each side, rival of each side, log capability,
major power, era.

More baselines and joint scores
-------------------------------
``score(ds, train=..., baselines=("penalised_logit", "boosting"), covariates=cov)`` adds the rows of
the baselines of :mod:`tripwire.history.baselines`, fitted on the training disputes' rows of the
covariate table ``cov`` (:func:`tripwire.history.covariates.covariate_tables`, which must hold every
dispute of ``ds`` and ``train``). ``joint=True`` adds, for every model with sided candidate
probabilities, the rows ``joiner_set`` and ``joiner_count`` of :mod:`tripwire.history.joint`
(column ``rps``). :func:`compare` gives bootstrap intervals over disputes of every score
difference against tripwire and against the best baseline (:mod:`tripwire.history.evaluation`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr
from scipy import optimize, stats

from .evaluation import JOINT, Observed, Predictions, base_rates_of, compare_predictions, score_predictions

__all__ = [
    "OUTCOMES",
    "score",
    "compare",
    "reliability",
    "outcomes",
    "LogisticBaseline",
    "auc",
    "backtest_predictions",
    "backtest_observed",
]

OUTCOMES = ("display", "use", "war", "joiner", "who_joins")
EPS = 1e-6
RIDGE = 1e-4


def outcomes(ds: xr.Dataset) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """``{outcome: (predicted, observed)}`` of a back-test dataset."""
    levels = list(ds["level"].values)
    out: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for name in ("display", "use", "war"):
        k = levels.index(name)
        out[name] = (ds["p_reach"].values[:, k], np.asarray(ds["observed_level"].values >= k))
    out["joiner"] = (ds["p_joiner"].values, ds["observed_joiner"].values.astype(bool))
    out["who_joins"] = (ds["p_join"].values.sum(axis=1), np.asarray(ds["joined"].values.any(axis=1)))
    return out


def auc(p: np.ndarray, y: np.ndarray) -> float:
    """Area under the ROC curve (Mann-Whitney; ties count a half); NaN with one class only."""
    y = np.asarray(y, dtype=bool)
    n1, n0 = int(y.sum()), int((~y).sum())
    if n1 == 0 or n0 == 0:
        return float("nan")
    ranks = stats.rankdata(p)
    return float((ranks[y].sum() - n1 * (n1 + 1) / 2) / (n1 * n0))


def _scores(p: np.ndarray, y: np.ndarray, base: float) -> dict[str, float]:
    y = np.asarray(y, dtype=float)
    p = np.asarray(p, dtype=float)
    brier = float(np.mean((p - y) ** 2)) if len(y) else float("nan")
    ref = float(np.mean((base - y) ** 2)) if len(y) else float("nan")
    q = np.clip(p, EPS, 1 - EPS)
    log_loss = float(-np.mean(y * np.log(q) + (1 - y) * np.log(1 - q))) if len(y) else float("nan")
    return {
        "brier": brier,
        "brier_ref": ref,
        "brier_skill": 1.0 - brier / ref if ref > 0 else float("nan"),
        "log_loss": log_loss,
        "auc": auc(p, y.astype(bool)),
        "n": int(len(y)),
        "positives": int(y.sum()),
        "base_rate": float(base),
    }


def _log1p(x) -> np.ndarray:
    return np.log1p(np.asarray(x, dtype=float))


def dispute_covariates(ds: xr.Dataset) -> np.ndarray:
    ratio = ds["capability_ratio"].values.astype(float)
    return np.column_stack(
        [
            ratio,
            np.abs(ratio - 0.5),
            ds["major_a"].values,
            ds["major_b"].values,
            _log1p(ds["allies_a"].values),
            _log1p(ds["allies_b"].values),
            _log1p(ds["neighbours"].values),
            (ds["era"].values == "before_1945").astype(float),
        ]
    )


def candidate_covariates(ds: xr.Dataset) -> np.ndarray:
    era = pd.Series(ds["era"].values, index=ds["dispute"].values)
    cand_era = era.loc[ds["candidate_dispute"].values].to_numpy()
    return np.column_stack(
        [
            _log1p(ds["allies"].values[:, 0]),
            _log1p(ds["allies"].values[:, 1]),
            ds["neighbour"].values[:, 0].astype(float),
            ds["neighbour"].values[:, 1].astype(float),
            ds["rival"].values[:, 0].astype(float),
            ds["rival"].values[:, 1].astype(float),
            np.log(np.clip(ds["candidate_capability"].values.astype(float), 1e-6, None)),
            ds["candidate_major"].values.astype(float),
            (cand_era == "before_1945").astype(float),
        ]
    )


class LogisticBaseline:
    """A logistic regression fitted by maximum likelihood (see the module notes)."""

    def __init__(self) -> None:
        self.coef: np.ndarray | None = None
        self.mean: np.ndarray | None = None
        self.scale: np.ndarray | None = None

    def fit(self, x: np.ndarray, y: np.ndarray) -> LogisticBaseline:
        x = np.asarray(x, dtype=float)
        y = np.asarray(y, dtype=float)
        self.mean = x.mean(axis=0)
        self.scale = np.where(x.std(axis=0) > 0, x.std(axis=0), 1.0)
        z = np.column_stack([np.ones(len(x)), (x - self.mean) / self.scale])

        def nll(b: np.ndarray) -> tuple[float, np.ndarray]:
            eta = z @ b
            loss = np.sum(np.logaddexp(0.0, eta) - y * eta) + 0.5 * RIDGE * np.sum(b[1:] ** 2)
            grad = z.T @ (stats.logistic.cdf(eta) - y)
            grad[1:] += RIDGE * b[1:]
            return float(loss), grad

        b0 = np.zeros(z.shape[1])
        rate = np.clip(y.mean(), EPS, 1 - EPS) if len(y) else 0.5
        b0[0] = np.log(rate / (1 - rate))
        res = optimize.minimize(nll, b0, jac=True, method="L-BFGS-B")
        self.coef = res.x
        return self

    def predict(self, x: np.ndarray) -> np.ndarray:
        z = np.column_stack([np.ones(len(x)), (np.asarray(x, dtype=float) - self.mean) / self.scale])
        return stats.logistic.cdf(z @ self.coef)


def baseline_predictions(ds: xr.Dataset, train: xr.Dataset) -> dict[str, np.ndarray]:
    """The logistic baseline's predictions for ``ds``, fitted on ``train``."""
    train_obs = outcomes(train)
    xd_train, xd = dispute_covariates(train), dispute_covariates(ds)
    xc_train, xc = candidate_covariates(train), candidate_covariates(ds)
    out = {}
    for name in OUTCOMES:
        x_train, x = (xc_train, xc) if name == "who_joins" else (xd_train, xd)
        y = train_obs[name][1]
        if y.all() or not y.any():
            out[name] = np.full(len(x), float(y.mean()) if len(y) else 0.5)
        else:
            out[name] = LogisticBaseline().fit(x_train, y).predict(x)
    return out


def score(
    ds: xr.Dataset,
    *,
    train: xr.Dataset | None = None,
    baselines: Sequence[str] = (),
    covariates: Any = None,
    joint: bool = False,
    seed: int = 0,
) -> pd.DataFrame:
    """Score a back-test against the record, beside the logistic baseline.

    Parameters
    ----------
    ds
        A back-test dataset (:func:`tripwire.history.backtest`).
    train
        The back-test of the training disputes: the base rates and the baseline come from it.
        Without it they come from ``ds`` itself (in-sample: the table says so in
        ``reference``).
    baselines
        Names of :data:`tripwire.history.baselines.BASELINES` to fit on the training disputes and
        score beside tripwire (needs ``covariates``).
    covariates
        A :class:`~tripwire.history.covariates.Covariates` holding every dispute of ``ds`` and
        ``train``.
    joint
        Add the joint rows (``joiner_set``, ``joiner_count``) of every model with sided
        candidate probabilities.
    seed
        Seed of the baselines' cross-validation folds and boosting.

    Returns
    -------
    pandas.DataFrame
        One row per ``(model, outcome)``: ``model`` (``tripwire`` / ``logistic``), ``outcome``,
        ``brier``, ``brier_ref``, ``brier_skill``, ``log_loss``, ``auc``, ``n``, ``positives``,
        ``base_rate``, ``reference`` (and ``rps`` with baselines or ``joint``).

    Examples
    --------
    >>> import numpy as np, xarray as xr
    >>> from tripwire.history.scores import auc
    >>> auc(np.array([0.1, 0.4, 0.35, 0.8]), np.array([0, 0, 1, 1]))
    0.75
    """
    reference = "training disputes" if train is not None else "the scored disputes (in sample)"
    ref = train if train is not None else ds
    obs, ref_obs = outcomes(ds), outcomes(ref)
    base = baseline_predictions(ds, ref)
    rows = []
    for model in ("tripwire", "logistic"):
        for name in OUTCOMES:
            p, y = obs[name]
            if model == "logistic":
                p = base[name]
            rate = float(np.mean(ref_obs[name][1])) if len(ref_obs[name][1]) else float("nan")
            rows.append({"model": model, "outcome": name, **_scores(p, y, rate), "reference": reference})
    table = pd.DataFrame(rows)
    if not baselines and not joint:
        return table
    preds, observed, rates = _models(ds, ref, baselines, covariates, seed)
    preds.pop("logistic")
    more = score_predictions(preds, observed, rates, joint=joint, reference=reference)
    keep = (more["model"] != "tripwire") | more["outcome"].isin(JOINT)
    return pd.concat([table, more[keep]], ignore_index=True)


def backtest_observed(ds: xr.Dataset) -> Observed:
    """What happened in a back-test, keyed like :class:`~tripwire.history.evaluation.Predictions`."""
    obs = outcomes(ds)
    disputes = pd.DataFrame(
        {name: obs[name][1].astype(np.int64) for name in ("display", "use", "war", "joiner")},
        index=pd.Index(ds["dispute"].values, name="dispnum"),
    )
    joined = ds["joined"].values
    candidates = pd.DataFrame(
        {"joined_a": joined[:, 0].astype(np.int64), "joined_b": joined[:, 1].astype(np.int64)},
        index=_candidate_index(ds),
    )
    return Observed(disputes, candidates)


def _candidate_index(ds: xr.Dataset) -> pd.MultiIndex:
    dispute = ds["candidate_dispute"].values
    ccode = ds["ccode"].values if "ccode" in ds.variables else np.arange(len(dispute))
    return pd.MultiIndex.from_arrays([dispute, ccode], names=["dispnum", "ccode"])


def backtest_predictions(ds: xr.Dataset, train: xr.Dataset | None = None) -> dict[str, Predictions]:
    """tripwire's predictions in a back-test and the logistic baseline's (fitted on ``train``,
    or in sample without it)."""
    obs = outcomes(ds)
    index = pd.Index(ds["dispute"].values, name="dispnum")
    cand_index = _candidate_index(ds)
    names = ("display", "use", "war", "joiner")
    tw = Predictions(
        pd.DataFrame({n: obs[n][0] for n in names}, index=index),
        pd.DataFrame({"p_a": ds["p_join"].values[:, 0], "p_b": ds["p_join"].values[:, 1]}, index=cand_index),
    )
    base = baseline_predictions(ds, train if train is not None else ds)
    lg = Predictions(
        pd.DataFrame({n: base[n] for n in names}, index=index),
        pd.DataFrame({"p_join": base["who_joins"]}, index=cand_index),
    )
    return {"tripwire": tw, "logistic": lg}


def _models(
    ds: xr.Dataset, ref: xr.Dataset, baselines: Sequence[str], covariates: Any, seed: int
) -> tuple[dict[str, Predictions], Observed, dict[str, float]]:
    preds = backtest_predictions(ds, ref)
    if baselines:
        if covariates is None:
            raise ValueError(
                "score: baselines need the covariate table: pass covariates="
                "tripwire.history.covariate_tables(disputes, data=...)"
            )
        from .baselines import fit_baselines

        fitted = fit_baselines(covariates.subset(ref["dispute"].values), baselines, seed=seed)
        target = covariates.subset(ds["dispute"].values)
        preds |= {name: model.predict(target) for name, model in fitted.items()}
    return preds, backtest_observed(ds), base_rates_of(backtest_observed(ref))


def compare(
    ds: xr.Dataset,
    *,
    train: xr.Dataset | None = None,
    baselines: Sequence[str] = (),
    covariates: Any = None,
    n_boot: int = 1000,
    seed: int = 0,
) -> pd.DataFrame:
    """Bootstrap intervals over disputes of every score difference against tripwire and against
    the best baseline (:func:`tripwire.history.evaluation.compare_predictions`); the models are
    those of :func:`score` (tripwire, the logistic baseline and ``baselines``)."""
    ref = train if train is not None else ds
    preds, observed, rates = _models(ds, ref, baselines, covariates, seed)
    return compare_predictions(preds, observed, rates, n_boot=n_boot, seed=seed)


def reliability(
    ds: xr.Dataset, *, bins: int = 10, train: xr.Dataset | None = None, z: float = 1.96
) -> pd.DataFrame:
    """Reliability-diagram tables: predictions binned (equal width on [0, 1]), observed frequency
    per bin with a Wilson interval, for tripwire and the logistic baseline.

    Returns
    -------
    pandas.DataFrame
        ``model, outcome, bin, lo_edge, hi_edge, n, predicted`` (mean prediction in the bin),
        ``observed`` (frequency), ``observed_lo``, ``observed_hi``. Empty bins are left out. A
        well calibrated model has ``observed`` close to ``predicted`` in every bin.
    """
    obs = outcomes(ds)
    base = baseline_predictions(ds, train if train is not None else ds)
    edges = np.linspace(0.0, 1.0, bins + 1)
    rows = []
    for model in ("tripwire", "logistic"):
        for name in OUTCOMES:
            p, y = obs[name]
            if model == "logistic":
                p = base[name]
            k = np.clip(np.digitize(p, edges[1:-1]), 0, bins - 1)
            for b in range(bins):
                mask = k == b
                n = int(mask.sum())
                if not n:
                    continue
                f = float(y[mask].mean())
                denom = 1 + z**2 / n
                centre = (f + z**2 / (2 * n)) / denom
                half = z * np.sqrt(f * (1 - f) / n + z**2 / (4 * n**2)) / denom
                rows.append(
                    {
                        "model": model,
                        "outcome": name,
                        "bin": b,
                        "lo_edge": edges[b],
                        "hi_edge": edges[b + 1],
                        "n": n,
                        "predicted": float(p[mask].mean()),
                        "observed": f,
                        "observed_lo": centre - half,
                        "observed_hi": centre + half,
                    }
                )
    return pd.DataFrame(rows)
