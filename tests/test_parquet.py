"""Parquet files and a DuckDB database file as inputs, for both engines.

Real files written by DuckDB in tmp_path: typed columns are checked against the
plan's fields (a binary-float column for money is refused, naming the file and
the column), DECIMAL and integer columns are read exactly, a percent stored as
a number is the fraction, text columns take the cell grammar. The interpreter
reads them through the Python loader (DuckDB gives it Python values); the
DuckDB engine reads the files in SQL. Both pay the hand-computed amounts.
"""
from __future__ import annotations

import shutil
from decimal import Decimal
from pathlib import Path

import pytest

duckdb = pytest.importorskip("duckdb")
pytest.importorskip("sqlglot")

import dsl  # noqa: E402
from dsl.data.readers import load_data  # noqa: E402

from conftest import ROOT, run_plan_cli  # noqa: E402

S1 = ROOT / "plans" / "s1_big_account" / "plan.plan"
DEALS = ("SELECT * FROM (VALUES ('甲', '华东重工', CAST(1200000.00 AS DECIMAL(18, 2)), true), ('甲', '北方物流', 800000.00, false), "
         "('乙', '南方电气', 1200000.00, false)) AS t(rep, customer, amount, renewed)")
REPS = ("SELECT * FROM (VALUES ('甲', CAST(0.85 AS DECIMAL(5, 2)), 92), ('乙', 0.60, 88)) "
        "AS t(rep, renewal_rate, satisfaction)")
# 甲: 200万 marginal = 50万×2% + 50万×3% + 100万×4% = 65,000; renewal 85% ≥ 80% and satisfaction 92 ≥ 90:
#     0.5% × the renewed 120万 = 6,000 → 71,000.00
# 乙: 120万 marginal = 50万×2% + 50万×3% + 20万×4% = 33,000; renewal 60% < 80%: no bonus → 33,000.00
TOTALS = [("甲", Decimal("71000.00")), ("乙", Decimal("33000.00"))]


