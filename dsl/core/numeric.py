"""The numeric policy: exact decimals, 18 places, |x| < 10^20, the same on every backend.

This module owns how every number of a plan or its data is read and computed:

- Every amount, rate and count is a `decimal.Decimal` built from text, never
  from a binary float (`parse_amount`, shared by the plan parser for literals and
  the data readers for cells, so `120万`, `1,200,000.00` and `85%` mean the same
  in both). A literal or cell with more than SCALE (18) decimal places, or of
  magnitude 10^20 or more, is rejected.
- Every intermediate result has at most SCALE digits after the point: an
  operation that produces more (×, ÷, avg) rounds half-even to 18 places once.
  Addition and subtraction of such values are exact. |value| < 10^20 (LIMIT);
  beyond it is a `NumericError`, as is a division by zero.
- A chain of products and quotients is computed with its only division last
  (`quotient`): the products are exact, so the result is exact whenever the
  exact result fits the policy.
- Money is rounded only where the plan says (`round_money`).

These are the semantics of DECIMAL(38, 18) in SQL engines (DuckDB, Spark), so
every backend gives the same digits. All arithmetic here uses the explicit
CONTEXT or Python integers, never the thread's decimal context, and importing
this module changes no global state. docs/numeric.md states the policy for
plan authors.
"""
from __future__ import annotations

import decimal
import re
from decimal import Decimal
from typing import Iterable, Sequence

SCALE = 18  # digits after the decimal point of every value
LIMIT = 10**20  # every value is strictly between -LIMIT and LIMIT
QUANTUM = Decimal("1E-18")
_SCALED_LIMIT = LIMIT * 10**SCALE  # LIMIT in units of 10^-18

# Sums and products of two values within the policy need at most 39 and 76
# significant digits; a precision of 100 keeps them exact. Longer chains are
# computed with Python integers (see `quotient`), exact at any length.
CONTEXT = decimal.Context(
    prec=100,
    rounding=decimal.ROUND_HALF_EVEN,
    Emax=999_999,
    Emin=-999_999,
    traps=[decimal.InvalidOperation, decimal.DivisionByZero, decimal.Overflow],
)

# The rounding modes a plan may name (`round half_even to 1`); `_round_division` defines each.
ROUNDING_MODES = ("half_up", "half_even", "half_down", "down", "up", "floor", "ceiling")

MULTIPLIERS = {"": 0, "万": 4, "亿": 8}  # powers of ten
CURRENCY_WORDS = {"元": "CNY", "块": "CNY"}

_AMOUNT = re.compile(
    r"""^\s*
    (?P<cur1>[A-Z]{3}\s*)?
    (?P<sign>[-+])?
    (?P<num>\d[\d,]*(?:\.\d+)?|\.\d+)
    \s*(?P<mult>万|亿)?
    \s*(?P<unit>元|块|%|％)?
    \s*(?P<cur2>[A-Z]{3})?
    \s*$""",
    re.VERBOSE,
)
_GROUPED = re.compile(r"^\d{1,3}(,\d{3})*(\.\d+)?$")


class AmountError(ValueError):
    """Text that is not an exact number, amount or percent within the policy."""


class NumericError(ArithmeticError):
    """An operation whose result the policy cannot hold: an overflow or a division by zero.

    The evaluator turns it into an evaluation error naming the payee and the expression.
    """


# ---------------------------------------------------------------- reading


