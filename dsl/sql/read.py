"""A plan's input files read by DuckDB itself: cells typed in SQL, set-based, as the loader types them.

    NAME.csv ──file checks (readers.py's)──> DuckDB read_csv, every cell as text
             ──the cell grammar in SQL──> typed columns (numbers as exact parts) ──> the engine's relations

The file-level checks are readers.py's own functions, run first on the bytes
(a regular file inside the data folder, no NUL byte, UTF-8). DuckDB then splits
the file (strict quotes and widths) and each cell is typed in SQL with the
loader's grammar for the forms data are written in: plain and grouped numbers
(`1,200,000.00`), 万/亿, 元/块 in a CNY column, percents (`85%`), the booleans
(true/false, yes/no, y/n, 1/0, 是/否, 对/错), the three date forms, text and
category values, empty cells and declared defaults. A number keeps the value,
scale and sign the loader gives it, as the parts (HUGEINT coefficient,
exponent, sign) of dsl/sql/numeric.py.

Any cell outside those forms is handed, one distinct text at a time, to the
loader's `_convert` (the one implementation of the rest of the grammar), and
its value joined back. When anything is wrong or unusual — a cell that does not
parse, a missing or repeated column, a row of the wrong width, a quote left
open, a multi-line cell, a blank line, a duplicate payee, a payee not on the
roster, a params input without exactly one row, text that is not UTF-8 — the
reader declines (`Declined`) and the caller reads the data with
dsl/data/readers.py, which reports every problem with its file, row and
column. So the diagnostics have one implementation, and this reader only ever
accepts data the loader accepts, with the same values (tests/test_sql_load.py
compares both, table by table, and a case of every error class).
Inputs placed in periods (a `by` field, period values) are declined too:
placing rows is the timeline's (dsl/run/timeline.py).

Reading is two passes over a file, neither of which keeps the cells: `check`
decides (every cell accepted, the roster, the counts) when the data are read,
and `source` is the SQL that types the columns a query needs, run in the
engine's own connection when it loads its relations (dsl/sql/load.py) — or,
for the interpreter, fetched as Python values (`Columnar.to_dataset`, only the
rows of the payees asked for when `explain` needs one payee). A file changed
between the two passes is refused.

Parquet files and the tables of a DuckDB database file (`ParquetInput`) are
read the same way: their DECIMAL and integer columns through their exact text,
their text columns through the grammar.
"""
from __future__ import annotations

import csv
import os
from decimal import Decimal
from pathlib import Path
from typing import Optional, Sequence

from dsl.core.types import BOOL, DATE, INT, NUMBER, PAYEE, PERCENT, PERIOD, TEXT, WHOLE_RUN, EnumType, FieldSchema, InputKind, InputSchema, MoneyType
from dsl.data.dataset import Dataset, Table
from dsl.data.readers import _FALSE, _TRUE, _convert, _file_bytes, _Unreadable
from dsl.sql.errors import NotLowered
from dsl.sql.numeric import to_decimal

# The characters str.strip() removes (str.isspace), as a regular-expression class: a cell with one at
# either end is not in a plain form and takes the Python grammar. tests/test_sql_load.py checks the list.
SPACES = "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
_LONGEST_CELL = 131072  # csv.field_size_limit(): a longer cell is the Python reader's error


def ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


class Declined(NotLowered):
    """The columnar reader does not read this data: the Python loader reads it (and reports what is wrong).

    Raised after the data were accepted (a file changed between the passes), it stops the run with its
    message, as a plan the engine does not compute does."""


# ---------------------------------------------------------------- the cell grammar in SQL

class _Cell:
    """One field's cell grammar in SQL over the raw text `x`.

    `inner` are columns computed once per cell from `x` (a regular expression's groups) and read by
    `accepted` and `parts`, the outer expressions: whether the cell is in a form SQL types, and its
    typed column(s) when it is.
    """

    def __init__(self, inner: dict[str, str], accepted: str, parts: tuple[str, ...]):
        self.inner, self.accepted, self.parts = inner, accepted, parts


def _groups(x: str, pattern: str, names: Sequence[str]) -> str:
    return f"regexp_extract({x}, {lit('^(?:' + pattern + ')$')}, [{', '.join(lit(n) for n in names)}])"


_PLAIN = "-?[0-9]{1,20}(?:[.][0-9]{1,18})?"  # readers._PLAIN_DECIMAL: Decimal(text), '-0' keeps its sign


