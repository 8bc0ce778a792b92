"""The tokenId in the operating system's keyring, never anywhere else. Qt-free.

Why the keyring only: a token in a settings file is a plain-text secret on disk (and in every backup);
there is deliberately no plain-text fallback (``keyrings.alt`` stores base64, which is plain text).
Headless machines without a Secret Service set the environment variable ``SOLAXTRAY_TOKEN``, which
also overrides the keyring, so a script or a test can run with a token without touching the user's.

Every failure of the ``keyring`` library (no backend, a locked or dismissed unlock prompt, a D-Bus
error) is translated here, at one boundary, into :class:`SecretStoreError` or
:class:`SecretStoreLocked` carrying a sentence that says what to do.

**Blocking.** A locked keyring can show an unlock prompt and wait for the user indefinitely, and a
hung D-Bus service never answers. Code on a GUI thread must not call :meth:`SecretStore.get` directly:
run it on a worker thread, or use :meth:`SecretStore.get_with_timeout`, which gives up after a time
limit with ``SecretStoreLocked`` (the worker thread is a daemon and is abandoned, not killed: Python
offers no way to cancel a blocked D-Bus call).

**Frozen app.** keyring finds its backends through package metadata that a PyInstaller build lacks;
:func:`ensure_keyring_backends` imports this platform's backend explicitly before the first use.

**Token shape.** The document says a tokenId is 23 or 24 digits. :func:`check_token` rejects what
cannot be a token at all (empty, spaces inside, control or non-ASCII characters, fewer than 16 or more
than 64 characters: almost always a paste of the wrong thing, such as a serial number) because every
rejected request counts towards an hour's ban (field notes). Anything else that is not 23-24 digits is
accepted with a warning: white-label portals and later cloud versions may issue other shapes, and
refusing a working token would be worse than a warning. The token stays a ``str`` everywhere, never a
number (a float would lose digits).

The same store, under other keyring user names, holds the Developer API's client id and secret
(``client_id_store()``, ``client_secret_store()``, both at once through ``DeveloperCredentials``,
environment ``SOLAXTRAY_CLIENT_ID`` / ``SOLAXTRAY_CLIENT_SECRET``) and, optionally, its current
access token (``KeyringTokenCache``), so the tray app and ``solaxtray watch`` share one token instead
of invalidating each other's at every renewal.

Over 500 lines: the one keyring boundary for every secret of both APIs (the tokenId, the client id
and secret, the shared access token), so every keyring failure is translated in one place.
"""

from __future__ import annotations

import hashlib
import importlib
import logging
import os
import queue
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType
from typing import TYPE_CHECKING, Any, Literal, TypeVar

if TYPE_CHECKING:
    import keyring
    import keyring.errors
    from keyring.backend import KeyringBackend
else:

    class _Keyring(ModuleType):
        """``keyring``, imported on first use: the tray app with its token in the environment,
        or its demo, never reads the keyring, and the library with its backends costs a few
        MB of memory (``benchmarks/memory.py``)."""

        def __getattr__(self, name: str) -> Any:
            import keyring.errors  # noqa: F401 - the errors caught below

            module = sys.modules["keyring"]
            return getattr(module, name)

    keyring = _Keyring("keyring")

from solaxtray.core.errors import SecretStoreError, SecretStoreLocked
from solaxtray.core.i18n import N_, _, ngettext
from solaxtray.core.redact import register_secret

logger = logging.getLogger(__name__)

SERVICE = "solaxtray"
TOKEN_USERNAME = "tokenId"  # noqa: S105 (a name, not a secret)
TOKEN_ENV = "SOLAXTRAY_TOKEN"  # noqa: S105 (a name, not a secret)
CLIENT_ID_USERNAME = "clientId"
CLIENT_ID_ENV = "SOLAXTRAY_CLIENT_ID"
CLIENT_SECRET_USERNAME = "clientSecret"  # noqa: S105 (a name, not a secret)
CLIENT_SECRET_ENV = "SOLAXTRAY_CLIENT_SECRET"  # noqa: S105 (a name, not a secret)

