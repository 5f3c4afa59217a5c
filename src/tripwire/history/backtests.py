"""Back-tests: every dispute predicted from the world on its start date, beside what happened.

For each dispute the world on its start date is built from data (:func:`tripwire.world_on`:
every state in the system, alliances, rivalries and borders in force) with the dispute's
originators as the origin, and run for ``trials`` trials under a profile's parameters. The
predictions are set beside the record in one :class:`xarray.Dataset`; :func:`tripwire.history.score`
scores it.
"""

from __future__ import annotations

import datetime as _dt
import math
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from .._checks import MAX_SEED, check_int
from .._version import __version__
from ..world.profile import Profile, load_profile
from . import engine
from .disputes import MID_LADDER, Disputes, load_disputes

__all__ = ["backtest", "VARIABLES"]

#: name -> (dims, description) of the back-test dataset.
VARIABLES: dict[str, tuple[tuple[str, ...], str]] = {
    "p_reach": (("dispute", "level"), "P(final level >= level), predicted"),
    "p_reach_se": (("dispute", "level"), "Monte Carlo standard error of p_reach"),
    "observed_level": (("dispute",), "the dispute's MID hostility level (0 threat .. 3 war)"),
    "p_joiner": (("dispute",), "P(at least one state joins beyond the originators), predicted"),
    "observed_joiner": (("dispute",), "at least one joiner in the record"),
    "expected_participants": (("dispute",), "expected number of participants, predicted"),
    "p_joiner_war": (("dispute",), "P(at least one joiner and the final level is war), predicted"),
    "honoured": (("dispute",), "obligation edges honoured per trial (mean), predicted"),
    "failed": (("dispute",), "obligation edges tried and not honoured per trial (mean), predicted"),
    "n_originators": (("dispute",), "originators on both sides"),
    "observed_participants": (("dispute",), "number of participants in the record"),
    "p_join": (("candidate", "side"), "P(the candidate joins this side), predicted"),
    "joined": (("candidate", "side"), "the candidate joined this side in the record"),
    "allies": (("candidate", "side"), "alliance ties of the candidate to the side's originators"),
    "neighbour": (("candidate", "side"), "the candidate borders one of the side's originators"),
    "rival": (("candidate", "side"), "the candidate is a strategic rival of one of the side's originators"),
    "candidate_capability": (("candidate",), "the candidate's share of world capabilities"),
    "candidate_major": (("candidate",), "the candidate is a major power"),
    "capability_ratio": (("dispute",), "side A originators' capability / both sides' (0..1)"),
    "major_a": (("dispute",), "major powers among side A originators"),
    "major_b": (("dispute",), "major powers among side B originators"),
    "allies_a": (("dispute",), "states allied to a side A originator"),
    "allies_b": (("dispute",), "states allied to a side B originator"),
    "neighbours": (("dispute",), "states bordering an originator"),
}
SIDES = ("A", "B")


def as_disputes(disputes: Disputes | str | Path, data) -> Disputes:
    """``disputes`` as :class:`~tripwire.history.disputes.Disputes` (read from a file or a name,
    with ``data``, when it is not one already)."""
    if isinstance(disputes, Disputes):
        return disputes
    return load_disputes(disputes, data=data)


def resolve_profile(profile: str | Path | dict | Profile | Mapping | None) -> tuple[dict[str, float], str]:
    """The parameter values of a profile (a name, file, mapping or :class:`Profile`; ``None``: the
    starting values) and a label saying which they are."""
    if profile is None:
        return engine.values_for(None), "starting values (no profile)"
    if isinstance(profile, Mapping) and "values" not in profile and "name" not in profile:
        return engine.values_for(profile), "given values"
    prof = load_profile(profile)  # type: ignore[arg-type]
    return engine.values_for(prof), prof.name


