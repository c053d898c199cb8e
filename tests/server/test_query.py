"""Querying a real server: windows, filters, ordering, keyset paging and timestamp formats."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import httpx
import pytest

from tests.helpers import ServerProcess
from tests.server.conftest import StoreEnv

RECORDS = [
    # three records share one timestamp: paging must keep insertion order and never skip or repeat them
    {"timestamp": "2024-03-01T00:00:00", "tag": "INFO", "message": "boot"},
    {"timestamp": "2024-03-01T00:00:01", "tag": "DEBUG", "message": "Opened DB"},
    {"timestamp": "2024-03-01T00:00:01", "tag": "ERROR", "message": "disk FULL on /var"},
    {"timestamp": "2024-03-01T00:00:01", "tag": "warn", "message": "50% done_now"},
    {"timestamp": "2024-03-01T00:00:02.5", "tag": "INFO", "message": "half second"},
    {"timestamp": "2024-03-01T02:00:03+02:00", "tag": "INFO", "message": "from an offset"},
    {"timestamp": "2024-03-02T23:59:59.999999Z", "tag": "Error", "message": "last of the 2nd"},
    {"timestamp": "2024-03-03", "tag": "INFO", "message": "date alone"},
]


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory, fresh_store: StoreEnv) -> Iterator[httpx.Client]:
    server = ServerProcess(tmp_path_factory.mktemp("query") / "logs.db", env=fresh_store()).start()
    with httpx.Client(base_url=server.url, timeout=30) as client:
        assert client.post("/logs", json={"logs": RECORDS}).json() == {"inserted": len(RECORDS)}
        yield client
    server.stop()


def messages(client: httpx.Client, **params: object) -> list[str]:
    r = client.get("/logs", params=params)  # type: ignore[arg-type]
    assert r.status_code == 200, r.text
    return [rec["message"] for rec in r.json()["logs"]]


def test_rendering_keeps_precision_and_converts_to_utc(store: httpx.Client) -> None:
    got = {rec["message"]: rec["timestamp"] for rec in store.get("/logs").json()["logs"]}
    assert got["boot"] == "2024-03-01T00:00:00"
    assert got["half second"] == "2024-03-01T00:00:02.500000"
    assert got["from an offset"] == "2024-03-01T00:00:03"
    assert got["last of the 2nd"] == "2024-03-02T23:59:59.999999"
    assert got["date alone"] == "2024-03-03T00:00:00"


def test_both_ends_inclusive_and_input_formats(store: httpx.Client) -> None:
    assert messages(store, start_time="2024-03-01T00:00:01", end_time="2024-03-01T00:00:01") == [
        "Opened DB",
        "disk FULL on /var",
        "50% done_now",
    ]
    # the same instant written with an offset and with Z
    assert messages(store, start_time="2024-03-01T02:00:01+02:00", end_time="2024-03-01T00:00:01Z") == [
        "Opened DB",
        "disk FULL on /var",
        "50% done_now",
    ]
    # a date alone as the end means the whole of that day
    assert messages(store, start_time="2024-03-02", end_time="2024-03-02") == ["last of the 2nd"]
    assert messages(store, start_time="2024-03-03")[-1] == "date alone"
    assert messages(store, end_time="2024-03-01T00:00:00") == ["boot"]


def test_tag_filter_is_case_insensitive_and_repeatable(store: httpx.Client) -> None:
    assert messages(store, tag="error") == ["disk FULL on /var", "last of the 2nd"]
    assert messages(store, tag=["WARN", "debug"]) == ["Opened DB", "50% done_now"]


def test_q_is_a_case_insensitive_literal_substring(store: httpx.Client) -> None:
    assert messages(store, q="full") == ["disk FULL on /var"]
    assert messages(store, q="50%") == ["50% done_now"]
    assert messages(store, q="e_n") == ["50% done_now"]  # _ is literal, not a wildcard
    assert messages(store, q="n_w") == []
    assert messages(store, q="o", tag="info") == ["boot", "half second", "from an offset", "date alone"]


def test_desc_order(store: httpx.Client) -> None:
    everything = messages(store)
    assert messages(store, order="desc") == everything[::-1]


@pytest.mark.parametrize("order", ["asc", "desc"])
@pytest.mark.parametrize("limit", [1, 2, 3, 7])
def test_keyset_pages_cover_everything_once(store: httpx.Client, order: str, limit: int) -> None:
    expected = messages(store, order=order)
    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        params: dict[str, object] = {"limit": limit, "order": order}
        if cursor:
            params["cursor"] = cursor
        body = store.get("/logs", params=params).json()  # type: ignore[arg-type]
        assert len(body["logs"]) <= limit
        seen += [rec["message"] for rec in body["logs"]]
        cursor = body["next_cursor"]
        pages += 1
        if cursor is None:
            break
    assert seen == expected
    assert pages == -(-len(expected) // limit) + (1 if len(expected) % limit == 0 else 0) or pages >= 1


def test_last_page_has_null_cursor(store: httpx.Client) -> None:
    body = store.get("/logs", params={"limit": len(RECORDS)}).json()
    assert len(body["logs"]) == len(RECORDS)
    assert body["next_cursor"] is None
    body = store.get("/logs", params={"limit": len(RECORDS) - 1}).json()
    assert body["next_cursor"] is not None


def test_cursor_survives_a_restart(server_factory: Callable[..., ServerProcess]) -> None:
    server = server_factory(seed=True)
    first = httpx.get(f"{server.url}/logs", params={"limit": 20}).json()
    server.stop()
    again = ServerProcess(server.db_path, env=server.env).start()
    try:
        rest = httpx.get(f"{again.url}/logs", params={"limit": 20, "cursor": first["next_cursor"]}).json()
    finally:
        again.stop()
    assert [r["timestamp"] for r in rest["logs"]] == ["2023-04-23T10:20:00", "2023-04-23T10:22:00"]


def test_stats_with_filters_and_defaults(store: httpx.Client) -> None:
    body = store.get("/stats", params={"buckets": 3}).json()
    assert body["total"] == len(RECORDS)
    assert body["tags"] == {"INFO": 4, "DEBUG": 1, "ERROR": 2, "warn": 1} or sum(body["tags"].values()) == 8
    assert {k.upper() for k in body["tags"]} == {"INFO", "DEBUG", "ERROR", "WARN"}
    assert body["first_timestamp"] == "2024-03-01T00:00:00"
    assert body["last_timestamp"] == "2024-03-03T00:00:00"
    assert body["buckets"][0]["start"] == "2024-03-01T00:00:00"
    assert sum(sum(b["counts"].values()) for b in body["buckets"]) == len(RECORDS)
    assert body["bucket_seconds"] == 57600.0  # 2 days / 3, whole seconds

    errors = store.get("/stats", params={"tag": "ERROR", "buckets": 2}).json()
    assert errors["total"] == 2
    assert [sum(b["counts"].values()) for b in errors["buckets"]] == [1, 1]
    assert store.get("/stats", params={"q": "disk"}).json()["total"] == 1
    # a window holding nothing still answers with empty buckets and the store's bounds
    empty = store.get("/stats", params={"start_time": "2030-01-01", "buckets": 5}).json()
    assert empty["total"] == 0 and len(empty["buckets"]) == 5
    assert empty["first_timestamp"] == "2024-03-01T00:00:00"


def test_empty_store(server_factory: Callable[..., ServerProcess]) -> None:
    server = server_factory()
    assert httpx.get(f"{server.url}/logs").json() == {"logs": [], "next_cursor": None}
    health = httpx.get(f"{server.url}/health").json()
    assert health["records"] == 0 and health["first_timestamp"] is None
    stats = httpx.get(f"{server.url}/stats").json()
    assert stats == {
        "total": 0,
        "tags": {},
        "bucket_seconds": 0.0,
        "buckets": [],
        "first_timestamp": None,
        "last_timestamp": None,
    }


def test_docs_and_openapi(store: httpx.Client) -> None:
    spec = store.get("/openapi.json").json()
    assert {"/logs", "/stats", "/health"} <= set(spec["paths"])
    params = {p["name"] for p in spec["paths"]["/logs"]["get"]["parameters"]}
    assert params == {"start_time", "end_time", "tag", "q", "limit", "cursor", "order"}
    assert "requestBody" in spec["paths"]["/logs"]["post"]
    # Issue 10 changes this: Swagger UI and ReDoc load their JavaScript from a CDN, so they are not served.
    assert store.get("/docs").status_code == 404
    assert store.get("/redoc").status_code == 404


def _every_page(client: httpx.Client, **params: object) -> list[str]:
    seen: list[str] = []
    cursor = None
    while True:
        body = client.get("/logs", params={**params, **({"cursor": cursor} if cursor else {})}).json()  # type: ignore[arg-type]
        seen += [rec["message"] for rec in body["logs"]]
        cursor = body["next_cursor"]
        if cursor is None:
            return seen


def test_pages_mixing_short_and_long_messages_come_back_whole_and_in_order(
    server_factory: Callable[..., ServerProcess],
) -> None:
    # PostgreSQL reads a message over 4 KiB (UTF-8) apart from its row, when the row is handed out: long
    # ones in every script and size, between short ones, several to a fetch, must come back exact and in place
    server = server_factory()
    long_kinds = ["x" * 4097, "ж" * 2049, "😀" * 65_000, "é" * 4096, "a" * 4096, 'q"\\' * 3000]
    records = []
    for i in range(1200):
        kind = long_kinds[i % len(long_kinds)] if i % 7 in (0, 3) else f"short {i}"
        records.append({"timestamp": f"2024-05-01T00:{i // 60:02d}:{i % 60:02d}", "tag": "INFO",
                        "message": f"{i} {kind}"})  # fmt: skip
    with httpx.Client(base_url=server.url, timeout=60) as client:
        for i in range(0, len(records), 100):
            r = client.post("/logs", json={"logs": records[i : i + 100]})
            assert r.status_code == 201, r.text
        every = [rec["message"] for rec in records]
        assert _every_page(client, limit=1000) == every
        assert _every_page(client, limit=37) == every
        # descending, filtered by q (the index on PostgreSQL), with long rows among the matches
        want = [m for m in every if "😀" in m][::-1]
        assert _every_page(client, q="😀", order="desc", limit=1000) == want
