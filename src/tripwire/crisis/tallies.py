"""The kernel wrappers of the crisis model: check the inputs, cut trials into blocks on a thread
pool, and sum the integer tallies of :func:`run_tallies`, :func:`entangle_tallies` and
:func:`criticality_tallies` (``simulate()`` in :mod:`.simulate` labels them)."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, Literal, TypeVar

import numpy as np

from .._checks import MAX_SEED, check_int
from ..errors import ParamError
from ..kernels.encoding import (
    CRITICALITY_DIMS,
    ENTANGLE_DIMS,
    TALLY_DIMS,
    CrisisTallies,
    CriticalityTallies,
    EntangleTallies,
    zero_tallies,
)
from ..world.model import World
from .compile import CompiledWorld, compile_world

if TYPE_CHECKING:
    pass

__all__ = [
    "tally_arrays",
    "max_threads",
    "run_blocks",
    "sum_trial_blocks",
    "tally_sizes",
    "PROGRESS_CHUNK",
    "run_tallies",
    "entangle_tallies",
    "criticality_tallies",
    "warm_kernels",
    "choose_closure",
    "CLOSURES",
]

#: The joining closures ``run_tallies`` accepts (``auto``: :func:`choose_closure`).
CLOSURES = ("auto", "csr", "bitset")

#: Trials per kernel call when reporting progress (``run_tallies``), and at most per chunk of
#: ``simulate`` with ``progress``.
PROGRESS_CHUNK = 1 << 20

#: :func:`choose_closure`: edges per state below which the CSR closure is taken without a probe,
#: the probe's trials, and the edges skipped without a draw per participant (at least, and at
#: least per word of a caller's callees at one trigger level) from which the bitset closure is.
BITSET_MIN_DEGREE = 8.0
PROBE_TRIALS = 64
BITSET_MIN_SKIPPED = 10.0
BITSET_SKIPPED_PER_WORD = 2.5


def max_threads() -> int:
    """Threads the kernels may use: the cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def run_blocks(work: Callable[[int], Any], n_blocks: int, threads: int) -> list[Any]:
    """``work(0) .. work(n_blocks - 1)`` on ``threads`` threads (the kernels release the GIL)."""
    if threads == 1 or n_blocks == 1:
        return [work(b) for b in range(n_blocks)]
    pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="tripwire-kernel")
    try:
        return list(pool.map(work, range(n_blocks)))
    except BaseException:  # Ctrl-C or an error: blocks not started are dropped, running ones finish
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    finally:
        pool.shutdown(wait=True)


#: A tally layout (a named tuple of arrays, :mod:`tripwire.kernels.encoding`).
Tallies = TypeVar("Tallies", bound=tuple)


