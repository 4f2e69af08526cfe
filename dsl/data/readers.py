"""Reading a plan's input data into typed, exact tables.

This module owns the edge between data files and the evaluator. It finds each
declared input (`NAME.csv` in a directory, a sheet of an .xlsx workbook, a key
of a JSON object, the rows of a plan test, or the rows or columns a program
passes: `dataset_from_rows`), matches columns to declared
fields, turns every cell into a typed value (Decimal, bool, date or str; never
a binary float: Excel numbers are taken from the text stored in the sheet XML,
JSON numbers are parsed straight into Decimal), fills declared defaults, settles
the roster of payees, and reports every problem as a D001–D006 diagnostic that
points at the file, row and column. Bad data never raises.
"""
from __future__ import annotations

import codecs
import csv
import datetime
import io
import json
import os
import posixpath
import re
import stat
import zipfile
import zlib
from decimal import ROUND_FLOOR, Decimal
from pathlib import Path
from typing import Callable, Iterable, Mapping, Sequence
from xml.etree import ElementTree as ET

import attrs

from dsl.core.diagnostics import DATA_COLUMN, DATA_DUPLICATE, DATA_FORMAT, DATA_MISSING, DATA_PAYEE, DATA_VALUE, REGISTRY, Diagnostic, diagnostic, did_you_mean, has_errors
from dsl.core.perf import paused_gc
from dsl.core.source import Span
from dsl.core.types import BOOL, DATE, INT, NUMBER, PAYEE, PERCENT, PERIOD, TEXT, EnumType, FieldSchema, InputSchema, MoneyType, PeriodUnit
from dsl.core.periods import parse_period, period_of
from dsl.core.numeric import admit, parse_amount
from dsl.core.spreadsheet import column_letters, column_number
from dsl.data.dataset import Dataset, Table

MAX_ERRORS = 50  # per input; the rest become one "... and N more" diagnostic






# ---------------------------------------------------------------- cells

_TRUE, _FALSE = {"true", "yes", "y", "1", "是", "对"}, {"false", "no", "n", "0", "否", "错"}
_DATES = [re.compile(p) for p in (r"(\d{4})-(\d{1,2})-(\d{1,2})", r"(\d{4})/(\d{1,2})/(\d{1,2})", r"(\d{4})年(\d{1,2})月(\d{1,2})日")]


class _Bad(str):
    """A cell that holds no usable value (an Excel error like #N/A, an impossible day number)."""


def parse_cell(text: str, field: FieldSchema, currency: str) -> object:
    """Read the text of one cell as `field`'s declared type, exactly.

    Raises ValueError with a message quoting the text, e.g. "'12o0' is not a number".
    """
    t, s = field.type, text.strip()
    if not s:
        raise ValueError("empty cell")
    if t in (TEXT, PAYEE):
        return s
    if isinstance(t, EnumType):
        if s in t.values:
            return s
        raise ValueError(f"'{s}' is not one of {_listing(t.values)}")
    if t == BOOL:
        if s.lower() in _TRUE | _FALSE:
            return s.lower() in _TRUE
        raise ValueError(f"'{s}' is not true/false (also accepted: yes/no, y/n, 1/0, 是/否, 对/错)")
    if t == DATE:
        for form in _DATES:
            if match := form.fullmatch(s):
                try:
                    return datetime.date(*map(int, match.groups()))
                except ValueError:
                    raise ValueError(f"'{s}' is not a real date") from None
        raise ValueError(f"'{s}' is not a date (write YYYY-MM-DD)")
    if t == PERIOD:
        return parse_period(s.replace("/", "-"))  # PeriodError is a ValueError that says what a period looks like
    if isinstance(t, MoneyType) or t in (NUMBER, PERCENT, INT):
        value, code, is_percent = parse_amount(s.replace("％", "%"))  # AmountError is a ValueError
        return _number(value, code, is_percent, field, currency, s)
    raise ValueError(f"a column of type {t} cannot be read from data")


def _number(value: Decimal, code: str | None, is_percent: bool, field: FieldSchema, currency: str, shown: str) -> Decimal:
    t = field.type
    if isinstance(t, MoneyType):
        want = t.currency or currency
        if is_percent:
            raise ValueError(f"'{shown}' is a percent, not an amount of money")
        if code and code != want:
            raise ValueError(f"'{shown}' is in {code}, but this column is in {want}")
        return value
    if code:
        raise ValueError(f"'{shown}' is an amount of {code}, not a plain {t}")
    if t == PERCENT:
        if not is_percent and field.points:
            return admit(value.scaleb(-2), shown)  # percent(points): 85 is 85%
        if not is_percent:
            raise ValueError(f"'{shown}' has no % sign; write 85% rather than 0.85 or 85, so the reader cannot mistake it "
                             "(or declare the column percent(points) if the data writes 85 for 85%)")
        return value
    if is_percent:
        raise ValueError(f"'{shown}' is a percent, not a {t}")
    if t == INT:
        if value != value.to_integral_value():
            raise ValueError(f"'{shown}' is not a whole number")
        return value.to_integral_value()
    return value