def split_evenly(items: list, n: int) -> list[list]:
    """``items`` cut into at most ``n`` consecutive lists of nearly equal length."""
    size = max(1, math.ceil(len(items) / max(n, 1)))
    return [items[k : k + size] for k in range(0, len(items), size)]


def _run_batch(
    rows: list[tuple[int, dict]], data: str, values: dict[str, float], trials: int, seed: int
) -> list[dict]:
    """Build, compile and run a batch of disputes (one task); returns plain per-dispute records."""
    table = pd.DataFrame([r for _, r in rows], index=[d for d, _ in rows])
    cases, notes = engine.build_cases(table, data)
    out = []
    for case in cases:
        tallies = engine.run_case(case, values, trials, seed)
        pred = engine.case_outputs(case, tallies, trials)
        out.append(case_record(case, pred))
    if out:
        out[0]["notes"] = notes
    return out


def case_record(case: engine.Case, pred: Mapping) -> dict:
    """One dispute's row of the back-test: what was observed beside what the engine predicted."""
    cand = ~case.originators
    orig_a = case.originators & _side_mask(case, "A")
    orig_b = case.originators & ~_side_mask(case, "A")
    cap_a = float(case.capability[orig_a].sum())
    cap_b = float(case.capability[orig_b].sum())
    return {
        "dispnum": case.dispnum,
        "p_reach": pred["p_reach"],
        "p_joiner": pred["p_joiner"],
        "p_joiner_war": pred["p_joiner_war"],
        "honoured": pred["honoured"],
        "failed": pred["failed"],
        "expected_participants": pred["expected_participants"],
        "state": [case.codes[k] for k in np.flatnonzero(cand)],
        "ccode": case.ccodes[cand],
        "p_join": pred["p_side"][cand],
        "joined": np.stack([case.joined_a[cand], case.joined_b[cand]], axis=1),
        "allies": np.stack([case.allies_a[cand], case.allies_b[cand]], axis=1),
        "neighbour": np.stack([case.neighbour_a[cand], case.neighbour_b[cand]], axis=1),
        "rival": np.stack([case.rival_a[cand], case.rival_b[cand]], axis=1),
        "capability": case.capability[cand],
        "major": case.major[cand],
        "capability_ratio": cap_a / (cap_a + cap_b) if cap_a + cap_b > 0 else 0.5,
        "major_a": int(case.major[orig_a].sum()),
        "major_b": int(case.major[orig_b].sum()),
        "allies_a": int(((case.allies_a > 0) & cand).sum()),
        "allies_b": int(((case.allies_b > 0) & cand).sum()),
        "neighbours": int(((case.neighbour_a | case.neighbour_b) & cand).sum()),
    }


def _side_mask(case: engine.Case, side: str) -> np.ndarray:
    # originators of side A are recorded through the case's side-A ties: a side-A originator is a
    # member of its own side set; rebuild from the stored ccodes
    return (
        np.isin(case.ccodes, case.side_a_ccodes) if side == "A" else ~np.isin(case.ccodes, case.side_a_ccodes)
    )


