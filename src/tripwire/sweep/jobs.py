"""Watching the batch jobs of a SLURM or PBS sweep: what was submitted, refused, is pending,
running or gone, and keeping the number of jobs the cluster file asks for.

dask-jobqueue submits jobs in the background and forgets them: a refused submission is an error in
a task nobody awaits, a job that ends (walltime, preemption, ``scancel``) is not replaced when the
number of jobs is fixed, and a job whose workers never start is indistinguishable from one still
queued. :func:`tracked_job_class` records every submission and refusal; :class:`JobWatch`, called
by the driver about once a second, looks at the queue (``squeue``, ``qstat``) every
``queue_check_s`` seconds, resubmits jobs that ended, and raises :class:`~tripwire.errors.ClusterError`
when the batch system refuses the jobs or jobs keep ending before their workers connect while no
worker is alive.
"""

from __future__ import annotations

import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..defaults import SWEEP_FAILED_STARTS
from ..errors import ClusterError

#: Jobs ending before any of their workers connected, in a row with no worker alive, before the
#: sweep stops (one could be a node failure; three in a row is the environment or the prologue).
FAILED_STARTS = SWEEP_FAILED_STARTS

PENDING = {"PENDING", "CONFIGURING", "REQUEUED", "REQUEUE_HOLD", "REQUEUE_FED", "RESIZING", "SUSPENDED"}
RUNNING = {"RUNNING", "COMPLETING", "STAGE_OUT", "SIGNALING"}
_PBS_STATES = {"Q": "PENDING", "H": "PENDING", "W": "PENDING", "T": "PENDING", "S": "SUSPENDED"}
_PBS_STATES.update({"R": "RUNNING", "E": "COMPLETING", "B": "RUNNING", "C": "COMPLETED", "F": "COMPLETED"})


