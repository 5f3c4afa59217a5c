"""A self-contained HTML report of a result, a sweep store or an analysis: summary tables, the
figures that fit the input (inline SVG), indices or boxes, and provenance. No scripts, no links
to anything outside the page: it opens offline and can be mailed as one file."""

from __future__ import annotations

import io
import json
import os
import re
import warnings
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from .._version import __version__
from ..analysis._source import Source, is_sweep, open_any
from ._common import fmt_value

__all__ = ["report", "render_report", "svg_of"]


@dataclass
class _Section:
    title: str
    text: str = ""
    tables: list[dict[str, Any]] = field(default_factory=list)
    figures: list[dict[str, str]] = field(default_factory=list)
    pre: str = ""


_PROLOGUE = re.compile(r"^.*?(?=<svg)", re.S)


def svg_of(fig, salt: str) -> str:
    """A figure as inline SVG: no XML prologue, no DOCTYPE, no metadata, no namespace URLs (an
    HTML page needs none of them), ids salted so that several figures can share a page."""
    import matplotlib as mpl
    import matplotlib.pyplot as plt

    buf = io.StringIO()
    with mpl.rc_context({"svg.hashsalt": salt, "svg.fonttype": "none"}):
        fig.savefig(buf, format="svg", metadata={"Creator": None, "Date": None, "Format": None, "Type": None})
    plt.close(fig)
    text = _PROLOGUE.sub("", buf.getvalue(), count=1)
    text = re.sub(r'\s+xmlns(:\w+)?="[^"]*"', "", text)
    # ids unique across figures: matplotlib's own are hashes, prefix them with the salt
    text = re.sub(r'id="([^"]+)"', rf'id="{salt}-\1"', text)
    text = re.sub(r"url\(#([^)]+)\)", rf"url(#{salt}-\1)", text)
    text = re.sub(r'href="#([^"]+)"', rf'href="#{salt}-\1"', text)
    return text


def _table(caption: str, header: list[str], rows: list[list[Any]]) -> dict[str, Any]:
    return {
        "caption": caption,
        "header": header,
        "rows": [[fmt_value(c) if not isinstance(c, str) else c for c in r] for r in rows],
    }


def _provenance(ds: xr.Dataset) -> list[tuple[str, str]]:
    a = ds.attrs
    out = []
    for key, label in (
        ("world_name", "world"),
        ("world_hash", "world hash (sha256)"),
        ("seed", "seed"),
        ("trials", "trials" + (" per point" if is_sweep(ds) else "")),
        ("engine_version", "engine version"),
        ("salib_seed", "bootstrap seed (SALib)"),
    ):
        if key in a:
            out.append((label, f"{a[key]:,}" if key == "trials" else str(a[key])))
    if is_sweep(ds):
        sweep = json.loads(a["sweep"])
        d = sweep["design"]
        out.append(("sweep", f"{sweep.get('name', '')}: {sweep.get('description', '')}"))
        out.append(
            ("design", f"{d['kind']}, {d['points']:,} points" + (f", n = {d['n']}" if "n" in d else ""))
        )
        for path, spec in d["params"].items():
            out.append(
                (
                    f"  {path}",
                    ", ".join(fmt_value(v) for v in spec)
                    if d["kind"] in ("grid", "list")
                    else f"[{spec[0]:g}, {spec[1]:g}]",
                )
            )
    out.append(("report made by", f"tripwire {__version__}"))
    return out


