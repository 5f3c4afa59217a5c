"""Compile a world's long-horizon model to the arrays the horizon kernel reads. numpy and scipy.

The arms system ``dx = (M x + g) dt + diag(b) dW`` is discretised exactly over one year::

    x(y + 1) = Phi x(y) + c + eps,   Phi = e^M,   c = int_0^1 e^(M s) g ds,   eps ~ N(0, Q),
    Q = int_0^1 e^(M s) B B^T e^(M^T s) ds

``Phi`` and ``Q`` come from Van Loan's block exponential (1978): ``expm([[-M, B B^T], [0, M^T]])
= [[., F12], [0, F22]]`` gives ``Phi = F22^T`` and ``Q = Phi F12``; ``c`` from
``expm([[M, g], [0, 0]])``. When ``M`` is stable the fixed point is ``x* = -M^-1 g = (A - K)^-1 g``
and ``c = (I - Phi) x*``. The kernel draws ``eps = L z`` with ``L L^T = Q``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import scipy.linalg

from ..crisis.compile import CompiledWorld, compile_world
from ..errors import WorldError
from ..kernels.encoding import ALIGN, CAUSES, DEFEND, KernelHorizon, threshold
from ..world.horizon import Horizon, arms_system
from ..world.model import World

__all__ = [
    "CAUSES",
    "HorizonCompiled",
    "compile_horizon",
    "discretise",
    "MAX_RATE",
]

#: The most crises a dyad may expect in one year (Poisson draws by inversion stay exact below it).
MAX_RATE = 100.0


def discretise(m: np.ndarray, g: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The exact one-year step of ``dx = (M x + g) dt + diag(b) dW``: ``(Phi, c, Q)``.

    Examples
    --------
    >>> import numpy as np
    >>> phi, c, q = discretise(np.array([[-0.5]]), np.array([0.5]), np.array([0.2]))
    >>> bool(np.isclose(phi[0, 0], np.exp(-0.5))), bool(np.isclose(c[0], 1 - np.exp(-0.5)))
    (True, True)
    >>> bool(np.isclose(q[0, 0], 0.04 * (1 - np.exp(-1.0)) / 1.0))  # b^2 (1 - e^(2m)) / (-2m)
    True
    """
    n = m.shape[0]
    if n == 0:
        return np.zeros((0, 0)), np.zeros(0), np.zeros((0, 0))
    bb = np.diag(np.asarray(b, dtype=np.float64) ** 2)
    block = np.zeros((2 * n, 2 * n))
    block[:n, :n] = -m
    block[:n, n:] = bb
    block[n:, n:] = m.T
    f = scipy.linalg.expm(block)
    phi = f[n:, n:].T
    q = phi @ f[:n, n:]
    q = 0.5 * (q + q.T)
    aug = np.zeros((n + 1, n + 1))
    aug[:n, :n] = m
    aug[:n, n] = g
    c = scipy.linalg.expm(aug)[:n, n]
    return phi, c, q


def _sqrt_psd(q: np.ndarray) -> np.ndarray:
    """``L`` with ``L L^T = q`` for a symmetric positive semi-definite ``q`` (Cholesky when it is
    definite, else from the eigen-decomposition)."""
    if q.size == 0:
        return q.copy()
    try:
        return np.linalg.cholesky(q)
    except np.linalg.LinAlgError:
        w, v = np.linalg.eigh(q)
        return v * np.sqrt(np.clip(w, 0.0, None))


