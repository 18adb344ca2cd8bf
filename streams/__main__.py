"""`python -m streams` runs the `transparantie` command line."""

from streams.cli import main

main()
