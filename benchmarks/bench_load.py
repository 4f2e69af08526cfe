"""Benchmark: S1 end to end from files — the interpreter, the DuckDB engine from CSV and from Parquet,
and a hand-written exact DuckDB query of the same plan — interleaved, with `explain` of one payee.

Generates S1-shaped data (deals over payees, as bench_s1.py does) as CSV, and the
same data as Parquet (amounts DECIMAL(18, 2), the renewal rate the fraction as
DECIMAL(5, 2), satisfaction an integer). Each timed run starts from the files and
ends with the results rendered as CSV (for the engines: `dsl.read_data` +
`dsl.evaluate` + `dsl.render_results`; for the hand-written query: the query and
its rows). Every round runs each variant once, in turn; the table prints each
variant's median over `--repeat` rounds and its ratio to the hand-written query
on the same files. Every variant's per-payee totals must be identical.

Then `explain` of one payee: the traced interpreter fed only that payee's rows
(read by DuckDB, `read_data(payees=…)`, what `plan explain --payee` does) against
the traced interpreter on the whole data (the loader, as before).

    python benchmarks/bench_load.py --deals 100000 1000000 --payees 10000 --repeat 3
    python benchmarks/bench_load.py --deals 10000000 --skip-interpreter   # the interpreter needs ~12 GB there
"""
from __future__ import annotations

import argparse
import resource
import statistics
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from machine import describe  # noqa: E402  (benchmarks/machine.py, beside this script)
from bench_s1 import generate  # noqa: E402

import dsl  # noqa: E402

PLAN = ROOT / "plans" / "s1_big_account" / "plan.plan"

# The S1 plan by hand, exact: DECIMAL sums and products (never a DECIMAL ÷ DECIMAL, which is a DOUBLE),
# the marginal bands of 提成比例, ROUND to 0.01 (half away from zero: half_up, as every value here is ≥ 0).
BANDS = [(0, 500000, "0.02"), (500000, 1000000, "0.03"), (1000000, 2000000, "0.04"), (2000000, 3000000, "0.05"), (3000000, None, "0.06")]


def hand_query(deals: str, reps: str, percent_is_fraction: bool) -> str:
    marginal = " + ".join(
        f"greatest(least(sales, {hi if hi is not None else 'sales'}) - {lo}, 0) * CAST({rate} AS DECIMAL(4, 2))"
        for lo, hi, rate in BANDS)
    threshold = "0.80" if percent_is_fraction else "80"
    rate = "renewal_rate" if percent_is_fraction else "CAST(rtrim(renewal_rate, '%') AS DECIMAL(18, 6))"
    return f"""
    WITH d AS (SELECT rep, CAST(amount AS DECIMAL(38, 2)) AS amount, CAST(renewed AS BOOLEAN) AS renewed FROM {deals}),
    s AS (SELECT rep, sum(amount) AS sales, COALESCE(sum(amount) FILTER (WHERE renewed), 0) AS renewed_sales FROM d GROUP BY rep),
    r AS (SELECT rep, {rate} AS rate, CAST(satisfaction AS DECIMAL(18, 6)) AS satisfaction FROM {reps}),
    j AS (SELECT r.rep, r.rate, r.satisfaction, COALESCE(s.sales, 0) AS sales, COALESCE(s.renewed_sales, 0) AS renewed_sales
          FROM r LEFT JOIN s USING (rep))
    SELECT rep, ROUND({marginal}, 2)
             + CASE WHEN rate >= {threshold} AND satisfaction >= 90 THEN ROUND(renewed_sales * CAST(0.005 AS DECIMAL(4, 3)), 2)
                    ELSE 0 END AS total
    FROM j ORDER BY rep
    """


def to_parquet(csv_folder: Path, folder: Path) -> None:
    folder.mkdir()
    con = duckdb.connect()
    con.execute(f"COPY (SELECT rep, customer, CAST(amount AS DECIMAL(18, 2)) AS amount, CAST(renewed AS BOOLEAN) AS renewed "
                f"FROM read_csv('{csv_folder / 'deals.csv'}', all_varchar = true)) TO '{folder / 'deals.parquet'}' (FORMAT parquet)")
    con.execute(f"COPY (SELECT rep, CAST(CAST(rtrim(renewal_rate, '%') AS DECIMAL(5, 0)) * CAST(0.01 AS DECIMAL(3, 2)) AS DECIMAL(5, 2)) "
                f"AS renewal_rate, CAST(satisfaction AS INTEGER) AS satisfaction FROM read_csv('{csv_folder / 'reps.csv'}', all_varchar = true)) "
                f"TO '{folder / 'reps.parquet'}' (FORMAT parquet)")
    con.close()


