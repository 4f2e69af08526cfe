"""Benchmark: the docs build, and what generating the cookbook in-process saves.

The cookbook (dsl/docs_build/cookbook.py) runs `plan run` and `plan explain` for
every bundled plan while mkdocs builds the site, through the CLI's entry point in
the build's own process. This script measures, in interleaved runs:

- "mkdocs build": the whole `mkdocs build --strict` as CI runs it (a subprocess),
  and the cookbook's share of it, as the build's hook reports it (summed over the
  site's languages: the cookbook is generated once per language);
- "one process per command": the same `plan run` / `plan explain` commands, each
  as its own `python -m dsl.cli` process (the baseline the cookbook avoids).

    python benchmarks/bench_docs.py [--runs 3]

Prints medians, min and max, the ratio of the cookbook's time to the baseline's,
and the machine. Asserts nothing.
"""
from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from machine import describe  # benchmarks/machine.py, beside this script

ROOT = Path(__file__).resolve().parent.parent
PYTHON = str(ROOT / ".venv" / "bin" / "python") if (ROOT / ".venv" / "bin" / "python").exists() else sys.executable
REPORTED = re.compile(r"cookbook: (\d+) plan folders in ([\d.]+) s")


def build() -> tuple[float, float, int]:
    """One strict build: (wall seconds, cookbook seconds as the hook reports them, folders)."""
    with tempfile.TemporaryDirectory() as site:
        started = time.perf_counter()
        done = subprocess.run(
            [PYTHON, "-m", "mkdocs", "build", "--strict", "-d", site],
            cwd=ROOT, capture_output=True, text=True, encoding="utf-8", env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
        )
        wall = time.perf_counter() - started
    if done.returncode != 0:
        sys.exit(f"mkdocs build failed:\n{done.stderr}")
    reported = REPORTED.findall(done.stderr)  # one line per language the site is built in
    if not reported:
        sys.exit("the build did not report the cookbook's time")
    return wall, sum(float(seconds) for _, seconds in reported), int(reported[0][0]) * len(reported)


def plan(*args: str) -> str:
    done = subprocess.run([PYTHON, "-m", "dsl.cli", *args], cwd=ROOT, capture_output=True, text=True, encoding="utf-8")
    if done.returncode != 0:
        sys.exit(f"plan {' '.join(args)} failed:\n{done.stderr}")
    return done.stdout


def one_process_per_command() -> tuple[float, int]:
    """`plan run` and `plan explain` (first payee) of every bundled plan, one process each
    (once: the in-process figure covers both languages, so the ratio is if anything too kind to the baseline)."""
    started = time.perf_counter()
    commands = 0
    for path in sorted(ROOT.glob("plans/*/*.plan")):
        shown = path.relative_to(ROOT).as_posix()
        rows = plan("run", shown).splitlines()[1:]
        commands += 1
        if rows:
            plan("explain", shown, "--payee", rows[0].split(",", 1)[0], "--lang", "en")
            commands += 1
    return time.perf_counter() - started, commands


def summary(values: list[float]) -> str:
    return f"median {statistics.median(values):6.2f} s  (min {min(values):.2f}, max {max(values):.2f})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    walls, cookbooks, baselines = [], [], []
    folders = commands = 0
    for _ in range(args.runs):  # interleaved: a change in the machine's load falls on both
        wall, cookbook, folders = build()
        walls.append(wall)
        cookbooks.append(cookbook)
        baseline, commands = one_process_per_command()
        baselines.append(baseline)
    print(f"machine: {describe()}")
    print(f"runs: {args.runs}, {folders} cookbook pages (plan folders × languages); baseline {commands} commands (one language)")
    print(f"mkdocs build --strict (whole site)      {summary(walls)}")
    print(f"  of which the cookbook, in-process     {summary(cookbooks)}")
    print(f"the same commands, one process each     {summary(baselines)}")
    print(f"cookbook in-process / one process each  {statistics.median(cookbooks) / statistics.median(baselines):.2f}")


if __name__ == "__main__":
    main()
