"""`python -m streams.devtools.broker`: run the standalone broker CLI."""

import sys

from streams.devtools.broker.cli import main

sys.exit(main())
