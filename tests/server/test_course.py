"""The course's own checks against a real server holding the seed sample: the contract users already call."""

from __future__ import annotations

import httpx

from tests.helpers import ServerProcess

SIX = [{"timestamp": f"2023-04-23T10:0{m}:00", "tag": "INFO", "message": "Test log"} for m in range(6)]


def test_course_query_returns_exactly_six_records(course_server: ServerProcess) -> None:
    r = httpx.get(
        f"{course_server.url}/logs",
        params={"start_time": "2023-04-23T10:00:00", "end_time": "2023-04-23T10:05:00"},
    )
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/json"
    assert r.json() == {"logs": SIX, "next_cursor": None}
    # key order on the wire is part of the contract
    assert r.text.startswith('{"logs":[{"timestamp":"2023-04-23T10:00:00","tag":"INFO","message":"Test log"}')


def test_course_wide_window_returns_all_22(course_server: ServerProcess) -> None:
    r = httpx.get(
        f"{course_server.url}/logs",
        params={"start_time": "2021-04-23T10:00:00", "end_time": "2027-04-23T10:00:00"},
    )
    body = r.json()
    assert r.status_code == 200
    assert len(body["logs"]) == 22
    assert body["next_cursor"] is None
    assert [list(rec) for rec in body["logs"]] == [["timestamp", "tag", "message"]] * 22
    assert body["logs"][-1] == {"timestamp": "2023-04-23T10:22:00", "tag": "ERROR", "message": "Test error"}
    assert [rec["timestamp"] for rec in body["logs"][:21]] == [f"2023-04-23T10:{m:02d}:00" for m in range(21)]


def test_health_reports_the_store(course_server: ServerProcess, backend: str) -> None:
    r = httpx.get(f"{course_server.url}/health")
    assert r.json() == {
        "status": "ok",
        "version": "0.1.0",
        "storage": backend,
        "backend": backend,
        "records": 22,
        "first_timestamp": "2023-04-23T10:00:00",
        "last_timestamp": "2023-04-23T10:22:00",
    }


def test_stats_counts_tags_and_buckets(course_server: ServerProcess) -> None:
    r = httpx.get(
        f"{course_server.url}/stats",
        params={"start_time": "2023-04-23T10:00:00", "end_time": "2023-04-23T10:23:59", "buckets": 24},
    )
    body = r.json()
    assert r.status_code == 200
    assert body["total"] == 22
    assert body["tags"] == {"INFO": 21, "ERROR": 1}
    assert body["bucket_seconds"] == 60.0
    assert len(body["buckets"]) == 24
    assert body["buckets"][0] == {
        "start": "2023-04-23T10:00:00",
        "end": "2023-04-23T10:01:00",
        "counts": {"INFO": 1},
    }
    assert body["buckets"][22]["counts"] == {"ERROR": 1}
    assert body["buckets"][21]["counts"] == {}
    assert body["first_timestamp"] == "2023-04-23T10:00:00"
    assert body["last_timestamp"] == "2023-04-23T10:22:00"


def test_post_then_read_back(server_factory) -> None:  # type: ignore[no-untyped-def]
    server = server_factory()
    recs = [
        {"timestamp": "2024-01-01T00:00:00Z", "tag": "INFO", "message": "one"},
        {"timestamp": "2024-01-01T01:00:00.250+01:00", "tag": "warn", "message": "two"},
    ]
    r = httpx.post(f"{server.url}/logs", json={"logs": recs})
    assert r.status_code == 201, r.text
    assert r.json() == {"inserted": 2}
    r = httpx.post(f"{server.url}/logs", json={"timestamp": "2024-01-02", "tag": "ERROR", "message": "three"})
    assert r.json() == {"inserted": 1}
    got = httpx.get(f"{server.url}/logs").json()["logs"]
    assert got == [
        {"timestamp": "2024-01-01T00:00:00", "tag": "INFO", "message": "one"},
        {"timestamp": "2024-01-01T00:00:00.250000", "tag": "warn", "message": "two"},
        {"timestamp": "2024-01-02T00:00:00", "tag": "ERROR", "message": "three"},
    ]
