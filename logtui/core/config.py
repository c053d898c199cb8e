"""The config file: saved targets, the local runtime's settings, paging and follow intervals, display zone and
JSON summaries.

TOML at `paths.config_file()`. A missing file means the defaults; a wrong one is a `ConfigValueError` naming
the file, the field and the problem. The documentation of every field lives once, in `_DOCS`, and is written
into the file by `render_config` — so `EXAMPLE_CONFIG`, the file logtui saves and the README's example never
drift apart.

Secrets never enter this file: a target names the *environment variable* holding its bearer token.
"""

from __future__ import annotations

import dataclasses
import difflib
import enum
import os
import re
import shutil
import tempfile
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal, cast
from urllib.parse import urlsplit

import tomli_w

from logtui.core import paths
from logtui.core.display_zone import DisplayZone, ZoneSettingError
from logtui.core.errors import ConfigError, ConfigValueError
from logtui.core.json_summary import DEFAULT_SUMMARY_KEYS
from logtui.core.runtime.base import DEFAULT_DEMO_RECORDS, DockerSettings, default_image

__all__ = [
    "EXAMPLE_CONFIG",
    "LOCAL_TARGET_NAME",
    "Config",
    "ConfigError",
    "ConfigValueError",
    "RuntimeChoice",
    "Target",
    "TargetKind",
    "add_target",
    "edit_target",
    "guess_kind",
    "load_config",
    "parse_config",
    "remove_target",
    "render_config",
    "save_config",
    "set_default_target",
    "target_from_form",
    "validate_config",
]

LOCAL_TARGET_NAME = "local"
RuntimeChoice = Literal["auto", "docker", "embedded"]
RUNTIME_CHOICES: tuple[str, ...] = ("auto", "docker", "embedded")
PAGE_SIZE_RANGE = (100, 10_000)
FOLLOW_INTERVAL_RANGE = (0.5, 3600.0)
DEMO_RECORDS_RANGE = (0, 10_000_000)
TIMEOUT_RANGE = (0.5, 600.0)
SUMMARY_KEYS_MAX = 32
AuthChoice = Literal["none", "aws_iam"]
AUTH_CHOICES: tuple[str, ...] = ("none", "aws_iam")
_AWS_REGION = re.compile(r"[a-z]{2,3}(-[a-z]+)+-\d{1,2}")
_AWS_PROFILE = re.compile(r"[\w.@+-]{1,64}")
_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_TARGET_NAME = re.compile(r"[\w.@+-][\w .@+-]{0,39}")


class TargetKind(enum.StrEnum):
    LOCAL = "local"  # on this machine (the managed runtime, or a service you started yourself)
    APPRUNNER = "apprunner"
    LAMBDA = "lambda"  # a Lambda function URL
    HTTP = "http"  # anything else that speaks the log-analyzer API

    @property
    def label(self) -> str:
        return {"local": "local", "apprunner": "App Runner", "lambda": "Lambda URL", "http": "HTTP"}[
            self.value
        ]


@dataclass(frozen=True)
class Target:
    """A log-analyzer logtui can talk to. Holds the *name* of the token's env var, never the token."""

    name: str
    url: str
    kind: TargetKind = TargetKind.HTTP
    token_env: str | None = None
    timeout: float = 10.0
    #: "aws_iam": sign every request with SigV4 (a Lambda function URL with auth type AWS_IAM).
    auth: AuthChoice = "none"
    aws_profile: str | None = None
    aws_region: str | None = None

    def token(self) -> str | None:
        """The bearer token, read from logtui's environment at each client creation (never stored)."""
        if not self.token_env:
            return None
        return os.environ.get(self.token_env) or None

    @property
    def is_local(self) -> bool:
        return self.name == LOCAL_TARGET_NAME


