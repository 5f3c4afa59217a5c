"""Baselines worth beating: a penalised logit and gradient boosting on the covariate table, fitted
on training disputes only, for who joins which side, any joiner, and the MID levels reached.

Models (:data:`BASELINES`)
--------------------------
``classic_logit``
    The project's existing logit (:mod:`tripwire.history.scores`) on the same covariates, read
    from the covariate table: who joins (either side) on alliance ties, borders and rivalry with
    each side, capability, major power and era; the dispute outcomes on the capability ratio,
    majors, allies and neighbours of each side and era.
``penalised_logit``
    A richer logit with an L2 penalty on the standardised slopes, chosen by cross-validation over
    disputes (a grouped k-fold: a dispute's candidates never straddle folds). Who joins is one
    multinomial choice per candidate, *stay out / join A / join B*, with side-symmetric
    features: the utility of joining a side reads the candidate's ties to that side (``own_*``)
    and to the other (``other_*``) with shared coefficients, plus a side-B offset; so what is
    learned about joining one side informs the other. Coefficients come with standard errors from
    the inverse penalised Hessian.
``boosting``
    scikit-learn's ``HistGradientBoostingClassifier`` on the raw covariates (who joins as three
    classes). scikit-learn rather than LightGBM: BSD licence, already the field's standard, and no
    compiled extra dependency. It is optional: ``pip install 'tripwire[history]'``.

Each model gives :class:`~tripwire.history.evaluation.Predictions`; :func:`holdout_scores` fits
them on a random part of the disputes and scores the rest (``scripts/history_baselines.py``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import linalg
from scipy.linalg import blas

from ..errors import DataError
from .covariates import OBLIGATIONS, Covariates
from .evaluation import (
    BINARY,
    Observed,
    Predictions,
    base_rates_of,
    compare_predictions,
    score_predictions,
)

__all__ = [
    "BASELINES",
    "PenalisedLogit",
    "group_folds",
    "sided_design",
    "dispute_design",
    "fit_baselines",
    "observed_of",
    "base_rate_predictions",
    "holdout_scores",
    "sklearn_or_explain",
]

EXTRA_HINT = "pip install 'tripwire[history]' (the history extra: scikit-learn>=1.4)"
#: Boosting stops early on a held-out share of the rows from this many rows on.
EARLY_STOPPING_ROWS = 1000
PENALTIES = (0.1, 1.0, 10.0, 100.0, 1000.0)


def sklearn_or_explain() -> Any:
    """scikit-learn's ``ensemble`` module, or an ImportError naming the extra that installs it."""
    try:
        from sklearn import ensemble
    except ImportError as exc:
        raise ImportError(
            f"gradient boosting needs scikit-learn, which is not installed: {EXTRA_HINT}"
        ) from exc
    return ensemble


# -- the penalised logit ------------------------------------------------------------------------
def group_folds(groups: np.ndarray, k: int, seed: int = 0) -> np.ndarray:
    """Fold number 0..k-1 of each row, whole groups to a fold (groups shuffled from ``seed``)."""
    uniq = np.unique(groups)
    order = np.random.default_rng(seed).permutation(len(uniq))
    fold_of = dict(zip(uniq[order].tolist(), (np.arange(len(uniq)) % k).tolist(), strict=True))
    return np.array([fold_of[g] for g in np.asarray(groups).tolist()], dtype=np.int64)


