"""A `Dataset`'s values into DuckDB: only the columns the query reads, typed exactly.

The dataset already holds typed values (the readers parsed every cell), so
this is a transfer, not a second parse of the data: each needed column is
written as text, one file per relation, and read by DuckDB's CSV reader.
A number travels as the text of its `Decimal` (`str`, e.g. `1200000.00`,
`1E+5`, `-0`) and is split in SQL into coefficient, exponent and sign, so
its value, scale and sign arrive unchanged; text is quoted, a missing value
(only plan tests have them) is an empty unquoted field, read as NULL.

Relations:
- `payees(pid, …)`: one row per payee of the run (pid = its place in the
  roster), with every needed field of every record input (the payee's row in
  the run's period) and, per record input, whether the payee has a row;
- `t<k>(pid, _row, …)`: the rows of table input k in the run's period that
  belong to a payee of the run (`_row`: the row's index in the dataset's table,
  so row order, and row numbers in messages, are the dataset's).

From a `Columnar` (files checked for DuckDB to read, dsl/sql/read.py) the
same relations are made in SQL straight from the files, each cell typed as it
is read: no value passes through Python. `load_inputs` is the one call the engine makes, for
either kind of data.
"""
from __future__ import annotations

import datetime
import os
from decimal import Decimal
from pathlib import Path
from typing import Iterable, Optional, Sequence

from sqlglot import exp

from dsl.core.types import MISSING, FieldSchema
from dsl.sql.lower import Lowering, kind_of
from dsl.sql.numeric import SCALE
from dsl.sql.program import BIGINT, DATE, HUGEINT, INTEGER, Block, X

_BOOL = exp.DataType.build("BOOLEAN")


def _text(value) -> str:
    return '"' + value.replace('"', '""') + '"'


_BOOLS = {True: "true", False: "false"}


def _cells(kind: str, values: Sequence) -> list[str]:
    """The CSV fields of one column's values (a missing value: an empty unquoted field)."""
    if kind == "num":
        try:
            return list(map(Decimal.__str__, values))  # the usual column: every value a Decimal
        except TypeError:
            pass
        out = []
        for v in values:
            if v is MISSING or v is None:
                out.append("")
            elif isinstance(v, Decimal):
                out.append(str(v))
            else:
                raise TypeError(f"a number column holds {v!r}")
        return out
    if kind == "bool":
        try:
            return list(map(_BOOLS.__getitem__, values))
        except (KeyError, TypeError):
            return ["" if v is MISSING or v is None else ("true" if v else "false") for v in values]
    if kind == "date":
        return ["" if v is MISSING or v is None else v.isoformat() for v in values]
    return ["" if v is MISSING or v is None else _text(str(v)) for v in values]


def _parsed(block: Block, name: str) -> tuple[X, X, X]:
    """A Decimal's text → its coefficient, exponent and sign, exactly."""
    text = X.col(name)
    negative = block.bind(X.func("starts_with", text, "-"), "neg")
    body = block.bind(X.case(negative, X.func("substr", text, 2), text), "body")
    marked = block.bind(X.func("strpos", body, "E") > 0, "sci")
    mantissa = block.bind(X.case(marked, X.func("split_part", body, "E", 1), body), "man")
    power = X.case(marked, X.func("split_part", body, "E", 2).cast(INTEGER), 0)
    whole, fraction = X.func("split_part", mantissa, ".", 1), block.bind(X.func("split_part", mantissa, ".", 2), "frac")
    magnitude = X.concat(whole, fraction).cast(HUGEINT)
    c = block.bind(X.case(negative, -magnitude, magnitude), "c")
    e = block.bind(power - X.func("length", fraction), "e")
    return c, e, negative


