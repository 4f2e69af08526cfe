"""Constant folding: the value of IR arithmetic whose leaves are all constants.

A folded constant is a value and its static type. The type is the one the
checker gave the node (`expr.type`), never recomputed here, so folding and
type checking cannot disagree about units: money ÷ money is whatever the
checker says it is.

Arithmetic is done in an explicit context, never the thread's: sums,
differences and products of values within the numeric policy (|x| < 10^20,
at most 18 decimal places) are exact; a quotient is rounded half-even to 18
decimal places, as the numeric policy rounds it; a division by zero does not
fold.

    >>> from dsl.core.types import MoneyType, NUMBER
    >>> from dsl import ir
    >>> cny = MoneyType("CNY")
    >>> cap = ir.Arith("*", ir.Const(Decimal(20000), cny), ir.Const(Decimal(3), NUMBER), cny)   # 2万 * 3
    >>> fold(cap)
    (Decimal('60000'), MoneyType(currency='CNY'))
    >>> fold_money(cap)
    Decimal('60000')
"""
from __future__ import annotations

import decimal
from decimal import Decimal
from typing import Optional

from dsl.core.types import Type, is_money
from dsl.ir.nodes import Arith, Const, Neg

__all__ = ["Constant", "arith", "negate", "fold", "fold_money"]

Constant = tuple[Decimal, Type]

SCALE = 18  # decimal places of a quotient (the numeric policy)
_QUANTUM = Decimal(1).scaleb(-SCALE)
# 120 digits: the exact sum or product of two values of up to 38 digits, with room to spare.
_EXACT = decimal.Context(
    prec=120,
    rounding=decimal.ROUND_HALF_EVEN,
    Emax=999999,
    Emin=-999999,
    traps=[decimal.InvalidOperation, decimal.DivisionByZero, decimal.Overflow],
)


def arith(op: str, left: Decimal, right: Decimal) -> Optional[Decimal]:
    """`left op right` for op in + - * /, in an explicit context; None for a division by zero.

    >>> arith("/", Decimal(1), Decimal(3))
    Decimal('0.333333333333333333')
    >>> arith("*", Decimal("12345678901234567890.5"), Decimal("0.01"))
    Decimal('123456789012345678.905')
    >>> arith("/", Decimal(1), Decimal(0)) is None
    True
    """
    if op == "+":
        return _EXACT.add(left, right)
    if op == "-":
        return _EXACT.subtract(left, right)
    if op == "*":
        return _EXACT.multiply(left, right)
    if right == 0:
        return None
    quotient = _EXACT.divide(left, right)
    if _places(quotient) > SCALE:
        quotient = quotient.quantize(_QUANTUM, context=_EXACT)
    return quotient


def _places(value: Decimal) -> int:
    exponent = value.as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0


def negate(value: Decimal) -> Decimal:
    """−value, exactly (the thread's context could round a long value)."""
    return _EXACT.minus(value)


def fold(expr) -> Optional[Constant]:
    """The value and static type of constant arithmetic (+ - * / and negation), else None."""
    if isinstance(expr, Const):
        return (expr.value, expr.type) if isinstance(expr.value, Decimal) else None
    if isinstance(expr, Neg):
        inner = fold(expr.operand)
        return (negate(inner[0]), expr.type) if inner else None
    if isinstance(expr, Arith):
        left, right = fold(expr.left), fold(expr.right)
        if left is None or right is None:
            return None
        value = arith(expr.op, left[0], right[0])
        return (value, expr.type) if value is not None else None
    return None


def fold_money(expr) -> Optional[Decimal]:
    """A constant amount of money, or None. A bare 0 counts: it takes the type it meets.

    >>> from dsl.core.types import NUMBER, PERCENT
    >>> fold_money(Const(Decimal(0), NUMBER)), fold_money(Const(Decimal("0.02"), PERCENT))
    (Decimal('0'), None)
    """
    folded = fold(expr)
    if folded is None:
        return None
    value, folded_type = folded
    if is_money(folded_type) or value == 0:
        return value
    return None