def backtest(
    disputes: Disputes | str | Path,
    *,
    data: str | Path,
    profile: str | Path | dict | Profile | Mapping | None = "mid5",
    trials: int = 20_000,
    seed: int = 0,
    client: Any = None,
    progress: Callable[[int], None] | None = None,
) -> xr.Dataset:
    """Predict every dispute from the world on its start date and set the record beside it.

    Parameters
    ----------
    disputes
        A :class:`~tripwire.history.Disputes` (from :func:`~tripwire.history.load_disputes`) or a
        MID folder.
    data
        The data folder (ATOP, NMC, contiguity, rivalries; see :func:`tripwire.world_on`).
    profile
        The parameters: a profile name or file (default the bundled ``mid5``), a loaded profile,
        a mapping of every parameter of :data:`tripwire.history.engine.PARAMS`, or ``None`` for
        the starting values of the fit.
    trials
        Trials per dispute.
    seed
        Every dispute uses the same streams (common random numbers).
    client
        A ``dask.distributed`` client (or anything with ``map`` and ``gather``): disputes then run
        in parallel in batches, one per worker thread, grouped by start date.
    progress
        Called with the number of disputes done after each one (or each batch with a client).

    Returns
    -------
    xarray.Dataset
        Per dispute (``dispute`` dim, labelled by MID number, with ``start``, ``side_a``,
        ``side_b``, ``era`` coordinates): ``p_reach[dispute, level]``, ``observed_level``,
        ``p_joiner``, ``observed_joiner``, ``expected_participants``,
        ``observed_participants``, and the baseline covariates; per candidate (every other state
        in the system on that date: ``candidate`` dim with ``dispute`` and ``state``
        coordinates): ``p_join[candidate, side]`` and ``joined``. ``attrs`` record the profile,
        trials, seed, the data folder and the parameter values.

    Examples
    --------
    >>> import tripwire.history as h
    >>> disputes = h.load_disputes("../shared/data/mid5")  # doctest: +SKIP
    >>> ds = h.backtest(disputes.subset([2, 3]), data="../shared/data", trials=1000)  # doctest: +SKIP
    >>> ds.sizes["dispute"]  # doctest: +SKIP
    2
    """
    trials = check_int("trials", trials, 1)
    seed = check_int("seed", seed, 0, MAX_SEED)
    data_path = str(Path(data).resolve())
    disp = as_disputes(disputes, data_path)
    values, profile_name = resolve_profile(profile)
    table = disp.table.sort_values("start", kind="stable")
    rows = list(zip(table.index.tolist(), table.to_dict("records"), strict=True))
    records: list[dict] = []
    if client is None:
        for d, row in rows:
            records += _run_batch([(d, row)], data_path, values, trials, seed)
            if progress is not None:
                progress(1)
    else:
        workers = client.nthreads() if hasattr(client, "nthreads") else {}
        n_tasks = 4 * max(1, sum(workers.values()) if workers else 2)
        batches = split_evenly(rows, n_tasks)
        futures = client.map(
            _run_batch, batches, data=data_path, values=values, trials=trials, seed=seed, pure=False
        )
        for batch, fut in zip(batches, futures, strict=True):
            records += fut.result()
            if progress is not None:
                progress(len(batch))
    notes = [n for r in records for n in r.pop("notes", [])]
    return backtest_dataset(disp, records, values, profile_name, trials, seed, data_path, notes)


