"""Time: runs over several periods, history reads, lines reading lines, and the ledger.

Each test is a plan of its own with hand-derived expectations over several
periods; the numbers beside them are computed by hand in the comments. The
plans run through the same evaluator as `plan run` (multi-period plan tests
carry the ledger and the history from one period to the next), and a few go
through the real CLI on real CSV files.
"""
from __future__ import annotations

from decimal import Decimal

import pytest

import dsl
from conftest import run_plan_cli


def outcomes(text: str):
    compilation = dsl.load(text, "time.plan")
    assert compilation.ok, [(d.code, d.message, str(d.span)) for d in compilation.diagnostics]
    return {o.name: [f.message for f in o.failures] for o in dsl.run_tests(compilation.plan)}


def assert_passes(text: str):
    results = outcomes(text)
    assert results and all(not failures for failures in results.values()), results


CLAWBACK = '''
plan "退款追回" { currency CNY  period month  payee rep }
input sales: table by month { rep: payee, month: month, amount: money }
input refunds: table by month { rep: payee, month: month, sold_on: date, amount: money }
payout "提成" = sum(sales.amount) * 10%
clawback "退款追回" = refunds.amount * 10%
  within 6 months of refunds.sold_on
  keep at least 500元
test "a clawback recovered across two later periods" {
  payee "甲"
  period 2026-01 {
    sales = [{amount: 20000元}]
    expect total = 2000                                   # 20000 × 10%
  }
  period 2026-02 {
    sales = [{amount: 8000元}]
    refunds = [{sold_on: 2026-01-10, amount: 15000元}]    # 15000 × 10% = 1500 owed
    expect clawed_back("退款追回") = 1500
    expect recovered("退款追回") = 300                    # pay 800, keep at least 500: 800 − 500 = 300 recovered
    expect total = 500
    expect owed("退款追回") = 1200                        # 1500 − 300
  }
  period 2026-03 {
    sales = [{amount: 30000元}]
    expect recovered("退款追回") = 1200                   # pay 3000 leaves room for the whole 1200
    expect total = 1800                                   # 3000 − 1200
    expect owed("退款追回") = 0
  }
}
test "a reversal outside the window is not recovered" {
  payee "乙"
  period 2026-08 {
    sales = [{amount: 10000元}]
    refunds = [{sold_on: 2026-01-31, amount: 5000元}, {sold_on: 2026-02-01, amount: 4000元}]
    # reversal dated by its period's end, 2026-08-31: from 2026-01-31 that is 7 full months (outside),
    # from 2026-02-01 it is 6 full months (outside too: within 6 means fewer than 6)
    expect clawed_back("退款追回") = 0
    expect total = 1000
  }
}
'''


def test_a_clawback_is_recovered_across_two_later_periods():
    assert_passes(CLAWBACK)


HOLD = '''
plan "年终奖金" { currency CNY  period month  payee staff }
input work: table by month { staff: payee, month: month, revenue: money }
input staff: record by month { staff: payee, month: month, status: enum("在职", "自行离职", "过失辞退") = "在职" }
payout "提成奖金" = sum(work.revenue) * 4%
hold "年终40%" = line("提成奖金") * 40%
  forfeit when staff.status == "自行离职"
  forfeit 60% when staff.status == "过失辞退"
  release when staff.status == "过失辞退"
  release at year end
test "held every month and released at year end" {
  payee "甲"
  period 2026-10 { work = [{revenue: 100000元}]  expect held("年终40%") = 1600  expect total = 2400 }   # 4000 × 40% held, 60% paid
  period 2026-11 { work = [{revenue: 50000元}]   expect held("年终40%") = 800   expect balance("年终40%") = 2400 }  # 2000 × 40%; 1600 + 800
  period 2026-12 {
    work = [{revenue: 25000元}]
    expect held("年终40%") = 400                  # 1000 × 40%
    expect released("年终40%") = 2800             # 1600 + 800 + 400, at the year's end
    expect total = 3400                           # 1000 − 400 + 2800
    expect balance("年终40%") = 0
  }
}
test "a forfeiture on leaving" {
  payee "乙"
  period 2026-10 { work = [{revenue: 100000元}]  expect balance("年终40%") = 1600 }                   # 4000 × 40%
  period 2026-11 {
    staff = {status: "自行离职"}
    work = [{revenue: 50000元}]
    expect forfeited("年终40%") = 2400            # 1600 carried + 800 held this month, all lost
    expect total = 1200                           # 2000 × 60% paid; the held 40% is forfeited
    expect balance("年终40%") = 0
  }
}
test "dismissed for cause: 60% forfeited, the rest paid out" {
  payee "丙"
  period 2026-10 { work = [{revenue: 100000元}] }                                                   # 1600 held
  period 2026-11 {
    staff = {status: "过失辞退"}
    work = [{revenue: 50000元}]
    expect forfeited("年终40%") = 1440            # (1600 + 800) × 60%
    expect released("年终40%") = 960              # 2400 − 1440
    expect total = 2160                           # 2000 − 800 + 960
  }
}
'''


