"""Hold-out scores of the history baselines: fit on a random part of the MID training disputes
(split by dispute), score the rest, print the table and the bootstrap intervals.

    python scripts/history_baselines.py --data ../shared/data [--fraction 0.8] [--seed 0] [--boot 1000]

Needs the ``history`` extra for gradient boosting (``pip install 'tripwire[history]'``); without it
pass ``--models classic_logit penalised_logit``. The slow tripwire back-test is not run here: score
its predictions with :func:`tripwire.history.score` (``baselines=``) or pass them to
:func:`tripwire.history.baselines.holdout_scores` (``extra=``).
"""

from __future__ import annotations

import argparse
import time
import warnings

import pandas as pd

from tripwire.errors import DataWarning
from tripwire.history import load_disputes
from tripwire.history.baselines import BASELINES, holdout_scores
from tripwire.history.covariates import covariate_tables
from tripwire.io.world_on import load_data


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True, help="the data folder (with mid5/)")
    parser.add_argument("--fraction", type=float, default=0.8, help="share of disputes to fit on")
    parser.add_argument("--seed", type=int, default=0, help="split, folds and resampling seed")
    parser.add_argument("--boot", type=int, default=1000, help="bootstrap replicates")
    parser.add_argument("--models", nargs="+", default=list(BASELINES), choices=list(BASELINES))
    args = parser.parse_args()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)
        sources = load_data(args.data)
        disputes = load_disputes(f"{args.data}/mid5", data=sources)
        t0 = time.perf_counter()
        cov = covariate_tables(disputes, data=sources)
    print(
        f"covariates of {len(cov.disputes):,} disputes, {len(cov.candidates):,} candidates: "
        f"{time.perf_counter() - t0:.1f} s"
    )
    t0 = time.perf_counter()
    scores, diffs = holdout_scores(
        cov, fraction=args.fraction, seed=args.seed, models=args.models, n_boot=args.boot
    )
    print(f"fit, predict and {args.boot} bootstrap replicates: {time.perf_counter() - t0:.1f} s")
    with pd.option_context("display.width", 200, "display.max_columns", 20, "display.max_rows", 500):
        cols = ["model", "outcome", "n", "base_rate", "brier_skill", "log_loss", "auc", "rps"]
        print(scores[cols].round(4).to_string(index=False))
        best = diffs[diffs["reference"].str.startswith("best")]
        cols = ["outcome", "score", "model", "reference", "difference", "lo", "hi"]
        print(best[cols].round(4).to_string(index=False))


if __name__ == "__main__":
    main()
