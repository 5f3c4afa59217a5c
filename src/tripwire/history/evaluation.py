"""Models side by side: every model's predictions in one form, one score table for all of them,
and bootstrap intervals over disputes for every score difference.

A model's :class:`Predictions` hold per dispute the probabilities of the binary outcomes it
predicts (``display``, ``use``, ``war``, ``joiner``) and per candidate either the sided
probabilities ``p_a``, ``p_b`` (joining side A / side B) or only ``p_join`` (either side).
:class:`Observed` holds what happened, keyed alike (``dispnum``; ``dispnum, ccode``).

Scores (:func:`score_predictions`): the per-outcome rows of :func:`tripwire.history.score`
(``display, use, war, joiner, who_joins``: Brier, Brier skill against the training base rate, log
loss, AUC) and, for a model with sided probabilities, the joint rows of :mod:`.joint`:
``joiner_set`` (``log_loss`` = mean over disputes of -log P(observed sided joiner set)) and
``joiner_count`` (``rps`` = mean ranked probability score of the number of joiners).

Intervals (:func:`compare_predictions`): disputes are resampled with replacement (a candidate
goes with its dispute), ``n_boot`` times from a fixed seed; each replicate recomputes every score
of every model on the same resample, and the interval of ``model - reference`` is the percentile
interval of the replicates. Lower is better for ``brier``, ``log_loss`` and ``rps``; higher for
``brier_skill`` and ``auc``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .joint import EPS, count_rps, joint_log_prob

__all__ = [
    "BINARY",
    "JOINT",
    "Predictions",
    "Observed",
    "base_rates_of",
    "score_predictions",
    "compare_predictions",
    "weighted_auc",
]

BINARY = ("display", "use", "war", "joiner")
JOINT = ("joiner_set", "joiner_count")
#: Scores compared per outcome, and whether higher is better.
COMPARED: dict[str, tuple[str, ...]] = {
    **{o: ("brier_skill", "log_loss", "auc") for o in (*BINARY, "who_joins")},
    "joiner_set": ("log_loss",),
    "joiner_count": ("rps",),
}
HIGHER_IS_BETTER = {"brier_skill": True, "auc": True, "brier": False, "log_loss": False, "rps": False}


@dataclass
class Predictions:
    """One model's predictions (see the module notes)."""

    disputes: pd.DataFrame
    candidates: pd.DataFrame

    @property
    def sided(self) -> bool:
        return {"p_a", "p_b"} <= set(self.candidates.columns)

    def p_join(self) -> pd.Series:
        if self.sided:
            return self.candidates["p_a"] + self.candidates["p_b"]
        return self.candidates["p_join"]


@dataclass
class Observed:
    """What happened: ``disputes`` (0/1 columns of :data:`BINARY`) and ``candidates``
    (``joined_a``, ``joined_b``), keyed like :class:`Predictions`."""

    disputes: pd.DataFrame
    candidates: pd.DataFrame


def base_rates_of(train: Observed) -> dict[str, float]:
    """Training base rates of every binary outcome and of who joins (either side), and the sided
    rates ``who_joins_a`` / ``who_joins_b``."""
    out = {o: float(train.disputes[o].mean()) if len(train.disputes) else float("nan") for o in BINARY}
    c = train.candidates
    out["who_joins_a"] = float(c["joined_a"].mean()) if len(c) else float("nan")
    out["who_joins_b"] = float(c["joined_b"].mean()) if len(c) else float("nan")
    out["who_joins"] = out["who_joins_a"] + out["who_joins_b"]
    return out


class _Frame:
    """Observed outcomes as arrays, with each candidate's dispute position."""

    def __init__(self, observed: Observed) -> None:
        self.dispute_ids = observed.disputes.index.to_numpy()
        self.n = len(self.dispute_ids)
        pos = pd.Series(np.arange(self.n), index=self.dispute_ids)
        self.cand_index = observed.candidates.index
        self.group = pos.loc[self.cand_index.get_level_values(0)].to_numpy()
        self.y = {o: observed.disputes[o].to_numpy(dtype=float) for o in BINARY}
        self.joined_a = observed.candidates["joined_a"].to_numpy(dtype=bool)
        self.joined_b = observed.candidates["joined_b"].to_numpy(dtype=bool)
        self.y["who_joins"] = (self.joined_a | self.joined_b).astype(float)
        self.count = np.bincount(self.group, self.y["who_joins"], minlength=self.n)
        self.per_dispute = np.bincount(self.group, minlength=self.n).astype(float)


