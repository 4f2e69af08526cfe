"""Rendering explanations: a payee's lines and their traces as text, Markdown or JSON.

Renderers lay out the steps `dsl.explain.model` makes of the trace trees; they
compute nothing. Each step is one line a rep can check with a calculator: the
plan text, its value, and where the inputs came from (the row's own columns, the
file and row), tier bands as amount × rate, caps, floors and rounding as
before → after; then the data rows credited, with all their columns. Fixed words
come in Chinese or English (`lang`, from `dsl.explain.words`).
"""
from __future__ import annotations

import json
import re
from typing import Optional

from dsl.core.display import show_value
from dsl.core.types import MoneyType
from dsl.explain.model import Context, Step, describe, one_line, steps
from dsl.explain.rows import RowNames, credited_rows
from dsl.explain.words import MODE_WORDS, PERIOD_WORDS, WORDS
from dsl.run.results import PayeeResult
from dsl.run.trace import json_value, shared_json

__all__ = ["MODE_WORDS", "WORDS", "describe", "one_line", "render_json", "render_markdown", "render_text"]


def _context(lang: str, dataset, rows: bool) -> Context:
    return Context(WORDS[lang], lang, RowNames(dataset), rows)


def _period(result: PayeeResult, lang: str) -> str:
    """The period explained: `2026-Q4`, or for a plan without dated periods its unit in words."""
    text = str(result.period)
    return PERIOD_WORDS[lang].get(text, text)


def _cell(value, type_name: str, w: dict) -> str:
    """A data cell of a credited row; true and false in the explanation's words."""
    if isinstance(value, bool):
        return w["true"] if value else w["false"]
    return show_value(value, type_name)


def _tree(found: list[Step]) -> list[str]:
    """Steps as a terminal tree: `├─` / `└─` by whether a later sibling follows."""
    last = [False] * len(found)
    ahead: dict[int, bool] = {}
    for i in range(len(found) - 1, -1, -1):
        depth = found[i].depth
        last[i] = not ahead.get(depth, False)
        ahead = {d: v for d, v in ahead.items() if d < depth}
        ahead[depth] = True
    lines, open_levels = [], {}
    for step, is_last in zip(found, last):
        if step.depth == 0:
            lines.append(step.text)
            continue
        prefix = "".join("   " if open_levels.get(level) else "│  " for level in range(1, step.depth))
        lines.append(prefix + ("└─ " if is_last else "├─ ") + step.text)
        open_levels[step.depth] = is_last
    return lines


_NOT_PAY = ("pool", "fund", "unallocated")  # a team's rows that are reported, never paid


def _selected(result: PayeeResult, line: Optional[str]):
    """The lines (then the team's pools and funds, which are not pay) and flags to explain."""
    if line is None:
        return list(result.lines) + list(result.accruals), list(result.flags)
    return [l for l in result.lines + result.accruals if l.label == line], [f for f in result.flags if f.label == line]


def render_text(plan, result: PayeeResult, line: Optional[str] = None, lang: str = "zh", dataset=None, rows: bool = False) -> str:
    """The explanation as a terminal tree. With the run's `dataset`, data rows are named by their
    own columns and listed at the end; `rows` also lists the rows each `where` left out."""
    ctx = _context(lang, dataset, rows)
    w = ctx.w
    money = str(MoneyType(plan.currency))
    lines_, flags = _selected(result, line)
    out = [f"{plan.name} · {w['payee']} {result.payee} · {w['period']} {_period(result, lang)}"]
    if line is None:
        out.append(f"{w['total']} = {show_value(result.total, money)} {plan.currency}")
    for item in lines_:
        out.append("")
        tree = _tree(steps(item.trace, ctx)) if item.trace is not None else [f"{item.label} = {show_value(item.value, money)}"]
        if item.kind in _NOT_PAY:
            tree[0] = f"{item.label} ({w[item.kind]}) = {show_value(item.value, money)}"
        out += tree
    for flag in flags:
        out.append("")
        out += _tree(steps(flag.trace, ctx)) if flag.trace else [f"{flag.label} = {show_value(flag.value)}"]
    if line is None and result.balances:
        out += ["", w["balances"] + ":"] + [f"  {text}" for text in _balance_lines(result, w, money)]
    for table in credited_rows(dataset, ctx.refs) if dataset is not None else ():
        out += ["", f"{w['credited']} · {table.input} ({table.file}):"]
        out += [f"  {w['row']} {number}: " + ", ".join(f"{c} {_cell(v, t, w)}" for c, v, t in zip(table.columns, row, table.types))
                for number, row in zip(table.numbers, table.rows)]
    return "\n".join(out) + "\n"


