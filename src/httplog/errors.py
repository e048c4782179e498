"""The errors httplog raises: one base class, a few kinds.

The library never prints and never exits; the CLI maps every ``HttplogError``
to a one-line message on stderr and exit status 2.
"""

from __future__ import annotations


class HttplogError(Exception):
    """Base class of every error httplog raises on purpose."""


class InputError(HttplogError):
    """An input can't be read: missing, unreadable, a directory, bad compression."""


class FormatError(HttplogError):
    """A log format can't be compiled or resolved (unknown name, bad directive)."""


class UsageError(HttplogError):
    """An option has a value that makes no sense (bad window, language, condition)."""


class StateError(HttplogError):
    """An incremental-state directory is corrupt, foreign or of another version."""


class ClusterError(HttplogError):
    """A run on a Dask cluster could not finish: a worker lost, the scheduler gone."""
