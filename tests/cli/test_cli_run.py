"""``tripwire run`` and friends as a user meets them: safe outputs, counts as typed, a time estimate,
what-if options, clear errors, and summaries that say what they count."""

import re
import sys

import numpy as np
import pytest
import yaml
from rich.console import Console

import tripwire
from tests.helpers.worlds import small_world
from tripwire.cli import main
from tripwire.cli.trials import confirm_long
from tripwire.errors import ParamError
from tripwire.io.results import open_result


@pytest.fixture()
def world_file(tmp_path):
    path = tmp_path / "small.yaml"
    path.write_text(yaml.safe_dump(small_world()))
    return path


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


# -- Why: `run --out mythesis.zarr` deleted a folder of the user's files; --out replaced a sweep store ----
def test_run_out_leaves_a_folder_of_user_files_alone(world_file, tmp_path, capsys):
    thesis = tmp_path / "mythesis.zarr"
    thesis.mkdir()
    (thesis / "chapter1.tex").write_text("months of work")
    for extra in ([], ["--force"]):
        code, out, err = run(capsys, "run", world_file, "--trials", "1000", "--out", thesis, *extra)
        assert code == 2
        assert "exists and is a folder that tripwire did not write; it is left alone" in err
        assert "trials/s" not in out  # refused before running
    assert (thesis / "chapter1.tex").read_text() == "months of work"
    assert sorted(p.name for p in thesis.iterdir()) == ["chapter1.tex"]


def test_run_out_leaves_a_sweep_store_alone(world_file, tmp_path, capsys):
    from tripwire.sweep.plan import plan_sweep
    from tripwire.sweep.store import prepare

    store = tmp_path / "sweep.zarr"
    prepare(
        plan_sweep(tripwire.load_world(small_world()), {"policy.communication": [0.0, 0.5]}, trials=10), store
    )
    files = sorted(p.relative_to(store) for p in store.rglob("*"))
    code, out, err = run(capsys, "run", world_file, "--trials", "1000", "--out", store, "--force")
    assert code == 2 and "is a sweep store; a run never replaces one" in err
    assert sorted(p.relative_to(store) for p in store.rglob("*")) == files


def test_run_out_replaces_its_own_result_only_with_force(world_file, tmp_path, capsys):
    out = tmp_path / "r.nc"
    assert run(capsys, "run", world_file, "--trials", "1000", "--out", out)[0] == 0
    code, _, err = run(capsys, "run", world_file, "--trials", "2000", "--out", out)
    assert code == 2 and "already holds a tripwire result; pass --force to replace it" in err
    assert int(open_result(out).trials) == 1000
    assert run(capsys, "run", world_file, "--trials", "2000", "--out", out, "--force")[0] == 0
    assert int(open_result(out).trials) == 2000
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.nc", "small.yaml"]


# -- Why: `--out nodir/x.nc` was checked only after the simulation -------------------------------------
def test_a_missing_output_folder_is_refused_before_the_run(world_file, tmp_path, capsys):
    # 10**15 trials would take years: only a check made before any work can answer at once
    code, out, err = run(capsys, "run", world_file, "--trials", "1e15", "--out", tmp_path / "nodir" / "x.nc")
    assert code == 2
    assert (
        err.startswith("error: cannot write")
        and "the folder" in err
        and "does not exist; create it first" in err
    )
    assert "Traceback" not in err and out == ""


# -- Why: `--trials 10**13` started a 46-day run without a word; 10**23 was accepted; 1e6 was refused ----
def test_a_run_of_more_than_a_day_needs_yes_in_batch_mode(world_file, capsys):
    code, out, err = run(capsys, "run", world_file, "--trials", "1e13")
    assert code == 2
    assert "10,000,000,000,000 trials of small would take about" in err
    assert "pass --yes to run it anyway, or ask for fewer trials with --trials" in err
    assert "trials/s" not in out


def test_beyond_int64_is_refused_and_1e6_is_a_count(world_file, capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["run", str(world_file), "--trials", "1e23"])
    assert exit_.value.code == 2
    assert (
        "must be at most 2**63 - 1 = 9,223,372,036,854,775,807 (a 64-bit integer), saw '1e23'"
        in capsys.readouterr().err
    )
    with pytest.raises(SystemExit):
        main(["run", str(world_file), "--trials", "2.5"])
    assert "it has a fractional part" in capsys.readouterr().err
    code, out, _ = run(capsys, "run", world_file, "--trials", "2e3", "--quiet")
    assert code == 0 and out.startswith("2,000 trials in")


def test_the_prompt_on_a_terminal(monkeypatch):
    terminal = Console(force_terminal=True, file=sys.stderr)
    monkeypatch.setattr(sys.stdin, "isatty", lambda: True)
    answers = iter(["n", "y"])
    monkeypatch.setattr(terminal, "input", lambda prompt: next(answers))
    assert confirm_long(2 * 86_400.0, "1e13 trials", yes=False, console=terminal) is False
    assert confirm_long(2 * 86_400.0, "1e13 trials", yes=False, console=terminal) is True
    assert confirm_long(2 * 86_400.0, "1e13 trials", yes=True, console=terminal) is True
    assert confirm_long(3600.0, "1e9 trials", yes=False, console=terminal) is True
    monkeypatch.setattr(sys.stdin, "isatty", lambda: False)
    with pytest.raises(ParamError, match="would take about 2 days on this machine; pass --yes"):
        confirm_long(2 * 86_400.0, "1e13 trials", yes=False, console=terminal)


