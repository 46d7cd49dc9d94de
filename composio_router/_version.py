"""The package version, read by hatchling at build time and by the client's User-Agent."""

__version__ = "0.1.0"
