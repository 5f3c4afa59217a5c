"""Calibration: the global parameters fitted to the training disputes, written as a profile.

What is minimised
-----------------
The summed log loss of what happened, over the fitting disputes: for each dispute,
``-log P(final level = the MID level)`` + ``-log P(a joiner or not, as observed)`` + for every
other state in the system ``-log P(it stayed out / joined side A / joined side B, as observed)``.
Probabilities come from ``trials`` trials per dispute; every evaluation uses the same seed (common
random numbers), so two parameter vectors are compared on the same random streams.

How
---
The disputes are split at random (``fraction`` = 80 % to fit, the rest held out, from
``split_seed``). Each fitting dispute is compiled once (:mod:`tripwire.history.engine`); the
parameters are then fitted by cyclic coordinate descent: for each parameter in turn a bounded
Brent search (scipy's ``minimize_scalar``) in a window around its current value, ``sweeps``
times over all parameters. Every evaluation is recorded (the loss path).

Uncertainty
-----------
From the curvature of the loss at the fitted values: for each parameter the second difference
``(L(x+h) - 2 L(x) + L(x-h)) / h^2`` with ``h`` = 2 % of its range, and ``se = 1 / sqrt(that)``
(the log loss is a negative log-likelihood, so this is the usual Fisher approximation; it ignores
correlations between parameters). A parameter whose loss is flat or not convex there gets
``se = inf`` and says so.

Scores
------
The held-out disputes are back-tested at the fitted values with ``score_trials`` trials and
scored (:func:`tripwire.history.score`) against the training base rates and a logistic baseline
fitted on the training disputes.
"""

from __future__ import annotations

import datetime as _dt
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr
import yaml
from scipy import optimize

from .._checks import MAX_SEED, check_int
from .._version import __version__
from ..errors import DataError
from . import engine
from .backtests import as_disputes, backtest_dataset, case_record, resolve_profile, split_evenly
from .disputes import Disputes
from .scores import score

__all__ = ["calibrate", "Calibration", "write_profile"]

CURVATURE_STEP = 0.02


def _build_chunk(rows: list[tuple[int, dict]], data: str) -> list[engine.Case]:
    table = pd.DataFrame([r for _, r in rows], index=[d for d, _ in rows])
    cases, _ = engine.build_cases(table, data)
    return cases


def _chunk_loss(cases: list[engine.Case], values: dict[str, float], trials: int, seed: int) -> np.ndarray:
    """Per-dispute loss terms ``[n, 3]`` (level, joiner, who joins) of a chunk of cases."""
    out = np.empty((len(cases), 3))
    for k, case in enumerate(cases):
        tallies = engine.run_case(case, values, trials, seed)
        out[k] = engine.loss_terms(case, engine.case_outputs(case, tallies, trials), trials)
    return out


def _chunk_records(cases: list[engine.Case], values: dict[str, float], trials: int, seed: int) -> list[dict]:
    out = []
    for case in cases:
        tallies = engine.run_case(case, values, trials, seed)
        out.append(case_record(case, engine.case_outputs(case, tallies, trials)))
    return out


