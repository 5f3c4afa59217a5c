"""The engines the suite times: tripwire's kernel and the peers (CyNetDiff, NDlib) on the same graph.

Every engine has ``name``, ``threads``, ``closure`` (tripwire's joining closure, ``None`` for the
peers), ``exact_tries`` (whether it counts its edge tries), ``warm_up()`` and ``run(trials, seed) ->
Run``; the peers also estimate their edge tries per cascade outside the timing
(``tries_per_cascade``) and say whether they draw once per examined edge (``draws_every_try``).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from .stats import SizeStats

INSTALL_HINT = "pip install 'tripwire[bench]'"


class PeerUnavailable(RuntimeError):
    """A peer engine cannot run here (not installed); the message says how to install it."""


@dataclass
class PeerGraph:
    """A compiled world as a simple directed networkx graph for the peers.

    Parallel edges ``i -> j`` (e.g. two treaties binding the same pair) become one edge with
    ``p = 1 - prod(1 - p_e)``, the probability that at least one of them fires; this leaves the
    independent-cascade distribution unchanged.
    """

    graph: Any
    n_states: int
    n_edges: int
    merged: int
    out_degree: np.ndarray
    seeds: list[list[int]]
    origin_weight: np.ndarray


def peer_graph(cw) -> PeerGraph:
    """The peers' graph from the edge list of a compiled world (``i -> edge_dst[e]``, ``edge_prob[e]``)."""
    try:
        import networkx as nx
    except ImportError:
        raise PeerUnavailable(f"networkx is not installed; {INSTALL_HINT}") from None
    src = np.repeat(np.arange(cw.n_states), np.diff(cw.edge_ptr))
    miss: dict[tuple[int, int], float] = {}
    for u, v, p in zip(src.tolist(), cw.edge_dst.tolist(), cw.edge_prob.tolist(), strict=True):
        miss[(u, v)] = miss.get((u, v), 1.0) * (1.0 - p)
    graph = nx.DiGraph()
    graph.add_nodes_from(range(cw.n_states))
    graph.add_edges_from((u, v, {"activation_prob": 1.0 - q}) for (u, v), q in miss.items())
    out_degree = np.array([graph.out_degree(v) for v in range(cw.n_states)], dtype=np.float64)
    return PeerGraph(
        graph=graph,
        n_states=cw.n_states,
        n_edges=graph.number_of_edges(),
        merged=cw.n_edges - graph.number_of_edges(),
        out_degree=out_degree,
        seeds=[[int(a), int(b)] for a, b in zip(cw.origin_a, cw.origin_b, strict=True)],
        origin_weight=np.asarray(cw.origin_weight, dtype=np.float64),
    )


@dataclass
class Run:
    """One timed run: the size statistics and, where the engine counts them, the edge tries and the
    edge draws."""

    sizes: SizeStats
    edge_tries: int | None
    edge_draws: int | None = None


#: tripwire's joining closures: over the CSR edge rows, or over bitsets of states
#: (``tripwire.crisis.simulate.run_tallies``; ``auto`` takes ``choose_closure``'s).
CLOSURES = ("csr", "bitset")


class TripwireEngine:
    """tripwire's crisis-cascade kernel on a compiled world (``run_tallies``) with one joining
    closure (one of :data:`CLOSURES`; default: ``choose_closure``'s)."""

    exact_tries = True
    draws_every_try = False

    def __init__(self, cw, threads: int = 1, closure: str | None = None) -> None:
        from ..crisis.simulate import choose_closure

        chosen = choose_closure(cw)
        closure = chosen if closure is None else closure
        if closure not in CLOSURES:
            raise ValueError(f"unknown closure {closure!r}; valid: {', '.join(CLOSURES)}")
        self.cw = cw
        self.threads = threads
        self.closure = closure
        self.chosen = closure == chosen
        self.name = "tripwire"

    def warm_up(self) -> float:
        """Compile the kernel (or load it from the cache); return the seconds it took."""
        from ..crisis.simulate import run_tallies

        t0 = time.perf_counter()
        run_tallies(self.cw, 1, seed=0, threads=self.threads, closure=self.closure)
        return time.perf_counter() - t0

    def run(self, trials: int, seed: int) -> Run:
        from ..crisis.simulate import run_tallies

        out = run_tallies(self.cw, trials, seed=seed, threads=self.threads, closure=self.closure)
        sizes = SizeStats.from_histogram(out["outcome_count"].sum(axis=0))
        return Run(sizes, int(out["edge_tries"]), int(out["edge_draws"]))


