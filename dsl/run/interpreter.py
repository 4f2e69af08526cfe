"""The reference interpreter: IR + data → every payee's lines, exactly.

`evaluate(plan, dataset, trace=True)` computes, for each payee on the roster in
each period of the data, an `EvalContext` (payee, period, where its rows are)
and evaluates the plan in it: expressions here, one expression class per method
of `PayeeEvaluator`, all registered in the one table `_DISPATCH`; what a line
pays (gate → value → rounding → floor → cap, then the total limits) in lines.py.
Arithmetic follows the numeric policy (core/numeric.py: 18 places, |x| < 10^20,
a chain of products and quotients divided last); money is rounded only where
the plan says. Cap, floor and total adjustments are
separate lines, so the lines of a payee always add up to the total.

With trace=True every value comes with its derivation (trace.py); with
trace=False the same code runs and builds no trace and no reference to a data
cell. Evaluation errors (division by zero, an overflow, a value no band contains) become R001
diagnostics naming the payee and the plan span; the other payees are still
computed.
"""
from __future__ import annotations

import datetime
import sys
from decimal import Decimal
from typing import Optional, Sequence

import attrs

from dsl import ir
from dsl.core.diagnostics import EVAL_ERROR, NO_PAYEE, NOBODY_PAID, Diagnostic, diagnostic, did_you_mean
from dsl.core.display import show_value
from dsl.core import numeric
from dsl.core.numeric import NumericError, round_money
from dsl.core.perf import paused_gc
from dsl.core import periods as calendar
from dsl.core.types import MISSING, InputKind, Period
from dsl.data.dataset import Dataset, Table
from dsl.run.context import EvalContext, payee_context
from dsl.run.errors import EvalError
from dsl.run.ledger import EMPTY, LedgerState, ledger_period
from dsl.run.lines import payee_lines, payout_lines
from dsl.run.results import FlagValue, Line, PayeeResult, RunResult, reported_flag
from dsl.run.pools import allocate, explain_pointer, rank_places, rank_team, split_pool
from dsl.run.teams import build_teams
from dsl.run.trace import Trace, TraceKind as K, call_trace

ZERO = Decimal(0)


def type_name(t) -> str:
    return str(t)


def show(value, t=None) -> str:
    """A value in an error message, shown as explanations show it."""
    return show_value(value, str(t) if t is not None else "")


@attrs.define
class Timeline:
    """One payee's way through the periods of a run: the periods in order, and the
    evaluators of the periods already computed (what history reads read)."""

    periods: Sequence[Period]
    done: list = attrs.field(factory=list)  # PayeeEvaluator of periods[0], periods[1], … as they finish

    def index_of(self, when) -> Optional[int]:
        """The position of the run period that is `when` (a period) or contains it (a date, or a shorter period)."""
        for index, period in enumerate(self.periods):
            if period == when:
                return index
        day = when if isinstance(when, datetime.date) else when.start if isinstance(when, Period) else None
        if day is None:
            return None
        for index, period in enumerate(self.periods):
            if period.start is not None and calendar.contains(period, when if isinstance(when, datetime.date) else when):
                return index
        return None


