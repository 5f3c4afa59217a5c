"""The model registry: each model declares its variables, tallies and parameter path forms once,
and stores, sweeps and sweep files look it up by name."""

import pytest

from tripwire.crisis import variables as crisis_variables
from tripwire.errors import SweepError
from tripwire.horizon import variables as horizon_variables
from tripwire.sweep.files import SweepFile
from tripwire.sweep.models import DEFAULT_MODEL, MODELS, get_model, model_of
from tripwire.world.params import PATH_FORMS


def test_each_model_declares_its_tallies_once():
    assert get_model("crisis").tallies == crisis_variables.TALLIES
    assert get_model("horizon").tallies == horizon_variables.TALLIES
    assert get_model("crisis").treaty_tallies == ("treaty_honoured", "treaty_failed")
    assert get_model("horizon").treaty_tallies == (
        "treaty_alive_count",
        "treaty_end_count",
        "treaty_honoured",
        "treaty_failed",
        "reliability_sum",
    )


def test_the_models_declare_every_path_form_once():
    forms = [form for model in MODELS.values() for form in model.path_forms]
    assert sorted(forms) == sorted(PATH_FORMS)


def test_a_model_is_looked_up_by_name_or_from_a_stores_attributes():
    assert model_of({}) is get_model(DEFAULT_MODEL) is get_model("crisis")
    assert model_of({"model": "horizon"}).takes_years
    with pytest.raises(SweepError, match="model must be 'crisis' or 'horizon', saw 'history'"):
        get_model("history")


def test_a_sweep_file_names_a_registered_model():
    assert SweepFile.model_json_schema()["properties"]["model"]["enum"] == list(MODELS)
