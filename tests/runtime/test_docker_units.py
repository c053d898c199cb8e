"""The Docker runtime's parts that need no engine: the SDK-error translator, the build context and the build
output (docker-py's unit/integration split; the real-engine tests are in test_docker_runtime.py).

The SDK errors here are constructed, not provoked: a refused call, a read timeout and a dead socket are
states a test cannot reliably drive a real engine into; test_docker_runtime.py checks the same errors end to
end where an engine can produce them (a dead socket, a taken port, a failing build step)."""

from __future__ import annotations

import io
import tarfile
from pathlib import Path

import docker.errors
import pytest
import requests

from logtui.core.errors import BuildFailed, DockerfileMissing, DockerUnavailable, RuntimeFailure
from logtui.core.runtime.base import DockerSettings
from logtui.core.runtime.docker_runtime.build import (
    DOCKERFILE,
    REQUIREMENTS,
    BuildContext,
    BuildOutput,
    find_build_context,
)
from logtui.core.runtime.docker_runtime.engine import Engine, translate
from logtui.core.runtime.docker_runtime.streams import ChunkReader

REPO = Path(__file__).resolve().parents[2]


# --- the one translator -----------------------------------------------------------------------------------


def test_a_dead_socket_becomes_docker_unavailable_naming_the_address(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOCKER_HOST", "unix:///nowhere/docker.sock")
    err = translate(requests.exceptions.ConnectionError("refused"), "listing containers", 30)
    assert isinstance(err, DockerUnavailable)
    assert err.title == "No Docker engine answers at unix:///nowhere/docker.sock"
    assert "DOCKER_HOST" in (err.hint or "") and "embedded" in (err.hint or "")


def test_a_socket_the_user_may_not_open_says_join_the_docker_group(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DOCKER_HOST", raising=False)
    err = translate(requests.exceptions.ConnectionError("[Errno 13] Permission denied"), "starting", 30)
    assert isinstance(err, DockerUnavailable)
    assert "docker` group" in (err.hint or "")


def test_a_timeout_says_what_was_being_done_and_for_how_long() -> None:
    err = translate(requests.exceptions.ReadTimeout("read timed out"), "stopping the container", 12.5)
    assert type(err) is RuntimeFailure
    assert err.title == "Docker did not answer within 12.5 s while stopping the container"
    assert "restart Docker" in (err.hint or "")


def test_a_build_words_its_own_timeout() -> None:
    err = translate(
        requests.exceptions.ReadTimeout("x"), "building", 900, timeout_title="quiet", timeout_hint="wait"
    )
    assert err is not None and (err.title, err.hint) == ("quiet", "wait")


def test_a_refusal_carries_the_engines_explanation() -> None:
    refused = docker.errors.APIError("409 Conflict", explanation="name already in use")
    err = translate(refused, "creating the container", 30)
    assert type(err) is RuntimeFailure
    assert err.title == "Docker refused creating the container: name already in use"


def test_not_found_and_foreign_errors_are_left_to_the_caller() -> None:
    assert translate(docker.errors.NotFound("no such image"), "looking up the image", 30) is None
    assert translate(KeyError("x"), "anything", 30) is None


def test_engine_call_raises_the_translation_from_the_sdk_error() -> None:
    engine = Engine(DockerSettings(api_timeout=5))  # never connects: call() runs the given function only

    def refuse() -> None:
        raise docker.errors.APIError("500", explanation="driver failed")

    with pytest.raises(RuntimeFailure) as info:
        engine.call("starting the container", refuse)
    assert info.value.title == "Docker refused starting the container: driver failed"
    assert isinstance(info.value.__cause__, docker.errors.APIError)

    def missing() -> None:
        raise docker.errors.NotFound("gone")

    with pytest.raises(docker.errors.NotFound):
        engine.call("looking up the volume", missing)
    assert engine.call("adding", lambda: 1 + 1) == 2


# --- the build context ------------------------------------------------------------------------------------


def make_checkout(root: Path) -> Path:
    (root / "docker").mkdir(parents=True)
    (root / DOCKERFILE).write_text("FROM scratch\n")
    (root / "server" / "log_analyzer").mkdir(parents=True)
    return root


def make_packaged(root: Path) -> Path:
    (root / "docker").mkdir(parents=True)
    for name in (DOCKERFILE, REQUIREMENTS):
        (root / name).write_text("x\n")
    return root


def test_an_explicit_build_context_is_used_when_it_is_a_checkout(tmp_path: Path) -> None:
    checkout = make_checkout(tmp_path / "repo")
    context = find_build_context(
        DockerSettings(build_context=checkout), candidates=lambda: [REPO], packaged=tmp_path / "none"
    )
    assert context == BuildContext(checkout)
    assert context.describe("img:1") == f"Building img:1 from {checkout / DOCKERFILE}"


def test_a_wrong_explicit_build_context_is_an_error_not_the_packaged_files(tmp_path: Path) -> None:
    packaged = make_packaged(tmp_path / "_docker")
    with pytest.raises(DockerfileMissing) as info:
        find_build_context(
            DockerSettings(build_context=tmp_path / "nope"), candidates=lambda: [REPO], packaged=packaged
        )
    assert info.value.title == f"{DOCKERFILE} not found (looked in {tmp_path / 'nope'})"
    assert "build_context" in (info.value.hint or "")


def test_without_settings_the_first_checkout_found_wins(tmp_path: Path) -> None:
    checkout = make_checkout(tmp_path / "up" / "repo")
    found = find_build_context(
        DockerSettings(), candidates=lambda: [tmp_path, checkout], packaged=tmp_path / "none"
    )
    assert found.root == checkout and found.server is None


def test_without_a_checkout_an_install_uses_its_packaged_files(tmp_path: Path) -> None:
    packaged = make_packaged(tmp_path / "_docker")
    found = find_build_context(DockerSettings(), candidates=lambda: [tmp_path], packaged=packaged)
    assert found.root == packaged
    assert found.server is not None and (found.server / "app.py").is_file()  # the installed log_analyzer
    assert "from the installed package" in found.describe("img:1")


def test_with_nothing_to_build_from_it_says_where_it_looked(tmp_path: Path) -> None:
    with pytest.raises(DockerfileMissing) as info:
        find_build_context(
            DockerSettings(), candidates=lambda: [tmp_path / "a", tmp_path / "b"], packaged=tmp_path / "none"
        )
    assert f"looked in {tmp_path / 'a'}, {tmp_path / 'b'}" in info.value.title
    assert 'runtime = "embedded"' in (info.value.hint or "")


def test_the_packaged_tar_holds_what_a_checkout_would_send_minus_bytecode_and_databases(
    tmp_path: Path,
) -> None:
    packaged = make_packaged(tmp_path / "_docker")
    server = tmp_path / "site" / "log_analyzer"
    (server / "__pycache__").mkdir(parents=True)
    (server / "app.py").write_text("print(1)\n")
    (server / "sub").mkdir()
    (server / "sub" / "x.py").write_text("")
    (server / "__pycache__" / "app.cpython-311.pyc").write_bytes(b"\0")
    (server / "stray.pyc").write_bytes(b"\0")
    (server / "logs.db").write_bytes(b"\0")
    with BuildContext(packaged, server).tar() as buf, tarfile.open(fileobj=buf) as tar:
        names = sorted(tar.getnames())
    assert names == [
        DOCKERFILE,
        REQUIREMENTS,
        "server/log_analyzer/app.py",
        "server/log_analyzer/sub/x.py",
    ]


# --- the build's output -----------------------------------------------------------------------------------


def test_build_output_tracks_steps_strips_colour_and_joins_split_lines() -> None:
    lines: list[str] = []
    out = BuildOutput(lines.append)
    out.feed({"stream": "Step 1/2 : FROM python\n"})
    out.feed({"stream": " ---> abc\nStep 2/2 : RUN pip"})
    out.feed({"stream": " install\n\x1b[91mwarning\x1b[0m\r\n"})
    out.feed({"status": "Downloading", "progress": "[==>  ]"})
    out.feed({"aux": {"ID": "sha256:1"}})  # nothing to show
    out.feed({"stream": "tail without newline"})
    out.finish()
    assert lines == [
        "Step 1/2 : FROM python",
        " ---> abc",
        "Step 2/2 : RUN pip install",
        "warning",
        "Downloading [==>  ]",
        "tail without newline",
    ]
    assert out.step == "Step 2/2 : RUN pip install"


def test_an_error_chunk_fails_with_the_step_and_that_steps_output_only() -> None:
    lines: list[str] = []
    out = BuildOutput(lines.append)
    out.feed({"stream": "Step 1/2 : RUN echo fine\nfine\n"})
    out.feed({"stream": "Step 2/2 : RUN exit 3\nabout to break\npartial"})
    with pytest.raises(BuildFailed) as info:
        out.feed({"errorDetail": {"message": "returned a non-zero code: 3\n"}, "error": "ignored"})
    assert info.value.step == "Step 2/2 : RUN exit 3"
    assert info.value.output == "about to break\npartial\nreturned a non-zero code: 3"
    assert lines[-1] == "returned a non-zero code: 3"


# --- an archive read as a file ----------------------------------------------------------------------------


def test_chunk_reader_lets_tarfile_stream_uneven_chunks() -> None:
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w") as tar:
        data = bytes(range(256)) * 300
        info = tarfile.TarInfo("logtui-backup.db")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    blob = raw.getvalue()
    chunks = [blob[i : i + 777] for i in range(0, len(blob), 777)]
    with tarfile.open(fileobj=ChunkReader(chunks), mode="r|") as tar:
        member = next(iter(tar))
        source = tar.extractfile(member)
        assert source is not None and source.read() == data


def test_the_sources_digest_follows_content_not_file_times(tmp_path: Path) -> None:
    checkout = make_checkout(tmp_path / "repo")
    (checkout / REQUIREMENTS).write_text("fastapi\n")
    app = checkout / "server" / "log_analyzer" / "app.py"
    app.write_text("print(1)\n")
    context = BuildContext(checkout)
    first = context.sources_digest()
    app.write_text("print(1)\n")  # touched, same content
    assert context.sources_digest() == first
    app.write_text("print(2)\n")
    assert context.sources_digest() != first
    # Another Dockerfile (the Lambda image's) is another build: another digest.
    (checkout / "docker" / "Dockerfile.lambda").write_text("FROM scratch\n")
    assert context.sources_digest("docker/Dockerfile.lambda") != context.sources_digest()