# -- Why: "what if" needed Python and an unexported function ------------------------------------------
def test_what_if_options_give_the_world_they_describe(world_file, tmp_path, capsys):
    out = tmp_path / "w.zarr"
    code, text, _ = run(
        capsys,
        "run",
        world_file,
        "--trials",
        "3000",
        "--seed",
        "5",
        "--out",
        out,
        "--set",
        "policy.communication=0.8",
        "--set",
        "treaty.AD offense.active=false",
        "--without",
        "BC defense",
        "--origin",
        "D:C",
        "--origin",
        "A:B:3",
    )
    assert code == 0
    assert (
        "what if: origins D->C, A->B; policy.communication = 0.8; treaty.AD offense.active = false; "
        "without 'BC defense'"
    ) in text
    data = tripwire.load_world(small_world()).resolved()
    data["origins"] = [
        {"initiator": "D", "target": "C", "weight": 1.0},
        {"initiator": "A", "target": "B", "weight": 3.0},
    ]
    world = tripwire.apply_params(
        tripwire.World.model_validate(data),
        {"policy.communication": 0.8, "treaty.AD offense.active": False, "treaty.BC defense.active": False},
    )
    expected = tripwire.simulate(world, 3000, seed=5)
    got = open_result(out)
    assert got.attrs.pop("what_if").startswith("origins D->C, A->B")
    assert got.identical(expected)


@pytest.mark.parametrize(
    "option, fragment",
    [
        (
            ["--set", "policy.comunication=0.8"],
            "--set/--without: unknown parameter path 'policy.comunication' (did you mean 'policy.communication'?)",
        ),
        (
            ["--set", "policy.communication=1.5"],
            "policy.communication = 1.5 is outside its range: it must be a probability in [0, 1]",
        ),
        (
            ["--without", "BC defence"],
            "--without 'BC defence': 'small' has no treaty of that name (did you mean 'BC defense'?)",
        ),
        (["--origin", "A:Q"], "--origin: origins[0] target lists unknown state 'Q'"),
    ],
)
def test_what_if_errors_name_the_option(world_file, capsys, option, fragment):
    code, _, err = run(capsys, "run", world_file, "--trials", "100", *option)
    assert code == 2 and fragment in err, err


@pytest.mark.parametrize(
    "option, fragment",
    [
        (["--set", "policy.communication"], "--set takes PATH=VALUE"),
        (["--set", "policy.communication=high"], "the value must be a number or true/false"),
        (["--origin", "AUH"], "an origin is INITIATOR:TARGET"),
    ],
)
def test_what_if_syntax_errors(world_file, capsys, option, fragment):
    with pytest.raises(SystemExit) as exit_:
        main(["run", str(world_file), *option])
    assert exit_.value.code == 2 and fragment in capsys.readouterr().err


# -- Why: the summary called per-edge counts "per trial", showed codes only, no sides, no origins -------
def test_summary_says_what_it_counts(capsys):
    ds = tripwire.simulate(small_world(), 4000, seed=2)
    s = tripwire.summarize(ds, top=None)
    n = 4000
    assert [row["name"] for row in s["states"]][:1] and {r["state"] for r in s["states"]} == set("ABCDE")
    for row in s["states"]:
        i = list(ds.state.values).index(row["state"])
        assert row["p_initiator"] + row["p_target"] == pytest.approx(row["p_involved"])
        assert (
            row["p_involved"] == int(ds.involved_count[i]) / n and row["lo"] <= row["p_involved"] <= row["hi"]
        )
    for row in s["treaties"]:
        h, f = (
            int(ds.treaty_honoured.sel(treaty=row["treaty"])),
            int(ds.treaty_failed.sel(treaty=row["treaty"])),
        )
        assert row["honoured_per_trial"] == h / n and row["failed_per_trial"] == f / n
        assert row["share_honoured"] == pytest.approx(h / (h + f))
    assert [o["origin"] for o in s["origins"]] == ["A->B", "D->C"]
    assert sum(o["trials"] for o in s["origins"]) == n
    counts = ds.origin_level_count.sel(origin="A->B").values
    assert s["origins"][0]["p_war"] == counts[2:].sum() / counts.sum()  # war is level 2 of 4
    assert "Monte Carlo error only" in s["note"] and "conditional on a crisis starting" in s["note"]
    sizes = np.arange(2, 6)
    per_trial = ds.outcome_count.sum("level").values
    var = (per_trial * sizes**2).sum() / n - s["expected_participants"] ** 2
    assert s["expected_participants_se"] == pytest.approx(np.sqrt(var / n))


