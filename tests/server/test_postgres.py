"""Several real `log-analyzer serve` processes on one real PostgreSQL database.

Concurrent writers on every instance with exact counts, cursors that continue on another instance, a
database restart in the middle (503 while it is down, recovery without a restart of the service), the
statement timeout, the pruner's lock, the Lambda handler's reconnect, and the password kept out of
everything the service says.
"""

from __future__ import annotations

import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import psycopg
import pytest
from log_analyzer import lambda_handler
from log_analyzer.settings import Settings
from log_analyzer.store.location import mask_url

from tests.helpers import ServerProcess, wait_until, write_batches
from tests.pg import PASSWORD, PASSWORD_IN_URL, PgCluster
from tests.server.test_lambda import FakeContext, url_event

WRITERS, BATCHES, BATCH = 3, 8, 200


def no_password(text: str) -> None:
    assert PASSWORD not in text and PASSWORD_IN_URL not in text


@pytest.fixture
def instances(pg_cluster: PgCluster, tmp_path: Path) -> Iterator[Callable[..., list[ServerProcess]]]:
    started: list[ServerProcess] = []

    def start(n: int, url: str | None = None, env: dict[str, str] | None = None) -> list[ServerProcess]:
        url = url or pg_cluster.new_database()
        servers = [
            ServerProcess(
                tmp_path / f"instance-{len(started) + i}.db",
                env={"LOG_ANALYZER_DATABASE_URL": url, **(env or {})},
            )
            for i in range(n)
        ]
        # all at once: the schema is created under an advisory lock, so simultaneous starts do not race
        threads = [threading.Thread(target=s.start) for s in servers]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        started.extend(servers)
        for s in servers:
            assert s.proc is not None and s.proc.poll() is None, s.log_path.read_text()
        return servers

    yield start
    for s in started:
        s.stop()
    for s in started:
        no_password(s.log_path.read_text())


