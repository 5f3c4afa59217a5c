"""Safe output files (figures, reports, tables): checked before any work, never replacing a
folder or, without ``overwrite``, an existing file, and written under a temporary name that is
renamed into place, so a crash or a Ctrl-C never leaves half a file."""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Iterator, Sequence
from pathlib import Path

from ..errors import StoreError

__all__ = ["check_file", "replacing"]


def check_file(
    path: str | os.PathLike, *, suffixes: Sequence[str], overwrite: bool = False, flag: str = "--force"
) -> Path:
    """Check, before any work, that a file can be written to ``path``.

    Raises
    ------
    StoreError
        The suffix is not one of ``suffixes``; the folder does not exist or cannot be written;
        ``path`` is a folder; or ``path`` exists and ``overwrite`` is false (``flag`` says how to
        ask for it).

    Examples
    --------
    >>> check_file("no/such/folder/figure.png", suffixes=(".png",))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    tripwire.errors.StoreError: cannot write 'no/such/folder/figure.png': the folder 'no/such/folder' ...
    """
    path = Path(path)
    if path.suffix.lower() not in suffixes:
        raise StoreError(
            f"{str(path)!r} must end in {' or '.join(suffixes)}, saw {path.suffix or 'no suffix'!r}"
        )
    parent = path.parent
    where = str(parent) if str(parent) != "" else "."
    if not parent.is_dir():
        raise StoreError(
            f"cannot write {str(path)!r}: the folder {where!r} does not exist; "
            f"create it first (mkdir -p {where}) or choose another path"
        )
    if not os.access(parent, os.W_OK | os.X_OK):
        raise StoreError(f"cannot write {str(path)!r}: no permission to write in the folder {where!r}")
    if path.is_dir():
        raise StoreError(f"{str(path)!r} is a folder; it is left alone: choose another output path")
    if path.exists() and not overwrite:
        raise StoreError(f"{str(path)!r} already exists; pass {flag} to replace it, or choose another path")
    return path


@contextlib.contextmanager
def replacing(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a hidden temporary path beside ``path`` (same suffix); when the block ends without an
    error it is renamed to ``path``, otherwise removed."""
    path = Path(path)
    tmp = path.with_name(f".{path.stem}.partial-{uuid.uuid4().hex[:12]}{path.suffix}")
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
