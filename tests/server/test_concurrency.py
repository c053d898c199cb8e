"""Many clients at once against one real server: writes are all kept, reads never fail or see half a batch."""

from __future__ import annotations

import threading
from collections.abc import Callable

import httpx

from tests.helpers import ServerProcess, write_batches

WRITERS, BATCHES, BATCH = 4, 10, 250


def test_concurrent_writers_and_readers(server_factory: Callable[..., ServerProcess]) -> None:
    server = server_factory()
    failures: list[str] = []
    counts_seen: list[int] = []

    def writer(k: int) -> None:
        write_batches(server.url, k, BATCHES, BATCH, failures)

    def reader() -> None:
        with httpx.Client(base_url=server.url, timeout=60) as client:
            for _ in range(15):
                for path, params in (("/logs", {"limit": 500}), ("/stats", {"buckets": 10}), ("/health", {})):
                    r = client.get(path, params=params)
                    if r.status_code != 200:
                        failures.append(f"GET {path} {r.status_code} {r.text[:200]}")
                    elif path == "/stats":
                        counts_seen.append(r.json()["total"])

    threads = [threading.Thread(target=writer, args=(k,)) for k in range(WRITERS)]
    threads += [threading.Thread(target=reader) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert failures == []
    total = WRITERS * BATCHES * BATCH
    assert httpx.get(f"{server.url}/health").json()["records"] == total
    # every batch is one transaction: a reader sees whole batches only
    assert all(n % BATCH == 0 for n in counts_seen), sorted(set(counts_seen))
    stats = httpx.get(f"{server.url}/stats").json()
    assert stats["tags"] == {f"W{k}": BATCHES * BATCH for k in range(WRITERS)}
