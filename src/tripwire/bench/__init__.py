"""The benchmark suite behind ``tripwire bench`` and ``python benchmarks/run.py``.

Sections (each a function of :class:`Settings`, all run by :func:`run_suite`):

``cascade``
    The independent-cascade configuration of tripwire (``docs/model.md``,
    :func:`tripwire.world.synthetic.independent_cascade`), with each of its joining closures, side
    by side with CyNetDiff, NDlib and pynetim on the same directed graphs, edge probabilities and
    seed-pair distribution: cascades per second, examined edges and draws per cascade, random edge
    tries per second and the ratios, and each network's perfect-kernel bound (:mod:`.ceiling`). A
    ratio is given only when the mean cascade sizes of the two engines agree within :data:`K_SE`
    standard errors.
``scenarios``
    The full model on every bundled scenario: trials per second on 1 and 2 threads (the chosen
    closure) and of every other closure on 1 thread.
``scaling``
    Time against trials, peak memory against trials (one fresh process per size), time against
    network size, and 1 against 2 threads.
``startup``
    ``import tripwire`` time, first-call compile time and cached start-up (fresh processes).
``horizon``
    The long-horizon kernel (:mod:`.horizon`): trial-years per second on its scenarios on 1 and 2
    threads, crises per second against the crisis kernel on the same world, memory against
    histories.

Peers are imported lazily; a peer that is not installed is skipped with a message that says how
to install it (``pip install 'tripwire[bench]'``). The report is a plain dict that
:func:`render` prints as tables and that ``json.dump`` writes as is (see :data:`SCHEMA`).

The modules, one idea each:

``settings``
    :class:`Settings`, the presets :data:`FULL` and :data:`QUICK`, the section and peer names.
``stats``
    :class:`SizeStats`, the :func:`agreement` test (:data:`K_SE`) and :func:`spread` of repeats.
``engines``
    The peers' graph (:func:`peer_graph`), tripwire's closures (:data:`CLOSURES`) and the
    engines: :class:`TripwireEngine`, :class:`CyNetDiffEngine`,
    :class:`CyNetDiffBatchEngine`, :class:`NDlibEngine`, :class:`PynetimEngine`.
``ceiling``
    The perfect-kernel bound: the cost of a draw and compare, of a trial's origin draw and
    tallies, and :func:`bound`.
``timing``
    Calibration of trial counts, timed repeats, thread counts and the load average.
``sections``
    :func:`compare_engines` and the four sections, with the code their fresh processes run.
``report``
    :func:`machine_info`, the notes, the JSON form, :func:`check_report` and :func:`render`.
``suite``
    :func:`run_suite`.
"""

from ..world.synthetic import independent_cascade, network_world
from .ceiling import bound, draw_ns, overhead_ns
from .engines import (
    CLOSURES,
    INSTALL_HINT,
    PEER_ENGINES,
    CyNetDiffBatchEngine,
    CyNetDiffEngine,
    NDlibEngine,
    PeerGraph,
    PeerUnavailable,
    PynetimEngine,
    Run,
    TripwireEngine,
    peer_graph,
)
from .report import SCHEMA, check_report, machine_info, render
from .sections import cascade_section, compare_engines, scaling_section, scenario_section, startup_section
from .settings import FULL, PEERS, QUICK, SECTIONS, STARTUP_PARTS, Settings
from .stats import K_SE, SizeStats, agreement, spread
from .suite import run_suite
from .timing import Log

__all__ = [
    "SCHEMA",
    "K_SE",
    "SECTIONS",
    "STARTUP_PARTS",
    "PEERS",
    "INSTALL_HINT",
    "Settings",
    "FULL",
    "QUICK",
    "SizeStats",
    "agreement",
    "spread",
    "independent_cascade",
    "network_world",
    "CLOSURES",
    "bound",
    "draw_ns",
    "overhead_ns",
    "PeerGraph",
    "peer_graph",
    "Run",
    "TripwireEngine",
    "CyNetDiffEngine",
    "CyNetDiffBatchEngine",
    "NDlibEngine",
    "PynetimEngine",
    "PEER_ENGINES",
    "PeerUnavailable",
    "Log",
    "compare_engines",
    "cascade_section",
    "scenario_section",
    "scaling_section",
    "startup_section",
    "machine_info",
    "run_suite",
    "check_report",
    "render",
]