def test_many_instances_one_store(instances: Callable[..., list[ServerProcess]]) -> None:
    servers = instances(3)
    failures: list[str] = []
    seen_totals: list[int] = []

    def writer(k: int) -> None:
        write_batches(servers[k % 3].url, k, BATCHES, BATCH, failures)

    def reader(k: int) -> None:
        with httpx.Client(base_url=servers[k % 3].url, timeout=60) as client:
            for _ in range(10):
                r = client.get("/stats", params={"buckets": 10})
                if r.status_code != 200:
                    failures.append(f"GET /stats {r.status_code} {r.text[:200]}")
                else:
                    seen_totals.append(r.json()["total"])

    threads = [threading.Thread(target=writer, args=(k,)) for k in range(WRITERS)]
    threads += [threading.Thread(target=reader, args=(k,)) for k in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == []
    assert all(n % BATCH == 0 for n in seen_totals), "a reader saw part of a batch"
    for s in servers:
        health = httpx.get(f"{s.url}/health").json()
        assert health["records"] == WRITERS * BATCHES * BATCH and health["backend"] == "postgresql"
        stats = httpx.get(f"{s.url}/stats").json()
        assert stats["tags"] == {f"W{k}": BATCHES * BATCH for k in range(WRITERS)}

    # a cursor issued by one instance continues on the next: every record exactly once
    messages: list[str] = []
    cursor = None
    for page in range(100):
        params: dict[str, str | int] = {"limit": 700, **({"cursor": cursor} if cursor else {})}
        body = httpx.get(f"{servers[page % 3].url}/logs", params=params).json()
        messages += [f"{r['tag']}:{r['message']}" for r in body["logs"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert len(messages) == len(set(messages)) == WRITERS * BATCHES * BATCH


def test_database_restart_gives_503_then_recovers(
    instances: Callable[..., list[ServerProcess]], pg_cluster: PgCluster
) -> None:
    servers = instances(2, env={"LOG_ANALYZER_DB_CONNECT_TIMEOUT_SECONDS": "2"})
    servers[0].post([{"timestamp": "2024-01-01T00:00:00", "tag": "INFO", "message": "before"}])
    pg_cluster.stop_server()
    try:
        for s in servers:
            for method, path in (("GET", "/logs"), ("GET", "/stats"), ("GET", "/health"), ("POST", "/logs")):
                body = {"logs": [{"timestamp": "2024-01-01T00:00:01", "tag": "INFO", "message": "lost?"}]}
                r = httpx.request(
                    method, f"{s.url}{path}", json=body if method == "POST" else None, timeout=30
                )
                assert r.status_code == 503, (path, r.text)
                assert "PostgreSQL database" in r.json()["detail"] and "unavailable" in r.json()["detail"]
                assert mask_url(s.env["LOG_ANALYZER_DATABASE_URL"]) in r.json()["detail"]
                no_password(r.text)
    finally:
        pg_cluster.start_server()
    for s in servers:
        wait_until(lambda s=s: httpx.get(f"{s.url}/health").status_code == 200, what="recovery after restart")  # type: ignore[misc]
        assert (
            httpx.get(f"{s.url}/health").json()["records"] == 1
        )  # the POST during the outage stored nothing
    servers[1].post([{"timestamp": "2024-01-01T00:00:02", "tag": "INFO", "message": "after"}])
    assert [r["message"] for r in httpx.get(f"{servers[0].url}/logs").json()["logs"]] == ["before", "after"]


def test_a_query_over_the_statement_timeout_is_a_503(
    instances: Callable[..., list[ServerProcess]], pg_cluster: PgCluster
) -> None:
    url = pg_cluster.new_database()
    (server,) = instances(1, url=url, env={"LOG_ANALYZER_DB_STATEMENT_TIMEOUT_SECONDS": "1"})
    dbname = url.rsplit("/", 1)[1]
    with pg_cluster.admin(dbname) as admin:
        admin.autocommit = False
        admin.execute("LOCK TABLE logs IN ACCESS EXCLUSIVE MODE")  # held until rollback: every read waits
        r = httpx.get(f"{server.url}/logs", timeout=30)
        admin.rollback()
    assert r.status_code == 503
    assert "statement timeout (1 s)" in r.json()["detail"]
    assert httpx.get(f"{server.url}/logs").status_code == 200


def cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "log_analyzer.cli", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


def test_cli_on_postgres_and_the_pruners_lock(pg_cluster: PgCluster, tmp_path: Path) -> None:
    import os

    url = pg_cluster.new_database()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("LOG_ANALYZER_")},
        "LOG_ANALYZER_DATABASE_URL": url,
    }
    seeded = cli("seed", env=env)
    assert seeded.returncode == 0, seeded.stderr
    assert f"22 records into {mask_url(url)}" in seeded.stderr
    lines = tmp_path / "more.log"
    lines.write_text("2020-01-01T00:00:00 INFO old one\n2020-01-02 00:00:00 WARN old two\nnot a line\n")
    ingested = cli("ingest", str(lines), env=env)
    assert ingested.returncode == 1 and "ingested 2 records" in ingested.stderr
    dbname = url.rsplit("/", 1)[1]
    with pg_cluster.admin(dbname) as holder:
        holder.execute("SELECT pg_advisory_lock(7310845211002)")  # as if another instance were pruning
        held = cli("prune", "--days", "2000", env=env)
        assert held.returncode == 0 and "pruned 0 records" in held.stderr
        holder.execute("SELECT pg_advisory_unlock(7310845211002)")
    pruned = cli("prune", "--days", "2000", env=env)
    assert "pruned 2 records" in pruned.stderr, pruned.stderr
    for done in (seeded, ingested, held, pruned):
        no_password(done.stdout + done.stderr)


def test_configuration_errors_are_one_line_without_the_password(
    pg_cluster: PgCluster, tmp_path: Path
) -> None:
    import os

    base = {k: v for k, v in os.environ.items() if not k.startswith("LOG_ANALYZER_")}
    url = pg_cluster.new_database()
    both = cli(
        "seed", env={**base, "LOG_ANALYZER_DATABASE_URL": url, "LOG_ANALYZER_DB": str(tmp_path / "x.db")}
    )
    assert (
        both.returncode == 2 and "LOG_ANALYZER_DB and LOG_ANALYZER_DATABASE_URL are both set" in both.stderr
    )
    flag = cli("seed", "--db", str(tmp_path / "x.db"), env={**base, "LOG_ANALYZER_DATABASE_URL": url})
    assert flag.returncode == 2 and "--db" in flag.stderr and "LOG_ANALYZER_DATABASE_URL" in flag.stderr
    scheme = cli("seed", env={**base, "LOG_ANALYZER_DATABASE_URL": url.replace("postgresql", "mysql", 1)})
    assert scheme.returncode == 2 and "must start with postgresql:// or postgres://" in scheme.stderr
    nobody = url.replace(f":{pg_cluster.port}/", ":1/")
    down = cli("serve", "--port", "1", env={**base, "LOG_ANALYZER_DATABASE_URL": nobody})
    assert (
        down.returncode == 2
        and "cannot open the database postgresql://logtui:***@127.0.0.1:1/" in down.stderr
    )
    wrong = url.replace(PASSWORD_IN_URL, "wrong-password")
    denied = cli("seed", env={**base, "LOG_ANALYZER_DATABASE_URL": wrong})
    assert denied.returncode == 2 and "password authentication failed" in denied.stderr
    assert "wrong-password" not in denied.stderr
    for done in (both, flag, scheme, down, denied):
        assert "Traceback" not in done.stderr and len(done.stderr.strip().splitlines()) == 1, done.stderr
        no_password(done.stderr)
    assert cli("seed", env={**base, "LOG_ANALYZER_DATABASE_URL": url}).returncode == 0
    with psycopg.connect(url) as conn:
        conn.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    newer = cli("seed", env={**base, "LOG_ANALYZER_DATABASE_URL": url})
    assert newer.returncode == 2 and "made by a newer log-analyzer" in newer.stderr


def test_lambda_handler_reconnects_after_its_connection_drops(pg_cluster: PgCluster) -> None:
    url = pg_cluster.new_database()
    handler = lambda_handler.make_handler(
        Settings.from_env(
            {"LOG_ANALYZER_DATABASE_URL": url, "LOG_ANALYZER_SEED_ON_EMPTY": "1"}, lambda_mode=True
        )
    )
    try:
        assert handler(url_event("GET", "/health"), FakeContext())["statusCode"] == 200
        dbname = url.rsplit("/", 1)[1]
        with pg_cluster.admin() as admin:  # what an RDS failover or an idle timeout does to the connection
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = %s AND pid <> pg_backend_pid()",
                (dbname,),
            )
        result = handler(url_event("GET", "/logs", [("tag", "ERROR")]), FakeContext())
        assert result["statusCode"] == 200, result
        assert '"Test error"' in result["body"]
    finally:
        handler.app.state.service.close()


