"""`logtui push` on the real Docker engine against a real registry on loopback (Debian's docker-registry):
both images pushed, deleted locally, pulled back; the service image runs and serves the course's query; the
Lambda image's manifest is a single image, not an index with attestations."""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest

from logtui.cli import main as logtui_main
from logtui.core.errors import DockerUnavailable, PushFailed
from logtui.core.publish import IMAGES, LayerProgress, parse_reference, push_image
from logtui.core.runtime.base import DockerSettings
from logtui.core.runtime.docker_runtime import DockerRuntime
from tests.helpers import free_port, wait_until
from tests.publish.conftest import Registry

pytestmark = pytest.mark.docker

REPO_ROOT = Path(__file__).resolve().parents[2]
SINGLE_IMAGE_TYPES = {
    "application/vnd.docker.distribution.manifest.v2+json",
    "application/vnd.oci.image.manifest.v1+json",
}
MANIFEST_ACCEPT = ", ".join(
    [
        *SINGLE_IMAGE_TYPES,
        "application/vnd.docker.distribution.manifest.list.v2+json",
        "application/vnd.oci.image.index.v1+json",
    ]
)


def _remove_everywhere(docker_client: Any, reference: str) -> None:
    try:
        docker_client.images.remove(reference, force=True)
    except Exception:  # not there
        pass


def _push(runtime: DockerRuntime, kind: str, reference: str) -> tuple[Any, list[str], list[LayerProgress]]:
    lines: list[str] = []
    layers: list[LayerProgress] = []
    result = push_image(runtime, IMAGES[kind], reference, on_line=lines.append, on_layer=layers.append)
    return result, lines, layers


def test_service_image_push_delete_pull_run(
    docker_client: Any, runtime: DockerRuntime, registry: Registry
) -> None:
    reference = f"{registry.host}/log-analyzer:{uuid.uuid4().hex[:8]}"
    result, lines, layers = _push(runtime, "service", reference)
    assert result.reference == reference and result.digest and result.digest.startswith("sha256:")
    assert result.layers >= 2
    # progress per layer: each layer ends pushed (or already there, for layers shared with a previous push)
    final = {e.layer: e.status for e in layers}
    assert final and all(
        re.fullmatch(r"Pushed|Layer already exists|Mounted from .+", s) for s in final.values()
    )
    assert any(e.current is not None and e.total for e in layers) or "Layer already exists" in final.values()
    assert lines[-1].startswith(f"Pushed {reference}")

    # a second push builds nothing: the image is newer than its sources
    again, again_lines, _ = _push(runtime, "service", reference)
    assert not again.built and any(line.startswith("Using ") for line in again_lines)
    assert again.digest == result.digest

    _remove_everywhere(docker_client, reference)
    with pytest.raises(Exception, match=r"No such image|not found"):
        docker_client.images.get(reference)
    docker_client.images.pull(reference)
    port = free_port()
    container = docker_client.containers.run(
        reference, detach=True, ports={"8000/tcp": ("127.0.0.1", port)}, name=f"logtui-push-run-{port}"
    )
    try:
        url = f"http://127.0.0.1:{port}"

        def healthy() -> bool:
            try:
                return httpx.get(f"{url}/health", timeout=1.0).status_code == 200
            except httpx.HTTPError:
                return False

        wait_until(healthy, timeout=60, what="the pulled service image")
        answer = httpx.get(
            f"{url}/logs", params={"start_time": "2023-04-23T10:00:00", "end_time": "2023-04-23T10:05:00"}
        )
        assert answer.status_code == 200
        assert len(answer.json()["logs"]) == 6
    finally:
        container.remove(force=True)
        _remove_everywhere(docker_client, reference)


def test_lambda_image_is_a_single_image_manifest(
    docker_client: Any, runtime: DockerRuntime, registry: Registry
) -> None:
    tag = uuid.uuid4().hex[:8]
    reference = f"{registry.host}/log-analyzer-lambda:{tag}"
    result, _, _ = _push(runtime, "lambda", reference)
    manifest = httpx.get(
        f"{registry.url}/v2/log-analyzer-lambda/manifests/{tag}", headers={"Accept": MANIFEST_ACCEPT}
    )
    assert manifest.status_code == 200
    assert manifest.headers["content-type"] in SINGLE_IMAGE_TYPES
    body = manifest.json()
    assert "manifests" not in body and body["layers"] and "config" in body
    assert manifest.headers.get("docker-content-digest") == result.digest
    assert result.media_type == manifest.headers["content-type"]  # logtui checked it too

    _remove_everywhere(docker_client, reference)
    pulled = docker_client.images.pull(reference)
    assert pulled.attrs["Config"]["Entrypoint"] == ["python", "-m", "awslambdaric"]
    assert pulled.attrs["Config"]["Cmd"] == ["log_analyzer.lambda_handler.handler"]
    _remove_everywhere(docker_client, reference)


