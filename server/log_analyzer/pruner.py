"""Retention: delete records older than LOG_ANALYZER_RETENTION_DAYS, now and then in the background."""

from __future__ import annotations

import asyncio
import logging

from fastapi.concurrency import run_in_threadpool

from log_analyzer.settings import Settings
from log_analyzer.store import LogStore
from log_analyzer.timefmt import now_micros

log = logging.getLogger("log_analyzer.pruner")


def prune(store: LogStore, retention_days: float, *, now: int | None = None) -> int:
    """Delete records older than `retention_days` before `now` (micros); return how many went."""
    cutoff = (now_micros() if now is None else now) - int(retention_days * 86_400_000_000)
    return store.prune_before(cutoff)


async def prune_forever(store: LogStore, settings: Settings) -> None:
    assert settings.retention_days is not None
    while True:
        try:
            deleted = await run_in_threadpool(prune, store, settings.retention_days)
            if deleted:
                log.info("pruned %d records older than %g days", deleted, settings.retention_days)
        except Exception:  # a failed round must not kill the pruner; the next one retries
            log.exception("pruning failed; retrying in %gs", settings.prune_interval_seconds)
        await asyncio.sleep(settings.prune_interval_seconds)