class _Peer:
    """Common parts of the peers: origin counts per run and the edge-tries estimate."""

    threads = 1
    closure: str | None = None
    exact_tries = False
    draws_every_try = False

    def __init__(self, net: PeerGraph) -> None:
        self.net = net

    def warm_up(self) -> float:
        return 0.0

    def _origin_counts(self, trials: int, seed: int) -> list[int]:
        """Cascades per origin: a multinomial draw, i.e. ``trials`` independent choices of origin."""
        rng = np.random.default_rng([seed, 0x5EED])
        return rng.multinomial(trials, self.net.origin_weight).tolist()

    def tries_per_cascade(self, trials: int, seed: int) -> float:
        """Mean over ``trials`` cascades of the edges out of the activated states (outside the timing)."""
        counts = self.activation_counts(trials, seed)
        return float(counts @ self.net.out_degree / trials)

    def activation_counts(self, trials: int, seed: int) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError


class CyNetDiffEngine(_Peer):
    """CyNetDiff's ``IndependentCascadeModel``: per cascade ``reset_model``, ``advance_until_completion``
    and ``get_num_activated_nodes`` (the way to get each cascade's size). It draws once for every
    edge out of an activated state, whether or not the callee is active already."""

    draws_every_try = True

    def __init__(self, net: PeerGraph) -> None:
        super().__init__(net)
        try:
            from cynetdiff.utils import networkx_to_ic_model
        except ImportError:
            raise PeerUnavailable(f"cynetdiff is not installed; {INSTALL_HINT}") from None
        self.model, mapping = networkx_to_ic_model(net.graph, rng=0)
        self.seeds = [[mapping[a], mapping[b]] for a, b in net.seeds]
        self.inverse = np.array(sorted(mapping, key=lambda k: mapping[k]))
        self.name = "cynetdiff"

    def _by_origin(self, trials: int, seed: int) -> Iterator[int]:
        """Seed the model, then for each origin with cascades to run: set its seeds and yield how many.

        The caller runs the cascades of each origin in a plain loop, so the timed loop is the same
        as without the generator.
        """
        self.model.set_rng(seed)
        for k, count in enumerate(self._origin_counts(trials, seed)):
            if count:
                self.model.set_seeds(self.seeds[k])
                yield count

    def run(self, trials: int, seed: int) -> Run:
        model = self.model
        total = total2 = 0
        for count in self._by_origin(trials, seed):
            for _ in range(count):
                model.reset_model()
                model.advance_until_completion()
                size = model.get_num_activated_nodes()
                total += size
                total2 += size * size
        return Run(SizeStats.from_sums(trials, total, total2), None)

    def activation_counts(self, trials: int, seed: int) -> np.ndarray:
        counts = np.zeros(self.net.n_states)
        model = self.model
        for count in self._by_origin(trials, seed):
            for _ in range(count):
                model.reset_model()
                model.advance_until_completion()
                counts[self.inverse[list(model.get_activated_nodes())]] += 1
        return counts


class CyNetDiffBatchEngine(CyNetDiffEngine):
    """CyNetDiff's fastest path: ``compute_marginal_gains(seeds, [], n)`` runs ``n`` cascades from one
    seed set in a C loop and returns only their mean size.

    Each run is split into :attr:`BATCHES` sub-runs (each with its own draw of origins); the standard
    error of the mean comes from the spread of the sub-run means.
    """

    BATCHES = 32

    def __init__(self, net: PeerGraph) -> None:
        super().__init__(net)
        self.name = "cynetdiff-batch"

    def run(self, trials: int, seed: int) -> Run:
        model = self.model
        model.set_rng(seed)
        n_batches = max(2, min(self.BATCHES, trials))
        means, sizes = [], []
        for b in range(n_batches):
            n = trials * (b + 1) // n_batches - trials * b // n_batches
            if n == 0:
                continue
            total = 0.0
            for k, count in enumerate(self._origin_counts(n, seed * 1000 + b)):
                if count:
                    total += model.compute_marginal_gains(self.seeds[k], [], count)[0] * count
            means.append(total / n)
            sizes.append(n)
        mean = float(np.average(means, weights=sizes))
        # between-batch variance of the batch means, scaled to one cascade
        var_of_mean = float(np.var(means, ddof=1)) / len(means) if len(means) > 1 else 0.0
        return Run(SizeStats(trials, mean, var_of_mean * trials), None)


