"""The record detail modal: JSON pretty-printing, copying, closing."""

from __future__ import annotations

import json
import re
from typing import Any

from log_analyzer.record import LogRecord
from rich.syntax import Syntax
from rich.text import Text
from textual.app import App
from textual.widgets import Static

from logtui.core.safe_text import CONTROL, REPLACEMENT
from logtui.ui.screens.detail import MAX_DETAIL_CHARS, DetailScreen, extract_json, pretty_json


class DetailApp(App[None]):
    def __init__(self) -> None:
        super().__init__()
        self.results: list[object] = []
        self.notified: list[str] = []

    def notify(self, message: str, **kwargs: Any) -> None:
        self.notified.append(message)
        super().notify(message, **kwargs)

    def open(self, record: LogRecord) -> None:
        self.push_screen(DetailScreen(record), self.results.append)


def static_content(screen: DetailScreen, selector: str) -> object:
    return screen.query_one(selector, Static).content


def test_pretty_json_keeps_numbers_and_key_order_as_written() -> None:
    found = extract_json(
        '{"z": 1, "total": 3070.50, "big": 12345678901234567890, "tiny": 1e-7, "s": "é", "e": {}}'
    )
    assert found is not None
    assert pretty_json(found[1]) == (
        '{\n  "z": 1,\n  "total": 3070.50,\n  "big": 12345678901234567890,\n  "tiny": 1E-7,\n'
        '  "s": "é",\n  "e": {}\n}'
    )
    assert json.loads(pretty_json(found[1])) == json.loads(
        '{"z": 1, "total": 3070.50, "big": 12345678901234567890, "tiny": 1e-7, "s": "é", "e": {}}'
    )
    assert pretty_json([1, [2, []], None, True]) == "[\n  1,\n  [\n    2,\n    []\n  ],\n  null,\n  true\n]"
    # What json.dumps leaves raw is escaped too: DEL, C1, bidi overrides, line separators.
    assert pretty_json({"k": "a\x7f\x9b\u202e\u2028"}) == '{\n  "k": "a\\u007f\\u009b\\u202e\\u2028"\n}'


def test_extract_json_finds_whole_and_trailing_payloads() -> None:
    assert extract_json('{"a": 1}') == ("", {"a": 1})
    assert extract_json("  [1, 2]  ") == ("", [1, 2])
    assert extract_json('login failed {"user": "bob"}') == ("login failed", {"user": "bob"})
    assert extract_json("took 12 ms") is None
    assert extract_json('"just a string"') is None
    assert extract_json("{not json}") is None
    assert extract_json('{"a": 1} and then text') is None
    assert extract_json('braces {in} text then {"k": [true]}') == ("braces {in} text then", {"k": [True]})


async def test_json_message_is_pretty_printed_and_highlighted() -> None:
    record = LogRecord(
        "2023-04-23T10:22:00", "ERROR", 'payment failed {"order": 42, "items": ["a", "b"], "ok": false}'
    )
    app = DetailApp()
    async with app.run_test(size=(100, 30)) as pilot:
        app.open(record)
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, DetailScreen)
        header = screen.query_one("#detail-header", Static)
        assert "2023-04-23T10:22:00" in str(header.render()) and "ERROR" in str(header.render())
        assert screen.json_text == pretty_json({"order": 42, "items": ["a", "b"], "ok": False})
        assert screen.json_text is not None and screen.json_text.count("\n") >= 5
        syntax = static_content(screen, "#detail-json")
        assert isinstance(syntax, Syntax)
        assert syntax.code.rstrip() == screen.json_text
        assert syntax.lexer is not None
        prefix = static_content(screen, "#detail-message")
        assert isinstance(prefix, Text) and prefix.plain == "payment failed"


async def test_plain_message_is_shown_whole() -> None:
    message = "disk almost full on /var\nsecond line of the message"
    app = DetailApp()
    async with app.run_test(size=(100, 30)) as pilot:
        app.open(LogRecord("2023-04-23T10:00:00", "WARNING", message))
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, DetailScreen)
        assert screen.json_text is None
        assert not screen.query("#detail-json")
        body = static_content(screen, "#detail-message")
        assert isinstance(body, Text) and body.plain == message


async def test_c_and_m_copy_and_notify_and_escape_closes() -> None:
    record = LogRecord("2023-04-23T10:00:00", "INFO", "Test log")
    app = DetailApp()
    async with app.run_test(size=(100, 30)) as pilot:
        app.open(record)
        await pilot.pause()
        await pilot.press("c")
        await pilot.pause()
        assert json.loads(app.clipboard) == record.to_json()
        assert app.notified == ["Copied the record (JSON) to the clipboard."]
        await pilot.press("m")
        assert app.clipboard == "Test log"
        assert app.notified[-1] == "Copied the message to the clipboard."
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, DetailScreen)
        assert app.results == [None]


