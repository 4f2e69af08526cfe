"""How values are shown to a person and written to JSON.

Explanations, error messages, test failures and result files show amounts with
thousands separators, rates as percents and long fractions cut with an ellipsis;
JSON carries every decimal as a string with its scale kept, so no reader turns
money into a binary float. Nothing here computes: display never changes a value.
"""
from __future__ import annotations

import decimal
import re
from decimal import Decimal

from dsl.core.numeric import CONTEXT


def format_number(value: Decimal, places: int | None = None, grouping: bool = True) -> str:
    """Human display: thousands separators, fixed places when given.

    >>> format_number(Decimal("65000"), 2)
    '65,000.00'
    >>> format_number(Decimal("-0.5")), format_number(Decimal("-0.00"), 2)
    ('-0.5', '0.00')

    A zero is shown without a sign: −(3,180.00) × 0% is 0.00 to a person, whatever sign the
    product of the exact arithmetic carries.
    """
    if places is not None:
        value = value.quantize(Decimal(1).scaleb(-places), rounding=decimal.ROUND_HALF_UP, context=CONTEXT)
    else:
        value = normalize(value)
    if value.is_zero():
        value = value.copy_abs()
    return f"{value:,f}" if grouping else f"{value:f}"


SHOWN_PLACES = 10  # a person is shown at most this many decimals; JSON keeps them all


def _readable(value: Decimal, shown) -> str:
    """A long fraction (1/3 = 0.333…, 18 places) cut to SHOWN_PLACES and marked with …"""
    exponent = value.normalize(CONTEXT).as_tuple().exponent
    if isinstance(exponent, int) and exponent < -SHOWN_PLACES:
        return shown(value.quantize(Decimal(1).scaleb(-SHOWN_PLACES), context=CONTEXT)) + "…"
    return shown(value)


def show_value(value, type_name: str = "") -> str:
    """A value as a person reads it: money to the cent, rates as percents, long
    fractions cut at SHOWN_PLACES with an ellipsis. `type_name` is a type's text
    (`money(CNY)`, `percent`, `{底薪: money(CNY), 提成: percent}`).

    >>> show_value(Decimal("65000"), "money(CNY)"), show_value(Decimal("0.025"), "percent")
    ('65,000.00', '2.5%')
    >>> show_value(Decimal("2026"), "int"), show_value(Decimal("24316"), "int"), show_value(Decimal("2026"), "number")
    ('2026', '24,316', '2,026')
    """
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        if type_name == "percent":
            return _readable(CONTEXT.multiply(value, 100), lambda v: format_number(v, grouping=False)) + "%"
        if type_name.startswith("money"):
            if value == value.quantize(Decimal("0.01"), context=CONTEXT):
                return format_number(value, 2)
            return _readable(value, format_number)
        if type_name == "int" and abs(value) < 10000:  # a year, a month, a count: 2026, not 2,026
            return format_number(value, grouping=False)
        return _readable(value, format_number)
    if isinstance(value, dict):
        # type_name of a lookup record reads "{底薪: money(CNY), 提成: percent}"
        field_types = dict(re.findall(r"([^{},:\s]+): ([^,}]+)", type_name))
        return "{" + ", ".join(f"{k}: {show_value(v, field_types.get(k, ''))}" for k, v in value.items()) + "}"
    return str(value)


def format_percent(value: Decimal) -> str:
    """A rate as a person writes it.

    >>> format_percent(Decimal("0.025"))
    '2.5%'
    """
    return f"{normalize(CONTEXT.multiply(value, 100)):f}%"


def normalize(value: Decimal) -> Decimal:
    """Drop trailing zeros without switching to exponent notation."""
    if value == value.to_integral_value():
        return value.quantize(Decimal(1), context=CONTEXT)
    return value.normalize(CONTEXT)


def to_json_number(value: Decimal) -> str:
    """Decimals travel through JSON as strings so no reader turns them into floats.

    The scale is kept: a rounded payout is "65000.00", not "65000".
    """
    return f"{value:f}"
