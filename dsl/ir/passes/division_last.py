"""Division last: each chain of products and quotients becomes one quotient.

`a / b * c` is computed as `(a × c) / b`: the numerators' and denominators'
products are exact, so the only rounding is the final division's, and the result
is exact whenever the exact result has at most 18 decimal places. Computed step
by step, `100万 / 300万 * 3万` would be 0.333…3 × 3万 = 9,999.99…, which
`rounding down to 1` pays as 9,999 instead of 10,000.

A chain is a maximal tree of `*` and `/` Arith nodes (parentheses only group:
`a / (b / c)` is the chain a × c / b). A chain with a division becomes an
`ir.Quotient` that keeps the tree as written for traces; a chain without one is
left as it is (its products are already exact up to the 18th place).
"""
from __future__ import annotations

from decimal import Decimal

import attrs

from dsl.core.source import Span
from dsl.core.types import InputSchema, Period, Type
from dsl.ir.nodes import EXPR_CLASSES, Arith, Plan, Quotient

# values that hold no expression: returned as they are without looking inside
_LEAVES = (str, int, Decimal, type(None), Span, Type, Period, InputSchema)

_CHAIN_OPS = ("*", "/")


def division_last(plan: Plan) -> Plan:
    """Every expression of `plan` with its product-and-quotient chains combined.

    >>> from decimal import Decimal
    >>> from dsl.core.types import NUMBER
    >>> from dsl.ir.nodes import Const
    >>> a, b, c = (Const(Decimal(v), NUMBER, text=v) for v in ("1.01", "6", "3"))
    >>> q = combine(Arith("*", Arith("/", a, b, NUMBER), c, NUMBER))
    >>> [f.text for f in q.numerators], [f.text for f in q.denominators]
    (['1.01', '3'], ['6'])
    """
    return _rewrite(plan)


def combine(node):
    """`node` (an IR expression) with every chain in it combined."""
    if isinstance(node, Arith) and node.op in _CHAIN_OPS:
        chain = _rebuild(node)
        numerators: list = []
        denominators: list = []
        _factors(chain, False, numerators, denominators)
        if not _has_division(chain):
            return chain
        return Quotient(tuple(numerators), tuple(denominators), chain.type, chain, chain.span, chain.text, chain.via)
    return _rewrite(node)


def _rebuild(node: Arith) -> Arith:
    """The chain with each of its factors combined in turn (the same node if none changed)."""
    left = _rebuild(node.left) if _in_chain(node.left) else combine(node.left)
    right = _rebuild(node.right) if _in_chain(node.right) else combine(node.right)
    if left is node.left and right is node.right:
        return node
    return attrs.evolve(node, left=left, right=right)


def _in_chain(node) -> bool:
    return isinstance(node, Arith) and node.op in _CHAIN_OPS


def _has_division(node) -> bool:
    return _in_chain(node) and (node.op == "/" or _has_division(node.left) or _has_division(node.right))


def _factors(node, inverted: bool, numerators: list, denominators: list) -> None:
    if not _in_chain(node):
        (denominators if inverted else numerators).append(node)
        return
    _factors(node.left, inverted, numerators, denominators)
    _factors(node.right, inverted != (node.op == "/"), numerators, denominators)


def _rewrite(value):
    """`value` (a node of the plan, a tuple or dict of them) with `combine` applied to every
    expression in it; objects nothing changed in are returned as they are."""
    if isinstance(value, EXPR_CLASSES) and not isinstance(value, Quotient):
        if isinstance(value, Arith) and value.op in _CHAIN_OPS:
            return combine(value)
    if isinstance(value, tuple):
        items = tuple(_rewrite(v) for v in value)
        return value if all(a is b for a, b in zip(items, value)) else items
    if isinstance(value, dict):
        items = {k: _rewrite(v) for k, v in value.items()}
        return value if all(items[k] is value[k] for k in value) else items
    if attrs.has(type(value)) and not isinstance(value, Quotient):
        changes = {}
        for field in attrs.fields(type(value)):
            if not field.init:
                continue
            old = getattr(value, field.name)
            new = _rewrite(old)
            if new is not old:
                changes[field.name] = new
        return attrs.evolve(value, **changes) if changes else value
    return value
