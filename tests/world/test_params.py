"""Parameter paths: grammar, errors, and what setting each one does to a world."""

import math

import pytest

import tripwire
from tests.helpers.worlds import small_world
from tripwire.crisis.compile import compile_world
from tripwire.world.params import (
    PATH_FORMS,
    ParamError,
    apply_params,
    apply_to_dict,
    coerce_value,
    parse_path,
    valid_paths,
)


def test_every_path_form_parses(world):
    expected = {
        "escalation.deterrence": ("escalation", "deterrence"),
        "escalation.misperception": ("escalation", "misperception"),
        "escalation.up[2]": ("escalation", "up", 2),
        "escalation.up[clash]": ("escalation", "up", 1),
        "escalation.settle[general_war]": ("escalation", "settle", 3),
        "escalation.up": ("escalation", "up", None),
        "policy.communication": ("policy", "communication"),
        "policy.dispute_resolution": ("policy", "dispute_resolution"),
        "policy.confidence_building": ("policy", "confidence_building"),
        "policy.defection": ("policy", "defection"),
        "treaties.reliability": ("treaties",),
        "treaty.BC defense.reliability": ("treaty", "BC defense", "reliability"),
        "treaty.DE neutrality.active": ("treaty", "DE neutrality", "active"),
        "state.C.capability": ("state", "C"),
    }
    for path, target in expected.items():
        p = parse_path(path, world)
        assert p.target == target, path
        assert p.path == path
    assert parse_path("treaty.DE neutrality.active", world).kind == "bool"
    assert parse_path("state.C.capability", world).hi == math.inf
    assert parse_path("policy.defection", world).hi == 1.0


def test_valid_paths_all_parse_and_apply(world):
    paths = valid_paths(world)
    assert "treaty.BC defense.reliability" in paths and "treaty.DE neutrality.active" in paths
    assert "treaty.DE neutrality.reliability" not in paths  # a pledge's reliability is unused
    assert len(paths) == len(set(paths))
    for path in paths:
        p = parse_path(path, world)
        # whole years for terms; small horizon values keep the arms system stable
        value = (
            False
            if p.kind == "bool"
            else 2
            if p.kind == "int"
            else 0.1
            if path.startswith("horizon.")
            else 0.5
        )
        changed = apply_params(world, {path: value})
        assert isinstance(changed, tripwire.World)


def test_unknown_path_lists_valid_paths_and_suggests(world):
    with pytest.raises(ParamError) as err:
        parse_path("policy.comunication", world)
    msg = str(err.value)
    assert "unknown parameter path 'policy.comunication'" in msg
    assert "did you mean 'policy.communication'?" in msg
    for form in PATH_FORMS:
        assert form in msg
    assert "'BC defense'" in msg and "'E'" in msg  # treaty names and state codes are listed


@pytest.mark.parametrize(
    "path, fragment",
    [
        ("treaty.BC defence.reliability", "unknown treaty 'BC defence' (did you mean 'BC defense'?)"),
        ("treaty.BC defense.trigger", "unknown parameter path"),
        ("state.X.capability", "unknown state 'X'; state codes of 'small': 'A', 'B'"),
        ("escalation.up[general_war]", "K must be 0..2 or one of crisis, clash, war"),
        ("escalation.settle[7]", "K must be 0..3"),
        ("escalation.up[peace]", "unknown level 'peace'; ladder levels: crisis, clash, war, general_war"),
        ("treaty.DE neutrality.reliability", "sweep 'treaty.DE neutrality.active' instead"),
        ("escalation.max_rounds", "unknown parameter path"),
        ("deterrence", "unknown parameter path"),
    ],
)
def test_path_errors_say_how_to_fix(world, path, fragment):
    with pytest.raises(ParamError) as err:
        parse_path(path, world)
    assert fragment in str(err.value)


def test_treaties_reliability_needs_an_obligation_treaty():
    only_pledge = small_world(
        treaties=[{"name": "DE neutrality", "kind": "neutrality", "members": ["D", "E"]}]
    )
    with pytest.raises(ParamError, match="has no obligation treaties"):
        parse_path("treaties.reliability", tripwire.World.model_validate(only_pledge))


def test_values_are_checked_against_the_range(world):
    comm = parse_path("policy.communication", world)
    assert coerce_value(comm, 1) == 1.0 and isinstance(coerce_value(comm, 1), float)
    for bad, fragment in (
        (1.5, "outside its range: it must be a probability in [0, 1]"),
        (-0.1, "outside its range"),
        (float("nan"), "outside its range"),
        (True, "takes a number"),
        ("0.5", "takes a number"),
    ):
        with pytest.raises(ParamError) as err:
            coerce_value(comm, bad)
        assert fragment in str(err.value), bad
    cap = parse_path("state.A.capability", world)
    assert coerce_value(cap, 12.5) == 12.5
    with pytest.raises(ParamError, match="must be a finite number >= 0"):
        coerce_value(cap, -1)
    with pytest.raises(ParamError, match="must be a finite number >= 0"):
        coerce_value(cap, math.inf)
    active = parse_path("treaty.BC defense.active", world)
    assert coerce_value(active, False) is False
    with pytest.raises(ParamError, match="takes true or false, saw 0"):
        coerce_value(active, 0)


