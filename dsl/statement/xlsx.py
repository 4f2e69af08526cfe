"""A statement as a workbook: a sheet of the lines whose total is an Excel formula
(=SUM over the line cells, so a rep who edits a line sees the total follow), and
a sheet of the rows credited with the inputs' own columns. Written by the run's
exact workbook writer (dsl/render/xlsx.py): amounts as exact decimal text, fixed
member times, so the same statement gives the same bytes on every run."""
from __future__ import annotations

from decimal import Decimal

from dsl.render.xlsx import Formula, write_workbook
from dsl.statement.md import line_label
from dsl.statement.model import Statement, periods_total


def workbook_sheets(statement: Statement) -> dict[str, list[list]]:
    w = statement.words
    lines = [[w["line"], w["value"], w["explanation"]]]
    lines += [[line_label(statement, line.label, line.kind), line.value, line.sentence] for line in statement.lines]
    last = len(lines)  # the row of the last line (row 1 is the header)
    total = Formula(f"SUM(B2:B{last})", statement.total) if last > 1 else Decimal(0)
    lines.append([f"{w['total']} ({statement.currency})", total, f"{statement.plan} · {statement.payee} · {statement.period}"])
    lines += [[], *[[note] for note in statement.notes], *[[p.sentence] for p in statement.progress]]
    lines += [[f.label, f.value] for f in statement.flags]
    lines += [[pool] for pool in statement.pools]
    credited: list[list] = [[w["input"], *(statement.credited[0].columns if statement.credited else [])]]
    for index, table in enumerate(statement.credited):
        if index:  # a second table: its own header row
            credited += [[], [w["input"], *table.columns]]
        credited += [[table.input, *row] for row in table.rows]
    return {w["line"]: lines, w["credited"]: [[_cell(v) for v in row] for row in credited]}


def _cell(value):
    """A value the workbook writer takes: decimals, booleans and text (dates and periods as text)."""
    return value if value is None or isinstance(value, (Decimal, bool, str, Formula)) else str(value)


def write_xlsx(statement: Statement, path) -> None:
    write_workbook(path, workbook_sheets(statement))


def periods_sheets(statements: list[Statement]) -> dict[str, list[list]]:
    """One payee's periods in one workbook: a sheet of each period's total (cells that read each
    period sheet's total, summed by a formula), then each period's lines and rows credited."""
    first = statements[0]
    w = first.words
    sheets: dict[str, list[list]] = {}
    summary: list[list] = [[w["period"], w["paid_total"]]]
    for one in statements:
        period_sheets = workbook_sheets(one)
        lines_name, rows_name = f"{_sheet(one.period)} {w['line']}"[:31], f"{_sheet(one.period)} {w['credited']}"[:31]
        lines, rows = period_sheets[w["line"]], period_sheets[w["credited"]]
        total_row = len(one.lines) + 2  # the header, the lines, then the total
        summary.append([one.period, Formula(f"'{lines_name}'!B{total_row}", one.total)])
        sheets[lines_name], sheets[rows_name] = lines, rows
    last = len(summary)
    summary.append([f"{w['total']} ({first.currency})", Formula(f"SUM(B2:B{last})", periods_total(statements))])
    return {w["by_period"]: summary, **sheets}


def write_periods_xlsx(statements: list[Statement], path) -> None:
    write_workbook(path, periods_sheets(statements))


def _sheet(period: str) -> str:
    """A period as a sheet name takes (no : \\ / ? * [ ])."""
    return "".join("_" if ch in ':\\/?*[]' else ch for ch in period)
