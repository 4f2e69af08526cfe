"""Calendar periods and dates: the one implementation of the language's time rules.

A concrete period is a `Period` with a unit and the dates it covers
(`Period(MONTH, 2026-07-01, 2026-07-31)`, shown `2026-07`), or a stated range
with no unit (`2024-06-16..2024-08-01`, a stage of a campaign). Periods are
ordered by their start. This module reads their text forms, finds the period of
a unit that contains a date, steps from one period to the next, and counts the
full months and the days between two dates.

How a partial month counts (`months_between`): the calendar months elapsed from
the first date to the second, minus one when the second date's day of the month
is earlier than the first's. So 2026-01-15 → 2026-04-14 is 2 full months and
2026-01-15 → 2026-04-15 is 3; 2026-01-31 → 2026-02-28 is 0 (February has no
31st, so the month is not full). A second date before the first gives a
negative count, the same rule mirrored.
"""
from __future__ import annotations

import calendar
import datetime
import re
from typing import Optional

from dsl.core.types import Period, PeriodUnit

# the period units a run can step through (a stated range is a period of its own)
STEPPED = (PeriodUnit.DAY, PeriodUnit.WEEK, PeriodUnit.MONTH, PeriodUnit.QUARTER, PeriodUnit.HALF_YEAR, PeriodUnit.YEAR)

_MONTH = re.compile(r"(\d{4})-(\d{1,2})")
_QUARTER = re.compile(r"(\d{4})-?Q([1-4])", re.IGNORECASE)
_HALF = re.compile(r"(\d{4})-?H([12])", re.IGNORECASE)
_YEAR = re.compile(r"(\d{4})")
_WEEK = re.compile(r"(\d{4})-?W(\d{2})", re.IGNORECASE)
_DAY = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_CN_MONTH = re.compile(r"(\d{4})年(\d{1,2})月")


class PeriodError(ValueError):
    """Text that is not a period, or periods that do not fit together; the message says which."""


def _month_end(year: int, month: int) -> datetime.date:
    return datetime.date(year, month, calendar.monthrange(year, month)[1])


def month(year: int, number: int) -> Period:
    """The calendar month `number` of `year`.

    >>> str(month(2026, 7)), month(2026, 2).end
    ('2026-07', datetime.date(2026, 2, 28))
    """
    return Period(PeriodUnit.MONTH, datetime.date(year, number, 1), _month_end(year, number))


