"""A statement as Markdown: the lines with their sentences and the total, then the
notes, attainment, figures, flags, the rows credited and the balances carried."""
from __future__ import annotations

from dsl.core.display import show_value
from dsl.statement.model import Statement, periods_total


def _cell(text) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def line_label(statement: Statement, label: str, kind: str) -> str:
    """A line's label, with its kind when it is not a payout (a hold's account has several lines)."""
    word = statement.kind_word(kind)
    return f"{label} ({word})" if word else label


def render_markdown(statement: Statement) -> str:
    w, money = statement.words, statement.money
    out = [f"# {statement.plan} · {statement.payee} · {statement.period}", "",
           f"**{w['paid_total']}: {show_value(statement.total, money)} {statement.currency}**", "",
           f"| {w['line']} | {w['value']} | {w['explanation']} |", "|---|---:|---|"]
    for line in statement.lines:
        out.append(f"| {_cell(line_label(statement, line.label, line.kind))} | {show_value(line.value, money)} | {_cell(line.sentence)} |")
    out.append(f"| **{w['total']}** | **{show_value(statement.total, money)}** | |")
    for title, items in ((w["notes"], statement.notes), (w["progress"], [p.sentence for p in statement.progress])):
        if items:
            out += ["", f"## {title}", ""] + [f"- {item}" for item in items]
    if statement.figures:
        out += ["", f"## {w['figures']}", "", f"| {w['name']} | {w['value']} | {w['plan']} |", "|---|---:|---|"]
        out += [f"| {_cell(f.name)} | {show_value(f.value, f.type)} | `{_cell(f.formula)}` |" for f in statement.figures]
    if statement.flags:
        out += ["", f"## {w['flags']}", "", f"| {w['flags']} | {w['value']} |", "|---|---:|"]
        out += [f"| {_cell(f.label)} | {show_value(f.value, f.type)} |" for f in statement.flags]
    for table in statement.credited:
        out += ["", f"## {w['credited']}: {table.input}", "", "| " + " | ".join(map(_cell, table.columns)) + " |",
                "|" + "|".join("---:" if t.startswith(("money", "number", "percent", "int")) else "---" for t in table.types) + "|"]
        out += ["| " + " | ".join(_cell(show_value(v, t)) for v, t in zip(row, table.types)) + " |" for row in table.rows]
    if statement.balances:
        out += ["", f"## {w['balances']}", ""] + [f"- {b}" for b in statement.balances]
    if statement.pools:
        out += ["", f"## {w['pools']}", ""] + [f"- {_cell(p)}" for p in statement.pools]
    return "\n".join(out) + "\n"


def render_periods_markdown(statements: list[Statement]) -> str:
    """One payee's statements of several periods in one document: each period's total and the
    total over them first, then each period's statement, its headings one level down."""
    first = statements[0]
    w, money = first.words, first.money
    total = periods_total(statements)
    out = [f"# {first.plan} · {first.payee} · {statements[0].period} – {statements[-1].period}", "",
           f"**{w['periods_total']}: {show_value(total, money)} {first.currency}**", "",
           f"| {w['period']} | {w['paid_total']} |", "|---|---:|"]
    out += [f"| {_cell(one.period)} | {show_value(one.total, money)} |" for one in statements]
    out.append(f"| **{w['total']}** | **{show_value(total, money)}** |")
    for one in statements:
        out += [""] + [f"#{line}" if line.startswith("#") else line for line in render_markdown(one).rstrip("\n").split("\n")]
    return "\n".join(out) + "\n"