class PayeeEvaluator:
    """Evaluates the plan in one context (a payee in a period). Caches lets,
    computed columns and lines; builds traces, and references to data cells, only
    if asked. `timeline` (with `position`, this period's place in it) is how
    history reads reach the same payee's earlier periods."""

    def __init__(self, plan: ir.Plan, dataset: Dataset, context: EvalContext, tracing: bool,
                 timeline: Optional[Timeline] = None, position: int = 0, members: Sequence["PayeeEvaluator"] = ()):
        self.plan = plan
        self.members = members  # this period's evaluators of the payee's team (already run: run/teams.py)
        self.dataset = dataset
        self.context = context
        self.payee = context.payee
        self.period = context.period
        self.rows = context.rows  # table -> indices of this payee's rows in the period
        self.records = context.records  # record input -> row index or None
        self.tracing = tracing
        self.timeline = timeline if timeline is not None else Timeline([context.period])
        self.position = position
        self.lets: dict[str, tuple] = {}
        self.definition_depth = 0  # lets and computed columns being evaluated, one inside another (see _definition)
        self.computed: dict[tuple, tuple] = {}
        self.line_cache: dict[str, list[Line]] = {}
        self.let_exprs = {let.name: let.expr for let in plan.lets}
        for name, versions in plan.let_versions.items():
            # in a period no version covers, reading the definition is an error naming it
            self.let_exprs[name] = self.in_force(versions, name) or ir.Builtin("not_in_force", (), plan.let(name).expr.type, text=name)
        self.column_exprs = {(c.table, c.name): c.expr for c in plan.columns}
        self.payouts = {p.label: p for p in plan.payouts}
        self.gate_conjunctions = _gate_conjunctions(plan.payouts) if tracing else frozenset()

    def in_force(self, versions, name: str):
        """The version (of ((start, end), thing) pairs) in force on the first day of this period."""
        day = self.period.start
        if day is None:
            raise EvalError(f"'{name}' has dated versions, so the run needs dated periods (give --period, or place inputs by period)", None)
        for (start, end), version in versions:
            if start <= day <= end:
                return version
        return None

    # ---- expression dispatch
    def eval(self, node, row: Optional[int] = None) -> tuple[object, Optional[Trace]]:
        value, trace = _DISPATCH[type(node)](self, node, row)
        if trace is not None and node.via:
            trace = self._called(node, row, value, trace)
        return value, trace

    def _called(self, node, row, value, trace: Trace) -> Trace:
        """The trace of an inlined function body under the calls it stands for (ir.CallSite)."""
        for site in reversed(node.via):
            args = []
            for param, arg in zip(site.params, site.args):
                try:
                    shown = self.eval(arg, row)[0]
                except EvalError:  # the body never needed it, and it cannot be computed
                    shown = None
                args.append((param, shown, type_name(arg.type)))
            trace = call_trace(site, args, value, trace)
        return trace

    def node(self, kind, node, value, children=(), **detail) -> Trace:
        """The trace of `node`; called only when tracing, so an untraced run builds
        neither the trace nor its arguments (a data cell's reference, the detail)."""
        return Trace(kind, node.text, value, type_name(node.type), node.span, tuple(c for c in children if c is not None), detail)

    def _const(self, node: ir.Const, row):
        return node.value, (self.node(K.CONST, node, node.value) if self.tracing else None)

    def _let(self, node: ir.LetRef, row):
        cached = self.lets.get(node.name)
        if cached is None:
            cached = self._definition(("let", node.name))
        value, inner = cached
        return value, (self.node(K.LET, node, value, (inner,), name=node.name) if self.tracing else None)

    def _definition(self, key: tuple) -> tuple:
        """Evaluate a let (key ("let", name)) or a computed column's cell (key ("column",
        table, name, row)) not yet cached, however long the chain of definitions below it.

        Each definition read inside another's evaluation nests Python calls, so a chain
        of a few hundred used to run out of stack. Once the stack is deep, a definition
        still to evaluate is not entered but handed back (`_Deep`) to the outermost one
        being evaluated, which evaluates it from there and then retries. A definition is
        still evaluated only when the path taken reads it: it is handed back at the
        moment it is read, never guessed in advance. The stack is looked at only from the
        third definition down: above it are at most two expressions' frames (each at most
        syntax.parser.MAX_NESTING levels), well inside _DEFINITION_STACK, and the common
        case — a computed column's cells read by a let's aggregate, once per row — pays nothing.
        """
        if self.definition_depth > 1 and _stack_deeper_than(_DEFINITION_STACK):
            raise _Deep(key)
        pending = [key]  # outermost: the definitions handed back, the latest first
        while pending:
            self.definition_depth += 1
            try:
                self._store(pending[-1])
                pending.pop()
            except _Deep as deeper:
                if self.definition_depth > 1:
                    raise
                pending.append(deeper.key)
            finally:
                self.definition_depth -= 1
        return self.lets[key[1]] if key[0] == "let" else self.computed[key[1:]]

    def _store(self, key: tuple) -> None:
        if key[0] == "let":
            self.lets[key[1]] = self.eval(self.let_exprs[key[1]])
        else:
            _, table, name, row = key
            self.computed[(table, name, row)] = self.eval(self.column_exprs[(table, name)], row)

    def _record(self, node: ir.RecordRef, row):
        index = self.records.get(node.input)
        table = self.dataset.tables[node.input]
        if index is None:
            raise EvalError(f"payee '{self.payee}' has no row in '{node.input}' ({table.file})", node.span)
        value = table.columns[node.field][index]
        if value is MISSING:
            raise EvalError(f"{table.file} gives no value for {node.input}.{node.field}", node.span)
        if not self.tracing:
            return value, None
        return value, self.node(K.RECORD, node, value, ref=table.cell(index, node.field))

    def _param(self, node: ir.ParamRef, row):
        table = self.dataset.tables[node.input]
        index = self.context.params.get(node.input, 0)
        if index is None:
            raise EvalError(f"{table.file} has no row of '{node.input}' for {self.period}", node.span)
        value = table.columns[node.field][index]
        if value is MISSING:
            raise EvalError(f"{table.file} gives no value for {node.input}.{node.field}", node.span)
        if not self.tracing:
            return value, None
        return value, self.node(K.PARAM, node, value, ref=table.cell(index, node.field))

    def _column(self, node: ir.ColumnRef, row):
        table = self.dataset.tables[node.table]
        value = table.columns[node.field][row]
        if value is MISSING:
            raise EvalError(f"{table.file} row {table.row_numbers[row]} gives no value for {node.table}.{node.field}", node.span)
        if not self.tracing:
            return value, None
        return value, self.node(K.COLUMN, node, value, ref=table.cell(row, node.field))

    def _computed(self, node: ir.ComputedRef, row):
        key = (node.table, node.name, row)
        cached = self.computed.get(key)
        if cached is None:
            cached = self._definition(("column", *key))
        value, inner = cached
        if not self.tracing:
            return value, None
        return value, self.node(K.COMPUTED, node, value, (inner,), name=f"{node.table}.{node.name}", ref=self.dataset.tables[node.table].cell(row, node.name))

    def _arith(self, node: ir.Arith, row):
        left, lt = self.eval(node.left, row)
        right, rt = self.eval(node.right, row)
        op = node.op
        if op == "/" and right == 0:
            raise EvalError(f"division by zero: '{node.right.text}' is 0", node.right.span)
        value = computed(node, _OPERATIONS[op], left, right)
        return value, (self.node(K.ARITH, node, value, (lt, rt), op=op) if self.tracing else None)

    def _quotient(self, node: ir.Quotient, row):
        """A chain of * and / with its one division last; traced as written."""
        numerators, denominators, traces = self._chain(node.chain, row)
        value = computed(node, numeric.quotient, numerators, denominators)
        return value, (self.node(K.ARITH, node.chain, value, traces, op=node.chain.op) if self.tracing else None)

    def _chain(self, node: ir.Arith, row) -> tuple[list, list, tuple]:
        """The numerator and denominator values of a chain node, and its operands' traces.

        A zero after a `/` is a division by zero, whatever else the chain holds."""
        sides = []
        for side in (node.left, node.right):
            if isinstance(side, ir.Arith) and side.op in "*/":
                numerators, denominators, traces = self._chain(side, row)
                trace = None
                if self.tracing:  # an intermediate of the chain, exact to 18 places
                    shown = numeric.quotient(numerators, denominators, bounded=False)
                    trace = self.node(K.ARITH, side, shown, traces, op=side.op)
                    if side.via:  # a function's body inside the chain
                        trace = self._called(side, row, shown, trace)
                sides.append((numerators, denominators, trace))
            else:
                value, trace = self.eval(side, row)
                sides.append(([value], [], trace))
        (ln, ld, lt), (rn, rd, rt) = sides
        if node.op == "*":
            return ln + rn, ld + rd, (lt, rt)
        if any(v == 0 for v in rn):
            raise EvalError(f"division by zero: '{node.right.text}' is 0", node.right.span)
        return ln + rd, ld + rn, (lt, rt)

    def _neg(self, node: ir.Neg, row):
        value, inner = self.eval(node.operand, row)
        value = numeric.neg(value)
        return value, (self.node(K.NEG, node, value, (inner,)) if self.tracing else None)

    def _cmp(self, node: ir.Cmp, row):
        left, lt = self.eval(node.left, row)
        right, rt = self.eval(node.right, row)
        op = node.op
        if op == "==":
            value = left == right
        elif op == "!=":
            value = left != right
        elif op == "<":
            value = left < right
        elif op == "<=":
            value = left <= right
        elif op == ">":
            value = left > right
        else:
            value = left >= right
        return value, (self.node(K.CMP, node, value, (lt, rt), op=op) if self.tracing else None)

    def _logic(self, node: ir.Logic, row):
        if node.op == "not":
            value, inner = self.eval(node.operands[0], row)
            return (not value), (self.node(K.LOGIC, node, not value, (inner,), op="not") if self.tracing else None)
        left, lt = self.eval(node.operands[0], row)
        # Short-circuit. A traced run also evaluates the other conjuncts of a line's `when`,
        # when it can, so an explanation shows every conjunct that failed; the value is the
        # left operand's either way.
        if (node.op == "and" and not left) or (node.op == "or" and left):
            if id(node) not in self.gate_conjunctions:
                return left, (self.node(K.LOGIC, node, left, (lt,), op=node.op) if self.tracing else None)
            try:
                rt = self.eval(node.operands[1], row)[1]
            except EvalError:  # the result never needed it, and it cannot be computed
                rt = None
            return left, self.node(K.LOGIC, node, left, (lt, rt), op=node.op, short_circuit=True)
        right, rt = self.eval(node.operands[1], row)
        return right, (self.node(K.LOGIC, node, right, (lt, rt), op=node.op) if self.tracing else None)

    def _cond(self, node: ir.Cond, row):
        condition, ct = self.eval(node.condition, row)
        branch = node.then if condition else node.otherwise
        value, bt = self.eval(branch, row)
        return value, (self.node(K.COND, node, value, (ct, bt), branch="then" if condition else "else") if self.tracing else None)

    def _aggregate(self, node: ir.Aggregate, row):
        table: Table = self.dataset.tables[node.table]
        indices = self.rows[node.table]
        if self.tracing:
            values, children, matched, excluded = self._aggregate_traced(node, table, indices)
        else:
            values, matched = self._aggregate_values(node, table, indices)
            children = ()
        fn = node.fn
        value = fold(node, values, matched, lambda: f"{fn} over no rows: payee '{self.payee}' has no matching rows in '{node.table}'")
        if not self.tracing:
            return value, None
        # the rows its `where` left out, by their numbers in the table's file
        where = {} if node.where is None else {"where": node.where.text, "file": table.file, "excluded": [table.row_numbers[i] for i in excluded]}
        return value, self.node(K.AGGREGATE, node, value, children, fn=fn, table=node.table, rows=len(indices), matched=matched, **where)

    def _aggregate_values(self, node: ir.Aggregate, table: Table, indices) -> tuple[list, int]:
        """The values an aggregate reads, untraced. A condition or value that is a plain
        column of the table is read straight from its column."""
        where, expr = node.where, node.expr
        if isinstance(where, ir.ColumnRef) and where.table == node.table:
            keep = table.columns[where.field]
            if any(keep[i] is MISSING for i in indices):
                kept = [i for i in indices if self._column(where, i)[0]]  # raises, naming the row
            else:
                kept = [i for i in indices if keep[i]]
        elif where is not None:  # row by row: a failing value is reported at the row it fails at
            values, matched = [], 0
            for i in indices:
                if self.eval(where, i)[0]:
                    matched += 1
                    if expr is not None:
                        values.append(self.eval(expr, i)[0])
            return values, matched
        else:
            kept = indices
        if expr is None:
            return [], len(kept)
        if isinstance(expr, ir.ColumnRef) and expr.table == node.table:
            column = table.columns[expr.field]
            values = [column[i] for i in kept]
            if any(v is MISSING for v in values):
                values = [self._column(expr, i)[0] for i in kept]  # raises, naming the row
            return values, len(kept)
        return [self.eval(expr, i)[0] for i in kept], len(kept)

    def _aggregate_traced(self, node: ir.Aggregate, table: Table, indices) -> tuple[list, list, int, list]:
        """The values an aggregate reads, their traces, how many rows matched and the rows its `where` left out."""
        values, children, excluded = [], [], []
        matched = 0
        for index in indices:
            where_trace = None
            if node.where is not None:
                keep, where_trace = self.eval(node.where, index)
                if not keep:
                    excluded.append(index)
                    continue
            matched += 1
            if node.expr is None:
                # A counted row shows why it matched: its where-condition, cell by cell.
                ref = {"file": table.file, "row": table.row_numbers[index]}
                children.append(Trace(K.ROW, table.file, True, "bool", None, (where_trace,) if where_trace else (), {"ref": ref}))
                continue
            value, trace = self.eval(node.expr, index)
            values.append(value)
            if trace.kind in (K.COLUMN, K.COMPUTED):
                children.append(trace)
            else:
                ref = {"file": table.file, "row": table.row_numbers[index]}
                children.append(Trace(K.ROW, table.file, value, trace.type, None, (trace,), {"ref": ref}))
        return values, children, matched, excluded

    def _builtin(self, node: ir.Builtin, row):
        if node.fn == "not_in_force":
            raise EvalError(f"no version of '{node.text}' is in force in {self.period}", node.span)
        results = [self.eval(arg, row) for arg in node.args]
        values = [v for v, _ in results]
        fn = node.fn
        if fn == "min":
            value = min(values)
        elif fn == "max":
            value = max(values)
        elif fn == "abs":
            value = numeric.absolute(values[0])
        elif fn == "round":
            unit = values[1]
            if unit <= 0:
                raise EvalError(f"round's unit must be positive, got {show(unit)}", node.args[1].span)
            value = computed(node, round_money, values[0], unit, "half_up")
        elif fn in _DATE_BUILTINS:
            try:
                value = _DATE_BUILTINS[fn](*values)
            except (calendar.PeriodError, OverflowError, ValueError) as exc:
                raise EvalError(f"cannot compute '{node.text}': {exc}", node.span) from None
        else:  # clamp(x, low, high)
            x, low, high = values
            if low > high:
                raise EvalError(f"clamp's lower limit {show(low)} is above its upper limit {show(high)}", node.span)
            value = min(max(x, low), high)
        return value, (self.node(K.BUILTIN, node, value, [t for _, t in results], fn=fn) if self.tracing else None)

    def _tiers(self, node: ir.TierCall, row):
        table: ir.TierTable = self.plan.tiers[node.tiers]
        if node.tiers in self.plan.tier_versions:
            table = self.in_force(self.plan.tier_versions[node.tiers], node.tiers)
            if table is None:
                raise EvalError(f"no version of tier table '{node.tiers}' is in force in {self.period}", node.span)
        x, xt = self.eval(node.arg, row)
        if table.mode == ir.TierMode.MARGINAL:
            return self._marginal(node, table, x, xt)
        if table.categories or (table.has_default and not table.bands):
            for key, value, span in table.categories:
                if key == x:
                    return value, self._tiers_trace(node, table, x, xt, ir.TierMode.LOOKUP, value, self._band_trace(f'"{key}"', value, span, node))
            if table.has_default:
                return table.default, self._tiers_trace(node, table, x, xt, ir.TierMode.LOOKUP, table.default, self._band_trace("else", table.default, table.span, node))
            raise EvalError(f"tier table '{table.name}' has no row for '{x}'", node.span)
        for band in table.bands:
            if band.contains(x):
                if table.mode == ir.TierMode.WHOLE:
                    value = computed(node, numeric.mul, x, band.value)
                    return value, self._tiers_trace(node, table, x, xt, ir.TierMode.WHOLE, value, self._rate_trace(band.text, value, band.span, node, x, band.value))
                return band.value, self._tiers_trace(node, table, x, xt, ir.TierMode.LOOKUP, band.value, self._band_trace(band.text, band.value, band.span, node))
        if table.has_default:
            if table.mode == ir.TierMode.WHOLE:  # the else row's rate applies to the whole amount, like a band's
                value = computed(node, numeric.mul, x, table.default)
                return value, self._tiers_trace(node, table, x, xt, ir.TierMode.WHOLE, value, self._rate_trace("else", value, table.span, node, x, table.default))
            return table.default, self._tiers_trace(node, table, x, xt, table.mode, table.default, self._band_trace("else", table.default, table.span, node))
        raise EvalError(f"no band of '{table.name}' contains {show(x, node.arg.type)}", node.span)

    def _marginal(self, node: ir.TierCall, table: ir.TierTable, x, xt):
        """Each band's rate on the part of x inside the band (the checker put bands in order)."""
        total = ZERO
        bands = []
        for band in table.bands:
            if x <= band.low:
                continue
            top = x if band.high is None else min(x, band.high)
            portion = computed(node, numeric.sub, top, band.low)
            amount = computed(node, numeric.mul, portion, band.value)
            total = computed(node, numeric.add, total, amount)
            if self.tracing:
                bands.append(self._rate_trace(band.text, amount, band.span, node, portion, band.value))
        return total, self._tiers_trace(node, table, x, xt, ir.TierMode.MARGINAL, total, *bands)

    def _tiers_trace(self, node, table, x, xt, mode, value, *bands) -> Optional[Trace]:
        if not self.tracing:
            return None
        return self.node(K.TIERS, node, value, [xt, *bands], mode=mode.value, table=table.name, input=x)

    def _rate_trace(self, text, value, span, node, amount, rate) -> Optional[Trace]:
        if not self.tracing:
            return None
        return Trace(K.BAND, text, value, type_name(node.type), span, (), {"amount": amount, "rate": rate})

    def _band_trace(self, text, value, span, node) -> Optional[Trace]:
        if not self.tracing:
            return None
        return Trace(K.BAND, text, value, type_name(node.type), span, (), {"value": value})

    def _field(self, node: ir.FieldOf, row):
        record, inner = self.eval(node.target, row)
        value = record[node.field]
        return value, (self.node(K.FIELD, node, value, (inner,), field=node.field) if self.tracing else None)

    def _period(self, node: ir.PeriodRef, row):
        if self.period.start is None:
            raise EvalError("this run has no dated period: give --period, or place an input's rows by period", node.span)
        return self.period, (self.node(K.PERIOD, node, self.period) if self.tracing else None)

    def _line(self, node: ir.LineRef, row):
        value = sum((line.value for line in self.payout(self.payouts[node.label])), ZERO)
        return value, (self.node(K.LINE, node, value, label=node.label) if self.tracing else None)

    def _team(self, node: ir.TeamAggregate, row):
        """An aggregate over the team: each member's value of `node.value` (and `node.where`), as that member."""
        values, children = [], []
        for member in self.members:
            if node.where is not None:
                keep, _ = member.eval(node.where)
                if not keep:
                    if self.tracing:
                        children.append(Trace(K.LET, member.payee, False, "bool", None, (), {"name": f"{member.payee}: {node.where.text}"}))
                    continue
            if node.value is None:
                values.append(Decimal(1))
                if self.tracing:
                    children.append(Trace(K.LET, member.payee, True, "bool", None, (), {"name": f"{member.payee}: {node.where.text if node.where is not None else 'members'}"}))
                continue
            value, _ = member.eval(node.value)
            values.append(value)
            if self.tracing:
                # the member's own derivation is its explanation (plan explain --payee <member>), not repeated here
                children.append(Trace(K.LET, member.payee, value, type_name(node.value.type), None, (),
                                      {"name": f"{member.payee}: {node.value.text}", "see": explain_pointer(self.plan, member.payee, period=self.period)}))
        fn = node.fn
        value = fold(node, values, len(values), lambda: f"{fn} over no members: the team of '{self.payee}' has no "
                     f"{'matching ' if node.where is not None else ''}members in {self.period}")
        if not self.tracing:
            return value, None
        return value, self.node(K.AGGREGATE, node, value, children, fn=fn, table="members", rows=len(self.members), matched=len(values))

    def at_period(self, index: int, expr):
        """`expr` evaluated in the period at `index` of this payee's run (this one, or an earlier one)."""
        evaluator = self if index == self.position else self.timeline.done[index]
        if evaluator is None:
            raise EvalError(f"payee '{self.payee}' is not on the roster in {self.timeline.periods[index]}, so nothing was computed there", expr.span)
        return evaluator.eval(expr)

    def _present(self, index: int) -> bool:
        """Was the payee on the roster in the period at `index` (this one always is)?"""
        return index == self.position or self.timeline.done[index] is not None

    def _history(self, node: ir.History, row):
        fn, here = node.fn, self.position
        periods = self.timeline.periods
        if fn == ir.HistoryFn.PREVIOUS:
            if here == 0 or not self._present(here - 1):  # the run's first period, or the payee was not on the roster before this one
                value, trace = self.eval(node.arg, row)
                return value, (self.node(K.HISTORY, node, value, (trace,), fn=fn.value, periods=[], default=True) if self.tracing else None)
            read = [here - 1]
        elif fn in (ir.HistoryFn.SUM_LAST, ir.HistoryFn.COUNT_LAST):
            read = [i for i in range(max(0, here - int(node.arg.value) + 1), here + 1) if self._present(i)]
        elif fn == ir.HistoryFn.YTD:
            year = self.period.start.year if self.period.start is not None else None
            read = [i for i in range(here + 1) if periods[i].start is not None and periods[i].start.year == year and self._present(i)] or [here]
        elif fn == ir.HistoryFn.STREAK:
            read = None
        else:  # AT
            when, when_trace = self.eval(node.arg, row)
            index = self.timeline.index_of(when)
            if index is None:
                raise EvalError(f"at(…, {show(when)}): {show(when)} is not in this run's periods ({periods[0]}..{periods[-1]})", node.arg.span)
            if index > here:
                raise EvalError(f"at(…, {show(when)}) reads {periods[index]}, which comes after the period being computed ({self.period})", node.arg.span)
            value, trace = self.at_period(index, node.expr)
            return value, (self.node(K.HISTORY, node, value, (when_trace, trace), fn=fn.value, periods=[str(periods[index])]) if self.tracing else None)
        results = []
        if read is None:  # streak: back from this period while the condition holds
            index = here
            while index >= 0 and self._present(index):  # a period off the roster ends the streak
                value, trace = self.at_period(index, node.expr)
                results.append((index, value, trace))
                if not value:
                    break
                index -= 1
            value = Decimal(sum(1 for _, v, _ in results if v))
        else:
            for index in read:
                value, trace = self.at_period(index, node.expr)
                results.append((index, value, trace))
            values = [v for _, v, _ in results]
            if fn == ir.HistoryFn.PREVIOUS:
                value = values[0]
            elif fn == ir.HistoryFn.COUNT_LAST:
                value = Decimal(sum(1 for v in values if v))
            else:
                value = computed(node, numeric.total, values)
        if not self.tracing:
            return value, None
        children = [Trace(K.HISTORY, str(periods[i]), v, type_name(node.expr.type), None, (t,) if t is not None else (), {"period": str(periods[i])})
                    for i, v, t in results]
        return value, self.node(K.HISTORY, node, value, children, fn=fn.value, periods=[str(periods[i]) for i, _, _ in results])

    def clawed(self, clawback: ir.Clawback):
        """What a clawback recovers this period: its row amount summed over the payee's rows within the window."""
        table = self.dataset.tables[clawback.table]
        total, children, outside = ZERO, [], 0
        for index in self.rows[clawback.table]:
            if clawback.window is not None and not self._in_window(clawback, table, index):
                outside += 1
                if self.tracing:
                    ref = {"file": table.file, "row": table.row_numbers[index]}
                    children.append(Trace(K.ROW, f"outside the window: {clawback.window.text}", False, "bool", clawback.window.span, (), {"ref": ref}))
                continue
            value, trace = self.eval(clawback.expr, index)
            total = computed(clawback.expr, numeric.add, total, value)
            if self.tracing:
                ref = {"file": table.file, "row": table.row_numbers[index]}
                children.append(Trace(K.ROW, table.file, value, trace.type, None, (trace,), {"ref": ref}))
        if not self.tracing:
            return total, None
        detail = {"fn": "sum", "table": clawback.table, "rows": len(self.rows[clawback.table]), "matched": len(self.rows[clawback.table]) - outside}
        return total, Trace(K.AGGREGATE, clawback.expr.text, total, type_name(clawback.expr.type), clawback.expr.span, tuple(children), detail)

    def _in_window(self, clawback: ir.Clawback, table: Table, index: int) -> bool:
        window = clawback.window
        origin, _ = self.eval(window.origin, index)
        origin_day = origin.start if isinstance(origin, Period) else origin
        field = table.schema.period_field
        placed = table.columns[field][index] if field is not None else None
        reversal = placed if isinstance(placed, datetime.date) else (self.period.end or origin_day)
        if window.unit == "days":
            return calendar.days_between(origin_day, reversal) < window.count
        if window.unit == "months":
            return calendar.months_between(origin_day, reversal) < window.count
        first = self.timeline.index_of(origin)
        return first is not None and self.position - first < window.count

    # ---- lines (their meaning is lines.py's)
    def payout(self, payout: ir.Payout) -> list[Line]:
        """A payout line and its floor/cap adjustment lines (lines.payout_lines), computed once."""
        lines = self.line_cache.get(payout.label)
        if lines is None:
            lines = self.line_cache[payout.label] = payout_lines(payout, self.eval, self.plan.currency, self.tracing)
        return lines

    def run(self) -> PayeeResult:
        """This period's lines, flags and ledger, opening with no balances."""
        return self.run_period(EMPTY)[0]

    def run_period(self, state: LedgerState) -> tuple[PayeeResult, LedgerState]:
        """This period's lines, flags and ledger, opening with `state`, and the balances it carries to the next period."""
        lines, total = payee_lines(self.plan, self.eval, self.tracing, self.payout)
        flags = []
        for flag in self.plan.flags:
            value, trace = self.eval(flag.expr)
            value = reported_flag(flag, value, self.plan.rounding)
            flag_trace = Trace(K.FLAG, flag.label, value, type_name(flag.expr.type), flag.span, (trace,)) if self.tracing else None
            flags.append(FlagValue(flag.label, value, flag_trace))
        postings, balances = (), ()
        if self.plan.has_ledger or state.accounts:
            book = ledger_period(self.plan, state, self.period, self.position, total, self.eval, self.clawed, self.tracing)
            lines, total, postings, balances, state = lines + list(book.lines), book.paid, book.postings, book.balances, book.state
        return PayeeResult(self.payee, tuple(lines), tuple(flags), total, self.period, postings, balances), state


