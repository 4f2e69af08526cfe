"""The typed intermediate representation: what the checker produces and both
evaluators consume.

Every name is resolved, every node knows its static type, and nothing here
refers to Python callbacks: each construct is a pure function of the inputs
that can be computed per payee by the traced interpreter (dsl/run) or for
a whole population at once by a columnar backend. Nodes keep the span and the
source text of the expression they came from, so traces can quote the plan.

Expression nodes by context:
- payee level: Const, LetRef, RecordRef, ParamRef, Aggregate, TierCall, …
- row level (inside an Aggregate or a computed column): ColumnRef, ComputedRef,
  and any payee-level node (its value is the same for every row).
"""
from __future__ import annotations

import datetime
import enum
from decimal import Decimal
from typing import Optional, Union

import attrs

from dsl.core.source import NO_SPAN, Span
from dsl.core.types import WHOLE_RUN, InputSchema, Period, PeriodUnit, Type  # noqa: F401  (Period belongs to the plan header)


class FrozenDict(dict):
    """A dict that cannot change after it is built, so it can be hashed.

    Plans hold mappings (tier tables by name, a plan test's rows, the named values
    of a lookup band); freezing them lets equal plans be equal and hash alike,
    while every reader of a dict (JSON output, `isinstance(v, dict)`) still works.

    >>> d = FrozenDict({"base": Decimal("100")})
    >>> d["base"], hash(d) == hash(FrozenDict(base=Decimal("100")))
    (Decimal('100'), True)
    >>> d["bonus"] = 1
    Traceback (most recent call last):
    TypeError: FrozenDict cannot be changed
    """

    __slots__ = ()

    def __hash__(self) -> int:
        return hash(frozenset(self.items()))

    def _frozen(self, *args, **kwargs):
        raise TypeError("FrozenDict cannot be changed")

    __setitem__ = __delitem__ = __ior__ = _frozen
    clear = pop = popitem = setdefault = update = _frozen

    def __reduce__(self):  # pickle and deepcopy rebuild it whole rather than item by item
        return (FrozenDict, (dict(self),))

    def __repr__(self) -> str:
        return f"FrozenDict({dict.__repr__(self)})"


def frozen(value):
    """`value` with every dict in it frozen and every list a tuple (for plan fields).

    >>> frozen({"a": [{"x": 1}]})
    FrozenDict({'a': (FrozenDict({'x': 1}),)})
    """
    if isinstance(value, dict) and not isinstance(value, FrozenDict):
        return FrozenDict({k: frozen(v) for k, v in value.items()})
    if isinstance(value, FrozenDict):
        return value
    if isinstance(value, (list, tuple)):
        return tuple(frozen(v) for v in value)
    return value


class TierMode(enum.StrEnum):
    """How a tier table turns an amount into pay (DESIGN.md: named modes)."""

    MARGINAL = "marginal"  # each band's rate on the part of the amount inside the band
    WHOLE = "whole"  # the band reached sets the rate for the whole amount
    LOOKUP = "lookup"  # the band (or category) returns its value(s)


class ExpectationKind(enum.StrEnum):
    """What a plan test's `expect` names."""

    LINE = "line"  # expect "销售额提成" = …
    FLAG = "flag"  # expect "降级预警" = true
    TOTAL = "total"  # expect total = …
    EXPR = "expr"  # expect 提成比例(200万) = …
    POSTING = "posting"  # expect held("年终部分") = …, balance("年终部分") = …
    EARNED = "earned"  # expect earned = … (the lines before the ledger)


def _meta():
    return attrs.field(default=NO_SPAN, eq=False, repr=False)


def _text():
    return attrs.field(default="", eq=False, repr=False)


def _via():
    """The calls an inlined function body stands for (outermost first): a note for traces."""
    return attrs.field(default=(), eq=False, repr=False)