def write(folder: Path, **queries: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect()
    for name, query in queries.items():
        con.execute(f"COPY ({query}) TO '{folder / (name + '.parquet')}' (FORMAT parquet)")
    con.close()
    return folder


def totals(data, engine: str):
    plan = dsl.load(S1).plan
    dataset, diagnostics = dsl.read_data(plan, data, engine=engine)
    assert diagnostics == []
    result = dsl.evaluate(plan, dataset, engine=engine)
    return [(p.payee, p.total) for p in result.payees], dataset


@pytest.mark.parametrize("engine", ["interpreter", "duckdb"])
def test_s1_from_parquet_pays_the_hand_computed_totals(tmp_path, engine):
    data = write(tmp_path / "data", deals=DEALS, reps=REPS)
    paid, dataset = totals(data, engine)
    assert paid == TOTALS
    if engine == "duckdb":
        assert type(dataset).__name__ == "Columnar"  # read in SQL, not through Python values


def test_parquet_values_are_exact_decimals_with_their_scale(tmp_path):
    plan = dsl.load(S1).plan
    data = write(tmp_path / "data", deals=DEALS, reps=REPS)
    dataset, _ = load_data(data, plan.inputs, plan.currency)
    columnar, _ = dsl.read_data(plan, data, engine="duckdb")
    for read in (dataset, columnar.to_dataset()):
        # DECIMAL(18, 2) keeps its two places; a percent stored as DECIMAL(5, 2) 0.85 is the fraction 85%
        assert [str(v) for v in read.tables["deals"].columns["amount"]] == ["1200000.00", "800000.00", "1200000.00"]
        assert read.tables["reps"].columns["renewal_rate"] == [Decimal("0.85"), Decimal("0.60")]
        assert list(read.tables["deals"].row_numbers) == [1, 2, 3]  # rows counted from 1 in the file's order


def test_the_cli_prints_the_same_results_from_parquet_on_both_engines(tmp_path):
    shutil.copy(S1, tmp_path / "plan.plan")
    write(tmp_path / "data", deals=DEALS, reps=REPS)
    interpreter = run_plan_cli("run", "plan.plan", cwd=tmp_path)
    engine = run_plan_cli("run", "plan.plan", "--engine", "duckdb", cwd=tmp_path)
    assert interpreter.returncode == 0, interpreter.stderr
    assert engine.stdout == interpreter.stdout
    assert "甲,quarter,销售额提成,payout,65000.00" in engine.stdout  # 50万×2% + 50万×3% + 100万×4%


def test_a_double_column_for_money_is_refused_naming_file_and_column(tmp_path):
    shutil.copy(S1, tmp_path / "plan.plan")
    write(tmp_path / "data", deals=DEALS.replace("CAST(1200000.00 AS DECIMAL(18, 2))", "CAST(1200000.00 AS DOUBLE)"), reps=REPS)
    for engine in ("interpreter", "duckdb"):
        result = run_plan_cli("run", "plan.plan", "--engine", engine, cwd=tmp_path)
        assert result.returncode == 1
        # column 3 of deals.parquet is amount, a DOUBLE: refused as a whole, at the file and the column
        assert "data/deals.parquet:1:3" in result.stderr and "'amount' (DOUBLE)" in result.stderr
        assert "DECIMAL" in result.stderr and "Traceback" not in result.stderr


def test_text_cells_in_parquet_take_the_cell_grammar(tmp_path):
    deals = ("SELECT * FROM (VALUES ('甲', 'a', '120万', 'true'), ('甲', 'b', '\"80万\"', '否'), ('乙', 'c', '1,200,000.00', '是')) "
             "AS t(rep, customer, amount, renewed)")
    good = deals.replace("'\"80万\"'", "'80万'")
    data = write(tmp_path / "good", deals=good, reps=REPS)
    for engine in ("interpreter", "duckdb"):
        assert totals(data, engine)[0] == TOTALS  # 120万 + 80万 = 200万 for 甲, 1,200,000.00 for 乙: as above
    plan = dsl.load(S1).plan
    bad = write(tmp_path / "bad", deals=deals, reps=REPS)
    expected = load_data(bad, plan.inputs, plan.currency)[1]
    found = dsl.read_data(plan, bad, engine="duckdb")[1]
    assert [(d.code, d.message, d.span) for d in found] == [(d.code, d.message, d.span) for d in expected]
    # the second row's amount, column 3, is not a number: one located D003
    assert [(d.code, d.span.line, d.span.column) for d in found] == [("D003", 2, 3)]
    assert "'\"80万\"' is not a number" in found[0].message


def test_a_parquet_input_beside_a_csv_input(tmp_path):
    data = write(tmp_path / "data", deals=DEALS)
    (data / "reps.csv").write_text("rep,renewal_rate,satisfaction\n甲,85%,92\n乙,60%,88\n", encoding="utf-8")
    for engine in ("interpreter", "duckdb"):
        assert totals(data, engine)[0] == TOTALS


def test_a_duckdb_database_file_with_a_table_per_input(tmp_path):
    path = tmp_path / "s1.duckdb"
    con = duckdb.connect(str(path))
    con.execute(f"CREATE TABLE deals AS {DEALS}")
    con.execute(f"CREATE TABLE reps AS {REPS}")
    con.close()
    for engine in ("interpreter", "duckdb"):
        paid, dataset = totals(path, engine)
        assert paid == TOTALS
        assert dataset.tables["deals"].file == f"{path}#deals"


def test_a_database_without_the_inputs_table_is_a_d001(tmp_path):
    path = tmp_path / "s1.duckdb"
    con = duckdb.connect(str(path))
    con.execute(f"CREATE TABLE deals AS {DEALS}")
    con.close()
    plan = dsl.load(S1).plan
    for engine in ("interpreter", "duckdb"):
        dataset, diagnostics = dsl.read_data(plan, path, engine=engine)
        assert dataset is None and [d.code for d in diagnostics] == ["D001"]
        assert "no table named 'reps'" in diagnostics[0].message