def _convert(value: object, field: FieldSchema, currency: str) -> object:
    """A cell that is text to parse, or already a value (Excel, JSON, plan tests)."""
    t = field.type
    if isinstance(value, _Bad):
        raise ValueError(str(value))
    if isinstance(value, str):
        return parse_cell(value, field, currency)
    if isinstance(value, bool):
        if t == BOOL:
            return value
        raise ValueError(f"{str(value).lower()} is a true/false value, not a {t}")
    if isinstance(value, float):
        raise ValueError(f"{value!r} is a binary float; give exact numbers as Decimal or text")
    if isinstance(value, int):
        value = Decimal(value)
    if isinstance(value, Decimal):
        if isinstance(t, MoneyType) or t in (NUMBER, PERCENT, INT):
            value = admit(value, str(value))  # more than 18 places or beyond 10^20: rejected (AmountError is a ValueError)
        shown = f"{value:f}" if value.is_finite() and abs(value.adjusted()) < 100 else str(value)
        if not value.is_finite():
            raise ValueError(f"'{shown}' is not a finite number")
        if t in (TEXT, PAYEE) or isinstance(t, EnumType):
            return parse_cell(shown, field, currency)  # an employee id 1001 is the text '1001'
        if t == BOOL and value in (0, 1):
            return value == 1
        if isinstance(t, MoneyType) or t in (NUMBER, PERCENT, INT):
            # A stored number in a percent column is the fraction: Excel keeps 85% as 0.85; in a
            # percent(points) column it is the points the data writes (85 for 85%).
            return _number(value, None, t == PERCENT and not field.points, field, currency, shown)
        raise ValueError(f"'{shown}' is a number, not a {t}")
    if isinstance(value, datetime.date) and not isinstance(value, datetime.datetime):
        if t == PERIOD:  # a date where a period is expected is the day; it lies in the month that holds it
            return period_of(PeriodUnit.DAY, value)
        if t in (DATE, TEXT):
            return value if t == DATE else value.isoformat()
        raise ValueError(f"{value.isoformat()} is a date, not a {t}")
    raise ValueError(f"{value!r} is not a single value")


# At most 20 digits before the point and 18 after: always within the numeric
# policy; longer cells take the full parser, which rejects what does not fit.
_PLAIN_DECIMAL = re.compile(r"-?\d{1,20}(?:\.\d{1,18})?")
_PLAIN_INTEGER = re.compile(r"-?\d{1,20}")
_SLOW = object()


def _fast_path(field: FieldSchema):
    """A converter for the common, plain form of a cell (`1200000.00`, `甲`, `true`).

    It returns _SLOW for anything else, which then takes the full parser with its
    messages. Large files spend most of their time here, so this is worth having.
    """
    t = field.type
    if isinstance(t, MoneyType) or t == NUMBER:
        match = _PLAIN_DECIMAL.fullmatch
        return lambda text: Decimal(text) if match(text) else _SLOW
    if t == INT:
        match = _PLAIN_INTEGER.fullmatch
        return lambda text: Decimal(text) if match(text) else _SLOW
    if t in (TEXT, PAYEE):
        return lambda text: text if text and not text[0].isspace() and not text[-1].isspace() else _SLOW
    if t == BOOL:
        known = {"true": True, "false": False}
        return lambda text: known.get(text, _SLOW)
    return None


def _is_empty(value: object) -> bool:
    return value is None or (isinstance(value, str) and not isinstance(value, _Bad) and not value.strip())


def _listing(names: Sequence[str]) -> str:
    return ", ".join(f"'{n}'" for n in names) or "(none)"


def _at(file: str, line: int, column: int, end_column: int | None = None) -> Span:
    return Span(file, line, column, line, end_column or column)


# ---------------------------------------------------------------- raw inputs

class _Unreadable(Exception):
    """A whole file or input cannot be read; becomes one D006 (at `span` when one place is to blame)."""

    def __init__(self, message: str, span: Span | None = None):
        super().__init__(message)
        self.span = span


@attrs.define
class _Raw:
    """One input as found in its source, before typing."""

    file: str  # the file named in spans
    where: str  # how messages name the input
    header: dict[str, tuple[str, int]] | None  # name -> (label, 1-based index); None: rows carry their own keys
    header_line: int = 0
    rows: list[tuple[int, dict[str, tuple[object, int]]]] = attrs.Factory(list)  # (row, name -> (value, column))
    repeated: dict[str, list[str]] = attrs.Factory(dict)  # header names seen more than once -> labels
    problems: list[Diagnostic] = attrs.Factory(list)
    named: str = ""  # input name to put in cell messages when the file name does not say it


def _grid(file: str, records: list[tuple[int, dict[int, object]]], label: Callable[[int], str]) -> _Raw:
    """A header row and data rows (row number, column index -> value) from CSV or a sheet."""
    if not records:
        raise _Unreadable(f"{file} is empty: it has no header row")
    raw = _Raw(file, file, {}, records[0][0])
    for index, cell in sorted(records[0][1].items()):
        name = (f"{cell:f}" if isinstance(cell, Decimal) else str(cell if cell is not None else "")).strip()
        if name in raw.header:
            raw.repeated.setdefault(name, [raw.header[name][0]]).append(label(index))
        elif name:
            raw.header[name] = (label(index), index)
    raw.rows = [(n, {name: (cells.get(i), i) for name, (_, i) in raw.header.items()}) for n, cells in records[1:]]
    return raw


# ---------------------------------------------------------------- files

def _file_bytes(path: Path, file: str, folder: Path | None = None, check_only: bool = False) -> bytes | None:
    """The bytes of one data file, or None if there is no such file.

    Only a regular file is read: a directory, device, FIFO or socket is refused by
    its type (a FIFO would block the run for ever, /dev/zero would never end). A
    file of a data folder must also resolve inside that folder, so a symbolic link
    cannot bring in a file from elsewhere, and no message can quote one.
    """
    if folder is not None:
        real, home = os.path.realpath(path), os.path.realpath(folder)
        if os.path.lexists(path) and os.path.commonpath([real, home]) != home:
            raise _Unreadable(f"{file} is a link to {real}, outside the data folder {folder}: only files inside "
                              "the folder are read; copy the file into it instead")
    try:
        handle = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    except FileNotFoundError:
        if os.path.lexists(path):
            raise _Unreadable(f"{file} is a link to a file that does not exist") from None
        return None
    except OSError as exc:
        raise _Unreadable(f"{file} cannot be read: {exc.strerror or exc}") from None
    try:
        kind = os.fstat(handle).st_mode
        if not stat.S_ISREG(kind):
            what = ("a directory" if stat.S_ISDIR(kind) else "a named pipe (FIFO)" if stat.S_ISFIFO(kind)
                    else "a device" if stat.S_ISCHR(kind) or stat.S_ISBLK(kind) else "a socket" if stat.S_ISSOCK(kind)
                    else "not a regular file")
            raise _Unreadable(f"{file} is {what}, not a data file")
        if check_only:  # a file DuckDB reads itself (Parquet, a database): its kind and place are what is checked
            return b""
        with os.fdopen(handle, "rb", closefd=False) as stream:
            return stream.read()
    except OSError as exc:
        raise _Unreadable(f"{file} cannot be read: {exc.strerror or exc}") from None
    finally:
        os.close(handle)


