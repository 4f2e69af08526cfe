"""Pools split among a team and rankings within a team: real CSV files in a temporary folder and real
`plan` subprocesses, and the one largest-remainder allocation (with a property test). Every expected
number is derived by hand beside it."""
from __future__ import annotations

import csv
import io
import json
from decimal import Decimal
from fractions import Fraction

from hypothesis import given, settings, strategies as st

import dsl
from conftest import run_plan_cli
from dsl.run.pools import allocate
from test_teams_hierarchy import write  # the plan and its staff.csv and sales.csv in a folder

HEADER = """plan "部门" {
  currency CNY
  period month
  payee staff
  team by staff.manager
}
input staff: record by month { staff: payee, month: month, manager: payee = "", 岗位: text = "销售" }
input sales: table by month { staff: payee, month: month, amount: money }
let 业绩 = sum(sales.amount)
let 达标 = 业绩 >= 10万
payout "提成" = 业绩 * 2%
"""

POOL = HEADER + """pool "奖金池" = sum(members.业绩) * 1% {
  40% to manager as "奖金池(经理)"
  50% equally among members where staff.岗位 == "销售" qualify when 达标 as "奖金池(销售)"
  5% equally among members where staff.岗位 == "内勤" as "奖金池(内勤)"
  5% to fund "最佳销售员基金"
  unqualified to fund "部门基金"
  remainder largest by payee
}
"""


def rows(stdout: str) -> dict[tuple[str, str, str, str], str]:
    return {(r["payee"], r["period"], r["line"], r["kind"]): r["value"] for r in csv.DictReader(io.StringIO(stdout))}


def ran(folder, staff: str, sales: str, plan: str) -> dict[tuple[str, str, str, str], str]:
    """The rows of `plan run` on the plan and data written into `folder`, by (payee, period, line, kind)."""
    done = run_plan_cli("run", str(write(folder, staff, sales, plan)))
    assert done.returncode == 0, done.stderr
    return rows(done.stdout)


STAFF = ("staff,month,manager,岗位\n经理,2024-01,,销售\n甲,2024-01,经理,销售\n乙,2024-01,经理,销售\n丙,2024-01,经理,销售\n"
         "丁,2024-01,经理,内勤\n")
SALES = "staff,month,amount\n甲,2024-01,20万\n乙,2024-01,15万\n丙,2024-01,5万\n丁,2024-01,1万\n"


def test_a_pool_split_by_fixed_shares_equally_among_the_qualified_and_to_funds(tmp_path):
    got = ran(tmp_path, STAFF, SALES, POOL)
    # team 20万 + 15万 + 5万 + 1万 = 41万 × 1% = 4,100 (经理 has no rows of his own)
    assert got[("经理", "2024-01", "奖金池", "pool")] == "4100.00"
    assert got[("经理", "2024-01", "奖金池(经理)", "share")] == "1640.00"  # 40% × 4,100
    # 50% = 2,050 among the 3 销售 (甲 乙 丙): 683.333… each; 丙's 5万 < 10万 does not qualify → his share to 部门基金.
    # Floors 683.33 × 3 = 2,049.99: one cent left, the three remainders 0.00333… tie, and by payee id
    # 乙 (U+4E59) comes before 甲 (U+7532) and the fund (funds come after payees): 乙 gets it.
    assert got[("乙", "2024-01", "奖金池(销售)", "share")] == "683.34"
    assert got[("甲", "2024-01", "奖金池(销售)", "share")] == "683.33"
    assert got[("丙", "2024-01", "奖金池(销售)", "share")] == "0.00"
    assert got[("经理", "2024-01", "部门基金", "fund")] == "683.33"
    assert got[("丁", "2024-01", "奖金池(内勤)", "share")] == "205.00"  # 5% × 4,100, the one 内勤
    assert got[("经理", "2024-01", "最佳销售员基金", "fund")] == "205.00"  # 5% × 4,100
    # the parts add up to the pool: 1640 + 683.34 + 683.33 + 0 + 683.33 + 205 + 205 = 4,100.00
    assert ("甲", "2024-01", "奖金池(内勤)", "share") not in got  # only the group's members get a share line


def test_shares_are_paid_and_pools_and_funds_are_not(tmp_path):
    done = run_plan_cli("run", str(write(tmp_path, STAFF, SALES, POOL)), "--format", "json")
    assert done.returncode == 0, done.stderr
    payees = {(p["payee"], p["period"]): p for p in json.loads(done.stdout)["payees"]}
    manager = payees[("经理", "2024-01")]
    assert manager["total"] == "1640.00"  # his 40% share only (0 提成): the 4,100 pool and the funds are not pay
    assert {p["kind"] for p in manager["pools"]} == {"pool", "fund"}
    assert payees[("乙", "2024-01")]["total"] == "3683.34"  # 15万 × 2% = 3,000 + 683.34


