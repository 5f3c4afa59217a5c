"""The README's examples run as written, and CI runs the README's test command."""

import re

from conftest import REPO

README = (REPO / "README.md").read_text()


def blocks(lang: str) -> list[str]:
    return re.findall(rf"```{lang}\n(.*?)```", README, flags=re.S)


def test_quick_start_is_two_commands_and_ci_runs_the_test_command():
    quick = README.split("## Quick start")[1].split("\n## ")[0]
    commands = re.findall(r"```bash\n(.*?)\n```", quick, flags=re.S)
    assert len(commands) == 2
    assert commands[0].endswith("tripwire run july1914")
    ci_lines = [ln for ln in (REPO / ".ci" / "run").read_text().splitlines() if ln and not ln.startswith(("#", "set ", "cd "))]
    assert ci_lines == [commands[1]]


def test_python_examples_run(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    namespace: dict = {}
    for code in blocks("python"):  # one session, as in a notebook
        exec(compile(code, "README.md", "exec"), namespace)
    out = capsys.readouterr().out
    assert "unknown key 'relability' (did you mean 'reliability'?)" in out
    assert (tmp_path / "july1914.nc").exists()
