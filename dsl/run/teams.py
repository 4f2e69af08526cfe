"""The hierarchy of a run: who is in whose team in each period, and the order payees are computed in.

A plan names its hierarchy in the header, `team by staff.manager`: a roster record input and one of
its payee fields. In a period, the members of a payee are the payees whose row of that input in the
period names it in that field, in roster order. Team aggregates (`sum(members.业绩)`) read the
members' values of the same period, so a run computes every member, through all its periods, before
its manager: a topological order of the manager edges of every period, roster order among payees
that do not depend on one another. A cycle in the data (甲 in 乙's team and 乙 in 甲's) has no such
order: it is a D008 located at the cell that closes it, and nothing is computed.
"""
from __future__ import annotations

from typing import Optional, Sequence

import attrs

from dsl import ir
from dsl.core.diagnostics import DATA_HIERARCHY, Diagnostic, diagnostic
from dsl.core.source import Span
from dsl.core.types import Period
from dsl.data.dataset import Dataset


@attrs.frozen
class Teams:
    """The payees in the order to compute them, and each period's members of each manager."""

    order: tuple[str, ...]
    members: dict = attrs.field(factory=dict, eq=False)  # (period, manager) -> member payees, in roster order

    def of(self, manager: str, period: Period) -> tuple[str, ...]:
        return self.members.get((period, manager), ())


def build_teams(plan: ir.Plan, dataset: Dataset, roster: Sequence[str]) -> tuple[Optional[Teams], list[Diagnostic]]:
    """The teams of `roster` over `dataset`'s periods, by the plan's hierarchy (every payee alone without one)."""
    if plan.hierarchy is None:
        return Teams(tuple(roster)), []
    record, field = plan.hierarchy
    table = dataset.tables.get(record)
    members: dict[tuple[Period, str], list[str]] = {}
    edges: dict[str, dict[str, int]] = {}  # manager -> member -> a row that says so (to locate a cycle)
    if table is not None:
        column = table.columns.get(field, [])
        for period in dataset.periods:
            for payee in roster:
                row = dataset.record_row(record, payee, period)
                manager = column[row] if row is not None and row < len(column) else None
                if manager is None or manager == "":
                    continue
                members.setdefault((period, manager), []).append(payee)
                edges.setdefault(manager, {}).setdefault(payee, row)
    on_roster = set(roster)
    for manager, rows in edges.items():
        if manager not in on_roster:
            member, row = next(iter(rows.items()))
            return None, [diagnostic(DATA_HIERARCHY, f"{_where(table, row, field)}: '{member}' is in the team of '{manager}', who is not a payee of the run "
                                     "(not on the roster, and not declared in the header)", _span(table, row))]
    order, cycle = _members_first(roster, edges)
    if cycle is not None:
        manager, member, row = cycle
        message = (f"{_where(table, row, field)}: '{member}' is in the team of '{manager}', "
                   f"who is (through the hierarchy) in the team of '{member}': a team cannot contain its own manager")
        return None, [diagnostic(DATA_HIERARCHY, message, _span(table, row))]
    return Teams(tuple(order), {key: tuple(value) for key, value in members.items()}), []


def _where(table, row: int, field: str) -> str:
    return f"{table.file} row {table.row_numbers[row]}, column '{field}'"


def _span(table, row: int) -> Span:
    return Span(table.file, table.row_numbers[row], 1, table.row_numbers[row], 1)


def _members_first(roster: Sequence[str], edges: dict[str, dict[str, int]]):
    """Roster order with every member before its manager; or the first edge that closes a cycle."""
    order: list[str] = []
    state: dict[str, int] = {}  # 1 on the path being visited, 2 done
    for start in roster:
        if state.get(start):
            continue
        stack = [(start, iter(edges.get(start, {}).items()))]
        state[start] = 1
        while stack:
            manager, pending = stack[-1]
            step = next(pending, None)
            if step is None:
                stack.pop()
                state[manager] = 2
                order.append(manager)
                continue
            member, row = step
            if state.get(member) == 1:
                return None, (manager, member, row)
            if not state.get(member):
                state[member] = 1
                stack.append((member, iter(edges.get(member, {}).items())))
    on_roster = set(roster)
    return [p for p in order if p in on_roster], None