def parse_amount(text: str) -> tuple[Decimal, str | None, bool]:
    """Parse `text` exactly.

    Returns (value, currency or None, is_percent). Raises AmountError for text
    that is not a number, or whose value has more than 18 decimal places or is
    10^20 or more in magnitude; the digits are counted before any arithmetic,
    so no text makes this slow.

    >>> parse_amount("120万")
    (Decimal('1200000'), None, False)
    >>> parse_amount("1,200,000.00")
    (Decimal('1200000.00'), None, False)
    >>> parse_amount("85%")
    (Decimal('0.85'), None, True)
    >>> parse_amount("USD 850,000")
    (Decimal('850000'), 'USD', False)
    >>> parse_amount("3000元")
    (Decimal('3000'), 'CNY', False)
    >>> parse_amount("0.0000000000000000005%")
    Traceback (most recent call last):
    dsl.core.numeric.AmountError: '0.0000000000000000005%' has 21 decimal places; at most 18 are kept exactly
    """
    if len(text) > 1000:  # far longer than any amount; the pattern below is linear, but why run it
        raise AmountError(f"'{_quoted(text)}' is too long for a number ({len(text)} characters)")
    match = _AMOUNT.match(text)
    if not match:
        raise AmountError(f"'{_quoted(text)}' is not a number")
    num = match["num"]
    if "," in num and not _GROUPED.match(num):
        raise AmountError(f"'{_quoted(text)}' has misplaced thousands separators")
    unit = "%" if match["unit"] == "％" else match["unit"]  # the full-width percent sign reads as %
    shift = MULTIPLIERS[match["mult"] or ""] - (2 if unit == "%" else 0)
    whole, _, fraction = num.replace(",", "").partition(".")
    places = len(fraction.rstrip("0")) - shift
    if places > SCALE:
        raise AmountError(f"'{_quoted(text)}' has {places} decimal places; at most {SCALE} are kept exactly")
    if len(whole.lstrip("0")) + shift > 20:
        raise AmountError(f"'{_quoted(text)}' is too large: every value must be less than 10^20")
    # Exact (Decimal(str) never rounds), from at most 20 + 18 digits: leading zeros and
    # trailing zeros past the 18th place say nothing, and a literal of a thousand of
    # them must not become a thousand-digit coefficient that later arithmetic rounds.
    fraction = fraction[: max(SCALE, len(fraction.rstrip("0")))]
    value = Decimal((whole.lstrip("0") or "0") + ("." + fraction if fraction else ""))
    if match["sign"] == "-":
        value = CONTEXT.minus(value)
    if match["mult"]:
        value = CONTEXT.multiply(value, _POWERS[match["mult"]])
    currency = None
    if match["cur1"] and match["cur2"]:
        raise AmountError(f"'{_quoted(text)}' names its currency twice")
    code = (match["cur1"] or match["cur2"] or "").strip() or None
    if unit == "%":
        if code:
            raise AmountError(f"'{_quoted(text)}' is a percent with a currency")
        value = quotient((value,), (Decimal(100),), bounded=False)
    # The digits counted above keep this cheap; the value itself decides (99,999,999,999,999,999,999.5 is over).
    if value.copy_abs() >= LIMIT:
        raise AmountError(f"'{_quoted(text)}' is too large: every value must be less than 10^20")
    if unit == "%":
        return value, None, True
    if unit in CURRENCY_WORDS:
        currency = CURRENCY_WORDS[unit]
        if code and code != currency:
            raise AmountError(f"'{_quoted(text)}' mixes {code} and {unit}")
    if code:
        currency = code
    return value, currency, False


_POWERS = {"万": Decimal(10000), "亿": Decimal(100000000)}


def _quoted(text: str, room: int = 40) -> str:
    """Text as a message quotes it: a huge literal or cell is cut, never echoed whole.

    >>> _quoted("1" * 50)
    '111111111111111111111111111111111111111…'
    """
    return text if len(text) <= room else text[: room - 1] + "…"


def admit(value: Decimal, shown: str) -> Decimal:
    """A number already read by a file format (JSON, a workbook's stored text), checked
    against the policy: finite, at most 18 places (trailing zeros do not count),
    |value| < 10^20. Raises AmountError naming `shown`.

    >>> admit(Decimal("0.10000000000000000000"), "0.10000000000000000000")
    Decimal('0.100000000000000000')
    >>> admit(Decimal("1E+999999"), "1e999999")
    Traceback (most recent call last):
    dsl.core.numeric.AmountError: '1e999999' is too large: every value must be less than 10^20
    """
    if not value.is_finite():
        raise AmountError(f"'{shown}' is not a finite number")
    if value and value.adjusted() >= 20:
        raise AmountError(f"'{shown}' is too large: every value must be less than 10^20")
    exponent = value.as_tuple().exponent
    if exponent < -SCALE:
        exact = value.normalize(CONTEXT) if value else Decimal(0)
        places = -exact.as_tuple().exponent
        if places > SCALE:
            raise AmountError(f"'{shown}' has {places} decimal places; at most {SCALE} are kept exactly")
        value = value.quantize(QUANTUM, context=CONTEXT)
    return value


# ---------------------------------------------------------------- computing


