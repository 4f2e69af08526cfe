"""Rendering a plan diff (dsl/run/diff.py) as text, JSON or workbook sheets.

Text is for a person reviewing a plan change: a table of payees (old total, new
total, delta), under each payee the lines and flags that changed, then the total
cost change and how many payees gain, lose, stay the same, are new or removed.
Amounts are the exact values with thousands separators (`+5,000.00`), never
rounded for display. JSON carries every amount as a decimal string, as the run
results do; the workbook has a sheet of payees, one of changed lines and a summary.
"""
from __future__ import annotations

import json
from decimal import Decimal
from typing import Optional

from dsl.core.source import display_width
from dsl.run.diff import Change, PlanDiff
from dsl.run.trace import json_value


WORDS = {
    "en": {
        "title": "plan diff", "payee": "payee", "period": "period", "old_total": "old", "new_total": "new", "delta": "delta",
        "line": "line", "total": "total cost change", "payees": "payees", "flag": "flag",
        Change.GAIN: "gain", Change.LOSE: "lose", Change.UNCHANGED: "unchanged", Change.NEW: "new", Change.REMOVED: "removed",
    },
    "zh": {
        "title": "方案对比", "payee": "人员", "period": "期间", "old_total": "原", "new_total": "新", "delta": "差额",
        "line": "项目", "total": "总成本变化", "payees": "人员", "flag": "标记",
        Change.GAIN: "增加", Change.LOSE: "减少", Change.UNCHANGED: "不变", Change.NEW: "新增", Change.REMOVED: "移除",
    },
}


def _amount(value: Optional[Decimal], signed: bool = False) -> str:
    if value is None:
        return "—"
    return f"{value:+,f}" if signed and value != 0 else f"{value:,f}"


def _shown(value: object) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(json_value(value))


def _table(rows: list[list[str]], numeric_from: int) -> list[str]:
    """Rows aligned by display width (Chinese labels take two columns a character);
    columns from `numeric_from` on are right-aligned."""
    widths = [max(display_width(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = []
    for row in rows:
        cells = []
        for i, cell in enumerate(row):
            pad = " " * (widths[i] - display_width(cell))
            cells.append(pad + cell if i >= numeric_from else cell + pad)
        lines.append("  ".join(cells).rstrip())
    return lines


def render_text(diff: PlanDiff, lang: str = "zh") -> str:
    """The diff as an aligned table for a terminal or a review comment."""
    w = WORDS[lang]
    several = len(diff.periods) > 1
    header = [w["payee"]] + ([w["period"]] if several else []) + [w["old_total"], w["new_total"], w["delta"]]
    rows = [header]
    for entry in diff.payees:
        name = entry.payee
        if entry.change in (Change.NEW, Change.REMOVED):
            name += f" ({w[entry.change]})"
        rows.append([name] + ([entry.period] if several else []) + [_amount(entry.old), _amount(entry.new), _amount(entry.delta, True)])
        for line in entry.lines:
            label = line.label if line.kind == "payout" else f"{line.label} [{line.kind}]"
            rows.append(["  " + label] + ([""] if several else []) + [_amount(line.old), _amount(line.new), _amount(line.delta, True)])
        for flag in entry.flags:
            rows.append([f"  {w['flag']} {flag.label}"] + ([""] if several else []) + [_shown(flag.old), _shown(flag.new), ""])
    title = diff.new_plan if diff.old_plan == diff.new_plan else f"{diff.old_plan} → {diff.new_plan}"
    out = [f"{w['title']}: {title} ({diff.currency})", ""]
    out += _table(rows, 2 if several else 1)
    counts = ", ".join(f"{diff.count(change)} {w[change]}" for change in Change)
    out += [
        "",
        f"{w['total']}: {_amount(diff.delta, True)} ({w['old_total']} {_amount(diff.old_total)} → {w['new_total']} {_amount(diff.new_total)})",
        f"{w['payees']}: {counts}",
    ]
    return "\n".join(out) + "\n"


def _line_json(line) -> dict:
    return {"line": line.label, "kind": line.kind, "old": json_value(line.old), "new": json_value(line.new), "delta": json_value(line.delta)}


def render_json(diff: PlanDiff) -> str:
    """The diff as JSON: amounts as decimal strings, a missing side as null."""
    document = {
        "old_plan": diff.old_plan,
        "new_plan": diff.new_plan,
        "currency": diff.currency,
        "periods": list(diff.periods),
        "total": {"old": json_value(diff.old_total), "new": json_value(diff.new_total), "delta": json_value(diff.delta)},
        "counts": {change.value: diff.count(change) for change in Change},
        "payees": [
            {
                "payee": entry.payee,
                "period": entry.period,
                "change": entry.change.value,
                "old": json_value(entry.old),
                "new": json_value(entry.new),
                "delta": json_value(entry.delta),
                "lines": [_line_json(line) for line in entry.lines],
                "flags": [{"flag": f.label, "old": json_value(f.old), "new": json_value(f.new)} for f in entry.flags],
            }
            for entry in diff.payees
        ],
    }
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


def diff_workbook(diff: PlanDiff) -> dict[str, list[list]]:
    """The sheets of the workbook: `payees`, `lines` (the changed ones) and `summary`; amounts stay Decimal."""
    payees = [["payee", "period", "change", "old", "new", "delta"]]
    lines = [["payee", "period", "line", "kind", "old", "new", "delta"]]
    for entry in diff.payees:
        payees.append([entry.payee, entry.period, entry.change.value, entry.old, entry.new, entry.delta])
        lines += [[entry.payee, entry.period, line.label, line.kind, line.old, line.new, line.delta] for line in entry.lines]
    summary = [["measure", "value"], ["old total", diff.old_total], ["new total", diff.new_total], ["total cost change", diff.delta]]
    summary += [[f"payees: {change.value}", Decimal(diff.count(change))] for change in Change]
    return {"payees": payees, "lines": lines, "summary": summary}


def write_diff(diff: PlanDiff, path, format: str, lang: str = "zh") -> None:
    """Write the diff to a file: text or JSON as UTF-8, xlsx as a workbook (the same bytes on every rerun)."""
    if format == "xlsx":
        from dsl.render.xlsx import write_workbook

        write_workbook(path, diff_workbook(diff))
        return
    text = render_text(diff, lang) if format == "text" else render_json(diff)
    with open(path, "w", encoding="utf-8") as out:
        out.write(text)
