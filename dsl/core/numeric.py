"""Exact numbers: parsing, arithmetic context, rounding and display.

Every amount, rate and count in a plan or its data is a `decimal.Decimal`
built from text, never from a binary float. Intermediates are computed in a
context with 40 significant digits, far more than any payout needs, and money
is rounded only where the plan says (by default half-up to 0.01 on each payout
line).

`parse_amount` is shared by the plan parser (for literals) and the data loaders
(for cells), so `120万`, `1,200,000.00` and `85%` mean the same in both.
"""
from __future__ import annotations

import decimal
import re
from decimal import Decimal

CONTEXT = decimal.Context(prec=40, rounding=decimal.ROUND_HALF_EVEN, Emax=999999, Emin=-999999)
decimal.setcontext(CONTEXT)

ROUNDING_MODES = {
    "half_up": decimal.ROUND_HALF_UP,
    "half_even": decimal.ROUND_HALF_EVEN,
    "half_down": decimal.ROUND_HALF_DOWN,
    "down": decimal.ROUND_DOWN,
    "up": decimal.ROUND_UP,
    "floor": decimal.ROUND_FLOOR,
    "ceiling": decimal.ROUND_CEILING,
}

MULTIPLIERS = {"": Decimal(1), "万": Decimal(10000), "亿": Decimal(100000000)}
CURRENCY_WORDS = {"元": "CNY", "块": "CNY"}

_AMOUNT = re.compile(
    r"""^\s*
    (?P<cur1>[A-Z]{3}\s*)?
    (?P<sign>[-+])?
    (?P<num>\d[\d,]*(?:\.\d+)?|\.\d+)
    \s*(?P<mult>万|亿)?
    \s*(?P<unit>元|块|%)?
    \s*(?P<cur2>[A-Z]{3})?
    \s*$""",
    re.VERBOSE,
)
_GROUPED = re.compile(r"^\d{1,3}(,\d{3})*(\.\d+)?$")


class AmountError(ValueError):
    """Text that is not an exact number, amount or percent."""


def parse_amount(text: str) -> tuple[Decimal, str | None, bool]:
    """Parse `text` exactly.

    Returns (value, currency or None, is_percent).

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
    """
    match = _AMOUNT.match(text)
    if not match:
        raise AmountError(f"'{text}' is not a number")
    num = match["num"]
    if "," in num and not _GROUPED.match(num):
        raise AmountError(f"'{text}' has misplaced thousands separators")
    try:
        value = Decimal(num.replace(",", ""))
    except decimal.InvalidOperation as exc:  # pragma: no cover - regex guards this
        raise AmountError(f"'{text}' is not a number") from exc
    if match["sign"] == "-":
        value = -value
    value *= MULTIPLIERS[match["mult"] or ""]
    unit = match["unit"]
    currency = None
    if match["cur1"] and match["cur2"]:
        raise AmountError(f"'{text}' names its currency twice")
    code = (match["cur1"] or match["cur2"] or "").strip() or None
    if unit == "%":
        if code:
            raise AmountError(f"'{text}' is a percent with a currency")
        return value / 100, None, True
    if unit in CURRENCY_WORDS:
        currency = CURRENCY_WORDS[unit]
        if code and code != currency:
            raise AmountError(f"'{text}' mixes {code} and {unit}")
    if code:
        currency = code
    if match["mult"] and currency is None:
        # 万 and 亿 in the data are always amounts of money in practice; the
        # caller decides what currency applies.
        pass
    return value, currency, False


def round_money(value: Decimal, unit: Decimal = Decimal("0.01"), mode: str = "half_up") -> Decimal:
    """Round `value` to a multiple of `unit` with the named mode.

    >>> round_money(Decimal("0.005"))
    Decimal('0.01')
    >>> round_money(Decimal("3410.09"), Decimal("1"))
    Decimal('3410')
    >>> round_money(Decimal("125"), Decimal("10"), "half_even")
    Decimal('120')
    """
    rounding = ROUNDING_MODES[mode]
    if unit <= 0:
        raise ValueError("rounding unit must be positive")
    quotient = (value / unit).quantize(Decimal(1), rounding=rounding)
    result = quotient * unit
    exponent = unit.normalize().as_tuple().exponent
    if isinstance(exponent, int) and exponent < 0:
        return result.quantize(Decimal(1).scaleb(exponent))
    return result.quantize(Decimal(1))