DEFAULT_TIMEOUT_S = 10.0
"""How long anything in solaxtray waits for the keyring before saying it did not answer (the
tray app, the settings dialog, the CLI, the self-test): the one constant for all of them."""

_NO_BACKEND = N_(
    "No secure password store (keyring) was found. Install and start a Secret Service such as "
    "GNOME Keyring or KWallet and log in again, or, on a machine without a desktop, set the "
    "environment variable {env} instead."
)
_LOCKED = N_(
    "Your keyring is locked, or its unlock prompt was dismissed. Unlock your keyring "
    "(for example by logging in to the desktop again) and retry."
)
_FAILED = N_(
    "The keyring ({backend}) could not {action}. Check that your keyring service is running and "
    "unlocked and retry, or set the environment variable {env} instead."
)

Source = Literal["env", "keyring", "none"]

_T = TypeVar("_T")


@dataclass(frozen=True, slots=True)
class SecretStatus:
    """Where the secret comes from, never the secret itself."""

    source: Source
    """``env`` (the environment variable wins), ``keyring``, or ``none`` (not set anywhere)."""
    backend_name: str
    """The keyring backend in words, e.g. "Secret Service (GNOME Keyring, KWallet)"."""
    is_set: bool
    env_var: str = TOKEN_ENV
    what: str = N_("token")
    """What the secret is, in English words marked for translation ("token", "Developer API
    client id", ...): translated where shown."""
    set_command: str = "solaxtray token set"

    def describe(self) -> str:
        """One sentence for ``token status`` and the settings dialog."""
        # TRANSLATORS: {what} is "token", "Developer API client id" or "Developer API client
        # secret", each translated on its own.
        what = _(self.what)
        if self.source == "env":
            return _(
                "The {what} is set by the environment variable {env} (it overrides the keyring)."
            ).format(what=what, env=self.env_var)
        if self.source == "keyring":
            return _("The {what} is stored in the keyring: {backend}.").format(
                what=what, backend=self.backend_name
            )
        return _("No {what} is set. Keyring: {backend}. Run '{command}' to store one.").format(
            what=what, backend=self.backend_name, command=self.set_command
        )


def check_token(text: str) -> tuple[str, str | None]:
    """Return the token without surrounding blanks and a warning sentence (or None), or raise
    SecretStoreError (never naming the token) when the text cannot be a tokenId."""
    token = text.strip()
    if not token:
        raise SecretStoreError(_("The token is empty."), title=_("Token not saved"))
    if any(ch.isspace() for ch in token):
        raise SecretStoreError(
            _("The token contains spaces. Copy it again from the API page of SolaX Cloud."),
            title=_("Token not saved"),
        )
    if not token.isascii() or not token.isprintable():
        raise SecretStoreError(
            _(
                "The token contains characters that a SolaX Cloud token never has. Copy it again "
                "from the API page of SolaX Cloud."
            ),
            title=_("Token not saved"),
        )
    if not 16 <= len(token) <= 64:
        raise SecretStoreError(
            ngettext(
                "That is {count} character long; a SolaX Cloud tokenId has 23 or 24 digits. "
                "Copy it from the API page of SolaX Cloud (the serial number goes elsewhere).",
                "That is {count} characters long; a SolaX Cloud tokenId has 23 or 24 digits. "
                "Copy it from the API page of SolaX Cloud (the serial number goes elsewhere).",
                len(token),
            ).format(count=len(token)),
            title=_("Token not saved"),
        )
    if token.isdigit() and len(token) in (23, 24):
        return token, None
    if token.isdigit():
        warning = ngettext(
            "The token has {count} character; SolaX Cloud tokens are usually 23 or 24 digits. "
            "It was accepted anyway.",
            "The token has {count} characters; SolaX Cloud tokens are usually 23 or 24 digits. "
            "It was accepted anyway.",
            len(token),
        )
    else:
        warning = ngettext(
            "The token has {count} character, not only digits; SolaX Cloud tokens are usually "
            "23 or 24 digits. It was accepted anyway.",
            "The token has {count} characters, not only digits; SolaX Cloud tokens are usually "
            "23 or 24 digits. It was accepted anyway.",
            len(token),
        )
    return token, warning.format(count=len(token))


