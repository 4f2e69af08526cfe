"""One query for a whole run: the lowering's stages put together as CTEs.

    payees ─► pay0 ─┬─────────────────────────► psrc1 ─► pay1 ─► … ─► payR ─► the final SELECT, one row per payee
                    └► rsrc (table, 1) ─► rows ─► agg ─┘
    (a table's rows, with the payee values they read joined on, reduced GROUP BY payee)

Every payee stage's SELECTs carry only the columns a later stage or the final
SELECT reads: the query is planned backward from the outputs, so a column, a
record field or an input column nothing reads is never computed or loaded.
`Query.needs` says which columns of the inputs the loader must provide.
"""
from __future__ import annotations

from typing import Optional

import attrs
from sqlglot import exp

from dsl.sql import numeric as N
from dsl.sql.lower import TEAM, Lowering, Outputs


POWERS = "p10"  # the one-row relation holding the P10 column (numeric.power_list), made by the engine


def powers_table() -> exp.Expression:
    """CREATE TABLE p10 AS SELECT [10^0, …, 10^38] AS _p10."""
    return exp.Create(this=exp.to_table(POWERS), kind="TABLE", expression=exp.select(exp.alias_(N.power_list(), N.P10)))


@attrs.define
class Query:
    select: exp.Select
    payee_columns: set  # columns of the `payees` relation (records) the query reads
    table_columns: dict  # input name -> the columns of its relation the query reads
    tables: dict  # input name -> the relation's name
    history_columns: set = attrs.field(factory=set)  # columns of the `hist` relation (history reads' earlier part) it reads
    teams: bool = False  # whether it reads the relation `team`
    text: str = ""  # the SQL, once rendered (a query reused over periods is rendered once)


TEAMS = "team"  # the relation of the period's teams, made by the engine: (pid: the manager, mid: the member, _row: its place)
HISTORY = "hist"  # the relation of history reads' earlier part, made by the engine (columns hist<i>_…)


def table_name(lowering: Lowering, input_name: str) -> str:
    return f"t{[s.name for s in lowering.plan.inputs].index(input_name)}"


def assemble(lowering: Lowering, outputs: Outputs) -> Query:
    final = outputs.round
    blocks = [lowering.payee_block(r) for r in range(final + 1)]
    stages_of: dict[int, list] = {}
    for stage in lowering.row_stages.values():
        stages_of.setdefault(stage.round, []).append(stage)
    aggregate_round: dict[str, int] = {}
    for stage in lowering.row_stages.values():
        for name, _ in stage.aggregates:
            aggregate_round[name] = stage.round
    base_columns = {"pid"} | {name for r in range(final + 1) for name in blocks[r].columns
                              if name not in aggregate_round and name != N.P10 and not any(name in b.bindings for b in blocks)}
    # what each payee block can read: the base, what earlier blocks bound, the aggregates of its round and before
    for r, block in enumerate(blocks):
        earlier = {n for b in blocks[:r] for n in b.bindings}
        block.columns |= base_columns | earlier | {n for n, k in aggregate_round.items() if k <= r}
    ctes: list[tuple[str, exp.Select]] = []
    needed = set(outputs.columns())
    per_round_ctes: list[list] = [[] for _ in range(final + 1)]
    payee_reads: set = set()
    history_reads: set = set()
    uses_teams = False
    table_columns: dict[str, set] = {}
    tables: dict[str, str] = {}
    for r in range(final, -1, -1):
        block = blocks[r]
        out = sorted(needed | {"pid"})
        reads = block.reads(out)
        layers = block.ctes(out)
        own_aggregates = {n for n in reads if aggregate_round.get(n) == r}
        carried = sorted(n for n in reads - own_aggregates if n != N.P10)
        pieces: list = []
        if r == 0:
            history = {c for c in carried if c.startswith(HISTORY)}
            history_reads |= history
            payee_reads |= set(carried) - history
            source = exp.select(*[exp.column(c, table="h" if c in history else "payees") for c in carried], exp.column(N.P10))
            source = source.from_(exp.to_table("payees"), copy=False)
            if history:
                source = source.join(exp.alias_(exp.to_table(HISTORY), "h"), on=exp.EQ(
                    this=exp.column("pid", table="h"), expression=exp.column("pid", table="payees")), join_type="LEFT", copy=False)
            source = source.join(exp.to_table(POWERS), join_type="CROSS", copy=False)
            pieces.append((f"psrc0", source))
            needed = set()
        else:
            previous = f"pay{r - 1}"
            source = exp.select(*[exp.column(c, table="p") for c in carried]).from_(exp.alias_(exp.to_table(previous), "p"))
            needed_before = set(carried)
            for index, stage in enumerate(stages_of.get(r, [])):
                names = [(n, e) for n, e in stage.aggregates if n in own_aggregates]
                if not names:
                    continue
                team = stage.table == TEAM
                grouped = team or lowering.facts.payee_field(stage.table) is not None or bool(stage.imports & _read_by(stage, names))
                stage_ctes, imports, columns, row_reads = _row_stage(lowering, stage, names, grouped, previous)
                if team:
                    uses_teams = True
                else:
                    tables[stage.table] = table_name(lowering, stage.table)
                    table_columns.setdefault(stage.table, set()).update(columns)
                needed_before |= imports
                pieces.extend(stage_ctes)
                alias = f"a{index}"
                source = source.select(*[exp.column(n, table=alias) for n, _ in names], copy=False)
                if grouped:
                    source = source.join(exp.alias_(exp.to_table(stage_ctes[-1][0]), alias), on=exp.EQ(
                        this=exp.column("pid", table=alias), expression=exp.column("pid", table="p")), join_type="LEFT", copy=False)
                else:
                    source = source.join(exp.alias_(exp.to_table(stage_ctes[-1][0]), alias), join_type="CROSS", copy=False)
            source = source.select(exp.column(N.P10, table=POWERS), copy=False).join(exp.to_table(POWERS), join_type="CROSS", copy=False)
            pieces.append((f"psrc{r}", source))
            needed = needed_before
        per_round_ctes[r] = pieces + layers
    for r in range(final + 1):
        ctes.extend(per_round_ctes[r])
    select = exp.select(*[exp.column(c) for c in dict.fromkeys(outputs.columns())]).from_(exp.to_table(f"pay{final}"), copy=False).order_by(exp.column("pid"), copy=False)
    for name, cte in ctes:
        select = select.with_(name, as_=cte, copy=False)
    return Query(select, payee_reads, table_columns, tables, history_reads, teams=uses_teams)


