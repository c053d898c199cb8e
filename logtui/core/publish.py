"""Publishing the service's images to a registry: `logtui push REF` and the container screen's Push action.

Two images, the course's two deploy targets: the service image (docker/Dockerfile, for App Runner or any
container host) and the Lambda image (docker/Dockerfile.lambda). Both are built by the Docker runtime's
build when missing or older than their sources, tagged as REF and pushed through the Docker SDK.

Credentials: for an ECR reference (<account>.dkr.ecr.<region>.amazonaws.com/<repo>:<tag>) a login from ECR's
GetAuthorizationToken with the standard AWS credential chain (botocore; AWS_ENDPOINT_URL_ECR is honoured);
for any other registry none is passed, so the SDK uses the Docker CLI's config file and credential helpers,
as `docker push` would. Passwords never reach the progress lines or errors.

The Lambda image is built by the engine's classic builder, which makes a single-platform image manifest with
no provenance attestations: what Lambda accepts (the course builds with --provenance=false for this).

Blocking (the SDK is): call from threads.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import requests

from logtui.core.errors import DockerUnavailable, PushFailed, RuntimeFailure
from logtui.core.runtime.docker_runtime import (
    DOCKERFILE,
    LABEL_SOURCES,
    DockerRuntime,
    _engine_address,
    _parse_docker_time,
    _unavailable,
    connect,
)
from logtui.core.safe_text import one_line

__all__ = [
    "IMAGES",
    "ImageKind",
    "ImageRef",
    "LayerProgress",
    "PushResult",
    "ecr_login",
    "ensure_ecr_repository",
    "parse_reference",
    "push_image",
]

_ECR_HOST = re.compile(
    r"^(?P<account>\d{12})\.dkr\.ecr(-fips)?\.(?P<region>[a-z0-9-]+)\.amazonaws\.com(\.cn)?$"
)
# The grammar of a reference (distribution/reference): [host[:port]/]path[:tag]; lower-case path components.
_PATH = re.compile(r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*")
_TAG = re.compile(r"[\w][\w.-]{0,127}")


@dataclass(frozen=True)
class ImageKind:
    name: str
    dockerfile: str
    role: str
    label: str

    def local_tag(self, runtime: DockerRuntime) -> str:
        """The local tag: the configured image's, and for Lambda the same with "-lambda" on its name."""
        image = runtime.settings.image
        if self.name == "service":
            return image
        name, colon, tag = image.rpartition(":")
        if not colon or "/" in tag:
            name, tag = image, "latest"
        return f"{name}-lambda:{tag}"


IMAGES = {
    "service": ImageKind("service", DOCKERFILE, "server-image", "service image (App Runner, containers)"),
    "lambda": ImageKind("lambda", "docker/Dockerfile.lambda", "lambda-image", "Lambda image"),
}


@dataclass(frozen=True)
class ImageRef:
    registry: str  # host[:port]; "docker.io" when the reference names none
    repository: str  # as pushed: with the registry host unless it is Docker Hub
    tag: str

    @property
    def text(self) -> str:
        return f"{self.repository}:{self.tag}"

    @property
    def ecr(self) -> tuple[str, str] | None:
        """(account, region) for an ECR registry, else None."""
        found = _ECR_HOST.match(self.registry)
        return (found["account"], found["region"]) if found else None

    @property
    def path(self) -> str:
        """The repository's name inside its registry (what ECR calls the repository name)."""
        prefix = self.registry + "/"
        return self.repository[len(prefix) :] if self.repository.startswith(prefix) else self.repository


