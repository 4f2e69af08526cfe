"""A grammar-aware fuzzer over parse → check → lint → fmt → test, in the suite.

Plans are generated from the grammar's own constructs (header, inputs, lets,
tier tables, payout lines with clauses, flags, totals, tests, functions, modules,
shared tables, percents in points) with random
expressions, then mutated as an adversary would: tokens deleted, swapped or
doubled, lines duplicated, full-width and zero-width characters, other line
breaks, huge and tiny numbers, deep nesting. Every stage must answer with a
value or diagnostics; any other exception fails the test, and hypothesis
shrinks it to a small crasher, which then belongs in tests/cases/crash_*.plan.

The CI run has a fixed seed and budget (derandomized, FUZZ_EXAMPLES examples,
well under a minute). The long run (`pytest -m fuzz --fuzz-minutes 30
tests/test_fuzz.py`) draws fresh examples until the time is up and prints how
many plans it tried.
"""
from __future__ import annotations

import csv
import io
import random
import tempfile
import time
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import dsl
from dsl.core.diagnostics import Diagnostic

FUZZ_EXAMPLES = 1200

# What every generated plan starts with, so that most of them get past the header
# and the names into checking, lint and evaluation.
PRELUDE = """plan "方案" { currency CNY  period month  payee rep  rounding half_up to 0.01 }
input deals: table { rep: payee, amount: money, renewed: bool = false }
input reps: record { rep: payee, rate: percent, quota: money }
let sales = sum(deals.amount)
tiers t marginal { [0, 50万) -> 2%  [50万, ..) -> 3% }"""
NAMES = ["sales", "sales", "reps.rate", "reps.quota", "t(sales)", "count(deals)", "sum(deals.amount where renewed)",
         "v1", "v2", "total", "奖金"]
LITERALS = ["0", "1", "2%", "0.5%", "50万", "3000元", "1.2亿", "USD 850,000", "1,200", "2024-05-11", "true", "false",
            '"甲"', "9" * 25, "0." + "0" * 30 + "1", "99999999999999999999", "1" + "0" * 19 + "%", "1元", "100元"]
FIELDS = ["deals.amount", "deals.renewed"]


def expressions(depth: int):
    leaf = st.sampled_from(NAMES + LITERALS + FIELDS)
    if depth == 0:
        return leaf
    inner = expressions(depth - 1)
    return st.one_of(
        leaf,
        st.tuples(inner, st.sampled_from(["+", "-", "*", "/", "==", "<", ">=", "and", "or", "×", "÷", "≤"]), inner).map(" ".join),
        inner.map(lambda e: f"({e})"),
        inner.map(lambda e: f"not {e}"),
        inner.map(lambda e: f"-{e}"),
        st.tuples(st.sampled_from(["sum", "count", "avg", "min", "max", "abs", "round", "clamp", "t"]),
                  st.lists(inner, max_size=3)).map(lambda p: f"{p[0]}({', '.join(p[1])})"),
        st.tuples(inner, inner).map(lambda p: f"sum({p[0]} where {p[1]})"),
        st.tuples(inner, inner, inner).map(lambda p: f"if {p[0]} then {p[1]} else {p[2]}"),
    )


def money(depth: int):
    """Expressions that check: money, built from money, rates and conditions."""
    atom = st.sampled_from(["sales", "reps.quota", "1元", "50万", "3000元", "t(sales)", "sum(deals.amount where renewed)"])
    if depth == 0:
        return atom
    inner, rate = money(depth - 1), st.sampled_from(["2%", "reps.rate", "0.5%", "100%"])
    condition = st.tuples(inner, st.sampled_from([">", "<=", "==", "!="]), inner).map(" ".join)
    condition = st.one_of(condition, st.tuples(condition, st.sampled_from(["and", "or"]), condition).map(" ".join),
                          condition.map(lambda c: f"not ({c})"))
    return st.one_of(
        atom,
        st.tuples(inner, st.sampled_from(["+", "-"]), inner).map(" ".join),
        st.tuples(inner, rate).map(lambda p: f"{p[0]} * {p[1]}"),
        st.tuples(inner, st.sampled_from(["2", "3", "reps.quota / 100万"])).map(lambda p: f"{p[0]} / {p[1]}"),
        st.tuples(st.sampled_from(["min", "max"]), inner, inner).map(lambda p: f"{p[0]}({p[1]}, {p[2]})"),
        st.tuples(inner, inner, inner).map(lambda p: f"clamp({p[0]}, {p[1]}, {p[2]})"),
        st.tuples(condition, inner, inner).map(lambda p: f"if {p[0]} then {p[1]} else {p[2]}"),
        inner.map(lambda e: f"({e})"),
        inner.map(lambda e: f"-({e})"),
        inner.map(lambda e: f"t({e})"),
    )


EXPR = st.one_of(money(3), money(3), expressions(3))
BAND = st.tuples(st.sampled_from("[("), st.sampled_from(["0", "50万", "100万", ".."]), st.sampled_from(["50万", "100万", ".."]),
                 st.sampled_from(")]"), st.sampled_from(["2%", "3%", "1元", "{a: 1, b: 2%}"])).map(
    lambda p: f"{p[0]}{p[1]}, {p[2]}{p[3]} -> {p[4]}")

