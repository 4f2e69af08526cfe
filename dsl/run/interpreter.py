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

import sys
from decimal import Decimal
from typing import Optional

from dsl import ir
from dsl.core.diagnostics import EVAL_ERROR, NO_PAYEE, Diagnostic, diagnostic, did_you_mean
from dsl.core.display import show_value
from dsl.core import numeric
from dsl.core.numeric import NumericError, round_money
from dsl.core.perf import paused_gc
from dsl.core.types import MISSING, WHOLE_RUN
from dsl.data.dataset import Dataset, Table
from dsl.run.context import EvalContext, payee_context
from dsl.run.errors import EvalError
from dsl.run.lines import payee_lines, payout_lines
from dsl.run.results import FlagValue, Line, PayeeResult, RunResult
from dsl.run.trace import Trace, TraceKind as K

ZERO = Decimal(0)


def type_name(t) -> str:
    return str(t)


def show(value, t=None) -> str:
    """A value in an error message, shown as explanations show it."""
    return show_value(value, str(t) if t is not None else "")


class PayeeEvaluator:
    """Evaluates the plan in one context (a payee in a period). Caches lets and
    computed columns; builds traces, and references to data cells, only if asked."""

    def __init__(self, plan: ir.Plan, dataset: Dataset, context: EvalContext, tracing: bool):
        self.plan = plan
        self.dataset = dataset
        self.context = context
        self.payee = context.payee
        self.rows = context.rows  # table -> indices of this payee's rows in the period
        self.records = context.records  # record input -> row index or None
        self.tracing = tracing
        self.lets: dict[str, tuple] = {}
        self.let_depth = 0  # how many lets are being evaluated, one inside another (see _let_value)
        self.computed: dict[tuple, tuple] = {}
        self.let_exprs = {let.name: let.expr for let in plan.lets}
        self.column_exprs = {(c.table, c.name): c.expr for c in plan.columns}

    # ---- expression dispatch
    def eval(self, node, row: Optional[int] = None) -> tuple[object, Optional[Trace]]:
        return _DISPATCH[type(node)](self, node, row)

    def node(self, kind, node, value, children=(), **detail) -> Trace:
        """The trace of `node`; called only when tracing, so an untraced run builds
        neither the trace nor its arguments (a data cell's reference, the detail)."""
        return Trace(kind, node.text, value, type_name(node.type), node.span, tuple(c for c in children if c is not None), detail)

    def _const(self, node: ir.Const, row):
        return node.value, (self.node(K.CONST, node, node.value) if self.tracing else None)

    def _let(self, node: ir.LetRef, row):
        cached = self.lets.get(node.name)
        if cached is None:
            cached = self._let_value(node.name)
        value, inner = cached
        return value, (self.node(K.LET, node, value, (inner,), name=node.name) if self.tracing else None)

    def _let_value(self, name: str) -> tuple:
        """Evaluate a let (not yet cached), however long the chain of lets below it.

        Each let read inside another's evaluation nests Python calls, so a chain of a
        few hundred lets used to run out of stack. Once the stack is deep, a let
        still to evaluate is not entered but handed back (`_DeepLet`) to the
        outermost let being evaluated, which evaluates it from there and then
        retries. A let is still evaluated only when the path taken reads it: it is
        handed back at the moment it is read, never guessed in advance.
        """
        if self.let_depth and _stack_deeper_than(_LET_STACK):
            raise _DeepLet(name)
        pending = [name]  # outermost: the lets handed back, the latest first
        while pending:
            self.let_depth += 1
            try:
                self.lets[pending[-1]] = self.eval(self.let_exprs[pending[-1]])
                pending.pop()
            except _DeepLet as deeper:
                if self.let_depth > 1:
                    raise
                pending.append(deeper.name)
            finally:
                self.let_depth -= 1
        return self.lets[name]

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
        value = table.columns[node.field][0]
        if value is MISSING:
            raise EvalError(f"{table.file} gives no value for {node.input}.{node.field}", node.span)
        if not self.tracing:
            return value, None
        return value, self.node(K.PARAM, node, value, ref=table.cell(0, node.field))

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
            cached = self.computed[key] = self.eval(self.column_exprs[(node.table, node.name)], row)
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
        # Short-circuit, and the trace shows only what decided the result.
        if (node.op == "and" and not left) or (node.op == "or" and left):
            return left, (self.node(K.LOGIC, node, left, (lt,), op=node.op) if self.tracing else None)
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
            values, children, matched = self._aggregate_traced(node, table, indices)
        else:
            values, matched = self._aggregate_values(node, table, indices)
            children = ()
        fn = node.fn
        if fn == "count":
            value = Decimal(matched)
        elif fn == "sum":
            value = computed(node, numeric.total, values)
        elif not values:
            raise EvalError(f"{fn} over no rows: payee '{self.payee}' has no matching rows in '{node.table}'", node.span)
        elif fn == "avg":
            value = computed(node, numeric.mean, values)
        elif fn == "min":
            value = min(values)
        else:
            value = max(values)
        if not self.tracing:
            return value, None
        return value, self.node(K.AGGREGATE, node, value, children, fn=fn, table=node.table, rows=len(indices), matched=matched)

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

    def _aggregate_traced(self, node: ir.Aggregate, table: Table, indices) -> tuple[list, list, int]:
        values, children = [], []
        matched = 0
        for index in indices:
            where_trace = None
            if node.where is not None:
                keep, where_trace = self.eval(node.where, index)
                if not keep:
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
        return values, children, matched

    def _builtin(self, node: ir.Builtin, row):
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
        else:  # clamp(x, low, high)
            x, low, high = values
            if low > high:
                raise EvalError(f"clamp's lower limit {show(low)} is above its upper limit {show(high)}", node.span)
            value = min(max(x, low), high)
        return value, (self.node(K.BUILTIN, node, value, [t for _, t in results], fn=fn) if self.tracing else None)

    def _tiers(self, node: ir.TierCall, row):
        table: ir.TierTable = self.plan.tiers[node.tiers]
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

    # ---- lines (their meaning is lines.py's)
    def payout(self, payout: ir.Payout) -> list[Line]:
        """A payout line and its floor/cap adjustment lines (lines.payout_lines)."""
        return payout_lines(payout, self.eval, self.plan.currency, self.tracing)

    def run(self) -> PayeeResult:
        lines, total = payee_lines(self.plan, self.eval, self.tracing)
        flags = []
        for flag in self.plan.flags:
            value, trace = self.eval(flag.expr)
            flag_trace = Trace(K.FLAG, flag.label, value, type_name(flag.expr.type), flag.span, (trace,)) if self.tracing else None
            flags.append(FlagValue(flag.label, value, flag_trace))
        return PayeeResult(self.payee, tuple(lines), tuple(flags), total, self.context.period)


