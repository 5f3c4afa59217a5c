"""The docs are in step with the code and their examples run as written."""

import glob as globmod
import inspect
import re
import shlex
from importlib import import_module

import pytest
import yaml

import tripwire
from tests.helpers.paths import REPO, link_shared_data
from tripwire import defaults
from tripwire.cli import build_parser, main
from tripwire.crisis.results import TALLIES
from tripwire.world import kinds, reference
from tripwire.world.template import template

DOCS = REPO / "docs"
README = (REPO / "README.md").read_text()


def blocks(lang: str, text: str) -> list[str]:
    return re.findall(rf"```{lang}\n(.*?)```", text, flags=re.S)


# -- the world-file reference ---------------------------------------------------------------------------
def test_world_file_reference_is_generated_from_the_models():
    text = (DOCS / "world-file.md").read_text()
    generated = text[text.index(reference.BEGIN) : text.index(reference.END) + len(reference.END)]
    assert generated == reference.generate(), "run: python -m tripwire.world.reference docs/world-file.md"


def test_every_key_of_every_model_has_a_meaning():
    for _, model, meanings, _ in reference.SECTIONS:
        assert set(meanings) == set(model.model_fields), model.__name__


def test_the_complete_example_is_the_template_and_valid():
    text = (DOCS / "world-file.md").read_text()
    example = [b for b in blocks("yaml", text) if "name: my_world" in b]
    assert len(example) == 1
    assert example[0].rstrip() == template("my_world", "my_world.yaml").rstrip()
    assert tripwire.load_world(yaml.safe_load(example[0])).name == "my_world"