def _number_cell(x: str, m: str, field: FieldSchema, currency: str) -> _Cell:
    """A money, number or int cell: the plain form as Decimal(text) (readers._fast_path); grouped digits,
    万/亿 and 元/块 as parse_amount reads them."""
    t = field.type
    if t == INT:  # readers._PLAIN_INTEGER: Decimal(text)
        return _Cell({}, f"regexp_full_match({x}, '-?[0-9]{{1,20}}')", (f"CAST({x} AS HUGEINT)", "0", f"starts_with({x}, '-')"))
    plain = f"{m}_p"
    units = "(元|块)?" if isinstance(t, MoneyType) and (t.currency or currency) == "CNY" else "()"
    pattern = f"(-?)([0-9]{{1,20}}|[0-9]{{1,3}}(?:,[0-9]{{3}}){{1,5}})(?:[.]([0-9]{{1,18}}))?(万|亿)?{units}"
    inner = {plain: f"regexp_full_match({x}, {lit(_PLAIN)})",
             m: f"CASE WHEN NOT regexp_full_match({x}, {lit(_PLAIN)}) THEN {_groups(x, pattern, ('neg', 'whole', 'frac', 'mult', 'unit'))} END"}
    whole, frac, mult, neg = (f"{m}.{g}" for g in ("whole", "frac", "mult", "neg"))
    shift = f"(CASE {mult} WHEN '万' THEN 4 WHEN '亿' THEN 8 ELSE 0 END)"
    digits = f"CAST(replace({whole}, ',', '') || {frac} AS HUGEINT)"
    magnitude = (f"(CASE {mult} WHEN '万' THEN {digits} * CAST(10000 AS HUGEINT) WHEN '亿' THEN {digits} * CAST(100000000 AS HUGEINT) "
                 f"ELSE {digits} END)")
    # parse_amount: at most 20 digits before the point once 万/亿 shifts them; minus(0) is an unsigned 0
    general = f"({whole} <> '' AND length(ltrim(replace({whole}, ',', ''), '0')) + {shift} <= 20)"
    dot = f"strpos({x}, '.')"
    c = f"CASE WHEN {plain} THEN CAST(replace({x}, '.', '') AS HUGEINT) WHEN {neg} = '-' THEN -{magnitude} ELSE {magnitude} END"
    e = f"CASE WHEN {plain} THEN (CASE WHEN {dot} > 0 THEN {dot} - length({x}) ELSE 0 END) ELSE -length({frac}) END"
    s = f"CASE WHEN {plain} THEN starts_with({x}, '-') ELSE {neg} = '-' AND {digits} <> 0 END"
    return _Cell(inner, f"({plain} OR COALESCE({general}, false))", (c, e, s))


def _percent_cell(x: str, m: str) -> _Cell:
    """A percent cell `12.5%` as parse_amount gives it: the quotient by 100, at quotient()'s exponent
    (the normalised one, never above the text's own)."""
    inner = {m: _groups(x, "(-?)([0-9]{1,20})(?:[.]([0-9]{1,16}))?%", ("neg", "whole", "frac"))}
    whole, frac, neg = (f"{m}.{g}" for g in ("whole", "frac", "neg"))
    text = f"({whole} || {frac})"
    digits = f"CAST({text} AS HUGEINT)"
    zeros = f"least(length({text}) - length(rtrim({text}, '0')), 2)"
    magnitude = f"(CASE WHEN {digits} = 0 THEN CAST(0 AS HUGEINT) ELSE {digits} // (CASE {zeros} WHEN 0 THEN 1 WHEN 1 THEN 10 ELSE 100 END) END)"
    exponent = f"(CASE WHEN {digits} = 0 THEN -length({frac}) ELSE -length({frac}) - 2 + {zeros} END)"
    negative = f"({neg} = '-' AND {digits} <> 0)"
    return _Cell(inner, f"({whole} <> '')", (f"(CASE WHEN {negative} THEN -{magnitude} ELSE {magnitude} END)", exponent, negative))


