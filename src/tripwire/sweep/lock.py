"""The lock of a sweep store: one driver at a time.

A driver that writes a store holds ``STORE.zarr/tripwire.lock`` (JSON: host, process id, start
time, command) and refreshes its time stamp every :data:`LOCK_REFRESH_S` seconds. A second driver
is refused with a message naming the first. A lock is *stale* when

- its process is gone (same host: the process id is not running, or is another process), which is
  taken over at once; or
- it has not been refreshed for :data:`LOCK_STALE_S` seconds (a driver on another host that was
  killed, or a frozen one), which is taken over only when asked (``--break-lock``).

A new store's template carries its lock when it is renamed into place, so creating a store is
atomic too: of two drivers creating one store at once, the second finds it locked.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import sys
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ..defaults import SWEEP_LOCK_REFRESH_S, SWEEP_LOCK_STALE_S
from ..errors import StoreLocked

LOCK_NAME = "tripwire.lock"
#: Seconds between refreshes of a held lock's time stamp.
LOCK_REFRESH_S = SWEEP_LOCK_REFRESH_S
#: A lock not refreshed for this long may be taken over with ``--break-lock`` (20 refreshes missed).
LOCK_STALE_S = SWEEP_LOCK_STALE_S


@dataclass(frozen=True)
class LockInfo:
    """What a lock file says, and how old its last refresh is."""

    host: str
    pid: int
    started: float
    token: str
    command: str
    refreshed_s_ago: float

    def alive(self) -> bool | None:
        """``True``/``False`` for a lock of this host (is its process running?), ``None`` for another
        host (cannot tell)."""
        if self.host != socket.gethostname():
            return None
        import psutil  # type: ignore[import-untyped]

        try:
            proc = psutil.Process(self.pid)
            # a process id reused by a process started after the lock is not the lock's owner
            return proc.create_time() <= self.started + 2.0
        except (psutil.NoSuchProcess, psutil.AccessDenied, ValueError):
            return False

    def describe(self) -> str:
        when = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(self.started))
        return (
            f"process {self.pid} on {self.host}, started {when} "
            f"(lock refreshed {_ago(self.refreshed_s_ago)} ago)"
            + (f": {self.command}" if self.command else "")
        )


def _ago(seconds: float) -> str:
    seconds = max(0.0, seconds)
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def read_lock(folder: str | os.PathLike) -> LockInfo | None:
    """The lock in a store (or template) folder, ``None`` when there is none; an unreadable lock
    file (half written) reads as a lock of an unknown process, refreshed at its file's time."""
    path = Path(folder) / LOCK_NAME
    try:
        text = path.read_text()
        mtime = path.stat().st_mtime
    except (FileNotFoundError, NotADirectoryError):
        return None
    try:
        data = json.loads(text)
        return LockInfo(
            str(data["host"]),
            int(data["pid"]),
            float(data["started"]),
            str(data["token"]),
            str(data.get("command", "")),
            time.time() - mtime,
        )
    except (ValueError, KeyError, TypeError):
        return LockInfo("?", -1, mtime, "", "", time.time() - mtime)


def _command() -> str:
    text = " ".join([Path(sys.argv[0]).name, *sys.argv[1:]]) if sys.argv and sys.argv[0] else ""
    return text[:300]


