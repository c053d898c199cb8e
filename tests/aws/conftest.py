"""AWS credentials for these tests come only from temporary files: the developer's ~/.aws, AWS_* variables
and an instance's metadata service never take part."""

from __future__ import annotations

from pathlib import Path

import pytest

#: Long-term keys of profile "course", and of profile "wrong" (same access key, wrong secret).
ACCESS_KEY = "AKIDLOGTUITEST000001"
SECRET = "logtui/test/Secret+Key/0123456789abcdefghij"
#: Temporary keys of profile "temp" (with a session token).
TEMP_KEY = "ASIALOGTUITEST000002"
TEMP_SECRET = "logtui/test/Temp+Secret/9876543210zyxwv"
TEMP_TOKEN = "IQoJb3JpZ2luX2VjEXAMPLE//logtui+session/token=="


@pytest.fixture(autouse=True)
def aws_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    for var in (
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_SECURITY_TOKEN",
        "AWS_PROFILE",
        "AWS_DEFAULT_PROFILE",
        "AWS_REGION",
        "AWS_DEFAULT_REGION",
        "AWS_ROLE_ARN",
        "AWS_WEB_IDENTITY_TOKEN_FILE",
        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
        "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    ):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    credentials = tmp_path / "aws-credentials"
    credentials.write_text(
        f"[course]\naws_access_key_id = {ACCESS_KEY}\naws_secret_access_key = {SECRET}\n\n"
        f"[wrong]\naws_access_key_id = {ACCESS_KEY}\naws_secret_access_key = not-the-secret\n\n"
        f"[temp]\naws_access_key_id = {TEMP_KEY}\naws_secret_access_key = {TEMP_SECRET}\n"
        f"aws_session_token = {TEMP_TOKEN}\n"
    )
    config = tmp_path / "aws-config"
    config.write_text("[profile course]\nregion = eu-west-1\n")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(credentials))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    return credentials, config
