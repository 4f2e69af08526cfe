"""The formatter: a syntax tree (with its comments) → canonical plan text.

Layout: two-space indent; one header setting, input field, tier row or test
statement per line; one blank line between top-level items, except that
consecutive `let`s, or consecutive payout/flag/total lines, that stood on
adjacent lines stay together; the `->` of a tier table's rows aligned (by
display width, so 万 counts as two columns); expressions with the fewest
parentheses their precedence allows; literals exactly as written (`50万` stays
`50万`); operators in their ASCII form (`×` → `*`, `≤` → `<=`).

Line breaks: the output has LF line breaks only, whatever the input used
(CRLF, CR, VT, FF, NEL, U+2028, U+2029 are line breaks in the source model,
`dsl.core.source.LINE_BREAK`); a comment holding one of them is printed on one
line, the break as a space.

Comments are kept. The printed text is a list of units (an opening line, a
row, a closing brace), each remembering the source lines it came from. A
comment on a line of its own goes before the first unit that starts below it;
a comment after code goes at the end of the unit whose lines it was on.

Guarantees (tested over every plan in the repository and over generated ones):
`format_plan(parse(format_plan(x))) == format_plan(x)` and
`parse(format_plan(x)) == x` (syntax trees compare without positions).

Dispatch is one style throughout: a `match` on the node's class (or on a
clause's or setting's kind), whose last case names a construct it has no rule for.
"""
from __future__ import annotations

import bisect
import re
from typing import Optional

import attrs

from dsl.syntax import ast
from dsl.core.diagnostics import Diagnostic
from dsl.syntax.parser import parse
from dsl.core.source import LINE_BREAK, display_width

INDENT = "  "
CONTINUATION = "    "  # a wrapped statement's later lines
WIDTH = 100  # display columns before a statement is wrapped
_NAME = re.compile(r"^(?!\d)\w+$")

# ---- expressions ------------------------------------------------------------------

_BINARY = {"+": 5, "-": 5, "*": 6, "/": 6}


def _precedence(node) -> int:
    """0 `if` · 1 or · 2 and · 3 not · 4 comparison · 5 + - · 6 * / · 7 unary - · 8 call, field · 9 atom."""
    match node:
        case ast.If():
            return 0
        case ast.Logical(op=op):
            return 1 if op == "or" else 2
        case ast.Not():
            return 3
        case ast.Compare():
            return 4
        case ast.Binary(op=op):
            return _BINARY[op]
        case ast.Negate():
            return 7
        case ast.Number(text=text) | ast.Percent(text=text) | ast.Money(text=text) if text.startswith("-"):
            return 7  # a negative literal (written as a bound or value)
        case ast.Field() | ast.Call():
            return 8
        case _:
            return 9


def quote(text: str) -> str:
    r"""A label as a string literal.

    >>> print(quote('说 "好"'))
    "说 \"好\""
    """
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def expr(node, minimum: int = 0) -> str:
    """An expression with the parentheses its position needs, and no more.

    >>> a, b, c = ast.Name("a"), ast.Name("b"), ast.Name("c")
    >>> expr(ast.Binary("*", ast.Binary("+", a, b), c)), expr(ast.Binary("+", a, ast.Binary("*", b, c)))
    ('(a + b) * c', 'a + b * c')
    """
    text = _expr(node)
    return f"({text})" if _precedence(node) < minimum else text


