"""The columnar dataset and the evaluation context: real CSV files in tmp_path,
read by the readers, indexed once, evaluated per (payee, period)."""
from __future__ import annotations

import sys
from decimal import Decimal

from conftest import check_text
from dsl.core.types import WHOLE_RUN, Period, PeriodUnit
from dsl.data.dataset import Table
from dsl.data.readers import load_data
from dsl.run.context import EvalContext, payee_context
from dsl.run.interpreter import evaluate


PLAN = '''plan "d" { currency CNY  period quarter  payee rep }
input deals: table { rep: payee, amount: money, renewed: bool = false }
input reps: record { rep: payee, rate: percent }
input company: params { bonus: money }
input regions: shared table { name: text }
let sales = sum(deals.amount)
payout "提成" = sales * reps.rate
payout "续签" = company.bonus * count(deals where renewed)
'''


def load(tmp_path):
    (tmp_path / "deals.csv").write_text("rep,amount,renewed\n甲,100.10,true\n乙,50,false\n甲,0.20,\n", encoding="utf-8")
    (tmp_path / "reps.csv").write_text("rep,rate\n甲,10%\n乙,20%\n", encoding="utf-8")
    (tmp_path / "company.csv").write_text("bonus\n7\n", encoding="utf-8")
    (tmp_path / "regions.csv").write_text("name\n华东\n华北\n", encoding="utf-8")
    plan, diagnostics = check_text(PLAN, "d.plan")
    assert plan is not None, diagnostics
    dataset, problems = load_data(tmp_path, plan.inputs, plan.currency)
    assert problems == [] and dataset is not None
    return plan, dataset


def test_a_table_is_a_column_per_field_with_its_provenance(tmp_path):
    _, dataset = load(tmp_path)
    deals = dataset.tables["deals"]
    assert isinstance(deals, Table) and len(deals) == 3
    assert deals.columns == {
        "rep": ["甲", "乙", "甲"],
        "amount": [Decimal("100.10"), Decimal("50"), Decimal("0.20")],
        "renewed": [True, False, False],  # the empty cell takes the declared default
    }
    assert deals.row_numbers == [2, 3, 4]  # physical CSV lines, after the header
    assert deals.labels == {"rep": "1", "amount": "2", "renewed": "3"}
    assert deals.cell(2, "amount") == {"file": str(tmp_path / "deals.csv"), "row": 4, "column": "amount", "column_label": "2"}


def test_payee_and_period_indexes_are_built_with_the_table(tmp_path):
    _, dataset = load(tmp_path)
    deals, regions = dataset.tables["deals"], dataset.tables["regions"]
    assert deals.payee_rows == {"甲": (0, 2), "乙": (1,)}
    assert deals.period_rows == {WHOLE_RUN: range(3)}  # one period until data carry period columns
    assert deals.rows_of("甲") == (0, 2) and deals.rows_of("丙") == ()
    assert regions.payee_rows is None and list(regions.rows_of("甲")) == [0, 1]  # rows of no payee: every payee reads all
    assert deals.rows_of("甲", Period(PeriodUnit.MONTH)) == ()  # a period the data do not cover has no rows
    assert dataset.periods == (WHOLE_RUN,)


def test_a_context_is_keyed_by_payee_and_period(tmp_path):
    plan, dataset = load(tmp_path)
    context = payee_context(plan.inputs, dataset, "乙")
    assert context.key == ("乙", WHOLE_RUN)
    assert dict(context.rows) == {"deals": (1,), "regions": range(2)}
    assert dict(context.records) == {"reps": 1}  # 乙 is the second row of reps.csv
    assert context == EvalContext("乙", WHOLE_RUN) and hash(context) == hash(EvalContext("乙", WHOLE_RUN))
    assert payee_context(plan.inputs, dataset, "丙").records == {"reps": None}


def test_a_run_reads_the_columns(tmp_path):
    plan, dataset = load(tmp_path)
    result = evaluate(plan, dataset, trace=False)
    # 甲: sales 100.10 + 0.20 = 100.30; × 10% = 10.03; one renewed deal × 7 = 7.00; total 17.03
    # 乙: sales 50 × 20% = 10.00; no renewed deal: 0.00; total 10.00
    assert [(p.payee, [l.value for l in p.lines], p.total) for p in result.payees] == [
        ("甲", [Decimal("10.03"), Decimal("7.00")], Decimal("17.03")),
        ("乙", [Decimal("10.00"), Decimal("0.00")], Decimal("10.00")),
    ]
    assert [p.period for p in result.payees] == [WHOLE_RUN, WHOLE_RUN]


def _calls_of(code, run) -> int:
    """How many times the function with `code` is entered while `run()` runs."""
    count = 0

    def profile(frame, event, arg):
        nonlocal count
        if event == "call" and frame.f_code is code:
            count += 1

    sys.setprofile(profile)
    try:
        run()
    finally:
        sys.setprofile(None)
    return count


def test_an_untraced_run_builds_no_reference_to_a_data_cell(tmp_path):
    plan, dataset = load(tmp_path)
    untraced = _calls_of(Table.cell.__code__, lambda: evaluate(plan, dataset, trace=False))
    traced = _calls_of(Table.cell.__code__, lambda: evaluate(plan, dataset, trace=True))
    assert untraced == 0
    # Traced, every value read is referenced: 甲 reads 2 amounts + 2 renewed cells + rate + bonus = 6;
    # 乙 reads 1 amount + 1 renewed + rate + bonus = 4.
    assert traced == 10