ITEMS = st.one_of(
    st.tuples(st.sampled_from(["v1", "v2", "奖金"]), EXPR).map(lambda p: f"let {p[0]} = {p[1]}"),
    st.tuples(st.sampled_from(["marginal", "whole", "lookup", ""]), st.lists(BAND, min_size=1, max_size=4)).map(
        lambda p: f"tiers t2 {p[0]} {{\n  " + "\n  ".join(p[1]) + "\n}"),
    st.tuples(EXPR, st.lists(st.sampled_from(["when sales > 0", "cap at 15万", "floor at 0", "round down to 1"]), max_size=2)).map(
        lambda p: f'payout "提成" = {p[0]} ' + " ".join(p[1])),
    EXPR.map(lambda e: f'flag "警告" = {e}'),
    EXPR.map(lambda e: f"total cap at {e}"),
    st.tuples(EXPR, EXPR).map(lambda p: 'test "t" {\n  payee "甲"\n  deals = [{amount: 120万, renewed: true}]\n'
                              f'  reps = {{rate: 85%, quota: 100万}}\n  expect {p[0]} = {p[1]}\n  expect "提成" = 1\n}}'),
)

# The later constructs: functions (one calling itself), a standard-library module, a shared table,
# a table with no payee column that does not say it is shared, a percent written in points.
LATER = st.one_of(
    st.sampled_from(["fn f(x: money, r: percent) -> money = x * r", "fn g(x: money) -> money = g(x) + 1元",
                     "fn h(x: money) -> percent = if x > 0 then x / 100万 else 0%", "import 达成", "import 阶梯 as 阶",
                     "import 提成", "import 不存在", "input levels: shared table { level: text, bonus: money }",
                     "input levels: table { level: text, bonus: money }", "input pts: record { rep: payee, score: percent(points) }"]),
    st.tuples(st.sampled_from(["v1", "v2"]), st.sampled_from(["f(sales, 2%)", "f(sales)", "g(sales)", "h(reps.quota)", "f(h(sales), 2%)",
                                                           "达成.达成率(sales, reps.quota)", "达成.封顶达成(sales, reps.quota, 120%)",
                                                           "提成.固定比例(sales, reps.rate)", "sum(levels.bonus)", "pts.score * sales"]),
              ).map(lambda p: f"let {p[0]} = {p[1]}"),
)
ITEMS = st.sampled_from([ITEMS, ITEMS, ITEMS, LATER]).flatmap(lambda items: items)  # one item in four of the later kinds

HOSTILE = ["\u3000", "\u200b", "\ufeff", "＋", "（", "）", "％", "\r", "\x0b", "\u2028", "\x00", "#", '"', "..", "->", "{", "}",
           "(" * 120, "not " * 120, " + x" * 120, "1e999999999", "9" * 60]


# Data cells as analysts and exports write them, and as an adversary would: the loader must
# type each one or name its file, row and column (never raise, never drop a row). Most cells
# are valid for their column, so that most runs compute; one in ten is hostile.
MONEY_CELLS = ["1,200,000.00", "80万", "1.2亿", "3000元", "0", "-5", "0.005", "12.345", "99999999999999999999", "１２３"]
PERCENT_CELLS = ["85%", "0%", "100%", "0.5%", "１０％", "150%"]
BOOL_CELLS = ["true", "false", "是", "否", ""]
HOSTILE_CELLS = ["abc", "1e5", "1e999999999", "9" * 25, "9" * 60, "0." + "0" * 40 + "1", "NaN", "-0", "\u3000", "2024-05-11",
                 "USD 850,000", "¥100", "1,2,3", '"', "\x00", "\r", "=1+1", "", " 1 ", "", "85%", "是"]
PAYEES = ["甲", "乙", "丙"]
HOSTILE_PAYEES = ["", " 甲", "丁", "甲\u200b"]


def cell(valid, clean):
    if clean:
        return st.sampled_from(valid)
    return st.one_of(*[st.sampled_from(valid)] * 9, st.sampled_from(HOSTILE_CELLS), st.text(max_size=4))


@st.composite
def data_files(draw):
    """A deals.csv and a reps.csv for PRELUDE's inputs: half of them clean, the others with hostile
    cells and payees, sometimes a ragged row."""
    files = {}
    clean = draw(st.booleans())
    payee = st.sampled_from(PAYEES) if clean else st.one_of(*[st.sampled_from(PAYEES)] * 9, st.sampled_from(HOSTILE_PAYEES))
    for name, header, cells in (("deals", ["rep", "amount", "renewed"], (payee, cell(MONEY_CELLS, clean), cell(BOOL_CELLS, clean))),
                                ("reps", ["rep", "rate", "quota"], (payee, cell(PERCENT_CELLS, clean), cell(MONEY_CELLS, clean)))):
        rows = draw(st.lists(st.tuples(*cells), max_size=5))
        if name == "reps":  # the roster, a record: one row per payee (every payee, when clean)
            rows = [(p, draw(cells[1]), draw(cells[2])) for p in PAYEES] if clean else list({r[0]: r for r in rows}.values())
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
        text = out.getvalue()
        if not clean and draw(st.integers(0, 9)) == 0:
            text += draw(st.sampled_from(["甲,1,true,extra\n", "甲\n", '"甲,1\n', "\x00\n"]))
        files[f"{name}.csv"] = text
    return files


