"""The table of treaty kinds is the one home of a kind: a kind added to it alone runs end to end
(validation, compile, the kernels, results, the long-horizon section, the network figure), and the
readers that used to keep their own copies now agree with it."""

from __future__ import annotations

import json

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")

import tripwire  # noqa: E402
import tripwire.plots as tp  # noqa: E402
from tripwire.crisis.compile import compile_world  # noqa: E402
from tripwire.errors import WorldError  # noqa: E402
from tripwire.io.atop import ATOP_KINDS  # noqa: E402
from tripwire.kernels.encoding import ALIGN, ASSIST, DEFEND  # noqa: E402
from tripwire.world import kinds, reference  # noqa: E402

GUARANTEE = kinds.TreatyKind(
    name="guarantee",
    kernel=DEFEND,
    reliability=1.0,
    trigger=0,
    channel="alliance",
    exit={"pre1945": 0.2, "post1945": 0.1},
    atop=None,
    atop_rank=None,
    style={"linestyle": (0, (8, 1, 1, 1)), "linewidth": 2.2, "color": "#1b7837"},
    meaning="members defend a member that is the target of a crisis, from the first level, always",
)


@pytest.fixture
def guarantee():
    """The table with one more kind, for one test; the table as it was afterwards."""
    kinds.register(GUARANTEE)
    try:
        yield GUARANTEE
    finally:
        kinds.unregister(GUARANTEE.name)


def world_with(kind: str) -> dict:
    """A is the initiator, B the target; C owes B under a treaty of ``kind``, D under nothing."""
    return {
        "name": f"a {kind}",
        "states": [{"code": c, "capability": 1.0} for c in "ABCD"],
        "treaties": [{"name": f"BC {kind}", "kind": kind, "members": ["B", "C"]}],
        "rivalries": [{"states": ["A", "D"], "hostility": 0.0}],
        "origins": [{"initiator": "A", "target": "B"}],
        "horizon": {"years": 3, "arrivals": [{"states": ["A", "B"]}], "background": {kind: 0.3}},
    }


def test_a_kind_added_to_the_table_runs_end_to_end(guarantee):
    world = tripwire.load_world(world_with("guarantee"))
    (treaty,) = world.treaties
    assert (treaty.reliability, treaty.trigger, treaty.is_pledge) == (1.0, "crisis", False)
    assert world.horizon is not None and world.horizon.background_rate("guarantee", 1900) == 0.3

    compiled = compile_world(world)
    assert set(np.asarray(compiled.edge_kind).tolist()) == {DEFEND, 3}  # the guarantee and the rivalry

    result = tripwire.simulate(world, 2000, seed=7)
    involved = dict(zip(result.state.values.tolist(), result.p_involved.values.tolist(), strict=True))
    assert involved["C"] == 1.0 and involved["D"] == 0.0  # C always defends B from the first level
    assert result.treaty_honoured_rate.sel(treaty="BC guarantee").item() == 1.0

    ax = tp.network(result, seed=1)
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == ["guarantee", "rivalry"]
    line = ax.get_legend().get_lines()[0]
    assert (line.get_linewidth(), line.get_color()) == (2.2, "#1b7837")
    assert json.loads(result.attrs["world"])["treaties"][0]["kind"] == "guarantee"


def test_a_kind_taken_out_of_the_table_is_refused_again(guarantee):
    tripwire.load_world(world_with("guarantee"))
    kinds.unregister("guarantee")
    with pytest.raises(
        WorldError, match=r"treaties\[0\]\.kind: Input should be 'defense', .* or 'nonaggression'"
    ):
        tripwire.load_world(world_with("guarantee"))
    kinds.register(GUARANTEE)  # the fixture takes it out again


def test_the_generated_reference_lists_every_kind_in_the_table(guarantee):
    text = reference.generate()
    assert "`nonaggression`, `guarantee` |" in text  # the treaty `kind` key's type
    assert f"| `guarantee` | 1 | the first level | {GUARANTEE.meaning} |" in text
    assert "neutrality, nonaggression or guarantee" in text.replace("\n# ", " ")  # the template


def test_the_table_refuses_a_kind_it_could_not_run():
    with pytest.raises(ValueError, match="new, non-empty name"):
        kinds.register(kinds.get("defense"))
    bad = kinds.TreatyKind("odd", 7, 0.5, 0, "alliance", {"pre1945": 0.1, "post1945": 0.1}, None, None, {})
    with pytest.raises(ValueError, match="kernel must be"):
        kinds.register(bad)
    with pytest.raises(ValueError, match="built-in"):
        kinds.unregister("defense")
    assert "odd" not in kinds.names()


def test_the_built_in_kinds():
    assert kinds.names() == ("defense", "offense", "entente", "consultation", "neutrality", "nonaggression")
    assert kinds.pledges() == ("neutrality", "nonaggression")
    assert {k: kinds.get(k).kernel for k in kinds.obligations()} == {
        "defense": DEFEND,
        "offense": ASSIST,
        "entente": ALIGN,
        "consultation": ALIGN,
    }
    # ATOP's obligation flags in its order of strength, the order the treaties of an alliance are built
    assert ATOP_KINDS == {
        "defense": "defense",
        "offense": "offense",
        "neutral": "neutrality",
        "nonagg": "nonaggression",
        "consul": "consultation",
    }
    assert kinds.channel_of("entente") == "consultation" and kinds.channel_of("neutrality") is None
    assert kinds.channel_of("alliance") is None and kinds.channel_of(None) is None
    with pytest.raises(KeyError, match="unknown treaty kind 'alliance'"):
        kinds.get("alliance")
