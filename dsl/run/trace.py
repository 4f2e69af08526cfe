"""Derivation trees: why a value is what it is.

The evaluator returns a `Trace` beside every value it computes (when tracing is
on). A trace node records the kind of step, the plan text it evaluates, the
value, where in the plan it stands, and its inputs as children: other steps,
data cells (file, row, column), tier bands (amount × rate), caps, floors and
rounding. Renderers (dsl/explain) only read this tree; they compute nothing.

The JSON form is the documented interchange format (docs/explain.md,
docs/explain.schema.json): numbers are strings so no reader turns money into
floats. `shared_json` writes it with each let's (and computed cell's)
derivation once, in a table, because the evaluator shares those sub-trees
between every place that reads them; `Trace.to_json` copies them.
"""
from __future__ import annotations

import datetime
import enum
from decimal import Decimal
from typing import Optional

import attrs

from dsl.core.source import Span
from dsl.core.display import to_json_number
from dsl.core.types import Period

class TraceKind(enum.StrEnum):
    """The kinds of node the evaluator builds (docs/explain.schema.json lists the same, in this order)."""

    PAYOUT = "payout"  # a payout line
    FLAG = "flag"  # a flag's value
    CONST = "const"  # a literal of the plan
    LET = "let"  # a `let` name, its definition as the child
    RECORD = "record"  # a field of the payee's record row (a data cell)
    PARAM = "param"  # a field of the plan-wide params row (a data cell)
    COLUMN = "column"  # a cell of a table row
    COMPUTED = "computed"  # a computed column of a table row
    ROW = "row"  # one row an aggregate read
    ARITH = "arith"
    NEG = "neg"
    CMP = "cmp"
    LOGIC = "logic"
    COND = "cond"
    AGGREGATE = "aggregate"
    BUILTIN = "builtin"
    TIERS = "tiers"  # a tier table applied to an amount
    BAND = "band"  # a band (or category, or else row) a tier table used
    FIELD = "field"  # a named value of a lookup band
    GATE = "gate"  # a line's `when`
    WITHHELD = "withheld"  # what a closed gate kept the line from paying
    CAP = "cap"
    FLOOR = "floor"
    TOTAL_CAP = "total_cap"
    TOTAL_FLOOR = "total_floor"
    ROUNDING = "rounding"
    HISTORY = "history"  # a read of the payee's values in other periods; one child per period read
    LINE = "line"  # line("…"): another line's value (explained under that line)
    PERIOD = "period"  # `period`: the period being computed
    POSTING = "posting"  # a ledger posting: held, released, recovered, …
    CALL = "call"  # a function of the plan, called with its arguments; the body's steps as the child


KINDS = tuple(kind.value for kind in TraceKind)


@attrs.frozen
class Trace:
    kind: TraceKind
    text: str
    value: object
    type: str = ""
    span: Optional[Span] = None
    children: tuple["Trace", ...] = ()
    detail: dict = attrs.field(factory=dict)

    def to_json(self) -> dict:
        data = {
            "kind": self.kind,
            "text": self.text,
            "value": json_value(self.value),
            "type": self.type,
        }
        if self.span is not None and self.span.line > 0:
            data["location"] = self.span.to_json()
        if self.detail:
            data["detail"] = {k: json_value(v) for k, v in self.detail.items()}
        if self.children:
            data["children"] = [c.to_json() for c in self.children]
        return data

    def walk(self):
        """Every node of the tree (a shared derivation as often as it is used), without recursion."""
        stack = [self]
        while stack:
            node = stack.pop()
            yield node
            stack.extend(reversed(node.children))

    def head_json(self) -> dict:
        """This node as JSON without its children."""
        data = {"kind": self.kind, "text": self.text, "value": json_value(self.value), "type": self.type}
        if self.span is not None and self.span.line > 0:
            data["location"] = self.span.to_json()
        if self.detail:
            data["detail"] = {k: json_value(v) for k, v in self.detail.items()}
        return data


def call_trace(site, args: list, value, body: "Trace") -> "Trace":
    """The trace of an inlined function's call: `f(x = 1, y = 2) = value`, the body's steps below.

    `args` are (parameter, value, type name) triples; a value that could not be computed is None.
    """
    shown = [{"name": name, "value": arg, "type": type_name} for name, arg, type_name in args]
    return Trace(TraceKind.CALL, site.text, value, body.type, site.span, (body,), {"function": site.function, "args": shown})


def derivation_key(node: Trace) -> Optional[str]:
    """What names the derivation of a let or computed cell: the evaluator computes each
    once per payee and period and hands the same trace to every place that reads it.

    >>> derivation_key(Trace(TraceKind.LET, "sales", 1, detail={"name": "sales"}, children=(Trace(TraceKind.CONST, "1", 1),)))
    'let sales'
    """
    if not node.children:
        return None
    if node.kind == TraceKind.LET:
        return f"let {node.detail.get('name', node.text)}"
    if node.kind == TraceKind.COMPUTED:
        ref = node.detail.get("ref") or {}
        return f"{node.detail.get('name', node.text)} {ref.get('file')}:{ref.get('row')}"
    return None


def shared_json(roots) -> tuple[list, dict]:
    """The JSON of several traces with every let's and computed cell's derivation written
    once, in a table, instead of under each node that reads it.

    Returns (one JSON tree per root, None for a missing one; the table). A let or
    computed node keeps its own facts and names its derivation (`"derivation": key`);
    the table maps each key to the derivation's tree, in the order first read. So a
    chain of lets that each read the one before twice is as long in JSON as in the
    plan, not 2^n nodes, and a chain of any length nests no deeper than one expression.
    Nothing here recurses.
    """
    table: dict[str, Optional[dict]] = {}
    pending: list[tuple[str, Trace]] = []

    def tree(root: Trace) -> dict:
        top: dict = {}
        stack = [(root, None)]
        while stack:
            node, siblings = stack.pop()
            data = node.head_json()
            key = derivation_key(node)
            if key is not None:
                data["derivation"] = key
                if key not in table:
                    table[key] = None
                    pending.append((key, node.children[0]))
            elif node.children:
                kids = data["children"] = []
                stack.extend((child, kids) for child in reversed(node.children))
            if siblings is None:
                top = data
            else:
                siblings.append(data)
        return top

    trees = [tree(root) if root is not None else None for root in roots]
    done = 0
    while done < len(pending):
        key, body = pending[done]
        done += 1
        table[key] = tree(body)
    return trees, table


def json_value(value):
    if isinstance(value, Decimal):
        return to_json_number(value)
    if isinstance(value, (datetime.date,)):
        return value.isoformat()
    if isinstance(value, Period):
        return str(value)
    if isinstance(value, dict):
        return {k: json_value(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_value(v) for v in value]
    return value
