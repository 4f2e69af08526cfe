"""Pools and rankings on the DuckDB engine: hand-derived teams run on both engines, the SQL steps
(largest remainder, ranking order) against dsl/run/pools.py's on generated pools and rankings, random
pools in a plan on both engines, and S12's `plan run` output byte for byte. Every expected number is
derived by hand beside it."""
from __future__ import annotations

import subprocess
import sys
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest

pytest.importorskip("duckdb")
pytest.importorskip("sqlglot")
import duckdb  # noqa: E402
from hypothesis import HealthCheck, given, settings, strategies as st  # noqa: E402

import dsl  # noqa: E402
from dsl.run.pools import allocate, rank_places  # noqa: E402
from dsl.sql.teams import TeamSteps  # noqa: E402
from test_sql_differential import assert_same  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent

HEADER = """plan "部门" {
  currency CNY
  period month
  payee staff
  team by staff.manager
}
input staff: record by month { staff: payee, month: month, manager: payee = "", 客户数: number = 0 }
input sales: table by month { staff: payee, month: month, amount: money }
let 业绩 = sum(sales.amount)
let 达标 = 业绩 >= 10万
payout "提成" = 业绩 * 2%
"""


def run_both(tmp_path, plan_text: str, staff: str, sales: str):
    """The plan on its CSV files, on both engines (the same RunResult, CSV and JSON): by (payee, label, kind)."""
    (tmp_path / "staff.csv").write_text(staff, encoding="utf-8")
    (tmp_path / "sales.csv").write_text(sales, encoding="utf-8")
    (tmp_path / "t.plan").write_text(plan_text, encoding="utf-8")
    loaded = dsl.load(tmp_path / "t.plan")
    assert loaded.plan is not None, loaded.diagnostics
    result = assert_same(loaded.plan, str(tmp_path))
    got = {}
    for p in result.payees:
        for line in p.lines + p.accruals:
            got[(p.payee, line.label, str(line.kind))] = str(line.value)
        for flag in p.flags:
            got[(p.payee, flag.label, "flag")] = str(flag.value)
        got[(p.payee, "total")] = str(p.total)
    return got, result


def test_a_pool_where_nobody_qualifies(tmp_path):
    plan = HEADER + """pool "奖金池" = sum(members.业绩) * 1% {
  30% to manager as "经理份"
  60% equally among members qualify when 达标 as "成员份"
  unqualified to fund "部门基金"
  remainder largest by payee
}
"""
    staff = "staff,month,manager\n经理,2024-01,\n甲,2024-01,经理\n乙,2024-01,经理\n"
    sales = "staff,month,amount\n甲,2024-01,5万\n乙,2024-01,3万\n"  # both below 10万: nobody qualifies
    got, _ = run_both(tmp_path, plan, staff, sales)
    assert got[("经理", "奖金池", "pool")] == "800.00"  # (5万 + 3万) × 1%
    assert got[("经理", "经理份", "share")] == "240.00"  # 30% × 800
    assert got[("甲", "成员份", "share")] == "0.00" and got[("乙", "成员份", "share")] == "0.00"  # not qualified
    # the fund: 甲's and 乙's 240 each (60% × 800 ÷ 2) + the 10% beyond the shares (80) = 560
    assert got[("经理", "部门基金", "fund")] == "560.00"
    assert got[("甲", "total")] == "1000.00"  # 5万 × 2%, no share
    assert got[("经理", "total")] == "240.00"  # no sales of his own; the pool and the fund are not pay


def test_a_team_with_one_member(tmp_path):
    plan = HEADER + """pool "奖金池" = sum(members.业绩) * 1% {
  50% to manager as "经理份"
  50% pro rata to 业绩 among members as "成员份"
  unqualified back
}
rank "团队排名" = members by 业绩 top 1 as "冠军奖" {
  [1, 1] -> 100元
}
"""
    staff = "staff,month,manager\n经理,2024-01,\n甲,2024-01,经理\n"
    sales = "staff,month,amount\n甲,2024-01,3333元\n"
    got, _ = run_both(tmp_path, plan, staff, sales)
    assert got[("经理", "奖金池", "pool")] == "33.33"  # 3333 × 1%
    # 50% each: 16.665; floors 16.66 + 16.66 = 33.32, one cent left; the remainders tie (0.005 each),
    # and by payee id 甲 (U+7532) comes before 经理 (U+7ECF): 甲 16.67, 经理 16.66
    assert got[("甲", "成员份", "share")] == "16.67"
    assert got[("经理", "经理份", "share")] == "16.66"
    assert ("经理", "奖金池", "unallocated") not in got  # 50% + 50%: nothing goes back
    assert got[("甲", "团队排名", "flag")] == "1" and got[("甲", "冠军奖", "award")] == "100.00"  # alone: first
    assert got[("甲", "total")] == "183.33"  # 3333 × 2% = 66.66 + 16.67 + 100


