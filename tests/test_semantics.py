"""What a line means: gates guard their line; else rows; units of bare-zero bands."""
from __future__ import annotations

from decimal import Decimal

from dsl.data.readers import Dataset
from dsl.run.interpreter import payee_evaluator
from conftest import check_text
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


def test_equal_plans_are_equal_and_hash_alike():
    from dsl import ir

    text = HEADER + ("input reps: record { rep: payee, sales: money }\n"
                     "tiers 档位 lookup { (.., 10万] -> {base: 100元, bonus: 1%}  (10万, ..) -> {base: 200元, bonus: 2%} }\n"
                     'payout "底薪" = 档位(reps.sales).base\n'
                     'test "t" { reps = {sales: 5万}  expect "底薪" = 100 }\n')
    first, _ = check_text(text, "s.plan")
    second, _ = check_text(text, "s.plan")
    assert first is not second and first == second and hash(first) == hash(second)
    assert {first: "cached"}[second] == "cached"  # usable as a cache key
    assert isinstance(first.tiers, ir.FrozenDict) and isinstance(first.tests[0].inputs["reps"], tuple)
    assert first.tiers["档位"].bands[0].value == {"base": Decimal("100"), "bonus": Decimal("0.01")}


def test_kinds_are_enums_that_still_read_as_text():
    from dsl import ir
    from dsl.core.types import InputKind

    plan, _ = check_text(HEADER + "input reps: record { rep: payee }\ntiers m marginal { [0, ..) -> 1% }\n"
                         'test "t" { expect total = 0 }\n', "s.plan")
    assert plan.inputs[0].kind is InputKind.RECORD and plan.inputs[0].kind == "record"
    assert plan.tiers["m"].mode is ir.TierMode.MARGINAL and f"{plan.tiers['m'].mode}" == "marginal"
    assert plan.tests[0].expectations[0].kind is ir.ExpectationKind.TOTAL
    assert plan.period == ir.Period(ir.PeriodUnit.MONTH) and str(plan.period) == "month"


def test_a_period_range_keeps_its_dates():
    from dsl import ir
    import datetime

    plan, _ = check_text('plan "r" { currency CNY  period 2024-06-16 .. 2024-08-01  payee rep }\n', "r.plan")
    assert plan.period == ir.Period(None, datetime.date(2024, 6, 16), datetime.date(2024, 8, 1))
    assert str(plan.period) == "2024-06-16..2024-08-01"  # as outputs have always printed it


def test_marginal_bands_are_in_order_whatever_order_the_plan_gives():
    # Bands written top first; the checked table has them ascending, and the marginal sum is
    # 10万 × 1% + (15万 − 10万) × 2% = 1000 + 1000 = 2000.
    text = ("tiers m marginal { [10万, ..) -> 2%  [0, 10万) -> 1% }\n"
            'test "t" { expect m(15万) = 2000 }\n')
    plan, diagnostics = check_text(HEADER + text, "s.plan")
    assert plan is not None, diagnostics
    assert [band.low for band in plan.tiers["m"].bands] == [Decimal(0), Decimal(100000)]
    assert outcomes(text) == [("t", True, [])]


def test_a_plan_survives_pickling_and_copying():
    import copy
    import pickle

    from dsl.core.types import MISSING

    plan, _ = check_text(HEADER + "input deals: table { rep: payee, amount: money, note: text }\n"
                         'test "t" { deals = [{amount: 1元}]  expect total = 0 }\n', "s.plan")
    assert plan.tests[0].inputs["deals"][0]["note"] is MISSING  # a field the test left out
    for clone in (pickle.loads(pickle.dumps(plan)), copy.deepcopy(plan)):
        assert clone == plan and hash(clone) == hash(plan)
        assert clone.tests[0].inputs["deals"][0]["note"] is MISSING
