"""The whole suite: :func:`run_suite` runs the sections of a :class:`Settings` and returns the report."""

from __future__ import annotations

import os
import sys
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

_CACHE_ENV = ("TRIPWIRE_NUMBA_CACHE", "NUMBA_CACHE_DIR")


def run_suite(settings: Settings = FULL, *, log: Log = _quiet, reuse_cache: bool = False) -> dict[str, Any]:
    """Run the sections of ``settings`` and return the report (a JSON-ready dict).

    Sections run in the order ``startup, cascade, scenarios, scaling`` (start-up first, so that its
    *cold* cache is really empty); the kernel is compiled once in this process before the timed
    sections. The fresh processes of the start-up and memory measurements share a temporary numba
    cache, removed at the end.

    Parameters
    ----------
    settings
        What to measure (:data:`FULL`, :data:`QUICK` or your own :class:`Settings`).
    log
        Called with a short line before each measurement.
    reuse_cache
        When numba is not imported yet in this process, load the kernel in this process from the
        cache the start-up section wrote instead of compiling it again (the machine code is the
        same). Meant for a process that ends with the suite (``tripwire bench``): numba keeps the
        cache settings for the rest of the process.

    Examples
    --------
    >>> from dataclasses import replace
    >>> from tripwire.bench import QUICK
    >>> tiny = replace(QUICK, sections=("cascade",), networks=(("blocs", 16),), peers=())
    >>> report = run_suite(tiny)  # doctest: +SKIP
    >>> report["schema"]  # doctest: +SKIP
    'tripwire-bench/1'
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
    saved_env = {k: os.environ.get(k) for k in _CACHE_ENV}
    with tempfile.TemporaryDirectory(prefix="tripwire-bench-") as root:
        cache = os.path.join(root, "numba-cache")
        os.mkdir(cache)
        try:
            if "startup" in settings.sections:
                t0 = time.perf_counter()
                report["load"]["startup"] = _load()
                report["startup"] = startup_section(settings, cache, log)
                report["section_s"]["startup"] = time.perf_counter() - t0
            from_cache = bool(reuse_cache and "numba" not in sys.modules and os.listdir(cache))
            if from_cache:
                os.environ["TRIPWIRE_NUMBA_CACHE"] = "1"
                os.environ["NUMBA_CACHE_DIR"] = cache
            report["machine"] = machine_info()
            from ..crisis.compile import compile_world

            warm = TripwireEngine(compile_world(network_world("blocs", 16)), 1).warm_up()
            report["first_call_in_process"] = {"seconds": warm, "from_cache": from_cache}
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
        finally:
            for key, value in saved_env.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value
    if "scaling" in report:
        report["scaling"]["threads"] = _thread_scaling(report)
    report["load"]["end"] = _load()
    report["elapsed_s"] = time.perf_counter() - t_start
    report["notes"] = _notes(report)
    return _jsonable(report)
