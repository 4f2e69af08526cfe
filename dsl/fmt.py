"""The formatter: a syntax tree (with its comments) → canonical plan text.

Layout: two-space indent; one header setting, input field, tier row or test
statement per line; one blank line between top-level items, except that
consecutive `let`s, or consecutive payout/flag/total lines, that stood on
adjacent lines stay together; the `->` of a tier table's rows aligned (by
display width, so 万 counts as two columns); expressions with the fewest
parentheses their precedence allows; literals exactly as written (`50万` stays
`50万`); operators in their ASCII form (`×` → `*`, `≤` → `<=`).

Comments are kept. The printed text is a list of units (an opening line, a
row, a closing brace), each remembering the source lines it came from. A
comment on a line of its own goes before the first unit that starts below it;
a comment after code goes at the end of the unit whose lines it was on.

Guarantees (tested over every plan in the repository and over generated ones):
`format_plan(parse(format_plan(x))) == format_plan(x)` and
`parse(format_plan(x)) == x` (syntax trees compare without positions).
"""
from __future__ import annotations

import bisect
import re
from typing import Optional

import attrs

from . import ast
from .diagnostics import Diagnostic
from .parser import parse
from .source import display_width

INDENT = "  "
CONTINUATION = "    "  # a wrapped statement's later lines
WIDTH = 100  # display columns before a statement is wrapped
_NAME = re.compile(r"^(?!\d)\w+$")

# ---- expressions ------------------------------------------------------------------

_BINARY = {"+": 5, "-": 5, "*": 6, "/": 6}


def _precedence(node) -> int:
    if isinstance(node, ast.If):
        return 0
    if isinstance(node, ast.Logical):
        return 1 if node.op == "or" else 2
    if isinstance(node, ast.Not):
        return 3
    if isinstance(node, ast.Compare):
        return 4
    if isinstance(node, ast.Binary):
        return _BINARY[node.op]
    if isinstance(node, ast.Negate):
        return 7
    if isinstance(node, (ast.Number, ast.Percent, ast.Money)) and node.text.startswith("-"):
        return 7
    if isinstance(node, (ast.Field, ast.Call)):
        return 8
    return 9


def quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def expr(node, minimum: int = 0) -> str:
    """An expression with the parentheses its position needs, and no more."""
    text = _expr(node)
    return f"({text})" if _precedence(node) < minimum else text


def _expr(node) -> str:
    if isinstance(node, (ast.Number, ast.Percent, ast.Money, ast.Date)):
        return node.text
    if isinstance(node, ast.String):
        return quote(node.value)
    if isinstance(node, ast.Bool):
        return "true" if node.value else "false"
    if isinstance(node, ast.Name):
        return node.name
    if isinstance(node, ast.TotalRef):
        return "total"
    if isinstance(node, ast.Field):
        return f"{expr(node.target, 8)}.{node.name}"
    if isinstance(node, ast.Call):
        return f"{expr(node.func, 8)}({', '.join(_argument(a) for a in node.args)})"
    if isinstance(node, ast.Filtered):
        return _argument(node)
    if isinstance(node, ast.Negate):
        return "-" + expr(node.operand, 7)
    if isinstance(node, ast.Not):
        return "not " + expr(node.operand, 3)
    if isinstance(node, ast.Binary):
        level = _BINARY[node.op]
        return f"{expr(node.left, level)} {node.op} {expr(node.right, level + 1)}"
    if isinstance(node, ast.Compare):
        return f"{expr(node.left, 5)} {node.op} {expr(node.right, 5)}"
    if isinstance(node, ast.Logical):
        level = 1 if node.op == "or" else 2
        return f"{expr(node.left, level)} {node.op} {expr(node.right, level + 1)}"
    if isinstance(node, ast.If):
        return f"if {expr(node.condition)} then {expr(node.then)} else {expr(node.otherwise)}"
    raise TypeError(f"the formatter has no rule for {type(node).__name__}")


def _argument(node) -> str:
    if isinstance(node, ast.Filtered):
        return f"{expr(node.expr)} where {expr(node.where)}"
    return expr(node)


# ---- declarations -------------------------------------------------------------------


def _setting(setting: ast.Setting) -> str:
    values = setting.values
    if setting.key == "rounding":
        return f"rounding {values[0]} to {values[2]}"
    if setting.key in ("period_range", "effective"):
        word = "period" if setting.key == "period_range" else "effective"
        return f"{word} {values[0].isoformat()} .. {values[1].isoformat()}"
    return f"{setting.key} {values[0]}"


