"""The report: the machine it ran on, its notes, its JSON form and check, and its tables."""

from __future__ import annotations

import math
import os
import platform
from collections.abc import Iterable, Iterator
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

from .stats import K_SE

#: Version tag of the JSON report; bump it when the layout changes.
SCHEMA = "tripwire-bench/2"


# --------------------------------------------------------------------------------------------
# machine details


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _version(dist: str) -> str | None:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return None


def machine_info() -> dict[str, Any]:
    """CPU, cores, memory and the versions of Python, the engine and the peers."""
    import numba

    from .. import __version__
    from ..crisis.simulate import max_threads

    usable: int | None
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        usable = os.cpu_count()
    mem = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem = round(int(line.split()[1]) / 2**20, 1)
    except OSError:
        pass
    return {
        "cpu": _cpu_model(),
        "machine": platform.machine(),
        "cores": os.cpu_count(),
        "usable_cores": usable,
        "kernel_threads": max_threads(),
        "memory_gib": mem,
        "platform": platform.platform(),
        "python": platform.python_version(),
        "tripwire": __version__,
        "numba": numba.__version__,
        "numpy": np.__version__,
        "networkx": _version("networkx"),
        "cynetdiff": _version("cynetdiff"),
        "ndlib": _version("ndlib"),
        "pynetim": _version("pynetim"),
        "hostname": platform.node(),
    }


# --------------------------------------------------------------------------------------------
# notes and JSON


def report_notes(report: dict) -> list[str]:
    """The notes printed under a report: how to read its figures, and what disturbed them."""
    notes = [
        "Edge tries: edges examined out of the states drawn in (one per edge of each active state). "
        "tripwire counts them in the kernel; for the peers they are estimated as the mean over a "
        "sample of cascades (outside the timing) of the out-degrees of the activated states.",
        "Draws: random edge draws, defection draws included (an edge to a state already drawn in is "
        "examined without a draw); tripwire counts them in the kernel. CyNetDiff draws for every "
        "examined edge; NDlib's and pynetim's are not counted.",
        "Perfect-kernel bound: draws per cascade x the measured cost of one draw and compare, plus the "
        "measured cost of a trial's stream, an alias-table origin draw and the tallies at the same mean "
        "size; tripwire's cascades per second per thread as a fraction of it.",
        f"A ratio is printed only when the mean cascade sizes agree within {K_SE:g} standard errors.",
        "Timings are sensitive to other load on the machine; see the load averages.",
    ]
    busy = [v[0] for v in report["load"].values() if v]
    cores = report["machine"]["usable_cores"] or 1
    if busy and max(busy) > 0.5 * cores:
        notes.append(
            f"The 1-minute load average reached {max(busy):.2f} on {cores} usable cores: other work "
            "shared the machine, so rates (especially multi-threaded ones) are lower than on a quiet one."
        )
    return notes


