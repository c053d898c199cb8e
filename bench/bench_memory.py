"""Peak memory of one /logs page, worst case vs an ordinary page, for the server and the Lambda handler.

    python bench/bench_memory.py

The worst case is the largest record there can be, many times over: messages of 65,536 emoji (256 KiB as
UTF-8, 768 KiB once the Lambda runtime escapes them). Before issue 10 a page read up to 2,500 rows before
looking at its byte budget: 200 such messages took about 204 MB at limit 200, and a Lambda instance died at
the default limit. Each case runs in a fresh process; its peak is VmHWM, reset just before the request
(/proc/PID/clear_refs), minus the RSS it had before the request. The baseline is a 10,000-record page of
ordinary ~100-byte messages in the same mode.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "server"))

from log_analyzer.store import Store  # noqa: E402
from log_analyzer.timefmt import render  # noqa: E402

from tests.helpers import ServerProcess  # noqa: E402

BASE = 1_700_000_000_000_000
WORST_MESSAGE = "😀" * 65_536


def _kb(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise KeyError(field)


def build(path: Path, messages: list[str]) -> Path:
    store = Store(path)
    store.insert([(BASE + i, render(BASE + i, True), "INFO", m) for i, m in enumerate(messages)])
    store.close()
    return path


def server_peak(db: Path, limit: int) -> tuple[float, int, int]:
    """(peak MB above the RSS before the request, records returned, body bytes) for GET /logs?limit=."""
    server = ServerProcess(db).start()
    try:
        assert server.proc is not None
        pid = server.proc.pid
        httpx.get(f"{server.url}/logs", params={"limit": 1})  # warm: imports, first connection
        before = _kb(pid, "VmRSS")
        Path(f"/proc/{pid}/clear_refs").write_text("5")
        r = httpx.get(f"{server.url}/logs", params={"limit": limit}, timeout=300)
        peak = _kb(pid, "VmHWM")
        return (peak - before) / 1024, len(r.json()["logs"]), len(r.content)
    finally:
        server.stop()


_LAMBDA_CHILD = """
import json, sys
from pathlib import Path
sys.path.insert(0, sys.argv[3])  # tests.server.test_lambda; log_analyzer comes from PYTHONPATH
from log_analyzer import lambda_handler
from log_analyzer.settings import Settings
from tests.server.test_lambda import FakeContext, url_event
def kb(field):
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
handler = lambda_handler.make_handler(Settings.from_env({"LOG_ANALYZER_DB": sys.argv[1]}, lambda_mode=True))
handler(url_event("GET", "/logs", [("limit", "1")]), FakeContext())
before = kb("VmRSS")
Path("/proc/self/clear_refs").write_text("5")
result = handler(url_event("GET", "/logs", [("limit", sys.argv[2])]), FakeContext())
peak = kb("VmHWM")
print(json.dumps([(peak - before) / 1024, len(json.loads(result["body"])["logs"]), len(json.dumps(result))]))
"""


def lambda_peak(db: Path, limit: int) -> tuple[float, int, int]:
    out = subprocess.run(
        [sys.executable, "-c", _LAMBDA_CHILD, str(db), str(limit), str(ROOT)],
        capture_output=True,
        text=True,
        check=True,
        env={
            **{k: v for k, v in os.environ.items() if not k.startswith("LOG_ANALYZER_")},
            "PYTHONPATH": os.environ.get("PYTHONPATH") or str(ROOT / "server"),
        },
    )
    peak, n, size = json.loads(out.stdout.strip().splitlines()[-1])
    return float(peak), int(n), int(size)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--limits", default="200,1000,10000", help="page limits for the worst case")
    limits = [int(x) for x in parser.parse_args().limits.split(",")]
    tmp = Path(tempfile.mkdtemp(prefix="bench-memory-"))
    ordinary = build(
        tmp / "ordinary.db",
        [f"GET /api/items/{i} 200 in 12ms from 10.0.{i % 255}.7 " + "x" * 50 for i in range(10_000)],
    )
    worst = build(tmp / "worst.db", [f"{i:04d}{WORST_MESSAGE}" for i in range(1000)])
    rows = []
    for mode, measure in (("server", server_peak), ("Lambda", lambda_peak)):
        base_mb, base_n, base_size = measure(ordinary, 10_000)
        rows.append((mode, "ordinary page (baseline)", 10_000, base_n, base_size, base_mb, base_mb))
        for limit in limits:
            mb, n, size = measure(worst, limit)
            rows.append((mode, "64 Ki emoji per message", limit, n, size, mb, base_mb))
    print("| mode | data | limit | records in the page | answer bytes | peak above idle | vs baseline |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for mode, data, limit, n, size, mb, base in rows:
        print(f"| {mode} | {data} | {limit} | {n} | {size:,} | {mb:.1f} MB | {mb / base:.2f}x |")


if __name__ == "__main__":
    main()
