"""What the lint rules read from the syntax tree: walks, and tier bands.

The rules that must run even when a plan does not check read the syntax tree:

- `walk_ast` and `item_exprs`: every node below a node (through the AST's own
  child walk, `dsl.syntax.ast.children`) and the expressions of an item;
- `table_bands` and `bound_texts`: the band rows of a tier table with their
  bounds and values as exact numbers, and the text each bound was written with.
  Bounds and band values are literals (the grammar allows nothing else), so
  reading them needs no unit algebra: a literal's kind is what it is written as.

Walks over the typed IR are in `dsl.ir.walk`; interval arithmetic over bands
is `dsl.ir.analysis.intervals`.

    >>> from dsl.syntax.parser import parse
    >>> plan_file, _ = parse('tiers t marginal { [0, 50万) -> 2%  [50万, ..) -> 3% }')
    >>> [(b.interval.bounds_text(bound_texts(plan_file.items[0])), b.kind, b.value) for b in table_bands(plan_file.items[0])]
    [('[0, 50万)', 'money', Decimal('0.02')), ('[50万, ..)', 'money', Decimal('0.03'))]
"""
from __future__ import annotations

from decimal import Decimal
from typing import Iterator, Optional

import attrs

from dsl.syntax import ast
from dsl.ir.analysis.intervals import Interval

__all__ = ["walk_ast", "item_exprs", "all_ast_nodes", "literal", "BandInfo", "table_bands", "bound_texts"]


def walk_ast(node) -> Iterator:
    """The node itself, then every node below it."""
    yield node
    for child in ast.children(node):
        yield from walk_ast(child)


def item_exprs(item) -> Iterator:
    """The expressions written in one top-level item (tests: expect targets only)."""
    if isinstance(item, (ast.LetDecl, ast.ColumnDecl, ast.FlagDecl, ast.TotalDecl)):
        yield item.expr
    elif isinstance(item, ast.FnDecl):  # a function's body reads what it names, as a definition does
        yield item.body
    elif isinstance(item, ast.PayoutDecl):
        yield item.expr
        for clause in item.clauses:
            if clause.expr is not None:
                yield clause.expr
    elif isinstance(item, (ast.HoldDecl, ast.ClawbackDecl, ast.DrawDecl)):
        yield item.expr
        for clause in getattr(item, "clauses", ()):
            if clause.expr is not None:
                yield clause.expr
    elif isinstance(item, ast.PoolDecl):
        yield from (e for e in (item.expr, item.gate) if e is not None)
        for share in item.shares:
            yield from (e for e in (share.measure, share.where, share.qualify) if e is not None)
        yield from (rule.measure for rule in item.rules if rule.measure is not None)
    elif isinstance(item, ast.RankDecl):
        yield from (e for e in (item.measure, item.where, item.tie) if e is not None)
        yield from (band.value for band in item.bands)
    elif isinstance(item, ast.TestDecl):
        stmts = list(item.stmts)
        while stmts:  # a test's period blocks hold expectations too
            stmt = stmts.pop(0)
            if isinstance(stmt, ast.TestExpect):
                yield stmt.target
            elif isinstance(stmt, ast.TestPeriod):
                stmts[:0] = stmt.stmts


def all_ast_nodes(plan_file: ast.PlanFile) -> Iterator:
    """Every node of every expression of a plan file."""
    for item in plan_file.items:
        for expr in item_exprs(item):
            yield from walk_ast(expr)


def literal(node) -> Optional[tuple[Decimal, str]]:
    """The value and kind ("money", "percent", "number") of a numeric literal, negated or not."""
    if isinstance(node, ast.Money):
        return node.value, "money"
    if isinstance(node, ast.Percent):
        return node.value, "percent"
    if isinstance(node, ast.Number):
        return node.value, "number"
    if isinstance(node, ast.Negate):
        inner = literal(node.operand)
        return (-inner[0], inner[1]) if inner else None
    return None


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
    if node is None:  # `..`: unbounded
        return None, None
    return literal(node) or (None, None)


def table_bands(decl: ast.TiersDecl) -> Optional[list[BandInfo]]:
    """The band rows of a table, or None when a bound is not a number/amount/percent."""
    bands = []
    kinds = set()
    for row in decl.rows:
        if not isinstance(row, ast.BandRow):
            continue
        band = row.band
        low, low_kind = _bound(band.low)
        high, high_kind = _bound(band.high)
        if (band.low is not None and low is None) or (band.high is not None and high is None):
            return None
        kinds.update(k for k in (low_kind, high_kind) if k)
        value = literal(row.value) if not isinstance(row.value, ast.RecordValue) else None
        interval = Interval(low, band.low_closed, high, band.high_closed)
        bands.append(BandInfo(row, interval, "", value[0] if value else None, value[1] if value else None))
    kind = "money" if "money" in kinds else ("percent" if "percent" in kinds else "number")
    return [attrs.evolve(b, kind=kind) for b in bands]


def bound_texts(decl: ast.TiersDecl) -> dict:
    """Each bound value → the text it was written with (`500000` → `50万`)."""
    texts: dict = {}
    for row in decl.rows:
        if isinstance(row, ast.BandRow):
            for node in (row.band.low, row.band.high):
                value = literal(node) if node is not None else None
                if value is not None and isinstance(node, (ast.Money, ast.Number, ast.Percent)):
                    texts.setdefault(value[0], node.text)
    return texts
