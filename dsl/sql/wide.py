"""Integers wider than 128 bits, for the quotients whose digits do not fit a HUGEINT.

A wide number is a list of limbs in base 10^18 (least significant first), each
limb a HUGEINT column in [0, 10^18). A product of two limbs is below 10^36 and
a dozen of them still fit a HUGEINT, so schoolbook multiplication needs no
wider type. Division, the one operation that needs care, is estimate and
correct: a DOUBLE quotient of the two numbers' DOUBLE approximations is off
by at most about 10^−14 of itself; the exact remainder X − q·Y of that
estimate (a wide product and a wide difference) corrects it, three times,
which leaves it off by at most one, and a last exact comparison settles that.
No step divides a wide number and no DOUBLE is ever taken as a digit.

Everything here is computed only on the rows `guard` selects (elsewhere the
columns are NULL), since few rows ever need it and each step is a column.
"""
from __future__ import annotations

from typing import Sequence

from sqlglot import exp

from dsl.sql.program import HUGEINT, Block, X

BASE = 10**18
MAX_FACTORS = 6  # factors of one chain; their product stays far below a DOUBLE's range (10^308)
_CAP = 10**38 - 1  # estimates are kept in [0, 10^38): what a DECIMAL(38, 0) holds too (dsl/sql/spark.py)
_OVER = 1.0000001e38  # an estimate this large proves the quotient ≥ 10^38: beyond the policy's range
_START = 9.9e37  # the first estimate is taken no higher (the corrections move it to the quotient when it is lower)


def limbs(block: Block, value: X, guard: X) -> list[X]:
    """A nonnegative HUGEINT as three limbs."""
    if value.is_const:
        v = value.const
        return [X(v % BASE), X(v // BASE % BASE), X(v // BASE**2)]
    low = block.bind(X.case(guard, value % BASE), "w")
    rest = block.bind(X.case(guard, value // BASE), "w")
    return [low, block.bind(rest % BASE, "w"), block.bind(rest // BASE, "w")]


def _trim(number: list[X]) -> list[X]:
    while len(number) > 1 and number[-1].is_const and number[-1].const == 0:
        number = number[:-1]
    return number


def normalize(block: Block, sums: Sequence[X]) -> list[X]:
    """Column sums (each below about 10^37) → limbs, carrying upward."""
    out, carry = [], X(0)
    for total in sums:
        t = block.bind(total + carry, "w")
        out.append(block.bind(t % BASE, "w"))
        carry = block.bind(t // BASE, "w")
    out.append(block.bind(carry % BASE, "w"))
    out.append(block.bind(carry // BASE, "w"))
    return _trim(out)


def multiply(block: Block, a: Sequence[X], b: Sequence[X]) -> list[X]:
    sums = []
    for k in range(len(a) + len(b) - 1):
        total = X(0)
        for i in range(len(a)):
            j = k - i
            if 0 <= j < len(b):
                total = total + a[i] * b[j]
        sums.append(total)
    return normalize(block, sums)


def _pad(a: Sequence[X], n: int) -> list[X]:
    return list(a) + [X(0)] * (n - len(a))


def compare(block: Block, a: Sequence[X], b: Sequence[X]) -> X:
    """−1, 0 or 1 as a < b, a = b, a > b."""
    n = max(len(a), len(b))
    a, b = _pad(a, n), _pad(b, n)
    result = X(0)
    for i in range(n):  # the most significant limb decides first: it is the outermost CASE
        result = X.cases([(a[i] > b[i], X(1)), (a[i] < b[i], X(-1))], result)
    return block.bind(result, "cmp")


def subtract(block: Block, a: Sequence[X], b: Sequence[X]) -> list[X]:
    """a − b for a >= b."""
    n = max(len(a), len(b))
    a, b = _pad(a, n), _pad(b, n)
    out, borrow = [], X(0)
    for i in range(n):
        d = block.bind(a[i] - b[i] - borrow, "w")
        negative = block.bind(d < 0, "w")
        out.append(block.bind(X.case(negative, d + BASE, d), "w"))
        borrow = X.case(negative, 1, 0)
    return _trim(out)


def select(condition: X, a: Sequence[X], b: Sequence[X], block: Block) -> list[X]:
    n = max(len(a), len(b))
    a, b = _pad(a, n), _pad(b, n)
    return [block.bind(X.case(condition, x, y), "w") for x, y in zip(a, b)]


def to_double(number: Sequence[X]) -> X:
    total = X(0.0)
    for i, limb in enumerate(number):
        total = total + limb.double() * X(BASE**i).double()  # a magnitude estimate (see X.double)
    return total


def _floor_huge(value: X) -> X:
    return X(node=exp.TryCast(this=X.func("FLOOR", value).sql(), to=HUGEINT))


def _ceil_huge(value: X) -> X:
    return X(node=exp.TryCast(this=X.func("CEIL", value).sql(), to=HUGEINT))


def divide(block: Block, top: Sequence[X], bottom: Sequence[X], top_shift: int, bottom_shift: int,
           guard: X) -> tuple[X, X, X, X]:
    """floor(X ÷ Y) for X = ∏ top × 10^(18·top_shift), Y = ∏ bottom × 10^(18·bottom_shift) (Y > 0 on guarded rows).

    Returns (q, half, exact, overflow): half is −1, 0 or 1 as the remainder is
    below, at or above half of Y; exact says the remainder is zero; overflow
    that the quotient is at least 10^38 (beyond the policy's range; a quotient within
    10^−7 of it is computed, and shows as a magnitude of 10^38).
    """
    x = [X(1)]
    for factor in top:
        x = multiply(block, x, limbs(block, factor, guard))
    x = [X(0)] * top_shift + x
    y = [X(1)]
    for factor in bottom:
        y = multiply(block, y, limbs(block, factor, guard))
    y = [X(0)] * bottom_shift + y
    dx = block.bind(X.case(guard, to_double(x)), "dx")
    dy_raw = block.bind(X.case(guard, to_double(y)), "dy")
    dy = block.bind(X.case(dy_raw > 0.0, dy_raw, 1.0), "dy")
    estimate = block.bind(dx / dy, "est")
    overflow = block.bind(guard & (estimate >= _OVER), "wovf")
    live = block.bind(guard & ~overflow, "live")
    q = block.bind(X.case(live, _floor_huge(X.least(estimate, _START))), "wq")
    for _ in range(3):
        product = multiply(block, y, limbs(block, q, live))
        above = block.bind(compare(block, x, product) >= 0, "ab")
        difference = subtract(block, select(above, x, product, block), select(above, product, x, block))
        ratio = block.bind(to_double(difference) / dy, "rt")
        delta = X.case(above, _floor_huge(ratio), -_ceil_huge(ratio))
        q = block.bind(X.case(live, X.least(X.greatest(q + delta, 0), _CAP)), "wq")
    # now |q − floor(X/Y)| <= 1: settle it exactly
    product = multiply(block, y, limbs(block, q, live))
    low = block.bind(compare(block, x, product) < 0, "lo")
    q = block.bind(X.case(low, q - 1, q), "wq")
    product = multiply(block, y, limbs(block, q, live))
    remainder = subtract(block, x, product)
    high = block.bind(compare(block, remainder, y) >= 0, "hi")
    q = block.bind(X.case(high, q + 1, q), "wq")
    remainder = select(high, subtract(block, remainder, y), remainder, block)
    doubled = normalize(block, [limb * 2 for limb in remainder])
    half = compare(block, doubled, y)
    exact = X(True)
    for limb in remainder:
        exact = exact & limb.eq(0)
    return q, half, block.bind(exact, "ex"), overflow