RANKED = HEADER + """rank "业绩排名" = members by 业绩 TIES top 2 as "排名奖" {
  [1, 1] -> 1000元
  [2, 2] -> 500元
}
"""
RANK_STAFF = ("staff,month,manager,客户数\n经理,2024-01,,0\n甲,2024-01,经理,1\n乙,2024-01,经理,5\n丙,2024-01,经理,8\n"
              "丁,2024-01,经理,9\n")
RANK_SALES = "staff,month,amount\n甲,2024-01,30万\n乙,2024-01,20万\n丙,2024-01,20万\n丁,2024-01,10万\n"


def test_a_tie_at_the_ranking_cut_off_shared(tmp_path):
    got, _ = run_both(tmp_path, RANKED.replace("TIES", "ties shared"), RANK_STAFF, RANK_SALES)
    assert got[("甲", "业绩排名", "flag")] == "1" and got[("甲", "排名奖", "award")] == "1000.00"  # 30万, the highest
    # 乙 and 丙 tie at 20万 on the cut-off: both share rank 2, both inside the top 2, both paid [2, 2]
    assert got[("乙", "业绩排名", "flag")] == "2" and got[("乙", "排名奖", "award")] == "500.00"
    assert got[("丙", "业绩排名", "flag")] == "2" and got[("丙", "排名奖", "award")] == "500.00"
    # 丁: 1 + the 3 members above = rank 4, beyond the top 2: ranked, not awarded
    assert got[("丁", "业绩排名", "flag")] == "4" and got[("丁", "排名奖", "award")] == "0.00"
    assert ("经理", "业绩排名", "flag") not in got  # the manager is not his own team's member


def test_a_tie_at_the_ranking_cut_off_broken(tmp_path):
    got, _ = run_both(tmp_path, RANKED.replace("TIES", "ties by staff.客户数"), RANK_STAFF, RANK_SALES)
    assert got[("甲", "业绩排名", "flag")] == "1" and got[("甲", "排名奖", "award")] == "1000.00"  # 30万
    # 乙 and 丙 tie at 20万: 丙's 8 customers beat 乙's 5 → 丙 2nd (500), 乙 3rd, beyond the top 2 (0)
    assert got[("丙", "业绩排名", "flag")] == "2" and got[("丙", "排名奖", "award")] == "500.00"
    assert got[("乙", "业绩排名", "flag")] == "3" and got[("乙", "排名奖", "award")] == "0.00"
    assert got[("丁", "业绩排名", "flag")] == "4"  # 10万, the lowest (its 9 customers break no tie)
    # equal tie-breakers too (乙 and 丙 both 5 customers): by payee id, 丙 (U+4E19) before 乙 (U+4E59)
    got, _ = run_both(tmp_path, RANKED.replace("TIES", "ties by staff.客户数"), RANK_STAFF.replace("丙,2024-01,经理,8", "丙,2024-01,经理,5"),
                      RANK_SALES)
    assert got[("丙", "业绩排名", "flag")] == "2" and got[("乙", "业绩排名", "flag")] == "3"


REMAINDER = HEADER + """pool "奖金池" = 100元 when count(members) > 0 {
  100% equally among members as "平分"
  unqualified back
  remainder largest by ORDER
}
"""
THREE = "staff,month,manager\n经理,2024-01,\n甲,2024-01,经理\n乙,2024-01,经理\n丙,2024-01,经理\n"
THREE_SALES = "staff,month,amount\n甲,2024-01,3万\n乙,2024-01,1万\n丙,2024-01,2万\n"


