"""The thin PySide6 layer: tray icon, windows, notifier, poller and the wiring between them."""

from solaxtray.ui.shiboken_sources import spare_linecache

# First thing on every path into the Qt layer, before the modules that follow PySide6 are
# imported: see shiboken_sources for why.
spare_linecache()
