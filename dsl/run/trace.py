"""Derivation trees: why a value is what it is.

The evaluator returns a `Trace` beside every value it computes (when tracing is
on). A trace node records the kind of step, the plan text it evaluates, the
value, where in the plan it stands, and its inputs as children: other steps,
data cells (file, row, column), tier bands (amount × rate), caps, floors and
rounding. Renderers (explain.py) only read this tree; they compute nothing.

The JSON form (`Trace.to_json`) is the documented interchange format
(docs/explain-json.md): numbers are strings so no reader turns money into floats.
"""
from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Optional

import attrs

from dsl.core.source import Span
from dsl.core.display import to_json_number

# the kinds of node the evaluator builds (docs/explain.schema.json lists the same)
KINDS = (
    "payout", "flag", "const", "let", "record", "param", "column", "computed", "row",
    "arith", "neg", "cmp", "logic", "cond", "aggregate", "builtin", "tiers", "band", "field",
    "gate", "withheld", "cap", "floor", "total_cap", "total_floor", "rounding",
)


@attrs.frozen
class Trace:
    kind: str
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
        yield self
        for child in self.children:
            yield from child.walk()


def json_value(value):
    if isinstance(value, Decimal):
        return to_json_number(value)
    if isinstance(value, (datetime.date,)):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: json_value(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_value(v) for v in value]
    return value
