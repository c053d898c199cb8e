"""Typed errors of the core. Each says what went wrong (`title`) and what the user can do next (`hint`).

The UI shows `title` and `hint` and never a traceback, so every failure the core can meet must end up as one
of these.
"""

from __future__ import annotations


class LogtuiError(Exception):
    """Base of every error the UI knows how to show."""

    def __init__(self, title: str, hint: str | None = None) -> None:
        super().__init__(title if hint is None else f"{title} — {hint}")
        self.title = title
        self.hint = hint


# --- talking to a log-analyzer over HTTP -------------------------------------------------------------------


class ApiError(LogtuiError):
    """A request to a log-analyzer failed."""


class ConnectFailed(ApiError):
    """DNS failure or refused connection."""


class RequestTimedOut(ApiError):
    pass


class TLSFailed(ApiError):
    pass


class Unauthorized(ApiError):
    """401 or 403."""


class TooLarge(ApiError):
    """413 or 502: the response or request was too big for the target (Lambda's 6 MB limit, a proxy's)."""


class BadResponse(ApiError):
    """The target answered with something that is not the log-analyzer's JSON (an HTML page, broken JSON)."""


class Rejected(ApiError):
    """The service refused the request (4xx) and said why."""

    def __init__(self, title: str, hint: str | None = None, *, status: int = 400) -> None:
        super().__init__(title, hint)
        self.status = status


class ServerFailed(ApiError):
    """5xx."""


class NotSupported(ApiError):
    """The target lacks an endpoint (the course's original service has only GET /logs)."""


# --- running the local service -----------------------------------------------------------------------------


class RuntimeFailure(LogtuiError):
    """Starting, stopping or inspecting the local log-analyzer failed."""


class DockerUnavailable(RuntimeFailure):
    pass


class PortInUse(RuntimeFailure):
    def __init__(self, port: int, hint: str | None = None) -> None:
        super().__init__(
            f"Port {port} on the host is already in use",
            hint
            or f"Stop whatever listens on {port}, or set [docker] host_port to another port (0 = any free).",
        )
        self.port = port


class NameTaken(RuntimeFailure):
    def __init__(self, name: str) -> None:
        super().__init__(
            f"A container named {name!r} exists and was not created by logtui",
            f"logtui will not touch it. Rename or remove it yourself (docker rm {name}), "
            "or set [docker] container_name to another name.",
        )
        self.name = name


class DockerfileMissing(RuntimeFailure):
    pass


class BuildFailed(RuntimeFailure):
    def __init__(self, step: str, output: str) -> None:
        super().__init__(
            f"Image build failed at: {step}", "Read the build output above the error and fix that step."
        )
        self.step = step
        self.output = output


class NotHealthy(RuntimeFailure):
    pass


# --- configuration -----------------------------------------------------------------------------------------


class ConfigError(LogtuiError):
    """The config file (or a value typed into the UI) is wrong; the message names file, field and problem."""


class ConfigValueError(ConfigError):
    """One field is wrong. `path` is None for a value typed into the UI, so the form can mark `field`."""

    def __init__(
        self, field: str, problem: str, *, path: object | None = None, hint: str | None = None
    ) -> None:
        where = f"{path}: " if path is not None else ""
        super().__init__(f"{where}{field}: {problem}", hint)
        self.path = path
        self.field = field
        self.problem = problem


# --- time windows typed by the user ------------------------------------------------------------------------


class TimeParseError(LogtuiError, ValueError):
    """A start/end the user typed is not a time. `str()` is one sentence saying what is accepted."""

    SYNTAX = (
        "use an ISO date/time (2023-04-23T10:00), a date (2023-04-23), now, now-15m, -2h, 15m, "
        "today or yesterday"
    )

    def __init__(
        self, text: str, problem: str | None = None, *, field: str | None = None, hint: str | None = None
    ) -> None:
        title = problem or f"{text!r} is not a time"
        hint = hint or self.SYNTAX
        super().__init__(title, hint)
        self.args = (f"{title}: {hint}",)
        self.text = text
        self.field = field


# --- export ------------------------------------------------------------------------------------------------


class ExportFailed(LogtuiError):
    """Writing an export file failed; the destination was left untouched."""


# --- the user's directories --------------------------------------------------------------------------------


class DirectoryUnusable(LogtuiError, OSError):
    """A directory logtui keeps its files in cannot be created. Also an OSError, so callers that already
    turn OSErrors into their own message (saving the config) keep working."""


# --- AWS (signed function URLs, ECR) -----------------------------------------------------------------------


class AwsAuthFailed(ApiError):
    """No usable AWS credentials, region or botocore for a request that must be signed."""


class PushFailed(LogtuiError):
    """Publishing an image failed: a bad reference, the registry refused or could not be reached."""
