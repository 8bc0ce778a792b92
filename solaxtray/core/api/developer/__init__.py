"""The SolaX Developer API (accounts made since September 2026): OAuth2, ten inverters per request."""
