"""S10 in one run: the hotel's department pool split by the seed's shares and the director's 1% of
the sales above the target, from the staff's own results (team by staff.上级), with a real
`plan run` of plans/s10_hotel_sales. Each month's 部门销售额 is the figure the department computed
as a plan of its own before teams (its README's run: 271万 in January, 285万 in April, 303.8万 in
September); the splits are derived by hand beside each number."""
from __future__ import annotations

import csv
import io

from conftest import run_plan_cli

PLAN = "plans/s10_hotel_sales/plan.plan"


def run() -> dict[tuple[str, str, str, str], str]:
    done = run_plan_cli("run", PLAN, "--periods", "2026-01..2026-12")
    assert done.returncode == 0, done.stderr
    return {(r["payee"], r["period"], r["line"], r["kind"]): r["value"] for r in csv.DictReader(io.StringIO(done.stdout))}


def test_the_department_pool_is_split_40_50_5_5_with_the_unqualified_reps_share_to_the_fund():
    got = run()
    # April: 部门销售额 285万 ≥ 280万 (淡季) → pool 28,500
    assert got[("赵刚", "2026-04", "部门绩效奖金(销售额1%)", "pool")] == "28500.00"
    assert got[("赵刚", "2026-04", "部门绩效奖金(总监40%)", "share")] == "11400.00"  # 40% × 28,500
    # 50% = 14,250 for the 3 reps with a task (陈静, 刘洋, 周婷): 4,750 each; only 刘洋 met his own task (100%);
    # 陈静 (98%) and 周婷 (91.4%) did not, so 2 × 4,750 = 9,500 goes to the fund
    assert got[("刘洋", "2026-04", "部门绩效奖金(销售代表50%)", "share")] == "4750.00"
    assert got[("陈静", "2026-04", "部门绩效奖金(销售代表50%)", "share")] == "0.00"
    assert got[("赵刚", "2026-04", "部门绩效奖金结余", "fund")] == "9500.00"
    assert got[("孙丽", "2026-04", "部门绩效奖金(非营销岗位5%)", "share")] == "1425.00"  # 5% × 28,500, the one 销售内勤
    assert got[("赵刚", "2026-04", "每季度最佳销售员奖励(5%)", "fund")] == "1425.00"  # 5% × 28,500, accrued, not paid
    assert ("吴昊", "2026-04", "部门绩效奖金(销售代表50%)", "share") not in got  # 兼职 is not a 销售代表


def test_the_cent_left_by_an_equal_split_goes_by_payee_id():
    got = run()
    # September: 303.8万 → pool 30,380; 50% = 15,190 among 3 qualifying reps = 5,063.333… each;
    # floors 3 × 5,063.33 = 15,189.99, one cent left, equal remainders → the lowest payee id: 刘洋 (U+5218)
    # before 周婷 (U+5468) and 陈静 (U+9648)
    assert got[("刘洋", "2026-09", "部门绩效奖金(销售代表50%)", "share")] == "5063.34"
    assert got[("周婷", "2026-09", "部门绩效奖金(销售代表50%)", "share")] == "5063.33"
    assert got[("陈静", "2026-09", "部门绩效奖金(销售代表50%)", "share")] == "5063.33"
    assert got[("赵刚", "2026-09", "部门绩效奖金(总监40%)", "share")] == "12152.00"  # 40% × 30,380
    assert got[("赵刚", "2026-09", "超任务销售额1%(总监)", "payout")] == "2380.00"  # (303.8万 − 280万) × 1%


def test_no_pool_in_a_month_under_target_and_the_director_has_no_override():
    got = run()
    # February: 255万 < 320万 (旺季, month 4 of business): the pool is 0 and every share is 0
    assert got[("赵刚", "2026-02", "部门绩效奖金(销售额1%)", "pool")] == "0.00"
    assert got[("刘洋", "2026-02", "部门绩效奖金(销售代表50%)", "share")] == "0.00"
    assert got[("赵刚", "2026-02", "超任务销售额1%(总监)", "payout")] == "0.00"
