"""The config file: saved targets, the local runtime's settings, paging and follow intervals, display zone and
JSON summaries.

TOML at `paths.config_file()`. A missing file means the defaults; a wrong one is a `ConfigValueError` naming
the file, the field and the problem. Every field is declared once, on the dataclass that holds it (`Config`,
`Target`, and `DockerSettings` for [docker]) with its default, range and documentation (`config_schema`); the
reader checks against that declaration and `render_config` writes its documentation into the file — so
`EXAMPLE_CONFIG`, the file logtui saves and the README's example never drift apart.

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
from typing import Annotated, Any, Literal, cast, get_args
from urllib.parse import urlsplit

import tomli_w

from logtui.core import paths
from logtui.core.config_schema import (
    REQUIRED,
    FieldSpec,
    InFile,
    field_of,
    file_value,
    problem_with,
    read_value,
    scalar_fields,
    setting,
    table_fields,
    toml_type,
)
from logtui.core.display_zone import DisplayZone, ZoneSettingError
from logtui.core.errors import ConfigError, ConfigValueError
from logtui.core.json_summary import DEFAULT_SUMMARY_KEYS
from logtui.core.runtime.base import DEFAULT_DEMO_RECORDS, DockerSettings, RuntimeChoice

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
AuthChoice = Literal["none", "aws_iam"]
AUTH_CHOICES: tuple[str, ...] = get_args(AuthChoice)
_AWS_REGION = re.compile(r"[a-z]{2,3}(-[a-z]+)+-\d{1,2}")
_AWS_PROFILE = re.compile(r"[\w.@+-]{1,64}")
SUMMARY_KEYS_MAX = 32
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

    name: Annotated[
        str, setting('Unique name, shown in the status bar and used by --profile. "local" is reserved.')
    ]
    url: Annotated[str, setting("Base URL of the service (without /logs), http:// or https://.")]
    kind: Annotated[
        TargetKind,
        setting(
            '"local", "apprunner", "lambda" (a Lambda function URL) or "http"; only changes hints\n'
            "and labels. Guessed from the URL when left out."
        ),
    ] = TargetKind.HTTP
    token_env: Annotated[
        str | None,
        setting(
            "Name of the environment variable holding the bearer token (the service's\n"
            "LOG_ANALYZER_API_KEY). The token itself never goes in this file. Leave out for no token."
        ),
    ] = None
    timeout: Annotated[
        float, setting("Seconds to wait for the target to answer, 0.5..600.", ge=0.5, le=600)
    ] = 10.0
    #: "aws_iam": sign every request with SigV4 (a Lambda function URL with auth type AWS_IAM).
    auth: Annotated[
        AuthChoice,
        setting(
            '"aws_iam" signs every request with AWS Signature Version 4 (a Lambda function URL\n'
            "whose auth type is AWS_IAM; needs pip install 'logtui[aws]'). "
            'Left out = "none" (or token_env).',
            in_file=InFile(omit_default=True, as_written=True),
        ),
    ] = "none"
    aws_profile: Annotated[
        str | None,
        setting(
            'With auth = "aws_iam": the AWS profile whose credentials sign (from\n'
            "~/.aws/config and ~/.aws/credentials); left out = the default chain (AWS_* variables, "
            "AWS_PROFILE...)."
        ),
    ] = None
    aws_region: Annotated[
        str | None,
        setting(
            'With auth = "aws_iam": the region to sign for; left out = the one in the\n'
            "function URL (…lambda-url.<region>.on.aws), else the profile's."
        ),
    ] = None

    def token(self) -> str | None:
        """The bearer token, read from logtui's environment at each client creation (never stored)."""
        if not self.token_env:
            return None
        return os.environ.get(self.token_env) or None

    @property
    def is_local(self) -> bool:
        return self.name == LOCAL_TARGET_NAME


def _zone_problem(value: str) -> str | None:
    try:
        DisplayZone.from_setting(value)
    except ZoneSettingError as exc:
        return str(exc)
    return None


def _zone_name(value: str) -> str:
    return DisplayZone.from_setting(value).name


