"""The ``solaxtray`` command: the tray app by default, and ``fetch``, ``watch``, ``token``,
``credentials``, ``history``, ``simulate``, ``doctor`` and ``inverters`` for scripts, servers and
first steps. One module per command (``fetch.py``, ``watch.py``, ``secrets.py`` for ``token`` and
``credentials``, ``history.py``, ``simulate.py``, ``doctor.py`` for ``doctor`` and ``inverters``,
``tray.py``, ``self_test.py``), each with ``COMMANDS``, ``add_parser`` and ``run``; ``parser.py``
registers them, ``entry.py`` runs one, ``target.py`` resolves what a run talks to, and
``output.py`` holds what every command shares about its output.

Two SolaX APIs are supported (``--backend`` or the ``backend`` setting): ``token``, the tokenId API
(one request per dongle registration number), and ``developer``, the Developer API of accounts made
since September 2026 (a client id and secret; up to ten inverter serials per request).

Why argparse and lazy imports: ``solaxtray fetch`` on a headless server must not import Qt (nor the
simulator, nor the scheduler) just to print a table, and ``--help`` must work on a machine where Qt
cannot load at all. So each command imports what it needs when it runs. The tray app (no
subcommand) is the start a user waits for at login, so its path imports neither the settings nor
the logging set-up before the icon is shown (``logs.py``).

Every error a user can meet ends in ``entry.py`` as one line ``title: message`` on stderr and a
documented exit status, never a traceback: 0 all ok; 2 usage or settings; 3 token (rejected,
missing, keyring trouble, Developer API credentials); 4 device; 5 rate limit; 6 network or server;
7 protocol; 1 an unexpected error (logged in full to the log file, which the one-line message
names); 130 interrupted.
"""

import contextlib
import sys


def _interrupted_at_start() -> SystemExit:
    """Ctrl-C while the modules below import (the first ~50 ms of every start): the line and
    exit status of an interrupted command, not a traceback of the import machinery. In the
    user's language when the translation module is loaded by then, else in English."""
    text = "Interrupted."
    i18n = sys.modules.get("solaxtray.core.i18n")
    if i18n is not None:
        # A second Ctrl-C, or a module cut off half-way: the English line will do.
        with contextlib.suppress(BaseException):
            text = i18n._(text)
    with contextlib.suppress(AttributeError, OSError, ValueError):  # stderr closed or gone
        sys.stderr.write(text + "\n")
    return SystemExit(130)


try:
    from solaxtray.cli.entry import main
    from solaxtray.cli.output import exit_status_for
    from solaxtray.cli.parser import build_parser
except KeyboardInterrupt:
    raise _interrupted_at_start() from None

__all__ = ["build_parser", "exit_status_for", "main"]
