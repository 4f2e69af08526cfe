"""The numeric policy in SQL, exactly as dsl/core/numeric.py computes it.

A number is three columns, the parts of the Python `Decimal` the interpreter
would hold (`Num`): the coefficient `c` (HUGEINT, signed), the exponent `e`
(INTEGER) and the sign bit `s` (BOOLEAN, which only says something of its own
for a zero: `-0.00`). The value is c × 10^e. Every value of a plan has
e ≥ −18 and |c × 10^e| < 10^20, so c fits 38 digits; keeping the exponent
means results keep the scale the interpreter gives them (`24000.0000`,
`1.00E+4`), and coefficients stay small (1,200,000.00 is 120000000 × 10^−2), so
products of amounts and rates are plain HUGEINT products.

Each kernel returns its result and a condition that is true where the policy
reports an overflow (|result| ≥ 10^20); the lowering turns that into the
payee's error. No kernel lets DuckDB overflow or divide by zero on any row:
an operation that could (a HUGEINT product, a division) is computed only
inside the CASE branch of the rows where it cannot, and DuckDB evaluates a
branch only for the rows that take it. HUGEINT division is slow in DuckDB
(about half a microsecond), so a division is also kept to the rows that need
it; products and comparisons are cheap.

The kernels:
- `add`, `sub`: aligned to the smaller exponent, exact (Decimal's exponent is
  min(ea, eb)); a zero result is −0 only when Python's would be.
- `mul`: the exact product; with more than 18 places, rounded half-even at the
  18th. When the coefficients' product exceeds 128 bits it is formed in parts
  (c_a × b₁ + a₁ × b₀ + a₀ × b₀ / 10^k, splitting at the rounding position), so
  the result is exact for every pair of values.
- `quotient`: the chain's numerators over its denominators, rounded once
  half-even at the 18th place, with the exponent Python gives an exact
  quotient; when the operands' digits exceed 128 bits, `wide.divide`.
- `round_to`: a value rounded to a multiple of a unit with any of the seven modes.
- `scaled`: the value × 10^18 as one HUGEINT, for comparisons and sums.
"""
from __future__ import annotations

from decimal import Decimal
from typing import Sequence

import attrs
from sqlglot import exp

from dsl.core.numeric import ROUNDING_MODES, SCALE
from dsl.sql import wide
from dsl.sql.errors import NotLowered
from dsl.sql.program import HUGEINT, Block, X

MAX = 10**38  # |value × 10^18| < MAX is the policy's |value| < 10^20
LIMIT_DIGITS = 20
P10 = "_p10"  # every relation carries this column: [10^0, …, 10^38] as HUGEINTs
_FITS = 1.6e38  # below this a DOUBLE estimate of a product proves the HUGEINT product fits (2^127 ≈ 1.7e38)
_WHOLE = 9.9e37  # below this a DOUBLE estimate proves a product below 10^38: formed whole on DuckDB and on Spark
_FITS_QUOTIENT = 9.9e37  # a quotient's numerator and denominator products are formed below 10^38, else in wide digits


def power_list() -> exp.Expression:
    """The literal of the P10 column."""
    return exp.Array(expressions=[exp.cast(exp.Literal.number(10**k), HUGEINT) for k in range(39)])


def pow10(k) -> X:
    """10^k for 0 <= k <= 38."""
    k = X.of(k)
    if k.is_const:
        return X(10**k.const)
    # list_extract, not _p10[k]: the same element, and no index-offset analysis while generating
    return X(node=exp.Anonymous(this="list_extract", expressions=[exp.column(P10), (k + 1).sql()]))


def clip(k, low: int, high: int) -> X:
    return X.least(X.greatest(k, low), high)


@attrs.frozen
class Num:
    """A decimal as columns (or constants): coefficient, exponent, sign bit."""

    c: X
    e: X
    s: X

    @staticmethod
    def const(value: Decimal) -> "Num":
        sign, digits, exponent = value.as_tuple()
        if not isinstance(exponent, int):
            raise ValueError(f"{value} is not a finite number")
        coefficient = int("".join(map(str, digits)) or "0")
        return Num(X(-coefficient if sign else coefficient), X(exponent), X(bool(sign)))

    @property
    def is_const(self) -> bool:
        return self.c.is_const and self.e.is_const and self.s.is_const

    def value(self) -> Decimal:
        """The constant's value (for constants only)."""
        return to_decimal(self.c.const, self.e.const, self.s.const)