def import_keyring_backends() -> list[str]:
    """Import the keyring backends this platform needs, so keyring finds them even where its
    entry points are unreadable (a frozen app); returns the ones that imported."""
    names = ["keyring.backends.fail", "keyring.backends.chainer"]
    if sys.platform == "win32":
        names.append("keyring.backends.Windows")
    elif sys.platform == "darwin":
        names.append("keyring.backends.macOS")
    else:
        names.append("keyring.backends.SecretService")
    loaded = []
    for name in names:
        try:
            importlib.import_module(name)
            loaded.append(name)
        except ImportError:
            continue
    return loaded


_backends_lock = threading.Lock()
_backends_loaded = threading.Event()


def ensure_keyring_backends() -> None:
    """Make keyring see this platform's backend in a frozen app; once per process, before the
    first keyring call.

    Why: keyring discovers its backends through package entry points, which a PyInstaller build
    does not carry, so on its own it finds none and every secret would be "no keyring". Importing
    the backend modules registers their classes; the detection is then run again (its result is
    cached for the process). From source nothing is done: discovery works there, and a backend a
    caller has chosen (``keyring.set_keyring``) is left alone.
    """
    if _backends_loaded.is_set():
        return
    with _backends_lock:
        if _backends_loaded.is_set():
            return
        if getattr(sys, "frozen", False):
            import keyring.backend
            import keyring.core

            loaded = import_keyring_backends()
            # Forget a detection that ran before the imports (jaraco's ``once`` cache).
            reset = getattr(keyring.backend.get_all_keyring, "reset", None)
            if callable(reset) and hasattr(keyring.backend.get_all_keyring, "saved_result"):
                reset()
            keyring.core.init_backend()
            logger.info("Frozen app: imported keyring backends %s", ", ".join(loaded))
        _backends_loaded.set()


def backend_description(backend: KeyringBackend | None = None) -> str:
    """The active keyring backend in words a user recognises."""
    if backend is None:
        ensure_keyring_backends()
    kr = backend if backend is not None else keyring.get_keyring()
    module = type(kr).__module__
    if module.endswith("chainer"):
        inner = getattr(kr, "backends", [])
        return backend_description(inner[0]) if inner else "none available"
    if module.endswith(".fail") or module.endswith(".null"):
        return "none available"
    if "SecretService" in module or "libsecret" in module:
        return "Secret Service (GNOME Keyring, KWallet)"
    if "kwallet" in module:
        return "KWallet"
    if "macOS" in module:
        return "macOS Keychain"
    if "Windows" in module:
        return "Windows Credential Manager"
    return str(getattr(kr, "name", type(kr).__name__))


def run_with_timeout(
    func: Callable[[], _T], seconds: float, *, what: str, env_var: str | None = None
) -> _T:
    """Run a keyring call on a daemon thread and wait at most ``seconds``.

    Why: an unlock prompt or a hung Secret Service blocks forever. On time-out this raises
    SecretStoreLocked and abandons the thread (it ends whenever the keyring answers). With
    ``env_var`` the sentence names the environment variable that avoids the keyring.
    """
    results: queue.Queue[tuple[bool, object]] = queue.Queue(maxsize=1)

    def work() -> None:
        try:
            results.put((True, func()))
        except BaseException as exc:
            results.put((False, exc))

    threading.Thread(target=work, name=f"keyring-{what}", daemon=True).start()
    try:
        ok, value = results.get(timeout=seconds)
    except queue.Empty:
        # INFO: the raised error is what the user reads; a second line would repeat it.
        logger.info("The keyring did not answer within %g s (%s)", seconds, what)
        if not env_var:
            words = _(
                "The keyring did not answer within {seconds} seconds. It may be locked and "
                "waiting for its password: unlock your keyring and retry."
            )
        elif " and " in env_var:
            words = _(
                "The keyring did not answer within {seconds} seconds. It may be locked and "
                "waiting for its password: unlock your keyring and retry, or set the environment "
                "variables {env} instead."
            )
        else:
            words = _(
                "The keyring did not answer within {seconds} seconds. It may be locked and "
                "waiting for its password: unlock your keyring and retry, or set the environment "
                "variable {env} instead."
            )
        raise SecretStoreLocked(words.format(seconds=f"{seconds:g}", env=env_var or "")) from None
    if ok:
        return value  # type: ignore[return-value]
    assert isinstance(value, BaseException)
    raise value