def _gate_conjunctions(payouts) -> frozenset:
    """The `and`s at the top of the lines' gates (`when a and b and c`), by identity."""
    found, stack = set(), [p.gate for p in payouts if getattr(p, "gate", None) is not None]
    while stack:
        node = stack.pop()
        if isinstance(node, ir.Logic) and node.op == "and":
            found.add(id(node))
            stack.extend(node.operands)
    return frozenset(found)


class _Deep(Exception):
    """A definition read where the stack is already deep: the outermost one evaluates it first."""

    def __init__(self, key: tuple):
        super().__init__(key)
        self.key = key


# Frames in use beyond which a definition is evaluated from the outermost one instead:
# well inside Python's limit (1,000 by default) even with the deepest expressions the
# parser admits (syntax.parser.MAX_NESTING levels, about two frames each) above it.
_DEFINITION_STACK = 400


def _stack_deeper_than(frames: int) -> bool:
    try:
        sys._getframe(frames)
    except ValueError:
        return False
    return True


# The one dispatch table of the interpreter: IR expression class -> its method.
_DISPATCH = {
    ir.Const: PayeeEvaluator._const,
    ir.LetRef: PayeeEvaluator._let,
    ir.RecordRef: PayeeEvaluator._record,
    ir.ParamRef: PayeeEvaluator._param,
    ir.ColumnRef: PayeeEvaluator._column,
    ir.ComputedRef: PayeeEvaluator._computed,
    ir.Arith: PayeeEvaluator._arith,
    ir.Neg: PayeeEvaluator._neg,
    ir.Cmp: PayeeEvaluator._cmp,
    ir.Logic: PayeeEvaluator._logic,
    ir.Cond: PayeeEvaluator._cond,
    ir.Aggregate: PayeeEvaluator._aggregate,
    ir.Builtin: PayeeEvaluator._builtin,
    ir.TierCall: PayeeEvaluator._tiers,
    ir.FieldOf: PayeeEvaluator._field,
    ir.Quotient: PayeeEvaluator._quotient,
    ir.PeriodRef: PayeeEvaluator._period,
    ir.LineRef: PayeeEvaluator._line,
    ir.History: PayeeEvaluator._history,
    ir.TeamAggregate: PayeeEvaluator._team,
}


