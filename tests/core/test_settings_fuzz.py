"""Property: whatever JSON-like value sits under any settings key, loading ends in settings, at most
one short sentence, and a file that loads cleanly the next time; never an exception."""

from __future__ import annotations

import dataclasses
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
    *(f.name for f in dataclasses.fields(Settings)),
    "sn",
    "tokenId",
    "unknown",
]
"""Every field the settings file can hold (so a new field is fuzzed the day it is added), the
keys of the oldest files, and one nobody knows."""

ODD_NUMBERS = ["NaN", "Infinity", "-Infinity", "1e400", "-1e400", "9" * 500, "-" + "9" * 5000]
"""Numbers JSON text can hold but Python's ``json.dumps`` cannot write: placed by marker."""
_MARK = "@@odd-number-{}@@"

scalars = st.one_of(
    st.sampled_from([_MARK.format(i) for i in range(len(ODD_NUMBERS))]),
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

VALID: dict[str, st.SearchStrategy[Any]] = {
    "version": st.just(1),
    "serials": st.lists(st.from_regex(r"[A-Z0-9]{10}", fullmatch=True), max_size=3),
    "stale_minutes": st.integers(1, 1440),
    "low_soc_percent": st.one_of(st.none(), st.integers(1, 99)),
    "notify": st.dictionaries(st.sampled_from(["fault", "eps", "future_kind"]), values),
    "start_at_login": st.booleans(),
    "latitude": st.floats(-90, 90),
    "per_day": st.integers(1, 9000),
    "backend": st.just("token"),
    "battery_reserve_percent": st.integers(0, 100),
    "battery_capacity_kwh": st.one_of(st.none(), st.floats(0.5, 1000.0)),
    "language": st.sampled_from(["", "de", "pt_BR", "xx"]),
}
"""Valid values (or nearly: the notify switches may be anything) for some keys, so that files
with few problems, or none, are as common as thoroughly broken ones."""


@st.composite
def settings_objects(draw: st.DrawFn) -> dict[str, Any]:
    keys = draw(st.lists(st.sampled_from(KEYS), unique=True, max_size=8))
    out: dict[str, Any] = {}
    for key in keys:
        valid = VALID.get(key)
        out[key] = draw(valid if valid is not None and draw(st.booleans()) else values)
    return out


EXAMPLES = int(os.environ.get("SOLAXTRAY_FUZZ_EXAMPLES", "150"))


def _text(data: dict[str, Any]) -> str:
    """JSON text of ``data`` with each marker replaced by its odd number, at any depth."""
    text = json.dumps(data)
    for index, number in enumerate(ODD_NUMBERS):
        text = text.replace(json.dumps(_MARK.format(index)), number)
    return text


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=settings_objects())
def test_any_settings_file_loads_in_one_sentence(data: dict[str, Any]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        store = SettingsStore(Path(folder) / "settings.json")
        store.path.write_text(_text(data), encoding="utf-8")
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
