"""The spark engine: the DuckDB engine's queries, transpiled to Spark SQL, on pyspark in local mode.

- Every bundled plan under plans/ on its own data gives the interpreter's results, value for value
  (lines with their scale, flags, totals, the ledger, pools, diagnostics), and the same CSV and JSON.
- The rewrites Spark needs (dsl/sql/spark.py): exact integer division of DECIMAL(38, 0) values in one
  or two steps, floor shifts and masks of the sums' halves, the powers of ten without 10^38 — checked
  on Spark against Python's integers, on hypothesis-drawn operands up to 38 digits.
- Hand-calculated runs whose quotients and products need those paths.
- `plan run --engine spark` as a user runs it: byte-identical CSV to the interpreter's; and the one
  documented difference, an intermediate value beyond DECIMAL(38, 0), as a clear error.

The session runs without code generation (compiling Java for a handful of rows costs more than it
saves); the CLI test runs Spark as users get it, with code generation.
"""
from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

import dsl

from conftest import ROOT, run_plan_cli
from test_sql_differential import PLANS, snapshot

pytest.importorskip("sqlglot")
pyspark = pytest.importorskip("pyspark", reason="the spark engine's tests need the `spark` extra (in `dev`)")

SMALL_DATA = {"spark.sql.codegen.wholeStage": "false", "spark.sql.codegen.factoryMode": "NO_CODEGEN",
              "spark.sql.adaptive.enabled": "false", "spark.sql.shuffle.partitions": "2"}


@pytest.fixture(scope="module")
def spark():
    from dsl.sql.spark import session

    made = session("local[1]", config=SMALL_DATA)
    yield made
    made.stop()


def _same(plan, data, spark, **options):
    reference = dsl.evaluate(plan, data, **options)
    on_spark = dsl.evaluate(plan, data, engine="spark", spark=spark, **options)
    assert snapshot(on_spark) == snapshot(reference)
    assert dsl.render_results(plan, on_spark, "csv") == dsl.render_results(plan, reference, "csv")
    assert dsl.render_results(plan, on_spark, "json") == dsl.render_results(plan, reference, "json")
    return reference


@pytest.mark.parametrize("path", PLANS, ids=lambda p: p.parent.name)
def test_every_bundled_plan_gives_the_interpreters_results_on_spark(path, spark):
    plan = dsl.load(path).plan
    dataset, diagnostics = dsl.read_data(plan, path.parent / "data")
    assert dataset is not None and not dsl.api.has_errors(diagnostics)
    reference = _same(plan, dataset, spark)
    assert reference.payees  # a plan that computed nobody would compare nothing


# ---------------------------------------------------------------- the rewrites, against Python's integers

DIGITS38 = 10**38 - 1


def _trunc_div(a: int, b: int) -> int:
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b > 0) else -q


def _values_query(pairs, expression: str) -> str:
    rows = ", ".join(f"(CAST({a} AS HUGEINT), CAST({b} AS HUGEINT))" for a, b in pairs)
    return f"SELECT {expression} FROM (VALUES {rows}) AS v(a, b)"


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.integers(-DIGITS38, DIGITS38),
                          st.one_of(st.integers(1, 10**6), st.integers(1, DIGITS38), st.sampled_from([10**19, 10**19 - 1, 10**19 + 1, 7])),
                          st.booleans()), min_size=1, max_size=20))
def test_integer_division_and_remainder_are_exact_to_38_digits(spark, cases):
    from dsl.sql.spark import SparkConnection

    pairs = [(a, -b if negative else b) for a, b, negative in cases]
    con = SparkConnection(spark)
    try:
        rows = con.execute(_values_query(pairs, "a // b, a % b")).fetchall()
    finally:
        con.close()
    # DuckDB's // and % on HUGEINT truncate toward zero: a = b·q + r with r of a's sign
    assert rows == [(_trunc_div(a, b), a - b * _trunc_div(a, b)) for a, b in pairs]


def test_the_halves_of_an_exact_sum_are_a_floor_shift_and_the_low_64_bits(spark):
    from dsl.sql.spark import SparkConnection

    values = [0, 1, -1, 2**64 - 1, 2**64, -(2**64), DIGITS38, -DIGITS38, 123456789012345678901234567890]
    con = SparkConnection(spark)
    try:
        query = _values_query([(v, 1) for v in values], "a >> 64, a & CAST(18446744073709551615 AS HUGEINT), a & 1")
        rows = con.execute(query).fetchall()
    finally:
        con.close()
    # an arithmetic shift floors (−1 >> 64 = −1); the mask is the nonnegative remainder mod 2^64
    assert rows == [(v >> 64, v & (2**64 - 1), v & 1) for v in values]