def test_a_hold_is_released_at_year_end_and_forfeited_on_leaving():
    assert_passes(HOLD)


DRAW = '''
plan "保底" { currency CNY  period month  payee rep }
input sales: table by month { rep: payee, month: month, amount: money }
payout "提成" = sum(sales.amount) * 10%
draw "保底" = 1000元 recoverable
test "the classic recoverable draw" {
  payee "甲"
  period 2026-01 { sales = [{amount: 5000元}]   expect draw_paid("保底") = 500  expect total = 1000 }  # earned 500: drawn 500
  period 2026-02 { sales = [{amount: 7000元}]   expect draw_paid("保底") = 300 }                      # earned 700: drawn 300
  period 2026-03 { sales = [{amount: 4000元}]   expect draw_paid("保底") = 600  expect owed("保底") = 1400 }  # 500 + 300 + 600
  period 2026-04 {
    sales = [{amount: 18000元}]
    expect draw_recovered("保底") = 800          # earned 1800, 800 above the 1000 guarantee
    expect total = 1000
    expect owed("保底") = 600                    # 1400 − 800
  }
  period 2026-05 {
    sales = [{amount: 25000元}]
    expect draw_recovered("保底") = 600          # earned 2500; 1500 above the guarantee, 600 still owed
    expect total = 1900                          # 2500 − 600
    expect owed("保底") = 0
  }
}
'''


def test_the_classic_draw_example_through_its_recovery():
    assert_passes(DRAW)


def test_a_nonrecoverable_draw_is_never_taken_back():
    text = DRAW[: DRAW.index("test ")].replace("recoverable", "nonrecoverable") + '''test "guaranteed" {
  payee "甲"
  period 2026-01 { sales = [{amount: 5000元}]   expect draw_paid("保底") = 500  expect owed("保底") = 0 }   # topped up, owed nothing
  period 2026-02 { sales = [{amount: 18000元}]  expect total = 1800 }                                      # nothing recovered
}
'''
    assert_passes(text)


DEFERRAL = '''
plan "年终递延" { currency CNY  period quarter  payee rep }
input sales: table by quarter { rep: payee, quarter: quarter, amount: money }
input company: params by quarter { quarter: quarter, expense_coefficient: number = 1, profit_coefficient: number = 1 }
payout "提成" = sum(sales.amount) * 5%
hold "递延20%" = line("提成") * 20%
  release at year end
  scaled by company.expense_coefficient * company.profit_coefficient
test "a deferral scaled by coefficients known only at year end" {
  payee "甲"
  period 2026-Q1 { sales = [{amount: 100000元}]  company = {}  expect held("递延20%") = 1000  expect total = 4000 }  # 5000 × 20%
  period 2026-Q2 { sales = [{amount: 200000元}]  company = {}  expect balance("递延20%") = 3000 }   # 1000 + 10000 × 20%
  period 2026-Q3 { company = {}  expect total = 0 }
  period 2026-Q4 {
    sales = [{amount: 100000元}]
    company = {expense_coefficient: 0.9, profit_coefficient: 1.1}   # known only now
    expect held("递延20%") = 1000                 # 5000 × 20%
    expect released("递延20%") = 4000             # 1000 + 2000 + 1000
    expect scaled("递延20%") = -40                # 4000 × 0.9 × 1.1 = 3960: 40 less
    expect total = 7960                           # 5000 − 1000 + 4000 − 40
  }
}
'''


