"""Typed tables bound to a plan's inputs: columnar, indexed, with the provenance of every row.

A `Table` holds one input's values a column per declared field (typed values,
never text), the file they came from, each row's line or row number in that
file and the column label of each field, so that a trace can point at the exact
cell behind a value. Its payee index (payee → that payee's rows) and period
index (period → the rows in it) are built once: when the table is made every
row belongs to the one period `WHOLE_RUN`; a run over periods places the rows
in its periods (dsl/data/timeline.py).

A `Dataset` is the plan's tables, the roster of payees and the periods the data
cover.
"""
from __future__ import annotations

from collections import defaultdict
from typing import Iterable, Mapping, Optional, Sequence

import attrs

from dsl.core.types import WHOLE_RUN, InputSchema, Period


def _payee_index(column: Sequence) -> dict[str, tuple[int, ...]]:
    """Payee → the indices of its rows, payees in order of first appearance.

    >>> _payee_index(["甲", "乙", "甲"])
    {'甲': (0, 2), '乙': (1,)}
    """
    groups: defaultdict[str, list[int]] = defaultdict(list)
    for index, payee in enumerate(column):
        groups[payee].append(index)
    return {payee: tuple(rows) for payee, rows in groups.items()}


@attrs.define(eq=False)
class Table:
    """One input's rows, stored as columns.

    >>> from decimal import Decimal
    >>> from dsl.core.types import FieldSchema, MoneyType, PAYEE
    >>> schema = InputSchema("deals", "table", (FieldSchema("rep", PAYEE), FieldSchema("amount", MoneyType("CNY"))))
    >>> deals = Table(schema, "deals.csv", {"rep": ["甲", "乙", "甲"], "amount": [Decimal("10"), Decimal("20"), Decimal("30")]},
    ...               [2, 3, 4], {"rep": "1", "amount": "2"})
    >>> deals.rows_of("甲"), deals.columns["amount"][2], deals.cell(2, "amount")
    ((0, 2), Decimal('30'), {'file': 'deals.csv', 'row': 4, 'column': 'amount', 'column_label': '2'})
    """

    schema: InputSchema
    file: str  # display path: "data/deals.csv", "book.xlsx#deals", "data.json#deals"
    columns: dict[str, list]  # field -> one typed value per row; every declared field present
    row_numbers: list[int]  # CSV physical line, Excel sheet row, JSON 1-based index
    labels: dict[str, str]  # field -> column label: CSV index, Excel letter, JSON key
    payee_rows: Optional[dict[str, tuple[int, ...]]] = attrs.field(init=False)  # None: rows belong to no payee
    period_rows: dict[Period, Sequence[int]] = attrs.field(init=False)

    def __attrs_post_init__(self) -> None:
        field = self.schema.payee_field
        self.payee_rows = _payee_index(self.columns[field]) if field is not None and field in self.columns else None
        self.period_rows = {WHOLE_RUN: range(len(self.row_numbers))}

    @classmethod
    def from_rows(cls, schema: InputSchema, file: str, rows: Iterable[Mapping[str, object]], row_numbers: list[int],
                  labels: dict[str, str]) -> "Table":
        """A table from row mappings (a reader's rows, a plan test's rows); a field a row lacks is None.

        >>> from dsl.core.types import FieldSchema, NUMBER
        >>> t = Table.from_rows(InputSchema("p", "params", (FieldSchema("x", NUMBER),)), "t", [{"x": 1}], [1], {})
        >>> t.columns, t.rows
        ({'x': [1]}, [{'x': 1}])
        """
        rows = rows if isinstance(rows, list) else list(rows)
        columns = {}
        for field in schema.fields:
            name = field.name
            try:
                columns[name] = [row[name] for row in rows]
            except KeyError:  # a row with a cell the reader reported as bad
                columns[name] = [row.get(name) for row in rows]
        return cls(schema, file, columns, row_numbers, labels)

    @classmethod
    def empty(cls, schema: InputSchema, file: str) -> "Table":
        return cls(schema, file, {f.name: [] for f in schema.fields}, [], {})

    def __len__(self) -> int:
        return len(self.row_numbers)

    @property
    def rows(self) -> list[dict[str, object]]:
        """The rows as dicts of field → value (built on each call; readers of one value index `columns`)."""
        names = list(self.columns)
        return [dict(zip(names, values)) for values in zip(*self.columns.values())] if names else [{} for _ in self.row_numbers]

    def cell(self, row: int, field: str) -> dict:
        """Where a value came from: file, row number, field and the column label in the file."""
        return {"file": self.file, "row": self.row_numbers[row], "column": field, "column_label": self.labels.get(field, "")}

    def rows_of(self, payee: Optional[str], period: Period = WHOLE_RUN) -> Sequence[int]:
        """The indices of `payee`'s rows in `period` (every row in the period when rows belong to no payee)."""
        in_period = self.period_rows.get(period)
        if in_period is None:
            return ()
        if self.payee_rows is None:
            return in_period
        mine = self.payee_rows.get(payee, ())
        if len(in_period) == len(self.row_numbers):
            return mine
        kept = set(in_period)
        return tuple(i for i in mine if i in kept)


@attrs.define(eq=False)
class Dataset:
    tables: dict[str, Table]
    payees: list[str]
    periods: tuple[Period, ...] = (WHOLE_RUN,)

    @classmethod
    def empty(cls, schemas: Iterable[InputSchema], file: str) -> "Dataset":
        """A dataset with no rows for any input and no payees (lint probes evaluate lines over it)."""
        return cls({s.name: Table.empty(s, file) for s in schemas}, [])

    def record_row(self, input_name: str, payee: str, period: Period = WHOLE_RUN) -> Optional[int]:
        """The row of `payee` in a record input in `period`, or None."""
        table = self.tables.get(input_name)
        if table is None or table.payee_rows is None:
            return None
        if table.schema.period_field is not None:
            rows = table.rows_of(payee, period)
        else:
            rows = table.payee_rows.get(payee)
        return rows[0] if rows else None

    def params_row(self, input_name: str, period: Period = WHOLE_RUN) -> Optional[int]:
        """The row of a params input in force in `period` (its only row, unless it is placed by period)."""
        table = self.tables.get(input_name)
        if table is None or not len(table):
            return None
        if table.schema.period_field is None:
            return 0
        rows = table.rows_of(None, period)
        return rows[0] if rows else None

