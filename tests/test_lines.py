"""The one meaning of a payout line (dsl/run/lines.py): gate, value, rounding,
floor, cap and the total limits, each checked against a hand calculation.

The same function serves the interpreter, plan tests and lint's cliff probes,
so these tests call it directly and also through a checked plan and a run.
"""
from __future__ import annotations

from decimal import Decimal

from dsl import ir
from conftest import check_text
from dsl.core.types import BOOL, MoneyType
from dsl.data.dataset import Dataset
from dsl.run.interpreter import evaluate, payee_evaluator
from dsl.run.lines import limit_line, payee_lines, payout_lines, total_lines
from dsl.run.results import LineKind
from dsl.run.trace import TraceKind


CNY = MoneyType("CNY")
HALF_UP_FEN = ir.Rounding("half_up", Decimal("0.01"))


def money(text: str) -> ir.Const:
    return ir.Const(Decimal(text), CNY, text=text)


def const_value(expr):
    """Evaluate an expression made of constants: what a line needs when it reads no data."""
    return expr.value, None


def kinds_and_values(lines):
    return [(str(line.kind), line.value) for line in lines]


def test_a_closed_gate_pays_zero_and_skips_floor_and_cap():
    # Gate false: the line is 0.00 (0 rounded to the fen); the 800 floor does not lift it.
    line = ir.Payout("保底", money("100"), ir.Const(False, BOOL, text="false"), None, money("800"), HALF_UP_FEN)
    assert kinds_and_values(payout_lines(line, const_value, "CNY")) == [("payout", Decimal("0.00"))]


def test_a_closed_gate_does_not_compute_the_value():
    # The value would divide by zero; the gate is read first, so nothing fails.
    plan, diagnostics = check_text('plan "g" { currency CNY  period month  payee rep }\n'
                                   "input reps: record { rep: payee, sales: money, target: money }\n"
                                   'payout "达成" = 1000元 * (reps.sales / reps.target) when reps.target > 0\n', "g.plan")
    assert plan is not None, diagnostics
    from dsl.data.readers import dataset_from_rows

    dataset, problems = dataset_from_rows({"reps": [{"rep": "甲", "sales": Decimal("50000"), "target": Decimal("0")}]}, plan.inputs, "CNY", "rows")
    assert problems == [] and dataset is not None
    for traced in (False, True):
        result = evaluate(plan, dataset, trace=traced)
        assert result.diagnostics == ()
        assert [(l.kind, l.value) for l in result.payees[0].lines] == [("payout", Decimal("0.00"))]
    # Explained, the line shows its closed gate; what it withheld cannot be computed (5万 / 0), so it is left out.
    explained = result.payees[0].lines[0].trace.to_json()
    assert [child["kind"] for child in explained["children"]] == ["gate"]


def test_rounding_is_half_up_to_the_fen():
    # 1234.565 rounds half-up to 1234.57 (half-even would give 1234.56).
    line = ir.Payout("奖金", money("1234.565"), None, None, None, HALF_UP_FEN)
    assert kinds_and_values(payout_lines(line, const_value, "CNY")) == [("payout", Decimal("1234.57"))]


def test_floor_applies_before_cap():
    # value 100; floor 800 raises it by +700 to 800; cap 500 then lowers it by -300 to 500.
    # Lines: 100 + 700 - 300 = 500 (the cap has the last word).
    line = ir.Payout("奖金", money("100"), None, money("500"), money("800"), HALF_UP_FEN)
    lines = payout_lines(line, const_value, "CNY")
    assert kinds_and_values(lines) == [("payout", Decimal("100.00")), ("floor", Decimal("700.00")), ("cap", Decimal("-300.00"))]
    assert sum(l.value for l in lines) == Decimal("500.00")


def test_a_limit_that_does_not_bind_makes_no_line():
    # value 300 is between the floor 100 and the cap 500: one line, 300.00.
    line = ir.Payout("奖金", money("300"), None, money("500"), money("100"), HALF_UP_FEN)
    assert kinds_and_values(payout_lines(line, const_value, "CNY")) == [("payout", Decimal("300.00"))]


