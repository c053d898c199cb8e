"""Signing requests to a Lambda function URL whose auth type is AWS_IAM (Signature Version 4).

botocore is an optional extra (`pip install 'logtui[aws]'`): it supplies the standard credential chain
(environment, shared credentials/config files incl. AWS_SHARED_CREDENTIALS_FILE and AWS_CONFIG_FILE, named
profiles, SSO, credential_process, session tokens) and the signer. It is imported only when a signed target
is opened, so logtui without it runs as before.

Credentials are resolved once, off the event loop, then asked for their frozen values before every request:
botocore's refreshable credentials (SSO, credential_process, assumed roles) renew themselves there when they
near expiry, so a follow that runs for hours keeps signing with valid keys. Keys and tokens never leave this
module except inside the signed request's headers.
"""

from __future__ import annotations

import re
import threading
from collections.abc import AsyncGenerator, Generator
from typing import Any
from urllib.parse import quote, urlsplit

import anyio.to_thread
import httpx

from logtui.core.errors import AwsAuthFailed

__all__ = [
    "AWS_INSTALL_HINT",
    "LambdaSigV4Auth",
    "aws_denied_hint",
    "botocore_available",
    "region_from_url",
]

SERVICE = "lambda"
AWS_INSTALL_HINT = "pip install 'logtui[aws]' (or pip install botocore into logtui's environment)"
_LAMBDA_URL_HOST = re.compile(r"^[a-z0-9]+\.lambda-url\.([a-z0-9-]+)\.on\.aws$")
# Only these are signed: hop-by-hop headers (Connection, Accept-Encoding) may be rewritten by a proxy on the
# way, which would break a signature that covered them.
_SIGNED_HEADERS = ("host", "content-type")
_AWS_UNRESERVED = "-_.~"


def botocore_available() -> bool:
    try:
        import botocore.session
    except ImportError:
        return False
    return botocore.session is not None


def region_from_url(url: str) -> str | None:
    """eu-west-1 for https://<id>.lambda-url.eu-west-1.on.aws, else None."""
    found = _LAMBDA_URL_HOST.match((urlsplit(url).hostname or "").lower())
    return found.group(1) if found else None


def _aws_quote(text: str) -> str:
    return quote(text, safe=_AWS_UNRESERVED)


class _Credentials:
    """The chain's credentials for one profile, resolved lazily and at most once (it may do network I/O)."""

    def __init__(self, session: Any, profile: str | None) -> None:
        self._session = session
        self._profile = profile
        self._resolved: Any = None
        self._lock = threading.Lock()

    def frozen(self) -> Any:
        """Access key, secret and token as of now (refreshing them first if they are about to expire)."""
        from botocore.exceptions import BotoCoreError

        try:
            with self._lock:
                if self._resolved is None:
                    self._resolved = self._session.get_credentials()
                if self._resolved is None:
                    which = f" for profile {self._profile!r}" if self._profile else ""
                    raise AwsAuthFailed(
                        f"No AWS credentials found{which}",
                        "Sign in (aws configure, aws sso login) or export AWS_ACCESS_KEY_ID and "
                        "AWS_SECRET_ACCESS_KEY, then retry.",
                    )
                return self._resolved.get_frozen_credentials()
        except BotoCoreError as exc:
            raise _credential_error(exc, self._profile) from None


def _credential_error(exc: Exception, profile: str | None) -> AwsAuthFailed:
    from botocore.exceptions import ProfileNotFound

    if isinstance(exc, ProfileNotFound):
        return AwsAuthFailed(
            f"There is no AWS profile named {profile!r}",
            "Check the name against ~/.aws/config and ~/.aws/credentials (or the files named by "
            "AWS_CONFIG_FILE / AWS_SHARED_CREDENTIALS_FILE).",
        )
    return AwsAuthFailed(
        f"Cannot get AWS credentials: {exc}",
        "Refresh them (aws sso login, a new session token, the credential_process) and retry.",
    )


