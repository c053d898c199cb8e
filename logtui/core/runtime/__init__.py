"""Run the local log-analyzer: in Docker when an engine answers, else as a child process (embedded).

All calls block (Docker SDK, subprocesses, HTTP polling): run them in threads, never on an event loop.
"""

from __future__ import annotations

from typing import Any

from logtui.core.runtime.base import (
    RUNTIME_CHOICES,
    BackupFailed,
    DockerSettings,
    ImageMissing,
    Runtime,
    RuntimeState,
    RuntimeStatus,
)

__all__ = [
    "BackupFailed",
    "DockerSettings",
    "ImageMissing",
    "Runtime",
    "RuntimeState",
    "RuntimeStatus",
    "choose_runtime",
    "docker_settings_from",
]


def docker_settings_from(value: Any) -> DockerSettings:
    """Accept our DockerSettings, None, or any object/dict with some of its fields (the config's section)."""
    if isinstance(value, DockerSettings):
        return value
    if value is None:
        return DockerSettings()
    fields = DockerSettings.__dataclass_fields__
    if isinstance(value, dict):
        known = {k: v for k, v in value.items() if k in fields}
    else:
        known = {k: getattr(value, k) for k in fields if hasattr(value, k)}
    return DockerSettings(**known)


def choose_runtime(config: Any = None, *, override: str | None = None) -> Runtime:
    """Pick the runtime: `override` (a --runtime flag) beats `config.runtime`, which defaults to "auto".

    "auto" takes Docker when an engine answers within a couple of seconds AND the image exists or can be built
    from a checkout (a pip-installed logtui has no Dockerfile); otherwise the embedded runtime, which needs
    nothing but this Python. An explicit "docker" is honoured even without an engine: its status() then says
    UNREACHABLE and its calls raise DockerUnavailable with what to do.
    """
    choice = (override or getattr(config, "runtime", None) or "auto").lower()
    if choice not in RUNTIME_CHOICES:
        raise ValueError(f"runtime must be one of {', '.join(RUNTIME_CHOICES)} (got {choice!r})")
    settings = docker_settings_from(getattr(config, "docker", None))
    from logtui.core.runtime.base import DEFAULT_DEMO_RECORDS

    demo = int(getattr(config, "demo_records", DEFAULT_DEMO_RECORDS))
    if choice == "embedded":
        from logtui.core.runtime.embedded import EmbeddedRuntime

        return EmbeddedRuntime(demo_records=demo, course_sample=True)
    from logtui.core.runtime.docker_runtime import DockerRuntime

    # Same first data in both runtimes; with demo 0 the image loads the course's sample on its own.
    docker_rt = DockerRuntime(settings, probe_timeout=2.0 if choice == "auto" else None, demo_records=demo)
    reason = None if choice == "docker" else docker_rt.unusable_reason()
    if reason is None:
        return docker_rt
    docker_rt.close()
    from logtui.core.runtime.embedded import EmbeddedRuntime

    embedded = EmbeddedRuntime(demo_records=demo, course_sample=True)
    embedded.choice_note = reason  # for the UI to say once why this is not Docker
    return embedded
