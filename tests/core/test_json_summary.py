from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from logtui.core.json_summary import DEFAULT_SUMMARY_KEYS, MAX_SUMMARISED, summarise, summary_fields


def test_preferred_keys_come_first_in_their_order_then_the_rest_as_they_came() -> None:
    message = '{"user": "u7", "total": 30.50, "level": "info", "event": "checkout", "request_id": "r-1"}'
    assert summarise(message) == "event=checkout level=info request_id=r-1 user=u7 total=30.50"
    assert summarise(message, ["user", "missing", "user"]) == (
        "user=u7 total=30.50 level=info event=checkout request_id=r-1"
    )
    assert summarise(message, []) == "user=u7 total=30.50 level=info event=checkout request_id=r-1"


def test_fields_are_the_summary_in_parts_for_styling_keys_apart() -> None:
    assert summary_fields('{"b": "x y", "event": 1}') == [("event", "1"), ("b", '"x y"')]
    assert summary_fields("not json") is None


def test_values_are_bare_when_unambiguous_and_quoted_otherwise() -> None:
    message = json.dumps(
        {
            "msg": "card declined",
            "empty": "",
            "eq": "a=b",
            "n": 12345678901234567890,
            "f": 1.10,
            "ok": True,
            "none": None,
            "items": [1, {"a": "x y"}],
            "nested": {"k": [1.50, False]},
            "with space": 1,
            "ünï": "ok",
        }
    )
    assert summarise(message) == (
        'msg="card declined" empty="" eq="a=b" n=12345678901234567890 f=1.1 ok=true none=null '
        'items=[1,{"a":"x y"}] nested={"k":[1.5,false]} "with space"=1 ünï=ok'
    )


def test_numbers_keep_the_digits_they_were_written_with() -> None:
    assert summarise('{"price": 3070.50, "big": 1.0000000000000000001}') == (
        "price=3070.50 big=1.0000000000000000001"
    )


@pytest.mark.parametrize(
    "message",
    [
        "plain text",
        'user login {"a": 1}',  # a payload after a prefix: the detail view's business, the list keeps it
        "[1, 2]",
        "{}",
        "{not json}",
        '{"a": 1} trailing',
        '"{\\"a\\": 1}"',
        "{" * 5000 + "}" * 5000,
        "",
    ],
)
def test_anything_but_a_non_empty_json_object_is_left_alone(message: str) -> None:
    assert summarise(message) is None


def test_very_long_messages_are_not_parsed() -> None:
    big = json.dumps({"event": "x", "blob": "y" * MAX_SUMMARISED})
    assert summarise(big) is None
    assert summarise(json.dumps({"event": "x", "blob": "y" * 100})) is not None


def test_control_characters_survive_for_the_sanitiser_and_whitespace_around_is_ignored() -> None:
    # The list's display_text turns them into visible cells; the summary must not hide that they are there.
    assert summarise('  {"msg": "a\\u001b[31mb"}\n') == "msg=a\x1b[31mb"
    # A quoted value is JSON-escaped, so its controls are escapes already.
    assert summarise('{"msg": "a\\u001b b\\nc"}') == 'msg="a\\u001b b\\nc"'


@given(st.dictionaries(st.text(min_size=1, max_size=8), st.text(max_size=8), min_size=1, max_size=6))
def test_every_key_and_value_appears(data: dict[str, str]) -> None:
    summary = summarise(json.dumps(data))
    assert summary is not None
    for key, value in data.items():
        assert (key if _bare(key) else json.dumps(key, ensure_ascii=False)) in summary
        assert (value if _bare(value) else json.dumps(value, ensure_ascii=False)) in summary


def _bare(text: str) -> bool:
    return bool(text) and not any(c.isspace() or c in "\"'=\\" for c in text)


def test_default_keys_are_the_documented_ones() -> None:
    assert DEFAULT_SUMMARY_KEYS == ("event", "msg", "message", "level", "request_id")