def _start(when):
    return when.start if isinstance(when, Period) else when


_DATE_BUILTINS = {
    "year": lambda when: Decimal(_start(when).year),
    "month": lambda when: Decimal(_start(when).month),
    "day": lambda when: Decimal(_start(when).day),
    "quarter": lambda when: Decimal(calendar.quarter_of(_start(when))),
    "months_between": lambda a, b: Decimal(calendar.months_between(a, b)),
    "days_between": lambda a, b: Decimal(calendar.days_between(a, b)),
    "add_months": lambda day, n: calendar.add_months(day, int(n)),
    "add_days": lambda day, n: calendar.add_days(day, int(n)),
    "start": lambda period: period.start,
    "end": lambda period: period.end,
    "shift": lambda period, n: calendar.shift(period, int(n)),
}

_OPERATIONS = {"+": numeric.add, "-": numeric.sub, "*": numeric.mul, "/": numeric.div}


def fold(node, values: list, matched: int, empty):
    """An aggregate's value (`node.fn` over `values`, `matched` of them for count); `empty()` is the
    message when min, max or avg has nothing to work on. Table and team aggregates share it."""
    fn = node.fn
    if fn == "count":
        return Decimal(matched)
    if fn == "sum":
        return computed(node, numeric.total, values)
    if not values:
        raise EvalError(empty(), node.span)
    if fn == "avg":
        return computed(node, numeric.mean, values)
    return min(values) if fn == "min" else max(values)


