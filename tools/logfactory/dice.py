"""Seeded randomness that gives the same draws on every Python version.

``random.choice``, ``randrange``, ``sample``, ``shuffle`` and ``gauss`` may change
their algorithms between Python versions (and ``gauss`` uses libm); the float
sequence of ``random.Random(seed).random()`` after an integer seed is the one
Python documents as reproducible. :class:`Dice` builds everything on it with
plain arithmetic.

>>> d = Dice(7)
>>> [d.below(10) for _ in range(5)]
[3, 1, 6, 0, 5]
>>> Weighted([("a", 3), ("b", 1)]).draw(Dice(1))
'a'
"""

from __future__ import annotations

import bisect
import random
from collections.abc import Iterable, Sequence
from typing import Generic, TypeVar

T = TypeVar("T")


class Dice:
    """Seeded randomness derived from ``random.Random.random()`` alone.

    ``randrange``, ``choice``, ``gauss`` and friends may change between Python
    versions (and the latter use libm); ``random()`` after an integer seed may not.
    """

    def __init__(self, seed: int) -> None:
        self._random = random.Random(seed).random

    def unit(self) -> float:
        return self._random()

    def below(self, n: int) -> int:
        """An integer in [0, n)."""
        return min(int(self._random() * n), n - 1)

    def between(self, lo: int, hi: int) -> int:
        """An integer in [lo, hi], both included."""
        return lo + self.below(hi - lo + 1)

    def chance(self, p: float) -> bool:
        return self._random() < p

    def pick(self, items: Sequence[T]) -> T:
        return items[self.below(len(items))]


class Weighted(Generic[T]):
    """A fixed table of items with weights, drawn from with a :class:`Dice`."""

    def __init__(self, pairs: Iterable[tuple[T, float]]) -> None:
        self.items: list[T] = []
        self._cumulative: list[float] = []
        total = 0.0
        for item, weight in pairs:
            total += weight
            self.items.append(item)
            self._cumulative.append(total)
        self.total = total

    def draw(self, dice: Dice) -> T:
        i = bisect.bisect_right(self._cumulative, dice.unit() * self.total)
        return self.items[min(i, len(self.items) - 1)]
