"""What the benchmark suite measures: :class:`Settings` and the two presets :data:`FULL` and :data:`QUICK`."""

from __future__ import annotations

from dataclasses import dataclass

from ..world.synthetic import NETWORK_KINDS

SECTIONS = ("cascade", "scenarios", "scaling", "startup", "horizon")
STARTUP_PARTS = ("import", "first_call", "cached", "run")
PEERS = ("cynetdiff", "cynetdiff-batch", "ndlib", "pynetim")


@dataclass(frozen=True)
class Settings:
    """What the suite measures and how long each measurement runs.

    Parameters
    ----------
    name
        Label stored in the report (``full``, ``quick`` or your own).
    repeats
        Timed repeats per measurement; the report gives the median and the min-max.
    target_s
        Seconds each timed repeat should take; trial counts are calibrated per engine.
    networks
        ``(kind, states)`` pairs for the side-by-side comparison; kind is ``blocs``, ``alliance``
        (dense blocs, within-bloc reliabilities 0.3-0.9) or ``er``
        (:func:`tripwire.world.synthetic.network_world`).
    er_degree
        Mean degree of the Erdős–Rényi graphs.
    peers
        Peer engines to compare with (any of ``cynetdiff``, ``cynetdiff-batch``, ``ndlib``,
        ``pynetim``).
    tries_sample
        Cascades per peer, outside the timing, used to estimate the peer's edge tries per cascade.
    threads
        Thread counts for tripwire (those above numba's thread count are left out).
    scenarios
        Bundled scenarios to run (``None``: all of them, whatever is there at run time).
    scaling_trials
        Trial counts of the time-against-trials series (1 thread).
    memory_trials
        Trial counts of the peak-memory series (one fresh process each).
    size_sweep
        Bloc-network sizes of the time-against-network-size series (1 thread).
    startup
        Start-up measurements: ``import``, ``first_call`` (no cache), ``cached`` (cold, then warm)
        and ``run`` (a second ``tripwire run july1914`` in a fresh process).
    startup_repeats
        Fresh processes for the ``import`` measurement.
    sections
        Sections to run, in order (any of :data:`SECTIONS`).
    max_trials
        Cap on any calibrated trial count.
    horizon_scenarios
        Scenarios of the ``horizon`` section (the long-horizon kernel).
    horizon_memory_trials
        History counts of the long-horizon peak-memory series (one fresh process each).
    """

    name: str = "full"
    repeats: int = 3
    target_s: float = 1.0
    networks: tuple[tuple[str, int], ...] = (
        ("blocs", 64),
        ("blocs", 200),
        ("blocs", 1000),
        ("blocs", 5000),
        ("alliance", 200),
        ("er", 1000),
    )
    er_degree: float = 6.0
    peers: tuple[str, ...] = PEERS
    tries_sample: int = 2000
    threads: tuple[int, ...] = (1, 2)
    scenarios: tuple[str, ...] | None = None
    scaling_trials: tuple[int, ...] = (10**5, 10**6, 10**7)
    memory_trials: tuple[int, ...] = (10**5, 10**6, 10**7)
    size_sweep: tuple[int, ...] = (64, 200, 1000, 5000)
    startup: tuple[str, ...] = STARTUP_PARTS
    startup_repeats: int = 3
    sections: tuple[str, ...] = SECTIONS
    max_trials: int = 10**8
    horizon_scenarios: tuple[str, ...] = ("coldwar1955", "today")
    horizon_memory_trials: tuple[int, ...] = (10**3, 10**4, 10**5)

    def __post_init__(self) -> None:
        for name, values, valid in (
            ("sections", self.sections, SECTIONS),
            ("peers", self.peers, PEERS),
            ("startup", self.startup, STARTUP_PARTS),
            ("network kinds", [k for k, _ in self.networks], NETWORK_KINDS),
        ):
            bad = [v for v in values if v not in valid]
            if bad:
                raise ValueError(f"unknown {name} {bad}; valid: {', '.join(valid)}")
        if self.repeats < 1 or self.target_s <= 0 or self.startup_repeats < 1:
            raise ValueError(
                f"repeats, startup_repeats and target_s must be positive, saw repeats={self.repeats}, "
                f"startup_repeats={self.startup_repeats}, target_s={self.target_s}"
            )
        small = [n for _, n in self.networks if n < 4] + [n for n in self.size_sweep if n < 4]
        if small:
            raise ValueError(f"networks need at least 4 states, saw {small}")


#: The full suite: a few minutes on a 2-core machine.
FULL = Settings()
#: ``--quick``: about a minute on a 2-core machine. It leaves out the start-up measurements that
#: compile the kernel (``cached``, ``run``) and runs one long-horizon scenario.
QUICK = Settings(
    name="quick",
    repeats=3,
    target_s=0.15,
    networks=(("blocs", 64), ("blocs", 200), ("alliance", 200), ("er", 200)),
    tries_sample=300,
    scaling_trials=(10**4, 10**5, 10**6),
    memory_trials=(10**5, 10**6),
    size_sweep=(64, 200, 1000),
    startup=("import",),
    startup_repeats=2,
    horizon_scenarios=("coldwar1955",),
    horizon_memory_trials=(10**3,),
)
