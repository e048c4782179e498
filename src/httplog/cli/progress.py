"""A progress bar on stderr (bytes read of the total, lines/s), shown after a moment.

It is a :class:`httplog.Progress`: a run tells it the bytes to read, then
what each block held, then the end.
"""

from __future__ import annotations

import sys
import time
from typing import Any

#: Show the progress bar only for runs longer than this (seconds).
PROGRESS_DELAY = 0.5


class Bar:
    """The bar (rich's, which comes with typer), drawn only on a terminal."""

    def __init__(self, enabled: bool) -> None:
        self.total: int | None = None
        self.enabled = enabled and sys.stderr.isatty()
        self.t0 = time.monotonic()
        self.read = 0
        self.lines = 0
        self._bar: Any = None
        self._task: Any = None

    def start(self, total_bytes: int | None) -> None:
        self.total = total_bytes
        self.t0 = time.monotonic()

    def advance(self, nbytes: int, lines: int) -> None:
        self.read += nbytes
        self.lines += lines
        if not self.enabled:
            return
        if self._bar is None:
            if time.monotonic() - self.t0 < PROGRESS_DELAY:
                return
            self._draw()
        if self._bar is not None:
            self._bar.update(self._task, completed=self.read, lines=self.lines)

    def _draw(self) -> None:
        try:
            from rich.console import Console
            from rich.progress import (
                BarColumn,
                DownloadColumn,
                Progress,
                ProgressColumn,
                TextColumn,
                TimeElapsedColumn,
                TimeRemainingColumn,
                TransferSpeedColumn,
            )
            from rich.text import Text
        except ImportError:  # pragma: no cover - rich comes with typer
            self.enabled = False
            return

        class LinesPerSecond(ProgressColumn):
            def render(self, task: Any) -> Text:
                elapsed = task.elapsed or 0
                rate = task.fields.get("lines", 0) / elapsed if elapsed else 0
                return Text(f"{rate:,.0f} lines/s")

        self._bar = Progress(
            TextColumn("reading"),
            BarColumn(),
            DownloadColumn(),
            TransferSpeedColumn(),
            LinesPerSecond(),
            TimeElapsedColumn() if self.total is None else TimeRemainingColumn(),
            console=Console(stderr=True),
            transient=True,
        )
        self._bar.start()
        self._task = self._bar.add_task("read", total=self.total, lines=0)

    def stop(self) -> None:
        if self._bar is not None:
            self._bar.stop()
            self._bar = None