def _scalar_cell(x: str, m: str, field: FieldSchema) -> _Cell:
    """A bool, date, text, payee or category cell."""
    t = field.type
    if t == BOOL:
        # str.lower() and DuckDB's lower() agree on every text that lowers to one of these words: ASCII letters
        # and digits, and 是/否/对/错, which have no case (no other character lowers to an ASCII letter of them)
        words = ", ".join(map(lit, sorted(_TRUE | _FALSE)))
        accepted = f"({x} = 'true' OR {x} = 'false' OR lower({x}) IN ({words}))"
        value = f"CASE {x} WHEN 'true' THEN true WHEN 'false' THEN false ELSE lower({x}) IN ({', '.join(map(lit, sorted(_TRUE)))}) END"
        return _Cell({}, accepted, (value,))
    if t == DATE:  # readers._DATES: 2026-03-01, 2026/3/1, 2026年3月1日; a real date of years 1 to 9999
        inner = {m: _groups(x, "([0-9]{4})(-|/|年)([0-9]{1,2})(-|/|月)([0-9]{1,2})(日?)", ("y", "a", "m", "b", "d", "c"))}
        y, a, month, b, d, c = (f"{m}.{g}" for g in ("y", "a", "m", "b", "d", "c"))
        form = f"(({a} = '-' AND {b} = '-' AND {c} = '') OR ({a} = '/' AND {b} = '/' AND {c} = '') OR ({a} = '年' AND {b} = '月' AND {c} = '日'))"
        day = f"try(make_date(CAST({y} AS BIGINT), CAST({month} AS BIGINT), CAST({d} AS BIGINT)))"
        return _Cell(inner, f"({form} AND {y} <> '0000' AND {day} IS NOT NULL)", (day,))
    clean = f"NOT ({_odd_start(x)} OR {_odd_start(f'right({x}, 1)')})"  # nothing at its ends for str.strip() to take
    if t in (TEXT, PAYEE):  # readers._fast_path: the text itself
        return _Cell({}, clean, (x,))
    if isinstance(t, EnumType):
        return _Cell({}, f"({x} IN ({', '.join(lit(v) for v in t.values)}) AND {clean})", (x,))
    raise Declined(f"a column of type {t}")


def _is_number(field: FieldSchema) -> bool:
    return isinstance(field.type, MoneyType) or field.type in (NUMBER, PERCENT, INT)


def _parts(value: Decimal) -> tuple[int, int, bool]:
    sign, digits, exponent = value.as_tuple()
    magnitude = int("".join(map(str, digits)) or "0")
    return (-magnitude if sign else magnitude), exponent, bool(sign)


def _literal(field: FieldSchema, value) -> list[str]:
    """A Python value as the SQL of its typed column(s)."""
    if _is_number(field):
        c, e, s = _parts(value)
        return [f"CAST({c} AS HUGEINT)", str(e), "true" if s else "false"]
    if field.type == BOOL:
        return ["true" if value else "false"]
    if field.type == DATE:
        return [f"DATE {lit(value.isoformat())}"]
    return [lit(str(value))]


def columns_of(index: int, field: FieldSchema) -> list[str]:
    """The typed columns of declared field `index` in a `source()`: v3_c, v3_e, v3_s for a number, else v3."""
    return [f"v{index}_c", f"v{index}_e", f"v{index}_s"] if _is_number(field) else [f"v{index}"]


_TYPES = {"_c": "HUGEINT", "_e": "INTEGER", "_s": "BOOLEAN"}


# ---------------------------------------------------------------- the result

class Lines:
    """Row numbers: row i of a CSV input without multi-line cells or blank lines is on line i + 2 (under its
    header); row i of a Parquet file or a table is number i + 1."""

    def __init__(self, count: int, first: int = 2):
        self.count, self.first = count, first

    def __len__(self) -> int:
        return self.count

    def __getitem__(self, index: int) -> int:
        if not 0 <= index < self.count:
            raise IndexError(index)
        return index + self.first