def _single_sections(ds: xr.Dataset) -> list[_Section]:
    from ..crisis.results import summarize
    from . import cascade_ccdf, exceedance, network, world_map

    s = summarize(ds, top=10)
    sec = _Section("Risk")
    sec.tables.append(
        _table(
            f"P(final level ≥ l), {s['trials']:,} trials, 95 % Wilson intervals; expected participants "
            f"{s['expected_participants']:.3f} ± {s['expected_participants_se']:.3f} (SE)",
            ["final level ≥", "probability", "95 % interval"],
            [[r["level"], f"{r['p']:.4f}", f"{r['lo']:.4f} – {r['hi']:.4f}"] for r in s["exceed"]],
        )
    )
    sec.tables.append(
        _table(
            "States most likely drawn in",
            [
                "state",
                "name",
                "P(involved)",
                "on initiator side",
                "on target side",
                f"P(involved, ≥ {s['war_level']})",
            ],
            [
                [
                    r["state"],
                    r["name"],
                    f"{r['p_involved']:.4f}",
                    f"{r['p_initiator']:.4f}",
                    f"{r['p_target']:.4f}",
                    f"{r['p_war']:.4f}",
                ]
                for r in s["states"]
            ],
        )
    )
    if s["origins"]:
        sec.tables.append(
            _table(
                "By crisis origin",
                ["origin", "share of crises", f"P(≥ {s['war_level']} | origin)", "95 % interval"],
                [
                    [r["origin"], f"{r['share']:.4f}", f"{r['p_war']:.4f}", f"{r['lo']:.4f} – {r['hi']:.4f}"]
                    for r in s["origins"]
                ],
            )
        )
    if s["treaties"]:
        sec.tables.append(
            _table(
                "Treaties most often called on (obligations, one member's duty to one other member, "
                "averaged over all trials)",
                ["treaty", "kind", "honoured per trial", "failed per trial", "share honoured"],
                [
                    [
                        r["treaty"],
                        r["kind"],
                        f"{r['honoured_per_trial']:.4f}",
                        f"{r['failed_per_trial']:.4f}",
                        f"{r['share_honoured']:.3f}",
                    ]
                    for r in s["treaties"]
                ],
            )
        )
    sec.text = s["note"]
    sec.figures.append(
        {
            "svg": svg_of(exceedance(ds).figure, "exc"),
            "caption": "Exceedance over the ladder with 95 % Wilson bands.",
        }
    )
    sec.figures.append(
        {"svg": svg_of(cascade_ccdf(ds).figure, "ccdf"), "caption": "Cascade size: P(participants ≥ n)."}
    )
    sec.figures.append(
        {
            "svg": svg_of(network(ds).figure, "net"),
            "caption": "Alliance network; nodes coloured by P(involved), sized by capability.",
        }
    )
    sec.figures.append(
        {
            "svg": svg_of(world_map(ds).figure, "map"),
            "caption": "P(involved) by state; historical states drawn on their successors' territory.",
        }
    )
    return [sec]


