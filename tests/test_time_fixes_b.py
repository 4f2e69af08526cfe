"""A payee who is not on a period's roster: a per-period roster (`input staff: record by
month`) has no row for someone not yet hired or already gone, and such a month is not
part of that payee's run.

Before this, a year's run over a monthly staff record failed (R001 "has no row in
'staff'") for every leaver in the months after leaving and every new hire in the months
before joining, so S7's leavers and S5's demoted staff could not be run over a year.
Now nothing is computed or paid for the payee in that period, its ledger balances carry
unchanged to its next period, and history reads see no value there: a streak ends,
`previous` gives its default, `sum_last`/`count_last`/`ytd` leave the period out, and
`at` names the period as an error.
"""
from __future__ import annotations

from decimal import Decimal

import dsl

PLAN = """
plan "roster by month" {
  currency CNY
  period month
  payee staff
}
input staff: record by month { staff: payee, month: month }
input sales: table by month { staff: payee, month: month, amount: money }
let 销售额 = sum(sales.amount)
payout "奖金" = 销售额 * 10%
hold "年终" = line("奖金") * 40% release at year end
flag "连续未达1000" = streak(销售额 < 1000元)
flag "上月销售额" = previous(销售额, 0元)
flag "近三月销售额" = sum_last(销售额, 3)
flag "年内月数" = ytd(1)
"""


def run(tmp_path, staff: str, sales: str, periods: str, extra: str = ""):
    plan_text = PLAN + extra
    data = tmp_path / "data"
    data.mkdir()
    (data / "staff.csv").write_text("staff,month\n" + staff, encoding="utf-8")
    (data / "sales.csv").write_text("staff,month,amount\n" + sales, encoding="utf-8")
    compilation = dsl.load(plan_text, "roster.plan")
    assert compilation.plan is not None, compilation.diagnostics
    return dsl.evaluate(compilation.plan, str(data), periods=periods)


def by_period(result, payee: str) -> dict:
    return {str(r.period): r for r in result.payees if r.payee == payee}


def flag(result, name: str):
    return next(f.value for f in result.flags if f.label == name)


def test_a_leaver_is_not_computed_after_leaving(tmp_path):
    result = run(tmp_path,
                 "甲,2026-01\n甲,2026-02\n甲,2026-03\n乙,2026-01\n乙,2026-02\n",
                 "甲,2026-01,500\n甲,2026-02,500\n甲,2026-03,500\n乙,2026-01,2000\n乙,2026-02,800\n",
                 "2026-01..2026-03")
    assert result.diagnostics == ()  # before the fix: R001, payee '乙' in 2026-03 has no row in 'staff'
    assert sorted(by_period(result, "甲")) == ["2026-01", "2026-02", "2026-03"]
    assert sorted(by_period(result, "乙")) == ["2026-01", "2026-02"]  # gone after February: no March result
    assert by_period(result, "乙")["2026-02"].total == Decimal("48.00")  # 800 × 10% = 80, 40% held = 32, paid 48


def test_history_reads_skip_the_months_before_a_payee_joined(tmp_path):
    result = run(tmp_path,
                 "甲,2026-01\n甲,2026-02\n甲,2026-03\n丙,2026-02\n丙,2026-03\n",
                 "甲,2026-01,100\n甲,2026-02,100\n甲,2026-03,100\n丙,2026-02,300\n丙,2026-03,200\n",
                 "2026-01..2026-03")
    assert result.diagnostics == ()
    old, new = by_period(result, "甲")["2026-03"], by_period(result, "丙")["2026-03"]
    assert flag(old, "连续未达1000") == 3  # 100 < 1000 in January, February and March
    assert flag(new, "连续未达1000") == 2  # 200 and 300 < 1000; January is before 丙 joined, so the streak ends there
    assert flag(by_period(result, "丙")["2026-02"], "上月销售额") == 0  # no January for 丙: the default 0元
    assert flag(new, "近三月销售额") == Decimal("500")  # 300 (Feb) + 200 (Mar); January left out
    assert flag(new, "年内月数") == 2  # ytd(1) over February and March only


def test_a_balance_carries_over_a_month_off_the_roster_and_at_names_that_month(tmp_path):
    result = run(tmp_path,
                 "丁,2026-11\n丁,2027-01\n",
                 "丁,2026-11,1000\n丁,2027-01,1000\n",
                 "2026-11..2027-01")
    assert result.diagnostics == ()
    months = by_period(result, "丁")
    assert sorted(months) == ["2026-11", "2027-01"]  # December: not on the roster
    # November holds 1000 × 10% × 40% = 40; December (year end) is not computed for 丁, so nothing is
    # released; January opens with the 40 from November and holds another 40: balance 80.
    january = months["2027-01"]
    assert january.balance("年终") == Decimal("80.00")
    assert flag(january, "上月销售额") == 0  # December was off the roster: the default

    (tmp_path / "at").mkdir()
    at_plan = run(tmp_path / "at", "丁,2026-11\n丁,2027-01\n", "丁,2026-11,1000\n丁,2027-01,1000\n", "2026-11..2027-01",
                  extra='payout "读十二月" = at(销售额, 2026-12) * 1% when month(period) == 1\n')
    assert [str(r.period) for r in at_plan.payees] == ["2026-11"]  # the error stops 丁 in January
    [error] = at_plan.diagnostics
    assert error.code == "R001" and "not on the roster in 2026-12" in error.message


def test_a_release_names_the_rule_that_fired(tmp_path):
    # Two release rules; the second fires in February. The posting (and so `plan explain`)
    # named the first rule ("release at year end") whatever fired.
    text = """
plan "two releases" {
  currency CNY
  period month
  payee staff
}
input staff: record by month { staff: payee, month: month, leaving: bool = false }
payout "奖金" = 1000元
hold "年终" = line("奖金") * 40% release at year end release when staff.leaving
"""
    data = tmp_path / "data"
    data.mkdir()
    (data / "staff.csv").write_text("staff,month,leaving\n甲,2026-01,false\n甲,2026-02,true\n", encoding="utf-8")
    plan = dsl.load(text, "two.plan").plan
    result = dsl.evaluate(plan, str(data), periods="2026-01..2026-02", trace=True)
    february = by_period(result, "甲")["2026-02"]
    [released] = [p for p in february.postings if p.kind == "released"]
    assert released.amount == Decimal("800.00")  # January's 400 + February's 400 (1000 × 40% each month)
    assert released.trace.text == "release when staff.leaving"


def test_the_steps_of_period_minus_n_are_shown_as_minus_n(tmp_path):
    # `period - 2` moves back 2 periods; its explanation showed the step as "2 = -2".
    text = """
plan "shift" {
  currency CNY
  period month
  payee staff
}
input staff: record by month { staff: payee, month: month, amount: money }
payout "两月前" = at(staff.amount, period - 2) when month(period) == 3
"""
    data = tmp_path / "data"
    data.mkdir()
    (data / "staff.csv").write_text("staff,month,amount\n甲,2026-01,100\n甲,2026-02,200\n甲,2026-03,300\n", encoding="utf-8")
    plan = dsl.load(text, "shift.plan").plan
    result = dsl.evaluate(plan, str(data), trace=True)
    march = by_period(result, "甲")["2026-03"]
    assert march.total == Decimal("100.00")  # January's amount, read from March
    explanation = dsl.explain(plan, march, format="text", lang="en")
    steps = [line.split("─ ")[-1] for line in explanation.splitlines() if line.endswith("= -2")]
    assert steps == ["-2 = -2"]  # was "2 = -2"