def _softmax_terms(z: np.ndarray, b: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
    """Negative log-likelihood, probabilities (n, A) and utilities of the choice model."""
    u = z @ b  # (n, A)
    top = np.maximum(u.max(axis=1), 0.0)
    lse = top + np.log(np.exp(-top) + np.exp(u - top[:, None]).sum(axis=1))
    pi = np.exp(u - lse[:, None])
    chosen = np.take_along_axis(u, np.maximum(y - 1, 0)[:, None], axis=1)[:, 0] * (y > 0)
    return float(np.sum(lse - chosen)), pi, u


class PenalisedLogit:
    """A multinomial choice logit *none / alternative 1..A* with an L2 penalty (binary: A = 1).

    ``x`` is ``(n, A, p)`` (each alternative's features; ``(n, p)`` for a binary outcome) and
    ``y`` the chosen alternative, 0 for none. An intercept is added (unpenalised); the features
    are standardised over all rows and alternatives; the penalty ``0.5 * lam * |beta|^2`` is on
    the standardised slopes and, when ``lam`` is not given, chosen from :data:`PENALTIES` by the
    mean held-out log loss of a ``folds``-fold cross-validation over ``groups``. The fit is
    Newton's method with a backtracking line search. ``coef`` and ``se`` are on the original
    scale (``[intercept, slopes...]``), ``se`` from the inverse penalised Hessian.
    """

    def __init__(
        self,
        lam: float | None = None,
        *,
        penalties: Sequence[float] = PENALTIES,
        folds: int = 5,
        seed: int = 0,
    ) -> None:
        self.lam = lam
        self.penalties = tuple(penalties)
        self.folds = folds
        self.seed = seed
        self.coef: np.ndarray | None = None
        self.se: np.ndarray | None = None
        self.cv: pd.DataFrame | None = None

    @staticmethod
    def _as3(x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, dtype=float)
        return x[:, None, :] if x.ndim == 2 else x

    def _design(self, x: np.ndarray) -> np.ndarray:
        z = (x - self.mean) / self.scale
        return np.concatenate([np.ones((*z.shape[:2], 1)), z], axis=2)

    def _newton(
        self, z: np.ndarray, y: np.ndarray, lam: float, b: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        n, a, p = z.shape
        onehot = np.zeros((n, a))
        onehot[y > 0, y[y > 0] - 1] = 1.0
        pen = np.ones(p)
        pen[0] = 0.0
        flat = z.reshape(-1, p)

        def objective(bb: np.ndarray) -> tuple[float, np.ndarray]:
            nll, pi, _ = _softmax_terms(z, bb, y)
            return nll + 0.5 * lam * float(np.sum(pen * bb**2)), pi

        def hessian(pi: np.ndarray) -> np.ndarray:
            mean_z = np.einsum("na,nap->np", pi, z)
            # sum_a pi z z' - m m', each as a rank-k update (syrk on the transposed rows: a tall
            # product that stays fast when the machine is busy)
            upper = blas.dsyrk(1.0, (flat * np.sqrt(pi.reshape(-1, 1))).T, trans=0)
            upper = upper - blas.dsyrk(1.0, mean_z.T, trans=0)
            h = np.triu(upper) + np.triu(upper, 1).T
            return h + lam * np.diag(pen)

        f, pi = objective(b)
        for _ in range(100):
            grad = np.einsum("na,nap->p", pi - onehot, z) + lam * pen * b
            hess = hessian(pi)
            step = linalg.solve(hess + 1e-10 * np.eye(p), grad, assume_a="pos")
            t = 1.0
            while True:
                cand = b - t * step
                f_new, pi_new = objective(cand)
                if f_new <= f - 1e-4 * t * float(grad @ step) or t < 1e-8:
                    break
                t /= 2
            done = f - f_new < 1e-10 * max(1.0, abs(f))
            b, f, pi = cand, f_new, pi_new
            if done:
                break
        return b, hessian(pi)

    def fit(self, x: np.ndarray, y: np.ndarray, groups: np.ndarray | None = None) -> PenalisedLogit:
        x3 = self._as3(x)
        y = np.asarray(y, dtype=np.int64)
        flat = x3.reshape(-1, x3.shape[2])
        self.mean = flat.mean(axis=0)
        sd = flat.std(axis=0)
        self.scale = np.where(sd > 0, sd, 1.0)
        z = self._design(x3)
        b0 = np.zeros(z.shape[2])
        rate = np.clip(np.mean(y > 0), 1e-6, 1 - 1e-6)
        b0[0] = np.log(rate / (1 - rate) / x3.shape[1])
        lam = self.lam
        if lam is None:
            lam = self._choose(z, y, np.arange(len(y)) if groups is None else np.asarray(groups), b0)
        b, hess = self._newton(z, y, lam, b0)
        self.lam_ = float(lam)
        self.coef_std = b
        cov = linalg.inv(hess)
        # back to the original scale: slope_j / scale_j; intercept - sum(slope_j * mean_j / scale_j)
        p = len(b)
        t = np.eye(p)
        t[1:, 1:] = np.diag(1.0 / self.scale)
        t[0, 1:] = -self.mean / self.scale
        self.coef = t @ b
        self.se = np.sqrt(np.clip(np.diag(t @ cov @ t.T), 0.0, None))
        return self

    def _choose(self, z: np.ndarray, y: np.ndarray, groups: np.ndarray, b0: np.ndarray) -> float:
        fold = group_folds(groups, self.folds, self.seed)
        losses = []
        starts = [b0.copy() for _ in range(self.folds)]
        for lam in sorted(self.penalties, reverse=True):  # strong to weak: warm starts
            total, count = 0.0, 0
            for k in range(self.folds):
                train, test = fold != k, fold == k
                if not test.any() or not train.any():
                    continue
                b, _ = self._newton(z[train], y[train], lam, starts[k])
                starts[k] = b
                nll, _, _ = _softmax_terms(z[test], b, y[test])
                total += nll
                count += int(test.sum())
            losses.append({"penalty": lam, "cv_log_loss": total / max(count, 1)})
        self.cv = pd.DataFrame(losses).sort_values("penalty").reset_index(drop=True)
        return float(self.cv.loc[self.cv["cv_log_loss"].idxmin(), "penalty"])

    def predict_proba(self, x: np.ndarray) -> np.ndarray:
        """P(each alternative) as ``(n, A)`` (a binary model: ``(n, 1)``)."""
        if self.coef is None:
            raise DataError("PenalisedLogit: fit it before predicting")
        z = self._design(self._as3(x))
        _, pi, _ = _softmax_terms(z, self.coef_std, np.zeros(len(z), dtype=np.int64))
        return pi


# -- designs ------------------------------------------------------------------------------------
SIDE_STEMS = (*OBLIGATIONS.values(), "small_pact", "bilateral", "land", "sea", "rival", "positional")


def _era_before_1945(frame: pd.DataFrame) -> np.ndarray:
    return 1.0 - frame["era_1945_1989"].to_numpy(float) - frame["era_from_1990"].to_numpy(float)


def sided_design(cand: pd.DataFrame) -> tuple[np.ndarray, list[str]]:
    """The side-symmetric design ``(n, 2, p)`` of the penalised logit (alternative 0 = join A,
    1 = join B) and the feature names."""
    before = _era_before_1945(cand)

    def side(own: str, other: str, is_b: float) -> dict[str, np.ndarray]:
        f: dict[str, np.ndarray] = {}
        for s in SIDE_STEMS:
            f[f"own_{s}"] = cand[f"{s}_{own}"].to_numpy(float)
            f[f"other_{s}"] = cand[f"{s}_{other}"].to_numpy(float)
        f["own_log_pacts"] = np.log1p(cand[f"pacts_{own}"].to_numpy(float))
        f["other_log_pacts"] = np.log1p(cand[f"pacts_{other}"].to_numpy(float))
        f["own_log_cap_ratio"] = cand[f"log_cap_ratio_{own}"].to_numpy(float)
        f["other_log_cap_ratio"] = cand[f"log_cap_ratio_{other}"].to_numpy(float)
        f["own_allied_x_before_1945"] = cand[f"alliance_{own}"].to_numpy(float) * before
        f["own_defense_x_major"] = cand[f"defense_{own}"].to_numpy(float) * cand["major"].to_numpy(float)
        f["allied_own_near_other"] = cand[f"allied_{own}_near_{other}"].to_numpy(float)
        f["allied_other_near_own"] = cand[f"allied_{other}_near_{own}"].to_numpy(float)
        f["own_n_orig"] = cand[f"n_orig_{own}"].to_numpy(float)
        f["other_n_orig"] = cand[f"n_orig_{other}"].to_numpy(float)
        for k in ("allied_both", "near_both", "log_capability", "major", "era_1945_1989", "era_from_1990"):
            f[k] = cand[k].to_numpy(float)
        f["side_b"] = np.full(len(cand), is_b)
        return f

    a, b = side("a", "b", 0.0), side("b", "a", 1.0)
    names = list(a)
    x = np.stack([np.column_stack([a[k] for k in names]), np.column_stack([b[k] for k in names])], axis=1)
    return x, names


def dispute_design(disp: pd.DataFrame) -> tuple[np.ndarray, list[str]]:
    """The dispute design of the penalised logit (and boosting) and its feature names."""
    f: dict[str, np.ndarray] = {}
    for k in (
        "cap_share_a", "parity", "log_cap_ratio", "majors_a", "majors_b", "land_contiguous",
        "sea_contiguous", "rivals", "positional_rivals", "n_orig_a", "n_orig_b",
        "era_1945_1989", "era_from_1990",
    ):  # fmt: skip
        f[k] = disp[k].to_numpy(float)
    for k in ("allies", "defense_allies", "major_allies", "neighbours", "rival_states"):
        for s in ("a", "b"):
            f[f"log_{k}_{s}"] = np.log1p(disp[f"{k}_{s}"].to_numpy(float))
    f["year"] = (disp["year"].to_numpy(float) - 1950.0) / 100.0
    f["majors_x_before_1945"] = (disp["majors_a"] + disp["majors_b"]).to_numpy(float) * _era_before_1945(disp)
    names = list(f)
    return np.column_stack([f[k] for k in names]), names


def _classic_candidate(cand: pd.DataFrame) -> np.ndarray:
    allies = [
        sum(cand[f"{k}_{s}"].to_numpy(float) for k in ("defense", "offense", "consultation"))
        for s in ("a", "b")
    ]
    return np.column_stack(
        [
            np.log1p(allies[0]),
            np.log1p(allies[1]),
            np.maximum(cand["land_a"], cand["sea_a"]).to_numpy(float),
            np.maximum(cand["land_b"], cand["sea_b"]).to_numpy(float),
            cand["rival_a"].to_numpy(float),
            cand["rival_b"].to_numpy(float),
            cand["log_capability"].to_numpy(float),
            cand["major"].to_numpy(float),
            _era_before_1945(cand),
        ]
    )


def _classic_dispute(disp: pd.DataFrame) -> np.ndarray:
    ratio = disp["cap_share_a"].to_numpy(float)
    return np.column_stack(
        [
            ratio,
            np.abs(ratio - 0.5),
            disp["majors_a"].to_numpy(float),
            disp["majors_b"].to_numpy(float),
            np.log1p(disp["allies_a"].to_numpy(float)),
            np.log1p(disp["allies_b"].to_numpy(float)),
            np.log1p((disp["neighbours_a"] + disp["neighbours_b"]).to_numpy(float)),
            _era_before_1945(disp),
        ]
    )


def _raw(frame: pd.DataFrame, columns: Mapping[str, str]) -> np.ndarray:
    return frame[[c for c in columns if c in frame.columns]].to_numpy(dtype=float)


def _sided_class(cand: pd.DataFrame) -> np.ndarray:
    return np.where(cand["joined_a"].to_numpy() > 0, 1, np.where(cand["joined_b"].to_numpy() > 0, 2, 0))


# -- the models ---------------------------------------------------------------------------------
class _Constant:
    def __init__(self, rates: np.ndarray) -> None:
        self.rates = rates

    def predict_proba(self, x: np.ndarray) -> np.ndarray:
        return np.tile(self.rates, (len(x), 1))


def _degenerate(y: np.ndarray, n_alt: int) -> _Constant | None:
    """A constant model when the training outcome has one class only (nothing to fit)."""
    present = np.unique(y)
    if len(present) > 1:
        return None
    return _Constant(np.array([float(np.mean(y == a)) for a in range(1, n_alt + 1)]))


class _Baseline:
    """Fits one model per outcome on the training covariates and predicts any covariates."""

    name = ""

    def __init__(self, seed: int = 0, folds: int = 5) -> None:
        self.seed = seed
        self.folds = folds
        self.models: dict[str, Any] = {}

    def fit(self, cov: Covariates) -> _Baseline:
        groups = cov.candidates.index.get_level_values("dispnum").to_numpy()
        y = _sided_class(cov.candidates)
        self.models["who_joins"] = _degenerate(y, 2) or self._fit_candidates(cov.candidates, y, groups)
        for o in BINARY:
            yo = cov.disputes[o].to_numpy(dtype=np.int64)
            self.models[o] = _degenerate(yo, 1) or self._fit_disputes(cov.disputes, yo)
        return self

    def predict(self, cov: Covariates) -> Predictions:
        disp = pd.DataFrame(index=cov.disputes.index)
        for o in BINARY:
            disp[o] = self._predict(self.models[o], self._dispute_x(cov.disputes), 1)[:, 0]
        p = self._predict(self.models["who_joins"], self._candidate_x(cov.candidates), 2)
        cand = pd.DataFrame({"p_a": p[:, 0], "p_b": p[:, 1]}, index=cov.candidates.index)
        return Predictions(disp, cand)

    def _predict(self, model: Any, x: np.ndarray, n_alt: int) -> np.ndarray:
        return model.predict_proba(x)

    def _fit_candidates(self, cand: pd.DataFrame, y: np.ndarray, groups: np.ndarray) -> Any:
        raise NotImplementedError

    def _fit_disputes(self, disp: pd.DataFrame, y: np.ndarray) -> Any:
        raise NotImplementedError

    def _candidate_x(self, cand: pd.DataFrame) -> np.ndarray:
        raise NotImplementedError

    def _dispute_x(self, disp: pd.DataFrame) -> np.ndarray:
        raise NotImplementedError


class PenalisedLogitBaseline(_Baseline):
    """The penalised logit of the module notes."""

    name = "penalised_logit"

    def _fit_candidates(self, cand, y, groups):
        return PenalisedLogit(folds=self.folds, seed=self.seed).fit(self._candidate_x(cand), y, groups)

    def _fit_disputes(self, disp, y):
        x = self._dispute_x(disp)
        return PenalisedLogit(folds=self.folds, seed=self.seed).fit(x, y, disp.index.to_numpy())

    def _candidate_x(self, cand):
        return sided_design(cand)[0]

    def _dispute_x(self, disp):
        return dispute_design(disp)[0]


class ClassicLogitBaseline(_Baseline):
    """The existing logit's covariates (who joins either side; no sides)."""

    name = "classic_logit"

    def _fit_candidates(self, cand, y, groups):
        return PenalisedLogit(lam=1e-4).fit(self._candidate_x(cand), (y > 0).astype(np.int64))

    def _fit_disputes(self, disp, y):
        return PenalisedLogit(lam=1e-4).fit(self._dispute_x(disp), y)

    def _candidate_x(self, cand):
        return _classic_candidate(cand)

    def _dispute_x(self, disp):
        return _classic_dispute(disp)

    def fit(self, cov: Covariates) -> _Baseline:
        super().fit(cov)
        if isinstance(self.models["who_joins"], _Constant):  # one class: either side at its rate
            self.models["who_joins"] = _Constant(self.models["who_joins"].rates.sum(keepdims=True))
        return self

    def predict(self, cov: Covariates) -> Predictions:
        disp = pd.DataFrame(index=cov.disputes.index)
        for o in BINARY:
            disp[o] = self._predict(self.models[o], self._dispute_x(cov.disputes), 1)[:, 0]
        p = self._predict(self.models["who_joins"], self._candidate_x(cov.candidates), 1)[:, 0]
        return Predictions(disp, pd.DataFrame({"p_join": p}, index=cov.candidates.index))


class BoostingBaseline(_Baseline):
    """Histogram gradient boosting (scikit-learn) on the raw covariates."""

    name = "boosting"
    PARAMS: dict[str, Any] = {
        "learning_rate": 0.1,
        "max_iter": 200,
        "max_leaf_nodes": 15,
        "l2_regularization": 1.0,
        "validation_fraction": 0.15,
        "n_iter_no_change": 20,  # early stopping: see EARLY_STOPPING_ROWS
    }

    def _model(self, min_leaf: int, n: int) -> Any:
        ensemble = sklearn_or_explain()
        return ensemble.HistGradientBoostingClassifier(
            **self.PARAMS,
            min_samples_leaf=min(min_leaf, max(1, n // 10)),
            early_stopping=n >= EARLY_STOPPING_ROWS,
            random_state=self.seed,
        )

    def _fit_candidates(self, cand, y, groups):
        return self._model(40, len(y)).fit(self._candidate_x(cand), y)

    def _fit_disputes(self, disp, y):
        return self._model(20, len(y)).fit(self._dispute_x(disp), y)

    def _candidate_x(self, cand):
        from .covariates import CANDIDATE_COLUMNS

        return _raw(cand, CANDIDATE_COLUMNS)

    def _dispute_x(self, disp):
        from .covariates import DISPUTE_COLUMNS

        return _raw(disp, DISPUTE_COLUMNS)

    def _predict(self, model: Any, x: np.ndarray, n_alt: int) -> np.ndarray:
        if isinstance(model, _Constant):
            return model.predict_proba(x)
        proba = model.predict_proba(x)
        classes = list(model.classes_)
        out = np.zeros((len(x), n_alt))
        for a in range(1, n_alt + 1):
            if a in classes:
                out[:, a - 1] = proba[:, classes.index(a)]
        return out


#: name -> baseline class (each fits one model per outcome on training covariates).
BASELINES: dict[str, Callable[..., _Baseline]] = {
    "classic_logit": ClassicLogitBaseline,
    "penalised_logit": PenalisedLogitBaseline,
    "boosting": BoostingBaseline,
}


def fit_baselines(
    train: Covariates, models: Sequence[str] = tuple(BASELINES), *, seed: int = 0, folds: int = 5
) -> dict[str, _Baseline]:
    """Every named baseline fitted on the training covariates."""
    unknown = [m for m in models if m not in BASELINES]
    if unknown:
        raise DataError(f"unknown baseline(s) {unknown}; known: {', '.join(BASELINES)}")
    return {m: BASELINES[m](seed=seed, folds=folds).fit(train) for m in models}


def observed_of(cov: Covariates) -> Observed:
    """What happened, from a covariate table."""
    return Observed(cov.disputes[list(BINARY)], cov.candidates[["joined_a", "joined_b"]])


def base_rate_predictions(train: Covariates, target: Covariates) -> Predictions:
    """The training base rates as a (constant) model for ``target``'s disputes and candidates."""
    rates = base_rates_of(observed_of(train))
    disp = pd.DataFrame({o: rates[o] for o in BINARY}, index=target.disputes.index)
    cand = pd.DataFrame(
        {"p_a": rates["who_joins_a"], "p_b": rates["who_joins_b"]}, index=target.candidates.index
    )
    return Predictions(disp, cand)


def holdout_scores(
    cov: Covariates,
    *,
    fraction: float = 0.8,
    seed: int = 0,
    models: Sequence[str] = tuple(BASELINES),
    n_boot: int = 1000,
    extra: Mapping[str, Predictions] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Fit the baselines on a random ``fraction`` of the disputes (split by dispute from
    ``seed``) and score them on the rest.

    Parameters
    ----------
    extra
        More models' predictions for the held-out disputes (e.g. ``{"tripwire": ...}``), scored
        beside the baselines.

    Returns
    -------
    (scores, differences)
        :func:`~tripwire.history.evaluation.score_predictions` and
        :func:`~tripwire.history.evaluation.compare_predictions` of the held-out disputes, with
        ``base_rate`` (the training rates) among the models.
    """
    ids = np.array(sorted(cov.disputes.index))
    chosen = np.random.default_rng(seed).permutation(ids)[: int(round(fraction * len(ids)))]
    train, test = cov.subset(chosen), cov.subset(sorted(set(ids) - set(chosen.tolist())))
    fitted = fit_baselines(train, models, seed=seed)
    preds = {"base_rate": base_rate_predictions(train, test)}
    preds |= {m: f.predict(test) for m, f in fitted.items()}
    preds |= dict(extra or {})
    observed = observed_of(test)
    rates = base_rates_of(observed_of(train))
    scores = score_predictions(preds, observed, rates)
    diffs = compare_predictions(preds, observed, rates, n_boot=n_boot, seed=seed)
    return scores, diffs
