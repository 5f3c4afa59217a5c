"""The whole suite: :func:`run_suite` runs the sections of a :class:`Settings` and returns the report."""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict
from typing import Any

from ..world.synthetic import network_world
from .engines import TripwireEngine
from .report import SCHEMA, jsonable, machine_info, report_notes
from .sections import cascade_section, scaling_section, scenario_section, startup_section, thread_scaling
from .settings import FULL, Settings
from .timing import Log, load_average, quiet


def _process_cache() -> str | None:
    """The kernel cache root of this process (``TRIPWIRE_CACHE_DIR`` for the fresh processes), or
    ``None`` when caching is off: the fresh processes then load what this process compiled."""
    from ..kernels import accelerate

    return os.path.dirname(accelerate.CACHE_DIR) if accelerate.CACHE else None


def _horizon_section(settings: Settings, cache: str, log: Log, skipped: list) -> dict[str, Any]:
    from .horizon import horizon_section

    return horizon_section(settings, cache, log)


#: The sections timed after start-up, in order: name -> ``(settings, kernel cache, log, skipped)``
#: -> the section's report.
TIMED_SECTIONS: dict[str, Callable[[Settings, str, Log, list], Any]] = {
    "cascade": lambda settings, cache, log, skipped: cascade_section(settings, log, skipped),
    "scenarios": lambda settings, cache, log, skipped: scenario_section(settings, log, skipped),
    "scaling": lambda settings, cache, log, skipped: scaling_section(settings, cache, log),
    "horizon": _horizon_section,
}


def run_suite(settings: Settings = FULL, *, log: Log = quiet) -> dict[str, Any]:
    """Run the sections of ``settings`` and return the report (a JSON-ready dict).

    Sections run in the order ``startup, cascade, scenarios, scaling`` (start-up first, so that its
    *cold* cache is really empty); the kernel is compiled once in this process before the timed
    sections (or loaded from the kernel cache). The fresh processes of the start-up and memory
    measurements share a temporary kernel cache, removed at the end; when no start-up measurement
    fills it (``--quick``), the memory measurements load this process's kernel cache instead.

    Parameters
    ----------
    settings
        What to measure (:data:`FULL`, :data:`QUICK` or your own :class:`Settings`).
    log
        Called with a short line before each measurement.

    Examples
    --------
    >>> from dataclasses import replace
    >>> from tripwire.bench import QUICK
    >>> tiny = replace(QUICK, sections=("cascade",), networks=(("blocs", 16),), peers=())
    >>> report = run_suite(tiny)  # doctest: +SKIP
    >>> report["schema"]  # doctest: +SKIP
    'tripwire-bench/2'
    """
    started = time.time()
    t_start = time.perf_counter()
    report: dict[str, Any] = {
        "schema": SCHEMA,
        "settings": asdict(settings),
        "started": time.strftime("%Y-%m-%dT%H:%M:%S%z", time.localtime(started)),
        "load": {"start": load_average()},
        "section_s": {},
        "skipped": [],
        "notes": [],
    }
    with tempfile.TemporaryDirectory(prefix="tripwire-bench-") as root:
        cache = os.path.join(root, "kernel-cache")
        os.mkdir(cache)
        if "startup" in settings.sections:
            t0 = time.perf_counter()
            report["load"]["startup"] = load_average()
            report["startup"] = startup_section(settings, cache, log)
            report["section_s"]["startup"] = time.perf_counter() - t0
        if not ("startup" in settings.sections and {"cached", "run"} & set(settings.startup)):
            cache = _process_cache() or cache  # nothing filled the temporary cache
        report["machine"] = machine_info()
        from ..crisis.compile import compile_world

        warm = TripwireEngine(compile_world(network_world("blocs", 16)), 1).warm_up()
        report["first_call_in_process"] = {"seconds": warm}
        for section, measure_section in TIMED_SECTIONS.items():
            if section not in settings.sections:
                continue
            t0 = time.perf_counter()
            report["load"][section] = load_average()
            log(f"[{section}] load average {report['load'][section]}")
            report[section] = measure_section(settings, cache, log, report["skipped"])
            report["section_s"][section] = time.perf_counter() - t0
    if "scaling" in report:
        report["scaling"]["threads"] = thread_scaling(report)
    report["load"]["end"] = load_average()
    report["elapsed_s"] = time.perf_counter() - t_start
    report["notes"] = report_notes(report)
    return jsonable(report)
