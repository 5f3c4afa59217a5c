"""World validation: every rule has a test, and every message names the field, what it saw and the fix."""

import copy
import re

import pytest
import yaml

import tripwire
from tests.helpers.worlds import small_world
from tripwire.errors import WorldError


def problems(**changes) -> str:
    world = small_world()
    for path, value in changes.items():
        target = world
        keys = path.split("__")
        for key in keys[:-1]:
            target = target[int(key)] if key.isdigit() else target[key]
        last = keys[-1]
        target[int(last) if last.isdigit() else last] = value
    with pytest.raises(WorldError) as info:
        tripwire.load_world(world)
    return str(info.value)


def test_valid_world_resolves_defaults_and_round_trips():
    world = tripwire.World.model_validate(
        {
            "name": "w",
            "states": [{"code": "A", "capability": 1}, {"code": "B", "capability": 0}],
            "treaties": [
                {"name": "AB", "kind": "defense", "members": ["A", "B"]},
                {"name": "AB talks", "kind": "consultation", "members": ["A", "B"]},
            ],
            "rivalries": [{"states": ["A", "B"]}],
            "origins": "rivalries",
        }
    )
    assert world.treaties[0].reliability == 0.75 and world.treaties[0].trigger == "war"
    assert world.treaties[1].reliability == 0.5 and world.treaties[1].trigger == "crisis"
    assert world.rivalries[0].hostility == 0.5 and world.rivalries[0].trigger == "war"
    assert world.escalation.up == [0.3] * 4 and world.escalation.settle == [0.2] * 5
    assert world.states[0].name == "A"
    again = tripwire.World.model_validate(world.resolved())
    assert again == world and again.hash == world.hash


def test_trigger_by_index_and_custom_war_level():
    world = tripwire.World.model_validate(
        {
            **small_world(),
            "ladder": {"levels": ["a", "b", "c", "d"], "war": 2},
            "treaties": [
                {"name": "BC", "kind": "defense", "members": ["B", "C"]},
                {"name": "BD", "kind": "entente", "members": ["B", "D"], "trigger": 1},
            ],
            "rivalries": [],
        }
    )
    assert world.ladder.war == "c"
    assert world.treaties[0].trigger == "c" and world.treaties[1].trigger == "b"