class SecretStore:
    """One secret in the keyring (service, user name), overridden by an environment variable."""

    def __init__(
        self,
        service: str,
        username: str,
        env_var: str | None,
        *,
        what: str = N_("token"),
        set_command: str = "solaxtray token set",
    ) -> None:
        self.service = service
        self.username = username
        self.env_var = env_var
        self.what = what
        self.set_command = set_command

    def __repr__(self) -> str:
        return f"{type(self).__name__}(service={self.service!r}, username={self.username!r})"

    def _from_env(self) -> str | None:
        if self.env_var is None:
            return None
        value = os.environ.get(self.env_var, "").strip()
        return value or None

    def get(self) -> str | None:
        """The secret from the environment variable, else from the keyring, or None when unset.

        May block on a locked keyring: see the module docstring, or use :meth:`get_with_timeout`.
        """
        value = self._from_env()
        if value is None:
            value = self._call(
                N_("read the {what}"),
                lambda: keyring.get_password(self.service, self.username),
            )
        if value is not None:
            register_secret(value)
        return value

    def get_with_timeout(self, seconds: float = DEFAULT_TIMEOUT_S) -> str | None:
        """:meth:`get` with a time limit, for callers that must not hang (the tray app)."""
        env_value = self._from_env()
        if env_value is not None:
            register_secret(env_value)
            return env_value
        return run_with_timeout(self.get, seconds, what="get", env_var=self.env_var)

    def set(self, value: str) -> None:
        """Store the secret in the keyring (the environment variable is never written)."""
        register_secret(value)
        self._call(
            N_("save the {what}"),
            lambda: keyring.set_password(self.service, self.username, value),
        )
        logger.info("Stored the %s in the keyring (%s)", self.username, backend_description())

    def clear(self) -> bool:
        """Remove the secret from the keyring; True if one was there. The environment is untouched."""

        def delete() -> bool:
            try:
                keyring.delete_password(self.service, self.username)
            except keyring.errors.PasswordDeleteError:
                return False
            return True

        removed = self._call(N_("remove the {what}"), delete)
        logger.info("Cleared the %s from the keyring (was set: %s)", self.username, removed)
        return removed

    def status(self) -> SecretStatus:
        """Where the secret is and whether it is set. Does not read the keyring when the
        environment variable is set (so a headless machine without a keyring gets no error)."""
        backend = backend_description()
        words = {"env_var": self.env_var or "", "what": self.what, "set_command": self.set_command}
        if self._from_env() is not None:
            return SecretStatus("env", backend, True, **words)
        stored = self._call(
            N_("read the {what}"), lambda: keyring.get_password(self.service, self.username)
        )
        if stored is not None:
            register_secret(stored)
            return SecretStatus("keyring", backend, True, **words)
        return SecretStatus("none", backend, False, **words)

    def _call(self, action: str, func: Callable[[], _T]) -> _T:
        """Translate every keyring failure into a SecretStoreError with a sentence (the library's
        own text is logged by type only: it might one day carry a secret). ``action`` is an
        English phrase marked with ``N_`` and a ``{what}`` placeholder."""
        env = self.env_var or TOKEN_ENV
        ensure_keyring_backends()
        try:
            return func()
        except keyring.errors.NoKeyringError as exc:
            logger.info("No keyring backend: %s", type(exc).__name__)
            raise SecretStoreError(_(_NO_BACKEND).format(env=env)) from exc
        except keyring.errors.KeyringLocked as exc:
            logger.info("Keyring locked while trying to %s", action.format(what=self.what))
            raise SecretStoreLocked(_(_LOCKED)) from exc
        except SecretStoreError:
            raise
        except Exception as exc:
            if _looks_locked(exc):
                logger.info("Keyring locked while trying to %s", action.format(what=self.what))
                raise SecretStoreLocked(_(_LOCKED)) from exc
            logger.info(
                "Keyring failed to %s: %s", action.format(what=self.what), type(exc).__name__
            )
            raise SecretStoreError(
                _(_FAILED).format(
                    backend=backend_description(),
                    action=_(action).format(what=_(self.what)),
                    env=env,
                )
            ) from exc


