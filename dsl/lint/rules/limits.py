"""Rules about caps and floors: contradictory limits and limits that never bind.

A line's floor is applied before its cap, so a cap below the floor wins and
the floor is dead (the same holds for the total). A cap at or above the most a
line can ever pay is dead too: this is found by bounding each expression from
the tier tables it reads (a lookup of amounts, a whole or marginal table whose
top band is finite), `clamp`/`min`, and constants. A line cap at or above the
total cap only moves money between lines: when it would bind, the total cap
already does.
"""
from __future__ import annotations

from decimal import Decimal
from typing import Optional

from dsl.syntax import ast
from dsl import ir
from dsl.core.display import format_number
from dsl.lint.registry import ERROR, WARNING, Finding, rule
from dsl.lint.walk import fold_money

Bounds = tuple[Optional[Decimal], Optional[Decimal]]
UNKNOWN: Bounds = (None, None)


def _show(value: Decimal) -> str:
    return format_number(value)


@rule("L010", "cap-below-floor", ERROR, "A constant cap is below a constant floor on the same line or total.")
def cap_below_floor(ctx):
    totals: dict[str, ast.TotalDecl] = {}
    for item in ctx.file.items:
        if isinstance(item, ast.PayoutDecl):
            cap, floor = item.clause("cap"), item.clause("floor")
            if cap is None or floor is None:
                continue
            cap_value, floor_value = fold_money(cap.expr), fold_money(floor.expr)
            if cap_value is not None and floor_value is not None and cap_value < floor_value:
                yield Finding(
                    f'the cap of "{item.label}" ({ctx.slice(cap.expr.span)}) is below its floor ({ctx.slice(floor.expr.span)}): '
                    "the cap is applied after the floor, so the floor never holds",
                    cap.span,
                    notes=(("the floor", floor.span),),
                )
        elif isinstance(item, ast.TotalDecl):
            totals.setdefault(item.kind, item)
    if "cap" in totals and "floor" in totals:
        cap_value, floor_value = fold_money(totals["cap"].expr), fold_money(totals["floor"].expr)
        if cap_value is not None and floor_value is not None and cap_value < floor_value:
            yield Finding(
                f"the total cap ({ctx.slice(totals['cap'].expr.span)}) is below the total floor ({ctx.slice(totals['floor'].expr.span)}): "
                "the cap is applied after the floor, so the floor never holds",
                totals["cap"].span,
                notes=(("the total floor", totals["floor"].span),),
            )


# ---- bounding expressions -------------------------------------------------------


def constant(expr) -> Optional[Decimal]:
    lo, hi = bounds(expr, None)
    return lo if lo is not None and lo == hi else None


def _table_bounds(table: ir.TierTable, field: Optional[str]) -> Bounds:
    if table.mode == "lookup":
        values = [b.value for b in table.bands] + [v for _, v, _ in table.categories]
        if table.has_default:
            values.append(table.default)
        if field is not None:
            values = [v.get(field) if isinstance(v, dict) else None for v in values]
        if not values or not all(isinstance(v, Decimal) for v in values):
            return UNKNOWN
        return min(values), max(values)
    if field is not None or not all(isinstance(b.value, Decimal) for b in table.bands) or table.has_default:
        return UNKNOWN
    if table.mode == "whole":
        tops = []
        for band in table.bands:
            edge = band.high if band.value >= 0 else band.low
            if edge is None:
                return (None, None)
            tops.append(edge * band.value)
        return None, max(tops)
    ordered = sorted(table.bands, key=lambda b: b.low)
    if ordered[-1].high is None and ordered[-1].value > 0:
        return None, None
    points = {b.low for b in ordered} | {b.high for b in ordered if b.high is not None}

    def pay(x):
        return sum(((min(x, b.high) if b.high is not None else x) - b.low) * b.value for b in ordered if x > b.low)

    return None, max([Decimal(0), *(pay(x) for x in points)])


