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
from dsl.run.interpreter import payee_evaluator, show
from dsl.run.lines import payout_lines

ExpectationKind = ir.ExpectationKind


def test_dataset(plan: ir.Plan, test: ir.PlanTest) -> Dataset:
    """The test's inline rows as a dataset of one payee; row numbers count the test's rows from 1."""
    origin = f'{plan.file}:{test.span.line} test "{test.name}"'
    tables = {}
    for schema in plan.inputs:
        rows = test.inputs.get(schema.name, ())
        tables[schema.name] = Table.from_rows(schema, origin, rows, list(range(1, len(rows) + 1)), {f.name: f.name for f in schema.fields})
    return Dataset(tables, [test.payee])




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


def run_test(plan: ir.Plan, test: ir.PlanTest) -> TestOutcome:
    """Evaluate what each expectation names, and only that.

    A line expectation computes that line (with its own cap and floor); `total`
    computes every line. So a test need not supply inputs that only other lines read.
    """
    dataset = test_dataset(plan, test)
    evaluator = payee_evaluator(plan, dataset, test.payee)
    payouts = {p.label: p for p in plan.payouts}
    flags = {f.label: f for f in plan.flags}
    failures: list[Diagnostic] = []
    for expectation in test.expectations:
        try:
            if expectation.kind == ExpectationKind.LINE:
                lines = payout_lines(payouts[expectation.label], evaluator.eval, plan.currency)
                actual = sum((l.value for l in lines), Decimal(0))
                what = f'"{expectation.label}"'
            elif expectation.kind == ExpectationKind.TOTAL:
                actual = evaluator.run().total
                what = "total"
            elif expectation.kind == ExpectationKind.FLAG:
                actual, _ = evaluator.eval(flags[expectation.label].expr)
                what = f'flag "{expectation.label}"'
            else:
                actual, _ = evaluator.eval(expectation.expr)
                what = expectation.label
        except EvalError as exc:
            failures.append(diagnostic(TEST_FAILED, f'test "{test.name}": {exc}', exc.span or expectation.span,
                                       notes=(("while computing this expectation", expectation.span),)))
            continue
        if not _matches(actual, expectation.expected):
            failures.append(
                diagnostic(
                    TEST_FAILED,
                    f'test "{test.name}": {what} expected {expectation.expected_text}, got {_shown(actual)}',
                    expectation.span,
                )
            )
    return TestOutcome(plan.file, test.name, not failures, tuple(failures), len(test.expectations))


def run_tests(plan: ir.Plan) -> list[TestOutcome]:
    return [run_test(plan, test) for test in plan.tests]
