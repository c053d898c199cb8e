"""Signed (AWS_IAM) targets end to end: logtui signs with botocore, a loopback gateway verifies with its own
SigV4 code (tests/aws/sigv4_verifier.py, checked against AWS's test vectors) and forwards to a real
log-analyzer. Credentials come from a temporary shared-credentials file with named profiles (conftest)."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from log_analyzer.record import LogRecord
from textual.widgets import Input, Select

from logtui.core.aws_auth import region_from_url
from logtui.core.client import LogClient
from logtui.core.config import Target, TargetKind, load_config, parse_config
from logtui.core.errors import AwsAuthFailed, ConfigValueError, Unauthorized
from logtui.core.timerange import TimeWindow
from logtui.ui.screens.target_form import TargetForm
from tests.aws.conftest import ACCESS_KEY, SECRET, TEMP_KEY, TEMP_SECRET, TEMP_TOKEN
from tests.aws.sigv4_verifier import Gateway, Key, Verifier, sigv4_gateway
from tests.helpers import ServerProcess
from tests.ui.helpers import SIZE, logs_screen, make_app, settle

REGION = "eu-west-1"
COURSE_WINDOW = TimeWindow(datetime(2023, 4, 23, 10, 0, tzinfo=UTC), datetime(2023, 4, 23, 10, 5, tzinfo=UTC))
WHOLE_DAY = TimeWindow(datetime(2023, 4, 23, tzinfo=UTC), datetime(2023, 4, 24, tzinfo=UTC))


def verifier(**changes: Key) -> Verifier:
    keys = {ACCESS_KEY: Key(SECRET), TEMP_KEY: Key(TEMP_SECRET, TEMP_TOKEN), **changes}
    return Verifier(REGION, "lambda", keys)


@pytest.fixture
def gateway(course_server: ServerProcess) -> Iterator[Gateway]:
    with sigv4_gateway(course_server.url, verifier()) as gw:
        yield gw


def signed(url: str, profile: str | None = "course", region: str | None = REGION) -> Target:
    return Target("fn", url, TargetKind.LAMBDA, auth="aws_iam", aws_profile=profile, aws_region=region)


def test_region_comes_from_a_function_url() -> None:
    assert region_from_url("https://abcdef123.lambda-url.eu-west-1.on.aws") == "eu-west-1"
    assert region_from_url("https://abcdef123.lambda-url.us-gov-west-1.on.aws/prod") == "us-gov-west-1"
    assert region_from_url("https://abc.eu-west-1.awsapprunner.com") is None
    assert region_from_url("http://127.0.0.1:8000") is None


async def test_signed_reads_with_repeated_tags_and_odd_characters_are_accepted(gateway: Gateway) -> None:
    async with LogClient.for_target(signed(gateway.url)) as client:
        page = await client.logs(COURSE_WINDOW)
        assert len(page.records) == 6
        both = await client.logs(WHOLE_DAY, tags=["INFO", "ERROR"], q="test lo", limit=100)
        assert len(both.records) == 21  # "test lo" matches the 21 INFO "Test log" records, not "Test error"
        assert (await client.health()).records == 22
        stats = await client.stats(WHOLE_DAY, tags=["ERROR", "INFO"], q="Test e/r:r+o%r&x=1")
        assert stats.total == 0
    assert gateway.seen and all(key == ACCESS_KEY and status == 200 for key, status in gateway.seen)


async def test_signed_post_body_and_a_path_prefix(server_factory: Callable[..., ServerProcess]) -> None:
    server = server_factory()
    with sigv4_gateway(server.url, verifier(), prefix="/prod") as gw:
        async with LogClient.for_target(signed(gw.url + "/prod")) as client:
            record = LogRecord.from_json(
                {"timestamp": "2023-04-23T11:00:00", "tag": "INFO", "message": "signed body: ünïcode & ?=/"}
            )
            assert await client.post_logs([record]) == 1
            page = await client.logs(WHOLE_DAY)
    assert [r.message for r in page.records] == ["signed body: ünïcode & ?=/"]
    assert [status for _, status in gw.seen] == [201, 200]


async def _refusal(url: str, target: Target) -> Unauthorized:
    async with LogClient.for_target(target, base_url=url) as client:
        with pytest.raises(Unauthorized) as info:
            await client.logs(COURSE_WINDOW)
    return info.value


async def test_wrong_secret_is_refused_and_explained(gateway: Gateway) -> None:
    error = await _refusal(gateway.url, signed(gateway.url, profile="wrong"))
    assert "403" in error.title and "signature we calculated does not match" in error.title
    assert error.hint and "secret key" in error.hint


async def test_wrong_region_is_refused_and_explained(gateway: Gateway) -> None:
    error = await _refusal(gateway.url, signed(gateway.url, region="us-west-2"))
    assert "valid region" in error.title
    assert error.hint and "us-west-2" in error.hint and "--aws-region" in error.hint


async def test_expired_session_token_is_refused_and_explained(course_server: ServerProcess) -> None:
    expired = verifier(**{TEMP_KEY: Key(TEMP_SECRET, TEMP_TOKEN, expired=True)})
    with sigv4_gateway(course_server.url, expired) as gw:
        error = await _refusal(gw.url, signed(gw.url, profile="temp"))
    assert "expired" in error.title
    assert error.hint and "expired" in error.hint and "aws sso login" in error.hint


async def test_a_session_token_is_sent_and_checked(gateway: Gateway) -> None:
    async with LogClient.for_target(signed(gateway.url, profile="temp")) as client:
        assert len((await client.logs(COURSE_WINDOW)).records) == 6
    assert gateway.seen[-1] == (TEMP_KEY, 200)


async def test_unsigned_requests_are_refused_and_explained(gateway: Gateway) -> None:
    plain = Target("fn", gateway.url, TargetKind.LAMBDA)
    error = await _refusal(gateway.url, plain)
    assert "403" in error.title and "Forbidden" in error.title
    assert error.hint and "--aws-iam" in error.hint and 'auth = "aws_iam"' in error.hint


async def test_the_region_defaults_to_the_profiles(gateway: Gateway) -> None:
    # Not a function URL (loopback): the region comes from profile "course" in AWS_CONFIG_FILE.
    async with LogClient.for_target(signed(gateway.url, region=None)) as client:
        assert len((await client.logs(COURSE_WINDOW)).records) == 6


async def test_unknown_profile_and_no_region_are_clear_errors(gateway: Gateway) -> None:
    with pytest.raises(AwsAuthFailed, match="no AWS profile named 'nobody'"):
        async with LogClient.for_target(signed(gateway.url, profile="nobody")) as client:
            await client.logs(COURSE_WINDOW)
    with pytest.raises(AwsAuthFailed, match="No AWS region") as info:
        LogClient.for_target(signed(gateway.url, profile="temp", region=None))
    assert info.value.hint and "--aws-region" in info.value.hint


ROTATING = """\
import json, sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

