"""The one contract shared by the service and the TUI: the shape of a log record.

Kept free of FastAPI/pydantic imports so the TUI can use it without pulling the web stack in.
"""

from __future__ import annotations

from dataclasses import dataclass

#: The keys of a record object on the wire, in the order the service emits them.
RECORD_FIELDS: tuple[str, str, str] = ("timestamp", "tag", "message")


@dataclass(frozen=True, slots=True)
class LogRecord:
    """One log record as it travels over HTTP: a UTC ISO-8601 timestamp without offset, a tag, a message."""

    timestamp: str
    tag: str
    message: str

    @classmethod
    def from_json(cls, obj: dict[str, object]) -> LogRecord:
        return cls(str(obj["timestamp"]), str(obj["tag"]), str(obj["message"]))

    def to_json(self) -> dict[str, str]:
        return {"timestamp": self.timestamp, "tag": self.tag, "message": self.message}
