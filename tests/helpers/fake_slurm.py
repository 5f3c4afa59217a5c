"""A stand-in SLURM for tests: ``sbatch``, ``squeue`` and ``scancel`` commands on ``PATH``.

dask-jobqueue's ``SLURMCluster`` submits with ``sbatch`` and cancels with ``scancel``; the sweep
driver reads job states with ``squeue``. This machine has no SLURM, so :func:`install` writes the
three commands (one Python script) into a folder; the mode file in the state folder says what
``sbatch`` does:

- ``refuse``: print SLURM's refusal for a bad account on stderr and exit 1;
- ``hold``: accept the job (``Submitted batch job N``) and keep it PENDING forever;
- ``run``: accept it and run the job script at once with ``bash`` in a session of its own, its
  output in the ``#SBATCH -o/-e`` files, so that its dask workers really start;
- ``run-failing``: like ``run``, but the job's first line is ``exit 3`` (a job whose environment
  is broken).

Every call is appended to ``calls.log``; submitted scripts are kept as ``job-N.sh``.
``scancel`` kills a running job's process group.
"""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path

SCRIPT = r"""#!{python}
import fcntl, json, os, re, signal, subprocess, sys, time
from pathlib import Path

STATE = Path({state!r})
name = Path(sys.argv[0]).name
with open(STATE / "calls.log", "a") as log:
    log.write(" ".join([name, *sys.argv[1:]]) + "\n")


def jobs():
    path = STATE / "jobs.json"
    return json.loads(path.read_text()) if path.exists() else {{}}


def locked(fn):
    with open(STATE / "lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        data = jobs()
        out = fn(data)
        (STATE / "jobs.json.tmp").write_text(json.dumps(data))
        os.replace(STATE / "jobs.json.tmp", STATE / "jobs.json")
        return out


def alive(pid):
    try:
        with open(f"/proc/{{pid}}/stat") as f:
            return f.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False


mode = (STATE / "mode").read_text().strip()
if name == "sbatch":
    if mode == "refuse":
        print("sbatch: error: Batch job submission failed: Invalid account or account/partition "
              "combination specified", file=sys.stderr)
        sys.exit(1)
    script = Path(sys.argv[-1]).read_text()

    def submit(data):
        job_id = str(1000 + len(data))
        (STATE / f"job-{{job_id}}.sh").write_text(script)
        data[job_id] = {{"state": "PENDING", "pid": None}}
        if mode.startswith("run"):
            text = script if mode == "run" else script.replace("set -e", "exit 3", 1)
            (STATE / f"run-{{job_id}}.sh").write_text(text)
            err = re.search(r"#SBATCH -e (\S+)", script)
            out = re.search(r"#SBATCH -o (\S+)", script)
            err = err.group(1).replace("%J", job_id) if err else str(STATE / f"{{job_id}}.err")
            out = out.group(1).replace("%J", job_id) if out else str(STATE / f"{{job_id}}.out")
            proc = subprocess.Popen(
                ["bash", str(STATE / f"run-{{job_id}}.sh")],
                stdout=open(out, "w"), stderr=open(err, "w"), stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
            data[job_id].update(state="RUNNING", pid=proc.pid)
        return job_id

    print(f"Submitted batch job {{locked(submit)}}")
elif name == "squeue":
    wanted = None
    for arg in sys.argv[1:]:
        if arg.startswith("--jobs="):
            wanted = arg.split("=", 1)[1].split(",")

    def look(data):
        rows = []
        for job_id, job in data.items():
            if job["state"] == "RUNNING" and not alive(job["pid"]):
                job["state"] = "COMPLETED"
            if job["state"] in ("PENDING", "RUNNING") and (wanted is None or job_id in wanted):
                rows.append(f"{{job_id}} {{job['state']}}")
        return rows

    rows = locked(look)
    if wanted is not None and not rows:
        print("slurm_load_jobs error: Invalid job id specified", file=sys.stderr)
        sys.exit(1)
    print("\n".join(rows))
elif name == "scancel":
    def cancel(data):
        for job_id in sys.argv[1:]:
            job = data.get(job_id)
            if job is None:
                continue
            if job["pid"] and alive(job["pid"]):
                try:
                    os.killpg(job["pid"], signal.SIGKILL)
                except ProcessLookupError:
                    pass
            job["state"] = "CANCELLED"

    locked(cancel)
"""


def install(folder: Path, mode: str) -> Path:
    """Write ``sbatch``, ``squeue`` and ``scancel`` into ``folder/bin`` (state in ``folder/state``)
    and return the bin folder, to put first on ``PATH``."""
    bin_dir, state = folder / "bin", folder / "state"
    bin_dir.mkdir(parents=True, exist_ok=True)
    state.mkdir(parents=True, exist_ok=True)
    (state / "mode").write_text(mode)
    text = SCRIPT.format(python=sys.executable, state=str(state))
    for name in ("sbatch", "squeue", "scancel"):
        path = bin_dir / name
        path.write_text(text)
        path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return bin_dir


def calls(folder: Path) -> list[list[str]]:
    """Every command called so far, as argument lists."""
    path = folder / "state" / "calls.log"
    return [line.split() for line in path.read_text().splitlines()] if path.exists() else []


def active(folder: Path) -> dict[str, str]:
    """Jobs PENDING or RUNNING (a running job whose processes are gone is not)."""
    import json

    path = folder / "state" / "jobs.json"
    if not path.exists():
        return {}
    out = {}
    for job_id, job in json.loads(path.read_text()).items():
        if job["state"] == "PENDING" or (job["state"] == "RUNNING" and _alive(job["pid"])):
            out[job_id] = job["state"]
    return out


def job_pids(folder: Path) -> list[int]:
    import json

    path = folder / "state" / "jobs.json"
    if not path.exists():
        return []
    return [job["pid"] for job in json.loads(path.read_text()).values() if job["pid"]]


def _alive(pid: int | None) -> bool:
    if not pid:
        return False
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False


def group_alive(pgid: int) -> bool:
    """Whether any process of a process group is still running (not a zombie)."""
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().split(")")[-1].split()
        except OSError:
            continue
        if fields[0] != "Z" and int(fields[2]) == pgid:
            return True
    return False