def test_run_prints_names_sides_origins_treaty_obligations_and_the_note(world_file, capsys):
    code, out, _ = run(capsys, "run", world_file, "--trials", "2000")
    assert code == 0
    for fragment in (
        "on initiator side",
        "on target side",
        "by crisis origin",
        "A->B",
        "D->C",
        "obligations honoured per trial",
        "share honoured",
        "one member's duty to one other member",
        "Intervals are 95 % Wilson intervals for Monte Carlo error only (2,000 trials)",
        "conditional on a crisis starting",
    ):
        assert fragment in out, fragment


# -- Why: a saved run could not be printed again ----------------------------------------------------------
@pytest.mark.parametrize("suffix", [".nc", ".zarr"])
def test_show_prints_a_saved_run(world_file, tmp_path, capsys, suffix):
    out = tmp_path / f"r{suffix}"
    assert (
        run(
            capsys,
            "run",
            world_file,
            "--trials",
            "2000",
            "--seed",
            "9",
            "--out",
            out,
            "--set",
            "policy.defection=0",
        )[0]
        == 0
    )
    code, text, _ = run(capsys, "show", out)
    assert code == 0
    assert re.search(rf"^result +{re.escape(str(out))}$", text, flags=re.M)
    assert re.search(r"^trials +2,000, seed 9$", text, flags=re.M)
    assert re.search(r"^what if +policy.defection = 0$", text, flags=re.M)
    assert "final level ≥" in text and "states most likely drawn in" in text


def test_show_says_what_it_cannot_show(tmp_path, capsys):
    code, _, err = run(capsys, "show", tmp_path / "missing.zarr")
    assert code == 2 and "no result or sweep store at" in err
    (tmp_path / "x.zarr").mkdir()
    (tmp_path / "x.zarr" / "data").write_text("x")
    code, _, err = run(capsys, "show", tmp_path / "x.zarr")
    assert code == 2 and "is neither a tripwire run result" in err


# -- scenarios, new, validate, world --------------------------------------------------------------------
def test_scenarios_lists_every_bundled_world_with_its_question(capsys):
    code, out, _ = run(capsys, "scenarios")
    assert code == 0
    flat = " ".join(out.split())
    for name in tripwire.bundled_scenarios():
        world = tripwire.load_world(name)
        assert name in out
        assert " ".join(world.description.split()[:3]) in flat
    code, out, _ = run(capsys, "scenarios", "july1914")
    assert code == 0 and out.startswith("# The July Crisis of 1914") and "name: july1914" in out
    assert run(capsys, "scenarios", "july1915")[0] == 2


def test_new_writes_a_template_that_uses_every_key(tmp_path, capsys):
    from tripwire.world.model import (
        Border,
        BorderJoining,
        Escalation,
        Ladder,
        Neighbours,
        Origin,
        Policy,
        Rivalry,
        State,
        Treaty,
        World,
    )

    path = tmp_path / "my world.yaml"
    code, out, _ = run(capsys, "new", path)
    assert code == 0 and "wrote" in out
    data = yaml.safe_load(path.read_text())
    world = tripwire.load_world(path)
    assert world.name == "my_world"
    used = {
        World: set(data),
        Ladder: set(data["ladder"]),
        Escalation: set(data["escalation"]),
        Policy: set(data["policy"]),
        State: set().union(*data["states"]),
        Treaty: set().union(*data["treaties"]),
        Rivalry: set().union(*data["rivalries"]),
        Origin: set().union(*data["origins"]),
        Neighbours: set(data["neighbours"]),
        BorderJoining: set(data["neighbours"]["joining"]),
        Border: set().union(*data["borders"]),
    }
    for model, keys in used.items():
        assert keys == set(model.model_fields), (model.__name__, set(model.model_fields) - keys)
    code, _, err = run(capsys, "new", path)
    assert code == 2 and "exists; it is left alone" in err


def test_validate_reports_every_problem_of_every_file(world_file, tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    world = small_world()
    world["treaties"][0]["members"] = ["B", "XYZ"]
    world["states"][0]["capabilty"] = 1
    bad.write_text(yaml.safe_dump(world))
    folder = tmp_path / "folder"
    folder.mkdir()
    code, out, _ = run(capsys, "validate", world_file, bad, folder)
    assert code == 1
    assert "unknown key 'capabilty' (did you mean 'capability'?)" in out and "unknown state 'XYZ'" in out
    assert "is a folder, not a world file" in out


def test_world_needs_an_origin_in_command_line_words(tmp_path, capsys):
    args = [
        "world",
        "--atop-members",
        "m.csv",
        "--nmc",
        "n.csv",
        "--date",
        "1914",
        "-o",
        str(tmp_path / "w.yaml"),
    ]
    code, _, err = run(capsys, *args)
    assert code == 2
    assert "tripwire world needs --origin INITIATOR:TARGET" in err and "origins=[" not in err
    mine = tmp_path / "mine.yaml"
    mine.write_text("my notes")
    code, _, err = run(capsys, *args[:-1], mine, "--origin", "AUH:YUG")
    assert code == 2 and "was not written by `tripwire world`; it is left alone" in err
    assert mine.read_text() == "my notes"