def jsonable(obj: Any) -> Any:
    """``obj`` as plain JSON data: numpy scalars as Python numbers, tuples as lists, keys as strings,
    NaN and infinities as ``None``."""
    if isinstance(obj, dict):
        return {str(k): jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [jsonable(v) for v in obj]
    if isinstance(obj, np.integer):
        return int(obj)
    if isinstance(obj, np.floating | float):
        value = float(obj)
        return value if math.isfinite(value) else None
    if isinstance(obj, np.bool_):
        return bool(obj)
    return obj


def check_report(report: dict) -> None:
    """Raise ``ValueError`` naming what is missing when ``report`` is not a report of :data:`SCHEMA`.

    Use it before comparing reports from several machines.
    """
    problems = []
    if report.get("schema") != SCHEMA:
        problems.append(f"schema is {report.get('schema')!r}, expected {SCHEMA!r}")
    for key in ("settings", "machine", "load", "skipped", "notes", "elapsed_s"):
        if key not in report:
            problems.append(f"missing key {key!r}")
    for key in ("cpu", "cores", "python", "numba", "numpy", "tripwire"):
        if key not in report.get("machine", {}):
            problems.append(f"machine lacks {key!r}")
    for net in report.get("cascade", []):
        for key in ("network", "info", "engines", "comparisons"):
            if key not in net:
                problems.append(f"cascade entry lacks {key!r}")
        for e in net.get("engines", []):
            for key in (
                "engine",
                "threads",
                "closure",
                "trials",
                "cascades_per_s",
                "edge_tries_per_s",
                "tries_per_cascade",
                "draws_per_cascade",
                "mean_size",
            ):
                if key not in e:
                    problems.append(f"cascade engine entry lacks {key!r}")
            for key in ("median", "min", "max"):
                if key not in e.get("cascades_per_s", {}):
                    problems.append(f"cascades_per_s lacks {key!r}")
        for c in net.get("comparisons", []):
            for key in ("engine", "agree", "diff", "se", "ratio"):
                if key not in c:
                    problems.append(f"comparison lacks {key!r}")
            if c.get("ratio") is not None and not c.get("agree"):
                problems.append(f"{net.get('network')}: a ratio is given for engines that disagree")
            if not c.get("agree") and any(v is not None for v in (c.get("ratio_by_closure") or {}).values()):
                problems.append(f"{net.get('network')}: a closure ratio is given for engines that disagree")
        if "bound" in net:
            for key in ("draws_per_cascade", "draw_ns", "overhead_ns", "cascades_per_s", "fraction"):
                if key not in net["bound"]:
                    problems.append(f"{net.get('network')}: bound lacks {key!r}")
    for sc in report.get("scenarios", []):
        for run in sc.get("runs", []):
            for key in ("trials_per_s", "closure", "tries_per_trial", "draws_per_trial"):
                if key not in run:
                    problems.append(f"scenario {sc.get('scenario')} run lacks {key!r}")
    if "scaling" in report:
        for key in ("trials", "memory", "network_size", "threads"):
            if key not in report["scaling"]:
                problems.append(f"scaling lacks {key!r}")
    if problems:
        raise ValueError("not a tripwire benchmark report: " + "; ".join(problems))


# --------------------------------------------------------------------------------------------
# tables


def _rate(values: dict | None, unit: str = "") -> str:
    if not values:
        return "—"
    return f"{_si(values['median'])}{unit} ({_si(values['min'])}–{_si(values['max'])})"


def _si(x: float) -> str:
    for scale, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if abs(x) >= scale:
            return f"{x / scale:.3g}{suffix}"
    return f"{x:.3g}"


def _table(title: str, columns: tuple[str, ...], rows: Iterable[tuple], left: tuple[str, ...] = ()):
    """A rich table: a header of ``columns`` (right-justified except those in ``left``), then ``rows``."""
    from rich.table import Table

    t = Table(title=title)
    for col in columns:
        t.add_column(col, justify="left" if col in left else "right")
    for row in rows:
        t.add_row(*row)
    return t


def _closure(e: dict) -> str:
    if not e.get("closure"):
        return "—"
    return f"{e['closure']} (chosen)" if e.get("chosen") else e["closure"]


def _per_cascade(value: float | None, estimated: bool | None) -> str:
    if value is None:
        return "—"
    return f"{value:.1f}" + ("*" if estimated else "")


def _versus(c: dict | None) -> str:
    if c is None:
        return "baseline"
    if c["ratio"] is None:
        z = "∞" if c["z"] is None else f"{c['z']:+.1f}"
        return f"[red]disagree: Δ={c['diff']:+.3g} ({z} SE), no ratio[/red]"
    if c.get("kind") == "speedup":
        return f"{c['speedup']:.2f}× speed-up"
    if c.get("kind") == "closure":
        return f"{c['speedup']:.2f}× the chosen"
    by = {k: v for k, v in (c.get("ratio_by_closure") or {}).items() if v is not None}
    if len(by) > 1:
        return " · ".join(f"{k} {v:.2f}×" for k, v in by.items())
    return f"{c['ratio']:.2f}×"


def _cascade_rows(cascade: list[dict]) -> Iterator[tuple[str, ...]]:
    for net in cascade:
        info = net["info"]
        label = f"{net['network']} ({info.get('states')} st, {info.get('edges')} e)"
        comp = {(c["engine"], c["threads"], c.get("closure")): c for c in net["comparisons"]}
        for k, e in enumerate(net["engines"]):
            c = comp.get((e["engine"], e["threads"], e.get("closure")))
            tries = _rate(e["edge_tries_per_s_per_core"]) + ("*" if e.get("tries_estimated") else "")
            fraction = e.get("bound_fraction")
            yield (
                label if k == 0 else "",
                e["engine"],
                _closure(e),
                str(e["threads"]),
                f"{e['trials']:,}",
                _rate(e["cascades_per_s"]),
                _per_cascade(e.get("tries_per_cascade"), e.get("tries_estimated"))
                + " / "
                + _per_cascade(e.get("draws_per_cascade"), e.get("draws_estimated")),
                tries,
                f"{e['mean_size']:.3f} ± {e['se_size']:.3f}",
                "—" if fraction is None else f"{100 * fraction:.1f} %",
                _versus(c),
            )


def _bound_rows(cascade: list[dict]) -> Iterator[tuple[str, ...]]:
    for net in cascade:
        b = net.get("bound")
        if not b:
            continue
        chosen = net["info"].get("chosen_closure")
        fractions = " · ".join(
            f"{k}{' (chosen)' if k == chosen else ''} {100 * v:.1f} %" for k, v in b["fraction"].items()
        )
        yield (
            net["network"],
            _per_cascade(b["draws_per_cascade"], b.get("draws_estimated")),
            f"{b['draw_ns']:.2f}",
            f"{b['overhead_ns']:.1f}",
            f"{b['ns_per_cascade']:.1f}",
            _si(b["cascades_per_s"]),
            fractions,
        )


def _startup_rows(report: dict) -> Iterator[tuple[str, str]]:
    st = report.get("startup") or {}
    if "import" in st:
        v = st["import"]["import_s"]
        yield "import tripwire", f"{v['median'] * 1e3:.1f} ms ({v['min'] * 1e3:.1f}–{v['max'] * 1e3:.1f})"
    engine_import = [st[k]["import_engine_s"] for k in ("first_call", "cached_warm") if k in st]
    if engine_import:
        yield "then import the engine (numba, xarray, kernels)", f"{min(engine_import):.2f}"
    if "first_call" in st:
        yield "first call, no cache (compile)", f"{st['first_call']['first_call_s']:.2f}"
    for phase, what in (
        ("cold", "first call, empty cache (compile + write)"),
        ("warm", "first call, warm cache (load)"),
    ):
        if f"cached_{phase}" in st:
            f = st[f"cached_{phase}"]
            yield what, f"{f['first_call_s']:.2f}"
            yield f"  whole process, {phase} cache", f"{f['process_wall_s']:.2f}"
    if "run" in st:
        r = st["run"]
        if r["before_first_trial_s"]:
            yield (
                "tripwire run july1914 again: start to first trial",
                _median_range(r["before_first_trial_s"]),
            )
        yield "tripwire run july1914 again: whole process", _median_range(r["process_wall_s"])
    if "first_call_in_process" in report:
        f = report["first_call_in_process"]
        yield "first call in the benchmark process (compile or load the cache)", f"{f['seconds']:.2f}"


def _median_range(v: dict) -> str:
    return f"{v['median']:.2f} ({v['min']:.2f}–{v['max']:.2f})"


def render(report: dict, console) -> None:
    """Print ``report`` as rich tables on ``console``."""
    from rich.table import Table

    m = report["machine"]
    t = Table(title="machine", show_header=False)
    t.add_row("CPU", f"{m['cpu']} ({m['machine']})")
    t.add_row("cores", f"{m['cores']} ({m['usable_cores']} usable, {m['kernel_threads']} kernel threads)")
    t.add_row("memory", f"{m['memory_gib']} GiB" if m.get("memory_gib") else "?")
    t.add_row("Python / numba / numpy", f"{m['python']} / {m['numba']} / {m['numpy']}")
    t.add_row("tripwire", m["tripwire"])
    peers = ", ".join(f"{k} {m[k]}" for k in ("cynetdiff", "ndlib", "pynetim", "networkx") if m.get(k))
    t.add_row("peers", peers or "none installed")
    load = report["load"]
    t.add_row("load average (1, 5, 15 min)", f"start {load.get('start')} · end {load.get('end')}")
    t.add_row(
        "suite", f"{report['settings']['name']}, {report.get('elapsed_s', 0):.0f} s, {report['started']}"
    )
    console.print(t)

    columns: tuple[str, ...]
    rows: Iterator[tuple]
    if report.get("cascade"):
        columns = (
            "network",
            "engine",
            "closure",
            "thr",
            "trials",
            "cascades/s",
            "tries / draws per cascade",
            "edge tries/s/core",
            "mean size",
            "of bound",
            "tripwire 1 thr ÷ this",
        )
        title = "independent cascade, side by side (median over repeats, min–max)"
        console.print(
            _table(title, columns, _cascade_rows(report["cascade"]), left=("network", "engine", "closure"))
        )
        console.print("* estimated (see notes); — not counted", style="dim")
        rows = _bound_rows(report["cascade"])
        columns = (
            "network",
            "draws/cascade",
            "draw ns",
            "origin + tallies ns",
            "bound ns/cascade",
            "bound cascades/s",
            "tripwire 1 thr, fraction of the bound",
        )
        title = "perfect-kernel bound (draws × draw cost + origin + tallies)"
        console.print(_table(title, columns, rows, left=("network", "tripwire 1 thr, fraction of the bound")))

    if report.get("scenarios"):
        columns = (
            "scenario",
            "states",
            "edges",
            "closure",
            "threads",
            "trials/s",
            "tries/trial",
            "draws/trial",
            "edge tries/s/core",
            "participants",
        )
        rows = (
            (
                sc["scenario"] if k == 0 else "",
                str(sc["states"]) if k == 0 else "",
                str(sc["edges"]) if k == 0 else "",
                _closure(r),
                str(r["threads"]),
                _rate(r["trials_per_s"]),
                f"{r['tries_per_trial']:.1f}",
                f"{r['draws_per_trial']:.1f}",
                _rate(r["edge_tries_per_s_per_core"]),
                f"{r['mean_participants']:.2f}",
            )
            for sc in report["scenarios"]
            for k, r in enumerate(sc["runs"])
        )
        console.print(
            _table(
                "full model on the bundled scenarios (trials/s)", columns, rows, left=("scenario", "closure")
            )
        )

    if report.get("horizon"):
        from .horizon import render_horizon

        render_horizon(report["horizon"], console)

    sc = report.get("scaling")
    if sc:
        if sc["trials"]:
            rows = (
                (
                    f"{r['trials']:,}",
                    f"{r['seconds']['median']:.3f} ({r['seconds']['min']:.3f}–{r['seconds']['max']:.3f})",
                    f"{r['ns_per_trial']:.0f}",
                )
                for r in sc["trials"]
            )
            title = "time against trials (blocs200 cascade, 1 thread)"
            console.print(_table(title, ("trials", "seconds", "ns/trial"), rows))
        if sc["memory"]:
            columns = ("trials", "threads", "RSS after warm-up MiB", "peak RSS MiB", "growth MiB", "run s")
            rows = (
                (
                    f"{r['trials']:,}",
                    str(r["threads"]),
                    f"{r['rss_before_mb']:.1f}",
                    f"{r['peak_rss_mb']:.1f}",
                    f"{r['growth_mb']:.2f}",
                    f"{r['seconds']:.2f}",
                )
                for r in sc["memory"]
            )
            title = "peak memory against trials (fresh process each, RSS high-water mark)"
            console.print(_table(title, columns, rows))
        if sc["network_size"]:
            columns = (
                "network",
                "states",
                "edges",
                "tries/cascade",
                "cascades/s",
                "edge tries/s",
                "ns/edge try",
            )
            rows = (
                (
                    r["network"],
                    str(r["states"]),
                    str(r["edges"]),
                    f"{r['tries_per_cascade']:.1f}",
                    _rate(r["cascades_per_s"]),
                    _rate(r["edge_tries_per_s"]),
                    f"{r['ns_per_edge_try']:.1f}",
                )
                for r in sc["network_size"]
            )
            title = "time against network size (bloc networks, cascade, 1 thread)"
            console.print(_table(title, columns, rows))
        if sc["threads"]:
            columns = ("workload", "threads", "1 thread /s", "n threads /s", "speedup")
            rows = (
                (r["workload"], str(r["threads"]), _si(r["rate_1"]), _si(r["rate"]), f"{r['speedup']:.2f}×")
                for r in sc["threads"]
            )
            title = "threads (from the measurements above)"
            console.print(_table(title, columns, rows, left=("workload",)))

    if report.get("startup") or "first_call_in_process" in report:
        title = "start-up (fresh processes)"
        console.print(_table(title, ("what", "seconds"), _startup_rows(report), left=("what",)))

    for line in report.get("skipped", []):
        console.print(f"skipped: {line}", style="yellow", markup=False, highlight=False)
    for line in report.get("notes", []):
        console.print(f"note: {line}", style="dim", markup=False, highlight=False)
