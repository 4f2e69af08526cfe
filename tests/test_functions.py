"""Functions of the plan language: hand-computed values on both engines, the errors
with file:line:col through the real `plan check`, and the golden explanation of a call.

Regenerate the golden after an intended change with:
PLAN_UPDATE_GOLDEN=1 python -m pytest tests/test_functions.py
"""
from __future__ import annotations

import os
from decimal import Decimal
from pathlib import Path

import pytest

import dsl
from dsl import ir
from dsl.ir.walk import walk
from conftest import ROOT, run_plan_cli

GOLDEN = ROOT / "tests" / "golden" / "functions"

PLAN = '''plan "函数" { currency CNY  payee rep  rounding half_up to 0.01 }
input reps: record { rep: payee, sales: money, quota: money }
input deals: table { rep: payee, amount: money, grade: text }
fn 封顶达成(实际: money, 目标: money) -> percent = if 目标 > 0 then clamp(实际 / 目标, 0%, 150%) else 0%
fn 达成奖金(实际: money, 目标: money) -> money = 实际 * 封顶达成(实际, 目标) * 1%
fn 单笔(金额: money, 等级: text) -> money = 金额 * (if 等级 == "A" then 3% else 1%)
let 达成 = 封顶达成(reps.sales, reps.quota)
payout "达成奖金" = 达成奖金(reps.sales, reps.quota)
payout "单笔提成" = sum(单笔(deals.amount, deals.grade))
payout "超额" = 达成奖金(reps.sales, reps.quota) / 2
'''

REPS = "rep,sales,quota\n甲,1200000,1000000\n乙,3000000,1000000\n丙,500000,0\n"
DEALS = "rep,amount,grade\n甲,100000,A\n甲,50000,B\n乙,20000,A\n"

# by hand, per payee: 达成奖金, 单笔提成, 超额
EXPECTED = {
    "甲": {"达成奖金": Decimal("14400.00"),   # 120万 × (120万 ÷ 100万 = 120%) × 1%
           "单笔提成": Decimal("3500.00"),    # 10万 × 3% (A) + 5万 × 1% (B) = 3,000 + 500
           "超额": Decimal("7200.00")},       # 14,400 ÷ 2
    "乙": {"达成奖金": Decimal("45000.00"),   # 300万 × (300% capped at 150%) × 1%
           "单笔提成": Decimal("600.00"),     # 2万 × 3%
           "超额": Decimal("22500.00")},      # 45,000 ÷ 2
    "丙": {"达成奖金": Decimal("0.00"),       # no quota: 0%, so 50万 × 0% × 1%
           "单笔提成": Decimal("0.00"),       # no deals
           "超额": Decimal("0.00")},
}


