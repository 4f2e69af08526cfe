"""The syntax tree of a .plan file, exactly as written.

Frozen attrs classes, one per construct. Every node has a `span` that is
excluded from equality, so `parse(fmt(x)) == parse(x)` compares meaning and not
layout. Literals keep their source text (`50万` stays `50万`) so the formatter
can print them back unchanged. Names are not resolved here; that is the
checker's job (see checker.py).
"""
from __future__ import annotations

import datetime
import functools
from decimal import Decimal
from typing import Iterator, Optional, Union

import attrs

from dsl.core.source import Span, span_field
from dsl.core.types import ClauseKind, Period

# ---- expressions ------------------------------------------------------------


@attrs.frozen
class Number:
    value: Decimal
    text: str
    span: Span = span_field()


@attrs.frozen
class Percent:
    value: Decimal  # 2% is Decimal("0.02")
    text: str
    span: Span = span_field()


@attrs.frozen
class Money:
    value: Decimal
    currency: Optional[str]  # None: the plan's currency
    text: str
    span: Span = span_field()


@attrs.frozen
class String:
    value: str
    span: Span = span_field()


@attrs.frozen
class Date:
    value: datetime.date
    text: str
    span: Span = span_field()


@attrs.frozen
class Bool:
    value: bool
    span: Span = span_field()


@attrs.frozen
class Name:
    name: str
    span: Span = span_field()


@attrs.frozen
class TotalRef:
    """`total` in a test expectation: the payee's total payout."""

    span: Span = span_field()


@attrs.frozen
class Field:
    target: "Expr"
    name: str
    span: Span = span_field()


@attrs.frozen
class Filtered:
    """`expr where condition`, only as the argument of an aggregate."""

    expr: "Expr"
    where: "Expr"
    span: Span = span_field()


@attrs.frozen
class Call:
    func: "Expr"
    args: tuple["Expr", ...]
    span: Span = span_field()


@attrs.frozen
class Negate:
    operand: "Expr"
    span: Span = span_field()


@attrs.frozen
class Not:
    operand: "Expr"
    span: Span = span_field()


@attrs.frozen
class Binary:
    op: str  # + - * /
    left: "Expr"
    right: "Expr"
    span: Span = span_field()


@attrs.frozen
class Compare:
    op: str  # == != < <= > >=
    left: "Expr"
    right: "Expr"
    span: Span = span_field()


@attrs.frozen
class Logical:
    op: str  # and | or
    left: "Expr"
    right: "Expr"
    span: Span = span_field()


@attrs.frozen
class If:
    condition: "Expr"
    then: "Expr"
    otherwise: "Expr"
    span: Span = span_field()


@attrs.frozen
class PeriodLit:
    """A period written in an expression: `2026-07`, `2026-Q3`, `2026-H1`."""

    value: Period
    text: str
    span: Span = span_field()


@attrs.frozen
class PeriodRef:
    """`period`: the period being computed."""

    span: Span = span_field()


Literal = Union[Number, Percent, Money, String, Date, Bool, PeriodLit]
Expr = Union[Literal, Name, TotalRef, PeriodRef, Field, Filtered, Call, Negate, Not, Binary, Compare, Logical, If]
EXPR_CLASSES = (Number, Percent, Money, String, Date, Bool, PeriodLit, Name, TotalRef, PeriodRef, Field, Filtered, Call, Negate, Not, Binary, Compare, Logical, If)

# ---- declarations -------------------------------------------------------------


@attrs.frozen
class Setting:
    """One line of the plan header: `currency CNY`, `period quarter`, `rounding half_up to 0.01`, ..."""

    key: str  # currency | period | period_range | payee | payees | team | rounding | effective
    values: tuple  # strings, Decimals or dates, in source order
    span: Span = span_field()


@attrs.frozen
class PlanHeader:
    name: str
    settings: tuple[Setting, ...]
    span: Span = span_field()

    def setting(self, key: str) -> Optional[Setting]:
        for setting in self.settings:
            if setting.key == key:
                return setting
        return None


@attrs.frozen
class TypeRef:
    name: str
    args: tuple[str, ...] = ()  # enum values, or a currency code for money(USD)
    span: Span = span_field()


