"""The DuckDB engine against the interpreter: the same results, value for value.

- Every bundled plan under plans/ on its own data: the same payees, lines
  (label, kind, value with its scale), flags, totals and diagnostics, and the
  same CSV and JSON. A plan that uses a construct the lowering does not cover
  yet is listed in NOT_LOWERED with the construct the engine must name when it
  refuses the plan; the list shrinks as the lowering grows (a listed plan that
  starts to run fails here until it is taken off the list).
- Every single-period plan test of those plans, on its own small dataset
  (which leaves cells without values and payees without rows: the error paths).
- S1 on generated data (hypothesis, and one large seeded batch of more than
  10,000 payees): amounts with half-cent ties, empty payees, sums on and next to
  every band edge, thresholds at their bounds, negative and huge amounts.
"""
from __future__ import annotations

import random
from decimal import Decimal
from pathlib import Path

import pytest

pytest.importorskip("duckdb")
pytest.importorskip("sqlglot")
from hypothesis import HealthCheck, given, settings, strategies as st  # noqa: E402

import dsl  # noqa: E402
from dsl.data.dataset import Dataset, Table  # noqa: E402
from dsl.run.testing import test_dataset as plan_test_dataset  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
PLANS = sorted(ROOT.glob("plans/*/*.plan"))

# plan (relative to plans/) → what the duckdb engine must name when it refuses it. Delete an entry
# as soon as the lowering covers its plan: the test then compares the plan on both engines.
NOT_LOWERED = {
}


def snapshot(result):
    """Everything a RunResult says, with each Decimal as its exact text (value, scale and sign): lines, flags,
    totals, the ledger, the rows that are not pay (a team's pools and funds) and the diagnostics."""
    def shown(value):
        return (type(value).__name__, str(value) if isinstance(value, Decimal) else repr(value))

    payees = [(p.payee, str(p.period), [(l.label, str(l.kind), str(l.value)) for l in p.lines],
               [(f.label, shown(f.value)) for f in p.flags], str(p.total), p.postings, p.balances,
               [(a.label, str(a.kind), str(a.value)) for a in p.accruals]) for p in result.payees]
    diagnostics = [(d.code, d.severity, d.message, d.span, d.hint) for d in result.diagnostics]
    return payees, diagnostics


def assert_same(plan, data, **options):
    reference = dsl.evaluate(plan, data, **options)
    columnar = dsl.evaluate(plan, data, engine="duckdb", **options)
    assert snapshot(columnar) == snapshot(reference)
    assert dsl.render_results(plan, columnar, "csv") == dsl.render_results(plan, reference, "csv")
    assert dsl.render_results(plan, columnar, "json") == dsl.render_results(plan, reference, "json")
    return reference


def _name(path: Path) -> str:
    return path.relative_to(ROOT / "plans").as_posix()


def test_the_list_of_plans_not_lowered_names_bundled_plans():
    assert set(NOT_LOWERED) <= {_name(p) for p in PLANS}


@pytest.mark.parametrize("path", PLANS, ids=_name)
def test_bundled_plan_gives_the_same_results_on_both_engines(path):
    plan = dsl.load(path).plan
    assert plan is not None
    data = str(path.parent / "data")
    if _name(path) in NOT_LOWERED:
        with pytest.raises(dsl.api.NotLowered) as refused:
            dsl.evaluate(plan, data, engine="duckdb")
        assert NOT_LOWERED[_name(path)] in refused.value.construct
        pytest.skip(f"not lowered yet: {refused.value.construct}")
    reference = assert_same(plan, data)
    assert reference.payees  # the comparison is about something


def _plan_tests():
    for path in PLANS:
        if _name(path) in NOT_LOWERED:
            continue
        plan = dsl.load(path).plan
        for test in plan.tests:
            if not test.periods:
                yield pytest.param(path, test.name, id=f"{_name(path)}::{test.name}")


@pytest.mark.parametrize("path, name", list(_plan_tests()))
def test_plan_test_data_gives_the_same_results_on_both_engines(path, name):
    plan = dsl.load(path).plan
    test = next(t for t in plan.tests if t.name == name)
    assert_same(plan, plan_test_dataset(plan, test))


# ---- S1 on generated data

S1 = dsl.load(ROOT / "plans" / "s1_big_account" / "plan.plan").plan
EDGES = [Decimal(v) for v in ("0", "500000", "1000000", "2000000", "3000000")]


