"""The Qt-free core: protocol, parsing, scheduling, alert rules, settings and secrets.

Nothing in this package may import PySide6 (``tests/test_architecture.py`` checks it), so the core
runs and is tested without a display, and `solaxtray fetch` / `watch` work on a headless server.
"""
