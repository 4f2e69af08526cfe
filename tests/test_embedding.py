"""The embedding API, `dsl.run`: a plan run on data a program holds (a dict of rows, pandas, polars and
arrow frames), typed and checked by the loader's own rules, and its `Results` as records, totals and
data frames of exact Decimals.

S1 (plans/s1_big_account) is the plan throughout; its CSV files are read here with the csv module and
turned into Python values. By hand (the plan's marginal table and README):
  甲: deals 1,200,000.00 (renewed) + 800,000 = 200万 → 50万×2% + 50万×3% + 100万×4% = 65,000;
      renewal 85% ≥ 80% and satisfaction 92 ≥ 90 → 0.5% × 120万 renewed = 6,000; total 71,000.00
  乙: one deal of 120万 → 50万×2% + 50万×3% + 20万×4% = 10,000 + 15,000 + 8,000 = 33,000;
      renewal 60% < 80% → no bonus; total 33,000.00
"""
from __future__ import annotations

import csv
import datetime
import re
import subprocess
import sys
import tomllib
import zipfile
from decimal import Decimal
from pathlib import Path

import pandas as pd
import polars as pl
import pyarrow as pa
import pytest

import dsl
from conftest import ROOT

S1 = ROOT / "plans" / "s1_big_account"
PLAN = S1 / "plan.plan"
TOTALS = {"甲": Decimal("71000.00"), "乙": Decimal("33000.00")}  # the hand calculation above

# A one-input plan: each line is the sum itself, so the values read are the values paid.
SUM_PLAN = """plan "合计" {
  currency CNY
  payee rep
  rounding half_up to 0.0001
}

input deals: table {
  rep: payee
  amount: money
}

payout "合计" = sum(deals.amount)
"""

# Paid by month: each deal counts in the month of its `sold_on`.
MONTHLY_PLAN = """plan "月度" {
  currency CNY
  period month
  payee rep
}

input deals: table by sold_on {
  rep: payee
  sold_on: date
  amount: money
}

payout "提成" = sum(deals.amount) * 10%
"""


