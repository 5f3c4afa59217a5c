"""The sections of the suite: ``cascade`` (side by side with the peers), ``scenarios`` (the full
model), ``scaling`` and ``startup``, with the code their fresh processes run."""

from __future__ import annotations

import json
import os
import re
import statistics
import subprocess
import sys
import time
from typing import Any

import numpy as np

from ..world.synthetic import network_world
from .ceiling import bound, draw_ns, overhead_ns
from .engines import CLOSURES, PEER_ENGINES, PeerUnavailable, TripwireEngine, peer_graph
from .settings import Settings
from .stats import agreement, spread
from .timing import Log, available_threads, load_average, measure, quiet, timed_runs


def _network_label(kind: str, n_states: int) -> str:
    return f"{kind}{n_states}"


# --------------------------------------------------------------------------------------------
# cascade: side by side


def engine_label(engine: dict) -> str:
    """``tripwire (csr), 1 thread(s)`` or ``cynetdiff, 1 thread(s)`` for an engine entry."""
    closure = f" ({engine['closure']})" if engine.get("closure") else ""
    return f"{engine['engine']}{closure}, {engine['threads']} thread(s)"


def compare_engines(
    label: str,
    engines: list,
    settings: Settings,
    *,
    seed: int = 1,
    log: Log = quiet,
    info: dict | None = None,
) -> dict[str, Any]:
    """Time several engines on one network and compare each with the first (tripwire, 1 thread, the
    closure it chooses).

    Each engine's trial count is calibrated to about ``settings.target_s`` seconds per repeat; its
    cascade sizes are pooled over the repeats. A ratio against the first engine is given only if
    :func:`agreement` holds; otherwise the comparison carries the disagreement and ``ratio`` is
    ``None``. A peer's comparison also gives ``ratio_by_closure``: the rate of tripwire on 1 thread
    with each closure timed (and in agreement with the first engine) over the peer's.

    Returns
    -------
    dict
        ``network``, ``info``, ``engines`` (one entry per engine) and ``comparisons``.
    """
    results, sizes = [], []
    for idx, engine in enumerate(engines):
        closure = getattr(engine, "closure", None)
        log(f"{label}: {engine.name}{f' ({closure})' if closure else ''}, {engine.threads} thread(s)")
        seeds = [seed + 1000 * idx + r for r in range(settings.repeats)]
        start = 10_000 if engine.exact_tries else 20
        trials, seconds, stats, runs = measure(engine, seeds, settings.target_s, settings.max_trials, start)
        rates = [trials / s for s in seconds]
        entry: dict[str, Any] = {
            "engine": engine.name,
            "threads": engine.threads,
            "closure": closure,
            "chosen": bool(getattr(engine, "chosen", False)),
            "load": load_average(),
            "trials": trials,
            "repeats": settings.repeats,
            "seconds": spread(seconds),
            "cascades_per_s": spread(rates),
            "mean_size": stats.mean,
            "se_size": stats.se,
            "cascades": stats.n,
        }
        if engine.exact_tries:
            entry["tries_per_cascade"] = float(np.mean([r.edge_tries / trials for r in runs]))
            entry["tries_estimated"] = False
        else:
            sample = max(1, min(settings.tries_sample, trials))
            entry["tries_per_cascade"] = engine.tries_per_cascade(sample, seed + 7)
            entry["tries_estimated"] = True
            entry["tries_sample"] = sample
        draws = [r.edge_draws / trials for r in runs if r.edge_draws is not None]
        if draws:
            entry["draws_per_cascade"] = float(np.mean(draws))
            entry["draws_estimated"] = False
        elif getattr(engine, "draws_every_try", False):
            entry["draws_per_cascade"] = entry["tries_per_cascade"]
            entry["draws_estimated"] = entry["tries_estimated"]
        else:
            entry["draws_per_cascade"] = None
            entry["draws_estimated"] = None
        entry["edge_tries_per_s"] = spread([r * entry["tries_per_cascade"] for r in rates])
        entry["edge_tries_per_s_per_core"] = spread(
            [r * entry["tries_per_cascade"] / engine.threads for r in rates]
        )
        results.append(entry)
        sizes.append(stats)

    comparisons = []
    base = results[0]
    agree_with_base = [True]
    for entry, stats in zip(results[1:], sizes[1:], strict=True):
        check = agreement(sizes[0], stats)
        agree_with_base.append(bool(check["agree"]))
        if entry["engine"] != base["engine"]:
            kind = "peer"
        elif entry["threads"] != base["threads"]:
            kind = "speedup"
        else:
            kind = "closure"
        comparison = {
            "engine": entry["engine"],
            "threads": entry["threads"],
            "closure": entry["closure"],
            "baseline": engine_label(base),
            "kind": kind,
            **check,
            "ratio": None,
            "ratio_edge_tries": None,
            "speedup": None,
        }
        if check["agree"]:
            comparison["ratio"] = base["cascades_per_s"]["median"] / entry["cascades_per_s"]["median"]
            if kind != "peer":
                comparison["speedup"] = 1.0 / comparison["ratio"]
            comparison["ratio_edge_tries"] = (
                base["edge_tries_per_s"]["median"] / entry["edge_tries_per_s"]["median"]
            )
        else:
            log(
                f"{label}: {engine_label(entry)} disagrees with {comparison['baseline']}: mean size "
                f"{stats.mean:.4f} vs {sizes[0].mean:.4f} ({check['z']:+.1f} standard errors); no ratio"
            )
        comparisons.append(comparison)
    # every closure timed on the baseline's threads, against every peer that agrees
    own = [
        (e, ok)
        for e, ok in zip(results, agree_with_base, strict=True)
        if e["engine"] == base["engine"] and e["threads"] == base["threads"]
    ]
    for comparison in comparisons:
        if comparison["kind"] != "peer":
            continue
        peer = next(
            e
            for e in results
            if e["engine"] == comparison["engine"] and e["threads"] == comparison["threads"]
        )
        comparison["ratio_by_closure"] = {
            e["closure"]: e["cascades_per_s"]["median"] / peer["cascades_per_s"]["median"]
            if ok and comparison["agree"]
            else None
            for e, ok in own
        }
    return {"network": label, "info": info or {}, "engines": results, "comparisons": comparisons}