@attrs.frozen
class CallSite:
    """A call of a function of the plan language, which the checker inlined: the node whose
    `via` names it is the function's body with the arguments in place of the parameters.

    A note for explanations (`f(x = 1) = …` above the body's steps), never an operand:
    no backend evaluates it, and it takes no part in equality.
    """

    function: str  # as written at the call: 封顶达成, 阶梯.提成
    params: tuple[str, ...]
    args: tuple["Expr", ...]
    span: Span = attrs.field(default=NO_SPAN, eq=False)
    text: str = attrs.field(default="", eq=False)


@attrs.frozen
class Const:
    value: object
    type: Type
    span: Span = _meta()
    text: str = _text()
    via: tuple["CallSite", ...] = _via()


@attrs.frozen
class LetRef:
    name: str
    type: Type
    span: Span = _meta()
    text: str = _text()
    via: tuple["CallSite", ...] = _via()


@attrs.frozen
class RecordRef:
    """A field of the current payee's row in a per-payee record input."""

    input: str
    field: str
    type: Type
    span: Span = _meta()
    text: str = _text()
    via: tuple["CallSite", ...] = _via()


@attrs.frozen
class ParamRef:
    """A field of a plan-wide params input."""

    input: str
    field: str
    type: Type
    span: Span = _meta()
    text: str = _text()
    via: tuple["CallSite", ...] = _via()


@attrs.frozen
class ColumnRef:
    """A column of the current row (row context only)."""

    table: str
    field: str
    type: Type
    span: Span = _meta()
    text: str = _text()
    via: tuple["CallSite", ...] = _via()


@attrs.frozen
class ComputedRef:
    """A computed column (`let deals.x = ...`) of the current row."""

    table: str
    name: str
    type: Type
    span: Span = _meta()
    text: str = _text()
    via: tuple["CallSite", ...] = _via()


@attrs.frozen
class Arith:
    op: str  # + - * /
    left: "Expr"
    right: "Expr"
    type: Type
    span: Span = _meta()
    text: str = _text()
    via: tuple["CallSite", ...] = _via()


@attrs.frozen
class Neg:
    operand: "Expr"
    type: Type
    span: Span = _meta()
    text: str = _text()
    via: tuple["CallSite", ...] = _via()


@attrs.frozen
class Cmp:
    op: str
    left: "Expr"
    right: "Expr"
    type: Type
    span: Span = _meta()
    text: str = _text()
    via: tuple["CallSite", ...] = _via()


@attrs.frozen
class Logic:
    op: str  # and | or | not
    operands: tuple["Expr", ...]
    type: Type
    span: Span = _meta()
    text: str = _text()
    via: tuple["CallSite", ...] = _via()


@attrs.frozen
class Cond:
    condition: "Expr"
    then: "Expr"
    otherwise: "Expr"
    type: Type
    span: Span = _meta()
    text: str = _text()
    via: tuple["CallSite", ...] = _via()


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
    via: tuple["CallSite", ...] = _via()


@attrs.frozen
class Builtin:
    fn: str  # min | max | clamp | abs
    args: tuple["Expr", ...]
    type: Type
    span: Span = _meta()
    text: str = _text()
    via: tuple["CallSite", ...] = _via()


@attrs.frozen
class TierCall:
    tiers: str
    arg: "Expr"
    type: Type
    span: Span = _meta()
    text: str = _text()
    via: tuple["CallSite", ...] = _via()


@attrs.frozen
class FieldOf:
    """A named value of a lookup band: `档位(x).底薪`."""

    target: "Expr"
    field: str
    type: Type
    span: Span = _meta()
    text: str = _text()
    via: tuple["CallSite", ...] = _via()


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
    via: tuple["CallSite", ...] = _via()


@attrs.frozen
class PeriodRef:
    """`period`: the period being computed (inside a history read, the earlier period read)."""

    type: Type
    span: Span = _meta()
    text: str = _text()
    via: tuple["CallSite", ...] = _via()


