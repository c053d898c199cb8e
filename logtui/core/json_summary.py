"""A JSON-object message as one readable line: the preferred keys first, then the rest, as key=value.

`{"user": "u7", "event": "checkout", "level": "info", "total": 30.50}` reads
`event=checkout level=info user=u7 total=30.50` with the default keys: what a reader looks for is no longer
cut off at the right edge. Pure Python (no Textual); the log list calls it for the rows it draws only.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

__all__ = ["DEFAULT_SUMMARY_KEYS", "MAX_SUMMARISED", "summarise", "summary_fields"]

#: The keys shown first, in this order, when present (config: json_summary_keys).
DEFAULT_SUMMARY_KEYS: tuple[str, ...] = ("event", "msg", "message", "level", "request_id")
#: Longer messages are shown raw: parsing one on every redraw of its row would cost more than it gives.
MAX_SUMMARISED = 64_000

# A value that needs no quotes: no spaces, quotes, "=" or anything a reader could take for a separator.
_BARE = re.compile(r"[^\s\"'=\\]+")
_DECODER = json.JSONDecoder(parse_float=Decimal)


def summarise(message: str, keys: Sequence[str] = DEFAULT_SUMMARY_KEYS) -> str | None:
    """The one-line summary of a message that is a JSON object, or None for anything else (left as it is).

    String values are bare when that is unambiguous and JSON-quoted otherwise; numbers are kept as written
    (30.50 stays 30.50); nested objects and arrays are compact JSON. Control characters in the result are
    left to the caller's sanitiser (the list's `display_text`), as for any message.
    """
    fields = summary_fields(message, keys)
    return None if fields is None else " ".join(f"{key}={value}" for key, value in fields)


def summary_fields(message: str, keys: Sequence[str] = DEFAULT_SUMMARY_KEYS) -> list[tuple[str, str]] | None:
    """The summary's (key, value) pairs as written, in order (what `summarise` joins as key=value), so a
    caller can style keys and values apart; None when the message is not a non-empty JSON object."""
    text = message.strip()
    if len(text) < 2 or text[0] != "{" or text[-1] != "}" or len(text) > MAX_SUMMARISED:
        return None
    try:
        value = _DECODER.decode(text)
    except (ValueError, RecursionError):
        return None
    if not isinstance(value, dict) or not value:
        return None
    preferred = [k for k in dict.fromkeys(keys) if k in value]
    rest = [k for k in value if k not in preferred]
    try:
        return [(_key(k), _value(value[k])) for k in (*preferred, *rest)]
    except RecursionError:  # nested deeper than the compact form can be written: show the raw text
        return None


def _key(key: str) -> str:
    return key if _BARE.fullmatch(key) else json.dumps(key, ensure_ascii=False)


def _value(value: Any) -> str:
    if isinstance(value, str):
        return value if _BARE.fullmatch(value) else json.dumps(value, ensure_ascii=False)
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, int | Decimal):
        return str(value)
    return _compact(value)


def _compact(value: Any) -> str:
    if isinstance(value, dict):
        return (
            "{"
            + ",".join(f"{json.dumps(k, ensure_ascii=False)}:{_compact(v)}" for k, v in value.items())
            + "}"
        )
    if isinstance(value, list):
        return "[" + ",".join(_compact(v) for v in value) + "]"
    if isinstance(value, Decimal):
        return str(value)
    return json.dumps(value, ensure_ascii=False)