class CsvInput:
    """One input's CSV file, checked, and the SQL that reads it typed: `source()` is a subquery of
    `_row` (the row's index) and the typed columns of the fields asked for."""

    def __init__(self, schema: InputSchema, path: Path, file: str, folder: Path, currency: str):
        self.schema, self.path, self.file, self.currency = schema, path, file, currency
        data = _checked_bytes(path, file, folder)
        self.stamp = _stamp(path)
        try:
            first = data.split(b"\n", 1)[0].rstrip(b"\r").decode("utf-8")
        except UnicodeDecodeError:
            raise Declined("not UTF-8") from None
        if first.count('"') % 2 or not first.strip():
            raise Declined("a header line that is blank or spans lines")
        self.header = [cell.strip() for cell in next(csv.reader([first]))]
        present = [h for h in self.header if h]
        if len(set(present)) != len(present):
            raise Declined("a column given twice")
        self.lines = data.count(b"\n") + (0 if data.endswith(b"\n") else 1)
        self.labels: dict[str, str] = {}
        self.cells: dict[int, _Cell] = {}
        for j, field in enumerate(schema.fields):
            if field.name in self.header:
                index = self.header.index(field.name)
                self.labels[field.name] = str(index + 1)
                x, m = f"c{index}", f"m{j}"
                self.cells[j] = (_percent_cell(x, m) if field.type == PERCENT else _number_cell(x, m, field, currency)
                                 if _is_number(field) else _scalar_cell(x, m, field))
            elif not field.has_default:
                raise Declined(f"no column {field.name}")
        self.mapped: dict[int, list[tuple]] = {}  # field index -> (text, typed columns…) of the cells Python typed
        self.row_numbers = Lines(0)
        self.payees: Optional[list[str]] = None  # a record input's payees, in row order

    from_lines = True  # rows are lines of a CSV file (blank ones skipped, quoted cells may span lines)

    def stored(self, j: int, text: str) -> object:
        """The value of field j's cell whose text is `text`, as the Python loader is given it."""
        return text

    def __len__(self) -> int:
        return len(self.row_numbers)

    @property
    def index(self) -> dict[str, int]:
        return {f.name: j for j, f in enumerate(self.schema.fields)}

    def columns(self, field: str) -> list[str]:
        return columns_of(self.index[field], self.schema.field(field))

    def _reader(self) -> str:
        width = len(self.header)
        columns = "{" + ", ".join(f"{lit(f'c{i}')}: 'VARCHAR'" for i in range(width)) + "}"
        return (f"read_csv({lit(str(self.path))}, header = true, auto_detect = false, delim = ',', quote = '\"', escape = '\"', "
                f"strict_mode = true, null_padding = false, all_varchar = true, columns = {columns})")

    def _x(self, j: int) -> str:
        return f"c{self.header.index(self.schema.fields[j].name)}"

    def check(self, con, roster: Optional[str] = None) -> None:
        """The pass that decides: every cell typed (the unusual ones by Python), no row DuckDB split differently,
        and with `roster` (a table of the roster's payees) every payee on it."""
        cells = [f"c{i}" for i in range(len(self.header))]
        inner = {n: e for cell in self.cells.values() for n, e in cell.inner.items()}
        aggregates = ["count(*)", f"count(*) FILTER (WHERE {' AND '.join(f'({c} IS NULL OR {_odd_start(c)})' for c in cells)})",
                      f"max(greatest({', '.join(f'strlen({c})' for c in cells)}))"] if self.from_lines else ["count(*)", "0", "0"]
        for j, cell in self.cells.items():
            x = self._x(j)
            aggregates.append(f"count(*) FILTER (WHERE {x} IS NOT NULL AND NOT COALESCE({cell.accepted}, false))")
            aggregates.append(f"count(*) FILTER (WHERE {x} IS NULL)")
        payee = self.schema.payee_field
        if roster is not None and payee is not None:
            j = self.index[payee]
            aggregates.append(f"count(*) FILTER (WHERE {self.cells[j].accepted} AND {self._x(j)} NOT IN (SELECT payee FROM {roster}))")
        source = f"(SELECT *{''.join(f', {e} AS {n}' for n, e in inner.items())} FROM {self._reader()})"
        found = con.execute(f"SELECT {', '.join(aggregates)} FROM {source}").fetchone()
        count, blank_rows, longest = found[0], found[1], found[2] or 0
        if self.from_lines and (count != self.lines - 1 or blank_rows or longest > _LONGEST_CELL):
            raise Declined("a multi-line, over-long or blank row")
        self.row_numbers = Lines(count)
        for position, (j, cell) in enumerate(self.cells.items()):
            field = self.schema.fields[j]
            others, empty = found[3 + 2 * position], found[4 + 2 * position]
            if empty and not field.has_default:
                raise Declined(f"an empty cell in column {field.name}")
            if others:
                x = self._x(j)
                texts = [r[0] for r in con.execute(f"SELECT DISTINCT {x} FROM {source} WHERE {x} IS NOT NULL AND NOT COALESCE({cell.accepted}, false)").fetchall()]
                self.mapped[j] = [(text, *_typed_in_python(self.stored(j, text), field, self.currency)) for text in texts]
        if roster is not None and payee is not None:
            j = self.index[payee]
            known = {row[0] for row in con.execute(f"SELECT payee FROM {roster}").fetchall()} if j in self.mapped else set()
            if found[-1] or any(row[1] not in known for row in self.mapped.get(j, ())):
                raise Declined(f"a payee of {self.schema.name} not on the roster")

    def attach(self, con) -> None:
        """Make the input's relation readable in `con` (a CSV file: nothing to do)."""

    def source(self, con, fields: Sequence[str], where: str = "") -> str:
        """A subquery: `_row` and the typed columns of `fields`, in file order; the Python-typed cells
        joined from temporary tables made in `con`."""
        if _stamp(self.path) != self.stamp:
            raise Declined(f"{self.file} changed while it was being read: run again")
        self.attach(con)
        wanted = sorted({self.index[f] for f in fields})
        inner = {n: e for j in wanted if j in self.cells for n, e in self.cells[j].inner.items()}
        base = f"(SELECT row_number() OVER () - 1 AS _row, *{''.join(f', {e} AS {n}' for n, e in inner.items())} FROM {self._reader()}) AS b"
        outputs, joins = ["b._row AS _row"], []
        for j in wanted:
            field = self.schema.fields[j]
            names = columns_of(j, field)
            if j not in self.cells:
                outputs += [f"{v} AS {n}" for v, n in zip(_literal(field, field.default), names)]
                continue
            cell = self.cells[j]
            parts = cell.parts
            default = _literal(field, field.default) if field.has_default else ["NULL"] * len(names)
            mapped = None
            if j in self.mapped:
                mapped = f"m_{id(self)}_{j}"
                con.execute(f"CREATE OR REPLACE TEMP TABLE {mapped} (x VARCHAR, {', '.join(f'{n} {_type_of(n, field)}' for n in names)})")
                con.executemany(f"INSERT INTO {mapped} VALUES ({', '.join('?' for _ in range(len(names) + 1))})", self.mapped[j])
                joins.append(f" LEFT JOIN {mapped} ON {mapped}.x = b.{self._x(j)}")
            for name, part, fallback in zip(names, parts, default):
                other = f" ELSE {mapped}.{name}" if mapped else ""
                outputs.append(f"CASE WHEN b.{self._x(j)} IS NULL THEN {fallback} WHEN {cell.accepted} THEN CAST({part} AS {_type_of(name, field)}){other} END AS {name}")
        return f"(SELECT {', '.join(outputs)} FROM {base}{''.join(joins)}{' WHERE ' + where if where else ''})"


