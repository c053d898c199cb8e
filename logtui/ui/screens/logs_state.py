"""What the logs screen knows about the query on screen and about the target's store. No Textual.

Two small objects instead of loose attributes, each replaced whole in one place: `QueryProgress` whenever the
query starts over (a new generation from the log view), `StoreFacts` whenever the target changes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass
class QueryProgress:
    """What has come back for the query on screen (its `generation`): results of another are dropped."""

    generation: int = 0
    #: Where the next page starts (None: no more pages, or none asked for yet).
    next_cursor: str | None = None
    first_page_done: bool = False
    stats_done: bool = False
    #: The window's record count from /stats (None: not known).
    total: int | None = None
    #: Records of the window without the filters, when the filtered answer was empty (None: not asked).
    unfiltered: int | None = None

    @property
    def answered(self) -> bool:
        """Both the first page and the stats are in (so an empty view can say why it is empty)."""
        return self.first_page_done and self.stats_done


@dataclass
class StoreFacts:
    """What the target said about its store, kept across queries until the target changes."""

    #: Whether the target has /stats (None: not known yet; False: the course's original GET /logs only).
    stats_supported: bool | None = None
    #: /logs has answered this client at least once: it is a log service, whatever else fails.
    logs_answered: bool = False
    first: datetime | None = None
    last: datetime | None = None

    @property
    def span(self) -> tuple[datetime, datetime] | None:
        """The first and last record's times, when both are known."""
        return (self.first, self.last) if self.first is not None and self.last is not None else None