def _expr(node) -> str:
    match node:
        case ast.Number(text=text) | ast.Percent(text=text) | ast.Money(text=text) | ast.Date(text=text):
            return text
        case ast.String(value=value):
            return quote(value)
        case ast.Bool(value=value):
            return "true" if value else "false"
        case ast.Name(name=name):
            return name
        case ast.PeriodLit(text=text):
            return text
        case ast.PeriodRef():
            return "period"
        case ast.TotalRef():
            return "total"
        case ast.Field(target=target, name=name):
            return f"{expr(target, 8)}.{name}"
        case ast.Call(func=func, args=args):
            return f"{expr(func, 8)}({', '.join(_argument(a) for a in args)})"
        case ast.Filtered():
            return _argument(node)
        case ast.Negate(operand=operand):
            return "-" + expr(operand, 7)
        case ast.Not(operand=operand):
            return "not " + expr(operand, 3)
        case ast.Binary(op=op, left=left, right=right):
            level = _BINARY[op]
            return f"{expr(left, level)} {op} {expr(right, level + 1)}"
        case ast.Compare(op=op, left=left, right=right):
            return f"{expr(left, 5)} {op} {expr(right, 5)}"
        case ast.Logical(op=op, left=left, right=right):
            level = 1 if op == "or" else 2
            return f"{expr(left, level)} {op} {expr(right, level + 1)}"
        case ast.If(condition=condition, then=then, otherwise=otherwise):
            return f"if {expr(condition)} then {expr(then)} else {expr(otherwise)}"
        case _:
            raise TypeError(f"the formatter has no rule for {type(node).__name__}")


def _argument(node) -> str:
    match node:
        case ast.Filtered(expr=inner, where=where):
            return f"{expr(inner)} where {expr(where)}"
        case _:
            return expr(node)


# ---- declarations -------------------------------------------------------------------


def _setting(setting: ast.Setting) -> str:
    match setting.key, setting.values:
        case "rounding", (mode, _, unit_text):
            return f"rounding {mode} to {unit_text}"
        case "period_range", dates:
            return "period " + ", ".join(f"{a.isoformat()} .. {b.isoformat()}" for a, b in zip(dates[::2], dates[1::2]))
        case "effective", (start, end):
            return f"effective {start.isoformat()} .. {end.isoformat()}"
        case "team", (record, field):
            return f"team by {record}.{field}"
        case "payees", names:
            return "payees " + ", ".join(quote(name) for name in names)
        case key, (value, *_):
            return f"{key} {value}"
        case key, _:
            raise TypeError(f"the formatter has no rule for a '{key}' setting without a value")


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
    match value:
        case ast.RecordValue(fields=fields):
            return _record(fields)
        case _:
            return expr(value)


def _row_key(row) -> str:
    match row:
        case ast.BandRow(band=band):
            return _band(band)
        case ast.CategoryRow(key=key):
            return quote(key)
        case ast.DefaultRow():
            return "else"
        case _:
            raise TypeError(f"the formatter has no rule for {type(row).__name__}")


def _clause(clause: ast.Clause) -> str:
    match clause.kind:
        case "when":
            return f"when {expr(clause.expr)}"
        case "cap" | "floor":
            return f"{clause.kind} at {expr(clause.expr)}"
        case "round":
            mode = f"{clause.mode} " if clause.mode else ""
            return f"round {mode}to {clause.unit_text}"
        case kind:
            raise TypeError(f"the formatter has no rule for a '{kind}' clause")


def _ledger_clause(clause: ast.LedgerClause) -> str:
    match clause.kind:
        case "when":
            return f"when {expr(clause.expr)}"
        case "release_year_end":
            return "release at year end"
        case "release_on":
            return f"release on {clause.date.isoformat()}"
        case "release_after":
            return f"release after {clause.text} {clause.unit}"
        case "release_when":
            return f"release when {expr(clause.expr)}"
        case "scaled":
            return f"scaled by {expr(clause.expr)}"
        case "forfeit":
            return f"forfeit {clause.text + ' ' if clause.text else ''}when {expr(clause.expr)}"
        case "window":
            return f"within {clause.text} {clause.unit} of {expr(clause.expr)}"
        case "instalment":
            return f"recover at most {expr(clause.expr)} per period"
        case "keep":
            return f"keep at least {expr(clause.expr)}"
        case kind:
            raise TypeError(f"the formatter has no rule for a '{kind}' ledger clause")


def _effective(dates) -> str:
    return f"effective {dates[0].isoformat()} .. {dates[1].isoformat()}"


