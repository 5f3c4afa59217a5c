"""Sweep files (YAML): :class:`SweepFile` and :func:`load_sweep`."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, ValidationError

from .._checks import MAX_SEED
from ..config import StrictModel, problems, read_mapping
from ..errors import DesignError, ParamError, SweepError, WorldError
from ..world.model import World, load_world
from .models import DEFAULT_MODEL, ModelName
from .plan import DEFAULT_TRIAL_BLOCK, SweepPlan, plan_sweep


class SweepFile(StrictModel):
    """A sweep file (YAML). Unknown keys are errors.

    ``world`` is a bundled scenario name, a world file (relative to the sweep file) or an inline
    world mapping. ``params`` maps paths to values (grid, list) or ranges (lhs, sobol). ``model``
    says which model runs at every point (:data:`tripwire.sweep.models.MODELS`): ``crisis`` (default)
    or ``horizon`` (with ``years``).
    """

    name: str | None = None
    description: str = ""
    world: str | dict[str, Any]
    design: Literal["grid", "list", "lhs", "sobol"] = "grid"
    params: dict[str, Any]
    trials: int = Field(ge=1)
    seed: int = Field(0, ge=0, le=MAX_SEED)
    n: int | None = Field(None, ge=1)
    design_seed: int | None = Field(None, ge=0, le=MAX_SEED)
    points_per_task: int | None = Field(None, ge=1)
    trial_block: int = Field(DEFAULT_TRIAL_BLOCK, ge=1)
    model: ModelName = DEFAULT_MODEL
    years: int | None = Field(None, ge=1, le=1000)


def _world_source(source: str | dict, base: Path) -> World | str | Path | dict:
    if isinstance(source, dict):
        return source
    candidate = base / source
    if Path(source).suffix in (".yaml", ".yml", ".json") or candidate.exists():
        if candidate.exists():
            return candidate
        return Path(source)
    return source


def load_sweep(path: str | os.PathLike, **overrides: Any) -> tuple[SweepPlan, SweepFile]:
    """Read and check a sweep file.

    Parameters
    ----------
    path
        The YAML file.
    **overrides
        Keys of :class:`SweepFile` that replace the file's (``None`` leaves a key as it is), e.g.
        ``trials=1000``.

    Returns
    -------
    (SweepPlan, SweepFile)
        The checked plan and the file's settings (``points_per_task`` lives there).

    Raises
    ------
    SweepError
        Every problem, prefixed with the file name.
    FileNotFoundError
        No such file.

    Examples
    --------
    >>> from tripwire.sweep.files import load_sweep
    >>> plan, spec = load_sweep("configs/sweeps/july1914_alliances.yaml")  # doctest: +SKIP
    >>> plan.design.dims  # doctest: +SKIP
    ('treaties.reliability', 'escalation.misperception')
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"sweep file {str(path)!r} does not exist")
    label = str(path)
    data = read_mapping(path.read_text(), label, "sweep", SweepError)
    if "states" in data and not {"world", "params"} & set(data):
        raise SweepError(
            f"{label}: this is a world file (it has `states:`), not a sweep file; run it with "
            f"`tripwire run {label}`, or write a sweep file whose `world:` names it (see docs/sweeps.md)"
        )
    data.update({k: v for k, v in overrides.items() if v is not None})
    try:
        spec = SweepFile.model_validate(data)
    except ValidationError as exc:
        raise SweepError(problems(label, exc)) from None
    try:
        world = load_world(_world_source(spec.world, path.parent))
        plan = plan_sweep(
            world,
            spec.params,
            design=spec.design,
            trials=spec.trials,
            seed=spec.seed,
            n=spec.n,
            design_seed=spec.design_seed,
            trial_block=spec.trial_block,
            name=spec.name or path.stem,
            description=spec.description,
            model=spec.model,
            years=spec.years,
        )
    except (ParamError, DesignError, WorldError, SweepError, FileNotFoundError) as exc:
        raise SweepError(f"{label}: {exc}") from None
    return plan, spec
