"""suspicious-units: numbers whose unit is probably not what the author meant.

The checker lets money be compared with a bare number (`sales >= 50`) because
`0` must work everywhere; but a bare non-zero number next to money leaves the
reader to guess whether `50` is 50元 or 50万, a factor of ten thousand. In the
same spirit, a money table whose bounds are mostly written in 万 but has a
small plain amount among them (`[0, 50万) [50万, 100元)`) most likely lost a 万.

A percent (an attainment, a ratio of two amounts) compared with a bare number
above 1 (`完成率 >= 80`) asks for 8000% and silently pays nobody; a plain number
column compared with a percent literal (`reps.score >= 80%`, i.e. ≥ 0.8) passes
almost everyone. Both check, because a percent is a number; L030 names them.
"""
from __future__ import annotations

from decimal import Decimal

from dsl.syntax import ast
from dsl import ir
from dsl.core.types import INT, NUMBER, PERCENT, is_money
from dsl.lint.registry import WARNING, Finding, rule
from dsl.ir.walk import plan_exprs, walk

TEN_THOUSAND = Decimal(10000)


def _bare_number(node) -> bool:
    return isinstance(node, ir.Const) and node.type in (NUMBER, INT) and isinstance(node.value, Decimal) and node.value != 0


def _sides_of_comparisons(ctx):
    """(comparison, one side, the other side) for every comparison of the plan, both ways round."""
    for root in plan_exprs(ctx.plan):
        for node in walk(root):
            if isinstance(node, ir.Cmp):
                yield node, node.left, node.right
                yield node, node.right, node.left


def _compared_with_bare_numbers(ctx):
    seen = set()  # a let read by several lines is one finding
    for node, money_side, other in _sides_of_comparisons(ctx):
        if is_money(money_side.type) and _bare_number(other) and other.span not in seen:
            seen.add(other.span)
            yield Finding(
                f"'{other.text}' is compared with money ({money_side.text}) but has no unit: "
                f"is it {other.text}元 or {other.text}万?",
                other.span,
                hint=f"write the unit, e.g. {money_side.text} {node.op} {other.text}万",
            )


def _has_wan(text: str) -> bool:
    return "万" in text or "亿" in text


def _small_bounds_among_wan(ctx):
    for item in ctx.file.items:
        if not isinstance(item, ast.TiersDecl):
            continue
        bounds = [
            node
            for row in item.rows
            if isinstance(row, ast.BandRow)
            for node in (row.band.low, row.band.high)
            if isinstance(node, ast.Money)
        ]
        if not any(_has_wan(b.text) for b in bounds):
            continue
        for bound in bounds:
            if not _has_wan(bound.text) and 0 < abs(bound.value) < TEN_THOUSAND:
                digits = bound.text.rstrip("元").strip()
                yield Finding(
                    f"bound {bound.text} of '{item.name}' is tiny next to the 万 amounts of the table: did you mean {digits}万?",
                    bound.span,
                    hint="write every bound of a table in the same unit",
                )


@rule("L012", "suspicious-units", WARNING, "A number next to money is written without a unit, or in a unit that does not fit.")
def suspicious_units(ctx):
    yield from _small_bounds_among_wan(ctx)
    if ctx.plan is not None:
        yield from _compared_with_bare_numbers(ctx)


# Values read straight from a data column: a `number` column holding 85 for 85% is the trap.
# (A computed ratio of two counts, 7 / 10, is a plain number and rightly compared with 70%.)
_DATA_READS = (ir.RecordRef, ir.ParamRef, ir.ColumnRef)


def _percent_and_number(ctx):
    seen = set()
    for node, side, other in _sides_of_comparisons(ctx):
        if other.span in seen:
            continue
        if side.type == PERCENT and _bare_number(other) and abs(other.value) > 1:
            seen.add(other.span)
            yield Finding(
                f"{side.text} is a percent but {other.text} is a bare number: {node.text} asks for "
                f"{other.value * 100:,}%, so it is almost never true",
                other.span,
                hint=f"write the percent: {side.text} {node.op} {other.text}%",
            )
        elif side.type in (NUMBER, INT) and isinstance(side, _DATA_READS) and isinstance(other, ir.Const) \
                and other.type == PERCENT and other.value not in (0, 1):
            seen.add(other.span)
            yield Finding(
                f"{side.text} is a plain number but {other.text} is a percent, i.e. {other.value.normalize():f}: "
                f"{node.text} compares {side.text} with {other.value.normalize():f}",
                other.span,
                hint=f"if {side.text} holds rates, declare its column `percent` (or `percent(points)` when the "
                     f"data writes 85 for 85%); if it counts points, compare with {(other.value * 100).normalize():f}",
            )


@rule("L030", "percent-compared-with-number", WARNING,
      "A percent is compared with a bare number above 1, or a plain number with a percent.", needs_plan=True)
def percent_compared_with_number(ctx):
    yield from _percent_and_number(ctx)
