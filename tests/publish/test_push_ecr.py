"""ECR's side of `logtui push`, against moto's ECR in server mode on 127.0.0.1 (moto stands in for AWS: no
test may reach the real ECR). logtui's code path is the real one — botocore's ECR client, pointed at moto by
AWS's own AWS_ENDPOINT_URL_ECR variable, with credentials from the standard chain.

What moto cannot play is ECR's registry itself (the Docker push protocol at <account>.dkr.ecr...): the image
transfer is covered against a real registry in test_push_registry.py; here the login (GetAuthorizationToken)
and the repository check and creation."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from logtui.core.errors import PushFailed
from logtui.core.publish import IMAGES, ecr_login, ensure_ecr_repository, parse_reference, push_image
from logtui.core.runtime.base import DockerSettings
from logtui.core.runtime.docker_runtime import DockerRuntime
from tests.helpers import free_port, stop_process, wait_until

ACCOUNT = "123456789012"  # moto's default account
REGION = "eu-west-1"
REGISTRY = f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com"


@pytest.fixture(scope="module")
def moto_ecr(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    pytest.importorskip("moto", reason="moto[server] is in the test extra: pip install -e '.[test]'")
    port = free_port()
    log = tmp_path_factory.mktemp("moto") / "moto.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"

    def answers() -> bool:
        if proc.poll() is not None:
            raise RuntimeError(f"moto_server exited: {log.read_text(errors='replace')}")
        try:
            return httpx.get(f"{url}/moto-api/", timeout=1.0).status_code < 500
        except httpx.HTTPError:
            return False

    try:
        wait_until(answers, timeout=60, what="moto_server")
        yield url
    finally:
        stop_process(proc)


@pytest.fixture(autouse=True)
def aws_env(moto_ecr: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for var in (
        "AWS_PROFILE",
        "AWS_DEFAULT_PROFILE",
        "AWS_SESSION_TOKEN",
        "AWS_REGION",
        "AWS_DEFAULT_REGION",
    ):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDMOTOTEST0000001")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "moto-test-secret")
    monkeypatch.setenv("AWS_ENDPOINT_URL_ECR", moto_ecr)


def test_the_ecr_login_comes_from_get_authorization_token() -> None:
    auth = ecr_login(parse_reference(f"{REGISTRY}/log-analyzer:1"))
    assert auth["username"] == "AWS" and auth["password"]
    assert auth["serveraddress"] == f"https://{REGISTRY}"


def test_a_missing_repository_is_created_only_when_agreed(moto_ecr: str) -> None:
    name = f"course/log-analyzer-{free_port()}"
    ref = parse_reference(f"{REGISTRY}/{name}:1")
    with pytest.raises(PushFailed) as info:
        ensure_ecr_repository(ref, create=lambda _: False)
    assert f"The ECR repository {name!r} does not exist" in info.value.title
    assert info.value.hint and "aws ecr create-repository" in info.value.hint and REGION in info.value.hint

    asked: list[str] = []
    assert ensure_ecr_repository(ref, create=lambda repo: asked.append(repo) or True) is True
    assert asked == [name]
    # it is there now (read back through moto's API, not logtui's), and a second push does not ask
    import botocore.session

    ecr = botocore.session.get_session().create_client("ecr", region_name=REGION, endpoint_url=moto_ecr)
    (repo,) = ecr.describe_repositories(repositoryNames=[name])["repositories"]
    assert repo["repositoryUri"] == f"{REGISTRY}/{name}"
    assert ensure_ecr_repository(ref, create=lambda _: pytest.fail("asked again")) is False


def test_push_stops_before_building_when_the_repository_is_missing() -> None:
    # A runtime whose engine is never reached: the ECR checks come first.
    runtime = DockerRuntime(DockerSettings(image="logtui-push-ecr-never-built:1"))
    with pytest.raises(PushFailed, match="does not exist"):
        push_image(runtime, IMAGES["service"], f"{REGISTRY}/never-created:1", on_line=lambda _: None)


def test_missing_credentials_are_explained(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    with pytest.raises(PushFailed) as info:
        ecr_login(parse_reference(f"{REGISTRY}/log-analyzer:1"))
    assert "No AWS credentials" in info.value.title
    assert info.value.hint and "aws sso login" in info.value.hint


def test_refused_credentials_are_explained(moto_ecr: str) -> None:
    # moto's documented switch for checking IAM in server mode: from now on, unknown keys are refused.
    httpx.post(f"{moto_ecr}/moto-api/reset-auth", content=b"0").raise_for_status()
    try:
        with pytest.raises(PushFailed) as info:
            ecr_login(parse_reference(f"{REGISTRY}/log-analyzer:1"))
    finally:
        httpx.post(f"{moto_ecr}/moto-api/reset-auth", content=b"inf").raise_for_status()
    assert "AWS refused the ECR login" in info.value.title
    assert info.value.hint and "ecr:GetAuthorizationToken" in info.value.hint
    assert "moto-test-secret" not in str(info.value)


def test_the_cli_refuses_ecr_flags_for_other_registries(capsys: pytest.CaptureFixture[str]) -> None:
    from logtui.cli import main

    assert main(["push", "--create-repository", "127.0.0.1:5000/log-analyzer:1"]) == 2
    assert "are for ECR references" in capsys.readouterr().err
    assert main(["push", "Bad Reference"]) == 2
    assert "not an image reference" in capsys.readouterr().err
