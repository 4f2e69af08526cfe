"""Intervals of values between two bounds, each bound included or not.

The one implementation of band arithmetic over intervals: the
union of several bands, the gaps between them, whether one interval covers
another, and the values two bands share. The checker's overlap test (E109)
and the lint band rules (gaps, reach, coverage) all use it. `None` stands for
an unbounded end.

    >>> low = Interval(Decimal(0), True, Decimal(500000), False)       # [0, 50万)
    >>> high = Interval(Decimal(600000), True, None, False)            # [60万, ..)
    >>> [g.show() for g in gaps(union([high, low]))]
    ['[500,000, 600,000)']
    >>> shared(low, Interval(Decimal(400000), True, Decimal(700000), True)).show()
    '[400,000, 500,000)'
"""
from __future__ import annotations

from decimal import Decimal
from typing import Iterable, Optional

import attrs

from dsl.core.display import format_number

__all__ = ["Interval", "low_key", "union", "gaps", "covers", "shared"]


@attrs.frozen
class Interval:
    lo: Optional[Decimal]  # None: unbounded below
    lo_closed: bool
    hi: Optional[Decimal]  # None: unbounded above
    hi_closed: bool

    @classmethod
    def of_band(cls, band) -> "Interval":
        """The values of a band (anything with low, low_closed, high, high_closed: `ir.Band`)."""
        return cls(band.low, band.low_closed, band.high, band.high_closed)

    @property
    def is_point(self) -> bool:
        return self.lo is not None and self.lo == self.hi

    def bounds_text(self, texts: Optional[dict] = None) -> str:
        """`[lo, hi)` with each bound in the text it was written with, if known.

        >>> Interval(Decimal(500000), True, None, False).bounds_text({Decimal(500000): "50万"})
        '[50万, ..)'
        """
        texts = texts or {}

        def text(value):
            return texts.get(value) or format_number(value)

        lo = ("[" if self.lo_closed else "(") + (text(self.lo) if self.lo is not None else "..")
        hi = (text(self.hi) if self.hi is not None else "..") + ("]" if self.hi_closed else ")")
        return f"{lo}, {hi}"

    def show(self, texts: Optional[dict] = None) -> str:
        """How a message names the interval: `the value 5` for a single value, else its bounds."""
        if self.is_point:
            return f"the value {(texts or {}).get(self.lo) or format_number(self.lo)}"
        return self.bounds_text(texts)


def low_key(interval: Interval):
    """Sort key: unbounded below first, then by lower bound, a closed bound before an open one."""
    return (interval.lo is not None, interval.lo if interval.lo is not None else Decimal(0), not interval.lo_closed)


def _higher_end(a: Interval, b: Interval) -> tuple[Optional[Decimal], bool]:
    if a.hi is None or b.hi is None:
        return None, False
    if a.hi == b.hi:
        return a.hi, a.hi_closed or b.hi_closed
    return (a.hi, a.hi_closed) if a.hi > b.hi else (b.hi, b.hi_closed)


def union(intervals: Iterable[Interval]) -> list[Interval]:
    """Disjoint, sorted intervals covering exactly the values of `intervals`.

    >>> union([Interval(Decimal(5), True, None, False), Interval(Decimal(0), True, Decimal(5), False)])
    [Interval(lo=Decimal('0'), lo_closed=True, hi=None, hi_closed=False)]
    """
    merged: list[Interval] = []
    for current in sorted(intervals, key=low_key):
        if merged:
            last = merged[-1]
            touches = (
                last.hi is None
                or current.lo is None
                or current.lo < last.hi
                or (current.lo == last.hi and (last.hi_closed or current.lo_closed))
            )
            if touches:
                hi, hi_closed = _higher_end(last, current)
                merged[-1] = Interval(last.lo, last.lo_closed, hi, hi_closed)
                continue
        merged.append(current)
    return merged


def covers(outer: Interval, inner: Interval) -> bool:
    """Does `outer` contain every value of `inner`?

    >>> covers(Interval(Decimal(0), True, None, False), Interval(Decimal(0), False, Decimal(9), True))
    True
    """
    if outer.lo is not None:
        if inner.lo is None or inner.lo < outer.lo or (inner.lo == outer.lo and inner.lo_closed and not outer.lo_closed):
            return False
    if outer.hi is not None:
        if inner.hi is None or inner.hi > outer.hi or (inner.hi == outer.hi and inner.hi_closed and not outer.hi_closed):
            return False
    return True


def gaps(merged: list[Interval]) -> list[Interval]:
    """The values between consecutive intervals of a union (as `union` returns it)."""
    return [Interval(a.hi, not a.hi_closed, b.lo, not b.lo_closed) for a, b in zip(merged, merged[1:])]


def shared(a: Interval, b: Interval) -> Optional[Interval]:
    """The values both intervals contain, or None when they share none.

    >>> shared(Interval(Decimal(0), True, Decimal(5), True), Interval(Decimal(5), True, None, False)).show()
    'the value 5'
    >>> shared(Interval(Decimal(0), True, Decimal(5), False), Interval(Decimal(5), True, None, False)) is None
    True
    """
    lo, lo_closed = a.lo, a.lo_closed
    if b.lo is not None and (lo is None or b.lo > lo or (b.lo == lo and not b.lo_closed)):
        lo, lo_closed = b.lo, b.lo_closed
    hi, hi_closed = a.hi, a.hi_closed
    if b.hi is not None and (hi is None or b.hi < hi or (b.hi == hi and not b.hi_closed)):
        hi, hi_closed = b.hi, b.hi_closed
    if lo is not None and hi is not None and (hi < lo or (hi == lo and not (lo_closed and hi_closed))):
        return None
    return Interval(lo, lo_closed, hi, hi_closed)
