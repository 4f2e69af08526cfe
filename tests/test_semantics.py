"""What a line means: gates guard their line; else rows; units of bare-zero bands."""
from __future__ import annotations

from decimal import Decimal

from dsl.data.readers import Dataset
from dsl.run.interpreter import payee_evaluator
from dsl import load
from dsl.run.testing import run_tests

HEADER = 'plan "s" { currency CNY  period month  payee rep }\n'


def outcomes(text: str):
    compilation = load(HEADER + text, "s.plan")
    plan, diagnostics = compilation.plan, compilation.diagnostics
    assert plan is not None, diagnostics
    return [(o.name, o.passed, [f.message for f in o.failures]) for o in run_tests(plan)]


def test_a_closed_gate_guards_its_line():
    # With target 0 the value would divide by zero; the gate is read first, so the line is 0.
    text = ("input reps: record { rep: payee, sales: money, target: money }\n"
            'payout "达成奖" = 1000元 * (reps.sales / reps.target) when reps.target > 0\n'
            'test "无任务" { reps = {sales: 5万, target: 0元}  expect "达成奖" = 0 }\n'
            'test "有任务" { reps = {sales: 5万, target: 4万}  expect "达成奖" = 1250 }\n')  # 1000 × 5/4
    assert outcomes(text) == [("无任务", True, []), ("有任务", True, [])]


def test_a_closed_gate_skips_floor_and_cap():
    text = ("input reps: record { rep: payee, eligible: bool }\n"
            'payout "保底" = 0元 floor at 800元 when reps.eligible\n'
            'test "不符合" { reps = {eligible: false}  expect "保底" = 0 }\n'      # line off: no floor
            'test "符合" { reps = {eligible: true}  expect "保底" = 800 }\n')      # 0 raised to the 800 floor
    assert outcomes(text) == [("不符合", True, []), ("符合", True, [])]


def test_else_row_of_a_whole_table_multiplies():
    text = ("tiers 比例 whole { [0, 100万) -> 1%  else -> 2% }\n"
            'test "t" {\n'
            "  expect 比例(99万) = 9900      # 99万 × 1%\n"
            "  expect 比例(200万) = 40000    # 200万 × 2%, from the else row\n"
            "}\n")
    assert outcomes(text) == [("t", True, [])]


def test_else_row_in_a_marginal_table_is_an_error():
    compilation = load(HEADER + "tiers m marginal { [0, 100万) -> 1%  else -> 2% }\n", "s.plan")
    plan, diagnostics = compilation.plan, compilation.diagnostics
    assert plan is None
    assert [(d.code, d.span.line, d.span.column) for d in diagnostics] == [("E108", 2, 1)]


def test_bands_bounded_only_by_zero_fit_money():
    text = ("input deals: table { rep: payee, amount: money }\n"
            "tiers 固定比例 whole { [0, ..) -> 2% }\n"
            'payout "提成" = 固定比例(sum(deals.amount))\n'
            'test "t" { deals = [{amount: 12345.67}]  expect "提成" = 246.91 }\n')   # 12,345.67 × 2% = 246.9134
    assert outcomes(text) == [("t", True, [])]
