"""``tripwire compare``: a world against a what-if version of it, as paired differences with
standard errors from common random numbers.

Both worlds run trials ``0 .. N-1`` under the same seed, so trial ``t`` draws from the same random
stream in both (common random numbers) and the two estimates are positively correlated: their
difference is far less noisy than the difference of two independent runs. The standard error of a
paired difference is estimated by batch means: the trials are split into ``B`` batches of
consecutive trials, the difference is computed in each batch, and

    SE = sqrt( B / (B - 1) * sum_b w_b**2 (d_b - d)**2 ),   w_b = n_b / N,   d = sum_b w_b d_b,

the standard error of a weighted mean of ``B`` independent batch differences (batches use disjoint
trials, hence independent streams). With the default ``B = 100`` the SE itself is uncertain by
about 7 %. The differences themselves are exact: the summed batches are the tallies of one run.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass

import numpy as np
from rich.console import Console
from rich.table import Table

from . import whatif
from ._common import EXIT_FAILED, EXIT_OK, Interrupted, duration, positive_int, say
from .run import add_common


@dataclass
class Paired:
    """Per-batch counts of one quantity in both worlds: ``base[b, ...]`` and ``alt[b, ...]``."""

    base: np.ndarray
    alt: np.ndarray
    n: np.ndarray  # trials per batch

    def estimates(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(baseline, what-if, difference, paired SE), each over the trailing dimensions."""
        total = self.n.sum()
        w = (self.n / total).reshape((-1,) + (1,) * (self.base.ndim - 1))
        d_b = (self.alt - self.base) / self.n.reshape(w.shape)
        base = self.base.sum(0) / total
        alt = self.alt.sum(0) / total
        d = alt - base
        k = len(self.n)
        se = np.sqrt(k / (k - 1) * ((w**2) * (d_b - d) ** 2).sum(0)) if k > 1 else np.full_like(d, np.nan)
        return base, alt, d, se


def paired_differences(
    batches: list[tuple[int, dict, dict]],
) -> dict[str, Paired]:
    """Paired quantities from ``(n_b, baseline tallies, what-if tallies)`` per batch: ``exceed``
    (trials with final level >= l, per level), ``participants`` (participants summed over trials),
    ``involved`` (per state)."""

    def stack(key, pick):
        return np.array([pick(t[key]) for t in batches], dtype=float)

    def exceed(tallies):
        counts = tallies["outcome_count"].sum(axis=1)
        return counts[::-1].cumsum()[::-1]

    def participants(tallies):
        sizes = np.arange(tallies["outcome_count"].shape[1])
        return (tallies["outcome_count"].sum(axis=0) * sizes).sum()

    n = np.array([b[0] for b in batches], dtype=float)
    out = {}
    for name, pick in (
        ("exceed", exceed),
        ("participants", participants),
        ("involved", lambda t: t["involved_count"]),
    ):
        out[name] = Paired(
            np.array([pick(b[1]) for b in batches], dtype=float),
            np.array([pick(b[2]) for b in batches], dtype=float),
            n,
        )
    return out


def _fmt_diff(d: float, se: float) -> tuple[str, str, str]:
    return f"{d:+.4f}", f"{se:.4f}", f"{d - 1.96 * se:+.4f} – {d + 1.96 * se:+.4f}"