def _checked_bytes(path: Path, file: str, folder: Path) -> bytes:
    """The file's bytes after readers.py's file checks (a regular file inside the folder), if they are in the
    shape DuckDB's split matches line for line; its text must be UTF-8 (DuckDB refuses any other, and then the
    Python reader reads it, GB18030 included)."""
    try:
        data = _file_bytes(path, file, folder)
    except _Unreadable as exc:
        raise Declined(str(exc)) from None
    if data is None:
        raise Declined(f"no file {file}")
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    if (b"\x00" in data or data.count(b"\r") != data.count(b"\r\n") or b"\n\n" in data or b"\n\r\n" in data
            or data.startswith((b"\n", b"\r")) or not data.strip()):
        raise Declined("a NUL byte, a lone carriage return or a blank line")
    return data


class ParquetInput(CsvInput):
    """One input's Parquet file: typed columns, checked against the plan's fields.

    A DECIMAL or integer column is read exactly through its text (`CAST(x AS VARCHAR)`: all its places),
    a percent stored as a number is the fraction (0.85), as in a workbook; text columns take the cell
    grammar. A binary-float column for a number field, or any column DuckDB cannot type as the field
    is read, declines (the Python loader names the file and the column).
    """

    from_lines = False

    def __init__(self, schema: InputSchema, path: Path, file: str, folder: Optional[Path], currency: str, database: bool = False):
        import duckdb

        try:
            _file_bytes(path, file, folder, check_only=True)
        except _Unreadable as exc:
            raise Declined(str(exc)) from None
        self.schema, self.path, self.file, self.currency = schema, path, file, currency
        self.database = f"db_{abs(hash((str(path), schema.name)))}" if database else None  # a table of a DuckDB database file
        self.relation = f"{self.database}.{ident(schema.name)}" if database else f"read_parquet({lit(str(path))})"
        self.stamp = _stamp(path)
        con = duckdb.connect()
        try:
            self.attach(con)
            described = con.execute(f"DESCRIBE SELECT * FROM {self.relation}").fetchall()
        except duckdb.Error as exc:
            raise Declined(str(exc)) from None
        finally:
            con.close()
        self.names = [row[0] for row in described]
        self.kinds = [str(row[1]).upper() for row in described]
        self.header = [name.strip() for name in self.names]
        if len(set(h for h in self.header if h)) != len([h for h in self.header if h]):
            raise Declined("a column given twice")
        self.labels, self.cells, self.mapped, self.payees = {}, {}, {}, None
        self.numeric: set[int] = set()
        for j, field in enumerate(schema.fields):
            if field.name not in self.header:
                if not field.has_default:
                    raise Declined(f"no column {field.name}")
                continue
            index = self.header.index(field.name)
            self.labels[field.name] = self.names[index]
            kind, x, m = self.kinds[index], f"c{index}", f"m{j}"
            stored_number = kind.startswith("DECIMAL") or kind in _INTEGERS
            if _is_number(field) and stored_number:
                self.numeric.add(j)
                self.cells[j] = _number_cell(x, m, field, currency)  # its text: the plain form, exactly
            elif kind == "VARCHAR" or (stored_number and field.type in (TEXT, PAYEE)):
                self.cells[j] = (_percent_cell(x, m) if field.type == PERCENT else _number_cell(x, m, field, currency)
                                 if _is_number(field) else _scalar_cell(x, m, field))
            elif (field.type == BOOL and kind == "BOOLEAN") or (field.type == DATE and kind == "DATE"):
                self.cells[j] = _Cell({}, "true", (x,))
            else:
                raise Declined(f"column {field.name} of type {kind}")
        self.row_numbers = Lines(0, first=1)

    def attach(self, con) -> None:
        """Make the input's relation readable in `con` (a database file is attached, read-only, once)."""
        if self.database is not None:
            attached = {row[0] for row in con.execute("SELECT database_name FROM duckdb_databases()").fetchall()}
            if self.database not in attached:
                con.execute(f"ATTACH {lit(str(self.path))} AS {self.database} (READ_ONLY)")

    def _reader(self) -> str:
        columns = [f"CAST({ident(n)} AS VARCHAR) AS c{i}" if self.kinds[i] != "BOOLEAN" and self.kinds[i] != "DATE" else f"{ident(n)} AS c{i}"
                   for i, n in enumerate(self.names)]
        return f"(SELECT {', '.join(columns)} FROM {self.relation})"

    def stored(self, j: int, text: str) -> object:
        return Decimal(text) if j in self.numeric else text

    def check(self, con, roster: Optional[str] = None) -> None:
        self.attach(con)
        super().check(con, roster)
        self.row_numbers = Lines(len(self.row_numbers), first=1)


