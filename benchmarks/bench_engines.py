"""Benchmark: the interpreter and the DuckDB engine on the S1 plan, same data, interleaved.

Generates S1-shaped data (deals over payees, as bench_s1.py does), reads it once
with `dsl.read_data` (the readers are the same for both engines), then times
`dsl.evaluate(..., engine=…)` for each engine in turn, `--repeat` rounds
interleaved, and prints each engine's median, the ratio, and the machine. Every
run's results must be identical on both engines (CSV compared byte for byte).

    python benchmarks/bench_engines.py --deals 100000 1000000 --payees 10000 --repeat 3

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


def measure(plan, dataset, engines, repeat: int):
    """Each engine's run times, interleaved (a, b, a, b, …), and the results of the last runs."""
    times = {engine: [] for engine in engines}
    outputs = {}
    for _ in range(repeat):
        for engine in engines:
            start = time.perf_counter()
            result = dsl.evaluate(plan, dataset, engine=engine)
            times[engine].append(time.perf_counter() - start)
            assert not result.diagnostics, result.diagnostics[:3]
            outputs[engine] = dsl.render_results(plan, result, "csv")
    reference = outputs[engines[0]]
    assert all(text == reference for text in outputs.values()), "the engines disagree"
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--deals", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--payees", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    plan = dsl.load(PLAN).plan
    assert plan is not None
    engines = ("interpreter", "duckdb")
    print(f"machine: {describe()}")
    print(f"plan: {PLAN.relative_to(ROOT)}; {args.payees:,} payees; median of {args.repeat} interleaved runs; "
          f"results identical on both engines (CSV byte for byte)")
    print(f"{'deals':>10}  {'read s':>8}  {'interpreter s':>14}  {'duckdb s':>9}  {'ratio':>6}   runs (interpreter | duckdb)")
    for deals in args.deals:
        with tempfile.TemporaryDirectory() as folder:
            generate(Path(folder), deals, args.payees)
            start = time.perf_counter()
            dataset, diagnostics = dsl.read_data(plan, folder)
            read_s = time.perf_counter() - start
            assert dataset is not None, diagnostics[:3]
            times = measure(plan, dataset, engines, args.repeat)
        medians = {engine: statistics.median(ts) for engine, ts in times.items()}
        ratio = medians["duckdb"] / medians["interpreter"]
        runs = " ".join(f"{t:.2f}" for t in times["interpreter"]) + " | " + " ".join(f"{t:.2f}" for t in times["duckdb"])
        print(f"{deals:>10,}  {read_s:>8.2f}  {medians['interpreter']:>14.3f}  {medians['duckdb']:>9.3f}  {ratio:>6.2f}   {runs}")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory of this process: {peak:,.0f} MB (the dataset in Python objects, both engines' results)")


if __name__ == "__main__":
    main()