@pytest.fixture
def plan_dir(tmp_path: Path) -> Path:
    (tmp_path / "plan.plan").write_text(PLAN, encoding="utf-8")
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "reps.csv").write_text(REPS, encoding="utf-8")
    (tmp_path / "data" / "deals.csv").write_text(DEALS, encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize("engine", ["interpreter", "duckdb"])
def test_calls_compute_the_hand_values_on_both_engines(plan_dir, engine):
    compilation = dsl.load(plan_dir / "plan.plan")
    assert compilation.ok, compilation.diagnostics
    result = dsl.evaluate(compilation.plan, plan_dir / "data", engine=engine)
    got = {p.payee: {l.label: l.value for l in p.lines} for p in result.payees}
    assert got == EXPECTED


def test_the_ir_has_no_call_only_the_inlined_body_with_its_call_noted(plan_dir):
    plan = dsl.load(plan_dir / "plan.plan").plan
    payout = next(p for p in plan.payouts if p.label == "达成奖金")
    # 实际 * 封顶达成(…) * 1%: a chain of products, the argument reps.sales in place of 实际
    assert isinstance(payout.expr, ir.Arith) and payout.expr.via[0].function == "达成奖金"
    assert payout.expr.via[0].params == ("实际", "目标")
    reads = {(n.input, n.field) for n in walk(payout.expr) if isinstance(n, ir.RecordRef)}
    assert reads == {("reps", "sales"), ("reps", "quota")}
    # the note takes no part in the plan's meaning: the body written out is the same plan
    written_out = PLAN.replace('payout "达成奖金" = 达成奖金(reps.sales, reps.quota)',
                               'payout "达成奖金" = reps.sales * (if reps.quota > 0 then clamp(reps.sales / reps.quota, 0%, 150%) else 0%) * 1%')
    other = dsl.load(written_out, "same.plan").plan
    assert next(p for p in other.payouts if p.label == "达成奖金").expr == payout.expr


def test_a_plan_test_can_expect_a_call():
    text = PLAN + 'test "t" { payee "甲"  reps = {sales: 80万, quota: 100万}  expect 封顶达成(80万, 100万) = 80%  expect "达成奖金" = 6400 }\n'
    compilation = dsl.load(text, "t.plan")  # 80万 × 80% × 1% = 6,400
    assert compilation.ok, compilation.diagnostics
    outcomes = dsl.run_tests(compilation.plan)
    assert [o.passed for o in outcomes] == [True]


ERRORS = '''plan "错误" { currency CNY  payee rep  rounding half_up to 0.01 }
input reps: record { rep: payee, sales: money, quota: money }
fn 封顶达成(实际: money, 目标: money) -> percent = clamp(实际 / 目标, 0%, 150%)
fn 甲(x: money) -> money = 乙(x)
fn 乙(x: money) -> money = 甲(x) * 2
fn 封顶达成(a: money) -> money = a
fn 坏(x: money) -> percent = x * 2
let a = 封顶达成(reps.sales, 5%)
let b = 封顶达成(reps.sales)
let c = 封顶达成1(reps.sales, reps.quota)
payout "p" = reps.sales * 1%
'''


def test_function_errors_through_plan_check(tmp_path):
    (tmp_path / "errors.plan").write_text(ERRORS, encoding="utf-8")
    result = run_plan_cli("check", "errors.plan", cwd=tmp_path)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    err = result.stderr
    # a second definition of a name names the first (line 6, column 4: the name after "fn ")
    assert "errors.plan:6:4: error: '封顶达成' is defined twice [E106 duplicate-definition]" in err
    assert "= note: first defined here (errors.plan:3:4)" in err
    # 甲 calls 乙 calls 甲: reported at the call of 甲 inside 乙 (line 5, column 27)
    assert "errors.plan:5:27: error: function '甲' calls itself: 甲 → 乙 → 甲 [E107 cyclic-definition]" in err
    # a body that is money where a percent is declared (column 29: the body after "= ")
    assert "errors.plan:7:29: error: function '坏' is declared to return a percent, but its body is money (CNY) [E103 type-mismatch]" in err
    # an argument of the wrong type names its parameter (5% at column 26)
    assert "errors.plan:8:26: error: argument '目标' of '封顶达成' must be money (CNY), got a percent [E103 type-mismatch]" in err
    # one argument for two parameters (the call starts at column 9)
    assert "errors.plan:9:9: error: function '封顶达成' takes 2 argument(s) (实际: money (CNY), 目标: money (CNY)), got 1 [E105 wrong-argument-count]" in err
    # an unknown function gets a did-you-mean over the functions
    assert "errors.plan:10:9: error: unknown function or tier table '封顶达成1' [E102 unknown-name]" in err
    assert "did you mean '封顶达成'?" in err


def test_a_parameter_may_share_a_definitions_name():
    text = '''plan "p" { currency CNY  payee rep  rounding half_up to 0.01 }
input reps: record { rep: payee, sales: money }
let sales = reps.sales
fn 提成(sales: money) -> money = sales * 2%
payout "x" = 提成(100元)
test "t" { payee "甲"  reps = {sales: 5000元}  expect "x" = 2 }
'''
    compilation = dsl.load(text, "p.plan")  # inside the body sales is the parameter: 100 × 2% = 2, not 5,000 × 2%
    assert compilation.ok, compilation.diagnostics
    assert [o.passed for o in dsl.run_tests(compilation.plan)] == [True]
    assert [f.code for f in dsl.lint(compilation)] == []  # L016 is about columns hiding lets, not parameters


def test_fmt_keeps_functions_and_is_idempotent():
    formatted, diagnostics = dsl.format(PLAN, "f.plan")
    assert diagnostics == [] and "fn 封顶达成(实际: money, 目标: money) -> percent = " in formatted
    assert dsl.format(formatted, "f.plan")[0] == formatted
    assert dsl.parse(formatted, "f.plan")[0] == dsl.parse(PLAN, "f.plan")[0]


@pytest.mark.parametrize("lang", ["en"])
def test_golden_explanation_shows_the_call_and_the_body_steps(lang):
    result = run_plan_cli("explain", "tests/golden/functions/plan.plan", "--payee", "甲", "--lang", lang)
    assert result.returncode == 0, result.stderr
    golden = GOLDEN / f"explain_甲_{lang}.txt"
    if os.environ.get("PLAN_UPDATE_GOLDEN"):
        golden.write_text(result.stdout, encoding="utf-8")
    assert result.stdout == golden.read_text(encoding="utf-8")
    lines = result.stdout.splitlines()
    # the call with its arguments' values, then the body's steps under it; figures by hand
    call = next(i for i, l in enumerate(lines) if "达成奖金(实际 = 1,200,000.00, 目标 = 1,000,000.00) = 14,400.00" in l)
    assert "实际 * 封顶达成(实际, 目标) * 1% = 14,400.00" in lines[call + 1]        # 120万 × 120% × 1%
    assert any("封顶达成(实际 = 1,200,000.00, 目标 = 1,000,000.00) = 120%" in l for l in lines[call:])  # 120万 ÷ 100万
    assert any("实际 / 目标 = 120%" in l for l in lines[call:])


def test_the_json_explanation_has_a_call_node_with_its_arguments():
    import json

    result = run_plan_cli("explain", "tests/golden/functions/plan.plan", "--payee", "甲", "--format", "json")
    data = json.loads(result.stdout)
    line = next(l for l in data["lines"] if l["label"] == "达成奖金")
    call = line["trace"]["children"][0]
    assert call["kind"] == "call" and call["detail"]["function"] == "达成奖金"
    assert [(a["name"], Decimal(a["value"])) for a in call["detail"]["args"]] == [("实际", Decimal("1200000")), ("目标", Decimal("1000000"))]
    assert Decimal(call["value"]) == Decimal("14400")  # 120万 × 120% × 1%


def test_a_long_chain_of_calls_is_an_error_not_a_crash(tmp_path):
    # f0 calls f1 … calls f400: each is inlined inside the one before, so the chain is bounded
    lines = ['plan "d" { currency CNY  rounding half_up to 0.01 }']
    lines += [f"fn f{i}(x: money) -> money = f{i + 1}(x) + 1元" for i in range(400)]
    lines += ["fn f400(x: money) -> money = x", 'payout "p" = f0(1元)']
    (tmp_path / "deep.plan").write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = run_plan_cli("check", "deep.plan", cwd=tmp_path)
    assert result.returncode == 1 and "Traceback" not in result.stderr and "internal error" not in result.stderr
    # line 26 is f24's definition (line 2 is f0's): with f0 … f24 being inlined (25), its call
    # of f25, at column 29 (after "fn f24(x: money) -> money = "), would be the 26th level
    assert "deep.plan:26:29: error: calls nest more than 25 functions deep here [E001 syntax-error]" in result.stderr


def test_a_short_chain_computes(tmp_path):
    lines = ['plan "d" { currency CNY  rounding half_up to 0.01 }']
    lines += [f"fn f{i}(x: money) -> money = f{i + 1}(x) + 1元" for i in range(20)]
    lines += ["fn f20(x: money) -> money = x", 'payout "p" = f0(1元)', 'test "t" { expect "p" = 21 }']  # 1元 + 20 × 1元
    compilation = dsl.load("\n".join(lines) + "\n", "short.plan")
    assert compilation.ok, compilation.diagnostics
    assert [o.passed for o in dsl.run_tests(compilation.plan)] == [True]
