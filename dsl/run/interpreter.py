"""The reference interpreter: IR + data → every payee's lines, exactly.

`evaluate(plan, dataset, trace=True)` computes, for each payee on the roster,
each payout line (gate → cap/floor → rounding), the total cap/floor, and the
flags. Arithmetic follows the numeric policy (core/numeric.py: 18 places,
|x| < 10^20, a chain of products and quotients divided last); money is rounded
only where the plan says. Cap, floor and total adjustments are separate lines,
so the lines of a payee always add up to the total.

With trace=True every value comes with its derivation (trace.py); with
trace=False the same code runs and skips building the tree. Evaluation errors
(division by zero, an overflow, a value no band contains) become R001 diagnostics naming the
payee and the plan span; the other payees are still computed.
"""
from __future__ import annotations

from decimal import Decimal
from typing import Optional

import attrs

from dsl import ir
from dsl.data.readers import Dataset, Table
from dsl.core.diagnostics import EVAL_ERROR, NO_PAYEE, Diagnostic, diagnostic, did_you_mean
from dsl.core.perf import paused_gc
from dsl.core.source import Span
from dsl.run.results import FlagValue, Line, PayeeResult, RunResult
from dsl.run.trace import Trace
from dsl.core.types import MISSING, MoneyType
from dsl.core.display import format_number, show_value
from dsl.core import numeric
from dsl.core.numeric import NumericError, round_money

ZERO = Decimal(0)


class EvalError(Exception):
    def __init__(self, message: str, span: Optional[Span]):
        super().__init__(message)
        self.span = span










def type_name(t) -> str:
    return str(t)


def show(value, t=None) -> str:
    """A value in an error message, shown as explanations show it."""
    return show_value(value, str(t) if t is not None else "")


