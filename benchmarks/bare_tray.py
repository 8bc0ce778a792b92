"""The baseline the benchmarks measure solaxtray against: the least a PySide6 tray app can be.

A QSystemTrayIcon with a static icon and a one-entry menu, started the same way as the app. It
prints ``ready`` on its first event-loop tick (after the icon is shown), so a benchmark can time
both programs to the same moment, and exits by itself after ``--seconds`` if given.

With ``--read-secret SERVICE USERNAME`` it is the second baseline: the same tray that also imports
requests and keyring and reads one secret from the keyring before its icon (what any tray app that
polls a cloud with a stored token must load). The secret is read and dropped, never printed.
"""

from __future__ import annotations

import argparse
import sys


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="a bare PySide6 tray app (benchmark baseline)")
    parser.add_argument(
        "--seconds", type=float, default=0.0, help="quit after this long (0: never)"
    )
    parser.add_argument(
        "--read-secret",
        nargs=2,
        metavar=("SERVICE", "USERNAME"),
        help="also import requests and keyring and read this secret",
    )
    args = parser.parse_args(argv)

    if args.read_secret:
        import keyring
        import requests

        with requests.Session():
            found = keyring.get_password(*args.read_secret) is not None
        print(f"secret found: {found}", flush=True)

    from PySide6.QtCore import QTimer
    from PySide6.QtGui import QColor, QIcon, QPixmap
    from PySide6.QtWidgets import QApplication, QMenu, QSystemTrayIcon

    app = QApplication(sys.argv[:1])
    app.setApplicationName("bare-tray")
    app.setQuitOnLastWindowClosed(False)
    pixmap = QPixmap(64, 64)
    pixmap.fill(QColor("#2e7d32"))
    tray = QSystemTrayIcon(QIcon(pixmap))
    menu = QMenu()
    menu.addAction("Quit", app.quit)
    tray.setContextMenu(menu)
    tray.setToolTip("bare tray")
    tray.show()
    QTimer.singleShot(0, lambda: print("ready", flush=True))
    if args.seconds > 0:
        QTimer.singleShot(int(args.seconds * 1000), app.quit)
    return app.exec()


if __name__ == "__main__":
    sys.exit(main())
