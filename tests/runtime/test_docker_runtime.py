"""DockerRuntime on a real Docker engine (skips without one; fails instead under LOGTUI_REQUIRE_DOCKER=1)."""

from __future__ import annotations

import queue
import shutil
import socket
import sqlite3
import threading
import uuid
from dataclasses import replace
from pathlib import Path
from typing import Any

import docker.errors
import httpx
import pytest

from logtui.core.errors import (
    BuildFailed,
    DockerfileMissing,
    DockerUnavailable,
    NameTaken,
    PortInUse,
    RuntimeFailure,
)
from logtui.core.runtime import choose_runtime
from logtui.core.runtime.base import LABEL_MANAGED, DockerSettings, RuntimeState
from logtui.core.runtime.docker_runtime import DockerRuntime
from logtui.core.runtime.embedded import EmbeddedRuntime
from tests.helpers import ServerProcess

pytestmark = pytest.mark.docker

REPO = Path(__file__).resolve().parents[2]

COURSE_QUERY = {"start_time": "2023-04-23T10:00:00", "end_time": "2023-04-23T10:05:00"}
SIX_RECORDS = [
    {"timestamp": f"2023-04-23T10:0{i}:00", "tag": "INFO", "message": "Test log"} for i in range(6)
]


def start_healthy(rt: DockerRuntime) -> str:
    rt.start()
    rt.wait_healthy(timeout=60)
    assert rt.base_url is not None
    return rt.base_url


def post(base_url: str, records: list[dict[str, str]]) -> None:
    r = httpx.post(f"{base_url}/logs", json={"logs": records}, timeout=10)
    assert r.status_code == 201, r.text
    assert r.json() == {"inserted": len(records)}


def fetch_all(base_url: str, **params: str) -> list[dict[str, str]]:
    r = httpx.get(
        f"{base_url}/logs",
        params={
            "start_time": "2000-01-01T00:00:00",
            "end_time": "2100-01-01T00:00:00",
            "limit": "10000",
            **params,
        },
        timeout=10,
    )
    assert r.status_code == 200, r.text
    return list(r.json()["logs"])


def marked_records(n: int) -> tuple[str, list[dict[str, str]]]:
    marker = f"kept-{uuid.uuid4().hex[:8]}"
    return marker, [
        {"timestamp": f"2024-05-01T12:00:{i:02d}", "tag": "WARN", "message": f"{marker} #{i}"}
        for i in range(n)
    ]


# --- 1. build, start, healthy, the course's query ---------------------------------------------------------


def test_build_streams_output_and_the_container_answers_the_course_query(
    runtime: DockerRuntime, build_lines: list[str], docker_client: Any
) -> None:
    # The session fixture built docker/Dockerfile through runtime.build(on_line): every step was streamed.
    assert any(line.startswith("Step 1/") and "FROM python:3.11-slim" in line for line in build_lines)
    assert any(line.startswith("Successfully tagged") for line in build_lines)
    assert runtime.status().state is RuntimeState.IMAGE_BUILT

    base_url = start_healthy(runtime)

    r = httpx.get(f"{base_url}/logs", params=COURSE_QUERY, timeout=10)
    assert r.status_code == 200
    assert r.json() == {"logs": SIX_RECORDS, "next_cursor": None}
    status = runtime.status()
    assert status.state is RuntimeState.HEALTHY
    assert status.address == f"127.0.0.1:{status.host_port}"
    assert status.volume == runtime.settings.volume
    assert status.started_at is not None
    container = docker_client.containers.get(runtime.settings.container_name)
    assert container.id == status.container_id
    assert container.labels[LABEL_MANAGED] == "true"


