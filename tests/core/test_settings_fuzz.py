"""Property: whatever JSON-like value sits under any settings key, loading ends in settings, at most
one short sentence, and a file that loads cleanly the next time; never an exception."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from solaxtray.core.settings import Settings, SettingsStore  # noqa: E402

KEYS = [
    "version",
    "serials",
    "api_url",
    "poll_interval_s",
    "stale_minutes",
    "low_soc_percent",
    "notify",
    "start_at_login",
    "latitude",
    "longitude",
    "per_minute",
    "per_day",
    "backend",
    "developer_host",
    "sn",
    "tokenId",
    "unknown",
]

NUMBER_TEXTS = st.sampled_from(["NaN", "Infinity", "-Infinity", "1e400", "-1e400", "9" * 500])

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=30),
    st.from_regex(r"[A-Z0-9]{10}", fullmatch=True),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)

EXAMPLES = int(os.environ.get("SOLAXTRAY_FUZZ_EXAMPLES", "150"))


def _text(data: dict[str, Any], odd: dict[str, str]) -> str:
    """JSON text of ``data`` with some values replaced by number texts JSON itself cannot hold."""
    text = json.dumps(data)
    for key, number in odd.items():
        separator = ", " if text != "{}" else ""
        text = text[:-1] + separator + f"{json.dumps(key)}: {number}}}"
    return text


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    data=st.dictionaries(st.sampled_from(KEYS), values, max_size=8),
    odd=st.dictionaries(st.sampled_from(KEYS), NUMBER_TEXTS, max_size=2),
)
def test_any_settings_file_loads_in_one_sentence(data: dict[str, Any], odd: dict[str, str]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        store = SettingsStore(Path(folder) / "settings.json")
        store.path.write_text(_text(data, odd), encoding="utf-8")
        loaded, warning = store.load()
        assert isinstance(loaded, Settings)
        assert loaded == loaded.validated()
        if warning is not None:
            assert "\n" not in warning
            assert len(warning) < 1200
        again, second = SettingsStore(store.path).load()
        if store.path.exists():
            # What was kept was written back (or the file was clean): no second warning.
            assert second is None
            assert again == loaded
