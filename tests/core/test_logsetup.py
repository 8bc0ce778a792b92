"""Logging: the file lands in the platform log dir, rotates, masks the token on every handler,
and records uncaught errors."""

from __future__ import annotations

import errno
import logging
import os
import sys
import threading
from collections.abc import Iterator

import pytest

from solaxtray.core import logsetup, paths
from solaxtray.core.logsetup import configure_logging, parse_level, reset_logging
from solaxtray.core.redact import register_secret

TOKEN = "424242424242424242424242"


@pytest.fixture(autouse=True)
def _reset() -> Iterator[None]:
    yield
    reset_logging()


def _ours() -> list[logging.Handler]:
    return [h for h in logging.getLogger().handlers if getattr(h, "_solaxtray_handler", False)]


def test_file_in_log_dir_and_console_on_stderr(capsys: pytest.CaptureFixture[str]) -> None:
    path = configure_logging("WARNING", console=True)
    assert path == paths.log_dir() / "solaxtray.log"
    logging.getLogger("solaxtray.test").info("info line for the file only")
    logging.getLogger("solaxtray.test").warning("warning line for both")
    err = capsys.readouterr().err
    assert "warning line for both" in err
    assert "info line" not in err
    text = path.read_text(encoding="utf-8")
    assert "info line for the file only" in text
    assert "warning line for both" in text


def test_debug_level_reaches_file_and_console(capsys: pytest.CaptureFixture[str]) -> None:
    path = configure_logging("debug")
    logging.getLogger("urllib3.connectionpool").debug("GET /x HTTP/1.1")
    assert "GET /x" in capsys.readouterr().err
    assert "GET /x" in path.read_text(encoding="utf-8")


def test_no_console_when_not_asked(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("INFO", console=False)
    logging.getLogger("solaxtray.test").error("quiet")
    assert capsys.readouterr().err == ""


def test_calling_again_replaces_handlers() -> None:
    configure_logging("INFO")
    configure_logging("INFO")
    assert len(_ours()) == 2
    reset_logging()
    assert _ours() == []


def test_token_masked_on_every_handler(capsys: pytest.CaptureFixture[str]) -> None:
    register_secret(TOKEN)
    path = configure_logging("DEBUG")
    log = logging.getLogger("urllib3.connectionpool")
    log.debug("GET /proxyApp/proxy/api/getRealtimeInfo.do?tokenId=%s&sn=ABCDE12345", TOKEN)
    try:
        raise ValueError(f"body echoed {TOKEN}")
    except ValueError:
        logging.getLogger("solaxtray.test").exception("failed")
    err = capsys.readouterr().err
    text = path.read_text(encoding="utf-8")
    assert "sn=ABCDE12345" in text
    assert "body echoed" in text  # the traceback is in the file
    assert "Traceback" not in err  # but never on the console
    assert TOKEN not in text
    assert TOKEN not in err


def test_rotation_keeps_three_old_files(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(logsetup, "MAX_BYTES", 2000)
    path = configure_logging("INFO", console=False)
    log = logging.getLogger("solaxtray.test")
    for i in range(200):
        log.info("line %d %s", i, "x" * 80)
    names = sorted(p.name for p in path.parent.iterdir())
    assert names == ["solaxtray.log", "solaxtray.log.1", "solaxtray.log.2", "solaxtray.log.3"]
    assert all(p.stat().st_size <= 2200 for p in path.parent.iterdir())


def test_uncaught_errors_are_logged() -> None:
    path = configure_logging("INFO", console=False)
    try:
        raise RuntimeError("main thread boom")
    except RuntimeError:
        sys.excepthook(*sys.exc_info())

    def crash() -> None:
        raise RuntimeError("worker boom")

    worker = threading.Thread(target=crash, name="worker-x")
    worker.start()
    worker.join()
    text = path.read_text(encoding="utf-8")
    assert "main thread boom" in text
    assert "worker boom" in text
    assert "worker-x" in text


def test_hooks_restored() -> None:
    before = (sys.excepthook, threading.excepthook)
    configure_logging("INFO")
    assert sys.excepthook is not before[0]
    reset_logging()
    assert (sys.excepthook, threading.excepthook) == before


def test_unwritable_log_dir_falls_back_to_console(capsys: pytest.CaptureFixture[str]) -> None:
    blocker = paths.log_dir().parent
    blocker.parent.mkdir(parents=True, exist_ok=True)
    blocker.write_text("a file where the log folder should be", encoding="utf-8")
    configure_logging("WARNING")
    assert "logging to the console only" in capsys.readouterr().err
    assert len(_ours()) == 1


@pytest.mark.parametrize("name", ["debug", "Info", "WARNING", " error "])
def test_parse_level(name: str) -> None:
    assert parse_level(name) == getattr(logging, name.strip().upper())


def test_parse_level_rejects_unknown() -> None:
    with pytest.raises(ValueError, match="use one of"):
        parse_level("loud")


@pytest.mark.skipif(
    not os.path.exists("/dev/full"), reason="no /dev/full on this OS (Windows, macOS)"
)
def test_a_full_disk_is_told_once_and_the_file_log_stops(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # /dev/full opens fine and fails every write with ENOSPC: a disk that filled up.
    path = paths.log_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.symlink_to("/dev/full")
    configure_logging("WARNING", console=True)
    log = logging.getLogger("solaxtray.test")
    for i in range(5):
        log.warning("record %d", i)
    err = capsys.readouterr().err
    assert "Logging error" not in err
    assert "Traceback" not in err
    lines = err.splitlines()
    told = [line for line in lines if "could not write its log file" in line]
    assert len(told) == 1
    assert str(path) in told[0]
    assert os.strerror(errno.ENOSPC) in told[0]
    # Every record still reached the console, the first one included.
    assert [line for line in lines if "record" in line] == [
        f"WARNING: record {i}" for i in range(5)
    ]
    assert [type(h).__name__ for h in _ours()] == ["StreamHandler"]


@pytest.mark.skipif(
    sys.platform == "win32" or os.geteuid() == 0,
    reason="root (and Windows) can write into read-only files",
)
def test_a_log_file_that_cannot_be_opened_is_found_at_start(
    capsys: pytest.CaptureFixture[str],
) -> None:
    path = paths.log_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("", encoding="utf-8")
    path.chmod(0o444)
    configure_logging("WARNING", console=True)
    logging.getLogger("solaxtray.test").warning("after start")
    err = capsys.readouterr().err
    assert "Logging error" not in err
    assert "logging to the console only" in err
    assert len(_ours()) == 1