def tripwire_engines(cw, settings: Settings) -> list:
    """tripwire's engines of the ``cascade`` section: the chosen closure on 1 thread (the baseline),
    every other closure on 1 thread, then the chosen closure on the other thread counts."""
    from ..crisis.simulate import choose_closure

    threads = available_threads(settings)
    chosen = choose_closure(cw)
    engines: list = [TripwireEngine(cw, 1, chosen)] if 1 in threads else []
    engines += [TripwireEngine(cw, 1, c) for c in CLOSURES if c != chosen and 1 in threads]
    engines += [TripwireEngine(cw, t, chosen) for t in threads if t != 1]
    return engines


def network_bound(cw, net: dict, draw_cost: dict, settings: Settings) -> dict[str, Any]:
    """The perfect-kernel bound of one network (:mod:`.ceiling`) from the baseline's draws and
    mean size, with tripwire's fraction of it per closure (added to each tripwire engine entry as
    ``bound_fraction``)."""
    base = net["engines"][0]
    overhead = overhead_ns(
        cw,
        base["mean_size"],
        trials=max(1000, min(10**7, int(settings.target_s * 2e6))),
        repeats=settings.repeats,
    )
    out: dict[str, Any] = dict(
        bound(base["draws_per_cascade"], draw_cost["draw_ns"], overhead["overhead_ns"])
    )
    out["fraction"] = {}
    for e in net["engines"]:
        if e["engine"] == base["engine"]:
            e["bound_fraction"] = e["cascades_per_s"]["median"] / e["threads"] / out["cascades_per_s"]
            if e["threads"] == 1:
                out["fraction"][e["closure"]] = e["bound_fraction"]
    return out


