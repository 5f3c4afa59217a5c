"""The benchmark suite's plumbing: agreement before ratios, the report's layout, the CLI.

Nothing here asserts a timing: the suite runs on tiny sizes with a tiny time target.
"""

import json
import subprocess
import sys
import textwrap
from dataclasses import replace

import numpy as np
import pytest
from rich.console import Console

from tripwire import bench
from tripwire.bench import (
    K_SE,
    QUICK,
    SizeStats,
    TripwireEngine,
    agreement,
    check_report,
    compare_engines,
    run_suite,
)
from tripwire.cli import main
from tripwire.crisis.compile import compile_world
from tripwire.world.synthetic import network_world

TINY = replace(
    QUICK,
    name="tiny",
    repeats=2,
    target_s=0.02,
    networks=(("blocs", 16), ("er", 24)),
    tries_sample=50,
    scaling_trials=(1_000, 10_000),
    memory_trials=(1_000,),
    size_sweep=(16, 32),
    startup=("import", "cached"),
    startup_repeats=1,
)


def render_text(report) -> str:
    console = Console(record=True, width=250, file=open("/dev/null", "w"))  # noqa: SIM115
    bench.render(report, console)
    return console.export_text()


class Shifted:
    """An engine that reports tripwire's cascades with every size shifted: a peer that disagrees."""

    exact_tries = False
    threads = 1

    def __init__(self, cw, shift):
        self.inner = TripwireEngine(cw, 1)
        self.shift = shift
        self.name = "shifted"

    def warm_up(self):
        return self.inner.warm_up()

    def run(self, trials, seed):
        run = self.inner.run(trials, seed + 99)
        s = run.sizes
        return bench.Run(SizeStats(s.n, s.mean + self.shift, s.var), None)

    def tries_per_cascade(self, trials, seed):
        return 1.0


@pytest.fixture(scope="module")
def blocs16():
    return compile_world(network_world("blocs", 16))


def test_size_stats_pool_like_one_sample():
    sizes = [2, 3, 3, 5, 8, 2, 2, 4]
    a = SizeStats.from_sums(3, sum(sizes[:3]), sum(x * x for x in sizes[:3]))
    b = SizeStats.from_sums(5, sum(sizes[3:]), sum(x * x for x in sizes[3:]))
    whole = SizeStats.from_histogram([sizes.count(k) for k in range(9)])
    pooled = a.merge(b)
    assert pooled.n == whole.n == 8
    assert pooled.mean == pytest.approx(whole.mean) and pooled.var == pytest.approx(whole.var)
    with pytest.raises(ValueError, match="at least one cascade"):
        SizeStats.from_histogram([0, 0])


def test_agreement_is_a_k_standard_error_test():
    a = SizeStats(10_000, 5.0, 4.0)  # se 0.02; se of a difference with a twin: 0.0283
    inside = SizeStats(10_000, 5.0 + 0.99 * K_SE * 0.02 * 2**0.5, 4.0)
    outside = SizeStats(10_000, 5.0 + 1.01 * K_SE * 0.02 * 2**0.5, 4.0)
    assert agreement(a, inside)["agree"] and not agreement(a, outside)["agree"]
    assert agreement(a, outside)["z"] == pytest.approx(1.01 * K_SE)
    # deterministic engines: agree only on equal means
    assert agreement(SizeStats(5, 3.0, 0.0), SizeStats(7, 3.0, 0.0))["agree"]
    assert not agreement(SizeStats(5, 3.0, 0.0), SizeStats(7, 3.5, 0.0))["agree"]


@pytest.mark.slow
def test_no_ratio_when_engines_disagree(blocs16):
    settings = replace(TINY, repeats=2)
    engines = [TripwireEngine(blocs16, 1), Shifted(blocs16, 0.0), Shifted(blocs16, 0.5)]
    result = compare_engines("blocs16", engines, settings)
    same, off = result["comparisons"]
    assert same["agree"] and same["ratio"] is not None and same["ratio"] > 0
    assert not off["agree"] and off["ratio"] is None and off["ratio_edge_tries"] is None
    assert abs(off["z"]) > K_SE
    report = {"schema": bench.SCHEMA, "cascade": [result]}
    text = render_text({**_skeleton(), **report})
    row = next(line for line in text.splitlines() if "shifted" in line and "disagree" in line)
    assert "no ratio" in row and "×" not in row
    # a report that carries a ratio for disagreeing engines is rejected
    off["ratio"] = 2.0
    with pytest.raises(ValueError, match="ratio is given for engines that disagree"):
        check_report({**_skeleton(), **report})


