"""The typed intermediate representation: what the checker produces and both
evaluators consume.

Every name is resolved, every node knows its static type, and nothing here
refers to Python callbacks: each construct is a pure function of the inputs
that can be computed per payee by the traced interpreter (evaluator.py) or for
a whole population at once by a columnar backend. Nodes keep the span and the
source text of the expression they came from, so traces can quote the plan.

Expression nodes by context:
- payee level: Const, LetRef, RecordRef, ParamRef, Aggregate, TierCall, …
- row level (inside an Aggregate or a computed column): ColumnRef, ComputedRef,
  and any payee-level node (its value is the same for every row).
"""
from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Optional, Union

import attrs

from dsl.core.source import NO_SPAN, Span
from dsl.core.types import InputSchema, Type


def _meta():
    return attrs.field(default=NO_SPAN, eq=False, repr=False)


def _text():
    return attrs.field(default="", eq=False, repr=False)


@attrs.frozen
class Const:
    value: object
    type: Type
    span: Span = _meta()
    text: str = _text()


@attrs.frozen
class LetRef:
    name: str
    type: Type
    span: Span = _meta()
    text: str = _text()


@attrs.frozen
class RecordRef:
    """A field of the current payee's row in a per-payee record input."""

    input: str
    field: str
    type: Type
    span: Span = _meta()
    text: str = _text()


@attrs.frozen
class ParamRef:
    """A field of a plan-wide params input."""

    input: str
    field: str
    type: Type
    span: Span = _meta()
    text: str = _text()


@attrs.frozen
class ColumnRef:
    """A column of the current row (row context only)."""

    table: str
    field: str
    type: Type
    span: Span = _meta()
    text: str = _text()


@attrs.frozen
class ComputedRef:
    """A computed column (`let deals.x = ...`) of the current row."""

    table: str
    name: str
    type: Type
    span: Span = _meta()
    text: str = _text()


@attrs.frozen
class Arith:
    op: str  # + - * /
    left: "Expr"
    right: "Expr"
    type: Type
    span: Span = _meta()
    text: str = _text()


@attrs.frozen
class Neg:
    operand: "Expr"
    type: Type
    span: Span = _meta()
    text: str = _text()


@attrs.frozen
class Cmp:
    op: str
    left: "Expr"
    right: "Expr"
    type: Type
    span: Span = _meta()
    text: str = _text()


@attrs.frozen
class Logic:
    op: str  # and | or | not
    operands: tuple["Expr", ...]
    type: Type
    span: Span = _meta()
    text: str = _text()


@attrs.frozen
class Cond:
    condition: "Expr"
    then: "Expr"
    otherwise: "Expr"
    type: Type
    span: Span = _meta()
    text: str = _text()


@attrs.frozen
class Aggregate:
    """sum/count/avg/min/max over the current payee's rows of `table`.

    `expr` is a row-level expression (None for count); `where` a row-level
    condition (None for all rows).
    """

    fn: str
    table: str
    expr: Optional["Expr"]
    where: Optional["Expr"]
    type: Type
    span: Span = _meta()
    text: str = _text()


@attrs.frozen
class Builtin:
    fn: str  # min | max | clamp | abs
    args: tuple["Expr", ...]
    type: Type
    span: Span = _meta()
    text: str = _text()


@attrs.frozen
class TierCall:
    tiers: str
    arg: "Expr"
    type: Type
    span: Span = _meta()
    text: str = _text()


@attrs.frozen
class FieldOf:
    """A named value of a lookup band: `档位(x).底薪`."""

    target: "Expr"
    field: str
    type: Type
    span: Span = _meta()
    text: str = _text()


@attrs.frozen
class Quotient:
    """A chain of products and quotients computed with its one division last:
    (numerators[0] × numerators[1] × …) ÷ (denominators[0] × …), rounded once.

    Made by the division-last pass (ir/passes/division_last.py) from `chain`, the
    Arith tree as written, which traces still show. A factor written after a `/`
    (at any depth of the chain) that is zero is a division by zero.
    """

    numerators: tuple["Expr", ...]
    denominators: tuple["Expr", ...]
    type: Type
    chain: Arith = attrs.field(eq=False, repr=False)
    span: Span = _meta()
    text: str = _text()


