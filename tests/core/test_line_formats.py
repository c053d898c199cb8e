"""Each log format's time, level and message; what continues a record; what has no time."""

from __future__ import annotations

import pytest

from logtui.core.line_formats import FieldNames, LineParser, is_continuation, parse_time

T0 = 1_682_244_000_000_000  # 2023-04-23T10:00:00Z in microseconds


@pytest.mark.parametrize(
    ("line", "micros", "tag", "message"),
    [
        ("2023-04-23T10:00:00 INFO hello world", T0, "INFO", "hello world"),
        ("2023-04-23T10:00:00.5 PAYMENT  two  spaces", T0 + 500_000, "PAYMENT", " two  spaces"),
        (
            "2023-04-23 10:00:00,123 - app - WARNING - careful",
            T0 + 123_000,
            "WARNING",
            "app - WARNING - careful",
        ),
        ("2023-04-23T12:00:00+02:00 ERROR offset", T0, "ERROR", "offset"),
        (
            "2023-04-23T10:00:00 WARN the service's own tag, as written",
            T0,
            "WARN",
            "the service's own tag, as written",
        ),
        (
            "2023-04-23T10:00:00 [warn] a level word, made the usual tag",
            T0,
            "WARNING",
            "a level word, made the usual tag",
        ),
        ("2023/04/23 10:00:00 [error] 7#0: open() failed", T0, "ERROR", "7#0: open() failed"),
        ("2023-04-23T10:00:00Z myhost started", T0, None, "myhost started"),
        (
            '{"time": "2023-04-23T10:00:00Z", "level": "error", "msg": "boom", "user": 5}',
            T0,
            "ERROR",
            'boom {"user":5}',
        ),
        ('{"ts": 1682244000.25, "lvl": "debug", "message": "x"}', T0 + 250_000, "DEBUG", "x"),
        ('{"@timestamp": 1682244000000, "severity": "WARNING", "event": "ms"}', T0, "WARNING", "ms"),
        ('time=2023-04-23T10:00:00Z level=warn msg="disk low" free=3%', T0, "WARNING", "disk low free=3%"),
        (
            "<165>1 2023-04-23T10:00:00.003Z host app - ID47 - event",
            T0 + 3_000,
            "NOTICE",
            "host app - ID47 - event",
        ),
        (
            '10.0.0.1 - - [23/Apr/2023:12:00:00 +0200] "GET /x HTTP/1.1" 503 12 "-" "curl"',
            T0,
            "ERROR",
            '10.0.0.1 - - [23/Apr/2023:12:00:00 +0200] "GET /x HTTP/1.1" 503 12 "-" "curl"',
        ),
        (
            '10.0.0.1 - - [23/Apr/2023:10:00:00 +0000] "GET /y HTTP/1.1" 404 0',
            T0,
            "WARNING",
            '10.0.0.1 - - [23/Apr/2023:10:00:00 +0000] "GET /y HTTP/1.1" 404 0',
        ),
    ],
)
def test_formats(line: str, micros: int, tag: str | None, message: str) -> None:
    parsed = LineParser().parse(line)
    assert parsed is not None
    assert (parsed.micros, parsed.tag, parsed.message) == (micros, tag, message)


def test_syslog_3164_takes_the_given_year_and_its_priority() -> None:
    parsed = LineParser(syslog_year=2023).parse("<34>Apr 23 10:00:00 host su: 'su root' failed")
    assert parsed is not None
    assert (parsed.micros, parsed.tag) == (T0, "CRITICAL")
    plain = LineParser(syslog_year=2023).parse("Apr 23 10:00:00 host sshd[1]: error: bad key")
    assert plain is not None and plain.tag == "ERROR" and plain.message == "host sshd[1]: error: bad key"


def test_syslog_without_a_year_is_never_after_the_files_date() -> None:
    from datetime import UTC, datetime

    parser = LineParser(newest=datetime(2024, 1, 2, tzinfo=UTC))
    december = parser.parse("Dec 31 23:59:00 host app: happy new year")
    january = parser.parse("Jan  1 00:01:00 host app: here it is")
    assert december is not None and january is not None
    assert (december.ts_text(), january.ts_text()) == ("2023-12-31T23:59:00", "2024-01-01T00:01:00")


def test_configured_json_fields_come_first() -> None:
    parser = LineParser(FieldNames.with_overrides(time="when", level="sev", message="body"))
    parsed = parser.parse('{"when": "2023-04-23T10:00:00", "sev": "err", "body": "b", "msg": "other"}')
    assert parsed is not None
    assert (parsed.micros, parsed.tag, parsed.message) == (T0, "ERROR", 'b {"msg":"other"}')


def test_lines_without_a_time() -> None:
    parser = LineParser()
    assert parser.parse("INFO:root:basicConfig's default has no time") is None
    untimed = parser.untimed("WARNING:root:careful")
    assert (untimed.micros, untimed.tag) == (None, "WARNING")
    json_untimed = parser.parse('{"level": "info", "msg": "no time"}')
    assert json_untimed is not None and json_untimed.micros is None and json_untimed.tag == "INFO"


def test_continuations() -> None:
    assert is_continuation("Traceback (most recent call last):", False)
    assert is_continuation('  File "app.py", line 3, in <module>', True)
    assert is_continuation("ValueError: bad value", True)
    assert not is_continuation("ValueError: bad value", False)
    assert not is_continuation("INFO:root:a record of its own", True)


def test_parse_time_units_and_garbage() -> None:
    assert parse_time(1682244000) == (T0, False)
    assert parse_time(1682244000123) == (T0 + 123_000, True)
    assert parse_time(1682244000123456) == (T0 + 123_456, True)
    assert parse_time(1682244000123456789) == (T0 + 123_456, True)
    assert parse_time("2023-04-23T10:00:00") == (T0, False)
    assert parse_time("yesterday-ish") is None
    assert parse_time(True) is None
    assert parse_time("2023-02-30T10:00:00") is None
