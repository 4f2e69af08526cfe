"""S2's 部门基金 in one run with the monthly pay: each 小组 is the team of its 主管 (team by staff.组长),
and the quarter's fund is a pool of that team, computed from the staff's own results and reported as a
fund (not paid). Real CSV files, real `plan run` subprocesses; every number derived by hand beside it."""
from __future__ import annotations

import csv
import io
import shutil

from conftest import ROOT, run_plan_cli

PLAN = ROOT / "plans" / "s2_service_center" / "plan.plan"


def rows(stdout: str) -> dict[tuple[str, str, str, str], str]:
    return {(r["payee"], r["period"], r["line"], r["kind"]): r["value"] for r in csv.DictReader(io.StringIO(stdout))}


def test_the_quarters_fund_comes_from_the_groups_own_service_amounts(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    shutil.copy(PLAN, tmp_path / "plan.plan")
    (data / "staff.csv").write_text("staff,level,allowance,组长\n主管,主管级,,\n乙,一般人员,,主管\n", encoding="utf-8")
    (data / "会员.csv").write_text("staff,member,class,received,joined_on,term_months\n"
                                   "主管,M1,专业,3000.00,2024-01-10,3\n"      # 1000 a month, January to March
                                   "乙,M2,至尊,12000.00,2024-01-05,12\n"      # 1000 a month from January
                                   "乙,M3,普通1年期,,2024-01-01,12\n", encoding="utf-8")  # a per-head member: not in the fund
    (data / "refunds.csv").write_text("staff,member,refunded_on,amount\n乙,M9,2024-02-09,500.00\n", encoding="utf-8")
    (data / "renewals.csv").write_text("staff,member,renewed_on,amount\n", encoding="utf-8")
    (data / "rates.csv").write_text("service_rate,renewal_rate\n8%,5%\n", encoding="utf-8")
    (data / "fund_rates.csv").write_text("fund_rate\n2%\n", encoding="utf-8")
    done = run_plan_cli("run", str(tmp_path / "plan.plan"), "--periods", "2024-01..2024-04")
    assert done.returncode == 0, done.stderr
    got = rows(done.stdout)
    # Q1: 主管 1000 × 3 + 乙 1000 × 3 = 6000 service, 500 refunded → (6000 − 500) × 2% = 110.00, in March
    assert got[("主管", "2024-03", "季度划拨部门基金", "pool")] == "110.00"
    assert got[("主管", "2024-03", "部门基金", "fund")] == "110.00"
    assert got[("主管", "2024-01", "部门基金", "fund")] == "0.00"  # not a quarter's last month
    assert got[("主管", "2024-04", "季度划拨部门基金", "pool")] == "0.00"  # Q2 is computed in June
    # the fund is not pay: 主管's March pay is his base 3000 + (1000 − 0) × 8% = 80 commission
    payees = {(p["payee"], p["period"]): p for p in __import__("json").loads(
        run_plan_cli("run", str(tmp_path / "plan.plan"), "--periods", "2024-01..2024-04", "--format", "json").stdout)["payees"]}
    assert payees[("主管", "2024-03")]["total"] == "3080.00"
    assert ("乙", "2024-03", "部门基金", "fund") not in got  # 乙 has no team


def test_the_bundled_run_gives_each_group_its_quarters_fund():
    done = run_plan_cli("run", "plans/s2_service_center/plan.plan", "--periods", "2024-01..2024-06")
    assert done.returncode == 0, done.stderr
    got = rows(done.stdout)
    # the same figures as the fund computed per 小组 from the group-credited rows before teams:
    # 一组 (吴芳 and 林晓) Q1: 12,366.666… service − 200 refunded (林晓, January) = 12,166.666… × 2% = 243.333… → 243.33;
    # 二组 (张丽, with 郭强 and 何静) Q1: 3,700 − 500 (郭强, February) = 3,200 × 2% = 64.00
    assert got[("吴芳", "2024-03", "部门基金", "fund")] == "243.33"
    assert got[("张丽", "2024-03", "部门基金", "fund")] == "64.00"
    assert got[("吴芳", "2024-06", "部门基金", "fund")] == "290.00"
    assert got[("张丽", "2024-06", "部门基金", "fund")] == "28.00"
