"""``python -m solaxtray``: the same entry point as the ``solaxtray`` command.

Ctrl-C while the command line's modules are still importing ends as it does later (exit status
130, one line, no traceback): ``solaxtray.cli`` handles it for what it imports itself, and this
guard for the moment before it starts.
"""

import sys

try:
    from solaxtray.cli import main
except KeyboardInterrupt:
    sys.stderr.write("Interrupted.\n")
    sys.exit(130)

sys.exit(main())