class PayeeEvaluator:
    """Evaluates one payee. Caches lets and computed columns; builds traces if asked."""

    def __init__(self, plan: ir.Plan, dataset: Dataset, payee: str, rows: dict[str, list[int]], records: dict, tracing: bool):
        self.plan = plan
        self.dataset = dataset
        self.payee = payee
        self.rows = rows  # table -> indices of this payee's rows
        self.records = records  # record input -> row index or None
        self.tracing = tracing
        self.lets: dict[str, tuple] = {}
        self.computed: dict[tuple, tuple] = {}
        self.let_exprs = {let.name: let.expr for let in plan.lets}
        self.column_exprs = {(c.table, c.name): c.expr for c in plan.columns}

    # ---- expression dispatch
    def eval(self, node, row: Optional[int] = None) -> tuple[object, Optional[Trace]]:
        return _DISPATCH[type(node)](self, node, row)

    def node(self, kind, node, value, children=(), **detail) -> Optional[Trace]:
        if not self.tracing:
            return None
        return Trace(kind, node.text, value, type_name(node.type), node.span, tuple(c for c in children if c is not None), detail)

    def cell(self, table_name: str, row: int, field: str) -> dict:
        table = self.dataset.tables[table_name]
        return {"file": table.file, "row": table.row_numbers[row], "column": field, "column_label": table.columns.get(field, "")}

    def _const(self, node: ir.Const, row):
        return node.value, self.node("const", node, node.value)

    def _let(self, node: ir.LetRef, row):
        cached = self.lets.get(node.name)
        if cached is None:
            value, trace = self.eval(self.let_exprs[node.name])
            cached = self.lets[node.name] = (value, trace)
        value, inner = cached
        return value, self.node("let", node, value, (inner,), name=node.name)

    def _record(self, node: ir.RecordRef, row):
        index = self.records.get(node.input)
        table = self.dataset.tables[node.input]
        if index is None:
            raise EvalError(f"payee '{self.payee}' has no row in '{node.input}' ({table.file})", node.span)
        value = table.rows[index][node.field]
        if value is MISSING:
            raise EvalError(f"{table.file} gives no value for {node.input}.{node.field}", node.span)
        return value, self.node("record", node, value, ref=self.cell(node.input, index, node.field))

    def _param(self, node: ir.ParamRef, row):
        table = self.dataset.tables[node.input]
        value = table.rows[0][node.field]
        if value is MISSING:
            raise EvalError(f"{table.file} gives no value for {node.input}.{node.field}", node.span)
        return value, self.node("param", node, value, ref=self.cell(node.input, 0, node.field))

    def _column(self, node: ir.ColumnRef, row):
        value = self.dataset.tables[node.table].rows[row][node.field]
        if value is MISSING:
            table = self.dataset.tables[node.table]
            raise EvalError(f"{table.file} row {table.row_numbers[row]} gives no value for {node.table}.{node.field}", node.span)
        return value, self.node("column", node, value, ref=self.cell(node.table, row, node.field))

    def _computed(self, node: ir.ComputedRef, row):
        key = (node.table, node.name, row)
        cached = self.computed.get(key)
        if cached is None:
            cached = self.computed[key] = self.eval(self.column_exprs[(node.table, node.name)], row)
        value, inner = cached
        return value, self.node("computed", node, value, (inner,), name=f"{node.table}.{node.name}", ref=self.cell(node.table, row, node.name))

    def _arith(self, node: ir.Arith, row):
        left, lt = self.eval(node.left, row)
        right, rt = self.eval(node.right, row)
        op = node.op
        if op == "/" and right == 0:
            raise EvalError(f"division by zero: '{node.right.text}' is 0", node.right.span)
        value = computed(node, _OPERATIONS[op], left, right)
        return value, self.node("arith", node, value, (lt, rt), op=op)

    def _quotient(self, node: ir.Quotient, row):
        """A chain of * and / with its one division last; traced as written."""
        numerators, denominators, traces = self._chain(node.chain, row)
        value = computed(node, numeric.quotient, numerators, denominators)
        return value, self.node("arith", node.chain, value, traces, op=node.chain.op)

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
                    trace = self.node("arith", side, shown, traces, op=side.op)
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
        return value, self.node("neg", node, value, (inner,))

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
        return value, self.node("cmp", node, value, (lt, rt), op=op)

    def _logic(self, node: ir.Logic, row):
        if node.op == "not":
            value, inner = self.eval(node.operands[0], row)
            return (not value), self.node("logic", node, not value, (inner,), op="not")
        left, lt = self.eval(node.operands[0], row)
        # Short-circuit, and the trace shows only what decided the result.
        if (node.op == "and" and not left) or (node.op == "or" and left):
            return left, self.node("logic", node, left, (lt,), op=node.op)
        right, rt = self.eval(node.operands[1], row)
        return right, self.node("logic", node, right, (lt, rt), op=node.op)

    def _cond(self, node: ir.Cond, row):
        condition, ct = self.eval(node.condition, row)
        branch = node.then if condition else node.otherwise
        value, bt = self.eval(branch, row)
        return value, self.node("cond", node, value, (ct, bt), branch="then" if condition else "else")

    def _aggregate(self, node: ir.Aggregate, row):
        table: Table = self.dataset.tables[node.table]
        indices = self.rows[node.table]
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
                if self.tracing:
                    # A counted row shows why it matched: its where-condition, cell by cell.
                    ref = {"file": table.file, "row": table.row_numbers[index]}
                    children.append(Trace("row", table.file, True, "bool", None, (where_trace,) if where_trace else (), {"ref": ref}))
                continue
            value, trace = self.eval(node.expr, index)
            values.append(value)
            if self.tracing:
                if trace.kind in ("column", "computed"):
                    children.append(trace)
                else:
                    ref = {"file": table.file, "row": table.row_numbers[index]}
                    children.append(Trace("row", table.file, value, trace.type, None, (trace,), {"ref": ref}))
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
        return value, self.node("aggregate", node, value, children, fn=fn, table=node.table, rows=len(indices), matched=matched)

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
        return value, self.node("builtin", node, value, [t for _, t in results], fn=fn)

    def _tiers(self, node: ir.TierCall, row):
        table: ir.TierTable = self.plan.tiers[node.tiers]
        x, xt = self.eval(node.arg, row)
        bands = []
        if table.mode == "marginal":
            total = ZERO
            for band in sorted(table.bands, key=lambda b: b.low):
                if x <= band.low:
                    continue
                top = x if band.high is None else min(x, band.high)
                portion = computed(node, numeric.sub, top, band.low)
                amount = computed(node, numeric.mul, portion, band.value)
                total = computed(node, numeric.add, total, amount)
                if self.tracing:
                    bands.append(Trace("band", band.text, amount, type_name(node.type), band.span, (), {"amount": portion, "rate": band.value}))
            return total, self.node("tiers", node, total, [xt, *bands], mode="marginal", table=table.name, input=x)
        if table.categories or (table.has_default and not table.bands):
            for key, value, span in table.categories:
                if key == x:
                    return value, self.node("tiers", node, value, [xt, self._band_trace(f'"{key}"', value, span, node)], mode="lookup", table=table.name, input=x)
            if table.has_default:
                return table.default, self.node("tiers", node, table.default, [xt, self._band_trace("else", table.default, table.span, node)], mode="lookup", table=table.name, input=x)
            raise EvalError(f"tier table '{table.name}' has no row for '{x}'", node.span)
        for band in table.bands:
            if band.contains(x):
                if table.mode == "whole":
                    value = computed(node, numeric.mul, x, band.value)
                    child = None
                    if self.tracing:
                        child = Trace("band", band.text, value, type_name(node.type), band.span, (), {"amount": x, "rate": band.value})
                    return value, self.node("tiers", node, value, [xt, child], mode="whole", table=table.name, input=x)
                return band.value, self.node("tiers", node, band.value, [xt, self._band_trace(band.text, band.value, band.span, node)], mode="lookup", table=table.name, input=x)
        if table.has_default:
            if table.mode == "whole":  # the else row's rate applies to the whole amount, like a band's
                value = computed(node, numeric.mul, x, table.default)
                child = Trace("band", "else", value, type_name(node.type), table.span, (), {"amount": x, "rate": table.default}) if self.tracing else None
                return value, self.node("tiers", node, value, [xt, child], mode="whole", table=table.name, input=x)
            return table.default, self.node("tiers", node, table.default, [xt, self._band_trace("else", table.default, table.span, node)], mode=table.mode, table=table.name, input=x)
        raise EvalError(f"no band of '{table.name}' contains {show(x, node.arg.type)}", node.span)

    def _band_trace(self, text, value, span, node):
        if not self.tracing:
            return None
        return Trace("band", text, value, type_name(node.type), span, (), {"value": value})

    def _field(self, node: ir.FieldOf, row):
        record, inner = self.eval(node.target, row)
        value = record[node.field]
        return value, self.node("field", node, value, (inner,), field=node.field)

    # ---- lines
    def payout(self, payout: ir.Payout) -> list[Line]:
        """A line: its gate first (a closed gate makes the line 0 and nothing else is
        computed, so `x / target when target > 0` is safe), then its value, its floor and
        cap as adjustment lines, and its rounding."""
        children = []
        gate_trace = None
        if payout.gate is not None:
            passed, gate_inner = self.eval(payout.gate)
            if self.tracing:
                gate_trace = Trace("gate", "when " + payout.gate.text, passed, "bool", payout.gate.span, (gate_inner,), {"passed": passed})
            if not passed:
                line_trace = None
                if self.tracing:
                    line_trace = Trace("payout", payout.label, ZERO, type_name(MoneyType(self.plan.currency)), payout.span, (gate_trace, self.withheld(payout)))
                return [Line(payout.label, "payout", round_money(ZERO, payout.rounding.unit, payout.rounding.mode), line_trace)]
        raw, trace = self.eval(payout.expr)
        children = [trace, gate_trace]
        rounding = payout.rounding
        value = round_money(raw, rounding.unit, rounding.mode)
        if self.tracing:
            children.append(Trace("rounding", f"round {rounding.mode} to {format_number(rounding.unit)}", value, type_name(MoneyType(self.plan.currency)), None, (), {"before": raw, "after": value, "mode": rounding.mode, "unit": rounding.unit}))
        line_trace = Trace("payout", payout.label, value, type_name(MoneyType(self.plan.currency)), payout.span, tuple(c for c in children if c is not None)) if self.tracing else None
        lines = [Line(payout.label, "payout", value, line_trace)]
        limited = value
        for kind, expr in (("floor", payout.floor), ("cap", payout.cap)):
            if expr is not None:
                adjustment = self.limit(kind, expr, limited, rounding, payout.label, kind)
                if adjustment is not None:
                    lines.append(adjustment)
                    limited += adjustment.value
        return lines

    def withheld(self, payout: ir.Payout) -> Optional[Trace]:
        """For an explanation only: what a closed gate kept the line from paying.

        A rep whose bonus is 0 sees both why (the gate) and what was at stake. If the
        value cannot be computed (the gate was guarding a division by zero), nothing
        is shown; `plan run` never computes it.
        """
        try:
            value, trace = self.eval(payout.expr)
        except EvalError:
            return None
        return Trace("withheld", payout.expr.text, value, type_name(MoneyType(self.plan.currency)), payout.expr.span, (trace,))

    def limit(self, kind: str, expr, before: Decimal, rounding: ir.Rounding, label: str, words: str) -> Optional[Line]:
        """A cap or floor on `before`: its adjustment as a line of its own, or None when it does not bind."""
        limit, limit_trace = self.eval(expr)
        limit = round_money(limit, rounding.unit, rounding.mode)
        after = max(before, limit) if kind.endswith("floor") else min(before, limit)
        if after == before:
            return None
        adjustment = after - before
        trace = None
        if self.tracing:
            detail = {"before": before, "limit": limit, "after": after}
            trace = Trace(kind, f"{words} at {expr.text}", adjustment, type_name(MoneyType(self.plan.currency)), expr.span, (limit_trace,), detail)
        return Line(label, kind, adjustment, trace)

    def run(self) -> PayeeResult:
        lines: list[Line] = []
        for payout in self.plan.payouts:
            lines.extend(self.payout(payout))
        subtotal = sum((l.value for l in lines), ZERO)
        for kind, expr, words in (("total_floor", self.plan.total_floor, "total floor"), ("total_cap", self.plan.total_cap, "total cap")):
            if expr is not None:
                adjustment = self.limit(kind, expr, subtotal, self.plan.rounding, "total", words)
                if adjustment is not None:
                    lines.append(adjustment)
                    subtotal += adjustment.value
        flags = []
        for flag in self.plan.flags:
            value, trace = self.eval(flag.expr)
            flag_trace = Trace("flag", flag.label, value, type_name(flag.expr.type), flag.span, (trace,)) if self.tracing else None
            flags.append(FlagValue(flag.label, value, flag_trace))
        return PayeeResult(self.payee, tuple(lines), tuple(flags), subtotal)


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


