"""The back-test engine: each dispute's world compiled once, re-parametrised in place, run through
the kernel's tallies (no xarray per dispute).

A :class:`Case` is one dispute: the world on its start date with its originators as the origin,
compiled once with *probe* probabilities, so that every edge's channel (alliance, consultation,
rivalry, border type) can be read back from the compiled arrays whatever order the compiler puts
edges in. A parameter vector (:data:`PARAMS`) then sets every edge's probability from its channel
and the escalation arrays from the dispute's era, without building the world again: that is what
makes calibration affordable.

Channels and parameters
-----------------------
=====================  ================================================  =======================
channel                edges                                             parameter
=====================  ================================================  =======================
``alliance``           defense and offense treaties                      ``reliability.alliance``
``consultation``       entente and consultation treaties                 ``reliability.consultation``
``rivalry``            Thompson strategic rivalries (every type)         ``hostility.rivalry``
``border.<type>``      COW contiguity: land, sea12, sea24, sea150,       ``joining.land`` /
                       sea400                                            ``joining.sea``
=====================  ================================================  =======================

The ladder is ``threat, display, use, war``; ``up.<level>`` is the hazard of climbing from a level
when the two sides are even, and ``settle = 1 - up``, so each round climbs or settles (deterrence
and misperception then move the climb; see the model docs).
"""

from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .. import defaults
from ..crisis.compile import CompiledWorld, compile_world
from ..crisis.simulate import run_tallies
from ..errors import DataError, DataWarning
from ..io.cow import BORDER_TYPES
from ..io.world_on import HistoryData, load_data
from ..world import kinds
from ..world.model import load_world
from ..world.profile import ERAS, Profile, era_of

__all__ = [
    "PARAMS",
    "TRIGGERS",
    "LADDER",
    "Param",
    "Case",
    "build_cases",
    "run_case",
    "case_outputs",
    "vector_from_profile",
    "values_from_vector",
]

LADDER = {"levels": list(defaults.MID_LADDER_LEVELS), "war": "war"}
#: Trigger level of each channel (fixed, not fitted; the reasons are in :mod:`tripwire.defaults`).
TRIGGERS = dict(defaults.HISTORY_TRIGGERS)
MAX_ROUNDS = 50


@dataclass(frozen=True)
class Param:
    """A global parameter: its name in profiles, bounds and starting value."""

    name: str
    lo: float
    hi: float
    start: float
    description: str


def _up(level: str, era: str, start: float) -> Param:
    return Param(
        f"up.{level}.{era}", 0.0, 1.0, start, f"hazard of climbing from {level}, {era.replace('_', ' ')}"
    )


#: The parameters :func:`tripwire.history.calibrate` fits, with bounds and starting values (the
#: starts reproduce the MID ladder by era for two even sides).
PARAMS: tuple[Param, ...] = (
    _up("threat", "before_1945", 0.95),
    _up("display", "before_1945", 0.72),
    _up("use", "before_1945", 0.16),
    _up("threat", "from_1945", 0.98),
    _up("display", "from_1945", 0.72),
    _up("use", "from_1945", 0.025),
    Param("deterrence", 0.0, 4.0, 1.0, "deterrence: the climb hazard scales with (2 rho)^deterrence"),
    Param("misperception", 0.0, 2.0, 0.3, "sigma of the lognormal noise on the target's perceived backing"),
    Param("reliability.alliance.before_1945", 0.0, 1.0, 0.3, "defense and offense edges, before 1945"),
    Param("reliability.alliance.from_1945", 0.0, 1.0, 0.05, "defense and offense edges, from 1945"),
    Param("reliability.consultation", 0.0, 1.0, 0.02, "entente and consultation edges"),
    Param("joining.land", 0.0, 1.0, 0.03, "a land neighbour joins against a participant"),
    Param("joining.sea", 0.0, 1.0, 0.01, "a neighbour across at most 400 miles of water joins against"),
    Param("hostility.rivalry", 0.0, 1.0, 0.05, "a strategic rival joins against a participant"),
)
PARAM_NAMES = tuple(p.name for p in PARAMS)
#: A switch carried with the values: treaty reliabilities per pact, shared among the partners
#: (each edge of a k-member treaty gets ``reliability / (k - 1)``; see :mod:`tripwire.world.profile`).
PER_PARTNER = "per_partner"

# channels (index into the probe table); an edge belongs to one channel (a combo of one)
CHANNELS = ("alliance", "consultation", "rivalry", *(f"border.{t}" for t in BORDER_TYPES))
PROBE_SCALE = 256.0


def _probe(channel: str) -> float:
    return (CHANNELS.index(channel) + 1) / PROBE_SCALE


