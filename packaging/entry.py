"""The script PyInstaller freezes: the same entry point as the ``solaxtray`` console script.

It lives outside the package so the frozen app imports ``solaxtray`` exactly as an installed copy
does, instead of running a module of the package as ``__main__``.

``solaxtray --version`` alone is answered here, with the line argparse would print: package
managers, launchers and bug reports ask for it, and the command line module it would otherwise
import (argparse, logging, the error types, the paths) costs a frozen start more than the answer.
"""

import sys

if __name__ == "__main__":
    if sys.argv[1:] == ["--version"]:
        from solaxtray import __version__

        print(f"solaxtray {__version__}")
        sys.exit(0)

    from solaxtray.cli import main

    sys.exit(main())
