"""Constant folding: the value of IR arithmetic whose leaves are all constants.

A folded constant is a value and its static type. The type is the one the
checker gave the node (`expr.type`), never recomputed here, so folding and
type checking cannot disagree about units: money ÷ money is whatever the
checker says it is.

Arithmetic is the numeric policy's own (dsl.core.numeric), so a folded value
is the value every backend computes; a division by zero or an overflow does
not fold.

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

from decimal import Decimal
from typing import Optional

from dsl.core import numeric
from dsl.core.numeric import NumericError
from dsl.core.types import Type, is_money
from dsl.ir.nodes import Arith, Const, Neg

__all__ = ["Constant", "arith", "negate", "fold", "fold_money"]

Constant = tuple[Decimal, Type]

_OPERATIONS = {"+": numeric.add, "-": numeric.sub, "*": numeric.mul, "/": numeric.div}


def arith(op: str, left: Decimal, right: Decimal) -> Optional[Decimal]:
    """`left op right` for op in + - * / under the numeric policy (dsl.core.numeric);
    None for a division by zero or a result out of range (it does not fold).

    >>> arith("/", Decimal(1), Decimal(3))
    Decimal('0.333333333333333333')
    >>> arith("*", Decimal("12345678901234567890.5"), Decimal("0.01"))
    Decimal('123456789012345678.905')
    >>> arith("/", Decimal(1), Decimal(0)) is None
    True
    """
    try:
        return _OPERATIONS[op](left, right)
    except NumericError:
        return None


def negate(value: Decimal) -> Decimal:
    """−value, exactly (the thread's context could round a long value)."""
    return numeric.neg(value)


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
