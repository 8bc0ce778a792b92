"""argparse's own words, marked so they reach the translation catalog. Qt-free.

argparse writes "usage:", "options", "show this help message and exit" and its error sentences
through ``gettext``; :func:`solaxtray.core.i18n.install_argparse` hands it our catalog, and this list
puts those texts in it (the msgids are argparse's, Python 3.11 to 3.13, kept letter for letter).
"""

from __future__ import annotations

from solaxtray.core.i18n import N_

ARGPARSE_WORDS: tuple[str, ...] = (
    N_("usage: "),
    N_("positional arguments"),
    N_("options"),
    N_("show this help message and exit"),
    N_("show program's version number and exit"),
    N_("%(prog)s: error: %(message)s\n"),
    N_("the following arguments are required: %s"),
    N_("unrecognized arguments: %s"),
    N_("invalid choice: %(value)r (choose from %(choices)s)"),
    N_("invalid %(type)s value: %(value)r"),
    N_("argument %(argument_name)s: %(message)s"),
    N_("ambiguous option: %(option)s could match %(matches)s"),
    N_("not allowed with argument %s"),
    N_("one of the arguments %s is required"),
    N_("expected one argument"),
    N_("expected at most one argument"),
    N_("expected at least one argument"),
    N_("ignored explicit argument %r"),
)