def _decode_table() -> dict[float, tuple[int, ...]]:
    return {_probe(c): (k,) for k, c in enumerate(CHANNELS)}


DECODE = _decode_table()


def values_from_vector(x: Sequence[float] | np.ndarray) -> dict[str, float]:
    return {p.name: float(v) for p, v in zip(PARAMS, x, strict=True)}


def vector_from_profile(profile: Profile) -> np.ndarray:
    """The parameter vector of a profile (era-free names fill both eras)."""
    out = []
    for p in PARAMS:
        base, _, era = p.name.rpartition(".")
        if era in ERAS:
            out.append(profile.value(base, 1900 if era == ERAS[0] else 2000))
        else:
            out.append(profile.value(p.name, None))
    return np.array(out, dtype=np.float64)


def channel_probabilities(values: Mapping[str, float], era: str) -> np.ndarray:
    """Probability of each channel under ``values`` in ``era``."""

    def get(name: str) -> float:
        return float(values[name] if name in values else values[f"{name}.{era}"])

    out = np.empty(len(CHANNELS))
    out[CHANNELS.index("alliance")] = get("reliability.alliance")
    out[CHANNELS.index("consultation")] = get("reliability.consultation")
    out[CHANNELS.index("rivalry")] = get("hostility.rivalry")
    for t in BORDER_TYPES:
        out[CHANNELS.index(f"border.{t}")] = get("joining.land" if t == "land" else "joining.sea")
    return out


@dataclass
class Case:
    """One dispute, compiled once."""

    dispnum: int
    era: str
    cw: CompiledWorld
    combos: list[tuple[int, ...]]  # combo id -> channels
    edge_combo: np.ndarray  # int[edge]
    n_orig: int
    codes: list[str]
    ccodes: np.ndarray
    originators: np.ndarray  # bool[state]
    observed_level: int
    joined_a: np.ndarray  # bool[state]
    joined_b: np.ndarray  # bool[state]
    capability: np.ndarray
    allies_a: np.ndarray  # int[state]: defense/offense/entente/consultation ties to side A originators
    allies_b: np.ndarray
    neighbour_a: np.ndarray  # bool[state]: contiguous to a side A originator
    neighbour_b: np.ndarray
    rival_a: np.ndarray
    rival_b: np.ndarray
    major: np.ndarray
    side_a_ccodes: np.ndarray  # int[originators of side A]
    edge_partners: np.ndarray  # float[edge]: partners of the edge's treaty (members - 1; 1 off treaties)

    def world_with(self, values: Mapping[str, float]) -> CompiledWorld:
        """The compiled world with every edge and escalation value set from ``values``."""
        chan = channel_probabilities(values, self.era)
        combo_p = np.array([1.0 - np.prod(1.0 - chan[list(c)]) for c in self.combos])
        prob = combo_p[self.edge_combo] if self.edge_combo.size else self.cw.edge_prob
        if values.get(PER_PARTNER, 0.0):
            prob = prob / self.edge_partners
        levels = LADDER["levels"]
        up = np.array([float(values[f"up.{lv}.{self.era}"]) for lv in levels[:-1]] + [0.0])
        settle = np.concatenate([1.0 - up[:-1], [0.0]])
        return dataclasses.replace(
            self.cw,
            edge_prob=np.ascontiguousarray(prob, dtype=np.float64),
            up=up,
            settle=settle,
            deterrence=float(values["deterrence"]),
            sigma=float(values["misperception"]),
            defection=0.0,
        )


def _spec_with_probes(spec: dict) -> dict:
    spec = dict(spec)
    spec["ladder"] = dict(LADDER)
    spec["escalation"] = {
        "up": 0.5,
        "settle": 0.5,
        "deterrence": 1.0,
        "misperception": 0.0,
        "max_rounds": MAX_ROUNDS,
    }
    treaties = []
    for t in spec["treaties"]:
        t = dict(t)
        channel = kinds.channel_of(t["kind"])
        if channel is not None:
            t["reliability"] = _probe(channel)
        t["trigger"] = TRIGGERS.get(t["kind"], t.get("trigger"))
        if t["trigger"] is None:
            t.pop("trigger")
        treaties.append(t)
    spec["treaties"] = treaties
    spec["rivalries"] = [
        {**r, "hostility": _probe("rivalry"), "trigger": TRIGGERS["rivalry"]} for r in spec["rivalries"]
    ]
    spec["borders"] = [{**b, "joining": _probe(f"border.{b['type']}")} for b in spec["borders"]]
    spec["neighbours"] = {"trigger": TRIGGERS["border"]}
    spec.pop("profile", None)
    return spec