def _aligned(pred: Predictions, frame: _Frame, name: str) -> dict[str, np.ndarray]:
    """The model's probabilities in the observed order; outcomes it does not predict are left out."""
    out: dict[str, np.ndarray] = {}
    for o in BINARY:
        if o in pred.disputes.columns:
            p = pred.disputes[o].reindex(frame.dispute_ids).to_numpy(dtype=float)
            if np.isnan(p).any():
                raise ValueError(f"model {name!r}: no {o} prediction for some scored disputes")
            out[o] = p
    cand = pred.candidates.reindex(frame.cand_index)
    if pred.sided:
        pa, pb = cand["p_a"].to_numpy(dtype=float), cand["p_b"].to_numpy(dtype=float)
        if np.isnan(pa).any() or np.isnan(pb).any():
            raise ValueError(f"model {name!r}: no sided prediction for some scored candidates")
        out["who_joins"] = pa + pb
        out["joiner_set"] = joint_log_prob(pa, pb, frame.joined_a, frame.joined_b, frame.group, frame.n)
        out["joiner_count"] = count_rps(pa + pb, frame.group, frame.count, frame.n)
    elif "p_join" in cand.columns:
        p = cand["p_join"].to_numpy(dtype=float)
        if np.isnan(p).any():
            raise ValueError(f"model {name!r}: no who-joins prediction for some scored candidates")
        out["who_joins"] = p
    return out


def weighted_auc(p: np.ndarray, y: np.ndarray, w: np.ndarray | None = None) -> float:
    """AUC with case weights (ties count a half); with unit weights it is the Mann-Whitney AUC of
    :func:`tripwire.history.scores.auc`. NaN with one class only."""
    p = np.asarray(p, dtype=float)
    y = np.asarray(y, dtype=float)
    w = np.ones_like(p) if w is None else np.asarray(w, dtype=float)
    _, inv = np.unique(p, return_inverse=True)
    return _auc_groups(inv, y, w, int(inv.max()) + 1 if len(inv) else 0)


def _auc_groups(inv: np.ndarray, y: np.ndarray, w: np.ndarray, n_unique: int) -> float:
    pos = np.bincount(inv, w * y, minlength=n_unique)
    neg = np.bincount(inv, w * (1.0 - y), minlength=n_unique)
    total_pos, total_neg = pos.sum(), neg.sum()
    if total_pos <= 0 or total_neg <= 0:
        return float("nan")
    below = np.cumsum(neg) - neg
    return float(np.sum(pos * (below + 0.5 * neg)) / (total_pos * total_neg))


def _binary_scores(p: np.ndarray, y: np.ndarray, base: float, w: np.ndarray) -> dict[str, float]:
    q = np.clip(p, EPS, 1 - EPS)
    total = w.sum()
    brier = float(np.sum(w * (p - y) ** 2) / total)
    ref = float(np.sum(w * (base - y) ** 2) / total)
    return {
        "brier": brier,
        "brier_ref": ref,
        "brier_skill": 1.0 - brier / ref if ref > 0 else float("nan"),
        "log_loss": float(-np.sum(w * (y * np.log(q) + (1 - y) * np.log(1 - q))) / total),
        "auc": weighted_auc(p, y, w),
    }


def score_predictions(
    predictions: Mapping[str, Predictions],
    observed: Observed,
    base_rates: Mapping[str, float],
    *,
    joint: bool = True,
    reference: str = "training disputes",
) -> pd.DataFrame:
    """One row per model and outcome it predicts (see the module notes).

    Returns
    -------
    pandas.DataFrame
        ``model, outcome, brier, brier_ref, brier_skill, log_loss, auc, rps, n, positives,
        base_rate, reference``; ``rps`` only on ``joiner_count`` rows, the Brier columns and AUC
        NaN on the joint rows; ``n`` counts disputes (candidates for ``who_joins``).
    """
    frame = _Frame(observed)
    rows = []
    for name, pred in predictions.items():
        probs = _aligned(pred, frame, name)
        for o in (*BINARY, "who_joins"):
            if o not in probs:
                continue
            y = frame.y[o]
            s = _binary_scores(probs[o], y, base_rates[o], np.ones_like(y)) if len(y) else {}
            rows.append(
                {
                    "model": name,
                    "outcome": o,
                    **s,
                    "rps": float("nan"),
                    "n": len(y),
                    "positives": int(y.sum()),
                }
                | {"base_rate": float(base_rates[o]), "reference": reference}
            )
        if joint and "joiner_set" in probs:
            for o in JOINT:
                v = probs[o]
                value = float(-np.mean(v)) if o == "joiner_set" else float(np.mean(v))
                rows.append(
                    {
                        "model": name,
                        "outcome": o,
                        "log_loss": value if o == "joiner_set" else float("nan"),
                        "rps": value if o == "joiner_count" else float("nan"),
                        "n": frame.n,
                        "positives": int((frame.count > 0).sum()),
                        "base_rate": float(base_rates["joiner"]),
                        "reference": reference,
                    }
                )
    columns = [
        "model", "outcome", "brier", "brier_ref", "brier_skill", "log_loss", "auc", "rps",
        "n", "positives", "base_rate", "reference",
    ]  # fmt: skip
    return pd.DataFrame(rows, columns=columns)


