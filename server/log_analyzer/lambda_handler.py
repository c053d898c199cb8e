"""AWS Lambda entry point: the same app behind Mangum, for function-URL (payload 2.0) events.

`log_analyzer.lambda_handler.handler` is what the Lambda image's CMD names. The app and its store are built
on the first event and reused while the execution environment stays warm.
"""

from __future__ import annotations

from typing import Any

from mangum import Mangum

from log_analyzer.app import create_app, start_service
from log_analyzer.pruner import prune
from log_analyzer.settings import Settings


def make_handler(settings: Settings | None = None) -> Mangum:
    settings = settings if settings is not None else Settings.from_env(lambda_mode=True)
    app = create_app(settings)
    service = start_service(app)
    if settings.retention_days is not None:
        # Background tasks do not survive between invocations: apply retention when the environment starts.
        prune(service.store, settings.retention_days)
    # lifespan off: the store must outlive each invocation, which Mangum's per-event lifespan would close.
    return Mangum(app, lifespan="off")


_adapter: Mangum | None = None


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    global _adapter
    if _adapter is None:
        _adapter = make_handler()
    result: dict[str, Any] = _adapter(event, context)
    return result
