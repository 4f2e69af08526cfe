"""Rules about names: inputs and definitions nobody reads, and names that hide others.

Uses are collected from the syntax tree, so these rules run even when the plan
does not check. They err on the side of silence: any bare name counts as a use
of every definition or column of that name, and a test's `expect` counts as a
use. A record input is never "unused": it is the roster of payees even when no
field of it is read.

Shadowing: inside an aggregate or a computed column over a table, a bare name
means that table's column first. Where a column (declared or computed) shares
its name with a `let`, such a bare name hides the let exactly where a reader is
least likely to notice; the finding is at that bare name. (`let 销售额 =
sum(orders.销售额)` alone hides nothing and is not reported.)
"""
from __future__ import annotations

from dsl.syntax import ast
from dsl import ir
from dsl.lint.registry import WARNING, Finding, rule
from dsl.ir.walk import plan_exprs, walk
from dsl.lint.walk import item_exprs, walk_ast


def _references(plan_file: ast.PlanFile):
    """Per item: the bare names and the (target, field) pairs it reads."""
    result = []
    for item in plan_file.items:
        names: set[str] = set()
        fields: set[tuple[str, str]] = set()
        for expr in item_exprs(item):
            for node in walk_ast(expr):
                if isinstance(node, ast.Name):
                    names.add(node.name)
                elif isinstance(node, ast.Field) and isinstance(node.target, ast.Name):
                    fields.add((node.target.name, node.name))
        result.append((item, names, fields))
    return result


class _Readers:
    """How many items read each bare name, counted once, so asking whether an item's
    name is read by another item is a lookup (asking every item each time was n² on
    a plan of 10,000 lines)."""

    def __init__(self, refs):
        self.count: dict[str, int] = {}
        self.names = {id(item): names for item, names, _ in refs}
        for _, names, _ in refs:
            for name in names:
                self.count[name] = self.count.get(name, 0) + 1

    def elsewhere(self, item, name: str) -> bool:
        return self.count.get(name, 0) - (name in self.names.get(id(item), ())) > 0


@rule("L014", "unused-input", WARNING, "A table or params input is declared but never read.")
def unused_input(ctx):
    readers = _Readers(_references(ctx.file))
    for item in ctx.file.items:
        if isinstance(item, ast.InputDecl) and item.kind != "record" and not readers.elsewhere(item, item.name):
            yield Finding(
                f"input '{item.name}' is declared but never read",
                item.span,
                hint="remove it, or use it; data for it is still required by 'plan run'",
            )


@rule("L015", "unused-definition", WARNING, "A let, computed column or tier table is defined but never used.")
def unused_definition(ctx):
    refs = _references(ctx.file)
    readers = _Readers(refs)
    all_fields = set().union(*(fields for _, _, fields in refs)) if refs else set()
    for item in ctx.file.items:
        if isinstance(item, ast.LetDecl) and not readers.elsewhere(item, item.name):
            yield Finding(f"'{item.name}' is defined but never used", item.span, hint="remove it, or use it in a payout line")
        elif isinstance(item, ast.ColumnDecl):
            if (item.table, item.name) not in all_fields and not readers.elsewhere(item, item.name):
                yield Finding(f"computed column '{item.table}.{item.name}' is defined but never used", item.span)
        elif isinstance(item, ast.TiersDecl) and not readers.elsewhere(item, item.name):
            yield Finding(f"tier table '{item.name}' is defined but never applied", item.name_span)


@rule("L016", "shadowed-name", WARNING, "A bare name over a table means a column that shares its name with a let, hiding the let.", needs_plan=True)
def shadowed_name(ctx):
    plan = ctx.plan
    lets = {let.name: let for let in plan.lets}
    seen = set()
    for root in plan_exprs(plan):
        for node in walk(root):
            if not isinstance(node, (ir.ColumnRef, ir.ComputedRef)):
                continue
            name = node.field if isinstance(node, ir.ColumnRef) else node.name
            if name not in lets or node.text != name or node.span in seen:
                continue  # written table.name, or no let of that name: nothing is hidden
            seen.add(node.span)
            what = "column" if isinstance(node, ir.ColumnRef) else "computed column"
            yield Finding(
                f"here '{name}' is the {what} {node.table}.{name} of each row, not the definition '{name}'",
                node.span,
                notes=((f"the definition '{name}' it hides", lets[name].span),),
                hint=f"write {node.table}.{name} for the column, or rename one of them",
            )