def _summary_keys_problem(value: object) -> str | None:
    if not isinstance(value, list | tuple):
        return f'must be an array of strings such as ["event", "level"], not {toml_type(value)}'
    if len(value) > SUMMARY_KEYS_MAX:
        return f"may hold at most {SUMMARY_KEYS_MAX} entries (got {len(value)})"
    for i, item in enumerate(value, start=1):
        if not isinstance(item, str):
            return f"entry #{i} must be a string in quotes, not {toml_type(item)} {item!r}"
        if not item:
            return f"entry #{i} is empty"
    return None


@dataclass(frozen=True)
class Config:
    targets: Annotated[
        list[Target],
        setting(
            "Remote (or other local) log-analyzers, one [[targets]] table each. Switch between them in\n"
            "the UI or open one with --profile NAME."
        ),
    ] = field(default_factory=list)
    default_target: Annotated[
        str,
        setting(
            'Target opened when logtui starts without --url/--profile. "local" is the service\n'
            "logtui runs for you (see runtime and [docker]); any other value is the name of a "
            "[[targets]] entry.",
            in_file=InFile(blank=""),
        ),
    ] = LOCAL_TARGET_NAME
    runtime: Annotated[
        RuntimeChoice,
        setting(
            'How the local service runs: "auto" = in Docker when a Docker engine answers, else embedded\n'
            '(a child process of logtui); "docker" or "embedded" to force one.'
        ),
    ] = "auto"
    page_size: Annotated[
        int,
        setting(
            "Records per request, 100..10000. Lower it if a target answers 413 or 502 (Lambda's\n"
            "responses are limited to 6 MB).",
            ge=100,
            le=10_000,
        ),
    ] = 1000
    follow_interval: Annotated[
        float,
        setting(
            "Seconds between polls in follow (live tail) mode, 0.5..3600. While the target\n"
            "fails, the interval doubles up to 60 s and returns to this value after the next success.",
            ge=0.5,
            le=3600,
        ),
    ] = 2.0
    demo_records: Annotated[
        int,
        setting(
            "What a new local store starts with (a new Docker volume, or no embedded database\n"
            "yet): the course's 22-record sample plus this many generated demo records over the last "
            "7 days, so\n"
            "the histogram, paging and search have something to show; 0 = the sample alone. 0..10000000.",
            ge=0,
            le=10_000_000,
        ),
    ] = DEFAULT_DEMO_RECORDS
    display_tz: Annotated[
        str,
        setting(
            'Zone times are shown in, and typed times without an offset are read in: "UTC", "local"\n'
            '(this machine\'s zone) or an IANA name such as "Europe/Paris". The z key toggles between UTC '
            "and\nthis zone (or local, when this is UTC). Requests and exports stay in the service's UTC.",
            in_file=InFile(read=_zone_name, check=_zone_problem),
        ),
    ] = "UTC"
    json_summary_keys: Annotated[
        tuple[str, ...],
        setting(
            "A message that is a JSON object shows in the list as one line of key=value: these\n"
            "keys first, in this order, when present, then the others as they come. The detail view (Enter) "
            "shows\nthe JSON pretty-printed, and wrapping (w) the raw text. [] = no preferred keys.",
            in_file=InFile(read=tuple, check=_summary_keys_problem),
        ),
    ] = DEFAULT_SUMMARY_KEYS
    docker: Annotated[DockerSettings, setting("The local service's container (runtime docker/auto).")] = (
        field(default_factory=DockerSettings)
    )

    @property
    def display_zone(self) -> DisplayZone:
        """The zone of display_tz (checked when the config is read and before it is saved)."""
        return DisplayZone.from_setting(self.display_tz)

    @property
    def local_target(self) -> Target:
        """The implicit target for the service logtui runs itself; its URL comes from the runtime, its key
        (when [docker] token_env names one) from the same variable the container is given."""
        return Target(LOCAL_TARGET_NAME, "", TargetKind.LOCAL, self.docker.token_env, 10.0)

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


def _comment(text: str) -> str:
    return "".join(f"# {line}\n" if line else "#\n" for line in text.splitlines())


