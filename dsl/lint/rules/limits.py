"""Rules about caps and floors: contradictory limits and limits that never bind.

A line's floor is applied before its cap, so a cap below the floor wins and
the floor is dead (the same holds for the total); a constant limit is the
folded value of its expression, typed by the checker (`dsl.ir.analysis.fold`).
A cap at or above the most a line can ever pay is dead too: this is found by
bounding each expression (`dsl.ir.analysis.bounds`: the tier tables it reads,
`clamp`/`min`, constants). A line cap at or above the total cap only moves
money between lines: when it would bind, the total cap already does.
"""
from __future__ import annotations

from decimal import Decimal

from dsl.syntax import ast
from dsl.core.display import format_number
from dsl.ir.analysis.bounds import constant, let_bounds, line_top
from dsl.ir.analysis.fold import arith, fold_money
from dsl.lint.registry import ERROR, WARNING, Finding, rule


def _show(value: Decimal) -> str:
    return format_number(value)


@rule("L010", "cap-below-floor", ERROR, "A constant cap is below a constant floor on the same line or total.", needs_plan=True)
def cap_below_floor(ctx):
    plan = ctx.plan
    lines = {payout.label: payout for payout in plan.payouts}
    totals: dict[str, ast.TotalDecl] = {}
    for item in ctx.file.items:
        if isinstance(item, ast.PayoutDecl):
            cap, floor = item.clause("cap"), item.clause("floor")
            payout = lines.get(item.label)
            if cap is None or floor is None or payout is None or payout.cap is None or payout.floor is None:
                continue
            cap_value, floor_value = fold_money(payout.cap), fold_money(payout.floor)
            if cap_value is not None and floor_value is not None and cap_value < floor_value:
                yield Finding(
                    f'the cap of "{item.label}" ({ctx.slice(cap.expr.span)}) is below its floor ({ctx.slice(floor.expr.span)}): '
                    "the cap is applied after the floor, so the floor never holds",
                    cap.span,
                    notes=(("the floor", floor.span),),
                )
        elif isinstance(item, ast.TotalDecl):
            totals.setdefault(item.kind, item)
    if "cap" in totals and "floor" in totals and plan.total_cap is not None and plan.total_floor is not None:
        cap_value, floor_value = fold_money(plan.total_cap), fold_money(plan.total_floor)
        if cap_value is not None and floor_value is not None and cap_value < floor_value:
            yield Finding(
                f"the total cap ({ctx.slice(totals['cap'].expr.span)}) is below the total floor ({ctx.slice(totals['floor'].expr.span)}): "
                "the cap is applied after the floor, so the floor never holds",
                totals["cap"].span,
                notes=(("the total floor", totals["floor"].span),),
            )


@rule("L011", "cap-never-binds", WARNING, "A cap is at or above the most the line (or total) can ever pay.", needs_plan=True)
def cap_never_binds(ctx):
    plan = ctx.plan
    total_cap = constant(plan.total_cap) if plan.total_cap is not None else None
    tops = []
    lets = let_bounds(plan)  # once for the plan: every line reads the same lets
    for payout in plan.payouts:
        top = line_top(payout, plan, lets)
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
        most = Decimal(0)
        for top in tops:
            most = arith("+", most, top)
        if total_cap >= most:
            yield Finding(
                f"all lines together pay at most {_show(most)}, so the total cap at {plan.total_cap.text} never binds",
                plan.total_cap.span,
            )
