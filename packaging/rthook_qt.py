"""Run-time hook of the Linux build, in place of PyInstaller's PySide6 hook.

PyInstaller's hook imports ``PySide6.QtCore`` before the app's first line, to write a ``qt.conf``
the PyPI wheels already embed, so every start (``--version``, ``fetch`` on a server, ``--help``)
loaded Qt and ICU whether it needed them or not. This one only points Qt at the bundled plugins, as
the original does, and leaves the import of Qt to the code that uses it.
"""

import os
import sys

os.environ["QT_PLUGIN_PATH"] = os.path.join(sys._MEIPASS, "PySide6", "Qt", "plugins")  # type: ignore[attr-defined]