class JobRegistry:
    """What the tracked jobs of one cluster did: ids by job name, refusals (with the batch
    system's message), and the ids of jobs closed on purpose (scaled down, or the cluster closing)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.submitted: dict[str, str] = {}
        self.refused: list[tuple[str, str]] = []
        self.closed: set[str] = set()

    def snapshot(self) -> tuple[dict[str, str], list[tuple[str, str]], set[str]]:
        with self._lock:
            return dict(self.submitted), list(self.refused), set(self.closed)

    def _submit(self, name: str, job_id: str) -> None:
        with self._lock:
            self.submitted[name] = job_id

    def _refuse(self, name: str, message: str) -> None:
        with self._lock:
            self.refused.append((name, message))

    def _close(self, job_id: str) -> None:
        with self._lock:
            self.closed.add(job_id)


def _id_order(job_id: str) -> tuple:
    head = job_id.split(".")[0]
    return (0, int(head), job_id) if head.isdigit() else (1, 0, job_id)


def scheduler_message(exc: BaseException) -> str:
    """The batch system's own words from dask-jobqueue's error for a failed command."""
    text = str(exc)
    if "stderr:" in text:
        err = text.split("stderr:", 1)[1].strip()
        out = text.split("stdout:", 1)[1].split("stderr:", 1)[0].strip() if "stdout:" in text else ""
        code = text.split("Exit code:", 1)[1].split("\n", 1)[0].strip() if "Exit code:" in text else "?"
        words = err or out or "(no message)"
        return f"{words} (exit code {code})"
    return f"{type(exc).__name__}: {text}"


def tracked_job_class(base: type, registry: JobRegistry) -> type:
    """A subclass of a dask-jobqueue job class that records its submission in ``registry``.

    A refused submission is recorded, not raised: raised, it would end up in a background task
    nobody awaits (and be logged as such), while the driver reads it from the registry.
    """
    from distributed.core import Status

    class TrackedJob(base):
        async def start(self):
            try:
                await super().start()
            except Exception as exc:  # the batch system refused it
                registry._refuse(str(self.name), scheduler_message(exc))
                self.status = Status.running  # nothing to wait for; closing it cancels nothing
                return
            registry._submit(str(self.name), str(self.job_id))

        async def close(self):
            if self.job_id:
                registry._close(str(self.job_id))
            await super().close()

    TrackedJob.__name__ = TrackedJob.__qualname__ = base.__name__
    return TrackedJob


def queue_states(kind: str, ids: list[str], timeout: float = 30.0) -> dict[str, str] | None:
    """The queue state of each job still in the queue (``PENDING``, ``RUNNING``, ...), by job id;
    jobs no longer in the queue are absent. ``None`` when the queue could not be read."""
    if not ids:
        return {}
    if kind == "slurm":
        cmd = ["squeue", "--noheader", "--format=%i %T", "--jobs=" + ",".join(ids)]
    else:
        cmd = ["qstat", *ids]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    states: dict[str, str] = {}
    if kind == "slurm":
        if proc.returncode != 0:
            # squeue refuses a list of ids that have all left the queue
            return {} if "invalid job id" in proc.stderr.lower() else None
        for line in proc.stdout.splitlines():
            parts = line.split()
            if len(parts) >= 2:
                states[parts[0]] = parts[1].upper()
        return states
    wanted = {i.split(".")[0]: i for i in ids}
    for line in proc.stdout.splitlines():
        parts = line.split()
        if len(parts) >= 5 and parts[0].split(".")[0] in wanted:
            states[wanted[parts[0].split(".")[0]]] = _PBS_STATES.get(parts[4], parts[4])
    if proc.returncode != 0 and not states and "unknown job id" not in proc.stderr.lower():
        return None
    return states


@dataclass
class JobCounts:
    """Jobs by state, for reports."""

    running: int = 0
    pending: int = 0
    refused: int = 0
    failed_starts: int = 0
    ended: int = 0
    resubmitted: int = 0
    ids_pending: list[str] = field(default_factory=list)

    def line(self) -> str:
        failed = self.refused + self.failed_starts
        text = f"jobs: {self.running} running, {self.pending} pending, {failed} failed"
        extra = []
        if self.ended:
            extra.append(f"{self.ended} ended")
        if self.resubmitted:
            extra.append(f"{self.resubmitted} resubmitted")
        return text + (f" ({', '.join(extra)})" if extra else "")


class JobWatch:
    """Watch and keep the jobs of a cluster from :func:`tripwire.sweep.clusters.jobqueue_cluster`.

    Parameters
    ----------
    cluster
        The dask-jobqueue cluster (carrying ``tripwire_jobs``, its :class:`JobRegistry`).
    kind
        ``slurm`` or ``pbs``.
    queue_check_s
        Seconds between looks at the queue.
    jobs
        The fixed number of jobs to keep (``None`` when the cluster adapts: dask's ``Adaptive``
        then asks for new jobs itself).
    say
        Called with a line when jobs are submitted.
    warn
        Called with a line for things that do not stop the sweep (a refused extra job, a job that
        ended and was resubmitted).
    """

    def __init__(
        self,
        cluster,
        kind: str,
        *,
        queue_check_s: float,
        jobs: int | None = None,
        say: Callable[[str], None],
        warn: Callable[[str], None],
    ):
        self.cluster = cluster
        self.kind = kind
        self.registry: JobRegistry = cluster.tripwire_jobs
        self.queue_check_s = queue_check_s
        self.jobs = jobs
        self.say = say
        self.warn = warn
        self._announced: set[str] = set()
        self._last_check = -float("inf")
        self._states: dict[str, str] = {}
        self._ever_connected: set[str] = set()  # job ids
        self._refused_seen = 0
        self._failed_in_a_row: list[tuple[str, str]] = []  # (name, job id)
        self.counts = JobCounts()
        self._queue_failed_warned = False
        self._started: set[str] = set()  # job names seen submitted

    # -- on the cluster's event loop ----------------------------------------------------------------
    async def _inspect(self, gone: list[str]) -> dict[str, Any]:
        c = self.cluster
        # a job gone from the queue, or dropped by dask after its workers left, is forgotten under
        # its name and replaced by a job of a new name (dask still runs a timer on the old name,
        # which would cancel a replacement of the same name that has not connected yet)
        lost = [n for n in c.worker_spec if n in self._started and n not in c.workers]
        for name in [*gone, *lost]:
            c.workers.pop(name, None)  # left the queue: nothing to cancel
            c.worker_spec.pop(name, None)
        replaced = 0
        if (gone or lost) and str(getattr(c.status, "name", "")) == "running" and self.jobs is not None:
            while len(c.worker_spec) < self.jobs:
                c.worker_spec.update(c.new_worker_spec())
                replaced += 1
            c._correct_state()  # submit them
        self._started.update(c.workers)
        return {
            "jobs": {n: getattr(j, "job_id", None) for n, j in c.workers.items()},
            "groups": {n: list(s.get("group", [""])) for n, s in c.worker_spec.items()},
            "resubmitted": replaced,
        }

    # -- from the driver ---------------------------------------------------------------------------
    def tick(self, worker_names: set[str], now: float | None = None) -> None:
        """Look at the jobs (and every ``queue_check_s``, the queue).

        Parameters
        ----------
        worker_names
            Names of the workers connected to the scheduler now.

        Raises
        ------
        ClusterError
            A refused submission, or :data:`FAILED_STARTS` jobs in a row that ended before their
            workers connected, while no worker is alive.
        """
        now = time.monotonic() if now is None else now
        submitted, refused, closed = self.registry.snapshot()
        state = self.cluster.sync(self._inspect, [])
        self.counts.resubmitted += state["resubmitted"]
        alive_jobs = {
            name
            for name, group in state["groups"].items()
            if any(f"{name}{suffix}" in worker_names for suffix in group)
        }
        self._ever_connected |= {state["jobs"][n] for n in alive_jobs if state["jobs"].get(n)}
        if alive_jobs:
            self._failed_in_a_row.clear()
        new = sorted((i for i in submitted.values() if i not in self._announced), key=_id_order)
        if new:
            self._announced.update(new)
            self.say(f"submitted {self.kind} job(s) {', '.join(new)}")
        for _name, message in refused[self._refused_seen :]:
            if not worker_names:
                raise ClusterError(
                    f"the batch system refused the {self.kind} job: {message}\n"
                    "Fix the cluster file (queue/partition, account, limits on cores, memory or walltime; "
                    "`tripwire sweep ... --dry-run` prints the job script), then rerun the same command "
                    "to resume"
                )
            self.warn(f"a {self.kind} job was refused ({message}); carrying on with the jobs running")
        self._refused_seen = len(refused)
        self.counts.refused = len(refused)

        ids = {name: job_id for name, job_id in state["jobs"].items() if job_id}
        if now - self._last_check >= self.queue_check_s and ids:
            self._last_check = now
            states = queue_states(self.kind, sorted(set(ids.values())))
            if states is None:
                if not self._queue_failed_warned:
                    self.warn(
                        f"could not read the {self.kind} queue; job states are reported from the workers"
                    )
                    self._queue_failed_warned = True
            else:
                self._states = states
                gone = [
                    name
                    for name, job_id in ids.items()
                    if (job_id not in states or states[job_id] not in PENDING | RUNNING)
                    and name not in alive_jobs
                    and job_id not in closed
                ]
                if gone:
                    self._handle_gone(gone, ids, worker_names)
                    state = self.cluster.sync(self._inspect, gone)
                    ids = {name: job_id for name, job_id in state["jobs"].items() if job_id}
                    self.counts.resubmitted += state["resubmitted"]
        running = pending = 0
        pending_ids = []
        for name, job_id in ids.items():
            queue_state = self._states.get(job_id)
            if name in alive_jobs or queue_state in RUNNING:
                running += 1
            else:
                pending += 1
                pending_ids.append(job_id)
        self.counts.running, self.counts.pending = running, pending
        self.counts.ids_pending = sorted(pending_ids, key=_id_order)

    def _handle_gone(self, gone: list[str], ids: dict[str, str], worker_names: set[str]) -> None:
        for name in gone:
            job_id = ids[name]
            if job_id in self._ever_connected:
                self.counts.ended += 1
                self.warn(
                    f"{self.kind} job {job_id} ended (walltime, preemption or cancelled); submitting another"
                )
            else:
                self.counts.failed_starts += 1
                self._failed_in_a_row.append((name, job_id))
        if len(self._failed_in_a_row) >= FAILED_STARTS and not worker_names:
            name, job_id = self._failed_in_a_row[-1]
            raise ClusterError(
                f"{len(self._failed_in_a_row)} {self.kind} jobs in a row ended before their workers "
                f"connected (the last: job {job_id}).{self._log_tail(job_id)}\n"
                "Check the cluster file's python and job_script_prologue (`tripwire sweep ... --dry-run` "
                "prints the job script); rerun the same command to resume"
            )
        if self._failed_in_a_row:
            self.warn(
                f"{self.kind} job {self._failed_in_a_row[-1][1]} ended before its workers connected; "
                "submitting another"
            )

    def _log_tail(self, job_id: str, lines: int = 6) -> str:
        folder = getattr(self.cluster._dummy_job, "log_directory", None)
        if not folder:
            return " (no log_directory in the cluster file, so no job log to show)"
        files = sorted(p for p in Path(folder).glob(f"*{job_id}*") if p.is_file())
        files.sort(key=lambda p: ("err" not in p.name.lower() and ".e" not in p.name.lower(), p.name))
        for path in files:
            try:
                text = path.read_text(errors="replace").strip().splitlines()
            except OSError:
                continue
            if text:
                tail = "\n".join("    " + line for line in text[-lines:])
                return f" Its log {path} ends with:\n{tail}"
        return f" No log of job {job_id} was found in {folder}."

    def waiting(self) -> str:
        """Why no worker may be alive, for the worker-timeout message."""
        c = self.counts
        parts = [c.line()]
        if c.ids_pending:
            shown = ", ".join(c.ids_pending[:6]) + (" ..." if len(c.ids_pending) > 6 else "")
            parts.append(
                f"still queued: {shown} (`{'squeue -j' if self.kind == 'slurm' else 'qstat'} ID` says why; "
                "a long queue needs a longer --worker-timeout)"
            )
        if c.running and not c.ids_pending:
            parts.append(
                "jobs run but their workers do not connect: check the job logs and the network "
                "interface (`interface:` in the cluster file)"
            )
        return "; ".join(parts)
