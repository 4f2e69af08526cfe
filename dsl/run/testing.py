"""Plan tests: `test "..." { inputs…  expect … }` blocks inside a plan.

A test gives a payee's inputs inline and states expected values:
    expect "销售额提成" = 65000.00     # a payout line, after its own cap/floor
    expect total = 65000.00            # the payee's total
    expect "降级预警" = true            # a flag
    expect 提成比例(200万) = 65000       # any payee-level expression

The checker types each test (`dsl.check.tests`); here `run_tests` evaluates each
test on its own small dataset, with the one line semantics of `lines.py`, and
reports every failing expectation with expected vs actual and the plan line.
"""
from __future__ import annotations

from decimal import Decimal
from typing import Optional

import attrs

from dsl import ir
from dsl.core.diagnostics import TEST_FAILED, Diagnostic, diagnostic
from dsl.data.dataset import Dataset, Table
from dsl.run.errors import EvalError
from dsl.run.interpreter import payee_evaluator, run_payee, show

ExpectationKind = ir.ExpectationKind


def test_dataset(plan: ir.Plan, test: ir.PlanTest) -> Dataset:
    """The test's inline rows as a dataset of one payee; row numbers count the test's rows from 1.

    A multi-period test's dataset has the test's periods, and each period the rows its block gives."""
    origin = f'{plan.file}:{test.span.line} test "{test.name}"'
    tables = {}
    if not test.periods:
        for schema in plan.inputs:
            rows = test.inputs.get(schema.name, ())
            tables[schema.name] = Table.from_rows(schema, origin, rows, list(range(1, len(rows) + 1)), {f.name: f.name for f in schema.fields})
        return Dataset(tables, [test.payee])
    for schema in plan.inputs:
        rows, placed = [], {}
        for period, inputs in zip(test.periods, test.period_inputs):
            mine = inputs.get(schema.name, ())
            placed[period] = tuple(range(len(rows), len(rows) + len(mine)))
            rows.extend(mine)
        table = Table.from_rows(schema, origin, rows, list(range(1, len(rows) + 1)), {f.name: f.name for f in schema.fields})
        table.period_rows = placed
        tables[schema.name] = table
    return Dataset(tables, [test.payee], tuple(test.periods))


@attrs.frozen
class TestOutcome:
    plan_file: str
    name: str
    passed: bool
    failures: tuple[Diagnostic, ...]
    checked: int


def _matches(actual, expected) -> bool:
    if isinstance(actual, Decimal) and isinstance(expected, Decimal):
        return actual == expected
    return actual == expected


def _shown(value) -> str:
    """The actual value exactly as computed: 2.00 stays 2.00, 1/3 shows all its digits."""
    if isinstance(value, Decimal):
        return f"{value:f}"
    return show(value)


def _actual(plan: ir.Plan, expectation: ir.Expectation, evaluator, result) -> tuple[object, str]:
    """The value an expectation names, and how a failure names it. `result()` gives the payee's whole period."""
    kind, label = expectation.kind, expectation.label
    if kind == ExpectationKind.LINE:
        payout = next((p for p in plan.payouts if p.label == label), None)
        lines = evaluator.payout(payout) if payout is not None else [l for l in result().lines if l.label == label]
        return sum((l.value for l in lines), Decimal(0)), f'"{label}"'
    if kind == ExpectationKind.TOTAL:
        return result().total, "total"
    if kind == ExpectationKind.EARNED:
        return result().earned, "earned"
    if kind == ExpectationKind.POSTING:
        what = f'{expectation.posting}("{label}")'
        if expectation.posting in ("balance", "owed"):
            return result().balance(label), what
        return result().posted(label, expectation.posting), what
    if kind == ExpectationKind.FLAG:
        flag = next(f for f in plan.flags if f.label == label)
        return evaluator.eval(flag.expr)[0], f'flag "{label}"'
    return evaluator.eval(expectation.expr)[0], expectation.label


def _check(test: ir.PlanTest, expectation: ir.Expectation, actual, what: str, failures: list) -> None:
    if not _matches(actual, expectation.expected):
        where = f" in {expectation.period}" if expectation.period is not None else ""
        failures.append(diagnostic(TEST_FAILED, f'test "{test.name}": {what}{where} expected {expectation.expected_text}, got {_shown(actual)}',
                                   expectation.span))


def _failed(test: ir.PlanTest, exc: EvalError, expectation: ir.Expectation) -> Diagnostic:
    return diagnostic(TEST_FAILED, f'test "{test.name}": {exc}', exc.span or expectation.span,
                      notes=(("while computing this expectation", expectation.span),))


def run_test(plan: ir.Plan, test: ir.PlanTest) -> TestOutcome:
    """Evaluate what each expectation names, and only that.

    In a one-period test a line expectation computes that line (with its own cap and
    floor); `total`, postings and balances compute the whole period. So a test need not
    supply inputs that only other lines read. A multi-period test runs its periods in
    order, carrying the ledger and the history, and checks each period's expectations.
    """
    if test.periods:
        return _run_periods(plan, test)
    dataset = test_dataset(plan, test)
    evaluator = payee_evaluator(plan, dataset, test.payee)
    whole: list = []

    def result():
        if not whole:
            whole.append(evaluator.run())
        return whole[0]

    failures: list[Diagnostic] = []
    for expectation in test.expectations:
        try:
            actual, what = _actual(plan, expectation, evaluator, result)
        except EvalError as exc:
            failures.append(_failed(test, exc, expectation))
            continue
        _check(test, expectation, actual, what, failures)
    return TestOutcome(plan.file, test.name, not failures, tuple(failures), len(test.expectations))


def _run_periods(plan: ir.Plan, test: ir.PlanTest) -> TestOutcome:
    dataset = test_dataset(plan, test)
    errors: list[Diagnostic] = []
    done = {index: (result, evaluator) for index, result, evaluator in run_payee(plan, dataset, test.payee, False, errors)}
    failures: list[Diagnostic] = []
    for expectation in test.expectations:
        index = test.periods.index(expectation.period)
        if index not in done:
            failures.append(diagnostic(TEST_FAILED, f'test "{test.name}": {expectation.period} was not computed: '
                                       + "; ".join(e.message for e in errors), errors[0].span if errors else expectation.span,
                                       notes=(("while computing this expectation", expectation.span),)))
            continue
        result, evaluator = done[index]
        try:
            actual, what = _actual(plan, expectation, evaluator, lambda: result)
        except EvalError as exc:
            failures.append(_failed(test, exc, expectation))
            continue
        _check(test, expectation, actual, what, failures)
    return TestOutcome(plan.file, test.name, not failures, tuple(failures), len(test.expectations))


def run_tests(plan: ir.Plan) -> list[TestOutcome]:
    return [run_test(plan, test) for test in plan.tests]