class StoreLock:
    """A held lock (see the module). Use :meth:`acquire` for an existing store, :meth:`new` +
    :meth:`write_to` for a template about to be renamed into place; :meth:`release` at the end."""

    def __init__(self, store: Path):
        self.store = Path(store)
        self.token = uuid.uuid4().hex
        self.started = time.time()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def path(self) -> Path:
        return self.store / LOCK_NAME

    def _text(self) -> str:
        info = {
            "host": socket.gethostname(),
            "pid": os.getpid(),
            "started": self.started,
            "token": self.token,
            "command": _command(),
        }
        return json.dumps(info)

    # -- taking it ---------------------------------------------------------------------------------
    @classmethod
    def new(cls, store: str | os.PathLike) -> StoreLock:
        """A lock for a store that does not exist yet (written into its template by :meth:`write_to`)."""
        return cls(Path(store))

    def write_to(self, folder: Path) -> None:
        """Write this lock into ``folder`` (a template that becomes the store)."""
        (Path(folder) / LOCK_NAME).write_text(self._text())

    @classmethod
    def acquire(
        cls,
        store: str | os.PathLike,
        *,
        break_lock: bool = False,
        say: Callable[[str], None] | None = None,
    ) -> StoreLock:
        """Take the lock of an existing store.

        Raises
        ------
        StoreLocked
            Another driver holds it (the message names it and says whether ``--break-lock`` can
            take it over).
        """
        lock = cls(Path(store))
        for _ in range(5):
            try:
                fd = os.open(lock.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
            except FileExistsError:
                pass
            else:
                with os.fdopen(fd, "w") as f:
                    f.write(lock._text())
                return lock
            info = read_lock(lock.store)
            if info is None:  # released meanwhile
                continue
            if info.pid == -1 and info.refreshed_s_ago < 5:  # being written right now
                time.sleep(0.2)
                continue
            reason = lock._stale(info, break_lock)
            if reason is None:
                raise StoreLocked(_refusal(lock.store, info, break_lock))
            if lock._take_over(info):
                if say is not None:
                    say(f"took over the lock of {lock.store}: {reason}")
                return lock
        raise StoreLocked(f"could not take the lock of {str(lock.store)!r}: other drivers keep taking it")

    @staticmethod
    def _stale(info: LockInfo, break_lock: bool) -> str | None:
        alive = info.alive()
        if alive is False:
            return f"{info.describe()} is no longer running"
        if info.refreshed_s_ago >= LOCK_STALE_S and break_lock:
            return f"{info.describe()}; --break-lock"
        return None

    def _take_over(self, old: LockInfo) -> bool:
        tmp = self.store / f".{LOCK_NAME}.{self.token}"
        tmp.write_text(self._text())
        # only replace the lock that was judged stale (another driver may have taken it meanwhile)
        now = read_lock(self.store)
        if now is not None and now.token != old.token:
            tmp.unlink()
            return False
        os.replace(tmp, self.path)
        time.sleep(0.05)  # two takers at once: the last rename wins; the other sees it below
        now = read_lock(self.store)
        return now is not None and now.token == self.token

    # -- holding it --------------------------------------------------------------------------------
    def held(self) -> bool:
        info = read_lock(self.store)
        return info is not None and info.token == self.token

    def refresh(self) -> None:
        """Renew the time stamp (when the lock is still this one)."""
        with contextlib.suppress(OSError):
            if self.held():
                os.utime(self.path)

    def start_refreshing(self, every: float = LOCK_REFRESH_S) -> None:
        """Refresh the lock from a background thread until :meth:`release`."""
        if self._thread is not None:
            return

        def loop() -> None:
            while not self._stop.wait(every):
                self.refresh()

        self._thread = threading.Thread(target=loop, name="tripwire-lock", daemon=True)
        self._thread.start()

    def release(self) -> None:
        """Remove the lock file if it is still this lock."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        with contextlib.suppress(OSError):
            if self.held():
                self.path.unlink()

    def __enter__(self) -> StoreLock:
        return self

    def __exit__(self, *exc) -> None:
        self.release()


def _refusal(store: Path, info: LockInfo, break_lock: bool) -> str:
    head = f"{str(store)!r} is in use by another driver: {info.describe()}"
    if info.alive() is True:
        return (
            f"{head}. Wait for it to finish, or stop it (Ctrl-C keeps the points it has done); "
            "two drivers on one store would only duplicate work"
        )
    if info.refreshed_s_ago < LOCK_STALE_S:
        if break_lock:
            return (
                f"{head}. Its lock was refreshed {_ago(info.refreshed_s_ago)} ago, so that driver looks "
                f"alive: --break-lock takes over only a lock not refreshed for {_ago(LOCK_STALE_S)}"
            )
        return (
            f"{head}. If that driver is gone (killed on another host), rerun with --break-lock once its "
            f"lock is {_ago(LOCK_STALE_S)} old (in {_ago(LOCK_STALE_S - info.refreshed_s_ago)})"
        )
    return f"{head}. Its lock is stale: if that driver is gone, rerun with --break-lock to take it over"
