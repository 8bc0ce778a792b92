"""Modules stay small enough to read in one sitting: a module of the package over 500 lines must
say why in its docstring, in a paragraph that begins "Over 500 lines:"."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import solaxtray

PACKAGE = Path(solaxtray.__file__).parent
LIMIT = 500
MARKER = "Over 500 lines:"


def _line_count(path: Path) -> int:
    return len(path.read_text(encoding="utf-8").splitlines())


def long_modules_without_reason(root: Path, limit: int = LIMIT) -> list[str]:
    """The modules under root longer than limit whose docstring does not state why."""
    offenders = []
    for path in sorted(root.rglob("*.py")):
        lines = _line_count(path)
        if lines <= limit:
            continue
        docstring = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
        reason = docstring.partition(MARKER)[2].strip()
        if not reason:
            offenders.append(f"{path.relative_to(root)} ({lines} lines)")
    return offenders


def test_every_long_module_states_why() -> None:
    offenders = long_modules_without_reason(PACKAGE)
    assert not offenders, (
        f"modules over {LIMIT} lines without a '{MARKER}' paragraph in their docstring "
        f"(split them, or say why they stay whole): {', '.join(offenders)}"
    )


@pytest.mark.parametrize(
    ("docstring", "flagged"),
    [
        ('"""Does one thing."""', True),
        ('"""Does one thing.\n\nOver 500 lines:\n"""', True),
        ('"""Does one thing.\n\nOver 500 lines: one state machine, read top to bottom."""', False),
    ],
)
def test_the_check_flags_a_long_module_without_a_reason(
    tmp_path: Path, docstring: str, flagged: bool
) -> None:
    body = "\n".join(f"X{i} = {i}" for i in range(LIMIT + 1))
    (tmp_path / "long.py").write_text(f"{docstring}\n{body}\n", encoding="utf-8")
    (tmp_path / "short.py").write_text('"""Short."""\nX = 1\n', encoding="utf-8")
    offenders = long_modules_without_reason(tmp_path)
    assert [entry.split(" ")[0] for entry in offenders] == (["long.py"] if flagged else [])