def computed(node, operation, *operands):
    """`operation(*operands)` under the numeric policy; an overflow names the expression."""
    try:
        return operation(*operands)
    except NumericError as exc:
        raise EvalError(f"cannot compute '{node.text}': {exc}", node.span) from None


def evaluate(plan: ir.Plan, dataset: Dataset, trace: bool = True, payees: Optional[list[str]] = None, progress=None,
             prior=None) -> RunResult:
    """Compute every payee's lines. `payees` limits the run (explain); unknown names are R002.

    `progress`, if given, is called with 1 after each payee (for a progress bar). `prior`
    (a `prior.Prior`) is an earlier run this one continues: its balances open the run and
    its lines are what history reads see in its periods; its payees are paid here too.
    """
    with paused_gc():
        return _evaluate(plan, dataset, trace, payees, progress, prior)


@attrs.frozen
class Population:
    """Who a run computes: `roster` the payees it reports (those asked for that exist, in the order
    asked, else the whole roster), `teams` the hierarchy (members before managers in `teams.order`),
    `wanted` the payees asked for that exist (None: every payee)."""

    roster: list
    teams: object
    wanted: Optional[set]


def population(plan: ir.Plan, dataset: Dataset, payees: Optional[Sequence[str]], prior=None) -> tuple[Optional[Population], list[Diagnostic]]:
    """The run's population and its diagnostics, the same for every engine: nobody to pay (R004) or a
    hierarchy that cannot be built (D008) is no population; a payee asked for and not in the data is R002."""
    roster = run_roster(plan, dataset, prior)
    if not roster:
        return None, [diagnostic(NOBODY_PAID, _nobody_paid(plan))]
    teams, problems = build_teams(plan, dataset, roster)
    if teams is None:
        return None, list(problems)
    diagnostics: list[Diagnostic] = []
    wanted = None
    if payees is not None:
        known = set(roster)
        for name in payees:
            if name not in known:
                diagnostics.append(diagnostic(NO_PAYEE, f"payee '{name}' does not appear in the data", None, hint=did_you_mean(name, roster)))
        wanted = set(payees) & known
        roster = [p for p in payees if p in known]
    return Population(roster, teams, wanted), diagnostics


