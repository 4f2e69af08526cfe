"""What a payout line pays: the one implementation of line semantics.

A line is computed in this order:
  1. its gate (`when`): a closed gate makes the line 0, and nothing else of the
     line is computed (so `x / target when target > 0` is safe) — no floor, no cap;
  2. its value;
  3. its rounding (the plan's, or the line's own `round`);
  4. its floor, then its cap, each compared with the rounded value after the
     limit itself is rounded the same way; a limit that binds becomes an
     adjustment line of its own (kind `floor` or `cap`), never a silent change;
then, over all lines of a payee, the total floor and then the total cap (the
plan's rounding), again as adjustment lines. So a payee's lines always add up
to its total.

Every function takes a way to evaluate an expression, `evaluate(expr) -> (value,
trace or None)`, so the traced interpreter, the untraced interpreter and lint's
probe evaluations (which force a measure to chosen values) share this code.
With `tracing` the lines carry their traces; with `rounded=False` no rounding
is applied anywhere (lint compares exact values across a band bound).
"""
from __future__ import annotations

from decimal import Decimal
from typing import Callable, Optional

from dsl import ir
from dsl.core.display import format_number
from dsl.core.numeric import round_money
from dsl.core.types import MoneyType
from dsl.run.errors import EvalError
from dsl.run.results import Line, LineKind
from dsl.run.trace import Trace, TraceKind

ZERO = Decimal(0)

Evaluate = Callable[[object], tuple[object, Optional[Trace]]]

_FLOORS = (LineKind.FLOOR, LineKind.TOTAL_FLOOR)


def limited(kind: LineKind, before: Decimal, limit: Decimal) -> Decimal:
    """The value after a floor (raised to at least `limit`) or a cap (lowered to at most `limit`).

    >>> limited(LineKind.FLOOR, Decimal("500"), Decimal("800")), limited(LineKind.CAP, Decimal("500"), Decimal("800"))
    (Decimal('800'), Decimal('500'))
    """
    return max(before, limit) if kind in _FLOORS else min(before, limit)


def limit_line(kind: LineKind, expr, before: Decimal, rounding: Optional[ir.Rounding], label: str, words: str,
               evaluate: Evaluate, currency: str, tracing: bool = False) -> Optional[Line]:
    """A floor or cap on `before`: its adjustment as a line of its own, or None when it does not bind.

    The limit is rounded like the line (`rounding`; None: not rounded).

    >>> from dsl.core.types import MoneyType
    >>> cap = ir.Const(Decimal("1000.004"), MoneyType("CNY"))
    >>> line = limit_line(LineKind.CAP, cap, Decimal("1500"), ir.Rounding("half_up", Decimal("0.01")), "奖金", "cap",
    ...                   lambda e: (e.value, None), "CNY")
    >>> str(line.kind), line.value                  # 1000.004 rounds to 1000.00; 1000.00 - 1500 = -500.00
    ('cap', Decimal('-500.00'))
    """
    limit, limit_trace = evaluate(expr)
    if rounding is not None:
        limit = round_money(limit, rounding.unit, rounding.mode)
    after = limited(kind, before, limit)
    if after == before:
        return None
    adjustment = after - before
    trace = None
    if tracing:
        detail = {"before": before, "limit": limit, "after": after}
        trace = Trace(TraceKind(kind.value), f"{words} at {expr.text}", adjustment, str(MoneyType(currency)), expr.span, (limit_trace,), detail)
    return Line(label, kind, adjustment, trace)


def withheld(payout: ir.Payout, evaluate: Evaluate, currency: str) -> Optional[Trace]:
    """For an explanation only: what a closed gate kept the line from paying.

    A rep whose bonus is 0 sees both why (the gate) and what was at stake. If the
    value cannot be computed (the gate was guarding a division by zero), nothing
    is shown; untraced runs never compute it.
    """
    try:
        value, trace = evaluate(payout.expr)
    except EvalError:
        return None
    return Trace(TraceKind.WITHHELD, payout.expr.text, value, str(MoneyType(currency)), payout.expr.span, (trace,))


