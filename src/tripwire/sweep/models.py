"""The models a sweep can run, each one :class:`Model` in one registry (:data:`MODELS`): the crisis
model (``simulate``) and the long-horizon model (``tripwire.horizon``). A sweep file says which with
``model:`` (default ``crisis``); a horizon sweep may also give ``years``.

Sweeps, stores, the verifier and the bench look a model up here (:func:`get_model` by name,
:func:`model_of` from a store's attributes) and never test its name: a new model is one more
entry in :data:`MODELS`. Each model says which tallies a store holds and their dimensions, the
coordinates and attributes of one run, the derived variables
:func:`~tripwire.sweep.reader.open_sweep` adds, the tallies of one point (trials
``first .. first + count - 1`` of the point's world, exactly those of ``simulate`` / ``horizon`` on
that world with the sweep's seed), and the parameter path forms (:mod:`tripwire.world.params`) it
adds.

>>> from tripwire.sweep.models import MODELS, get_model
>>> list(MODELS), get_model("horizon").takes_years
(['crisis', 'horizon'], True)
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from ..crisis import variables as crisis_variables
from ..crisis.variables import Variable
from ..errors import SweepError
from ..horizon import variables as horizon_variables
from ..world import params

__all__ = ["Model", "MODELS", "DEFAULT_MODEL", "ModelName", "get_model", "model_of"]

#: Raw tallies of one point (``world, *, seed, first, count, threads, years``) and the treaty names
#: they are laid out by.
RunTallies = Callable[..., tuple[dict[str, Any], list[str]]]
#: Checks of a model's tallies: ``(store group, attrs, trials) -> (stacked tallies -> reasons per point)``.
Invariants = Callable[[Any, dict[str, Any], int], Callable[[dict], list[list[str]]]]


@dataclass(frozen=True)
class Model:
    """One model a sweep can run: what its stores hold and how to compute one point.

    Attributes
    ----------
    name
        The ``model:`` of a sweep file and the ``model`` attribute of its stores.
    description
        One line, for listings and messages.
    variables
        ``name -> Variable`` of every output variable (tallies first, then derived).
    path_forms
        The parameter path forms this model adds (:data:`tripwire.world.params.PATH_FORMS`).
    layout
        ``(world, *, seed, trials, years) -> (coords, attrs)`` of one run's dataset.
    derive
        The derived variables added to a dataset of the model's tallies (any leading dimensions).
    run_tallies
        ``(world, *, seed, first, count, threads, years) -> (tallies, treaty names)``: the raw
        tallies of trials ``first .. first + count - 1``, shaped as a store holds them.
    closures
        The joining closures the workers will run for a base world (compiled before the tasks).
    check_world
        ``(world, years)``: raises for a world this model cannot run (a sweep checks the worlds at
        the corners of its design with it).
    invariants
        The exact checks of the model's tallies (:mod:`tripwire.sweep.verify`); ``None``: only
        ``trials``.
    war_share
        ``(dataset of tallies, attrs) -> P(war)`` per point, for :func:`~tripwire.sweep.reader.describe`;
        ``None`` when the model has no single war probability.
    takes_years
        Sweeps of this model may give ``years``.
    names_itself
        The store identity names the model and its years (crisis stores keep the identity they
        always had, without them).
    """

    name: str
    description: str
    variables: Mapping[str, Variable]
    path_forms: tuple[str, ...]
    layout: Callable[..., tuple[dict, dict]]
    derive: Callable[[Any], Any]
    run_tallies: RunTallies
    closures: Callable[[Any], tuple[str, ...]]
    check_world: Callable[[Any, int | None], None]
    invariants: Invariants | None = None
    war_share: Callable[[Any, dict[str, Any]], np.ndarray] | None = None
    takes_years: bool = False
    names_itself: bool = True

    @property
    def tallies(self) -> tuple[str, ...]:
        """Names of the integer tallies a store of this model holds, in order."""
        return tuple(name for name, v in self.variables.items() if v.kind == "tally")

    @property
    def treaty_tallies(self) -> tuple[str, ...]:
        """The tallies with a ``treaty`` dimension first (zero for a treaty a point removed)."""
        return tuple(name for name in self.tallies if self.variables[name].dims[:1] == ("treaty",))

    def point_tallies(
        self,
        world,
        treaties: dict[str, int],
        *,
        seed: int,
        first: int,
        count: int,
        threads: int,
        years: int | None,
    ) -> dict[str, Any]:
        """The tallies of trials ``first .. first + count - 1`` of one point's world, laid out as
        the store holds them (``treaties``: the base world's treaty index; a treaty the point
        removed keeps its place with zero tallies)."""
        out, names = self.run_tallies(
            world, seed=seed, first=first, count=count, threads=threads, years=years
        )
        out["trials"] = np.int64(count)
        if len(names) != len(treaties):
            where = np.array([treaties[name] for name in names], dtype=np.int64)
            for name in self.treaty_tallies:
                full = np.zeros((len(treaties), *out[name].shape[1:]), dtype=np.int64)
                full[where] = out[name]
                out[name] = full
        return out


# -- the crisis model ---------------------------------------------------------------------------
def _crisis_layout(world, *, seed: int, trials: int, years: int | None) -> tuple[dict, dict]:
    from ..crisis.compile import compile_world
    from ..crisis.results import run_layout

    return run_layout(compile_world(world), world, seed=seed, trials=trials)


def _crisis_derive(ds):
    from ..crisis.results import derive

    return derive(ds)


def _crisis_run(world, *, seed: int, first: int, count: int, threads: int, years: int | None):
    from ..crisis.compile import compile_world
    from ..crisis.simulate import run_tallies

    cw = compile_world(world)
    t = run_tallies(cw, count, seed=seed, first_trial=first, threads=threads)
    out = {name: t[name] for name in crisis_variables.TALLIES if name in t}
    out["outcome_count"] = t["outcome_count"][:, 2:]  # sizes start at 2, as in make_dataset
    return out, list(cw.treaties)


def _crisis_closures(world) -> tuple[str, ...]:
    # CSR always (the closure choice runs it), the bitset closure too where the world picks it
    from ..crisis.compile import compile_world
    from ..crisis.simulate import choose_closure

    return tuple(dict.fromkeys(("csr", choose_closure(compile_world(world)))))


def _crisis_invariants(group, attrs: dict[str, Any], trials: int) -> Callable[[dict], list[list[str]]]:
    from ..crisis.invariants import invariant_problems, war_index

    levels = [str(v) for v in np.asarray(group["level"][...]).tolist()]
    sizes = np.asarray(group["size"][...])
    war = war_index(attrs, levels)
    return lambda stacked: invariant_problems(stacked, trials, war, sizes)


def _crisis_war_share(ds, attrs: dict[str, Any]) -> np.ndarray:
    from ..crisis.invariants import war_index

    counts = ds["outcome_count"].sum("size").values
    trials = ds["trials"].values
    k = war_index(attrs, list(ds["level"].values))
    with np.errstate(invalid="ignore", divide="ignore"):
        return counts[..., k:].sum(-1) / trials


def _no_check(world, years: int | None) -> None:
    return None


CRISIS = Model(
    name="crisis",
    description="the crisis-cascade model (simulate at every point)",
    variables=crisis_variables.VARIABLES,
    path_forms=params.CRISIS_PATH_FORMS,
    layout=_crisis_layout,
    derive=_crisis_derive,
    run_tallies=_crisis_run,
    closures=_crisis_closures,
    check_world=_no_check,
    invariants=_crisis_invariants,
    war_share=_crisis_war_share,
    names_itself=False,
)


# -- the long-horizon model ---------------------------------------------------------------------
def _horizon_layout(world, *, seed: int, trials: int, years: int | None) -> tuple[dict, dict]:
    from ..horizon.compile import compile_horizon
    from ..horizon.results import run_layout

    return run_layout(compile_horizon(world, years), world, seed=seed, trials=trials)


def _horizon_derive(ds):
    from ..horizon.results import derive

    return derive(ds)


def _horizon_run(world, *, seed: int, first: int, count: int, threads: int, years: int | None):
    from ..horizon.compile import compile_horizon
    from ..horizon.simulate import run_horizon_tallies

    hc = compile_horizon(world, years)
    t = run_horizon_tallies(hc, count, seed=seed, first_trial=first, threads=threads)
    return {name: t[name] for name in horizon_variables.TALLIES if name in t}, list(hc.crisis.treaties)


def _horizon_closures(world) -> tuple[str, ...]:
    return ("csr",)


def _horizon_check(world, years: int | None) -> None:
    from ..horizon.compile import compile_horizon

    compile_horizon(world, years)  # a horizon that does not fit the world is refused here


HORIZON = Model(
    name="horizon",
    description="the long-horizon model (tripwire.horizon at every point)",
    variables=horizon_variables.VARIABLES,
    path_forms=params.HORIZON_PATH_FORMS,
    layout=_horizon_layout,
    derive=_horizon_derive,
    run_tallies=_horizon_run,
    closures=_horizon_closures,
    check_world=_horizon_check,
    takes_years=True,
)

#: name -> :class:`Model`, in the order they are listed to users.
MODELS: dict[str, Model] = {m.name: m for m in (CRISIS, HORIZON)}
#: The model of a sweep that names none, and of a store without a ``model`` attribute.
DEFAULT_MODEL = CRISIS.name
if TYPE_CHECKING:
    ModelName = str
else:
    #: The names of the models, as a type (a sweep file's ``model:``).
    ModelName = Literal[tuple(MODELS)]


def get_model(name: str) -> Model:
    """The model called ``name``.

    Raises
    ------
    SweepError
        No such model (the message lists them).
    """
    try:
        return MODELS[name]
    except (KeyError, TypeError):
        known = " or ".join(repr(n) for n in MODELS)
        raise SweepError(f"model must be {known}, saw {name!r}") from None


def model_of(attrs: Mapping[str, Any]) -> Model:
    """The model of a store or result, from its attributes (a store without one is a crisis store)."""
    return get_model(str(attrs.get("model", DEFAULT_MODEL)))