def _looks_locked(exc: BaseException) -> bool:
    """secretstorage reports a dismissed prompt as its own exception types."""
    name = type(exc).__name__
    return name in {"LockedException", "PromptDismissedException"}


class TokenStore(SecretStore):
    """The SolaX Cloud tokenId: keyring service "solaxtray", user name "tokenId", env SOLAXTRAY_TOKEN."""

    def __init__(self, service: str = SERVICE) -> None:
        super().__init__(service, TOKEN_USERNAME, TOKEN_ENV)

    def set(self, value: str) -> None:
        """Check the token's shape (see :func:`check_token`) and store it.

        Raises SecretStoreError for text that cannot be a token; a merely unusual shape is stored
        (call :func:`check_token` first to show its warning).
        """
        token, warning = check_token(value)
        if warning:
            logger.info("Storing a token of unusual shape (%d characters)", len(token))
        super().set(token)


CREDENTIALS_SET_COMMAND = "solaxtray credentials set"
ACCESS_TOKEN_USERNAME = "developerAccessToken"  # noqa: S105 (a name, not a secret)


def client_id_store(service: str = SERVICE) -> SecretStore:
    """The Developer API client id (env SOLAXTRAY_CLIENT_ID)."""
    return SecretStore(
        service,
        CLIENT_ID_USERNAME,
        CLIENT_ID_ENV,
        what=N_("Developer API client id"),
        set_command=CREDENTIALS_SET_COMMAND,
    )


def client_secret_store(service: str = SERVICE) -> SecretStore:
    """The Developer API client secret (env SOLAXTRAY_CLIENT_SECRET)."""
    return SecretStore(
        service,
        CLIENT_SECRET_USERNAME,
        CLIENT_SECRET_ENV,
        what=N_("Developer API client secret"),
        set_command=CREDENTIALS_SET_COMMAND,
    )


def check_credential(text: str, what: str) -> str:
    """The client id or secret without surrounding blanks, or SecretStoreError (never naming the
    value) for text that cannot be one: empty, spaces inside, control or non-ASCII characters,
    longer than 256 characters. Why: a refused sign-in costs a request, and a paste of the wrong
    thing is better caught before it is stored."""
    value = text.strip()
    title = _("Credentials not saved")
    what = _(what)
    if not value:
        raise SecretStoreError(_("The {what} is empty.").format(what=what), title=title)
    if any(ch.isspace() for ch in value) or not value.isascii() or not value.isprintable():
        raise SecretStoreError(
            _(
                "The {what} contains spaces or characters it never has. Copy it again from your "
                "application on the SolaX Developer Platform (developer.solaxcloud.com)."
            ).format(what=what),
            title=title,
        )
    if len(value) > 256:
        raise SecretStoreError(
            _(
                "The {what} is {count} characters long, far longer than any client id or secret. "
                "Copy it again from your application on the SolaX Developer Platform."
            ).format(what=what, count=len(value)),
            title=title,
        )
    return value