@attrs.frozen
class LineRef:
    """`line("提成")`: a payout line's value after its own gate, rounding, floor and cap."""

    label: str
    type: Type
    span: Span = _meta()
    text: str = _text()
    via: tuple["CallSite", ...] = _via()


@attrs.frozen
class TeamAggregate:
    """sum/count/avg/min/max over the members of the payee's team in this period (`sum(members.业绩)`).

    `value` (None for count) and `where` (None for every member) are payee-level expressions, each
    evaluated as the member: its lets and lines, computed before the manager (run/teams.py)."""

    fn: str
    value: Optional["Expr"]
    where: Optional["Expr"]
    type: Type
    span: Span = _meta()
    text: str = _text()
    via: tuple["CallSite", ...] = _via()


class HistoryFn(enum.StrEnum):
    """The reads of a payee's earlier periods (DESIGN.md: history reads read earlier results)."""

    PREVIOUS = "previous"  # previous(x, default): x one period earlier; default in the run's first period
    SUM_LAST = "sum_last"  # sum_last(x, n): x summed over the last n periods, this one included
    COUNT_LAST = "count_last"  # count_last(cond, n): how many of the last n periods (this one included) meet cond
    STREAK = "streak"  # streak(cond): consecutive periods meeting cond, ending with this one
    YTD = "ytd"  # ytd(x): x summed over this year's periods up to this one
    AT = "at"  # at(x, p): x in the period p (a period, or the period of the run containing a date)


@attrs.frozen
class History:
    """A read of the same payee's values in other periods of the run.

    `expr` is evaluated in each period read (a payee-level expression); `arg` is
    previous's default, the count n of sum_last/count_last, or at's period or date.
    Lowers to a window over (payee, period) ordered by period, or for `at` a join on period.
    """

    fn: HistoryFn = attrs.field(converter=HistoryFn)
    expr: "Expr"
    arg: Optional["Expr"]
    type: Type
    span: Span = _meta()
    text: str = _text()
    via: tuple["CallSite", ...] = _via()


Expr = Union[Const, LetRef, RecordRef, ParamRef, ColumnRef, ComputedRef, Arith, Neg, Cmp, Logic, Cond, Aggregate, Builtin, TierCall, FieldOf, Quotient, PeriodRef, LineRef, History, TeamAggregate]
EXPR_CLASSES = (Const, LetRef, RecordRef, ParamRef, ColumnRef, ComputedRef, Arith, Neg, Cmp, Logic, Cond, Aggregate, Builtin, TierCall, FieldOf, Quotient, PeriodRef, LineRef, History, TeamAggregate)


# ---- plan-level constructs ------------------------------------------------------


def _band_order(band) -> tuple:
    return (band.low is not None, band.low if band.low is not None else 0)


def _in_order(bands) -> tuple:
    """Bands sorted once by their lower bound (unbounded first), so no reader sorts them."""
    return tuple(sorted(bands, key=_band_order))


@attrs.frozen
class Band:
    low: Optional[Decimal]  # None: unbounded
    high: Optional[Decimal]
    low_closed: bool
    high_closed: bool
    value: object = attrs.field(converter=frozen)  # Decimal, str, bool, or a FrozenDict of named values
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
    """A tier table as checked: bands in ascending order of their lower bound."""

    name: str
    mode: TierMode = attrs.field(converter=TierMode)
    mode_stated: bool
    key_type: Type
    value_type: Type
    bands: tuple[Band, ...] = attrs.field(default=(), converter=_in_order)
    categories: tuple[tuple[str, object, Span], ...] = attrs.field(default=(), converter=frozen)
    default: object = attrs.field(default=None, converter=frozen)
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


class ReleaseKind(enum.StrEnum):
    """When held money is paid out."""

    YEAR_END = "year_end"  # in the last period of the year (it ends on 31 December)
    ON = "on"  # in the period containing a date
    AFTER = "after"  # each period's hold, n periods after it was held
    WHEN = "when"  # the whole balance, in the first period a condition holds