def bounds(expr, plan: Optional[ir.Plan]) -> Bounds:
    """Lower and upper limits of an expression's value (None: not known)."""
    if isinstance(expr, ir.Const):
        return (expr.value, expr.value) if isinstance(expr.value, Decimal) and not isinstance(expr.value, bool) else UNKNOWN
    if isinstance(expr, ir.LetRef) and plan is not None:
        let = plan.let(expr.name)
        return bounds(let.expr, plan) if let else UNKNOWN
    if isinstance(expr, ir.Neg):
        lo, hi = bounds(expr.operand, plan)
        return (-hi if hi is not None else None, -lo if lo is not None else None)
    if isinstance(expr, ir.Arith) and expr.op in "+-*":
        (a, b), (c, d) = bounds(expr.left, plan), bounds(expr.right, plan)
        if expr.op == "+":
            return (a + c if None not in (a, c) else None, b + d if None not in (b, d) else None)
        if expr.op == "-":
            return (a - d if None not in (a, d) else None, b - c if None not in (b, c) else None)
        if None not in (a, b, c, d):
            products = [a * c, a * d, b * c, b * d]
            return min(products), max(products)
        for (lo, hi), (k1, k2) in (((a, b), (c, d)), ((c, d), (a, b))):
            if k1 is not None and k1 == k2 and k1 >= 0:  # times a constant c >= 0
                return (lo * k1 if lo is not None else None, hi * k1 if hi is not None else None)
        return UNKNOWN
    if isinstance(expr, ir.Builtin):
        parts = [bounds(arg, plan) for arg in expr.args]
        los, his = [p[0] for p in parts], [p[1] for p in parts]
        if expr.fn == "min":
            known = [h for h in his if h is not None]
            return (min(los) if None not in los else None, min(known) if known else None)
        if expr.fn == "max":
            known = [l for l in los if l is not None]
            return (max(known) if known else None, max(his) if None not in his else None)
        if expr.fn == "clamp":
            return los[1], his[2]
        return UNKNOWN
    if isinstance(expr, ir.Cond):
        (a, b), (c, d) = bounds(expr.then, plan), bounds(expr.otherwise, plan)
        return (min(a, c) if None not in (a, c) else None, max(b, d) if None not in (b, d) else None)
    if plan is not None and isinstance(expr, ir.TierCall):
        return _table_bounds(plan.tiers[expr.tiers], None)
    if plan is not None and isinstance(expr, ir.FieldOf) and isinstance(expr.target, ir.TierCall):
        return _table_bounds(plan.tiers[expr.target.tiers], expr.field)
    return UNKNOWN


def line_top(payout: ir.Payout, plan: ir.Plan) -> Optional[Decimal]:
    """The most a line can pay before its cap (None: not known)."""
    top = bounds(payout.expr, plan)[1]
    if top is not None and payout.floor is not None:
        floor = constant(payout.floor)
        top = max(top, floor) if floor is not None else None
    return top


@rule("L011", "cap-never-binds", WARNING, "A cap is at or above the most the line (or total) can ever pay.", needs_plan=True)
def cap_never_binds(ctx):
    plan = ctx.plan
    total_cap = constant(plan.total_cap) if plan.total_cap is not None else None
    tops = []
    for payout in plan.payouts:
        top = line_top(payout, plan)
        cap = constant(payout.cap) if payout.cap is not None else None
        if payout.cap is not None:
            limited = min(top, cap) if top is not None and cap is not None else None
            tops.append(limited if limited is not None else (cap if cap is not None else None))
        else:
            tops.append(top if payout.gate is None or top is None else max(top, Decimal(0)))
        if cap is None:
            continue
        if top is not None and cap >= top:
            yield Finding(
                f'"{payout.label}" can pay at most {_show(top)}, so the cap at {payout.cap.text} never binds',
                payout.cap.span,
                hint="remove the cap, or lower it to the limit you mean",
            )
        elif total_cap is not None and cap >= total_cap:
            yield Finding(
                f'the cap at {payout.cap.text} on "{payout.label}" is at or above the total cap ({plan.total_cap.text}): '
                "whenever it would bind, the total cap binds too",
                payout.cap.span,
                notes=(("the total cap", plan.total_cap.span),),
            )
    if total_cap is not None and tops and None not in tops:
        most = sum(tops, Decimal(0))
        if total_cap >= most:
            yield Finding(
                f"all lines together pay at most {_show(most)}, so the total cap at {plan.total_cap.text} never binds",
                plan.total_cap.span,
            )