def cascade_section(settings: Settings, log: Log = quiet, skipped: list[str] | None = None) -> list[dict]:
    """tripwire's independent-cascade configuration (each closure) against the peers on every network
    of ``settings``, with the perfect-kernel bound of each network (:mod:`.ceiling`)."""
    from ..crisis.compile import compile_world
    from ..crisis.simulate import choose_closure

    skipped = [] if skipped is None else skipped
    out = []
    log("cascade: draw-and-compare cost")
    draw_cost = draw_ns(
        draws=max(10**5, min(2 * 10**8, int(settings.target_s * 5e8))), repeats=settings.repeats
    )
    for kind, n_states in settings.networks:
        label = _network_label(kind, n_states)
        world = network_world(kind, n_states, er_degree=settings.er_degree)
        cw = compile_world(world)
        engines = tripwire_engines(cw, settings)
        info = {
            "kind": kind,
            "states": cw.n_states,
            "edges": cw.n_edges,
            "origins": int(cw.origin_a.size),
            "closures": list(CLOSURES),
            "chosen_closure": choose_closure(cw),
        }
        if settings.peers:
            try:
                net = peer_graph(cw)
                info["peer_edges"] = net.n_edges
                info["merged_parallel_edges"] = net.merged
                for name in settings.peers:
                    try:
                        engines.append(PEER_ENGINES[name](net))
                    except PeerUnavailable as exc:
                        if not any(s.startswith(f"{name}:") for s in skipped):
                            skipped.append(f"{name}: {exc}")
                            log(f"skipping {name}: {exc}")
            except PeerUnavailable as exc:
                skipped.append(f"peers: {exc}")
                log(f"skipping the peers: {exc}")
        result = compare_engines(label, engines, settings, log=log, info=info)
        if result["engines"] and result["engines"][0]["draws_per_cascade"] is not None:
            log(f"{label}: perfect-kernel bound")
            result["bound"] = network_bound(cw, result, draw_cost, settings)
            result["bound"]["draw_cost"] = draw_cost
        out.append(result)
    return out


# --------------------------------------------------------------------------------------------
# scenarios: the full model on the bundled scenarios


def scenario_section(settings: Settings, log: Log = quiet, skipped: list[str] | None = None) -> list[dict]:
    """Trials per second of the full model on each bundled scenario: the chosen closure on each
    thread count, every other closure on 1 thread."""
    from ..crisis.compile import compile_world
    from ..crisis.simulate import choose_closure
    from ..world.model import bundled_scenarios, load_world

    skipped = [] if skipped is None else skipped
    names = list(settings.scenarios) if settings.scenarios is not None else bundled_scenarios()
    out = []
    for name in names:
        try:
            cw = compile_world(load_world(name))
        except Exception as exc:  # a scenario being written may not load; report it and go on
            skipped.append(f"scenario {name}: {type(exc).__name__}: {str(exc).splitlines()[0]}")
            log(f"skipping scenario {name}: {exc}")
            continue
        entry: dict[str, Any] = {
            "scenario": name,
            "states": cw.n_states,
            "edges": cw.n_edges,
            "levels": len(cw.levels),
            "runs": [],
        }
        chosen = choose_closure(cw)
        entry["chosen_closure"] = chosen
        for idx, threads in enumerate(available_threads(settings)):
            for closure in [chosen, *(c for c in CLOSURES if c != chosen and threads == 1)]:
                log(f"scenario {name}: {closure} closure, {threads} thread(s)")
                engine = TripwireEngine(cw, threads, closure)
                seeds = [1 + 1000 * idx + r for r in range(settings.repeats)]
                trials, seconds, stats, runs = measure(engine, seeds, settings.target_s, settings.max_trials)
                rates = [trials / s for s in seconds]
                entry["runs"].append(
                    {
                        "threads": threads,
                        "closure": closure,
                        "chosen": closure == chosen,
                        "load": load_average(),
                        "trials": trials,
                        "seconds": spread(seconds),
                        "trials_per_s": spread(rates),
                        "edge_tries_per_s_per_core": spread(
                            [r.edge_tries / s / threads for r, s in zip(runs, seconds, strict=True)]
                        ),
                        "tries_per_trial": float(np.mean([r.edge_tries / trials for r in runs])),
                        "draws_per_trial": float(np.mean([r.edge_draws / trials for r in runs])),
                        "mean_participants": stats.mean,
                    }
                )
        out.append(entry)
    return out


# --------------------------------------------------------------------------------------------
# fresh processes (memory and start-up)


def child_env(cache_dir: str | None) -> dict[str, str]:
    """The environment of a fresh process: kernel cache off (``None``) or in ``cache_dir``."""
    env = dict(os.environ)
    if cache_dir is None:
        env["TRIPWIRE_NUMBA_CACHE"] = "0"
    else:
        env["TRIPWIRE_NUMBA_CACHE"] = "1"
        env["TRIPWIRE_CACHE_DIR"] = cache_dir
    return env


def run_child(code: str, args: list[str], env: dict[str, str], timeout: float = 900) -> tuple[dict, float]:
    """Run ``code`` in a fresh interpreter; its last stdout line (JSON) and the wall seconds."""
    t0 = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, env=env, timeout=timeout
    )
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        tail = "\n".join(proc.stderr.strip().splitlines()[-5:])
        raise RuntimeError(f"benchmark subprocess failed with exit code {proc.returncode}:\n{tail}")
    return json.loads(proc.stdout.strip().splitlines()[-1]), wall


