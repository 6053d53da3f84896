"""Allow ``python -m segur_kg``."""

import sys

from segur_kg.cli import main

sys.exit(main())