# The only escape sequences a frame may hold are Textual's own CSI ones (colours, cursor moves).
_TEXTUAL_CSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]")


def frame_output(app: App[None]) -> tuple[str, list[str]]:
    """What a terminal would receive for the whole current screen, and the text of each line."""
    compositor = app.screen._compositor
    output = compositor.render_full_update().render_segments(app.console)
    lines = ["".join(segment.text for segment in strip) for strip in compositor.render_strips()]
    return output, lines


async def test_escape_sequences_in_a_record_never_reach_the_terminal() -> None:
    r = REPLACEMENT
    records = [
        # OSC 0 (window title), CSI colour, a C1 CSI, OSC 52 (clipboard) with ST, a TAB and CRLF.
        LogRecord(
            "2023-04-23T10:21:40",
            "INFO",
            "title \x1b]0;PWNED\x07 after\nline two\ttabbed \x1b[31mred\x9b2J\r\n"
            "clip \x1b]52;c;cHduZWQ=\x1b\\ end",
        ),
        # The JSON path: escapes in the prefix, in a JSON string (\\u001b decodes to a real ESC), a raw C1
        # character inside a JSON string (valid JSON), a key, and the header's tag and timestamp.
        LogRecord(
            "2023-04-23T10:21:41\x1b]0;T\x07",
            "IN\x1b[5mFO",
            'evil \x1b]0;PWNED\x07 {"msg": "\\u001b]0;X\\u0007 \x9b31m", "\\u001b[2J": 1}',
        ),
    ]
    app = DetailApp()
    async with app.run_test(size=(100, 30)) as pilot:
        for record in records:
            app.open(record)
            await pilot.pause()
            assert isinstance(app.screen, DetailScreen)
            output, lines = frame_output(app)
            leftover = _TEXTUAL_CSI.sub("", output)
            assert (
                "\x1b" not in leftover
                and CONTROL.search(leftover.replace("\n", "").replace("\r", "")) is None
            )
            assert not [line for line in lines if CONTROL.search(line)]
            text = "\n".join(lines)
            assert "PWNED" in text  # shown, as text
            await pilot.press("escape")
            await pilot.pause()

        app.open(records[0])
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, DetailScreen)
        body = static_content(screen, "#detail-message")
        assert isinstance(body, Text)
        assert body.plain.split("\n") == [
            f"title {r}]0;PWNED{r} after",
            f"line two        tabbed {r}[31mred{r}2J",  # the TAB is spaces up to the next stop
            f"clip {r}]52;c;cHduZWQ={r}\\ end",
        ]
        await pilot.press("escape")
        await pilot.pause()

        app.open(records[1])
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, DetailScreen)
        prefix = static_content(screen, "#detail-message")
        assert isinstance(prefix, Text) and prefix.plain == f"evil {r}]0;PWNED{r}"
        assert screen.json_text is not None
        assert '"msg": "\\u001b]0;X\\u0007 \\u009b31m"' in screen.json_text
        assert '"\\u001b[2J": 1' in screen.json_text
        header = str(screen.query_one("#detail-header", Static).render())
        assert f"2023-04-23T10:21:41{r}]0;T{r}" in header and f"IN{r}[5mFO" in header
        await pilot.press("c")  # copying still gives the record exactly as it is
        assert json.loads(app.clipboard) == records[1].to_json()


def test_extract_json_survives_pathological_brackets() -> None:
    assert extract_json("[" * 100_000) is None  # nested too deep for the parser: not JSON, no crash
    assert extract_json("[1," * 50_000 + "]") is None
    assert extract_json('x {"a": ' * 20_000 + "}") is None
    assert extract_json("[" * 5_000 + "]" * 5_000) is None  # valid, but deeper than the parser goes
    assert extract_json("[" * 900 + "]" * 900) is not None


async def test_odd_and_huge_messages_open_without_crashing_and_copy_whole() -> None:
    deep_valid = "[" * 900 + "]" * 900  # parses, but pretty-printing recurses past Python's limit
    huge = "word " * (MAX_DETAIL_CHARS // 5 + 1000)
    app = DetailApp()
    async with app.run_test(size=(100, 30)) as pilot:
        for message in ("[" * 100_000, deep_valid):
            app.open(LogRecord("2023-04-23T10:00:00", "INFO", message))
            await pilot.pause()
            assert isinstance(app.screen, DetailScreen)
            assert app.screen.json_text is None  # shown as text
            assert static_content(app.screen, "#detail-message") is not None
            await pilot.press("escape")
            await pilot.pause()
        app.open(LogRecord("2023-04-23T10:00:00", "INFO", huge))
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, DetailScreen)
        body = static_content(screen, "#detail-message")
        assert isinstance(body, Text)
        rest = len(huge) - MAX_DETAIL_CHARS
        assert body.plain.endswith(
            f"… {rest:,} more characters not shown: m copies the whole message, c the record."
        )
        await pilot.press("m")
        assert app.clipboard == huge