class _DeepLet(Exception):
    """A let read where the stack is already deep: the outermost let evaluates it first."""

    def __init__(self, name: str):
        super().__init__(name)
        self.name = name


# Frames in use beyond which a let is evaluated from the outermost one instead: well
# inside Python's limit (1,000 by default) even with the deepest expressions the
# parser admits (syntax.parser.MAX_NESTING levels, about two frames each) above it.
_LET_STACK = 400


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
}

_OPERATIONS = {"+": numeric.add, "-": numeric.sub, "*": numeric.mul, "/": numeric.div}


def computed(node, operation, *operands):
    """`operation(*operands)` under the numeric policy; an overflow names the expression."""
    try:
        return operation(*operands)
    except NumericError as exc:
        raise EvalError(f"cannot compute '{node.text}': {exc}", node.span) from None


def evaluate(plan: ir.Plan, dataset: Dataset, trace: bool = True, payees: Optional[list[str]] = None, progress=None) -> RunResult:
    """Compute every payee's lines. `payees` limits the run (explain); unknown names are R002.

    `progress`, if given, is called with 1 after each payee (for a progress bar).
    """
    with paused_gc():
        return _evaluate(plan, dataset, trace, payees, progress)


def _evaluate(plan: ir.Plan, dataset: Dataset, trace: bool, payees: Optional[list[str]], progress) -> RunResult:
    diagnostics: list[Diagnostic] = []
    roster = dataset.payees
    if payees is not None:
        known = set(roster)
        for name in payees:
            if name not in known:
                diagnostics.append(diagnostic(NO_PAYEE, f"payee '{name}' does not appear in the data", None, hint=did_you_mean(name, roster)))
        roster = [p for p in payees if p in known]
    results = []
    for period in dataset.periods:
        for payee in roster:
            evaluator = PayeeEvaluator(plan, dataset, payee_context(plan.inputs, dataset, payee, period), trace)
            try:
                results.append(evaluator.run())
            except EvalError as exc:
                diagnostics.append(diagnostic(EVAL_ERROR, f"payee '{payee}': {exc}", exc.span))
            if progress is not None:
                progress(1)
    return RunResult(plan, tuple(results), tuple(diagnostics))


def payee_evaluator(plan: ir.Plan, dataset: Dataset, payee: str, trace: bool = False, period=WHOLE_RUN) -> PayeeEvaluator:
    """An evaluator for one payee in one period, to compute single lines or expressions (plan tests, lint)."""
    return PayeeEvaluator(plan, dataset, payee_context(plan.inputs, dataset, payee, period), trace)
