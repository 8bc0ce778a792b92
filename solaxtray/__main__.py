"""``python -m solaxtray``: the same entry point as the ``solaxtray`` command."""

import sys

from solaxtray.cli import main

sys.exit(main())
