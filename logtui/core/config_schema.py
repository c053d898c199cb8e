"""Config fields declared once, on the dataclass that holds them, and all that is derived from that.

A field is declared where its value lives (`Config`, `Target`, `DockerSettings`) as

    page_size: Annotated[int, setting("Records per request, ...", ge=100, le=10_000)] = 1000

— its type, default, range and documentation in one line. `fields_of(cls)` reads those declarations back;
the config reader checks each value in a file against them (with pydantic, in strict mode, its errors put in
logtui's words), the writer documents each field from them, and so the documented TOML, the file logtui saves
and the README's example come from the same place. Adding a field is adding that one line (and using it).

The declaration is evaluated with the class's namespace first (typing.get_type_hints), so what it calls must
be module-level functions, not lambdas.
"""

from __future__ import annotations

import dataclasses
import enum
import functools
import types
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal, Union

from annotated_types import Ge, Le
from pydantic import Field, TypeAdapter, ValidationError
from pydantic.fields import FieldInfo

#: A field with no default (required in the file).
REQUIRED: Any = dataclasses.MISSING


@dataclass(frozen=True)
class InFile:
    """How the file holds a field whose value is not written as it is.

    `blank` is what the file holds for "not set": reading it gives the field's default, a None value is
    written as it (and, with `default_is_blank`, so is the default). `omit_default`: the default is not
    written at all. `as_written`: the text goes to the field's owner as written (it accepts other spellings
    than the declared choices, and words its own error). `read` turns any other file value into the field's
    value; `check` says what is wrong with a file value (None: nothing).
    """

    blank: object = None
    default_is_blank: bool = False
    omit_default: bool = False
    as_written: bool = False
    read: Callable[[Any], Any] | None = None
    check: Callable[[Any], str | None] | None = None


def setting(
    doc: str,
    *,
    ge: float | None = None,
    le: float | None = None,
    in_file: InFile | None = None,
) -> FieldInfo:
    """The declaration of one config field: its documentation and, for a number, its range."""
    extra: dict[str, Any] = {"in_file": in_file} if in_file is not None else {}
    return Field(description=doc, ge=ge, le=le, json_schema_extra=extra or None)


@dataclass(frozen=True)
class FieldSpec:
    """One declared field, as the reader and the writer use it."""

    name: str
    doc: str
    file_type: type  # what the file holds: int, float, str or list (of strings; dict: a table)
    default: Any  # REQUIRED when the file must give it
    ge: float | None
    le: float | None
    choices: tuple[str, ...] | None
    in_file: InFile | None
    optional: bool  # the value may be None (an optional file key)

    @property
    def ranged(self) -> bool:
        return self.ge is not None and self.le is not None

    def range_text(self) -> str:
        if self.file_type is int:
            return f"{self.ge:.0f}..{self.le:.0f}"
        return f"{self.ge:g}..{self.le:g}"


def _default(f: dataclasses.Field[Any]) -> Any:
    if f.default is not dataclasses.MISSING:
        return f.default
    if f.default_factory is not dataclasses.MISSING:
        return f.default_factory()
    return REQUIRED


