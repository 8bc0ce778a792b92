"""The core stays Qt-free (checked on the source and at run time), and only the API registry asks
which SolaX API is in use (checked on the source)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import solaxtray.core

CORE = Path(solaxtray.core.__file__).parent


def _imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_core_sources_never_import_qt() -> None:
    offenders = {
        str(path.relative_to(CORE)): sorted(
            m
            for m in _imported_modules(path)
            if m.split(".")[0] in {"PySide6", "shiboken6"} or m.startswith("solaxtray.ui")
        )
        for path in CORE.rglob("*.py")
    }
    offenders = {k: v for k, v in offenders.items() if v}
    assert not offenders, f"Qt imported by the core: {offenders}"


def test_importing_every_core_module_loads_no_qt() -> None:
    modules = [
        ".".join(("solaxtray", "core", *p.relative_to(CORE).with_suffix("").parts))
        for p in CORE.rglob("*.py")
        if p.stem != "__init__"
    ]
    code = (
        "import importlib, sys\n"
        f"for m in {modules!r}: importlib.import_module(m)\n"
        "bad = [m for m in sys.modules if m.startswith(('PySide6', 'shiboken6'))]\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert out.stdout.strip() == ""
    assert len(modules) >= 2


PACKAGE = CORE.parent
API = CORE / "api"
_KIND_WORDS = frozenset(
    {"token", "tokenid", "token-id", "token_id", "v1", "developer", "dev", "developer-api", "oauth"}
)
"""Every spelling of a backend kind (``core.api.registry.ALIASES``)."""
_KIND_NAMES = frozenset(
    {
        "TOKEN",
        "DEVELOPER",
        "BACKEND_TOKEN",
        "BACKEND_DEVELOPER",
        "TOKEN_BACKEND",
        "DEVELOPER_BACKEND",
    }
)
"""Names a backend kind constant has had (and a ``BackendKind`` member has)."""


def _kind_constant(node: ast.expr) -> bool:
    if isinstance(node, ast.Attribute):
        if isinstance(node.value, ast.Name) and node.value.id == "BackendKind":
            return True
        return node.attr in _KIND_NAMES
    if isinstance(node, ast.Name):
        return node.id in _KIND_NAMES
    return False


def _kind_word(node: ast.expr) -> bool:
    return (
        isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and node.value.strip().lower() in _KIND_WORDS
    )


def _kinds(node: ast.expr, *, words: bool) -> bool:
    """``node`` is a backend kind (or a tuple, list or set of them). Its string names count only
    where ``words``: the other side holds a kind, since "token" is also an ordinary word."""
    if isinstance(node, ast.Tuple | ast.List | ast.Set):
        return bool(node.elts) and all(_kinds(e, words=words) for e in node.elts)
    return _kind_constant(node) or (words and _kind_word(node))


def _holds_a_kind(node: ast.expr) -> bool:
    text = ast.unparse(node).lower()
    return any(word in text for word in ("backend", "kind", "api"))


def _is_kind_comparison(node: ast.Compare) -> bool:
    sides = [node.left, *node.comparators]
    for left, op, right in zip(sides, node.ops, sides[1:], strict=False):
        if isinstance(op, ast.In | ast.NotIn):
            if _kinds(right, words=_holds_a_kind(left)):
                return True
        elif _kinds(left, words=_holds_a_kind(right)) or _kinds(right, words=_holds_a_kind(left)):
            return True
    return False


def _kind_pattern(pattern: ast.pattern) -> bool:
    if isinstance(pattern, ast.MatchValue):
        return _kinds(pattern.value, words=True)
    if isinstance(pattern, ast.MatchOr):
        return any(_kind_pattern(p) for p in pattern.patterns)
    return False


def kind_comparisons(path: Path) -> list[str]:
    """``file:line`` of every comparison against a backend kind in ``path``."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    where = path.relative_to(PACKAGE) if PACKAGE in path.parents else path.name
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Compare) and _is_kind_comparison(node):
            found.append(f"{where}:{node.lineno}")
        elif isinstance(node, ast.Match) and _holds_a_kind(node.subject):
            found.extend(
                f"{where}:{case.pattern.lineno}"
                for case in node.cases
                if _kind_pattern(case.pattern)
            )
    return found


def test_only_the_api_registry_asks_which_api_is_in_use() -> None:
    """Outside ``core/api`` nothing compares a backend kind: it asks the API's spec instead."""
    offenders = [
        hit
        for path in sorted(PACKAGE.rglob("*.py"))
        if API not in path.parents
        for hit in kind_comparisons(path)
    ]
    assert not offenders, f"backend kind compared outside core/api: {offenders}"


def test_the_kind_check_finds_every_spelling(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    lines = [
        "a = kind == 'developer'",
        "b = kind != BACKEND_TOKEN",
        "c = spec.kind is BackendKind.DEVELOPER",
        "d = backend in ('token', 'oauth')",
        "e = settings.backend == settings_module.BACKEND_DEVELOPER",
        "match backend:\n    case 'v1':\n        pass",
        "f = kind == other_kind",
        "g = args.command == 'token'",
        "h = 'token' in key.lower()",
        "i = route in ('realtime', 'token')",
    ]
    sample.write_text("\n".join(lines) + "\n", encoding="utf-8")
    hits = kind_comparisons(sample)
    assert sorted(int(h.rsplit(":", 1)[1]) for h in hits) == [1, 2, 3, 4, 5, 7]


def test_the_running_app_does_not_import_its_start() -> None:
    """``ui/app.py`` starts the app and then loads ``ui/tray_app.py``; the running app reads its
    options from ``ui/options.py``, so the two never import each other."""
    tray_app = PACKAGE / "ui" / "tray_app.py"
    assert "solaxtray.ui.app" not in _imported_modules(tray_app)
    assert "solaxtray.ui.options" in _imported_modules(tray_app)
