"""suspicious-units: numbers whose unit is probably not what the author meant.

The checker lets money be compared with a bare number (`sales >= 50`) because
`0` must work everywhere; but a bare non-zero number next to money leaves the
reader to guess whether `50` is 50元 or 50万, a factor of ten thousand. In the
same spirit, a money table whose bounds are mostly written in 万 but has a
small plain amount among them (`[0, 50万) [50万, 100元)`) most likely lost a 万.
"""
from __future__ import annotations

from decimal import Decimal

from dsl.syntax import ast
from dsl import ir
from dsl.core.types import INT, NUMBER, is_money
from dsl.lint.registry import WARNING, Finding, rule
from dsl.ir.walk import plan_exprs, walk

TEN_THOUSAND = Decimal(10000)


def _bare_number(node) -> bool:
    return isinstance(node, ir.Const) and node.type in (NUMBER, INT) and isinstance(node.value, Decimal) and node.value != 0


def _compared_with_bare_numbers(ctx):
    seen = set()
    for root in plan_exprs(ctx.plan):
        for node in walk(root):
            if not isinstance(node, ir.Cmp):
                continue
            for money_side, other in ((node.left, node.right), (node.right, node.left)):
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
