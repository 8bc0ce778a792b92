"""No user-facing sentence bypasses the catalog: a scan of the source for string literals handed
to the places users read (widget texts, tooltips, notifications, error constructors, error
titles, argparse help) that are not wrapped in ``_()``/``ngettext()``.

It is a heuristic on purpose (an AST walk, no type inference), tuned to find what a hurried change
writes: ``label.setText("Saved")``, ``raise ConfigError(f"... {x}")``, ``title="..."``.
"""

from __future__ import annotations

import ast
import builtins
import re
from pathlib import Path

import pytest

import solaxtray
from solaxtray.core import errors

PACKAGE = Path(solaxtray.__file__).resolve().parent
SKIP_PARTS = {"simulator"}
"""The simulator speaks as the fake cloud, in the cloud's own (English) words."""
SKIP_FILES: set[str] = set()
PENDING: set[str] = set()
"""Files whose wording is still being wrapped (emptied when they are)."""

SHOWN_BY = {
    "setText",
    "setToolTip",
    "setWindowTitle",
    "setPlaceholderText",
    "setStatusTip",
    "setWhatsThis",
    "setAccessibleName",
    "setAccessibleDescription",
    "setTitle",
    "setPrefix",
    "setSuffix",
    "setSpecialValueText",
    "setLabelText",
    "showMessage",
    "addAction",
    "addItem",
    "addMenu",
    "addTab",
    "setTabText",
    "information",
    "warning",
    "critical",
    "question",
    "print",
}
"""Methods (Qt widgets, message boxes, notifications) whose string arguments a user reads."""
WIDGETS = {
    "QAction",
    "QLabel",
    "QPushButton",
    "QCheckBox",
    "QRadioButton",
    "QGroupBox",
    "QMessageBox",
    "QMenu",
    "QToolButton",
}
KEYWORDS = {"title", "message", "help", "description", "epilog", "text", "body", "summary"}
"""Keyword arguments that carry a sentence (``title=`` of an error, argparse's ``help=``)."""
ERROR_NAMES = {
    name
    for name, value in vars(errors).items()
    if isinstance(value, type) and issubclass(value, errors.SolaxTrayError)
}
WRAPPERS = {"_", "ngettext", "N_", "gettext"}
WORDS = re.compile(r"[A-Za-z]{2,}")