def check_range(value: Decimal) -> Decimal:
    """`value` itself if |value| < 10^20; otherwise NumericError.

    >>> check_range(Decimal("-99999999999999999999.999999999999999999"))
    Decimal('-99999999999999999999.999999999999999999')
    >>> check_range(Decimal("1E+20"))
    Traceback (most recent call last):
    dsl.core.numeric.NumericError: the result 1E+20 is too large: every value must be less than 10^20
    """
    if value and value.adjusted() >= 20:
        raise NumericError(f"the result {_short(value)} is too large: every value must be less than 10^20")
    return value


def fit(value: Decimal) -> Decimal:
    """An exact result brought within the policy: rounded half-even to 18 places
    if it has more (its scale is kept otherwise), then range-checked.

    >>> fit(Decimal("0.12500"))
    Decimal('0.12500')
    >>> fit(Decimal("0.0000000000000000005")), fit(Decimal("0.0000000000000000015"))
    (Decimal('0E-18'), Decimal('2E-18'))
    """
    check_range(value)
    if value.as_tuple().exponent < -SCALE:
        value = check_range(value.quantize(QUANTUM, context=CONTEXT))
    return value


def add(a: Decimal, b: Decimal) -> Decimal:
    """a + b, exact.

    >>> add(Decimal("0.1"), Decimal("0.2"))
    Decimal('0.3')
    """
    return check_range(CONTEXT.add(a, b))


def sub(a: Decimal, b: Decimal) -> Decimal:
    """a − b, exact.

    >>> sub(Decimal("1.00"), Decimal("0.005"))
    Decimal('0.995')
    """
    return check_range(CONTEXT.subtract(a, b))


def neg(a: Decimal) -> Decimal:
    """−a (a zero stays an unsigned zero, as `-a` does).

    >>> neg(Decimal("2.50")), neg(Decimal("0"))
    (Decimal('-2.50'), Decimal('0'))
    """
    return CONTEXT.minus(a)


def absolute(a: Decimal) -> Decimal:
    """|a|.

    >>> absolute(Decimal("-2.50"))
    Decimal('2.50')
    """
    return CONTEXT.abs(a)


def mul(a: Decimal, b: Decimal) -> Decimal:
    """a × b: the exact product, rounded half-even to 18 places if it has more.

    >>> mul(Decimal("1200000.00"), Decimal("0.02"))
    Decimal('24000.0000')
    >>> mul(Decimal("0.333333333333333333"), Decimal("0.5"))
    Decimal('0.166666666666666666')
    """
    return fit(CONTEXT.multiply(a, b))


def div(a: Decimal, b: Decimal) -> Decimal:
    """a ÷ b rounded half-even to 18 places (exact quotients keep their natural
    scale, as Decimal division gives them). Dividing by zero is a NumericError.

    >>> div(Decimal("1000.00"), Decimal("3"))
    Decimal('333.333333333333333333')
    >>> div(Decimal("70000"), Decimal("100000"))
    Decimal('0.7')
    """
    return quotient((a,), (b,))


def total(values: Iterable[Decimal]) -> Decimal:
    """The exact sum of `values` (0 for none).

    >>> total([Decimal("0.10")] * 3)
    Decimal('0.30')
    """
    with decimal.localcontext(CONTEXT):
        result = sum(values, Decimal(0))
    return check_range(result)


def mean(values: Sequence[Decimal]) -> Decimal:
    """The average of `values` (at least one): their exact sum ÷ their count.

    >>> mean([Decimal("1"), Decimal("2"), Decimal("2")])
    Decimal('1.666666666666666667')
    """
    return quotient((total(values),), (Decimal(len(values)),))


