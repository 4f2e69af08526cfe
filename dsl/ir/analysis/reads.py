"""What an expression reads: the data it depends on and the definitions it goes through.

A read is `("data", node)` for a value taken from the inputs (a record or
params field, a column, a computed column, an aggregate over a table) or
`("let", name)` for a definition, whose own reads are included, as the
evaluator follows it. Two expressions that read a common data node depend on
the same value: the unguarded-division rule uses this to tell whether an `if`
or a gate tests the divisor.

    >>> from dsl.core.types import BOOL, MoneyType
    >>> from dsl import ir
    >>> cny = MoneyType("CNY")
    >>> target = ir.RecordRef("reps", "target", cny)
    >>> plan_reads = Reads(None)
    >>> plan_reads.of(ir.Cmp(">", target, ir.Const(Decimal(0), cny), BOOL)) == {("data", target)}
    True
    >>> plan_reads.reads_data(ir.Const(Decimal(0), cny))
    False
"""
from __future__ import annotations

from decimal import Decimal  # noqa: F401  (the doctests use it)
from typing import Optional

from dsl.ir.nodes import Aggregate, ColumnRef, ComputedRef, LetRef, ParamRef, Plan, RecordRef
from dsl.ir.walk import children

__all__ = ["DATA_NODES", "Reads"]

DATA_NODES = (RecordRef, ParamRef, ColumnRef, ComputedRef, Aggregate)


class Reads:
    """What expressions of one plan read, with definitions followed (memoised per definition)."""

    def __init__(self, plan: Optional[Plan]):
        self.plan = plan
        self._lets: dict[str, frozenset] = {}

    def of(self, node) -> frozenset:
        """Every read of `node`: `("data", node)` and `("let", name)` pairs."""
        if isinstance(node, DATA_NODES):
            return frozenset({("data", node)})
        if isinstance(node, LetRef):
            if node.name not in self._lets:
                let = self.plan.let(node.name) if self.plan is not None else None
                self._lets[node.name] = frozenset({("let", node.name)}) | (self.of(let.expr) if let else frozenset())
            return self._lets[node.name]
        found = frozenset()
        for child in children(node):
            found |= self.of(child)
        return found

    def reads_data(self, node) -> bool:
        """Does the value of `node` depend on the data?"""
        return any(kind == "data" for kind, _ in self.of(node))
