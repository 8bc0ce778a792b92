"""Errors that SolaX Cloud gives in the same words whichever API is asked. Qt-free.

Why a module of its own: both parsers (``tokenid/parsing.py`` and ``developer/parsing.py``) tell
the user the same thing when the cloud says it is busy, so the sentence and its title are written
and translated once.
"""

from __future__ import annotations

from solaxtray.core.errors import ApiError, ServerError
from solaxtray.core.i18n import _


def busy(sn: str) -> ApiError:
    """The cloud said it is busy (tokenId API: its words; Developer API: code 11500): a passing
    state of the server, so the request is repeated later, not changed."""
    return ServerError(
        _("SolaX Cloud says it is busy right now. solaxtray will try again later."),
        sn=sn,
        title=_("SolaX Cloud is busy"),
    )