def _file_type(annotation: Any) -> tuple[type, tuple[str, ...] | None, bool]:
    """(what the file holds, the allowed strings, whether None is allowed) for a scalar field's type."""
    optional = False
    if typing.get_origin(annotation) in (Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        optional = len(args) < len(typing.get_args(annotation))
        (annotation,) = args
    if typing.get_origin(annotation) in (tuple, list):
        # A list of strings (the field's own check says what it allows); the value holds it as a tuple.
        return list, None, optional
    if typing.get_origin(annotation) is Literal:
        return str, tuple(str(a) for a in typing.get_args(annotation)), optional
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        # Read as text: the enum's owner decides what spellings it accepts (and words the error).
        return str, None, optional
    if annotation is Path:
        return str, None, optional
    if annotation in (int, float, str):
        return annotation, None, optional
    raise TypeError(f"a config field cannot be of type {annotation!r}")


@functools.cache
def fields_of(cls: type) -> list[FieldSpec]:
    """The declared (documented) fields of a config dataclass, in declaration order."""
    hints = typing.get_type_hints(cls, include_extras=True)
    specs = []
    for f in dataclasses.fields(cls):
        hint = hints[f.name]
        if typing.get_origin(hint) is not Annotated:
            continue
        base, *meta = typing.get_args(hint)
        info = next((m for m in meta if isinstance(m, FieldInfo)), None)
        if info is None or info.description is None:
            continue
        extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
        in_file = extra.get("in_file")
        ge = next((float(m.ge) for m in info.metadata if isinstance(m, Ge)), None)  # type: ignore[arg-type]
        le = next((float(m.le) for m in info.metadata if isinstance(m, Le)), None)  # type: ignore[arg-type]
        args = typing.get_args(base)
        if dataclasses.is_dataclass(base) or (args and dataclasses.is_dataclass(args[0])):
            file_type: type = dict
            choices, optional = None, False
        else:
            file_type, choices, optional = _file_type(base)
        specs.append(
            FieldSpec(
                name=f.name,
                doc=info.description,
                file_type=file_type,
                default=_default(f),
                ge=ge,
                le=le,
                choices=choices,
                in_file=in_file if isinstance(in_file, InFile) else None,
                optional=optional,
            )
        )
    return specs


def scalar_fields(cls: type) -> list[FieldSpec]:
    return [s for s in fields_of(cls) if s.file_type is not dict]


def table_fields(cls: type) -> list[FieldSpec]:
    return [s for s in fields_of(cls) if s.file_type is dict]


def field_of(cls: type, name: str) -> FieldSpec:
    return next(s for s in fields_of(cls) if s.name == name)


# --- checking one value ------------------------------------------------------------------------------------

_TYPE_WORDS = {int: "a whole number", float: "a number", str: "a string in quotes"}


def toml_type(value: object) -> str:
    return {
        bool: "a boolean",
        int: "an integer",
        float: "a number",
        str: "a string",
        list: "an array",
        dict: "a table",
    }.get(type(value), type(value).__name__)


_ADAPTERS: dict[tuple[type, float | None, float | None], TypeAdapter[Any]] = {}


def _adapter(spec: FieldSpec) -> TypeAdapter[Any]:
    key = (spec.file_type, spec.ge, spec.le)
    if key not in _ADAPTERS:
        checked: Any = Annotated[
            spec.file_type, Field(strict=True, ge=spec.ge, le=spec.le)
        ]  # built at run time
        _ADAPTERS[key] = TypeAdapter(checked)
    return _ADAPTERS[key]


def problem_with(spec: FieldSpec, value: object) -> str | None:
    """What is wrong with `value` as the file's value of `spec`, in the words the config errors use."""
    if spec.file_type is list:
        # Arrays differ too much to word in general: the field's own check says what is wrong.
        return spec.in_file.check(value) if spec.in_file is not None and spec.in_file.check else None
    try:
        _adapter(spec).validate_python(value)
    except ValidationError as exc:
        kind = exc.errors()[0]["type"]
        if kind in ("greater_than_equal", "less_than_equal") and isinstance(value, int | float):
            if spec.file_type is int:
                return f"must be between {spec.ge:.0f} and {spec.le:.0f} (got {value})"
            return f"must be between {spec.ge:g} and {spec.le:g} (got {value:g})"
        return f"must be {_TYPE_WORDS[spec.file_type]}, not {toml_type(value)} {value!r}"
    as_written = spec.in_file is not None and spec.in_file.as_written
    if spec.choices is not None and value not in spec.choices and not as_written:
        return f"must be one of {', '.join(map(repr, spec.choices))} (got {value!r})"
    if spec.in_file is not None and spec.in_file.check is not None:
        return spec.in_file.check(value)
    return None


def read_value(spec: FieldSpec, table: Mapping[str, Any], error: Callable[[str, str], Exception]) -> Any:
    """The field's value from one table of the file (its default when absent or blank); `error(key, problem)`
    makes the exception for a wrong one. A required field that is absent reads as REQUIRED."""
    if spec.name not in table:
        return spec.default
    value = table[spec.name]
    problem = problem_with(spec, value)
    if problem is not None:
        raise error(spec.name, problem)
    in_file = spec.in_file
    if in_file is not None:
        if value == in_file.blank:
            return spec.default
        if in_file.read is not None:
            return in_file.read(value)
    if spec.file_type is float:
        return float(value)
    return value


def file_value(spec: FieldSpec, value: Any) -> Any:
    """What the file holds for `value` (None: leave the key out)."""
    in_file = spec.in_file
    if in_file is not None and in_file.omit_default and value == spec.default:
        return None
    if in_file is not None and (value is None or (in_file.default_is_blank and value == spec.default)):
        return in_file.blank
    if value is None:
        return None
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, tuple):
        return list(value)
    if spec.file_type is float:
        return float(value)
    return value