def _skeleton():
    return {
        "schema": bench.SCHEMA,
        "settings": {"name": "tiny"},
        "machine": bench.machine_info(),
        "started": "now",
        "load": {"start": [0.0, 0.0, 0.0]},
        "skipped": [],
        "notes": [],
        "elapsed_s": 0.0,
    }


@pytest.mark.slow
def test_peers_agree_with_tripwire_on_the_same_graph(blocs16):
    pytest.importorskip("cynetdiff")
    pytest.importorskip("ndlib")
    settings = replace(TINY, target_s=0.05)
    net = bench.peer_graph(blocs16)
    assert net.n_edges + net.merged == blocs16.n_edges
    engines = [
        TripwireEngine(blocs16, 1),
        bench.CyNetDiffEngine(net),
        bench.CyNetDiffBatchEngine(net),
        bench.NDlibEngine(net),
    ]
    result = compare_engines("blocs16", engines, settings)
    for c in result["comparisons"]:
        assert c["agree"], c  # a 4-standard-error test: false alarms are ~1e-4 per comparison
        assert c["ratio"] > 0 and c["ratio_by_closure"][result["engines"][0]["closure"]] == c["ratio"]
    for e in result["engines"][1:]:
        assert e["tries_estimated"] and e["tries_per_cascade"] > 0
        # CyNetDiff draws for every examined edge; NDlib's draws are not counted
        assert e["draws_per_cascade"] == (e["tries_per_cascade"] if "cynetdiff" in e["engine"] else None)


@pytest.mark.slow
def test_pynetim_agrees_with_tripwire_and_counts_its_activations(blocs16):
    pytest.importorskip("pynetim")
    # the highest-numbered state without edges: pynetim's graph must still hold every state
    net = bench.peer_graph(blocs16)
    net.graph.remove_edges_from(list(net.graph.in_edges(15)) + list(net.graph.out_edges(15)))
    engine = bench.PynetimEngine(bench.peer_graph(blocs16))
    assert engine.graph.num_nodes == 16 and bench.PynetimEngine(net).graph.num_nodes == 16
    result = compare_engines("blocs16", [TripwireEngine(blocs16, 1), engine], replace(TINY, target_s=0.05))
    (c,) = result["comparisons"]
    assert c["agree"] and c["ratio"] > 0, c  # a 4-standard-error test: false alarms ~1e-4
    counts = engine.activation_counts(400, 3)
    assert counts.shape == (16,) and counts.max() <= 400
    origins = np.asarray([a for a, _ in net.seeds] + [b for _, b in net.seeds])
    # both originators are active in every cascade: the activations sum to at least 2 per cascade
    assert counts.sum() >= 800 and (counts[np.unique(origins)] > 0).all()
    assert result["engines"][1]["draws_per_cascade"] is None


def test_missing_peers_are_skipped_with_an_install_hint(monkeypatch):
    for module in (
        "cynetdiff",
        "cynetdiff.utils",
        "ndlib",
        "ndlib.models.epidemics",
        "ndlib.models.ModelConfig",
        "pynetim",
        "pynetim.diffusion_model",
        "pynetim.graph",
    ):
        monkeypatch.setitem(sys.modules, module, None)  # makes the import fail
    skipped, lines = [], []
    settings = replace(TINY, networks=(("blocs", 16),))
    (result,) = bench.cascade_section(settings, lines.append, skipped)
    assert [e["engine"] for e in result["engines"]] == ["tripwire"] * len(result["engines"])
    assert sorted(s.split(":")[0] for s in skipped) == ["cynetdiff", "cynetdiff-batch", "ndlib", "pynetim"]
    assert all(
        "pip install 'tripwire[bench]'" in s or "pip install 'tripwire[pynetim]'" in s for s in skipped
    )
    assert any(line.startswith("skipping ndlib") for line in lines)


def test_independent_cascade_keeps_the_edges_and_makes_them_all_apply():
    from tripwire.kernels.encoding import ALIGN
    from tripwire.world.synthetic import bloc_network, pure_cascade

    world = network_world("blocs", 40)
    assert {t.kind for t in world.treaties} == {"entente"} and len(world.ladder.levels) == 1
    ic, pure = compile_world(world), compile_world(pure_cascade(bloc_network(40, seed=0)))
    assert (pure.edge_kind != ALIGN).any()  # bloc networks carry defence pacts
    assert (ic.edge_kind == ALIGN).all()
    assert (ic.edge_ptr == pure.edge_ptr).all() and (ic.edge_dst == pure.edge_dst).all()
    assert (ic.edge_prob == pure.edge_prob).all()