def _evaluate(plan: ir.Plan, dataset: Dataset, trace: bool, payees: Optional[list[str]], progress, prior=None) -> RunResult:
    found, diagnostics = population(plan, dataset, payees, prior)
    if found is None:
        return RunResult(plan, (), tuple(diagnostics))
    roster, teams, wanted = found.roster, found.teams, found.wanted
    by_period: list[list[PayeeResult]] = [[] for _ in dataset.periods]
    several = len(dataset.periods) > 1
    if plan.hierarchy is None and not plan.ranks:
        for payee in roster:
            for index, result, _ in run_payee(plan, dataset, payee, trace, diagnostics, several, prior):
                by_period[index].append(result)
            if progress is not None:
                progress(1)
        return RunResult(plan, tuple(r for results in by_period for r in results), tuple(diagnostics))
    if plan.hierarchy is None:  # a ranking of every payee: all are computed, then ranked in each period
        done_: dict[str, dict[int, PayeeEvaluator]] = {}
        results_: dict[str, list[tuple[int, PayeeResult]]] = {}
        for payee in roster if wanted is None else run_roster(plan, dataset, prior):
            evaluators = done_[payee] = {}
            for index, result, evaluator in run_payee(plan, dataset, payee, trace, diagnostics, several, prior):
                evaluators[index] = evaluator
                results_.setdefault(payee, []).append((index, result))
            if progress is not None and (wanted is None or payee in wanted):
                progress(1)
        _team_payments(plan, dataset, None, done_, results_, trace, diagnostics)
        for payee in roster:
            for index, result in results_.get(payee, ()):
                by_period[index].append(result)
        return RunResult(plan, tuple(r for results in by_period for r in results), tuple(diagnostics))
    # with a hierarchy every payee runs, members first, so a manager's team aggregates read its members'
    # evaluators of the same period; a limited run (explain) reports only the payees asked for
    done: dict[str, dict[int, PayeeEvaluator]] = {}
    results: dict[str, list[tuple[int, PayeeResult]]] = {}

    def team(payee: str, index: int) -> list[PayeeEvaluator]:
        period = dataset.periods[index]
        found = []
        for member in teams.of(payee, period):
            evaluator = done.get(member, {}).get(index)
            if evaluator is None:
                raise EvalError(f"'{member}', in the team of '{payee}', has no computed values in {period} (see its error)", None)
            found.append(evaluator)
        return found

    for payee in teams.order:
        evaluators = done[payee] = {}
        for index, result, evaluator in run_payee(plan, dataset, payee, trace, diagnostics, several, prior, team):
            evaluators[index] = evaluator
            results.setdefault(payee, []).append((index, result))
        if progress is not None and (wanted is None or payee in wanted):
            progress(1)
    if plan.pools or plan.ranks:
        _team_payments(plan, dataset, teams, done, results, trace, diagnostics)
    for payee in (roster if wanted is not None else teams.order):
        for index, result in results.get(payee, ()):
            by_period[index].append(result)
    if wanted is None:  # results in roster order, as without a hierarchy
        by_period = [sorted(results_, key=lambda r, at={p: i for i, p in enumerate(roster)}: at[r.payee]) for results_ in by_period]
    return RunResult(plan, tuple(r for results_ in by_period for r in results_), tuple(diagnostics))