def cmd_compare(args: argparse.Namespace, console: Console) -> int:
    from ..crisis.compile import compile_world
    from ..crisis.runner import TrialRunner, add_tallies
    from ..errors import ParamError
    from ..world.model import load_world
    from .console import progress_bar
    from .trials import confirm_long

    if not (args.set_values or args.without or args.origins):
        raise ParamError(
            "compare needs a what-if: give --set PATH=VALUE, --without TREATY or --origin A:B "
            '(e.g. tripwire compare july1914 --set policy.communication=0.8 --without "Dual Alliance")'
        )
    base_world = load_world(args.scenario)
    alt_world, changes = whatif.apply(base_world, args)
    worlds = [compile_world(base_world), compile_world(alt_world)]
    if worlds[0].codes != worlds[1].codes or worlds[0].levels != worlds[1].levels:
        raise ParamError("compare: the what-if world must keep the states and the ladder of the baseline")
    trials = args.trials
    n_batches = min(args.batches, trials)
    if n_batches < 2:
        raise ParamError(
            f"compare needs at least 2 trials and --batches >= 2, saw {trials} and {args.batches}"
        )
    say(
        console,
        f"compare {base_world.name}: baseline vs what if ({changes}); {trials:,} trials each, "
        f"seed {args.seed}, the same random numbers for both",
    )
    runner = TrialRunner(worlds, seed=args.seed, threads=args.threads)
    batches: list[tuple[int, dict, dict]] = []
    try:
        runner.compile()
        runner.measure(max(1, trials // n_batches))
        estimate = runner.estimate(trials, calls=n_batches)
        if not confirm_long(estimate, f"{trials:,} trials of two worlds", yes=args.yes, console=console):
            say(console, "not run")
            return EXIT_FAILED
        say(console, f"running: about {duration(estimate)}")
        totals: list[dict | None] = [None, None]
        with progress_bar(
            console, 2 * trials, "compare", enabled=estimate > 2.0, log=not console.is_terminal, log_step=5
        ) as advance:
            for b in range(n_batches):
                first, last = trials * b // n_batches, trials * (b + 1) // n_batches
                pair = [runner.run(k, first, last - first, advance) for k in (0, 1)]
                batches.append((last - first, pair[0], pair[1]))
                totals = [add_tallies(totals[k], pair[k]) for k in (0, 1)]
    except KeyboardInterrupt:
        raise Interrupted(
            f"interrupted after {len(batches)} of {n_batches} batches; compare writes no files, "
            "so nothing was kept (run it again, with fewer --trials for a quicker answer)"
        ) from None

    paired = paired_differences(batches)
    cw = worlds[0]
    war = cw.levels[cw.war_level]
    base, alt, d, se = paired["exceed"].estimates()
    table = Table(title=f"P(final level ≥ l): {base_world.name}, baseline and what if")
    for col in ("final level ≥", "baseline", "what if", "difference", "paired SE", "95 % interval"):
        table.add_column(col, justify="left" if col == "final level ≥" else "right")
    for k, level in enumerate(cw.levels):
        table.add_row(level, f"{base[k]:.4f}", f"{alt[k]:.4f}", *_fmt_diff(d[k], se[k]))
    pb, pa, pd, pse = (float(x) for x in paired["participants"].estimates())
    table.caption = f"expected participants: {pb:.3f} -> {pa:.3f}, difference {pd:+.4f} (paired SE {pse:.4f})"
    console.print(table)

    ib, ia, idiff, ise = paired["involved"].estimates()
    names = [s.name for s in base_world.states]
    order = [i for i in np.argsort(-np.abs(idiff), kind="stable") if idiff[i] != 0][: args.top]
    if order:
        states = Table(title="states whose P(involved) changes most")
        for col in ("state", "name", "baseline", "what if", "difference", "paired SE"):
            states.add_column(col, justify="left" if col in ("state", "name") else "right")
        for i in order:
            states.add_row(
                cw.codes[i], names[i], f"{ib[i]:.4f}", f"{ia[i]:.4f}", f"{idiff[i]:+.4f}", f"{ise[i]:.4f}"
            )
        console.print(states)
    else:
        say(console, "no state's P(involved) changed")

    k = cw.war_level
    independent = np.sqrt(base[k] * (1 - base[k]) / trials + alt[k] * (1 - alt[k]) / trials)
    gain = f" ({independent / se[k]:.1f} times the paired SE)" if se[k] > 0 else ""
    say(
        console,
        f"Both worlds ran trials 0..{trials - 1:,} under seed {args.seed}: trial t draws from the same "
        "random stream in both (common random numbers), so each difference is paired. Its standard error "
        f"comes from {n_batches} batches of consecutive trials (batch means); two independent runs would "
        f"give P(≥ {war}) a standard error of {independent:.4f}{gain}. Intervals cover Monte Carlo "
        "error only; every probability is conditional on a crisis starting at one of the world's origins.",
    )
    return EXIT_OK


def add_parsers(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "compare",
        help="compare a world with a what-if version of it (paired differences, common random numbers)",
        description="Run a world and a changed copy of it (--set, --without, --origin) on the same random "
        "numbers and print the paired differences with their standard errors.",
    )
    p.add_argument("scenario", help="a world file (.yaml) or a bundled scenario name, e.g. july1914")
    add_common(p, trials_help="trials per world")
    p.add_argument(
        "--batches",
        type=positive_int,
        default=100,
        help="batches of consecutive trials for the paired standard error (default 100)",
    )
    p.add_argument("--top", type=positive_int, default=8, help="states to list (default 8)")
    whatif.add_arguments(p)
    p.set_defaults(func=cmd_compare)
