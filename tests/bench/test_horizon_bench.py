"""The ``horizon`` section of the benchmark suite, on a tiny setting: every figure is there and
consistent (throughput is measured by ``tripwire bench``, never asserted here)."""

from dataclasses import replace

import pytest
from rich.console import Console

from tripwire.bench import QUICK
from tripwire.bench.horizon import crisis_world_of, horizon_section, render_horizon
from tripwire.horizon.compile import compile_horizon
from tripwire.world.model import load_world


def test_crisis_world_has_the_horizon_dyads_as_origins():
    world = load_world("today")
    hc = compile_horizon(world)
    cw_world = crisis_world_of(world, hc)
    labels = [o.label for o in cw_world.origins]
    assert "RUS->EST" in labels and "EST->RUS" not in labels  # a fixed initiator
    assert "USA->CHN" in labels and "CHN->USA" in labels  # either side
    weights = {o.label: o.weight for o in cw_world.origins}
    assert weights["USA->CHN"] == pytest.approx(hc.rate_calm[hc.dyads.index("USA-CHN")] / 2)


@pytest.mark.slow
def test_horizon_section_reports_every_figure():
    settings = replace(
        QUICK,
        target_s=0.05,
        repeats=1,
        threads=(1,),
        horizon_scenarios=("coldwar1955",),
        horizon_memory_trials=(10, 100),
    )
    section = horizon_section(settings)
    (sc,) = section["scenarios"]
    (run,) = sc["runs"]
    assert run["threads"] == 1 and run["trials"] >= 1
    assert run["trial_years_per_s"]["median"] > 0 and run["crises_per_s"]["median"] > 0
    assert sc["crisis_kernel"]["trials_per_s"]["median"] > 0 and sc["crisis_over_horizon"] > 0
    assert [m["trials"] for m in section["memory"]] == [10, 100]
    assert all(m["peak_rss_mb"] >= m["rss_before_mb"] > 0 for m in section["memory"])
    console = Console(record=True, width=200)
    render_horizon(section, console)
    text = console.export_text()
    assert "long-horizon kernel" in text and "coldwar1955" in text and "peak memory" in text
