"""Batch clusters (SLURM, PBS) through dask-jobqueue: the cluster file and job submission."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import Field, ValidationError

from ..errors import SweepError
from ..world.model import StrictModel, UniqueKeyLoader, format_errors


class AdaptJobs(StrictModel):
    minimum_jobs: int = Field(0, ge=0)
    maximum_jobs: int = Field(ge=1)


class ClusterFile(StrictModel):
    """A batch-cluster file: ``cluster`` holds the keyword arguments of dask-jobqueue's
    ``SLURMCluster`` or ``PBSCluster``; ``jobs`` fixes the number of batch jobs, ``adapt`` lets
    it float between ``minimum_jobs`` and ``maximum_jobs``."""

    cluster: dict[str, Any] = Field(default_factory=dict)
    jobs: int | None = Field(None, ge=1)
    adapt: AdaptJobs | None = None

    @property
    def workers_hint(self) -> int:
        jobs = self.adapt.maximum_jobs if self.adapt else (self.jobs or 1)
        return jobs * int(self.cluster.get("processes", 1))


def jobqueue_cluster(kind: Literal["slurm", "pbs"], config: str | os.PathLike) -> tuple[Any, ClusterFile]:
    """Build a dask-jobqueue cluster from a YAML file, without submitting jobs.

    Parameters
    ----------
    kind
        ``slurm`` or ``pbs``.
    config
        A :class:`ClusterFile` YAML (see ``configs/cluster/``).

    Returns
    -------
    (cluster, ClusterFile)
        The cluster (its scheduler runs here; no job is submitted until :func:`start_jobs`) and
        the file's settings. ``cluster.job_script()`` shows the batch script it would submit.

    Raises
    ------
    SweepError
        An invalid file or an option the cluster class does not take.
    """
    import dask_jobqueue

    classes = {"slurm": dask_jobqueue.SLURMCluster, "pbs": dask_jobqueue.PBSCluster}
    if kind not in classes:
        raise SweepError(f"unknown cluster kind {kind!r}; kinds: {', '.join(classes)}")
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
    cls = classes[kind]
    try:
        cluster = cls(**spec.cluster)
    except (TypeError, ValueError, RuntimeError) as exc:
        raise SweepError(
            f"{path}: cluster: {cls.__name__} rejected the options: {exc}; "
            "see the dask-jobqueue documentation for its keyword arguments"
        ) from None
    return cluster, spec


def start_jobs(cluster, spec: ClusterFile) -> None:
    """Submit the batch jobs of a :func:`jobqueue_cluster` (fixed ``jobs`` or ``adapt``).

    Raises
    ------
    SweepError
        The batch system's submit command (``sbatch``, ``qsub``) is not on ``PATH``.
    """
    import shutil

    command = getattr(cluster.job_cls, "submit_command", None)
    if command and shutil.which(command.split()[0]) is None:
        raise SweepError(
            f"{command.split()[0]!r} was not found on PATH, so no batch job can be submitted; run the sweep "
            "on a login node of the cluster, or use a local cluster (--workers) or --scheduler"
        )
    if spec.adapt is not None:
        cluster.adapt(minimum_jobs=spec.adapt.minimum_jobs, maximum_jobs=spec.adapt.maximum_jobs)
    else:
        cluster.scale(jobs=spec.jobs or 1)