def s1_dataset(reps: list[dict], deals: list[dict]) -> Dataset:
    tables = {
        "deals": Table.from_rows(S1.input("deals"), "deals.csv", deals, list(range(2, len(deals) + 2)), {}),
        "reps": Table.from_rows(S1.input("reps"), "reps.csv", reps, list(range(2, len(reps) + 2)), {}),
    }
    return Dataset(tables, [r["rep"] for r in reps])


cents = st.integers(-10**9, 5 * 10**8).map(lambda c: Decimal(c).scaleb(-2))
ties = st.integers(0, 10**8).map(lambda c: Decimal(c * 10 + 5).scaleb(-3))  # x.xx5: a half cent
edges = st.tuples(st.sampled_from(EDGES), st.sampled_from(["0", "0.01", "-0.01", "0.005", "-0.005", "1", "-1"])).map(
    lambda p: p[0] + Decimal(p[1]))
huge = st.sampled_from([Decimal("99999999999999999999"), Decimal("-99999999999999999999"), Decimal("12345678901234567.89")])
amounts = st.one_of(cents, cents, ties, edges, huge)
rates = st.one_of(st.sampled_from([Decimal("0.8"), Decimal("0.7999"), Decimal("0.8001"), Decimal("1"), Decimal("0")]),
                  st.integers(0, 100).map(lambda p: Decimal(p).scaleb(-2)))
scores = st.one_of(st.sampled_from([Decimal(90), Decimal("89.99"), Decimal("90.01")]), st.integers(0, 100).map(Decimal))


@st.composite
def s1_data(draw):
    count = draw(st.integers(1, 12))
    reps, deals = [], []
    for i in range(count):
        name = f"rep{i}"
        reps.append({"rep": name, "renewal_rate": draw(rates), "satisfaction": draw(scores)})
        for amount in draw(st.lists(amounts, max_size=6)):  # some payees have no deals at all
            deals.append({"rep": name, "customer": f"c{len(deals)}", "amount": amount, "renewed": draw(st.booleans())})
    return draw(st.permutations(deals)) if deals else deals, reps


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(s1_data())
def test_s1_on_generated_data(data):
    deals, reps = data
    assert_same(S1, s1_dataset(reps, deals))