def _clip(text: str, room: int = 40) -> str:
    """Cell text as a message quotes it: at most `room` characters."""
    return text if len(text) <= room else text[: room - 1] + "…"


def _place(text: str, offset: int, cells: bool) -> tuple[int, int]:
    """(line, column) of a character offset; with `cells`, the column is the CSV cell it falls in."""
    line = text.count("\n", 0, offset) + 1
    start = text.rfind("\n", 0, offset) + 1
    if not cells:
        return line, offset - start + 1
    column, quoted = 1, False
    for ch in text[start:offset]:
        if ch == '"':
            quoted = not quoted
        elif ch == "," and not quoted:
            column += 1
    return line, column


def _looks_like_big5(data: bytes, text: str) -> bool:
    """Traditional Chinese in Big5 is often valid GB18030 too, but reads as a jumble
    of rare characters, kana and private-use code points: in real GB18030 text
    almost every character is one of GB2312's common ones."""
    wide = [c for c in text if ord(c) > 0x7F]
    if not wide:
        return False
    try:
        data.decode("big5")
    except UnicodeDecodeError:
        return False
    rare = 0
    for c in wide:
        try:
            c.encode("gb2312")
        except UnicodeEncodeError:
            rare += 1
    return rare * 4 > len(wide)


def _guess_encoding(data: bytes) -> str:
    try:
        if _looks_like_big5(data, data.decode("gb18030")):
            return "Big5 (Traditional Chinese)"
    except UnicodeDecodeError:
        pass
    try:
        data.decode("big5")
        return "Big5 (Traditional Chinese)"
    except UnicodeDecodeError:
        pass
    high = [i for i, b in enumerate(data) if b > 0x7F]
    if high and all(i + 1 >= len(data) or data[i + 1] < 0x80 for i in high):
        return "Latin-1 or Windows-1252 (Western European)"
    return "an encoding this tool does not read"


def encoding_problem(encoding: str | None) -> str | None:
    """Why `encoding` (what `--encoding` names) cannot be used, or None when it can."""
    if encoding is None:
        return None
    try:
        codecs.lookup(encoding)
    except LookupError:
        return f"unknown encoding {encoding!r}: name a text encoding such as utf-8, gb18030, big5, latin-1 or cp1252"
    try:
        b"a".decode(encoding)
    except UnicodeDecodeError:
        pass
    except LookupError:  # a bytes-to-bytes codec (hex, zlib, …)
        return f"{encoding!r} is not a text encoding: name one such as utf-8, gb18030, big5, latin-1 or cp1252"
    return None


def _decode(data: bytes, file: str, cells: bool, encoding: str | None = None) -> str:
    """Data text: UTF-8 (with or without a BOM) or GB18030 (what Excel on Chinese Windows writes),
    or exactly the `encoding` the caller names (`--encoding big5`).

    Anything else is refused, naming the encoding it looks like and where its first
    byte that is not UTF-8 stands; it is never read as mojibake.
    """
    if encoding is not None:
        name = codecs.lookup(encoding).name
        try:
            return data.decode("utf-8-sig" if name == "utf-8" else name)
        except UnicodeDecodeError as exc:
            before = data[:exc.start].decode(name, errors="replace")
            line, column = _place(before, len(before), cells)
            where = f"row {line}, column {column}" if cells else f"line {line}, column {column}"
            raise _Unreadable(f"{file} is not {encoding} text: byte 0x{data[exc.start]:02x} at {where} cannot be read "
                              f"as {encoding}", _at(file, line, column)) from None
    if data[:4] in (b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff") or data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        kind = "UTF-32" if data[:4] in (b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff") else "UTF-16"
        raise _Unreadable(f"{file} is {kind} text; save it as UTF-8 (or GB18030)", _at(file, 1, 1))
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        bad = exc.start
    try:
        text = data.decode("gb18030")
        if not _looks_like_big5(data, text):
            return text
    except UnicodeDecodeError:
        pass
    before = data[:bad].decode("utf-8-sig", errors="replace")
    line, column = _place(before, len(before), cells)
    where = f"row {line}, column {column}" if cells else f"line {line}, column {column}"
    raise _Unreadable(f"{file} is neither UTF-8 nor GB18030 text (it looks like {_guess_encoding(data)}): byte "
                      f"0x{data[bad]:02x} at {where} cannot be read; save the file as UTF-8", _at(file, line, column))


def _quote_problem(text: str, first: int) -> tuple[int, int, str] | None:
    """Where the record starting on line `first` breaks the quoting rules: (line, column, what)."""
    lines = io.StringIO(text, newline="").readlines()  # split as the csv reader splits them
    column, fresh, quoted, opened = 1, True, False, (first, 1)
    for number in range(first, len(lines) + 1):
        line, i = lines[number - 1], 0
        while i < len(line):
            ch = line[i]
            if quoted:
                if ch == '"' and line.startswith('"', i + 1):
                    i += 1
                elif ch == '"':
                    quoted = False
                    if line[i + 1 : i + 2] not in ("", ",", "\r", "\n"):
                        return number, column, "text follows the closing quote of this quoted cell; inside quotes, write a quote as \"\""
            elif ch == '"' and fresh:
                quoted, opened = True, (number, column)
            elif ch == ",":
                column, fresh = column + 1, True
                i += 1
                continue
            elif ch in "\r\n":
                return None
            fresh = False
            i += 1
    if quoted:
        return (*opened, "the quote that opens this cell is never closed, so every later line would be read into "
                "this one cell; add the closing quote")
    return None


