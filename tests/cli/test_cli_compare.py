"""``tripwire compare``: paired differences under common random numbers, with a standard error that
is checked against the exact per-trial paired standard error."""

import re

import numpy as np
import pytest
import yaml

import tripwire
from tests.helpers.worlds import small_world
from tripwire.cli import main
from tripwire.cli.compare import paired_differences
from tripwire.crisis.simulate import run_tallies


@pytest.fixture()
def world_file(tmp_path):
    path = tmp_path / "small.yaml"
    path.write_text(yaml.safe_dump(small_world()))
    return path


def test_compare_prints_exact_differences_and_paired_errors(world_file, capsys):
    argv = [
        "compare",
        str(world_file),
        "--trials",
        "4000",
        "--seed",
        "11",
        "--batches",
        "20",
        "--set",
        "policy.communication=0.9",
        "--without",
        "E guarantees B",
    ]
    assert main(argv) == 0
    out = capsys.readouterr().out
    base = tripwire.simulate(small_world(), 4000, seed=11)
    alt_world = tripwire.apply_params(
        tripwire.load_world(small_world()),
        {"policy.communication": 0.9, "treaty.E guarantees B.active": False},
    )
    alt = tripwire.simulate(alt_world, 4000, seed=11)
    for level in ("clash", "war", "general_war"):
        row = re.search(
            rf"^│ {level} +│ +([\d.]+) │ +([\d.]+) │ +([+-][\d.]+) │ +([\d.]+) │", out, flags=re.M
        )
        assert row, out
        b, a, d = (float(x) for x in row.groups()[:3])
        assert b == round(float(base.p_exceed.sel(level=level)), 4)
        assert a == round(float(alt.p_exceed.sel(level=level)), 4)
        assert d == pytest.approx(a - b, abs=1.01e-4)
    assert "policy.communication = 0.9; without 'E guarantees B'" in out
    assert "states whose P(involved) changes most" in out
    assert "from 20 batches of consecutive trials (batch means)" in out
    assert "two independent runs would give P(≥ war) a standard error of" in out


def test_compare_needs_a_what_if(world_file, capsys):
    assert main(["compare", str(world_file), "--trials", "100"]) == 2
    assert (
        "compare needs a what-if: give --set PATH=VALUE, --without TREATY or --origin A:B"
        in capsys.readouterr().err
    )


def test_batch_means_agree_with_the_exact_paired_standard_error():
    """Per-trial outcomes of both worlds give the exact sample SE of the paired difference; batch means
    over the same trials must agree with it within the batch-means estimator's own noise."""
    n, n_batches = 4000, 40
    base_world = tripwire.load_world(small_world())
    alt_world = tripwire.apply_params(base_world, {"policy.communication": 0.9, "policy.defection": 0.0})
    worlds = [tripwire.compile_world(w) for w in (base_world, alt_world)]
    war = worlds[0].war_level
    at_war = np.zeros((2, n))
    for k, cw in enumerate(worlds):
        for t in range(n):
            levels = run_tallies(cw, 1, seed=5, first_trial=t, threads=1)["outcome_count"].sum(axis=1)
            at_war[k, t] = levels[war:].sum()
    diff = at_war[1] - at_war[0]
    exact_se = diff.std(ddof=1) / np.sqrt(n)
    independent_se = np.sqrt(at_war[0].var(ddof=1) / n + at_war[1].var(ddof=1) / n)
    assert exact_se < 0.8 * independent_se  # common random numbers pay off on this change

    batches = []
    for b in range(n_batches):
        first, last = n * b // n_batches, n * (b + 1) // n_batches
        pair = [run_tallies(cw, last - first, seed=5, first_trial=first, threads=1) for cw in worlds]
        batches.append((last - first, *pair))
    base, alt, d, se = paired_differences(batches)["exceed"].estimates()
    assert d[war] == pytest.approx(diff.mean(), abs=1e-12)  # the difference itself is exact
    assert base[war] == at_war[0].mean() and alt[war] == at_war[1].mean()
    # the batch-means SE has a relative sd of about 1/sqrt(2 (B - 1)) = 9 %; allow k = 3 of it
    assert se[war] == pytest.approx(exact_se, rel=3 / np.sqrt(2 * (n_batches - 1)))
