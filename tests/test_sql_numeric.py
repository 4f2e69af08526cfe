"""The SQL kernels of dsl/sql/numeric.py against dsl/core/numeric.py, digit for digit.

Each kernel runs in DuckDB over a batch of operand rows and must give, for every
row, the Decimal the interpreter's function gives (same digits, exponent and
sign, so `-0.00` and `24000.0000` count) or an overflow exactly where the
interpreter raises one. The operands cover the policy's whole range: every
exponent from −18, coefficients of one to 38 digits, zeros of every scale and
sign, ties at every rounding position, values next to 10^20, and products and
quotients too wide for 128 bits.
"""
from __future__ import annotations

import random
from decimal import Decimal

import pytest

duckdb = pytest.importorskip("duckdb")
pytest.importorskip("sqlglot")
from hypothesis import given, settings, strategies as st  # noqa: E402
from sqlglot import exp  # noqa: E402

from dsl.core import numeric as P  # noqa: E402
from dsl.core.numeric import NumericError  # noqa: E402
from dsl.sql import numeric as N  # noqa: E402
from dsl.sql.program import INTEGER, Block, X  # noqa: E402


def run_kernel(kernel, rows, arity):
    """Every row of operands through `kernel(block, *nums) -> (Num, overflow)`: a list of Decimal or 'overflow'."""
    columns = [f"{part}{i}" for i in range(arity) for part in "ces"]
    values = []
    for row in rows:
        literals = []
        for value in row:
            n = N.Num.const(value)
            literals += [exp.cast(n.c.sql(), N.HUGEINT), exp.cast(n.e.sql(), INTEGER), n.s.sql()]
        values.append(exp.Tuple(expressions=literals))
    alias = exp.TableAlias(this=exp.to_identifier("v"), columns=[exp.to_identifier(c) for c in columns])
    source = exp.select("*", exp.alias_(N.power_list(), N.P10)).from_(exp.Values(expressions=values, alias=alias))
    block = Block("out", "src", columns + [N.P10])
    operands = [N.Num(X.col(f"c{i}"), X.col(f"e{i}"), X.col(f"s{i}")) for i in range(arity)]
    result, overflow = kernel(block, *operands)
    parts = [block.bind(x, "r") if not x.is_const else x for x in (result.c, result.e, result.s, overflow)]
    query = exp.select(*[p.sql() for p in parts]).from_("out")
    query = query.with_("src", as_=source, copy=False)
    for name, select in block.ctes([p.column for p in parts if p.column]):
        query = query.with_(name, as_=select, copy=False)
    got = duckdb.connect().execute(query.sql("duckdb")).fetchall()
    return [("overflow" if o else N.to_decimal(c, e, s)) for c, e, s, o in got]


def expected(function, *args):
    try:
        return function(*args)
    except NumericError:
        return "overflow"


def same(a, b) -> bool:
    """Equal as the interpreter's results must be: value, exponent and sign."""
    if isinstance(a, str) or isinstance(b, str):
        return a == b
    return a.as_tuple() == b.as_tuple()


def policy_value(rng: random.Random) -> Decimal:
    """A value the policy admits (at most 18 places, |v| < 10^20), biased toward edges."""
    kind = rng.random()
    if kind < 0.05:
        return Decimal(f"{rng.choice(['', '-'])}0E{rng.randint(-18, 6)}")
    if kind < 0.1:
        return Decimal(rng.choice(["99999999999999999999.999999999999999999", "-99999999999999999999.999999999999999999",
                                   "0.000000000000000001", "-0.000000000000000001", "0.5", "1.5", "2.5", "0.005",
                                   "12345678901234567890.123456789012345678", "1E+19", "5E-18"]))
    exponent = rng.randint(-18, 19)
    room = 20 - exponent  # digits the coefficient may have
    digits = min(room, rng.choice([1, 1, 2, 3, 5, 8, 12, 18, 25, 38]))
    coefficient = rng.randint(0, 10**digits - 1)
    if rng.random() < 0.3:
        coefficient = coefficient // 10 * 10 + 5  # a tie at the last place
    value = Decimal(f"{rng.choice(['', '-'])}{coefficient}E{exponent}")
    return value


def values(seed: int, count: int, arity: int, nonzero_from: int = 99):
    rng = random.Random(seed)
    rows = []
    while len(rows) < count:
        row = tuple(policy_value(rng) for _ in range(arity))
        if all(v != 0 for v in row[nonzero_from:]):
            rows.append(row)
    return rows


