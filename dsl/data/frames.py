"""Data a program passes instead of files: a dict of rows, data frames (pandas, polars) and arrow tables.

Each input's value becomes the loader's own form, rows of named fields or `Columns`, and goes through
`readers.dataset_from_rows`: every cell is typed by the same cell grammar and checked by the same rules as
a file's, with the same diagnostics (D001–D006, naming the input, the row counted from 1 and the column).
What happens here is only the translation of each library's values to plain Python ones: numpy scalars to
int, bool or float, a missing value (None, NaN, pandas' NA and NaT) to an empty cell, a timestamp at
midnight to its date (any other timestamp is a bad cell: a time of day is never dropped), and binary
floats to Decimal by the caller's `floats` policy (without one they are refused). No data frame library is imported: an object is recognised by the library that made it, which
is already loaded (`sys.modules`), so the package runs without any of them.
"""
from __future__ import annotations

import datetime
import re
import sys
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Callable, Iterable, Iterator, Mapping, Optional, Sequence

from dsl.core.diagnostics import Diagnostic
from dsl.core.numeric import CONTEXT, LIMIT
from dsl.core.perf import paused_gc
from dsl.core.types import InputSchema
from dsl.data.dataset import Dataset
from dsl.data.readers import Columns, _Bad, dataset_from_rows

FloatReader = Callable[[float], Decimal]

FLOAT_POLICIES = ('"round:QUANTUM", QUANTUM a power of ten from 1 down to 0.000000000000000001 (e.g. "round:0.01"), '
                  'or "exact"')
_ADVICE = ('give Decimal or int values (or text), or say how to read the floats: floats="round:0.01" rounds each '
           'half-even to the cent, floats="exact" takes its exact binary value')
_QUANTUM = re.compile(r"1|0\.0{0,17}1")  # 1, 0.1, …, 0.000000000000000001: the numeric policy's 18 places
ORIGIN = "the data passed"  # how D001 names the whole of it: "the data passed gives no rows for input 'reps'"


def float_reader(floats: Optional[str]) -> Optional[FloatReader]:
    """How binary floats are read: None (they are refused), or a function from a float to its Decimal.

    `round:QUANTUM` rounds the float's exact binary value half-even to QUANTUM. The value is the float
    itself, not its shortest decimal repr: 2.675 is stored as 2.67499999999999982236431605997495353221893310546875,
    below the midpoint, so it rounds to 2.67. `exact` is that exact binary value, which the numeric
    policy then admits only with at most 18 decimal places (0.5 and 1200000.0 are, 0.1 is not).

    >>> read = float_reader("round:0.01")
    >>> read(2.675), read(0.125), read(1200000.0)
    (Decimal('2.67'), Decimal('0.12'), Decimal('1200000.00'))
    >>> float_reader("exact")(0.5), float_reader(None)
    (Decimal('0.5'), None)
    >>> float_reader("round:0.05")
    Traceback (most recent call last):
    ValueError: floats='round:0.05' is not a policy for binary floats; give "round:QUANTUM", QUANTUM a power of ten from 1 down to 0.000000000000000001 (e.g. "round:0.01"), or "exact"
    """
    if floats is None:
        return None
    if floats == "exact":
        return Decimal
    quantum = _quantum(floats[len("round:"):]) if isinstance(floats, str) and floats.startswith("round:") else None
    if quantum is None:
        raise ValueError(f"floats={floats!r} is not a policy for binary floats; give {FLOAT_POLICIES}")

    def read(value: float) -> Decimal:
        exact = Decimal(value)
        if not exact.is_finite() or abs(exact) >= LIMIT:  # left as it is: the numeric policy refuses it by name
            return exact
        return exact.quantize(quantum, rounding=ROUND_HALF_EVEN, context=CONTEXT)

    return read


def _quantum(text: str) -> Optional[Decimal]:
    """`0.01` → Decimal('0.01'); None unless `text` is a power of ten from 1 down to 10^-18, written out."""
    return Decimal(text) if _QUANTUM.fullmatch(text) else None


def _plain(value: object, read_float: Optional[FloatReader]) -> object:
    """A value as the loader takes it: None for a missing one, numpy scalars as Python's, a float by the policy
    (without one it stays a float, which the loader refuses), a timestamp at midnight as its date."""
    kind = type(value)
    if kind is str or kind is Decimal:  # the common cells, as they are
        return value
    if value is None or kind.__name__ in ("NAType", "NaTType"):  # pandas' missing values
        return None
    if kind.__module__ == "numpy" and hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float):
        if value != value:  # NaN: how pandas and numpy mark a missing value
            return None
        return read_float(value) if read_float is not None else value
    if isinstance(value, datetime.datetime):
        if value.tzinfo is None and value.time() == datetime.time():
            return datetime.date(value.year, value.month, value.day)  # a date column read into a timestamp column
        return _Bad(f"'{value}' is a timestamp with a time of day or a time zone; give dates (datetime.date) or text")
    return value


# ---------------------------------------------------------------- data frames