_INTEGERS = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT", "UHUGEINT")


def _stamp(path: Path) -> tuple:
    found = os.stat(path)
    return found.st_size, found.st_mtime_ns


def _odd_start(x: str) -> str:
    """Whether cell `x` starts with a character str.strip() removes (cheap: its code point)."""
    return f"unicode({x}) IN ({', '.join(str(ord(c)) for c in SPACES)})"


def _typed_in_python(text: str, field: FieldSchema, currency: str) -> tuple:
    """A cell outside SQL's forms typed by the Python loader (a blank one is its default); Declined if it refuses it."""
    if not text.strip():
        if not field.has_default:
            raise Declined(f"an empty cell in column {field.name}")
        value = field.default
    else:
        try:
            value = _convert(text, field, currency)
        except ValueError:
            raise Declined(f"a cell of column {field.name} that does not parse") from None
    return _parts(value) if _is_number(field) else (value,)


def _type_of(name: str, field: FieldSchema) -> str:
    if _is_number(field):
        return _TYPES[name[-2:]]
    return "BOOLEAN" if field.type == BOOL else "DATE" if field.type == DATE else "VARCHAR"


class Columnar:
    """A plan's data as checked files DuckDB reads typed, with the roster and each input's provenance.

    `tables` maps each input to its `CsvInput` (schema, file, labels, row_numbers, and the SQL that
    reads it); `payees` is the roster, as the Python loader orders it.
    """

    def __init__(self, tables: dict[str, CsvInput], payees: list[str], periods: tuple = (WHOLE_RUN,)):
        self.tables, self.payees, self.periods = tables, payees, periods

    def placed(self, periods: Sequence) -> "Columnar":
        """The same data for a run over `periods` (inputs read here are not placed by period: every row is in each)."""
        return Columnar(self.tables, self.payees, tuple(periods))

    def facts(self, plan, period, roster: Sequence[str]) -> "ColumnarFacts":
        return ColumnarFacts(self, roster)

    def to_dataset(self, payees: Optional[Sequence[str]] = None) -> Dataset:
        """A `Dataset` of these data: with `payees`, only their rows of each input that belongs to payees.

        The roster stays whole (a payee asked for and not in it gets the interpreter's did-you-mean).
        """
        import duckdb

        con = duckdb.connect()
        try:
            tables = {name: _table(con, table, payees) for name, table in self.tables.items()}
        finally:
            con.close()
        return Dataset(tables, list(self.payees), self.periods)