def children(node) -> tuple:
    """The sub-expressions of an IR expression node (for walks over a plan)."""
    if isinstance(node, (Arith, Cmp)):
        return (node.left, node.right)
    if isinstance(node, Neg):
        return (node.operand,)
    if isinstance(node, Logic):
        return node.operands
    if isinstance(node, Cond):
        return (node.condition, node.then, node.otherwise)
    if isinstance(node, Aggregate):
        return tuple(n for n in (node.expr, node.where) if n is not None)
    if isinstance(node, Builtin):
        return node.args
    if isinstance(node, TierCall):
        return (node.arg,)
    if isinstance(node, FieldOf):
        return (node.target,)
    if isinstance(node, Quotient):
        return node.numerators + node.denominators
    return ()


Expr = Union[Const, LetRef, RecordRef, ParamRef, ColumnRef, ComputedRef, Arith, Neg, Cmp, Logic, Cond, Aggregate, Builtin, TierCall, FieldOf, Quotient]
EXPR_CLASSES = (Const, LetRef, RecordRef, ParamRef, ColumnRef, ComputedRef, Arith, Neg, Cmp, Logic, Cond, Aggregate, Builtin, TierCall, FieldOf, Quotient)


# ---- plan-level constructs ------------------------------------------------------


@attrs.frozen
class Band:
    low: Optional[Decimal]  # None: unbounded
    high: Optional[Decimal]
    low_closed: bool
    high_closed: bool
    value: object  # Decimal, str, bool, or dict of named values for a record band
    stated: bool = True
    span: Span = _meta()
    text: str = _text()

    def contains(self, x: Decimal) -> bool:
        if self.low is not None and (x < self.low or (x == self.low and not self.low_closed)):
            return False
        if self.high is not None and (x > self.high or (x == self.high and not self.high_closed)):
            return False
        return True


@attrs.frozen
class TierTable:
    name: str
    mode: str  # marginal | whole | lookup
    mode_stated: bool
    key_type: Type
    value_type: Type
    bands: tuple[Band, ...] = ()
    categories: tuple[tuple[str, object, Span], ...] = ()
    default: object = None
    has_default: bool = False
    span: Span = _meta()


@attrs.frozen
class Let:
    name: str
    expr: Expr
    span: Span = _meta()


@attrs.frozen
class ComputedColumn:
    table: str
    name: str
    expr: Expr
    span: Span = _meta()


@attrs.frozen
class Rounding:
    mode: str
    unit: Decimal
    stated: bool = True


@attrs.frozen
class Payout:
    label: str
    expr: Expr
    gate: Optional[Expr]
    cap: Optional[Expr]
    floor: Optional[Expr]
    rounding: Rounding
    span: Span = _meta()


@attrs.frozen
class Flag:
    label: str
    expr: Expr
    span: Span = _meta()


@attrs.frozen
class Expectation:
    kind: str  # line | flag | total | expr
    label: Optional[str]
    expr: Optional[Expr]  # for kind == "expr"
    expected: object  # Decimal / bool / str
    expected_text: str
    span: Span = _meta()


@attrs.frozen
class PlanTest:
    name: str
    payee: str
    inputs: dict  # input name -> list of row dicts (typed) or a dict
    expectations: tuple[Expectation, ...]
    span: Span = _meta()


@attrs.frozen
class Plan:
    name: str
    file: str
    currency: str
    period: str
    payee_label: str
    rounding: Rounding
    effective: Optional[tuple[datetime.date, datetime.date]]
    inputs: tuple[InputSchema, ...]
    tiers: dict
    lets: tuple[Let, ...]  # in dependency order
    columns: tuple[ComputedColumn, ...]  # in dependency order
    payouts: tuple[Payout, ...]
    flags: tuple[Flag, ...]
    total_cap: Optional[Expr]
    total_floor: Optional[Expr]
    tests: tuple[PlanTest, ...]

    def input(self, name: str) -> Optional[InputSchema]:
        for schema in self.inputs:
            if schema.name == name:
                return schema
        return None

    def column(self, table: str, name: str) -> Optional[ComputedColumn]:
        for column in self.columns:
            if column.table == table and column.name == name:
                return column
        return None

    def let(self, name: str) -> Optional[Let]:
        for let in self.lets:
            if let.name == name:
                return let
        return None
