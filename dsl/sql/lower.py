"""The lowering: a checked plan's IR → straight-line SQL bindings, stage by stage.

Every IR expression becomes a `V`: its value as columns (a `Num` for numbers,
one column for a bool, text, date or lookup record) and its *error value*, a
VARCHAR column that is NULL where the interpreter computes the expression
without an error, else the error site and what the message needs
(`"12|3:-2:0"`). Errors compose in the interpreter's order of evaluation: an
operation's error is the first of its operands' errors, then its own; a branch
of `if`, the right side of `and`/`or`, a line behind a closed gate contribute
only where the interpreter would evaluate them. So the payee's error is the
first error the interpreter would meet, and every other payee's values are
computed as usual (dsl/sql/engine.py renders the errors as R001 diagnostics).

Stages (DESIGN.md: row → payee):
- payee stage `k` (a `Block` over one row per payee): records, params, lets,
  lines, flags, and the values of the aggregates of round k;
- row stage (table, k): a table's rows, with the payee values its row
  expressions read joined in (that payee value's round is below k), reduced
  by `GROUP BY payee` to the aggregates of round k.
An aggregate whose rows read only row data and records is in round 1; one
whose rows read a value built on a round-1 aggregate is in round 2, and so on.

One lowering is one period of the run: `period` and what is computed from it
are constants; a history read's earlier part is read from the relation `hist`
the engine fills (`_history`), its current part computed here; `line("…")` is
the line's value after its gate, rounding, floor and cap (`line_parts`).
What is not lowered yet raises `NotLowered` naming the construct (the engine
then refuses the plan): a clawback window counted in periods or from a period,
`at` of a row's date.
"""
from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Callable, Optional, Sequence

import attrs
from sqlglot import exp

from dsl import ir
from dsl.core.numeric import SCALE
from dsl.core.types import BOOL, DATE, INT as INT_TYPE, MISSING, PERIOD, EnumType, MoneyPower, MoneyType, RecordType, ScalarType
from dsl.ir.walk import children
from dsl.sql import numeric as N
from dsl.sql.errors import NotLowered
from dsl.sql.numeric import Num
from dsl.sql.program import DATE as DATE_TYPE, HUGEINT, INTEGER, Block, X

MASK64 = 2**64 - 1
TEAM = "~team"  # the rows of a team aggregate: one per (manager, member) of the period (no input can have this name)
_Q38, _R38 = divmod(10**38, 2**64)  # 10^38 = Q·2^64 + R: the bounds of an exact sum kept as (high, low) halves


def kind_of(t) -> str:
    """How a value of static type `t` is held: num, bool, text, date or rec."""
    if isinstance(t, (MoneyType, MoneyPower)):
        return "num"
    if isinstance(t, EnumType):
        return "text"
    if isinstance(t, RecordType):
        return "rec"
    if isinstance(t, ScalarType):
        if t.name in ("number", "percent", "int"):
            return "num"
        if t == BOOL:
            return "bool"
        if t.name in ("text", "payee"):
            return "text"
        if t == DATE:
            return "date"
        if t == PERIOD:
            return "period"  # a Python constant while lowering: one query computes one period
    raise NotLowered(f"values of type {t}")


@attrs.frozen
class V:
    """A lowered expression: its value (num, or x for the other kinds) and its error value (None: cannot fail)."""

    kind: str
    num: Optional[Num] = None
    x: Optional[X] = None
    err: Optional[X] = None

    def columns(self) -> set[str]:
        """Every column the value and its error read (what joining it onto rows must bring along)."""
        parts = [self.num.c, self.num.e, self.num.s] if self.num is not None else [self.x]
        names = set()
        for part in parts + [self.err]:
            if part is not None and not part.is_const:
                names.update(c.name for c in part.node.find_all(exp.Column))
        names.discard(N.P10)
        return names


def first(*errors) -> Optional[X]:
    """The first error of several in evaluation order (None: none can happen)."""
    kept = [e for e in errors if e is not None]
    return X.coalesce(*kept) if kept else None


def when(condition, error: Optional[X]) -> Optional[X]:
    """`error` only where `condition` holds (where the interpreter would evaluate it)."""
    if error is None:
        return None
    condition = X.of(condition)
    if condition.is_const:
        return error if condition.const else None
    return X.case(condition, error)


@attrs.frozen
class Site:
    """Where an evaluation error can happen, and what its message is made of (engine.message renders it)."""

    kind: str  # div0 overflow no_rows no_record missing_record params_no_row missing_cell round_unit clamp no_band no_category fatal wide message past
    node: object  # the IR node whose text and span the message names
    detail: tuple = ()  # static parts: (input, field), (op,), (fn, table), …


@attrs.define
class RowStage:
    """One table's rows in one round: their bindings, the payee values they read, the aggregates they make."""

    table: str
    round: int
    block: Block
    imports: set = attrs.field(factory=set)  # payee-stage columns joined onto every row
    aggregates: list = attrs.field(factory=list)  # (column name, aggregate expression over the block's columns)


def _payee_level(node, memo: dict) -> bool:
    """True unless `node` reads the current row (a column or computed column) outside an aggregate."""
    key = id(node)
    if key not in memo:
        if isinstance(node, (ir.ColumnRef, ir.ComputedRef)):
            memo[key] = False
        elif isinstance(node, ir.Aggregate):
            memo[key] = True
        else:
            memo[key] = all(_payee_level(c, memo) for c in children(node))
    return memo[key]


