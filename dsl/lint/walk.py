"""Traversals and small analyses that several lint rules share.

- walking the syntax tree and the typed IR (children of every node class);
- the expressions of a plan, with the construct each belongs to;
- constant folding of literal arithmetic (`2万 * 3`);
- the bands of a tier table read from the syntax tree, so the tier rules run
  even when the plan does not check;
- interval sets over band bounds (union, coverage, gaps), with `None` standing
  for an unbounded end.
"""
from __future__ import annotations

from decimal import Decimal
from typing import Iterator, Optional

import attrs

from dsl.syntax import ast
from dsl import ir
from dsl.core.display import format_number

# ---- syntax tree -------------------------------------------------------------


ast_children = ast.children  # one definition, beside the nodes it walks


def walk_ast(node) -> Iterator:
    yield node
    for child in ast_children(node):
        yield from walk_ast(child)


def item_exprs(item) -> Iterator:
    """The expressions written in one top-level item (tests: expect targets only)."""
    if isinstance(item, (ast.LetDecl, ast.ColumnDecl, ast.FlagDecl, ast.TotalDecl)):
        yield item.expr
    elif isinstance(item, ast.PayoutDecl):
        yield item.expr
        for clause in item.clauses:
            if clause.expr is not None:
                yield clause.expr
    elif isinstance(item, ast.TestDecl):
        for stmt in item.stmts:
            if isinstance(stmt, ast.TestExpect):
                yield stmt.target


def all_ast_nodes(plan_file: ast.PlanFile) -> Iterator:
    for item in plan_file.items:
        for expr in item_exprs(item):
            yield from walk_ast(expr)


# ---- typed IR ------------------------------------------------------------------


ir_children = ir.children  # one definition, beside the nodes it walks


def walk_ir(node) -> Iterator:
    yield node
    for child in ir_children(node):
        yield from walk_ir(child)


def plan_roots(plan: ir.Plan) -> Iterator:
    """Every expression of the plan that is evaluated for its own sake."""
    for payout in plan.payouts:
        for expr in (payout.expr, payout.gate, payout.cap, payout.floor):
            if expr is not None:
                yield expr
    for flag in plan.flags:
        yield flag.expr
    for expr in (plan.total_cap, plan.total_floor):
        if expr is not None:
            yield expr


def plan_exprs(plan: ir.Plan) -> Iterator:
    """Every expression of the plan: roots, lets and computed columns."""
    yield from plan_roots(plan)
    for let in plan.lets:
        yield let.expr
    for column in plan.columns:
        yield column.expr


# ---- constants -------------------------------------------------------------------


def fold(node) -> Optional[tuple[Decimal, str]]:
    """The value and kind ("money", "percent", "number") of literal arithmetic, else None."""
    if isinstance(node, ast.Money):
        return node.value, "money"
    if isinstance(node, ast.Percent):
        return node.value, "percent"
    if isinstance(node, ast.Number):
        return node.value, "number"
    if isinstance(node, ast.Negate):
        inner = fold(node.operand)
        return (-inner[0], inner[1]) if inner else None
    if isinstance(node, ast.Binary):
        left, right = fold(node.left), fold(node.right)
        if left is None or right is None:
            return None
        kinds = {left[1], right[1]}
        kind = "money" if "money" in kinds else ("percent" if kinds == {"percent"} else "number")
        if node.op == "+":
            return left[0] + right[0], kind
        if node.op == "-":
            return left[0] - right[0], kind
        if node.op == "*":
            return left[0] * right[0], kind
        if right[0] == 0:
            return None
        return left[0] / right[0], ("number" if kinds == {"money"} else kind)
    return None


def fold_money(node) -> Optional[Decimal]:
    """A constant amount of money (a bare 0 counts: it takes the type it meets)."""
    folded = fold(node)
    if folded is None:
        return None
    value, kind = folded
    if kind == "money" or value == 0:
        return value
    return None


# ---- bands and intervals ------------------------------------------------------------