def _type(ref: ast.TypeRef) -> str:
    if not ref.args:
        return ref.name
    bare = ref.name == "money"
    args = [a if bare and _NAME.match(a) else quote(a) for a in ref.args]
    return f"{ref.name}({', '.join(args)})"


def _field(field: ast.FieldDecl) -> str:
    default = f" = {expr(field.default)}" if field.default is not None else ""
    return f"{field.name}: {_type(field.type)}{default}"


def _bound(node) -> str:
    return ".." if node is None else expr(node)


def _band(band: ast.Band) -> str:
    if not band.stated:
        return f"{_bound(band.low)} .. {_bound(band.high)}"
    return ("[" if band.low_closed else "(") + f"{_bound(band.low)}, {_bound(band.high)}" + ("]" if band.high_closed else ")")


def _record(fields) -> str:
    return "{" + ", ".join(f"{name}: {expr(value)}" for name, value in fields) + "}"


def _tier_value(value) -> str:
    return _record(value.fields) if isinstance(value, ast.RecordValue) else expr(value)


def _row_key(row) -> str:
    if isinstance(row, ast.BandRow):
        return _band(row.band)
    if isinstance(row, ast.CategoryRow):
        return quote(row.key)
    return "else"


def _clause(clause: ast.Clause) -> str:
    if clause.kind == "when":
        return f"when {expr(clause.expr)}"
    if clause.kind in ("cap", "floor"):
        return f"{clause.kind} at {expr(clause.expr)}"
    mode = f"{clause.mode} " if clause.mode else ""
    return f"round {mode}to {clause.unit_text}"


# ---- pieces: one printed line each, with the source lines it came from -------------------


@attrs.frozen
class Piece:
    text: str
    first: int
    last: int
    extra: str = ""  # indentation beyond the statement's: continuation lines, rows of a list


def _one(text: str, node) -> list[Piece]:
    return [Piece(text, node.span.line, node.span.end_line)]


def _inner_comments(span, comment_lines: list[int]) -> bool:
    """A comment inside a multi-line construct (on any line but its last)."""
    return bisect.bisect_left(comment_lines, span.end_line) > bisect.bisect_left(comment_lines, span.line)


def _chain(node) -> list[tuple[str, object]]:
    """A top-level `+`/`-`, `and` or `or` chain as (text, operand) pieces: "a", "+ b", "+ c"."""
    if isinstance(node, ast.Binary) and node.op in "+-":
        ops, level = ("+", "-"), 5
    elif isinstance(node, ast.Logical):
        ops, level = (node.op,), (1 if node.op == "or" else 2)
    else:
        return [(expr(node), node)]
    pieces = []
    while isinstance(node, (ast.Binary, ast.Logical)) and node.op in ops:
        pieces.append((f"{node.op} {expr(node.right, level + 1)}", node.right))
        node = node.left
    return [(expr(node, level), node)] + pieces[::-1]


def _statement(indent: int, item, head: str, body, tail: list, comments: list[int]) -> list[Piece]:
    """`head body clauses…` on one line if it fits and holds no comment; else the top-level
    chain of `body` and each clause on continuation lines."""
    one = " ".join([head + expr(body), *(text for text, _ in tail)])
    span = item.span
    if display_width(INDENT * indent + one) <= WIDTH and not _inner_comments(span, comments):
        return [Piece(one, span.line, span.end_line)]
    (first, node), *rest = _chain(body)
    pieces = [Piece(head + first, span.line, node.span.end_line)]
    pieces += [Piece(text, part.span.line, part.span.end_line, CONTINUATION) for text, part in rest + tail]
    return pieces


def _pack(fields, width: int) -> list[tuple[str, int, int]]:
    """The fields of a long record, several to a line."""
    lines: list[list] = []
    for name, value in fields:
        text = f"{name}: {expr(value)}"
        if lines and display_width(", ".join(t for t, _ in lines[-1]) + ", " + text) <= width:
            lines[-1].append((text, value))
        else:
            lines.append([(text, value)])
    return [(", ".join(t for t, _ in line), line[0][1].span.line, line[-1][1].span.end_line) for line in lines]