def _kv(key: str, value: object) -> str:
    return tomli_w.dumps({key: value})


def _render_table(cls: type, values: object, *, documented: bool = True, gap: str = "") -> str:
    """One table's keys (the scalar fields of `cls`, in declaration order), each under its documentation."""
    out = []
    for spec in scalar_fields(cls):
        value = file_value(spec, getattr(values, spec.name))
        if value is None:
            continue
        out += [_comment(spec.doc) if documented else "", _kv(spec.name, value), gap]
    return "".join(out)


def render_config(config: Config) -> str:
    """The config as TOML with every field documented (what `save_config` writes)."""
    docs = {spec.name: spec.doc for spec in table_fields(Config)}
    out = [_HEADER, "\n", _render_table(Config, config, gap="\n")]
    out += [_comment(docs["docker"]), "[docker]\n", _render_table(DockerSettings, config.docker)]
    out += ["\n", _comment(docs["targets"]), "#\n"]
    out += [_comment(f"{spec.name}: {spec.doc}") for spec in scalar_fields(Target)]
    if not config.targets:
        out.append(_comment("\nFor example:\n" + _render_target(_EXAMPLE_TARGETS[0])))
    for t in config.targets:
        out += ["\n", _render_target(t)]
    return "".join(out)


def _render_target(t: Target) -> str:
    return "[[targets]]\n" + _render_table(Target, t, documented=False)


# --- reading and validating ---------------------------------------------------------------------------------


class _Reader:
    """Reads one table of the file against the fields declared on its dataclass, naming the file and the
    field in every error."""

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

    def values(self, cls: type) -> dict[str, Any]:
        """Every scalar field of `cls`: the file's value, checked, or its default (REQUIRED if none)."""
        return {spec.name: read_value(spec, self.table, self.error) for spec in scalar_fields(cls)}


def _names(specs: list[FieldSpec]) -> tuple[str, ...]:
    return tuple(spec.name for spec in specs)


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
    top.reject_unknown(_names(scalar_fields(Config)) + tuple(sorted(_names(table_fields(Config)))))
    values = top.values(Config)
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
    config = Config(targets=targets, docker=docker, **values)
    validate_config(config, source=source)
    return config


def _parse_docker(source: object, raw: object) -> DockerSettings:
    if not isinstance(raw, dict):
        raise ConfigValueError("docker", "must be a [docker] table", path=source)
    r = _Reader(source, raw, "docker.")
    r.reject_unknown(_names(scalar_fields(DockerSettings)))
    return DockerSettings(**r.values(DockerSettings))


def _parse_target(r: _Reader) -> Target:
    r.reject_unknown(_names(scalar_fields(Target)))
    values = r.values(Target)
    if values["name"] is REQUIRED:
        raise r.error("name", "is missing")
    if values["url"] is REQUIRED:
        raise r.error(
            "url", "is missing", hint="Give the service's base URL, e.g. https://xyz.awsapprunner.com"
        )
    kind = r.table.get("kind")  # the text as written: _checked_target accepts any case, or guesses
    return _checked_target(
        values["name"],
        values["url"],
        kind,
        values["token_env"] or None,
        values["timeout"],
        error=lambda key, problem: r.error(key, problem),
        auth=values["auth"],
        aws_profile=values["aws_profile"],
        aws_region=values["aws_region"],
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
    allowed = field_of(Target, "timeout")
    if allowed.ge is not None and allowed.le is not None and not allowed.ge <= timeout <= allowed.le:
        raise error("timeout", f"must be between {allowed.ge:g} and {allowed.le:g} seconds")
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
    # The values a file could not have held (a Config built in code): checked as the reader checks a file's.
    for spec in scalar_fields(Config):
        problem = problem_with(spec, file_value(spec, getattr(config, spec.name)))
        if problem is not None:
            raise ConfigValueError(spec.name, problem, path=source)


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


_EXAMPLE_TARGETS = (
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
)

#: A complete, documented config with two example targets (the README shows it; `parse_config` accepts it).
EXAMPLE_CONFIG: str = render_config(Config(targets=list(_EXAMPLE_TARGETS)))