def test_a_failing_build_step_raises_build_failed_with_that_steps_output(
    tmp_path: Path, docker_client: Any
) -> None:
    (tmp_path / "docker").mkdir()
    (tmp_path / "server" / "log_analyzer").mkdir(parents=True)
    (tmp_path / "docker" / "Dockerfile").write_text(
        "FROM python:3.11-slim\nRUN echo all good\nRUN echo about to break && exit 3\nRUN echo never\n"
    )
    tag = f"logtui-broken:{uuid.uuid4().hex[:8]}"
    rt = DockerRuntime(DockerSettings(image=tag, build_context=tmp_path, container_name=f"unused-{tag[-8:]}"))
    lines: list[str] = []
    with pytest.raises(BuildFailed) as info:
        rt.build(lines.append)
    rt.close()
    assert "RUN echo about to break && exit 3" in info.value.step
    assert "about to break" in info.value.output
    assert "returned a non-zero code: 3" in info.value.output
    assert "never" not in info.value.output
    assert any("about to break" in line for line in lines)
    with pytest.raises(docker.errors.ImageNotFound):
        docker_client.images.get(tag)


def test_an_installed_logtui_builds_the_image_without_a_checkout(
    tmp_path: Path, docker_client: Any, server_image: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # As a wheel install: the build files packaged under logtui/_docker, the service's sources only as the
    # installed log_analyzer package, and no checkout anywhere (server_image: the layers are cached).
    from logtui.core.runtime.docker_runtime import build

    packaged = tmp_path / "site-packages" / "logtui" / "_docker"
    (packaged / "docker").mkdir(parents=True)
    for name in ("docker/Dockerfile", "docker/requirements-server.txt"):
        shutil.copy(REPO / name, packaged / name)
    monkeypatch.setattr(build, "PACKAGED_CONTEXT", packaged)
    monkeypatch.setattr(build, "checkout_candidates", lambda: [tmp_path])
    tag = f"log-analyzer:test-pkg-{uuid.uuid4().hex[:8]}"
    rt = DockerRuntime(DockerSettings(image=tag, container_name=f"unused-{tag[-8:]}"))
    lines: list[str] = []
    try:
        assert rt.unusable_reason() is None  # so "auto" picks Docker
        rt.build(lines.append)
        assert "from the installed package" in lines[0]
        out = docker_client.containers.run(
            tag,
            ["python", "-c", "import log_analyzer.app, log_analyzer.cli; print('ok')"],
            entrypoint=[],
            remove=True,
        )
        assert out.decode().strip() == "ok"
        # A build_context that is set but wrong is reported, not replaced by the packaged files.
        wrong = DockerRuntime(DockerSettings(image=tag, build_context=tmp_path / "nope"))
        with pytest.raises(DockerfileMissing):
            wrong.build(lines.append)
        wrong.close()
    finally:
        rt.close()
        try:
            docker_client.images.remove(tag, force=True, noprune=True)
        except docker.errors.APIError:
            pass


def test_no_dockerfile_raises_dockerfile_missing(tmp_path: Path, docker_client: Any) -> None:
    rt = DockerRuntime(DockerSettings(image="logtui-none:x", build_context=tmp_path))
    with pytest.raises(DockerfileMissing) as info:
        rt.build(lambda line: None)
    assert "docker/Dockerfile" in info.value.title
    assert "build_context" in (info.value.hint or "")


# --- 2. the data outlives the container -------------------------------------------------------------------


def test_records_survive_stop_remove_and_a_new_container(runtime: DockerRuntime, docker_client: Any) -> None:
    base_url = start_healthy(runtime)
    marker, records = marked_records(5)
    post(base_url, records)
    first_id = runtime.status().container_id

    runtime.stop()
    assert runtime.status().state is RuntimeState.EXITED
    runtime.remove()
    with pytest.raises(docker.errors.NotFound):
        docker_client.containers.get(runtime.settings.container_name)
    assert runtime.status().volume == runtime.settings.volume  # remove() kept the volume

    base_url = start_healthy(runtime)
    assert runtime.status().container_id != first_id
    kept = fetch_all(base_url, q=marker)
    assert [r["message"] for r in kept] == [r["message"] for r in records]
    # The seed loads only into an empty store: still the course's 22 plus ours, not 44.
    assert httpx.get(f"{base_url}/health", timeout=10).json()["records"] == 22 + len(records)


def test_a_new_volume_gets_the_same_first_data_as_the_embedded_runtime(
    docker_settings: DockerSettings, docker_client: Any
) -> None:
    rt = DockerRuntime(docker_settings, demo_records=300)
    try:
        base_url = start_healthy(rt)
        # The course's sample and the demo data, loaded before the server's first start.
        assert httpx.get(f"{base_url}/health", timeout=10).json()["records"] == 22 + 300
        day = {"start_time": "2023-04-23T00:00:00", "end_time": "2023-04-23T23:59:59", "limit": "100"}
        assert len(httpx.get(f"{base_url}/logs", params=day, timeout=10).json()["logs"]) == 22
        name = docker_settings.container_name
        leftovers = [
            c.name for c in docker_client.containers.list(all=True, filters={"name": f"{name}-seed-"})
        ]
        assert leftovers == []
        # Only a new volume is filled: a new container on the same volume keeps the data as it is.
        rt.stop()
        rt.remove()
        base_url = start_healthy(rt)
        assert httpx.get(f"{base_url}/health", timeout=10).json()["records"] == 22 + 300
    finally:
        rt.close()


def test_two_starts_at_once_make_one_container(docker_settings: DockerSettings, docker_client: Any) -> None:
    # The app's start-up and the container screen may both start the service; both must succeed.
    rt = DockerRuntime(docker_settings, demo_records=100)
    errors: list[BaseException] = []

    def start() -> None:
        try:
            rt.start()
        except BaseException as exc:  # collected for the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=start) for _ in range(2)]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
        assert errors == []
        rt.wait_healthy(timeout=60)
        name = docker_settings.container_name
        assert [c.name for c in docker_client.containers.list(all=True, filters={"name": name})] == [name]
        assert httpx.get(f"{rt.base_url}/health", timeout=10).json()["records"] == 22 + 100
    finally:
        rt.close()


def test_choose_runtime_gives_docker_the_embedded_first_data(docker_settings: DockerSettings) -> None:
    from logtui.core.runtime.base import DEFAULT_DEMO_RECORDS

    chosen = choose_runtime(None, override="docker")
    try:
        assert isinstance(chosen, DockerRuntime) and chosen.demo_records == DEFAULT_DEMO_RECORDS
        embedded = choose_runtime(None, override="embedded")
        assert isinstance(embedded, EmbeddedRuntime)
        assert embedded.demo_records == DEFAULT_DEMO_RECORDS and embedded.course_sample
    finally:
        chosen.close()


# --- 3. backup --------------------------------------------------------------------------------------------


def _count(db: Path) -> int:
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return int(con.execute("SELECT count(*) FROM logs").fetchone()[0])
    finally:
        con.close()


def _served_messages(db: Path, marker: str) -> list[str]:
    """Serve the backup with the real log-analyzer: the copy must be a usable store, not just a file."""
    server = ServerProcess(db).start()
    try:
        return [r["message"] for r in fetch_all(server.url, q=marker)]
    finally:
        server.stop()


def test_backup_copies_a_readable_database_out_of_the_volume(
    runtime: DockerRuntime, tmp_path: Path, docker_client: Any
) -> None:
    base_url = start_healthy(runtime)
    marker, records = marked_records(40)
    post(base_url, records)
    expected = httpx.get(f"{base_url}/health", timeout=10).json()["records"]

    progress: list[int] = []
    live = runtime.backup(tmp_path / "live.db", on_progress=progress.append)
    assert _count(live) == expected == 22 + 40
    assert progress and progress[-1] == live.stat().st_size
    assert not list(tmp_path.glob("*.part"))
    assert _served_messages(live, marker) == [r["message"] for r in records]

    # Stopped: a helper container mounts the volume instead; it is gone afterwards.
    runtime.stop()
    stopped = runtime.backup(tmp_path)  # a directory: a dated file inside it
    assert stopped.parent == tmp_path and stopped.suffix == ".db"
    assert _count(stopped) == expected
    assert runtime.status().state is RuntimeState.EXITED
    leftovers = docker_client.containers.list(
        all=True, filters={"name": f"{runtime.settings.container_name}-backup-"}
    )
    assert leftovers == []


# --- 4. loopback only, non-root ---------------------------------------------------------------------------


def _bridge_gateway(client: Any) -> str | None:
    try:
        configs = client.networks.get("bridge").attrs["IPAM"]["Config"] or []
    except (docker.errors.NotFound, KeyError):
        return None
    return next((c["Gateway"] for c in configs if c.get("Gateway")), None)


def test_port_is_published_on_loopback_only_and_the_server_is_not_root(
    runtime: DockerRuntime, docker_client: Any
) -> None:
    start_healthy(runtime)
    container = docker_client.containers.get(runtime.settings.container_name)
    bindings = container.attrs["NetworkSettings"]["Ports"]["8000/tcp"]
    assert bindings and all(b["HostIp"] == "127.0.0.1" for b in bindings)
    port = int(bindings[0]["HostPort"])

    # A non-loopback address of this host (the docker bridge's) must not reach the server.
    gateway = _bridge_gateway(docker_client)
    if gateway:
        with pytest.raises(OSError), socket.create_connection((gateway, port), timeout=2):
            pass

    assert container.attrs["Config"]["User"] == "app"
    assert container.attrs["HostConfig"]["CapDrop"] == ["ALL"]
    assert container.attrs["HostConfig"]["SecurityOpt"] == ["no-new-privileges"]
    uid = container.exec_run(["id", "-u"]).output.decode().strip()
    assert uid.isdigit() and int(uid) != 0
    server_uid = container.exec_run(["sh", "-c", "stat -c %u /proc/1"]).output.decode().strip()
    assert server_uid == uid


def test_published_on_a_network_address_the_keyless_service_answers_logtui_there(
    docker_settings: DockerSettings, docker_client: Any
) -> None:
    # Asked to publish on an address of this machine's network (here the docker bridge's), logtui reaches the
    # service by that address; the keyless service's Host guard must then answer it (it is told that one
    # name), and still refuse other names. The same holds for a remote engine's host name (DOCKER_HOST).
    gateway = _bridge_gateway(docker_client)
    if not gateway:
        pytest.skip("this engine has no bridge network address to publish on")
    rt = DockerRuntime(replace(docker_settings, bind=gateway))
    try:
        base_url = start_healthy(rt)
        assert base_url.startswith(f"http://{gateway}:")
        r = httpx.get(f"{base_url}/logs", params=COURSE_QUERY, timeout=10)
        assert r.status_code == 200, r.text
        foreign = httpx.get(f"{base_url}/logs", params=COURSE_QUERY, headers={"Host": "evil.example"})
        assert foreign.status_code == 403
        env = docker_client.containers.get(docker_settings.container_name).attrs["Config"]["Env"]
        assert f"LOG_ANALYZER_ALLOWED_HOSTS={gateway}" in env
        rt.stop()
    finally:
        rt.close()
    # back on loopback, the stopped container is made again without the extra name
    loopback = DockerRuntime(docker_settings)
    try:
        start_healthy(loopback)
        env = docker_client.containers.get(docker_settings.container_name).attrs["Config"]["Env"]
        assert not any(e.startswith("LOG_ANALYZER_ALLOWED_HOSTS=") for e in env)
    finally:
        loopback.close()


def test_with_docker_token_env_the_container_wants_the_key_and_the_local_target_sends_it(
    docker_settings: DockerSettings, docker_client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    import asyncio
    from datetime import UTC, datetime

    from logtui.core.client import LogClient
    from logtui.core.config import Config
    from logtui.core.errors import Unauthorized
    from logtui.core.timerange import TimeWindow

    key = f"key-{uuid.uuid4().hex}"
    monkeypatch.setenv("LOGTUI_TEST_LOCAL_KEY", key)
    settings = replace(docker_settings, token_env="LOGTUI_TEST_LOCAL_KEY")
    rt = DockerRuntime(settings)
    try:
        base_url = start_healthy(rt)
        assert httpx.get(f"{base_url}/logs", params=COURSE_QUERY).status_code == 401  # reads need it too
        target = Config(docker=settings).local_target
        window = TimeWindow(datetime(2023, 4, 23, 10, tzinfo=UTC), datetime(2023, 4, 23, 10, 5, tzinfo=UTC))

        async def read() -> int:
            async with LogClient.for_target(target, base_url=base_url) as client:
                return len((await client.logs(window)).records)

        assert asyncio.run(read()) == 6  # the course's sample, 10:00..10:05
        monkeypatch.setenv("LOGTUI_TEST_LOCAL_KEY", "another")  # a wrong key is a clear 401, never a crash
        with pytest.raises(Unauthorized):
            asyncio.run(read())
        rt.stop()
    finally:
        rt.close()
    # the key's variable unset: the start is refused before anything changes, naming the variable only
    monkeypatch.delenv("LOGTUI_TEST_LOCAL_KEY")
    before = docker_client.containers.get(settings.container_name).id
    again = DockerRuntime(settings)
    try:
        with pytest.raises(RuntimeFailure) as info:
            again.start()
        assert "LOGTUI_TEST_LOCAL_KEY" in info.value.title and key not in str(info.value)
        assert docker_client.containers.get(settings.container_name).id == before
    finally:
        again.close()


# --- 5. typed errors that change nothing ------------------------------------------------------------------


def test_unreachable_daemon_gives_docker_unavailable(
    docker_settings: DockerSettings, docker_client: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DOCKER_HOST", f"unix://{tmp_path}/no-engine.sock")
    rt = DockerRuntime(docker_settings)
    status = rt.status()
    assert status.state is RuntimeState.UNREACHABLE
    assert "DOCKER_HOST" in status.detail
    with pytest.raises(DockerUnavailable) as info:
        rt.start()
    assert "no-engine.sock" in info.value.title
    assert "DOCKER_HOST" in (info.value.hint or "")
    assert "Start Docker" in (info.value.hint or "")
    for call in (rt.stop, rt.remove, lambda: rt.backup(tmp_path / "x.db"), lambda: list(rt.logs())):
        with pytest.raises(DockerUnavailable):
            call()
    assert not (tmp_path / "x.db").exists()
    # auto falls back to the embedded runtime; an explicit "docker" is honoured (and says it is unreachable).
    fallback = choose_runtime(None)
    assert isinstance(fallback, EmbeddedRuntime)
    # ... and says why, for the UI to show once.
    assert fallback.choice_note is not None
    assert "no-engine.sock" in fallback.choice_note and "embedded" in fallback.choice_note
    assert isinstance(choose_runtime(None, override="docker"), DockerRuntime)
    asked = choose_runtime(None, override="embedded")
    assert isinstance(asked, EmbeddedRuntime) and asked.choice_note is None  # asked for: nothing to explain
    monkeypatch.delenv("DOCKER_HOST")
    assert docker_client.containers.list(all=True, filters={"name": docker_settings.container_name}) == []


def test_busy_port_gives_port_in_use_and_leaves_nothing_behind(
    docker_settings: DockerSettings, docker_client: Any
) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        rt = DockerRuntime(replace(docker_settings, host_port=port))
        with pytest.raises(PortInUse) as info:
            rt.start()
        rt.close()
    assert info.value.port == port
    assert str(port) in info.value.title
    assert docker_client.containers.list(all=True, filters={"name": docker_settings.container_name}) == []
    with pytest.raises(docker.errors.NotFound):
        docker_client.volumes.get(docker_settings.volume)


def test_the_host_port_is_kept_across_stop_start_restart_and_remove(runtime: DockerRuntime) -> None:
    # host_port = 0 ("any free port"): Docker's own pick would change on every start; the address the user
    # bookmarked must keep working.
    assert not runtime.settings.host_port
    start_healthy(runtime)
    port = runtime.status().host_port
    assert port is not None
    runtime.stop()
    start_healthy(runtime)
    assert runtime.status().host_port == port
    runtime.restart()
    runtime.wait_healthy(timeout=60)
    assert runtime.status().host_port == port
    runtime.remove()
    start_healthy(runtime)
    assert runtime.status().host_port == port
    assert "was taken" not in runtime.status().detail

    # Only when that port is taken does it move, and the status says so.
    runtime.stop()
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", port))
        busy.listen()
        base_url = start_healthy(runtime)
        status = runtime.status()
    assert status.host_port not in (None, port)
    assert base_url == f"http://127.0.0.1:{status.host_port}"
    assert f"port {port} was taken, so the service moved to a new port" in status.detail


def test_a_foreign_container_with_our_name_is_never_touched(
    docker_settings: DockerSettings, docker_client: Any, tmp_path: Path
) -> None:
    foreign = docker_client.containers.run(
        "python:3.11-slim",
        ["sleep", "300"],
        name=docker_settings.container_name,
        detach=True,
        labels={"owner": "someone-else"},
    )
    try:
        foreign.reload()
        before = foreign.attrs
        rt = DockerRuntime(docker_settings)
        for call in (rt.start, rt.stop, rt.restart, rt.remove, rt.delete_data, lambda: list(rt.logs())):
            with pytest.raises(NameTaken) as info:
                call()
            assert info.value.name == docker_settings.container_name
        assert "not created by logtui" in rt.status().detail
        foreign.reload()
        assert foreign.id == before["Id"]
        assert foreign.status == "running"
        assert foreign.attrs["State"]["StartedAt"] == before["State"]["StartedAt"]
        assert foreign.labels == {"owner": "someone-else"}
    finally:
        foreign.remove(force=True)


# --- 6. logs ----------------------------------------------------------------------------------------------


def test_logs_yield_startup_lines_and_follow_yields_later_lines(runtime: DockerRuntime) -> None:
    base_url = start_healthy(runtime)
    lines = list(runtime.logs(tail=100))
    assert any("Application startup complete." in line for line in lines)
    assert any("Uvicorn running on http://0.0.0.0:8000" in line for line in lines)

    stream = runtime.logs(tail=0, follow=True)
    seen: queue.Queue[str | None] = queue.Queue()

    def read() -> None:
        for line in stream:
            seen.put(line)
        seen.put(None)  # the iteration ended

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    marker = f"follow-{uuid.uuid4().hex[:8]}"
    httpx.get(f"{base_url}/logs", params={"q": marker}, timeout=10)
    while True:
        line = seen.get(timeout=30)
        assert line is not None, "the follow stream ended before the request's line"
        if marker in line:
            assert "GET /logs" in line
            break
    # close() from another thread ends the blocked iteration.
    stream.close()  # type: ignore[attr-defined]
    reader.join(timeout=10)
    assert not reader.is_alive()


# --- stale containers, delete_data ------------------------------------------------------------------------


def test_changed_port_setting_recreates_the_stopped_container_and_keeps_data(
    runtime: DockerRuntime, docker_settings: DockerSettings
) -> None:
    base_url = start_healthy(runtime)
    marker, records = marked_records(3)
    post(base_url, records)
    runtime.stop()
    old_id = runtime.status().container_id
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        fixed = s.getsockname()[1]
    moved = DockerRuntime(replace(docker_settings, host_port=fixed))
    try:
        base_url = start_healthy(moved)
        status = moved.status()
        assert status.host_port == fixed and status.container_id != old_id
        assert len(fetch_all(base_url, q=marker)) == 3
        moved.delete_data()
        assert moved.status().volume is None
        assert moved.status().state is RuntimeState.IMAGE_BUILT
    finally:
        moved.close()


def test_auto_picks_docker_when_an_engine_answers(docker_settings: DockerSettings) -> None:
    class Config:
        runtime = "auto"
        docker = docker_settings

    chosen = choose_runtime(Config())
    try:
        assert isinstance(chosen, DockerRuntime)
        assert chosen.settings == docker_settings
    finally:
        chosen.close()


def test_auto_says_why_it_runs_embedded_when_docker_answers_but_cannot_build(tmp_path: Path) -> None:
    class Config:
        runtime = "auto"
        docker = DockerSettings(image="logtui-none:x", build_context=tmp_path)  # no image, no Dockerfile

    chosen = choose_runtime(Config())
    assert isinstance(chosen, EmbeddedRuntime)
    note = chosen.choice_note or ""
    assert note.startswith("Docker answers, but the image logtui-none:x is not built")
    assert "docker/Dockerfile not found" in note and "build_context" in note