def parse_reference(text: str) -> ImageRef:
    """`host[:port]/path[:tag]` (tag default "latest"); PushFailed says what is wrong with it."""
    ref = text.strip()
    example = "e.g. 123456789012.dkr.ecr.eu-west-1.amazonaws.com/log-analyzer:latest or 127.0.0.1:5000/logs:1"
    if not ref or any(c.isspace() for c in ref):
        raise PushFailed(f"{text!r} is not an image reference", example)
    if "@" in ref:
        raise PushFailed(f"{ref!r} names a digest; push needs a tag", example)
    first, _, rest = ref.partition("/")
    if rest and ("." in first or ":" in first or first == "localhost"):
        registry, remainder = first, rest
    else:
        registry, remainder = "docker.io", ref
    path, colon, tag = remainder.rpartition(":") if ":" in remainder else (remainder, "", "latest")
    if not colon:
        path, tag = remainder, "latest"
    if not _PATH.fullmatch(path):
        raise PushFailed(
            f"{path!r} is not a repository name",
            "Use lower-case letters, digits and . _ - separated by /; " + example,
        )
    if not _TAG.fullmatch(tag):
        raise PushFailed(f"{tag!r} is not a tag", "A tag is up to 128 letters, digits, _ . and -.")
    repository = path if registry == "docker.io" else f"{registry}/{path}"
    return ImageRef(registry, repository, tag)


# --- ECR ---------------------------------------------------------------------------------------------------


def _ecr_client(ref: ImageRef, profile: str | None) -> Any:
    from logtui.core.aws_auth import AWS_INSTALL_HINT, botocore_available

    if not botocore_available():
        raise PushFailed("Pushing to ECR needs botocore, which is not installed", AWS_INSTALL_HINT)
    import botocore.session
    from botocore.exceptions import BotoCoreError

    assert ref.ecr is not None
    try:
        return botocore.session.Session(profile=profile).create_client("ecr", region_name=ref.ecr[1])
    except BotoCoreError as exc:
        raise PushFailed(f"Cannot set up ECR's client: {exc}", "Check the AWS profile and region.") from None


def _ecr_call(what: str, fn: Callable[[], Any]) -> Any:
    from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

    try:
        return fn()
    except NoCredentialsError:
        raise PushFailed(
            f"No AWS credentials for {what}",
            "Sign in (aws configure, aws sso login) or export AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY "
            "(or pass --aws-profile).",
        ) from None
    except ClientError as exc:
        code = exc.response.get("Error", {}).get("Code", "")
        message = _aws_message(exc.response.get("Error", {}).get("Message") or str(exc))
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        if status in (401, 403) or code in (
            "AccessDeniedException",
            "UnrecognizedClientException",
            "ExpiredTokenException",
        ):
            raise PushFailed(
                f"AWS refused {what} ({code}: {message})",
                "The credentials may be expired or lack ecr:GetAuthorizationToken / ecr:CreateRepository / "
                "the ecr push permissions for this account and region.",
            ) from None
        raise PushFailed(f"ECR refused {what} ({code}: {message})", None) from None
    except BotoCoreError as exc:
        raise PushFailed(f"{what} failed: {exc}", "Check the network and the AWS region.") from None


def _aws_message(text: str) -> str:
    """AWS's own sentence: an endpoint or proxy answering in XML gets its <Message> picked out."""
    found = re.search(r"<Message>(.*?)</Message>", text, re.S)
    return one_line(found.group(1) if found else text)[:200]


def ecr_login(ref: ImageRef, profile: str | None = None) -> dict[str, str]:
    """auth_config for pushing to this ECR registry, from GetAuthorizationToken (valid 12 hours)."""
    assert ref.ecr is not None
    account, _ = ref.ecr
    client = _ecr_client(ref, profile)
    answer = _ecr_call("the ECR login", lambda: client.get_authorization_token(registryIds=[account]))
    data = answer["authorizationData"][0]
    user, _, password = base64.b64decode(data["authorizationToken"]).decode().partition(":")
    server = data.get("proxyEndpoint") or ref.registry
    return {"username": user, "password": password, "serveraddress": server}


def ensure_ecr_repository(
    ref: ImageRef, profile: str | None = None, *, create: Callable[[str], bool] | None = None
) -> bool:
    """True when the repository exists or was created (after `create(name)` agreed); PushFailed otherwise."""
    client = _ecr_client(ref, profile)
    assert ref.ecr is not None
    account = ref.ecr[0]

    def exists() -> bool:
        try:
            client.describe_repositories(registryId=account, repositoryNames=[ref.path])
        except client.exceptions.RepositoryNotFoundException:
            return False
        return True

    if _ecr_call("looking up the repository", exists):
        return False
    if create is None or not create(ref.path):
        raise PushFailed(
            f"The ECR repository {ref.path!r} does not exist in {ref.registry}",
            f"Create it (logtui push --create-repository, or aws ecr create-repository --repository-name "
            f"{ref.path} --region {ref.ecr[1]}), then push again.",
        )
    _ecr_call(
        "creating the repository",
        lambda: client.create_repository(
            registryId=account,
            repositoryName=ref.path,
            imageScanningConfiguration={"scanOnPush": True},
        ),
    )
    return True