class _Pool:
    """Compiled cases, local or held by a client's workers (never imports ``distributed``)."""

    def __init__(self, disputes: Disputes, data: str, client: Any, progress: Callable[[int], None] | None):
        table = disputes.table.sort_values("start", kind="stable")
        rows = list(zip(table.index.tolist(), table.to_dict("records"), strict=True))
        self.client = client
        self.chunks: list[Any] = []  # lists of cases, or a client's futures of them
        if client is None:
            for chunk in split_evenly(rows, max(1, len(rows) // 50)):
                self.chunks.append(_build_chunk(chunk, data))
                if progress is not None:
                    progress(len(chunk))
        else:
            workers = client.nthreads() if hasattr(client, "nthreads") else {}
            n = 2 * max(1, sum(workers.values()) if workers else 2)
            batches = split_evenly(rows, n)
            self.chunks = client.map(_build_chunk, batches, data=data, pure=False)
            for batch, fut in zip(batches, self.chunks, strict=True):
                fut.result()
                if progress is not None:
                    progress(len(batch))

    def losses(self, values: dict[str, float], trials: int, seed: int) -> np.ndarray:
        if self.client is None:
            parts = [_chunk_loss(c, values, trials, seed) for c in self.chunks]
        else:
            futures = self.client.map(
                _chunk_loss, self.chunks, values=values, trials=trials, seed=seed, pure=False
            )
            parts = self.client.gather(futures)
        return np.concatenate(parts) if parts else np.zeros((0, 3))

    def records(self, values: dict[str, float], trials: int, seed: int) -> list[dict]:
        if self.client is None:
            return [r for c in self.chunks for r in _chunk_records(c, values, trials, seed)]
        futures = self.client.map(
            _chunk_records, self.chunks, values=values, trials=trials, seed=seed, pure=False
        )
        return [r for part in self.client.gather(futures) for r in part]


@dataclass
class Calibration:
    """The result of :func:`calibrate`."""

    values: dict[str, float]
    se: dict[str, float]
    fitted: list[str]
    loss: float
    loss_path: pd.DataFrame
    scores: pd.DataFrame
    train: xr.Dataset
    test: xr.Dataset
    settings: dict = field(default_factory=dict)

    def profile_dict(self, name: str = "mid5", description: str | None = None) -> dict:
        """The profile file's contents (see :mod:`tripwire.world.profile`)."""
        ranges = {
            p.name: [
                float(max(p.lo, self.values[p.name] - 1.96 * self.se[p.name])),
                float(min(p.hi, self.values[p.name] + 1.96 * self.se[p.name])),
            ]
            for p in engine.PARAMS
            if p.name in self.fitted and math.isfinite(self.se[p.name])
        }
        return {
            "name": name,
            "description": description
            or (
                "Global parameters fitted to the MID 5.0 training disputes by minimising the summed log "
                "loss of what happened (tripwire calibrate)."
            ),
            "fitted": self.settings.get("fitted_on", _dt.date.today().isoformat()),
            "engine_version": __version__,
            "ladder": dict(engine.LADDER),
            "max_rounds": engine.MAX_ROUNDS,
            "triggers": dict(engine.TRIGGERS),
            "treaty_reliability": "per_partner" if self.values.get(engine.PER_PARTNER) else "per_edge",
            "values": {k: round(float(v), 6) for k, v in self.values.items() if k != engine.PER_PARTNER},
            "uncertainty": {
                "method": "curvature of the summed log loss (diagonal), 1 standard error",
                "se": {
                    k: (round(float(self.se[k]), 6) if math.isfinite(self.se[k]) else "inf")
                    for k in self.fitted
                },
            },
            "ranges": ranges,
            "fit": {k: v for k, v in self.settings.items() if k != "fitted_on"},
            "loss": round(float(self.loss), 4),
            "loss_path": [round(float(x), 4) for x in self.loss_path["loss"]],
            "scores": _scores_for_file(self.scores),
        }


def _scores_for_file(table: pd.DataFrame) -> dict:
    out: dict[str, dict] = {}
    for row in table.itertuples():
        out.setdefault(row.model, {})[row.outcome] = {
            "brier": round(float(row.brier), 5),
            "brier_skill": round(float(row.brier_skill), 4),
            "log_loss": round(float(row.log_loss), 5),
            "auc": None if not np.isfinite(row.auc) else round(float(row.auc), 4),
            "n": int(row.n),
        }
    return out


def write_profile(result: Calibration, path: str | Path, *, name: str | None = None) -> Path:
    """Write a calibration as a profile file (refuses to overwrite a file that is not a profile)."""
    path = Path(path)
    if path.exists():
        try:
            old = yaml.safe_load(path.read_text())
        except yaml.YAMLError:
            old = None
        if not (isinstance(old, dict) and {"ladder", "triggers", "values"} <= set(old)):
            raise DataError(f"'{path}' exists and is not a tripwire profile; refusing to overwrite it")
    name = name or path.stem
    text = "# Written by tripwire calibrate; see docs/history.md.\n" + yaml.safe_dump(
        result.profile_dict(name), sort_keys=False, allow_unicode=True
    )
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(text)
    tmp.replace(path)
    return path


def calibrate(
    disputes: Disputes | str | Path,
    *,
    data: str | Path,
    params: Sequence[str] | None = None,
    start: Mapping[str, float] | str | Path | None = None,
    trials: int = 200,
    score_trials: int = 2000,
    seed: int = 0,
    fraction: float = 0.8,
    split_seed: int = 0,
    sweeps: int = 1,
    window: float = 0.25,
    maxiter: int = 8,
    per_partner: bool | None = None,
    client: Any = None,
    progress: Callable[[str, int, int], None] | None = None,
) -> Calibration:
    """Fit the global parameters to the training disputes; score the fit on the held-out ones.

    Parameters
    ----------
    disputes
        :class:`~tripwire.history.Disputes` or a MID folder.
    data
        The data folder (see :func:`tripwire.world_on`).
    params
        Names of :data:`tripwire.history.engine.PARAMS` to fit (default all); the others stay at
        ``start``.
    start
        Starting values: a mapping with every parameter, a profile, or ``None`` for the defaults
        of :data:`~tripwire.history.engine.PARAMS`.
    trials
        Trials per dispute in each evaluation of the loss.
    score_trials
        Trials per dispute when scoring the fit.
    seed
        Seed of every evaluation (common random numbers).
    fraction, split_seed
        Share of the disputes fitted on, and the seed of the random split.
    sweeps
        Passes of coordinate descent over the parameters.
    window
        Half-width of each line search, as a share of the parameter's range.
    maxiter
        Loss evaluations per line search (at most).
    per_partner
        Treaty reliabilities per pact, shared among the partners (``reliability / (k - 1)`` on
        each edge of a k-member treaty); default: as ``start`` has it (off without a start).
    client
        A ``dask.distributed`` client: cases are built and held on its workers, and each
        evaluation is spread over them.
    progress
        Called as ``progress(stage, done, total)``; stages ``build``, ``fit``, ``curvature``,
        ``score``.

    Returns
    -------
    Calibration
        Fitted values, standard errors, the loss path, held-out scores and both back-tests;
        :func:`write_profile` writes it as a profile.
    """
    trials = check_int("trials", trials, 1)
    score_trials = check_int("score_trials", score_trials, 1)
    seed = check_int("seed", seed, 0, MAX_SEED)
    sweeps = check_int("sweeps", sweeps, 1)
    maxiter = check_int("maxiter", maxiter, 1)
    data_path = str(Path(data).resolve())
    disp = as_disputes(disputes, data_path)
    fit_on, held_out = disp.split(fraction, split_seed)
    if not len(fit_on) or not len(held_out):
        raise DataError(
            f"calibrate needs disputes on both sides of the split; saw {len(fit_on)} and {len(held_out)}"
        )
    values, start_name = resolve_profile(start)
    if per_partner is not None:
        values[engine.PER_PARTNER] = float(per_partner)
    names = list(engine.PARAM_NAMES) if params is None else list(params)
    unknown = [n for n in names if n not in engine.PARAM_NAMES]
    if unknown:
        raise DataError(
            f"params: unknown parameter(s) {unknown}; parameters: {', '.join(engine.PARAM_NAMES)}"
        )
    spec = {p.name: p for p in engine.PARAMS}

    def say(stage: str, done: int, total: int) -> None:
        if progress is not None:
            progress(stage, done, total)

    built = [0]

    def on_build(n: int) -> None:
        built[0] += n
        say("build", built[0], len(fit_on))

    pool = _Pool(fit_on, data_path, client, on_build)
    path: list[dict] = []

    def loss_at(vals: dict[str, float]) -> float:
        total = float(pool.losses(vals, trials, seed).sum())
        path.append({"evaluation": len(path), **vals, "loss": total})
        say("fit", len(path), 0)
        return total

    current = dict(values)
    best = loss_at(current)
    for _ in range(sweeps):
        for name in names:
            p = spec[name]
            half = window * (p.hi - p.lo)
            lo, hi = max(p.lo, current[name] - half), min(p.hi, current[name] + half)

            def f(x: float, name: str = name) -> float:
                return loss_at({**current, name: float(x)})

            res = optimize.minimize_scalar(
                f,
                bounds=(lo, hi),
                method="bounded",
                options={"xatol": 0.004 * (p.hi - p.lo), "maxiter": maxiter},
            )
            if res.fun < best:
                best, current[name] = float(res.fun), float(res.x)

    # curvature
    se: dict[str, float] = {}
    for k, name in enumerate(names):
        p = spec[name]
        h = CURVATURE_STEP * (p.hi - p.lo)
        x = current[name]
        lo_x, hi_x = max(p.lo, x - h), min(p.hi, x + h)
        if hi_x - x < h / 2 or x - lo_x < h / 2:  # at a bound: one-sided step
            lo_x, hi_x = (x, x + 2 * h) if x - lo_x < h / 2 else (x - 2 * h, x)
            mid = (lo_x + hi_x) / 2
            f_lo, f_mid, f_hi = (loss_at({**current, name: v}) for v in (lo_x, mid, hi_x))
            step = (hi_x - lo_x) / 2
        else:
            f_lo, f_mid, f_hi = loss_at({**current, name: lo_x}), best, loss_at({**current, name: hi_x})
            step = h
        curv = (f_lo - 2 * f_mid + f_hi) / step**2
        se[name] = 1.0 / math.sqrt(curv) if curv > 0 else math.inf
        say("curvature", k + 1, len(names))

    # scores: the training disputes at the fitted values (for base rates and the baseline) and
    # the held-out disputes
    train_records = pool.records(current, trials, seed)
    train_ds = backtest_dataset(
        fit_on, train_records, current, "calibration (training disputes)", trials, seed, data_path, []
    )
    test_pool = _Pool(held_out, data_path, client, None)
    say("score", 0, 1)
    test_records = test_pool.records(current, score_trials, seed)
    test_ds = backtest_dataset(
        held_out, test_records, current, "calibration (held-out disputes)", score_trials, seed, data_path, []
    )
    say("score", 1, 1)
    scores = score(test_ds, train=train_ds)
    settings = {
        "fitted_on": _dt.date.today().isoformat(),
        "data": data_path,
        "disputes": disp.source,
        "disputes_fitted": len(fit_on),
        "disputes_held_out": len(held_out),
        "fraction": fraction,
        "split_seed": split_seed,
        "seed": seed,
        "trials": trials,
        "score_trials": score_trials,
        "sweeps": sweeps,
        "maxiter": maxiter,
        "window": window,
        "start": start_name,
        "evaluations": len(path),
        "parameters": names,
    }
    return Calibration(
        values=current,
        se={n: se.get(n, math.nan) for n in names},
        fitted=names,
        loss=best,
        loss_path=pd.DataFrame(path),
        scores=scores,
        train=train_ds,
        test=test_ds,
        settings=settings,
    )
