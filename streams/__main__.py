"""`python -m streams` runs the `transparantie` command line."""

from .cli import main

main()