@dataclass(frozen=True)
class Config:
    targets: list[Target] = field(default_factory=list)
    default_target: str = LOCAL_TARGET_NAME
    runtime: RuntimeChoice = "auto"
    page_size: int = 1000
    follow_interval: float = 2.0
    demo_records: int = DEFAULT_DEMO_RECORDS
    display_tz: str = "UTC"
    json_summary_keys: tuple[str, ...] = DEFAULT_SUMMARY_KEYS
    docker: DockerSettings = field(default_factory=DockerSettings)

    @property
    def display_zone(self) -> DisplayZone:
        """The zone of display_tz (checked when the config is read and before it is saved)."""
        return DisplayZone.from_setting(self.display_tz)

    @property
    def local_target(self) -> Target:
        """The implicit target for the service logtui runs itself; its URL comes from the runtime."""
        return Target(LOCAL_TARGET_NAME, "", TargetKind.LOCAL, None, 10.0)

    @property
    def all_targets(self) -> list[Target]:
        return [self.local_target, *self.targets]

    def target_names(self) -> list[str]:
        return [t.name for t in self.all_targets]

    def get_target(self, name: str) -> Target:
        for t in self.all_targets:
            if t.name == name:
                return t
        raise ConfigValueError(
            "target", f"there is no target named {name!r} (known: {', '.join(self.target_names())})"
        )


# --- documentation, written into the file ------------------------------------------------------------------

_HEADER = """\
# logtui configuration.
#
# logtui reads this file at start and rewrites it when you add, edit or remove targets in the UI (your
# values are kept; comments are regenerated). A missing file means every default below. Times typed in
# the UI or with --start/--end accept ISO dates/times (read in the display zone, display_tz, unless an
# offset is given), a date alone, now, now-15m, -2h, 15m, today and yesterday.
"""

_DOCS: dict[str, str] = {
    "default_target": 'Target opened when logtui starts without --url/--profile. "local" is the service\n'
    "logtui runs for you (see runtime and [docker]); any other value is the name of a [[targets]] entry.",
    "runtime": 'How the local service runs: "auto" = in Docker when a Docker engine answers, else embedded\n'
    '(a child process of logtui); "docker" or "embedded" to force one.',
    "page_size": "Records per request, 100..10000. Lower it if a target answers 413 or 502 (Lambda's\n"
    "responses are limited to 6 MB).",
    "follow_interval": "Seconds between polls in follow (live tail) mode, 0.5..3600. While the target\n"
    "fails, the interval doubles up to 60 s and returns to this value after the next success.",
    "demo_records": "What a new local store starts with (a new Docker volume, or no embedded database\n"
    "yet): the course's 22-record sample plus this many generated demo records over the last 7 days, so\n"
    "the histogram, paging and search have something to show; 0 = the sample alone. 0..10000000.",
    "display_tz": 'Zone times are shown in, and typed times without an offset are read in: "UTC", "local"\n'
    '(this machine\'s zone) or an IANA name such as "Europe/Paris". The z key toggles between UTC and\n'
    "this zone (or local, when this is UTC). Requests and exports stay in the service's UTC.",
    "json_summary_keys": "A message that is a JSON object shows in the list as one line of key=value: these\n"
    "keys first, in this order, when present, then the others as they come. The detail view (Enter) shows\n"
    "the JSON pretty-printed, and wrapping (w) the raw text. [] = no preferred keys.",
    "docker": "The local service's container (runtime docker/auto).",
    "docker.host_port": "Host port to publish the service on; 0 = any free port (the address is shown in\n"
    "the status bar and the container screen).",
    "docker.bind": 'Host address the port is published on. Keep "127.0.0.1" (this machine only) unless\n'
    'you mean to expose your logs to the network ("0.0.0.0").',
    "docker.container_name": "Name of the container logtui creates and manages.",
    "docker.volume": "Docker volume holding the SQLite database; it survives removing the container.",
    "docker.image": 'Image tag to build and run; "" = log-analyzer:<logtui version>.',
    "docker.build_context": 'Directory with the Dockerfile; "" = the one shipped with logtui.',
    "docker.api_timeout": "Seconds to wait for one Docker API call.",
    "docker.build_timeout": "Seconds a build may stay silent before it is considered stuck.",
    "targets": "Remote (or other local) log-analyzers, one [[targets]] table each. Switch between them in\n"
    "the UI or open one with --profile NAME.",
    "targets.name": 'Unique name, shown in the status bar and used by --profile. "local" is reserved.',
    "targets.url": "Base URL of the service (without /logs), http:// or https://.",
    "targets.kind": '"local", "apprunner", "lambda" (a Lambda function URL) or "http"; only changes hints\n'
    "and labels. Guessed from the URL when left out.",
    "targets.token_env": "Name of the environment variable holding the bearer token (the service's\n"
    "LOG_ANALYZER_API_KEY). The token itself never goes in this file. Leave out for no token.",
    "targets.timeout": "Seconds to wait for the target to answer, 0.5..600.",
    "targets.auth": '"aws_iam" signs every request with AWS Signature Version 4 (a Lambda function URL\n'
    "whose auth type is AWS_IAM; needs pip install 'logtui[aws]'). Left out = \"none\" (or token_env).",
    "targets.aws_profile": 'With auth = "aws_iam": the AWS profile whose credentials sign (from\n'
    "~/.aws/config and ~/.aws/credentials); left out = the default chain (AWS_* variables, AWS_PROFILE...).",
    "targets.aws_region": 'With auth = "aws_iam": the region to sign for; left out = the one in the\n'
    "function URL (…lambda-url.<region>.on.aws), else the profile's.",
}

