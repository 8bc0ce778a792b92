"""The token store against a real Secret Service (gnome-keyring on a private D-Bus session), and
against no keyring at all."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import keyring
import pytest

from solaxtray.cli import main
from solaxtray.core.errors import SecretStoreError, SecretStoreLocked
from solaxtray.core.logsetup import reset_logging
from solaxtray.core.secrets import (
    CLIENT_ID_ENV,
    CLIENT_SECRET_ENV,
    TOKEN_ENV,
    DeveloperCredentials,
    KeyringTokenCache,
    SecretStatus,
    TokenStore,
    access_token_username,
    check_credential,
    check_token,
    client_secret_store,
    run_with_timeout,
)
from tests.keyring_fixture import SecretServiceBus, running_secret_service, using_bus

TOKEN = "202011223344556677889900"  # 24 digits, shaped like a real tokenId, used nowhere else
SHORT_TOKEN = "20201122334455667788990"  # 23 digits


@pytest.mark.keyring
def test_round_trip_through_real_secret_service(secret_service: SecretServiceBus) -> None:
    store = TokenStore()
    assert store.get() is None
    before = store.status()
    assert before == SecretStatus("none", "Secret Service (GNOME Keyring, KWallet)", False)

    store.set(f"  {TOKEN}\n")
    assert store.get() == TOKEN
    # What the daemon holds, read back through keyring directly, not through our store:
    assert keyring.get_password("solaxtray", "tokenId") == TOKEN
    status = store.status()
    assert (status.source, status.is_set) == ("keyring", True)
    assert TOKEN not in status.describe()
    assert TOKEN not in repr(store)

    assert store.clear() is True
    assert store.get() is None
    assert keyring.get_password("solaxtray", "tokenId") is None
    assert store.clear() is False


@pytest.mark.keyring
def test_set_replaces_the_previous_token(secret_service: SecretServiceBus) -> None:
    store = TokenStore()
    store.set(TOKEN)
    store.set(SHORT_TOKEN)
    assert store.get() == SHORT_TOKEN


@pytest.mark.keyring
def test_environment_overrides_the_keyring(
    secret_service: SecretServiceBus, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = TokenStore()
    store.set(TOKEN)
    monkeypatch.setenv(TOKEN_ENV, SHORT_TOKEN)
    assert store.get() == SHORT_TOKEN
    assert store.get_with_timeout(5) == SHORT_TOKEN
    assert store.status().source == "env"
    assert TOKEN_ENV in store.status().describe()
    # Clearing removes the stored one only; the environment still provides a token.
    assert store.clear() is True
    assert keyring.get_password("solaxtray", "tokenId") is None
    assert store.get() == SHORT_TOKEN


@pytest.mark.keyring
def test_developer_api_secret_shares_the_store(secret_service: SecretServiceBus) -> None:
    secret = client_secret_store()
    secret.set("developer-secret-value")
    assert keyring.get_password("solaxtray", "clientSecret") == "developer-secret-value"
    assert TokenStore().get() is None
    assert secret.clear() is True


@pytest.mark.keyring
def test_get_with_timeout_reads_the_keyring(secret_service: SecretServiceBus) -> None:
    TokenStore().set(TOKEN)
    assert TokenStore().get_with_timeout(10) == TOKEN


def test_no_backend_says_what_to_do(no_keyring: None) -> None:
    store = TokenStore()
    for call in (store.get, store.status, store.clear, lambda: store.set(TOKEN)):
        with pytest.raises(SecretStoreError) as info:
            call()
        assert not isinstance(info.value, SecretStoreLocked)
        assert "GNOME Keyring" in info.value.message
        assert TOKEN_ENV in info.value.message
        assert TOKEN not in str(info.value)
        assert TOKEN not in repr(info.value)


def test_no_backend_but_environment_token_works(
    no_keyring: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(TOKEN_ENV, TOKEN)
    store = TokenStore()
    assert store.get() == TOKEN
    status = store.status()
    assert (status.source, status.is_set, status.backend_name) == ("env", True, "none available")


@pytest.mark.keyring
def test_locked_collection_gives_the_unlock_sentence(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # A daemon of its own: this test locks the collection, which no other test should meet.
    with running_secret_service(unlock=True) as bus, using_bus(bus, monkeypatch):
        store = TokenStore()
        store.set(TOKEN)
        import secretstorage

        connection = secretstorage.dbus_init()
        try:
            collection = secretstorage.get_default_collection(connection)
            collection.lock()
            assert collection.is_locked()
        finally:
            connection.close()
        # No prompter exists on this bus, so the unlock prompt is dismissed at once.
        for call in (store.get, lambda: store.get_with_timeout(10), store.status):
            with pytest.raises(SecretStoreLocked) as info:
                call()
            assert "Unlock your keyring" in info.value.message
            assert info.value.title == "Keyring locked"
        # The command line says the same in one line, with the token's exit status.
        try:
            assert main(["fetch", "--sn", "ABCDE12345"]) == 3
        finally:
            reset_logging()
        err = capsys.readouterr().err
        assert err.startswith("Keyring locked: Your keyring is locked")
        assert err.count("\n") == 1


def test_a_keyring_that_never_answers_times_out() -> None:
    release = threading.Event()
    try:
        with pytest.raises(SecretStoreLocked) as info:
            run_with_timeout(lambda: release.wait(30), 0.2, what="test")
        assert "did not answer" in info.value.message
    finally:
        release.set()


def test_run_with_timeout_passes_results_and_errors_through() -> None:
    assert run_with_timeout(lambda: "value", 5, what="test") == "value"

    def boom() -> None:
        raise SecretStoreError("inner failure")

    with pytest.raises(SecretStoreError, match="inner failure"):
        run_with_timeout(boom, 5, what="test")


@pytest.mark.parametrize(
    ("text", "expected", "warns"),
    [
        (TOKEN, TOKEN, False),
        (SHORT_TOKEN, SHORT_TOKEN, False),
        (f"\t{TOKEN} \n", TOKEN, False),
        ("12345678901234567890", "12345678901234567890", True),  # 20 digits: unusual, accepted
        ("abcdef0123456789abcdef01", "abcdef0123456789abcdef01", True),
    ],
)
def test_token_shape_accepted(text: str, expected: str, warns: bool) -> None:
    token, warning = check_token(text)
    assert token == expected
    assert (warning is not None) == warns
    if warning:
        assert expected not in warning


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("", "empty"),
        ("   \n", "empty"),
        ("2020112233 44556677889900", "spaces"),
        ("ABC1234567", "23 or 24 digits"),  # a registration number typed into the token field
        ("2020112233445566778899ö0", "characters"),
        ("1" * 80, "23 or 24 digits"),
    ],
)
def test_token_shape_rejected(text: str, words: str) -> None:
    with pytest.raises(SecretStoreError) as info:
        check_token(text)
    assert words in info.value.message
    if text.strip():
        assert text.strip() not in info.value.message


@pytest.mark.keyring
def test_cli_token_set_from_stdin_with_real_keyring(
    secret_service: SecretServiceBus, isolated_dirs: Path
) -> None:
    env = secret_service.env()

    def run(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "solaxtray", *args],
            input=stdin,
            capture_output=True,
            text=True,
            env=env,
            timeout=60,
            check=False,
        )

    saved = run("token", "set", stdin=TOKEN + "\n")
    assert saved.returncode == 0, saved.stderr
    assert "Secret Service" in saved.stdout
    assert keyring.get_password("solaxtray", "tokenId") == TOKEN

    status = run("token", "status")
    assert status.returncode == 0, status.stderr
    assert "stored in the keyring" in status.stdout

    cleared = run("token", "clear")
    assert cleared.returncode == 0, cleared.stderr
    assert "removed" in cleared.stdout
    assert keyring.get_password("solaxtray", "tokenId") is None

    missing = run("token", "status")
    assert missing.returncode == 3
    assert "No token is set" in missing.stdout

    for result in (saved, status, cleared, missing):
        assert TOKEN not in result.stdout + result.stderr
    for log in isolated_dirs.rglob("*.log*"):
        assert TOKEN not in log.read_text(encoding="utf-8")


def test_cli_token_set_without_keyring_explains(isolated_dirs: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != TOKEN_ENV}
    env["DBUS_SESSION_BUS_ADDRESS"] = "unix:path=/nonexistent/solaxtray-test-bus"
    # What keyring does with no usable backend, on every OS (never the user's own keychain):
    env["PYTHON_KEYRING_BACKEND"] = "keyring.backends.fail.Keyring"
    result = subprocess.run(
        [sys.executable, "-m", "solaxtray", "token", "set"],
        input=TOKEN + "\n",
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert result.returncode == 3
    assert result.stderr.startswith("Keyring not available: No secure password store")
    assert "Traceback" not in result.stderr
    assert TOKEN not in result.stdout + result.stderr


def _answer_hidden_prompts(argv: list[str], env: dict[str, str], answers: list[str]) -> bytes:
    """Run ``python -m solaxtray ARGV`` on a pseudo-terminal, type each answer after its
    "(typing is hidden)" prompt, and return everything the terminal showed: what a user sees."""
    import fcntl
    import pty
    import termios

    master, slave = pty.openpty()

    def controlling_terminal() -> None:  # runs in the child: make the pty its terminal
        os.setsid()
        fcntl.ioctl(0, termios.TIOCSCTTY, 0)

    proc = subprocess.Popen(
        [sys.executable, "-m", "solaxtray", *argv],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env=env,
        preexec_fn=controlling_terminal,  # no threads run in this child before exec
    )
    os.close(slave)
    seen = b""
    try:
        for number, answer in enumerate(answers, start=1):
            while seen.count(b"hidden") < number:
                seen += os.read(master, 1024)
            os.write(master, answer.encode() + b"\n")
        while True:
            try:
                chunk = os.read(master, 1024)
            except OSError:  # EIO: the child closed the terminal
                break
            if not chunk:
                break
            seen += chunk
        assert proc.wait(timeout=30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        os.close(master)
    return seen


@pytest.mark.keyring
@pytest.mark.skipif(sys.platform == "win32", reason="a pseudo-terminal is POSIX")
def test_cli_token_set_prompts_without_echo(secret_service: SecretServiceBus) -> None:
    """On a terminal, ``token set`` asks with getpass: the typed token must not be echoed."""
    seen = _answer_hidden_prompts(["token", "set"], secret_service.env(), [TOKEN])
    assert TOKEN.encode() not in seen
    assert b"Token saved" in seen
    assert keyring.get_password("solaxtray", "tokenId") == TOKEN


# --- Developer API credentials and the shared access token ------------------------------------

CLIENT_ID = "solaxtray-test-client"
CLIENT_SECRET = "test-secret-5c1e-77aa"


@pytest.mark.keyring
def test_developer_credentials_round_trip(secret_service: SecretServiceBus) -> None:
    creds = DeveloperCredentials()
    assert creds.get() == (None, None)
    assert [s.is_set for s in creds.status()] == [False, False]
    assert "solaxtray credentials set" in creds.status()[0].describe()
    creds.set(f" {CLIENT_ID}\n", f"{CLIENT_SECRET}\n")
    assert creds.get() == (CLIENT_ID, CLIENT_SECRET)
    assert keyring.get_password("solaxtray", "clientId") == CLIENT_ID
    statuses = creds.status()
    assert [s.source for s in statuses] == ["keyring", "keyring"]
    assert "client secret" in statuses[1].describe()
    assert CLIENT_SECRET not in statuses[1].describe() + repr(creds)
    assert creds.clear() is True
    assert creds.get() == (None, None)
    assert creds.clear() is False


@pytest.mark.keyring
def test_access_token_is_shared_between_caches(secret_service: SecretServiceBus) -> None:
    tray = KeyringTokenCache(client_id=CLIENT_ID)
    cli = KeyringTokenCache(client_id=CLIENT_ID)
    other_app = KeyringTokenCache(client_id="another-application")
    assert tray.load() is None
    tray.save("access-token-1", 1_800_000_000.0)
    # What another process sees, and not another application:
    assert cli.load() == ("access-token-1", 1_800_000_000.0)
    assert other_app.load() is None
    cli.save("access-token-2", 1_800_000_100.0)
    assert tray.load() == ("access-token-2", 1_800_000_100.0)
    tray.clear()
    assert cli.load() is None
    assert keyring.get_password("solaxtray", access_token_username(CLIENT_ID)) is None
    assert "access-token" not in repr(tray)


def test_access_token_cache_works_from_memory_without_a_keyring(no_keyring: None) -> None:
    cache = KeyringTokenCache(client_id=CLIENT_ID)
    assert cache.load() is None
    cache.save("access-token-3", 1_800_000_000.0)
    assert cache.load() == ("access-token-3", 1_800_000_000.0)
    cache.clear()
    assert cache.load() is None


def test_developer_credentials_from_the_environment(
    no_keyring: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(CLIENT_ID_ENV, CLIENT_ID)
    monkeypatch.setenv(CLIENT_SECRET_ENV, CLIENT_SECRET)
    creds = DeveloperCredentials()
    assert creds.get() == (CLIENT_ID, CLIENT_SECRET)
    assert [s.source for s in creds.status()] == ["env", "env"]


def test_no_keyring_names_the_developer_variables(no_keyring: None) -> None:
    with pytest.raises(SecretStoreError) as info:
        client_secret_store().get()
    assert CLIENT_SECRET_ENV in info.value.message
    assert TOKEN_ENV not in info.value.message


@pytest.mark.parametrize(
    ("text", "words"),
    [("", "empty"), ("two words", "spaces"), ("x" * 300, "longer"), ("caf\u00e9", "characters")],
)
def test_check_credential_refuses_what_cannot_be_one(text: str, words: str) -> None:
    with pytest.raises(SecretStoreError, match=words) as info:
        check_credential(text, "client secret")
    assert info.value.title == "Credentials not saved"
    if text:
        assert text not in str(info.value)


@pytest.mark.skipif(sys.platform == "win32", reason="a POSIX pseudo-terminal")
def test_cli_credentials_set_prompts_without_echo(secret_service: SecretServiceBus) -> None:
    """On a terminal, ``credentials set`` asks twice with getpass: neither value is echoed."""
    seen = _answer_hidden_prompts(
        ["credentials", "set"], secret_service.env(), [CLIENT_ID, CLIENT_SECRET]
    )
    assert CLIENT_SECRET.encode() not in seen
    assert CLIENT_ID.encode() not in seen
    assert b"saved in the keyring" in seen
    assert keyring.get_password("solaxtray", "clientSecret") == CLIENT_SECRET
    assert keyring.get_password("solaxtray", "clientId") == CLIENT_ID


# --- a keyring that never answers; a frozen app's keyring ---------------------------------------


@pytest.mark.keyring
@pytest.mark.skipif(sys.platform == "win32", reason="stopping a process is POSIX (SIGSTOP)")
def test_cli_gives_up_on_a_keyring_that_never_answers(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import signal

    from solaxtray.core import secrets

    monkeypatch.setattr(secrets, "DEFAULT_TIMEOUT_S", 0.5)
    # A daemon of its own, stopped (SIGSTOP): it holds its D-Bus name but never answers, as a
    # hung Secret Service or one waiting behind an unlock prompt nobody sees (cron).
    with running_secret_service(unlock=True) as bus, using_bus(bus, monkeypatch):
        TokenStore().set(TOKEN)
        os.kill(bus.keyring_pid, signal.SIGSTOP)
        try:
            runs = [
                ["fetch", "--sn", "ABCDE12345"],
                ["watch", "--sn", "ABCDE12345"],
                ["token", "status"],
                ["fetch", "--backend", "developer", "--sn", "H34A10I1234567"],
            ]
            statuses: list[int] = []

            def run_all() -> None:
                for argv in runs:
                    try:
                        statuses.append(main(argv))
                    finally:
                        reset_logging()

            worker = threading.Thread(target=run_all, daemon=True)
            worker.start()
            worker.join(30)
            assert not worker.is_alive(), "the CLI waited for the keyring without a limit"
        finally:
            os.kill(bus.keyring_pid, signal.SIGCONT)
    assert statuses == [3, 3, 3, 3]
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 4
    for line in lines:
        assert line.startswith("Keyring locked: The keyring did not answer")
    assert all(TOKEN_ENV in line for line in lines[:3])
    assert CLIENT_ID_ENV in lines[3]
    assert CLIENT_SECRET_ENV in lines[3]


def test_developer_credentials_with_a_time_limit_from_the_environment(
    no_keyring: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(CLIENT_ID_ENV, "env-client-id")
    monkeypatch.setenv(CLIENT_SECRET_ENV, "env-client-secret-9")
    assert DeveloperCredentials().get_with_timeout(5) == ("env-client-id", "env-client-secret-9")
    monkeypatch.delenv(CLIENT_SECRET_ENV)
    with pytest.raises(SecretStoreError) as info:  # the secret is read from (no) keyring
        DeveloperCredentials().get_with_timeout(5)
    assert CLIENT_SECRET_ENV in info.value.message


_FROZEN_PROBE = """
import sys
import keyring.backend

# A PyInstaller build carries no package metadata, so keyring's entry points load nothing.
keyring.backend._load_plugins = lambda: None
keyring.get_keyring()  # a detection before solaxtray's first use (as another library might)
if sys.argv[1] == "frozen":
    sys.frozen = True
from solaxtray.core.secrets import TokenStore, backend_description

print(backend_description())
if sys.argv[1] == "frozen":
    print(TokenStore().get() == sys.argv[2])
"""


@pytest.mark.keyring
def test_a_frozen_app_finds_its_keyring_without_entry_points(
    secret_service: SecretServiceBus,
) -> None:
    TokenStore().set(TOKEN)

    def probe(mode: str) -> list[str]:
        proc = subprocess.run(
            [sys.executable, "-c", _FROZEN_PROBE, mode, TOKEN],
            capture_output=True,
            text=True,
            env=secret_service.env(),
            timeout=60,
            check=False,
        )
        return (proc.stdout + proc.stderr).splitlines()

    # Without the explicit import keyring finds nothing (so the probe does hide the entry
    # points); a frozen app imports its backend and reads the token.
    assert probe("source") == ["none available"]
    assert probe("frozen") == ["Secret Service (GNOME Keyring, KWallet)", "True"]