@attrs.frozen
class Release:
    kind: ReleaseKind = attrs.field(converter=ReleaseKind)
    date: Optional[datetime.date] = None  # ON
    count: Optional[int] = None  # AFTER
    condition: Optional["Expr"] = None  # WHEN
    text: str = _text()
    span: Span = _meta()


@attrs.frozen
class Forfeit:
    share: Decimal  # of the balance; 1 = all of it
    condition: "Expr"
    text: str = _text()
    span: Span = _meta()


@attrs.frozen
class Hold:
    """Money kept back from a period's pay, carried as a balance until a release rule pays it out.

    `expr` is what is held this period (after `gate`); `scale` multiplies what is
    released (a coefficient known only at release); `forfeits` apply, in order, before releases.
    """

    label: str
    expr: "Expr"
    gate: Optional["Expr"]
    releases: tuple[Release, ...]
    scale: Optional["Expr"]
    forfeits: tuple[Forfeit, ...]
    span: Span = _meta()


@attrs.frozen
class Window:
    """A clawback's window: a reversal counts only if its original is less than `count` `unit` old."""

    count: int
    unit: str  # months | days | periods
    origin: "Expr"  # row-level: the original transaction's date or period
    text: str = _text()
    span: Span = _meta()


@attrs.frozen
class Clawback:
    """Money recovered from pay: the sum over the payee's rows of `table` in the period (within
    the window) of the row-level `expr`; a negative row returns what was recovered."""

    label: str
    table: str
    expr: "Expr"
    window: Optional[Window]
    instalment: Optional["Expr"]  # at most this much recovered a period
    keep: Optional["Expr"]  # recovery never takes pay below this
    span: Span = _meta()


@attrs.frozen
class Draw:
    """A guaranteed amount a period; a recoverable draw is recovered from pay above the guarantee."""

    label: str
    expr: "Expr"
    recoverable: bool
    span: Span = _meta()


@attrs.frozen
class PoolShare:
    """One part of a pool: `percent` of it to the team's manager, to a fund, or split among a group of
    members (`where`), equally or pro rata to `measure`; a member of the group for whom `qualify` is
    false is not paid its share, which goes where the pool's unqualified part goes."""

    kind: str  # equally | pro_rata | manager | fund
    percent: Decimal
    label: str  # the line each recipient is paid under (kind `share`); a fund's name
    measure: Optional["Expr"] = None
    where: Optional["Expr"] = None
    qualify: Optional["Expr"] = None
    span: Span = _meta()


@attrs.frozen
class Pool:
    """An amount of each team (a payee with members, in a period), not paid to it: split among the
    team by its shares, the cents allocated by largest remainder (run/pools.py) so the parts add up to
    the pool exactly. `unqualified` is the fund the unqualified part goes to (None: back, not paid);
    `remainder` the measure whose higher values win a tie of remainders (None: by payee id)."""

    label: str
    expr: "Expr"
    gate: Optional["Expr"]
    shares: tuple[PoolShare, ...]
    unqualified: Optional[str]
    remainder: Optional["Expr"]
    span: Span = _meta()
    unqualified_stated: bool = True
    remainder_stated: bool = True


@attrs.frozen
class RankBand:
    low: int
    high: Optional[int]  # None: unbounded
    value: "Expr"
    text: str
    span: Span = _meta()


@attrs.frozen
class Rank:
    """Each team's members (`group` payees: every payee of the run) meeting `where`, ranked by `measure`, highest first: a tie shares the
    best rank (`shared`), or is broken by `tie` (higher first), then by payee id. The ranks up to `top`
    (None: all) are awarded the value of the band containing them, a line `award_label` of the member."""

    label: str
    measure: "Expr"
    where: Optional["Expr"]
    tie: Optional["Expr"]
    shared: bool
    top: Optional[int]
    award_label: Optional[str]  # None: the rank is reported (a flag), nothing is awarded
    bands: tuple[RankBand, ...]
    span: Span = _meta()
    tie_stated: bool = True
    group: str = "members"  # members: each team's members | payees: every payee of the run in the period