def test_a_pools_remainder_cents_go_by_the_tie_order(tmp_path):
    got, _ = run_both(tmp_path, REMAINDER.replace("ORDER", "业绩"), THREE, THREE_SALES)
    # 100 ÷ 3 = 33.333…: floors 33.33 × 3 = 99.99, one cent left; the three remainders tie (0.00333…),
    # and by 业绩, higher first, 甲 (3万) gets it
    assert (got[("甲", "平分", "share")], got[("乙", "平分", "share")], got[("丙", "平分", "share")]) == ("33.34", "33.33", "33.33")
    assert got[("经理", "奖金池", "pool")] == "100.00"
    got, _ = run_both(tmp_path, REMAINDER.replace("ORDER", "payee"), THREE, THREE_SALES)
    # by payee id: 丙 (U+4E19) < 乙 (U+4E59) < 甲 (U+7532): 丙 gets the cent
    assert (got[("甲", "平分", "share")], got[("乙", "平分", "share")], got[("丙", "平分", "share")]) == ("33.33", "33.33", "33.34")


# ---- the SQL steps against dsl/run/pools.py's, on generated pools and rankings

STEPS = TeamSteps(duckdb.connect())
NAMES = ["甲", "乙", "丙", "丁", "a", "b", "经理"]
UNITS = [Decimal("0.01"), Decimal("1"), Decimal("0.1"), Decimal("0.05")]


@st.composite
def pools(draw):
    """A pool's parts as split_pool makes them: member parts (0, payee) or (0, −measure, payee), funds (1, name),
    weights from random percents of groups of 0, 1 or more members, equal or pro rata (ties and zeros)."""
    unit = draw(st.sampled_from(UNITS))
    total = Decimal(draw(st.integers(-10**6, 10**9))) * unit
    by_measure = draw(st.booleans())
    measures = st.sampled_from([Decimal(0), Decimal(1), Decimal("2.5"), Decimal(7), Decimal("1234567.89")])
    parts, keys = [], []
    left = Fraction(1)
    for _ in range(draw(st.integers(0, 4))):
        percent = min(left, Fraction(draw(st.integers(0, 100)), 100))
        left -= percent
        kind = draw(st.sampled_from(["manager", "fund", "equally", "pro_rata"]))
        if kind == "fund":
            parts.append(percent)
            keys.append((1, draw(st.sampled_from(["基金", "奖励基金"]))))
            continue
        group = draw(st.lists(st.sampled_from(NAMES), min_size=1 if kind == "manager" else 0, max_size=1 if kind == "manager" else 6))
        values = [draw(st.integers(0, 50)) if kind == "pro_rata" else 1 for _ in group]
        if not group or not sum(values):
            left += percent  # nobody in the group: its percent goes with the unqualified part
            continue
        for payee, value in zip(group, values):
            parts.append(percent * Fraction(value, sum(values)))
            keys.append((0, -draw(measures), payee) if by_measure else (0, payee))
    if left or not parts:
        parts.append(left)
        keys.append((1, draw(st.sampled_from(["", "基金"]))))
    return total, parts, unit, keys


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pools())
def test_the_sql_allocation_is_allocate(pool):
    total, weights, unit, order = pool
    expected = allocate(total, weights, unit, order)
    assert STEPS.allocate(total, weights, unit, order) == expected
    assert sum((a.amount for a in expected), Decimal(0)) == total  # the parts add up to the pool


def test_the_sql_allocation_by_hand():
    # 100.00 in thirds: 33.33 each, one cent left; equal remainders by the order key: 丙 (U+4E19) first
    got = STEPS.allocate(Decimal("100.00"), [Fraction(1, 3)] * 3, Decimal("0.01"), [(0, "甲"), (0, "丙"), (0, "乙")])
    assert [a.amount for a in got] == [Decimal("33.33"), Decimal("33.34"), Decimal("33.33")]
    # 0.07 as 1/2, 1/3, 1/6: exact 3.5, 2.333…, 1.1666… cents; floors 3 + 2 + 1 = 6, one left, to the largest remainder (0.5)
    got = STEPS.allocate(Decimal("0.07"), [Fraction(1, 2), Fraction(1, 3), Fraction(1, 6)], Decimal("0.01"), [(0, "a"), (0, "b"), (1, "")])
    assert [a.amount for a in got] == [Decimal("0.04"), Decimal("0.02"), Decimal("0.01")]
    with pytest.raises(ValueError, match="add up to 1"):
        STEPS.allocate(Decimal("1.00"), [Fraction(1, 2)], Decimal("0.01"), [(0, "a")])


