"""Value bounds: the least and the most an expression can be, for any data.

A bound is known from constants, from the tier tables an expression reads (a
lookup returns one of its values; a `whole` or `marginal` table with a finite
top band pays at most what its top bound earns), from `min`/`max`/`clamp`, and
through `+`, `-`, negation, `if` and multiplication (by a constant ≥ 0, or of
two bounded factors). Anything read from the data is unbounded. `None` stands
for "not known" at either end. Arithmetic is exact (`dsl.ir.analysis.fold`).

    >>> from dsl.core.types import MoneyType, NUMBER
    >>> from dsl import ir
    >>> cny = MoneyType("CNY")
    >>> sales = ir.RecordRef("reps", "sales", cny)
    >>> capped = ir.Builtin("min", (sales, ir.Const(Decimal(5000), cny)), cny)
    >>> bounds(capped, None)                                  # min(sales, 5000元): at most 5000
    (None, Decimal('5000'))
    >>> bounds(ir.Arith("*", capped, ir.Const(Decimal(2), NUMBER), cny), None)
    (None, Decimal('10000'))
"""
from __future__ import annotations

from decimal import Decimal
from typing import Optional

from dsl.ir.analysis.fold import arith, negate
from dsl.ir.nodes import Arith, Builtin, Cond, Const, FieldOf, LetRef, Neg, Payout, Plan, TierCall, TierTable

__all__ = ["Bounds", "UNKNOWN", "bounds", "let_bounds", "table_bounds", "constant", "line_top"]

Bounds = tuple[Optional[Decimal], Optional[Decimal]]
UNKNOWN: Bounds = (None, None)
ZERO = Decimal(0)


def _add(a: Optional[Decimal], b: Optional[Decimal]) -> Optional[Decimal]:
    return arith("+", a, b) if a is not None and b is not None else None


def _sub(a: Optional[Decimal], b: Optional[Decimal]) -> Optional[Decimal]:
    return arith("-", a, b) if a is not None and b is not None else None


def _mul(a: Optional[Decimal], b: Optional[Decimal]) -> Optional[Decimal]:
    return arith("*", a, b) if a is not None and b is not None else None


def table_bounds(table: TierTable, field: Optional[str] = None) -> Bounds:
    """What applying a tier table can return (`field`: one named value of a lookup band).

    >>> from dsl.core.types import MoneyType, PERCENT
    >>> from dsl.ir import Band
    >>> cny = MoneyType("CNY")
    >>> top = [Band(Decimal(0), Decimal(500000), True, False, Decimal("0.02")),
    ...        Band(Decimal(500000), Decimal(1000000), True, True, Decimal("0.03"))]
    >>> # marginal: 50万 × 2% + 50万 × 3% = 10,000 + 15,000 = 25,000 at the top bound
    >>> table_bounds(TierTable("t", "marginal", True, cny, PERCENT, tuple(top)))
    (None, Decimal('25000.00'))
    >>> # whole: the top band's bound times its rate, 100万 × 3% = 30,000
    >>> table_bounds(TierTable("t", "whole", True, cny, PERCENT, tuple(top)))
    (None, Decimal('30000.00'))
    """
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
                return UNKNOWN
            tops.append(arith("*", edge, band.value))
        return None, max(tops)
    ordered = sorted(table.bands, key=lambda b: b.low)
    if ordered[-1].high is None and ordered[-1].value > 0:
        return UNKNOWN
    points = {b.low for b in ordered} | {b.high for b in ordered if b.high is not None}

    def pay(x: Decimal) -> Decimal:
        total = ZERO
        for band in ordered:
            if x > band.low:
                part = arith("-", min(x, band.high) if band.high is not None else x, band.low)
                total = arith("+", total, arith("*", part, band.value))
        return total

    return None, max([ZERO, *(pay(x) for x in points)])


def let_bounds(plan: Plan) -> dict[str, Bounds]:
    """Each let's bounds, in the plan's dependency order: a let reads only lets before it,
    so a chain of any length is followed without recursion, and each let once."""
    known: dict[str, Bounds] = {}
    for let in plan.lets:
        if let.name not in known:
            known[let.name] = _bounds(let.expr, plan, known)
    return known


def bounds(expr, plan: Optional[Plan], lets: Optional[dict[str, Bounds]] = None) -> Bounds:
    """Lower and upper limits of an expression's value (None: not known).

    Without a plan, definitions and tier tables are not followed. `lets` is
    `let_bounds(plan)` when the caller asks about many expressions of one plan.
    """
    if plan is not None and lets is None:
        lets = let_bounds(plan)
    return _bounds(expr, plan, lets or {})


def _bounds(expr, plan: Optional[Plan], lets: dict[str, Bounds]) -> Bounds:
    if isinstance(expr, Const):
        return (expr.value, expr.value) if isinstance(expr.value, Decimal) else UNKNOWN
    if isinstance(expr, LetRef):
        return lets.get(expr.name, UNKNOWN)
    if isinstance(expr, Neg):
        lo, hi = _bounds(expr.operand, plan, lets)
        return (negate(hi) if hi is not None else None, negate(lo) if lo is not None else None)
    if isinstance(expr, Arith) and expr.op in "+-*":
        (a, b), (c, d) = _bounds(expr.left, plan, lets), _bounds(expr.right, plan, lets)
        if expr.op == "+":
            return _add(a, c), _add(b, d)
        if expr.op == "-":
            return _sub(a, d), _sub(b, c)
        if None not in (a, b, c, d):
            products = [_mul(a, c), _mul(a, d), _mul(b, c), _mul(b, d)]
            return min(products), max(products)
        for (lo, hi), (k1, k2) in (((a, b), (c, d)), ((c, d), (a, b))):
            if k1 is not None and k1 == k2 and k1 >= 0:  # times a constant k >= 0
                return _mul(lo, k1), _mul(hi, k1)
        return UNKNOWN
    if isinstance(expr, Builtin):
        parts = [_bounds(arg, plan, lets) for arg in expr.args]
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
    if isinstance(expr, Cond):
        (a, b), (c, d) = _bounds(expr.then, plan, lets), _bounds(expr.otherwise, plan, lets)
        return (min(a, c) if None not in (a, c) else None, max(b, d) if None not in (b, d) else None)
    if plan is not None and isinstance(expr, TierCall):
        return table_bounds(plan.tiers[expr.tiers], None)
    if plan is not None and isinstance(expr, FieldOf) and isinstance(expr.target, TierCall):
        return table_bounds(plan.tiers[expr.target.tiers], expr.field)
    return UNKNOWN


def constant(expr, plan: Optional[Plan] = None, lets: Optional[dict[str, Bounds]] = None) -> Optional[Decimal]:
    """The one value an expression can have, or None.

    >>> from dsl.core.types import NUMBER
    >>> constant(Builtin("max", (Const(Decimal(3), NUMBER), Const(Decimal(5), NUMBER)), NUMBER))
    Decimal('5')
    """
    lo, hi = bounds(expr, plan, lets)
    return lo if lo is not None and lo == hi else None


def line_top(payout: Payout, plan: Plan, lets: Optional[dict[str, Bounds]] = None) -> Optional[Decimal]:
    """The most a payout line can pay before its cap (None: not known): its value's
    upper bound, raised to a constant floor."""
    top = bounds(payout.expr, plan, lets)[1]
    if top is not None and payout.floor is not None:
        floor = constant(payout.floor)
        top = max(top, floor) if floor is not None else None
    return top
