"""The errors httplog raises: one base class, a few kinds, and their fields.

The library never prints and never exits; the CLI maps every ``HttplogError``
to a one-line message on stderr and exit status 2. Errors are data: besides
their message (the library's own wording, which names parameters as the
Python API does), the errors about an option or a path carry the facts as
fields, so that a caller can word them its own way (the CLI names flags).

Examples
--------
>>> e = OptionError("top", 0, "out of range", limit="1 to 100,000")
>>> str(e)
'bad top 0: out of range (1 to 100,000)'
>>> e.describe("--top")
'bad --top 0: out of range (1 to 100,000)'
>>> e.option, e.value, e.limit
('top', 0, '1 to 100,000')
"""

from __future__ import annotations


class HttplogError(Exception):
    """Base class of every error httplog raises on purpose."""


class InputError(HttplogError):
    """An input can't be read: missing, unreadable, a directory, bad compression
    (``path``: the input, when one is to blame)."""

    def __init__(self, message: str, *, path: str | None = None):
        self.path = path
        super().__init__(message)


class FormatError(HttplogError):
    """A log format can't be compiled or resolved (unknown name, bad directive)."""


class DetectionError(FormatError):
    """No format fits the first lines: ``tried`` (the named formats tried) and
    ``sampled`` (how many lines were looked at)."""

    def __init__(self, message: str, *, tried: tuple[str, ...], sampled: int):
        self.tried = tried
        self.sampled = sampled
        super().__init__(message)


class UsageError(HttplogError):
    """An option has a value that makes no sense (bad window, language, condition).

    ``option`` names the parameter at fault (as the Python API names it) and
    ``value`` its value, when the error is about one.
    """

    def __init__(self, message: str, *, option: str | None = None, value: object = None):
        self.option = option
        self.value = value
        super().__init__(message)


class OptionError(UsageError, ValueError):
    """One option's value is wrong: ``option`` (its parameter name), ``value``,
    ``problem`` (what is wrong) and ``limit`` (what it may be, or None).

    It is a ValueError too, as a bad argument is in Python."""

    option: str

    def __init__(self, option: str, value: object, problem: str, *, limit: str | None = None):
        self.problem = problem
        self.limit = limit
        super().__init__(self._message(option, value), option=option, value=value)

    def _message(self, name: str, value: object) -> str:
        shown = repr(value) if isinstance(value, str) else str(value)
        limit = f" ({self.limit})" if self.limit else ""
        return f"bad {name} {shown}: {self.problem}{limit}"

    def describe(self, name: str) -> str:
        """The message, naming the option ``name`` (such as ``--top``)."""
        return self._message(name, self.value)


class ConflictError(UsageError):
    """Options that can't be given together (or one that needs another):
    ``options`` names them as the Python API does, ``problem`` says why."""

    def __init__(self, message: str, *, options: tuple[str, ...], problem: str):
        self.options = options
        self.problem = problem
        super().__init__(message, option=options[0])


class OutputError(HttplogError):
    """An output can't be written (``path``), or writing it would destroy an input.

    ``output`` names which output it is (``report``, ``json``, ``export``,
    ``state``, ``partial``; None when unknown) and ``input`` the input it
    would overwrite, if that is the trouble.
    """

    def __init__(
        self,
        message: str,
        *,
        path: str,
        output: str | None = None,
        input: str | None = None,  # the input it would overwrite
    ):
        self.path = path
        self.output = output
        self.input = input
        super().__init__(message)


class StateError(HttplogError):
    """An incremental-state directory is corrupt, foreign or of another version.

    ``resettable`` tells whether starting the state over (which forgets what
    it holds) would get past it: true for a damaged, edited or outdated
    state, false for a directory that is not a state or is in use.
    """

    def __init__(self, message: str, *, resettable: bool = False):
        self.resettable = resettable
        super().__init__(message)


class SettingsError(StateError):
    """A run asks to count with other options than the state (at ``path``) was built with:
    ``setting`` (``log_format``, ``status``, ``path_prefix``), what the state
    has (``known``) and what the run asks for (``asked``), both as text."""

    def __init__(self, message: str, *, path: str, setting: str, known: str, asked: str):
        self.path = path
        self.setting = setting
        self.known = known
        self.asked = asked
        super().__init__(message)


class RejectedError(FormatError):
    """More lines were rejected than allowed: the format is probably wrong.

    ``lines`` and ``rejected`` count them, ``ratio`` is their share,
    ``format_label`` the format tried, and ``allow`` the smallest limit
    (a fraction) that would accept this input.
    """

    def __init__(
        self,
        message: str,
        *,
        lines: int,
        rejected: int,
        ratio: float,
        allow: float,
        format_label: str | None,
    ):
        self.lines = lines
        self.rejected = rejected
        self.ratio = ratio
        self.allow = allow
        self.format_label = format_label
        super().__init__(message)


class ClusterError(HttplogError):
    """A run on a Dask cluster could not finish: a worker lost, the scheduler gone."""