keys = st.lists(st.tuples(st.sampled_from([Decimal(0), Decimal(5), Decimal("5.00"), Decimal("-3"), Decimal("0.000000000000000001"),
                                            Decimal("99999999999999999999.5")]),
                          st.sampled_from([Decimal(0), Decimal(1), Decimal("-1")])), max_size=8)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(keys, st.booleans())
def test_the_sql_ranking_is_rank_places(measured, shared):
    named = [(f"p{i:02d}" if i % 3 else NAMES[i % len(NAMES)] + str(i), value, tie) for i, (value, tie) in enumerate(measured)]
    assert STEPS.rank(named, shared) == rank_places(named, shared)


def test_the_sql_ranking_by_hand():
    named = [("甲", Decimal(5), Decimal(0)), ("乙", Decimal(7), Decimal(0)), ("丙", Decimal(5), Decimal(1)), ("丁", Decimal(5), Decimal(1))]
    # 乙 (7) first; 甲, 丙, 丁 tie at 5: shared, all three are 1 + 1 = 2nd
    assert sorted(STEPS.rank(named, True)) == [(0, 2), (1, 1), (2, 2), (3, 2)]
    # broken: 丙 and 丁 (tie-breaker 1) before 甲 (0); between them by payee id, 丁 (U+4E01) before 丙 (U+4E19)
    assert STEPS.rank(named, False) == [(1, 1), (3, 2), (2, 3), (0, 4)]


# ---- random pools and rankings in a plan, on both engines

@st.composite
def teams(draw):
    percent = [draw(st.integers(1, 33)) for _ in range(3)]  # at most 99% in all
    fund = draw(st.sampled_from(['to fund "部门基金"', "back"]))
    order = draw(st.sampled_from(["payee", "业绩", "staff.客户数"]))
    ties = draw(st.sampled_from(["ties shared", "ties by staff.客户数", ""]))
    top = draw(st.sampled_from(["top 1", "top 2", ""]))
    plan = HEADER + f"""pool "奖金池" = sum(members.业绩) * 3% + 0.05元 {{
  {percent[0]}% to manager as "经理份"
  {percent[1]}% equally among members where staff.客户数 > 0 qualify when 达标 as "平分"
  {percent[2]}% pro rata to 业绩 among members as "按业绩"
  unqualified {fund}
  remainder largest by {order}
}}
rank "排名" = members by 业绩 {ties} {top} as "排名奖" {{
  [1, 1] -> 300元
  [2, ..) -> 100元
}}
"""
    staff, sales = ["staff,month,manager,客户数"], ["staff,month,amount"]
    for month in ("2024-01", "2024-02"):
        staff.append(f"经理,{month},,0")
        for i in range(draw(st.integers(0, 5))):  # 0, 1 or more members
            staff.append(f"m{i},{month},经理,{draw(st.integers(0, 2))}")
            for amount in draw(st.lists(st.sampled_from(["0", "5万", "10万", "12345.67", "0.01"]), max_size=2)):
                sales.append(f"m{i},{month},{amount}")
    return plan, "\n".join(staff) + "\n", "\n".join(sales) + "\n"


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(teams())
def test_random_pools_and_rankings_on_both_engines(tmp_path_factory, team):
    plan, staff, sales = team
    _, result = run_both(tmp_path_factory.mktemp("team"), plan, staff, sales)
    # every team's parts add up to its pool: shares + funds + what goes back
    for p in result.payees:
        for accrual in p.accruals:
            if str(accrual.kind) == "pool":
                paid = sum((line.value for q in result.payees if q.period == p.period for line in q.lines
                            if str(line.kind) == "share"), Decimal(0))
                kept = sum((a.value for a in p.accruals if str(a.kind) != "pool"), Decimal(0))
                assert paid + kept == accrual.value


# ---- the CLI: the same bytes from both engines

def test_s12_run_is_byte_identical_on_both_engines():
    def run(engine: str) -> bytes:
        done = subprocess.run([sys.executable, "-m", "dsl.cli", "run", "--engine", engine, "plans/s12_flying_eagle/plan.plan"],
                              cwd=ROOT, capture_output=True)
        assert done.returncode == 0, done.stderr.decode("utf-8")
        return done.stdout

    reference = run("interpreter")
    assert run("duckdb") == reference
    # what is compared: 郑丽 ranks first in the last stage (132,000 ÷ 130,000 = 101.54%, tests/test_teams_rankings.py)
    assert "郑丽,2024-11-24..2024-12-23,业绩达成率排名,flag,1".encode("utf-8") in reference
