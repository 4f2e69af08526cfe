"""Rules about the bands of tier tables: gaps, order, reach, stated bounds, coverage.

All of them read the syntax tree only (bounds are literals), so they run even
when the plan does not check. Overlapping bands are not here: the checker
reports them as E109 tier-overlap, and lint output includes checker
diagnostics. What a problem costs depends on the mode: in a `whole` or
`lookup` table a value no band contains makes the evaluation fail; in a
`marginal` table the part of an amount outside every band silently earns
nothing.
"""
from __future__ import annotations

import bisect
from decimal import Decimal

from dsl.syntax import ast
from dsl.lint.registry import WARNING, Finding, rule
from dsl.ir.analysis.intervals import Interval, covers, gaps, low_key, union
from dsl.lint.walk import BandInfo, bound_texts, table_bands


def _tables(ctx):
    for item in ctx.file.items:
        if isinstance(item, ast.TiersDecl):
            yield item


def _has_else(decl: ast.TiersDecl) -> bool:
    return any(isinstance(row, ast.DefaultRow) for row in decl.rows)


def _band_text(ctx, band: BandInfo) -> str:
    return ctx.slice(band.span)


@rule("L001", "tier-gap", WARNING, "Some values between two bands of a tier table belong to no band.")
def tier_gap(ctx):
    for decl in _tables(ctx):
        bands = table_bands(decl)
        if not bands or _has_else(decl):
            continue
        texts = bound_texts(decl)
        for gap in gaps(union(b.interval for b in bands)):
            if decl.mode == "marginal" and gap.lo == gap.hi:
                continue  # one value: a marginal table computes with the bounds, not with membership
            after = min((b for b in bands if b.interval.lo == gap.hi), key=lambda b: low_key(b.interval))
            if decl.mode == "marginal":
                cost = "the part of an amount inside it earns nothing"
            else:
                cost = f"evaluating '{decl.name}' for such a value fails"
            yield Finding(
                f"no band of '{decl.name}' contains {gap.show(texts)}: {cost}",
                after.span,
                hint="make the bands meet: end one band where the next begins, e.g. [0, 50万) then [50万, ..)",
            )


@rule("L002", "unsorted-bands", WARNING, "The bands of a tier table are not listed from the lowest up.")
def unsorted_bands(ctx):
    for decl in _tables(ctx):
        bands = table_bands(decl)
        if not bands:
            continue
        for previous, band in zip(bands, bands[1:]):
            if low_key(band.interval) < low_key(previous.interval):
                yield Finding(
                    f"band {_band_text(ctx, band)} starts below the band above it ({_band_text(ctx, previous)})",
                    band.span,
                    hint="list bands from the lowest up, so a reader can follow the steps",
                )


@rule("L003", "unreachable-band", WARNING, "A band or category row of a tier table can never be chosen.")
def unreachable_band(ctx):
    for decl in _tables(ctx):
        bands = table_bands(decl) or []
        for band, covered in zip(bands, _covered_by_earlier([b.interval for b in bands])):
            if covered:
                yield Finding(
                    f"band {_band_text(ctx, band)} can never be chosen: the bands above it already contain all its values",
                    band.span,
                    hint="remove the band or fix its bounds",
                )
        seen: dict[str, ast.CategoryRow] = {}
        for row in decl.rows:
            if not isinstance(row, ast.CategoryRow):
                continue
            if row.key in seen:
                yield Finding(
                    f'category "{row.key}" is already listed above; this row is never chosen',
                    row.span,
                    notes=(("the row that is chosen", seen[row.key].span),),
                )
            else:
                seen[row.key] = row


