"""The ``horizon`` section of the suite: the long-horizon kernel on its scenarios.

- trial-years per second (one trial-year = one simulated year of one history) on 1 and 2 threads;
- crises per second inside the horizon kernel (everything the histories do, divided by the crises
  they run) against the crisis kernel's own trials per second on the same world, with the
  horizon's crisis dyads as its origins (each weighted by its expected crises a year); each crisis
  runs the same single-trial function, so the ratio is the horizon's yearly work (arms, trust,
  treaties, tallies) per crisis. The same with crises twenty times as frequent
  (``horizon.lambda0`` x 20) shows the cost of a crisis inside the horizon once that yearly work
  is spread over many crises;
- peak memory of a fresh process against the number of histories (flat: tallies are per year,
  never per history).
"""

from __future__ import annotations

import os
import statistics
import time
from typing import Any

from .settings import Settings
from .stats import spread
from .timing import Log, available_threads, calibrate_trials, load_average, quiet

_MEMORY_CHILD = """
import json, resource, sys, time
from tripwire.world.model import load_world
from tripwire.horizon.compile import compile_horizon
from tripwire.horizon.simulate import run_horizon_tallies

name, trials, threads = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
hc = compile_horizon(load_world(name))
run_horizon_tallies(hc, 1, threads=threads)
scale = 1 if sys.platform == "darwin" else 1024  # ru_maxrss: bytes on macOS, KiB on Linux
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale
t0 = time.perf_counter()
run_horizon_tallies(hc, trials, seed=1, threads=threads)
seconds = time.perf_counter() - t0
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale
print(json.dumps({"rss_before_bytes": before, "peak_rss_bytes": peak, "seconds": seconds}))
"""


def crisis_world_of(world, hc):
    """The world with the horizon's crisis dyads as its origins, weighted by expected crises a year
    (a dyad whose initiator is not fixed gives two origins of half the weight)."""
    from ..world.model import World

    data = world.resolved()
    codes = hc.crisis.codes
    origins = []
    for a, b, fixed, rate in zip(hc.dyad_a, hc.dyad_b, hc.dyad_fixed, hc.rate_calm, strict=True):
        pairs = [(a, b)] if fixed else [(a, b), (b, a)]
        for x, y in pairs:
            origins.append({"initiator": codes[x], "target": codes[y], "weight": float(rate) / len(pairs)})
    data["origins"] = origins
    data.pop("horizon", None)
    return World.model_validate(data)


def _horizon_runs(hc, threads: int, settings: Settings, repeats: int) -> dict[str, Any]:
    from ..horizon.simulate import run_horizon_tallies

    run_horizon_tallies(hc, 8, threads=threads)  # compiled already; warm the threads
    trials = calibrate_trials(
        lambda n: run_horizon_tallies(hc, n, seed=0, threads=threads),
        settings.target_s,
        64,
        settings.max_trials,
    )
    seconds, years, crises = [], [], []
    for r in range(repeats):
        t0 = time.perf_counter()
        out = run_horizon_tallies(hc, trials, seed=1 + r, threads=threads)
        seconds.append(time.perf_counter() - t0)
        years.append(int(out["running_count"].sum()))
        crises.append(int(out["crises"]))
    return {
        "threads": threads,
        "load": load_average(),
        "trials": trials,
        "seconds": spread(seconds),
        "trial_years_per_s": spread([y / s for y, s in zip(years, seconds, strict=True)]),
        "crises_per_s": spread([c / s for c, s in zip(crises, seconds, strict=True)]),
        "crises_per_trial_year": statistics.mean(c / y for c, y in zip(crises, years, strict=True)),
    }


