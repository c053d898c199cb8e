"""EmbeddedRuntime: the real `log-analyzer serve` as a child process (no Docker needed)."""

from __future__ import annotations

import os
import queue
import signal
import socket
import sqlite3
import subprocess
import sys
import textwrap
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from logtui.core.errors import NotHealthy
from logtui.core.runtime import choose_runtime
from logtui.core.runtime.base import RuntimeState
from logtui.core.runtime.embedded import EmbeddedRuntime
from tests.helpers import wait_until

REPO = Path(__file__).resolve().parents[2]


def alive(pid: int) -> bool:
    """Running (a zombie waiting for a reaper counts as gone: it serves nothing and holds no port)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def server_children() -> list[int]:
    """Live embedded-runtime servers (children of this test process whose --db lies in an `embedded` folder).

    Other fixtures (the session-wide `course_server`) also run log-analyzer children of this process; only
    the embedded runtime's own are ours to count.
    """
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        if (
            int(fields[1]) == os.getpid()
            and fields[0] != "Z"
            and b"log_analyzer" in cmdline
            and b"/embedded/" in cmdline
        ):
            found.append(int(entry.name))
    return found


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "embedded" / "logs.db"


@pytest.fixture
def embedded(db_path: Path) -> Iterator[EmbeddedRuntime]:
    rt = EmbeddedRuntime(db_path, demo_records=2000, course_sample=True)
    yield rt
    rt.close()


# --- 8. start, query, stop, nothing left behind ---------------------------------------------------------


def test_embedded_starts_seeded_answers_and_stops_without_leaving_a_child(
    embedded: EmbeddedRuntime, db_path: Path
) -> None:
    assert embedded.status().state is RuntimeState.IMAGE_BUILT
    assert embedded.base_url is None
    embedded.start()
    embedded.wait_healthy(timeout=60)
    status = embedded.status()
    assert status.state is RuntimeState.HEALTHY
    assert status.address == f"127.0.0.1:{status.host_port}"
    assert embedded.base_url == f"http://{status.address}"
    assert status.db_size and status.db_size > 0
    assert db_path.exists()

    health = httpx.get(f"{embedded.base_url}/health", timeout=10).json()
    # First run: the course's sample (its curl examples work) plus the generated demo data, as in Docker.
    assert health["records"] == 22 + 2000
    course = httpx.get(
        f"{embedded.base_url}/logs",
        params={"start_time": "2023-04-23T00:00:00", "end_time": "2023-04-23T23:59:59"},
        timeout=10,
    ).json()
    assert len(course["logs"]) == 22
    page = httpx.get(f"{embedded.base_url}/logs", params={"limit": "5", "order": "desc"}, timeout=10).json()
    assert len(page["logs"]) == 5 and page["next_cursor"]
    lines = list(embedded.logs(tail=200))
    assert any("generated 2000 demo records" in line for line in lines)
    assert any("Application startup complete." in line for line in lines)

    pid = embedded.pid
    assert pid is not None and pid in server_children()
    embedded.stop()
    assert not alive(pid)
    assert server_children() == []
    assert embedded.base_url is None
    assert embedded.status().state is RuntimeState.EXITED

    # A second start keeps the data (no re-seed).
    embedded.start()
    embedded.wait_healthy(timeout=60)
    assert httpx.get(f"{embedded.base_url}/health", timeout=10).json()["records"] == 22 + 2000
    embedded.close()
    assert server_children() == []


def test_the_server_stops_itself_when_logtui_is_killed(tmp_path: Path) -> None:
    """SIGKILL skips atexit and close(): the child must notice its parent is gone on its own."""
    script = textwrap.dedent(
        f"""
        import os, signal, sys
        from pathlib import Path
        from logtui.core.runtime.embedded import EmbeddedRuntime
        rt = EmbeddedRuntime(Path({str(tmp_path / "k" / "logs.db")!r}), demo_records=0)
        rt.start()
        rt.wait_healthy(60)
        print(rt.pid, rt.base_url, flush=True)
        os.kill(os.getpid(), signal.SIGKILL)
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, cwd=REPO, check=False
    )
    assert done.returncode == -signal.SIGKILL, done.stderr
    server_pid, url = done.stdout.split()
    wait_until(
        lambda: not alive(int(server_pid)), timeout=20, what=f"the orphaned server {server_pid} to exit"
    )
    with pytest.raises(httpx.HTTPError):
        httpx.get(f"{url}/health", timeout=2)