def _long_cell(text: str, line: int) -> tuple[int, int, str] | None:
    """The cell of `line` longer than the csv reader takes (131,072 characters), if any."""
    lines = io.StringIO(text, newline="").readlines()
    cells = lines[line - 1].split(",") if line <= len(lines) else []
    limit = csv.field_size_limit()
    column = next((i for i, cell in enumerate(cells, 1) if len(cell) > limit), None)
    return None if column is None else (line, column, f"the cell is longer than {limit:,} characters")


def _read_csv(path: Path, file: str, folder: Path, encoding: str | None = None) -> _Raw | None:
    data = _file_bytes(path, file, folder)
    if data is None:
        return None
    text = _decode(data, file, cells=True, encoding=encoding)
    nul = text.find("\x00")
    if nul != -1:
        line, column = _place(text, nul, True)
        raise _Unreadable(f"{file} row {line}, column {column} holds a NUL character (byte 0x00): the file is damaged "
                          "or is not text", _at(file, line, column))
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    records, problems, end, header = [], [], 0, None
    try:
        for cells in reader:
            start, end = end + 1, reader.line_num  # a quoted cell may span several physical lines
            if not any(c.strip() for c in cells):
                continue
            if header is None:
                header = cells
            elif len(cells) != len(header):
                problems.append(_width_problem(file, start, cells, header))
                continue  # a row whose cells cannot be matched to columns is not read at all
            records.append((start, dict(enumerate(cells, 1))))
    except csv.Error as exc:
        found = _quote_problem(text, end + 1) or _long_cell(text, end + 1)
        if found is None:
            raise _Unreadable(f"{file} row {end + 1} is not valid CSV: {exc}", _at(file, end + 1, 1)) from None
        line, column, what = found
        named = f" ('{_clip(header[column - 1])}')" if header and column <= len(header) else ""
        raise _Unreadable(f"{file} row {line}, column {column}{named}: {what}", _at(file, line, column)) from None
    raw = _grid(file, records, str)
    raw.problems += problems
    return raw


# ---------------------------------------------------------------- columnar files: Parquet, a DuckDB database

# Binary floats: never read as money, a percent or any number (DESIGN.md's numeric policy).
_FLOAT_TYPES = ("FLOAT", "DOUBLE", "REAL", "FLOAT4", "FLOAT8")


def _columnar_raw(con, relation: str, file: str, schema: InputSchema) -> _Raw:
    """An input held in typed columns (a Parquet file, a database table), read by DuckDB into Python values:
    DECIMAL → Decimal, integers → int, VARCHAR → text for the cell grammar, DATE → date, BOOLEAN → bool.

    Rows are numbered from 1 in the file's order and columns by position; a number column stored as a binary
    float is refused as a whole, naming the file and the column.
    """
    described = con.execute(f"DESCRIBE SELECT * FROM {relation}").fetchall()
    names, types = [row[0] for row in described], [str(row[1]).upper() for row in described]
    _refuse_floats(file, file, [(i, name, kind) for i, (name, kind) in enumerate(zip(names, types), 1) if kind in _FLOAT_TYPES],
                   schema, "store money, percents and numbers as DECIMAL (e.g. DECIMAL(18, 2)), as integers or as text")
    return _named_columns(file, file, names, con.execute(f"SELECT * FROM {relation}").fetchall())


def _refuse_floats(file: str, where: str, floats: Sequence[tuple[int, str, str]], schema: InputSchema, advice: str) -> None:
    """Refuse, as a whole, the columns of `floats` (position, name, type: those stored as binary floats) that
    `schema` reads as money, a percent or a number; the message names the input and the columns, then `advice`."""
    numeric = {f.name for f in schema.fields if isinstance(f.type, MoneyType) or f.type in (NUMBER, PERCENT, INT)}
    refused = [(i, name, kind) for i, name, kind in floats if name.strip() in numeric]
    if refused:
        i, name, kind = refused[0]
        listed = ", ".join(f"'{_clip(n)}' ({k})" for _, n, k in refused)
        raise _Unreadable(f"{where} column {i} {listed} holds binary floating-point numbers, which are not exact: {advice}",
                          _at(file, 1, i))


def _named_columns(file: str, where: str, names: Sequence[str], rows: Iterable[Sequence[object]]) -> _Raw:
    """An input held in named columns (a Parquet file, a database table, a data frame): rows numbered from 1
    in their order, columns by position; a name given twice is reported when the column is read (`_build`)."""
    raw = _Raw(file, where, {}, 1)
    for i, name in enumerate(names, 1):
        key = name.strip()
        if key in raw.header:
            raw.repeated.setdefault(key, [raw.header[key][0]]).append(name)
        elif key:
            raw.header[key] = (name, i)
    wanted = [(key, index) for key, (_, index) in raw.header.items()]
    for number, row in enumerate(rows, 1):
        raw.rows.append((number, {key: (row[index - 1], index) for key, index in wanted}))
    return raw


def _duckdb(file: str):
    """DuckDB, which reads Parquet files and databases (the optional `sql` extra)."""
    try:
        import duckdb
    except ImportError:
        raise _Unreadable(f"{file} is read with DuckDB, which is not installed: install the `sql` extra (pip install 'plan-dsl[sql]')") from None
    return duckdb


def _read_parquet(path: Path, file: str, folder: Path, schema: InputSchema) -> _Raw | None:
    if _file_bytes(path, file, folder, check_only=True) is None:
        return None
    duckdb = _duckdb(file)

    con = duckdb.connect()
    try:
        return _columnar_raw(con, f"read_parquet({_sql_text(str(path))})", file, schema)
    except duckdb.Error as exc:
        raise _Unreadable(f"{file} is not a readable Parquet file ({_clip(str(exc).splitlines()[0], 120)})") from None
    finally:
        con.close()