def run_engine(plan, folder: Path, engine: str) -> dict:
    data, diagnostics = dsl.read_data(plan, folder, engine=engine)
    assert data is not None and not diagnostics, diagnostics[:3]
    result = dsl.evaluate(plan, data, engine=engine)
    assert not result.diagnostics, result.diagnostics[:3]
    dsl.render_results(plan, result, "csv")
    return {p.payee: p.total for p in result.payees}


def run_hand(query: str) -> dict:
    con = duckdb.connect()
    try:
        return {rep: Decimal(total) for rep, total in con.execute(query).fetchall()}
    finally:
        con.close()


def interleaved(variants: dict, repeat: int) -> tuple[dict, dict]:
    """Each variant's run times over `repeat` rounds, one run of each per round, and its last result."""
    times: dict = {name: [] for name in variants}
    results = {}
    for _ in range(repeat):
        for name, run in variants.items():
            start = time.perf_counter()
            results[name] = run()
            times[name].append(time.perf_counter() - start)
    return times, results


def measure(variants: dict, repeat: int) -> dict:
    times, totals = interleaved(variants, repeat)
    reference = next(iter(totals.values()))
    for name, found in totals.items():
        assert found == reference, f"{name} pays differently from {next(iter(totals))}"
    return times


def explain_times(plan, folder: Path, payee: str, repeat: int) -> dict:
    def explained(payees):
        data, _ = dsl.read_data(plan, folder, payees=payees)
        return dsl.explain(plan, dsl.evaluate(plan, data, trace=True, payees=[payee]).payees[0], lang="en")

    times, texts = interleaved({"explain, rows of the payee (DuckDB)": lambda: explained([payee]),
                                "explain, whole data (loader)": lambda: explained(None)}, repeat)
    assert len(set(texts.values())) == 1, "the explanations differ"
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--skip-interpreter", action="store_true", help="leave out the interpreter (and explain of the whole data)")
    parser.add_argument("--deals", type=int, nargs="+", default=[100_000, 1_000_000], help="sizes to run, in deals")
    parser.add_argument("--payees", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3, help="rounds; each runs every variant once")
    args = parser.parse_args()
    plan = dsl.load(PLAN).plan
    assert plan is not None
    print(f"machine: {describe()}")
    print(f"plan: {PLAN.relative_to(ROOT)}; {args.payees:,} payees; median of {args.repeat} interleaved runs, end to end from "
          "the files; every variant's per-payee totals identical; ratio: to the hand-written query on the same files")
    for deals in args.deals:
        with tempfile.TemporaryDirectory() as root:
            csv_folder, parquet_folder = Path(root) / "csv", Path(root) / "parquet"
            csv_folder.mkdir()
            generate(csv_folder, deals, args.payees)
            to_parquet(csv_folder, parquet_folder)
            reader = "read_csv('{}', all_varchar = true)"
            variants = {
                "hand-written SQL, CSV": lambda: run_hand(hand_query(reader.format(csv_folder / "deals.csv"), reader.format(csv_folder / "reps.csv"), False)),
                "duckdb engine, CSV": lambda: run_engine(plan, csv_folder, "duckdb"),
                "hand-written SQL, Parquet": lambda: run_hand(hand_query(f"read_parquet('{parquet_folder / 'deals.parquet'}')",
                                                                         f"read_parquet('{parquet_folder / 'reps.parquet'}')", True)),
                "duckdb engine, Parquet": lambda: run_engine(plan, parquet_folder, "duckdb"),
            }
            if not args.skip_interpreter:
                variants["interpreter, CSV"] = lambda: run_engine(plan, csv_folder, "interpreter")
            times = measure(variants, args.repeat)
            medians = {name: statistics.median(ts) for name, ts in times.items()}
            print(f"\n{deals:,} deals")
            print(f"  {'variant':<28} {'median s':>9}  {'ratio':>6}   runs")
            for name, ts in times.items():
                base = medians["hand-written SQL, Parquet" if "Parquet" in name else "hand-written SQL, CSV"]
                print(f"  {name:<28} {medians[name]:>9.3f}  {medians[name] / base:>6.2f}   {' '.join(f'{t:.2f}' for t in ts)}")
            explain = explain_times(plan, csv_folder, "rep00042", args.repeat) if not args.skip_interpreter else {}
            for name, ts in explain.items():
                print(f"  {name:<36} {statistics.median(ts):>9.3f}   {' '.join(f'{t:.2f}' for t in ts)}")
            if explain:
                values = [statistics.median(ts) for ts in explain.values()]
                print(f"  explain speed-up: {values[1] / values[0]:.1f}x")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\npeak memory of this process: {peak:,.0f} MB")


if __name__ == "__main__":
    main()
