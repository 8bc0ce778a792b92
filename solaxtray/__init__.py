"""solaxtray: a system-tray monitor for SolaX inverters over the SolaX Cloud API."""

__version__ = "0.1.0"
APP_NAME = "solaxtray"