# --- build and push ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LayerProgress:
    """One layer's state as the engine reports it (`current`/`total` in bytes while uploading)."""

    layer: str
    status: str
    current: int | None = None
    total: int | None = None

    @property
    def line(self) -> str:
        if self.current is not None and self.total:
            return f"{self.layer}: {self.status} {min(100, 100 * self.current // self.total)}%"
        return f"{self.layer}: {self.status}"


@dataclass(frozen=True)
class PushResult:
    reference: str
    digest: str | None
    built: bool
    layers: int
    #: The manifest's media type as the registry reports it (a single image, or an index).
    media_type: str | None = None


def ensure_image(runtime: DockerRuntime, kind: ImageKind, on_line: Callable[[str], None]) -> bool:
    """Build `kind`'s local image when missing or built from older sources; True if it was built."""
    tag = kind.local_tag(runtime)
    image = runtime.image(tag)
    if image is not None:
        built_from = (image.labels or {}).get(LABEL_SOURCES)
        if built_from == runtime.sources_digest(kind.dockerfile):
            created = _parse_docker_time(image.attrs.get("Created"))
            when = f"built {created:%Y-%m-%d %H:%M} UTC, " if created else ""
            on_line(f"Using {tag} ({when}from the current sources)")
            return False
        on_line(f"{tag} was built from older sources: rebuilding")
    runtime.build(on_line, dockerfile=kind.dockerfile, tag=tag, role=kind.role)
    return True


def push_image(
    runtime: DockerRuntime,
    kind: ImageKind,
    reference: str,
    *,
    on_line: Callable[[str], None],
    on_layer: Callable[[LayerProgress], None] | None = None,
    aws_profile: str | None = None,
    create_repository: Callable[[str], bool] | None = None,
) -> PushResult:
    """Build if needed, tag as `reference`, log in (ECR) and push. Raises PushFailed/RuntimeFailure."""
    try:
        return _push_image(runtime, kind, reference, on_line, on_layer, aws_profile, create_repository)
    except DockerUnavailable as exc:
        # The runtime's hint ends with "use the embedded runtime", which cannot push anything.
        raise DockerUnavailable(
            exc.title,
            "Pushing builds and sends the image through a Docker engine: start Docker (Docker Desktop, or "
            "`sudo systemctl start docker`), or set DOCKER_HOST to an engine that runs.",
        ) from exc


