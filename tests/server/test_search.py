"""`q` through the text index and tags in /stats, on both backends: case-insensitive for every script, `%`,
`_` and `\\` literal, short strings still answered, one spelling per tag in the counts."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.helpers import ServerProcess
from tests.server.conftest import StoreEnv

MESSAGES = [
    ("INFO", "Ärger im Büro"),  # Latin-1
    ("info", "ΣΊΣΥΦΟΣ rolls"),  # Greek
    ("Info", "ЖУРНАЛ открыт"),  # Cyrillic
    ("warn", "ᏣᎳᎩ text"),  # Cherokee: SQLite's own trigram folding leaves it alone
    ("WARN", "ᲥᲐᲠᲗᲣᲚᲘ Mtavruli"),  # Georgian capitals (Unicode 11)
    ("ERROR", "disk 100% full_now at C:\\temp\\x"),
    ("error", "plain ascii line"),
    ("notice", "İstanbul office"),  # Turkish dotted capital I
    ("DEBUG", "long: " + "the quick brown fox jumps over the lazy dog " * 3),
]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, fresh_store: StoreEnv) -> Iterator[ServerProcess]:
    server = ServerProcess(tmp_path_factory.mktemp("search") / "logs.db", env=fresh_store()).start()
    logs = [
        {"timestamp": f"2024-05-01T00:0{i}:00", "tag": tag, "message": msg}
        for i, (tag, msg) in enumerate(MESSAGES)
    ]
    server.post(logs)
    yield server
    server.stop()


def found(server: ServerProcess, q: str) -> list[str]:
    r = httpx.get(f"{server.url}/logs", params={"q": q})
    assert r.status_code == 200, r.text
    stats = httpx.get(f"{server.url}/stats", params={"q": q}).json()
    messages = [rec["message"] for rec in r.json()["logs"]]
    assert stats["total"] == len(messages), "/stats with q counts what /logs with q returns"
    return messages


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("ärger", "Ärger im Büro"),
        ("ÄRGER IM", "Ärger im Büro"),
        ("ä", "Ärger im Büro"),  # one character: shorter than a trigram, answered by a scan
        ("σίσυφ", "ΣΊΣΥΦΟΣ rolls"),
        ("σίσυφοσ", "ΣΊΣΥΦΟΣ rolls"),  # letter by letter: capital sigma is the medial one on both backends
        ("istanbul OFFICE", "İstanbul office"),
        ("İSTANBUL", "İstanbul office"),
        ("журнал ОТКРЫТ", "ЖУРНАЛ открыт"),
        ("ꮳꮃꭹ", "ᏣᎳᎩ text"),
        ("ქართული", "ᲥᲐᲠᲗᲣᲚᲘ Mtavruli"),
        ("100% FULL_NOW", "disk 100% full_now at C:\\temp\\x"),
        ("c:\\TEMP\\", "disk 100% full_now at C:\\temp\\x"),
        # longer than the trigrams the index is asked for: the rest is checked on the message
        ("FOX JUMPS OVER THE LAZY DOG THE QUICK BROWN FOX JUMPS OVER", MESSAGES[-1][1]),
    ],
)
def test_q_is_case_insensitive_for_every_script(server: ServerProcess, q: str, expected: str) -> None:
    assert found(server, q) == [expected]


@pytest.mark.parametrize(
    "q",
    [
        "100%%",
        "full now",
        "full%now",
        "C:\\\\temp",
        "_ascii",
        "absent string",
        "zz",
        "over the quick",  # each of its trigrams is in one message, the string itself is not
    ],
)
def test_wildcards_stay_literal_and_absent_strings_find_nothing(server: ServerProcess, q: str) -> None:
    assert found(server, q) == []


def test_stats_count_each_tag_under_one_spelling(server: ServerProcess) -> None:
    stats = httpx.get(f"{server.url}/stats", params={"buckets": 2}).json()
    assert stats["tags"] == {"INFO": 3, "WARN": 2, "ERROR": 2, "NOTICE": 1, "DEBUG": 1}
    assert {t for b in stats["buckets"] for t in b["counts"]} == {"INFO", "WARN", "ERROR", "NOTICE", "DEBUG"}
    only = httpx.get(f"{server.url}/stats", params={"tag": ["warn", "Error"]}).json()
    assert only["tags"] == {"WARN": 2, "ERROR": 2} and only["total"] == 4
    # /logs keeps each record's own spelling
    tags = [r["tag"] for r in httpx.get(f"{server.url}/logs", params={"tag": "info"}).json()["logs"]]
    assert tags == ["INFO", "info", "Info"]
