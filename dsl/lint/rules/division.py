"""unguarded-division: dividing by something read from the data that may be 0.

A payee with no target, no deals or an empty cell makes `sales / reps.target`
fail for that payee (R001) in the middle of a pay run. A division is guarded
when an enclosing `if` tests what it divides by, when it sits on the right of
an `and`/`or` whose left side tests it, inside an aggregate whose `where` tests
it, or when the divisor is `max(x, c)` / `clamp(x, c, ..)` with a constant c > 0.
A line's `when` gate guards the line: the evaluator reads the gate first and a
closed gate computes nothing else, so `x / t when t > 0` is safe.
Definitions are followed to where they are used, as the evaluator does: a let
divides wherever it is first read. What an expression reads (the divisor, a
condition) is `dsl.ir.analysis.reads`.
"""
from __future__ import annotations

from decimal import Decimal

from dsl import ir
from dsl.ir.analysis.reads import Reads
from dsl.ir.walk import children
from dsl.lint.registry import WARNING, Finding, rule


def _positive_const(node) -> bool:
    return isinstance(node, ir.Const) and isinstance(node.value, Decimal) and node.value > 0


def _safe_divisor(node) -> bool:
    if isinstance(node, ir.Builtin):
        if node.fn == "max" and any(_positive_const(a) for a in node.args):
            return True
        if node.fn == "clamp" and _positive_const(node.args[1]):
            return True
    return False


class _Walker:
    def __init__(self, plan: ir.Plan):
        self.plan = plan
        self.lets = {let.name: let for let in plan.lets}  # plan.let and plan.column are scans: n² over a long plan
        self.columns = {(column.table, column.name): column for column in plan.columns}
        self.reads = Reads(plan)
        self.visited: set = set()
        self.findings: dict = {}

    def visit(self, root, guards: frozenset) -> None:
        """Every division reachable from `root` under the guards that hold there (its own
        stack, not recursion: a chain of a thousand lets is followed like a short one)."""
        pending = [(root, guards)]
        while pending:
            node, guards = pending.pop()
            if isinstance(node, ir.LetRef):
                key = ("let", node.name, guards)
                let = self.lets.get(node.name)
                if key not in self.visited and let is not None:
                    self.visited.add(key)
                    pending.append((let.expr, guards))
                continue
            if isinstance(node, ir.ComputedRef):
                key = ("column", node.table, node.name, guards)
                column = self.columns.get((node.table, node.name))
                if key not in self.visited and column is not None:
                    self.visited.add(key)
                    pending.append((column.expr, guards))
                continue
            if isinstance(node, ir.Arith) and node.op == "/":
                self.division(node, guards)
            if isinstance(node, ir.Cond):
                tested = guards | self.reads.of(node.condition)
                pending += [(node.otherwise, tested), (node.then, tested), (node.condition, guards)]
            elif isinstance(node, ir.Logic) and node.op in ("and", "or"):
                left, right = node.operands
                pending += [(right, guards | self.reads.of(left)), (left, guards)]
            elif isinstance(node, ir.Aggregate):
                inner = guards | self.reads.of(node.where) if node.where is not None else guards
                if node.expr is not None:
                    pending.append((node.expr, inner))
                if node.where is not None:
                    pending.append((node.where, guards))
            else:
                pending += [(child, guards) for child in reversed(list(children(node)))]

    def division(self, node: ir.Arith, guards: frozenset) -> None:
        divisor = node.right
        reads = self.reads.of(divisor)
        if not self.reads.reads_data(divisor) or _safe_divisor(divisor):
            return
        if reads & guards:
            return
        self.findings.setdefault(divisor.span, Finding(
            f"'{divisor.text}' comes from the data and may be 0; dividing by it then fails for that payee",
            divisor.span,
            hint=f"guard it: if {divisor.text} > 0 then … else 0, or a 'when {divisor.text} > 0' on the line",
        ))


@rule("L013", "unguarded-division", WARNING, "A division by a value read from the data that may be 0, with no guard.", needs_plan=True)
def unguarded_division(ctx):
    plan = ctx.plan
    walker = _Walker(plan)
    none = frozenset()
    for payout in plan.payouts:
        gate_guards = walker.reads.of(payout.gate) if payout.gate is not None else none
        for expr in (payout.expr, payout.cap, payout.floor):
            if expr is not None:
                walker.visit(expr, gate_guards)
        if payout.gate is not None:
            walker.visit(payout.gate, none)
    for root in (*(f.expr for f in plan.flags), plan.total_cap, plan.total_floor):
        if root is not None:
            walker.visit(root, none)
    reached = {key[1:-1] for key in walker.visited}
    for let in plan.lets:  # definitions no line reads are still checked where they stand
        if (let.name,) not in reached:
            walker.visit(let.expr, none)
    for column in plan.columns:
        if (column.table, column.name) not in reached:
            walker.visit(column.expr, none)
    yield from sorted(walker.findings.values(), key=lambda f: (f.span.line, f.span.column))