class _At:
    """Where a piece of a statement that is no node of its own (an `effective` range) stands: the statement's last line."""

    def __init__(self, span):
        self.span = attrs.evolve(span, line=span.end_line)


# ---- lines: each printed line with the source lines it came from, and its comments ----------


@attrs.define
class Line:
    text: str
    first: int  # the source lines it came from
    last: int
    prefix: str = ""  # indentation
    blank_before: bool = False
    before: list = attrs.field(factory=list)  # own-line comments above it: (line, text)
    trailing: list = attrs.field(factory=list)  # comments that stood after code on its lines

    @property
    def printed(self) -> str:
        return self.prefix + self.text


def _one(text: str, node) -> list[Line]:
    return [Line(text, node.span.line, node.span.end_line)]


def _indented(lines: list[Line], prefix: str) -> list[Line]:
    for line in lines:
        line.prefix = prefix + line.prefix
    return lines


def _holder(lines: list[Line], line: int, own_line: bool) -> int:
    """Which line a comment goes with: an own-line comment goes above the first line that
    starts below it (len(lines): after all of them); a comment after code goes at the
    end of the (last) line whose source lines it was on."""
    if own_line:
        return bisect.bisect_right([l.first for l in lines], line)
    holding = [i for i, l in enumerate(lines) if l.first <= line <= l.last]
    holding = holding or [i for i, l in enumerate(lines) if l.first <= line] or [0]
    return max(holding, key=lambda i: (lines[i].first, i))


def _split(lines: list[Line], one: Line, indent: int, comments) -> list[Line]:
    """`lines` if the one-line form is too wide or would move a comment off its line."""
    if display_width(INDENT * indent + one.text) > WIDTH:
        return lines
    # a comment after code on the last line stays at the end of the line either way
    inside = [(line, own) for line, own in comments if one.first <= line < one.last or (own and line == one.last)]
    for line, own in inside:
        index = _holder(lines, line, own)
        if (own and 0 < index < len(lines)) or (not own and index < len(lines) - 1):
            return lines
    return [one]


def _chain(node) -> list[tuple[str, object]]:
    """A top-level `+`/`-`, `and` or `or` chain as (text, operand) parts: "a", "+ b", "+ c"."""
    match node:
        case ast.Binary(op="+" | "-"):
            ops, level = ("+", "-"), 5
        case ast.Logical(op=op):
            ops, level = (op,), (1 if op == "or" else 2)
        case _:
            return [(expr(node), node)]
    parts = []
    while isinstance(node, (ast.Binary, ast.Logical)) and node.op in ops:
        parts.append((f"{node.op} {expr(node.right, level + 1)}", node.right))
        node = node.left
    return [(expr(node, level), node)] + parts[::-1]


def _statement(item, head: str, body, tail: list, comments) -> list[Line]:
    """`head body clauses…` on one line, or (too wide, or holding comments between its
    parts) the top-level chain of `body` and each clause on continuation lines."""
    span = item.span
    one = Line(" ".join([head + expr(body), *(text for text, _ in tail)]), span.line, span.end_line)
    (first, node), *rest = _chain(body)
    lines = [Line(head + first, span.line, node.span.end_line)]
    lines += [Line(text, part.span.line, part.span.end_line, CONTINUATION) for text, part in rest + tail]
    return _split(lines, one, 0, comments) if len(lines) > 1 else [one]


def _pack(fields, width: int) -> list[tuple[str, int, int]]:
    """The fields of a long record, several to a line."""
    rows: list[list] = []
    for name, value in fields:
        text = f"{name}: {expr(value)}"
        if rows and display_width(", ".join(t for t, _ in rows[-1]) + ", " + text) <= width:
            rows[-1].append((text, value))
        else:
            rows.append([(text, value)])
    return [(", ".join(t for t, _ in row), row[0][1].span.line, row[-1][1].span.end_line) for row in rows]