def test_setting_each_path_changes_exactly_that_value(world):
    base = world.resolved()

    def changed(values):
        new = apply_params(world, values).resolved()
        return {k for k in base if base[k] != new[k]}, new

    keys, new = changed({"escalation.deterrence": 2.5})
    assert keys == {"escalation"} and new["escalation"]["deterrence"] == 2.5
    keys, new = changed({"escalation.up[1]": 0.9})
    assert new["escalation"]["up"] == [0.4, 0.9, 0.3]
    keys, new = changed({"escalation.settle": 0.05})
    assert new["escalation"]["settle"] == [0.05] * 4
    keys, new = changed({"policy.communication": 0.25})
    assert keys == {"policy"} and new["policy"] == {**base["policy"], "communication": 0.25}
    keys, new = changed({"state.B.capability": 0.6})
    assert keys == {"states"} and [s["capability"] for s in new["states"]] == [0.3, 0.6, 0.25, 0.2, 0.15]
    keys, new = changed({"treaty.CE entente.reliability": 0.05})
    assert keys == {"treaties"}
    assert [t["reliability"] for t in new["treaties"]] == [0.7, 0.6, 0.05, 0.4, 1.0]


def test_treaties_reliability_skips_pledges_and_specific_paths_win(world):
    for values in (
        {"treaties.reliability": 0.2, "treaty.AD offense.reliability": 0.9},
        {"treaty.AD offense.reliability": 0.9, "treaties.reliability": 0.2},  # order given does not matter
    ):
        new = apply_params(world, values)
        assert [t.reliability for t in new.treaties] == [0.2, 0.9, 0.2, 0.2, 1.0]


def test_general_paths_apply_before_specific_ones(world):
    for values in (
        {"escalation.up": 0.1, "escalation.up[war]": 0.7},
        {"escalation.up[war]": 0.7, "escalation.up": 0.1},
    ):
        assert apply_params(world, values).escalation.up == [0.1, 0.1, 0.7]


def test_removing_a_treaty(world):
    new = apply_params(world, {"treaty.BC defense.active": False, "treaty.BC defense.reliability": 0.1})
    assert [t.name for t in new.treaties] == ["AD offense", "CE entente", "E guarantees B", "DE neutrality"]
    assert apply_params(world, {"treaty.BC defense.active": True}) == world
    cw = compile_world(new)
    assert "BC defense" not in cw.treaties and cw.n_edges == compile_world(world).n_edges - 2


def test_compiled_world_sees_the_values(world):
    new = apply_params(world, {"policy.communication": 0.5, "escalation.misperception": 0.8})
    assert compile_world(new).sigma == pytest.approx(0.8 * 0.5)
    new = apply_params(world, {"policy.confidence_building": 0.5, "escalation.up[crisis]": 0.6})
    assert compile_world(new).up[0] == pytest.approx(0.3)


def test_the_world_model_has_the_last_word(world):
    p = (parse_path("state.A.capability", world),)
    with pytest.raises(tripwire.WorldError) as err:
        apply_to_dict(world.resolved(), p, (-1.0,))  # unchecked value: the world model refuses it
    msg = str(err.value)
    assert "setting state.A.capability = -1.0 gives an invalid world" in msg
    assert "greater than or equal to 0" in msg


def test_apply_leaves_the_base_world_alone(world):
    before = world.resolved()
    apply_params(
        world, {"treaty.BC defense.active": False, "escalation.up[0]": 0.1, "state.A.capability": 2.0}
    )
    assert world.resolved() == before


def test_border_joining_paths():
    bordered = tripwire.World.model_validate(
        small_world(borders=[{"states": ["A", "E"], "type": "land"}, {"states": ["B", "D"], "type": "sea24"}])
    )
    assert "neighbours.joining.land" in valid_paths(bordered)
    assert parse_path("neighbours.joining.sea24", bordered).target == ("neighbours", "sea24")
    changed = apply_params(bordered, {"neighbours.joining.land": 0.8})
    assert changed.neighbours.joining.land == 0.8 and changed.neighbours.joining.sea24 == 0.02
    cw = compile_world(changed)
    assert sorted(cw.edge_prob[cw.edge_kind == 3].tolist()).count(0.8) == 2  # both directions of A-E
    with pytest.raises(ParamError, match="unknown contiguity type 'river'; types: land, sea12"):
        parse_path("neighbours.joining.river", bordered)
    with pytest.raises(ParamError, match="has no borders"):
        parse_path("neighbours.joining.land", world=tripwire.World.model_validate(small_world()))