def _push_image(
    runtime: DockerRuntime,
    kind: ImageKind,
    reference: str,
    on_line: Callable[[str], None],
    on_layer: Callable[[LayerProgress], None] | None,
    aws_profile: str | None,
    create_repository: Callable[[str], bool] | None,
) -> PushResult:
    ref = parse_reference(reference)
    auth_config: dict[str, str] | None = None
    if ref.ecr is not None:
        on_line(f"Logging in to ECR ({ref.registry})")
        auth_config = ecr_login(ref, aws_profile)
        if ensure_ecr_repository(ref, aws_profile, create=create_repository):
            on_line(f"Created the ECR repository {ref.path}")
    built = ensure_image(runtime, kind, on_line)
    image = runtime.image(kind.local_tag(runtime))
    if image is None:
        raise PushFailed(f"The {kind.label} is not there after building", None)
    try:
        image.tag(ref.repository, ref.tag)
    except requests.exceptions.ConnectionError as exc:
        raise _unavailable(exc, _engine_address()) from exc
    on_line(f"Pushing {ref.text}")
    client = connect(runtime.settings.build_timeout)
    digest: str | None = None
    layers: set[str] = set()
    try:
        stream = client.api.push(
            ref.repository, tag=ref.tag, stream=True, decode=True, auth_config=auth_config
        )
        for chunk in stream:
            if "error" in chunk or "errorDetail" in chunk:
                detail = chunk.get("errorDetail") or {}
                raise _push_error(ref, str(detail.get("message") or chunk.get("error") or "unknown error"))
            aux = chunk.get("aux") or {}
            if aux.get("Digest"):
                digest = str(aux["Digest"])
                continue
            layer = chunk.get("id")
            status = str(chunk.get("status") or "")
            if layer and status and layer != ref.tag:
                layers.add(str(layer))
                progress = chunk.get("progressDetail") or {}
                event = LayerProgress(str(layer), status, progress.get("current"), progress.get("total"))
                if on_layer is not None:
                    on_layer(event)
            elif status:
                on_line(status)
        media_type = _manifest_type(client, ref, auth_config, on_line)
    except requests.exceptions.ConnectionError as exc:
        raise _unavailable(exc, _engine_address()) from exc
    except requests.exceptions.Timeout as exc:
        raise RuntimeFailure(
            f"The push printed nothing for {runtime.settings.build_timeout:g} s",
            "The registry or the network may be slow; try again.",
        ) from exc
    except DockerUnavailable:
        raise
    except Exception as exc:  # the SDK's APIError, imported lazily like the runtime does
        import docker.errors

        if isinstance(exc, docker.errors.APIError):
            raise _push_error(ref, str(exc.explanation or exc)) from exc
        raise
    finally:
        client.close()
    if kind.name == "lambda" and media_type in _INDEX_TYPES:
        raise PushFailed(
            f"{ref.text} was pushed as an image index ({media_type}), which Lambda does not accept",
            "The engine added attestations or platforms (the containerd image store does): build and push "
            "this image with `docker buildx build --provenance=false --platform linux/amd64 --push`, or turn "
            "the containerd image store off.",
        )
    on_line(f"Pushed {ref.text}" + (f" ({digest})" if digest else ""))
    return PushResult(ref.text, digest, built, len(layers), media_type)


_INDEX_TYPES = (
    "application/vnd.docker.distribution.manifest.list.v2+json",
    "application/vnd.oci.image.index.v1+json",
)


def _manifest_type(
    client: Any, ref: ImageRef, auth_config: dict[str, str] | None, on_line: Callable[[str], None]
) -> str | None:
    """What the registry now holds under the tag (a single image manifest, or an index), as it says."""
    import docker.errors

    try:
        answer = client.api.inspect_distribution(ref.text, auth_config=auth_config)
    except docker.errors.APIError as exc:
        on_line(f"Could not read back the manifest's type ({exc.explanation or exc})")
        return None
    media_type = (answer.get("Descriptor") or {}).get("mediaType")
    return str(media_type) if media_type else None


def _push_error(ref: ImageRef, message: str) -> PushFailed:
    text = message.lower()
    where = ref.registry
    if any(s in text for s in ("no such host", "lookup ", "server misbehaving", "dial tcp", "i/o timeout")):
        return PushFailed(
            f"Cannot reach the registry {where} ({message})",
            "Check the registry's host name (and port) in the reference, and that this machine can reach it.",
        )
    if any(s in text for s in ("name unknown", "name_unknown", "does not exist", "repository not found")):
        hint = (
            "Create the repository (logtui push --create-repository, or aws ecr create-repository)."
            if ref.ecr
            else f"Create the repository {ref.path!r} in the registry (or check its name), then push again."
        )
        return PushFailed(f"The repository {ref.path!r} does not exist in {where}", hint)
    if any(
        s in text
        for s in ("unauthorized", "authentication required", "no basic auth", "denied", "forbidden", "403")
    ):
        hint = (
            "The ECR login worked but the push was refused: the credentials need ecr:InitiateLayerUpload, "
            "ecr:UploadLayerPart, ecr:CompleteLayerUpload, ecr:PutImage and ecr:BatchCheckLayerAvailability."
            if ref.ecr
            else f"Log in first (docker login {where}): logtui uses the Docker CLI's saved credentials and "
            "credential helpers."
        )
        return PushFailed(f"The registry {where} refused the push ({message})", hint)
    return PushFailed(f"Pushing {ref.text} failed: {message}", None)