def _test_input(stmt: ast.TestInput, comments) -> list[Line]:
    """`deals = [{...}, {...}]`, or one record per line (a long record's fields packed)."""
    records = [_record(r.fields) for r in stmt.rows]
    span = stmt.span
    one = Line(f"{stmt.name} = " + ("[" + ", ".join(records) + "]" if stmt.is_list else records[0]), span.line, span.end_line)
    if not stmt.rows or not stmt.rows[0].fields and not stmt.is_list:
        return [one]
    if stmt.is_list:
        brackets, inner = "[]", [(r, row.span.line, row.span.end_line) for r, row in zip(records, stmt.rows)]
    else:
        brackets, inner = "{}", _pack(stmt.rows[0].fields, WIDTH - display_width(INDENT * 2))
    lines = [Line(f"{stmt.name} = {brackets[0]}", span.line, max(span.line, inner[0][1] - 1))]
    lines += [Line(text + ("," if i < len(inner) - 1 else ""), a, b, INDENT) for i, (text, a, b) in enumerate(inner)]
    # the closing line holds a comment after code only if it stood on a line of its own
    lines.append(Line(brackets[1], span.end_line, span.end_line if span.end_line > inner[-1][2] else span.end_line - 1))
    return _split(lines, one, 1, comments)


def _test_stmt(stmt, comments) -> list[Line]:
    match stmt:
        case ast.TestPayee(payee=payee):
            return _one(f"payee {quote(payee)}", stmt)
        case ast.TestInput():
            return _test_input(stmt, comments)
        case ast.TestExpect(target=target, expected=expected):
            return _one(f"expect {expr(target)} = {expr(expected)}", stmt)
        case ast.TestPeriod(text=text, stmts=stmts):
            return _block(stmt, f"period {text} {{", [_test_stmt(s, comments) for s in stmts])
        case _:
            raise TypeError(f"the formatter has no rule for {type(stmt).__name__}")


def _block(item, opening: str, children: list[list[Line]]) -> list[Line]:
    line, end = item.span.line, item.span.end_line
    open_last = max(line, children[0][0].first - 1) if children else max(line, end - 1)
    inner = [l for child in children for l in _indented(child, INDENT)]
    return [Line(opening, line, open_last), *inner, Line("}", end, end)]


