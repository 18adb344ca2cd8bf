"""The quarterly publication and the page's trends as people read them: HTML, PDF, CSV, xlsx
and SVG from snapshots. Pure rendering: no Kafka, no HTTP; Jinja2, WeasyPrint and openpyxl
are imported only here."""