def _sweep_sections(ds: xr.Dataset) -> list[_Section]:
    from ..analysis import delta, prim, sobol
    from . import exceedance, heatmaps, sobol_bars

    sweep = json.loads(ds.attrs["sweep"])
    design = sweep["design"]
    kind, paths = design["kind"], design["paths"]
    war = ds.attrs.get("war_level") or str(ds["level"].values[-1])
    dims = json.loads(ds.attrs["sweep_dims"])
    p_war = ds["p_exceed"].sel(level=war)
    sections = []
    sec = _Section(
        "Over the sweep",
        f"P(final level ≥ {war}) ranges from {float(p_war.min()):.4g} to {float(p_war.max()):.4g} over the "
        f"{int(np.prod([ds.sizes[d] for d in dims])):,} points.",
    )
    if kind == "grid" and len(dims) >= 2:
        others = {d: ds[d].values[0] for d in dims[2:]}
        axs = heatmaps(ds, dims[0], dims[1], sel=others)
        sec.figures.append(
            {
                "svg": svg_of(axs[0].figure, "heat"),
                "caption": f"P(final level ≥ l) over {dims[0]} and {dims[1]}"
                + (f" ({', '.join(f'{k} = {fmt_value(v)}' for k, v in others.items())})" if others else "")
                + ".",
            }
        )
    elif kind == "grid" or (kind == "list" and ds.sizes[dims[0]] <= 8):
        by = dims[0]
        ax = exceedance(ds, by=by, sel={d: ds[d].values[0] for d in dims[1:]})
        sec.figures.append(
            {"svg": svg_of(ax.figure, "exc"), "caption": f"Exceedance, one curve per value of {by}."}
        )
    if kind == "list":
        rows = []
        for i in range(ds.sizes[dims[0]]):
            pt = ds.isel({dims[0]: i})
            rows.append(
                [
                    str(i),
                    *[fmt_value(pt[p].item()) for p in paths],
                    f"{float(pt['p_exceed'].sel(level=war)):.4f}",
                ]
            )
        sec.tables.append(
            _table(f"P(final level ≥ {war}) at each point", ["point", *paths, f"P(≥ {war})"], rows)
        )
    sections.append(sec)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if kind == "sobol":
            si = sobol(ds, "p_exceed", level=war)
            ind = _Section(
                f"Sensitivity of P(final level ≥ {war})",
                f"Sobol' indices with {100 * si.attrs['conf_level']:g} % bootstrap intervals "
                f"({si.attrs['base_samples']} base samples, bootstrap seed {si.attrs['salib_seed']}). "
                f"Monte Carlo noise share of the output: {100 * float(si['noise_share']):.2g} %.",
            )
            ind.tables.append(
                _table(
                    "First-order (S1) and total (ST) indices",
                    ["parameter", "S1", "S1 interval", "ST", "ST interval"],
                    [
                        [
                            p,
                            f"{float(si.S1.sel(param=p)):.3f}",
                            f"{float(si.S1_lo.sel(param=p)):.3f} – {float(si.S1_hi.sel(param=p)):.3f}",
                            f"{float(si.ST.sel(param=p)):.3f}",
                            f"{float(si.ST_lo.sel(param=p)):.3f} – {float(si.ST_hi.sel(param=p)):.3f}",
                        ]
                        for p in si["param"].values
                    ],
                )
            )
            ind.figures.append(
                {
                    "svg": svg_of(sobol_bars(si).figure, "sobol"),
                    "caption": "Sobol' indices with bootstrap intervals.",
                }
            )
            sections.append(ind)
        elif kind in ("grid", "lhs") and np.ptp(p_war.values) > 0 and len(paths) > 0:
            try:
                dl = delta(ds, "p_exceed", level=war)
                ind = _Section(
                    f"Sensitivity of P(final level ≥ {war}) (given data)",
                    "Borgonovo's delta and a given-data first-order index, with bootstrap intervals.",
                )
                ind.tables.append(
                    _table(
                        "",
                        ["parameter", "delta", "± (95 %)", "S1", "± (95 %)"],
                        [
                            [
                                p,
                                f"{float(dl.delta.sel(param=p)):.3f}",
                                f"{float(dl.delta_conf.sel(param=p)):.3f}",
                                f"{float(dl.S1.sel(param=p)):.3f}",
                                f"{float(dl.S1_conf.sel(param=p)):.3f}",
                            ]
                            for p in dl["param"].values
                        ],
                    )
                )
                sections.append(ind)
            except Exception as exc:  # noqa: BLE001 - the report goes on without this section
                sections.append(_Section("Sensitivity (given data)", f"not computed: {exc}"))
        if kind in ("lhs", "sobol", "grid") and np.ptp(p_war.values) > 0:
            threshold = float(np.quantile(p_war.values, 0.75))
            res = prim(ds, "p_exceed", threshold, level=war)
            sections.append(
                _Section(
                    "Scenario discovery (PRIM)",
                    "Where in parameter space the risk is highest (the top quarter of the points).",
                    pre=res.describe(),
                )
            )
    return sections


