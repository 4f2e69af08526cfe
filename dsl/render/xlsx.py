"""Writing results as an Excel workbook, exactly.

openpyxl converts a Decimal to a binary float before writing it, which would
print 1234567890.123457 for 1234567890.123456789. This writer puts each
amount's exact decimal text into the cell's XML, as Excel itself stores numbers,
so nothing between the evaluator and the file is a float. Text goes in as inline
strings; money cells get a thousands-separated two-decimal format.

Only what `plan run --format xlsx` needs: several sheets of rows, a bold header.
The same results always give the same bytes (fixed member times), so a rerun
can be compared with `cmp` and a workbook kept in version control diffs clean.
"""
from __future__ import annotations

import zipfile
from decimal import Decimal
from typing import NamedTuple
from xml.sax.saxutils import escape

from dsl.core.spreadsheet import column_letters

CONTENT_TYPES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
<Default Extension="xml" ContentType="application/xml"/>
<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>
<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>
{sheets}
</Types>"""

ROOT_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>
</Relationships>"""

STYLES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">
<numFmts count="1"><numFmt numFmtId="164" formatCode="#,##0.00"/></numFmts>
<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font><font><b/><sz val="11"/><name val="Calibri"/></font></fonts>
<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>
<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>
<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>
<cellXfs count="3">
<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>
<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>
<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>
</cellXfs>
<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>
</styleSheet>"""

MONEY_STYLE, HEADER_STYLE = 1, 2


class Formula(NamedTuple):
    """A cell Excel computes: `text` without its "=" (`SUM(C2:C4)`), `value` the result as computed here,
    stored beside it so a reader that does not recalculate shows the same number."""

    text: str
    value: Decimal


def _cell(ref: str, value, header: bool) -> str:
    if value is None:
        return ""
    if isinstance(value, Formula):
        style = f' s="{MONEY_STYLE}"' if value.value.as_tuple().exponent == -2 else ""
        return f'<c r="{ref}"{style}><f>{escape(value.text)}</f><v>{value.value:f}</v></c>'
    if isinstance(value, bool):
        return f'<c r="{ref}" t="b"><v>{int(value)}</v></c>'
    if isinstance(value, Decimal):
        style = f' s="{MONEY_STYLE}"' if value.as_tuple().exponent == -2 else ""
        return f'<c r="{ref}"{style}><v>{value:f}</v></c>'
    style = f' s="{HEADER_STYLE}"' if header else ""
    return f'<c r="{ref}" t="inlineStr"{style}><is><t xml:space="preserve">{escape(str(value))}</t></is></c>'


def _sheet(rows: list[list]) -> str:
    body = []
    for number, row in enumerate(rows, 1):
        cells = "".join(_cell(f"{column_letters(i)}{number}", v, number == 1) for i, v in enumerate(row, 1))
        body.append(f'<row r="{number}">{cells}</row>')
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f"<sheetData>{''.join(body)}</sheetData></worksheet>"
    )


def write_workbook(path, sheets: dict[str, list[list]]) -> None:
    """Write `sheets` (name → rows, the first row a header) to an .xlsx file."""
    names = list(sheets)
    workbook = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>'
        + "".join(f'<sheet name="{escape(n)}" sheetId="{i}" r:id="rId{i}"/>' for i, n in enumerate(names, 1))
        + "</sheets></workbook>"
    )
    rels = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        + "".join(
            f'<Relationship Id="rId{i}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
            f'Target="worksheets/sheet{i}.xml"/>'
            for i in range(1, len(names) + 1)
        )
        + f'<Relationship Id="rId{len(names) + 1}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>'
        + "</Relationships>"
    )
    overrides = "".join(
        f'<Override PartName="/xl/worksheets/sheet{i}.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        for i in range(1, len(names) + 1)
    )
    members = [
        ("[Content_Types].xml", CONTENT_TYPES.format(sheets=overrides)),
        ("_rels/.rels", ROOT_RELS),
        ("xl/workbook.xml", workbook),
        ("xl/_rels/workbook.xml.rels", rels),
        ("xl/styles.xml", STYLES),
    ] + [(f"xl/worksheets/sheet{i}.xml", _sheet(sheets[name])) for i, name in enumerate(names, 1)]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as book:
        for member, text in members:
            book.writestr(_entry(member), text)


# Every member carries the same fixed time (the zip format's earliest, 1980-01-01)
# and permissions, so the same results give the same bytes on every run and machine.
_FIXED_TIME = (1980, 1, 1, 0, 0, 0)


def _entry(name: str) -> zipfile.ZipInfo:
    entry = zipfile.ZipInfo(name, date_time=_FIXED_TIME)
    entry.compress_type = zipfile.ZIP_DEFLATED
    entry.create_system = 3  # Unix, whatever the writing machine
    entry.external_attr = 0o644 << 16
    return entry