def backtest_dataset(
    disp: Disputes,
    records: list[dict],
    values: dict[str, float],
    profile_name: str,
    trials: int,
    seed: int,
    data: str,
    notes: list[str],
) -> xr.Dataset:
    """The back-test's disputes, records and predictions as one labelled dataset."""
    by = {r["dispnum"]: r for r in records}
    ids = [d for d in disp.table.sort_values("start", kind="stable").index if d in by]
    t = disp.table.loc[ids]
    recs = [by[d] for d in ids]
    p_reach = np.stack([r["p_reach"] for r in recs]) if recs else np.zeros((0, len(MID_LADDER)))
    n_cand = [len(r["state"]) for r in recs]
    cat = (lambda key: np.concatenate([r[key] for r in recs])) if recs else (lambda key: np.zeros(0))
    ds = xr.Dataset(
        {
            "p_reach": (("dispute", "level"), p_reach),
            "p_reach_se": (("dispute", "level"), np.sqrt(p_reach * (1 - p_reach) / trials)),
            "observed_level": ("dispute", t["level_index"].to_numpy(dtype=np.int64)),
            "p_joiner": ("dispute", np.array([r["p_joiner"] for r in recs])),
            "observed_joiner": ("dispute", t["has_joiner"].to_numpy(dtype=bool)),
            "p_joiner_war": ("dispute", np.array([r["p_joiner_war"] for r in recs])),
            "honoured": ("dispute", np.array([r["honoured"] for r in recs])),
            "failed": ("dispute", np.array([r["failed"] for r in recs])),
            "n_originators": (
                "dispute",
                np.array(
                    [len(a) + len(b) for a, b in zip(t["side_a"], t["side_b"], strict=True)], dtype=np.int64
                ),
            ),
            "expected_participants": ("dispute", np.array([r["expected_participants"] for r in recs])),
            "observed_participants": ("dispute", t["n_states"].to_numpy(dtype=np.int64)),
            "capability_ratio": ("dispute", np.array([r["capability_ratio"] for r in recs])),
            "major_a": ("dispute", np.array([r["major_a"] for r in recs], dtype=np.int64)),
            "major_b": ("dispute", np.array([r["major_b"] for r in recs], dtype=np.int64)),
            "allies_a": ("dispute", np.array([r["allies_a"] for r in recs], dtype=np.int64)),
            "allies_b": ("dispute", np.array([r["allies_b"] for r in recs], dtype=np.int64)),
            "neighbours": ("dispute", np.array([r["neighbours"] for r in recs], dtype=np.int64)),
            "p_join": (("candidate", "side"), cat("p_join").reshape(-1, 2)),
            "joined": (("candidate", "side"), cat("joined").reshape(-1, 2).astype(bool)),
            "allies": (("candidate", "side"), cat("allies").reshape(-1, 2).astype(np.int64)),
            "neighbour": (("candidate", "side"), cat("neighbour").reshape(-1, 2).astype(bool)),
            "rival": (("candidate", "side"), cat("rival").reshape(-1, 2).astype(bool)),
            "candidate_capability": ("candidate", cat("capability").astype(float)),
            "candidate_major": ("candidate", cat("major").astype(bool)),
        },
        coords={
            "dispute": np.array(ids, dtype=np.int64),
            "level": list(MID_LADDER),
            "side": list(SIDES),
            "start": (
                "dispute",
                np.array([np.datetime64(s, "D") for s in t["start"]], dtype="datetime64[ns]"),
            ),
            "era": ("dispute", t["era"].to_numpy(dtype=str)),
            "side_a": ("dispute", [" ".join(str(c) for c in v) for v in t["side_a"]]),
            "side_b": ("dispute", [" ".join(str(c) for c in v) for v in t["side_b"]]),
            "candidate_dispute": ("candidate", np.repeat(np.array(ids, dtype=np.int64), n_cand)),
            "state": ("candidate", np.array([s for r in recs for s in r["state"]], dtype=str)),
            "ccode": ("candidate", cat("ccode").astype(np.int64)),
        },
        attrs={
            "title": "tripwire back-test: predictions beside the MID record",
            "engine": "tripwire",
            "engine_version": __version__,
            "profile": profile_name,
            "values": repr(values),
            "trials": int(trials),
            "seed": int(seed),
            "data": data,
            "disputes_source": disp.source,
            "created": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
            "notes_count": len(notes),
        },
    )
    for name, var in ds.data_vars.items():
        if name in VARIABLES:
            var.attrs["description"] = VARIABLES[name][1]
    ds["candidate_dispute"].attrs["description"] = "the dispute a candidate row belongs to"
    return ds


def combine(*datasets: xr.Dataset) -> xr.Dataset:
    """One back-test from several of different disputes (e.g. the training and the held-out
    back-tests of a calibration), disputes and candidates concatenated; attrs of the first, with
    ``trials`` the list of each part's trials."""
    per_dispute = [ds.drop_dims("candidate") for ds in datasets]
    per_candidate = [ds.drop_dims(["dispute", "level"]) for ds in datasets]
    out = xr.merge(
        [xr.concat(per_dispute, dim="dispute"), xr.concat(per_candidate, dim="candidate")],
        compat="override",
        combine_attrs="override",
    )
    out.attrs["trials"] = [int(ds.attrs.get("trials", 0)) for ds in datasets]
    return out
