"""The tokenId API (accounts made before September 2026): one registration number per request."""
