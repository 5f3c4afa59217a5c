"""A checked sweep: the world, the design, trials per point and the seed (:class:`SweepPlan`).

Every point runs trials ``0 .. trials - 1`` under the sweep's seed (common random numbers), so
each point equals ``simulate()`` of that point's world, bit for bit.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .._checks import MAX_SEED, check_int
from ..errors import SweepError
from ..world.model import World, load_world
from ..world.params import apply_params, apply_to_dict
from .designs import Design, make_design
from .models import MODELS, get_model

#: Most trials one task runs for one point; a point with more is split into blocks (summed).
DEFAULT_TRIAL_BLOCK = 1 << 22


@dataclass(frozen=True, eq=False)
class SweepPlan:
    """A checked sweep: everything needed to write its store and run it.

    Attributes
    ----------
    world
        The base world (resolved).
    design
        The points.
    trials
        Trials per point.
    seed
        The seed every point uses.
    trial_block
        Most trials per task and point.
    name, description
        For the record (stored in the attrs).
    model
        The name of the model every point runs (:data:`tripwire.sweep.models.MODELS`): ``crisis``
        (``simulate`` at every point) or ``horizon`` (``tripwire.horizon``).
    years
        Years per history of a horizon sweep (default: the world's ``horizon.years``).
    """

    world: World
    design: Design
    trials: int
    seed: int
    trial_block: int = DEFAULT_TRIAL_BLOCK
    name: str = "sweep"
    description: str = ""
    model: str = "crisis"
    years: int | None = None

    @property
    def n_points(self) -> int:
        return self.design.size

    def values_at(self, index: tuple[int, ...]) -> dict[str, Any]:
        """``{path: value}`` at a position of the design's shape."""
        return dict(zip(self.design.paths, self.design.point(index), strict=True))

    def world_at(self, index: tuple[int, ...]) -> World:
        """The world a point runs (the base world with the point's values set)."""
        return apply_params(self.world, self.values_at(index))


def plan_sweep(
    world: World | str | os.PathLike | dict,
    params: Mapping[str, Sequence],
    *,
    design: str = "grid",
    trials: int,
    seed: int = 0,
    n: int | None = None,
    design_seed: int | None = None,
    trial_block: int = DEFAULT_TRIAL_BLOCK,
    name: str | None = None,
    description: str = "",
    model: str = "crisis",
    years: int | None = None,
) -> SweepPlan:
    """Check a sweep before any work: paths, values, design, trials and seed.

    Besides the range checks of each value, the world model validates the first point's world and,
    for every path, the worlds at its smallest and largest value.

    Raises
    ------
    ParamError, DesignError, WorldError, SweepError
        What is wrong and how to fix it.
    """
    world = load_world(Path(world) if isinstance(world, os.PathLike) else world)
    trials = check_int("trials", trials, 1, error=SweepError)
    seed = check_int("seed", seed, 0, MAX_SEED, error=SweepError)
    trial_block = check_int("trial_block", trial_block, 1, error=SweepError)
    if design in ("lhs", "sobol"):
        design_seed = (
            seed
            if design_seed is None
            else check_int("design_seed", design_seed, 0, MAX_SEED, error=SweepError)
        )
    elif design_seed is not None:
        raise SweepError(f"design_seed is only for lhs and sobol designs, saw it with a {design} design")
    runs = get_model(model)
    if years is not None:
        if not runs.takes_years:
            takes = " or ".join(m.name for m in MODELS.values() if m.takes_years)
            raise SweepError(f"years is only for {takes} sweeps (model: {takes})")
        years = check_int("years", years, 1, 1000, error=SweepError)
    d = make_design(design, params, world, n=n, seed=design_seed)
    plan = SweepPlan(world, d, trials, seed, trial_block, name or world.name, description, model, years)
    first = d.point((0,) * len(d.shape))
    checks = [first]
    for k, column in enumerate(d.values):
        for value in (column.min(), column.max()):
            checks.append(first[:k] + (value.item(),) + first[k + 1 :])
    base = world.resolved()
    for values in dict.fromkeys(checks):
        runs.check_world(apply_to_dict(base, d.params, values), years)
    return plan