def _write_and_read(con, directory: Path, relation: str, columns: Sequence[tuple[str, str, list[str]]], rows: int) -> None:
    """Create `relation` from text columns: (name, kind, fields); numbers become name_c, name_e, name_s."""
    path = directory / f"{relation}.csv"
    with open(path, "w", encoding="utf-8", newline="") as out:
        if columns and rows:
            out.write("\n".join(map(",".join, zip(*(fields for _, _, fields in columns)))))
            out.write("\n")
    raw = {name: "VARCHAR" for name, _, _ in columns}
    reader = exp.Anonymous(this="read_csv", expressions=[
        exp.Literal.string(str(path)),
        exp.PropertyEQ(this=exp.to_identifier("header"), expression=exp.false()),
        exp.PropertyEQ(this=exp.to_identifier("auto_detect"), expression=exp.false()),
        exp.PropertyEQ(this=exp.to_identifier("delim"), expression=exp.Literal.string(",")),
        exp.PropertyEQ(this=exp.to_identifier("quote"), expression=exp.Literal.string('"')),
        exp.PropertyEQ(this=exp.to_identifier("escape"), expression=exp.Literal.string('"')),
        exp.PropertyEQ(this=exp.to_identifier("allow_quoted_nulls"), expression=exp.false()),
        exp.PropertyEQ(this=exp.to_identifier("columns"), expression=exp.Struct(expressions=[
            exp.PropertyEQ(this=exp.Literal.string(n), expression=exp.Literal.string(t)) for n, t in raw.items()])),
    ])
    block = Block(f"{relation}_parsed", f"{relation}_raw", [n for n, _, _ in columns])
    outputs: list[tuple[str, X]] = []
    for name, kind, _ in columns:
        if kind == "num":
            for suffix, part in zip(("_c", "_e", "_s"), _parsed(block, name)):
                outputs.append((name + suffix, part))
        elif kind == "bool":
            outputs.append((name, X.col(name).cast(_BOOL)))
        elif kind == "date":
            outputs.append((name, X.col(name).cast(DATE)))
        elif kind in ("pid",):
            outputs.append((name, X.col(name).cast(INTEGER)))
        elif kind == "row":
            outputs.append((name, X.col(name).cast(BIGINT)))
        else:
            outputs.append((name, X.col(name)))
    bound = [(name, block.bind(part, "o")) for name, part in outputs]
    select = exp.select(*[exp.alias_(part.sql(), name, copy=False) for name, part in bound]).from_(block.name)
    select = select.with_(f"{relation}_raw", as_=exp.select("*").from_(reader), copy=False)
    for cte_name, cte in block.ctes([p.column for _, p in bound if p.column]):
        select = select.with_(cte_name, as_=cte, copy=False)
    con.execute(exp.Create(this=exp.to_table(relation), kind="TABLE", expression=select).sql("duckdb", copy=False))
    os.remove(path)


def _base_parts(columns: Iterable[str]) -> dict[str, str]:
    """Relation column names (f3_c, f3_e, r1, …) → their base names (f3, r1)."""
    out = {}
    for name in columns:
        base = name[:-2] if name.endswith(("_c", "_e", "_s")) else name
        out[name] = base
    return out


def load_payees(con, directory: Path, lowering: Lowering, dataset, period, roster: Sequence[str], columns: set) -> None:
    plan = lowering.plan
    by_base = {base: key for key, base in lowering.record_columns.items()}
    bases = sorted({b for n, b in _base_parts(columns).items() if n != "pid"})
    rows_of = {}
    text_columns = [("pid", "pid", [str(i) for i in range(len(roster))])]
    for base in bases:
        input_name, field = by_base[base]
        if input_name not in rows_of:
            rows_of[input_name] = [dataset.record_row(input_name, payee, period) for payee in roster]
        rows = rows_of[input_name]
        if field is None:
            text_columns.append((base, "bool", ["false" if r is None else "true" for r in rows]))
            continue
        schema = plan.input(input_name).field(field)
        values = dataset.tables[input_name].columns[field]
        kind = kind_of(schema.type)
        text_columns.append((base, kind, _cells(kind, [MISSING if r is None else values[r] for r in rows])))
    _write_and_read(con, directory, "payees", text_columns, len(roster))


def load_table(con, directory: Path, lowering: Lowering, dataset, period, roster: Sequence[str], input_name: str,
               relation: str, columns: set) -> None:
    """Table input `input_name`'s rows in the run (its period, the roster's payees) as `relation`."""
    plan = lowering.plan
    table = dataset.tables[input_name]
    by_base = {base: field for (name, field), base in lowering.table_columns.items() if name == input_name}
    bases = sorted({b for n, b in _base_parts(columns).items() if n not in ("pid", "_row")})
    in_period = table.period_rows.get(period, ())
    whole = isinstance(in_period, range) and in_period == range(len(table))
    payee_field = table.schema.payee_field if table.payee_rows is not None else None
    pids = None
    if payee_field is not None:
        ids = {payee: str(i) for i, payee in enumerate(roster)}
        owners = table.columns[payee_field]
        if whole:
            pids = list(map(ids.get, owners))
            if None in pids:  # rows of payees not in this run
                rows = [i for i, p in enumerate(pids) if p is not None]
                pids = [pids[i] for i in rows]
                whole = False
            else:
                rows = in_period
        else:
            kept = [(i, ids.get(owners[i])) for i in in_period]
            rows = [i for i, p in kept if p is not None]
            pids = [p for _, p in kept if p is not None]
    else:
        rows = in_period

    def column(field: str) -> Sequence:
        values = table.columns[field]
        return values if whole else [values[i] for i in rows]

    text_columns = []
    if "pid" in columns and pids is not None:
        text_columns.append(("pid", "pid", pids))
    if "_row" in columns:
        text_columns.append(("_row", "row", list(map(str, rows))))
    for base in bases:
        field = by_base[base]
        schema: FieldSchema = plan.input(input_name).field(field)
        kind = kind_of(schema.type)
        text_columns.append((base, kind, _cells(kind, column(field))))
    if not text_columns:
        text_columns.append(("_row", "row", list(map(str, rows))))
    _write_and_read(con, directory, relation, text_columns, len(rows))