def test_limits_are_rounded_like_their_line():
    # cap 999.995 rounds half-up to 1000.00; value 1200.00; adjustment 1000.00 - 1200.00 = -200.00.
    line = limit_line(LineKind.CAP, money("999.995"), Decimal("1200.00"), HALF_UP_FEN, "奖金", "cap", const_value, "CNY")
    assert (str(line.kind), line.value) == ("cap", Decimal("-200.00"))


def test_unrounded_lines_keep_every_digit():
    # What lint's cliff rule compares: 49999.9995 stays as it is, and the cap 40000.004 too:
    # adjustment 40000.004 - 49999.9995 = -9999.9955.
    line = ir.Payout("提成", money("49999.9995"), None, money("40000.004"), None, HALF_UP_FEN)
    lines = payout_lines(line, const_value, "CNY", rounded=False)
    assert kinds_and_values(lines) == [("payout", Decimal("49999.9995")), ("cap", Decimal("-9999.9955"))]


TOTALS = '''plan "t" { currency CNY  period month  payee rep }
payout "a" = 6000元
payout "b" = 5000.005元
total cap at 10000元
total floor at 100元
'''


def test_total_cap_is_an_adjustment_line():
    # a = 6000.00; b = 5000.005 → 5000.01 (half-up); subtotal 11000.01.
    # Total floor 100 does not bind; total cap 10000: adjustment 10000 - 11000.01 = -1000.01.
    plan, diagnostics = check_text(TOTALS, "t.plan")
    assert plan is not None, diagnostics
    evaluator = payee_evaluator(plan, Dataset({}, ["甲"]), "甲")
    lines, total = payee_lines(plan, evaluator.eval)
    assert [(str(l.kind), l.label, l.value) for l in lines] == [
        ("payout", "a", Decimal("6000.00")), ("payout", "b", Decimal("5000.01")), ("total_cap", "total", Decimal("-1000.01"))]
    assert total == Decimal("10000.00")


def test_total_floor_applies_before_total_cap():
    # Subtotal 50; total floor 100 raises it by +50.00; total cap 80 then lowers 100 by -20.00: total 80.
    plan, diagnostics = check_text(TOTALS.replace("total cap at 10000元", "total cap at 80元"), "t.plan")
    assert plan is not None, diagnostics
    evaluator = payee_evaluator(plan, Dataset({}, ["甲"]), "甲", trace=True)
    lines = total_lines(plan, Decimal("50.00"), evaluator.eval, tracing=True)
    assert [(str(l.kind), l.value) for l in lines] == [("total_floor", Decimal("50.00")), ("total_cap", Decimal("-20.00"))]
    assert [l.trace.kind for l in lines] == [TraceKind.TOTAL_FLOOR, TraceKind.TOTAL_CAP]
    assert lines[0].trace.detail == {"before": Decimal("50.00"), "limit": Decimal("100.00"), "after": Decimal("100.00")}


def test_plan_tests_and_runs_agree_on_a_line():
    # One line, two readers: a plan test's expectation and a run's line use the same function.
    # 1234.565 → 1234.57; floor 1500 → +265.43; the line with its floor pays 1500.00.
    text = ('plan "p" { currency CNY  period month  payee rep }\n'
            'payout "奖金" = 1234.565元 floor at 1500元\n'
            'test "t" { expect "奖金" = 1500.00 }\n')
    plan, diagnostics = check_text(text, "p.plan")
    assert plan is not None, diagnostics
    from dsl.run.testing import run_tests

    assert [o.passed for o in run_tests(plan)] == [True]
    evaluator = payee_evaluator(plan, Dataset({}, ["甲"]), "甲")
    assert evaluator.run().total == Decimal("1500.00")
    assert [(str(l.kind), l.value) for l in evaluator.run().lines] == [("payout", Decimal("1234.57")), ("floor", Decimal("265.43"))]
