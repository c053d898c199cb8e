"""What LOG_ANALYZER_SYNC costs: write throughput with synchronous=FULL (the default) vs NORMAL.

    python bench/bench_durability.py
    python bench/bench_durability.py --dir /path/on/the/real/disk   # where the database goes

FULL syncs the write-ahead log at every commit, so a 201 means the records are on disk and survive a power
loss or an OS crash. NORMAL syncs only at checkpoints: a 201 survives a crash (kill -9) of the service but
the last commits can be lost with the machine. The cost is one fsync per request, which matters for many
small POSTs and hardly for batches. The figures depend on the disk (an SSD's fsync is ~0.1-2 ms, tmpfs none).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.helpers import ServerProcess  # noqa: E402


def rate(url: str, requests: int, per_request: int) -> float:
    """Records per second over `requests` sequential POSTs of `per_request` records."""
    body = {
        "logs": [
            {"timestamp": "2024-06-01T00:00:00", "tag": "INFO", "message": f"record {i} of a durability run"}
            for i in range(per_request)
        ]
    }
    with httpx.Client(base_url=url, timeout=60) as client:
        client.post("/logs", json=body).raise_for_status()  # warm
        started = time.perf_counter()
        for _ in range(requests):
            client.post("/logs", json=body).raise_for_status()
        return requests * per_request / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--dir", type=Path, default=None, help="folder for the databases (default: a temp dir)"
    )
    parser.add_argument("--requests", type=int, default=300, help="single-record POSTs per mode")
    args = parser.parse_args()
    where = Path(tempfile.mkdtemp(prefix="bench-sync-", dir=args.dir))
    results: dict[tuple[str, str], float] = {}
    for shape, requests, per in (
        ("1 record per POST", args.requests, 1),
        ("1,000 records per POST", 30, 1000),
    ):
        for sync in ("normal", "full"):
            server = ServerProcess(where / f"{sync}-{per}.db", env={"LOG_ANALYZER_SYNC": sync}).start()
            try:
                results[(shape, sync)] = rate(server.url, requests, per)
            finally:
                server.stop()
    print(f"database folder: {where}")
    print("| writes | normal (records/s, baseline) | full, the default (records/s) | full vs normal |")
    print("|---|---:|---:|---:|")
    for shape in ("1 record per POST", "1,000 records per POST"):
        normal, full = results[(shape, "normal")], results[(shape, "full")]
        print(f"| {shape} | {normal:,.0f} | {full:,.0f} | {full / normal:.2f}x |")


if __name__ == "__main__":
    main()