def index_rows(plan: ir.Plan, dataset: Dataset) -> tuple[dict, dict]:
    """Group every table's rows by payee once, so each payee reads only its own rows."""
    by_table: dict[str, dict[str, list[int]]] = {}
    all_rows: dict[str, list[int]] = {}
    records: dict[str, dict[str, int]] = {}
    for schema in plan.inputs:
        table = dataset.tables[schema.name]
        payee_field = schema.payee_field
        if schema.kind == "table":
            if payee_field is None:
                all_rows[schema.name] = list(range(len(table.rows)))
                continue
            groups: dict[str, list[int]] = {}
            for index, row in enumerate(table.rows):
                groups.setdefault(row[payee_field], []).append(index)
            by_table[schema.name] = groups
        elif schema.kind == "record":
            records[schema.name] = {row[payee_field]: index for index, row in enumerate(table.rows)}
    return (by_table, all_rows), records


def evaluate(plan: ir.Plan, dataset: Dataset, trace: bool = True, payees: Optional[list[str]] = None, progress=None) -> RunResult:
    """Compute every payee's lines. `payees` limits the run (explain); unknown names are R002.

    `progress`, if given, is called with 1 after each payee (for a progress bar).
    """
    with paused_gc():
        return _evaluate(plan, dataset, trace, payees, progress)


