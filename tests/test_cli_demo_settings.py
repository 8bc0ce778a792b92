"""The command line's demo never reads the user's settings file: a damaged one is neither set
aside nor reported, a valid one is not rewritten."""

from __future__ import annotations

import pytest

from solaxtray.cli import main
from solaxtray.core import paths


@pytest.mark.parametrize(
    "content",
    [
        '{"version": 1, "serials": ["ABCDE12345"], "stale_minutes": NaN}',
        '{"version": 1, "serials": ["ABCDE12345"], "note": "202011223344556677889922"}',
    ],
    ids=["damaged", "token-shaped"],
)
def test_fetch_demo_leaves_the_settings_file_alone(
    capsys: pytest.CaptureFixture[str], content: str
) -> None:
    path = paths.settings_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(content, encoding="utf-8")
    assert main(["fetch", "--demo"]) == 0
    _, err = capsys.readouterr()
    assert "Warning" not in err
    assert path.read_text(encoding="utf-8") == content
    assert [p.name for p in path.parent.iterdir()] == ["settings.json"]
