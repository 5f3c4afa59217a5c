"""docs/horizon.md: its Python examples run as written, and its defaults table matches
tripwire.defaults."""

import re

from tests.helpers.paths import REPO
from tripwire import defaults
from tripwire.world import kinds

DOC = (REPO / "docs" / "horizon.md").read_text()


def test_python_examples_run(capsys):
    namespace: dict = {}
    for code in re.findall(r"```python\n(.*?)```", DOC, flags=re.S):
        exec(compile(code, "docs/horizon.md", "exec"), namespace)
    assert capsys.readouterr().out.strip()


def test_defaults_table_matches_the_defaults():
    for era in ("pre1945", "post1945"):
        for kind in ("defense", "offense", "neutrality", "nonaggression", "consultation"):
            assert f"{kinds.get(kind).exit[era]:g}".lstrip("0") in DOC.replace("0.", ".")
    for value in (
        defaults.LAMBDA0,
        defaults.ARMS_NOISE,
        defaults.RACE_TAU,
        defaults.TRUST_DELTA,
        defaults.DISSOLVE_PI,
    ):
        assert f"| {value:g}" in DOC or f"{value:g}" in DOC
    assert f"| `review` | {defaults.REVIEW} |" in DOC and f"| `renewal` rho | {defaults.RENEWAL} |" in DOC
