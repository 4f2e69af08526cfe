"""No money appears or disappears in the ledger, over any run.

For random sequences of periods — earnings (some negative), holds released by
condition, after two periods and at year end, forfeitures of all or part of a
balance, scaled releases, clawbacks with instalments and a floor on pay
(negative amounts returning what was recovered), a recoverable and a
non-recoverable draw — the fold of the postings conserves money to the cent:

    Σ paid + held − owed = Σ earned + Σ scaled − Σ forfeited − Σ (clawed back − returned) + Σ non-recoverable draws

where held is the holds' closing balance and owed the closing balances of the
clawback, the recoverable draw and carried pay. Every amount the plan produces
is rounded to the cent, so the identity is exact.
"""
from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings, strategies as st

import dsl
from dsl.core.periods import month
from dsl.data.dataset import Dataset, Table

PLAN = '''
plan "守恒" { currency CNY  period month  payee rep }
input m: params by month {
  month: month, earned: money, hold: percent, release: bool, forfeit_all: bool, forfeit_part: bool,
  scale: number, keep: money, instalment: money, draw: money, guarantee: money
}
input r: table by month { rep: payee, month: month, amount: money }
payout "earned" = m.earned
hold "h" = max(line("earned"), 0元) * m.hold
  forfeit when m.forfeit_all
  forfeit 30% when m.forfeit_part
  release when m.release
  release after 2 periods
  release at year end
  scaled by m.scale
clawback "c" = r.amount recover at most m.instalment per period keep at least m.keep
draw "d1" = m.draw recoverable
draw "d2" = m.guarantee nonrecoverable
'''

COMPILED = dsl.load(PLAN, "conservation.plan")
assert COMPILED.ok, COMPILED.diagnostics


def cents(low: int, high: int):
    return st.integers(low, high).map(lambda n: Decimal(n).scaleb(-2))


period_values = st.fixed_dictionaries({
    "earned": cents(-200_000, 800_000),
    "hold": st.integers(0, 100).map(lambda n: Decimal(n).scaleb(-2)),
    "release": st.booleans(),
    "forfeit_all": st.integers(0, 9).map(lambda n: n == 0),
    "forfeit_part": st.integers(0, 5).map(lambda n: n == 0),
    "scale": st.integers(50, 150).map(lambda n: Decimal(n).scaleb(-2)),
    "keep": cents(0, 100_000),
    "instalment": cents(0, 300_000),
    "draw": cents(0, 300_000),
    "guarantee": st.sampled_from([Decimal(0), Decimal("500.00")]),
    "reversals": st.lists(cents(-100_000, 300_000), max_size=3),
})


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 11), st.lists(period_values, min_size=1, max_size=8))
def test_paid_plus_held_minus_owed_is_earned_less_what_was_lost(first_month, values):
    plan = COMPILED.plan
    periods = [month(2026 + (first_month - 1 + i) // 12, (first_month - 1 + i) % 12 + 1) for i in range(len(values))]
    params, reversals = [], []
    for period, row in zip(periods, values):
        params.append({"month": period, **{k: v for k, v in row.items() if k != "reversals"}})
        reversals += [{"rep": "甲", "month": period, "amount": amount} for amount in row["reversals"]]
    tables = {
        "m": Table.from_rows(plan.input("m"), "m", params, list(range(1, len(params) + 1)), {}),
        "r": Table.from_rows(plan.input("r"), "r", reversals, list(range(1, len(reversals) + 1)), {}),
    }
    result = dsl.evaluate(plan, Dataset(tables, ["甲"]), periods=periods)
    assert not result.diagnostics, result.diagnostics
    assert [p.period for p in result.payees] == periods
    paid = sum(p.total for p in result.payees)
    earned = sum(p.earned for p in result.payees)

    def posted(kind, account=None):
        return sum(x.amount for p in result.payees for x in p.postings if x.kind == kind and account in (None, x.account))

    last = result.payees[-1]
    held = last.balance("h")
    owed = last.balance("c") + last.balance("d1") + last.balance("carried")
    lost = posted("forfeited") + posted("clawed_back") - posted("returned")
    assert paid + held - owed == earned + posted("scaled") - lost + posted("draw_paid", "d2")
    # and every period's lines add up to what it pays
    for p in result.payees:
        assert sum(line.value for line in p.lines) == p.total
    assert all(p.total >= 0 for p in result.payees)  # a pay below zero is carried, never paid negative
