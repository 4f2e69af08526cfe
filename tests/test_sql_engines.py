"""Choosing an engine: `plan run --engine auto|duckdb|interpreter` and `dsl.evaluate(engine=…)`.

Real subprocess runs of the CLI on a bundled multi-period plan (S7: history reads, a
line read by a hold, forfeits): the same bytes on stdout whichever engine runs, for
CSV, JSON and the workbook. `auto` picks by the data's size and by what the plan uses.
"""
from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

pytest.importorskip("duckdb")
pytest.importorskip("sqlglot")

import dsl  # noqa: E402
from conftest import ROOT, run_plan_cli  # noqa: E402
from dsl.data.dataset import Dataset, Table  # noqa: E402

S7 = ROOT / "plans" / "s7_logistics_2022" / "plan.plan"
S1 = ROOT / "plans" / "s1_big_account" / "plan.plan"


def refused_plan(folder: Path) -> Path:
    """A plan the DuckDB engine does not lower (a clawback window counted in periods), with its data."""
    (folder / "data").mkdir()
    (folder / "data" / "sales.csv").write_text("rep,sold_on,amount\n" + "".join(
        f"{rep},2026-0{m}-05,1000\n" for rep in ("甲", "乙") for m in (1, 2, 3)), encoding="utf-8")
    (folder / "data" / "refunds.csv").write_text("rep,refunded_on,sold_on,amount\n甲,2026-03-01,2026-01-05,300\n", encoding="utf-8")
    path = folder / "refused.plan"
    path.write_text('''plan "p" { currency CNY  period month  payee rep }
input sales: table by sold_on { rep: payee, sold_on: date, amount: money }
input refunds: table by refunded_on { rep: payee, refunded_on: date, sold_on: date, amount: money }
payout "提成" = sum(sales.amount) * 10%
clawback "退款扣回" = refunds.amount * 10% within 3 periods of refunds.sold_on
''', encoding="utf-8")
    return path


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_the_cli_prints_the_same_bytes_on_every_engine(fmt):
    outputs = {}
    for engine in ("interpreter", "duckdb", "auto"):
        done = run_plan_cli("run", str(S7), "--format", fmt, "--engine", engine)
        assert done.returncode == 0, done.stderr
        outputs[engine] = done.stdout
    assert outputs["duckdb"] == outputs["interpreter"] == outputs["auto"]
    if fmt == "json":  # the comparison is about something: twelve months of payees, with the hold's balances
        payees = json.loads(outputs["duckdb"])["payees"]
        assert len({p["period"] for p in payees}) == 12 and any(p.get("balances") for p in payees)


def test_the_cli_writes_the_same_workbook_on_every_engine(tmp_path):
    written = {}
    for engine in ("interpreter", "duckdb"):
        out = tmp_path / f"{engine}.xlsx"
        done = run_plan_cli("run", str(S7), "--format", "xlsx", "--out", str(out), "--engine", engine)
        assert done.returncode == 0, done.stderr
        written[engine] = out.read_bytes()
    assert written["duckdb"] == written["interpreter"]
    assert len(written["duckdb"]) > 1000  # a real workbook, not an empty file


def test_duckdb_refuses_a_plan_it_does_not_lower_naming_the_construct(tmp_path):
    done = run_plan_cli("run", str(refused_plan(tmp_path)), "--engine", "duckdb")
    assert done.returncode == 2
    assert "clawback window counted in periods" in done.stderr and "Traceback" not in done.stderr


def test_auto_runs_a_plan_duckdb_does_not_lower_on_the_interpreter(tmp_path):
    path = refused_plan(tmp_path)
    auto = run_plan_cli("run", str(path), "--engine", "auto")
    reference = run_plan_cli("run", str(path), "--engine", "interpreter")
    assert auto.returncode == reference.returncode == 0, auto.stderr
    assert auto.stdout == reference.stdout
    # 甲 and 乙, three months each: 1000 × 10% = 100.00 a month; 甲's March loses the 300 refund's 10% = 30
    assert "甲,2026-03,提成,payout,100.00" in auto.stdout and "甲,2026-03,退款扣回,recovered,-30.00" in auto.stdout


def _s1_dataset(deals_per_rep: int, reps: int) -> Dataset:
    plan = dsl.load(S1).plan
    rep_rows = [{"rep": f"r{i}", "renewal_rate": Decimal("0.8"), "satisfaction": Decimal(90)} for i in range(reps)]
    deal_rows = [{"rep": f"r{i % reps}", "customer": f"c{i}", "amount": Decimal("1000.00"), "renewed": False}
                 for i in range(deals_per_rep * reps)]
    tables = {"deals": Table.from_rows(plan.input("deals"), "deals.csv", deal_rows, list(range(2, len(deal_rows) + 2)), {}),
              "reps": Table.from_rows(plan.input("reps"), "reps.csv", rep_rows, list(range(2, reps + 2)), {})}
    return Dataset(tables, [r["rep"] for r in rep_rows])


def test_auto_picks_duckdb_from_the_threshold_on(tmp_path):
    plan = dsl.load(S1).plan
    # rows counted over every table: deals + reps; one period; a threshold of 5,000 rows
    below = _s1_dataset(48, 100)  # 48 × 100 deals + 100 reps = 4,900 rows
    at = _s1_dataset(49, 100)     # 49 × 100 deals + 100 reps = 5,000 rows
    assert dsl.api.choose_engine(plan, below, threshold=5000) == "interpreter"
    assert dsl.api.choose_engine(plan, at, threshold=5000) == "duckdb"
    assert dsl.api.choose_engine(plan, at, trace=True, threshold=5000) == "interpreter"  # traces are the interpreter's
    path = refused_plan(tmp_path)
    refused = dsl.load(path).plan  # not lowered (a clawback window in periods): the interpreter however large the data
    assert dsl.api.choose_engine(refused, dsl.read_data(refused, path.parent / "data")[0], threshold=1) == "interpreter"


def test_an_auto_run_is_the_interpreters_run():
    plan = dsl.load(S1).plan
    data = _s1_dataset(5, 100)
    auto = dsl.evaluate(plan, data, engine="auto")
    # each rep: 5 deals × 1000.00 = 5000 → 5000 × 2% = 100.00 (the first band [0, 50万)); nothing renewed: 续签奖励 0
    assert {str(p.total) for p in auto.payees} == {"100.00"} and len(auto.payees) == 100
    assert dsl.render_results(plan, auto, "csv") == dsl.render_results(plan, dsl.evaluate(plan, data, engine="duckdb"), "csv")