_TOP_KEYS = (
    "default_target",
    "runtime",
    "page_size",
    "follow_interval",
    "demo_records",
    "display_tz",
    "json_summary_keys",
)
_DOCKER_KEYS = (
    "host_port",
    "bind",
    "container_name",
    "volume",
    "image",
    "build_context",
    "api_timeout",
    "build_timeout",
)
_TARGET_KEYS = ("name", "url", "kind", "token_env", "timeout", "auth", "aws_profile", "aws_region")


def _comment(text: str) -> str:
    return "".join(f"# {line}\n" if line else "#\n" for line in text.splitlines())


def _kv(key: str, value: object) -> str:
    return tomli_w.dumps({key: value})


def render_config(config: Config) -> str:
    """The config as TOML with every field documented (what `save_config` writes)."""
    out = [_HEADER, "\n"]
    top: dict[str, object] = {
        "default_target": config.default_target,
        "runtime": config.runtime,
        "page_size": config.page_size,
        "follow_interval": float(config.follow_interval),
        "demo_records": config.demo_records,
        "display_tz": config.display_tz,
        "json_summary_keys": list(config.json_summary_keys),
    }
    for key in _TOP_KEYS:
        out += [_comment(_DOCS[key]), _kv(key, top[key]), "\n"]
    d = config.docker
    docker_values: dict[str, object] = {
        "host_port": d.host_port or 0,
        "bind": d.bind,
        "container_name": d.container_name,
        "volume": d.volume,
        "image": "" if d.image == default_image() else d.image,
        "build_context": str(d.build_context) if d.build_context else "",
        "api_timeout": float(d.api_timeout),
        "build_timeout": float(d.build_timeout),
    }
    out += [_comment(_DOCS["docker"]), "[docker]\n"]
    for key in _DOCKER_KEYS:
        out += [_comment(_DOCS[f"docker.{key}"]), _kv(key, docker_values[key])]
    out += ["\n", _comment(_DOCS["targets"]), "#\n"]
    out += [_comment(f"{key}: {_DOCS[f'targets.{key}']}") for key in _TARGET_KEYS]
    if not config.targets:
        out.append(
            _comment(
                "\nFor example:\n"
                + _render_target(
                    Target(
                        "prod",
                        "https://abc123.eu-west-1.awsapprunner.com",
                        TargetKind.APPRUNNER,
                        "LOGTUI_PROD_TOKEN",
                        15.0,
                    )
                )
            )
        )
    for t in config.targets:
        out += ["\n", _render_target(t)]
    return "".join(out)