def test_a_deferral_is_scaled_at_release_by_coefficients_known_then():
    assert_passes(DEFERRAL)


SEASONAL = '''
plan "季节目标" { currency CNY  period month  payee dept }
input sales: table by month { dept: payee, month: month, amount: money }
let 开业日期 = 2026-08-01
let 淡旺季目标 = if month(period.start) >= 4 and month(period.start) <= 9 then 280万 else 320万
let 部门目标 = 淡旺季目标 * (if months_between(开业日期, period.start) < 3 then 80% else 100%)
let 完成率 = sum(sales.amount) / 部门目标
payout "达标奖" = 1000元 when 完成率 >= 100%
flag "目标" = 部门目标
test "a seasonal target switching in October" {
  payee "一部"
  period 2026-09 { sales = [{amount: 230万}]  expect 部门目标 = 2240000  expect "达标奖" = 1000 }  # 280万 × 80% (1 month open); 230万 ≥ 224万
  period 2026-10 { sales = [{amount: 260万}]  expect 部门目标 = 2560000  expect "达标奖" = 1000 }  # October: 320万 × 80% (2 months open)
  period 2026-11 { sales = [{amount: 260万}]  expect 部门目标 = 3200000  expect "达标奖" = 0 }     # 3 full months open: 320万 in full
}
'''


def test_a_seasonal_target_switches_in_october_and_after_the_opening_months():
    assert_passes(SEASONAL)


STREAK = '''
plan "连续未达标" { currency CNY  period month  payee staff }
input work: table by month { staff: payee, month: month, revenue: money }
input staff: record { staff: payee, quota: money }
let 完成率 = sum(work.revenue) / staff.quota
flag "连续3月低于60%" = streak(完成率 < 60%) >= 3
flag "近3月低于60%的月数" = count_last(完成率 < 60%, 3)
flag "上月收入" = previous(sum(work.revenue), 0元)
flag "年累计" = ytd(sum(work.revenue))
test "three consecutive months under 60% fires" {
  payee "甲"
  staff = {quota: 10万}
  period 2026-01 { work = [{revenue: 7万}]      expect "连续3月低于60%" = false  expect "上月收入" = 0 }   # 70%: met
  period 2026-02 { work = [{revenue: 5万}]      expect "连续3月低于60%" = false }                          # 50%: 1 month
  period 2026-03 { work = [{revenue: 5.9万}]    expect "连续3月低于60%" = false  expect "上月收入" = 50000 }  # 59%: 2 months
  period 2026-04 { work = [{revenue: 1万}]      expect "连续3月低于60%" = true   expect "近3月低于60%的月数" = 3 }  # 10%: 3 in a row
  period 2026-05 { work = [{revenue: 6万}]      expect "连续3月低于60%" = false  expect "年累计" = 249000 }   # exactly 60% is met; 7+5+5.9+1+6 万
}
test "a month at 60% breaks the run: it does not fire" {
  payee "乙"
  staff = {quota: 10万}
  period 2026-01 { work = [{revenue: 5万}] }                                                               # 50%
  period 2026-02 { work = [{revenue: 6万}]      expect "近3月低于60%的月数" = 1 }                          # 60% is met
  period 2026-03 { work = [{revenue: 5万}]      expect "连续3月低于60%" = false  expect "近3月低于60%的月数" = 2 }  # 50%, 60%, 50%
}
'''