def _team_payments(plan: ir.Plan, dataset: Dataset, teams, done: dict, results: dict, trace: bool, diagnostics: list,
                   allocator=allocate, ranker=rank_places) -> None:
    """Each team's pools and rankings, and the rankings of every payee, once every payee is computed: shares
    and awards become lines of their payees (added to what each is paid), ranks flags, pools and funds rows of
    the manager that are not pay (run/pools.py). A team whose manager or a member could not be computed in a
    period is not split then (its R001 says why); a ranking of every payee leaves out those that failed.
    `allocator` and `ranker` compute run/pools.py's `allocate` and `rank_places` (the DuckDB engine's in SQL)."""
    several = len(dataset.periods) > 1
    team_ranks = [r for r in plan.ranks if r.group == "members"]
    everyone = [r for r in plan.ranks if r.group == "payees"]
    for index, period in enumerate(dataset.periods):
        where = f" in {period}" if several else ""
        outcomes: dict = {}
        for manager in (teams.order if teams is not None and (plan.pools or team_ranks) else ()):
            member_ids = teams.of(manager, period)
            owner = done.get(manager, {}).get(index)
            members = [done.get(m, {}).get(index) for m in member_ids]
            if not member_ids or owner is None or any(m is None for m in members):
                continue
            try:
                for pool in plan.pools:
                    split_pool(plan, pool, owner, members, trace, outcomes, allocator)
                for rank in team_ranks:
                    rank_team(plan, rank, members, trace, outcomes, ranker)
            except EvalError as exc:
                diagnostics.append(diagnostic(EVAL_ERROR, f"the team of '{manager}'{where}: {exc}; its pools and rankings are not paid", exc.span))
        present = [evaluators[index] for evaluators in done.values() if evaluators.get(index) is not None]
        for rank in everyone:
            try:
                rank_team(plan, rank, present, trace, outcomes, ranker)
            except EvalError as exc:
                diagnostics.append(diagnostic(EVAL_ERROR, f'rank "{rank.label}"{where}: {exc}; nobody is ranked', exc.span))
        for payee, outcome in outcomes.items():
            entries = results.get(payee, [])
            at = next((i for i, (j, _) in enumerate(entries) if j == index), None)
            if at is None:
                continue
            result = entries[at][1]
            paid = sum((line.value for line in outcome.lines), ZERO)
            entries[at] = (index, attrs.evolve(result, lines=result.lines + tuple(outcome.lines), flags=result.flags + tuple(outcome.flags),
                                               total=result.total + paid, accruals=result.accruals + tuple(outcome.accruals)))


