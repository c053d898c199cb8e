"""Bring the local log-analyzer up (build if needed, start, wait for /health). Blocking: run it in a thread.

Kept out of app.py so the app stays a thin shell, and free of Textual so it reads as the plain sequence it is.
"""

from __future__ import annotations

from collections.abc import Callable

from logtui.core.errors import NotHealthy
from logtui.core.runtime import Runtime, RuntimeState, RuntimeStatus
from logtui.core.runtime.base import HEALTH_TIMEOUT

Report = Callable[[RuntimeStatus | None, str], None]


#: The embedded runtime has no image or container: its "ready, not running" states read as stopped.
EMBEDDED_WORDS = {RuntimeState.IMAGE_BUILT: "stopped", RuntimeState.CREATED: "stopped"}


def describe(runtime: Runtime, status: RuntimeStatus) -> str:
    """Short status-bar text: "docker · healthy · 127.0.0.1:49153", "embedded · exited (-9)"."""
    state = status.state.value
    if runtime.kind == "embedded":
        state = EMBEDDED_WORDS.get(status.state, state)
    if status.state is RuntimeState.EXITED and status.exit_code is not None:
        state = f"{state} ({status.exit_code})"
    parts = [runtime.kind, state]
    if status.address:
        parts.append(status.address)
    return " · ".join(parts)


def bring_up(runtime: Runtime, report: Report) -> str:
    """Make `runtime` serve and return its base URL; `report` hears each step (from this thread)."""
    try:
        return _bring_up(runtime, report)
    except Exception:
        # Leave the status bar on the runtime's real state ("unreachable", "exited"), not on "starting…".
        try:
            status = runtime.status()
        except Exception:  # the runtime cannot even say; the error itself is shown by the caller
            report(None, f"{runtime.kind} · failed")
        else:
            report(status, describe(runtime, status))
        raise


def _bring_up(runtime: Runtime, report: Report) -> str:
    status = runtime.status()
    report(status, describe(runtime, status))
    if status.state is RuntimeState.IMAGE_MISSING:
        report(status, f"{runtime.kind} · building the image (c for the container screen)…")
        runtime.build(lambda line: report(None, f"{runtime.kind} · building: {line.strip()[:60]}"))
        status = runtime.status()
    if status.state not in (RuntimeState.RUNNING, RuntimeState.HEALTHY):
        report(status, f"{runtime.kind} · starting…")
        runtime.start()
    if status.state is not RuntimeState.HEALTHY:
        report(None, f"{runtime.kind} · waiting for /health…")
        runtime.wait_healthy(HEALTH_TIMEOUT)
    status = runtime.status()
    report(status, describe(runtime, status))
    base_url = runtime.base_url or status.base_url
    if not base_url:
        raise NotHealthy(
            f"The {runtime.kind} runtime is up but has no address",
            "Open the container screen (c) to see its state, or restart it there.",
        )
    return base_url
