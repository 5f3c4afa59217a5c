"""History: real disputes, back-tests, scores and calibration (the model scored against the record).

- :func:`load_disputes` reads MID 5.0 into one row per dispute (:mod:`.disputes`);
- :func:`backtest` predicts every dispute from the world on its start date (:mod:`.backtests`);
- :func:`score` and :func:`reliability` score the predictions (:mod:`.scores`), :func:`compare`
  gives bootstrap intervals of score differences (:mod:`.evaluation`);
- :func:`covariate_tables` builds the covariate table every baseline shares (:mod:`.covariates`);
  :mod:`.baselines` holds the baselines, :mod:`.joint` the scores of whole joiner sets;
- :func:`calibrate` fits the global parameters and writes a profile (:mod:`.calibration`);
- :func:`base_rates` sets the model's aggregate rates beside the data's (:mod:`.baserates`).

This package never imports ``distributed``: pass a ``client`` and its methods are used.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

_LAZY = {
    "load_disputes": "disputes",
    "Disputes": "disputes",
    "MID_LADDER": "disputes",
    "backtest": "backtests",
    "score": "scores",
    "reliability": "scores",
    "compare": "scores",
    "covariate_tables": "covariates",
    "calibrate": "calibration",
    "base_rates": "baserates",
}
__all__ = sorted(_LAZY)


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(import_module(f".{_LAZY[name]}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'tripwire.history' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