def _read_by(stage, names) -> set:
    """The columns of `stage`'s block that the aggregate expressions `names` read, through the bindings."""
    stage.block.columns |= stage.imports
    direct = {c.name for _, e in names for c in e.find_all(exp.Column)}
    return stage.block.reads(direct) | {n for n in direct if n in stage.imports}


def _row_stage(lowering: Lowering, stage, names, grouped: bool, previous: str):
    """The CTEs of one row stage: its source (the table, the payee values joined on), its layers, the aggregate."""
    block = stage.block
    block.columns |= stage.imports
    direct = sorted({c.name for _, e in names for c in e.find_all(exp.Column)} | ({"pid"} if grouped else set()))
    reads = block.reads(direct)
    imports = {n for n in reads if n in stage.imports}
    columns = {n for n in reads if n not in stage.imports and n != N.P10 and (n != "pid" or not imports)}
    if stage.table == TEAM:  # a member's values, joined onto its row in its manager's team
        source = exp.select(exp.column("pid", table="t"), exp.column("_row", table="t"), *[exp.column(c, table="p") for c in sorted(imports)],
                            exp.column(N.P10, table=POWERS))
        source = source.from_(exp.alias_(exp.to_table(TEAMS), "t")).join(exp.alias_(exp.to_table(previous), "p"), on=exp.EQ(
            this=exp.column("mid", table="t"), expression=exp.column("pid", table="p")), copy=False)
        source = source.join(exp.to_table(POWERS), join_type="CROSS", copy=False)
        layers = block.ctes(direct)
        aggregate = exp.select(exp.column("pid"), *[exp.alias_(e, n, copy=False) for n, e in names], copy=False).from_(exp.to_table(block.name), copy=False)
        aggregate = aggregate.group_by(exp.column("pid"), copy=False)
        return [(block.source, source)] + layers + [(f"{block.name}_agg", aggregate)], imports, {"pid", "_row"}, reads
    table = table_name(lowering, stage.table)
    if imports:
        own = [exp.column(c, table="t") for c in sorted(columns - {"pid"})]
        source = exp.select(*own, *[exp.column(c, table="p") for c in sorted(imports | {"pid"})], exp.column(N.P10, table=POWERS))
        source = source.from_(exp.alias_(exp.to_table(table), "t"))
        if lowering.facts.payee_field(stage.table) is not None:
            columns.add("pid")
            source = source.join(exp.alias_(exp.to_table(previous), "p"),
                                 on=exp.EQ(this=exp.column("pid", table="t"), expression=exp.column("pid", table="p")), copy=False)
        else:
            source = source.join(exp.alias_(exp.to_table(previous), "p"), join_type="CROSS", copy=False)
        source = source.join(exp.to_table(POWERS), join_type="CROSS", copy=False)
    else:
        source = exp.select(*[exp.column(c) for c in sorted(columns)], exp.column(N.P10)).from_(exp.to_table(table), copy=False).join(exp.to_table(POWERS), join_type="CROSS", copy=False)
    layers = block.ctes(direct)
    aggregate = exp.select(*([exp.column("pid")] if grouped else []), *[exp.alias_(e, n, copy=False) for n, e in names], copy=False).from_(exp.to_table(block.name), copy=False)
    if grouped:
        aggregate = aggregate.group_by(exp.column("pid"), copy=False)
    name = f"{block.name}_agg"
    return [(block.source, source)] + layers + [(name, aggregate)], imports, columns, reads
