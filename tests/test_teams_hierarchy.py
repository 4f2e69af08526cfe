"""A hierarchy from the roster (`team by staff.manager`) and team aggregates over members' computed
values, over several months: real CSV files in a temporary folder and real `plan` subprocesses.
Every expected number is derived by hand beside it."""
from __future__ import annotations

import csv
import io
from decimal import Decimal

import dsl
from conftest import run_plan_cli

PLAN = """plan "团队" {
  currency CNY
  period month
  payee staff
  team by staff.manager
}
input staff: record by month { staff: payee, month: month, manager: payee = "" }
input sales: table by month { staff: payee, month: month, amount: money }
let 业绩 = sum(sales.amount)
let 团队业绩 = sum(members.业绩)
payout "提成" = 业绩 * 2%
payout "团队奖" = 团队业绩 * 1%
payout "团队提成一成" = sum(members.line("提成")) * 10%
flag "未达标人数" = count(members where 业绩 < 10万)
flag "团队人数" = count(members)
"""


def write(folder, staff: str, sales: str, plan: str = PLAN):
    (folder / "data").mkdir()
    (folder / "data" / "staff.csv").write_text(staff, encoding="utf-8")
    (folder / "data" / "sales.csv").write_text(sales, encoding="utf-8")
    path = folder / "t.plan"
    path.write_text(plan, encoding="utf-8")
    return path


def values(stdout: str) -> dict[tuple[str, str, str], str]:
    return {(row["payee"], row["period"], row["line"]): row["value"] for row in csv.DictReader(io.StringIO(stdout))}


STAFF = ("staff,month,manager\n"
         "总监,2024-01,\n甲,2024-01,总监\n乙,2024-01,总监\n"
         "总监,2024-02,\n甲,2024-02,总监\n乙,2024-02,\n")  # in February 乙 leaves the team
SALES = "staff,month,amount\n甲,2024-01,120万\n乙,2024-01,8万\n甲,2024-02,50万\n乙,2024-02,30万\n总监,2024-02,1万\n"


def test_team_aggregates_read_the_members_values_of_the_same_month(tmp_path):
    done = run_plan_cli("run", str(write(tmp_path, STAFF, SALES)))
    assert done.returncode == 0, done.stderr
    got = values(done.stdout)
    # January: 甲 120万 + 乙 8万 = 128万 team total → 1% = 12,800
    assert got[("总监", "2024-01", "团队奖")] == "12800.00"
    # members' lines: 甲 120万 × 2% = 24,000 + 乙 8万 × 2% = 1,600 → 25,600 × 10% = 2,560
    assert got[("总监", "2024-01", "团队提成一成")] == "2560.00"
    assert got[("总监", "2024-01", "未达标人数")] == "1"  # 乙 8万 < 10万; 甲 120万 is not
    assert got[("总监", "2024-01", "团队人数")] == "2"
    assert got[("总监", "2024-01", "提成")] == "0.00"  # no rows of his own in January: 0 × 2%
    # February: only 甲 is in the team: 50万 → 1% = 5,000 (乙's 30万 no longer counts)
    assert got[("总监", "2024-02", "团队奖")] == "5000.00"
    assert got[("总监", "2024-02", "团队提成一成")] == "1000.00"  # 50万 × 2% = 10,000 × 10%
    assert got[("总监", "2024-02", "团队人数")] == "1"
    assert got[("总监", "2024-02", "提成")] == "200.00"  # his own 1万 × 2%
    # a payee without members: team lines are 0
    assert got[("甲", "2024-01", "团队奖")] == "0.00" and got[("甲", "2024-01", "团队人数")] == "0"
    assert got[("乙", "2024-02", "提成")] == "6000.00"  # 30万 × 2%, paid as a payee of his own


def test_results_come_in_roster_order_though_members_are_computed_first(tmp_path):
    done = run_plan_cli("run", str(write(tmp_path, STAFF, SALES)))
    payees = list(dict.fromkeys(row["payee"] for row in csv.DictReader(io.StringIO(done.stdout))))
    assert payees == ["总监", "甲", "乙"]  # staff.csv's order, though 甲 and 乙 ran before 总监


def test_explaining_a_manager_lists_each_member(tmp_path):
    done = run_plan_cli("explain", str(write(tmp_path, STAFF, SALES)), "--payee", "总监", "--period", "2024-01", "--line", "团队奖")
    assert done.returncode == 0, done.stderr
    assert "甲: members.业绩 = 1,200,000.00" in done.stdout and "乙: members.业绩 = 80,000.00" in done.stdout  # one step per member, by id
    assert "12,800.00" in done.stdout  # 128万 × 1%


def test_a_second_level_manager_sums_only_his_direct_members(tmp_path):
    staff = "staff,month,manager\n部长,2024-01,\n总监,2024-01,部长\n甲,2024-01,总监\n"
    sales = "staff,month,amount\n甲,2024-01,100万\n总监,2024-01,20万\n"
    done = run_plan_cli("run", str(write(tmp_path, staff, sales)))
    assert done.returncode == 0, done.stderr
    got = values(done.stdout)
    assert got[("总监", "2024-01", "团队奖")] == "10000.00"  # 甲 100万 × 1%
    assert got[("部长", "2024-01", "团队奖")] == "2000.00"  # his one member 总监's own 20万 × 1% (业绩 is payee level)


