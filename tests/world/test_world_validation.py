"""Validation everywhere: on assignment, again before a run, every problem in one round, and clear
messages (no pydantic internals) for the inputs new users get wrong."""

import pytest
import yaml

import tripwire
from tests.helpers.worlds import small_world
from tripwire.errors import SweepError, WorldError
from tripwire.sweep.files import load_sweep

INTERNALS = ("list[", "literal[", "function-after", "constrained-float", "Field required", "pydantic")


def message(data) -> str:
    with pytest.raises(WorldError) as info:
        tripwire.load_world(data)
    text = str(info.value)
    assert not any(x in text for x in INTERNALS), text
    return text


# -- Why: `w.policy.communication = 5.0` was accepted and simulated; "high" failed deep inside ---------
@pytest.mark.parametrize(
    "value, fragment",
    [(5.0, "Input should be less than or equal to 1 (saw 5.0)"), ("high", "Input should be a valid number")],
)
def test_assignment_is_validated_and_refused_values_leave_the_world_alone(value, fragment):
    world = tripwire.load_world("july1914")
    with pytest.raises(WorldError) as info:
        world.policy.communication = value
    assert str(info.value).startswith(
        f"policy.communication = {value!r} was refused (the value is unchanged)"
    )
    assert fragment in str(info.value)
    assert world.policy.communication == 0.0


def test_assignment_checks_the_whole_world_where_it_can():
    world = tripwire.load_world(small_world())
    with pytest.raises(WorldError, match="origins\\[0\\] target lists unknown state 'Q'"):
        world.origins = [{"initiator": "A", "target": "Q"}]
    assert world.origins[0].label == "A->B"  # unchanged, though the rule that refused it spans the world
    with pytest.raises(WorldError, match="unknown level 'peace'"):
        world.ladder.war = "peace"
    assert world.ladder.war == "war"
    world.policy.defection = 0.5  # a valid value is taken
    assert tripwire.simulate(world, 100).attrs["world_hash"] == world.hash


def test_changes_assignment_cannot_see_are_caught_before_a_run():
    world = tripwire.load_world(small_world())
    world.escalation.up = [0.1]  # valid on its own, wrong for this ladder
    world.treaties[0].members.append("XYZ")  # a list changed in place
    with pytest.raises(WorldError) as info:
        tripwire.simulate(world, 100)
    text = str(info.value)
    assert text.startswith("world 'small' (changed after it was loaded): 2 problem(s)")
    assert "escalation.up has 1 value(s) but the ladder (4 levels) needs 3" in text
    assert "treaties[0] 'BC defense' members lists unknown state 'XYZ'" in text


# -- Why: problems reported in two rounds ------------------------------------------------------------
def test_every_problem_is_reported_in_one_round():
    world = small_world()
    world["treatys"] = []  # unknown key at the top
    world["states"][0]["capability"] = -1  # a bad value
    world["treaties"][1]["relability"] = 0.3  # an unknown key inside a treaty
    world["origins"][0]["target"] = "Q"  # an unknown state
    world["escalation"]["up"] = "high"  # a value of the wrong type
    text = message(world)
    assert text.startswith("world: 5 problem(s)\n"), text
    for fragment in (
        "unknown key 'treatys' (did you mean 'treaties'?) in world",
        "states[0].capability: Input should be greater than or equal to 0 (saw -1)",
        "treaties[1]: unknown key 'relability' (did you mean 'reliability'?) in treaty",
        "origins[0] target lists unknown state 'Q'; known codes: A, B, C, D, E",
        "escalation.up: expected a list or a number, saw 'high'",
    ):
        assert fragment in text, text


# -- Why: pydantic internals in origin errors ----------------------------------------------------------
@pytest.mark.parametrize(
    "origins, expected",
    [
        ([{"initiator": "A"}], "origins[0]: missing required key 'target'"),
        ("rivalry", "origins: expected a list or 'rivalries', saw 'rivalry'"),
        ([{"initiator": "A", "target": 3}], "origins[0].target: expected text or a list, saw 3"),
        ({"initiator": "A"}, "origins: expected a list or 'rivalries', saw a mapping"),
    ],
)
def test_origin_errors_speak_the_file_format(origins, expected):
    text = message(small_world(origins=origins))
    assert expected in text and "problem(s)" in text


def test_hazard_lists_name_the_bad_entry():
    world = small_world()
    world["escalation"]["up"] = [0.1, "x", 3]
    text = message(world)
    assert "escalation.up[1]: Input should be a valid number" in text
    assert "escalation.up[2]: Input should be less than or equal to 1 (saw 3)" in text


# -- Why: a directory, a binary file or a sweep file given as a world file ------------------------------
def test_a_folder_is_not_a_world_file(tmp_path):
    with pytest.raises(WorldError, match=r"is a folder, not a world file; give a world file \(\.yaml\)"):
        tripwire.load_world(tmp_path)
    result = tmp_path / "run.zarr"
    tripwire.write_dataset(tripwire.simulate(small_world(), 100), result)
    with pytest.raises(WorldError, match="is a folder, not a world file; it looks like a result store"):
        tripwire.load_world(result)


def test_a_binary_file_is_not_a_world_file(tmp_path):
    blob = tmp_path / "w.yaml"
    blob.write_bytes(bytes(range(256)))
    with pytest.raises(WorldError, match="w.yaml: is not a text file; a world file is YAML text"):
        tripwire.load_world(blob)
    nc = tmp_path / "run.nc"
    tripwire.write_dataset(tripwire.simulate(small_world(), 100), nc)
    with pytest.raises(WorldError, match=r"run.nc: is a netCDF file \(a result\?\), not a world file"):
        tripwire.load_world(nc)


def test_a_sweep_file_is_not_a_world_file(tmp_path):
    sweep = tmp_path / "s.yaml"
    sweep.write_text(
        yaml.safe_dump({"world": "july1914", "params": {"policy.communication": [0, 1]}, "trials": 10})
    )
    with pytest.raises(
        WorldError, match=r"this is a sweep file .* run it with `tripwire sweep .*s.yaml --out STORE.zarr`"
    ):
        tripwire.load_world(sweep)


def test_a_world_file_is_not_a_sweep_file(tmp_path):
    world = tmp_path / "w.yaml"
    world.write_text(yaml.safe_dump(small_world()))
    with pytest.raises(SweepError, match=r"this is a world file .* run it with `tripwire run .*w.yaml`"):
        load_sweep(world)
