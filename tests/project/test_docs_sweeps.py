"""docs/sweeps.md and docs/cluster.md say what the code does: the Python example runs as the script it
is shown as, the documented entry points exist and return what is said, the cluster file of the
walk-through builds the job script described, and every command shown parses."""

import re
import shlex
import subprocess
import sys

import pytest

import tripwire
from tests.helpers.paths import REPO
from tripwire.cli import build_parser

SWEEPS = (REPO / "docs" / "sweeps.md").read_text()
CLUSTER = (REPO / "docs" / "cluster.md").read_text()
README = (REPO / "README.md").read_text()


def blocks(lang: str, text: str) -> list[str]:
    return re.findall(rf"```{lang}\n(.*?)```", text, flags=re.S)


def commands(text: str) -> list[list[str]]:
    """The ``tripwire ...`` commands of the bash blocks (continued lines joined, comments dropped)."""
    found = []
    for block in blocks("bash", text):
        for line in block.replace("\\\n", " ").splitlines():
            line = line.split("#")[0].strip()
            if line.startswith("tripwire ") and "..." not in line:
                found.append(shlex.split(line)[1:])
    return found


@pytest.mark.slow
def test_the_python_example_runs_as_a_script(tmp_path):
    (code,) = blocks("python", SWEEPS)
    store = re.search(r'store="([^"]+)"', code).group(1)
    assert store not in README  # its own store name, not one of the README's
    script = tmp_path / "reliability.py"
    script.write_text(code)
    done = subprocess.run(
        [sys.executable, str(script)], cwd=tmp_path, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stderr
    assert "treaties.reliability" in done.stdout  # the table of P(>= general war)
    assert (tmp_path / store / "zarr.json").exists()


def test_the_documented_entry_points_exist(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # the cluster makes its log folder here
    cluster, spec = tripwire.sweep.jobqueue_cluster("slurm", REPO / "configs" / "cluster" / "slurm.yaml")
    with cluster:
        assert "#SBATCH" in cluster.job_script() and len(cluster.workers) == 0
    assert isinstance(spec, tripwire.sweep.ClusterFile) and spec.adapt is not None
    assert callable(tripwire.sweep.start_jobs) and callable(tripwire.sweep.run_sweep)
    where = tripwire.sweep.Where(cluster="slurm", cluster_config="configs/cluster/slurm.yaml")
    where.check()
    for name in ("jobqueue_cluster", "start_jobs", "Where", "run_sweep", "ClusterFile", "open_sweep"):
        assert f"tripwire.sweep.{name}" in SWEEPS or f"tripwire.{name}" in SWEEPS, name


def test_the_walk_through_cluster_file_builds_the_job_script_it_describes(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (text,) = blocks("yaml", CLUSTER)
    path = tmp_path / "my-slurm.yaml"
    path.write_text(text)
    cluster, spec = tripwire.sweep.jobqueue_cluster("slurm", path)
    with cluster:
        script = cluster.job_script()
    assert spec.adapt.maximum_jobs == 8 and spec.workers_hint == 64
    assert "#SBATCH -p compute" in script and "#SBATCH -J tripwire" in script
    assert script.index("set -e") < script.index("module load python") < script.index('import tripwire"')
    assert "~/venvs/tripwire/bin/python -m distributed.cli.dask_worker" in script


@pytest.mark.parametrize("text", [SWEEPS, CLUSTER], ids=["sweeps.md", "cluster.md"])
def test_every_command_shown_parses(text):
    parser = build_parser()
    found = commands(text)
    assert found
    for argv in found:
        parser.parse_args(argv)  # an unknown option would exit