def test_a_history_rule_of_three_consecutive_months_fires_and_one_does_not():
    assert_passes(STREAK)


def test_a_failing_multi_period_expectation_names_its_period():
    results = outcomes(STREAK.replace('expect "连续3月低于60%" = true', 'expect "连续3月低于60%" = false'))
    assert results["three consecutive months under 60% fires"] == [
        'test "three consecutive months under 60% fires": flag "连续3月低于60%" in 2026-04 expected false, got true'
    ]


LINES = '''
plan "拆分" { currency CNY  period month  payee rep }
input sales: table { rep: payee, amount: money }
payout "奖金" = sum(sales.amount) * 3% cap at 2000元
payout "当月发放" = line("奖金") * 60%
payout "冲减" = -line("当月发放")
total cap "总额封顶" at 500元
test "a line reads another line after its cap" {
  payee "甲"
  sales = [{amount: 100000元}]
  expect "奖金" = 2000          # 3000 capped at 2000
  expect "当月发放" = 1200      # 2000 × 60%, read after the cap
  expect "冲减" = -1200
  expect "总额封顶" = -1500     # 2000 + 1200 − 1200 = 2000, capped at 500
  expect total = 500
}
'''


def test_lines_read_lines_after_their_caps_and_the_total_line_has_its_label():
    assert_passes(LINES)


# ---- through the CLI, on real files ---------------------------------------------------


def write(folder, name, text):
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def draw_plan(tmp_path):
    plan = write(tmp_path, "draw.plan", DRAW[: DRAW.index("test ")])
    data = tmp_path / "data"
    data.mkdir()
    write(data, "sales.csv", "rep,month,amount\n甲,2026-01,5000\n甲,2026-02,7000\n甲,2026-03,4000\n甲,2026-04,18000\n")
    return plan


def test_plan_run_over_periods_prints_each_periods_ledger(draw_plan):
    result = run_plan_cli("run", str(draw_plan), "--periods", "2026-01..2026-04")
    assert result.returncode == 0, result.stdout + result.stderr
    rows = result.stdout.splitlines()
    assert rows[0] == "payee,period,line,kind,value"
    assert rows[1:4] == ["甲,2026-01,提成,payout,500.00", "甲,2026-01,保底,draw_paid,500.00", "甲,2026-01,保底,balance,500.00"]
    # April: 1800 earned, 800 of the 1400 owed recovered, 600 carried
    assert rows[-3:] == ["甲,2026-04,提成,payout,1800.00", "甲,2026-04,保底,draw_recovered,-800.00", "甲,2026-04,保底,balance,600.00"]


def test_plan_run_json_carries_the_period_and_the_balances_sources(draw_plan):
    import json

    result = run_plan_cli("run", str(draw_plan), "--format", "json")
    assert result.returncode == 0, result.stdout + result.stderr
    document = json.loads(result.stdout)
    assert document["periods"] == ["2026-01", "2026-02", "2026-03", "2026-04"]
    april = document["payees"][-1]
    assert (april["period"], april["total"], april["earned"]) == ("2026-04", "1000.00", "1800.00")
    # what is still owed came from March's draw: 600 of it
    assert april["balances"] == [{"account": "保底", "kind": "draw", "opening": "1400.00", "closing": "600.00",
                                  "from": [{"period": "2026-03", "line": "保底", "amount": "600.00"}]}]


def test_plan_explain_explains_the_period_asked_for(draw_plan):
    result = run_plan_cli("explain", str(draw_plan), "--payee", "甲", "--period", "2026-02", "--lang", "en")
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.splitlines()[0] == "保底 · payee 甲 · period 2026-02"
    assert "draw paid" in result.stdout and "balances carried forward:" in result.stdout
    # 800 owed after February: 500 drawn in January and 300 in February, each named with its period
    assert '保底 (draw): opening 500.00 → closing 800.00  (from 2026-01 "保底" 500.00, 2026-02 "保底" 300.00)' in result.stdout