@st.composite
def plans(draw):
    text = "\n".join([PRELUDE] + draw(st.lists(ITEMS, min_size=1, max_size=6)))
    tokens = text.split(" ")
    for _ in range(draw(st.sampled_from([0, 0, 0, 1, 2, 4]))):  # mutations, at token level; most plans keep none
        if not tokens:
            break
        at = draw(st.integers(0, len(tokens) - 1))
        kind = draw(st.sampled_from(["delete", "swap", "double", "insert", "line"]))
        if kind == "delete":
            del tokens[at]
        elif kind == "swap" and at + 1 < len(tokens):
            tokens[at], tokens[at + 1] = tokens[at + 1], tokens[at]
        elif kind == "double":
            tokens.insert(at, tokens[at])
        elif kind == "insert":
            tokens.insert(at, draw(st.sampled_from(HOSTILE)))
        else:
            lines = " ".join(tokens).split("\n")
            lines.insert(draw(st.integers(0, len(lines))), draw(st.sampled_from(lines)))
            tokens = "\n".join(lines).split(" ")
    return " ".join(tokens)


LINT_CONFIG = dsl.lint_config(".")  # the repository's own, read once: every plan is linted as `plan lint` here would


def through_every_stage(text: str, data: dict[str, str] | None = None) -> None:
    """parse → check → lint → fmt → plan tests → run on `data`; raises only on a defect of the tool."""
    compilation = dsl.load(text, "fuzz.plan")
    assert all(isinstance(d, Diagnostic) for d in compilation.diagnostics)
    findings = dsl.lint(compilation, LINT_CONFIG)
    assert all(isinstance(d, Diagnostic) for d in findings)
    formatted, diagnostics = dsl.format(text, "fuzz.plan")
    if formatted is not None:
        again, _ = dsl.format(formatted, "fuzz.plan")
        assert again == formatted, "fmt is not idempotent"
        assert dsl.parse(formatted, "fuzz.plan")[0] == compilation.syntax, "fmt changed the meaning"
    if compilation.plan is not None:
        for outcome in dsl.run_tests(compilation.plan):
            assert all(isinstance(d, Diagnostic) for d in outcome.failures)
        if data is not None:
            run_on(compilation.plan, data)


def run_on(plan, data: dict[str, str]) -> None:
    """`plan run` in process: read the files, compute, render every format; diagnostics, never exceptions."""
    with tempfile.TemporaryDirectory() as folder:
        for name, text in data.items():
            Path(folder, name).write_text(text, encoding="utf-8", newline="")
        result = dsl.evaluate(plan, folder)
        assert all(isinstance(d, Diagnostic) for d in result.diagnostics)
        for payee in result.payees:  # the numeric policy holds for every value paid
            assert isinstance(payee.total, Decimal) and abs(payee.total) < 10**20
        for form in ("csv", "json"):
            dsl.render_results(plan, result, form)


@settings(max_examples=FUZZ_EXAMPLES, deadline=None, derandomize=True, database=None,
          suppress_health_check=list(HealthCheck))
@given(plans(), data_files())
def test_fuzzed_plans_never_crash(text, data):
    through_every_stage(text, data)


@pytest.mark.fuzz
def test_long_fuzz_run(request):
    """The release check: fresh examples until --fuzz-minutes run out; prints the count."""
    minutes = request.config.getoption("--fuzz-minutes")
    if not minutes:
        pytest.skip("the long run needs --fuzz-minutes N")
    tried, failed = 0, []
    started = time.monotonic()
    deadline = started + minutes * 60

    @settings(max_examples=2000, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(plans(), data_files())
    def batch(text, data):
        nonlocal tried
        tried += 1
        through_every_stage(text, data)

    seed = random.SystemRandom().randrange(2**32)
    while time.monotonic() < deadline:
        batch._hypothesis_internal_use_seed = seed  # a new seed per batch, printed with its outcome
        try:
            batch()
        except Exception as exc:  # a crasher: hypothesis has shrunk it; report it and go on fuzzing
            failed.append(seed)
            print(f"fuzz batch seed {seed} FAILED: {type(exc).__name__}: {exc}", flush=True)
        else:
            print(f"fuzz batch seed {seed} ok: {tried} plans in {(time.monotonic() - started) / 60:.1f} minutes", flush=True)
        seed += 1
    print(f"fuzzed {tried} plans in {minutes} minutes: {len(failed)} failing batches {failed}")
    assert not failed, f"crashers found with seeds {failed}"
