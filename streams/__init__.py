"""transparantie-streams: live transparency counts of client profiles per arbeidsmarktregio."""

__version__ = "0.1.0"