def csv_rows(name: str) -> list[dict]:
    with open(S1 / "data" / f"{name}.csv", encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def rows() -> dict[str, list[dict]]:
    """S1's data as a dict of rows, every cell the CSV file's text: "1,200,000.00", "120万", "no", "85%"."""
    return {"deals": csv_rows("deals"), "reps": csv_rows("reps")}


def typed_deals() -> dict[str, list]:
    """S1's deals as typed columns, written out by hand from deals.csv (120万 = 1,200,000)."""
    return {"rep": ["甲", "甲", "乙"], "customer": ["华东重工", "北方物流", "南方电气"],
            "amount": [Decimal("1200000.00"), Decimal("800000"), Decimal("1200000")], "renewed": [True, False, False]}


def codes(results) -> list[str]:
    return [d.code for d in results.diagnostics]


def test_the_csv_folder_gives_the_hand_totals():
    results = dsl.run(PLAN, S1 / "data")
    assert results.ok and results.diagnostics == ()
    assert results.totals() == TOTALS


def test_a_dict_of_rows_gives_the_same_results_as_the_csv_folder():
    results = dsl.run(PLAN, rows())
    assert results.ok, results.diagnostics
    assert results.totals() == TOTALS
    # line by line the same as the files: 65,000 + 6,000 for 甲, 33,000 + 0 for 乙
    assert results.records() == dsl.run(PLAN, S1 / "data").records()
    assert [(r["payee"], r["line"], r["value"]) for r in results.records()] == [
        ("甲", "销售额提成", Decimal("65000.00")), ("甲", "续签奖励", Decimal("6000.00")),
        ("乙", "销售额提成", Decimal("33000.00")), ("乙", "续签奖励", Decimal("0.00"))]


def test_a_dict_of_python_values_is_typed_like_cells():
    values = {"deals": [dict(zip(typed_deals(), row)) for row in zip(*typed_deals().values())],
              # 85% as its fraction (a stored number in a percent column is the fraction, as Excel keeps it)
              "reps": [{"rep": "甲", "renewal_rate": Decimal("0.85"), "satisfaction": 92},
                       {"rep": "乙", "renewal_rate": "60%", "satisfaction": 88}]}
    assert dsl.run(PLAN, values).totals() == TOTALS


def test_the_plan_may_be_text_a_path_string_or_a_compilation():
    text = PLAN.read_text(encoding="utf-8")
    compilation = dsl.load(PLAN)
    for plan in (text, "plans/s1_big_account/plan.plan", compilation, compilation.plan):
        assert dsl.run(plan, rows()).totals() == TOTALS, type(plan)


@pytest.mark.parametrize("library", ["pandas", "polars", "arrow"])
def test_data_frames_of_text_give_the_same_totals(library):
    make = {"pandas": pd.DataFrame, "polars": pl.DataFrame, "arrow": pa.Table.from_pylist}[library]
    frames = {name: make(table) for name, table in rows().items()}
    results = dsl.run(PLAN, frames)
    assert results.ok, results.diagnostics
    assert results.totals() == TOTALS


def test_typed_pandas_frames_give_the_same_totals():
    deals = pd.DataFrame(typed_deals())  # amount: an object column of Decimal; renewed: bool
    reps = pd.DataFrame({"rep": ["甲", "乙"], "renewal_rate": ["85%", "60%"], "satisfaction": [92, 88]})  # int64
    assert deals["amount"].dtype == object and reps["satisfaction"].dtype == "int64"
    assert dsl.run(PLAN, {"deals": deals, "reps": reps}).totals() == TOTALS


def test_typed_polars_frames_give_the_same_totals():
    deals = pl.DataFrame(typed_deals(), schema_overrides={"amount": pl.Decimal(18, 2)})
    reps = pl.DataFrame({"rep": ["甲", "乙"], "renewal_rate": ["85%", "60%"], "satisfaction": [92, 88]})
    assert deals.schema["amount"] == pl.Decimal(18, 2)
    assert dsl.run(PLAN, {"deals": deals, "reps": reps}).totals() == TOTALS


def test_typed_arrow_tables_give_the_same_totals():
    columns = typed_deals()
    deals = pa.table({"rep": columns["rep"], "customer": columns["customer"],
                      "amount": pa.array(columns["amount"], pa.decimal128(18, 2)), "renewed": columns["renewed"]})
    reps = pa.table({"rep": ["甲", "乙"], "renewal_rate": ["85%", "60%"], "satisfaction": pa.array([92, 88], pa.int32())})
    assert dsl.run(PLAN, {"deals": deals, "reps": reps}).totals() == TOTALS


def test_the_duckdb_engine_gives_the_same_totals_from_a_dict_of_rows():
    assert dsl.run(PLAN, rows(), engine="duckdb").totals() == TOTALS


def test_payees_limit_the_run():
    assert dsl.run(PLAN, rows(), payees=["乙"]).totals() == {"乙": Decimal("33000.00")}  # 10,000 + 15,000 + 8,000


def test_a_bare_frame_binds_to_a_plan_with_one_input():
    frame = pd.DataFrame({"rep": ["甲", "乙", "甲"], "amount": ["1.5万", "20.25", Decimal("0.75")]})
    results = dsl.run(SUM_PLAN, frame)
    assert results.totals() == {"甲": Decimal("15000.7500"), "乙": Decimal("20.2500")}  # 15,000 + 0.75; 20.25


def test_a_bare_frame_for_a_plan_of_two_inputs_is_a_type_error():
    with pytest.raises(TypeError, match=r"one data frame binds to a plan with one input; this plan has 2 \('deals', 'reps'\)"):
        dsl.run(PLAN, pd.DataFrame(rows()["deals"]))


@pytest.mark.parametrize("data", [42, ["deals"], {"deals": "deals.csv", "reps": []}, {1: []}])
def test_data_of_a_kind_it_does_not_read_is_a_type_error(data):
    with pytest.raises(TypeError):
        dsl.run(PLAN, data)


# ---------------------------------------------------------------- binary floats

def float_deals(make, amounts):
    return make({"rep": ["甲", "甲", "乙"], "customer": ["华东重工", "北方物流", "南方电气"], "amount": amounts,
                 "renewed": [True, False, False]})


FLOAT_FRAMES = {
    "pandas": pd.DataFrame,  # float64
    "polars": pl.DataFrame,  # Float64
    "arrow": pa.table,  # double
}


@pytest.mark.parametrize("library", FLOAT_FRAMES)
def test_a_float_column_is_refused_without_a_policy(library):
    deals = float_deals(FLOAT_FRAMES[library], [1200000.0, 800000.0, 1200000.0])
    results = dsl.run(PLAN, {"deals": deals, "reps": pd.DataFrame(rows()["reps"])})
    assert not results.ok and results.payees == ()
    (problem,) = results.diagnostics
    assert problem.code == "D006"
    # the input, the column (third, 'amount') and its type, and how to say what the floats mean
    assert re.match(r"input 'deals' column 3 'amount' \((float64|Float64|double)\) holds binary floating-point numbers", problem.message)
    assert 'floats="round:0.01"' in problem.message and 'floats="exact"' in problem.message
    assert (problem.span.line, problem.span.column) == (1, 3)


def test_a_float_in_a_dict_of_rows_is_refused_without_a_policy():
    values = rows()
    values["deals"][1]["amount"] = 800000.0
    results = dsl.run(PLAN, values)
    assert codes(results) == ["D003"]
    assert results.diagnostics[0].message == ("input 'deals' row 2, column 'amount': 800000.0 is a binary float; "
                                              "give exact numbers as Decimal or text")


@pytest.mark.parametrize("library", FLOAT_FRAMES)
def test_round_to_the_cent_reads_each_float_by_its_exact_binary_value(library):
    # 1199999.995 is stored as 1199999.995000000111758708953857421875: above the midpoint, so half-even to
    # the cent gives 1,200,000.00; 800000.004 is stored as 800000.00399999995…: 800,000.00. The deals are then
    # S1's own, and so are the totals: 71,000.00 and 33,000.00.
    assert Decimal(1199999.995) > Decimal("1199999.995") and Decimal(800000.004) < Decimal("800000.004")
    deals = float_deals(FLOAT_FRAMES[library], [1199999.995, 800000.004, 1200000.0])
    results = dsl.run(PLAN, {"deals": deals, "reps": rows()["reps"]}, floats="round:0.01")
    assert results.ok, results.diagnostics
    assert results.totals() == TOTALS


def test_round_is_half_even_on_the_binary_value_not_on_its_repr():
    # 2.675 is stored as 2.67499999999999982236…: below the midpoint, 2.67 (its repr '2.675' would give 2.68);
    # 0.125 is stored exactly: a tie, half-even keeps the even cent, 0.12 (half-up would give 0.13).
    frame = pd.DataFrame({"rep": ["甲", "甲"], "amount": [2.675, 0.125]})
    assert dsl.run(SUM_PLAN, frame, floats="round:0.01").totals() == {"甲": Decimal("2.7900")}  # 2.67 + 0.12
    # to the whole yuan: 2.675 → 3, 0.125 → 0
    assert dsl.run(SUM_PLAN, frame, floats="round:1").totals() == {"甲": Decimal("3.0000")}


def test_exact_takes_the_binary_value_within_the_numeric_policy():
    # 0.5 and 0.25 are binary fractions, exact in 2 places: 0.75
    assert dsl.run(SUM_PLAN, pl.DataFrame({"rep": ["甲", "甲"], "amount": [0.5, 0.25]}), floats="exact").totals() == {"甲": Decimal("0.7500")}
    # 0.1 is stored as 0.1000000000000000055511151231257827021181583404541015625: 55 places, beyond the policy's 18
    results = dsl.run(SUM_PLAN, {"deals": [{"rep": "甲", "amount": 0.1}]}, floats="exact")
    assert codes(results) == ["D003"]
    assert results.diagnostics[0].message == ("input 'deals' row 1, column 'amount': '0.1000000000000000055511151231257827021181583404541015625' "
                                              "has 55 decimal places; at most 18 are kept exactly")


@pytest.mark.parametrize("policy", ["round", "round:0.05", "round:1e-2", "round:0.0000000000000000001", "nearest", "", 0.01])
def test_a_bad_float_policy_is_a_value_error_naming_the_accepted_forms(policy):
    with pytest.raises(ValueError, match=r'give "round:QUANTUM", QUANTUM a power of ten .*\(e\.g\. "round:0\.01"\), or "exact"'):
        dsl.run(PLAN, rows(), floats=policy)


def test_missing_values_of_a_frame_are_empty_cells():
    # pandas marks a missing string as NaN, a missing number as NaN or NA: the declared default fills
    # `renewed` (false), and an amount without a default is an empty cell (D003)
    deals = pd.DataFrame({"rep": ["甲", "甲", "乙"], "customer": ["华东重工", "北方物流", "南方电气"],
                          "amount": ["1,200,000.00", "800000", "120万"], "renewed": ["true", None, None]})
    assert deals["renewed"].isna().sum() == 2
    assert dsl.run(PLAN, {"deals": deals, "reps": rows()["reps"]}).totals() == TOTALS
    deals.loc[2, "amount"] = None
    results = dsl.run(PLAN, {"deals": deals, "reps": rows()["reps"]})
    assert [(d.code, d.message) for d in results.diagnostics] == [("D003", "input 'deals' row 3, column 'amount': empty cell")]


# ---------------------------------------------------------------- the loader's diagnostics

def test_a_bad_cell_in_a_frame_is_d003_with_input_row_and_column():
    deals = pd.DataFrame(rows()["deals"])
    deals.loc[1, "amount"] = "80万o"  # the second row
    results = dsl.run(PLAN, {"deals": deals, "reps": pd.DataFrame(rows()["reps"])})
    assert not results.ok and results.payees == ()
    (problem,) = results.diagnostics
    assert problem.code == "D003"
    assert problem.message.startswith("input 'deals' row 2, column 'amount': '80万o' is not")
    assert (problem.span.file, problem.span.line, problem.span.column) == ("deals (pandas DataFrame)", 2, 3)


def test_a_bad_cell_in_a_dict_of_rows_is_d003_with_input_row_and_column():
    values = rows()
    values["reps"][1]["renewal_rate"] = "0.6"  # a percent without its % sign
    results = dsl.run(PLAN, values)
    assert [(d.code, d.span.line, d.span.column) for d in results.diagnostics] == [("D003", 2, 2)]
    assert results.diagnostics[0].message.startswith("input 'reps' row 2, column 'renewal_rate': '0.6' has no % sign")


def test_an_unknown_payee_is_d004():
    deals = pl.DataFrame(rows()["deals"]).with_columns(pl.Series("rep", ["甲", "甲", "丙"]))
    results = dsl.run(PLAN, {"deals": deals, "reps": pl.DataFrame(rows()["reps"])})
    assert codes(results) == ["D004"]
    assert results.diagnostics[0].message == ("input 'deals' row 3, column 'rep': payee '丙' is not on the roster "
                                              "(the rows of input 'reps')")


def test_a_missing_column_is_d002():
    deals = pd.DataFrame(rows()["deals"]).drop(columns=["amount"])
    results = dsl.run(PLAN, {"deals": deals, "reps": rows()["reps"]})
    assert codes(results) == ["D002"]
    assert results.diagnostics[0].message == "input 'deals' has no column 'amount'; columns present: 'rep', 'customer', 'renewed'"
    values = rows()
    del values["deals"][0]["amount"]
    results = dsl.run(PLAN, values)  # rows of a dict carry their own fields: the row is named
    assert [(d.code, d.message) for d in results.diagnostics] == [
        ("D002", "input 'deals' row 1 has no field 'amount'; fields present: 'rep', 'customer', 'renewed', 'amount'")]


def test_a_payee_twice_in_a_record_is_d005():
    reps = pa.Table.from_pylist(rows()["reps"] + [{"rep": "甲", "renewal_rate": "90%", "satisfaction": "95"}])
    results = dsl.run(PLAN, {"deals": rows()["deals"], "reps": reps})
    assert codes(results) == ["D005"]
    assert results.diagnostics[0].message == "payee '甲' has two rows in input 'reps': rows 1 and 3"


def test_a_missing_input_is_d001():
    results = dsl.run(PLAN, {"deals": rows()["deals"], "rep": rows()["reps"]})
    assert [(d.code, d.message, d.hint) for d in results.diagnostics] == [
        ("D001", "the data passed gives no rows for input 'reps'", "did you mean 'rep'?")]


def test_a_plan_with_errors_returns_its_diagnostics_and_no_results():
    results = dsl.run('plan "x" { currency CNY }\npayout "a" = 100元 + 2%', rows())
    assert not results.ok and results.payees == () and results.records() == [] and results.totals() == {}
    assert [d.code for d in results.diagnostics] == ["E103"]


# ---------------------------------------------------------------- results

def test_to_pandas_holds_exact_decimals():
    frame = dsl.run(PLAN, rows()).to_pandas()
    assert list(frame.columns) == ["payee", "period", "line", "kind", "value"]
    assert frame["value"].dtype == object
    assert all(type(value) is Decimal for value in frame["value"])
    assert frame["value"].tolist() == [Decimal("65000.00"), Decimal("6000.00"), Decimal("33000.00"), Decimal("0.00")]
    assert frame["value"].sum() == Decimal("104000.00")  # 71,000 + 33,000, added exactly


def test_to_polars_holds_a_decimal_column_with_every_place():
    # 1.23 × 0.05% = 0.000615 → 0.0006 (half up to 0.0001); 24 × 0.05% = 0.012: places beyond the cent kept
    plan = SUM_PLAN.replace("sum(deals.amount)", "sum(deals.amount) * 0.05%")
    results = dsl.run(plan, {"deals": [{"rep": "甲", "amount": "1.23"}, {"rep": "乙", "amount": 24}]})
    frame = results.to_polars()
    assert frame.schema["value"] == pl.Decimal(38, 4)
    assert frame["value"].to_list() == [Decimal("0.0006"), Decimal("0.0120")]
    assert results.to_pandas()["value"].tolist() == [Decimal("0.0006"), Decimal("0.0120")]


def test_totals_per_period_over_several_periods():
    plan = MONTHLY_PLAN
    deals = pd.DataFrame({"rep": ["甲", "甲", "乙"], "amount": [Decimal("1000"), Decimal("500"), Decimal("300")],
                          "sold_on": pd.to_datetime(["2026-01-15", "2026-02-03", "2026-02-28"])})  # timestamps at midnight: dates
    results = dsl.run(plan, deals)
    assert results.ok, results.diagnostics
    # 甲: 1,000 × 10% in January, 500 × 10% in February; 乙: nothing in January, 300 × 10% in February
    assert results.totals() == {"甲": {"2026-01": Decimal("100.00"), "2026-02": Decimal("50.00")},
                                "乙": {"2026-01": Decimal("0.00"), "2026-02": Decimal("30.00")}}
    # a stated run: March has no deals, 0.00 each
    assert dsl.run(plan, deals, periods="2026-01..2026-03").totals()["甲"] == {
        "2026-01": Decimal("100.00"), "2026-02": Decimal("50.00"), "2026-03": Decimal("0.00")}
    # a row outside the stated periods is reported, never dropped, naming the frame, the row and the column
    outside = dsl.run(plan, deals, periods="2026-02")
    assert outside.payees == () and [(d.code, d.message) for d in outside.diagnostics] == [
        ("D007", "deals (pandas DataFrame) row 1, column 'sold_on': 2026-01-15 is not in the run's periods (2026-02)")]


def test_a_timestamp_with_a_time_of_day_is_a_bad_cell():
    plan = MONTHLY_PLAN
    deals = pl.DataFrame({"rep": ["甲", "甲"], "amount": ["1000", "500"],
                          "sold_on": [datetime.datetime(2026, 1, 15), datetime.datetime(2026, 1, 31, 23, 30)]})
    results = dsl.run(plan, deals)
    # the second sale is late on the 31st: which day (and month) it counts in is not guessed
    assert [(d.code, d.message) for d in results.diagnostics] == [
        ("D003", "input 'deals' row 2, column 'sold_on': '2026-01-31 23:30:00' is a timestamp with a time of day or a time zone; "
                 "give dates (datetime.date) or text")]


def test_results_show_briefly_in_a_notebook():
    assert repr(dsl.run(PLAN, rows())) == "<Results of '大客户销售提成': 2 payees × 1 period, paid 104000.00, no diagnostics>"  # 71,000 + 33,000
    values = rows()
    values["deals"][2]["rep"] = "丙"
    values["deals"][0]["amount"] = "一百万"
    assert repr(dsl.run(PLAN, values)) == "<Results of '大客户销售提成': no payees, 2 errors (D003, D004)>"
    assert repr(dsl.run('plan "x" {', rows())) == "<Results of a plan that does not parse: no payees, 1 error (E001)>"


def test_results_is_a_run_result():
    results = dsl.run(PLAN, rows())
    assert isinstance(results, dsl.Results) and results.plan.name == "大客户销售提成"
    # what the CLI prints for the files: 甲 65,000 + 6,000
    assert dsl.render_results(results.plan, results).splitlines()[1:3] == ["甲,quarter,销售额提成,payout,65000.00",
                                                                           "甲,quarter,续签奖励,payout,6000.00"]


# ---------------------------------------------------------------- the package

def test_the_version_is_the_one_in_pyproject():
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]
    assert isinstance(dsl.__version__, str) and dsl.__version__ == declared
    from dsl import __version__

    assert __version__ == declared


