"""The README's examples run as written, and CI runs the README's test command."""

import re

import pytest

from tests.helpers.paths import REPO, link_shared_data

README = (REPO / "README.md").read_text()


def blocks(lang: str, text: str = README) -> list[str]:
    return re.findall(rf"```{lang}\n(.*?)```", text, flags=re.S)


def test_quick_start_is_two_commands_and_ci_runs_the_test_command():
    quick = README.split("## Quick start")[1].split("\n## ")[0]
    commands = re.findall(r"```bash\n(.*?)\n```", quick, flags=re.S)
    assert len(commands) == 2
    assert commands[0].endswith("tripwire run july1914")
    ci_lines = [
        ln
        for ln in (REPO / ".ci" / "run").read_text().splitlines()
        if ln and not ln.startswith(("#", "set ", "cd "))
    ]
    install, tests = commands[1].split(" && ")
    assert ci_lines == [install, "python -m ruff check .", "python -m ruff format --check .", tests]


def test_python_examples_run(tmp_path, monkeypatch, capsys):
    # run from a folder whose ../shared/data is the real data, as beside a checkout
    has_data = link_shared_data(tmp_path)
    (tmp_path / "work").mkdir()
    monkeypatch.chdir(tmp_path / "work")
    namespace: dict = {}
    for code in blocks("python"):  # one session, as in a notebook
        exec(compile(code, "README.md", "exec"), namespace)
    out = capsys.readouterr().out
    assert "unknown key 'relability' (did you mean 'reliability'?)" in out
    assert (tmp_path / "work" / "july1914.nc").exists()
    if has_data:  # the data example ran: 30 treaties, then P(war)
        assert re.search(r"^30 0\.\d+$", out, flags=re.M), out


@pytest.mark.slow
@pytest.mark.timeout(1200)  # three sweeps, an entanglement map and a criticality run
def test_analysis_doc_runs_and_draws_its_figures(tmp_path, monkeypatch):
    import matplotlib

    matplotlib.use("Agg")
    monkeypatch.chdir(tmp_path)
    doc = (REPO / "docs" / "analysis.md").read_text()
    namespace: dict = {}
    for code in blocks("python", doc):
        exec(compile(code, "docs/analysis.md", "exec"), namespace)
    drawn = {p.name for p in (tmp_path / "figures").glob("*.png")}
    linked = set(re.findall(r"\(figures/([\w.]+\.png)\)", doc))
    assert linked and linked == drawn  # every figure the page shows is drawn by its own code
    committed = {p.name for p in (REPO / "docs" / "figures").glob("*.png")}
    assert linked <= committed
    readme_figures = set(re.findall(r"\(docs/figures/([\w.]+\.png)\)", README))
    assert readme_figures <= committed
    html = (tmp_path / "cuba1962.html").read_text()
    assert "<script" not in html and (tmp_path / "cuba1962_state.dta").exists()
