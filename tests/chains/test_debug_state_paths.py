"""Where a debugger edit goes: paths by dots and [n], or as a JSON list of keys and
indexes; an edit replaces what is there and never guesses where a new value would go."""

from __future__ import annotations

import pytest

from gls_engine.chains.debug_state_paths import parse_path, path_text, with_value
from gls_engine.errors import InvalidParameterError

STATE = {"inputs": {"country": "IN"}, "steps": {"a.b": 1, "rows": [{"kwh": 2}, {"kwh": 3}]}}


def test_paths_by_dots_and_indexes_or_as_lists() -> None:
    assert parse_path("steps.rows[1].kwh") == ("steps", "rows", 1, "kwh")
    assert parse_path(["steps", "a.b"]) == ("steps", "a.b")
    assert path_text(("steps", "rows", 1, "kwh")) == "steps.rows[1].kwh"
    edited, old = with_value(STATE, parse_path("steps.rows[1].kwh"), 30)
    assert (old, edited["steps"]["rows"][1]["kwh"]) == (3, 30)
    assert STATE["steps"]["rows"][1]["kwh"] == 3  # the state given is left as it was
    edited, old = with_value(STATE, parse_path(["steps", "a.b"]), {"x": 1})
    assert (old, edited["steps"]["a.b"]) == (1, {"x": 1})


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("steps.nope", "path: the state has no steps.nope"),
        ("steps.rows[2]", "path: the state has no steps.rows[2]"),
        ("inputs.country.code", "path: the state has no inputs.country.code"),
        ("steps.rows.kwh", "path: the state has no steps.rows.kwh"),
    ],
)
def test_an_edit_of_what_the_state_lacks_is_refused(path: str, message: str) -> None:
    with pytest.raises(InvalidParameterError) as refused:
        with_value(STATE, parse_path(path), 1)
    assert str(refused.value) == message


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("", "path must be a path such as 'inputs.country'"),
        ("output.x", "path must start with inputs or steps"),
        ("steps..a", "path: 'steps..a' is not a path (keys by dots, items by [n])"),
        (["steps", True], "path: each part must be a key or an index"),
        (7, "path must be a path such as 'inputs.country'"),
    ],
)
def test_what_is_not_a_path_is_refused(path: object, message: str) -> None:
    with pytest.raises(InvalidParameterError) as refused:
        parse_path(path)
    assert str(refused.value) == message
