"""Every figure drawn from a real small result: the Axes it returns holds what it should (lines,
patches, labels), and no function changes matplotlib's global settings."""

import matplotlib

matplotlib.use("Agg")

import json  # noqa: E402

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import xarray as xr  # noqa: E402
from matplotlib.collections import PatchCollection, PolyCollection  # noqa: E402

import tripwire  # noqa: E402
import tripwire.analysis as ta  # noqa: E402
import tripwire.plots as tp  # noqa: E402
from tests.helpers.analysis_stores import TINY, build_store  # noqa: E402
from tests.helpers.paths import REPO  # noqa: E402
from tests.helpers.worlds import small_world  # noqa: E402
from tripwire.errors import StoreError  # noqa: E402


@pytest.fixture(scope="module")
def result():
    return tripwire.simulate(small_world(), 4_000, seed=3)


@pytest.fixture(scope="module")
def grid(tmp_path_factory):
    path = tmp_path_factory.mktemp("grid") / "grid.zarr"
    build_store(
        path,
        small_world(),
        {"escalation.deterrence": [0.0, 1.0, 2.0], "policy.communication": [0.0, 0.5]},
        design="grid",
        trials=1_000,
        seed=2,
    )
    return tripwire.open_sweep(path).load()


@pytest.fixture(autouse=True)
def _close():
    before = dict(plt.rcParams)
    yield
    assert dict(plt.rcParams) == before  # no global style change
    plt.close("all")


def test_exceedance_one_curve_with_band(result):
    ax = tp.exceedance(result)
    assert isinstance(ax, plt.Axes)
    (line,) = ax.get_lines()
    p = result.p_exceed.values
    np.testing.assert_allclose(line.get_ydata(), p[p > 0])
    assert len([c for c in ax.collections if isinstance(c, PolyCollection)]) == 1  # the Wilson band
    assert ax.get_ylabel() == "P(final level ≥ level)" and ax.get_xlabel() == "escalation level"
    assert [t.get_text() for t in ax.get_xticklabels()] == list(result.level.values)
    assert ax.get_yscale() == "log" and "4,000 trials" in ax.get_title()


def test_exceedance_by_sweep_value_and_by_scenario(grid, result):
    ax = tp.exceedance(grid, by="escalation.deterrence", sel={"policy.communication": 0.0})
    assert len(ax.get_lines()) == 3
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [
        f"escalation.deterrence = {v:g}" for v in (0, 1, 2)
    ]
    ax = tp.exceedance({"a": result, "b": result})
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["a", "b"]
    with pytest.raises(StoreError, match="by="):
        tp.exceedance(grid)
    with pytest.raises(StoreError, match="select the other"):
        tp.exceedance(grid, by="escalation.deterrence")


def test_cascade_ccdf(result):
    ax = tp.cascade_ccdf(result)
    assert ax.get_xscale() == "log" and ax.get_yscale() == "log"
    step = ax.get_lines()[0]
    counts = result.outcome_count.sum("level").values[::-1].cumsum()[::-1] / 4_000
    np.testing.assert_allclose(step.get_ydata(), counts[counts > 0])
    assert ax.get_ylabel() == "P(participants ≥ n)"
    assert len([c for c in ax.collections if isinstance(c, PolyCollection)]) == 1


def test_heatmap_and_facets(grid):
    ax = tp.heatmap(grid, "escalation.deterrence", "policy.communication", sel={"level": "war"})
    (im,) = ax.get_images()
    np.testing.assert_allclose(
        im.get_array(),
        grid.p_exceed.sel(level="war").transpose("policy.communication", "escalation.deterrence").values,
    )
    assert ax.get_xlabel() == "escalation.deterrence" and ax.get_ylabel() == "policy.communication"
    assert len(ax.texts) == 6  # each cell annotated
    assert ax.figure.axes[-1].get_ylabel() == "P(final level >= l)"  # the colour bar, from attrs
    axs = tp.heatmaps(grid, "escalation.deterrence", "policy.communication")
    assert [a.get_title() for a in axs] == ["p_exceed, level = war", "p_exceed, level = general_war"]
    with pytest.raises(StoreError, match="select"):
        tp.heatmap(grid, "escalation.deterrence", "policy.communication")


def test_network(result):
    ax = tp.network(result, seed=1)
    world = json.loads(result.attrs["world"])
    (nodes,) = ax.collections
    np.testing.assert_allclose(nodes.get_array(), result.p_involved.values)
    labels = sorted(t.get_text() for t in ax.texts)
    assert labels == sorted(s["code"] for s in world["states"])
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == ["defense", "offense", "entente", "neutrality", "rivalry"]
    styles = {(line.get_linestyle(), line.get_linewidth(), line.get_color()) for line in ax.get_lines()}
    assert len(styles) == 5  # each kind its own style (dash pattern, width, grey level)
    # seeded layout: the same picture twice
    again = tp.network(result, seed=1)
    np.testing.assert_array_equal(again.collections[0].get_offsets(), nodes.get_offsets())


def test_sobol_bars(tmp_path):
    from tests.helpers.analysis_stores import ISHIGAMI, ishigami

    path = tmp_path / "s.zarr"
    build_store(path, TINY, ISHIGAMI, design="sobol", n=64, trials=10**9, fn=ishigami)
    si = ta.sobol(path, "p_exceed", level="war", convergence=False)
    ax = tp.sobol_bars(si)
    assert len(ax.patches) == 6  # S1 and ST for three parameters
    heights = [p.get_height() for p in ax.patches]
    np.testing.assert_allclose(heights[:3], si.S1.values)
    np.testing.assert_allclose(heights[3:], si.ST.values)
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["first order S1", "total ST"]
    assert len(ax.containers) == 4  # two bar containers, two error-bar containers