def test_a_pool_where_nobody_qualifies_goes_to_the_fund(tmp_path):
    sales = "staff,month,amount\n甲,2024-01,5万\n乙,2024-01,3万\n"  # both below 10万
    staff = "staff,month,manager,岗位\n经理,2024-01,,销售\n甲,2024-01,经理,销售\n乙,2024-01,经理,销售\n"
    got = ran(tmp_path, staff, sales, POOL)
    # pool 8万 × 1% = 800; 经理 40% = 320; the 销售 50% = 400 all unqualified; no 内勤: the 5% (40) is unqualified too
    assert got[("经理", "2024-01", "奖金池", "pool")] == "800.00"
    assert got[("甲", "2024-01", "奖金池(销售)", "share")] == "0.00" and got[("乙", "2024-01", "奖金池(销售)", "share")] == "0.00"
    assert got[("经理", "2024-01", "部门基金", "fund")] == "440.00"  # 400 + 40
    assert got[("经理", "2024-01", "最佳销售员基金", "fund")] == "40.00"  # 5% × 800


def test_a_team_with_one_member_and_the_part_that_goes_back(tmp_path):
    plan = HEADER + """pool "奖金池" = sum(members.业绩) * 1% {
  70% equally among members as "奖金池分配"
  unqualified back
}
"""
    staff = "staff,month,manager\n经理,2024-01,\n甲,2024-01,经理\n"
    got = ran(tmp_path, staff, "staff,month,amount\n甲,2024-01,12345.67元\n", plan)
    # 12,345.67 × 1% = 123.4567 → 123.46 (half-up to the cent); 70% = 86.422 → 86.42 to 甲; 30% = 37.038 → 37.04 back
    # (floors 86.42 + 37.03 = 123.45: one cent left to the larger remainder, back's 0.008 against 甲's 0.002)
    assert got[("经理", "2024-01", "奖金池", "pool")] == "123.46"
    assert got[("甲", "2024-01", "奖金池分配", "share")] == "86.42"
    assert got[("经理", "2024-01", "奖金池", "unallocated")] == "37.04"


def test_pro_rata_with_ties_broken_by_a_measure(tmp_path):
    plan = (HEADER + """pool "奖金池" = 100元 when count(members) > 0 {
  100% pro rata to staff.工龄 among members as "奖金池分配"
  unqualified back
  remainder largest by 业绩
}
""").replace('岗位: text = "销售" }', '岗位: text = "销售", 工龄: number = 1 }')
    staff = "staff,month,manager,工龄\n经理,2024-01,,1\n甲,2024-01,经理,1\n乙,2024-01,经理,1\n丙,2024-01,经理,1\n"
    sales = "staff,month,amount\n甲,2024-01,1万\n乙,2024-01,3万\n丙,2024-01,2万\n"
    got = ran(tmp_path, staff, sales, plan)
    # 100 pro rata to 1 : 1 : 1 = 33.333… each; one cent left; equal remainders → the higher 业绩 first: 乙 (3万)
    assert got[("乙", "2024-01", "奖金池分配", "share")] == "33.34"
    assert got[("丙", "2024-01", "奖金池分配", "share")] == "33.33" and got[("甲", "2024-01", "奖金池分配", "share")] == "33.33"
    assert got[("甲", "2024-01", "提成", "payout")] == "200.00"  # 1万 × 2%: the pool is paid beside the lines


def test_a_pool_at_each_team_of_a_two_level_hierarchy(tmp_path):
    plan = HEADER + """let 团队业绩 = sum(members.业绩)
pool "奖金池" = (业绩 + sum(members.团队业绩)) * 1% {
  100% equally among members as "奖金池分配"
  unqualified back
}
"""
    staff = "staff,month,manager\n总监,2024-01,\n经理,2024-01,总监\n甲,2024-01,经理\n乙,2024-01,经理\n"
    sales = "staff,month,amount\n甲,2024-01,10万\n乙,2024-01,20万\n经理,2024-01,5万\n"
    got = ran(tmp_path, staff, sales, plan)
    # 经理's pool: his 5万 + his members' team totals (甲, 乙 have no members: 0) = 5万 × 1% = 500 → 250 each
    assert got[("甲", "2024-01", "奖金池分配", "share")] == "250.00"
    # 总监's pool: his 0 + 经理's team total 30万 = 3,000, all to his one member 经理
    assert got[("总监", "2024-01", "奖金池", "pool")] == "3000.00"
    assert got[("经理", "2024-01", "奖金池分配", "share")] == "3000.00"