@attrs.frozen
class FieldDecl:
    name: str
    type: TypeRef
    default: Optional[Expr] = None
    span: Span = span_field()


@attrs.frozen
class InputDecl:
    name: str
    kind: str  # table | record | params
    fields: tuple[FieldDecl, ...]
    by: Optional[str] = None  # the field whose value places a row in a period
    span: Span = span_field()
    shared: bool = False  # `shared table`: no payee column; every payee reads every row


@attrs.frozen
class LetDecl:
    name: str
    expr: Expr
    effective: Optional[tuple[datetime.date, datetime.date]] = None  # the dates this version is in force
    span: Span = span_field()


@attrs.frozen
class Param:
    """One parameter of a function: `实际: money`."""

    name: str
    type: TypeRef
    span: Span = span_field()


@attrs.frozen
class FnDecl:
    """`fn 封顶达成(实际: money, 目标: money) -> percent = clamp(实际 / 目标, 0%, 150%)`: a pure,
    typed function; the checker inlines its body wherever it is called."""

    name: str
    params: tuple[Param, ...]
    result: TypeRef
    body: Expr
    span: Span = span_field()
    name_span: Span = span_field()


@attrs.frozen
class ModuleHeader:
    """`module "阶梯"`: the file is a module (functions, tier tables, constants, tests) for plans to import."""

    name: str
    span: Span = span_field()


@attrs.frozen
class ImportDecl:
    """`import 阶梯` or `import 阶梯 as J`: the module's names, used as `阶梯.提成(x)` (or `J.提成(x)`)."""

    module: str
    alias: Optional[str] = None
    span: Span = span_field()

    @property
    def namespace(self) -> str:
        """The name the importing file writes before the dot."""
        return self.alias or self.module


@attrs.frozen
class ColumnDecl:
    """`let deals.提成 = ...`: a column computed for every row of a table."""

    table: str
    name: str
    expr: Expr
    span: Span = span_field()


@attrs.frozen
class Band:
    low: Optional[Expr]  # None: unbounded
    high: Optional[Expr]
    low_closed: bool
    high_closed: bool
    stated: bool  # False for `a .. b`, whose inclusivity is not written
    span: Span = span_field()


@attrs.frozen
class RecordValue:
    fields: tuple[tuple[str, Expr], ...]
    span: Span = span_field()


TierValue = Union[Expr, RecordValue]


@attrs.frozen
class BandRow:
    band: Band
    value: TierValue
    span: Span = span_field()


@attrs.frozen
class CategoryRow:
    key: str
    value: TierValue
    span: Span = span_field()


@attrs.frozen
class DefaultRow:
    value: TierValue
    span: Span = span_field()


TierRow = Union[BandRow, CategoryRow, DefaultRow]


@attrs.frozen
class TiersDecl:
    name: str
    mode: Optional[str]  # marginal | whole | lookup; None when not stated
    rows: tuple[TierRow, ...]
    effective: Optional[tuple[datetime.date, datetime.date]] = None  # the dates this version is in force
    span: Span = span_field()
    name_span: Span = span_field()


@attrs.frozen
class Clause:
    kind: ClauseKind = attrs.field(converter=ClauseKind)
    expr: Optional[Expr] = None
    mode: Optional[str] = None  # for round
    unit: Optional[Decimal] = None  # for round
    unit_text: Optional[str] = None
    span: Span = span_field()


@attrs.frozen
class PayoutDecl:
    label: str
    expr: Expr
    clauses: tuple[Clause, ...]
    span: Span = span_field()

    def clause(self, kind: str) -> Optional[Clause]:
        for clause in self.clauses:
            if clause.kind == kind:
                return clause
        return None


@attrs.frozen
class FlagDecl:
    label: str
    expr: Expr
    span: Span = span_field()


@attrs.frozen
class TotalDecl:
    kind: str  # cap | floor
    expr: Expr
    label: Optional[str] = None  # the adjustment line's label (default "total")
    span: Span = span_field()


