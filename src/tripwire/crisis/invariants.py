"""The invariants of the crisis model's tallies: what holds exactly for every run of the engine.

For one point with ``n`` trials:

- ``trials == n``, the expected trials, and no count is negative;
- ``outcome_count``, ``origin_level_count`` and ``rounds_count`` each sum to ``n``;
- ``origin_level_count`` summed over origins equals ``outcome_count`` summed over sizes, level by
  level;
- ``involved_count`` sums to the participants that ``outcome_count`` implies (size x trials), and
  ``war_count`` to those of the levels at or above war;
- ``side_count`` summed over sides equals ``involved_count``; ``war_count <= involved_count <= n``;
- ``edge_tries`` is at least the treaties' honoured plus failed edges.

:func:`tripwire.sweep.verify.verify` checks them on every point of a store.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .variables import TALLIES

__all__ = ["invariant_problems", "war_index"]


def invariant_problems(
    tallies: dict[str, np.ndarray], trials: int, war: int, sizes: np.ndarray
) -> list[list[str]]:
    """The broken invariants (module doc) of each point of ``tallies`` (each array shaped
    ``(points, *own shape)``), as a list of reasons per point.

    >>> import tripwire
    >>> ds = tripwire.simulate("july1914", 1000, seed=1)
    >>> t = {k: ds[k].values[None] for k in TALLIES}
    >>> invariant_problems(t, 1000, 3, ds["size"].values)
    [[]]
    >>> t["outcome_count"][0, 0, 0] += 1
    >>> invariant_problems(t, 1000, 3, ds["size"].values)[0][0]
    'outcome_count sums to 1,001, not the 1,000 trials'
    """
    n = np.asarray(tallies["trials"]).reshape(-1)
    points = n.shape[0]
    t = {k: np.asarray(v).reshape(points, *np.shape(v)[1:]) for k, v in tallies.items()}
    oc = t["outcome_count"]
    sizes = np.asarray(sizes)
    per_level = oc.sum(axis=2)
    participants = (oc.sum(axis=1) * sizes).sum(axis=1)
    at_war = (oc[:, war:, :].sum(axis=1) * sizes).sum(axis=1)
    out: list[list[str]] = []
    for p in range(points):
        why = []
        if n[p] != trials:
            why.append(f"trials is {n[p]:,}, not {trials:,}")
        negative = [k for k in TALLIES if (t[k][p] < 0).any()]
        if negative:
            why.append(f"negative counts in {', '.join(negative)}")
        for name in ("outcome_count", "origin_level_count", "rounds_count"):
            total = int(t[name][p].sum())
            if total != n[p]:
                why.append(f"{name} sums to {total:,}, not the {int(n[p]):,} trials")
        if not np.array_equal(t["origin_level_count"][p].sum(axis=0), per_level[p]):
            why.append("origin_level_count and outcome_count disagree level by level")
        involved = int(t["involved_count"][p].sum())
        if involved != participants[p]:
            why.append(f"involved_count sums to {involved:,}; outcome_count implies {int(participants[p]):,}")
        war_total = int(t["war_count"][p].sum())
        if war_total != at_war[p]:
            why.append(f"war_count sums to {war_total:,}; outcome_count implies {int(at_war[p]):,} at war")
        if not np.array_equal(t["side_count"][p].sum(axis=-1), t["involved_count"][p]):
            why.append("side_count summed over sides differs from involved_count")
        if (t["war_count"][p] > t["involved_count"][p]).any() or (t["involved_count"][p] > n[p]).any():
            why.append("war_count <= involved_count <= trials does not hold")
        edges = int(t["treaty_honoured"][p].sum() + t["treaty_failed"][p].sum())
        if int(t["edge_tries"][p]) < edges:
            why.append(f"edge_tries {int(t['edge_tries'][p]):,} is below the {edges:,} treaty edges tried")
        out.append(why)
    return out


def war_index(attrs: dict[str, Any], levels: list[str]) -> int:
    """Index of the war level among ``levels`` (from a run's ``war_level`` attribute; the top
    level when it has none)."""
    war = attrs.get("war_level")
    return levels.index(war) if war in levels else len(levels) - 1