def test_explaining_a_pool_lists_every_share_and_a_share_shows_the_rule_and_remainder(tmp_path):
    path = str(write(tmp_path, STAFF, SALES, POOL))
    done = run_plan_cli("explain", path, "--payee", "经理", "--line", "奖金池", "--lang", "en")
    assert done.returncode == 0, done.stderr
    assert "奖金池 (pool, not paid) = 4,100.00" in done.stdout
    assert f'乙: 奖金池(销售) (50% equally among 3 members) = 683.34  → plan explain {path} --payee 乙 --period 2024-01 --line "奖金池(销售)"' in done.stdout
    assert "部门基金 (丙's share: does not qualify) = 683.33" in done.stdout
    share = run_plan_cli("explain", path, "--payee", "乙", "--line", "奖金池(销售)", "--lang", "en")
    assert share.returncode == 0, share.stderr
    assert f'pool "奖金池" of 经理 = 4,100.00  → plan explain {path} --payee 经理 --period 2024-01 --line "奖金池"' in share.stdout
    assert "50% equally among 3 members, exactly = 683.3333333333…" in share.stdout  # 2,050 ÷ 3
    assert "remainder step: +0.01 by largest remainder (ties by payee id) = 683.34" in share.stdout


def test_a_team_aggregate_explanation_counts_members_not_rows(tmp_path):
    plan = HEADER + 'payout "团队奖" = sum(members.业绩) * 1%\n'
    done = run_plan_cli("explain", str(write(tmp_path, STAFF, SALES, plan)), "--payee", "经理", "--line", "团队奖")
    assert done.returncode == 0, done.stderr
    assert "sum(members.业绩) = 410,000.00（4/4 成员）" in done.stdout  # 20万 + 15万 + 5万 + 1万, over 4 members


RANK = HEADER + """rank "销售排名" = members by 业绩 where staff.岗位 == "销售" ties shared top 2 as "排名奖" {
  [1, 1] -> 500元
  [2, ..) -> 200元
}
"""


def test_a_tie_at_the_ranking_cut_off_shares_the_rank(tmp_path):
    staff = "staff,month,manager\n经理,2024-01,\n甲,2024-01,经理\n乙,2024-01,经理\n丙,2024-01,经理\n丁,2024-01,经理\n"
    sales = "staff,month,amount\n甲,2024-01,30万\n乙,2024-01,20万\n丙,2024-01,20万\n丁,2024-01,10万\n"
    got = ran(tmp_path, staff, sales, RANK)
    assert got[("甲", "2024-01", "销售排名", "flag")] == "1" and got[("甲", "2024-01", "排名奖", "award")] == "500.00"
    # 乙 and 丙 tie at 20万: both rank 2, inside the top 2, both paid the [2, ..) band
    assert got[("乙", "2024-01", "销售排名", "flag")] == "2" and got[("丙", "2024-01", "销售排名", "flag")] == "2"
    assert got[("乙", "2024-01", "排名奖", "award")] == "200.00" and got[("丙", "2024-01", "排名奖", "award")] == "200.00"
    # 丁 is rank 4 (1 + three above him): outside the top 2, no award
    assert got[("丁", "2024-01", "销售排名", "flag")] == "4" and got[("丁", "2024-01", "排名奖", "award")] == "0.00"


def test_a_tie_breaker_measure_orders_equal_measures(tmp_path):
    plan = RANK.replace("ties shared", "ties by sum(sales.amount where amount > 15万)")
    staff = "staff,month,manager\n经理,2024-01,\n甲,2024-01,经理\n乙,2024-01,经理\n"
    sales = "staff,month,amount\n甲,2024-01,10万\n甲,2024-01,10万\n乙,2024-01,20万\n"
    got = ran(tmp_path, staff, sales, plan)
    # both 20万; the tie-breaker: 甲's deals above 15万 sum to 0, 乙's 20万 → 乙 first
    assert got[("乙", "2024-01", "销售排名", "flag")] == "1" and got[("乙", "2024-01", "排名奖", "award")] == "500.00"
    assert got[("甲", "2024-01", "销售排名", "flag")] == "2" and got[("甲", "2024-01", "排名奖", "award")] == "200.00"


