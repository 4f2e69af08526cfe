"""Parsing, formatting and evaluating in several threads at once give what one thread gives.

Every bundled plan is first parsed, formatted, loaded and its tests run in this
thread. Then the same work, several rounds of every plan, is spread over eight
worker threads at once, and each result must equal the one-thread result: each
file gets its own comments (text, line, whether alone on its line) and its own
file name, the formatted text is byte-identical, and the plan tests have the
same outcomes with the same digits.
"""
from __future__ import annotations

import concurrent.futures
import random

import pytest

from conftest import ROOT
import dsl
from dsl.syntax.parser import parse
from dsl.syntax.printer import format_text

PLANS = sorted((ROOT / "plans").rglob("*.plan"))
THREADS = 8
ROUNDS = 3


def in_threads(work, jobs: list) -> list:
    """`work(job)` for every job, spread over THREADS threads, in the order of `jobs`."""
    with concurrent.futures.ThreadPoolExecutor(max_workers=THREADS) as pool:
        return list(pool.map(work, jobs))


def shuffled(jobs: list) -> list:
    """Every job ROUNDS times, interleaved, so different files are parsed side by side."""
    every = [job for _ in range(ROUNDS) for job in jobs]
    random.Random(11).shuffle(every)
    return every


def parsed(path) -> tuple:
    text = path.read_text(encoding="utf-8")
    plan_file, diagnostics = parse(text, str(path))
    assert diagnostics == [], diagnostics
    return plan_file, plan_file.comments, plan_file.file


def formatted(path) -> str:
    text, diagnostics = format_text(path.read_text(encoding="utf-8"), str(path))
    assert diagnostics == [], diagnostics
    return text


def outcomes(path) -> list:
    compilation = dsl.load(path)
    plan, diagnostics = compilation.plan, compilation.diagnostics
    assert plan is not None, diagnostics
    return [(o.plan_file, o.name, o.passed, o.checked, [(f.code, f.message) for f in o.failures]) for o in dsl.run_tests(plan)]


def test_the_bundled_plans_have_comments_to_lose():
    # Without comments in most files, a comment attached to the wrong file could go unseen.
    with_comments = [path for path in PLANS if parsed(path)[1]]
    assert len(with_comments) >= 8, with_comments


def test_each_file_parsed_in_parallel_gets_its_own_comments():
    alone = {path: parsed(path) for path in PLANS}
    jobs = shuffled(PLANS)
    for path, (plan_file, comments, name) in zip(jobs, in_threads(parsed, jobs)):
        assert name == str(path)
        assert comments == alone[path][1], path
        assert plan_file == alone[path][0], path


def test_formatting_in_parallel_prints_the_same_bytes():
    alone = {path: formatted(path) for path in PLANS}
    jobs = shuffled(PLANS)
    for path, text in zip(jobs, in_threads(formatted, jobs)):
        assert text == alone[path], path


def test_plan_tests_run_in_parallel_have_the_same_outcomes():
    alone = {path: outcomes(path) for path in PLANS}
    assert all(passed for results in alone.values() for _, _, passed, _, _ in results)
    jobs = shuffled(PLANS)
    for path, results in zip(jobs, in_threads(outcomes, jobs)):
        assert results == alone[path], path


# Expectations that fail on purpose: a failing expectation shows the value computed
# with every digit (1/3 = 0.333…, 300元/7 = 42.857…), so the outcomes of runs in
# different threads agree only if every thread computes the same digits.
DIGITS_PLAN = """plan "每一位" { currency CNY  period quarter  payee rep }
input deals: table { rep: payee, amount: money }
let sales = sum(deals.amount)
payout "提成" = sales * 1%
test "每一位" {
  deals = [{amount: 100元}, {amount: 200元}]
  expect sales / 7 = 0元
  expect 1 / 3 = 0
  expect sales * 1% / 7 * 3 = 0元
}
"""


def test_digits_do_not_depend_on_the_thread(tmp_path):
    path = tmp_path / "digits.plan"
    path.write_text(DIGITS_PLAN, encoding="utf-8")
    alone = outcomes(path)
    # all three expectations fail, each showing its digits: "got 42.857142…"
    assert [len(failures) for _, _, _, _, failures in alone] == [3]
    assert all("got " in message for message in (m for _, m in alone[0][4]))
    for results in in_threads(outcomes, [path] * (THREADS * ROUNDS)):
        assert results == alone