def quotient(numerators: Sequence[Decimal], denominators: Sequence[Decimal] = (), bounded: bool = True) -> Decimal:
    """(n1 × n2 × …) ÷ (d1 × d2 × …) with one rounding: the products are exact,
    the quotient is rounded half-even to 18 places. This is how a chain of
    products and quotients is computed, so that its only division happens last.

    The result keeps the scale Decimal arithmetic gives an exact result (the sum
    of the numerators' scales less the denominators', or less if the exact value
    needs it). With `bounded=False` the range is not checked (an intermediate of
    a chain shown in an explanation may exceed it).

    >>> quotient((Decimal("1000000"), Decimal("30000")), (Decimal("3000000"),))
    Decimal('10000')
    >>> quotient((Decimal("1.01"), Decimal("3")), (Decimal("6"),))
    Decimal('0.505')
    >>> quotient((Decimal("1"),), (Decimal("3"),))
    Decimal('0.333333333333333333')
    >>> quotient((Decimal("1"),), (Decimal("0"),))
    Traceback (most recent call last):
    dsl.core.numeric.NumericError: division by zero
    """
    numerator, denominator, ideal, negative = 1, 1, 0, False
    for value, on_top in [(v, True) for v in numerators] + [(v, False) for v in denominators]:
        if not value.is_finite():
            raise NumericError(f"{value} is not a number")
        n, d = value.as_integer_ratio()
        exponent = value.as_tuple().exponent
        negative ^= value.is_signed()
        if on_top:
            numerator, denominator, ideal = numerator * abs(n), denominator * d, ideal + exponent
        else:
            numerator, denominator, ideal = numerator * d, denominator * abs(n), ideal - exponent
    if denominator == 0:
        raise NumericError("division by zero")
    sign = "-" if negative else ""
    scaled, remainder = divmod(numerator * 10**SCALE, denominator)
    if remainder:
        scaled += _rounds_up(scaled, remainder, denominator, False, "half_even")
        exponent = -SCALE
    elif scaled == 0:
        exponent = max(-SCALE, ideal)
    else:
        digits = str(scaled)
        zeros = len(digits) - len(digits.rstrip("0"))
        exponent = min(max(-SCALE, ideal), zeros - SCALE)
        if exponent + SCALE > 0:
            scaled //= 10 ** (exponent + SCALE)
        else:
            scaled *= 10 ** -(exponent + SCALE)
    if bounded and abs(scaled) * 10 ** (exponent + SCALE) >= _SCALED_LIMIT:
        raise NumericError(f"the result {sign}{_short(Decimal(f'{scaled}E{exponent}'))} is too large: every value must be less than 10^20")
    return Decimal(f"{sign}{scaled}E{exponent}")


def _short(value: Decimal) -> str:
    """A value in a message: huge ones in scientific notation."""
    return f"{value.normalize(CONTEXT):E}" if value.adjusted() >= 20 else f"{value:f}"


def round_money(value: Decimal, unit: Decimal = Decimal("0.01"), mode: str = "half_up") -> Decimal:
    """Round `value` to a multiple of `unit` with the named mode, exactly (one rounding).

    The result has the places of `unit` (0.01 → 2, 1 or 10 → 0).

    >>> round_money(Decimal("0.005"))
    Decimal('0.01')
    >>> round_money(Decimal("3410.09"), Decimal("1"))
    Decimal('3410')
    >>> round_money(Decimal("125"), Decimal("10"), "half_even")
    Decimal('120')
    >>> round_money(Decimal("9999.999999999999999999"), Decimal("1"), "down")
    Decimal('9999')
    """
    if unit <= 0:
        raise ValueError("rounding unit must be positive")
    n, d = value.as_integer_ratio()
    un, ud = unit.as_integer_ratio()
    multiple = _round_division(n * ud, d * un, mode)  # value / unit, rounded to a whole number
    result = CONTEXT.multiply(Decimal(multiple), unit)
    exponent = unit.normalize(CONTEXT).as_tuple().exponent
    places = Decimal(1).scaleb(exponent, CONTEXT) if exponent < 0 else Decimal(1)
    return check_range(result.quantize(places, context=CONTEXT))


def _round_division(n: int, d: int, mode: str) -> int:
    """n / d (d > 0) rounded to a whole number with the named mode."""
    if mode not in ROUNDING_MODES:
        raise ValueError(f"unknown rounding mode '{mode}'")
    negative = n < 0
    q, r = divmod(abs(n), d)
    q += _rounds_up(q, r, d, negative, mode)
    return -q if negative else q


def _rounds_up(q: int, r: int, d: int, negative: bool, mode: str) -> bool:
    """Whether |n| / d = q + r/d (0 <= r < d) rounds away from zero to q + 1 under `mode`."""
    if not r:
        return False
    return {
        "half_up": 2 * r >= d,
        "half_even": 2 * r > d or (2 * r == d and q % 2 == 1),
        "half_down": 2 * r > d,
        "down": False,
        "up": True,
        "floor": negative,
        "ceiling": not negative,
    }[mode]