def test_a_row_outside_the_run_is_an_error_naming_file_row_and_column(draw_plan):
    result = run_plan_cli("run", str(draw_plan), "--period", "2026-02")
    assert result.returncode == 1
    out = result.stdout + result.stderr
    # row 2 of sales.csv is January's; the month is the file's second column
    assert "sales.csv:2:2: error:" in out and "2026-01 is not in the run's periods (2026-02) [D007 row-outside-run]" in out


def test_a_month_that_is_not_a_month_is_a_located_error(draw_plan, tmp_path):
    write(tmp_path / "data", "sales.csv", "rep,month,amount\n甲,2026-13,5000\n")
    result = run_plan_cli("run", str(draw_plan))
    assert result.returncode == 1
    assert "sales.csv:2:2: error:" in result.stdout + result.stderr
    assert "there is no month 13" in result.stdout + result.stderr


def test_periods_of_another_length_than_the_plans_are_refused(draw_plan):
    result = run_plan_cli("run", str(draw_plan), "--period", "2026-Q1")
    assert result.returncode == 1
    assert "the plan is paid by month, but 2026-Q1 is a quarter [R003 invalid-run-period]" in result.stdout + result.stderr


def test_a_run_outside_the_plans_validity_is_refused(tmp_path):
    plan = write(tmp_path, "valid.plan", 'plan "五月活动" { currency CNY  period month  payee rep  effective 2026-05-01 .. 2026-06-30 }\n'
                 'input sales: table by month { rep: payee, month: month, amount: money }\npayout "提成" = sum(sales.amount) * 1%\n')
    data = tmp_path / "data"
    data.mkdir()
    write(data, "sales.csv", "rep,month,amount\n甲,2026-07,5000\n")
    result = run_plan_cli("run", str(plan))
    assert result.returncode == 1
    assert "the plan is in force from 2026-05-01 to 2026-06-30; 2026-07 is outside it" in result.stdout + result.stderr


def test_an_error_in_one_period_stops_that_payee_and_names_the_period(tmp_path):
    plan = dsl.load('plan "r" { currency CNY  period month  payee rep }\n'
                    'input sales: table by month { rep: payee, month: month, amount: money, target: money }\n'
                    'payout "提成" = 1000元 * (sum(sales.amount) / sum(sales.target))\n', "ratio.plan").plan
    data = tmp_path / "data"
    data.mkdir()
    write(data, "sales.csv", "rep,month,amount,target\n甲,2026-01,50,100\n甲,2026-02,50,0\n甲,2026-03,50,100\n乙,2026-01,10,100\n乙,2026-02,50,100\n乙,2026-03,20,100\n")
    result = dsl.evaluate(plan, data)
    assert [d.message.split(":")[0] for d in result.diagnostics] == ["payee '甲' in 2026-02"]
    assert "its periods after 2026-02 are not computed" in result.diagnostics[0].message
    # 甲's January (1000 × 50/100) stands, its March is not computed; 乙 is computed throughout: 1000 × 10/100, × 50/100, × 20/100
    assert [(p.payee, str(p.period)) for p in result.payees] == [("甲", "2026-01"), ("乙", "2026-01"), ("乙", "2026-02"), ("乙", "2026-03")]
    assert [p.total for p in result.payees] == [Decimal("500.00"), Decimal("100.00"), Decimal("500.00"), Decimal("200.00")]


def test_history_at_reads_the_period_of_a_rows_date():
    text = '''
plan "按原费率追回" { currency CNY  period month  payee rep }
input sales: table by month { rep: payee, month: month, amount: money }
input refunds: table by month { rep: payee, month: month, sold_on: date, amount: money }
let 费率 = if sum(sales.amount) >= 10万 then 5% else 3%
payout "提成" = sum(sales.amount) * 费率
clawback "退款追回" = refunds.amount * at(费率, refunds.sold_on) within 12 months of refunds.sold_on
test "recovered at the original rate" {
  payee "甲"
  period 2026-01 { sales = [{amount: 200000元}] }            # 5% month
  period 2026-02 { sales = [{amount: 50000元}] }             # 3% month
  period 2026-03 {
    refunds = [{sold_on: 2026-01-20, amount: 10000元}, {sold_on: 2026-02-05, amount: 10000元}]
    expect clawed_back("退款追回") = 800                     # 10000 × 5% (January's rate) + 10000 × 3% (February's)
    expect owed("退款追回") = 800                            # nothing earned in March to recover from
  }
}
'''
    assert_passes(text)