def _balance_lines(result: PayeeResult, w: dict, money: str) -> list[str]:
    """Each open account: opening → closing, and the period and line each part carried forward came from."""
    lines = []
    for b in result.balances:
        parts = ", ".join(f"{v.period} \"{v.label}\" {show_value(v.amount, money)}" for v in b.vintages)
        # what moved the balance without being paid: forfeited, or clawed back (now owed)
        moved = "".join(f"; {w[p.kind]} {show_value(p.amount, money)}" for p in result.postings
                        if p.account == b.account and p.kind in ("forfeited", "clawed_back"))
        lines.append(f"{b.account} ({b.kind}): {w['opening']} {show_value(b.opening, money)} → {w['closing']} {show_value(b.closing, money)}"
                     + moved + (f"  ({w['from']} {parts})" if parts else ""))
    return lines


_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]<>#|])")


def md_escape(text) -> str:
    """Text (a label, plan text, a value) as Markdown that shows it as written: `*`, `|`, `_`, … escaped."""
    return _MD_SPECIAL.sub(r"\\\1", str(text).replace("\n", " "))


def _code(text: str) -> str:
    """A step as inline code, shown exactly as written (`*`, `|`, `_` included); a fence longer than any run of backticks in it."""
    fence = "`" * (max((len(run) for run in re.findall(r"`+", text)), default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def _md_list(found: list[Step]) -> list[str]:
    """Steps as a nested Markdown list: four spaces a level, as Python-Markdown (mkdocs) nests lists."""
    return ["    " * step.depth + f"- {_code(step.text)}" + (f" <sub>{md_escape(step.location)}</sub>" if step.location else "")
            for step in found]


def render_markdown(plan, result: PayeeResult, line: Optional[str] = None, lang: str = "zh", dataset=None, rows: bool = False) -> str:
    """The explanation as Markdown: a table of the lines, then each line's steps as a nested list."""
    ctx = _context(lang, dataset, rows)
    w = ctx.w
    money = str(MoneyType(plan.currency))
    lines_, flags = _selected(result, line)
    out = [f"# {md_escape(plan.name)} — {md_escape(result.payee)}", "",
           f"{w['period']}: {_period(result, lang)} · {w['total']}: **{show_value(result.total, money)} {plan.currency}**", ""]
    out += [f"| {w['line']} | {w['value']} |", "|---|---:|"]
    for item in lines_:
        label = item.label if item.kind == "payout" else f"{item.label} ({w.get(item.kind, item.kind)})"
        out.append(f"| {md_escape(label)} | {show_value(item.value, money)} |")
    for flag in flags:
        out.append(f"| {md_escape(flag.label)} | {md_escape(show_value(flag.value))} |")
    for item in lines_:
        if item.trace is None:
            continue
        out += ["", f"## {md_escape(item.label)}" + ("" if item.kind == "payout" else f" ({w.get(item.kind, item.kind)})"), ""]
        out += _md_list(steps(item.trace, ctx))
    for flag in flags:
        if flag.trace is not None:
            out += ["", f"## {md_escape(flag.label)}", ""] + _md_list(steps(flag.trace, ctx))
    if line is None and result.balances:
        out += ["", f"## {w['balances']}", ""] + [f"- {md_escape(text)}" for text in _balance_lines(result, w, money)]
    for table in credited_rows(dataset, ctx.refs) if dataset is not None else ():
        out += ["", f"## {w['credited']}: {md_escape(table.input)}", "", f"<sub>{md_escape(table.file)}</sub>", "",
                f"| {w['row']} | " + " | ".join(map(md_escape, table.columns)) + " |",
                "|---:|" + "|".join("---:" if t.startswith(("money", "number", "percent", "int")) else "---" for t in table.types) + "|"]
        out += [f"| {number} | " + " | ".join(md_escape(_cell(v, t, w)) for v, t in zip(row, table.types)) + " |"
                for number, row in zip(table.numbers, table.rows)]
    return "\n".join(out) + "\n"


def explanation_json(plan, result: PayeeResult, line: Optional[str] = None) -> dict:
    """The JSON form; each let's and computed cell's derivation is written once, under
    `derivations`, and named by the nodes that read it (see `dsl.run.trace.shared_json`)."""
    lines_, flags = _selected(result, line)
    traces, derivations = shared_json([l.trace for l in lines_] + [f.trace for f in flags])
    line_traces, flag_traces = traces[: len(lines_)], traces[len(lines_):]
    return {
        "schema": "plan-explain/2",
        "plan": plan.name,
        "file": plan.file,
        "period": str(result.period),
        "currency": plan.currency,
        "payee": result.payee,
        "total": json_value(result.total),
        "lines": [
            {"label": l.label, "kind": l.kind, "value": json_value(l.value), "trace": t} for l, t in zip(lines_, line_traces)
        ],
        "flags": [{"label": f.label, "value": json_value(f.value), "trace": t} for f, t in zip(flags, flag_traces)],
        "derivations": derivations,
        **({"balances": [{"account": b.account, "kind": b.kind, "opening": json_value(b.opening), "closing": json_value(b.closing),
                          "from": [{"period": str(v.period), "line": v.label, "amount": json_value(v.amount)} for v in b.vintages]}
                         for b in result.balances]} if result.balances else {}),
    }


def render_json(plan, result: PayeeResult, line: Optional[str] = None) -> str:
    return json.dumps(explanation_json(plan, result, line), ensure_ascii=False, indent=2) + "\n"