class DeveloperCredentials:
    """The Developer API's client id and secret, kept together: set, read, inspect, clear.

    Each comes from its environment variable first, then the keyring (as the tokenId does).
    """

    def __init__(self, service: str = SERVICE) -> None:
        self.client_id = client_id_store(service)
        self.client_secret = client_secret_store(service)

    def __repr__(self) -> str:
        return f"DeveloperCredentials(service={self.client_id.service!r})"

    def get(self) -> tuple[str | None, str | None]:
        """(client id, client secret), each None when not set anywhere. May block on a locked
        keyring (see the module docstring)."""
        return self.client_id.get(), self.client_secret.get()

    def get_with_timeout(self, seconds: float = DEFAULT_TIMEOUT_S) -> tuple[str | None, str | None]:
        """:meth:`get` with one time limit for both reads, for callers that must not hang (the
        CLI from cron, the tray app)."""
        id_env, secret_env = self.client_id._from_env(), self.client_secret._from_env()
        if id_env is not None and secret_env is not None:
            register_secret(secret_env)
            return id_env, secret_env
        env_var = (
            CLIENT_SECRET_ENV if id_env is not None else f"{CLIENT_ID_ENV} and {CLIENT_SECRET_ENV}"
        )
        return run_with_timeout(self.get, seconds, what="get", env_var=env_var)

    def set(self, client_id: str, client_secret: str) -> None:
        """Check both, then store both (the id first: a failure leaves no secret without its id)."""
        cid = check_credential(client_id, N_("client id"))
        secret = check_credential(client_secret, N_("client secret"))
        if cid == secret:
            raise SecretStoreError(
                _(
                    "The client id and the client secret are the same text. Copy each from its own "
                    "field of your application on the SolaX Developer Platform."
                ),
                title=_("Credentials not saved"),
            )
        register_secret(secret)
        self.client_id.set(cid)
        self.client_secret.set(secret)
        # A token obtained with the old secret may belong to a revoked application: start afresh.
        AccessTokenStore(cid, self.client_id.service).forget()

    def status(self) -> tuple[SecretStatus, SecretStatus]:
        return self.client_id.status(), self.client_secret.status()

    def clear(self) -> bool:
        """Remove both from the keyring (and the cached access token); True if any was there."""
        stored_id = self.client_id._call(
            N_("read the {what}"),
            lambda: keyring.get_password(self.client_id.service, self.client_id.username),
        )
        removed_id = self.client_id.clear()
        removed_secret = self.client_secret.clear()
        if stored_id:
            AccessTokenStore(stored_id, self.client_id.service).forget()
        return removed_id or removed_secret


class AccessTokenStore:
    """The Developer API's current access token and its renewal time, in the keyring.

    Why the keyring: SolaX keeps one valid token per application, so two programs with the same
    client id (the tray app and ``solaxtray watch``) would invalidate each other's token at every
    renewal; sharing it through the keyring lets the second pick up the first one's token. It is a
    secret like the others, so never a file.
    """

    def __init__(self, client_id: str, service: str = SERVICE) -> None:
        self._store = SecretStore(
            service, access_token_username(client_id), None, what="access token"
        )

    def __repr__(self) -> str:
        return f"AccessTokenStore(service={self._store.service!r})"

    def load(self) -> tuple[str, float] | None:
        # Every access has a time limit: this runs inside polling loops (``watch`` from cron),
        # where a locked keyring must cost one sentence in the log, not a hang.
        raw = self._store.get_with_timeout(DEFAULT_TIMEOUT_S)
        if raw is None:
            return None
        token, _, when = raw.rpartition(" ")
        try:
            expires_at = float(when)
        except ValueError:
            return None
        if not token:
            return None
        register_secret(token)
        return token, expires_at

    def save(self, token: str, expires_at: float) -> None:
        register_secret(token)
        value = f"{token} {expires_at:.0f}"
        run_with_timeout(lambda: self._store.set(value), DEFAULT_TIMEOUT_S, what="set")

    def clear(self) -> None:
        run_with_timeout(self._store.clear, DEFAULT_TIMEOUT_S, what="clear")

    def forget(self) -> None:
        """Remove it, ignoring keyring trouble (it is only a cache)."""
        try:
            self.clear()
        except SecretStoreError as exc:
            logger.info("Could not remove the cached access token: %s", exc.title)