def _replicate_scores(
    probs: dict[str, np.ndarray], frame: _Frame, base: Mapping[str, float], weights: np.ndarray
) -> dict[tuple[str, str], np.ndarray]:
    """Every compared score of one model under each row of dispute ``weights`` (B x disputes)."""
    out: dict[tuple[str, str], np.ndarray] = {}
    total = weights.sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):  # a resample without candidates: NaN
        _replicate_binary(probs, frame, base, weights, total, out)
    if "joiner_set" in probs:
        out[("joiner_set", "log_loss")] = -(weights @ probs["joiner_set"]) / total
        out[("joiner_count", "rps")] = weights @ probs["joiner_count"] / total
    return out


def _replicate_binary(
    probs: dict[str, np.ndarray],
    frame: _Frame,
    base: Mapping[str, float],
    weights: np.ndarray,
    total: np.ndarray,
    out: dict[tuple[str, str], np.ndarray],
) -> None:
    for o in (*BINARY, "who_joins"):
        if o not in probs:
            continue
        p, y = probs[o], frame.y[o]
        q = np.clip(p, EPS, 1 - EPS)
        sq = (p - y) ** 2
        ll = -(y * np.log(q) + (1 - y) * np.log(1 - q))
        ref = (base[o] - y) ** 2
        if o == "who_joins":  # candidates: sums per dispute, weighted by dispute
            n_w = weights @ frame.per_dispute
            sq_w = weights @ np.bincount(frame.group, sq, minlength=frame.n) / n_w
            ll_w = weights @ np.bincount(frame.group, ll, minlength=frame.n) / n_w
            ref_w = weights @ np.bincount(frame.group, ref, minlength=frame.n) / n_w
            _, inv = np.unique(p, return_inverse=True)
            k = int(inv.max()) + 1 if len(inv) else 0
            auc = np.array([_auc_groups(inv, y, w[frame.group], k) for w in weights])
        else:
            sq_w, ll_w, ref_w = weights @ sq / total, weights @ ll / total, weights @ ref / total
            _, inv = np.unique(p, return_inverse=True)
            k = int(inv.max()) + 1 if len(inv) else 0
            auc = np.array([_auc_groups(inv, y, w, k) for w in weights])
        out[(o, "brier_skill")] = 1.0 - sq_w / ref_w
        out[(o, "brier")] = sq_w
        out[(o, "log_loss")] = ll_w
        out[(o, "auc")] = auc


def compare_predictions(
    predictions: Mapping[str, Predictions],
    observed: Observed,
    base_rates: Mapping[str, float],
    *,
    references: Sequence[str] = ("tripwire", "best"),
    n_boot: int = 1000,
    seed: int = 0,
    level: float = 0.95,
) -> pd.DataFrame:
    """Bootstrap intervals over disputes for every score difference ``model - reference``.

    Parameters
    ----------
    references
        Model names to compare against, and ``"best"``: for each outcome and score, the best of
        the models other than ``tripwire`` (on the full sample). A reference missing from
        ``predictions`` is skipped.
    n_boot, seed, level
        Replicates, the seed of the resampling (fixed: the same seed gives the same intervals)
        and the interval's coverage.

    Returns
    -------
    pandas.DataFrame
        ``model, reference, outcome, score, value, reference_value, difference, lo, hi,
        higher_is_better, n_boot``: one row per model, reference model, outcome and score, the
        model never compared with itself.
    """
    frame = _Frame(observed)
    probs = {name: _aligned(p, frame, name) for name, p in predictions.items()}
    ones = np.ones((1, frame.n))
    full = {name: _replicate_scores(pr, frame, base_rates, ones) for name, pr in probs.items()}
    rng = np.random.default_rng(seed)
    weights = rng.multinomial(frame.n, np.full(frame.n, 1.0 / frame.n), size=n_boot).astype(float)
    reps = {name: _replicate_scores(pr, frame, base_rates, weights) for name, pr in probs.items()}
    alpha = (1.0 - level) / 2
    rows = []
    for outcome, scores in COMPARED.items():
        for s in scores:
            have = [m for m in probs if (outcome, s) in full[m]]
            if not have:
                continue
            values = {m: float(full[m][(outcome, s)][0]) for m in have}
            refs = []
            for r in references:
                if r == "best":
                    pool = [m for m in have if m != "tripwire" and np.isfinite(values[m])]
                    if pool:
                        best = (max if HIGHER_IS_BETTER[s] else min)(pool, key=lambda m: values[m])
                        refs.append(("best", best))
                elif r in have:
                    refs.append((r, r))
            for label, ref in refs:
                for m in have:
                    if m == ref:
                        continue
                    diff = reps[m][(outcome, s)] - reps[ref][(outcome, s)]
                    diff = diff[np.isfinite(diff)]
                    lo, hi = np.quantile(diff, [alpha, 1 - alpha]) if len(diff) else (np.nan, np.nan)
                    rows.append(
                        {
                            "model": m,
                            "reference": ref if label != "best" else f"best ({ref})",
                            "outcome": outcome,
                            "score": s,
                            "value": values[m],
                            "reference_value": values[ref],
                            "difference": values[m] - values[ref],
                            "lo": float(lo),
                            "hi": float(hi),
                            "higher_is_better": HIGHER_IS_BETTER[s],
                            "n_boot": int(n_boot),
                        }
                    )
    return pd.DataFrame(rows)