def _ties(
    world_spec: dict, code_index: dict[str, int], side: Sequence[str], n: int
) -> tuple[np.ndarray, ...]:
    """Alliance ties, contiguity and rivalry of every state to the originators of one side."""
    side_set = set(side)
    allies = np.zeros(n, dtype=np.int64)
    for t in world_spec["treaties"]:
        if kinds.channel_of(t["kind"]) is not None and side_set & set(t["members"]):
            for m in t["members"]:
                allies[code_index[m]] += 1
    neighbour = np.zeros(n, dtype=bool)
    for b in world_spec["borders"]:
        x, y = b["states"]
        if x in side_set:
            neighbour[code_index[y]] = True
        if y in side_set:
            neighbour[code_index[x]] = True
    rival = np.zeros(n, dtype=bool)
    for r in world_spec["rivalries"]:
        x, y = r["states"]
        if x in side_set:
            rival[code_index[y]] = True
        if y in side_set:
            rival[code_index[x]] = True
    return allies, neighbour, rival


def build_case(
    sources: HistoryData, dispnum: int, row: Mapping, cache: dict | None = None
) -> tuple[Case, list[str]]:
    """Build and compile one dispute's world (see the module notes). ``cache`` keeps the last
    date's world so that disputes sharing a start date build it once."""
    origins = [{"initiator": list(row["side_a"]), "target": list(row["side_b"]), "weight": 1.0}]
    key = row["start"]
    if cache is not None and cache.get("date") == key:
        base, notes = cache["spec"], cache["notes"]
        code_of = {s["ccode"]: s["code"] for s in base["states"]}
        missing = [c for c in (*row["side_a"], *row["side_b"]) if c not in code_of]
        if missing:
            raise DataError(f"MID {dispnum}: originator ccode(s) {missing} have no NMC row in {row['year']}")

        def side(ccodes):
            codes = [code_of[c] for c in ccodes]
            return codes[0] if len(codes) == 1 else codes

        spec = {
            **base,
            "name": f"mid_{dispnum}",
            "origins": [{"initiator": side(row["side_a"]), "target": side(row["side_b"]), "weight": 1.0}],
        }
    else:
        spec, notes = sources.spec(key, origins=origins, name=f"mid_{dispnum}")
        if cache is not None:
            cache.update(date=key, spec=spec, notes=notes)
    probed = _spec_with_probes(spec)
    world = load_world(probed)
    cw = compile_world(world)
    combos: list[tuple[int, ...]] = []
    combo_id: dict[tuple[int, ...], int] = {}
    edge_combo = np.empty(cw.n_edges, dtype=np.int64)
    for e, p in enumerate(cw.edge_prob.tolist()):
        key = DECODE.get(p)
        if key is None:
            raise DataError(f"MID {dispnum}: an edge with probability {p} belongs to no known channel")
        if key not in combo_id:
            combo_id[key] = len(combos)
            combos.append(key)
        edge_combo[e] = combo_id[key]
    codes = list(cw.codes)
    index = {c: k for k, c in enumerate(codes)}
    ccodes = np.array([s.ccode if s.ccode is not None else -1 for s in world.states], dtype=np.int64)
    by_ccode = {int(c): k for k, c in enumerate(ccodes)}
    n = len(codes)
    side_a = [codes[by_ccode[c]] for c in row["side_a"]]
    side_b = [codes[by_ccode[c]] for c in row["side_b"]]
    originators = np.zeros(n, dtype=bool)
    originators[[index[c] for c in side_a + side_b]] = True
    joined_a = np.zeros(n, dtype=bool)
    joined_b = np.zeros(n, dtype=bool)
    for c in row["joiners_a"]:
        if c in by_ccode:
            joined_a[by_ccode[c]] = True
    for c in row["joiners_b"]:
        if c in by_ccode:
            joined_b[by_ccode[c]] = True
    allies_a, neighbour_a, rival_a = _ties(spec, index, side_a, n)
    allies_b, neighbour_b, rival_b = _ties(spec, index, side_b, n)
    major = np.array([bool(s.major) for s in world.states])
    case = Case(
        dispnum=int(dispnum),
        era=era_of(int(row["year"])),
        cw=cw,
        combos=combos,
        edge_combo=edge_combo,
        n_orig=len(side_a) + len(side_b),
        codes=codes,
        ccodes=ccodes,
        originators=originators,
        observed_level=int(row["level_index"]),
        joined_a=joined_a,
        joined_b=joined_b,
        capability=np.array([s.capability for s in world.states]),
        allies_a=allies_a,
        allies_b=allies_b,
        neighbour_a=neighbour_a,
        neighbour_b=neighbour_b,
        rival_a=rival_a,
        rival_b=rival_b,
        major=major,
        side_a_ccodes=np.array(row["side_a"], dtype=np.int64),
        edge_partners=np.where(
            cw.edge_treaty >= 0,
            np.array([max(1, len(t.members) - 1) for t in world.treaties] + [1], dtype=np.float64)[
                cw.edge_treaty
            ],
            1.0,
        ),
    )
    return case, notes.lines