def _render_target(t: Target) -> str:
    values: dict[str, object] = {"name": t.name, "url": t.url, "kind": t.kind.value}
    if t.token_env:
        values["token_env"] = t.token_env
    values["timeout"] = float(t.timeout)
    if t.auth != "none":
        values["auth"] = t.auth
    if t.aws_profile:
        values["aws_profile"] = t.aws_profile
    if t.aws_region:
        values["aws_region"] = t.aws_region
    return "[[targets]]\n" + "".join(_kv(k, v) for k, v in values.items())


# --- reading and validating ---------------------------------------------------------------------------------


class _Reader:
    """Checks one table's values, naming the file and the field in every error."""

    def __init__(self, source: object, table: Mapping[str, Any], prefix: str) -> None:
        self.source = source
        self.table = table
        self.prefix = prefix

    def error(self, key: str, problem: str, hint: str | None = None) -> ConfigValueError:
        return ConfigValueError(f"{self.prefix}{key}", problem, path=self.source, hint=hint)

    def reject_unknown(self, known: tuple[str, ...]) -> None:
        for key in self.table:
            if key not in known:
                close = difflib.get_close_matches(key, known, n=1)
                suggestion = f"did you mean {close[0]!r}? " if close else ""
                raise self.error(key, f"unknown field ({suggestion}known: {', '.join(known)})")

    def string(self, key: str, default: str | None = None) -> str | None:
        value = self.table.get(key, default)
        if value is not None and not isinstance(value, str):
            raise self.error(key, f"must be a string in quotes, not {_toml_type(value)} {value!r}")
        return value

    def number(self, key: str, default: float, lo: float, hi: float) -> float:
        value = self.table.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.error(key, f"must be a number, not {_toml_type(value)} {value!r}")
        if not lo <= value <= hi:
            raise self.error(key, f"must be between {lo:g} and {hi:g} (got {value:g})")
        return float(value)

    def string_list(self, key: str, default: tuple[str, ...], most: int) -> tuple[str, ...]:
        value = self.table.get(key, list(default))
        if not isinstance(value, list):
            raise self.error(
                key, f'must be an array of strings such as ["event", "level"], not {_toml_type(value)}'
            )
        if len(value) > most:
            raise self.error(key, f"may hold at most {most} entries (got {len(value)})")
        for i, item in enumerate(value, start=1):
            if not isinstance(item, str):
                raise self.error(
                    key, f"entry #{i} must be a string in quotes, not {_toml_type(item)} {item!r}"
                )
            if not item:
                raise self.error(key, f"entry #{i} is empty")
        return tuple(value)

    def integer(self, key: str, default: int, lo: int, hi: int) -> int:
        value = self.table.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.error(key, f"must be a whole number, not {_toml_type(value)} {value!r}")
        if not lo <= value <= hi:
            raise self.error(key, f"must be between {lo} and {hi} (got {value})")
        return value


def _toml_type(value: object) -> str:
    return {
        bool: "a boolean",
        int: "an integer",
        float: "a number",
        str: "a string",
        list: "an array",
        dict: "a table",
    }.get(type(value), type(value).__name__)