ZERO = Num(X(0), X(0), X(False))


def to_decimal(c: int, e: int, s: bool) -> Decimal:
    """The Decimal the parts stand for, exponent and sign kept.

    >>> to_decimal(24000_0000, -4, False), to_decimal(0, -2, True), to_decimal(100, 2, False)
    (Decimal('24000.0000'), Decimal('-0.00'), Decimal('1.00E+4'))
    """
    return Decimal(f"{'-' if s else ''}{abs(c)}E{e}")


def bind(block: Block, num: Num, hint: str = "v") -> Num:
    return Num(block.bind(num.c, hint + "_c"), block.bind(num.e, hint + "_e"), block.bind(num.s, hint + "_s"))


def choose(block: Block, condition: X, then: Num, otherwise: Num, hint: str = "v") -> Num:
    """`then` where `condition` holds, else `otherwise`."""
    return bind(block, Num(X.case(condition, then.c, otherwise.c), X.case(condition, then.e, otherwise.e),
                           X.case(condition, then.s, otherwise.s)), hint)


def scaled(block: Block, v: Num) -> X:
    """v × 10^18 as one HUGEINT (|result| < 10^38): what comparisons and sums read."""
    return block.bind(v.c * pow10(clip(v.e + SCALE, 0, 38)), "n")


def _limit(e) -> X:
    """10^(20 − e): the bound |c| must stay below at exponent e."""
    return pow10(clip(X.of(LIMIT_DIGITS) - e, 0, 38))


# ---------------------------------------------------------------- addition


def add(block: Block, x: Num, y: Num, subtract: bool = False) -> tuple[Num, X]:
    """x + y (or x − y), exact, and where it overflows."""
    e = block.bind(X.least(x.e, y.e), "e")
    a = block.bind(x.c * pow10(X.least(x.e - e, 38)), "a")
    b = y.c * pow10(X.least(y.e - e, 38))
    b = block.bind(-b if subtract else b, "b")
    limit = _limit(e)
    same = ((a > 0) & (b > 0)) | ((a < 0) & (b < 0))
    overflow = block.bind(same & (a.abs() >= limit - b.abs()), "ovf")
    c = block.bind(X.case(overflow, 0, a + b), "c")
    y_sign = ~y.s if subtract else y.s
    s = block.bind(X.case(c.eq(0), x.s & y_sign, c < 0), "s")
    return Num(c, e, s), overflow


def sub(block: Block, x: Num, y: Num) -> tuple[Num, X]:
    return add(block, x, y, subtract=True)


def neg(block: Block, x: Num) -> Num:
    """−x (Decimal's minus: a zero becomes +0)."""
    c = block.bind(-x.c, "c")
    return Num(c, x.e, block.bind(c < 0, "s"))


def absolute(block: Block, x: Num) -> Num:
    return Num(block.bind(x.c.abs(), "c"), x.e, X(False))


# ---------------------------------------------------------------- multiplication


def _rounds_half_even(q: X, r: X, d: X) -> X:
    """Whether q + r/d (0 <= r < d) rounds up to q + 1, half to even."""
    return (r > d - r) | (r.eq(d - r) & q.bits(1).eq(1))


