"""The DuckDB engine: a run's plan and data → the same `RunResult` as the interpreter.

    plan ──Lowering──> stages of bindings ──assemble──> one SQL query (sqlglot) ─┐
    dataset ──load (only the columns the query reads)──> DuckDB relations ──────┴─> one row per payee ──> RunResult

The query returns, per payee, each line's rounded value (as a multiple of its
rounding unit), its gate and its rounded floor and cap, the rounded total
limits, the flags, and the payee's error value. What is left here is what the
interpreter does with such values in dsl/run/lines.py: a limit that binds
becomes an adjustment line of its own, and the lines add up to the total —
comparisons and differences of values already exact, done with the same
Decimal expressions, so the lines, totals and their scales are the
interpreter's. A payee's error value becomes the R001 the interpreter reports
for it (`message`), with the same text and span; the other payees are
computed as usual.

The engine runs one period per run (a multi-period run is refused, as are the
constructs dsl/sql/lower.py does not lower yet) and computes no traces.
"""
from __future__ import annotations

import tempfile
from decimal import Decimal
from pathlib import Path
from typing import Callable, Optional, Sequence

from sqlglot import exp

from dsl import ir
from dsl.core import numeric
from dsl.core.diagnostics import EVAL_ERROR, NO_PAYEE, Diagnostic, diagnostic, did_you_mean
from dsl.core.display import show_value
from dsl.core.numeric import CONTEXT, NumericError, round_money
from dsl.core.types import MISSING, InputKind
from dsl.data.dataset import Dataset
from dsl.run.results import FlagValue, Line, LineKind, PayeeResult, RunResult
from dsl.sql.errors import NotLowered
from dsl.sql.numeric import to_decimal, unit_places

ZERO = Decimal(0)


class Facts:
    """What the lowering may know of the run's data: the inputs that can lack a row or a value."""

    def __init__(self, plan: ir.Plan, dataset: Dataset, period, roster: Sequence[str]):
        self.plan, self.dataset, self.period, self.roster = plan, dataset, period, roster
        self._missing: dict = {}

    def table(self, name: str):
        return self.dataset.tables[name]  # an input with no table fails as it does in the interpreter

    def payee_field(self, name: str) -> Optional[str]:
        table = self.table(name)
        return table.schema.payee_field if table.payee_rows is not None else None

    def rows(self, name: str) -> Sequence[int]:
        table = self.table(name)
        schema = table.schema
        if schema.kind == InputKind.TABLE:
            return table.period_rows.get(self.period, ())
        if schema.kind == InputKind.RECORD:
            return [r for r in (self.dataset.record_row(name, p, self.period) for p in self.roster) if r is not None]
        row = self.dataset.params_row(name, self.period)
        return [] if row is None else [row]

    def missing(self, name: str, field: str) -> bool:
        key = (name, field)
        if key not in self._missing:
            column = self.table(name).columns[field]
            self._missing[key] = any(column[i] is MISSING for i in self.rows(name))
        return self._missing[key]

    def record_complete(self, name: str) -> bool:
        return all(self.dataset.record_row(name, p, self.period) is not None for p in self.roster)

    def params(self, name: str) -> Optional[dict]:
        table = self.table(name)
        row = self.dataset.params_row(name, self.period)
        if row is None:
            return None
        return {field: column[row] for field, column in table.columns.items()}


