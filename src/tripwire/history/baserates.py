"""Base rates: the model's aggregate rates beside the record's, with standard errors.

Every rate is computed from the data (the disputes of the back-test, or the reliability file),
never typed in. For a rate over disputes the model's expected rate is the mean of its per-dispute
probabilities, and the standard error is that of the *observed* rate if the model were right:
``sqrt(sum p_i (1 - p_i)) / n`` (the observed count is then a sum of independent Bernoulli
variables with the model's probabilities). ``z = (observed - model) / se``; ``|z| <= 2`` is
"within 2 SE".

Targets
-------
``reach display`` / ``reach use`` / ``reach war``, overall and by era; ``bilateral`` (two
states, no joiner); ``with a joiner`` overall and among war-level disputes; ``joiners allied to
their side`` and ``joiners allied to the other side`` (shares of joiners, over all disputes: the
model's expected joiners weighted by their ties); ``honoured`` by era (Berkemeier & Fuhrmann
2018 coding, honoured / (honoured + violated), set beside the model's honoured share of tried
alliance obligation edges).
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr

__all__ = ["base_rates", "reliability_rates", "STRUCTURAL"]

#: Targets the model cannot reach by its structure, and why (shown beside a rate outside 2 SE).
STRUCTURAL = {
    "honoured": (
        "different units: the data count alliance-war cases where an ally's casus foederis arose; the "
        "model counts every alliance edge tried in every dispute that reached the edge's trigger, and "
        "the profile sets edge reliability from who joined MID disputes (most joiners are not allies)"
    ),
    "joiners allied to their side": (
        "the model has no channel by which a state with no tie joins a side: unallied joiners can only "
        "come from borders and rivalries, which join against a participant; coalitions of the willing "
        "(half of MID joiners) are not in the data the model sees"
    ),
    "joiners allied to the other side": (
        "the model's alliance edges only pull a state to its ally's side (or, with defection, the other "
        "side, which the profile does not use); states that fought their own allies are out of reach"
    ),
}

RELIABILITY_FILE = "reliability/BerkemeierFuhrmannRAP2018_0303.dta"
WARS_FILE = "wars/Inter-StateWarData_v4.0.csv"


def _explained(rows: list[dict]) -> list[dict]:
    for row in rows:
        if not row.get("within_2se", True) and row["target"] in STRUCTURAL:
            row["note"] = (row.get("note", "") + "; " if row.get("note") else "") + STRUCTURAL[row["target"]]
    return rows


def _row(target: str, era: str, y: np.ndarray, p: np.ndarray, note: str = "") -> dict:
    y = np.asarray(y, dtype=float)
    p = np.asarray(p, dtype=float)
    n = len(y)
    if n == 0:
        return {"target": target, "era": era, "n": 0}
    obs, model = float(y.mean()), float(p.mean())
    se = float(np.sqrt(np.sum(p * (1 - p))) / n)
    data_se = float(np.sqrt(obs * (1 - obs) / n))
    z = (obs - model) / se if se > 0 else (0.0 if obs == model else np.inf)
    return {
        "target": target,
        "era": era,
        "n": n,
        "data": obs,
        "data_se": data_se,
        "model": model,
        "se": se,
        "z": float(z),
        "within_2se": bool(abs(z) <= 2),
        "note": note,
    }


def reliability_rates(data: str | Path) -> dict[str, tuple[int, int]]:
    """``{era: (honoured, violated)}`` from the Berkemeier-Fuhrmann file (each case's era from
    the war's start year in COW; the few wars without a COW number take the year in their
    name)."""
    data = Path(data)
    df = pd.read_stata(data / RELIABILITY_FILE)
    wars = pd.read_csv(data / WARS_FILE)
    start = wars.groupby("WarNum")["StartYear1"].min()
    year = df["cowwarid"].map(start)
    from_name = (
        df["warname"]
        .astype(str)
        .map(lambda s: int(m.group(1)) if (m := re.search(r"(1[89]\d\d|20\d\d)", s)) else np.nan)
    )
    year = year.fillna(from_name)
    out = {}
    for era, mask in (("before_1945", year < 1945), ("from_1945", year >= 1945)):
        out[era] = (int(df.loc[mask, "honorBF"].eq(1).sum()), int(df.loc[mask, "violateBF"].eq(1).sum()))
    return out


def base_rates(ds: xr.Dataset, *, data: str | Path | None = None) -> pd.DataFrame:
    """The model's aggregate rates beside the record's (see the module notes).

    Parameters
    ----------
    ds
        A back-test (:func:`tripwire.history.backtest`), ideally of every training dispute.
    data
        The data folder; with it the honoured shares by era are added (needs the reliability and
        war files).

    Returns
    -------
    pandas.DataFrame
        ``target, era, n, data, data_se, model, se, z, within_2se, note``.
    """
    levels = list(ds["level"].values)
    era = ds["era"].values
    rows = []
    for name in ("display", "use", "war"):
        k = levels.index(name)
        for e in ("all", "before_1945", "from_1945"):
            m = np.ones(len(era), bool) if e == "all" else era == e
            if not m.any():
                continue  # no dispute of that era in this back-test
            rows.append(
                _row(f"reach {name}", e, ds["observed_level"].values[m] >= k, ds["p_reach"].values[m, k])
            )
    n_orig = ds["n_originators"].values
    p_bilateral = np.where(n_orig == 2, 1 - ds["p_joiner"].values, 0.0)
    rows.append(_row("bilateral", "all", ds["observed_participants"].values == 2, p_bilateral))
    rows.append(_row("with a joiner", "all", ds["observed_joiner"].values, ds["p_joiner"].values))
    war = ds["observed_level"].values >= levels.index("war")
    p_war = ds["p_reach"].values[:, levels.index("war")]
    # among war-level disputes: observed share vs model P(joiner | war), weighted by P(war)
    if war.any():
        cond = np.where(p_war > 0, ds["p_joiner_war"].values / np.where(p_war > 0, p_war, 1), 0.0)
        rows.append(
            _row(
                "with a joiner, war-level disputes",
                "all",
                ds["observed_joiner"].values[war],
                cond[war],
                "model: P(joiner | war) for the disputes that reached war",
            )
        )
    # joiners' ties: shares of joiners
    joined = ds["joined"].values
    allies = ds["allies"].values > 0
    p_join = ds["p_join"].values
    n_joiners = int(joined.sum())
    if n_joiners:
        for label, same in (
            ("joiners allied to their side", True),
            ("joiners allied to the other side", False),
        ):
            tie = allies if same else allies[:, ::-1]
            obs = float((joined & tie).sum()) / n_joiners
            expected = float((p_join * tie).sum()) / max(float(p_join.sum()), 1e-300)
            se = float(np.sqrt(expected * (1 - expected) / n_joiners))
            z = (obs - expected) / se if se > 0 else 0.0
            rows.append(
                {
                    "target": label,
                    "era": "all",
                    "n": n_joiners,
                    "data": obs,
                    "data_se": float(np.sqrt(obs * (1 - obs) / n_joiners)),
                    "model": expected,
                    "se": se,
                    "z": z,
                    "within_2se": bool(abs(z) <= 2),
                    "note": "shares of joiners (model: expected joiners weighted by their ties)",
                }
            )
    if data is not None and (Path(data) / RELIABILITY_FILE).is_file() and (Path(data) / WARS_FILE).is_file():
        rates = reliability_rates(data)
        for e, (h, v) in rates.items():
            m = era == e
            tried = ds["honoured"].values[m] + ds["failed"].values[m]
            if not tried.sum() > 0:
                continue  # no alliance edge tried in that era's disputes
            model = float(ds["honoured"].values[m].sum() / tried.sum())
            n = h + v
            obs = h / n if n else np.nan
            se = float(np.sqrt(model * (1 - model) / n)) if n and np.isfinite(model) else np.nan
            z = (obs - model) / se if se and np.isfinite(se) and se > 0 else np.nan
            rows.append(
                {
                    "target": "honoured",
                    "era": e,
                    "n": n,
                    "data": obs,
                    "data_se": float(np.sqrt(obs * (1 - obs) / n)) if n else np.nan,
                    "model": model,
                    "se": se,
                    "z": z,
                    "within_2se": bool(np.isfinite(z) and abs(z) <= 2),
                    "note": "data: Berkemeier-Fuhrmann alliance-war cases; model: honoured / tried edges",
                }
            )
    return pd.DataFrame(_explained(rows))
