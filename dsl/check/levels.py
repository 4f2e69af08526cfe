"""Levels: the plan's hierarchy and the static level analysis of its definitions (DESIGN.md).

Every definition and line is at one level. **Payee** level: it reads the payee's own rows, records
and values. **Team** level: it reads a team aggregate (`sum(members.业绩)`), directly or through
another team-level definition or line. A run computes each member before its manager
(run/teams.py), so a team aggregate reads its members' payee-level values. A team aggregate whose
member value is itself team level would make a member's value depend on the team values the
aggregate is computing — a cycle across levels. It is an E116 that names both ends: the aggregate,
and the team-level definition its member value reads (with the aggregate that makes it team level).

`team_hierarchy` checks the header's `team by staff.manager`: a record input of the plan (the
roster) and one of its payee fields, other than the one that says whose row it is.
"""
from __future__ import annotations

from typing import Callable, Iterable, Optional

from dsl import ir
from dsl.core.diagnostics import BAD_HEADER, LEVEL_CYCLE, Diagnostic, diagnostic
from dsl.core.types import PAYEE, InputKind
from dsl.ir.walk import walk


def team_hierarchy(setting, inputs: dict, error: Callable) -> Optional[tuple[str, str]]:
    """The (record input, manager field) a `team by …` setting names, or None (reported) when it names none."""
    if setting is None:
        return None
    record, field = setting.values
    schema = inputs.get(record)
    if schema is None or schema.kind != InputKind.RECORD:
        records = [name for name, s in inputs.items() if s.kind == InputKind.RECORD]
        error(BAD_HEADER, f"'team by {record}.{field}': '{record}' is not a record input of the plan", setting.span,
              hint=f"the roster is a record input, e.g. team by {records[0]}.manager" if records else "declare the roster: input staff: record { staff: payee, manager: payee }")
        return None
    found = schema.field(field)
    if found is None or found.type != PAYEE or field == schema.payee_field:
        payees = [f.name for f in schema.fields if f.type == PAYEE and f.name != schema.payee_field]
        error(BAD_HEADER, f"'team by {record}.{field}': the hierarchy is a payee field of '{record}' naming each payee's manager"
              + (f", and '{field}' is {'the payee of the row' if field == schema.payee_field else 'not one'}" if found is not None else f", and it has no field '{field}'"),
              setting.span, hint=f"one of: {', '.join(payees)}" if payees else f"add one: manager: payee")
        return None
    return (record, field)


def level_cycles(lets: Iterable[ir.Let], payouts: Iterable[ir.Payout], flags: Iterable[ir.Flag]) -> list[Diagnostic]:
    """E116 for every team aggregate whose member value or condition reads a team-level value."""
    definitions: dict[str, tuple[str, list]] = {}  # "name" or '"label"' -> (what it is, its expressions)
    for let in lets:
        definitions[let.name] = (f"'{let.name}'", [let.expr], let.span)
    for payout in payouts:
        definitions[f'"{payout.label}"'] = (f'line "{payout.label}"', [e for e in (payout.expr, payout.gate, payout.cap, payout.floor) if e is not None], payout.span)
    reason: dict[str, ir.TeamAggregate] = {}  # team-level name -> a team aggregate that makes it so
    changed = True
    while changed:  # a fixpoint: definitions are few, and each pass adds at least one or stops
        changed = False
        for key, (_, exprs, _) in definitions.items():
            if key in reason:
                continue
            for expr in exprs:
                why = _team_reason(expr, reason)
                if why is not None:
                    reason[key] = why
                    changed = True
                    break
    found: list[Diagnostic] = []
    roots = [expr for _, exprs, _ in definitions.values() for expr in exprs] + [flag.expr for flag in flags]
    seen: set = set()
    for root in roots:
        for node in walk(root):
            if not isinstance(node, ir.TeamAggregate) or id(node) in seen:
                continue
            seen.add(id(node))
            for part in (node.value, node.where):
                key = _team_name_in(part, reason) if part is not None else None
                if key is None:
                    continue
                what, _, span = definitions[key]
                aggregate = reason[key]
                found.append(diagnostic(
                    LEVEL_CYCLE, f"'{node.text}' reads {what} of each member, and {what} is a team value (it reads '{aggregate.text}'): "
                    "a member's value cannot depend on team values", node.span,
                    notes=((f"{what} is defined here", span), (f"'{aggregate.text}' makes it a team value", aggregate.span))))
                break
    return found


def _refs(expr) -> Iterable[str]:
    for node in walk(expr):
        if isinstance(node, ir.LetRef):
            yield node.name
        elif isinstance(node, ir.LineRef):
            yield f'"{node.label}"'


def _team_reason(expr, reason: dict) -> Optional[ir.TeamAggregate]:
    for node in walk(expr):
        if isinstance(node, ir.TeamAggregate):
            return node
        key = node.name if isinstance(node, ir.LetRef) else f'"{node.label}"' if isinstance(node, ir.LineRef) else None
        if key in reason:
            return reason[key]
    return None


def _team_name_in(expr, reason: dict) -> Optional[str]:
    return next((key for key in _refs(expr) if key in reason), None)