def _test_input(stmt: ast.TestInput, indent: int, comments: list[int]) -> list[Piece]:
    records = [_record(r.fields) for r in stmt.rows]
    one = f"{stmt.name} = " + ("[" + ", ".join(records) + "]" if stmt.is_list else records[0])
    span = stmt.span
    fits = display_width(INDENT * indent + one) <= WIDTH and not _inner_comments(span, comments)
    if fits or (stmt.is_list and not stmt.rows) or (not stmt.is_list and not stmt.rows[0].fields):
        return [Piece(one, span.line, span.end_line)]
    if stmt.is_list:
        opening, closing = "[", "]"
        inner = [(r + ("," if i < len(records) - 1 else ""), row.span.line, row.span.end_line) for i, (r, row) in enumerate(zip(records, stmt.rows))]
    else:
        opening, closing = "{", "}"
        packed = _pack(stmt.rows[0].fields, WIDTH - display_width(INDENT * (indent + 1)))
        inner = [(text + ("," if i < len(packed) - 1 else ""), a, b) for i, (text, a, b) in enumerate(packed)]
    last_inner = inner[-1][2]
    pieces = [Piece(f"{stmt.name} = {opening}", span.line, max(span.line, inner[0][1] - 1))]
    pieces += [Piece(text, a, b, INDENT) for text, a, b in inner]
    # the closing line holds a trailing comment only if it stood on a line of its own
    pieces.append(Piece(closing, span.end_line, span.end_line if span.end_line > last_inner else span.end_line - 1))
    return pieces


def _test_stmt(stmt, indent: int, comments: list[int]) -> list[Piece]:
    if isinstance(stmt, ast.TestPayee):
        return _one(f"payee {quote(stmt.payee)}", stmt)
    if isinstance(stmt, ast.TestInput):
        return _test_input(stmt, indent, comments)
    return _one(f"expect {expr(stmt.target)} = {expr(stmt.expected)}", stmt)


def _line(item, comments: list[int]) -> list[Piece]:
    if isinstance(item, ast.LetDecl):
        return _statement(0, item, f"let {item.name} = ", item.expr, [], comments)
    if isinstance(item, ast.ColumnDecl):
        return _statement(0, item, f"let {item.table}.{item.name} = ", item.expr, [], comments)
    if isinstance(item, ast.PayoutDecl):
        clauses = [(_clause(c), c) for c in item.clauses]
        return _statement(0, item, f"payout {quote(item.label)} = ", item.expr, clauses, comments)
    if isinstance(item, ast.FlagDecl):
        return _statement(0, item, f"flag {quote(item.label)} = ", item.expr, [], comments)
    if isinstance(item, ast.TotalDecl):
        return _statement(0, item, f"total {item.kind} at ", item.expr, [], comments)
    raise TypeError(f"the formatter has no rule for {type(item).__name__}")


# ---- units and comments ---------------------------------------------------------------


@attrs.define
class Unit:
    """One printed line and the source lines it came from, with the comments that go with it."""

    prefix: str  # indentation
    text: str
    first: int
    last: int
    comment_prefix: str  # indentation of own-line comments above it
    blank_before: bool = False
    before: list = attrs.field(factory=list)  # own-line comments above: (line, text)
    trailing: list = attrs.field(factory=list)  # comments that stood after code on its lines

    @property
    def line(self) -> str:
        return self.prefix + self.text


def _from_pieces(pieces: list[Piece], indent: int) -> list[Unit]:
    base = INDENT * indent
    return [Unit(base + p.extra, p.text, p.first, p.last, base + p.extra) for p in pieces]


def _block(item, opening: str, children: list[list[Piece]]) -> list[Unit]:
    line, end = item.span.line, item.span.end_line
    open_last = max(line, children[0][0].first - 1) if children else max(line, end - 1)
    units = [Unit("", opening, line, open_last, "")]
    for pieces in children:
        units += _from_pieces(pieces, 1)
    units.append(Unit("", "}", end, end, INDENT))
    return units


def _tier_rows(decl: ast.TiersDecl) -> list[list[Piece]]:
    keys = [_row_key(row) for row in decl.rows]
    width = max((display_width(k) for k in keys), default=0)
    return [_one(k + " " * (width - display_width(k)) + f" -> {_tier_value(row.value)}", row) for k, row in zip(keys, decl.rows)]


