"""Golden tallies: the integer tallies of every bundled scenario (and two synthetic worlds that
reach every kernel path) at a fixed seed and trial count, pinned in ``tests/crisis/golden_tallies.json``.

Refactors of the kernel, the compile step or the layout must leave every number unchanged ("same
draws"). A deliberate change of the model regenerates the file with
``python -m tests.crisis.test_golden --write`` (from the repository root) and says why in its commit.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest

import tripwire
from tests.helpers.worlds import random_world, small_world

GOLDEN = Path(__file__).with_name("golden_tallies.json")
TRIALS = 20_000
SEED = 20_261_129
TALLIES = (
    "trials",
    "outcome_count",
    "involved_count",
    "war_count",
    "side_count",
    "origin_level_count",
    "treaty_honoured",
    "treaty_failed",
    "rounds_count",
    "edge_tries",
)


def golden_worlds() -> dict[str, tripwire.World]:
    worlds = {name: tripwire.load_world(name) for name in tripwire.bundled_scenarios()}
    worlds["synthetic:small"] = tripwire.World.model_validate(small_world())
    worlds["synthetic:random"] = tripwire.World.model_validate(
        random_world(np.random.default_rng(7), 12, 10, levels=5)
    )
    worlds["synthetic:borders"] = tripwire.World.model_validate(
        random_world(np.random.default_rng(11), 10, 8, levels=4, borders=True)
    )
    return worlds


def tallies_of(world: tripwire.World) -> dict[str, list]:
    ds = tripwire.simulate(world, TRIALS, seed=SEED, threads=1)
    return {name: np.asarray(ds[name].values).tolist() for name in TALLIES}


def _load() -> dict:
    return json.loads(GOLDEN.read_text())


@pytest.mark.parametrize("name", sorted(golden_worlds()))
def test_tallies_unchanged(name):
    golden = _load()
    assert golden["trials"] == TRIALS and golden["seed"] == SEED
    assert name in golden["worlds"], f"{name} has no golden tallies; regenerate with --write"
    want = golden["worlds"][name]
    got = tallies_of(golden_worlds()[name])
    for key in TALLIES:
        np.testing.assert_array_equal(np.asarray(got[key]), np.asarray(want[key]), err_msg=f"{name}: {key}")


def test_every_bundled_scenario_is_pinned():
    assert set(tripwire.bundled_scenarios()) <= set(_load()["worlds"])


if __name__ == "__main__":
    if "--write" not in sys.argv:
        sys.exit(
            "usage: python -m tests.crisis.test_golden --write   (regenerates tests/crisis/golden_tallies.json)"
        )
    worlds = {name: tallies_of(w) for name, w in golden_worlds().items()}
    GOLDEN.write_text(
        json.dumps({"trials": TRIALS, "seed": SEED, "worlds": worlds}, separators=(",", ":")) + "\n"
    )
    print(f"wrote {GOLDEN} ({GOLDEN.stat().st_size:,} bytes, {len(worlds)} worlds)")
