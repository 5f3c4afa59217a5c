"""Scores that see the whole dispute: the log-probability of the observed sided joiner set and the
ranked probability score of the number of joiners, from per-candidate sided probabilities.

Both treat the candidates of a dispute as independent given the predictions (a model that couples
them, as the cascade does through contagion, is scored on its margins):

- **joiner set**: ``log P(set) = sum_j log q_j`` with ``q_j = p_a`` if j joined side A, ``p_b`` if
  it joined side B and ``1 - p_a - p_b`` if it stayed out (each kept at least ``1e-6``);
- **number of joiners**: the count is Poisson-binomial with success probabilities ``p_a + p_b``;
  its distribution is computed exactly by convolution, and the ranked probability score is
  ``RPS = sum_{m=0}^{n} (F(m) - 1[k <= m])^2`` for the observed count ``k`` (not divided by the
  number of categories, so that disputes of different sizes weigh alike: beyond ``n`` both terms
  are 1). A perfect forecast scores 0.

>>> import numpy as np
>>> poisson_binomial(np.array([0.5, 0.5]))
array([0.25, 0.5 , 0.25])
>>> float(rps(np.array([0.25, 0.5, 0.25]), 1))
0.125
"""

from __future__ import annotations

import numpy as np

__all__ = ["EPS", "joint_log_prob", "poisson_binomial", "rps", "count_rps"]

EPS = 1e-6


def _groups(group: np.ndarray, n_groups: int | None) -> tuple[np.ndarray, int]:
    group = np.asarray(group, dtype=np.int64)
    return group, int(n_groups if n_groups is not None else (group.max() + 1 if len(group) else 0))


def joint_log_prob(
    p_a: np.ndarray,
    p_b: np.ndarray,
    joined_a: np.ndarray,
    joined_b: np.ndarray,
    group: np.ndarray,
    n_groups: int | None = None,
) -> np.ndarray:
    """Per dispute (``group`` = 0..G-1 of each candidate), the log-probability of the observed
    sided joiner set under independent candidates (see the module notes)."""
    group, n = _groups(group, n_groups)
    p_a, p_b = np.asarray(p_a, dtype=float), np.asarray(p_b, dtype=float)
    ja, jb = np.asarray(joined_a, dtype=bool), np.asarray(joined_b, dtype=bool)
    q = np.where(ja, p_a, np.where(jb, p_b, 1.0 - p_a - p_b))
    return np.bincount(group, np.log(np.clip(q, EPS, 1.0)), minlength=n)


def poisson_binomial(p: np.ndarray) -> np.ndarray:
    """The exact distribution of the number of successes of independent trials with
    probabilities ``p`` (length ``len(p) + 1``), by convolution."""
    pmf = np.ones(1)
    for q in np.clip(np.asarray(p, dtype=float), 0.0, 1.0):
        nxt = np.empty(len(pmf) + 1)
        nxt[:-1] = pmf * (1.0 - q)
        nxt[-1] = 0.0
        nxt[1:] += pmf * q
        pmf = nxt
    return pmf


def rps(pmf: np.ndarray, k: int) -> float:
    """Ranked probability score of a count distribution ``pmf`` (over 0..n) for the observed
    count ``k``; a ``k`` beyond ``n`` scores as if the forecast put no weight on it."""
    cdf = np.cumsum(pmf)
    m = np.arange(max(len(pmf), int(k) + 1))
    cdf = np.concatenate([cdf, np.ones(len(m) - len(cdf))])
    return float(np.sum((cdf - (k <= m)) ** 2))


def count_rps(
    p_join: np.ndarray, group: np.ndarray, observed: np.ndarray, n_groups: int | None = None
) -> np.ndarray:
    """Per dispute, the RPS of the number of joiners (Poisson-binomial over its candidates'
    ``p_join = p_a + p_b``) against ``observed[g]``, the number that joined."""
    group, n = _groups(group, n_groups)
    order = np.argsort(group, kind="stable")
    bounds = np.searchsorted(group[order], np.arange(n + 1))
    p_sorted = np.asarray(p_join, dtype=float)[order]
    return np.array(
        [rps(poisson_binomial(p_sorted[bounds[g] : bounds[g + 1]]), int(observed[g])) for g in range(n)]
    )
