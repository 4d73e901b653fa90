import pickle

from sla.engine import SpecError


def test_spec_error_names_the_field():
    error = SpecError("sla.requirements[0].target", "must be <= 100, got 101")
    assert error.field == "sla.requirements[0].target"
    assert error.message == "must be <= 100, got 101"
    assert str(error) == "sla.requirements[0].target: must be <= 100, got 101"
    assert isinstance(error, ValueError)


def test_spec_error_survives_pickling():
    pickled = pickle.dumps(SpecError("events[3].at", "is naive"))
    error = pickle.loads(pickled)  # noqa: S301 - our own bytes
    assert (error.field, error.message) == ("events[3].at", "is naive")