@attrs.frozen
class Interval:
    lo: Optional[Decimal]  # None: unbounded below
    lo_closed: bool
    hi: Optional[Decimal]  # None: unbounded above
    hi_closed: bool

    def show(self, texts: dict) -> str:
        def text(value):
            return texts.get(value) or format_number(value)

        if self.lo is not None and self.lo == self.hi:
            return f"the value {text(self.lo)}"
        lo = ("[" if self.lo_closed else "(") + (text(self.lo) if self.lo is not None else "..")
        hi = (text(self.hi) if self.hi is not None else "..") + ("]" if self.hi_closed else ")")
        return f"{lo}, {hi}"


@attrs.frozen
class BandInfo:
    """One band row of a tier table, with its bounds as exact values."""

    row: ast.BandRow
    interval: Interval
    kind: str  # money | percent | number: what the bounds are
    value: Optional[Decimal]  # None for a record value or a non-number
    value_kind: Optional[str] = None  # money | percent | number

    @property
    def span(self):
        return self.row.band.span


def _bound(node) -> tuple[Optional[Decimal], Optional[str]]:
    folded = fold(node)
    if folded is None:
        return None, None
    return folded


def table_bands(decl: ast.TiersDecl) -> Optional[list[BandInfo]]:
    """The band rows of a table, or None when a bound is not a number/amount/percent."""
    bands = []
    kinds = set()
    for row in decl.rows:
        if not isinstance(row, ast.BandRow):
            continue
        band = row.band
        low, low_kind = _bound(band.low) if band.low is not None else (None, None)
        high, high_kind = _bound(band.high) if band.high is not None else (None, None)
        if (band.low is not None and low is None) or (band.high is not None and high is None):
            return None
        kinds.update(k for k in (low_kind, high_kind) if k)
        folded = fold(row.value) if not isinstance(row.value, ast.RecordValue) else None
        interval = Interval(low, band.low_closed, high, band.high_closed)
        bands.append(BandInfo(row, interval, "", folded[0] if folded else None, folded[1] if folded else None))
    kind = "money" if "money" in kinds else ("percent" if "percent" in kinds else "number")
    return [attrs.evolve(b, kind=kind) for b in bands]


def bound_texts(decl: ast.TiersDecl) -> dict:
    """Each bound value → the text it was written with (`500000` → `50万`)."""
    texts: dict = {}
    for row in decl.rows:
        if isinstance(row, ast.BandRow):
            for node in (row.band.low, row.band.high):
                folded = fold(node) if node is not None else None
                if folded is not None and isinstance(node, (ast.Money, ast.Number, ast.Percent)):
                    texts.setdefault(folded[0], node.text)
    return texts


def _low_key(i: Interval):
    return (i.lo is not None, i.lo if i.lo is not None else Decimal(0), not i.lo_closed)


def _hi_max(a: Interval, b: Interval) -> tuple[Optional[Decimal], bool]:
    if a.hi is None or b.hi is None:
        return None, False
    if a.hi == b.hi:
        return a.hi, a.hi_closed or b.hi_closed
    return (a.hi, a.hi_closed) if a.hi > b.hi else (b.hi, b.hi_closed)


def union(intervals) -> list[Interval]:
    """Disjoint, sorted intervals covering exactly the values of `intervals`."""
    merged: list[Interval] = []
    for current in sorted(intervals, key=_low_key):
        if merged:
            last = merged[-1]
            touches = (
                last.hi is None
                or current.lo is None
                or current.lo < last.hi
                or (current.lo == last.hi and (last.hi_closed or current.lo_closed))
            )
            if touches:
                hi, hi_closed = _hi_max(last, current)
                merged[-1] = Interval(last.lo, last.lo_closed, hi, hi_closed)
                continue
        merged.append(current)
    return merged


def covers(outer: Interval, inner: Interval) -> bool:
    if outer.lo is not None:
        if inner.lo is None or inner.lo < outer.lo or (inner.lo == outer.lo and inner.lo_closed and not outer.lo_closed):
            return False
    if outer.hi is not None:
        if inner.hi is None or inner.hi > outer.hi or (inner.hi == outer.hi and inner.hi_closed and not outer.hi_closed):
            return False
    return True


def gaps(merged: list[Interval]) -> list[Interval]:
    """The values between consecutive intervals of a union."""
    return [Interval(a.hi, not a.hi_closed, b.lo, not b.lo_closed) for a, b in zip(merged, merged[1:])]