def load_inputs(con, directory: Path, lowering: Lowering, data, period, roster: Sequence[str], query) -> None:
    """Every relation `query` reads, from a `Dataset` or a `Columnar`; data beyond 18 places are refused (NotLowered)."""
    from dsl.sql.errors import NotLowered
    from dsl.sql.read import Columnar

    if isinstance(data, Columnar):
        load_columnar(con, lowering, data, roster, query)
    else:
        load_payees(con, directory, lowering, data, period, roster, query.payee_columns)
        for name, relation in query.tables.items():
            load_table(con, directory, lowering, data, period, roster, name, relation, query.table_columns[name])
    if smallest_exponent(con, {"payees": query.payee_columns, **{r: query.table_columns[n] for n, r in query.tables.items()}}) < -SCALE:
        raise NotLowered("data values written with more than 18 decimal places (万 or 亿 after 19 or more digits)")


def _column(kind: str, name: str, alias: str, typed: list[str]) -> str:
    """A relation column from a typed column of the files (v3, or v3_c/_e/_s), with the type the text path gives it."""
    if kind == "num":
        part = name[-2:]
        return f"CAST({alias}.{typed[0][:-2]}{part} AS {dict(_c='HUGEINT', _e='INTEGER', _s='BOOLEAN')[part]}) AS {name}"
    return f"{alias}.{typed[0]} AS {name}"


def load_columnar(con, lowering: Lowering, data, roster: Sequence[str], query) -> None:
    """The relations of `query` made in SQL from a `Columnar`'s files, typed as DuckDB reads them."""
    from dsl.sql.read import ident

    plan = lowering.plan
    con.execute("CREATE TEMP TABLE roster AS SELECT p AS payee, CAST(i - 1 AS INTEGER) AS pid "
                "FROM (SELECT unnest(?) AS p, generate_subscripts(?, 1) AS i)", [list(roster), list(roster)])
    by_base = {base: key for key, base in lowering.record_columns.items()}
    wanted: dict[str, list[tuple[str, Optional[str]]]] = {}  # record input -> (relation column, field or None)
    for name in sorted(query.payee_columns - {"pid"}):
        input_name, field = by_base[_base_parts([name])[name]]
        wanted.setdefault(input_name, []).append((name, field))
    outputs, joins = ["roster.pid AS pid"], []
    for k, (input_name, columns) in enumerate(wanted.items()):
        table = data.tables[input_name]
        payee = table.schema.payee_field
        fields = sorted({payee} | {f for _, f in columns if f is not None})
        joins.append(f" LEFT JOIN {table.source(con, fields)} AS r{k} ON r{k}.{table.columns(payee)[0]} = roster.payee")
        for name, field in columns:
            outputs.append(f"(r{k}._row IS NOT NULL) AS {name}" if field is None else
                           _column(kind_of(plan.input(input_name).field(field).type), name, f"r{k}", table.columns(field)))
    con.execute(f"CREATE TABLE payees AS SELECT {', '.join(outputs)} FROM roster{''.join(joins)} ORDER BY roster.pid")
    for input_name, relation in query.tables.items():
        table = data.tables[input_name]
        columns = query.table_columns[input_name]
        by_field = {base: field for (name, field), base in lowering.table_columns.items() if name == input_name}
        payee = table.schema.payee_field
        needed = {name: by_field[_base_parts([name])[name]] for name in sorted(columns - {"pid", "_row"})}
        fields = sorted(set(needed.values()) | ({payee} if payee is not None else set()))
        outputs = ["CAST(t._row AS BIGINT) AS _row"]
        source = f"{table.source(con, fields)} AS t"
        if payee is not None:
            source += f" JOIN roster ON roster.payee = t.{table.columns(payee)[0]}"
            if "pid" in columns:
                outputs.insert(0, "roster.pid AS pid")
        for name, field in needed.items():
            outputs.append(_column(kind_of(plan.input(input_name).field(field).type), name, "t", table.columns(field)))
        con.execute(f"CREATE TABLE {ident(relation)} AS SELECT {', '.join(outputs)} FROM {source} ORDER BY t._row")
    con.execute("DROP TABLE roster")


def smallest_exponent(con, relations: dict[str, set]) -> int:
    """The smallest exponent of any loaded number (the kernels need every value at 18 places or fewer)."""
    smallest = 0
    for relation, columns in relations.items():
        for name in sorted(c for c in columns if c.endswith("_e")):
            found = con.execute(exp.select(exp.Min(this=exp.column(name))).from_(relation).sql("duckdb", copy=False)).fetchone()[0]
            if found is not None:
                smallest = min(smallest, found)
    return smallest


__all__ = ["load_inputs", "load_columnar", "load_payees", "load_table", "smallest_exponent", "SCALE", "datetime"]