def parse_config(text: str, *, source: object = "<config>") -> Config:
    """Parse and validate config TOML. `source` (usually the file's path) is named in every error."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(
            f"{source} is not valid TOML: {exc}",
            "Fix the line it names, or move the file away to start from the defaults.",
        ) from None
    top = _Reader(source, data, "")
    top.reject_unknown((*_TOP_KEYS, "docker", "targets"))

    runtime = top.string("runtime", "auto")
    if runtime not in RUNTIME_CHOICES:
        raise top.error(
            "runtime", f"must be one of {', '.join(map(repr, RUNTIME_CHOICES))} (got {runtime!r})"
        )
    page_size = top.integer("page_size", 1000, *PAGE_SIZE_RANGE)
    follow_interval = top.number("follow_interval", 2.0, *FOLLOW_INTERVAL_RANGE)
    demo_records = top.integer("demo_records", DEFAULT_DEMO_RECORDS, *DEMO_RECORDS_RANGE)
    display_tz = top.string("display_tz", "UTC") or ""
    try:
        display_tz = DisplayZone.from_setting(display_tz).name
    except ZoneSettingError as exc:
        raise top.error("display_tz", str(exc)) from None
    json_summary_keys = top.string_list("json_summary_keys", DEFAULT_SUMMARY_KEYS, SUMMARY_KEYS_MAX)
    docker = _parse_docker(source, data.get("docker", {}))

    raw_targets = data.get("targets", [])
    if not isinstance(raw_targets, list):
        raise top.error("targets", "must be written as [[targets]] tables")
    targets: list[Target] = []
    for i, raw in enumerate(raw_targets, start=1):
        if not isinstance(raw, dict):
            raise top.error("targets", f"entry #{i} must be a [[targets]] table")
        name = raw.get("name")
        label = repr(name) if isinstance(name, str) and name.strip() else f"#{i}"
        reader = _Reader(source, raw, f"[[targets]] {label}.")
        targets.append(_parse_target(reader))
    config = Config(
        targets=targets,
        default_target=top.string("default_target", LOCAL_TARGET_NAME) or LOCAL_TARGET_NAME,
        runtime=cast(RuntimeChoice, runtime),
        page_size=page_size,
        follow_interval=follow_interval,
        demo_records=demo_records,
        display_tz=display_tz,
        json_summary_keys=json_summary_keys,
        docker=docker,
    )
    validate_config(config, source=source)
    return config


def _parse_docker(source: object, raw: object) -> DockerSettings:
    if not isinstance(raw, dict):
        raise ConfigValueError("docker", "must be a [docker] table", path=source)
    r = _Reader(source, raw, "docker.")
    r.reject_unknown(_DOCKER_KEYS)
    defaults = DockerSettings()
    host_port = r.integer("host_port", 0, 0, 65535)
    bind = r.string("bind", defaults.bind) or ""
    if not bind.strip():
        raise r.error("bind", 'must be a host address such as "127.0.0.1"')
    names: dict[str, str] = {}
    for key in ("container_name", "volume"):
        value = r.string(key, getattr(defaults, key)) or ""
        if not re.fullmatch(r"[a-zA-Z0-9][a-zA-Z0-9_.-]*", value):
            raise r.error(key, f"{value!r} is not a valid Docker name (letters, digits, _ . -)")
        names[key] = value
    build_context = r.string("build_context", "") or ""
    return DockerSettings(
        host_port=host_port or None,
        bind=bind.strip(),
        container_name=names["container_name"],
        volume=names["volume"],
        image=(r.string("image", "") or "").strip(),
        build_context=Path(build_context).expanduser() if build_context else None,
        api_timeout=r.number("api_timeout", defaults.api_timeout, 1.0, 3600.0),
        build_timeout=r.number("build_timeout", defaults.build_timeout, 10.0, 24 * 3600.0),
    )


def _parse_target(r: _Reader) -> Target:
    r.reject_unknown(_TARGET_KEYS)
    name = r.string("name")
    url = r.string("url")
    if name is None:
        raise r.error("name", "is missing")
    if url is None:
        raise r.error(
            "url", "is missing", hint="Give the service's base URL, e.g. https://xyz.awsapprunner.com"
        )
    kind_text = r.string("kind")
    token_env = r.string("token_env")
    timeout = r.number("timeout", 10.0, *TIMEOUT_RANGE)
    return _checked_target(
        name,
        url,
        kind_text,
        token_env or None,
        timeout,
        error=lambda key, problem: r.error(key, problem),
        auth=r.string("auth") or "none",
        aws_profile=r.string("aws_profile"),
        aws_region=r.string("aws_region"),
    )


def _checked_target(
    name: str,
    url: str,
    kind_text: str | None,
    token_env: str | None,
    timeout: float,
    *,
    error: Any,
    auth: str = "none",
    aws_profile: str | None = None,
    aws_region: str | None = None,
) -> Target:
    name = name.strip()
    if not name:
        raise error("name", "must not be empty")
    if name == LOCAL_TARGET_NAME:
        raise error("name", f"{LOCAL_TARGET_NAME!r} is reserved for the service logtui runs itself")
    if not _TARGET_NAME.fullmatch(name):
        raise error("name", "use up to 40 letters, digits, spaces and _ . @ + - (not starting with a space)")
    url = url.strip().rstrip("/")
    problem = _url_problem(url)
    if problem:
        raise error("url", problem)
    if kind_text is None or not kind_text.strip():
        kind = guess_kind(url)
    else:
        try:
            kind = TargetKind(kind_text.strip().lower())
        except ValueError:
            choices = ", ".join(repr(k.value) for k in TargetKind)
            raise error("kind", f"must be one of {choices} (got {kind_text!r})") from None
    if token_env is not None:
        token_env = token_env.strip() or None
    if token_env is not None and not _ENV_NAME.fullmatch(token_env):
        # The value is not repeated: the usual cause is the token itself pasted here, and errors reach the
        # screen (and screenshots).
        raise error(
            "token_env",
            "is not an environment variable name (letters, digits, _): it names the variable that holds "
            "the token, it is not the token — if you pasted the token, remove it",
        )
    if not TIMEOUT_RANGE[0] <= timeout <= TIMEOUT_RANGE[1]:
        raise error("timeout", f"must be between {TIMEOUT_RANGE[0]:g} and {TIMEOUT_RANGE[1]:g} seconds")
    signing = _checked_signing(auth, aws_profile, aws_region, token_env, error=error)
    return Target(name, url, kind, token_env, float(timeout), *signing)


def _checked_signing(
    auth: str, aws_profile: str | None, aws_region: str | None, token_env: str | None, *, error: Any
) -> tuple[AuthChoice, str | None, str | None]:
    auth = (auth or "none").strip().lower()
    if auth not in AUTH_CHOICES:
        raise error("auth", f"must be one of {', '.join(map(repr, AUTH_CHOICES))} (got {auth!r})")
    profile = (aws_profile or "").strip() or None
    region = (aws_region or "").strip().lower() or None
    if auth != "aws_iam" and (profile or region):
        key = "aws_profile" if profile else "aws_region"
        raise error(key, 'only applies with auth = "aws_iam" (set auth, or leave this out)')
    if auth == "aws_iam" and token_env:
        raise error(
            "token_env",
            'cannot go with auth = "aws_iam": both use the Authorization header (a function URL with '
            "AWS_IAM checks the caller itself; leave token_env out)",
        )
    if profile is not None and not _AWS_PROFILE.fullmatch(profile):
        raise error("aws_profile", "is not a profile name (letters, digits and _ . @ + -)")
    if region is not None and not _AWS_REGION.fullmatch(region):
        raise error("aws_region", f"{region!r} is not an AWS region (e.g. eu-west-1, us-east-1)")
    return cast(AuthChoice, auth), profile, region


def _url_problem(url: str) -> str | None:
    if not url:
        return "must not be empty"
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError as exc:
        return f"{url!r} is not a URL ({exc})"
    if parts.scheme not in ("http", "https"):
        return f"{url!r} must start with http:// or https://"
    if not parts.hostname:
        return f"{url!r} has no host name"
    if parts.query or parts.fragment:
        return f"{url!r} must not have a ?query or #fragment"
    if parts.username or parts.password:
        return "must not contain a user or password (put the token in the variable named by token_env)"
    if parts.path.rstrip("/").endswith("/logs"):
        return f"{url!r} ends in /logs: give the service's base URL, without /logs"
    return None


def guess_kind(url: str) -> TargetKind:
    host = (urlsplit(url).hostname or "").lower()
    if host.endswith(".awsapprunner.com"):
        return TargetKind.APPRUNNER
    if ".lambda-url." in host and host.endswith(".on.aws"):
        return TargetKind.LAMBDA
    if host in ("localhost", "127.0.0.1", "::1") or host.endswith(".localhost"):
        return TargetKind.LOCAL
    return TargetKind.HTTP


def validate_config(config: Config, *, source: object = None) -> None:
    """Cross-field checks (also run before saving, so a bad config never reaches the disk)."""
    seen: set[str] = set()
    for t in config.targets:
        _checked_target(
            t.name,
            t.url,
            t.kind.value,
            t.token_env,
            t.timeout,
            error=lambda key, problem, t=t: ConfigValueError(
                f"[[targets]] {t.name!r}.{key}", problem, path=source
            ),
            auth=t.auth,
            aws_profile=t.aws_profile,
            aws_region=t.aws_region,
        )
        if t.name in seen:
            raise ConfigValueError(
                f"[[targets]] {t.name!r}.name", "is used by two targets; names must be unique", path=source
            )
        seen.add(t.name)
    if config.default_target not in (LOCAL_TARGET_NAME, *seen):
        raise ConfigValueError(
            "default_target",
            f"{config.default_target!r} is not a target (known: {', '.join([LOCAL_TARGET_NAME, *seen])})",
            path=source,
        )
    if config.runtime not in RUNTIME_CHOICES:
        raise ConfigValueError("runtime", f"must be one of {', '.join(RUNTIME_CHOICES)}", path=source)
    if not PAGE_SIZE_RANGE[0] <= config.page_size <= PAGE_SIZE_RANGE[1]:
        raise ConfigValueError(
            "page_size", f"must be between {PAGE_SIZE_RANGE[0]} and {PAGE_SIZE_RANGE[1]}", path=source
        )
    if not FOLLOW_INTERVAL_RANGE[0] <= config.follow_interval <= FOLLOW_INTERVAL_RANGE[1]:
        raise ConfigValueError("follow_interval", "must be between 0.5 and 3600 seconds", path=source)
    if not DEMO_RECORDS_RANGE[0] <= config.demo_records <= DEMO_RECORDS_RANGE[1]:
        raise ConfigValueError("demo_records", f"must be between 0 and {DEMO_RECORDS_RANGE[1]}", path=source)
    try:
        DisplayZone.from_setting(config.display_tz)
    except ZoneSettingError as exc:
        raise ConfigValueError("display_tz", str(exc), path=source) from None
    if len(config.json_summary_keys) > SUMMARY_KEYS_MAX or not all(config.json_summary_keys):
        raise ConfigValueError(
            "json_summary_keys", f"must be at most {SUMMARY_KEYS_MAX} non-empty strings", path=source
        )


def load_config(path: Path | None = None) -> Config:
    """Read the config (default: `paths.config_file()`); a missing file gives the defaults."""
    path = path or paths.config_file()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return Config()
    except UnicodeDecodeError:
        raise ConfigError(f"{path} is not UTF-8 text", "Save it as UTF-8, or move it away.") from None
    except IsADirectoryError:
        raise ConfigError(
            f"{path} is a directory, not a config file",
            f"Give the file itself, e.g. {path / 'config.toml'}.",
        ) from None
    except OSError as exc:
        raise ConfigError(
            f"Cannot read {path}: {exc.strerror or exc}", "Check the file's permissions."
        ) from None
    return parse_config(text, source=path)


def save_config(config: Config, path: Path | None = None) -> Path:
    """Validate and write atomically (temp file + rename): a crash mid-write leaves the old file whole.

    If the file on disk does not load (the app then runs on defaults), it is first copied to
    `config.toml.broken-<time>`, so saving from the UI never silently drops the user's hand-written targets.
    """
    path = path or paths.config_file()
    validate_config(config, source=path)
    text = render_config(config)
    tmp_name: str | None = None
    try:
        paths.ensure_dir(path.parent)
        _keep_broken_file(path)
        fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp_name, path)
        tmp_name = None
    except OSError as exc:
        raise ConfigError(
            f"Cannot write {path}: {exc.strerror or exc}", "Check the directory's permissions."
        ) from None
    finally:
        if tmp_name is not None:
            Path(tmp_name).unlink(missing_ok=True)
    return path


def _keep_broken_file(path: Path) -> Path | None:
    if not path.is_file():
        return None
    try:
        load_config(path)
        return None
    except ConfigError:
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
        backup = path.with_name(f"{path.name}.broken-{stamp}")
        shutil.copy2(path, backup)
        return backup


# --- editing (pure: each returns a new Config, validated) --------------------------------------------------


def _form_error(key: str, problem: str) -> ConfigValueError:
    return ConfigValueError(key, problem)


def target_from_form(
    name: str,
    url: str,
    kind: str = "",
    token_env: str = "",
    timeout: str = "10",
    auth: str = "none",
    aws_profile: str = "",
    aws_region: str = "",
) -> Target:
    """A Target from what the user typed in the UI's form; errors carry `field` for the input to mark."""
    try:
        seconds = float(timeout.strip() or "10")
    except ValueError:
        raise ConfigValueError("timeout", f"{timeout!r} is not a number of seconds") from None
    return _checked_target(
        name,
        url,
        kind or None,
        token_env or None,
        seconds,
        error=_form_error,
        auth=auth,
        aws_profile=aws_profile,
        aws_region=aws_region,
    )


