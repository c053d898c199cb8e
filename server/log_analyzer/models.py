"""Pydantic models that document the wire format in /openapi.json.

Responses are rendered with orjson straight from rows (validating 10,000 models per page would cost more than
the query), so these classes describe the JSON; the tests check the two agree (schemathesis).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from log_analyzer.validation import MAX_BATCH, MAX_MESSAGE_CHARS, TAG_PATTERN

TIMESTAMP_OUT = "UTC, `YYYY-MM-DDTHH:MM:SS[.ffffff]`, no offset"


class LogOut(BaseModel):
    timestamp: str = Field(description=TIMESTAMP_OUT, examples=["2023-04-23T10:00:00"])
    tag: str = Field(examples=["INFO"])
    message: str = Field(examples=["Test log"])


class LogsPage(BaseModel):
    logs: list[LogOut]
    next_cursor: str | None = Field(
        description="pass as `cursor` to get the next page; null on the last page"
    )


class BucketOut(BaseModel):
    start: str = Field(description="inclusive")
    end: str = Field(description="exclusive (the last bucket also holds the window's end)")
    counts: dict[str, int] = Field(description="records per tag in this bucket (tags with none are left out)")


class StatsOut(BaseModel):
    total: int
    tags: dict[str, int]
    bucket_seconds: float
    buckets: list[BucketOut]
    first_timestamp: str | None = Field(description="of the whole store")
    last_timestamp: str | None = Field(description="of the whole store")
    other_tags: int = Field(
        0, description='present when tags are summed under "(other)": how many (50 most frequent are named)'
    )


class HealthOut(BaseModel):
    status: str = Field(examples=["ok"])
    version: str
    storage: str = Field(examples=["sqlite"], description="the backend (kept for older clients)")
    backend: Literal["sqlite", "postgresql"] = Field(description="which store answers")
    records: int
    first_timestamp: str | None
    last_timestamp: str | None


class InsertedOut(BaseModel):
    inserted: int


class ErrorItem(BaseModel):
    parameter: str
    message: str


class ErrorOut(BaseModel):
    detail: str
    errors: list[ErrorItem]


class DetailOut(BaseModel):
    detail: str


_TIMESTAMP_IN = {
    "type": "string",
    "description": "ISO-8601; naive means UTC; `Z` or `±hh:mm` offsets accepted",
    "examples": ["2023-04-23T10:00:00"],
}
RECORD_IN_SCHEMA: dict[str, Any] = {
    "type": "object",
    "title": "LogIn",
    "properties": {
        "timestamp": _TIMESTAMP_IN,
        "tag": {"type": "string", "pattern": TAG_PATTERN, "examples": ["INFO"]},
        "message": {"type": "string", "maxLength": MAX_MESSAGE_CHARS, "examples": ["Test log"]},
    },
    "required": ["timestamp", "tag", "message"],
    "additionalProperties": False,
}
POST_BODY_SCHEMA: dict[str, Any] = {
    "anyOf": [
        {
            "type": "object",
            "title": "LogBatch",
            "properties": {"logs": {"type": "array", "items": RECORD_IN_SCHEMA, "maxItems": MAX_BATCH}},
            "required": ["logs"],
            "additionalProperties": False,
        },
        RECORD_IN_SCHEMA,
    ]
}

ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorOut, "description": "a parameter is wrong; `errors` names each one"},
    401: {"model": DetailOut, "description": "missing or wrong API key"},
    403: {"model": ErrorOut, "description": "a Host (or for writes an Origin) this service does not answer"},
    503: {"model": DetailOut, "description": "the storage is locked, read-only or damaged; retry later"},
}
WRITE_RESPONSES: dict[int | str, dict[str, Any]] = {
    415: {"model": ErrorOut, "description": "not `Content-Type: application/json`, or a compressed body"},
    507: {"model": DetailOut, "description": "the disk is full; nothing was stored"},
}