def _analysis_sections(ds: xr.Dataset) -> list[_Section]:
    from . import criticality_bars, entanglement_matrix, world_map

    kind = ds.attrs.get("tripwire_analysis")
    if kind == "entanglement":
        sec = _Section(
            "Entanglement",
            "P(state drawn in | crisis origin); impact: expected states dragged in beyond those "
            "that start the crisis.",
        )
        order = np.argsort(-ds["impact"].values, kind="stable")[:15]
        sec.tables.append(
            _table(
                "Origins with the largest impact",
                ["origin", "impact (states)", "capability share"],
                [
                    [
                        str(ds.origin.values[i]),
                        f"{ds.impact.values[i]:.3f}",
                        f"{ds.impact_capability.values[i]:.3f}",
                    ]
                    for i in order
                ],
            )
        )
        order = np.argsort(-np.nan_to_num(ds["vulnerability"].values), kind="stable")[:15]
        sec.tables.append(
            _table(
                "Most vulnerable states",
                ["state", "vulnerability"],
                [[str(ds.state.values[i]), f"{ds.vulnerability.values[i]:.4f}"] for i in order],
            )
        )
        sec.figures.append(
            {
                "svg": svg_of(entanglement_matrix(ds).figure, "ent"),
                "caption": "Entanglement matrix; the origin's own states hatched.",
            }
        )
        sec.figures.append(
            {
                "svg": svg_of(world_map(ds, var="vulnerability").figure, "vmap"),
                "caption": "Vulnerability by state.",
            }
        )
        return [sec]
    if kind == "criticality":
        war = ds.attrs.get("war_level") or str(ds["level"].values[-1])
        sec = _Section(
            f"Treaty criticality at P(final level ≥ {war})",
            "Effect of removing each treaty, with exact paired 95 % intervals "
            "(the same trials with and without it).",
        )
        order = np.argsort(-np.abs(ds["effect"].sel(level=war).values), kind="stable")
        e = ds.sel(level=war)
        sec.tables.append(
            _table(
                "",
                ["treaty", "effect", "95 % interval", "paired SE", "independent SE"],
                [
                    [
                        str(e.treaty.values[i]),
                        f"{e.effect.values[i]:+.4f}",
                        f"{e.effect_lo.values[i]:+.4f} – {e.effect_hi.values[i]:+.4f}",
                        f"{e.effect_se.values[i]:.4f}",
                        f"{e.effect_se_independent.values[i]:.4f}",
                    ]
                    for i in order
                ],
            )
        )
        sec.figures.append(
            {"svg": svg_of(criticality_bars(ds, level=war).figure, "crit"), "caption": "Treaty criticality."}
        )
        return [sec]
    if kind == "sobol":
        from . import sobol_bars

        sec = _Section(f"Sobol' indices of {ds.attrs.get('var')}")
        if ds["S1"].ndim == 1:
            sec.figures.append(
                {
                    "svg": svg_of(sobol_bars(ds).figure, "sobol"),
                    "caption": "Sobol' indices with bootstrap intervals.",
                }
            )
        sec.pre = ds[["S1", "S1_conf", "ST", "ST_conf"]].to_dataframe().to_string()
        return [sec]
    if kind == "prim":
        return [_Section("Scenario discovery (PRIM)", pre=ds.attrs.get("description", ""))]
    return [_Section("Contents", pre=str(ds))]


def render_report(ds: xr.Dataset) -> str:
    """The report of a dataset (result, opened sweep store, or analysis) as one HTML string."""
    import jinja2

    from .worldmap import CREDIT

    if "tripwire_analysis" in ds.attrs:
        sections = _analysis_sections(ds)
    elif is_sweep(ds):
        sections = _sweep_sections(ds)
    else:
        sections = _single_sections(ds)
    world = json.loads(ds.attrs["world"]) if "world" in ds.attrs else {}
    template = resources.files("tripwire.plots").joinpath("data/report.html.j2").read_text(encoding="utf-8")
    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
    return env.from_string(template).render(
        title=ds.attrs.get("title", "tripwire report"),
        description=world.get("description", ""),
        provenance=_provenance(ds),
        sections=sections,
        version=__version__,
        credit=CREDIT + ".",
    )


def report(source: Source, out: str | os.PathLike) -> Path:
    """Write the HTML report of a result file, sweep store or dataset to ``out``.

    Examples
    --------
    >>> import tripwire
    >>> from tripwire.plots.report import report
    >>> report(tripwire.simulate("july1914", 2_000, seed=1), "july1914.html")  # doctest: +SKIP
    """
    import matplotlib.pyplot as plt

    ds = open_any(source)
    if is_sweep(ds):
        ds = ds.load()
    with plt.ioff():
        html = render_report(ds)
    out = Path(out)
    out.write_text(html, encoding="utf-8")
    return out