class LambdaSigV4Auth(httpx.Auth):
    """An httpx auth flow that signs every request with SigV4 for service `lambda`.

    The query string is rewritten in AWS's canonical encoding before signing, so the URL sent is exactly the
    URL signed: httpx leaves characters such as ':' unencoded, which AWS would encode when it recomputes the
    signature, and the two would not match.
    """

    requires_request_body = True

    def __init__(self, *, region: str, profile: str | None = None) -> None:
        import botocore.session
        from botocore.exceptions import BotoCoreError

        self.region = region
        self.profile = profile
        try:
            session = botocore.session.Session(profile=profile)
        except BotoCoreError as exc:
            raise _credential_error(exc, profile) from None
        self._credentials = _Credentials(session, profile)

    @classmethod
    def for_url(cls, url: str, *, region: str | None, profile: str | None) -> LambdaSigV4Auth:
        """Region: the one given, else the function URL's, else the profile's (or AWS_REGION's)."""
        if not botocore_available():
            raise AwsAuthFailed(
                "Signing with AWS_IAM needs botocore, which is not installed", AWS_INSTALL_HINT
            )
        region = region or region_from_url(url) or _configured_region(profile)
        if not region:
            raise AwsAuthFailed(
                "No AWS region for signing",
                "The URL is not a Lambda function URL (…lambda-url.<region>.on.aws): give the function's "
                "region (--aws-region, or aws_region in the target).",
            )
        return cls(region=region, profile=profile)

    def __repr__(self) -> str:
        return f"LambdaSigV4Auth(region={self.region!r}, profile={self.profile!r})"

    def sync_auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.read()
        self._sign(request, self._credentials.frozen())
        yield request

    async def async_auth_flow(self, request: httpx.Request) -> AsyncGenerator[httpx.Request, httpx.Response]:
        await request.aread()
        # Resolving or refreshing credentials may read files, run a credential_process or call AWS: not on
        # the event loop.
        frozen = await anyio.to_thread.run_sync(self._credentials.frozen)
        self._sign(request, frozen)
        yield request

    def _sign(self, request: httpx.Request, frozen: Any) -> None:
        from botocore.auth import SigV4Auth
        from botocore.awsrequest import AWSRequest
        from botocore.credentials import Credentials

        query = "&".join(f"{_aws_quote(k)}={_aws_quote(v)}" for k, v in request.url.params.multi_items())
        request.url = request.url.copy_with(query=query.encode("ascii") if query else None)
        headers = {name: request.headers[name] for name in _SIGNED_HEADERS if name in request.headers}
        aws_request = AWSRequest(
            method=request.method, url=str(request.url), data=request.content, headers=headers
        )
        credentials = Credentials(frozen.access_key, frozen.secret_key, frozen.token)
        SigV4Auth(credentials, SERVICE, self.region).add_auth(aws_request)
        for name in ("Authorization", "X-Amz-Date", "X-Amz-Security-Token"):
            value = aws_request.headers.get(name)
            if value is not None:
                request.headers[name] = value


def _configured_region(profile: str | None) -> str | None:
    import botocore.session
    from botocore.exceptions import BotoCoreError

    try:
        region = botocore.session.Session(profile=profile).get_config_variable("region")
    except BotoCoreError:
        return None
    return str(region) if region else None


def aws_denied_hint(detail: str, *, signed: bool, region: str | None) -> str:
    """What to check when AWS refused a request, from the words AWS answered with."""
    text = detail.lower()
    if not signed:
        return (
            "This function URL's auth type is AWS_IAM: requests must be signed. Start logtui with --aws-iam "
            '(and --aws-profile NAME if needed), or set auth = "aws_iam" on the target (t, then e).'
        )
    if "expired" in text:
        return (
            "The AWS credentials have expired: renew them (aws sso login, a new session token or "
            "credential_process output) and retry."
        )
    if "region" in text or "scope" in text:
        return (
            f"The request was signed for region {region}, which is not the function's: set --aws-region "
            "(or aws_region in the target) to the region in the function URL."
        )
    if "signature" in text or "security token" in text or "access key" in text:
        return (
            "AWS does not accept these credentials: the secret key or session token does not match the "
            "access key (check the profile, AWS_* variables and the credentials file)."
        )
    return (
        "Signed, but not allowed: check that the credentials are current and for the function's account, "
        f"that the region ({region}) is the function's, and that this principal may call "
        "lambda:InvokeFunctionUrl and lambda:InvokeFunction on it (its IAM policy, or the function's "
        "resource policy for another account)."
    )
