"""The version of httplog: the one lookup (the package metadata, read once).

>>> package_version() == package_version()
True
"""

from __future__ import annotations

from functools import cache


@cache
def package_version() -> str:
    """httplog's version, from its package metadata (``0+unknown`` from a bare source tree)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("httplog")
    except PackageNotFoundError:  # pragma: no cover - a source tree without metadata
        return "0+unknown"
