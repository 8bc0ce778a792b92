"""Benchmarks: scripts that print numbers against a baseline measured in the same run (never
assertions). A package so that one benchmark can reuse another's probe (package_size uses startup)."""
