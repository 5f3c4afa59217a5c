"""Ctrl-C at the command line, in real processes: exit status 130, one line saying what was kept, no
traceback, no process left behind, and for ``run --out`` the trials done so far kept exactly."""

import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time

import psutil
import pytest
import yaml

import tripwire
from tests.helpers.worlds import small_world
from tripwire.io.results import open_result

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def env():
    """Subprocesses inherit the test session's kernel cache (see conftest.py)."""
    return dict(os.environ)


class Command:
    """``python -m tripwire ARGS`` with its output lines collected as they come."""

    def __init__(self, args, env, cwd):
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tripwire", *map(str, args)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
            cwd=cwd,
        )
        self.lines: queue.Queue = queue.Queue()
        self.out: list[str] = []
        self.err: list[str] = []
        for stream, sink in ((self.proc.stdout, self.out), (self.proc.stderr, self.err)):
            threading.Thread(target=self._read, args=(stream, sink), daemon=True).start()

    def _read(self, stream, sink):
        for line in stream:
            sink.append(line)
            self.lines.put(line)

    def wait_for(self, pattern, timeout=300.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=1.0)
            except queue.Empty:
                assert self.proc.poll() is None, f"exited early: {''.join(self.out)}{''.join(self.err)}"
                continue
            if re.search(pattern, line):
                return line
        raise AssertionError(f"no line matching {pattern!r}: {''.join(self.out)}{''.join(self.err)}")

    def interrupt(self, timeout=120.0):
        children = psutil.Process(self.proc.pid).children(recursive=True)
        self.proc.send_signal(signal.SIGINT)
        code = self.proc.wait(timeout=timeout)
        time.sleep(0.5)  # let the readers drain
        gone, alive = psutil.wait_procs(children, timeout=10)
        return code, "".join(self.err), alive, children


def test_sigint_during_run_keeps_the_trials_done(env, tmp_path):
    world = tmp_path / "small.yaml"
    world.write_text(yaml.safe_dump(small_world()))
    out = tmp_path / "part.nc"
    cmd = Command(
        ["run", world, "--trials", "1e11", "--yes", "--seed", "3", "--threads", "1", "--out", out],
        env,
        tmp_path,
    )
    cmd.wait_for(r"^small: [\d,]+/100,000,000,000 ")  # the run has started
    code, err, alive, _ = cmd.interrupt()
    assert code == 130
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1, err
    done = int(
        re.search(r"^interrupted after ([\d,]+) of 100,000,000,000 trials", err).group(1).replace(",", "")
    )
    assert f"those trials were written to {out} (the same result as --trials {done})" in err
    assert not alive
    assert open_result(out).identical(tripwire.simulate(small_world(), done, seed=3))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["part.nc", "small.yaml"]


def test_sigint_during_run_without_out(env, tmp_path):
    cmd = Command(["run", "july1914", "--trials", "1e11", "--yes"], env, tmp_path)
    cmd.wait_for(r"^july1914: [\d,]+/")
    code, err, alive, _ = cmd.interrupt()
    assert code == 130 and not alive
    assert re.fullmatch(
        r"interrupted after [\d,]+ of 100,000,000,000 trials; no result was written \(none was asked for with --out\)\n",
        err,
    ), err


def test_sigint_during_compare(env, tmp_path):
    cmd = Command(
        ["compare", "july1914", "--trials", "1e10", "--yes", "--set", "policy.communication=0.5"],
        env,
        tmp_path,
    )
    cmd.wait_for(r"^compare: [\d,]+/")
    code, err, alive, _ = cmd.interrupt()
    assert code == 130 and not alive
    assert re.fullmatch(r"interrupted after \d+ of 100 batches; compare writes no files, .*\n", err), err


def test_sigint_during_bench_leaves_no_process_behind(env, tmp_path):
    cmd = Command(
        # the full start-up section: --quick leaves out the measurements that compile the kernels
        ["bench", "--only", "startup", "--no-peers", "--json", tmp_path / "b.json"],
        env,
        tmp_path,
    )
    cmd.wait_for(r"start-up: first call")  # a fresh interpreter compiles the kernels now
    deadline = time.monotonic() + 30
    while not psutil.Process(cmd.proc.pid).children(recursive=True) and time.monotonic() < deadline:
        time.sleep(0.1)
    code, err, alive, children = cmd.interrupt()
    assert code == 130
    assert children, "the benchmark child process was not running"
    assert not alive, alive
    assert "Traceback" not in err
    assert err.strip().splitlines()[-1] == (
        "interrupted; the report is written only when the suite finishes, so nothing was written "
        "(run again, perhaps with --quick or --only SECTION)"
    )
    assert not (tmp_path / "b.json").exists()