counter = Path(sys.argv[1])
n = int(counter.read_text()) + 1 if counter.exists() else 1
counter.write_text(str(n))
# Five minutes left: inside botocore's mandatory refresh window, so it asks again before each request.
expires = datetime.now(timezone.utc) + timedelta(minutes=5)
print(json.dumps({"Version": 1, "AccessKeyId": f"ASIAROTATING{n:08d}", "SecretAccessKey": f"secret-{n}",
                  "SessionToken": f"token-{n}", "Expiration": expires.strftime("%Y-%m-%dT%H:%M:%SZ")}))
"""


async def test_expiring_credentials_are_refreshed_between_requests(
    course_server: ServerProcess, tmp_path: Path, aws_files: tuple[Path, Path]
) -> None:
    _, config = aws_files
    script = tmp_path / "rotating_credentials.py"
    script.write_text(ROTATING)
    counter = tmp_path / "issued"
    config.write_text(f"[profile rotating]\ncredential_process = {sys.executable} {script} {counter}\n")
    keys = {f"ASIAROTATING{n:08d}": Key(f"secret-{n}", f"token-{n}") for n in range(1, 20)}
    with sigv4_gateway(course_server.url, Verifier(REGION, "lambda", keys)) as gw:
        async with LogClient.for_target(signed(gw.url, profile="rotating")) as client:
            await client.logs(COURSE_WINDOW)
            first_key = gw.seen[-1][0]
            assert first_key is not None
            # The first key expires, as temporary credentials do during a long follow.
            keys[first_key].expired = True
            assert len((await client.logs(COURSE_WINDOW)).records) == 6
    assert gw.seen[-1][0] != first_key and gw.seen[-1][1] == 200


def test_config_fields_are_checked() -> None:
    text = '[[targets]]\nname = "fn"\nurl = "https://abc.lambda-url.eu-west-1.on.aws"\nauth = "aws_iam"\n'
    target = parse_config(text + 'aws_profile = "course"\n').targets[0]
    assert (target.auth, target.aws_profile, target.aws_region) == ("aws_iam", "course", None)
    for extra, field, problem in [
        ('auth = "sigv4"\n', "auth", "must be one of"),
        ('aws_region = "Ireland"\n', "aws_region", "not an AWS region"),
        ('token_env = "TOKEN"\n', "token_env", "both use the Authorization header"),
    ]:
        with pytest.raises(ConfigValueError) as info:
            parse_config(text.replace('auth = "aws_iam"\n', "") + extra if field == "auth" else text + extra)
        assert info.value.field.endswith(field) and problem in info.value.problem
    with pytest.raises(ConfigValueError, match="only applies with auth"):
        parse_config(text.replace('auth = "aws_iam"\n', 'aws_profile = "course"\n'))


def _logtui(*args: str, block_botocore: bool = False) -> subprocess.CompletedProcess[str]:
    prelude = "import sys; sys.modules['botocore'] = None; " if block_botocore else ""
    code = prelude + "from logtui.cli import main; sys.exit(main(sys.argv[1:]))"
    if not prelude:
        code = "import sys; " + code
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=60)


def test_cli_without_botocore_says_what_to_install() -> None:
    done = _logtui("--url", "https://abc.lambda-url.eu-west-1.on.aws", "--aws-iam", block_botocore=True)
    assert done.returncode == 2
    assert "--aws-iam needs botocore" in done.stderr and "pip install 'logtui[aws]'" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--url", "http://127.0.0.1:9", "--aws-profile", "x"], "go with --aws-iam"),
        (["--aws-iam"], "--aws-iam goes with --url"),
        (["--url", "http://127.0.0.1:9", "--aws-iam", "--aws-region", "mars"], "--aws-region: 'mars'"),
        (["--url", "http://127.0.0.1:9", "--aws-iam", "--token-env", "T"], "--token-env: cannot go with"),
    ],
)
def test_cli_flag_errors(args: list[str], message: str) -> None:
    done = _logtui(*args)
    assert done.returncode == 2 and message in done.stderr, done.stderr


async def test_the_tui_shows_a_signed_targets_records(gateway: Gateway) -> None:
    app = make_app(
        url=gateway.url,
        aws_iam=True,
        aws_profile="course",
        aws_region=REGION,
        start="2023-04-23T10:00",
        end="2023-04-23T10:05",
    )
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = logs_screen(app)
        assert screen.log_view.loaded_count == 6
        assert not screen.error_panel.text
    assert {key for key, _ in gateway.seen} == {ACCESS_KEY}


async def test_the_tui_explains_a_refusal(gateway: Gateway) -> None:
    app = make_app(url=gateway.url, aws_iam=True, aws_profile="wrong", aws_region=REGION, start="2023-04-23")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = logs_screen(app)
        assert screen.log_view.loaded_count == 0
        text = screen.error_panel.text
        assert "signature we calculated does not match" in text and "secret key" in text
        assert SECRET not in text and "not-the-secret" not in text


async def test_the_target_form_offers_aws_iam(gateway: Gateway, tmp_path: Path) -> None:
    config_path = tmp_path / "c.toml"
    app = make_app(
        url=gateway.url, aws_iam=True, aws_profile="course", aws_region=REGION, config_path=config_path
    )
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("t", "a")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, TargetForm)
        # A new target starts from the current (unsaved --url) one, signing included.
        assert form.query_one("#field-auth", Select).value == "aws_iam"
        form.query_one("#field-auth", Select).value = "none"
        form.query_one("#field-name", Input).value = "fn"
        form.query_one("#field-url", Input).value = "https://abcdef.lambda-url.eu-west-1.on.aws"
        form.query_one("#field-aws_profile", Input).value = "course"
        form.query_one("#field-aws_region", Input).value = ""  # a function URL carries its region
        form.save()
        await pilot.pause()
        assert app.screen is form  # a profile without AWS_IAM is marked
        assert form.query_one("#field-aws_profile", Input).has_class("-invalid")
        form.query_one("#field-auth", Select).value = "aws_iam"
        form.save()
        await settle(pilot)
    (saved,) = load_config(config_path).targets
    assert (saved.kind, saved.auth, saved.aws_profile, saved.aws_region) == (
        TargetKind.LAMBDA,
        "aws_iam",
        "course",
        None,
    )


async def test_the_services_own_401_behind_a_function_url_still_asks_for_the_api_key() -> None:
    # The hint depends on the AWS host name, which cannot be served locally: a transport answers as the
    # service does behind a function URL (AWS's request id header, the service's 401).
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            401,
            json={"detail": "The API key in the Authorization header is wrong."},
            headers={"x-amzn-RequestId": "0b1c"},
        )

    url = "https://abcdefgh.lambda-url.eu-west-1.on.aws"
    async with LogClient(url, transport=httpx.MockTransport(handler), token="k", token_env="T") as client:
        with pytest.raises(Unauthorized) as info:
            await client.logs(COURSE_WINDOW)
    assert info.value.hint and "The API key in T is wrong" in info.value.hint


def test_a_saved_aws_iam_target_without_botocore_says_what_to_install() -> None:
    # botocore blocked before anything imports it, in a child process: as an install without logtui[aws].
    code = (
        "import sys; sys.modules['botocore'] = None\n"
        "from logtui.core.client import LogClient\n"
        "from logtui.core.config import Target, TargetKind\n"
        "from logtui.core.errors import AwsAuthFailed\n"
        "t = Target('fn', 'https://abc.lambda-url.eu-west-1.on.aws', TargetKind.LAMBDA, auth='aws_iam')\n"
        "try:\n"
        "    LogClient.for_target(t)\n"
        "except AwsAuthFailed as exc:\n"
        "    print(exc.title, '|', exc.hint)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert "needs botocore" in done.stdout and "pip install 'logtui[aws]'" in done.stdout, done.stderr
