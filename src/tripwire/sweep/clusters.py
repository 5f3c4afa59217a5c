"""Batch clusters (SLURM, PBS) through dask-jobqueue: the cluster file, the job script and job
submission.

The job script that dask-jobqueue writes is changed in three ways: the prologue runs under
``set -e`` (a failing line stops the job instead of being ignored), a line checks that the
configured Python exists on the node and imports tripwire (a job in the wrong environment fails
at once, saying so, instead of starting workers that cannot run a task), and jobs are named
``tripwire`` unless the file names them. Submissions go through :mod:`tripwire.sweep.jobs`, which
records refused submissions and the jobs' ids for the driver's reports.
"""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import Field, ValidationError

from ..config import StrictModel, UniqueKeyLoader, format_errors
from ..defaults import SWEEP_QUEUE_CHECK_S
from ..errors import SweepError
from .signals import restore_sigint

#: Seconds between two looks at the batch queue (``squeue``, ``qstat``) while a sweep runs.
QUEUE_CHECK_S = SWEEP_QUEUE_CHECK_S
KINDS = ("slurm", "pbs")


class AdaptJobs(StrictModel):
    minimum_jobs: int = Field(0, ge=0)
    maximum_jobs: int = Field(ge=1)


class ClusterFile(StrictModel):
    """A batch-cluster file: ``cluster`` holds the keyword arguments of dask-jobqueue's
    ``SLURMCluster`` or ``PBSCluster`` (``python`` among them: the interpreter the jobs run, by
    default the driver's own path, which the nodes must then see too); ``jobs`` keeps that many
    batch jobs (a job that ends is resubmitted), ``adapt`` lets their number float between
    ``minimum_jobs`` and ``maximum_jobs``; ``queue_check_s`` is how often the driver looks at the
    queue."""

    cluster: dict[str, Any] = Field(default_factory=dict)
    jobs: int | None = Field(None, ge=1)
    adapt: AdaptJobs | None = None
    queue_check_s: float = Field(QUEUE_CHECK_S, ge=0.5)

    @property
    def workers_hint(self) -> int:
        jobs = self.adapt.maximum_jobs if self.adapt else (self.jobs or 1)
        return jobs * int(self.cluster.get("processes", 1))

    def describe_jobs(self) -> str:
        if self.adapt is not None:
            return f"{self.adapt.minimum_jobs} to {self.adapt.maximum_jobs} job(s) (adapting)"
        return f"{self.jobs or 1} job(s) (kept at {self.jobs or 1})"


def read_cluster_file(config: str | os.PathLike) -> ClusterFile:
    """Read and check a cluster file.

    Raises
    ------
    SweepError
        Not valid YAML, an unknown key, or both ``jobs`` and ``adapt``.
    FileNotFoundError
        No such file.
    """
    path = Path(config)
    if not path.is_file():
        raise FileNotFoundError(f"cluster file {str(path)!r} does not exist")
    try:
        data = yaml.load(path.read_text(), Loader=UniqueKeyLoader)  # noqa: S506 - safe loader subclass
        spec = ClusterFile.model_validate(data or {})
    except yaml.YAMLError as exc:
        raise SweepError(f"{path}: not valid YAML: {exc}") from None
    except ValidationError as exc:
        raise SweepError(f"{path}: {format_errors(exc)}") from None
    if spec.jobs is not None and spec.adapt is not None:
        raise SweepError(f"{path}: give either jobs (a fixed number) or adapt (a range), not both")
    return spec


def _import_jobqueue():
    """``import dask_jobqueue``, keeping this process's SIGINT handler (its ``runner`` module
    installs one that calls ``sys.exit()``)."""
    previous = signal.getsignal(signal.SIGINT)
    import dask_jobqueue

    restore_sigint(previous)
    return dask_jobqueue


def job_python(kind: str, options: dict[str, Any]) -> str:
    """The interpreter the jobs run: ``python`` of the cluster file, else dask-jobqueue's
    configuration, else the driver's own (``sys.executable``)."""
    import dask

    return str(options.get("python") or dask.config.get(f"jobqueue.{kind}.python", None) or sys.executable)


