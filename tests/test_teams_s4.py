"""S4's regional pool (区域总销售额提成), a real `plan run` of plans/s4_classic_schemes: each region is
the team of its reps, its pool 2% of their sales, split half equally and half pro rata to each rep's
sales. Every expected number is derived by hand beside it."""
from __future__ import annotations

import csv
import io
import json

from conftest import run_plan_cli

PLAN = "plans/s4_classic_schemes/plan.plan"


def test_the_regional_pool_is_shared_equally_and_pro_rata():
    done = run_plan_cli("run", PLAN)
    assert done.returncode == 0, done.stderr
    got = {(r["payee"], r["period"], r["line"], r["kind"]): r["value"] for r in csv.DictReader(io.StringIO(done.stdout))}
    # January, 华东区: 30万 + 20万 + 10万 = 60万 × 2% = 12,000; 6,000 equally = 2,000 each;
    # 6,000 pro rata 3 : 2 : 1 = 3,000 / 2,000 / 1,000
    assert got[("华东区", "2024-01", "区域提成池(区域销售额2%)", "pool")] == "12000.00"
    assert got[("王磊", "2024-01", "区域提成(均分50%)", "share")] == "2000.00"
    assert got[("王磊", "2024-01", "区域提成(按销售额50%)", "share")] == "3000.00"
    assert got[("张伟", "2024-01", "区域提成(按销售额50%)", "share")] == "1000.00"
    # February, 华东区: 25万 + 25万 + 0 = 50万 × 2% = 10,000; 5,000 ÷ 3 = 1,666.666… each, floors 4,999.98:
    # two cents, the tie broken by the higher 销售额 — 王磊 and 李娜 (25万) before 张伟 (0)
    assert got[("王磊", "2024-02", "区域提成(均分50%)", "share")] == "1666.67"
    assert got[("李娜", "2024-02", "区域提成(均分50%)", "share")] == "1666.67"
    assert got[("张伟", "2024-02", "区域提成(均分50%)", "share")] == "1666.66"
    assert got[("张伟", "2024-02", "区域提成(按销售额50%)", "share")] == "0.00"  # no sales: no pro rata part
    # 华南区, February: 陈静 100,000.01 × 2% = 2,000.0002 → 2,000.00; 1,000 equally = 500 each; 1,000 all to 陈静
    assert got[("陈静", "2024-02", "区域提成(按销售额50%)", "share")] == "1000.00"
    assert got[("刘洋", "2024-02", "区域提成(均分50%)", "share")] == "500.00"


def test_a_region_is_paid_nothing_and_its_reps_are_paid_their_shares():
    done = run_plan_cli("run", PLAN, "--format", "json")
    assert done.returncode == 0, done.stderr
    totals = {(p["payee"], p["period"]): p["total"] for p in json.loads(done.stdout)["payees"]}
    assert totals[("华东区", "2024-01")] == "0.00"  # the 12,000 pool is not the region's pay
    assert totals[("王磊", "2024-01")] == "8000.00"  # 30万 × 1% = 3,000 + 2,000 + 3,000