def _units(item, comments: list[int]) -> list[Unit]:
    if isinstance(item, ast.PlanHeader):
        return _block(item, f"plan {quote(item.name)} {{", [_one(_setting(s), s) for s in item.settings])
    if isinstance(item, ast.InputDecl):
        return _block(item, f"input {item.name}: {item.kind} {{", [_one(_field(f), f) for f in item.fields])
    if isinstance(item, ast.TiersDecl):
        mode = f" {item.mode}" if item.mode else ""
        return _block(item, f"tiers {item.name}{mode} {{", _tier_rows(item))
    if isinstance(item, ast.TestDecl):
        return _block(item, f"test {quote(item.name)} {{", [_test_stmt(s, 1, comments) for s in item.stmts])
    return _from_pieces(_line(item, comments), 0)


_GROUPS = {ast.LetDecl: "definitions", ast.ColumnDecl: "definitions", ast.PayoutDecl: "outputs", ast.FlagDecl: "outputs", ast.TotalDecl: "outputs"}


def _tight(previous, item, own_lines: list[int]) -> bool:
    """Two one-line items of a kind that stood on adjacent lines (comments between them allowed)."""
    group = _GROUPS.get(type(item))
    if group is None or _GROUPS.get(type(previous)) != group:
        return False
    start, end = previous.span.end_line, item.span.line
    between = bisect.bisect_left(own_lines, end) - bisect.bisect_right(own_lines, start)
    return start > 0 and end - start - 1 == between


def _attach(units: list[Unit], comments) -> list:
    firsts = [u.first for u in units]
    at_end = []
    for comment in comments:
        entry = (comment.line, comment.text.rstrip())
        if comment.own_line:
            index = bisect.bisect_right(firsts, comment.line)
            (units[index].before if index < len(units) else at_end).append(entry)
            continue
        holding = [i for i, u in enumerate(units) if u.first <= comment.line <= u.last]
        holding = holding or [i for i, u in enumerate(units) if u.first <= comment.line] or [0]
        if units:
            units[max(holding, key=lambda i: (units[i].first, i))].trailing.append(entry[1])
        else:
            at_end.append(entry)
    return at_end


def _comment_columns(units: list[Unit]) -> list[int]:
    """Where each trailing comment starts: aligned over a section of equally indented
    lines with nothing printed between them (no blank line, no comment line)."""
    columns = [0] * len(units)
    section: list[int] = []

    def close():
        width = max((display_width(units[i].line) for i in section), default=0)
        for i in section:
            columns[i] = width + 2
        section.clear()

    for index, unit in enumerate(units):
        if unit.blank_before or unit.before or len(unit.trailing) > 1 or (index and unit.prefix != units[index - 1].prefix):
            close()
        if unit.trailing:
            section.append(index)
    close()
    return columns


def _comment_block(entries, prefix: str, next_line: int, keep_gaps: bool) -> list[str]:
    """Own-line comments; at top level a blank line between them (or before the code below)
    is kept where the source had one."""
    out = []
    for i, (line, text) in enumerate(entries):
        out.append(prefix + text)
        following = entries[i + 1][0] if i + 1 < len(entries) else next_line
        if keep_gaps and following - line > 1:
            out.append("")
    return out


def format_plan(plan_file: ast.PlanFile) -> str:
    """Canonical text of a parsed plan, comments included (ends with a newline)."""
    units: list[Unit] = []
    own_lines = sorted(c.line for c in plan_file.comments if c.own_line)
    comment_lines = sorted(c.line for c in plan_file.comments)
    previous = None
    for item in plan_file.items:
        item_units = _units(item, comment_lines)
        item_units[0].blank_before = previous is not None and not _tight(previous, item, own_lines)
        units += item_units
        previous = item
    at_end = _attach(units, plan_file.comments)
    columns = _comment_columns(units)
    out: list[str] = []
    for unit, column in zip(units, columns):
        if unit.blank_before:
            out.append("")
        *above, last = unit.trailing or [None]
        out += _comment_block(unit.before, unit.comment_prefix, unit.first, unit.comment_prefix == "")
        out += [unit.comment_prefix + text for text in above]
        line = unit.line
        out.append(line + (" " * (column - display_width(line)) + last if last else ""))
    if at_end:
        if out:
            out.append("")
        out += _comment_block(at_end, "", 0, False)
    return "\n".join(out) + "\n"


def format_text(text: str, file: str = "<plan>") -> tuple[Optional[str], list[Diagnostic]]:
    """Parse and format; (None, [syntax diagnostic]) when the text does not parse."""
    plan_file, diagnostics = parse(text, file)
    if plan_file is None:
        return None, diagnostics
    return format_plan(plan_file), diagnostics