def _table(con, table: CsvInput, payees: Optional[Sequence[str]]) -> Table:
    """One input as a `Table` of Python values (only `payees`' rows, if given)."""
    schema = table.schema
    names = [c for f in schema.fields for c in table.columns(f.name)]
    parameters: list = []
    where = ""
    if payees is not None and schema.payee_field is not None:
        where = f"{table.columns(schema.payee_field)[0]} IN (SELECT unnest(?))"
        parameters.append(list(payees))
    select = f"SELECT _row{''.join(', ' + n for n in names)} FROM {table.source(con, [f.name for f in schema.fields])} AS s"
    rows = con.execute(select + (f" WHERE {where}" if where else "") + " ORDER BY _row", parameters).fetchall()
    columns: dict[str, list] = {}
    position = 1
    for f in schema.fields:
        if _is_number(f):
            columns[f.name] = [to_decimal(r[position], r[position + 1], r[position + 2]) for r in rows]
            position += 3
        else:
            columns[f.name] = [r[position] for r in rows]
            position += 1
    return Table(schema, table.file, columns, [table.row_numbers[r[0]] for r in rows], dict(table.labels))


class ColumnarFacts:
    """What dsl/sql/lower.py asks of the data (engine.Facts's questions), answered from the checked files."""

    def __init__(self, data: Columnar, roster: Sequence[str]):
        self.data, self.roster = data, roster
        self._params: dict[str, Optional[dict]] = {}

    def table(self, name: str) -> CsvInput:
        return self.data.tables[name]

    def payee_field(self, name: str) -> Optional[str]:
        return self.table(name).schema.payee_field

    def missing(self, name: str, field: str) -> bool:
        return False  # a file's cell is a value, or its declared default, or the data were declined

    def record_complete(self, name: str) -> bool:
        present = set(self.table(name).payees or ())
        return all(p in present for p in self.roster)

    def params(self, name: str) -> Optional[dict]:
        if name not in self._params:
            import duckdb

            con = duckdb.connect()
            try:
                read = _table(con, self.table(name), None)
            finally:
                con.close()
            self._params[name] = {f: column[0] for f, column in read.columns.items()} if len(read) else None
        return self._params[name]


# ---------------------------------------------------------------- reading

def _decline_unread(schemas: Sequence[InputSchema]) -> None:
    """What only the Python loader reads: inputs placed in periods, percent(points) columns."""
    if any(s.period_field is not None or any(f.type == PERIOD for f in s.fields) for s in schemas):
        raise Declined("inputs placed in periods")
    if any(f.points for s in schemas for f in s.fields):
        raise Declined("a percent(points) column")


def read_folder(folder: Path, shown: str, schemas: Sequence[InputSchema], currency: str) -> Columnar:
    """A folder of CSV files checked for DuckDB's reading; raises `Declined` when the Python loader must read it."""
    _decline_unread(schemas)
    import duckdb

    con = duckdb.connect()
    try:
        tables = {s.name: _input(folder, shown, s, currency) for s in schemas}
        roster = _roster(con, schemas, tables)
    except duckdb.Error as exc:  # e.g. a row DuckDB cannot split: the Python reader says where and why
        raise Declined(str(exc)) from None
    finally:
        con.close()
    return Columnar(tables, roster)


def _input(folder: Path, shown: str, schema: InputSchema, currency: str) -> CsvInput:
    """NAME.csv, or else NAME.parquet, as the Python loader looks for them."""
    csv_path = folder / f"{schema.name}.csv"
    if os.path.lexists(csv_path) or not os.path.lexists(folder / f"{schema.name}.parquet"):
        return CsvInput(schema, csv_path, os.path.join(shown, f"{schema.name}.csv"), folder, currency)
    return ParquetInput(schema, folder / f"{schema.name}.parquet", os.path.join(shown, f"{schema.name}.parquet"), folder, currency)


def _payees(con, table: CsvInput) -> list[str]:
    column = table.columns(table.schema.payee_field)[0]
    return [r[0] for r in con.execute(f"SELECT {column} FROM {table.source(con, [table.schema.payee_field])} ORDER BY _row").fetchall()]