def test_abs_and_minus_of_38_digit_decimals_are_exact(spark):
    from dsl.sql.spark import SparkConnection

    # Spark's own abs and unary minus of a DECIMAL(38, 0) round to 34 digits:
    # abs(−12345678901234567890123456789012345678) would be 12345678901234567890123456789012350000
    values = [-12345678901234567890123456789012345678, -DIGITS38, DIGITS38, -(10**34) - 1, 0, -1]
    con = SparkConnection(spark)
    try:
        rows = con.execute(_values_query([(v, 0) for v in values], "abs(a), -a, -(a + b)")).fetchall()
    finally:
        con.close()
    assert rows == [(abs(v), -v, -v) for v in values]


def test_the_powers_of_ten_stop_short_of_10_to_the_38(spark):
    from dsl.sql.query import powers_table
    from dsl.sql.spark import SparkConnection

    con = SparkConnection(spark)
    try:
        con.execute(powers_table().sql("duckdb"))
        found = con.execute("SELECT list_extract(_p10, 1), list_extract(_p10, 38), 5 // list_extract(_p10, 39), "
                            "5 % list_extract(_p10, 39) FROM p10").fetchone()
    finally:
        con.close()
    # 10^0, 10^37; and by 10^38 (NULL on Spark): any |x| < 10^38 has quotient 0 and remainder x
    assert found == (1, 10**37, 0, 5)


# ---------------------------------------------------------------- hand-calculated runs

QUOTIENTS = '''plan "quotients" {
  currency CNY
  period quarter
  payee rep
  rounding half_even to 0.01
}
input deals: table {
  rep: payee
  amount: money
}
let 份额 = sum(deals.amount) / 3
payout "三分之一" = 份额
payout "比例" = sum(deals.amount) * 份额 / (sum(deals.amount) * 7)
'''


def test_a_quotient_of_more_than_32_digits_is_exact_on_spark(spark, tmp_path):
    folder = tmp_path / "data"
    folder.mkdir()
    # 10^15 / 3 at 18 places is a coefficient of 33 digits: the two-step division
    (folder / "deals.csv").write_text("rep,amount\n甲,1000000000000000.00\n乙,10.00\n乙,0.01\n", encoding="utf-8")
    path = tmp_path / "q.plan"
    path.write_text(QUOTIENTS, encoding="utf-8")
    plan = dsl.load(path).plan
    dataset, _ = dsl.read_data(plan, folder)
    result = _same(plan, dataset, spark)
    lines = {(p.payee, l.label): l.value for p in result.payees for l in p.lines}
    # 甲: 1,000,000,000,000,000.00 / 3 = 333,333,333,333,333.333… → 333333333333333.33 (money, half-even)
    assert lines[("甲", "三分之一")] == Decimal("333333333333333.33")
    # 乙: 10.01 / 3 = 3.336666… → 3.34; 10.01 × 3.336666666666666667 / (10.01 × 7) = 0.476666… → 0.48
    assert lines[("乙", "三分之一")] == Decimal("3.34")
    assert lines[("乙", "比例")] == Decimal("0.48")
    # 甲: 333,333,333,333,333.333333333333333333 / 7 = 47,619,047,619,047.619… → 47619047619047.62
    assert lines[("甲", "比例")] == Decimal("47619047619047.62")


def test_plan_run_on_spark_writes_the_interpreters_csv_byte_for_byte():
    s1 = str(ROOT / "plans" / "s1_big_account" / "plan.plan")
    interpreted = run_plan_cli("run", s1, "--engine", "interpreter")
    on_spark = run_plan_cli("run", s1, "--engine", "spark")
    assert on_spark.returncode == 0, on_spark.stderr[-2000:]
    # 甲: 50万×2% + 50万×3% + 100万×4% = 65,000 and 0.5% × 120万 renewed = 6,000; 乙: 33,000 (plans/s1_big_account/README.md)
    assert "甲,quarter,销售额提成,payout,65000.00" in interpreted.stdout
    assert on_spark.stdout == interpreted.stdout


def test_a_value_beyond_decimal_38_is_a_clear_error_on_spark(tmp_path):
    plan = tmp_path / "big.plan"
    plan.write_text('plan "big" {\n  currency CNY\n  period quarter\n  payee rep\n}\n'
                    'input reps: record {\n  rep: payee\n  x: money\n}\n'
                    'payout "double" = reps.x * 2\n', encoding="utf-8")
    (tmp_path / "data").mkdir()
    # x = 6×10^19 written to 18 places: its coefficient has 38 digits, and x × 2 = 1.2×10^38 of them
    (tmp_path / "data" / "reps.csv").write_text("rep,x\n甲,60000000000000000000.000000000000000000\n", encoding="utf-8")
    interpreted = run_plan_cli("run", str(plan), "--engine", "interpreter")
    on_spark = run_plan_cli("run", str(plan), "--engine", "spark")
    # the interpreter: 1.2×10^20 is beyond the policy's 10^20, the payee's R001; Spark cannot even hold it
    assert interpreted.returncode == 1 and "R001" in interpreted.stderr
    assert on_spark.returncode == 2
    assert "does not fit Spark's DECIMAL(38, 0)" in on_spark.stderr and "--engine duckdb" in on_spark.stderr
    assert "Traceback" not in on_spark.stderr and on_spark.stdout == ""
