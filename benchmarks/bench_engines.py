"""Benchmark: the interpreter and the DuckDB engine on the S1 plan, same data, interleaved.

Generates S1-shaped data (deals over payees, as bench_s1.py does), reads it once
with `dsl.read_data` (the readers are the same for both engines), then times
`dsl.evaluate(..., engine=…)` for each engine in turn, `--repeat` rounds
interleaved, and prints each engine's median, the ratio, and the machine. Every
run's results must be identical on both engines (CSV compared byte for byte).

    python benchmarks/bench_engines.py --deals 100000 1000000 --payees 10000 --repeat 3
    python benchmarks/bench_engines.py --deals --monthly 100000 1000000 --payees 10000   # a 12-month plan only

`--monthly N` also runs a plan over the twelve months of 2026 (tests/data/monthly_hold.plan:
history reads, a line read by a hold, the hold released two months later) on N generated
sales spread over the months: the DuckDB engine runs one query per month, feeding
each the earlier months' values, and the ledger folds in Python.

The DuckDB figure includes moving the dataset's values into DuckDB (its columns
as text, split into exact parts in SQL) and planning the query; reading CSV
files straight into DuckDB is a later step of issue 10 and is not measured here.
"""
from __future__ import annotations

import argparse
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from machine import describe  # noqa: E402  (benchmarks/machine.py, beside this script)
from bench_s1 import generate  # noqa: E402

import dsl  # noqa: E402

PLAN = ROOT / "plans" / "s1_big_account" / "plan.plan"

MONTHLY = ROOT / "tests" / "data" / "monthly_hold.plan"  # the plan tests/test_sql_differential.py checks on both engines


def generate_monthly(folder: Path, sales: int, payees: int, seed: int = 11) -> None:
    """MONTHLY's data: a roster with monthly targets, and `sales` sales over 2026's twelve months."""
    import random

    rng = random.Random(seed)
    names = [f"rep{i:05d}" for i in range(payees)]
    with open(folder / "reps.csv", "w", encoding="utf-8") as out:
        out.write("rep,target,left\n")
        for name in names:
            target = rng.choice([0, 50000, 100000, 200000])
            left = target > 0 and rng.random() < 0.05  # the plan's 人均 divides by the target of those who left
            out.write(f"{name},{target},{'true' if left else 'false'}\n")
    with open(folder / "sales.csv", "w", encoding="utf-8") as out:
        out.write("rep,sold_on,amount\n")
        for i in range(sales):
            cents = rng.randint(100_00, 50_000_00) * 10 + rng.choice([0, 5])  # some half cents
            out.write(f"{names[i % payees]},2026-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d},{cents // 1000}.{cents % 1000:03d}\n")


def measure(plan, dataset, engines, repeat: int, periods=None):
    """Each engine's run times, interleaved (a, b, a, b, …), and the results of the last runs."""
    times = {engine: [] for engine in engines}
    outputs = {}
    for _ in range(repeat):
        for engine in engines:
            start = time.perf_counter()
            result = dsl.evaluate(plan, dataset, engine=engine, periods=periods)
            times[engine].append(time.perf_counter() - start)
            assert not result.diagnostics, result.diagnostics[:3]
            outputs[engine] = dsl.render_results(plan, result, "csv")
    reference = outputs[engines[0]]
    assert all(text == reference for text in outputs.values()), "the engines disagree"
    return times


def row(plan, size: int, make, engines, repeat: int, periods=None) -> None:
    """Generate data (`make(folder)`), read it once, time the engines on it and print one line of figures."""
    with tempfile.TemporaryDirectory() as folder:
        make(Path(folder))
        start = time.perf_counter()
        dataset, diagnostics = dsl.read_data(plan, folder)
        read_s = time.perf_counter() - start
        assert dataset is not None, diagnostics[:3]
        times = measure(plan, dataset, engines, repeat, periods)
    medians = {engine: statistics.median(ts) for engine, ts in times.items()}
    ratio = medians["duckdb"] / medians["interpreter"]
    runs = " ".join(f"{t:.2f}" for t in times["interpreter"]) + " | " + " ".join(f"{t:.2f}" for t in times["duckdb"])
    print(f"{size:>10,}  {read_s:>8.2f}  {medians['interpreter']:>14.3f}  {medians['duckdb']:>9.3f}  {ratio:>6.2f}   {runs}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--deals", type=int, nargs="*", default=[100_000, 1_000_000])
    parser.add_argument("--monthly", type=int, nargs="*", default=[], help="sales of the 12-month plan (none: not run)")
    parser.add_argument("--payees", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    plan = dsl.load(PLAN).plan
    assert plan is not None
    engines = ("interpreter", "duckdb")
    print(f"machine: {describe()}")
    print(f"plan: {PLAN.relative_to(ROOT)}; {args.payees:,} payees; median of {args.repeat} interleaved runs; "
          f"results identical on both engines (CSV byte for byte)")
    if args.deals:
        print(f"{'deals':>10}  {'read s':>8}  {'interpreter s':>14}  {'duckdb s':>9}  {'ratio':>6}   runs (interpreter | duckdb)")
    for deals in args.deals:
        row(plan, deals, lambda folder: generate(folder, deals, args.payees), engines, args.repeat)
    if args.monthly:
        monthly = dsl.load(MONTHLY).plan
        print(f"plan: MONTHLY (history reads and a hold, 2026-01..2026-12); {args.payees:,} payees")
        print(f"{'sales':>10}  {'read s':>8}  {'interpreter s':>14}  {'duckdb s':>9}  {'ratio':>6}   runs (interpreter | duckdb)")
    for sales in args.monthly:
        row(monthly, sales, lambda folder: generate_monthly(folder, sales, args.payees), engines, args.repeat, "2026-01..2026-12")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory of this process: {peak:,.0f} MB (the dataset in Python objects, both engines' results)")


if __name__ == "__main__":
    main()
