"""The thin PySide6 layer: tray icon, windows, notifier, poller and the wiring between them."""
