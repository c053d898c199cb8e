"""The time zone times are shown and typed in: UTC, the machine's local zone, or an IANA zone. No Textual.

Only what the user sees and types changes: requests, the row store and exports stay in the service's UTC.
"local" follows the operating system's rules for each instant (summer time included) through
`datetime.astimezone()`, so it needs no zone database; IANA names need one (the `tzdata` package supplies it
where the system has none, as on Windows).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

__all__ = ["LOCAL", "UTC_NAME", "DisplayZone", "ZoneSettingError"]

UTC_NAME = "UTC"
LOCAL = "local"


class ZoneSettingError(ValueError):
    """A display_tz value that names no zone; the message says what is accepted."""


@dataclass(frozen=True)
class DisplayZone:
    """A zone to show times in. `name` is "UTC", "local" or an IANA key such as "Europe/Paris" (checked:
    ZoneSettingError for a name that is none of these)."""

    name: str = UTC_NAME
    # None for "local" (the OS decides per instant) and for UTC (the fast path); a ZoneInfo otherwise.
    _tz: tzinfo | None = field(default=None, init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        if self.name in (UTC_NAME, LOCAL):
            return
        if not self.name:
            raise ZoneSettingError('must be "UTC", "local" or a zone name such as "Europe/Paris" (got "")')
        try:
            zone = ZoneInfo(self.name)
        except (ZoneInfoNotFoundError, ValueError, OSError):
            # ValueError: not a valid key (an absolute path, ".."); OSError: a directory such as "Europe".
            raise ZoneSettingError(
                f'{self.name!r} is not a time zone: use "UTC", "local" or an IANA name such as '
                '"Europe/Paris" or "America/New_York"'
            ) from None
        object.__setattr__(self, "_tz", zone)

    @classmethod
    def from_setting(cls, setting: str) -> DisplayZone:
        """A display_tz value: "UTC" and "local" in any case, or an IANA name. Raises ZoneSettingError."""
        text = setting.strip()
        if text.upper() == UTC_NAME:
            return UTC_ZONE
        if text.lower() == LOCAL:
            return LOCAL_ZONE
        return cls(text)

    @property
    def is_utc(self) -> bool:
        return self.name == UTC_NAME

    @property
    def is_local(self) -> bool:
        return self.name == LOCAL

    def toggled(self, configured: DisplayZone) -> DisplayZone:
        """The zone the toggle key switches to: UTC <-> the configured zone (the local one if that is UTC)."""
        if not self.is_utc:
            return UTC_ZONE
        return configured if not configured.is_utc else LOCAL_ZONE

    # --- converting ----------------------------------------------------------------------------------------

    def localize(self, moment: datetime) -> datetime:
        """An instant as an aware datetime in this zone (a naive one is taken as UTC, as the service means).

        Instants the zone cannot represent (year 1 in a zone east of UTC, or beyond what the OS's local
        time functions handle) stay in UTC rather than fail: a display must never crash on odd data.
        """
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        if self.is_utc:
            return moment.astimezone(UTC)
        try:
            return moment.astimezone(self._tz) if self._tz is not None else moment.astimezone()
        except (OverflowError, OSError, ValueError):
            return moment.astimezone(UTC)

    def to_utc(self, wall: datetime) -> datetime:
        """A wall-clock time in this zone (naive) as a UTC instant; an aware datetime keeps its own offset.

        A time that a summer-time change skips or repeats takes the offset in force before the change
        (`fold=0`), as Python does; such a time written by `format_input` carries its offset, so it
        round-trips. Raises OverflowError when the instant falls outside what datetime can hold.
        """
        if wall.tzinfo is not None:
            return wall.astimezone(UTC)
        if self.is_utc:
            return wall.replace(tzinfo=UTC)
        if self._tz is not None:
            return wall.replace(tzinfo=self._tz).astimezone(UTC)
        try:
            return wall.astimezone(UTC)  # a naive datetime is read as the OS's local time
        except OSError:
            raise OverflowError(f"{wall} is outside what this system's local time can convert") from None

    # --- writing -------------------------------------------------------------------------------------------

    def abbreviation(self, moment: datetime) -> str:
        """The zone's short name at `moment` ("CEST", "UTC", "+0530" where the zone has no abbreviation)."""
        return self.localize(moment).tzname() or self.name

    def label(self, now: datetime) -> str:
        """What the range bar shows: "UTC", "Europe/Paris", "local (CET)"."""
        if self.is_local:
            return f"{LOCAL} ({self.abbreviation(now)})"
        return self.name

    def format_input(self, moment: datetime) -> str:
        """An instant as the range inputs show it: wall time in this zone without an offset, so that reading
        it back (`to_utc`) gives the same instant; where it would not (an hour repeated by a summer-time
        change), the offset is written too."""
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        local = self.localize(moment)
        naive = local.replace(tzinfo=None, fold=0)  # as typed text reads back
        text = naive.isoformat(timespec="microseconds" if naive.microsecond else "seconds")
        if self.is_utc:
            return text
        try:
            round_trips = self.to_utc(naive) == moment.astimezone(UTC)
        except (OverflowError, ValueError):
            round_trips = False
        return (
            text
            if round_trips
            else local.isoformat(timespec="microseconds" if naive.microsecond else "seconds")
        )

    def format_day_time(self, moment: datetime) -> str:
        """ "2023-04-23 12:00:00" in this zone, for labels (not strftime: glibc writes year 1 as "1")."""
        return self.localize(moment).replace(tzinfo=None).isoformat(sep=" ", timespec="seconds")

    def format_wire(self, timestamp: str) -> str:
        """A timestamp as the service sent it, rewritten in this zone with the same shape (so columns stay
        aligned): "2023-04-23T10:00:00.250000" -> "2023-04-23T12:00:00.250000". Unparseable text and every
        timestamp in UTC display are returned as they are."""
        if self.is_utc:
            return timestamp
        try:
            parsed = datetime.fromisoformat(timestamp)
        except ValueError:
            return timestamp
        local = self.localize(parsed).replace(tzinfo=None)
        sep = "T" if len(timestamp) > 10 and timestamp[10] == "T" else " "
        digits = _fraction_digits(timestamp)
        if not digits:
            return local.isoformat(sep=sep, timespec="seconds")
        # As many fraction digits as the sender wrote, so a column of such timestamps keeps one width in
        # every zone (a zone's offset never changes the fraction).
        return local.isoformat(sep=sep, timespec="microseconds")[: 20 + min(digits, 6)]


def _fraction_digits(timestamp: str) -> int:
    dot = timestamp.find(".", 19)
    if dot < 0:
        return 0
    end = dot + 1
    while end < len(timestamp) and timestamp[end].isdigit():
        end += 1
    return end - dot - 1


UTC_ZONE = DisplayZone(UTC_NAME)
LOCAL_ZONE = DisplayZone(LOCAL)