def period_of(unit: PeriodUnit, day: datetime.date) -> Period:
    """The period of `unit` that contains `day`.

    >>> str(period_of(PeriodUnit.QUARTER, datetime.date(2026, 8, 15))), str(period_of(PeriodUnit.HALF_YEAR, datetime.date(2026, 8, 15)))
    ('2026-Q3', '2026-H2')
    """
    y = day.year
    if unit == PeriodUnit.DAY:
        return Period(unit, day, day)
    if unit == PeriodUnit.WEEK:
        start = day - datetime.timedelta(days=day.weekday())
        return Period(unit, start, start + datetime.timedelta(days=6))
    if unit == PeriodUnit.MONTH:
        return month(y, day.month)
    if unit == PeriodUnit.QUARTER:
        first = 3 * ((day.month - 1) // 3) + 1
        return Period(unit, datetime.date(y, first, 1), _month_end(y, first + 2))
    if unit == PeriodUnit.HALF_YEAR:
        first = 1 if day.month <= 6 else 7
        return Period(unit, datetime.date(y, first, 1), _month_end(y, first + 5))
    return Period(unit, datetime.date(y, 1, 1), datetime.date(y, 12, 31))


def shift(period: Period, steps: int) -> Period:
    """The period `steps` periods after (negative: before) `period`, of the same unit.

    >>> str(shift(month(2026, 1), -1)), str(shift(period_of(PeriodUnit.QUARTER, datetime.date(2026, 11, 1)), 1))
    ('2025-12', '2027-Q1')
    """
    if period.unit is None or period.start is None:
        raise PeriodError(f"the period {period} has no unit to step by")
    unit = period.unit
    if unit == PeriodUnit.DAY:
        return period_of(unit, period.start + datetime.timedelta(days=steps))
    if unit == PeriodUnit.WEEK:
        return period_of(unit, period.start + datetime.timedelta(weeks=steps))
    months = {PeriodUnit.MONTH: 1, PeriodUnit.QUARTER: 3, PeriodUnit.HALF_YEAR: 6, PeriodUnit.YEAR: 12}[unit]
    return period_of(unit, add_months(period.start, steps * months))


def periods_from(first: Period, last: Period) -> list[Period]:
    """Every period of `first`'s unit from `first` to `last`, both included.

    >>> [str(p) for p in periods_from(month(2026, 11), month(2027, 2))]
    ['2026-11', '2026-12', '2027-01', '2027-02']
    """
    if first.unit != last.unit:
        raise PeriodError(f"{first} and {last} are periods of different lengths")
    if last.start < first.start:
        raise PeriodError(f"the periods end ({last}) before they start ({first})")
    found, current = [], first
    while current.start <= last.start:
        found.append(current)
        if len(found) > 100_000:
            raise PeriodError(f"{first}..{last} is more than 100,000 periods")
        current = shift(current, 1)
    return found


def parse_period(text: str) -> Period:
    """A period written as text: `2026-07`, `2026年7月`, `2026-Q3`, `2026-H1`, `2026`,
    `2026-W05`, `2026-07-15` (a day), or a stated range `2024-06-16..2024-08-01`.

    >>> [str(parse_period(t)) for t in ("2026-07", "2026年7月", "2026q3", "2026", "2024-06-16..2024-08-01")]
    ['2026-07', '2026-07', '2026-Q3', '2026', '2024-06-16..2024-08-01']
    >>> parse_period("2026-13")
    Traceback (most recent call last):
    dsl.core.periods.PeriodError: '2026-13' is not a period: there is no month 13
    """
    s = text.strip()
    if ".." in s:
        start_text, _, end_text = s.partition("..")
        start, end = parse_date(start_text), parse_date(end_text)
        if end < start:
            raise PeriodError(f"'{s}' ends before it starts")
        return Period(None, start, end)
    try:
        if m := _DAY.fullmatch(s):
            return period_of(PeriodUnit.DAY, parse_date(s))
        if m := (_MONTH.fullmatch(s) or _CN_MONTH.fullmatch(s)):
            number = int(m.group(2))
            if not 1 <= number <= 12:
                raise PeriodError(f"'{s}' is not a period: there is no month {number}")
            return month(int(m.group(1)), number)
        if m := _QUARTER.fullmatch(s):
            return period_of(PeriodUnit.QUARTER, datetime.date(int(m.group(1)), 3 * int(m.group(2)) - 2, 1))
        if m := _HALF.fullmatch(s):
            return period_of(PeriodUnit.HALF_YEAR, datetime.date(int(m.group(1)), 6 * int(m.group(2)) - 5, 1))
        if m := _WEEK.fullmatch(s):
            return period_of(PeriodUnit.WEEK, datetime.date.fromisocalendar(int(m.group(1)), int(m.group(2)), 1))
        if m := _YEAR.fullmatch(s):
            return period_of(PeriodUnit.YEAR, datetime.date(int(m.group(1)), 1, 1))
    except ValueError as exc:
        if isinstance(exc, PeriodError):
            raise
        raise PeriodError(f"'{s}' is not a period: {exc}") from None
    raise PeriodError(f"'{s}' is not a period (write 2026-07, 2026-Q3, 2026-H1, 2026 or 2024-06-16..2024-08-01)")


def parse_date(text: str) -> datetime.date:
    """A date written YYYY-MM-DD.

    >>> parse_date("2026-02-30")
    Traceback (most recent call last):
    dsl.core.periods.PeriodError: '2026-02-30' is not a real date
    """
    s = text.strip()
    if not _DAY.fullmatch(s):
        raise PeriodError(f"'{s}' is not a date (write YYYY-MM-DD)")
    year, month_number, day = (int(part) for part in s.split("-"))
    try:
        return datetime.date(year, month_number, day)
    except ValueError:
        raise PeriodError(f"'{s}' is not a real date") from None


def parse_periods(text: str, unit: Optional[PeriodUnit] = None) -> list[Period]:
    """The periods of a run as written on the command line: one period (`2026-07`), a
    sequence `2026-01..2026-12`, or a list separated by commas. A range of two days
    (`2024-06-16..2024-08-01`) is one stated period unless the plan's unit is a day.

    >>> [str(p) for p in parse_periods("2026-01..2026-03")]
    ['2026-01', '2026-02', '2026-03']
    >>> [str(p) for p in parse_periods("2026-Q4, 2027-Q1")]
    ['2026-Q4', '2027-Q1']
    """
    periods: list[Period] = []
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        if ".." in part:
            first_text, _, last_text = part.partition("..")
            both_days = _DAY.fullmatch(first_text.strip()) and _DAY.fullmatch(last_text.strip())
            if both_days and unit != PeriodUnit.DAY:
                periods.append(parse_period(part))
                continue
            periods.extend(periods_from(parse_period(first_text), parse_period(last_text)))
        else:
            periods.append(parse_period(part))
    if not periods:
        raise PeriodError("no period given (write 2026-07, or 2026-01..2026-12)")
    return periods


def contains(outer: Period, inner: Period | datetime.date) -> bool:
    """Does `outer` cover all of `inner` (a period or a day)?

    >>> contains(parse_period("2026-Q3"), parse_period("2026-08")), contains(parse_period("2026-Q3"), datetime.date(2026, 10, 1))
    (True, False)
    """
    if isinstance(inner, datetime.date):
        return outer.start <= inner <= outer.end
    return outer.start <= inner.start and inner.end <= outer.end


def overlaps(a: tuple[datetime.date, datetime.date], b: tuple[datetime.date, datetime.date]) -> bool:
    """Do two inclusive date ranges share a day?

    >>> d = datetime.date
    >>> overlaps((d(2026, 1, 1), d(2026, 6, 30)), (d(2026, 6, 30), d(2026, 12, 31))), overlaps((d(2026, 1, 1), d(2026, 6, 30)), (d(2026, 7, 1), d(2026, 12, 31)))
    (True, False)
    """
    return a[0] <= b[1] and b[0] <= a[1]


def add_months(day: datetime.date, months: int) -> datetime.date:
    """`day` moved by whole calendar months, kept within the target month (Jan 31 + 1 month = Feb 28).

    >>> add_months(datetime.date(2026, 1, 31), 1), add_months(datetime.date(2026, 3, 15), -3)
    (datetime.date(2026, 2, 28), datetime.date(2025, 12, 15))
    """
    index = day.year * 12 + (day.month - 1) + months
    year, month_index = divmod(index, 12)
    if not 1 <= year <= 9999:
        raise PeriodError(f"{day.isoformat()} moved by {months} months is outside the calendar")
    last = calendar.monthrange(year, month_index + 1)[1]
    return datetime.date(year, month_index + 1, min(day.day, last))


def add_days(day: datetime.date, days: int) -> datetime.date:
    """`day` moved by `days` days.

    >>> add_days(datetime.date(2026, 2, 27), 2)
    datetime.date(2026, 3, 1)
    """
    try:
        return day + datetime.timedelta(days=days)
    except OverflowError:
        raise PeriodError(f"{day.isoformat()} moved by {days} days is outside the calendar") from None


def months_between(first: datetime.date, second: datetime.date) -> int:
    """Full months from `first` to `second` (see the module docstring for how a partial month counts).

    >>> d = datetime.date
    >>> months_between(d(2026, 1, 15), d(2026, 4, 14)), months_between(d(2026, 1, 15), d(2026, 4, 15)), months_between(d(2026, 1, 31), d(2026, 2, 28))
    (2, 3, 0)
    >>> months_between(d(2026, 4, 15), d(2026, 1, 15))
    -3
    """
    if second < first:
        return -months_between(second, first)
    months = (second.year - first.year) * 12 + (second.month - first.month)
    if second.day < first.day:
        months -= 1
    return months


def days_between(first: datetime.date, second: datetime.date) -> int:
    """Days from `first` to `second` (the same day: 0).

    >>> days_between(datetime.date(2026, 2, 27), datetime.date(2026, 3, 1))
    2
    """
    return (second - first).days


def quarter_of(day: datetime.date) -> int:
    """The quarter (1–4) a day falls in.

    >>> quarter_of(datetime.date(2026, 10, 1))
    4
    """
    return (day.month - 1) // 3 + 1


def ends_year(period: Period) -> bool:
    """Is `period` the last of its year (it ends on 31 December)?

    >>> ends_year(month(2026, 12)), ends_year(parse_period("2026-Q3"))
    (True, False)
    """
    return period.end is not None and (period.end.month, period.end.day) == (12, 31)