def _literal_words(node: ast.AST) -> str | None:
    """The text of a string literal (or an f-string's literal parts) that holds words."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        text = node.value
    elif isinstance(node, ast.JoinedStr):
        text = "".join(
            v.value for v in node.values if isinstance(v, ast.Constant) and isinstance(v.value, str)
        )
    elif isinstance(node, ast.BinOp):  # "a" + "b", "..." % x
        return _literal_words(node.left) or _literal_words(node.right)
    else:
        return None
    return text if WORDS.search(text) else None


def _callee(node: ast.Call) -> str:
    func = node.func
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return ""


def _is_logging(node: ast.Call) -> bool:
    """``logger.warning(...)``: log records are for a bug report, in English on purpose."""
    func = node.func
    if not isinstance(func, ast.Attribute):
        return False
    owner = func.value
    if isinstance(owner, ast.Call) and _callee(owner) == "getLogger":
        return True
    return isinstance(owner, ast.Name) and owner.id in {"logger", "logging", "log", "_log"}


def _is_error(name: str) -> bool:
    """One of our errors (``ConfigError``, a module's own ``_UsageError``), not a built-in
    exception (a ``ValueError`` is for programmers, and its words stay English)."""
    bare = name.lstrip("_")
    return name in ERROR_NAMES or (
        bare.endswith("Error") and bare[:1].isupper() and not hasattr(builtins, name)
    )


def unwrapped_literals(source: str, filename: str = "<source>") -> list[tuple[int, str]]:
    """(line, text) of every sentence handed to a user-facing place without a wrapper."""
    tree = ast.parse(source, filename=filename)
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = _callee(node)
        if name in WRAPPERS or _is_logging(node):
            continue
        candidates: list[ast.AST] = []
        if name in SHOWN_BY or name in WIDGETS:
            candidates.extend(node.args)
        elif _is_error(name):
            candidates.extend(node.args[:1])
        candidates.extend(k.value for k in node.keywords if k.arg in KEYWORDS)
        for arg in candidates:
            text = _literal_words(arg)
            if text is not None:
                found.append((getattr(arg, "lineno", node.lineno), text))
    for node in ast.walk(tree):
        # Class-level ``title = "..."`` of an error class.
        if isinstance(node, ast.ClassDef):
            for item in node.body:
                if (
                    isinstance(item, ast.Assign | ast.AnnAssign)
                    and any(
                        isinstance(t, ast.Name) and t.id == "title"
                        for t in (item.targets if isinstance(item, ast.Assign) else [item.target])
                    )
                    and item.value is not None
                ):
                    text = _literal_words(item.value)
                    if text is not None:
                        found.append((item.lineno, text))
    return found


def _sources() -> list[Path]:
    return sorted(
        p
        for p in PACKAGE.rglob("*.py")
        if not SKIP_PARTS & set(p.relative_to(PACKAGE).parts) and p.name not in SKIP_FILES
    )


@pytest.mark.parametrize("path", _sources(), ids=lambda p: p.relative_to(PACKAGE).as_posix())
def test_no_user_facing_literal_bypasses_the_catalog(path: Path) -> None:
    relative = path.relative_to(PACKAGE).as_posix()
    if relative in PENDING:
        pytest.skip(f"{relative}: wording not wrapped yet")
    found = unwrapped_literals(path.read_text(encoding="utf-8"), str(path))
    assert not found, "\n".join(
        f"{relative}:{line}: wrap in _(): {text[:70]!r}" for line, text in found
    )


@pytest.mark.parametrize(
    "code",
    [
        'label.setText("Saved")',
        'box.setToolTip(f"Next poll at {when}")',
        'raise ConfigError("The server is wrong.")',
        'raise _UsageError("No serial number given.")',
        'raise ConfigError(f"The server {x} is wrong.", title="Bad server")',
        'QAction("&Quit", menu)',
        'tray.showMessage("Fault", body)',
        'print("Interrupted.", file=sys.stderr)',
        'parser.add_argument("--x", help="the x")',
        'class E(SolaxTrayError):\n    title = "Oops"',
    ],
)
def test_the_scan_finds_an_unwrapped_sentence(code: str) -> None:
    assert unwrapped_literals(code)


@pytest.mark.parametrize(
    "code",
    [
        'label.setText(_("Saved"))',
        'box.setToolTip(_("Next poll at {when}").format(when=w))',
        'raise ConfigError(_("The server {x} is wrong.").format(x=x), title=_("Bad server"))',
        'label.setText("—")',
        'label.setText("")',
        'n = ngettext("{n} day", "{n} days", n)',
        'class E(SolaxTrayError):\n    title = N_("Oops")',
        'obj.setObjectName("solaxtray-error-dialog")',
        'logger.warning("Request for %s failed", sn)',
        'raise ValueError(f"Unknown log level {level!r}")',
        'logging.getLogger("solaxtray").critical("Uncaught error")',
    ],
)
def test_the_scan_accepts_wrapped_or_wordless_text(code: str) -> None:
    assert not unwrapped_literals(code)


def shadowing_functions(source: str) -> list[str]:
    """Functions that call ``_()`` and also bind ``_`` (``x, _ = pair``, ``for _ in ...``): there
    ``_`` is a local, and the call fails (or calls the wrong thing) at run time."""
    tree = ast.parse(source)
    found = []
    for func in ast.walk(tree):
        if not isinstance(func, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            continue
        body = list(ast.walk(func))
        binds = any(
            isinstance(n, ast.Name) and n.id == "_" and isinstance(n.ctx, ast.Store) for n in body
        ) or any(
            a.arg == "_" for a in func.args.args + func.args.kwonlyargs + func.args.posonlyargs
        )
        calls = any(
            isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == "_"
            for n in body
        )
        if binds and calls:
            found.append(getattr(func, "name", "<lambda>"))
    return found


@pytest.mark.parametrize("path", _sources(), ids=lambda p: p.relative_to(PACKAGE).as_posix())
def test_no_function_shadows_the_translation_function(path: Path) -> None:
    assert not shadowing_functions(path.read_text(encoding="utf-8"))


def test_the_shadow_check_can_fail() -> None:
    assert shadowing_functions("def f(pair):\n    a, _ = pair\n    return _('x')\n") == ["f"]
    assert not shadowing_functions("def f(pair):\n    a, _b = pair\n    return _('x')\n")