# --------------------------------------------------------------------------------------------
# scaling


_MEMORY_CHILD = """
import json, resource, sys, time
from tripwire.world.synthetic import network_world
from tripwire.crisis.compile import compile_world
from tripwire.crisis.simulate import run_tallies

trials, threads = int(sys.argv[1]), int(sys.argv[2])
cw = compile_world(network_world("blocs", 200))
run_tallies(cw, 1, threads=threads)
scale = 1 if sys.platform == "darwin" else 1024  # ru_maxrss: bytes on macOS, KiB on Linux
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale
t0 = time.perf_counter()
run_tallies(cw, trials, seed=1, threads=threads)
seconds = time.perf_counter() - t0
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale
print(json.dumps({"rss_before_bytes": before, "peak_rss_bytes": peak, "seconds": seconds}))
"""


def scaling_section(
    settings: Settings, cache_dir: str | None = None, log: Log = quiet
) -> dict[str, list[dict]]:
    """Time against trials, peak memory against trials, time against network size.

    Peak memory is the resident-set high-water mark (``resource.getrusage(RUSAGE_SELF).ru_maxrss``)
    of a fresh process per trial count, read after a 1-trial warm-up call and again after the run;
    it includes the interpreter, numpy, numba and the compiled kernel, so it is flat when the run
    allocates nothing that grows with the trials. The children load the kernel from ``cache_dir``
    (a temporary numba cache) when given.
    """
    from ..crisis.compile import compile_world

    cw = compile_world(network_world("blocs", 200))
    engine = TripwireEngine(cw, 1)
    engine.warm_up()
    by_trials = []
    rate = None
    for trials in settings.scaling_trials:
        log(f"scaling: {trials:,} trials, 1 thread")
        repeats = settings.repeats if rate is None or trials / rate < 3.0 else 1
        seconds, _, _ = timed_runs(engine, trials, [1 + r for r in range(repeats)])
        rate = trials / statistics.median(seconds)
        by_trials.append(
            {
                "trials": trials,
                "threads": 1,
                "seconds": spread(seconds),
                "ns_per_trial": 1e9 * statistics.median(seconds) / trials,
            }
        )

    memory = []
    threads = max(available_threads(settings))
    for trials in settings.memory_trials:
        log(f"memory: {trials:,} trials in a fresh process, {threads} thread(s)")
        got, wall = run_child(_MEMORY_CHILD, [str(trials), str(threads)], child_env(cache_dir))
        memory.append(
            {
                "trials": trials,
                "threads": threads,
                "rss_before_mb": got["rss_before_bytes"] / 2**20,
                "peak_rss_mb": got["peak_rss_bytes"] / 2**20,
                "growth_mb": (got["peak_rss_bytes"] - got["rss_before_bytes"]) / 2**20,
                "seconds": got["seconds"],
                "process_wall_s": wall,
            }
        )

    by_size = []
    for n_states in settings.size_sweep:
        log(f"network size: blocs{n_states}, 1 thread")
        cw_n = compile_world(network_world("blocs", n_states))
        seeds = [1 + r for r in range(settings.repeats)]
        trials, seconds, stats, runs = measure(
            TripwireEngine(cw_n, 1), seeds, settings.target_s / 2, settings.max_trials
        )
        per_cascade = float(np.mean([r.edge_tries / trials for r in runs]))
        by_size.append(
            {
                "network": _network_label("blocs", n_states),
                "states": cw_n.n_states,
                "edges": cw_n.n_edges,
                "trials": trials,
                "cascades_per_s": spread([trials / s for s in seconds]),
                "tries_per_cascade": per_cascade,
                "mean_size": stats.mean,
                "edge_tries_per_s": spread([trials * per_cascade / s for s in seconds]),
                "ns_per_edge_try": 1e9 * statistics.median(seconds) / (trials * per_cascade),
            }
        )
    return {"trials": by_trials, "memory": memory, "network_size": by_size, "threads": []}


