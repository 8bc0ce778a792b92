"""The settings window (``dialog.py``) and its panels: ``account.py`` (the API, its secrets and
server, Test connection), ``inverters.py``, ``alerts.py`` and ``startup.py``. The connection test
itself is Qt-free: :mod:`solaxtray.core.connection_check`."""

from solaxtray.ui.settings.dialog import SettingsDialog

__all__ = ["SettingsDialog"]
