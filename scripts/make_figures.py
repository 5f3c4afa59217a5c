"""Regenerate the figures of docs/analysis.md (and the README) by running the document's own
Python blocks, in order, in one session, from ``docs/`` (the figures land in ``docs/figures/``).

    python scripts/make_figures.py            # about a few minutes on two cores

The sweep stores, reports and exports the document writes go to a temporary folder.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DOC = REPO / "docs" / "analysis.md"


def blocks(text: str) -> list[str]:
    return re.findall(r"```python\n(.*?)```", text, flags=re.S)


def main() -> None:
    figures = REPO / "docs" / "figures"
    figures.mkdir(exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="tripwire-figures-"))
    (work / "figures").symlink_to(figures)
    here = os.getcwd()
    os.chdir(work)
    try:
        namespace: dict = {"__name__": "__main__"}
        for k, code in enumerate(blocks(DOC.read_text())):
            t0 = time.perf_counter()
            exec(compile(code, f"{DOC.name} block {k + 1}", "exec"), namespace)
            print(f"block {k + 1}: {time.perf_counter() - t0:.1f} s", flush=True)
    finally:
        os.chdir(here)
        shutil.rmtree(work, ignore_errors=True)
    for png in sorted(figures.glob("*.png")):
        print(f"{png.relative_to(REPO)}: {png.stat().st_size / 1024:.0f} KiB")


if __name__ == "__main__":
    main()