def sum_trial_blocks(
    run: Callable[[int, int, Tallies], None],
    new_tallies: Callable[[], Tallies],
    trials: int,
    first_trial: int,
    blocks: int,
    threads: int,
    chunk: int,
    progress: Callable[[int], None] | None,
) -> Tallies:
    """Trials ``first_trial .. first_trial + trials - 1``, ``chunk`` at a time (``progress(n)``
    after each), each chunk cut into up to ``blocks`` ranges; ``run(first, last, out)`` adds one
    range's tallies to ``out`` (fresh from ``new_tallies()``), ranges run on ``threads`` threads,
    and the sums come back in ``new_tallies()``'s layout."""
    totals = new_tallies()
    done = 0
    while done < trials:
        n = min(chunk, trials - done)
        n_blocks = min(n, blocks)
        start = first_trial + done

        def block(b: int, n: int = n, n_blocks: int = n_blocks, start: int = start) -> Tallies:
            out = new_tallies()
            run(start + (n * b) // n_blocks, start + (n * (b + 1)) // n_blocks, out)
            return out

        for out in run_blocks(block, n_blocks, threads):
            for total, part in zip(totals, out, strict=True):
                total += part
        done += n
        if progress is not None:
            progress(n)
    return totals


def tally_sizes(shape: tuple[int, int, int, int, int]) -> dict[str, int]:
    """The size of each tally dimension of a world with this ``tally_shape`` (``size``: 0..n_states
    participants)."""
    n_states, n_levels, n_origins, n_treaties, n_rounds = shape
    return {
        "level": n_levels,
        "size": n_states + 1,
        "state": n_states,
        "side": 2,
        "origin": n_origins,
        "treaty": n_treaties,
        "round": n_rounds,
    }


def tally_arrays(shape: tuple[int, int, int, int, int]) -> CrisisTallies:
    """Zeroed :class:`~tripwire.kernels.encoding.CrisisTallies` for one block (edge counts as one
    value)."""
    return zero_tallies(TALLY_DIMS, tally_sizes(shape))


def warm_kernels(closures: tuple[str, ...] = ("csr", "bitset")) -> float:
    """Compile the crisis kernel of each joining closure in ``closures`` (default: both), or load
    it from the on-disk cache, and return the seconds it took.

    Call it in a driver process before starting worker processes: they then load the cached
    machine code instead of each compiling it (see :mod:`tripwire.kernels.accelerate`).
    """
    import time

    world = World.model_validate(
        {
            "name": "warm-up",
            "states": [{"code": "A", "capability": 1.0}, {"code": "B", "capability": 1.0}],
            "treaties": [{"name": "AB", "kind": "entente", "members": ["A", "B"]}],
            "origins": [{"initiator": "A", "target": "B"}],
        }
    )
    cw = compile_world(world)
    t0 = time.perf_counter()
    for closure in closures:
        run_tallies(cw, 1, threads=1, closure=closure)
    return time.perf_counter() - t0


def choose_closure(cw: CompiledWorld) -> Literal["csr", "bitset"]:
    """The faster joining closure for a compiled world, by a fixed rule on how much work the
    bitset closure would save.

    Both closures give the same tallies, bit for bit; the choice changes only the speed. The
    bitset closure skips, a word of 64 callees at a time, the edges that lead to states already
    drawn in (and edges that do not apply on the caller's side), at the cost of visiting each
    word of a caller's callees. So:

    - fewer than :data:`BITSET_MIN_DEGREE` edges per state: ``csr`` (too little to skip);
    - otherwise :data:`PROBE_TRIALS` trials are run with the CSR closure (seed 0, a few
      milliseconds); ``bitset`` when the edges skipped without a draw per participant are at
      least :data:`BITSET_MIN_SKIPPED` and at least :data:`BITSET_SKIPPED_PER_WORD` times the
      mean number of words a caller's callees at one trigger level take, else ``csr``.

    The rule follows measurements on 1 thread: the bitset closure wins in large cascades on dense
    networks of up to a few hundred states (callees packed into few words) and loses on sparse
    networks, large sparse worlds and the bundled scenarios, whose cascades are small.

    Examples
    --------
    >>> import tripwire
    >>> from tripwire.crisis.simulate import choose_closure
    >>> choose_closure(tripwire.compile_world(tripwire.load_world("july1914")))
    'csr'
    """
    from ..kernels.cascade import run_block

    if cw.n_edges < BITSET_MIN_DEGREE * cw.n_states:
        return "csr"
    out = tally_arrays(cw.tally_shape)
    run_block(np.int64(0), np.int64(0), np.int64(PROBE_TRIALS), cw.kernel_world(), out)
    tries, draws, participants = int(out.edge_tries[0]), int(out.edge_draws[0]), int(out.involved_count.sum())
    skipped = (tries - draws) / participants
    group_ptr = cw.bits.group_ptr
    words_per_group = group_ptr[-1] / max(1, int(np.count_nonzero(np.diff(group_ptr))))
    if skipped >= BITSET_MIN_SKIPPED and skipped >= BITSET_SKIPPED_PER_WORD * words_per_group:
        return "bitset"
    return "csr"


def _use_bits(cw: CompiledWorld, closure: str) -> bool:
    """Whether ``closure`` (``auto``: :func:`choose_closure`) is the bitset closure."""
    if closure not in CLOSURES:
        raise ParamError(f"closure must be one of {', '.join(CLOSURES)}; saw {closure!r}")
    return (choose_closure(cw) if closure == "auto" else closure) == "bitset"


def run_tallies(
    cw: CompiledWorld,
    trials: int,
    *,
    seed: int = 0,
    first_trial: int = 0,
    blocks: int | None = None,
    threads: int | None = None,
    progress: Callable[[int], None] | None = None,
    closure: str = "auto",
) -> dict[str, Any]:
    """Run trials ``first_trial .. first_trial + trials - 1`` of a compiled world; integer tallies.

    Trials are cut into ``blocks`` (default ``8 * threads``) run on ``threads`` threads (default:
    every core this process may use). The tallies depend only on ``(world, seed, first_trial,
    trials)``, never on ``blocks``, ``threads``, ``closure`` or the chunking used for progress:
    summing the tallies of consecutive trial ranges gives the tallies of their union.

    ``closure`` picks the joining closure: ``csr`` walks every edge of a caller, ``bitset`` only
    the callees still outside the crisis, as bits; ``auto`` (the default) takes
    :func:`choose_closure`'s choice.
    """
    from ..kernels.cascade import run_block, run_block_bits

    bits = cw.bits if _use_bits(cw, closure) else None  # built before the threads start
    trials = check_int("trials", trials, 1)
    seed = check_int("seed", seed, 0, MAX_SEED)
    first_trial = check_int("first_trial", first_trial, 0)
    threads = max_threads() if threads is None else check_int("threads", threads, 1, max_threads())
    blocks = None if blocks is None else check_int("blocks", blocks, 1)
    chunk = PROGRESS_CHUNK if progress is not None else trials
    world = cw.kernel_world()

    def run(first: int, last: int, out: CrisisTallies) -> None:
        if bits is not None:
            run_block_bits(np.int64(seed), np.int64(first), np.int64(last), world, bits, out)
        else:
            run_block(np.int64(seed), np.int64(first), np.int64(last), world, out)

    n_blocks = 8 * threads if blocks is None else blocks
    totals = sum_trial_blocks(
        run, lambda: tally_arrays(cw.tally_shape), trials, first_trial, n_blocks, threads, chunk, progress
    )
    tallies: dict[str, Any] = totals._asdict()
    for name, dims in zip(CrisisTallies._fields, TALLY_DIMS, strict=True):
        if not dims:
            tallies[name] = np.int64(tallies[name][0])
    return tallies


def entangle_tallies(
    cw: CompiledWorld, trials: int, *, seed: int = 0, threads: int | None = None, closure: str = "auto"
) -> dict[str, np.ndarray]:
    """Every origin of a compiled world runs trials ``0 .. trials - 1`` with its originators fixed.

    Origin ``o``'s tallies equal those of :func:`run_tallies` on the world whose only origin is
    ``o``, bit for bit (the same random streams). Returns the int64 arrays of
    :class:`~tripwire.kernels.encoding.EntangleTallies`: ``origin_level_count[origin, level]``,
    ``origin_size_count[origin, size]`` (size = participants, 0..n_states),
    ``origin_involved_count[origin, state]``, ``origin_side_count[origin, state, side]`` and
    ``origin_state_level_count[origin, state, level]`` (the state took part and the crisis ended
    at that level). Origins are split among ``threads`` threads, each writing its own rows.
    ``closure`` as for :func:`run_tallies`.
    """
    from ..kernels.cascade import entangle_block, entangle_block_bits

    bits = cw.bits if _use_bits(cw, closure) else None  # built before the threads start
    trials = check_int("trials", trials, 1)
    seed = check_int("seed", seed, 0, MAX_SEED)
    threads = max_threads() if threads is None else check_int("threads", threads, 1, max_threads())
    out: EntangleTallies = zero_tallies(ENTANGLE_DIMS, tally_sizes(cw.tally_shape))
    n_origins = len(cw.origins)
    world = cw.kernel_world()
    n_blocks = min(n_origins, 4 * threads)

    def block(b: int) -> None:
        first, last = (n_origins * b) // n_blocks, (n_origins * (b + 1)) // n_blocks
        args = (np.int64(seed), np.int64(trials), np.int64(first), np.int64(last), world)
        if bits is not None:
            entangle_block_bits(*args, bits, out)
        else:
            entangle_block(*args, out)

    run_blocks(block, n_blocks, threads)
    return out._asdict()


def criticality_tallies(
    cw: CompiledWorld,
    trials: int,
    *,
    seed: int = 0,
    treaties: Sequence[int] | None = None,
    threads: int | None = None,
) -> dict[str, np.ndarray]:
    """Each trial on the world and on the world without each treaty in turn, on the same streams.

    Parameters
    ----------
    treaties
        Indices of the treaties to remove one at a time (default: every treaty).

    Returns
    -------
    dict
        ``joint_level_count[k, base_level, variant_level]``: trials by final level in the world
        and in the world without treaty ``treaties[k]``; the variant's marginal equals
        :func:`run_tallies` on that world, bit for bit. ``treaty_index`` gives the treaties.
    """
    from ..kernels.cascade import criticality_block

    trials = check_int("trials", trials, 1)
    seed = check_int("seed", seed, 0, MAX_SEED)
    threads = max_threads() if threads is None else check_int("threads", threads, 1, max_threads())
    chosen = list(range(len(cw.treaties))) if treaties is None else [int(k) for k in treaties]
    bad = [k for k in chosen if not 0 <= k < len(cw.treaties)]
    if bad:
        raise ParamError(f"treaties: indices {bad} are outside 0..{len(cw.treaties) - 1}")
    variants = [cw.without_treaties([k]) for k in chosen]
    n_edges, n_pledges = cw.n_edges, int(cw.pledge_to.size)
    thresh = np.array([v[0] for v in variants], dtype=np.int64).reshape(len(chosen), n_edges)
    backing = np.array([v[1] for v in variants], dtype=np.float64).reshape(len(chosen), n_edges)
    pledge_on = np.array([v[2] for v in variants], dtype=np.int8).reshape(len(chosen), n_pledges)
    sizes = {"variant": len(chosen), "level": len(cw.levels)}
    world = cw.kernel_world()
    n_blocks = min(trials, 8 * threads)

    def block(b: int) -> CriticalityTallies:
        out = zero_tallies(CRITICALITY_DIMS, sizes)
        first, last = (trials * b) // n_blocks, (trials * (b + 1)) // n_blocks
        criticality_block(
            np.int64(seed), np.int64(first), np.int64(last), world, thresh, backing, pledge_on, out
        )
        return out

    totals = zero_tallies(CRITICALITY_DIMS, sizes)
    for out in run_blocks(block, n_blocks, threads):
        for total, part in zip(totals, out, strict=True):
            total += part
    return {**totals._asdict(), "treaty_index": np.asarray(chosen, dtype=np.int64)}
