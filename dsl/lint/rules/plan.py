"""Rules about the plan as a whole: its header, and its own tests.

missing-rounding: without a `rounding` setting every payout line is rounded
half-up to 0.01. That is a policy decision (half-up or half-even? to the fen
or to the yuan?) that payroll and auditors ask about; the plan should state it
rather than inherit it.

plan-test-disagrees: the plan's `test` blocks, run as part of linting. Each
`expect` that disagrees with the computed value becomes a finding at the expect
line, with expected and actual values; an expectation that cannot be computed
at all (a division by zero, a value no band contains) becomes a finding where
the evaluation failed, with a note at the expectation. A CI job that only lints
still catches an edit that changes the pay the tests pinned down.
"""
from __future__ import annotations

from dsl.run.testing import run_test
from dsl.lint.registry import ERROR, WARNING, Finding, rule


@rule("L017", "missing-rounding", WARNING, "The plan header does not state how payout lines are rounded.")
def missing_rounding(ctx):
    header = ctx.file.header()
    if header is not None and header.setting("rounding") is None:
        yield Finding(
            f'plan "{header.name}" does not state its rounding; every line is rounded half-up to 0.01 by default',
            header.span,
            hint="say it in the header, e.g. rounding half_up to 0.01",
        )


@rule("L019", "plan-test-disagrees", ERROR, "A test written in the plan fails: an expectation disagrees with the computed value.", needs_plan=True)
def plan_test_disagrees(ctx):
    plan = ctx.evaluable()  # the tests run on the plan as `plan test` runs it
    for test in plan.tests:
        for failure in run_test(plan, test).failures:  # each one a T001 with its own notes
            yield Finding(failure.message, failure.span, notes=failure.notes)
