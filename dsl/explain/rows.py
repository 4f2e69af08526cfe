"""The data rows a trace points at, with the data's own columns.

A trace names a data cell by file and row number (`{"file": …, "row": 9}`); a rep
reads the row by its customer, date and amount. This module is the one place
that turns such pointers back into rows of the dataset the run read: the rows a
payee's lines were credited with (explanations and pay statements list them),
and the few columns that name one row in a single line of an explanation.
"""
from __future__ import annotations

from typing import Optional

import attrs

from dsl.core.display import show_value

_AMOUNT_TYPES = ("money", "number", "percent", "int")


@attrs.frozen
class CreditedTable:
    """The rows of one table input the lines read, with its declared columns (no payee column)."""

    input: str
    file: str
    columns: tuple[str, ...]
    types: tuple[str, ...]
    rows: tuple[tuple, ...]  # typed values, one tuple per row, in file order
    numbers: tuple[int, ...] = ()  # each row's number as the file shows it


def _fields(table) -> list:
    return [f for f in table.schema.fields if f.name != table.schema.payee_field]


def credited_rows(dataset, refs) -> tuple[CreditedTable, ...]:
    """The rows that `refs` (data references of a trace) point at, per table input, with its own columns."""
    wanted: dict[str, set[int]] = {}
    for ref in refs:
        wanted.setdefault(ref["file"], set()).add(ref["row"])
    tables = []
    for name, table in dataset.tables.items():
        rows = wanted.get(table.file)
        if not rows or str(table.schema.kind) != "table":
            continue
        fields = _fields(table)
        chosen = [i for i, number in enumerate(table.row_numbers) if number in rows]
        tables.append(CreditedTable(name, table.file, tuple(f.name for f in fields), tuple(str(f.type) for f in fields),
                                    tuple(tuple(table.columns[f.name][i] for f in fields) for i in chosen),
                                    tuple(table.row_numbers[i] for i in chosen)))
    return tuple(tables)


class RowNames:
    """What names a row of a table input in one line: its text, category and date columns
    (`华美贸易(香港)有限公司 · 老客户`), the amounts left to the credited-rows table and the
    period to the explanation's heading."""

    def __init__(self, dataset) -> None:
        self._tables = {} if dataset is None else {t.file: t for t in dataset.tables.values() if str(t.schema.kind) == "table"}
        self._index: dict[str, dict[int, int]] = {}

    def name(self, ref: dict) -> Optional[str]:
        table = self._tables.get(ref.get("file"))
        if table is None:
            return None
        index = self._index.setdefault(table.file, {n: i for i, n in enumerate(table.row_numbers)}).get(ref.get("row"))
        if index is None:
            return None
        parts = [show_value(table.columns[f.name][index], str(f.type)) for f in _fields(table)
                 if not str(f.type).startswith(_AMOUNT_TYPES) and str(f.type) not in ("bool", "period")]
        return " · ".join(p for p in parts if p) or None