def build_cases(table: pd.DataFrame, data: str | HistoryData, progress=None) -> tuple[list[Case], list[str]]:
    """Compile every dispute of ``table`` (a :class:`~tripwire.history.Disputes` table), in order of
    start date so that each date's sources are read once; returns the cases and every note."""
    sources = load_data(data)
    cases, notes = [], []
    order = table.sort_values(["start"], kind="stable")
    cache: dict = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)
        for d, row in zip(order.index.tolist(), order.to_dict("records"), strict=True):
            fresh = cache.get("date") != row["start"]
            case, more = build_case(sources, d, row, cache)
            cases.append(case)
            if fresh:
                notes += more
            if progress is not None:
                progress(1)
    return cases, notes


def run_case(case: Case, values: Mapping[str, float], trials: int, seed: int) -> dict[str, np.ndarray]:
    """The kernel's tallies for one dispute under ``values`` (common random numbers: the same
    ``seed`` gives every dispute and every parameter vector the same streams)."""
    # one thread, one block: disputes run side by side (a client's workers), not threads within
    # one small run, whose start-up costs more than the run on a busy machine
    return run_tallies(case.world_with(values), trials, seed=seed, threads=1, blocks=1)


def case_outputs(case: Case, tallies: Mapping[str, np.ndarray], trials: int) -> dict[str, np.ndarray | float]:
    """Per-dispute predictions from one dispute's tallies."""
    outcome = np.asarray(tallies["outcome_count"], dtype=np.float64)  # [level, size 0..n]
    level_p = outcome.sum(axis=1) / trials
    sizes = np.arange(outcome.shape[1])
    side = np.asarray(tallies["side_count"], dtype=np.float64) / trials
    honoured = np.asarray(tallies["treaty_honoured"]).sum()
    failed = np.asarray(tallies["treaty_failed"]).sum()
    return {
        "p_level": level_p,
        # from integer counts, so P(final level >= the first level) is exactly 1
        "p_reach": np.asarray(tallies["outcome_count"]).sum(axis=1)[::-1].cumsum()[::-1] / trials,
        "p_joiner": float(outcome[:, case.n_orig + 1 :].sum() / trials),
        "p_joiner_war": float(outcome[case.cw.war_level, case.n_orig + 1 :].sum() / trials),
        "honoured": float(honoured) / trials,
        "failed": float(failed) / trials,
        "expected_participants": float((outcome.sum(axis=0) * sizes).sum() / trials),
        "p_side": side,
    }


def loss_terms(case: Case, out: Mapping, trials: int) -> tuple[float, float, float]:
    """Log loss of what happened in one dispute: (level, joiner, who joins on which side).

    Probabilities are kept in ``[0.5/trials, 1 - 0.5/trials]`` so that an outcome no trial
    produced costs a finite amount.
    """
    eps = 0.5 / trials
    level = -np.log(np.clip(out["p_level"][case.observed_level], eps, 1.0))
    joined = bool((case.joined_a | case.joined_b).any())
    pj = np.clip(out["p_joiner"], eps, 1 - eps)
    joiner = -np.log(pj if joined else 1 - pj)
    cand = ~case.originators
    pa = out["p_side"][cand, 0]
    pb = out["p_side"][cand, 1]
    pn = 1.0 - pa - pb
    p = np.where(case.joined_a[cand], pa, np.where(case.joined_b[cand], pb, pn))
    who = -np.log(np.clip(p, eps, 1.0)).sum()
    return float(level), float(joiner), float(who)


def values_for(profile: Profile | Mapping[str, float] | None) -> dict[str, float]:
    """Parameter values: a profile's, a mapping's (checked), or the starting values."""
    if profile is None:
        return {p.name: p.start for p in PARAMS}
    if isinstance(profile, Profile):
        return values_from_vector(vector_from_profile(profile)) | {PER_PARTNER: float(profile.per_partner)}
    missing = [p.name for p in PARAMS if p.name not in profile]
    if missing:
        raise DataError(f"parameter values lack {missing}; expected every one of {', '.join(PARAM_NAMES)}")
    return {p.name: float(profile[p.name]) for p in PARAMS} | {
        PER_PARTNER: float(profile.get(PER_PARTNER, 0.0))
    }