@dataclass(frozen=True)
class HorizonCompiled:
    """A world's long-horizon model as flat arrays, with the crisis world it runs crises on."""

    crisis: CompiledWorld
    horizon: Horizon
    years: int
    year_labels: np.ndarray  # int64[year]: 1..Y, or calendar years when the world has a start
    m: np.ndarray
    g: np.ndarray
    b: np.ndarray
    x_star: np.ndarray | None
    q: np.ndarray
    phi_mat: np.ndarray
    drift: np.ndarray
    noise_l: np.ndarray
    cap0: np.ndarray
    dyads: list[str]
    dyad_a: np.ndarray
    dyad_b: np.ndarray
    dyad_fixed: np.ndarray
    rate_calm: np.ndarray
    rate_race: np.ndarray
    treaty_kind: list[str]
    treaty_r0: np.ndarray
    treaty_obligation: np.ndarray
    treaty_entry: np.ndarray
    treaty_age0: np.ndarray
    treaty_term: np.ndarray
    treaty_review: np.ndarray
    renew_thresh: np.ndarray
    bg_rate: np.ndarray  # float64[treaty, year]
    bg_thresh: np.ndarray
    tedge_ptr: np.ndarray
    tedge: np.ndarray
    tpledge_ptr: np.ndarray
    tpledge: np.ndarray
    share_ptr: np.ndarray
    share_to: np.ndarray
    edge_backs: np.ndarray
    major: np.ndarray
    sys_level: int
    bin_edges: np.ndarray  # float64[n_bins + 1]

    @property
    def n_states(self) -> int:
        return self.crisis.n_states

    @property
    def n_treaties(self) -> int:
        return len(self.crisis.treaties)

    @property
    def n_bins(self) -> int:
        return self.bin_edges.size - 1

    @property
    def tally_shape(self) -> tuple[int, int, int, int, int]:
        """(states, years, levels, treaties, arms bins + 2)."""
        return (self.n_states, self.years, len(self.crisis.levels), self.n_treaties, self.n_bins + 2)

    def kernel_horizon(self) -> KernelHorizon:
        """The :class:`tripwire.kernels.encoding.KernelHorizon` the horizon kernel takes."""
        h = self.horizon
        values = {
            "years": self.years,
            "phi_mat": self.phi_mat,
            "drift": self.drift,
            "noise_l": self.noise_l,
            "has_noise": bool((self.b > 0).any()),
            "noise_lower": bool(np.array_equal(self.noise_l, np.tril(self.noise_l))),
            "cap0": self.cap0,
            "phi": float(h.phi),
            "dyad_a": self.dyad_a,
            "dyad_b": self.dyad_b,
            "dyad_fixed": self.dyad_fixed,
            "rate_calm": self.rate_calm,
            "rate_race": self.rate_race,
            "tau": float(h.tau),
            "treaty_r0": self.treaty_r0,
            "treaty_obligation": self.treaty_obligation,
            "treaty_entry": self.treaty_entry,
            "treaty_age0": self.treaty_age0,
            "treaty_term": self.treaty_term,
            "treaty_review": self.treaty_review,
            "renew_thresh": self.renew_thresh,
            "bg_thresh": self.bg_thresh,
            "tedge_ptr": self.tedge_ptr,
            "tedge": self.tedge,
            "tpledge_ptr": self.tpledge_ptr,
            "tpledge": self.tpledge,
            "share_ptr": self.share_ptr,
            "share_to": self.share_to,
            "edge_backs": self.edge_backs,
            "edge_prob0": np.asarray(self.crisis.edge_prob, dtype=np.float64),
            "alpha": float(h.alpha),
            "delta": float(h.delta),
            "r_max": float(h.r_max),
            "r_min": float(h.r_min),
            "pi_thresh": int(threshold(h.pi_d)),
            "epsilon": float(h.epsilon),
            "sys_level": int(self.sys_level),
            "sys_majors": int(h.systemic.majors),
            "major": self.major,
            "stop": bool(h.stop_at_systemic),
            "bin_lo": float(self.bin_edges[0]),
            "bin_width": float((h.arms_bins.hi - h.arms_bins.lo) / h.arms_bins.n),
            "n_bins": int(self.n_bins),
        }
        return KernelHorizon(**values)


def _csr(groups: list[list[int]]) -> tuple[np.ndarray, np.ndarray]:
    ptr = np.zeros(len(groups) + 1, dtype=np.int64)
    ptr[1:] = np.cumsum([len(g) for g in groups])
    flat = np.array([x for g in groups for x in g], dtype=np.int64)
    return ptr, flat


