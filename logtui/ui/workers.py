"""The worker groups of the app and its screens, named once.

A worker's group says what it is for: `exclusive=True` cancels the previous worker of the same group, and the
one handler per screen (`on_worker_state_changed`) decides from it what a failure means. StrEnums, because
Textual keeps a group as a string.
"""

from __future__ import annotations

import enum

from logtui.core.errors import LogtuiError


class LogsWork(enum.StrEnum):
    """The logs screen's workers (and follow mode's polls)."""

    HEALTH = "health"
    QUERY = "query"
    PAGE = "page"
    FOLLOW = "follow"
    EXPORT = "export"
    STORE_TAGS = "store-tags"  # which tags the whole store holds, for the tag boxes
    STATS_REFRESH = "stats-refresh"  # the histogram redrawn now and then while following

    @classmethod
    def of(cls, group: str) -> LogsWork:
        """The group of a worker this screen ran; any other counts as the query (what the user waits for)."""
        try:
            return cls(group)
        except ValueError:
            return cls.QUERY


class AppWork(enum.StrEnum):
    """The app's own workers."""

    LOCAL_RUNTIME = "local-runtime"  # choose, build if needed, start and wait for the local service
    RUNTIME_STATUS = "runtime-status"  # ask the local runtime for its state
    RUNTIME_CHOICE = "runtime-choice"  # choose the runtime for the container screen
    CLOSE_CLIENT = "close-client"  # close a target's HTTP client that is no longer used
    COLLECT = "collect"  # start or stop keeping containers' output in the store


class ContainerWork(enum.StrEnum):
    """The container screen's workers."""

    ACTION = "container-action"  # the user's action, one at a time (the worker's name is the Action)
    STATUS = "container-status"  # the periodic status refresh
    OUTPUT = "container-logs"  # following the service's own output: open-ended
    QUERY = "container-query"  # a question for the delete confirmation (the record count)
    BACKEND = "backend"  # which store the running service reports in /health
    COLLECT = "container-collect"  # which containers run, for the collect dialog


def as_logtui_error(error: BaseException | None) -> LogtuiError:
    """Anything a worker raised, in the shape the UI shows; the core should only raise LogtuiErrors."""
    if isinstance(error, LogtuiError):
        return error
    name = type(error).__name__ if error is not None else "error"
    return LogtuiError(f"Unexpected {name}: {error}", "This is a bug in logtui; press r to try again.")