def test_a_circle_in_the_hierarchy_is_a_located_data_error(tmp_path):
    staff = "staff,month,manager\n总监,2024-01,甲\n甲,2024-01,总监\n"
    done = run_plan_cli("run", str(write(tmp_path, staff, "staff,month,amount\n")))
    assert done.returncode == 1 and done.stdout == ""
    assert "staff.csv row 2, column 'manager': '总监' is in the team of '甲', who is (through the hierarchy) in the team of '总监'" in done.stderr
    assert "[D008 bad-hierarchy]" in done.stderr


def test_a_manager_who_is_not_a_payee_is_a_located_data_error(tmp_path):
    staff = "staff,month,manager\n总监,2024-01,\n甲,2024-01,老板\n"
    done = run_plan_cli("run", str(write(tmp_path, staff, "staff,month,amount\n")))
    assert done.returncode == 1
    assert "staff.csv row 3, column 'manager': '甲' is in the team of '老板', who is not a payee of the run" in done.stderr


def test_a_declared_payee_can_manage_a_team(tmp_path):
    plan = PLAN.replace("  team by staff.manager", '  team by staff.manager\n  payees "销售部"')
    staff = "staff,month,manager\n甲,2024-01,销售部\n乙,2024-01,销售部\n"
    sales = "staff,month,amount\n甲,2024-01,40万\n乙,2024-01,60万\n"
    done = run_plan_cli("run", str(write(tmp_path, staff, sales, plan)))
    assert done.returncode == 0, done.stderr
    got = values(done.stdout)
    assert got[("销售部", "2024-01", "团队奖")] == "10000.00"  # 40万 + 60万 = 100万 × 1%; no row of its own
    assert got[("销售部", "2024-01", "未达标人数")] == "0"  # neither is below 10万


ROLLUP = PLAN + """let 部门业绩 = sum(members.团队业绩)                          # a director over his managers' team totals
payout "部门奖" = 部门业绩 * 0.5%
payout "加总" = 业绩 * 1% + line("团队奖")                     # a line holding a team value ...
payout "再汇总" = sum(members.line("加总"))                    # ... read one level up
flag "下下级人数" = sum(members.团队人数)
let 团队人数 = count(members)
"""


def test_a_director_reads_his_managers_team_totals_members_of_members(tmp_path):
    staff = ("staff,month,manager\n总监,2024-01,\n经理甲,2024-01,总监\n经理乙,2024-01,总监\n"
             "甲1,2024-01,经理甲\n甲2,2024-01,经理甲\n乙1,2024-01,经理乙\n")
    sales = "staff,month,amount\n甲1,2024-01,100万\n甲2,2024-01,50万\n乙1,2024-01,30万\n经理甲,2024-01,20万\n"
    done = run_plan_cli("run", str(write(tmp_path, staff, sales, ROLLUP)))
    assert done.returncode == 0, done.stderr
    got = values(done.stdout)
    assert got[("经理甲", "2024-01", "团队奖")] == "15000.00"  # 甲1 100万 + 甲2 50万 = 150万 × 1%
    assert got[("经理乙", "2024-01", "团队奖")] == "3000.00"  # 乙1 30万 × 1%
    # the director's members are the two managers; their team totals 150万 + 30万 = 180万 × 0.5% = 9,000
    # (经理甲's own 20万 is his 业绩, not in his team's total)
    assert got[("总监", "2024-01", "部门奖")] == "9000.00"
    # 加总 of 经理甲 = 20万 × 1% + 15,000 = 17,000; of 经理乙 = 0 + 3,000 → 总监's 再汇总 = 20,000
    assert got[("总监", "2024-01", "再汇总")] == "20000.00"
    assert got[("总监", "2024-01", "下下级人数")] == "3"  # 经理甲's 2 + 经理乙's 1
    assert got[("经理甲", "2024-01", "部门奖")] == "0.00"  # his members 甲1 and 甲2 have no teams: 0 + 0


def test_the_team_setting_round_trips_through_the_formatter():
    formatted, diagnostics = dsl.format(PLAN)
    assert diagnostics == [] and "  team by staff.manager\n" in formatted
    assert dsl.format(formatted)[0] == formatted
    assert dsl.load(PLAN).plan.hierarchy == ("staff", "manager")


def test_team_values_are_exact_decimals():
    from dsl.data.readers import dataset_from_rows

    plan = dsl.load(PLAN).plan
    dataset, diags = dataset_from_rows({
        "staff": [{"staff": "总监", "month": "2024-01", "manager": ""}, {"staff": "甲", "month": "2024-01", "manager": "总监"},
                  {"staff": "乙", "month": "2024-01", "manager": "总监"}],
        "sales": [{"staff": "甲", "month": "2024-01", "amount": "0.10元"}, {"staff": "乙", "month": "2024-01", "amount": "0.20元"}],
    }, plan.inputs, "CNY", "the test")
    assert not diags
    result = dsl.evaluate(plan, dataset)
    director = next(p for p in result.payees if p.payee == "总监")
    line = next(l for l in director.lines if l.label == "团队奖")
    assert line.value == Decimal("0.00")  # (0.10 + 0.20) = 0.30 exactly × 1% = 0.003 → half-up to the cent 0.00
    assert not result.diagnostics
