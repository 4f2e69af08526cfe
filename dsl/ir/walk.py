"""Walks over the typed IR: the children of a node, every node below it, and
the expressions of a plan.

`children` is derived from the attrs fields of a node, so a new expression
class needs no walk code: any field holding an expression, or a tuple of them,
is a child, in field order. Analyses (`dsl.ir.analysis`), passes and the lint
rules walk the IR with these functions only.

    >>> from decimal import Decimal
    >>> from dsl.core.types import MoneyType, PERCENT
    >>> from dsl import ir
    >>> cny = MoneyType("CNY")
    >>> sales = ir.LetRef("sales", cny)
    >>> commission = ir.Arith("*", sales, ir.Const(Decimal("0.02"), PERCENT), cny)
    >>> [type(n).__name__ for n in walk(commission)]
    ['Arith', 'LetRef', 'Const']
"""
from __future__ import annotations

from typing import Iterator

import attrs

from dsl.ir.nodes import EXPR_CLASSES, Plan

__all__ = ["children", "walk", "plan_roots", "plan_exprs", "ledger_exprs"]

_NOT_CHILDREN = frozenset({"type", "span", "text"})


def _child_fields(cls) -> tuple[str, ...]:
    # a field left out of equality is a note about the node (its span, its text, the
    # chain a Quotient was combined from), never one of its operands
    return tuple(f.name for f in attrs.fields(cls) if f.name not in _NOT_CHILDREN and f.eq)


_FIELDS = {cls: _child_fields(cls) for cls in EXPR_CLASSES}


def children(node) -> tuple:
    """The sub-expressions of an IR expression node, in field order.

    >>> from decimal import Decimal
    >>> from dsl.core.types import BOOL, NUMBER
    >>> from dsl import ir
    >>> one, two = ir.Const(Decimal(1), NUMBER), ir.Const(Decimal(2), NUMBER)
    >>> children(ir.Cond(ir.Const(True, BOOL), one, two, NUMBER)) == (ir.Const(True, BOOL), one, two)
    True
    >>> children(one)
    ()
    """
    cls = type(node)
    fields = _FIELDS.get(cls)
    if fields is None:  # not an expression class of nodes.py: walk its fields all the same
        if not attrs.has(cls):
            return ()
        fields = _child_fields(cls)
    found = []
    for name in fields:
        value = getattr(node, name)
        if isinstance(value, EXPR_CLASSES):
            found.append(value)
        elif isinstance(value, tuple):
            found.extend(v for v in value if isinstance(v, EXPR_CLASSES))
    return tuple(found)


def walk(node) -> Iterator:
    """The node itself, then every node below it, depth first in field order."""
    yield node
    for child in children(node):
        yield from walk(child)


def plan_roots(plan: Plan) -> Iterator:
    """Every expression of the plan that is evaluated for its own sake: each
    line's value, gate, cap and floor, each flag, the total cap and floor, the
    ledger's and the team declarations' expressions."""
    for payout in plan.payouts:
        for expr in (payout.expr, payout.gate, payout.cap, payout.floor):
            if expr is not None:
                yield expr
    for flag in plan.flags:
        yield flag.expr
    for expr in (plan.total_cap, plan.total_floor):
        if expr is not None:
            yield expr
    yield from ledger_exprs(plan)
    yield from team_exprs(plan)


def team_exprs(plan: Plan) -> Iterator:
    """The expressions of the team declarations: each pool's amount, gate, tie order and each share's
    measure, group and qualification; each ranking's measure, group, tie-breaker and awards."""
    for pool in plan.pools:
        yield from (e for e in (pool.expr, pool.gate, pool.remainder) if e is not None)
        for share in pool.shares:
            yield from (e for e in (share.measure, share.where, share.qualify) if e is not None)
    for rank in plan.ranks:
        yield from (e for e in (rank.measure, rank.where, rank.tie) if e is not None)
        yield from (band.value for band in rank.bands)


def ledger_exprs(plan: Plan) -> Iterator:
    """The expressions of the ledger: what each hold keeps back and its rules, each
    clawback's row amount, window and limits, each draw's guarantee."""
    for hold in plan.holds:
        yield from (e for e in (hold.expr, hold.gate, hold.scale) if e is not None)
        yield from (r.condition for r in hold.releases if r.condition is not None)
        yield from (f.condition for f in hold.forfeits)
    for clawback in plan.clawbacks:
        yield clawback.expr
        yield from (e for e in (clawback.window.origin if clawback.window else None, clawback.instalment, clawback.keep) if e is not None)
    for draw in plan.draws:
        yield draw.expr


def plan_exprs(plan: Plan) -> Iterator:
    """Every expression of the plan: the roots, then lets and computed columns."""
    yield from plan_roots(plan)
    for let in plan.lets:
        yield let.expr
    for column in plan.columns:
        yield column.expr