def payout_lines(payout: ir.Payout, evaluate: Evaluate, currency: str, tracing: bool = False, rounded: bool = True) -> list[Line]:
    """A payout line and the adjustment lines its floor and cap make (see the module docstring for the order).

    >>> from dsl.core.types import MoneyType
    >>> money = lambda text: ir.Const(Decimal(text), MoneyType("CNY"))
    >>> line = ir.Payout("奖金", money("1234.565"), None, money("1000"), None, ir.Rounding("half_up", Decimal("0.01")))
    >>> [(str(l.kind), l.value) for l in payout_lines(line, lambda e: (e.value, None), "CNY")]   # 1234.565 → 1234.57; cap 1000
    [('payout', Decimal('1234.57')), ('cap', Decimal('-234.57'))]
    """
    money = str(MoneyType(currency))
    rounding = payout.rounding
    gate_trace = None
    if payout.gate is not None:
        passed, gate_inner = evaluate(payout.gate)
        if tracing:
            gate_trace = Trace(TraceKind.GATE, "when " + payout.gate.text, passed, "bool", payout.gate.span, (gate_inner,), {"passed": passed})
        if not passed:
            line_trace = None
            if tracing:
                kept = withheld(payout, evaluate, currency)
                line_trace = Trace(TraceKind.PAYOUT, payout.label, ZERO, money, payout.span, tuple(c for c in (gate_trace, kept) if c is not None))
            value = round_money(ZERO, rounding.unit, rounding.mode) if rounded else ZERO
            return [Line(payout.label, LineKind.PAYOUT, value, line_trace)]
    raw, trace = evaluate(payout.expr)
    value = round_money(raw, rounding.unit, rounding.mode) if rounded else raw
    line_trace = None
    if tracing:
        children = [trace, gate_trace]
        if rounded:
            children.append(Trace(TraceKind.ROUNDING, f"round {rounding.mode} to {format_number(rounding.unit)}", value, money, None, (),
                                  {"before": raw, "after": value, "mode": rounding.mode, "unit": rounding.unit}))
        line_trace = Trace(TraceKind.PAYOUT, payout.label, value, money, payout.span, tuple(c for c in children if c is not None))
    lines = [Line(payout.label, LineKind.PAYOUT, value, line_trace)]
    so_far = value
    for kind, expr in ((LineKind.FLOOR, payout.floor), (LineKind.CAP, payout.cap)):
        if expr is not None:
            adjustment = limit_line(kind, expr, so_far, rounding if rounded else None, payout.label, kind.value, evaluate, currency, tracing)
            if adjustment is not None:
                lines.append(adjustment)
                so_far += adjustment.value
    return lines


def total_limits(plan: ir.Plan) -> tuple[tuple[LineKind, object, str], ...]:
    """The plan's total floor and total cap, in the order they apply, with the words their traces use."""
    return tuple((kind, expr, words) for kind, expr, words in (
        (LineKind.TOTAL_FLOOR, plan.total_floor, "total floor"),
        (LineKind.TOTAL_CAP, plan.total_cap, "total cap"),
    ) if expr is not None)


def total_lines(plan: ir.Plan, subtotal: Decimal, evaluate: Evaluate, tracing: bool = False, rounded: bool = True) -> list[Line]:
    """The adjustment lines the total floor and total cap make on `subtotal` (the sum of a payee's lines),
    labelled as the plan names them (`total cap "封顶调整" at …`; else "total")."""
    lines = []
    for kind, expr, words in total_limits(plan):
        label = plan.total_label("cap" if kind == LineKind.TOTAL_CAP else "floor")
        adjustment = limit_line(kind, expr, subtotal, plan.rounding if rounded else None, label, words, evaluate, plan.currency, tracing)
        if adjustment is not None:
            lines.append(adjustment)
            subtotal += adjustment.value
    return lines


def payee_lines(plan: ir.Plan, evaluate: Evaluate, tracing: bool = False,
                lines_of: Optional[Callable[[ir.Payout], list[Line]]] = None) -> tuple[list[Line], Decimal]:
    """Every line of one payee (payout lines with their adjustments, then the total limits) and the total.

    `lines_of(payout)` gives a payout's lines when the caller keeps them (lines read by `line("…")` are
    computed once); by default each is computed here."""
    lines: list[Line] = []
    for payout in plan.payouts:
        lines.extend(lines_of(payout) if lines_of is not None else payout_lines(payout, evaluate, plan.currency, tracing))
    subtotal = sum((line.value for line in lines), ZERO)
    totals = total_lines(plan, subtotal, evaluate, tracing)
    return lines + totals, subtotal + sum((line.value for line in totals), ZERO)
