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
S10 = ROOT / "plans" / "s10_hotel_sales" / "plan.plan"
S1 = ROOT / "plans" / "s1_big_account" / "plan.plan"


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


def test_duckdb_refuses_a_plan_it_does_not_lower_naming_the_construct():
    done = run_plan_cli("run", str(S10), "--engine", "duckdb")
    assert done.returncode == 2
    assert "clawbacks" in done.stderr and "Traceback" not in done.stderr


def test_auto_runs_a_plan_duckdb_does_not_lower_on_the_interpreter():
    auto = run_plan_cli("run", str(S10), "--engine", "auto")
    reference = run_plan_cli("run", str(S10), "--engine", "interpreter")
    assert auto.returncode == reference.returncode == 0, auto.stderr
    assert auto.stdout == reference.stdout and auto.stdout.count("\n") > 10


def _s1_dataset(deals_per_rep: int, reps: int) -> Dataset:
    plan = dsl.load(S1).plan
    rep_rows = [{"rep": f"r{i}", "renewal_rate": Decimal("0.8"), "satisfaction": Decimal(90)} for i in range(reps)]
    deal_rows = [{"rep": f"r{i % reps}", "customer": f"c{i}", "amount": Decimal("1000.00"), "renewed": False}
                 for i in range(deals_per_rep * reps)]
    tables = {"deals": Table.from_rows(plan.input("deals"), "deals.csv", deal_rows, list(range(2, len(deal_rows) + 2)), {}),
              "reps": Table.from_rows(plan.input("reps"), "reps.csv", rep_rows, list(range(2, reps + 2)), {})}
    return Dataset(tables, [r["rep"] for r in rep_rows])


def test_auto_picks_duckdb_from_the_threshold_on():
    plan = dsl.load(S1).plan
    # rows counted over every table: deals + reps; one period; a threshold of 5,000 rows
    below = _s1_dataset(48, 100)  # 48 × 100 deals + 100 reps = 4,900 rows
    at = _s1_dataset(49, 100)     # 49 × 100 deals + 100 reps = 5,000 rows
    assert dsl.api.choose_engine(plan, below, threshold=5000) == "interpreter"
    assert dsl.api.choose_engine(plan, at, threshold=5000) == "duckdb"
    assert dsl.api.choose_engine(plan, at, trace=True, threshold=5000) == "interpreter"  # traces are the interpreter's
    s10 = dsl.load(S10).plan  # not lowered (clawbacks): the interpreter however large the data
    assert dsl.api.choose_engine(s10, dsl.read_data(s10, S10.parent / "data")[0], threshold=1) == "interpreter"


def test_an_auto_run_is_the_interpreters_run():
    plan = dsl.load(S1).plan
    data = _s1_dataset(5, 100)
    auto = dsl.evaluate(plan, data, engine="auto")
    # each rep: 5 deals × 1000.00 = 5000 → 5000 × 2% = 100.00 (the first band [0, 50万)); nothing renewed: 续签奖励 0
    assert {str(p.total) for p in auto.payees} == {"100.00"} and len(auto.payees) == 100
    assert dsl.render_results(plan, auto, "csv") == dsl.render_results(plan, dsl.evaluate(plan, data, engine="duckdb"), "csv")