def frame_library(value: object) -> Optional[str]:
    """'pandas', 'polars' or 'arrow' when `value` is a data frame of that library (or an arrow record batch), else None."""
    pandas, polars, arrow = (sys.modules.get(name) for name in ("pandas", "polars", "pyarrow"))
    if pandas is not None and isinstance(value, pandas.DataFrame):
        return "pandas"
    if polars is not None and isinstance(value, polars.DataFrame):
        return "polars"
    if arrow is not None and isinstance(value, (arrow.Table, arrow.RecordBatch)):
        return "arrow"
    return None


_KIND = {"pandas": "pandas DataFrame", "polars": "polars DataFrame", "arrow": "arrow table"}


def _frame(frame, library: str, read_float: Optional[FloatReader]) -> Columns:
    """A data frame's column names, its rows of plain values and (without a float policy) its float columns."""
    if library == "pandas":
        names = [str(name) for name in frame.columns]
        kinds = [(dtype.kind == "f", str(dtype)) for dtype in frame.dtypes]
        rows: Iterable[Sequence[object]] = frame.itertuples(index=False, name=None)
    elif library == "polars":
        names = list(frame.columns)
        kinds = [(dtype.is_float(), str(dtype)) for dtype in frame.dtypes]
        rows = frame.iter_rows()
    else:
        import pyarrow  # already loaded: the table is one of its objects

        names = list(frame.schema.names)
        kinds = [(pyarrow.types.is_floating(field.type), str(field.type)) for field in frame.schema]
        rows = zip(*(column.to_pylist() for column in frame.columns))
    floats = [] if read_float is not None else [(i, name, kind) for i, (name, (is_float, kind)) in enumerate(zip(names, kinds), 1) if is_float]
    return Columns(names, _rows(rows, read_float), floats, _ADVICE)


def _rows(rows: Iterable[Sequence[object]], read_float: Optional[FloatReader]) -> Iterator[tuple]:
    for row in rows:
        yield tuple(_plain(value, read_float) for value in row)


def _records(name: str, value: object, read_float: Optional[FloatReader]) -> object:
    """A dict's rows as the loader takes them: each row's values plain; a row that is not a mapping is
    passed on for the loader to report (D003, with its row number)."""
    if isinstance(value, Mapping):  # a plan-wide input's one row
        return {key: _plain(cell, read_float) for key, cell in value.items()}
    if isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
        raise TypeError(f"the data for input '{name}' is a {type(value).__name__}; give a list of rows (dicts of "
                        "column → value), a pandas or polars DataFrame or an arrow table")
    return [{key: _plain(cell, read_float) for key, cell in row.items()} if isinstance(row, Mapping) else row for row in value]


def dataset_from_python(data: object, schemas: Sequence[InputSchema], currency: str,
                        floats: Optional[str] = None) -> tuple[Optional[Dataset], list[Diagnostic]]:
    """A plan's inputs from Python values: a dict of input name → rows (a list of dicts of column → value) or a
    data frame (pandas, polars, arrow), or one data frame alone when the plan has one input.

    Bad data comes back as diagnostics (the dataset is then None); a value of a kind this does not read,
    or a bad `floats` policy, raises TypeError or ValueError.

    >>> from dsl.core.types import FieldSchema, InputSchema, MoneyType, PAYEE
    >>> deals = InputSchema("deals", "table", (FieldSchema("rep", PAYEE), FieldSchema("amount", MoneyType("CNY"))))
    >>> dataset, diagnostics = dataset_from_python({"deals": [{"rep": "甲", "amount": "1,200,000.00"}]}, [deals], "CNY")
    >>> dataset.tables["deals"].rows, diagnostics
    ([{'rep': '甲', 'amount': Decimal('1200000.00')}], [])
    >>> _, diagnostics = dataset_from_python({"deals": [{"rep": "甲", "amount": 0.1}]}, [deals], "CNY")
    >>> diagnostics[0].code, diagnostics[0].message
    ('D003', "input 'deals' row 1, column 'amount': 0.1 is a binary float; give exact numbers as Decimal or text")
    """
    read_float = float_reader(floats)
    with paused_gc():  # as the files' loader: a million rows are a million objects that form no cycles
        return _dataset(data, schemas, currency, read_float)


def _dataset(data: object, schemas: Sequence[InputSchema], currency: str,
             read_float: Optional[FloatReader]) -> tuple[Optional[Dataset], list[Diagnostic]]:
    if frame_library(data) is not None:
        if len(schemas) != 1:
            raise TypeError(f"one data frame binds to a plan with one input; this plan has {len(schemas)} "
                            f"({', '.join(repr(s.name) for s in schemas)}): pass a dict of input name → data frame")
        data = {schemas[0].name: data}
    if not isinstance(data, Mapping):
        raise TypeError(f"data of type {type(data).__name__} cannot be read; give a folder or file path, a dict of input "
                        "name → rows or data frame, or a data frame")
    values: dict[str, object] = {}
    kinds: dict[str, str] = {}
    for name, value in data.items():
        if not isinstance(name, str):
            raise TypeError(f"the keys of the data are input names (text), not {type(name).__name__} {name!r}")
        library = frame_library(value)
        values[name] = _frame(value, library, read_float) if library else _records(name, value, read_float)
        kinds[name] = _KIND[library] if library else "rows"
    return dataset_from_rows(values, schemas, currency, ORIGIN, naming=lambda name: (f"{name} ({kinds[name]})", f"input '{name}'"))
