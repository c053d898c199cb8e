"""Checking what clients send: query parameters and records. Each problem is (parameter, message)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from log_analyzer.store import Row
from log_analyzer.timefmt import TimeFormatError, parse_plain, parse_timestamp, render

TAG_PATTERN = r"^[A-Za-z][A-Za-z0-9_.\-]{0,31}$"
TAG_RULE = "a tag is 1 to 32 letters, digits, '_', '.' or '-', starting with a letter (e.g. INFO, ERROR)"
MAX_MESSAGE_CHARS = 65_536
MAX_BATCH = 10_000
MAX_Q_CHARS = 500
RECORD_KEYS = frozenset(("timestamp", "tag", "message"))

_TAG = re.compile(TAG_PATTERN.removesuffix("$") + r"\Z")  # "$" would also accept a trailing newline
#: tags already seen to be valid: most batches repeat a handful of them
_GOOD_TAGS: set[str] = set()

Problems = list[tuple[str, str]]


def check_tag(tag: object) -> str | None:
    """None when fine, else what is wrong."""
    if not isinstance(tag, str):
        return f"must be a string, not {_json_type(tag)}"
    if tag in _GOOD_TAGS:
        return None
    if not _TAG.match(tag):
        shown = repr(tag) if len(tag) <= 40 else repr(tag[:40]) + "…"
        return f"{shown} is not a tag; {TAG_RULE}"
    if len(_GOOD_TAGS) < 10_000:
        _GOOD_TAGS.add(tag)
    return None


def fast_record(obj: object) -> Row | None:
    """The common, valid record in a few checks; None means "take the slow path", which names problems."""
    if type(obj) is not dict or len(obj) != 3:
        return None
    ts = obj.get("timestamp")
    tag = obj.get("tag")
    message = obj.get("message")
    if type(ts) is not str or type(tag) is not str or type(message) is not str:
        return None
    if tag not in _GOOD_TAGS or len(message) > MAX_MESSAGE_CHARS or "\x00" in message:
        return None
    parsed = parse_plain(ts)
    if parsed is None:
        return None
    return (parsed[0], parsed[1], tag, message)


def _json_type(value: object) -> str:
    return {
        type(None): "null",
        bool: "a boolean",
        int: "a number",
        float: "a number",
        str: "a string",
        list: "an array",
        dict: "an object",
    }.get(type(value), type(value).__name__)


def check_record(obj: object, where: str, problems: Problems) -> Row | None:
    """Validate one incoming record; append problems named `<where>.<field>` and return None on failure."""
    if not isinstance(obj, dict):
        problems.append((where, f"must be an object with timestamp, tag and message, not {_json_type(obj)}"))
        return None
    before = len(problems)
    prefix = f"{where}." if where else ""
    for key in obj:
        if key not in RECORD_KEYS:
            shown = key if len(key) <= 40 else key[:40] + "…"
            problems.append(
                (f"{prefix}{shown}", "is not a record field; a record has only timestamp, tag, message")
            )
    for key in ("timestamp", "tag", "message"):
        if key not in obj:
            problems.append((f"{prefix}{key}", "is required but missing"))
    ts_raw, tag, message = obj.get("timestamp"), obj.get("tag"), obj.get("message")
    micros = 0
    text = ""
    if "timestamp" in obj:
        if not isinstance(ts_raw, str):
            problems.append((f"{prefix}timestamp", f"must be a string, not {_json_type(ts_raw)}"))
        else:
            try:
                micros, fraction = parse_timestamp(ts_raw)
            except TimeFormatError as exc:
                problems.append((f"{prefix}timestamp", str(exc)))
            else:
                text = render(micros, fraction)
    if "tag" in obj:
        bad = check_tag(tag)
        if bad:
            problems.append((f"{prefix}tag", bad))
    if "message" in obj:
        if not isinstance(message, str):
            problems.append((f"{prefix}message", f"must be a string, not {_json_type(message)}"))
        elif len(message) > MAX_MESSAGE_CHARS:
            problems.append(
                (
                    f"{prefix}message",
                    f"is {len(message)} characters; at most {MAX_MESSAGE_CHARS} (64 KiB) allowed",
                )
            )
        elif "\x00" in message:
            problems.append((f"{prefix}message", "contains a NUL character"))
    if len(problems) > before:
        return None
    assert isinstance(tag, str) and isinstance(message, str)
    return (micros, text, tag, message)


MAX_LISTED = 50


@dataclass
class BodyCheck:
    rows: list[Row]
    problems: Problems
    #: in a batch: how many records are invalid in all, and how many were sent (problems lists the first)
    bad_records: int = 0
    records: int = 0

    @property
    def summary(self) -> str | None:
        if self.bad_records <= 1 or not self.records:
            return None
        listed = ""
        if len(self.problems) >= MAX_LISTED:
            listed = f"; `errors` lists the first {MAX_LISTED} problems"
        return f"{self.bad_records} of {self.records} records are invalid{listed}"


def check_batch(body: Any) -> BodyCheck:
    """check_body, also counting every invalid record of a batch (not only those listed)."""
    if not (isinstance(body, dict) and "logs" in body and isinstance(body["logs"], list)):
        rows, problems = check_body(body)
        return BodyCheck(rows, problems)
    rows, problems = check_body(body)
    items = body["logs"]
    if not problems or len(items) > MAX_BATCH:
        return BodyCheck(rows, problems)
    bad = 0
    scratch: Problems = []
    for i, item in enumerate(items):
        if fast_record(item) is None and check_record(item, f"logs[{i}]", scratch) is None:
            bad += 1
    return BodyCheck([], problems, bad_records=bad, records=len(items))


def check_body(body: Any) -> tuple[list[Row], Problems]:
    """A POST /logs body: {"logs": [...]} or one record. Returns rows, or problems (then rows is empty)."""
    problems: Problems = []
    if isinstance(body, dict) and "logs" in body:
        extra = [k for k in body if k != "logs"]
        for key in extra[:5]:
            problems.append((key, "is not allowed next to 'logs'; send {\"logs\": [...]} or a single record"))
        items = body["logs"]
        if not isinstance(items, list):
            problems.append(("logs", f"must be an array of records, not {_json_type(items)}"))
            return [], problems
        if len(items) > MAX_BATCH:
            problems.append(("logs", f"holds {len(items)} records; at most {MAX_BATCH} per request"))
            return [], problems
        rows: list[Row] = []
        for i, item in enumerate(items):
            row = fast_record(item)
            if row is not None:
                rows.append(row)
                continue
            row = check_record(item, f"logs[{i}]", problems)
            if row is not None:
                rows.append(row)
            if len(problems) >= MAX_LISTED:
                break
        return ([], problems) if problems else (rows, problems)
    row = check_record(body, "", problems) if isinstance(body, dict) else None
    if not isinstance(body, dict):
        problems.append(
            ("body", f'must be a JSON object ({{"logs": [...]}} or one record), not {_json_type(body)}')
        )
    return ([row] if row is not None and not problems else []), problems
