"""The script PyInstaller freezes: the same entry point as the ``solaxtray`` console script.

It lives outside the package so the frozen app imports ``solaxtray`` exactly as an installed copy
does, instead of running a module of the package as ``__main__``.
"""

import sys

from solaxtray.cli import main

if __name__ == "__main__":
    sys.exit(main())
