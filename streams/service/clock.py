"""The day of counting: today in Europe/Amsterdam, or the fixed AS_OF day."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def today(as_of: date | None = None) -> date:
    """The fixed day when one is given, else today's date in Europe/Amsterdam."""
    return as_of if as_of is not None else datetime.now(AMSTERDAM).date()


def day_of_counting(as_of: date | None, as_of_file: Path | None) -> date:
    """The day from AS_OF_FILE when it holds a date, else AS_OF, else today (Amsterdam)."""
    if as_of_file is not None:
        try:
            return date.fromisoformat(as_of_file.read_text().strip())
        except (OSError, ValueError):
            pass
    return today(as_of)
