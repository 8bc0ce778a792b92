"""The cloud's request quota in one place. Qt-free.

SolaX documents 10 requests a minute and 10,000 a day per token (spec section 3); users polling
inside those limits have still been banned for an hour (field notes), so every budget the app
keeps is a margin under them and can only be lowered by the user.
"""

from __future__ import annotations

from dataclasses import dataclass

PUBLISHED_PER_MINUTE = 10
PUBLISHED_PER_DAY = 10_000
MAX_PER_MINUTE = 9
"""The highest per-minute budget we accept: one under the published limit, as a safety margin."""
MAX_PER_DAY = 9_000
MINUTE_S = 60.0
DAY_S = 86_400.0


@dataclass(frozen=True, slots=True)
class Budget:
    """Requests allowed in any 60 s and in any 24 h."""

    per_minute: int = MAX_PER_MINUTE
    per_day: int = MAX_PER_DAY

    def lower(self, per_minute: int, per_day: int) -> Budget:
        """The lower of this budget and another, never under one request: the user may only
        lower an API's budget, and an API's own budget caps the user's."""
        return Budget(
            max(1, min(self.per_minute, int(per_minute))),
            max(1, min(self.per_day, int(per_day))),
        )


def kept_budget(
    settings_per_minute: int, settings_per_day: int, api_per_minute: int, api_per_day: int
) -> Budget:
    """The budget to keep: the lower of the settings' and the API's, capped by ``MAX_PER_*``."""
    return Budget().lower(api_per_minute, api_per_day).lower(settings_per_minute, settings_per_day)