@attrs.frozen
class LedgerClause:
    """A rule of a hold, clawback or draw: `release at year end`, `forfeit 60% when …`,
    `within 6 months of sold_on`, `recover at most 1000元 per period`, `keep at least 3000元`."""

    kind: str  # when | release_year_end | release_on | release_after | release_when | scaled | forfeit | window | instalment | keep
    expr: Optional[Expr] = None
    number: Optional[Decimal] = None  # release_after's count, window's length, forfeit's share
    text: Optional[str] = None  # the number or share as written; window's and release_after's unit (months, periods, days)
    unit: Optional[str] = None
    date: Optional[datetime.date] = None  # release_on
    span: Span = span_field()


@attrs.frozen
class HoldDecl:
    """`hold "年终部分" = line("提成") * 40% release at year end`: money kept back from this period's pay."""

    label: str
    expr: Expr
    clauses: tuple[LedgerClause, ...]
    span: Span = span_field()


@attrs.frozen
class ClawbackDecl:
    """`clawback "退款追回" = refunds.amount * 3% within 6 months of refunds.sold_on`: money recovered from pay."""

    label: str
    expr: Expr
    clauses: tuple[LedgerClause, ...]
    span: Span = span_field()


@attrs.frozen
class DrawDecl:
    """`draw "保底" = 1000元 recoverable`: a guaranteed amount a period."""

    label: str
    expr: Expr
    recoverable: bool
    span: Span = span_field()


@attrs.frozen
class PoolShare:
    """One part of a pool's split: `50% equally among members where 销售代表 qualify when 达标 as "部门奖金"`,
    `30% pro rata to 业绩 among members as "…"`, `40% to manager as "…"`, `5% to fund "最佳销售员基金"`."""

    kind: str  # equally | pro_rata | manager | fund
    percent: Decimal
    percent_text: str
    label: str  # the line each recipient is paid under; a fund's name
    measure: Optional[Expr] = None  # pro rata: each member's weight
    where: Optional[Expr] = None  # who is in the part's group (evaluated as each member)
    qualify: Optional[Expr] = None  # who of the group is paid; the others' shares are unqualified
    span: Span = span_field()


@attrs.frozen
class PoolRule:
    """`unqualified to fund "部门基金"`, `unqualified back`, `remainder largest by payee`, `remainder largest by 业绩`."""

    kind: str  # unqualified_fund | unqualified_back | remainder_payee | remainder_measure
    fund: Optional[str] = None
    measure: Optional[Expr] = None
    span: Span = span_field()


@attrs.frozen
class PoolDecl:
    """`pool "部门奖金池" = 销售额 * 1% when 销售额 >= 任务 { 40% to manager as "…"  50% equally among members … }`:
    an amount of each team (a payee with members) that is not paid to it but split among the team."""

    label: str
    expr: Expr
    gate: Optional[Expr]
    shares: tuple[PoolShare, ...]
    rules: tuple[PoolRule, ...]
    span: Span = span_field()


@attrs.frozen
class RankBand:
    """`[1, 3] -> 5000元`: the award of the ranks in a band."""

    band: "Band"
    value: Expr
    span: Span = span_field()


@attrs.frozen
class RankDecl:
    """`rank "销售排名" = members by 业绩 where 销售岗 ties by 回款额 top 25 as "排名奖" { [1, 1] -> 5000元 … }`:
    each team's members (or, `payees by …`, every payee of the run) ranked by a measure, highest first;
    an award by rank band paid as a line of each ranked payee."""

    label: str
    measure: Expr
    where: Optional[Expr]
    tie: Optional[Expr]  # the tie-breaker measure (higher first); None with `ties shared`
    shared: bool  # `ties shared`: equal measures share the best rank (1, 2, 2, 4)
    top: Optional[Decimal]
    top_text: Optional[str]
    award_label: Optional[str]  # None: no award, the rank is reported only
    bands: tuple[RankBand, ...]
    span: Span = span_field()
    tie_stated: bool = True  # False when the plan wrote no `ties …` (read as `ties shared`, and lint says so)
    group: str = "members"  # members: within each team | payees: every payee of the run


@attrs.frozen
class TestRecord:
    fields: tuple[tuple[str, Expr], ...]
    span: Span = span_field()


