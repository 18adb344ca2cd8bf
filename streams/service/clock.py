"""The day of counting: today in Europe/Amsterdam, a fixed AS_OF day, or the day in AS_OF_FILE."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def amsterdam_today() -> date:
    """Today's date in Europe/Amsterdam: the publication's days start at midnight there."""
    return datetime.now(AMSTERDAM).date()


class Clock:
    """The one source of the day of counting for a process.

    AS_OF_FILE wins when it holds a date (tests and demos move the day by rewriting it), then
    AS_OF, then the wall clock in Amsterdam. A file that cannot be read for a moment (being
    rewritten, say) keeps the last day read from it: falling back to the wall clock there
    would move the day of counting to a date nobody asked for."""

    def __init__(
        self,
        as_of: date | None = None,
        as_of_file: Path | None = None,
        wall_clock: Callable[[], date] = amsterdam_today,
    ) -> None:
        self.as_of = as_of
        self.as_of_file = as_of_file
        self.wall_clock = wall_clock
        self._last_from_file: date | None = None

    def today(self) -> date:
        """The day of counting now."""
        if self.as_of_file is not None:
            try:
                day = date.fromisoformat(self.as_of_file.read_text().strip())
            except (OSError, ValueError):
                if self._last_from_file is not None:
                    return self._last_from_file
            else:
                self._last_from_file = day
                return day
        return self.as_of if self.as_of is not None else self.wall_clock()