def mul(block: Block, x: Num, y: Num) -> tuple[Num, X]:
    """x × y: the exact product, rounded half-even to 18 places if it has more."""
    s = block.bind(x.s.ne(y.s), "s")
    e0 = block.bind(x.e + y.e, "e")
    ax, ay = block.bind(x.c.abs(), "ax"), block.bind(y.c.abs(), "ay")
    fits = block.bind(ax.double() * ay.double() < _FITS, "fits")
    # no rounding: the product as it is (when it does not fit 128 bits it is ≥ 1.6e38 × 10^-18: an overflow)
    if e0.is_const and e0.const >= -SCALE:
        exact = block.bind(X.case(fits, x.c * y.c, 0), "p")
        overflow = block.bind(~fits | (exact.abs() >= _limit(e0)), "ovf")
        return Num(block.bind(X.case(overflow, 0, exact), "c"), e0, s), overflow
    rounding = block.bind(e0 < -SCALE, "rnd")
    exact = block.bind(X.case(fits & ~rounding, x.c * y.c, 0), "p")
    exact_overflow = ~fits | (exact.abs() >= _limit(e0))
    k = clip(X.of(-SCALE) - e0, 0, 38)
    d = block.bind(pow10(k), "d")
    # a product that is rounded is formed whole only below 10^38 (what a DECIMAL(38, 0) holds, dsl/sql/spark.py), else in parts
    whole = block.bind(ax.double() * ay.double() < _WHOLE, "whole")
    fast = block.bind(rounding & whole, "fast")
    split = block.bind(rounding & ~whole, "split")
    product = block.bind(X.case(fast, ax * ay), "pp")
    # the product beyond 128 bits: ax × ay / d = ax × b1 + a1 × b0 + a0 × b0 / d, with ay = b1·d + b0, ax = a1·d + a0
    a1, a0 = block.bind(X.case(split, ax // d), "a1"), block.bind(X.case(split, ax % d), "a0")
    b1, b0 = block.bind(X.case(split, ay // d), "b1"), block.bind(X.case(split, ay % d), "b0")
    t1_fits = block.bind(X.case(split, ax.double() * b1.double() < 1.2e38), "t1f")
    t1 = block.bind(X.case(split & t1_fits, ax * b1), "t1")
    t2 = block.bind(X.case(split, a1 * b0), "t2")
    t3 = block.bind(X.case(split, a0 * b0), "t3")
    t12_fits = block.bind(X.case(split & t1_fits, t1 <= X(MAX - 1) - t2), "t12f")
    t12 = block.bind(X.case(split & t12_fits, t1 + t2), "t12")
    t3q, t3r = block.bind(X.case(split, t3 // d), "t3q"), block.bind(X.case(split, t3 % d), "t3r")
    tsum_fits = block.bind(X.case(split & t12_fits, t12 <= X(MAX - 1) - t3q), "tsf")
    split_overflow = ~t1_fits | ~t12_fits | ~tsum_fits
    q = block.bind(X.case(fast, product // d, X.case(split & tsum_fits, t12 + t3q)), "q")
    r = block.bind(X.case(fast, product % d, t3r), "r")
    m = block.bind(X.case(_rounds_half_even(q, r, d), q + 1, q), "m")
    rounded = Num(block.bind(X.case(s, -m, m), "c"), X(-SCALE), s)
    overflow = block.bind(X.case(rounding, X.case(fast, X(False), split_overflow) | (m > MAX - 1), exact_overflow), "ovf")
    c = X.case(overflow, 0, X.case(rounding, rounded.c, exact))  # an overflow leaves 0, never a value beyond the range
    result = Num(block.bind(c, "c"), block.bind(X.case(rounding, -SCALE, e0), "e"), s)
    return result, overflow


# ---------------------------------------------------------------- quotient


def _product(values: Sequence[X]) -> X:
    result = X(1)
    for value in values:
        result = result * value
    return result


def quotient(block: Block, numerators: Sequence[Num], denominators: Sequence[Num], wide_digits: bool = True) -> tuple[Num, X, X]:
    """(n1 × n2 × …) ÷ (d1 × …) rounded once, half-even, to 18 places (numeric.quotient).

    Returns the quotient, where it overflows, and where it needs more than 128
    bits: with `wide_digits` those rows are computed exactly by `wide.divide`
    (so the third result is always false); without it they are only marked,
    which keeps the SQL short for the usual run where no row needs them (the
    engine runs the plan again with them when one does). A zero denominator
    gives a meaningless value (the lowering reports the division by zero before
    it); it never makes DuckDB fail.
    """
    if len(numerators) + len(denominators) > wide.MAX_FACTORS:
        raise NotLowered(f"a chain of {len(numerators) + len(denominators)} factors (products and quotients; at most {wide.MAX_FACTORS} so far)")
    s = X(False)
    for v in list(numerators) + list(denominators):
        s = s.ne(v.s)
    s = block.bind(s, "s")
    ideal = X(0)
    for v in numerators:
        ideal = ideal + v.e
    for v in denominators:
        ideal = ideal - v.e
    ideal = block.bind(ideal, "ideal")
    shift = block.bind(ideal + SCALE, "shift")  # the quotient × 10^18 is (∏ coefficients) × 10^shift ÷ (∏ coefficients)
    top = [block.bind(v.c.abs(), "an") for v in numerators]
    bottom = [block.bind(v.c.abs(), "ad") for v in denominators]
    zero_top = X(False)
    for v in top:
        zero_top = zero_top | v.eq(0)
    zero_top = block.bind(zero_top, "z")
    up, down = clip(shift, 0, 38), clip(-shift, 0, 38)
    estimate_top = _product([v.double() for v in top]) * X.func("POWER", 10.0, X.greatest(shift, 0))
    estimate_bottom = _product([v.double() for v in bottom]) * X.func("POWER", 10.0, X.greatest(-shift, 0))
    fits = block.bind(zero_top | ((estimate_top < _FITS_QUOTIENT) & (estimate_bottom < _FITS_QUOTIENT)), "fits")
    big = block.bind(~fits, "big")
    compute = block.bind(fits & ~zero_top, "qc")  # a zero numerator is 0 whatever the denominators
    x_fast = block.bind(X.case(compute, _product(top) * pow10(up), 0), "x")
    y_raw = block.bind(X.case(compute, _product(bottom) * pow10(down), 1), "y")
    y_fast = block.bind(X.case(y_raw.eq(0), 1, y_raw), "y")
    q_fast = block.bind(X.case(compute, x_fast // y_fast, 0), "qf")
    r_fast = block.bind(X.case(compute, x_fast % y_fast, 0), "rf")
    up_fast = _rounds_half_even(q_fast, r_fast, y_fast)
    if wide_digits:
        # beyond 128 bits: every factor as value × 10^18 (< 10^38 each), so the power of ten left over is fixed: 10^(18 × (1 − k + l))
        scaled_top = [X.case(big, t * pow10(clip(v.e + SCALE, 0, 38))) for t, v in zip(top, numerators)]
        scaled_bottom = [X.case(big, t * pow10(clip(v.e + SCALE, 0, 38))) for t, v in zip(bottom, denominators)]
        extra = 1 - len(numerators) + len(denominators)
        q_wide, half_wide, exact_wide, overflow_wide = wide.divide(block, scaled_top, scaled_bottom, max(extra, 0), max(-extra, 0), big)
        unsupported = X(False)
    else:
        q_wide, half_wide, exact_wide, overflow_wide = X(0), X(-1), X(True), X(False)
        unsupported = big
    q = block.bind(X.case(fits, q_fast, q_wide), "q")
    up_wide = (half_wide > 0) | (half_wide.eq(0) & q.bits(1).eq(1))
    rounds_up = block.bind(X.case(fits, up_fast, up_wide), "up")
    exact = block.bind(X.case(fits, r_fast.eq(0), exact_wide), "exact")
    magnitude = block.bind(X.case(rounds_up, q + 1, q), "m")
    overflow = block.bind(X.case(fits, X(False), overflow_wide) | (magnitude > MAX - 1), "ovf")
    floor_exponent = block.bind(X.greatest(-SCALE, ideal), "fe")
    nonzero_exact = block.bind(exact & magnitude.ne(0), "nze")
    text = X.case(nonzero_exact, magnitude.cast(exp.DataType.build("VARCHAR")))
    if nonzero_exact.is_const and not nonzero_exact.const:  # a constant zero factor: the quotient is 0, no digits to count
        zeros = X(0)
    else:
        zeros = block.bind(X.case(nonzero_exact, X.func("LENGTH", text) - X.func("LENGTH", X.func("RTRIM", text, "0"))), "tz")
    # Python: inexact → exponent −18; zero → max(−18, ideal); else min(max(−18, ideal), trailing zeros − 18)
    e = block.bind(X.cases([(~exact, X(-SCALE)), (magnitude.eq(0), floor_exponent)], X.least(floor_exponent, zeros - SCALE)), "e")
    coefficient = block.bind(X.case(nonzero_exact, magnitude // pow10(clip(e + SCALE, 0, 38)), magnitude), "cm")
    c = block.bind(X.case(overflow, 0, X.case(s, -coefficient, coefficient)), "c")
    return Num(c, e, s), overflow, unsupported


# ---------------------------------------------------------------- rounding to a unit


def rounds_away(q: X, r: X, d: X, negative: X, mode: str) -> X:
    """numeric._rounds_up: whether |n|/d = q + r/d (0 <= r < d) rounds away from zero under `mode`."""
    if mode not in ROUNDING_MODES:
        raise ValueError(f"unknown rounding mode '{mode}'")
    nonzero = r.ne(0)
    if mode == "half_up":
        return nonzero & (r >= d - r)
    if mode == "half_even":
        return nonzero & _rounds_half_even(q, r, d)
    if mode == "half_down":
        return nonzero & (r > d - r)
    if mode == "down":
        return X(False)
    if mode == "up":
        return nonzero
    if mode == "floor":
        return nonzero & negative
    return nonzero & ~negative  # ceiling


def multiple_of(block: Block, v: Num, unit: Num, mode: str) -> X:
    """v ÷ unit rounded to a whole number with `mode` (numeric.round_money's `multiple`); unit > 0.

    A unit that is not positive gives a meaningless value (the lowering reports it first).
    """
    unit_c = block.bind(X.case(unit.c > 0, unit.c, 1), "uc")
    above = block.bind(v.e >= unit.e, "ge")
    magnitude = block.bind(v.c.abs() * X.case(above, pow10(clip(v.e - unit.e, 0, 38)), 1), "nn")
    divisor = block.bind(unit_c * X.case(above, 1, pow10(clip(unit.e - v.e, 0, 38))), "dd")
    one = divisor.eq(1)
    q = block.bind(X.case(one, magnitude, magnitude // divisor), "q")
    r = block.bind(X.case(one, 0, magnitude % divisor), "r")
    negative = v.c < 0
    m = block.bind(X.case(rounds_away(q, r, divisor, negative, mode), q + 1, q), "m")
    return block.bind(X.case(negative, -m, m), "mult")


def unit_places(unit: Decimal) -> int:
    """The exponent round_money gives its result: that of the unit's places (0.01 → −2; 1, 10 → 0)."""
    exponent = unit.normalize().as_tuple().exponent
    return exponent if exponent < 0 else 0


def round_to(block: Block, v: Num, unit: Num, mode: str) -> tuple[Num, X]:
    """round_money(v, unit, mode) and where its range check fails; `unit` a constant here."""
    multiple = multiple_of(block, v, unit, mode)
    value = unit.value()
    places = unit_places(value)
    # the result is multiple × unit at exponent `places`: coefficient multiple × factor
    factor = int(value.scaleb(-places))
    threshold = -(-(10 ** (LIMIT_DIGITS - places)) // factor)  # |multiple| ≥ this: |result| ≥ 10^20
    overflow = block.bind(multiple.abs() >= threshold, "ovf")
    c = block.bind(X.case(overflow, 0, multiple * factor), "c")
    return Num(c, X(places), block.bind(c < 0, "s")), overflow


def round_to_dynamic(block: Block, v: Num, unit: Num) -> tuple[Num, X]:
    """`round(x, unit)` half up, with a unit computed per payee (unit > 0 checked by the caller)."""
    multiple = multiple_of(block, v, unit, "half_up")
    positive = unit.c > 0
    unit_c = block.bind(X.case(positive, unit.c, 1), "uc")
    text = unit_c.cast(exp.DataType.build("VARCHAR"))
    zeros = block.bind(X.func("LENGTH", text) - X.func("LENGTH", X.func("RTRIM", text, "0")), "tz")
    normal = block.bind(unit.e + zeros, "ne")  # the unit's exponent once its trailing zeros are dropped
    places = block.bind(X.least(normal, 0), "pl")
    # multiple × unit at exponent `places`: coefficient multiple × (unit_c / 10^zeros) × 10^(normal − places)
    factor = block.bind((unit_c // pow10(clip(zeros, 0, 38))) * pow10(clip(normal - places, 0, 38)), "f")
    fits = block.bind(multiple.abs().double() * factor.double() < _FITS, "fits")
    product = block.bind(X.case(fits, multiple * factor, 0), "p")
    overflow = block.bind(~fits | (product.abs() >= _limit(places)), "ovf")
    c = block.bind(X.case(overflow, 0, product), "c")
    return Num(c, places, block.bind(c < 0, "s")), overflow