class Lowering:
    """One plan's lowering for one run's data facts (which inputs may lack a row or a value).

    `facts` answers: `payee_field(input)`, `missing(input, field)` (some row the
    run reads has no value there), `record_complete(input)` (every payee has a
    row), `params(input)` (the params row in force as a dict, or None).
    With `wide_digits=False` quotients beyond 128 bits are only marked (site
    kind `wide`); the engine then lowers again with them.
    """

    def __init__(self, plan: ir.Plan, facts, wide_digits: bool = False):
        self.plan = plan
        self.facts = facts
        self.wide_digits = wide_digits
        self.sites: list[Site] = []
        self.records: list = []  # lookup records (FrozenDicts) by id
        self.payee_blocks: dict[int, Block] = {}
        self.row_stages: dict[tuple[str, int], RowStage] = {}
        self.record_columns: dict[tuple[str, str], str] = {}  # (input, field) -> base column name in the payee base
        self.table_columns: dict[tuple[str, str], str] = {}  # (table, field) -> base column name in the table
        self.tables_with_row: set[str] = set()  # tables whose row index some error message needs
        self.lets = {let.name: let.expr for let in plan.lets}
        for name, versions in plan.let_versions.items():
            # in a period no version covers, reading the definition is an error naming it (as in the interpreter)
            self.lets[name] = self.in_force(versions) or ir.Builtin("not_in_force", (), plan.let(name).expr.type, text=name)
        self.history: list = []  # (History node, its columns' base, what the engine feeds: previous/sum/count/streak/at, at's index)
        self._history_index: dict[int, int] = {}
        self.past_errors: list = []  # (message, span) of errors met in earlier periods, read by the `past` site
        self._past_site: Optional[int] = None
        self._lines: dict[str, dict] = {}
        self.payouts = {p.label: p for p in plan.payouts}
        self._teams: dict[int, ir.Aggregate] = {}
        self._clawed: dict[int, ir.Aggregate] = {}
        self.columns_of = {(c.table, c.name): c.expr for c in plan.columns}
        self._payee_memo: dict[int, V] = {}
        self._row_memo: dict[tuple, V] = {}
        self._round_memo: dict[int, int] = {}
        self._level_memo: dict[int, bool] = {}

    # ---- stages
    def payee_block(self, round_: int) -> Block:
        if round_ not in self.payee_blocks:
            self.payee_blocks[round_] = Block(f"pay{round_}", f"psrc{round_}", ["pid", N.P10])
        return self.payee_blocks[round_]

    def row_stage(self, table: str, round_: int) -> RowStage:
        key = (table, round_)
        if key not in self.row_stages:
            if table != TEAM and self.plan.input(table) is None:
                raise NotLowered(f"aggregates over '{table}', which is not an input")
            self.row_stages[key] = RowStage(table, round_, Block(f"row{len(self.row_stages)}", f"rsrc{len(self.row_stages)}", ["pid", "_row", N.P10]))
        return self.row_stages[key]

    def round_of(self, node) -> int:
        """The payee stage a payee-level node is computed in (0: before any aggregate)."""
        key = id(node)
        if key in self._round_memo:
            return self._round_memo[key]
        if isinstance(node, ir.TeamAggregate):
            result = self.round_of(self.team_aggregate(node))
        elif isinstance(node, ir.Aggregate):
            result = 1 + max((self.round_of(n) for n in self._imports_of(node)), default=0)
        elif isinstance(node, ir.LetRef):
            result = self.round_of(self.lets[node.name])
        elif isinstance(node, ir.LineRef):
            payout = self.payouts[node.label]
            result = max(self.round_of(e) for e in (payout.gate, payout.expr, payout.floor, payout.cap) if e is not None)
        else:
            result = max((self.round_of(c) for c in children(node)), default=0)
        self._round_memo[key] = result
        return result

    def _imports_of(self, aggregate: ir.Aggregate) -> list:
        """The payee-level expressions an aggregate's row expressions read (through computed columns too)."""
        found, stack, seen = [], [e for e in (aggregate.expr, aggregate.where) if e is not None], set()
        while stack:
            node = stack.pop()
            if id(node) in seen:
                continue
            seen.add(id(node))
            if _payee_level(node, self._level_memo):
                if not isinstance(node, ir.Const):
                    found.append(node)
                continue
            if isinstance(node, ir.ComputedRef):
                stack.append(self.columns_of[(node.table, node.name)])
                continue
            stack.extend(children(node))
        return found

    # ---- entry points
    def payee(self, node) -> V:
        """`node` (payee level) lowered in its payee stage."""
        key = id(node)
        if key not in self._payee_memo:
            block = self.payee_block(self.round_of(node))
            self._payee_memo[key] = self._lower(node, block, None)
        return self._payee_memo[key]

    def row(self, node, stage: RowStage) -> V:
        """`node` lowered for each row of a row stage; a payee-level part is joined onto the rows."""
        if _payee_level(node, self._level_memo):
            if isinstance(node, ir.Const):
                return self._lower(node, stage.block, stage)
            value = self.payee(node)
            stage.imports.update(value.columns())
            return value
        key = (id(node), stage.table, stage.round)
        if key not in self._row_memo:
            self._row_memo[key] = self._lower(node, stage.block, stage)
        return self._row_memo[key]

    def site(self, kind: str, node, *detail) -> int:
        self.sites.append(Site(kind, node, tuple(detail)))
        return len(self.sites) - 1

    def error(self, kind: str, node, *detail, payload: Sequence = ()) -> X:
        """The error value of a new site: its number, then `|` and the payload's parts joined by `,`."""
        site = self.site(kind, node, *detail)
        if not payload:
            return X(str(site))
        parts: list = [str(site), "|"]
        for index, part in enumerate(payload):
            if index:
                parts.append(",")
            parts.extend(part)
        return X.concat(*parts)

    # ---- dispatch
    def _lower(self, node, block: Block, stage: Optional[RowStage]) -> V:
        handler = _HANDLERS.get(type(node))
        if handler is None:
            raise NotLowered(_CONSTRUCT_NAMES.get(type(node), type(node).__name__))
        return handler(self, node, block, stage)

    def sub(self, node, stage: Optional[RowStage]) -> V:
        return self.payee(node) if stage is None else self.row(node, stage)

    # ---- leaves
    def _const(self, node: ir.Const, block, stage) -> V:
        return self.constant(node.value, node.type)

    def constant(self, value, t) -> V:
        kind = kind_of(t)
        if kind == "num":
            if not isinstance(value, Decimal):
                value = Decimal(value)
            if value.as_tuple().exponent < -SCALE:
                raise NotLowered("a literal written with more than 18 decimal places")
            return V("num", Num.const(value))
        if kind == "rec":
            return V("rec", x=X(self.record_id(value)))
        if kind == "bool":
            return V("bool", x=X(bool(value)))
        if kind == "date":
            if not isinstance(value, datetime.date):
                raise NotLowered("a date value that is not a date")
            return V("date", x=X(value))
        if kind == "period":
            return V("period", x=X(value))
        return V("text", x=X(str(value)))

    def record_id(self, value) -> int:
        for index, known in enumerate(self.records):
            if known == value and type(known) is type(value):
                return index
        self.records.append(value)
        return len(self.records) - 1

    def _source(self, kind: str, base: str, block: Block) -> V:
        if kind == "num":
            names = [base + "_c", base + "_e", base + "_s"]
            block.columns.update(names)
            return V("num", Num(*(X.col(n) for n in names)))
        block.columns.add(base)
        return V(kind, x=X.col(base))

    def _null(self, value: V) -> X:
        return (value.num.c if value.kind == "num" else value.x).is_null()

    def _record(self, node: ir.RecordRef, block, stage) -> V:
        kind = kind_of(node.type)
        key = (node.input, node.field)
        base = self.record_columns.setdefault(key, f"r{len(self.record_columns)}")
        has = self.record_columns.setdefault((node.input, None), f"r{len(self.record_columns)}")
        block.columns.add(has)
        value = self._source(kind, base, block)
        no_row = None if self.facts.record_complete(node.input) else when(~X.col(has), self.error("no_record", node, node.input))
        missing = when(self._null(value), self.error("missing_record", node, node.input, node.field)) if self.facts.missing(node.input, node.field) else None
        return attrs.evolve(value, err=first(no_row, missing))

    def _param(self, node: ir.ParamRef, block, stage) -> V:
        row = self.facts.params(node.input)
        kind = kind_of(node.type)
        if row is None:
            return self._failing(kind, self.error("params_no_row", node, node.input))
        value = row.get(node.field)
        if value is None or value is MISSING:
            return self._failing(kind, self.error("missing_record", node, node.input, node.field))
        return self.constant(value, node.type)

    def _failing(self, kind: str, err: X) -> V:
        if kind == "num":
            return V("num", N.ZERO, err=err)
        return V(kind, x=X(None), err=err)

    def _column(self, node: ir.ColumnRef, block, stage) -> V:
        if stage is None or stage.table != node.table:
            raise NotLowered(f"a column of '{node.table}' read outside an aggregate over it")
        kind = kind_of(node.type)
        base = self.table_columns.setdefault((node.table, node.field), f"f{len(self.table_columns)}")
        value = self._source(kind, base, block)
        if not self.facts.missing(node.table, node.field):
            return value
        self.tables_with_row.add(node.table)
        err = when(self._null(value), self.error("missing_cell", node, node.table, node.field, payload=[[X.col("_row")]]))
        return attrs.evolve(value, err=err)

    def _computed(self, node: ir.ComputedRef, block, stage) -> V:
        if stage is None or stage.table != node.table:
            raise NotLowered(f"the computed column {node.table}.{node.name} read outside an aggregate over it")
        return self.row(self.columns_of[(node.table, node.name)], stage)

    def _let(self, node: ir.LetRef, block, stage) -> V:
        return self.payee(self.lets[node.name])

    # ---- arithmetic
    def _payload(self, *values: Num) -> list:
        """A payload part per number: coefficient:exponent:sign."""
        return [[v.c, ":", v.e, ":", X.case(v.s, "1", "0")] for v in values]

    def _arith(self, node: ir.Arith, block, stage) -> V:
        left, right = self.sub(node.left, stage), self.sub(node.right, stage)
        if node.op == "/" and left.num.is_const and right.num.is_const:
            zero = when(X(right.num.value() == 0), self.error("div0", node.right))
            return self._constant_quotient(node, [left.num], [right.num], first(left.err, right.err, zero))
        if node.op == "/":
            result, overflow, wide = N.quotient(block, [left.num], [right.num], self.wide_digits)
            zero = N.scaled(block, right.num).eq(0)
            err = first(left.err, right.err, when(zero, self.error("div0", node.right)),
                        when(overflow, self.error("overflow", node, "quotient", 1, payload=self._payload(left.num, right.num))),
                        when(wide, self.error("wide", node)))
            return V("num", result, err=err)
        kernel = {"+": N.add, "-": N.sub, "*": N.mul}[node.op]
        result, overflow = kernel(block, left.num, right.num)
        op = {"+": "add", "-": "sub", "*": "mul"}[node.op]
        err = first(left.err, right.err, when(overflow, self.error("overflow", node, op, payload=self._payload(left.num, right.num))))
        return V("num", N.bind(block, result), err=err)

    def _chain(self, node: ir.Arith, stage, block) -> tuple[list, list, Optional[X]]:
        """A chain's numerator and denominator values in the interpreter's order, and its errors (_chain)."""
        sides = []
        for side in (node.left, node.right):
            if isinstance(side, ir.Arith) and side.op in "*/":
                sides.append(self._chain(side, stage, block))
            else:
                value = self.sub(side, stage)
                sides.append(([value.num], [], value.err))
        (ln, ld, le), (rn, rd, re) = sides
        if node.op == "*":
            return ln + rn, ld + rd, first(le, re)
        zero = X(False)
        for value in rn:
            zero = zero | N.scaled(block, value).eq(0)
        return ln + rd, ld + rn, first(le, re, when(block.bind(zero, "z"), self.error("div0", node.right)))

    def _quotient(self, node: ir.Quotient, block, stage) -> V:
        numerators, denominators, err = self._chain(node.chain, stage, block)
        if all(v.is_const for v in list(numerators) + list(denominators)):
            return self._constant_quotient(node, numerators, denominators, err)
        result, overflow, wide = N.quotient(block, numerators, denominators, self.wide_digits)
        overflow_err = self.error("overflow", node, "quotient", len(numerators), payload=self._payload(*numerators, *denominators))
        return V("num", result, err=first(err, when(overflow, overflow_err), when(wide, self.error("wide", node))))

    def _constant_quotient(self, node, numerators, denominators, err: Optional[X]) -> V:
        """A quotient of constants (a period's month ÷ 3), folded as the interpreter computes it."""
        from dsl.core import numeric

        tops, bottoms = [v.value() for v in numerators], [v.value() for v in denominators]
        if any(b == 0 for b in bottoms):
            return V("num", N.ZERO, err=err)  # the division by zero is `err`
        try:
            value = numeric.quotient(tops, bottoms)
        except numeric.NumericError as exc:
            return V("num", N.ZERO, err=first(err, X(str(self.site("message", None, f"cannot compute '{node.text}': {exc}", node.span)))))
        return V("num", Num.const(value), err=err)

    def _neg(self, node: ir.Neg, block, stage) -> V:
        value = self.sub(node.operand, stage)
        return V("num", N.neg(block, value.num), err=value.err)

    # ---- comparisons and logic
    def _cmp(self, node: ir.Cmp, block, stage) -> V:
        left, right = self.sub(node.left, stage), self.sub(node.right, stage)
        if left.kind != right.kind or left.kind == "rec":
            raise NotLowered(f"a comparison of {left.kind} with {right.kind}")
        if left.kind == "num":
            a, b = N.scaled(block, left.num), N.scaled(block, right.num)
        else:
            a, b = left.x, right.x
        value = {"==": a.eq, "!=": a.ne, "<": a.__lt__, "<=": a.__le__, ">": a.__gt__, ">=": a.__ge__}[node.op](b)
        return V("bool", x=block.bind(value, "cmp"), err=first(left.err, right.err))

    def _logic(self, node: ir.Logic, block, stage) -> V:
        if node.op == "not":
            value = self.sub(node.operands[0], stage)
            return V("bool", x=block.bind(~value.x, "not"), err=value.err)
        left, right = self.sub(node.operands[0], stage), self.sub(node.operands[1], stage)
        if node.op == "and":
            return V("bool", x=block.bind(left.x & right.x, "and"), err=first(left.err, when(left.x, right.err)))
        return V("bool", x=block.bind(left.x | right.x, "or"), err=first(left.err, when(~left.x, right.err)))

    def _cond(self, node: ir.Cond, block, stage) -> V:
        condition = self.sub(node.condition, stage)
        then, otherwise = self.sub(node.then, stage), self.sub(node.otherwise, stage)
        branch_err = None
        if then.err is not None or otherwise.err is not None:
            branch_err = X.case(condition.x, then.err if then.err is not None else X(None),
                                otherwise.err if otherwise.err is not None else X(None))
        return self.choose(block, condition.x, then, otherwise, first(condition.err, branch_err))

    def choose(self, block: Block, condition: X, then: V, otherwise: V, err: Optional[X]) -> V:
        if then.kind != otherwise.kind:
            raise NotLowered(f"an if whose branches are {then.kind} and {otherwise.kind}")
        if then.kind == "num":
            return V("num", N.choose(block, condition, then.num, otherwise.num), err=err)
        if then.kind == "period" and not condition.is_const:
            raise NotLowered("a period value that differs from payee to payee")
        return V(then.kind, x=block.bind(X.case(condition, then.x, otherwise.x), "if"), err=err)

    # ---- aggregates
    def _aggregate(self, node: ir.Aggregate, block, stage) -> V:
        if stage is not None:  # an aggregate inside a row expression is a payee value joined onto the rows
            return self.row(node, stage)
        round_ = self.round_of(node)
        rows = self.row_stage(node.table, round_)
        rb = rows.block
        where = self.row(node.where, rows) if node.where is not None else None
        value = self.row(node.expr, rows) if node.expr is not None else None
        keep = where.x if where is not None else X(True)
        payee = self.payee_block(round_)

        def aggregate(expression: exp.Expression, condition: X = keep, hint: str = "agg") -> X:
            if not (condition.is_const and condition.const is True):
                expression = exp.Filter(this=expression, expression=exp.Where(this=condition.sql()))
            name = f"{hint}_{len(self.sites)}_{len(rows.aggregates)}_{rows.block.name}"
            rows.aggregates.append((name, expression))
            payee.columns.add(name)
            return X.col(name)

        def first_row(err: Optional[X], condition: X) -> Optional[X]:
            if err is None:
                return None
            self.tables_with_row.add(node.table)
            err = rb.bind(err, "rerr")
            return aggregate(exp.ArgMin(this=err.sql(), expression=exp.column("_row")), condition & err.not_null(), "ferr")

        # the first error in row order: where, then the value on rows where kept (a plain bool column
        # as where is read whole first, as the interpreter's fast path does)
        if where is not None and where.err is not None and isinstance(node.where, ir.ColumnRef) and node.where.table == node.table:
            row_err = first(first_row(where.err, X(True)), first_row(value.err if value is not None else None, keep))
        else:
            row_err = first_row(first(where.err if where is not None else None, when(keep, value.err if value is not None else None)), X(True))
        count = aggregate(exp.Count(this=exp.Star()), keep, "cnt")
        matched = payee.bind(X.coalesce(count, 0).huge(), "cnt")
        fn = node.fn
        if fn == "count":
            return V("num", Num(matched, X(0), X(False)), err=row_err)
        no_rows = when(matched.eq(0), self.error("no_rows", node, fn, node.table)) if fn != "sum" else None
        if fn in ("min", "max"):
            n = N.scaled(rb, value.num)
            order = exp.Struct(expressions=[exp.PropertyEQ(this=exp.to_identifier("n"), expression=n.sql()),
                                            exp.PropertyEQ(this=exp.to_identifier("r"), expression=(X.col("_row") if fn == "min" else -X.col("_row")).sql())])
            pick = exp.ArgMin if fn == "min" else exp.ArgMax
            parts = [aggregate(pick(this=part.sql(), expression=order.copy()), keep, "m") for part in (value.num.c, value.num.e, value.num.s)]
            return V("num", Num(*parts), err=first(row_err, no_rows))
        n = N.scaled(rb, value.num)
        high = aggregate(exp.Sum(this=n.shr(64).sql()), keep, "sh")
        low = aggregate(exp.Sum(this=n.bits(MASK64).sql()), keep, "sl")
        smallest = aggregate(exp.Min(this=value.num.e.sql()), keep, "se")
        high, low = X.coalesce(high, 0), X.coalesce(low, 0)
        top = payee.bind(high + low.shr(64), "top")
        bottom = payee.bind(low.bits(MASK64), "bot")
        overflow = payee.bind((top > _Q38) | (top.eq(_Q38) & (bottom >= _R38)) | (top < -_Q38 - 1)
                              | (top.eq(-_Q38 - 1) & (bottom <= 2**64 - _R38)), "ovf")
        total = payee.bind(X.case(overflow, 0, top * 2**64 + bottom), "tot")
        e = payee.bind(X.least(0, X.coalesce(smallest, 0)), "e")
        divisor = N.pow10(N.clip(e + SCALE, 0, 38))
        c = payee.bind(X.case(divisor.eq(1), total, total // divisor), "c")
        summed = Num(c, e, payee.bind(c < 0, "s"))
        sum_err = when(overflow, self.error("overflow", node, "total", payload=[[top, ":", bottom]]))
        if fn == "sum":
            return V("num", summed, err=first(row_err, sum_err))
        if fn != "avg":
            raise NotLowered(f"the aggregate {fn}")
        mean, _, wide = N.quotient(payee, [summed], [Num(matched, X(0), X(False))], self.wide_digits)
        return V("num", mean, err=first(row_err, no_rows, sum_err, when(wide, self.error("wide", node))))

    # ---- functions
    def _builtin(self, node: ir.Builtin, block, stage) -> V:
        fn = node.fn
        if fn == "not_in_force":
            return self.message(kind_of(node.type), f"no version of '{node.text}' is in force in {self.facts.period}", node.span)
        if fn not in ("min", "max", "clamp", "abs", "round"):
            return self._date_function(node, block, stage)
        args = [self.sub(a, stage) for a in node.args]
        errs = first(*(a.err for a in args))
        if any(a.kind != "num" for a in args):
            raise NotLowered(f"{fn}() of values that are not numbers")
        if fn == "abs":
            return V("num", N.absolute(block, args[0].num), err=errs)
        if fn in ("min", "max"):
            best = args[0].num
            for arg in args[1:]:
                a, b = N.scaled(block, arg.num), N.scaled(block, best)
                better = a < b if fn == "min" else a > b
                best = N.choose(block, block.bind(better, "b"), arg.num, best)
            return V("num", best, err=errs)
        if fn == "clamp":
            x, low, high = (a.num for a in args)
            nx, nlow, nhigh = N.scaled(block, x), N.scaled(block, low), N.scaled(block, high)
            bad = when(block.bind(nlow > nhigh, "bad"), self.error("clamp", node, payload=self._payload(low, high)))
            raised = N.choose(block, block.bind(nlow > nx, "lt"), low, x)
            lowered = N.choose(block, block.bind(nhigh < N.scaled(block, raised), "gt"), high, raised)
            return V("num", lowered, err=first(errs, bad))
        # round(x, unit), half up
        x, unit = args[0].num, args[1].num
        bad = when(block.bind(~(unit.c > 0), "bad"), self.error("round_unit", node.args[1], payload=self._payload(unit)))
        if unit.is_const:
            if unit.value() <= 0:
                return V("num", N.ZERO, err=first(errs, bad))
            result, overflow = N.round_to(block, x, unit, "half_up")
        else:
            result, overflow = N.round_to_dynamic(block, x, unit)
        over = when(overflow, self.error("overflow", node, "round", payload=self._payload(x, unit)))
        return V("num", result, err=first(errs, bad, over))

    # ---- tier tables
    def _contains(self, block: Block, band: ir.Band, n: X) -> X:
        condition = X(True)
        if band.low is not None:
            low = N.Num.const(band.low)
            bound = low.c.const * 10 ** (low.e.const + SCALE)
            condition = condition & ((n >= bound) if band.low_closed else (n > bound))
        if band.high is not None:
            high = N.Num.const(band.high)
            bound = high.c.const * 10 ** (high.e.const + SCALE)
            condition = condition & ((n <= bound) if band.high_closed else (n < bound))
        return condition

    def _select(self, block: Block, index: X, values: Sequence, t) -> V:
        """The constant `values[i - 1]` where index = i (i >= 1; 0 and beyond: a NULL value)."""
        lowered = [self.constant(v, t) for v in values]
        kind = kind_of(t)
        if kind == "num":
            parts = []
            for part in ("c", "e", "s"):
                parts.append(block.bind(X.cases([(index.eq(i + 1), getattr(v.num, part)) for i, v in enumerate(lowered)], 0 if part != "s" else False), "tv"))
            return V("num", Num(*parts))
        return V(kind, x=block.bind(X.cases([(index.eq(i + 1), v.x) for i, v in enumerate(lowered)]), "tv"))

    def _tiers(self, node: ir.TierCall, block, stage) -> V:
        table: ir.TierTable = self.plan.tiers[node.tiers]
        if node.tiers in self.plan.tier_versions:
            table = self.in_force(self.plan.tier_versions[node.tiers])
            if table is None:
                return self.message(kind_of(node.type), f"no version of tier table '{node.tiers}' is in force in {self.facts.period}", node.span)
        arg = self.sub(node.arg, stage)
        if table.mode == ir.TierMode.MARGINAL:
            return self._marginal(node, table, arg, block)
        if table.categories or (table.has_default and not table.bands):
            keys = [key for key, _, _ in table.categories]
            index = block.bind(X.cases([(arg.x.eq(key), X(i + 1)) for i, key in enumerate(keys)], 0), "ti")
            values = [value for _, value, _ in table.categories]
            if table.has_default:
                index = block.bind(X.case(index.eq(0), len(values) + 1, index), "ti")
                values = values + [table.default]
                missing = None
            else:
                missing = when(index.eq(0), self.error("no_category", node, table.name, payload=[[arg.x]]))
            value = self._select(block, index, values, node.type)
            return attrs.evolve(value, err=first(arg.err, missing))
        n = N.scaled(block, arg.num)
        index = block.bind(X.cases([(self._contains(block, band, n), X(i + 1)) for i, band in enumerate(table.bands)], 0), "ti")
        values = [band.value for band in table.bands]
        if table.has_default:
            index = block.bind(X.case(index.eq(0), len(values) + 1, index), "ti")
            values = values + [table.default]
            missing = None
        else:
            missing = when(index.eq(0), self.error("no_band", node, table.name, payload=self._payload(arg.num)))
        if table.mode == ir.TierMode.WHOLE:
            rate = self._select(block, index, values, table.value_type)
            product, overflow = N.mul(block, arg.num, rate.num)
            over = when(overflow, self.error("overflow", node, "mul", payload=self._payload(arg.num, rate.num)))
            return V("num", N.bind(block, product), err=first(arg.err, missing, when(~index.eq(0), over)))
        value = self._select(block, index, values, node.type)
        return attrs.evolve(value, err=first(arg.err, missing))

    def _marginal(self, node: ir.TierCall, table: ir.TierTable, arg: V, block: Block) -> V:
        """Each band's rate on the part of x inside the band, in band order (interpreter._marginal)."""
        x = arg.num
        n = N.scaled(block, x)
        total, errs = N.ZERO, []
        for band in table.bands:
            low = N.Num.const(band.low)
            low_n = low.c.const * 10 ** (low.e.const + SCALE)
            inside = block.bind(n > low_n, "in")
            if band.high is None:
                top = x
            else:
                high = N.Num.const(band.high)
                high_n = high.c.const * 10 ** (high.e.const + SCALE)
                top = N.choose(block, n <= high_n, x, high)  # Python's min(x, high): x when equal
            portion, o1 = N.sub(block, top, low)
            rate = N.Num.const(Decimal(band.value))
            amount, o2 = N.mul(block, portion, rate)
            summed, o3 = N.add(block, total, amount)
            errs.append(when(inside, first(
                when(o1, self.error("overflow", node, "sub", payload=self._payload(top, low))),
                when(o2, self.error("overflow", node, "mul", payload=self._payload(portion, rate))),
                when(o3, self.error("overflow", node, "add", payload=self._payload(total, amount))))))
            total = N.choose(block, inside, summed, total)
        return V("num", total, err=first(arg.err, *errs))

    def _field(self, node: ir.FieldOf, block, stage) -> V:
        target = self.sub(node.target, stage)
        if target.kind != "rec":
            raise NotLowered("a field of a value that is not a lookup record")
        candidates = [(i, r) for i, r in enumerate(self.records) if isinstance(r, dict) and node.field in r]
        kind = kind_of(node.type)
        lowered = [(i, self.constant(r[node.field], node.type)) for i, r in candidates]
        if kind == "num":
            parts = [block.bind(X.cases([(target.x.eq(i), getattr(v.num, part)) for i, v in lowered], 0 if part != "s" else False), "fv")
                     for part in ("c", "e", "s")]
            return V("num", Num(*parts), err=target.err)
        return V(kind, x=block.bind(X.cases([(target.x.eq(i), v.x) for i, v in lowered]), "fv"), err=target.err)

    # ---- teams
    def team_aggregate(self, node: ir.TeamAggregate) -> ir.Aggregate:
        """A team aggregate as an aggregate over the rows of TEAM: the member's values (payee level, each
        computed in the member's own row of the payee stage) joined onto its row in its manager's team."""
        key = id(node)
        if key not in self._teams:
            self._teams[key] = ir.Aggregate(node.fn, TEAM, node.value, node.where, node.type, span=node.span, text=node.text)
        return self._teams[key]

    def _team(self, node: ir.TeamAggregate, block, stage) -> V:
        if stage is not None:
            return self.row(node, stage)
        return self._aggregate(self.team_aggregate(node), block, None)

    # ---- the ledger's clawbacks
    def clawed(self, clawback: ir.Clawback) -> ir.Aggregate:
        """What a clawback recovers this period (the interpreter's `clawed`) as an aggregate: the sum of its
        row amount over the payee's rows of its table within the window. A reversal is within the window
        when the full days or months from the original's date (`window.origin`) to the reversal's (the
        row's own date when its table is placed by a date, else the period's end) are fewer than its count."""
        key = id(clawback)
        if key not in self._clawed:
            where = None
            window = clawback.window
            if window is not None:
                if not _window_lowered(window):
                    raise NotLowered(_CLAWBACK_WINDOWS)
                schema = self.plan.input(clawback.table)
                field = schema.period_field
                placed = schema.field(field).type if field is not None else None
                if placed == DATE:
                    reversal = ir.ColumnRef(clawback.table, field, DATE, text=field)
                else:
                    end = self.facts.period.end
                    reversal = ir.Const(end, DATE, text=str(end)) if end is not None else window.origin
                between = ir.Builtin(f"{window.unit}_between", (window.origin, reversal), INT_TYPE, span=window.span, text=window.text)
                where = ir.Cmp("<", between, ir.Const(Decimal(window.count), INT_TYPE, text=str(window.count)), BOOL, span=window.span, text=window.text)
            expr = clawback.expr
            self._clawed[key] = ir.Aggregate("sum", clawback.table, expr, where, expr.type, span=expr.span, text=expr.text)
        return self._clawed[key]

    # ---- time: the period, dated versions, date functions, history reads, lines read by lines
    def in_force(self, versions):
        """The version (of ((start, end), thing) pairs) in force on the first day of the run's period, or None."""
        day = self.facts.period.start
        if day is None:
            raise NotLowered("dated versions in a run without dated periods")
        for (start, end), version in versions:
            if start <= day <= end:
                return version
        return None

    def message(self, kind: str, message: str, span) -> V:
        """A value whose evaluation is an error with this message wherever it is evaluated (known while lowering)."""
        site = self.site("message", None, message, span)
        return self._failing(kind, X(str(site)))

    def _period(self, node: ir.PeriodRef, block, stage) -> V:
        period = self.facts.period
        if period.start is None:
            return self.message("period", "this run has no dated period: give --period, or place an input's rows by period", node.span)
        return V("period", x=X(period))

    def _date_function(self, node: ir.Builtin, block, stage) -> V:
        from dsl.run.interpreter import _DATE_BUILTINS  # the interpreter's table: each date function has one meaning

        args = [self.sub(a, stage) for a in node.args]
        errs = first(*(a.err for a in args))
        kind = kind_of(node.type)
        if all(a.x.is_const if a.kind != "num" else a.num.is_const for a in args):
            values = [a.num.value() if a.kind == "num" else a.x.const for a in args]
            if any(v is None for v in values):  # an argument that failed: its error is the value's
                return self._failing(kind, errs)
            try:
                value = _DATE_BUILTINS[node.fn](*values)
            except Exception as exc:  # the interpreter's (PeriodError, OverflowError, ValueError)
                failed = self.message(kind, f"cannot compute '{node.text}': {exc}", node.span)
                return attrs.evolve(failed, err=first(errs, failed.err))
            return attrs.evolve(self.constant(value, node.type), err=errs)
        fn = node.fn
        if fn in ("year", "month", "day", "quarter") and args[0].kind == "date":
            part = X.func(fn, args[0].x).cast(HUGEINT)
            return V("num", Num(block.bind(part, fn), X(0), X(False)), err=errs)
        if fn in ("add_days", "add_months") and args[0].kind == "date":
            n = self._whole(block, args[1].num)
            moved = args[0].x + n if fn == "add_days" else X.func("to_months", n.cast(INTEGER))
            if fn == "add_months":
                moved = X(node=exp.Add(this=args[0].x.sql(), expression=moved.sql())).cast(DATE_TYPE)
            return V("date", x=block.bind(moved, fn), err=errs)
        if fn == "days_between" and all(a.kind == "date" for a in args):
            days = X.func("date_diff", "day", args[0].x, args[1].x).cast(HUGEINT)
            c = block.bind(days, "days")
            return V("num", Num(c, X(0), block.bind(c < 0, "s")), err=errs)
        if fn == "months_between" and all(a.kind == "date" for a in args):
            a, b = args[0].x, args[1].x
            later, earlier = X.greatest(a, b), X.least(a, b)
            months = ((X.func("year", later) - X.func("year", earlier)) * 12 + X.func("month", later) - X.func("month", earlier)
                      - X.case(X.func("day", later) < X.func("day", earlier), 1, 0))
            c = block.bind(X.case(b < a, -months, months).cast(HUGEINT), "months")
            return V("num", Num(c, X(0), block.bind(c < 0, "s")), err=errs)
        raise NotLowered(f"the date function {fn}() of values that differ from payee to payee")

    def _whole(self, block: Block, n: Num) -> X:
        """int(n): a number's whole part, toward zero (as Python's int of a Decimal)."""
        if n.is_const:
            return X(int(n.value()))
        return block.bind(X.case(n.e >= 0, n.c * N.pow10(N.clip(n.e, 0, 38)), n.c // N.pow10(N.clip(-n.e, 0, 38))), "whole")

    def _line(self, node: ir.LineRef, block, stage) -> V:
        """A payout line's value after its gate, rounding, floor and cap: the sum of the line and its adjustments."""
        parts = self.line_parts(self.payouts[node.label])
        multiple = parts["multiple"]
        rounding = self.payouts[node.label].rounding
        places = N.unit_places(rounding.unit)
        factor = int(rounding.unit.scaleb(-places)) if places < 0 else int(rounding.unit)
        target = self.payee_block(parts["round"])
        c = target.bind(multiple * factor, "line_c")
        return V("num", Num(c, X(min(places, 0)), target.bind(c < 0, "line_s")), err=parts["err"])

    def line_parts(self, payout: ir.Payout) -> dict:
        """A payout line lowered once: its gate, the multiples of its rounding unit (value, floor, cap), the
        final multiple after them, and its error, as dsl/run/lines.py evaluates a line."""
        if payout.label in self._lines:
            return self._lines[payout.label]
        round_ = max(self.round_of(e) for e in (payout.gate, payout.expr, payout.floor, payout.cap) if e is not None)
        block = self.payee_block(round_)
        gate, value, floor, cap = (self.payee(e) if e is not None else None for e in (payout.gate, payout.expr, payout.floor, payout.cap))
        parts: dict = {"round": round_}
        multiple, fatal = self.rounded(block, value, payout.rounding, payout)
        parts["value"] = multiple = block.bind(multiple, "lv", force=True)
        steps = [value.err, fatal]
        final = multiple
        for key, limit in (("floor", floor), ("cap", cap)):
            if limit is not None:
                limit_multiple, limit_fatal = self.rounded(block, limit, payout.rounding, payout)
                parts[key] = limit_multiple = block.bind(limit_multiple, "lm", force=True)
                final = X.greatest(final, limit_multiple) if key == "floor" else X.least(final, limit_multiple)
                steps += [limit.err, limit_fatal]
        if gate is not None:
            parts["gate"] = block.bind(gate.x, "g", force=True)
            parts["err"] = first(gate.err, when(gate.x, first(*steps)))
            final = X.case(gate.x, final, 0)
        else:
            parts["err"] = first(*steps)
        parts["multiple"] = block.bind(final, "lf")
        self._lines[payout.label] = parts
        return parts

    def rounded(self, block: Block, value: V, rounding: ir.Rounding, node) -> tuple[X, Optional[X]]:
        """`value` rounded as round_money does it, as a multiple of the unit, and where round_money fails."""
        multiple = N.multiple_of(block, value.num, Num.const(rounding.unit), rounding.mode)
        places = N.unit_places(rounding.unit)
        factor = int(rounding.unit.scaleb(-places))
        threshold = -(-(10 ** (20 - places)) // factor)
        fatal = when(block.bind(multiple.abs() >= threshold, "fat"),
                     self.error("fatal", node, rounding.mode, str(rounding.unit), payload=self._payload(value.num)))
        return multiple, fatal

    def past_site(self) -> int:
        if self._past_site is None:
            self._past_site = self.site("past", None)
        return self._past_site

    def _history(self, node: ir.History, block, stage) -> V:
        """A history read: this period's part computed here, the earlier periods' part fed by the engine as
        columns `hist<i>_*` (engine.past_part computes it from the earlier periods' values)."""
        fn = node.fn
        kind = kind_of(node.type)
        index = self._history_index.get(id(node))
        if fn == ir.HistoryFn.AT:
            when_ = self.payee(node.arg) if _payee_level(node.arg, self._level_memo) else None
            if when_ is None or not when_.x.is_const or when_.err is not None:
                raise NotLowered("at(…) of a date or period that is not the same for every payee")
            from dsl.core.display import show_value
            from dsl.run.interpreter import Timeline

            periods = self.facts.timeline
            here = self.facts.position
            read = Timeline(periods).index_of(when_.x.const)
            shown = show_value(when_.x.const, "")
            if read is None:
                return self.message(kind, f"at(…, {shown}): {shown} is not in this run's periods ({periods[0]}..{periods[-1]})", node.arg.span)
            if read > here:
                return self.message(kind, f"at(…, {shown}) reads {periods[read]}, which comes after the period being computed ({self.facts.period})", node.arg.span)
            if read == here:
                return self.payee(node.expr)
            feed = ("at", read)
        else:
            feed = (fn.value, None)
        if index is None:
            index = self._history_index[id(node)] = len(self.history)
            self.history.append((node, f"hist{index}", feed))
        base = f"hist{index}"
        block.columns.add(base + "_r")
        past_err = X.col(base + "_r")
        if fn in (ir.HistoryFn.AT, ir.HistoryFn.PREVIOUS):
            past = self._source(kind, base, block)
            if fn == ir.HistoryFn.AT:
                return attrs.evolve(past, err=past_err)
            block.columns.add(base + "_u")
            use = X.col(base + "_u")
            default = self.payee(node.arg)
            err = X.case(use, past_err, default.err if default.err is not None else X(None))
            return self.choose(block, use, past, default, err)
        current = self.payee(node.expr)
        block.columns.add(base + "_k")
        if fn in (ir.HistoryFn.SUM_LAST, ir.HistoryFn.YTD):
            past = Num(X.col(base + "_k"), X.col(base + "_e"), X.col(base + "_s"))
            block.columns.update({base + "_e", base + "_s"})
            summed, overflow = N.add(block, past, current.num)
            over = when(overflow, self.error("overflow", node, "add", payload=self._payload(past, current.num)))
            return V("num", N.bind(block, summed), err=first(past_err, current.err, over))
        count = X.col(base + "_k")
        if fn == ir.HistoryFn.COUNT_LAST:
            c = block.bind(count + X.case(current.x, 1, 0), "cnt")
            return V("num", Num(c, X(0), X(False)), err=first(past_err, current.err))
        # streak: this period first; the earlier periods only when it holds
        c = block.bind(X.case(current.x, count + 1, 0), "streak")
        return V("num", Num(c, X(0), X(False)), err=first(current.err, when(current.x, past_err)))

    # ---- lines, flags, the whole plan
    def outputs(self, extra: Sequence = ()) -> "Outputs":
        """Lower every line, limit and flag, and the `extra` expressions (what the ledger and later periods'
        history reads evaluate, each with its own error); the columns the engine reads per payee."""
        plan = self.plan
        final_round = 0
        lowered = []
        for payout in plan.payouts:
            lowered.append((payout, self.line_parts(payout)))
            final_round = max(final_round, self.round_of(payout.expr), *(self.round_of(e) for e in (payout.gate, payout.floor, payout.cap) if e is not None))
        totals = []
        for kind, expr in (("total_floor", plan.total_floor), ("total_cap", plan.total_cap)):
            if expr is not None:
                totals.append((kind, expr, self.payee(expr)))
                final_round = max(final_round, self.round_of(expr))
        flags = []
        for flag in plan.flags:
            flags.append((flag, self.payee(flag.expr)))
            final_round = max(final_round, self.round_of(flag.expr))
        others = []
        for node in extra:
            computed = self.clawed(node) if isinstance(node, ir.Clawback) else node
            others.append((node, self.payee(computed)))
            final_round = max(final_round, self.round_of(computed))
        block = self.payee_block(final_round)
        for r in range(final_round + 1):
            self.payee_block(r)
        out = Outputs(final_round)
        errors = []
        for payout, parts in lowered:
            line = {"label": payout.label}
            for key in ("gate", "value", "floor", "cap"):
                if key in parts:
                    line[key] = block.bind(parts[key], "o" + key[0], force=True).column
            errors.append(parts["err"])
            out.lines.append(line)
        for kind, expr, value in totals:
            multiple, fatal = self.rounded(block, value, plan.rounding, expr)
            out.totals.append((kind, block.bind(multiple, "tm", force=True).column))
            errors.append(first(value.err, fatal))
        for flag, value in flags:
            out.flags.append((flag.label, value.kind, self._value_columns(block, value, "fl")))
            errors.append(value.err)
        for node, value in others:
            err = block.bind(value.err, "xerr", force=True).column if value.err is not None else None
            out.extra.append((node, value.kind, self._value_columns(block, value, "xv"), err))
        err = first(*errors)
        out.error = block.bind(err, "err", force=True).column if err is not None else None
        return out

    def _value_columns(self, block: Block, value: V, hint: str) -> list:
        if value.kind == "period":
            raise NotLowered("a period value as a flag or a ledger value")
        parts = (value.num.c, value.num.e, value.num.s) if value.kind == "num" else (value.x,)
        return [block.bind(p, hint, force=True).column for p in parts]


@attrs.define
class Outputs:
    """The final payee stage's columns the engine reads, per line, total limit and flag."""

    round: int
    lines: list = attrs.field(factory=list)  # {"label", "value", "floor"?, "cap"?, "gate"?} column names
    totals: list = attrs.field(factory=list)  # (kind, column)
    flags: list = attrs.field(factory=list)  # (label, kind, [columns or constant X])
    extra: list = attrs.field(factory=list)  # (IR node, kind, [columns], error column or None)
    error: Optional[str] = None

    def columns(self) -> list[str]:
        names = ["pid"]
        for line in self.lines:
            names += [line[k] for k in ("gate", "value", "floor", "cap") if k in line]
        names += [c for _, c in self.totals]
        for _, _, columns in self.flags:
            names += columns
        for _, _, columns, err in self.extra:
            names += columns + ([err] if err is not None else [])
        if self.error is not None:
            names.append(self.error)
        return list(dict.fromkeys(names))


_CONSTRUCT_NAMES: dict = {}  # IR classes not lowered yet → how NotLowered names them
_CLAWBACK_WINDOWS = "a clawback window counted in periods, or from a period rather than a date"


def _window_lowered(window: ir.Window) -> bool:
    """Whether a clawback's window is lowered: days or months from a date (a row's period index is not)."""
    return window.unit in ("days", "months") and window.origin.type == DATE

_HANDLERS: dict[type, Callable] = {
    ir.Const: Lowering._const,
    ir.LetRef: Lowering._let,
    ir.RecordRef: Lowering._record,
    ir.ParamRef: Lowering._param,
    ir.ColumnRef: Lowering._column,
    ir.ComputedRef: Lowering._computed,
    ir.Arith: Lowering._arith,
    ir.Quotient: Lowering._quotient,
    ir.Neg: Lowering._neg,
    ir.Cmp: Lowering._cmp,
    ir.Logic: Lowering._logic,
    ir.Cond: Lowering._cond,
    ir.Aggregate: Lowering._aggregate,
    ir.Builtin: Lowering._builtin,
    ir.TierCall: Lowering._tiers,
    ir.FieldOf: Lowering._field,
    ir.PeriodRef: Lowering._period,
    ir.LineRef: Lowering._line,
    ir.History: Lowering._history,
    ir.TeamAggregate: Lowering._team,
}


def not_lowered(plan: ir.Plan) -> list[str]:
    """The constructs of `plan` this lowering refuses, found without data (empty: all are lowered).

    >>> import dsl
    >>> not_lowered(dsl.load('plan "x" { currency CNY }\\npayout "a" = 100元 * 2%').plan)
    []
    """
    found: list[str] = []
    if any(c.window is not None and not _window_lowered(c.window) for c in plan.clawbacks):
        found.append(_CLAWBACK_WINDOWS)
    from dsl.ir.walk import plan_exprs, walk

    for root in plan_exprs(plan):
        for node in walk(root):
            name = _CONSTRUCT_NAMES.get(type(node))
            if name is not None and name not in found:
                found.append(name)
    return found