def test_criticality_bars():
    crit = tripwire.criticality(small_world(), 2_000, seed=1)
    ax = tp.criticality_bars(crit, level="war")
    effects = crit.effect.sel(level="war").values
    widths = sorted(abs(p.get_width()) for p in ax.patches)
    np.testing.assert_allclose(widths, sorted(abs(effects)))
    assert [t.get_text() for t in ax.get_yticklabels()][-1] == crit.treaty.values[np.argmax(abs(effects))]
    assert "war" in ax.get_xlabel()


def test_entanglement_matrix():
    ent = tripwire.entanglement(small_world(), 300, origins="all", seed=1)
    ax = tp.entanglement_matrix(ent)
    (im,) = ax.get_images()
    assert im.get_array().shape == (20, 5)
    assert im.get_array().mask.sum() == 40  # each origin's own two states
    assert ax.get_ylabel().startswith("crisis origin") and len(ax.get_yticklabels()) == 20


def test_world_map_draws_result(result):
    # the small world's codes are not COW codes: map a real scenario instead
    ds = tripwire.simulate("july1914", 2_000, seed=1)
    ax = tp.world_map(ds)
    (countries,) = [c for c in ax.collections if isinstance(c, PatchCollection)]
    colours = countries.get_facecolors()
    assert len(colours) > 200 and len({tuple(c) for c in colours}) > 5
    (inset,) = ax.child_axes
    assert inset.get_title() == "Europe" and inset.get_xlim() == (-12.0, 45.0)
    assert any("Natural Earth" in t.get_text() for t in ax.texts)
    assert ax.figure.axes[-1].get_ylabel() == "P(state participates)"


def _horizon():
    rng = np.random.default_rng(0)
    years, trials = 30, 1000
    first = rng.multinomial(300, np.full(years, 1 / years))
    edges = np.linspace(0.5, 2.0, 16)
    hist = np.stack([[rng.multinomial(trials, np.full(17, 1 / 17)) for _ in range(years)] for _ in range(2)])
    alive = np.stack([np.linspace(trials, trials * f, years).astype(int) for f in (0.9, 0.4)])
    return xr.Dataset(
        {
            "trials": ((), trials),
            "first_systemic_count": (("year",), first),
            "running_count": (("year",), np.full(years, trials)),
            "treaty_alive_count": (("treaty", "year"), alive),
            "arms_hist": (("state", "year", "bin"), hist),
        },
        coords={
            "year": np.arange(1, years + 1),
            "treaty": ["T1", "T2"],
            "state": ["A", "B"],
            "bin": np.arange(17),
            "bin_lo": ("bin", np.r_[-np.inf, edges]),
            "bin_hi": ("bin", np.r_[edges, np.inf]),
        },
        attrs={"world_name": "synthetic", "trials": trials, "seed": 1},
    )


def test_long_horizon_curves_on_the_output_variables():
    ds = _horizon()
    ax = tp.first_systemic(ds)
    (line,) = ax.get_lines()
    np.testing.assert_allclose(line.get_ydata(), np.cumsum(ds.first_systemic_count.values) / 1000)
    assert ax.get_ylabel() == "P(first systemic war ≤ year)"
    ax = tp.treaty_survival(ds)
    assert sorted(t.get_text() for t in ax.get_legend().get_texts()) == ["T1", "T2"]
    assert ax.get_lines()[0].get_ydata()[-1] == pytest.approx(0.4)  # the one that ends most, first
    ax = tp.arms_fan(ds, "A")
    assert len(ax.get_lines()) == 2 and len(ax.collections) == 2  # median + the 1.0 line; two bands
    with pytest.raises(StoreError, match="no state"):
        tp.arms_fan(ds, "Z")


def test_every_function_accepts_ax_and_returns_it(result):
    fig, axs = plt.subplots(1, 3)
    assert tp.exceedance(result, ax=axs[0]) is axs[0]
    assert tp.cascade_ccdf(result, ax=axs[1]) is axs[1]
    assert tp.network(result, ax=axs[2], colorbar=False) is axs[2]


def test_only_plots_imports_matplotlib():
    for path in (REPO / "src" / "tripwire").rglob("*.py"):
        if "plots" in path.parts or path.parent.name == "cli":
            continue
        assert "import matplotlib" not in path.read_text() and "from matplotlib" not in path.read_text(), path


def test_long_horizon_curves_from_a_real_run():
    hist = tripwire.horizon("coldwar1955", 300, seed=1)
    ax = tp.first_systemic(hist)
    np.testing.assert_allclose(ax.get_lines()[0].get_ydata(), hist.p_first_systemic.values)
    assert ax.get_xlabel() == "year"  # calendar years when the world has a start year
    ax = tp.treaty_survival(hist)
    assert len(ax.get_legend().get_texts()) == hist.sizes["treaty"]
    ax = tp.arms_fan(hist, "USA")
    median = ax.get_lines()[0].get_ydata()
    q = hist.arms_quantile.sel(state="USA", quantile=0.5).values
    np.testing.assert_allclose(median, q, rtol=1e-9)  # the same interpolation as the model's own quantiles