def test_world_file_commands_run_as_written(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (line,) = [b.strip() for b in blocks("bash", (DOCS / "world-file.md").read_text())]
    for command in line.split("&&"):
        argv = shlex.split(command)
        assert argv[0] == "tripwire"
        assert main(argv[1:]) == 0, command
    assert "trials/s" in capsys.readouterr().out


# -- the model page ------------------------------------------------------------------------------------
def test_model_page_defaults_match_the_code():
    text = (DOCS / "model.md").read_text()
    rows = dict(re.findall(r"^\| ([^|]+?) \| ([^|]+?) \| [^|]+ \|$", text, flags=re.M))
    assert rows["reliability of defence and offence obligations"] == f"{kinds.get('defense').reliability:g}"
    assert kinds.get("offense").reliability == kinds.get("defense").reliability
    assert (
        rows["reliability of entente and consultation obligations"] == f"{kinds.get('entente').reliability:g}"
    )
    assert kinds.get("consultation").reliability == kinds.get("entente").reliability
    assert kinds.get("consultation").trigger == 0
    assert all(kinds.get(k).trigger == defaults.WAR_LEVEL for k in ("defense", "offense", "entente"))
    assert rows["rivalry hostility"] == f"{defaults.RIVALRY_HOSTILITY:g}"
    assert rows["`up`"] == f"{defaults.UP:g} at every level"
    assert rows["`settle`"] == f"{defaults.SETTLE:g} at every level"
    assert rows["`deterrence` γ"] == f"{defaults.DETERRENCE:g}"
    assert rows["`misperception` σ"] == f"{defaults.MISPERCEPTION:g}"
    assert rows["`max_rounds`"] == str(defaults.MAX_ROUNDS)
    assert rows["ladder"].startswith(", ".join(defaults.LADDER_LEVELS) + f"; war = `{defaults.LADDER_WAR}`")


def test_model_page_lists_every_output_tally():
    text = (DOCS / "model.md").read_text()
    listed = set(re.findall(r"^\| `(\w+)`(?:, `(\w+)`)? \|", text, flags=re.M))
    names = {n for pair in listed for n in pair if n}
    assert set(TALLIES) <= names, set(TALLIES) - names


# -- the API page --------------------------------------------------------------------------------------
def _plain_signature(obj) -> str:
    parts, star = [], False
    for p in inspect.signature(obj).parameters.values():
        if p.kind is p.VAR_POSITIONAL:
            parts.append(f"*{p.name}")
            star = True
            continue
        if p.kind is p.VAR_KEYWORD:
            parts.append(f"**{p.name}")
            continue
        if p.kind is p.KEYWORD_ONLY and not star:
            parts.append("*")
            star = True
        parts.append(p.name if p.default is p.empty else f"{p.name}={p.default!r}")
    return ", ".join(parts)


def test_api_page_documents_every_public_name_with_its_signature():
    text = (DOCS / "api.md").read_text()
    headings = re.findall(r"^#### (.+)$", text, flags=re.M)
    documented = {name for h in headings for name in re.findall(r"`(\w+)`", h)}
    assert set(tripwire.__all__) <= documented, set(tripwire.__all__) - documented
    sections = re.split(r"^#### ", text, flags=re.M)[1:]
    checked = 0
    for section in sections:
        for name, args in re.findall(r"^tripwire\.(\w+)\((.*)\)$", section, flags=re.M):
            packages = {"sweep": "tripwire.sweep.run", "horizon": "tripwire.horizon.simulate"}
            obj = (
                getattr(import_module(packages[name]), name) if name in packages else getattr(tripwire, name)
            )
            assert args == _plain_signature(obj), name
            checked += 1
    assert checked >= 10


def test_api_page_example_runs(capsys):
    code = blocks("python", (DOCS / "api.md").read_text())[0]  # the others are signatures
    exec(compile(code, "docs/api.md", "exec"), {})
    assert "'level': 'war'" in capsys.readouterr().out


# -- no citations of a document users do not have -------------------------------------------------------


def test_user_facing_text_does_not_cite_the_design_contract():
    files = [
        REPO / "README.md",
        *DOCS.glob("*.md"),
        *(REPO / "src").rglob("*.py"),
        *(REPO / "kernels").rglob("*.py"),
        *(REPO / "configs").rglob("*.yaml"),
        *(REPO / "configs").rglob("*.md"),
    ]
    citing = {
        str(f.relative_to(REPO)) for f in files if re.search(r"DESIGN(\.md)? ?§|DESIGN\.md", f.read_text())
    }
    assert citing == set(), "cite docs/model.md (or another page users have) instead"


# -- the README -----------------------------------------------------------------------------------------
def tripwire_commands(text: str) -> list[str]:
    commands = []
    for block in blocks("bash", text):
        for line in block.splitlines():
            line = line.split("   #")[0].strip()
            for part in line.split("&&"):
                part = part.strip()
                if part.startswith("tripwire "):
                    commands.append(part)
    return commands


def test_readme_says_how_long_the_tests_take():
    assert re.search(r"the test suite .*; it takes about \d+ minutes on a 2-core machine", README, flags=re.S)


def test_readme_commands_parse():
    parser = build_parser()
    commands = tripwire_commands(README)
    assert len(commands) >= 12
    for command in commands:
        argv = [x for a in shlex.split(command)[1:] for x in (sorted(REPO.glob(a)) if "*" in a else [a])]
        argv = [str(a) for a in argv]
        parser.parse_args(argv)  # exits on an unknown option or a bad value


def test_readme_world_line_names_the_real_data_files(data_dir):
    (line,) = [c for c in tripwire_commands(README) if c.startswith("tripwire world")]
    argv = shlex.split(line)
    for flag in ("--atop-members", "--nmc"):
        path = argv[argv.index(flag) + 1]
        assert (
            path.startswith("../shared/data/") and (data_dir / path.removeprefix("../shared/data/")).is_file()
        ), path


@pytest.mark.slow
def test_readme_command_lines_run_as_written(tmp_path, monkeypatch, capsys):
    """Every command line of the README's command-line and sweep sections, in a folder laid out
    like a checkout (``configs`` and ``../shared``), split and globbed as a shell would; a line that
    needs a batch cluster is only parsed (above), and the other sections' examples are run by their
    own tests. (Fresh processes are tested in tests/cli/test_cli.py.)"""
    checkout = tmp_path / "checkout"
    checkout.mkdir()
    (checkout / "configs").symlink_to(REPO / "configs")
    link_shared_data(tmp_path)
    monkeypatch.chdir(checkout)
    has_data = (tmp_path / "shared" / "data" / "atop_v4.01_member_level.csv").exists()
    ran = []
    sections = [
        README.split(f"## {title}\n")[1].split("\n## ")[0]
        for title in ("Command line", "Sweeps and cluster runs")
    ]
    for block in blocks("bash", "\n".join(sections)):
        for line in block.splitlines():
            line = line.split("  #")[0].strip()
            if not line.startswith("tripwire ") or "--cluster" in line:
                continue
            if not has_data and ("../shared/data" in line or "w1914.yaml" in line):
                continue
            for command in line.split("&&"):
                words = shlex.split(command)
                argv = [x for w in words[1:] for x in (sorted(globmod.glob(w)) if "*" in w else [w])]
                assert words[0] == "tripwire" and main(argv) == 0, f"{command}\n{capsys.readouterr()}"
            ran.append(line)
    assert any(line.startswith("tripwire compare") for line in ran)
    assert any(line.startswith("tripwire sweep") for line in ran)
    assert (checkout / "july1914.zarr").is_dir() and (checkout / "my_world.yaml").is_file()