class NDlibEngine(_Peer):
    """NDlib's ``IndependentCascadesModel`` with a per-edge ``threshold`` configuration; per cascade
    ``reset(seeds)`` and ``iteration()`` until no state is newly infected.

    NDlib draws from numpy's global random state; each run seeds it and restores it afterwards.
    """

    def __init__(self, net: PeerGraph) -> None:
        super().__init__(net)
        try:
            import ndlib.models.epidemics as ep
            import ndlib.models.ModelConfig as mc
        except ImportError as exc:
            raise PeerUnavailable(
                f"ndlib cannot be imported ({exc}); it needs six installed alongside; {INSTALL_HINT}"
            ) from None
        state = np.random.get_state()  # noqa: NPY002 - NDlib draws from the global state
        try:
            self.model = ep.IndependentCascadesModel(net.graph)
            config = mc.Configuration()
            for u, v, p in net.graph.edges(data="activation_prob"):
                config.add_edge_configuration("threshold", (u, v), p)
            config.add_model_initial_configuration("Infected", net.seeds[0])
            self.model.set_initial_status(config)
        finally:
            np.random.set_state(state)  # noqa: NPY002
        self.name = "ndlib"

    def _cascades(self, trials: int, seed: int) -> Iterator[dict]:
        model = self.model
        state = np.random.get_state()  # noqa: NPY002 - NDlib draws from the global state
        np.random.seed(seed % 2**32)  # noqa: NPY002
        try:
            for k, count in enumerate(self._origin_counts(trials, seed)):
                for _ in range(count):
                    model.reset(self.net.seeds[k])
                    while True:
                        it = model.iteration(node_status=False)
                        if it["node_count"][1] == 0:
                            break
                    yield it["node_count"]
        finally:
            np.random.set_state(state)  # noqa: NPY002

    def run(self, trials: int, seed: int) -> Run:
        total = total2 = 0
        for node_count in self._cascades(trials, seed):
            size = node_count[2]
            total += size
            total2 += size * size
        return Run(SizeStats.from_sums(trials, total, total2), None)

    def activation_counts(self, trials: int, seed: int) -> np.ndarray:
        counts = np.zeros(self.net.n_states)
        for _ in self._cascades(trials, seed):
            counts[[v for v, s in self.model.status.items() if s != 0]] += 1
        return counts


class PynetimEngine(_Peer):
    """pynetim's C++ ``IndependentCascadeModel`` on an ``IMGraph`` of the same edges: per seed pair
    ``set_seeds`` and ``run_monte_carlo_diffusion(n, random_seed)``, which runs ``n`` cascades in C++
    (one thread) and returns only their mean size: its fastest path. Like
    :class:`CyNetDiffBatchEngine`, each run is split into :attr:`BATCHES` sub-runs and the standard
    error comes from the spread of their means. It draws only for edges to inactive states, like
    tripwire; each cascade seeds its own Mersenne Twister from a seed drawn by a master one.
    """

    BATCHES = 32

    def __init__(self, net: PeerGraph) -> None:
        super().__init__(net)
        try:
            from pynetim.diffusion_model import IndependentCascadeModel
            from pynetim.graph import IMGraph
        except ImportError:
            raise PeerUnavailable(
                "pynetim is not installed; pip install 'tripwire[pynetim]' (a C++17 build of several minutes)"
            ) from None
        edges = [(int(u), int(v)) for u, v in net.graph.edges()]
        weights = [float(p) for _, _, p in net.graph.edges(data="activation_prob")]
        if not edges or max(max(e) for e in edges) < net.n_states - 1:
            # IMGraph numbers states up to the largest one seen: a never-firing self-loop on the
            # last state keeps every state in the graph (an edge to an active state draws nothing)
            edges.append((net.n_states - 1, net.n_states - 1))
            weights.append(0.0)
        self.graph = IMGraph(edges, weights, directed=True, renumber=False)
        self.model = IndependentCascadeModel(self.graph, set(net.seeds[0]))
        self._counting = IndependentCascadeModel(self.graph, set(net.seeds[0]), False, True)
        self.name = "pynetim"

    def _seed(self, seed: int, batch: int, origin: int) -> int:
        """The 32-bit seed of one origin's cascades in one sub-run."""
        return int(np.random.SeedSequence([seed, batch, origin]).generate_state(1)[0])

    def run(self, trials: int, seed: int) -> Run:
        model = self.model
        n_batches = max(2, min(self.BATCHES, trials))
        means, sizes = [], []
        for b in range(n_batches):
            n = trials * (b + 1) // n_batches - trials * b // n_batches
            if n == 0:
                continue
            total = 0.0
            for k, count in enumerate(self._origin_counts(n, seed * 1000 + b)):
                if count:
                    model.set_seeds(set(self.net.seeds[k]))
                    total += (
                        model.run_monte_carlo_diffusion(count, random_seed=self._seed(seed, b, k)) * count
                    )
            means.append(total / n)
            sizes.append(n)
        mean = float(np.average(means, weights=sizes))
        var_of_mean = float(np.var(means, ddof=1)) / len(means) if len(means) > 1 else 0.0
        return Run(SizeStats(trials, mean, var_of_mean * trials), None)

    def activation_counts(self, trials: int, seed: int) -> np.ndarray:
        model = self._counting
        model.set_record_activation_frequency(False)  # clears the counts
        model.set_record_activation_frequency(True)
        for k, count in enumerate(self._origin_counts(trials, seed)):
            if count:
                model.set_seeds(set(self.net.seeds[k]))
                model.run_monte_carlo_diffusion(count, random_seed=self._seed(seed, self.BATCHES, k))
        return np.asarray(model.get_activation_frequency(), dtype=np.float64)[: self.net.n_states]


PEER_ENGINES: dict[str, type[_Peer]] = {
    "cynetdiff": CyNetDiffEngine,
    "cynetdiff-batch": CyNetDiffBatchEngine,
    "ndlib": NDlibEngine,
    "pynetim": PynetimEngine,
}
