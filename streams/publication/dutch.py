"""Numbers and dates as a Dutch publication writes them: 12.032, +1.204, 30 september 2026."""

from __future__ import annotations

from datetime import date, datetime

MONTHS = (
    "januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september",
    "oktober", "november", "december",
)  # fmt: skip
MINUS = "\u2212"  # a real minus sign, as wide as the plus: columns of changes line up
DASH = "\u2013"  # an unknown figure


def number(n: int) -> str:
    """12032 -> '12.032' (a dot between thousands)."""
    text = f"{abs(n):,}".replace(",", ".")
    return MINUS + text if n < 0 else text


def signed(n: int | None) -> str:
    """A change: '+1.204', '−56', '0', or '–' when the earlier figure is unknown."""
    if n is None:
        return DASH
    return "+" + number(n) if n > 0 else number(n)


def percent(part: int, whole: int) -> str:
    """A share with one decimal and a decimal comma: '46,1%' ('–' of nothing)."""
    if whole <= 0:
        return DASH
    return f"{100 * part / whole:.1f}".replace(".", ",") + "%"


def day(d: date) -> str:
    """30 september 2026."""
    return f"{d.day} {MONTHS[d.month - 1]} {d.year}"


def short_day(d: date) -> str:
    """30-09-2026 (for column headings)."""
    return d.strftime("%d-%m-%Y")


def moment(t: datetime) -> str:
    """30 september 2026 23:59:59 (+02:00): a time with its offset, never ambiguous."""
    offset = t.strftime("%z")
    zone = f" ({offset[:3]}:{offset[3:]})" if offset else ""
    return f"{day(t.date())} {t.strftime('%H:%M:%S')}{zone}"