def test_pools_and_rankings_round_trip_through_the_formatter():
    text = POOL + RANK[len(HEADER):]
    formatted, diagnostics = dsl.format(text)
    assert diagnostics == [] and dsl.format(formatted)[0] == formatted
    assert '  50% equally among members where staff.岗位 == "销售" qualify when 达标 as "奖金池(销售)"\n' in formatted
    assert 'rank "销售排名" = members by 业绩 where staff.岗位 == "销售" ties shared top 2 as "排名奖" {\n' in formatted
    assert dsl.load(formatted).plan == dsl.load(text).plan


def test_a_pool_that_reads_the_line_it_splits_is_e116_naming_both_ends():
    text = POOL.replace('pool "奖金池" = sum(members.业绩) * 1%', 'pool "奖金池" = sum(members.业绩) * 1% + sum(members.line("奖金池(销售)"))')
    diagnostics = dsl.load(text, "t.plan").diagnostics
    assert [d.code for d in diagnostics] == ["E116"]
    assert diagnostics[0].message == ('pool "奖金池" reads \'members.line("奖金池(销售)")\', which "奖金池" pays from the team\'s values '
                                      "after they are computed: no value of the plan can depend on it")
    assert [n[0] for n in diagnostics[0].notes] == ['"奖金池" pays it here', 'pool "奖金池" is defined here']


def test_a_pool_must_say_where_its_unqualified_part_goes_and_not_exceed_100_percent():
    text = POOL.replace('  unqualified to fund "部门基金"\n', "").replace("5% to fund", "15% to fund")
    messages = [(d.code, d.message) for d in dsl.load(text, "t.plan").diagnostics]
    assert ("E117", 'the shares of pool "奖金池" add up to 110%, more than the pool') in messages  # 40 + 50 + 5 + 15
    assert any(code == "E117" and "does not say where its unqualified part goes" in m for code, m in messages)


def test_a_pool_without_a_hierarchy_is_an_error():
    text = POOL.replace("  team by staff.manager\n", "")
    codes = [d.code for d in dsl.load(text, "t.plan").diagnostics]
    assert "E102" in codes  # 'members' names no team, and the pool has no team to split among


# ---- the one largest-remainder allocation

def test_allocation_gives_the_left_cents_to_the_largest_remainders():
    # 10.00 in 1/6, 2/6, 3/6: exact 1.666…, 3.333…, 5.00 → floors 1.66, 3.33, 5.00 = 9.99; the cent to 1.666… (remainder .00666…)
    parts = allocate(Decimal("10.00"), [Fraction(1, 6), Fraction(2, 6), Fraction(3, 6)], Decimal("0.01"), [0, 1, 2])
    assert [p.amount for p in parts] == [Decimal("1.67"), Decimal("3.33"), Decimal("5.00")]
    assert [p.bumped for p in parts] == [True, False, False]


@settings(max_examples=300, deadline=None)
@given(cents=st.integers(min_value=-10**9, max_value=10**9),
       raw=st.lists(st.integers(min_value=0, max_value=10**6), min_size=1, max_size=12),
       unit=st.sampled_from([Decimal("0.01"), Decimal("1"), Decimal("0.1")]))
def test_allocation_is_exact_nonnegative_and_moves_at_most_one_unit(cents, raw, unit):
    if sum(raw) == 0:
        raw = raw[:-1] + [1]
    weights = [Fraction(r, sum(raw)) for r in raw]
    total = Decimal(cents) * unit
    parts = allocate(total, weights, unit, list(range(len(raw))))
    assert sum(p.amount for p in parts) == total  # the shares add up to the pool exactly
    for part, weight in zip(parts, weights):
        exact = Fraction(total) * weight
        assert abs(Fraction(part.amount) - exact) < Fraction(unit)  # at most one unit from the exact share
        assert (part.amount >= 0) == (total >= 0) or part.amount == 0  # every share has the pool's sign
        assert Fraction(part.amount) / Fraction(unit) == int(Fraction(part.amount) / Fraction(unit))  # whole units


def test_a_plan_test_cannot_expect_a_share_and_says_why():
    text = POOL + 'test "t" { payee "甲"  expect "奖金池(销售)" = 683.33 }\n'
    diagnostics = dsl.load(text, "t.plan").diagnostics
    assert [d.code for d in diagnostics] == ["E111"]
    assert diagnostics[0].hint.startswith('"奖金池(销售)" is a pool\'s share or a ranking\'s award')
