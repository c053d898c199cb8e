"""The course's seed sample, and a generator of realistic demo data."""

from __future__ import annotations

import random
from collections.abc import Iterator

import orjson

from log_analyzer.store import LogStore, Row
from log_analyzer.timefmt import now_micros, parse_timestamp, render

_SAMPLE_DAY = "2023-04-23"


def sample_rows() -> list[Row]:
    """21 x INFO "Test log" at 10:00..10:20, then one ERROR "Test error" at 10:22, as in the course."""
    stamps = [(f"{_SAMPLE_DAY}T10:{m:02d}:00", "INFO", "Test log") for m in range(21)]
    stamps.append((f"{_SAMPLE_DAY}T10:22:00", "ERROR", "Test error"))
    rows: list[Row] = []
    for text, tag, message in stamps:
        micros, fraction = parse_timestamp(text)
        rows.append((micros, render(micros, fraction), tag, message))
    return rows


def load_sample(store: LogStore) -> int:
    """Add the sample's records that the store does not hold yet (running `seed` twice adds nothing)."""
    return store.insert_missing(sample_rows())


_SERVICES = ("api", "auth", "billing", "search", "worker", "scheduler", "gateway")
_PATHS = ("/v1/orders", "/v1/users/{id}", "/v1/search", "/healthz", "/v1/invoices", "/login", "/v1/cart")
_PLAIN = {
    "DEBUG": (
        "cache miss for key user:{id}",
        "opened connection to db-{n} in {ms} ms",
        "retrying request to {svc} (attempt {n})",
    ),
    "INFO": (
        "GET {path} 200 in {ms} ms",
        "POST {path} 201 in {ms} ms",
        "user {id} signed in from 10.0.{n}.{m}",
        "job {id} finished in {ms} ms",
        "scheduled {n} tasks for {svc}",
    ),
    "WARN": (
        "slow query on {svc}: {ms} ms",
        "GET {path} 429 rate limited for user {id}",
        "disk usage at {pct}% on /var/lib/{svc}",
    ),
    "ERROR": (
        "GET {path} 500 upstream {svc} timed out after {ms} ms",
        "payment {id} failed: card declined",
        "unhandled exception in {svc}: KeyError('{svc}_id')",
        "connection to db-{n} lost; failing over",
    ),
}
_TAGS = ("DEBUG", "INFO", "WARN", "ERROR")
_WEIGHTS = (15, 72, 9, 4)


def _message(rng: random.Random, tag: str) -> str:
    fields = {
        "id": rng.randint(1000, 99999),
        "n": rng.randint(1, 9),
        "m": rng.randint(1, 254),
        "ms": rng.randint(1, 4000) if tag in ("WARN", "ERROR") else rng.randint(1, 300),
        "pct": rng.randint(80, 99),
        "svc": rng.choice(_SERVICES),
        "path": rng.choice(_PATHS),
    }
    text = rng.choice(_PLAIN[tag]).format(**fields)
    if rng.random() < 0.3:  # a share of structured (JSON) messages, as services that log JSON produce
        return orjson.dumps(
            {
                "service": fields["svc"],
                "event": text,
                "request_id": f"{rng.getrandbits(64):016x}",
                "duration_ms": fields["ms"],
            }
        ).decode()
    return text


def _timeline(count: int, seed: int) -> Iterator[tuple[float, bool]]:
    """(offset in arbitrary units, inside an error burst) per record: exponential gaps, tight bursts."""
    rng = random.Random(seed)
    offset = 0.0
    burst_left = 0
    for _ in range(count):
        offset += rng.expovariate(1.0) if burst_left == 0 else rng.random() * 0.05
        if burst_left == 0 and rng.random() < 0.0005:
            burst_left = rng.randint(20, 300)
        in_burst = burst_left > 0
        if in_burst:
            burst_left -= 1
        yield offset, in_burst


def demo_rows(
    count: int, *, days: float = 7.0, end: int | None = None, seed: int = 42
) -> Iterator[list[Row]]:
    """`count` records spread over `days` ending at `end` (default now), in batches of up to 10,000.

    Mostly INFO/DEBUG with bursts of errors (an incident every so often), with both plain and JSON messages.
    The timeline is generated twice from the same seed: once to learn its length, then stretched so the
    first record falls `days` before `end` and the last one exactly at `end` (a "last hour" window of fresh
    demo data is never empty).
    """
    if count <= 0:
        return
    end = now_micros() if end is None else end
    span = int(days * 86_400_000_000)
    start = end - span
    total = max((offset for offset, _ in _timeline(count, seed)), default=0.0)
    scale = span / total if total > 0 else 0.0
    rng = random.Random(seed + 1)
    batch: list[Row] = []
    for offset, in_burst in _timeline(count, seed):
        micros = min(start + int(offset * scale), end)
        if in_burst:
            tag = "ERROR" if rng.random() < 0.8 else "WARN"
        else:
            tag = rng.choices(_TAGS, _WEIGHTS)[0]
        fraction = rng.random() < 0.5
        if not fraction:
            micros -= micros % 1_000_000
        batch.append((micros, render(micros, fraction), tag, _message(rng, tag)))
        if len(batch) >= 10_000:
            yield batch
            batch = []
    if batch:
        yield batch