@pytest.mark.parametrize("name", ["add", "sub", "mul"])
def test_binary_kernels_match_the_interpreter(name):
    rows = values(hash(name) % 1000, 3000, 2)
    rows += [(Decimal("-0"), Decimal("0")), (Decimal("-0"), Decimal("-0")), (Decimal("0.00"), Decimal("-0")),
             (Decimal("1E+19"), Decimal("1E+19")), (Decimal("-5E+19"), Decimal("-5E+19"))]
    got = run_kernel(getattr(N, name), rows, 2)
    reference = getattr(P, name)
    wrong = [(row, g, expected(reference, *row)) for row, g in zip(rows, got) if not same(g, expected(reference, *row))]
    assert wrong == []


@pytest.mark.parametrize("shape", [(1, 1), (2, 1), (1, 2), (2, 2), (3, 1), (0, 1), (3, 2)])
def test_quotient_matches_the_interpreter(shape):
    tops, bottoms = shape
    rows = values(tops * 10 + bottoms, 1500, tops + bottoms, nonzero_from=tops)
    rows += [tuple([Decimal("1")] * tops + [Decimal("3")] * bottoms), tuple([Decimal("2")] * tops + [Decimal("3")] * bottoms),
             tuple([Decimal("-0")] * tops + [Decimal("-7")] * bottoms)]

    def kernel(block, *nums):
        result, overflow, unsupported = N.quotient(block, nums[:tops], nums[tops:])
        return result, overflow

    got = run_kernel(kernel, rows, tops + bottoms)
    wrong = []
    for row, g in zip(rows, got):
        want = expected(P.quotient, row[:tops], row[tops:])
        if not same(g, want):
            wrong.append((row, g, want))
    assert wrong == []


def test_wide_quotients_are_exact():
    """Operands with so many digits that neither product fits 128 bits, results within range."""
    rng = random.Random(5)
    rows = []
    while len(rows) < 400:
        a = Decimal(f"{rng.randint(10**30, 10**38 - 1)}E-18") * rng.choice([1, -1])
        b = Decimal(f"{rng.randint(10**30, 10**38 - 1)}E-18")
        c = Decimal(f"{rng.randint(10**20, 10**38 - 1)}E-18")
        rows.append((a, b, c))

    def kernel(block, a, b, c):
        result, overflow, unsupported = N.quotient(block, [a, b], [c])
        return result, overflow

    got = run_kernel(kernel, rows, 3)
    wrong = [(r, g) for r, g in zip(rows, got) if not same(g, expected(P.quotient, r[:2], r[2:]))]
    assert wrong == []
    assert any(g != "overflow" for g in got)


@pytest.mark.parametrize("mode", P.ROUNDING_MODES)
@pytest.mark.parametrize("unit", ["0.01", "1", "10", "0.05", "0.5", "100", "0.000000000000000001", "0.10"])
def test_rounding_to_a_unit_matches_round_money(mode, unit):
    rows = values(len(unit) * 7 + P.ROUNDING_MODES.index(mode), 600, 1)
    rows += [(Decimal("0.005"),), (Decimal("-0.005"),), (Decimal("0.015"),), (Decimal("-2.5"),), (Decimal("125"),),
             (Decimal("-0"),), (Decimal("99999999999999999999.995"),)]
    unit_value = Decimal(unit)

    def kernel(block, v):
        return N.round_to(block, v, N.Num.const(unit_value), mode)

    got = run_kernel(kernel, rows, 1)
    wrong = [(r, g) for r, g in zip(rows, got) if not same(g, expected(P.round_money, r[0], unit_value, mode))]
    assert wrong == []


def test_rounding_to_a_computed_unit_matches_round_money():
    rng = random.Random(9)
    rows = [(v, u) for v, u in values(11, 3000, 2) if u > 0][:1500]
    rows += [(Decimal("125"), Decimal("10")), (Decimal("0.125"), Decimal("0.010")), (Decimal("7"), Decimal("2E+1"))]
    got = run_kernel(lambda block, v, u: N.round_to_dynamic(block, v, u), rows, 2)
    wrong = [(r, g) for r, g in zip(rows, got) if not same(g, expected(P.round_money, r[0], r[1], "half_up"))]
    assert wrong == []
    assert rng  # deterministic


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.decimals(min_value=Decimal("-1E+19"), max_value=Decimal("1E+19"), places=6, allow_nan=False),
                          st.decimals(min_value=Decimal("-1E+6"), max_value=Decimal("1E+6"), places=4, allow_nan=False)),
                min_size=1, max_size=30))
def test_products_of_generated_amounts_and_rates(rows):
    got = run_kernel(N.mul, rows, 2)
    assert [g for g in got] == [expected(P.mul, a, b) for a, b in rows]
    assert all(same(g, expected(P.mul, a, b)) for g, (a, b) in zip(got, rows))