def test_the_text_index_can_be_turned_off_and_on_for_every_instance(
    pg_cluster: PgCluster, instances: Callable[..., list[ServerProcess]], tmp_path: Path
) -> None:
    import os

    url = pg_cluster.new_database()
    dbname = url.rsplit("/", 1)[1]
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("LOG_ANALYZER_")},
        "LOG_ANALYZER_DATABASE_URL": url,
    }
    (server,) = instances(1, url)
    records = [
        {
            "timestamp": f"2024-06-01T00:00:{i:02d}",
            "tag": "INFO",
            "message": f"job {i} {'Überfall' * (i % 3)}",
        }
        for i in range(60)
    ]
    http = httpx.Client(base_url=server.url, timeout=30)
    assert http.post("/logs", json={"logs": records}).status_code == 201

    def found(q: str) -> list[str]:
        return [r["message"] for r in http.get("/logs", params={"q": q, "limit": 1000}).json()["logs"]]

    def index_valid() -> bool | None:
        with pg_cluster.admin(dbname) as conn:
            row = conn.execute(
                "SELECT indisvalid FROM pg_index WHERE indexrelid = to_regclass('logs_message_trgm')"
            ).fetchone()
        return None if row is None else bool(row[0])

    before = {q: found(q) for q in ("überfall", "JOB 1", "fall")}
    assert len(before["überfall"]) == 40 and index_valid() is True
    status = cli("text-index", env=env)
    assert status.returncode == 0 and "text index: on" in status.stderr, status.stderr

    off = cli("text-index", "off", env=env)
    assert off.returncode == 0 and "text index: off" in off.stderr, off.stderr
    assert index_valid() is None
    # the running instance answers the same without the index, and writes go on
    assert {q: found(q) for q in before} == before
    late = {"timestamp": "2024-06-01T00:01:00", "tag": "WARN", "message": "late überfall"}
    assert http.post("/logs", json={"logs": [late]}).status_code == 201
    assert found("ÜBERFALL")[-1] == "late überfall"
    # a restarted (or new) instance keeps it off: the choice lives in the database, not in its settings
    (again,) = instances(1, url)
    assert index_valid() is None
    assert httpx.get(f"{again.url}/logs", params={"q": "job 1", "limit": 1000}).json()["logs"]

    on = cli("text-index", "on", env=env)
    assert on.returncode == 0 and "text index: on (" in on.stderr, on.stderr
    assert index_valid() is True
    assert found("überfall")[-1] == "late überfall" and len(found("überfall")) == 41
    for done in (status, off, on):
        no_password(done.stdout + done.stderr)
    http.close()


def test_the_text_index_switch_is_refused_on_sqlite(tmp_path: Path) -> None:
    import os

    env = {k: v for k, v in os.environ.items() if not k.startswith("LOG_ANALYZER_")}
    done = cli("text-index", "off", "--db", str(tmp_path / "logs.db"), env=env)
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "log-analyzer: the text index can be turned off only on PostgreSQL (LOG_ANALYZER_DATABASE_URL); "
        "on SQLite it is always on"
    ]
    assert not (tmp_path / "logs.db").exists()
