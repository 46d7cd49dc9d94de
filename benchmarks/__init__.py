"""Benchmarks for composio_router, side by side with raw aiohttp and the official SDK.

``python -m benchmarks`` (or ``nox -s bench``); see ``benchmarks/README.md``.
Loopback only: every process installs :mod:`benchmarks.netguard` first.
This module imports nothing, so the import-time probes can use the guard cheaply.
"""
