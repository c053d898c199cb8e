"""What signing every request with SigV4 (targets with auth = "aws_iam") costs logtui, per request.

    python bench/bench_sigv4.py                 # 2,000 requests per variant (about 30 s)
    python bench/bench_sigv4.py --requests 500

One real log-analyzer on 127.0.0.1 with the course's sample; the same LogClient asks it the same /logs query
(the course's window, 6 records, with two tags) `--requests` times, once unsigned and once signed with static
credentials from a temporary shared-credentials file (the server ignores the signature: what is measured is
the client's side — canonicalising the query, hashing, HMACs and the credentials hand-off to a worker thread).
The variants alternate in rounds so a noisy neighbour on this shared machine hits both alike; medians of the
per-round means are reported, with the signed/unsigned ratio.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402

from logtui.core.aws_auth import LambdaSigV4Auth  # noqa: E402 (needs ROOT on sys.path, just above)
from logtui.core.client import LogClient  # noqa: E402
from logtui.core.config import Target, TargetKind  # noqa: E402
from logtui.core.timerange import TimeWindow  # noqa: E402
from tests.helpers import ServerProcess  # noqa: E402

WINDOW = TimeWindow(datetime(2023, 4, 23, 10, 0, tzinfo=UTC), datetime(2023, 4, 23, 10, 5, tzinfo=UTC))
ROUNDS = 5


async def per_request(client: LogClient, n: int) -> float:
    started = time.perf_counter()
    for _ in range(n):
        page = await client.logs(WINDOW, tags=["INFO", "ERROR"], limit=100)
        assert len(page.records) == 6
    return (time.perf_counter() - started) / n


async def measure(url: str, requests: int) -> dict[str, list[float]]:
    plain = Target("plain", url, TargetKind.HTTP)
    signed = Target(
        "signed", url, TargetKind.HTTP, auth="aws_iam", aws_profile="bench", aws_region="eu-west-1"
    )
    times: dict[str, list[float]] = {"unsigned": [], "signed": []}
    async with LogClient.for_target(plain) as a, LogClient.for_target(signed) as b:
        await per_request(a, 20)  # warm both connections and the credentials
        await per_request(b, 20)
        for i in range(ROUNDS):
            # Alternate which goes first, so warming up and drifting load favour neither.
            order = [("unsigned", a), ("signed", b)] if i % 2 == 0 else [("signed", b), ("unsigned", a)]
            for name, client in order:
                times[name].append(await per_request(client, requests // ROUNDS))
    return times


def signing_alone(url: str, n: int = 5000) -> float:
    """Seconds to sign one request (the auth flow on its own, no network)."""
    auth = LambdaSigV4Auth(region="eu-west-1", profile="bench")
    params = [("start_time", "2023-04-23T10:00:00"), ("end_time", "2023-04-23T10:05:00")]
    params += [("tag", "INFO"), ("tag", "ERROR"), ("limit", "100"), ("order", "asc")]
    samples = []
    for _ in range(ROUNDS):
        started = time.perf_counter()
        for _ in range(n // ROUNDS):
            request = httpx.Request("GET", f"{url}/logs", params=params)
            next(auth.sync_auth_flow(request))
        samples.append((time.perf_counter() - started) / (n // ROUNDS))
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=2000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        credentials = work / "credentials"
        credentials.write_text(
            "[bench]\naws_access_key_id = AKIDBENCH0000000001\naws_secret_access_key = bench/secret/key\n"
        )
        os.environ.update(
            AWS_SHARED_CREDENTIALS_FILE=str(credentials),
            AWS_CONFIG_FILE=str(work / "config"),
            AWS_EC2_METADATA_DISABLED="true",
        )
        server = ServerProcess(work / "logs.db", seed=True).start()
        try:
            times = asyncio.run(measure(server.url, args.requests))
            alone = signing_alone(server.url)
        finally:
            server.stop()
    unsigned = statistics.median(times["unsigned"]) * 1000
    signed = statistics.median(times["signed"]) * 1000
    print(
        f"SigV4 signing: {args.requests:,} GET /logs per variant, {ROUNDS} alternating rounds, python "
        f"{sys.version.split()[0]}, {os.cpu_count()} cpus"
    )
    print()
    print("| variant                        | per request | ratio |")
    print("|--------------------------------|-------------|-------|")
    print(f"| unsigned (baseline, same run)  | {unsigned:8.2f} ms | 1.00x |")
    print(f"| signed (SigV4, botocore)       | {signed:8.2f} ms | {signed / unsigned:.2f}x |")
    share = f"{alone * 1000 / unsigned:.1%} of one"
    print(f"| signing alone (no network)     | {alone * 1000:8.3f} ms | {share} |")


if __name__ == "__main__":
    main()