def _lines(item, comments) -> list[Line]:
    match item:
        case ast.PlanHeader():
            return _block(item, f"plan {quote(item.name)} {{", [_one(_setting(s), s) for s in item.settings])
        case ast.InputDecl():
            by = f" by {item.by}" if item.by else ""
            shared = "shared " if item.shared else ""
            return _block(item, f"input {item.name}: {shared}{item.kind}{by} {{", [_one(_field(f), f) for f in item.fields])
        case ast.TiersDecl():
            keys = [_row_key(row) for row in item.rows]
            width = max((display_width(k) for k in keys), default=0)
            rows = [_one(k + " " * (width - display_width(k)) + f" -> {_tier_value(r.value)}", r) for k, r in zip(keys, item.rows)]
            dated = " " + _effective(item.effective) if item.effective else ""
            return _block(item, f"tiers {item.name}{' ' + item.mode if item.mode else ''}{dated} {{", rows)
        case ast.TestDecl():
            return _block(item, f"test {quote(item.name)} {{", [_test_stmt(s, comments) for s in item.stmts])
        case ast.LetDecl():
            dated = [(_effective(item.effective), _At(item.span))] if item.effective else []
            return _statement(item, f"let {item.name} = ", item.expr, dated, comments)
        case ast.ColumnDecl():
            return _statement(item, f"let {item.table}.{item.name} = ", item.expr, [], comments)
        case ast.FnDecl():
            params = ", ".join(f"{p.name}: {_type(p.type)}" for p in item.params)
            return _statement(item, f"fn {item.name}({params}) -> {_type(item.result)} = ", item.body, [], comments)
        case ast.ModuleHeader():
            return _one(f"module {quote(item.name)}", item)
        case ast.ImportDecl():
            return _one(f"import {item.module}" + (f" as {item.alias}" if item.alias else ""), item)
        case ast.PayoutDecl():
            clauses = [(_clause(c), c) for c in item.clauses]
            return _statement(item, f"payout {quote(item.label)} = ", item.expr, clauses, comments)
        case ast.FlagDecl():
            return _statement(item, f"flag {quote(item.label)} = ", item.expr, [], comments)
        case ast.TotalDecl():
            label = f" {quote(item.label)}" if item.label is not None else ""
            return _statement(item, f"total {item.kind}{label} at ", item.expr, [], comments)
        case ast.HoldDecl() | ast.ClawbackDecl():
            clauses = [(_ledger_clause(c), c) for c in item.clauses]
            word = "hold" if isinstance(item, ast.HoldDecl) else "clawback"
            return _statement(item, f"{word} {quote(item.label)} = ", item.expr, clauses, comments)
        case ast.DrawDecl():
            kind = "recoverable" if item.recoverable else "nonrecoverable"
            return _statement(item, f"draw {quote(item.label)} = ", item.expr, [(kind, _At(item.span))], comments)
        case ast.PoolDecl():
            gate = f" when {expr(item.gate)}" if item.gate is not None else ""
            parts = [_one(_pool_part(part), part) for part in item.shares + item.rules]
            return _block(item, f"pool {quote(item.label)} = {expr(item.expr)}{gate} {{", parts)
        case ast.RankDecl():
            head = f"rank {quote(item.label)} = {item.group} by {expr(item.measure)}"
            head += f" where {expr(item.where)}" if item.where is not None else ""
            head += (" ties shared" if item.shared else f" ties by {expr(item.tie)}") if item.tie_stated else ""
            head += f" top {item.top_text}" if item.top_text is not None else ""
            if item.award_label is None:
                return _one(head, item)
            keys = [_band(b.band) for b in item.bands]
            width = max((display_width(k) for k in keys), default=0)
            rows = [_one(k + " " * (width - display_width(k)) + f" -> {expr(b.value)}", b) for k, b in zip(keys, item.bands)]
            return _block(item, f"{head} as {quote(item.award_label)} {{", rows)
        case _:
            raise TypeError(f"the formatter has no rule for {type(item).__name__}")


def _pool_part(part) -> str:
    """A share or a rule of a pool, on its own line."""
    if isinstance(part, ast.PoolRule):
        return {"unqualified_fund": f"unqualified to fund {quote(part.fund or '')}", "unqualified_back": "unqualified back",
                "remainder_payee": "remainder largest by payee"}.get(part.kind) or f"remainder largest by {expr(part.measure)}"
    if part.kind == "fund":
        return f"{part.percent_text} to fund {quote(part.label)}"
    if part.kind == "manager":
        return f"{part.percent_text} to manager as {quote(part.label)}"
    how = "equally" if part.kind == "equally" else f"pro rata to {expr(part.measure)}"
    where = f" where {expr(part.where)}" if part.where is not None else ""
    qualify = f" qualify when {expr(part.qualify)}" if part.qualify is not None else ""
    return f"{part.percent_text} {how} among members{where}{qualify} as {quote(part.label)}"


def _group(item) -> Optional[str]:
    """Which items stay together on adjacent lines: definitions, and outputs."""
    match item:
        case ast.LetDecl() | ast.ColumnDecl() | ast.FnDecl():
            return "definitions"
        case ast.ImportDecl():
            return "imports"
        case ast.PayoutDecl() | ast.FlagDecl() | ast.TotalDecl() | ast.HoldDecl() | ast.ClawbackDecl() | ast.DrawDecl():
            return "outputs"
        case _:
            return None