def _covered_by_earlier(intervals: list[Interval]) -> list[bool]:
    """For each interval: do the ones before it, together, contain all its values?

    The union of those before is kept as sorted, disjoint intervals and grown one
    interval at a time; an interval lies inside the union exactly when it lies
    inside the one piece that starts at or before it. Merging touches only that
    piece's neighbours, so thousands of bands cost about n log n, not a union per band.

    >>> d = Decimal
    >>> _covered_by_earlier([Interval(d(0), True, d(10), False), Interval(d(10), True, None, False), Interval(d(5), True, d(20), False)])
    [False, False, True]
    """
    merged: list[Interval] = []
    keys: list = []
    found = []
    for interval in intervals:
        key = _start(interval)
        at = bisect.bisect_right(keys, key) - 1
        found.append(at >= 0 and covers(merged[at], interval))
        start = max(at, 0)
        end = len(merged) if interval.hi is None else bisect.bisect_right(keys, (True, interval.hi, True))
        piece = union(merged[start:max(end, start)] + [interval])
        merged[start:max(end, start)] = piece
        keys[start:max(end, start)] = [_start(p) for p in piece]
    return found


def _start(interval: Interval) -> tuple:
    """low_key, except that every interval unbounded below sorts alike (its bound's
    closedness means nothing)."""
    return low_key(interval) if interval.lo is not None else (False, Decimal(0), False)


@rule("L004", "else-not-last", WARNING, "A tier table's `else` row is not its last row.")
def else_not_last(ctx):
    for decl in _tables(ctx):
        rows = list(decl.rows)
        for index, row in enumerate(rows):
            if isinstance(row, ast.DefaultRow) and index < len(rows) - 1:
                yield Finding(
                    f"'else' is not the last row of '{decl.name}': the rows below it are still matched first, but read as if they never could be",
                    row.span,
                    hint="move the 'else' row to the end of the table",
                )


def _stated(ctx, band: ast.Band) -> str:
    low = ctx.slice(band.low.span) if band.low is not None else ".."
    high = ctx.slice(band.high.span) if band.high is not None else ".."
    return f"[{low}, {high})"


@rule("L005", "unstated-bound-inclusivity", WARNING, "A band written `a .. b` does not say whether its bounds are included.")
def unstated_bound_inclusivity(ctx):
    for decl in _tables(ctx):
        for row in decl.rows:
            if isinstance(row, ast.BandRow) and not row.band.stated:
                written = ctx.slice(row.band.span)
                meant = _stated(ctx, row.band)
                yield Finding(
                    f"band '{written}' does not say whether its bounds are included; it is read as {meant}",
                    row.band.span,
                    hint=f"write {meant} to keep this meaning, or state the bounds you intend",
                )


def _below(lowest: Interval, texts: dict) -> str:
    shown = texts.get(lowest.lo) or str(lowest.lo)
    return f"{shown} itself" if lowest.lo == 0 else f"values below {shown}"


@rule("L006", "range-not-covered", WARNING, "A tier table does not start at 0 or does not run to `..`, and has no `else` row.")
def range_not_covered(ctx):
    for decl in _tables(ctx):
        bands = table_bands(decl)
        if not bands or _has_else(decl):
            continue
        texts = bound_texts(decl)
        merged = union(b.interval for b in bands)
        lowest, highest = merged[0], merged[-1]
        marginal = decl.mode == "marginal"
        if lowest.lo is not None and (lowest.lo > 0 or (lowest.lo == 0 and not lowest.lo_closed)):
            first = min(bands, key=lambda b: low_key(b.interval))
            missing = _below(lowest, texts)
            if marginal:
                if lowest.lo == 0:
                    continue  # (0, ..: marginal pay at 0 is 0 either way
                message = f"'{decl.name}' starts at {texts.get(lowest.lo)}: amounts below it earn nothing from this table"
                hint = f"say so with a band [0, {texts.get(lowest.lo)}) -> 0%"
            else:
                message = f"no band of '{decl.name}' contains {missing}: evaluating the table for such a value fails"
                hint = "start the first band at 0 (or ..), or add an 'else' row"
            yield Finding(message, first.span, hint=hint)
        if highest.hi is not None:
            last = max((b for b in bands if b.interval.hi == highest.hi), key=lambda b: low_key(b.interval))
            shown = texts.get(highest.hi) or str(highest.hi)
            if marginal:
                message = f"'{decl.name}' ends at {shown}: the part of an amount above it earns nothing"
            else:
                above = "values above" if highest.hi_closed else "values from"
                message = f"no band of '{decl.name}' contains {above} {shown} up: evaluating the table for such a value fails"
            yield Finding(message, last.span, hint="end the last band with '..' (unbounded), or add an 'else' row")

