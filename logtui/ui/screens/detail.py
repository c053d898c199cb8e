"""The detail view of one record: its time in UTC and in the display zone, the whole message, JSON
pretty-printed and highlighted, copy."""

from __future__ import annotations

import json
import re
from datetime import datetime
from decimal import Decimal
from typing import Any, ClassVar

from log_analyzer.record import LogRecord
from rich.syntax import Syntax
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from logtui.core.display_zone import UTC_ZONE, DisplayZone
from logtui.core.safe_text import REORDERING, multi_line, one_line
from logtui.ui.widgets.log_view import severity_of

# json.dumps escapes C0 controls in strings but, with ensure_ascii=False, leaves DEL, the C1 controls
# (U+009B is a one-character CSI) and the bidi/separator characters raw: escape them too, as JSON's \u form.
_JSON_RAW_CONTROL = re.compile(f"[\x7f-\x9f{REORDERING}]")


def _dumps(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return _JSON_RAW_CONTROL.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


#: The detail view draws at most this much of a message (a few MB of text would take seconds to lay out);
#: `c` / `m` still copy all of it.
MAX_DETAIL_CHARS = 200_000
#: How many opening brackets extract_json tries: each try may parse to the end of the message, so an
#: unbounded number would make a long message full of brackets quadratic.
_MAX_JSON_STARTS = 32


def extract_json(message: str) -> tuple[str, Any] | None:
    """Split a message into (text before, parsed JSON) when it is, or ends with, a JSON object or array.

    Log lines often carry a payload after a prefix ("user login {...}"); a bare number or string is
    not worth pretty-printing, so only objects and arrays count.
    """
    stripped = message.strip()
    if not stripped or stripped[-1] not in "}]":
        return None
    opener = "{" if stripped[-1] == "}" else "["
    # Decimal keeps numbers as written ("3070.50" stays 3070.50, big ints and long fractions intact).
    decoder = json.JSONDecoder(parse_float=Decimal)
    start = stripped.find(opener)
    for _ in range(_MAX_JSON_STARTS):
        if start < 0:
            break
        try:
            value, end = decoder.raw_decode(stripped, start)
        except (ValueError, RecursionError):  # RecursionError: brackets nested thousands deep
            value, end = None, -1
        if end == len(stripped) and isinstance(value, dict | list):
            return stripped[:start].rstrip(), value
        start = stripped.find(opener, start + 1)
    return None


def pretty_json(value: Any, level: int = 0) -> str:
    """Indented JSON with keys in their original order and numbers exactly as they were written."""
    pad, end = "  " * (level + 1), "  " * level
    if isinstance(value, dict):
        if not value:
            return "{}"
        items = (f"{pad}{_dumps(k)}: {pretty_json(v, level + 1)}" for k, v in value.items())
        return "{\n" + ",\n".join(items) + "\n" + end + "}"
    if isinstance(value, list):
        if not value:
            return "[]"
        return "[\n" + ",\n".join(pad + pretty_json(v, level + 1) for v in value) + "\n" + end + "]"
    if isinstance(value, Decimal):
        return str(value)
    return _dumps(value)


class DetailScreen(ModalScreen[None]):
    """One record in full. `c` copies the record as JSON, `m` the message alone, escape closes."""

    CSS_PATH = "detail.tcss"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close"),
        Binding("q", "close", "Close", show=False),
        Binding("c", "copy_record", "Copy record"),
        Binding("m", "copy_message", "Copy message"),
    ]

    def __init__(self, record: LogRecord, *, zone: DisplayZone = UTC_ZONE) -> None:
        super().__init__()
        self.record = record
        self.zone = zone
        message = record.message
        cut = len(message) > MAX_DETAIL_CHARS
        found = None if cut else extract_json(message)
        pretty = None
        if found is not None:
            try:
                pretty = pretty_json(found[1])
            except RecursionError:  # valid JSON nested deeper than Python recurses: show it as text
                found = None
        # Everything drawn from the record goes through the sanitizer (escape sequences in log data must
        # not reach the terminal); copying uses the record itself, untouched.
        shown = message[:MAX_DETAIL_CHARS]
        if cut:
            rest = len(message) - MAX_DETAIL_CHARS
            shown += f"\n\n… {rest:,} more characters not shown: m copies the whole message, c the record."
        self.message_text = multi_line(shown)
        self.json_prefix: str | None = multi_line(found[0]) if found else None
        # pretty_json already escapes every control character; multi_line is a second guard (a no-op here).
        self.json_text: str | None = multi_line(pretty) if pretty is not None else None

    def compose(self) -> ComposeResult:
        record = self.record
        with Vertical(id="detail-dialog"):
            header = Text.assemble(
                *self.time_parts(),
                "  ",
                (one_line(record.tag), f"bold {_TAG_COLOURS[severity_of(record.tag)]}"),
            )
            yield Static(header, id="detail-header")
            with VerticalScroll(id="detail-body"):
                if self.json_text is None:
                    yield Static(Text(self.message_text), id="detail-message")
                else:
                    if self.json_prefix:
                        yield Static(Text(self.json_prefix), id="detail-message")
                    theme = "ansi_dark" if self.app.current_theme.dark else "ansi_light"
                    syntax = Syntax(
                        self.json_text, "json", theme=theme, word_wrap=True, background_color="default"
                    )
                    yield Static(syntax, id="detail-json")
            yield Static("c copy record  m copy message  esc close", id="detail-hint")

    def time_parts(self) -> list[tuple[str, str]]:
        """The record's time as the service sent it (UTC), then in the display zone when that is another."""
        stamp = one_line(self.record.timestamp)
        parts = [(stamp, "bold"), (" UTC", "")]
        try:
            moment = datetime.fromisoformat(self.record.timestamp)
        except ValueError:
            return [(stamp, "bold")]  # not a time: shown as sent, without claiming a zone
        if moment.tzinfo is not None and moment.utcoffset():
            parts[1] = ("", "")  # the sender wrote its own offset: it is part of the text shown
        if not self.zone.is_utc:
            where = "local" if self.zone.is_local else self.zone.name
            local = self.zone.format_wire(self.record.timestamp)
            parts += [("  =  ", "dim"), (local, "bold"), (f" {self.zone.abbreviation(moment)} ({where})", "")]
        return parts

    @property
    def time_text(self) -> str:
        return "".join(text for text, _ in self.time_parts())

    def on_mount(self) -> None:
        self.query_one("#detail-body").focus()

    def action_close(self) -> None:
        self.dismiss(None)

    def action_copy_record(self) -> None:
        self.app.copy_to_clipboard(json.dumps(self.record.to_json(), ensure_ascii=False))
        self.notify("Copied the record (JSON) to the clipboard.", title="Copied")

    def action_copy_message(self) -> None:
        self.app.copy_to_clipboard(self.record.message)
        self.notify("Copied the message to the clipboard.", title="Copied")


# Rich colour names, because the header is a Rich Text; they follow the terminal's palette.
_TAG_COLOURS = {
    "error": "red",
    "warning": "yellow",
    "info": "green",
    "debug": "bright_black",
    "other": "cyan",
}