def _tight(previous, item, own_lines: list[int]) -> bool:
    """Two one-line items of a kind that stood on adjacent lines (comments between them allowed)."""
    group = _group(item)
    if group is None or _group(previous) != group:
        return False
    start, end = previous.span.end_line, item.span.line
    between = bisect.bisect_left(own_lines, end) - bisect.bisect_right(own_lines, start)
    return start > 0 and end - start - 1 == between


def _comment_columns(lines: list[Line]) -> list[int]:
    """Where each trailing comment starts: aligned over a section of equally indented
    lines with nothing printed between them (no blank line, no comment line)."""
    columns = [0] * len(lines)
    section: list[int] = []

    def close():
        width = max((display_width(lines[i].printed) for i in section), default=0)
        for i in section:
            columns[i] = width + 2
        section.clear()

    for index, line in enumerate(lines):
        if line.blank_before or line.before or len(line.trailing) > 1 or (index and line.prefix != lines[index - 1].prefix):
            close()
        if line.trailing:
            section.append(index)
    close()
    return columns


def _comment_block(entries, prefix: str, next_line: int, blank) -> list[str]:
    """Own-line comments; at top level (`blank` given) a blank line between them, or
    before the code below, is kept where the source had one."""
    out = []
    for i, (line, text) in enumerate(entries):
        out.append(prefix + text)
        following = entries[i + 1][0] if i + 1 < len(entries) else next_line
        if blank is not None and any(blank(n) for n in range(line + 1, following)):
            out.append("")
    return out


def _one_line(comment: str) -> str:
    """A comment as printed: on one line. A comment runs to the next LF, so a CR, VT,
    FF, NEL, U+2028 or U+2029 inside it (an old Mac file, pasted text) was part of the
    comment; printed as a space, it still is, and now looks it in every editor."""
    return LINE_BREAK.sub(" ", comment).rstrip()


def format_plan(plan_file: ast.PlanFile) -> str:
    """Canonical text of a parsed plan, comments included (ends with a newline)."""
    comments = sorted((c.line, c.own_line) for c in plan_file.comments)
    own_lines = [line for line, own in comments if own]
    lines: list[Line] = []
    for index, item in enumerate(plan_file.items):
        item_lines = _lines(item, comments)
        item_lines[0].blank_before = index > 0 and not _tight(plan_file.items[index - 1], item, own_lines)
        lines += item_lines
    at_end = []
    for comment in plan_file.comments:
        at = _holder(lines, comment.line, comment.own_line) if lines else 0
        entry = (comment.line, _one_line(comment.text))
        if at == len(lines):
            at_end.append(entry)
        else:
            (lines[at].before if comment.own_line else lines[at].trailing).append(entry if comment.own_line else entry[1])
    occupied = {c.line for c in plan_file.comments} | {n for l in lines for n in range(l.first, l.last + 1)}
    out: list[str] = []
    for line, column in zip(lines, _comment_columns(lines)):
        if line.blank_before:
            out.append("")
        # a closing brace's comments are indented like the rows above it
        prefix = INDENT + line.prefix if line.text == "}" and not line.prefix else line.prefix
        *above, last = line.trailing or [None]
        out += _comment_block(line.before, prefix, line.first, (lambda n: n not in occupied) if not prefix else None)
        out += [prefix + text for text in above]
        out.append(line.printed + (" " * (column - display_width(line.printed)) + last if last else ""))
    if at_end:
        out += [""] if out else []
        out += _comment_block(at_end, "", 0, None)
    return "\n".join(out) + "\n"


def format_text(text: str, file: str = "<plan>") -> tuple[Optional[str], list[Diagnostic]]:
    r"""Parse and format; (None, [syntax diagnostic]) when the text does not parse.

    >>> format_text('plan "x" {currency CNY}  let a=1 # one')
    ('plan "x" {\n  currency CNY\n}\n\nlet a = 1  # one\n', [])
    >>> format_text('let = 1')[1][0].code
    'E001'
    """
    plan_file, diagnostics = parse(text, file)
    if plan_file is None:
        return None, diagnostics
    return format_plan(plan_file), diagnostics