def job_prologue(python: str, lines: list[str]) -> list[str]:
    """The job script's prologue: ``set -e``, the file's lines, then a check of the Python."""
    # unquoted, as in dask-jobqueue's worker command: ~ and $HOME expand on the node
    check = (
        f'{python} -c "import tripwire" || {{ echo "tripwire: {python} on $(hostname) is missing or cannot '
        "import tripwire; set python in the cluster file to the Python of an environment with "
        'tripwire installed that every node can see" >&2; exit 1; }'
    )
    return ["set -e", *lines, check]


def jobqueue_cluster(
    kind: Literal["slurm", "pbs"], config: str | os.PathLike | ClusterFile
) -> tuple[Any, ClusterFile]:
    """Build a dask-jobqueue cluster from a cluster file, without submitting jobs.

    Parameters
    ----------
    kind
        ``slurm`` or ``pbs``.
    config
        A cluster file (YAML, see ``configs/cluster/``) or a :class:`ClusterFile`.

    Returns
    -------
    (cluster, ClusterFile)
        The cluster (its scheduler runs in this process; no job is submitted until
        :func:`start_jobs`) and the file's settings. ``cluster.job_script()`` shows the batch
        script each job runs; close the cluster when done (``with cluster: ...``).

    Raises
    ------
    SweepError
        An invalid file or an option the cluster class does not take.

    Examples
    --------
    >>> import tripwire
    >>> slurm = "configs/cluster/slurm.yaml"
    >>> cluster, spec = tripwire.sweep.jobqueue_cluster("slurm", slurm)  # doctest: +SKIP
    >>> print(cluster.job_script())  # doctest: +SKIP
    >>> cluster.close()  # doctest: +SKIP
    """
    from .jobs import JobRegistry, tracked_job_class

    if kind not in KINDS:
        raise SweepError(f"unknown cluster kind {kind!r}; kinds: {', '.join(KINDS)}")
    spec = config if isinstance(config, ClusterFile) else read_cluster_file(config)
    label = "cluster file" if isinstance(config, ClusterFile) else str(config)
    dask_jobqueue = _import_jobqueue()
    cls = {"slurm": dask_jobqueue.SLURMCluster, "pbs": dask_jobqueue.PBSCluster}[kind]
    options = dict(spec.cluster)
    python = job_python(kind, options)
    options["python"] = python
    prologue = options.pop("job_script_prologue", None)
    if prologue is None:
        import dask

        prologue = dask.config.get(f"jobqueue.{kind}.job-script-prologue", None) or []
    if isinstance(prologue, str):
        prologue = [prologue]
    options["job_script_prologue"] = job_prologue(python, [str(line) for line in prologue])
    options.setdefault("job_name", "tripwire")
    registry = JobRegistry()
    try:
        cluster = cls(job_cls=tracked_job_class(cls.job_cls, registry), **options)
    except (TypeError, ValueError, RuntimeError) as exc:
        raise SweepError(
            f"{label}: cluster: {cls.__name__} rejected the options: {exc}; "
            "see the dask-jobqueue documentation for its keyword arguments"
        ) from None
    cluster.tripwire_jobs = registry
    return cluster, spec


def submit_command(cluster) -> str | None:
    """The batch system's submit command (``sbatch``, ``qsub``) of a jobqueue cluster."""
    command = getattr(cluster.job_cls, "submit_command", None)
    return command.split()[0] if command else None


def start_jobs(cluster, spec: ClusterFile) -> None:
    """Ask for the batch jobs of a :func:`jobqueue_cluster` (fixed ``jobs`` or ``adapt``). The
    submissions happen in the background; :class:`tripwire.sweep.jobs.JobWatch` reports them.

    Raises
    ------
    SweepError
        The batch system's submit command (``sbatch``, ``qsub``) is not on ``PATH``.
    """
    import shutil

    command = submit_command(cluster)
    if command and shutil.which(command) is None:
        raise SweepError(
            f"{command!r} was not found on PATH, so no batch job can be submitted; run the sweep "
            "on a login node of the cluster, or use a local cluster (--workers) or --scheduler"
        )
    if spec.adapt is not None:
        cluster.adapt(minimum_jobs=spec.adapt.minimum_jobs, maximum_jobs=spec.adapt.maximum_jobs)
    else:
        cluster.scale(jobs=spec.jobs or 1)