def test_the_package_ships_py_typed(tmp_path):
    import importlib.resources

    assert importlib.resources.files("dsl").joinpath("py.typed").is_file()
    # and a built wheel holds it: the package data of pyproject.toml (built from a copy, so no build/ is left here)
    source = tmp_path / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        (source / name).write_bytes((ROOT / name).read_bytes())
    subprocess.run(["cp", "-r", str(ROOT / "dsl"), str(source / "dsl")], check=True)
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(tmp_path / "wheel"), str(source)],
                           capture_output=True, text=True, timeout=300)
    assert built.returncode == 0, built.stderr
    (wheel,) = (tmp_path / "wheel").glob("plan_dsl-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "dsl/py.typed" in names and "dsl/data/frames.py" in names


def test_the_core_runs_without_the_frame_libraries():
    script = """
import sys
for name in ("pandas", "polars", "pyarrow"):
    sys.modules[name] = None  # as if not installed: importing it raises ImportError
import dsl
results = dsl.run("plans/s1_big_account/plan.plan", "plans/s1_big_account/data")
print(results.totals())
try:
    results.to_pandas()
except ImportError as exc:
    print(exc)
"""
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, encoding="utf-8", timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["{'甲': Decimal('71000.00'), '乙': Decimal('33000.00')}",
                                        "this needs pandas, which is not installed: pip install 'plan-dsl[frames]'"]


def test_a_long_line_of_plan_text_is_text_not_a_file_name():
    # one line, longer than a file name may be (255 bytes): read as plan text, never an OSError
    text = 'plan "x" { currency CNY  payees "甲" } payout "a" = 100元 * 2%' + " " * 300 + "# a long comment"
    results = dsl.run(text, {})
    assert results.ok, results.diagnostics
    assert results.totals() == {"甲": Decimal("2.00")}  # 100 × 2% = 2


def test_dsl_run_stays_the_function_when_the_run_package_is_imported():
    # the package dsl.run and the function dsl.run share a name: importing the package's modules, in any
    # order, leaves the function in place (dsl/__init__.py's module class)
    script = """
import dsl.run.interpreter
import dsl
from dsl.run import ledger
import dsl.run.timeline
print(callable(dsl.run), dsl.run.__module__, sys.modules["dsl.run"].__name__)
"""
    done = subprocess.run([sys.executable, "-c", "import sys\n" + script], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["True", "dsl.api", "dsl.run"]