def test_evaluate_returns_one_result_per_payee_and_period():
    from dsl.data.dataset import Dataset, Table

    plan = dsl.load(DRAW[: DRAW.index("test ")], "draw.plan").plan
    result = dsl.evaluate(plan, Dataset({"sales": Table.empty(plan.input("sales"), "sales")}, ["甲"]), periods="2026-01..2026-03")
    # no sales at all: the 1000 guarantee is drawn in full each month and owed: 1000, 2000, 3000
    assert [(str(p.period), p.total, p.balance("保底")) for p in result.payees] == [
        ("2026-01", Decimal("1000.00"), Decimal("1000.00")),
        ("2026-02", Decimal("1000.00"), Decimal("2000.00")),
        ("2026-03", Decimal("1000.00"), Decimal("3000.00")),
    ]


def test_a_run_continues_from_a_prior_runs_results(tmp_path):
    """Running January–February, then March–April from its JSON, pays what one January–April run pays."""
    text = DRAW[: DRAW.index("test ")] + 'payout "环比奖" = 100元 when previous(line("提成"), 0元) > 0元 and line("提成") > previous(line("提成"), 0元)\n'
    plan = write(tmp_path, "draw.plan", text)
    data = tmp_path / "data"
    data.mkdir()
    rows = {"2026-01": 5000, "2026-02": 7000, "2026-03": 4000, "2026-04": 18000}
    write(data, "sales.csv", "rep,month,amount\n" + "".join(f"甲,{m},{a}\n" for m, a in rows.items()))
    whole = run_plan_cli("run", str(plan))
    first_half = tmp_path / "first"
    first_half.mkdir()
    write(first_half, "sales.csv", "rep,month,amount\n甲,2026-01,5000\n甲,2026-02,7000\n")
    second_half = tmp_path / "second"
    second_half.mkdir()
    write(second_half, "sales.csv", "rep,month,amount\n甲,2026-03,4000\n甲,2026-04,18000\n")
    prior = tmp_path / "jan-feb.json"
    first = run_plan_cli("run", str(plan), "--data", str(first_half), "--format", "json", "--out", str(prior))
    assert first.returncode == 0, first.stdout + first.stderr
    second = run_plan_cli("run", str(plan), "--data", str(second_half), "--prior", str(prior))
    assert whole.returncode == second.returncode == 0, second.stdout + second.stderr
    later = [row for row in whole.stdout.splitlines() if ",2026-03," in row or ",2026-04," in row]
    assert second.stdout.splitlines()[1:] == later
    # April: 1800 beats March's 400, so the 100 bonus is paid; of the 1300 owed (draws of 500, 200 — February's
    # 700 + 100 bonus — and 600) 900 is recovered: 1900 earned − the 1000 guarantee
    assert "甲,2026-04,环比奖,payout,100.00" in later and "甲,2026-04,保底,draw_recovered,-900.00" in later
    # a continuation must start after the prior run
    again = run_plan_cli("run", str(plan), "--data", str(first_half), "--prior", str(prior))
    assert again.returncode == 1
    assert "the prior results end in 2026-02, so this run must start after it, not in 2026-01" in again.stdout + again.stderr