@attrs.frozen
class Expectation:
    kind: ExpectationKind = attrs.field(converter=ExpectationKind)
    label: Optional[str]
    expr: Optional[Expr]  # for kind == "expr"
    expected: object  # Decimal / bool / str
    expected_text: str
    span: Span = _meta()
    posting: Optional[str] = None  # for kind == "posting": held, released, balance, …
    period: Optional[Period] = None  # in a multi-period test, the period it is about


@attrs.frozen
class PlanTest:
    name: str
    payee: str
    inputs: FrozenDict = attrs.field(converter=frozen)  # input name -> rows (FrozenDicts of typed values)
    expectations: tuple[Expectation, ...]
    span: Span = _meta()
    # a multi-period test: its periods in order, and per period the rows of each input
    periods: tuple[Period, ...] = ()
    period_inputs: tuple = attrs.field(default=(), converter=frozen)  # one {input: rows} per period


@attrs.frozen(cache_hash=True)
class Plan:
    """A checked plan: hashable, and equal to any plan with the same meaning."""

    name: str
    file: str
    currency: str
    period: Period
    payee_label: str
    rounding: Rounding
    effective: Optional[tuple[datetime.date, datetime.date]]
    inputs: tuple[InputSchema, ...]
    tiers: FrozenDict = attrs.field(converter=frozen)  # name -> TierTable
    lets: tuple[Let, ...]  # in dependency order
    columns: tuple[ComputedColumn, ...]  # in dependency order
    payouts: tuple[Payout, ...]
    flags: tuple[Flag, ...]
    total_cap: Optional[Expr]
    total_floor: Optional[Expr]
    tests: tuple[PlanTest, ...]
    holds: tuple[Hold, ...] = ()
    clawbacks: tuple[Clawback, ...] = ()
    draws: tuple[Draw, ...] = ()
    total_labels: FrozenDict = attrs.field(default=FrozenDict(), converter=frozen)  # "cap"/"floor" -> the line's label
    stages: tuple[Period, ...] = ()  # the periods the header states (2024-06-16..2024-08-01, …)
    # effective-dated versions: name -> ((start, end), version) pairs, for tier tables and lets with more than one
    tier_versions: FrozenDict = attrs.field(default=FrozenDict(), converter=frozen)
    let_versions: FrozenDict = attrs.field(default=FrozenDict(), converter=frozen)
    declared_payees: tuple[str, ...] = ()
    hierarchy: Optional[tuple[str, str]] = None  # `team by staff.manager`: (record input, payee field naming the manager)
    pools: tuple[Pool, ...] = ()  # split among each team after its values are computed (run/pools.py)
    ranks: tuple[Rank, ...] = ()  # rankings within each team or over the run's payees (run/pools.py)
    # name → definition, built once: lookups by name stay constant-time on plans of 100,000 lines
    _by_name: dict = attrs.field(init=False, eq=False, repr=False, hash=False)

    def __attrs_post_init__(self):
        index = {("input", schema.name): schema for schema in reversed(self.inputs)}
        index.update({("column", column.table, column.name): column for column in reversed(self.columns)})
        index.update({("let", let.name): let for let in reversed(self.lets)})
        object.__setattr__(self, "_by_name", index)

    def input(self, name: str) -> Optional[InputSchema]:
        return self._by_name.get(("input", name))

    def column(self, table: str, name: str) -> Optional[ComputedColumn]:
        return self._by_name.get(("column", table, name))

    @property
    def has_ledger(self) -> bool:
        return bool(self.holds or self.clawbacks or self.draws)

    def total_label(self, kind: str) -> str:
        """The label of the total cap's or floor's adjustment line ("total" unless the plan names it)."""
        return self.total_labels.get(kind, "total")

    def let(self, name: str) -> Optional[Let]:
        return self._by_name.get(("let", name))
