"""Typed tables bound to a plan's inputs, with the provenance of every row.

A `Table` holds one input's rows (typed values, never text), the file they came
from, each row's line or row number in that file and the column label of each
field, so that a trace can point at the exact cell behind a value. A `Dataset` is
the plan's tables and the roster of payees.
"""
from __future__ import annotations

import attrs

from dsl.core.types import InputSchema


@attrs.define
class Table:
    schema: InputSchema
    file: str  # display path: "data/deals.csv", "book.xlsx#deals", "data.json#deals"
    rows: list[dict[str, object]]  # typed values; every declared field present
    row_numbers: list[int]  # CSV physical line, Excel sheet row, JSON 1-based index
    columns: dict[str, str]  # field -> column label: CSV index, Excel letter, JSON key


@attrs.define
class Dataset:
    tables: dict[str, Table]
    payees: list[str]