def _sql_text(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _duckdb_tables(path: Path, shown: str) -> list[str]:
    duckdb = _duckdb(shown)

    try:
        con = duckdb.connect(str(path), read_only=True)
    except duckdb.Error as exc:
        raise _Unreadable(f"{shown} is not a readable DuckDB database ({_clip(str(exc).splitlines()[0], 120)})") from None
    try:
        return [row[0] for row in con.execute("SELECT table_name FROM information_schema.tables ORDER BY table_name").fetchall()]
    finally:
        con.close()


def _read_duckdb_table(path: Path, shown: str, schema: InputSchema) -> _Raw:
    duckdb = _duckdb(shown)

    con = duckdb.connect(str(path), read_only=True)
    try:
        return _columnar_raw(con, '"' + schema.name.replace('"', '""') + '"', f"{shown}#{schema.name}", schema)
    finally:
        con.close()


def _width_problem(file: str, row: int, cells: list[str], header: list[str]) -> Diagnostic:
    """A row with more or fewer cells than the header: never shortened or padded silently."""
    have, want = len(cells), len(header)
    if have > want:
        extra = _clip(",".join(cells[want:]))
        return diagnostic(DATA_FORMAT, f"{file} row {row} has {have} cells but the header has {want} columns: "
                          f"'{extra}' from column {want + 1} on belongs to no column", _at(file, row, want + 1),
                          hint='a value holding a comma, like 1,200,000.00, must be quoted: "1,200,000.00"')
    missing = _listing([_clip(h) for h in header[have:]])
    return diagnostic(DATA_FORMAT, f"{file} row {row} has {have} cells but the header has {want} columns: "
                      f"no cell for {missing}", _at(file, row, have + 1),
                      hint="give every row one cell per column (an empty cell is two commas in a row)")


def _keyed(file: str, where: str, schema: InputSchema, value: object) -> _Raw:
    """Rows given as objects with named fields (JSON, plan tests)."""
    if isinstance(value, dict) and schema.kind == "params":
        value = [value]
    if not isinstance(value, list):
        raise _Unreadable(f"{where} must be {'an object' if schema.kind == 'params' else 'an array of objects'}")
    raw = _Raw(file, where, None)
    for number, item in enumerate(value, 1):
        for key, index in getattr(item, "twice", ()):
            raw.problems.append(diagnostic(DATA_FORMAT, f"{where} row {number} gives the field '{_clip(key)}' twice, so "
                                           "which to read is unclear", _at(file, number, index)))
        if isinstance(item, dict):
            raw.rows.append((number, {str(k).strip(): (v, i) for i, (k, v) in enumerate(item.items(), 1)}))
        else:
            raw.problems.append(diagnostic(DATA_VALUE, f"{where} row {number} is not an object of named fields", _at(file, number, 1)))
    return raw


def _no_constant(name: str):
    raise ValueError(f"{name} is not an exact number")


# A number as a file format stores it (JSON, a sheet's <v>): sign, at most 64 digits
# either side of the point, an exponent of at most 6 digits. Anything longer is far
# beyond the numeric policy, and is refused before Decimal or int sees it, so no
# text makes reading slow (1e999999999, a million digits).
_STORED_NUMBER = re.compile(r"[-+]?(?:\d{1,64}(?:\.\d{0,64})?|\.\d{1,64})(?:[eE][-+]?\d{1,6})?")


def _stored_number(text: str) -> Decimal | _Bad:
    if _STORED_NUMBER.fullmatch(text):
        return Decimal(text)
    if re.fullmatch(r"[-+]?[\d.]+(?:[eE][-+]?\d+)?", text):
        return _Bad(f"the number '{_clip(text)}' ({len(text)} characters) is far beyond the numeric policy "
                    "(|value| < 10^20, at most 18 decimal places)")
    return _Bad(f"'{_clip(text)}' is not a number")


class _Object(dict):
    """A JSON object; `twice` lists the keys it gives more than once, with their positions."""

    twice: tuple = ()


def _object(pairs) -> _Object:
    found, twice = _Object(), []
    for index, (key, value) in enumerate(pairs, 1):
        if key in found:
            twice.append((key, index))
        else:
            found[key] = value
    found.twice = tuple(twice)
    return found


def _read_json(text: str, shown: str) -> object:
    try:
        data = json.loads(text, parse_float=_stored_number, parse_int=_stored_number, parse_constant=_no_constant,
                          object_pairs_hook=_object)
    except json.JSONDecodeError as exc:
        raise _Unreadable(f"{shown} is not valid JSON: {exc}", _at(shown, exc.lineno, exc.colno)) from None
    except RecursionError:  # the C scanner's own limit, met long before any input of rows needs it
        raise _Unreadable(f"{shown} nests arrays or objects too deeply to be input rows") from None
    except ValueError as exc:
        raise _Unreadable(f"{shown} is not valid JSON: {exc}") from None
    for key, _ in getattr(data, "twice", ()):
        line, column = 1, 1
        places = [m.start() for m in re.finditer(re.escape(json.dumps(key, ensure_ascii=False)) + r"\s*:", text)]
        if len(places) > 1:
            line, column = _place(text, places[1], False)
        raise _Unreadable(f"{shown} gives the key '{_clip(key)}' twice, so which to read is unclear", _at(shown, line, column))
    return data


# Excel: the sheet XML is read directly so each number's stored text becomes the Decimal.
_BUILTIN_DATES = {*range(14, 23), *range(27, 37), *range(45, 48), *range(50, 59)}
_CORRUPT = (OSError, EOFError, KeyError, IndexError, ValueError, ArithmeticError, TypeError, AttributeError,
            RuntimeError, StopIteration, ET.ParseError, zipfile.BadZipFile, zlib.error)


def _kids(element, name: str) -> list:
    return [child for child in element if child.tag.rsplit("}", 1)[-1] == name]


def _string(element) -> str:
    """A shared or inline string: plain <t>, or rich-text runs <r><t>; phonetic hints <rPh> skipped."""
    return "".join(t.text or "" for t in _kids(element, "t") + [t for r in _kids(element, "r") for t in _kids(r, "t")])


def _is_date_format(code: str) -> bool:
    bare = re.sub(r'"[^"]*"|\[[^\]]*\]|\\.|_.|\*.', "", code)  # drop literals, colours, locales, padding
    return bool(re.search(r"[dmyhs]", bare, re.IGNORECASE))


class _Workbook:
    def __init__(self, book: zipfile.ZipFile, shown: str):
        self.zip, self.shown = book, shown
        workbook = self._xml("xl/workbook.xml")
        rels = {r.get("Id"): r for r in self._xml("xl/_rels/workbook.xml.rels")}
        by_type = {r.get("Type", "").rsplit("/", 1)[-1]: self._target(r.get("Target")) for r in rels.values()}
        self.sheets = {s.get("name"): self._target(rels[next(v for k, v in s.attrib.items() if k.endswith("}id"))].get("Target"))
                       for sheets in _kids(workbook, "sheets") for s in _kids(sheets, "sheet")}
        self.date1904 = any(p.get("date1904") in ("1", "true") for p in _kids(workbook, "workbookPr"))
        self.strings = [_string(si) for si in self._xml(by_type["sharedStrings"])] if "sharedStrings" in by_type else []
        self.date_styles: set[int] = set()
        if "styles" in by_type:
            styles = self._xml(by_type["styles"])
            codes = {int(f.get("numFmtId")): f.get("formatCode", "") for n in _kids(styles, "numFmts") for f in n}
            formats = [int(xf.get("numFmtId", "0")) for n in _kids(styles, "cellXfs") for xf in n]
            self.date_styles = {i for i, f in enumerate(formats) if (_is_date_format(codes[f]) if f in codes else f in _BUILTIN_DATES)}

    def _xml(self, member: str):
        return ET.fromstring(self.zip.read(member))

    @staticmethod
    def _target(target: str) -> str:
        return target.lstrip("/") if target.startswith("/") else posixpath.normpath("xl/" + target)

    def read(self, schema: InputSchema) -> _Raw | None:
        if schema.name not in self.sheets:
            return None
        shown = f"{self.shown}#{schema.name}"
        try:
            sheet, records, number = self._xml(self.sheets[schema.name]), [], 0
            problems = [self._merged(shown, ref) for merged in _kids(sheet, "mergeCells") for m in _kids(merged, "mergeCell")
                        if (ref := m.get("ref") or "")]
            for row in (r for data in _kids(sheet, "sheetData") for r in _kids(data, "row")):
                number, cells, column = int(row.get("r") or number + 1), {}, 0
                for cell in _kids(row, "c"):
                    ref = re.match(r"[A-Za-z]*", cell.get("r") or "").group()
                    column = column_number(ref) if ref else column + 1
                    cells[column] = self._value(cell)
                if not all(_is_empty(v) for v in cells.values()):  # skip empty rows, e.g. trailing styled ones
                    records.append((number, cells))
        except _CORRUPT as exc:
            raise _Unreadable(f"sheet '{schema.name}' of {self.shown} is corrupt: {exc}") from None
        raw = _grid(shown, records, column_letters)
        raw.problems += problems
        return raw

    @staticmethod
    def _merged(shown: str, ref: str) -> Diagnostic:
        """A merged range: Excel keeps its value in the first cell only, so the others would read as empty."""
        first = ref.split(":")[0]
        match = re.fullmatch(r"([A-Za-z]{1,3})(\d{1,7})", first)
        span = _at(shown, int(match[2]), column_number(match[1])) if match else None
        return diagnostic(DATA_FORMAT, f"{shown} cells {_clip(ref)} are merged: a merged cell keeps its value only in "
                          f"{_clip(first)}, so the other cells would read as empty", span,
                          hint="unmerge the cells and fill in each one")

    def _value(self, cell) -> object:
        kind = cell.get("t", "n")
        if kind == "inlineStr":
            return "".join(_string(s) for s in _kids(cell, "is"))
        v = next((e.text or "" for e in _kids(cell, "v")), None)
        if v is None:
            return None
        if kind == "s":
            return self.strings[int(v)]
        if kind == "str":  # a formula's text result
            return v
        if kind == "b":
            return v.strip() in ("1", "true")
        if kind == "e":
            return _Bad(f"the cell holds the Excel error {v}")
        if kind == "d":
            try:
                return datetime.date.fromisoformat(v.strip()[:10])
            except ValueError:
                return _Bad(f"'{v}' is not a date")
        number = _stored_number(v.strip())  # the stored text, exactly
        if isinstance(number, _Bad):
            return number
        return self._day(number) if int(cell.get("s", "0")) in self.date_styles else number

    def _day(self, serial: Decimal) -> object:
        """An Excel day number as a date (a time of day, if any, is not part of the date)."""
        if serial.adjusted() > 7:  # far beyond any real day number: no huge integer is built
            return _Bad(f"Excel day number {serial} is not a real date")
        day = int(serial.to_integral_value(rounding=ROUND_FLOOR))
        if self.date1904 and 0 <= day <= 2957003:
            return datetime.date(1904, 1, 1) + datetime.timedelta(days=day)
        if not self.date1904 and 0 < day <= 2958465 and day != 60:  # 60 is Excel's phantom 1900-02-29
            return datetime.date(1899, 12, 31 if day < 60 else 30) + datetime.timedelta(days=day)
        return _Bad(f"Excel day number {serial} is not a real date")


# ---------------------------------------------------------------- loading

@attrs.define
class _Source:
    read: Callable[[InputSchema], _Raw | None]  # None: the input is absent; may raise _Unreadable
    missing: Callable[[str], str]  # the D001 message for an absent input
    names: list[str]  # what is there, for did-you-mean


def load_data(path, schemas: Sequence[InputSchema], currency: str,
              encoding: str | None = None) -> tuple[Dataset | None, list[Diagnostic]]:
    """Read every input of a plan from a CSV folder (NAME.csv, or NAME.parquet), an .xlsx workbook, a .json file
    or a DuckDB database (a table per input). Text files are UTF-8 or GB18030 unless `encoding` names
    their encoding (an unknown name is a ValueError: the caller checks it with `encoding_problem`)."""
    problem = encoding_problem(encoding)
    if problem:
        raise ValueError(problem)
    with paused_gc():
        return _load_data(path, schemas, currency, encoding)


def _load_data(path, schemas: Sequence[InputSchema], currency: str, encoding: str | None) -> tuple[Dataset | None, list[Diagnostic]]:
    shown = os.fspath(path)
    where, suffix, book = Path(shown), Path(shown).suffix.lower(), None
    try:
        if where.is_dir():
            source = _Source(lambda s: _read_csv(where / f"{s.name}.csv", os.path.join(shown, f"{s.name}.csv"), where, encoding)
                             or _read_parquet(where / f"{s.name}.parquet", os.path.join(shown, f"{s.name}.parquet"), where, s),
                             lambda n: f"input '{n}' has no data file: expected {os.path.join(shown, n + '.csv')}",
                             sorted(p.stem for pattern in ("*.csv", "*.parquet") for p in where.glob(pattern)))
        elif not where.exists():
            raise _Unreadable(f"data path {shown} does not exist")
        elif suffix in (".xlsx", ".xlsm"):
            content = _file_bytes(where, shown)
            try:
                book = zipfile.ZipFile(io.BytesIO(content))
                workbook = _Workbook(book, shown)
            except _CORRUPT as exc:
                raise _Unreadable(f"{shown} is not a readable .xlsx workbook ({exc})") from None
            source = _Source(workbook.read, lambda n: f"input '{n}' has no sheet named '{n}' in {shown}", list(workbook.sheets))
        elif suffix in (".duckdb", ".db"):
            _file_bytes(where, shown, None, check_only=True)
            names = _duckdb_tables(where, shown)
            source = _Source(lambda s: _read_duckdb_table(where, shown, s) if s.name in names else None,
                             lambda n: f"input '{n}' has no table named '{n}' in {shown}", names)
        elif suffix == ".json":
            data = _read_json(_decode(_file_bytes(where, shown), shown, cells=False, encoding=encoding), shown)
            if not isinstance(data, dict):
                raise _Unreadable(f"{shown} must hold a JSON object whose keys are input names")
            source = _Source(lambda s: _keyed(f"{shown}#{s.name}", f"{shown}#{s.name}", s, data[s.name]) if s.name in data else None,
                             lambda n: f"input '{n}' has no key '{n}' in {shown}", list(data))
        else:
            raise _Unreadable(f"{shown} is not a data source this tool reads: give a directory of CSV files, an .xlsx "
                              "workbook, a .json file or a .duckdb database" + (" (save old .xls workbooks as .xlsx)" if suffix == ".xls" else ""))
        return _assemble(schemas, source, currency)
    except _Unreadable as exc:
        return None, [diagnostic(DATA_FORMAT, str(exc), exc.span)]
    finally:
        if book is not None:
            book.close()


@attrs.frozen
class Columns:
    """One input given as named columns (a data frame): the names in order, the rows of cells in that
    order, and the columns stored as binary floats (position, name, type), refused as a whole where the
    plan reads a number (as in a Parquet file), with `advice` on what to do instead."""

    names: Sequence[str]
    rows: Iterable[Sequence[object]]
    floats: Sequence[tuple[int, str, str]] = ()
    advice: str = ""


def dataset_from_rows(values: Mapping[str, object], schemas: Sequence[InputSchema], currency: str, origin: str,
                      naming: Callable[[str], tuple[str, str]] | None = None) -> tuple[Dataset | None, list[Diagnostic]]:
    """Inputs given as Python values (a plan test's rows, rows passed by a program), typed and checked as files are.

    Each entry of `values` is an input's rows as objects with named fields (a list of mappings; one mapping
    for a plan-wide input), or its `Columns`. `naming(input)` gives the file named in spans and traces and
    how messages name the input; by default both are `origin`, the messages adding the input's name.
    """
    def read(schema: InputSchema) -> _Raw | None:
        if schema.name not in values:
            return None
        file, where = naming(schema.name) if naming else (origin, f"{origin} input '{schema.name}'")
        value = values[schema.name]
        if isinstance(value, Columns):
            _refuse_floats(file, where, value.floats, schema, value.advice)
            raw = _named_columns(file, where, value.names, value.rows)
        else:
            raw = _keyed(file, where, schema, value)
        raw.named = schema.name
        return raw

    return _assemble(schemas, _Source(read, lambda n: f"{origin} gives no rows for input '{n}'", list(values)), currency)


def _assemble(schemas: Sequence[InputSchema], source: _Source, currency: str) -> tuple[Dataset | None, list[Diagnostic]]:
    diags: list[Diagnostic] = []
    tables: dict[str, Table] = {}
    built: dict[str, tuple[_Raw, list[tuple[int, int, str]], list[Diagnostic]]] = {}
    for schema in schemas:
        try:
            raw = source.read(schema)
        except _Unreadable as exc:
            diags.append(diagnostic(DATA_FORMAT, str(exc), exc.span))
            continue
        if raw is None:
            diags.append(diagnostic(DATA_MISSING, source.missing(schema.name), hint=did_you_mean(schema.name, source.names)))
            continue
        tables[schema.name], payees, errors = _build(schema, raw, currency)
        built[schema.name] = (raw, payees, errors)

    first = next((s.name for s in schemas if s.kind == "record"), None)
    if first is None:  # no roster input: the payees of the tables, in order of first appearance
        roster = list(dict.fromkeys(p for s in schemas if s.kind == "table" and s.name in built for *_, p in built[s.name][1]))
    elif first in built:
        roster = list(dict.fromkeys(p for *_, p in built[first][1]))
        on_roster = set(roster)  # a list here made 1M rows × 10k payees a quadratic scan
        hints: dict[str, str | None] = {}  # did-you-mean is a scan of the roster: once per distinct name, and only for shown errors
        for name, (raw, payees, errors) in built.items():
            field = next(s.payee_field for s in schemas if s.name == name)
            for number, index, payee in payees if name != first else ():
                if payee not in on_roster:
                    if len(errors) < MAX_ERRORS and payee not in hints:
                        hints[payee] = did_you_mean(payee, roster)
                    errors.append(diagnostic(
                        DATA_PAYEE, f"{raw.where} row {number}, column '{field}': payee '{_clip(payee)}' is not on the roster "
                        f"(the rows of {built[first][0].where})", _at(raw.file, number, index), hint=hints.get(payee)))
    else:
        roster = []  # the roster input itself is missing, already reported

    for raw, _, errors in built.values():
        if len(errors) > MAX_ERRORS:
            rest = errors[MAX_ERRORS:]
            errors[MAX_ERRORS:] = [diagnostic(REGISTRY[rest[0].code], f"... and {len(rest)} more errors in {raw.where}")]
        diags += errors
    return (None if has_errors(diags) else Dataset(tables, roster)), diags


def _build(schema: InputSchema, raw: _Raw, currency: str) -> tuple[Table, list[tuple[int, int, str]], list[Diagnostic]]:
    """Type one input's cells; return its table, its payee cells (row, column, payee) and its errors."""
    errors, labels, rows, numbers = list(raw.problems), {}, [], []
    if raw.header is not None:  # CSV or a sheet: columns are settled once, by the header
        present, last = list(raw.header), max((i for _, i in raw.header.values()), default=1)
        for f in schema.fields:
            if f.name in raw.header:
                labels[f.name], index = raw.header[f.name]
                if f.name in raw.repeated:
                    errors.append(diagnostic(DATA_COLUMN, f"{raw.where} has column '{f.name}' more than once (columns "
                                             f"{', '.join(raw.repeated[f.name])}), so which to read is unclear",
                                             _at(raw.file, raw.header_line, index)))
            elif not f.has_default:
                errors.append(diagnostic(DATA_COLUMN, f"{raw.where} has no column '{f.name}'; columns present: {_listing(present)}",
                                         _at(raw.file, raw.header_line, 1, last), hint=did_you_mean(f.name, present)))
    else:  # objects: each row has its own keys
        present = list(dict.fromkeys(k for _, cells in raw.rows for k in cells))
        for f in schema.fields:
            lacking = [n for n, cells in raw.rows if f.name not in cells]
            if len(lacking) < len(raw.rows):
                labels[f.name] = f.name
            everywhere = len(lacking) == len(raw.rows)
            for n in (lacking[:1] if everywhere else lacking) if not f.has_default else ():
                errors.append(diagnostic(DATA_COLUMN, f"{raw.where} {'has' if everywhere else f'row {n} has'} no field "
                                         f"'{f.name}'; fields present: {_listing(present)}", _at(raw.file, n, 1),
                                         hint=did_you_mean(f.name, present)))

    payees: list[tuple[int, int, str]] = []
    first_row: dict[str, int] = {}
    prefix = "input '{}' row {}, " if raw.named else ""
    payee_field = schema.payee_field
    fields = [(f, _fast_path(f)) for f in schema.fields]
    for number, cells in raw.rows:
        row: dict[str, object] = {}
        for f, fast in fields:
            value, index = cells.get(f.name, (None, 0))
            if fast is not None and type(value) is str:
                converted = fast(value)
                if converted is not _SLOW:
                    row[f.name] = converted
                    continue
            if _is_empty(value):
                if f.has_default:
                    row[f.name] = f.default
                elif index:  # a missing column is reported above, once
                    errors.append(diagnostic(DATA_VALUE, prefix.format(raw.named, number) + f"column '{f.name}': empty cell",
                                             _at(raw.file, number, index)))
                continue
            try:
                row[f.name] = _convert(value, f, currency)
            except ValueError as exc:
                errors.append(diagnostic(DATA_VALUE, prefix.format(raw.named, number) + f"column '{f.name}': {exc}",
                                         _at(raw.file, number, index)))
        if payee_field in row and payee_field in cells:
            payee, index = row[payee_field], cells[payee_field][1]
            if schema.kind == "record" and payee in first_row and schema.period_field is None:  # by period: one row per period (timeline.py)
                errors.append(diagnostic(
                    DATA_DUPLICATE, f"payee '{payee}' has two rows in {raw.where}: rows {first_row[payee]} and {number}",
                    _at(raw.file, number, index), notes=((f"first row for '{payee}'", _at(raw.file, first_row[payee], index)),)))
            first_row.setdefault(payee, number)
            payees.append((number, index, payee))
        rows.append(row)
        numbers.append(number)

    if schema.kind == "params" and len(raw.rows) != 1 and schema.period_field is None:
        span = _at(raw.file, raw.rows[1][0], 1) if raw.rows else (_at(raw.file, raw.header_line, 1) if raw.header_line else None)
        errors.append(diagnostic(DATA_VALUE, f"{raw.where} must have exactly one data row for the plan-wide input "
                                 f"'{schema.name}', but has {len(raw.rows)}", span))
    return Table.from_rows(schema, raw.file, rows, numbers, labels), payees, errors
