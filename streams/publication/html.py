"""The publication as one standalone HTML document (Jinja2), the source of the PDF as well."""

from __future__ import annotations

from functools import cache
from importlib import metadata, resources

import jinja2

from streams.domain import COUNT_FIELDS, NEDERLAND, ONBEKEND
from streams.publication import dutch, words
from streams.service.publication import Edition, met_profiel

#: Who publishes, when the caller does not say (the publication's own colofon).
PUBLISHER = "UWV Werkbedrijf"


@cache
def environment() -> jinja2.Environment:
    """The templates of this package, HTML-escaped, with the Dutch number and date filters."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("streams.publication", "templates"),
        autoescape=jinja2.select_autoescape(["html", "j2"]),
        undefined=jinja2.StrictUndefined,  # a misspelt name fails the render, not the reader
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        number=dutch.number, signed=dutch.signed, percent=dutch.percent, day=dutch.day,
        short_day=dutch.short_day, moment=dutch.moment, met_profiel=met_profiel,
    )  # fmt: skip
    return env


def version() -> str:
    """The installed version of this project (or 'dev' from a bare checkout)."""
    try:
        return metadata.version("transparantie-streams")
    except metadata.PackageNotFoundError:
        return "dev"


def offsets_table(edition: Edition) -> tuple[list[tuple[str, dict[int, int]]], list[int]]:
    """The provenance's offsets as (topic, {partition: offset}) rows and the partitions."""
    per_topic: dict[str, dict[int, int]] = {}
    for (topic, partition), offset in sorted(edition.snapshot.provenance.offsets.items()):
        per_topic.setdefault(topic, {})[partition] = offset
    partitions = sorted({p for _, p in edition.snapshot.provenance.offsets})
    return list(per_topic.items()), partitions


def render_html(edition: Edition, publisher: str = PUBLISHER, contact: str = "") -> str:
    """The whole publication of one edition as an HTML document with its CSS inside."""
    css = resources.files("streams.publication").joinpath("templates/publicatie.css")
    comparisons = edition.comparisons()
    nl_change = next(c for c in comparisons if c.now.regio_code == NEDERLAND)
    regions = [r for r in edition.rows if r.regio_code != NEDERLAND]
    onbekend = edition.snapshot.row(ONBEKEND)
    offsets, partitions = offsets_table(edition)
    return environment().get_template("publicatie.html.j2").render(
        e=edition, words=words, css=css.read_text("utf-8"), fields=COUNT_FIELDS,
        regions=regions, nl=edition.nederland, nl_change=nl_change,
        comparisons=comparisons, onbekend=onbekend, has_onbekend=onbekend is not None,
        offsets=offsets, partitions=partitions, publisher=publisher, contact=contact,
        version=version(),
    )  # fmt: skip
