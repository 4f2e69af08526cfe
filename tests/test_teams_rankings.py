"""Rankings of every payee of a run (`rank … = payees by …`): S12's top-25 ranking by 业绩达成率 among
the staff who met all five targets, with a real `plan run` of plans/s12_flying_eagle, and a ranking
without a hierarchy at the cut-off. Every expected number is derived by hand beside it."""
from __future__ import annotations

import csv
import io

from conftest import run_plan_cli


def rows(stdout: str) -> dict[tuple[str, str, str, str], str]:
    return {(r["payee"], r["period"], r["line"], r["kind"]): r["value"] for r in csv.DictReader(io.StringIO(stdout))}


def test_s12_ranks_the_qualified_staff_of_each_stage_by_their_achievement():
    done = run_plan_cli("run", "plans/s12_flying_eagle/plan.plan")
    assert done.returncode == 0, done.stderr
    got = rows(done.stdout)
    last = "2024-11-24..2024-12-23"
    # 郑丽: 60,000 + 72,000 = 132,000 (both ≥ 30% collected) ÷ (60,000 + 70,000) = 101.54%;
    # 孙浩: 105,000 + 115,000 = 220,000 ÷ (100,000 + 120,000) = 100% → 郑丽 1st, 孙浩 2nd
    assert got[("郑丽", last, "业绩达成率排名", "flag")] == "1"
    assert got[("孙浩", last, "业绩达成率排名", "flag")] == "2"
    # 赵艳冰 did not meet all five targets (前25名排名资格 false): not ranked
    assert got[("赵艳冰", last, "前25名排名资格", "flag")] == "false" and ("赵艳冰", last, "业绩达成率排名", "flag") not in got


PLAN = """plan "排名" {
  currency CNY
  period month
  payee rep
}
input sales: table by month { rep: payee, month: month, amount: money }
let 业绩 = sum(sales.amount)
payout "提成" = 业绩 * 1%
rank "业绩排名" = payees by 业绩 ties shared top 2 as "排名奖" {
  [1, 1] -> 1000元
  [2, 2] -> 500元
}
"""


def test_a_ranking_of_every_payee_with_a_tie_at_the_cut_off(tmp_path):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "sales.csv").write_text(
        "rep,month,amount\n甲,2024-01,30万\n乙,2024-01,20万\n丙,2024-01,20万\n丁,2024-01,10万\n", encoding="utf-8")
    (tmp_path / "t.plan").write_text(PLAN, encoding="utf-8")
    done = run_plan_cli("run", str(tmp_path / "t.plan"))
    assert done.returncode == 0, done.stderr
    got = rows(done.stdout)
    assert got[("甲", "2024-01", "排名奖", "award")] == "1000.00"  # 30万, rank 1
    # 乙 and 丙 share rank 2 (20万 each): both inside the top 2, both paid the [2, 2] band
    assert got[("乙", "2024-01", "排名奖", "award")] == "500.00" and got[("丙", "2024-01", "排名奖", "award")] == "500.00"
    assert got[("丁", "2024-01", "业绩排名", "flag")] == "4" and got[("丁", "2024-01", "排名奖", "award")] == "0.00"  # 1 + 3 above
    # explaining one payee still ranks the whole run: 丙's award and why
    explained = run_plan_cli("explain", str(tmp_path / "t.plan"), "--payee", "丙", "--line", "排名奖", "--lang", "en")
    assert explained.returncode == 0, explained.stderr
    assert "rank 2 of 4 payees by 业绩 = 200,000.00 (ties share the best rank); band [2, 2] = 2" in explained.stdout