def test_a_normal_exit_without_close_stops_the_server(tmp_path: Path) -> None:
    script = textwrap.dedent(
        f"""
        from pathlib import Path
        from logtui.core.runtime.embedded import EmbeddedRuntime
        rt = EmbeddedRuntime(Path({str(tmp_path / "n" / "logs.db")!r}), demo_records=0)
        rt.start()
        rt.wait_healthy(60)
        print(rt.pid, flush=True)
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, cwd=REPO, check=False
    )
    assert done.returncode == 0, done.stderr
    server_pid = int(done.stdout.split()[0])
    # atexit terminated and waited for it before the interpreter exited.
    assert not alive(server_pid)


def test_keep_running_detaches_and_the_next_runtime_reattaches(db_path: Path) -> None:
    first = EmbeddedRuntime(db_path, demo_records=0, keep_running=True)
    pid = None
    try:
        first.start()
        first.wait_healthy(timeout=60)
        pid, url = first.pid, first.base_url
        first.close()
        assert pid is not None and alive(pid)
        assert httpx.get(f"{url}/health", timeout=5).status_code == 200

        second = EmbeddedRuntime(db_path, demo_records=0)
        second.start()
        assert second.pid == pid and second.base_url == url
        assert second.status().state is RuntimeState.HEALTHY
        second.stop()
        wait_until(lambda: not alive(pid), timeout=15, what="the detached server to stop")
        assert not db_path.with_name("server.json").exists()
        second.close()
    finally:
        if pid is not None and alive(pid):
            os.kill(pid, signal.SIGKILL)


# --- logs, backup, delete, errors -------------------------------------------------------------------------


def test_follow_yields_lines_printed_later_and_close_ends_it(embedded: EmbeddedRuntime) -> None:
    embedded.start()
    embedded.wait_healthy(timeout=60)
    stream = embedded.logs(tail=0, follow=True)
    seen: queue.Queue[str | None] = queue.Queue()

    def read() -> None:
        for line in stream:
            seen.put(line)
        seen.put(None)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    marker = f"follow-{uuid.uuid4().hex[:8]}"
    httpx.get(f"{embedded.base_url}/logs", params={"q": marker}, timeout=10)
    while True:
        line = seen.get(timeout=30)
        assert line is not None, "the stream ended before the request's access-log line"
        if marker in line:
            break
    stream.close()  # type: ignore[attr-defined]
    reader.join(timeout=5)
    assert not reader.is_alive()


def test_demo_records_0_with_the_course_sample_starts_with_the_sample_alone(tmp_path: Path) -> None:
    from logtui.core.config import Config
    from logtui.core.runtime import choose_runtime

    chosen = choose_runtime(Config(demo_records=0), override="embedded")
    assert isinstance(chosen, EmbeddedRuntime) and chosen.demo_records == 0 and chosen.course_sample
    rt = EmbeddedRuntime(tmp_path / "s" / "logs.db", demo_records=0, course_sample=True)
    try:
        rt.start()
        rt.wait_healthy(timeout=60)
        assert httpx.get(f"{rt.base_url}/health", timeout=10).json()["records"] == 22
    finally:
        rt.close()


def test_backup_while_serving_is_a_complete_database(embedded: EmbeddedRuntime, tmp_path: Path) -> None:
    embedded.start()
    embedded.wait_healthy(timeout=60)
    records = [{"timestamp": "2024-01-01T00:00:00", "tag": "INFO", "message": f"b{i}"} for i in range(25)]
    assert httpx.post(f"{embedded.base_url}/logs", json={"logs": records}, timeout=10).status_code == 201
    progress: list[int] = []
    dest = embedded.backup(tmp_path / "out" / "backup.db", on_progress=progress.append)
    con = sqlite3.connect(f"file:{dest}?mode=ro", uri=True)
    try:
        assert con.execute("SELECT count(*) FROM logs").fetchone()[0] == 22 + 2000 + 25
        assert con.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    finally:
        con.close()
    assert progress and progress[-1] == dest.stat().st_size
    assert not list(dest.parent.glob("*.part"))


def test_delete_data_stops_and_removes_the_database(embedded: EmbeddedRuntime, db_path: Path) -> None:
    embedded.start()
    embedded.wait_healthy(timeout=60)
    embedded.delete_data()
    assert not db_path.exists()
    assert server_children() == []


def test_a_server_that_cannot_bind_gives_not_healthy_with_its_output(db_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        rt = EmbeddedRuntime(db_path, demo_records=0, port=port)
        rt.start()
        with pytest.raises(NotHealthy) as info:
            rt.wait_healthy(timeout=60)
        rt.close()
    assert "exited" in info.value.title
    assert "address already in use" in (info.value.hint or "").lower()
    assert server_children() == []


def test_build_is_a_no_op_that_says_so(embedded: EmbeddedRuntime) -> None:
    lines: list[str] = []
    embedded.build(lines.append)
    assert len(lines) == 1 and "Nothing to build" in lines[0]


def test_choose_runtime_honours_embedded(monkeypatch: pytest.MonkeyPatch) -> None:
    class Config:
        runtime = "auto"
        docker = None

    rt = choose_runtime(Config(), override="embedded")
    assert isinstance(rt, EmbeddedRuntime)
    # The default database is under the (test-isolated) user data dir.
    assert "logtui" in str(rt.db_path) and str(rt.db_path).startswith(os.environ["XDG_DATA_HOME"])
    with pytest.raises(ValueError, match="runtime must be one of"):
        choose_runtime(Config(), override="podman")
