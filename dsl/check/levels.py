"""Levels: the plan's hierarchy and the static level analysis of its definitions (DESIGN.md).

Every definition and line is at one level. **Payee** level: it reads the payee's own rows, records
and values. **Team** level: it reads a team aggregate (`sum(members.业绩)`), directly or through
another definition or line; a team aggregate of a team value (`sum(members.团队业绩)`, a director
over his managers' team totals) is a level higher still. Levels follow the hierarchy's depth: a run
computes every member, at any depth, before its manager (run/teams.py), so an aggregate at any level
reads values its members have already computed, and the data's hierarchy has no circle (D008).

The one cycle across levels runs the other way: a pool is funded from the team's values and split
back to its members, so its share lines exist only after the team is computed. Reading a share line
anywhere (in the pool that splits it, or in any definition, line or flag) would make a value depend
on itself across levels: an E116 that names both ends, the reader and the pool.

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


def level_cycles(lets: Iterable[ir.Let], payouts: Iterable[ir.Payout], flags: Iterable[ir.Flag],
                 shares: Optional[dict] = None, pools: Iterable[ir.Pool] = (), ranks: Iterable[ir.Rank] = ()) -> list[Diagnostic]:
    """E116 for every expression that reads a pool's share line (`shares`: share label -> (pool label, pool span)).

    Team aggregates may read team values of the members (members of members): a run computes every
    member, at any depth, before its manager, so a director's `sum(members.团队业绩)` reads totals its
    managers have already computed. The one cycle across levels is downward: a pool is computed from
    its members' values and then split back to them, so a share line is known only after the team's
    values, and nothing may read it — not the pool it comes from (a pool that depends on the line it
    splits), and not any other definition, line or flag (a member's values are computed before its team's).
    """
    shares = shares or {}
    if not shares:
        return []
    found: list[Diagnostic] = []
    named: list[tuple[str, list, object]] = [(f"'{let.name}'", [let.expr], let.span) for let in lets]
    named += [(f'line "{p.label}"', [e for e in (p.expr, p.gate, p.cap, p.floor) if e is not None], p.span) for p in payouts
              if p.label not in shares]
    named += [(f'flag "{f.label}"', [f.expr], f.span) for f in flags]
    named += [(f'pool "{p.label}"', [e for e in (p.expr, p.gate, p.remainder) if e is not None]
               + [e for s in p.shares for e in (s.measure, s.where, s.qualify) if e is not None], p.span) for p in pools]
    named += [(f'rank "{r.label}"', [e for e in (r.measure, r.where, r.tie) if e is not None], r.span) for r in ranks]
    for what, exprs, span in named:
        for expr in exprs:
            node = next((n for n in walk(expr) if isinstance(n, ir.LineRef) and n.label in shares), None)
            if node is None:
                continue
            pool, pool_span = shares[node.label]
            found.append(diagnostic(
                LEVEL_CYCLE, f'{what} reads \'{node.text}\', which "{pool}" pays from the team\'s values after they are computed: '
                "no value of the plan can depend on it", node.span,
                notes=((f'"{pool}" pays it here', pool_span), (f"{what} is defined here", span))))
            break
    return found
