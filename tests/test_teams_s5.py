"""S5 in one run: the director's team total and demotion come from the staff's own computed results
(the members' 月业绩 and 考核达标), not from a hand-made team table. The bundled plan, real CSV files
in a temporary folder, real `plan run` subprocesses; every number is derived by hand beside it."""
from __future__ import annotations

import csv
import io

from conftest import ROOT, run_plan_cli

PLAN = ROOT / "plans" / "s5_key_account_dept" / "plan.plan"


def run(tmp_path, staff: list[tuple], sales: list[tuple], periods: str = "2024-01..2024-03") -> dict:
    data = tmp_path / "data"
    data.mkdir()
    lines = ["staff,month,tasks,role,director"] + [",".join(row) for row in staff]
    (data / "staff.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    lines = ["staff,month,customer,amount"] + [",".join(row) for row in sales]
    (data / "company_sales.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (data / "self_deals.csv").write_text("staff,sold_on,customer,product\n", encoding="utf-8")
    done = run_plan_cli("run", str(PLAN), "--data", str(data), "--periods", periods)
    assert done.returncode == 0, done.stderr
    return {(r["payee"], r["period"], r["line"]): r["value"] for r in csv.DictReader(io.StringIO(done.stdout))}


def director(month: str) -> tuple:
    return ("总", month, "0", "大客户总监", "")


def member(name: str, month: str, tasks: int) -> tuple:
    return (name, month, str(tasks), "大客户人员", "总")


def test_a_quarter_with_every_month_above_half_failing_demotes_the_director(tmp_path):
    staff = [director("2024-01"), member("a", "2024-01", 3), member("b", "2024-01", 4),
             director("2024-02"), member("a", "2024-02", 3), member("b", "2024-02", 6), member("c", "2024-02", 2),
             director("2024-03"), member("a", "2024-03", 1), member("b", "2024-03", 2), member("c", "2024-03", 9), member("d", "2024-03", 4)]
    sales = [("a", "2024-01", "X", "300万"), ("b", "2024-01", "Y", "300万"),
             ("a", "2024-03", "X", "1000万"), ("b", "2024-03", "Y", "800万"), ("c", "2024-03", "Z", "500万"), ("d", "2024-03", "W", "0.01元")]
    got = run(tmp_path, staff, sales)
    assert got[("总", "2024-01", "本月团队不达标比率")] == "1"  # a (3) and b (4) both < 5 tasks: 2 ÷ 2
    assert got[("总", "2024-01", "公司客户提成")] == "15000.00"  # a 300万 + b 300万 = 600万 × 0.25%
    assert got[("总", "2024-01", "连续一季度不达标超50%_总监降级")] == "false"  # January is not a quarter's end
    assert got[("总", "2024-02", "本月团队不达标比率")] == "0.666666666666666667"  # a and c fail: 2 ÷ 3 to 18 places
    assert got[("总", "2024-02", "公司客户提成")] == "0.00"  # nobody sold in February: 0 × 0.25%
    # March: a 1000万 + b 800万 + c 500万 + d 0.01 = 23,000,000.01 > 2300万 → the last bracket
    assert got[("总", "2024-03", "底薪")] == "13000.00"
    assert got[("总", "2024-03", "绩效")] == "3000.00"
    assert got[("总", "2024-03", "公司客户提成")] == "57500.00"  # 23,000,000.01 × 0.25% = 57,500.000025 → 57,500.00
    assert got[("总", "2024-03", "本月团队不达标比率")] == "0.75"  # a (1), b (2), d (4) fail: 3 ÷ 4
    assert got[("总", "2024-03", "近三月不达标超50%月数")] == "3"  # 100%, 66.7%, 75%
    assert got[("总", "2024-03", "连续一季度不达标超50%_总监降级")] == "true"  # March closes Q1
    # the members are paid by their own bracket in the same run: a 1000万 > 260万 → 3.5%, 4500 base
    assert got[("a", "2024-03", "公司客户提成")] == "350000.00"  # 1000万 × 3.5%
    assert got[("a", "2024-03", "绩效")] == "0.00"  # 1 task < 5: withheld


def test_exactly_half_failing_in_the_quarters_last_month_does_not_demote(tmp_path):
    staff = [director("2024-01"), member("a", "2024-01", 2), member("b", "2024-01", 4),
             director("2024-02"), member("a", "2024-02", 2), member("b", "2024-02", 4), member("c", "2024-02", 6),
             director("2024-03"), member("a", "2024-03", 5), member("b", "2024-03", 4)]
    sales = [("a", "2024-03", "X", "900万"), ("b", "2024-03", "Y", "700万")]
    got = run(tmp_path, staff, sales)
    assert got[("总", "2024-03", "本月团队不达标比率")] == "0.5"  # only b (4) fails: 1 ÷ 2
    assert got[("总", "2024-03", "近三月不达标超50%月数")] == "2"  # 100% and 66.7% count; 50% is not above
    assert got[("总", "2024-03", "连续一季度不达标超50%_总监降级")] == "false"
    assert got[("总", "2024-03", "底薪")] == "12000.00"  # 900万 + 700万 = 1600万 in (1500万, 2300万] → 12000
    assert got[("总", "2024-03", "公司客户提成")] == "40000.00"  # 1600万 × 0.25%


def test_a_team_of_one_and_a_director_with_no_rows_of_his_own(tmp_path):
    staff = [director("2024-01"), member("a", "2024-01", 5), ("空", "2024-01", "0", "大客户总监", "")]
    sales = [("a", "2024-01", "X", "800万")]
    got = run(tmp_path, staff, sales, "2024-01")
    assert got[("总", "2024-01", "底薪")] == "8000.00"  # a's 800万 alone; ≤800万 includes 800万 → 8000
    assert got[("总", "2024-01", "绩效")] == "2000.00"  # first bracket
    assert got[("总", "2024-01", "公司客户提成")] == "20000.00"  # 800万 × 0.25%
    assert got[("总", "2024-01", "本月团队不达标比率")] == "0"  # a has 5 tasks: passes
    # 空 has no members and no sales: first bracket, 8000 + 2000, and 0 × 0.25%
    assert (got[("空", "2024-01", "底薪")], got[("空", "2024-01", "公司客户提成")]) == ("8000.00", "0.00")


def test_the_bundled_run_pays_the_directors_from_their_teams():
    done = run_plan_cli("run", str(PLAN), "--periods", "2024-01..2024-06")
    assert done.returncode == 0, done.stderr
    got = {(r["payee"], r["period"], r["line"]): r["value"] for r in csv.DictReader(io.StringIO(done.stdout))}
    # 刘洋's team in January: 张伟 90万 + 李娜 150万 + 赵敏 280万 (company_sales.csv) = 520万 × 0.25% = 13,000
    assert got[("刘洋", "2024-01", "公司客户提成")] == "13000.00"
    # 周强's team in January: 王磊 215万 + 陈静 160万 = 375万 × 0.25% = 9,375; 陈静 fails (3 tasks): 1 ÷ 2
    assert got[("周强", "2024-01", "公司客户提成")] == "9375.00"
    assert got[("周强", "2024-01", "本月团队不达标比率")] == "0.5"
    # 孙丽 has no team: 8000 + 2000 + 0
    assert got[("孙丽", "2024-01", "公司客户提成")] == "0.00"