def test_s1_on_ten_thousand_generated_payees():
    """One seeded batch of 12,000 payees, most of them on an edge: every one the same on both engines."""
    rng = random.Random(2024)
    reps, deals = [], []
    for i in range(12_000):
        name = f"rep{i:05d}"
        reps.append({"rep": name, "renewal_rate": rng.choice([Decimal("0.8"), Decimal("0.7999"), Decimal(rng.randint(50, 100)).scaleb(-2)]),
                     "satisfaction": Decimal(rng.choice([90, 89, 95, rng.randint(60, 100)]))})
        kind = rng.random()
        if kind < 0.1:
            continue  # a payee with no deals
        if kind < 0.5:  # the payee's sales land on or next to a band edge
            target = rng.choice(EDGES[1:]) + Decimal(rng.choice(["0", "0.01", "-0.01", "0.005", "-0.005"]))
            parts = rng.randint(1, 4)
            pieces = [Decimal(rng.randint(0, int(target * 100) // parts)).scaleb(-2) for _ in range(parts - 1)]
            pieces.append(target - sum(pieces, Decimal(0)))
        else:
            pieces = [Decimal(rng.randint(1, 50_000_000) * 10 + rng.choice([0, 5])).scaleb(-3) for _ in range(rng.randint(1, 5))]
        for amount in pieces:
            deals.append({"rep": name, "customer": f"c{len(deals)}", "amount": amount, "renewed": rng.random() < 0.4})
    rng.shuffle(deals)
    reference = assert_same(S1, s1_dataset(reps, deals))
    assert len(reference.payees) >= 10_000


# ---- a multi-period plan with history reads and a hold, on generated data

MONTHLY = dsl.load(ROOT / "tests" / "data" / "monthly_hold.plan").plan
MONTHS = "2026-01..2026-04"


def monthly_dataset(reps: list[dict], sales: list[dict]) -> Dataset:
    tables = {
        "sales": Table.from_rows(MONTHLY.input("sales"), "sales.csv", sales, list(range(2, len(sales) + 2)), {}),
        "reps": Table.from_rows(MONTHLY.input("reps"), "reps.csv", reps, list(range(2, len(reps) + 2)), {}),
    }
    return Dataset(tables, [r["rep"] for r in reps])


def test_the_monthly_plan_by_hand():
    """One payee over four months, computed by hand, on both engines."""
    import datetime

    reps = [{"rep": "甲", "target": Decimal("10000"), "left": False}]
    sales = [{"rep": "甲", "sold_on": datetime.date(2026, m, 5), "amount": Decimal(a)} for m, a in ((1, "10000"), (2, "12000.005"), (4, "8000"))]
    result = assert_same(MONTHLY, monthly_dataset(reps, sales), periods=MONTHS)
    totals = [(str(p.period), str(p.total)) for p in result.payees]
    # January: 提成 = 10000×3% + 10000×1.5% = 450.00, 20% held: 360.00 paid
    # February: 提成 = 12000.005×3% + 2000.005×1.5% = 360.00015 + 30.000075 = 390.000225 → 390.00, held 78.00;
    #   达标奖 (two months at 100%+): ytd 22000.005 × 0.5% = 110.000025 → 110.00; 近三月: 22000.005 × 0.25% = 55.0000125 → 55.00
    #   paid 390.00 − 78.00 + 110.00 + 55.00 = 477.00
    # March: nothing sold; 近三月 = 22000.005 × 0.25% = 55.00 (two of three months sold); January's 90.00 released: 145.00
    # April: 提成 = 8000×3% + 8000×1.5% = 360.00, held 72.00; 近三月 = 20000.005 × 0.25% = 50.00 (Feb and Apr);
    #   February's 78.00 released: 360 − 72 + 50 + 78 = 416.00
    assert totals == [("2026-01", "360.00"), ("2026-02", "477.00"), ("2026-03", "145.00"), ("2026-04", "416.00")]


@st.composite
def monthly_data(draw):
    import datetime

    count = draw(st.integers(1, 8))
    reps, sales = [], []
    for i in range(count):
        name = f"rep{i}"
        target = draw(st.one_of(st.just(Decimal(0)), cents.map(abs), st.sampled_from([Decimal("10000"), Decimal("0.01")])))
        reps.append({"rep": name, "target": target, "left": draw(st.booleans()) and draw(st.booleans())})
        for amount in draw(st.lists(st.one_of(cents, ties, st.sampled_from([Decimal("10000"), Decimal("0.005")])), max_size=6)):
            day = datetime.date(2026, draw(st.integers(1, 4)), draw(st.integers(1, 28)))
            sales.append({"rep": name, "sold_on": day, "amount": amount})
    return draw(st.permutations(sales)) if sales else sales, reps


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(monthly_data())
def test_the_monthly_plan_on_generated_data(data):
    sales, reps = data
    assert_same(MONTHLY, monthly_dataset(reps, sales), periods=MONTHS)


def test_a_run_continuing_a_prior_run_is_the_same_on_both_engines():
    """--prior: the balances and lines of an earlier run open this one, on both engines."""
    import datetime

    plan = dsl.load('''plan "p" { currency CNY  period month  payee rep }
input sales: table by sold_on { rep: payee, sold_on: date, amount: money }
payout "提成" = sum(sales.amount) * 10%
payout "增长奖" = previous(line("提成"), 0元) * 10%
hold "留存" = line("提成") * 50%
  release after 1 periods
''').plan

    def data(months):
        rows = [{"rep": "甲", "sold_on": datetime.date(2026, m, 3), "amount": Decimal(a)} for m, a in ((1, "1000"), (2, "2000"), (3, "3000")) if m in months]
        return Dataset({"sales": Table.from_rows(plan.input("sales"), "sales.csv", rows, list(range(2, len(rows) + 2)), {})}, ["甲"])

    first = assert_same(plan, data({1, 2}), periods="2026-01..2026-02")
    # January: 提成 100, 增长奖 0, half held: 50. February: 提成 200 + 增长奖 100×10% − 100 held + January's 50 released = 160
    assert [str(p.total) for p in first.payees] == ["50.00", "160.00"]
    second = assert_same(plan, data({3}), periods="2026-03", prior=first)
    # March: 提成 300; previous reads February's 提成 from the prior run: 增长奖 200×10% = 20;
    # 150 held, February's 100 released: 300 + 20 − 150 + 100 = 270
    assert [str(p.total) for p in second.payees] == ["270.00"]
    # and a history read of a let in a prior period is the same error on both engines
    failing = dsl.load(ROOT / "tests" / "data" / "monthly_hold.plan").plan
    reps = [{"rep": "甲", "target": Decimal("10000"), "left": False}]
    sales = [{"rep": "甲", "sold_on": datetime.date(2026, 1, 5), "amount": Decimal("10000")}]
    earlier = assert_same(failing, monthly_dataset(reps, sales), periods="2026-01")
    later = assert_same(failing, monthly_dataset(reps, []), periods="2026-02", prior=earlier)
    assert [d.code for d in later.diagnostics] == ["R001"] and "not in the prior results" in later.diagnostics[0].message


def test_teams_on_both_engines_with_a_failing_member_and_an_empty_team(tmp_path):
    """Team aggregates over members computed first; a member that fails makes its manager's month an R001."""
    plan = dsl.load('''plan "团队" {
  currency CNY
  period month
  payee staff
  team by staff.manager
  payees "销售部"
}
input staff: record by month { staff: payee, month: month, manager: payee = "", target: money = 1元 }
input sales: table by month { staff: payee, month: month, amount: money }
let 业绩 = sum(sales.amount)
payout "提成" = 业绩 * 2% + 业绩 / staff.target * 0元
payout "团队奖" = sum(members.业绩) * 1% + sum(members.line("提成")) * 10%
flag "最高业绩" = if count(members) > 0 then max(members.业绩) else 0元
flag "未达标人数" = count(members where 业绩 < 10万)
''').plan
    (tmp_path / "staff.csv").write_text("staff,month,manager,target\n"
                                        "甲,2024-01,丙,1\n乙,2024-01,丙,1\n丙,2024-01,销售部,1\n丁,2024-01,,1\n销售部,2024-01,,1\n"
                                        "甲,2024-02,丙,0\n乙,2024-02,丙,1\n丙,2024-02,销售部,1\n丁,2024-02,,1\n销售部,2024-02,,1\n", encoding="utf-8")
    (tmp_path / "sales.csv").write_text("staff,month,amount\n甲,2024-01,40万\n乙,2024-01,60万\n甲,2024-02,5万\n乙,2024-02,1万\n",
                                        encoding="utf-8")
    result = assert_same(plan, str(tmp_path))
    got = {(p.payee, str(p.period)): str(p.total) for p in result.payees}
    # January: 丙's team 甲 + 乙: (40万 + 60万) × 1% + (8000 + 12000) × 10% = 10000 + 2000 = 12000.00;
    # 销售部's team is 丙 alone, who sold nothing: 0.00; 丁 manages nobody and sold nothing: 0.00
    assert got[("丙", "2024-01")] == "12000.00" and got[("销售部", "2024-01")] == "0.00" and got[("丁", "2024-01")] == "0.00"
    # February: 甲 divides by a zero target (its run ends), so 丙's month fails too, and so does 销售部's (丙 is its member)
    assert ("甲", "2024-02") not in got and ("丙", "2024-02") not in got and ("销售部", "2024-02") not in got
    assert got[("乙", "2024-02")] == "200.00"  # 1万 × 2%
    messages = [d.message for d in result.diagnostics]
    assert len(messages) == 3 and "division by zero" in messages[0] and "'甲', in the team of '丙'" in messages[1]


def test_a_clawback_with_a_window_by_hand():
    """A reversal counts only within its window from the original sale: the ledger's clawback on both engines."""
    import datetime

    plan = dsl.load('''plan "p" { currency CNY  period month  payee rep }
input sales: table by sold_on { rep: payee, sold_on: date, amount: money }
input refunds: table by refunded_on { rep: payee, refunded_on: date, sold_on: date, amount: money }
payout "提成" = sum(sales.amount) * 10%
clawback "退款扣回" = refunds.amount * 10% within 30 days of refunds.sold_on
''').plan
    sales = [{"rep": "甲", "sold_on": datetime.date(2026, 1, d), "amount": Decimal(a)} for d, a in ((2, "2000"), (5, "1000"))]
    sales.append({"rep": "甲", "sold_on": datetime.date(2026, 2, 20), "amount": Decimal("500")})
    refunds = [{"rep": "甲", "refunded_on": datetime.date(2026, 2, 1), "sold_on": datetime.date(2026, 1, 5), "amount": Decimal("300")},
               {"rep": "甲", "refunded_on": datetime.date(2026, 2, 10), "sold_on": datetime.date(2026, 1, 2), "amount": Decimal("200")}]
    tables = {"sales": Table.from_rows(plan.input("sales"), "sales.csv", sales, list(range(2, len(sales) + 2)), {}),
              "refunds": Table.from_rows(plan.input("refunds"), "refunds.csv", refunds, list(range(2, len(refunds) + 2)), {})}
    result = assert_same(plan, Dataset(tables, ["甲"]), periods="2026-01..2026-02")
    # January: (2000 + 1000) × 10% = 300. February: 500 × 10% = 50; the 300 refund (sold Jan 5, refunded Feb 1:
    # 27 days < 30) is clawed back at 10% = 30, the 200 one (Jan 2 → Feb 10: 39 days) is outside: 50 − 30 = 20
    assert [str(p.total) for p in result.payees] == ["300.00", "20.00"]
