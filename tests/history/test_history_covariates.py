"""The covariate table of the history baselines (tripwire.history.covariates), checked by hand on
the committed fixture and, where the real data are present, on chosen real dyads."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from tests.helpers.history_fixtures import FIXTURE, MID_FIXTURE, real_data
from tripwire.errors import DataError, DataWarning
from tripwire.history import load_disputes
from tripwire.history.covariates import (
    CANDIDATE_COLUMNS,
    CANDIDATE_OUTCOMES,
    DISPUTE_COLUMNS,
    DISPUTE_OUTCOMES,
    covariate_tables,
    era3,
)


@pytest.fixture(scope="module")
def fixture_tables():
    return covariate_tables(load_disputes(MID_FIXTURE, data=FIXTURE), data=FIXTURE)


def test_every_column_is_declared_with_its_meaning(fixture_tables):
    cand, disp = fixture_tables.candidates, fixture_tables.disputes
    assert list(cand.columns) == [*CANDIDATE_COLUMNS, *CANDIDATE_OUTCOMES]
    assert list(disp.columns) == [*DISPUTE_COLUMNS, *DISPUTE_OUTCOMES, "era"]
    assert all(isinstance(v, str) and v for v in cand.attrs["columns"].values())
    assert cand.index.names == ["dispnum", "ccode"] and disp.index.name == "dispnum"


def test_candidates_are_the_other_states_in_the_system(fixture_tables):
    cand = fixture_tables.candidates
    # dispute 2 (1900-03-10): UKG v FRN; USA, MEX and GMY are in the system
    assert sorted(cand.loc[2].index) == [2, 70, 255]
    # dispute 4 (1950): USA v CAN; GMY has no NMC row in 1950
    assert sorted(cand.loc[4].index) == [70, 200, 220]


def test_hand_checked_dyads_on_the_fixture(fixture_tables):
    cand, disp = fixture_tables.candidates, fixture_tables.disputes
    gmy = cand.loc[(2, 255)]  # Germany in UKG v FRN, 1900
    # ATOP 1003 (FRN, GMY): Germany owes only nonaggression; France is side B
    assert gmy["nonaggression_b"] == 1 and gmy["defense_b"] == 0 and gmy["alliance_a"] == 0
    assert gmy["bilateral_b"] == 1 and gmy["small_pact_b"] == 1 and gmy["pacts_b"] == 1
    assert gmy["land_b"] == 1 and gmy["sea_a"] == 1 and gmy["land_a"] == 0  # FRN land, UKG sea 400
    assert gmy["allied_b_near_a"] == 1 and gmy["near_both"] == 1 and gmy["joined_b"] == 1
    # capabilities 1900: USA .18, MEX .008, UKG .2, FRN .1, GMY .17 (sum .658)
    assert gmy["log_cap_ratio_a"] == pytest.approx(np.log(0.17 / 0.2))
    assert gmy["capability"] == pytest.approx(0.17 / 0.658) and gmy["major"] == 1
    usa = cand.loc[(2, 2)]  # ATOP 1001 (USA, UKG) defense
    assert usa["defense_a"] == 1 and usa["alliance_b"] == 0 and usa["bilateral_a"] == 1
    ukg = cand.loc[(4, 200)]  # UKG in USA v CAN, 1950: ATOP 1001 and NATO (1004) with the USA
    assert ukg["pacts_a"] == 2 and ukg["pacts_b"] == 1 and ukg["bilateral_a"] == 1 and ukg["bilateral_b"] == 0
    assert ukg["defense_a"] == ukg["consultation_b"] == ukg["allied_both"] == 1 and ukg["joined_a"] == 1
    assert cand.loc[(4, 70), "land_a"] == 1 and cand.loc[(4, 70), "nonaggression_a"] == 0  # 1006 from 1951
    d2 = disp.loc[2]
    assert d2["cap_share_a"] == pytest.approx(0.2 / 0.3) and d2["majors_a"] == d2["majors_b"] == 1
    assert d2["sea_contiguous"] == 1 and d2["land_contiguous"] == 0 and d2["rivals"] == 1
    assert d2["war"] == 1 and d2["n_joiners"] == 1 and d2["allies_b"] == 1 and d2["neighbours_b"] == 1
    assert disp.loc[3, "n_orig_a"] == 2 and disp.loc[4, "era"] == "1945_1989" and disp.loc[4, "use"] == 0


def test_eras_and_errors(fixture_tables):
    assert [era3(y) for y in (1944, 1945, 1989, 1990)] == [
        "before_1945",
        "1945_1989",
        "1945_1989",
        "from_1990",
    ]
    sub = fixture_tables.subset([2, 4])
    assert list(sub.disputes.index) == [2, 4] and set(sub.candidates.index.get_level_values(0)) == {2, 4}
    with pytest.raises(DataError, match="no rows for dispute"):
        fixture_tables.subset([99])
    # without the NMC check, dispute 7's originator (CAN, 1901) is outside the system
    with pytest.raises(DataError, match="MID 7: originator ccode"):
        covariate_tables(load_disputes(MID_FIXTURE), data=FIXTURE)


def test_real_dyads_by_hand():
    data = real_data()
    d = load_disputes(data / "mid5", data=data)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)
        tables = covariate_tables(d, data=data)
    cand, disp = tables.candidates, tables.disputes
    assert len(disp) == 1827 and len(cand) > 200_000
    assert disp["war"].mean() == pytest.approx(0.044, abs=0.001)
    assert disp["joiner"].mean() == pytest.approx(0.098, abs=0.001)
    # a NATO-era dyad: in a dispute between the USA and the Soviet Union, Britain owes the USA a
    # defense obligation (NATO) and is a major power; Warsaw Pact members owe Moscow defense
    usa_rus = [
        k
        for k, r in d.table.iterrows()
        if r["side_a"] == (2,) and r["side_b"] == (365,) and 1960 <= r["year"] <= 1985
    ]
    assert usa_rus
    row = cand.loc[(usa_rus[0], 200)]
    assert row["defense_a"] == 1 and row["defense_b"] == 0 and row["major"] == 1
    pol = cand.loc[(usa_rus[0], 290)]
    assert pol["defense_b"] == 1 and pol["defense_a"] == 0 and pol["land_b"] == 1
    # Canada borders the USA by land; Cuba is across at most 400 miles of water
    assert cand.loc[(usa_rus[0], 20), "land_a"] == 1 and cand.loc[(usa_rus[0], 40), "sea_a"] == 1
    assert disp.loc[usa_rus[0], "rivals"] == 1 and disp.loc[usa_rus[0], "positional_rivals"] == 1
