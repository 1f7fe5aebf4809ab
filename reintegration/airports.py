"""Airports by their three-letter IATA code: name, city, country and time zone.

The data come from the `airportsdata` package (about 8,000 airports with an IATA code, kept up
to date with each release), loaded once per process on first use. A flight's times are local
at each airport, as on the ticket: the airport's time zone turns them into instants, so that a
flight east or west across time zones is measured in hours, not in what the clocks say.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class Airport:
    code: str
    name: str
    city: str
    country: str
    zone: ZoneInfo

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


@functools.cache
def _all() -> dict[str, dict]:
    import airportsdata

    return airportsdata.load("IATA")


@functools.cache
def get(code: str) -> Airport | None:
    """The airport with IATA code `code`, or None for a code no airport has."""
    found = _all().get((code or "").strip().upper())
    if found is None:
        return None
    return Airport(
        code=found["iata"],
        name=found["name"],
        city=found["city"],
        country=found["country"],
        zone=ZoneInfo(found["tz"]),
    )


def local_instant(code: str, day: dt.date, time: dt.time, fallback: ZoneInfo) -> dt.datetime:
    """The moment a clock at airport `code` shows `day` and `time` (in `fallback`'s zone for
    a code no airport has, which only a flight stored before codes were checked can carry)."""
    airport = get(code)
    return dt.datetime.combine(day, time, tzinfo=airport.zone if airport else fallback)