def test_the_cli_pushes_with_per_layer_progress(
    runtime: DockerRuntime, registry: Registry, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "config.toml"
    config.write_text(f'[docker]\nimage = "{runtime.settings.image}"\nbuild_context = "{REPO_ROOT}"\n')
    reference = f"{registry.host}/cli/log-analyzer:{uuid.uuid4().hex[:8]}"
    assert logtui_main(["push", "--config", str(config), reference]) == 0
    out = capsys.readouterr().out
    assert f"service image (App Runner, containers) pushed to {reference} (sha256:" in out
    layer_lines = re.findall(r"^  ([0-9a-f]{12}): (.+)$", out, re.M)
    assert layer_lines
    finished = {layer: status for layer, status in layer_lines}
    assert all(re.fullmatch(r"Pushed|Layer already exists|Mounted from .+", s) for s in finished.values())


def test_auth_refused_then_the_docker_config_credentials_are_used(
    runtime: DockerRuntime, auth_registry: Registry, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    reference = f"{auth_registry.host}/private/log-analyzer:1"
    empty = tmp_path / "no-docker-login"
    empty.mkdir()
    (empty / "config.json").write_text("{}")
    monkeypatch.setenv("DOCKER_CONFIG", str(empty))
    with pytest.raises(PushFailed) as refused:
        _push(runtime, "service", reference)
    assert "refused the push" in refused.value.title
    assert refused.value.hint and f"docker login {auth_registry.host}" in refused.value.hint

    # What `docker login` writes: the SDK reads it, as the Docker CLI would.
    assert auth_registry.auth is not None
    logged_in = tmp_path / "docker-login"
    logged_in.mkdir()
    token = base64.b64encode(":".join(auth_registry.auth).encode()).decode()
    (logged_in / "config.json").write_text(json.dumps({"auths": {auth_registry.host: {"auth": token}}}))
    monkeypatch.setenv("DOCKER_CONFIG", str(logged_in))
    result, _, _ = _push(runtime, "service", reference)
    assert result.digest
    assert auth_registry.auth[1] not in str(result)


def test_unknown_registry_is_named(runtime: DockerRuntime) -> None:
    closed = f"127.0.0.1:{free_port()}"
    with pytest.raises(PushFailed) as info:
        _push(runtime, "service", f"{closed}/log-analyzer:1")
    assert f"Cannot reach the registry {closed}" in info.value.title
    assert info.value.hint and "host name" in info.value.hint


def test_engine_down_is_said(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOCKER_HOST", f"unix://{tmp_path / 'no-engine.sock'}")
    rt = DockerRuntime(DockerSettings(image="logtui-push-nothing:1"), REPO_ROOT)
    with pytest.raises(DockerUnavailable) as info:
        _push(rt, "service", "127.0.0.1:5999/log-analyzer:1")
    assert "No Docker engine answers" in info.value.title
    assert info.value.hint and "DOCKER_HOST" in info.value.hint and "embedded" not in info.value.hint


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("", "not an image reference"),
        ("127.0.0.1:5000/Log-Analyzer:1", "not a repository name"),
        ("127.0.0.1:5000/log-analyzer:bad/tag", "not a tag"),
        ("127.0.0.1:5000/log-analyzer@sha256:abc", "names a digest"),
        ("127.0.0.1:5000/log-analyzer:" + "x" * 200, "not a tag"),
    ],
)
def test_bad_references_are_named(text: str, problem: str) -> None:
    with pytest.raises(PushFailed, match=problem):
        parse_reference(text)


def test_references_are_read_like_docker_reads_them() -> None:
    ecr = parse_reference("123456789012.dkr.ecr.eu-west-1.amazonaws.com/course/log-analyzer")
    assert (ecr.registry, ecr.path, ecr.tag, ecr.ecr) == (
        "123456789012.dkr.ecr.eu-west-1.amazonaws.com",
        "course/log-analyzer",
        "latest",
        ("123456789012", "eu-west-1"),
    )
    hub = parse_reference("someone/log-analyzer:0.1.0")
    assert (hub.registry, hub.repository, hub.tag, hub.ecr) == (
        "docker.io",
        "someone/log-analyzer",
        "0.1.0",
        None,
    )
    local = parse_reference("localhost:5000/log-analyzer:2")
    assert (local.registry, local.repository) == ("localhost:5000", "localhost:5000/log-analyzer")


def test_the_image_is_rebuilt_when_its_sources_change(
    docker_client: Any, registry: Registry, tmp_path: Path
) -> None:
    # A copy of the build context, so the test may change a source file.
    context = tmp_path / "checkout"
    shutil.copytree(REPO_ROOT / "docker", context / "docker")
    shutil.copytree(
        REPO_ROOT / "server" / "log_analyzer",
        context / "server" / "log_analyzer",
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    name = f"logtui-push-rebuild-{uuid.uuid4().hex[:8]}"
    rt = DockerRuntime(
        DockerSettings(image=f"{name}:test", build_context=context, container_name=name, volume=name)
    )
    reference = f"{registry.host}/rebuild/log-analyzer:1"
    try:
        first, _, _ = _push(rt, "service", reference)
        assert first.built
        source = context / "server" / "log_analyzer" / "timefmt.py"
        os.utime(source)  # touched, same content: still current
        untouched, lines, _ = _push(rt, "service", reference)
        assert not untouched.built and any("from the current sources" in line for line in lines)
        source.write_text(source.read_text() + "\n# changed by the push test\n")
        changed, lines, _ = _push(rt, "service", reference)
        assert changed.built and any("built from older sources: rebuilding" in line for line in lines)
        assert changed.digest != first.digest
    finally:
        rt.close()
        for tag in (reference, f"{name}:test"):
            _remove_everywhere(docker_client, tag)