def _roster(con, schemas: Sequence[InputSchema], tables: dict[str, CsvInput]) -> list[str]:
    """Every input checked, and the payees in the loader's order; the checks across inputs (a payee twice, or
    not on the roster: the roster is the first record input's payees) decline."""
    first = next((s for s in schemas if s.kind == InputKind.RECORD), None)
    roster = None
    if first is not None:
        tables[first.name].check(con)
        roster = _payees(con, tables[first.name])
        con.execute("CREATE TEMP TABLE roster AS SELECT unnest(?) AS payee", [roster])
    for schema in schemas:
        table = tables[schema.name]
        if schema is not first:
            table.check(con, "roster" if roster is not None else None)
        if schema.kind == InputKind.PARAMS and len(table) != 1:
            raise Declined(f"params input {schema.name} without exactly one row")
        if schema.kind == InputKind.RECORD and schema.payee_field is not None:
            table.payees = roster if schema is first else _payees(con, table)
            if len(set(table.payees)) != len(table.payees):
                raise Declined(f"a payee with two rows in {schema.name}")
    if roster is not None:
        return roster
    parts = [f"SELECT {tables[s.name].columns(s.payee_field)[0]} AS p, {k} AS k, _row FROM {tables[s.name].source(con, [s.payee_field])}"
             for k, s in enumerate(schemas) if s.kind == InputKind.TABLE and s.payee_field is not None]
    if not parts:
        return []
    query = f"SELECT p FROM ({' UNION ALL '.join(parts)}) GROUP BY p ORDER BY min(k * 4294967296 + _row)"
    return [row[0] for row in con.execute(query).fetchall()]


def read_database(path: Path, shown: str, schemas: Sequence[InputSchema], currency: str) -> Columnar:
    """A DuckDB database file, a table per input; raises `Declined` when the Python loader must read it."""
    _decline_unread(schemas)
    import duckdb

    con = duckdb.connect()
    try:
        tables = {s.name: ParquetInput(s, path, f"{shown}#{s.name}", None, currency, database=True) for s in schemas}
        roster = _roster(con, schemas, tables)
    except duckdb.Error as exc:  # e.g. an input with no table: the Python loader says which
        raise Declined(str(exc)) from None
    finally:
        con.close()
    return Columnar(tables, roster)


def _size(where: Path, schemas: Sequence[InputSchema]) -> int:
    """The bytes of the input files at `where` (a database file, or the CSV and Parquet files of a folder)."""
    if where.is_file():
        return where.stat().st_size
    return sum(p.stat().st_size for s in schemas for p in (where / f"{s.name}.csv", where / f"{s.name}.parquet") if p.is_file())


def filterable(plan) -> bool:
    """Whether a payee's lines read only that payee's rows (and those of inputs that belong to no payee):
    not so for a plan with teams, whose aggregates read the members' data."""
    from dsl import ir
    from dsl.ir.walk import plan_exprs, walk

    if plan.hierarchy is not None:
        return False
    return not any(isinstance(node, ir.TeamAggregate) for root in plan_exprs(plan) for node in walk(root))


# Below this many bytes of input files the loader reads faster than DuckDB starts: a payee's rows are filtered
# by DuckDB only above it (explaining one payee of a bundled plan stays as quick as it was).
FILTER_FROM = 4 << 20


def read_data(plan, data, *, payees: Optional[Sequence[str]] = None, columnar: bool = False, filter_from: int = FILTER_FROM):
    """`data` read by DuckDB: a `Columnar` (columnar=True), or a `Dataset` of only `payees`' rows (when the
    files hold `filter_from` bytes or more); None when the Python loader must read it (data it declines,
    small data to filter, or DuckDB not installed)."""
    where = Path(os.fspath(data))
    database = where.suffix.lower() in (".duckdb", ".db") and where.is_file()
    if not (where.is_dir() or database) or not (columnar or (payees is not None and filterable(plan))):
        return None
    if not columnar and _size(where, plan.inputs) < filter_from:
        return None
    try:
        import duckdb  # noqa: F401  (the optional `sql` extra)
    except ImportError:
        return None
    try:
        read = read_database if database else read_folder
        found = read(where, os.fspath(data), plan.inputs, plan.currency)
    except Declined:
        return None
    if columnar:
        return found
    return found.to_dataset(payees)


__all__ = ["Columnar", "ColumnarFacts", "CsvInput", "Declined", "filterable", "read_data", "read_folder", "SPACES"]