def thread_scaling(report: dict) -> list[dict]:
    """1 against 2 (or more) threads of the chosen closure, from the measurements already in the
    report."""
    rows = []

    def add(workload: str, runs: list[tuple[int, float]]) -> None:
        one = dict(runs).get(1)
        for threads, rate in runs:
            if threads > 1 and one:
                rows.append(
                    {
                        "workload": workload,
                        "threads": threads,
                        "rate_1": one,
                        "rate": rate,
                        "speedup": rate / one,
                    }
                )

    for net in report.get("cascade", []):
        add(
            f"{net['network']} (cascade)",
            [
                (e["threads"], e["cascades_per_s"]["median"])
                for e in net["engines"]
                if e["engine"] == "tripwire" and e.get("chosen", True)
            ],
        )
    for sc in report.get("scenarios", []):
        add(
            sc["scenario"],
            [(r["threads"], r["trials_per_s"]["median"]) for r in sc["runs"] if r.get("chosen", True)],
        )
    return rows


# --------------------------------------------------------------------------------------------
# start-up


_IMPORT_CHILD = """
import json, time
t0 = time.perf_counter()
import tripwire
print(json.dumps({"import_s": time.perf_counter() - t0}))
"""

_FIRST_CALL_CHILD = """
import json, time
t0 = time.perf_counter()
import tripwire
t1 = time.perf_counter()
from tripwire.crisis.compile import compile_world
from tripwire.crisis.simulate import run_tallies
from tripwire.world.synthetic import bloc_network, pure_cascade
t2 = time.perf_counter()
cw = compile_world(pure_cascade(bloc_network(64, seed=0)))
t3 = time.perf_counter()
run_tallies(cw, 1)
t4 = time.perf_counter()
print(json.dumps({"import_s": t1 - t0, "import_engine_s": t2 - t1, "first_call_s": t4 - t3}))
"""


def startup_section(settings: Settings, cache_dir: str, log: Log = quiet) -> dict[str, Any]:
    """Start-up costs, each in a fresh interpreter.

    ``import``: ``import tripwire``. ``first_call``: the first ``run_tallies`` call (compiling the
    kernel) with caching off. ``cached``: the same with the kernel cache in ``cache_dir`` twice:
    *cold* (an empty cache: compile and write it) and *warm* (load it). ``run``: then ``tripwire
    run july1914`` in a fresh process on the warm cache, as a user runs it a second time: the
    seconds from the command's start to its first trial (it prints them) and the whole process.
    ``cache_dir`` should be empty on entry.
    """
    out: dict[str, Any] = {}
    if "import" in settings.startup:
        log("start-up: import tripwire")
        values, walls = [], []
        for _ in range(settings.startup_repeats):
            got, wall = run_child(_IMPORT_CHILD, [], child_env(None))
            values.append(got["import_s"])
            walls.append(wall)
        out["import"] = {"import_s": spread(values), "process_wall_s": spread(walls)}
    if "first_call" in settings.startup:
        log("start-up: first call, no cache")
        got, wall = run_child(_FIRST_CALL_CHILD, [], child_env(None))
        out["first_call"] = {**got, "process_wall_s": wall}
    if "cached" in settings.startup:
        for phase in ("cold", "warm"):
            log(f"start-up: first call, {phase} cache")
            got, wall = run_child(_FIRST_CALL_CHILD, [], child_env(cache_dir))
            out[f"cached_{phase}"] = {**got, "process_wall_s": wall}
    if "run" in settings.startup:
        log("start-up: tripwire run july1914, warm cache")
        command = [sys.executable, "-m", "tripwire", "run", "july1914", "--trials", "1000", "--quiet"]
        _run_command(command, child_env(cache_dir))  # fills the cache when "cached" did not run
        walls, before = [], []
        for _ in range(settings.startup_repeats):
            text, wall = _run_command(command, child_env(cache_dir))
            walls.append(wall)
            found = re.search(r"start-up ([0-9.]+) s", text)
            if found:
                before.append(float(found.group(1)))
        out["run"] = {
            "process_wall_s": spread(walls),
            "before_first_trial_s": spread(before) if before else None,
        }
    return out


def _run_command(command: list[str], env: dict[str, str], timeout: float = 900) -> tuple[str, float]:
    """Run a command in a fresh process; its standard output and the wall seconds."""
    t0 = time.perf_counter()
    proc = subprocess.run(command, capture_output=True, text=True, env=env, timeout=timeout)
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        tail = "\n".join(proc.stderr.strip().splitlines()[-5:])
        raise RuntimeError(f"{' '.join(command[1:])} failed with exit code {proc.returncode}:\n{tail}")
    return proc.stdout, wall
