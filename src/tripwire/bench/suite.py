"""The whole suite: :func:`run_suite` runs the sections of a :class:`Settings` and returns the report."""

from __future__ import annotations

import os
import tempfile
import time
from dataclasses import asdict
from typing import Any

from ..world.synthetic import network_world
from .engines import TripwireEngine
from .report import SCHEMA, _jsonable, _notes, machine_info
from .sections import _thread_scaling, cascade_section, scaling_section, scenario_section, startup_section
from .settings import FULL, Settings
from .timing import Log, _load, _quiet


def _process_cache() -> str | None:
    """The kernel cache root of this process (``TRIPWIRE_CACHE_DIR`` for the fresh processes), or
    ``None`` when caching is off: the fresh processes then load what this process compiled."""
    from ..kernels import accelerate

    return os.path.dirname(accelerate.CACHE_DIR) if accelerate.CACHE else None


def run_suite(settings: Settings = FULL, *, log: Log = _quiet) -> dict[str, Any]:
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
        "load": {"start": _load()},
        "section_s": {},
        "skipped": [],
        "notes": [],
    }
    with tempfile.TemporaryDirectory(prefix="tripwire-bench-") as root:
        cache = os.path.join(root, "kernel-cache")
        os.mkdir(cache)
        if "startup" in settings.sections:
            t0 = time.perf_counter()
            report["load"]["startup"] = _load()
            report["startup"] = startup_section(settings, cache, log)
            report["section_s"]["startup"] = time.perf_counter() - t0
        if not ("startup" in settings.sections and {"cached", "run"} & set(settings.startup)):
            cache = _process_cache() or cache  # nothing filled the temporary cache
        report["machine"] = machine_info()
        from ..crisis.compile import compile_world

        warm = TripwireEngine(compile_world(network_world("blocs", 16)), 1).warm_up()
        report["first_call_in_process"] = {"seconds": warm}
        for section in ("cascade", "scenarios", "scaling", "horizon"):
            if section not in settings.sections:
                continue
            t0 = time.perf_counter()
            report["load"][section] = _load()
            log(f"[{section}] load average {report['load'][section]}")
            if section == "cascade":
                report["cascade"] = cascade_section(settings, log, report["skipped"])
            elif section == "scenarios":
                report["scenarios"] = scenario_section(settings, log, report["skipped"])
            elif section == "horizon":
                from .horizon import horizon_section

                report["horizon"] = horizon_section(settings, cache, log)
            else:
                report["scaling"] = scaling_section(settings, cache, log)
            report["section_s"][section] = time.perf_counter() - t0
    if "scaling" in report:
        report["scaling"]["threads"] = _thread_scaling(report)
    report["load"]["end"] = _load()
    report["elapsed_s"] = time.perf_counter() - t_start
    report["notes"] = _notes(report)
    return _jsonable(report)