@attrs.frozen
class TestPayee:
    payee: str
    span: Span = span_field()


@attrs.frozen
class TestInput:
    name: str
    rows: tuple[TestRecord, ...]
    is_list: bool
    span: Span = span_field()


@attrs.frozen
class TestExpect:
    target: Expr
    expected: Expr
    span: Span = span_field()


@attrs.frozen
class TestPeriod:
    """`period 2026-07 { … }`: the inputs and expectations of one period of a multi-period test."""

    period: Period
    text: str
    stmts: tuple["TestStmt", ...]
    span: Span = span_field()


TestStmt = Union[TestPayee, TestInput, TestExpect, TestPeriod]


@attrs.frozen
class TestDecl:
    name: str
    stmts: tuple[TestStmt, ...]
    span: Span = span_field()


Item = Union[PlanHeader, ModuleHeader, ImportDecl, InputDecl, LetDecl, FnDecl, ColumnDecl, TiersDecl, PayoutDecl, FlagDecl, TotalDecl, HoldDecl, ClawbackDecl, DrawDecl, PoolDecl, RankDecl, TestDecl]
ITEM_CLASSES = (PlanHeader, ModuleHeader, ImportDecl, InputDecl, LetDecl, FnDecl, ColumnDecl, TiersDecl, PayoutDecl, FlagDecl, TotalDecl, HoldDecl, ClawbackDecl, DrawDecl, PoolDecl, RankDecl, TestDecl)


@attrs.frozen
class Comment:
    text: str
    line: int
    own_line: bool  # True when nothing but the comment stands on its line


@attrs.frozen
class PlanFile:
    items: tuple[Item, ...]
    comments: tuple[Comment, ...] = attrs.field(default=(), eq=False)
    file: str = attrs.field(default="<plan>", eq=False)

    def header(self) -> Optional[PlanHeader]:
        for item in self.items:
            if isinstance(item, PlanHeader):
                return item
        return None

    def module_header(self) -> Optional[ModuleHeader]:
        """The `module "…"` line of a module file (None in a plan)."""
        for item in self.items:
            if isinstance(item, ModuleHeader):
                return item
        return None

    def imports(self) -> tuple[ImportDecl, ...]:
        return tuple(item for item in self.items if isinstance(item, ImportDecl))


# ---- traversal -------------------------------------------------------------------


@functools.cache
def _meaningful_fields(cls) -> tuple[str, ...]:
    """The fields that make up a node's meaning: all but positions (and a file's comments)."""
    return tuple(field.name for field in attrs.fields(cls) if field.eq)


def _nodes_in(value, found: list) -> None:
    if isinstance(value, tuple):  # a tuple of nodes, or of (name, node) pairs
        for element in value:
            _nodes_in(element, found)
    elif attrs.has(type(value)) and type(value).__module__ == __name__:  # a Period value is not a node
        found.append(value)


def children(node) -> tuple:
    """The nodes held directly by a node's fields, in field order.

    Derived from the attrs fields of the node's class, so a new node class needs
    no walk code: a field holding a node, a tuple of nodes or a tuple of (name,
    node) pairs contributes those nodes; strings, numbers, dates and spans none.

    >>> children(Binary("+", Name("a"), Number(Decimal(1), "1")))
    (Name(name='a'), Number(value=Decimal('1'), text='1'))
    >>> children(PayoutDecl("a", Name("x"), (Clause("when", Name("y")),)))
    (Name(name='x'), Clause(kind=<ClauseKind.WHEN: 'when'>, expr=Name(name='y'), mode=None, unit=None, unit_text=None))
    >>> children(Name("a"))
    ()
    """
    if not attrs.has(type(node)):
        return ()
    found: list = []
    for name in _meaningful_fields(type(node)):
        _nodes_in(getattr(node, name), found)
    return tuple(found)


def walk(node) -> Iterator:
    """`node` and every node below it, parents before children, in source order.

    >>> [type(n).__name__ for n in walk(Call(Name("sum"), (Field(Name("deals"), "amount"),)))]
    ['Call', 'Name', 'Field', 'Name']
    """
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(reversed(children(current)))