def _rechecked(target: Target) -> Target:
    return _checked_target(
        target.name,
        target.url,
        target.kind.value,
        target.token_env,
        target.timeout,
        error=_form_error,
        auth=target.auth,
        aws_profile=target.aws_profile,
        aws_region=target.aws_region,
    )


def add_target(config: Config, target: Target) -> Config:
    target = _rechecked(target)
    if target.name in config.target_names():
        raise ConfigValueError("name", f"a target named {target.name!r} exists already")
    return dataclasses.replace(config, targets=[*config.targets, target])


def edit_target(config: Config, name: str, target: Target) -> Config:
    """Replace target `name` by `target` (which may rename it; the default follows a rename)."""
    if name not in [t.name for t in config.targets]:
        raise ConfigValueError("name", f"there is no saved target named {name!r}")
    target = _rechecked(target)
    if target.name != name and target.name in config.target_names():
        raise ConfigValueError("name", f"a target named {target.name!r} exists already")
    targets = [target if t.name == name else t for t in config.targets]
    default = target.name if config.default_target == name else config.default_target
    return dataclasses.replace(config, targets=targets, default_target=default)


def remove_target(config: Config, name: str) -> Config:
    """Drop target `name`; if it was the default, "local" becomes the default."""
    if name == LOCAL_TARGET_NAME:
        raise ConfigValueError("name", "the local target cannot be removed")
    if name not in [t.name for t in config.targets]:
        raise ConfigValueError("name", f"there is no saved target named {name!r}")
    default = LOCAL_TARGET_NAME if config.default_target == name else config.default_target
    return dataclasses.replace(
        config, targets=[t for t in config.targets if t.name != name], default_target=default
    )


def set_default_target(config: Config, name: str) -> Config:
    config.get_target(name)  # raises for an unknown name
    return dataclasses.replace(config, default_target=name)


def _example() -> Config:
    return Config(
        targets=[
            Target(
                "prod",
                "https://abc123.eu-west-1.awsapprunner.com",
                TargetKind.APPRUNNER,
                "LOGTUI_PROD_TOKEN",
                15.0,
            ),
            Target(
                "lambda",
                "https://xyz.lambda-url.eu-west-1.on.aws",
                TargetKind.LAMBDA,
                None,
                30.0,
                auth="aws_iam",
                aws_profile="course",
            ),
        ],
        page_size=1000,
    )


#: A complete, documented config with two example targets (the README shows it; `parse_config` accepts it).
EXAMPLE_CONFIG: str = render_config(_example())
