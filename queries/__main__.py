"""`python -m queries ...`: see queries/cli.py."""
import sys

from queries.cli import main

sys.exit(main())