def evaluate(plan: ir.Plan, dataset: Dataset, *, payees: Optional[Sequence[str]] = None,
             progress: Optional[Callable[[int], None]] = None, prior=None, trace: bool = False) -> RunResult:
    """Every payee's lines, computed in DuckDB: the interpreter's `RunResult`, value for value.

    Raises `NotLowered` for a plan or run this engine does not compute yet, and
    ValueError for a traced run (traces are the interpreter's).
    """
    if trace:
        raise ValueError("the duckdb engine computes no traces: explain and test run on the interpreter")
    from dsl.sql.lower import Lowering, not_lowered

    refused = not_lowered(plan)
    if refused:
        raise NotLowered("; ".join(refused))
    if prior is not None:
        raise NotLowered("continuing a prior run (its balances and history)")
    if len(dataset.periods) != 1:
        raise NotLowered(f"a run over several periods ({len(dataset.periods)})")
    import duckdb

    from dsl.sql.load import load_inputs
    from dsl.sql.query import assemble, powers_table

    period = dataset.periods[0]
    diagnostics: list[Diagnostic] = []
    roster = list(dataset.payees)
    if payees is not None:
        known = set(roster)
        for name in payees:
            if name not in known:
                diagnostics.append(diagnostic(NO_PAYEE, f"payee '{name}' does not appear in the data", None, hint=did_you_mean(name, roster)))
        roster = [p for p in payees if p in known]
    placed = _period_roster(plan)
    if placed is not None:
        roster = [p for p in roster if dataset.record_row(placed, p, period) is not None]
    unique = list(dict.fromkeys(roster))
    facts = Facts(plan, dataset, period, unique) if isinstance(dataset, Dataset) else dataset.facts(plan, period, unique)
    rows, lowering, outputs = None, None, None
    with tempfile.TemporaryDirectory(prefix="plan-duckdb-") as directory:
        for wide_digits in (False, True):
            lowering = Lowering(plan, facts, wide_digits=wide_digits)
            outputs = lowering.outputs()
            query = assemble(lowering, outputs)
            con = _connect(duckdb)
            try:
                con.execute(powers_table().sql("duckdb", copy=False))
                load_inputs(con, Path(directory), lowering, dataset, period, unique, query)
                rows = con.execute(query.select.sql("duckdb", copy=False)).fetchall()
            finally:
                con.close()
            if wide_digits or not _needs_wide(rows, outputs, lowering):
                break
    names = outputs.columns()
    index = {name: i for i, name in enumerate(names)}
    by_pid = {}
    for row in rows:
        by_pid[row[0]] = row
    ids = {payee: i for i, payee in enumerate(unique)}
    results = []
    for payee in roster:
        row = by_pid[ids[payee]]
        error = row[index[outputs.error]] if outputs.error is not None else None
        if error is not None:
            message, span = _message(lowering, dataset, period, payee, error)
            diagnostics.append(diagnostic(EVAL_ERROR, f"payee '{payee}': {message}", span))
        else:
            results.append(_payee_result(plan, lowering, outputs, index, row, payee, period))
        if progress is not None:
            progress(1)
    return RunResult(plan, tuple(results), tuple(diagnostics))


# Optimizers that take exponential time over the long chains of projections a lowered plan is
# (seen with DuckDB 2.0: pushing a partial aggregate down through some forty layers does not finish).
_DISABLED_OPTIMIZERS = ("partial_aggregate_pushdown",)


def _connect(duckdb):
    """An in-memory DuckDB with the optimizers the lowering's queries defeat turned off (those this version has)."""
    con = duckdb.connect()
    try:
        known = {row[0] for row in con.execute("SELECT name FROM duckdb_optimizers()").fetchall()}
    except duckdb.Error:
        known = set()
    disabled = [name for name in _DISABLED_OPTIMIZERS if name in known]
    if disabled:
        con.execute(exp.Set(expressions=[exp.SetItem(this=exp.EQ(this=exp.column("disabled_optimizers"),
                                                               expression=exp.Literal.string(",".join(disabled))))]).sql("duckdb", copy=False))
    return con


def _period_roster(plan: ir.Plan) -> Optional[str]:
    """The roster input when its rows are placed by period (as the interpreter's run_payee reads it)."""
    first = next((schema for schema in plan.inputs if schema.kind == InputKind.RECORD), None)
    return first.name if first is not None and first.period_field is not None else None


def _needs_wide(rows, outputs, lowering) -> bool:
    if outputs.error is None:
        return False
    position = outputs.columns().index(outputs.error)
    for row in rows:
        error = row[position]
        if error is not None and lowering.sites[int(error.split("|", 1)[0])].kind == "wide":
            return True
    return False


# ---- results


def _money(multiple: int, rounding: ir.Rounding) -> Decimal:
    """round_money's result from its multiple: multiple × unit at the unit's places (numeric.round_money)."""
    unit = rounding.unit
    exponent = unit_places(unit)
    places = Decimal(1).scaleb(exponent, CONTEXT) if exponent < 0 else Decimal(1)
    return numeric.check_range(CONTEXT.multiply(Decimal(multiple), unit).quantize(places, context=CONTEXT))


def _limited(kind: LineKind, before: Decimal, limit: Decimal) -> Decimal:
    return max(before, limit) if kind in (LineKind.FLOOR, LineKind.TOTAL_FLOOR) else min(before, limit)


