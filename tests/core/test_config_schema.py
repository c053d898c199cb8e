"""A config field declared once gives the reader, the checks and the writer: shown on a table made up here."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Literal

import pytest

from logtui.core.config import Config, render_config
from logtui.core.config_schema import (
    REQUIRED,
    InFile,
    field_of,
    fields_of,
    file_value,
    problem_with,
    read_value,
    setting,
)
from logtui.core.errors import ConfigValueError


def _even(value: int) -> str | None:
    return None if value % 2 == 0 else "must be even"


@dataclass(frozen=True)
class Made:
    name: Annotated[str, setting("A name.")]
    count: Annotated[int, setting("How many.", ge=2, le=8, in_file=InFile(check=_even))] = 4
    ratio: Annotated[float, setting("A ratio.", ge=0.5, le=1.5)] = 1.0
    mode: Annotated[Literal["a", "b"], setting("Which.")] = "a"
    port: Annotated[int | None, setting("0 = any.", ge=0, le=9, in_file=InFile(blank=0))] = None
    where: Annotated[Path | None, setting('"" = none.', in_file=InFile(blank="", read=Path))] = None
    undocumented: int = 0


def error(key: str, problem: str) -> ConfigValueError:
    return ConfigValueError(key, problem)


def read(table: dict[str, object]) -> dict[str, object]:
    return {spec.name: read_value(spec, table, error) for spec in fields_of(Made)}


def test_declared_fields_come_back_in_order_with_their_documentation() -> None:
    specs = fields_of(Made)
    assert [s.name for s in specs] == ["name", "count", "ratio", "mode", "port", "where"]
    assert [s.file_type for s in specs] == [str, int, float, str, int, str]
    assert field_of(Made, "count").doc == "How many." and field_of(Made, "count").range_text() == "2..8"
    assert field_of(Made, "mode").choices == ("a", "b")
    assert field_of(Made, "name").default is REQUIRED


def test_absent_and_blank_values_read_as_the_default() -> None:
    assert read({"name": "x", "port": 0, "where": ""}) == {
        "name": "x",
        "count": 4,
        "ratio": 1.0,
        "mode": "a",
        "port": None,
        "where": None,
    }
    assert read({"name": "x", "port": 7, "where": "/tmp/w", "ratio": 1})["where"] == Path("/tmp/w")
    assert read({})["name"] is REQUIRED


@pytest.mark.parametrize(
    ("key", "value", "problem"),
    [
        ("count", 9, "must be between 2 and 8 (got 9)"),
        ("count", True, "must be a whole number, not a boolean True"),
        ("count", 3, "must be even"),
        ("ratio", 2, "must be between 0.5 and 1.5 (got 2)"),
        ("ratio", "1", "must be a number, not a string '1'"),
        ("mode", "c", "must be one of 'a', 'b' (got 'c')"),
        ("name", 5, "must be a string in quotes, not an integer 5"),
    ],
)
def test_a_wrong_value_is_named_in_the_config_errors_words(key: str, value: object, problem: str) -> None:
    assert problem_with(field_of(Made, key), value) == problem
    with pytest.raises(ConfigValueError) as info:
        read({"name": "x", key: value})
    assert (info.value.field, info.value.problem) == (key, problem)


def test_the_writer_writes_what_the_reader_reads() -> None:
    made = Made("x", port=None, where=Path("/w"))
    written = {s.name: file_value(s, getattr(made, s.name)) for s in fields_of(Made)}
    assert written == {"name": "x", "count": 4, "ratio": 1.0, "mode": "a", "port": 0, "where": "/w"}
    assert Made(**read(written)) == made


def test_every_declared_field_of_the_real_config_is_documented_in_the_file() -> None:
    text = render_config(Config())
    for spec in fields_of(Config):
        assert spec.doc.splitlines()[0] in text, spec.name