def access_token_username(client_id: str) -> str:
    """The keyring user name of the access token of one application. A digest of the client id
    (not the id itself, which is kept out of sight like the secret): a token of one application
    is never offered to another."""
    digest = hashlib.sha256(client_id.strip().encode("utf-8")).hexdigest()[:16]
    return f"{ACCESS_TOKEN_USERNAME}-{digest}"


class KeyringTokenCache:
    """A ``developer_api.TokenCache`` that keeps the access token in memory and in the keyring.

    Every load reads the keyring copy (one local D-Bus call, about twice per poll round), so a
    token renewed by another solaxtray process is picked up before this one renews its own. Keyring trouble never stops polling: the
    cache then works from memory only (with one log line), which costs at most a token request.
    """

    def __init__(self, *, client_id: str, service: str = SERVICE) -> None:
        self._keyring = AccessTokenStore(client_id, service)
        self._memory: tuple[str, float] | None = None
        self._keyring_ok = True

    def __repr__(self) -> str:
        return f"KeyringTokenCache(set={self._memory is not None}, keyring={self._keyring_ok})"

    def load(self) -> tuple[str, float] | None:
        if self._keyring_ok:
            try:
                shared = self._keyring.load()
            except SecretStoreError as exc:
                self._keyring_failed(exc)
            else:
                # The keyring has the last word: another process may have renewed the token, or
                # dropped it after the cloud rejected it.
                self._memory = shared
        return self._memory

    def save(self, token: str, expires_at: float) -> None:
        self._memory = (token, expires_at)
        if self._keyring_ok:
            try:
                self._keyring.save(token, expires_at)
            except SecretStoreError as exc:
                self._keyring_failed(exc)

    def clear(self) -> None:
        self._memory = None
        if self._keyring_ok:
            try:
                self._keyring.clear()
            except SecretStoreError as exc:
                self._keyring_failed(exc)

    def _keyring_failed(self, exc: SecretStoreError) -> None:
        logger.info("Keeping the access token in memory only: %s", exc.title)
        self._keyring_ok = False


ROUND_TRIP_SERVICE = "solaxtray-self-test"
"""The keyring service of the round trip's throwaway entry: apart from the app's own
("solaxtray"), so a check can never overwrite or delete the user's token."""
ROUND_TRIP_USERNAME = "round-trip"


def keyring_round_trip(seconds: float = DEFAULT_TIMEOUT_S) -> None:
    """Store a random value in the keyring, read it back and delete it, within ``seconds``.

    Why a write and not only a read: a keyring that answers reads can still refuse to store
    (a read-only or locked collection), and the token must be storable. Raises
    ``SecretStoreLocked`` when the keyring does not answer in time, ``SecretStoreError`` with a
    sentence for every other failure (no backend, a refused write, a different value read back).
    """
    import secrets as random_source

    store = SecretStore(ROUND_TRIP_SERVICE, ROUND_TRIP_USERNAME, None, what=N_("test entry"))
    value = random_source.token_urlsafe(16)

    def trip() -> str | None:
        store._call(
            N_("store a {what}"),
            lambda: keyring.set_password(store.service, store.username, value),
        )
        try:
            return store._call(
                N_("read a {what} back"),
                lambda: keyring.get_password(store.service, store.username),
            )
        finally:
            try:
                keyring.delete_password(store.service, store.username)
            except (
                Exception
            ) as exc:  # the entry is harmless; the round trip's verdict is what counts
                logger.info("Keyring test entry not removed: %s", type(exc).__name__)

    read_back = run_with_timeout(trip, seconds, what="round-trip")
    if read_back != value:
        raise SecretStoreError(
            _(
                "The keyring ({backend}) returned something else than the test entry just "
                "stored, so it cannot be relied on to keep a token. Check your keyring service "
                "and retry, or set the environment variable {env} instead."
            ).format(backend=backend_description(), env=TOKEN_ENV)
        )
