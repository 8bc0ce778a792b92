"""Developer scripts (run as files; a package so the tests can import their helpers)."""