def _evaluate(plan: ir.Plan, dataset: Dataset, trace: bool, payees: Optional[list[str]], progress) -> RunResult:
    (by_table, all_rows), records = index_rows(plan, dataset)
    diagnostics: list[Diagnostic] = []
    roster = dataset.payees
    if payees is not None:
        known = set(roster)
        for name in payees:
            if name not in known:
                diagnostics.append(diagnostic(NO_PAYEE, f"payee '{name}' does not appear in the data", None, hint=did_you_mean(name, roster)))
        roster = [p for p in payees if p in known]
    results = []
    for payee in roster:
        rows = dict(all_rows)
        for table_name, groups in by_table.items():
            rows[table_name] = groups.get(payee, [])
        payee_records = {name: index.get(payee) for name, index in records.items()}
        evaluator = PayeeEvaluator(plan, dataset, payee, rows, payee_records, trace)
        try:
            results.append(evaluator.run())
        except EvalError as exc:
            diagnostics.append(diagnostic(EVAL_ERROR, f"payee '{payee}': {exc}", exc.span))
        if progress is not None:
            progress(1)
    return RunResult(plan, tuple(results), tuple(diagnostics))


def payee_evaluator(plan: ir.Plan, dataset: Dataset, payee: str, trace: bool = False) -> PayeeEvaluator:
    """An evaluator for one payee, to compute single lines or expressions (plan tests, lint)."""
    (by_table, all_rows), records = index_rows(plan, dataset)
    rows = dict(all_rows)
    for table_name, groups in by_table.items():
        rows[table_name] = groups.get(payee, [])
    return PayeeEvaluator(plan, dataset, payee, rows, {n: i.get(payee) for n, i in records.items()}, trace)