def _payee_result(plan: ir.Plan, lowering, outputs, index, row, payee: str, period) -> PayeeResult:
    """A payee's lines from its row, as dsl/run/lines.py makes them from the same values."""
    lines: list[Line] = []
    for payout, line in zip(plan.payouts, outputs.lines):
        rounding = payout.rounding
        if "gate" in line and not row[index[line["gate"]]]:
            lines.append(Line(payout.label, LineKind.PAYOUT, round_money(ZERO, rounding.unit, rounding.mode)))
            continue
        value = _money(row[index[line["value"]]], rounding)
        lines.append(Line(payout.label, LineKind.PAYOUT, value))
        so_far = value
        for kind, key in ((LineKind.FLOOR, "floor"), (LineKind.CAP, "cap")):
            if key in line:
                limit = _money(row[index[line[key]]], rounding)
                after = _limited(kind, so_far, limit)
                if after != so_far:
                    adjustment = after - so_far
                    lines.append(Line(payout.label, kind, adjustment))
                    so_far += adjustment
    subtotal = sum((line.value for line in lines), ZERO)
    totals: list[Line] = []
    running = subtotal
    for kind, column in outputs.totals:
        line_kind = LineKind.TOTAL_FLOOR if kind == "total_floor" else LineKind.TOTAL_CAP
        limit = _money(row[index[column]], plan.rounding)
        after = _limited(line_kind, running, limit)
        if after != running:
            adjustment = after - running
            totals.append(Line(plan.total_label("floor" if kind == "total_floor" else "cap"), line_kind, adjustment))
            running += adjustment
    total = subtotal + sum((line.value for line in totals), ZERO)
    flags = []
    for label, kind, columns in outputs.flags:
        values = [row[index[c]] for c in columns]
        flags.append(FlagValue(label, _flag_value(kind, values, lowering)))
    return PayeeResult(payee, tuple(lines + totals), tuple(flags), total, period)


def _flag_value(kind: str, values: list, lowering):
    if kind == "num":
        return to_decimal(*values)
    if kind == "rec":
        return lowering.records[values[0]]
    return values[0]


# ---- errors


def _number(text: str) -> Decimal:
    c, e, s = text.split(":")
    return to_decimal(int(c), int(e), s == "1")


def _message(lowering, dataset: Dataset, period, payee: str, error: str) -> tuple[str, object]:
    """The interpreter's EvalError message and span for an error value."""
    head, _, payload = error.partition("|")
    site = lowering.sites[int(head)]
    node, kind, detail = site.node, site.kind, site.detail
    span = getattr(node, "span", None)
    show = show_value
    if kind == "div0":
        return f"division by zero: '{node.text}' is 0", span
    if kind == "overflow":
        return f"cannot compute '{node.text}': {_overflow(detail, payload)}", span
    if kind == "no_rows":
        fn, table = detail
        return f"{fn} over no rows: payee '{payee}' has no matching rows in '{table}'", span
    if kind == "no_record":
        (name,) = detail
        return f"payee '{payee}' has no row in '{name}' ({dataset.tables[name].file})", span
    if kind == "missing_record":
        name, field = detail
        return f"{dataset.tables[name].file} gives no value for {name}.{field}", span
    if kind == "params_no_row":
        (name,) = detail
        return f"{dataset.tables[name].file} has no row of '{name}' for {period}", span
    if kind == "missing_cell":
        name, field = detail
        table = dataset.tables[name]
        return f"{table.file} row {table.row_numbers[int(payload)]} gives no value for {name}.{field}", span
    if kind == "round_unit":
        return f"round's unit must be positive, got {show(_number(payload))}", span
    if kind == "clamp":
        low, high = (_number(p) for p in payload.split(","))
        return f"clamp's lower limit {show(low)} is above its upper limit {show(high)}", span
    if kind == "no_band":
        (name,) = detail
        return f"no band of '{name}' contains {show(_number(payload), str(node.arg.type))}", span
    if kind == "no_category":
        (name,) = detail
        return f"tier table '{name}' has no row for '{payload}'", span
    if kind == "fatal":  # the interpreter does not catch this one either: its run stops here
        mode, unit = detail
        round_money(_number(payload), Decimal(unit), mode)
        raise AssertionError(f"round_money({payload}) was expected to fail for payee '{payee}'")
    raise AssertionError(f"an error value of kind {kind} reached the results")


def _overflow(detail: tuple, payload: str) -> str:
    """The NumericError message the interpreter's operation gives for these operands."""
    op = detail[0]
    try:
        if op == "total":
            top, bottom = (int(p) for p in payload.split(":"))
            numeric.check_range(Decimal(top * 2**64 + bottom).scaleb(-numeric.SCALE, CONTEXT))
        else:
            operands = [_number(p) for p in payload.split(",")]
            if op == "quotient":
                count = detail[1]
                numeric.quotient(operands[:count], operands[count:])
            elif op == "round":
                round_money(operands[0], operands[1], "half_up")
            else:
                {"add": numeric.add, "sub": numeric.sub, "mul": numeric.mul}[op](*operands)
    except NumericError as exc:
        return str(exc)
    raise AssertionError(f"{op}({payload}) was expected to overflow")