def compile_horizon(world: World, years: int | None = None) -> HorizonCompiled:
    """Compile a world's long-horizon model (its ``horizon:`` section, or the defaults).

    Parameters
    ----------
    world
        A validated world.
    years
        Years per history (default: the world's ``horizon.years``).

    Raises
    ------
    WorldError
        The horizon does not fit the world (see :func:`tripwire.world.horizon.horizon_problems`),
        or a dyad expects more than :data:`MAX_RATE` crises a year.

    Examples
    --------
    >>> import tripwire
    >>> from tripwire.horizon.compile import compile_horizon
    >>> hc = compile_horizon(tripwire.load_world("coldwar1955"))
    >>> bool(abs(hc.x_star - 1).max() < 1e-9)
    True
    """
    from ..world.horizon import horizon_problems

    if world.horizon is None:
        world = World.model_validate({**world.resolved(), "horizon": {}})
    h = world.horizon
    assert h is not None
    problems = horizon_problems(world)
    if problems:
        raise WorldError(f"world {world.name!r}: " + "\n".join(problems))
    years = h.years if years is None else int(years)
    cw = compile_world(world)
    codes = world.codes
    index = {c: k for k, c in enumerate(codes)}
    n, n_t = len(codes), len(world.treaties)

    m, g, b = arms_system(world, h)
    phi_mat, drift, q = discretise(m, g, b)
    try:
        x_star = np.linalg.solve(-m, g) if n else np.zeros(0)
    except np.linalg.LinAlgError:
        x_star = None

    # crisis arrivals
    if h.arrivals == "rivalries":
        dyads = [
            (index[r.states[0]], index[r.states[1]], r.hostility, 0)
            for r in world.rivalries
            if r.hostility > 0
        ]
    else:
        dyads = []
        for a in h.arrivals:
            i, j = index[a.states[0]], index[a.states[1]]
            if a.initiator is not None and a.initiator == a.states[1]:
                i, j = j, i
            dyads.append((i, j, a.intensity, 1 if a.initiator is not None else 0))
    race_factor = math.exp(h.beta)
    rate_calm = np.array([h.lambda0 * w for _, _, w, _ in dyads], dtype=np.float64)
    rate_race = np.array([h.lambda0 * w * race_factor for _, _, w, _ in dyads], dtype=np.float64)
    if rate_race.size and rate_race.max() > MAX_RATE:
        k = int(np.argmax(rate_race))
        raise WorldError(
            f"world {world.name!r}: the dyad {codes[dyads[k][0]]}-{codes[dyads[k][1]]} expects "
            f"{rate_race[k]:.4g} crises a year during a race; at most {MAX_RATE:g} are supported: "
            "lower horizon.lambda0, beta or the dyad's intensity"
        )
    sep = "->"
    labels = [f"{codes[i]}{sep if fixed else '-'}{codes[j]}" for i, j, _, fixed in dyads]

    # treaties
    start = h.start
    entry = np.zeros(n_t, dtype=np.int64)
    age0 = np.zeros(n_t, dtype=np.int64)
    term = np.zeros(n_t, dtype=np.int64)
    review = np.ones(n_t, dtype=np.int64)
    renewal = np.ones(n_t)
    r0 = np.ones(n_t)
    obligation = np.zeros(n_t, dtype=np.int8)
    bg_rate = np.zeros((n_t, years))
    calendar = None if start is None else start + np.arange(1, years + 1)
    for k, t in enumerate(world.treaties):
        if start is not None and t.ended is not None and t.ended <= start:
            entry[k] = years + 1  # ended before the history starts: never in force
        elif start is not None and t.signed is not None:
            if t.signed > start:
                entry[k] = t.signed - start
            else:
                age0[k] = start - t.signed
        t_term = t.term if t.term is not None else h.term
        term[k] = 0 if t_term is None else t_term
        review[k] = t.review if t.review is not None else h.review
        renewal[k] = t.renewal if t.renewal is not None else h.renewal
        if not t.is_pledge:
            obligation[k] = 1
            r0[k] = t.reliability
        if calendar is None:
            bg_rate[k, :] = h.background_rate(t.kind, None)
        else:
            bg_rate[k, :] = [h.background_rate(t.kind, int(y)) for y in calendar]
    bg_thresh = threshold(-np.expm1(-bg_rate))

    tedges: list[list[int]] = [[] for _ in range(n_t)]
    for e, k in enumerate(np.asarray(cw.edge_treaty)):
        if k >= 0:
            tedges[int(k)].append(e)
    tpledges: list[list[int]] = [[] for _ in range(n_t)]
    for q_i, k in enumerate(np.asarray(cw.pledge_treaty, dtype=np.int64)):
        tpledges[int(k)].append(q_i)
    members = [set(t.members) for t in world.treaties]
    shares = [[j for j in range(n_t) if j != k and members[k] & members[j]] for k in range(n_t)]
    tedge_ptr, tedge = _csr(tedges)
    tpledge_ptr, tpledge = _csr(tpledges)
    share_ptr, share_to = _csr(shares)
    kind = np.asarray(cw.edge_kind)
    bins = h.arms_bins
    return HorizonCompiled(
        crisis=cw,
        horizon=h,
        years=years,
        year_labels=np.arange(1, years + 1) if calendar is None else calendar.astype(np.int64),
        m=m,
        g=g,
        b=b,
        x_star=x_star,
        q=q,
        phi_mat=np.ascontiguousarray(phi_mat),
        drift=drift,
        noise_l=np.ascontiguousarray(_sqrt_psd(q)),
        cap0=np.asarray(cw.capability, dtype=np.float64).copy(),
        dyads=labels,
        dyad_a=np.array([d[0] for d in dyads], dtype=np.int32),
        dyad_b=np.array([d[1] for d in dyads], dtype=np.int32),
        dyad_fixed=np.array([d[3] for d in dyads], dtype=np.int8),
        rate_calm=rate_calm,
        rate_race=rate_race,
        treaty_kind=[t.kind for t in world.treaties],
        treaty_r0=r0,
        treaty_obligation=obligation,
        treaty_entry=entry,
        treaty_age0=age0,
        treaty_term=term,
        treaty_review=review,
        renew_thresh=threshold(renewal),
        bg_rate=bg_rate,
        bg_thresh=np.ascontiguousarray(bg_thresh),
        tedge_ptr=tedge_ptr,
        tedge=tedge,
        tpledge_ptr=tpledge_ptr,
        tpledge=tpledge,
        share_ptr=share_ptr,
        share_to=share_to,
        edge_backs=((kind == DEFEND) | (kind == ALIGN)).astype(np.int8),
        major=np.array([1 if s.major else 0 for s in world.states], dtype=np.int8),
        sys_level=world.ladder.levels.index(str(h.systemic.level)),
        bin_edges=np.linspace(bins.lo, bins.hi, bins.n + 1),
    )
