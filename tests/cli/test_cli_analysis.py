"""``tripwire entangle / analyze / plot / report / export`` end to end, in this process."""

import matplotlib

matplotlib.use("Agg")

from pathlib import Path  # noqa: E402

import pandas as pd  # noqa: E402
import pytest  # noqa: E402
import xarray as xr  # noqa: E402

from tests.helpers.analysis_stores import ISHIGAMI, TINY, build_store, ishigami  # noqa: E402
from tests.helpers.worlds import small_world  # noqa: E402
from tripwire.cli import main  # noqa: E402


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp("cli")
    assert (
        main(["run", "july1914", "--trials", "3000", "--seed", "1", "--out", str(d / "j.nc"), "--quiet"]) == 0
    )
    build_store(d / "s.zarr", TINY, ISHIGAMI, design="sobol", n=64, trials=10**9, fn=ishigami)
    build_store(
        d / "g.zarr",
        small_world(),
        {"escalation.deterrence": [0.0, 1.0, 2.0], "policy.communication": [0.0, 0.5]},
        design="grid",
        trials=400,
        seed=2,
    )
    return d


def test_entangle(files, capsys):
    out, fig = files / "ent.nc", files / "ent.png"
    assert main(["entangle", "july1914", "--trials", "200", "--out", str(out), "--plot", str(fig)]) == 0
    text = capsys.readouterr().out
    assert "most vulnerable states" in text and "states dragged in" in text
    ds = xr.open_dataset(out)
    assert ds.p_drawn_in.dims == ("origin", "state") and fig.stat().st_size > 10_000
    assert main(["entangle", "july1914", "--trials", "50", "--origins", "AUH->SRB,RUS->AUH"]) == 0
    assert main(["entangle", "july1914", "--origins", "AUH->XXX"]) == 2
    assert "unknown state" in capsys.readouterr().err


def test_analyze_sobol_prim_delta_criticality(files, capsys):
    out = files / "si.nc"
    assert main(["analyze", str(files / "s.zarr"), "--sobol", "--sel", "level=war", "--out", str(out)]) == 0
    si = xr.open_dataset(out)
    assert si.S1.dims == ("param",) and si.attrs["tripwire_analysis"] == "sobol"
    csv = files / "boxes.csv"
    assert (
        main(["analyze", str(files / "s.zarr"), "--prim", "0.6", "--sel", "level=war", "--out", str(csv)])
        == 0
    )
    assert "Box 1" in capsys.readouterr().out
    assert set(pd.read_csv(csv).columns) >= {"box", "param", "lo", "hi", "coverage", "density"}
    assert (
        main(
            ["analyze", str(files / "g.zarr"), "--delta", "--sel", "level=war", "--out", str(files / "d.csv")]
        )
        == 0
    )
    assert (
        main(["analyze", "july1914", "--criticality", "--trials", "500", "--out", str(files / "crit.nc")])
        == 0
    )
    assert "paired 95 % intervals" in capsys.readouterr().out
    # an incomplete or wrong store: a clear error, exit 2
    assert main(["analyze", str(files / "g.zarr"), "--sobol"]) == 2
    assert "needs a sobol design" in capsys.readouterr().err


@pytest.mark.parametrize(
    "args",
    [
        ["j.nc", "exceedance"],
        ["j.nc", "ccdf"],
        ["j.nc", "network"],
        ["j.nc", "map"],
        ["g.zarr", "heatmap", "--x", "escalation.deterrence", "--y", "policy.communication"],
        ["g.zarr", "exceedance", "--by", "escalation.deterrence", "--sel", "policy.communication=0.5"],
        ["s.zarr", "sobol", "--sel", "level=war"],
    ],
    ids=lambda a: "-".join(a[:2]),
)
def test_plot(files, args, capsys):
    for suffix in (".png", ".svg", ".pdf"):
        out = files / f"fig-{Path(args[0]).stem}-{args[1]}{suffix}"
        assert main(["plot", str(files / args[0]), *args[1:], "--out", str(out)]) == 0
        head = out.read_bytes()[:8]
        assert head.startswith({".png": b"\x89PNG", ".svg": b"<?xml", ".pdf": b"%PDF"}[suffix])


def test_figures_and_tables_never_replace_a_file_unasked(files, tmp_path, capsys):
    out = tmp_path / "mine.png"
    out.write_bytes(b"the user's own picture")
    assert main(["plot", str(files / "j.nc"), "ccdf", "--out", str(out)]) == 2
    assert (
        "already exists; pass --force" in capsys.readouterr().err
        and out.read_bytes() == b"the user's own picture"
    )
    assert main(["plot", str(files / "j.nc"), "ccdf", "--out", str(out), "--force"]) == 0
    assert out.read_bytes()[:4] == b"\x89PNG" and not list(tmp_path.glob(".*partial*"))
    assert main(["plot", str(files / "j.nc"), "ccdf", "--out", str(tmp_path / "nodir" / "f.png")]) == 2
    assert "does not exist; create it first" in capsys.readouterr().err
    page = tmp_path / "page.html"
    page.write_text("mine")
    assert main(["report", str(files / "j.nc"), "-o", str(page)]) == 2 and page.read_text() == "mine"
    table = tmp_path / "t_state.csv"
    table.write_text("mine")
    assert main(["export", str(files / "j.nc"), "--out", str(tmp_path / "t.csv")]) == 2
    assert table.read_text() == "mine" and not (tmp_path / "t_level.csv").exists()  # checked before any write
    assert main(["export", str(files / "j.nc"), "--out", str(tmp_path / "t.csv"), "--force"]) == 0
    assert "ccode" in pd.read_csv(table).columns


def test_plot_errors(files, capsys):
    assert main(["plot", str(files / "g.zarr"), "heatmap", "--out", str(files / "x.png")]) == 2
    assert "--x DIM and --y DIM" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["plot", str(files / "j.nc"), "map", "--out", str(files / "x.gif")])


def test_report_and_export(files, capsys):
    html = files / "r.html"
    assert main(["report", str(files / "g.zarr"), "-o", str(html)]) == 0
    assert "<script" not in html.read_text()
    assert main(["export", str(files / "j.nc"), "--format", "dta", "--out", str(files / "j.dta")]) == 0
    assert "ccode" in pd.read_stata(files / "j_state.dta").columns
    assert (
        main(
            [
                "export",
                str(files / "g.zarr"),
                "--format",
                "csv",
                "--table",
                "state",
                "--out",
                str(files / "gs.csv"),
            ]
        )
        == 0
    )
    df = pd.read_csv(files / "gs.csv")
    assert list(df.columns[:3]) == ["escalation.deterrence", "policy.communication", "state"]
    assert main(["export", str(files / "j.nc"), "--table", "nope", "--out", str(files / "x.csv")]) == 2