@pytest.mark.parametrize(
    "changes, expected",
    [
        ({"states__1__code": "A"}, r"duplicate state code\(s\) \['A'\]"),
        (
            {"treaties__0__members": ["B", "XYZ"]},
            r"treaties\[0\] 'BC defense' members lists unknown state 'XYZ'; known codes: A, B, C, D, E",
        ),
        (
            {"treaties__0__reliability": 1.5},
            r"treaties\[0\]\.reliability: Input should be less than or equal to 1 \(saw 1\.5\)",
        ),
        (
            {"rivalries__0__hostility": -0.1},
            r"rivalries\[0\]\.hostility: Input should be greater than or equal to 0",
        ),
        ({"policy": {"communication": 2}}, r"policy\.communication: Input should be less than or equal to 1"),
        (
            {"states__2__capability": -1.0},
            r"states\[2\]\.capability: Input should be greater than or equal to 0 \(saw -1\.0\)",
        ),
        (
            {"states__2__capability": float("nan")},
            r"states\[2\]\.capability: Input should be a finite number",
        ),
        (
            {"states__2__capability": float("inf")},
            r"states\[2\]\.capability: Input should be a finite number",
        ),
        (
            {"escalation__up": [0.1, 0.2]},
            r"escalation\.up has 2 value\(s\) but the ladder \(4 levels\) needs 3",
        ),
        (
            {"escalation__settle": [0.1]},
            r"escalation\.settle has 1 value\(s\) but the ladder \(4 levels\) needs 4",
        ),
        (
            {"treaties__0__trigger": "nuclear"},
            r"treaties\[0\] 'BC defense' trigger: unknown level 'nuclear'; ladder levels: crisis, clash, war, general_war",
        ),
        ({"treaties__0__trigger": 9}, r"level index 9 is outside the ladder \(0\.\.3\)"),
        (
            {"treaties__0__members": ["B"]},
            r"treaty 'BC defense' has 1 distinct member\(s\) \['B'\]; a treaty needs at least two members",
        ),
        ({"treaties__3__guarantors": ["A"]}, r"guarantor\(s\) \['A'\] are not members \['B', 'E'\]"),
        ({"origins__0__target": "A"}, r"origin A->A: initiator and target are the same state"),
        ({"origins": []}, r"origins: the list is empty"),
        ({"origins__1__initiator": "Q"}, r"origins\[1\] initiator lists unknown state 'Q'"),
        (
            {"treaties__0__relability": 0.5},
            r"unknown key 'relability' \(did you mean 'reliability'\?\) in treaty; valid keys: atopid, ended, guarantors, kind, members, name, reliability, renewal, review, signed, term, trigger",
        ),
        ({"escalaton": {}}, r"unknown key 'escalaton' \(did you mean 'escalation'\?\) in world"),
        (
            {"treaties__0__kind": "alliance"},
            r"treaties\[0\]\.kind: Input should be 'defense', 'offense', 'entente', 'consultation', 'neutrality' or 'nonaggression'",
        ),
        ({"ladder": {"levels": ["a", "a"], "war": "a"}}, r"ladder\.levels repeats \['a'\]"),
        (
            {"ladder": {"levels": ["a", "b"], "war": "c"}},
            r"ladder\.war: unknown level 'c'; ladder levels: a, b",
        ),
        ({"treaties__1__name": "BC defense"}, r"duplicate treaty name\(s\) \['BC defense'\]"),
        ({"rivalries__1__states": ["C", "A"]}, r"rivalries\[1\]: rivalry \['C', 'A'\] is listed twice"),
        ({"rivalries__0__states": ["A", "A"]}, r"a rivalry needs two different states"),
    ],
)
def test_validation_errors(changes, expected):
    message = problems(**changes)
    assert re.search(expected, message), message


def test_origins_rivalries_needs_a_rivalry():
    assert "origins: 'rivalries' needs at least one rivalry" in problems(origins="rivalries", rivalries=[])


def test_errors_are_all_reported_at_once():
    world = small_world()
    world["states"].append({"code": "A", "capability": 0.1})
    world["treaties"][0]["members"] = ["B", "XYZ"]
    with pytest.raises(WorldError) as info:
        tripwire.load_world(world)
    message = str(info.value)
    assert message.startswith("world: 2 problem(s)\n"), message
    assert "duplicate state code(s) ['A']" in message and "unknown state 'XYZ'" in message


def test_world_file_errors(tmp_path):
    path = tmp_path / "w.yaml"
    path.write_text(yaml.safe_dump(small_world()) + "name: again\n")
    with pytest.raises(WorldError, match="key 'name' is given twice"):
        tripwire.load_world(path)
    path.write_text("- a list\n")
    with pytest.raises(WorldError, match="must be a mapping of keys"):
        tripwire.load_world(path)
    path.write_text("name: [unclosed\n")
    with pytest.raises(WorldError, match="not valid YAML"):
        tripwire.load_world(path)
    with pytest.raises(FileNotFoundError, match="does not exist"):
        tripwire.load_world(tmp_path / "missing.yaml")
    with pytest.raises(
        FileNotFoundError, match="neither a world file nor a bundled scenario; bundled scenarios: .*july1914"
    ):
        tripwire.load_world("july1915")


def test_world_file_round_trip(tmp_path):
    world = tripwire.load_world(copy.deepcopy(small_world()))
    path = tmp_path / "w.yaml"
    path.write_text(world.to_yaml())
    assert tripwire.load_world(path) == world


def test_bundled_scenarios_validate():
    names = tripwire.bundled_scenarios()
    assert "july1914" in names
    for name in names:
        world = tripwire.load_world(name)
        assert world.name == name
