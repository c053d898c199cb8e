"""A throw-away PostgreSQL server for tests and benchmarks: initdb into a temporary folder, pg_ctl on a free
loopback port, removed afterwards.

initdb refuses to run as root, so as root the cluster belongs to the `postgres` user (runuser). Clients log in
over TCP as a role with a real password (scram-sha-256), so tests see the password in every URL they pass and
can check that it never comes back out; the admin connection uses the cluster's own socket.
"""

from __future__ import annotations

import atexit
import glob
import itertools
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import psycopg

from tests.helpers import free_port

ROLE = "logtui"
PASSWORD = "pw-Zq8v/rT3+x"  # URL-unsafe characters on purpose: masking must handle the encoded form
PASSWORD_IN_URL = "pw-Zq8v%2FrT3%2Bx"


class PostgresUnavailable(Exception):
    """No PostgreSQL binaries here, or the server would not start; the message says which."""


def find_bindir() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
    if found:
        return Path(found[-1]).parent
    on_path = shutil.which("initdb")
    return Path(on_path).parent if on_path else None


class PgCluster:
    def __init__(self) -> None:
        bindir = find_bindir()
        if bindir is None:
            raise PostgresUnavailable(
                "no PostgreSQL server binaries (initdb) found under /usr/lib/postgresql/*/bin or on PATH; "
                "install the 'postgresql' package"
            )
        self.bindir = bindir
        self.root = Path(tempfile.mkdtemp(prefix="logtui-pg-"))
        self.data = self.root / "data"
        self.socket_dir = self.root / "sock"
        self.socket_dir.mkdir()
        self.logfile = self.root / "server.log"
        self.port = free_port()
        self._as_root = os.geteuid() == 0
        self._names = itertools.count()
        if self._as_root:
            shutil.chown(self.root, "postgres", "postgres")
            shutil.chown(self.socket_dir, "postgres", "postgres")

    def _run(self, *args: str) -> subprocess.CompletedProcess[str]:
        cmd = [str(self.bindir / args[0]), *args[1:]]
        if self._as_root:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
        if done.returncode != 0:
            raise PostgresUnavailable(f"{args[0]} failed: {(done.stderr or done.stdout).strip()[-800:]}")
        return done

    def start(self) -> PgCluster:
        # a safety net: a run that ends without its fixture teardown must not leave a server behind
        atexit.register(self.close)
        self._run(
            "initdb", "-D", str(self.data), "-U", "postgres", "--auth-local=trust",
            "--auth-host=scram-sha-256", "--encoding=UTF8", "--locale=C.UTF-8",
        )  # fmt: skip
        self.start_server()
        with self.admin() as conn:
            conn.execute(f"CREATE ROLE {ROLE} LOGIN CREATEDB PASSWORD '{PASSWORD}'")
        return self

    def start_server(self) -> None:
        # fsync off: a throw-away cluster need not survive a power cut, and tests run faster
        options = (
            f"-p {self.port} -k {self.socket_dir} -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c max_connections=200"
        )
        self._run("pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.logfile), "-w", "start")

    def stop_server(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")

    def admin(self, dbname: str = "postgres") -> psycopg.Connection[tuple[object, ...]]:
        return psycopg.connect(
            host=str(self.socket_dir), port=self.port, user="postgres", dbname=dbname, autocommit=True
        )

    def new_database(self) -> str:
        """A fresh, empty database owned by the test role; its URL (with the password)."""
        name = f"la_{os.getpid()}_{next(self._names)}"
        with self.admin() as conn:
            conn.execute(f"CREATE DATABASE {name} OWNER {ROLE}")
        return self.url(name)

    def url(self, dbname: str) -> str:
        return f"postgresql://{ROLE}:{PASSWORD_IN_URL}@127.0.0.1:{self.port}/{dbname}"

    def close(self) -> None:
        if not self.root.exists():
            return
        try:
            if (self.data / "postmaster.pid").exists():
                self.stop_server()
        finally:
            shutil.rmtree(self.root, ignore_errors=True)