RECEIVABLES = '''
plan "应收账款" { currency CNY  period month  payee rep }
input receivables: table { rep: payee, id: text, consumed: date, amount: money, collected_on: date = 9999-12-31 }
let receivables.deadline = add_months(consumed, 6)
let receivables.collected_now = collected_on >= period.start and collected_on <= period.end
let receivables.share = if months_between(consumed, collected_on) < 3 then 100% else if months_between(consumed, collected_on) < 6 then 50% else 0%
payout "回款提成" = sum(receivables.amount * share * 2% where collected_now)
clawback "逾期应收扣款" = receivables.amount * 2% * (
    if deadline >= period.start and deadline <= period.end and collected_on > deadline then 1
    else if collected_now and collected_on > deadline then -1
    else 0)
  within 12 months of receivables.consumed
test "a receivable counted at 50%, one deducted and then returned when collected" {
  payee "甲"
  receivables = [
    {id: "A", consumed: 2026-01-10, amount: 100000元, collected_on: 2026-05-20},
    {id: "B", consumed: 2026-01-15, amount: 50000元, collected_on: 2026-09-03},
    {id: "C", consumed: 2026-06-01, amount: 200000元, collected_on: 2026-07-10}
  ]
  period 2026-05 {
    expect "回款提成" = 1000                     # A: 4 full months → 50%: 100000 × 50% × 2%
  }
  period 2026-07 {
    expect "回款提成" = 4000                     # C: 1 month → 100%: 200000 × 2%
    expect clawed_back("逾期应收扣款") = 1000     # B passes 6 months (2026-07-15) uncollected: 50000 × 2% deducted
    expect recovered("逾期应收扣款") = 1000
    expect total = 3000                          # 4000 − 1000
  }
  period 2026-09 {
    expect "回款提成" = 0                        # B: 7 full months → counts 0%
    expect returned("逾期应收扣款") = 1000        # collected: the 1000 deducted in July comes back
    expect total = 1000
  }
}
'''


def test_a_receivable_counts_at_50_percent_and_a_late_one_is_deducted_then_returned():
    assert_passes(RECEIVABLES)


def test_pay_below_zero_is_carried_and_recovered_next_period():
    text = '''
plan "冲减" { currency CNY  period month  payee rep }
input sales: table by month { rep: payee, month: month, amount: money }
payout "提成" = sum(sales.amount) * 10%
hold "质保金" = max(line("提成"), 0元) * 10% release at year end
test "a negative month" {
  payee "甲"
  period 2026-01 { sales = [{amount: -3000元}]  expect total = 0  expect carried("carried") = 300  expect owed("carried") = 300 }  # −300 earned, nothing held
  period 2026-02 { sales = [{amount: 5000元}]   expect total = 150  expect carry_recovered("carried") = 300  expect owed("carried") = 0 }  # 500 − 50 held − 300
}
'''
    assert_passes(text)
    plan = dsl.load(text, "x.plan").plan
    from dsl.run.testing import test_dataset

    january = dsl.evaluate(plan, test_dataset(plan, plan.tests[0])).payees[0]
    assert (str(january.total), january.balance("carried")) == ("0.00", Decimal("300.00"))  # paid at the cent, like every line


def test_a_whole_number_beside_a_count_is_a_count():
    # `1 - day(...)` is a count, so add_days takes it: the first day of the period's month
    text = ('plan "x" { currency CNY  period month  payee rep }\ninput s: table by d { rep: payee, d: date, amount: money }\n'
            'let first = add_days(period.end, 1 - day(period.end))\npayout "a" = 1元 when first == period.start\n')
    assert dsl.load(text, "x.plan").ok


def test_an_explanation_shows_what_was_forfeited():
    plan = dsl.load(HOLD, "hold.plan").plan
    from dsl.run.testing import test_dataset

    test = next(t for t in plan.tests if t.name == "a forfeiture on leaving")
    november = dsl.evaluate(plan, test_dataset(plan, test), trace=True).payees[-1]
    text = dsl.explain(plan, november, lang="en")
    # 1600 carried in, 800 held in November, all 2400 forfeited on leaving
    assert "年终40% (hold): opening 1,600.00 → closing 0.00; forfeited 2,400.00" in text
