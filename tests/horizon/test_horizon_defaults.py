"""The long-horizon defaults recomputed from the real data they cite (skipped without the data)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from tripwire import defaults
from tripwire.world import kinds

STRONGEST = ("defense", "offense", "neutral", "nonagg", "consul")
KIND = {
    "defense": "defense",
    "offense": "offense",
    "neutral": "neutrality",
    "nonagg": "nonaggression",
    "consul": "consultation",
}


@pytest.fixture(scope="module")
def alliances(data_dir) -> pd.DataFrame:
    return pd.read_csv(data_dir / "atop_v4.01_alliance_level.csv")


def test_background_exit_rates_are_atop_exits_per_alliance_year(alliances):
    a = alliances.copy()
    a["end"] = np.where(a.endyr > 0, a.endyr, 2016)
    a["ended"] = a.endyr > 0
    a["kind"] = [next((KIND[f] for f in STRONGEST if row[f] == 1), None) for _, row in a.iterrows()]
    for era, (lo, hi) in {"pre1945": (0, 1945), "post1945": (1945, 2017)}.items():
        for kind, group in a.groupby("kind"):
            exposure = (np.minimum(group.end, hi) - np.maximum(group.begyr, lo)).clip(lower=0).sum()
            exits = (group.ended & (group.end >= lo) & (group.end < hi)).sum()
            if exposure < 10:  # offence after 1945: too little exposure, the defence rate stands in
                assert kinds.get(kind).exit[era] == kinds.get("defense").exit[era]
                continue
            rate = exits / exposure
            assert kinds.get(kind).exit[era] == pytest.approx(rate, abs=0.0006), (era, kind, rate)
        assert kinds.get("entente").exit[era] == kinds.get("consultation").exit[era]


def test_term_and_review_are_the_commonest_atop_lengths(alliances):
    lengths = alliances.loc[alliances.length > 0, "length"].value_counts()
    assert lengths.index[0] == 12 * defaults.TERM and lengths.iloc[0] == 206
    renewals = alliances.loc[alliances.renewlgt > 0, "renewlgt"].value_counts()
    assert renewals.index[0] == 12 * defaults.REVIEW and renewals.iloc[0] == 275
    assert (alliances.length == 0).sum() == 277  # alliances with no specified length


def test_arms_noise_is_the_median_milex_volatility_of_the_majors(data_dir):
    nmc = pd.read_csv(data_dir / "NMC-60-abridged.csv")
    sds = []
    for code in ("USA", "UKG", "FRN", "ITA", "RUS", "CHN"):
        s = nmc[(nmc.stateabb == code) & (nmc.year.between(1955, 1991)) & (nmc.milex > 0)].sort_values("year")
        sds.append(np.diff(np.log(s.milex.to_numpy())).std())
    assert defaults.ARMS_NOISE == pytest.approx(float(np.median(sds)), abs=0.0005)


def test_beta_and_tau():
    assert defaults.BETA == pytest.approx(math.log(1.77), abs=1e-15)
    assert defaults.RACE_TAU == pytest.approx(1.08**3 - 1, abs=0.001)
