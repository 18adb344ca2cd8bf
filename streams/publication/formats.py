"""The formats of the publication and their media types (no renderer imported: cheap to load)."""

from __future__ import annotations

from typing import Literal

PublicationFormat = Literal["html", "pdf", "csv", "xlsx"]
FORMATS: tuple[PublicationFormat, ...] = ("html", "pdf", "csv", "xlsx")
#: Formats that are not text: never written to a terminal.
BINARY: frozenset[str] = frozenset({"pdf", "xlsx"})
MEDIA_TYPES: dict[str, str] = {
    "html": "text/html; charset=utf-8",
    "pdf": "application/pdf",
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