def test_settings_are_checked():
    with pytest.raises(ValueError, match="unknown sections"):
        replace(QUICK, sections=("cascade", "gpu"))
    with pytest.raises(ValueError, match="unknown peers"):
        replace(QUICK, peers=("networkit",))
    with pytest.raises(ValueError, match="at least 4 states"):
        replace(QUICK, networks=(("blocs", 2),))


@pytest.mark.slow
def test_suite_in_process_report_and_tables(tmp_path):
    settings = replace(TINY, sections=("cascade", "scenarios", "scaling"))
    report = run_suite(settings)
    check_report(report)
    path = tmp_path / "r.json"
    path.write_text(json.dumps(report))
    back = json.loads(path.read_text())
    check_report(back)
    assert back["settings"]["name"] == "tiny" and back["load"]["start"] and back["load"]["end"]
    assert [n["network"] for n in back["cascade"]] == ["blocs16", "er24"]
    for net in back["cascade"]:
        tripwire = [e for e in net["engines"] if e["engine"] == "tripwire"]
        assert tripwire[0]["chosen"] and tripwire[0]["threads"] == 1
        assert {e["closure"] for e in tripwire} == set(bench.CLOSURES)
        assert all(e["draws_per_cascade"] <= e["tries_per_cascade"] for e in tripwire)
        assert set(net["bound"]["fraction"]) == set(bench.CLOSURES)
    assert [r["trials"] for r in back["scaling"]["trials"]] == [1_000, 10_000]
    (mem,) = back["scaling"]["memory"]
    assert mem["trials"] == 1_000 and mem["peak_rss_mb"] >= mem["rss_before_mb"] > 0
    assert [r["states"] for r in back["scaling"]["network_size"]] == [16, 32]
    assert {r["threads"] for r in back["scaling"]["threads"]} <= {2}
    for sc in back["scenarios"]:
        assert sc["runs"][0]["threads"] == 1 and sc["runs"][0]["trials_per_s"]["median"] > 0
    text = render_text(back)
    for title in (
        "machine",
        "independent cascade",
        "perfect-kernel bound",
        "full model",
        "time against trials",
        "peak memory",
    ):
        assert title in text


@pytest.mark.slow
def test_cli_quick_in_a_fresh_process_writes_json(tmp_path):
    """End to end: ``tripwire bench --quick --json`` (shrunk to tiny sizes) in a fresh process, so the
    start-up section's cold cache is really cold and the suite loads the kernel from it."""
    out = tmp_path / "bench.json"
    code = textwrap.dedent(
        f"""
        import sys
        from dataclasses import replace
        from tripwire import bench
        bench.QUICK = replace(bench.QUICK, **{_tiny_overrides()!r})
        from tripwire.cli import main
        sys.exit(main(["bench", "--quick", "--json", {str(out)!r}]))
        """
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "start-up" in proc.stdout and f"wrote {out}" in proc.stdout.replace("\n", "")
    report = json.loads(out.read_text())
    check_report(report)
    st = report["startup"]
    assert st["cached_cold"]["first_call_s"] > 0 and st["cached_warm"]["first_call_s"] > 0
    assert report["first_call_in_process"]["seconds"] > 0
    assert report["settings"]["name"] == "tiny"


def _tiny_overrides():
    keys = (
        "name",
        "repeats",
        "target_s",
        "networks",
        "tries_sample",
        "scaling_trials",
        "memory_trials",
        "size_sweep",
        "startup",
        "startup_repeats",
    )
    return {k: getattr(TINY, k) for k in keys} | {"scenarios": ("july1914",), "peers": ()}


def test_cli_rejects_a_report_path_without_json_suffix(tmp_path, capsys):
    with pytest.raises(SystemExit) as info:
        main(["bench", "--quick", "--json", str(tmp_path / "r.txt")])
    assert info.value.code == 2
    assert "must end in .json" in capsys.readouterr().err
    assert main(["bench", "--quick", "--only", "cascade", "--json", str(tmp_path / "no" / "r.json")]) == 2