def run_roster(plan: ir.Plan, dataset: Dataset, prior=None) -> list[str]:
    """The payees a run pays, in order: the data's roster, then a prior run's payees not on it, then the
    payees the plan declares (`payees "总监"`) not already there — those are paid even with no row anywhere."""
    roster = list(dataset.payees)
    on_roster = set(roster)
    extra = list(prior.payees) if prior is not None else []
    for payee in extra + list(plan.declared_payees):
        if payee not in on_roster:
            roster.append(payee)
            on_roster.add(payee)
    return roster


def _nobody_paid(plan: ir.Plan) -> str:
    first = next((schema for schema in plan.inputs if schema.kind == InputKind.RECORD), None)
    where = (f"the roster (input '{first.name}') has no rows" if first is not None
             else "no input row names a payee" if any(s.kind == InputKind.TABLE for s in plan.inputs) else "the plan has no input that names payees")
    return f"the run pays nobody: {where}, and the plan declares no payees"


def run_payee(plan: ir.Plan, dataset: Dataset, payee: str, trace: bool, diagnostics: list, several: bool = True, prior=None,
              team=None):
    """One payee through every period of the run, in order, carrying the ledger:
    (period index, result, evaluator) triples; each period's evaluator is kept for the history reads of later ones.

    An evaluation error ends the payee's run at that period (what it carries forward is unknown): it
    becomes an R001 naming the payee and the period, and later periods of the payee are not computed.

    When the roster (the plan's first record input) is placed by period, a payee with no row in it in a
    period is not on that period's roster (not yet hired, or gone): nothing is computed or paid there, its
    balances carry unchanged to its next period, and history reads see no value there (a streak ends,
    `previous` gives its default, sums and counts leave the period out, `at` is an error).

    `team(payee, index)`, given when the plan has a hierarchy, is the evaluators of the payee's members in
    the period at `index` (computed before it); a member that could not be computed makes it an R001 too."""
    timeline = Timeline(dataset.periods)
    state, before = EMPTY, 0
    if prior is not None:
        from dsl.run.prior import PriorEvaluator

        results = {r.period: r for r in prior.payees.get(payee, ())}
        timeline = Timeline(prior.periods + tuple(dataset.periods), [PriorEvaluator(p, results.get(p)) for p in prior.periods])
        state, before = prior.state(payee), len(prior.periods)
    roster = _period_roster(plan)
    for index, period in enumerate(dataset.periods):
        if roster is not None and payee not in plan.declared_payees and dataset.record_row(roster, payee, period) is None:
            timeline.done.append(None)
            continue
        try:
            members = team(payee, index) if team is not None else ()
            evaluator = PayeeEvaluator(plan, dataset, payee_context(plan.inputs, dataset, payee, period), trace, timeline, before + index, members)
            result, state = evaluator.run_period(state)
        except EvalError as exc:
            where = f" in {period}" if several else ""
            later = f"; its periods after {period} are not computed" if several and index + 1 < len(dataset.periods) else ""
            diagnostics.append(diagnostic(EVAL_ERROR, f"payee '{payee}'{where}: {exc}{later}", exc.span))
            return
        timeline.done.append(evaluator)
        yield index, result, evaluator


def _period_roster(plan: ir.Plan) -> Optional[str]:
    """The roster input when its rows are placed by period (`input staff: record by month`), else None."""
    first = next((schema for schema in plan.inputs if schema.kind == InputKind.RECORD), None)
    return first.name if first is not None and first.period_field is not None else None


def payee_evaluator(plan: ir.Plan, dataset: Dataset, payee: str, trace: bool = False, period=None) -> PayeeEvaluator:
    """An evaluator for one payee in one period (by default the dataset's first), to compute single lines or
    expressions (plan tests, lint)."""
    period = dataset.periods[0] if period is None else period
    return PayeeEvaluator(plan, dataset, payee_context(plan.inputs, dataset, payee, period), trace)