def horizon_section(settings: Settings, cache_dir: str | None = None, log: Log = quiet) -> dict[str, Any]:
    """Measure the long-horizon kernel (see the module docstring). The fresh processes of the
    memory series load the kernels from this process's kernel cache (``cache_dir`` when caching
    is off here)."""
    from ..crisis.compile import compile_world
    from ..crisis.simulate import run_tallies
    from ..horizon.compile import compile_horizon
    from ..world.model import load_world
    from ..world.params import apply_params
    from .sections import child_env, run_child

    scenarios = []
    for name in settings.horizon_scenarios:
        world = load_world(name)
        hc = compile_horizon(world)
        entry: dict[str, Any] = {
            "scenario": name,
            "states": hc.n_states,
            "treaties": hc.n_treaties,
            "dyads": len(hc.dyads),
            "years": hc.years,
            "runs": [],
        }
        for threads in available_threads(settings):
            log(f"horizon {name}: {threads} thread(s)")
            entry["runs"].append(_horizon_runs(hc, threads, settings, settings.repeats))
        # the crisis kernel on the same world, the horizon's dyads as its origins, 1 thread
        cw = compile_world(crisis_world_of(world, hc))
        run_tallies(cw, 1000, threads=1)
        log(f"horizon {name}: the crisis kernel on the same dyads, 1 thread")

        def crisis_run(n: int, cw=cw) -> None:
            run_tallies(cw, n, threads=1)

        trials = calibrate_trials(crisis_run, settings.target_s, 10_000, settings.max_trials)
        seconds = []
        for r in range(settings.repeats):
            t0 = time.perf_counter()
            run_tallies(cw, trials, seed=1 + r, threads=1)
            seconds.append(time.perf_counter() - t0)
        crisis_rate = spread([trials / s for s in seconds])
        one = next(r for r in entry["runs"] if r["threads"] == 1)
        entry["crisis_kernel"] = {"trials": trials, "trials_per_s": crisis_rate}
        entry["crisis_over_horizon"] = crisis_rate["median"] / one["crises_per_s"]["median"]
        log(f"horizon {name}: crises twenty times as frequent, 1 thread")
        dense = compile_horizon(apply_params(world, {"horizon.lambda0": 20 * hc.horizon.lambda0}))
        entry["dense"] = _horizon_runs(dense, 1, settings, settings.repeats)
        entry["crisis_over_dense"] = crisis_rate["median"] / entry["dense"]["crises_per_s"]["median"]
        scenarios.append(entry)

    # the children load the kernels this process compiled (or loaded) above from its own cache
    from ..kernels.accelerate import CACHE, CACHE_DIR

    child_cache = os.path.dirname(CACHE_DIR) if CACHE else cache_dir
    memory = []
    threads = max(available_threads(settings))
    name = settings.horizon_scenarios[0] if settings.horizon_scenarios else "coldwar1955"
    for trials in settings.horizon_memory_trials:
        log(f"horizon memory: {name}, {trials:,} histories in a fresh process, {threads} thread(s)")
        got, wall = run_child(_MEMORY_CHILD, [name, str(trials), str(threads)], child_env(child_cache))
        memory.append(
            {
                "scenario": name,
                "trials": trials,
                "threads": threads,
                "rss_before_mb": got["rss_before_bytes"] / 2**20,
                "peak_rss_mb": got["peak_rss_bytes"] / 2**20,
                "growth_mb": (got["peak_rss_bytes"] - got["rss_before_bytes"]) / 2**20,
                "seconds": got["seconds"],
                "process_wall_s": wall,
            }
        )
    return {"scenarios": scenarios, "memory": memory}


def render_horizon(section: dict[str, Any], console) -> None:
    """Print the section as tables."""
    from rich.table import Table

    t = Table(title="long-horizon kernel (median over repeats, min–max)")
    for col in (
        "scenario",
        "threads",
        "histories",
        "trial-years/s",
        "crises/s",
        "crisis kernel trials/s",
        "crisis ÷ horizon",
    ):
        t.add_column(col, justify="left" if col == "scenario" else "right")
    for sc in section["scenarios"]:
        for k, r in enumerate(sc["runs"]):
            first = k == 0
            t.add_row(
                f"{sc['scenario']} ({sc['states']} st, {sc['dyads']} dyads, {sc['years']} y)"
                if first
                else "",
                str(r["threads"]),
                f"{r['trials']:,}",
                _rate(r["trial_years_per_s"]),
                _rate(r["crises_per_s"]),
                _rate(sc["crisis_kernel"]["trials_per_s"]) if first else "",
                f"{sc['crisis_over_horizon']:.2f}×" if first else "",
                _rate(sc["dense"]["crises_per_s"]) if first else "",
                f"{sc['crisis_over_dense']:.2f}×" if first else "",
            )
    console.print(t)
    if section["memory"]:
        m = Table(title="long-horizon kernel: peak memory of a fresh process against histories")
        for col in (
            "scenario",
            "histories",
            "threads",
            "RSS before (MB)",
            "peak RSS (MB)",
            "growth (MB)",
            "seconds",
        ):
            m.add_column(col, justify="left" if col == "scenario" else "right")
        for r in section["memory"]:
            m.add_row(
                r["scenario"],
                f"{r['trials']:,}",
                str(r["threads"]),
                f"{r['rss_before_mb']:.1f}",
                f"{r['peak_rss_mb']:.1f}",
                f"{r['growth_mb']:.1f}",
                f"{r['seconds']:.2f}",
            )
        console.print(m)


def _rate(s: dict[str, float]) -> str:
    return f"{s['median']:,.0f} ({s['min']:,.0f}–{s['max']:,.0f})"
