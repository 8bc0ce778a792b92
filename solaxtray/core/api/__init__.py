"""The SolaX APIs: what they share (transport, servers), one package per API, and the registry
that answers every "which API?" question for the rest of the app. Qt-free."""
