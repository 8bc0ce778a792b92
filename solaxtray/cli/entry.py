"""The entry point: parse, set up logging, run one command, and turn every error into one
sentence and a documented exit status.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from solaxtray import __version__
from solaxtray.cli import self_test
from solaxtray.cli.logs import hold_logging, log_state, logging_ready
from solaxtray.cli.output import (
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_UNEXPECTED,
    ReaderGone,
    exit_status_for,
    redacted_stdio,
    say,
)
from solaxtray.cli.parser import build_parser, module_for
from solaxtray.core import paths
from solaxtray.core.errors import EXIT_USAGE, SolaxTrayError
from solaxtray.core.i18n import _

logger = logging.getLogger(__name__)


def _choose_language(arguments: Sequence[str]) -> str:
    """Speak ``--lang``, else the ``language`` setting (not with ``--demo``, which never reads the
    user's settings), else the environment's language, from here on: before the parser is built,
    so that ``--help`` and argparse's own words are translated too."""
    from solaxtray.core import i18n

    lang: str | None = None
    demo = False
    for i, arg in enumerate(arguments):
        if arg == "--":
            break
        if arg == "--lang" and i + 1 < len(arguments):
            lang = arguments[i + 1]
        elif arg.startswith("--lang="):
            lang = arg.removeprefix("--lang=")
        elif arg == "--demo":
            demo = True
    setting = None
    if not demo and not lang:
        from solaxtray.core.settings import SettingsStore

        setting = SettingsStore(paths.settings_path()).peek_language() or None
    language = i18n.configure(cli=lang, setting=setting)
    i18n.install_argparse()
    if lang and i18n.normalize_language(lang) is None:
        _say_language_unavailable(lang)
    return language


def _say_language_unavailable(lang: str) -> None:
    """One line on stderr for a ``--lang`` we have no catalog for: the user asked for it by name,
    so English must not come as a silent surprise. (An unknown language from the environment
    stays silent: ``C.UTF-8`` or ``en_US`` is normal there.) The value is the user's own text,
    shown cut and with every control or format character (a line break too) escaped."""
    from solaxtray.core import i18n
    from solaxtray.core.redact import redact, shorten

    value = "".join(
        c if c.isprintable() else f"\\u{ord(c):04x}" if ord(c) <= 0xFFFF else f"\\U{ord(c):08x}"
        for c in shorten(redact(lang), 40)
    )
    available = ", ".join(sorted(i18n.available_languages()[1:]))
    line = _(
        "Language '{lang}' is not available; solaxtray speaks English here. Available: {languages}."
    ).format(lang=value, languages=available)
    if sys.stderr is not None:
        with contextlib.suppress(OSError, ValueError):
            print(line, file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status (the console script passes it to sys.exit).

    Ctrl-C before the command runs (the language chosen, the parser built: imports, mostly)
    ends as it does during the command: 130 and one line, not a traceback."""
    try:
        return _start(argv)
    except KeyboardInterrupt:
        with contextlib.suppress(OSError, ValueError, AttributeError):
            print(_("Interrupted."), file=sys.stderr)
        return EXIT_INTERRUPTED


def _start(argv: Sequence[str] | None) -> int:
    arguments = list(argv) if argv is not None else sys.argv[1:]
    _choose_language(arguments)
    parser = build_parser()
    try:
        args = parser.parse_args(arguments)
    except SystemExit as exc:  # --help, --version, or a usage error already printed by argparse
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    if args.command == "simulate":
        # It prints the simulator's public demo token and secret on purpose.
        return _main(args)
    with redacted_stdio():
        return _main(args)


def _status_after_broken_pipe(exc: BrokenPipeError, status: int | None) -> int:
    """The exit status when the reader of stdout went away: the command's own, when it had
    decided one (returned, or printing under ``keeping_status``), so that ``fetch | head -c 1``
    still fails when the fetch failed; else success.

    Success is 0, not the shell's 141 (128 + SIGPIPE): the reader leaving early is what
    ``| head`` asks for, not a failure of the command, and the tests of a closed stdout
    (``history``, ``watch``) hold a quiet 0 as the documented ending."""
    if isinstance(exc, ReaderGone):
        return exc.status
    return EXIT_OK if status is None else status


def _main(args: argparse.Namespace) -> int:
    log_file: Path = paths.log_path()
    tray = args.command is None and not args.self_test
    status: int | None = None
    try:
        if tray:
            hold_logging(args.log_level)
        else:
            log_file = logging_ready(args.log_level)
        logger.debug("solaxtray %s, command %s", __version__, args.command or "tray")
        status = self_test.run() if args.self_test else module_for(args.command).run(args)
        # A full disk under stdout is said here, not lost in the interpreter's last flush.
        sys.stdout.flush()
        return status
    except SolaxTrayError as exc:
        if log_state.early is not None:  # the tray app failed before its icon
            log_file = logging_ready()
        logger.info("%s: %s", exc.title, exc.message)
        say(exc.title, exc.message)
        return exit_status_for(exc)
    except KeyboardInterrupt:
        print(_("Interrupted."), file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError as exc:
        # The reader went away (``solaxtray fetch --json | head``): nothing left to tell anyone.
        # Point stdout at nothing so the interpreter's final flush does not fail again.
        with contextlib.suppress(OSError, ValueError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return _status_after_broken_pipe(exc, status)
    except Exception:
        if log_state.early is not None:
            log_file = logging_ready()
        logger.exception("Unexpected error", extra={"console": False})
        print(
            _(
                "solaxtray stopped because of an unexpected error. The details are in the log "
                "file {log_file}; please include it when you report the problem."
            ).format(log_file=log_file),
            file=sys.stderr,
        )
        return EXIT_UNEXPECTED
    finally:
        if log_state.early is not None:  # the tray app returned before its event loop ran
            logging_ready()
