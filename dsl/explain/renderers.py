"""Rendering explanations: a payee's lines and their traces as text, Markdown or JSON.

Renderers read the trace trees the evaluator built; they compute nothing. Each
node becomes one line a rep can check with a calculator: the plan text, its
value, and where the inputs came from (file, row, column), tier bands as
amount × rate, caps, floors and rounding as before → after. Fixed words come in
Chinese or English (`lang`).
"""
from __future__ import annotations

import json
import re
from decimal import Decimal
from typing import Optional

from dsl.run.results import PayeeResult
from dsl.run.trace import Trace, derivation_key, json_value, shared_json
from dsl.core.types import MoneyType
from dsl.core.display import format_number, show_value

WORDS = {
    "en": {
        "total": "total", "payee": "payee", "plan": "plan", "period": "period", "flags": "flags",
        "rows": "rows", "row": "row", "column": "column", "of": "of", "matched": "matched",
        "passed": "passed", "failed": "not met: line is 0", "rounding": "rounding",
        "cap": "cap", "floor": "floor", "total_cap": "total cap", "total_floor": "total floor",
        "adjustment": "adjustment", "took": "took", "then": "then", "else": "else", "table": "table",
        "line": "line", "value": "value", "band": "band", "no_rows": "no rows", "computed": "computed", "withheld": "withheld by the gate",
        "held": "held", "released": "released", "scaled": "scaled at release", "forfeited": "forfeited", "clawed_back": "clawed back",
        "returned": "returned", "recovered": "recovered", "draw_paid": "draw paid", "draw_recovered": "draw recovered",
        "carried": "carried as owed", "carry_recovered": "carried pay recovered", "balances": "balances carried forward",
        "earned": "earned", "paid": "paid", "opening": "opening", "closing": "closing", "from": "from", "in": "in",
        "previous": "previous period", "history": "periods read", "default": "no earlier period: the default", "line_of": "the line",
        "above": "derived above", "members": "members",
        "pool": "pool, not paid", "fund": "fund, not paid", "unallocated": "goes back, not paid", "share": "share", "award": "award",

    },
    "zh": {
        "total": "合计", "payee": "人员", "plan": "方案", "period": "期间", "flags": "标记",
        "rows": "行", "row": "行", "column": "列", "of": "/", "matched": "符合",
        "passed": "满足", "failed": "不满足：本项为 0", "rounding": "舍入",
        "cap": "封顶", "floor": "保底", "total_cap": "总额封顶", "total_floor": "总额保底",
        "adjustment": "调整", "took": "取", "then": "then 分支", "else": "else 分支", "table": "表",
        "line": "项目", "value": "金额", "band": "档", "no_rows": "无数据行", "computed": "计算列", "withheld": "因条件未满足而未发放",
        "held": "暂扣", "released": "发放暂扣", "scaled": "按系数调整", "forfeited": "没收", "clawed_back": "追回应扣",
        "returned": "退还", "recovered": "扣回", "draw_paid": "保底补足", "draw_recovered": "保底扣回",
        "carried": "结转欠款", "carry_recovered": "扣回结转欠款", "balances": "结转余额",
        "earned": "应得", "paid": "实发", "opening": "期初", "closing": "期末", "from": "来自", "in": "于",
        "previous": "上期", "history": "读取期间", "default": "无更早期间：取默认值", "line_of": "项目",
        "above": "推导见上", "members": "成员",
        "pool": "奖金池，不发放", "fund": "基金，不发放", "unallocated": "退回，不发放", "share": "分配", "award": "排名奖励",

    },
}

# The words of pay statements (dsl/statement): headings, then one-sentence templates; each key's
# English and Chinese side by side, added to WORDS so statements and explanations share one vocabulary.
_STATEMENT_WORDS = {
    "statement": ("pay statement", "薪酬对账单"),
    "paid_total": ("total paid", "实发合计"),
    "explanation": ("explanation", "说明"),
    "figures": ("figures used", "用到的数值"),
    "credited": ("rows credited", "计入的数据行"),
    "progress": ("attainment", "达成与下一档"),
    "notes": ("caps, gates, holds and rounding", "封顶、条件、暂扣与舍入"),
    "statements": ("pay statements", "薪酬对账单"),
    "name": ("name", "名称"),
    "input": ("input", "数据"),
    "st_calc": ("{formula}: {calc} = {value}", "{formula}：{calc} = {value}"),
    "st_marginal": ("marginal rates: of {amount}, {parts} = {value}", "按超额累进计算，{amount} 中 {parts} = {value}"),
    "st_whole": ("whole-amount rate: {amount} reaches band {band}, {amount} × {rate} = {value}", "按全额计算，{amount} 达到 {band} 档：{amount} × {rate} = {value}"),
    "st_next": ("{table}: {amount} is in band {band} ({rate}); {distance} short of the next band ({next}, {next_rate})", "{table}：{amount} 在 {band} 档（{rate}），距下一档（{next} {next_rate}）还差 {distance}"),
    "st_top": ("{table}: {amount} is in the top band {band} ({rate})", "{table}：{amount} 已在最高档 {band}（{rate}）"),
    "st_cap": ("capped at {limit}: {excess} above it is not paid", "封顶 {limit}：超出部分 {excess} 未发放"),
    "st_floor": ("floor of {limit}: {excess} added to reach it", "保底 {limit}：补足 {excess}"),
    "st_total_cap": ("total capped at {limit}: {excess} above it is not paid", "总额封顶 {limit}：超出部分 {excess} 未发放"),
    "st_total_floor": ("total floor of {limit}: {excess} added to reach it", "总额保底 {limit}：补足 {excess}"),
    "st_gate_met": ("condition {condition} is met, so {value} is paid", "条件 {condition} 满足：本项 {value} 发放"),
    "st_gate_failed": ("condition {condition} is not met, so {value} is not paid", "条件 {condition} 不满足：本项 {value} 未发放"),
    "st_held": ("held back this period: {formula} = {calc} = {value}; held balance {balance}", "本期暂扣：{formula} = {calc} = {value}，暂扣余额 {balance}"),
    "st_released": ("released from what was held in {sources}", "发放此前暂扣的款项（{sources}）"),
    "st_scaled": ("scaled at release by {factor}: {value}", "发放时按系数 {factor} 调整：{value}"),
    "st_posting": ("{kind}: {value}", "{kind}：{value}"),
    "st_rounding": ("rounded {before} → {after}", "舍入 {before} → {after}"),
    "st_balance": ("{account}: opening {opening}, closing {closing}", "{account}：期初 {opening}，期末 {closing}"),
}
for _lang, _side in (("en", 0), ("zh", 1)):
    WORDS[_lang].update({key: words[_side] for key, words in _STATEMENT_WORDS.items()})

MODE_WORDS = {
    "en": {"marginal": "marginal: each band's rate on the part inside it", "whole": "whole: the band reached sets the rate for the whole amount", "lookup": "lookup"},
    "zh": {"marginal": "超额累进：各档比例只计档内部分", "whole": "全额：达到的档位比例适用于全部金额", "lookup": "查表"},
}


def _ref(ref: dict, w: dict) -> str:
    text = f"{ref['file']} {w['row']} {ref['row']}"
    if ref.get("column"):
        text += f", {w['column']} {ref['column']}"
    return text


def describe(node: Trace, w: dict, lang: str) -> Optional[str]:
    """One line for a trace node, or None to fold it into its parent."""
    d = node.detail
    value = show_value(node.value, node.type)
    kind = node.kind
    if kind == "const":
        return None
    if kind in ("payout", "flag"):
        return f"{node.text} = {value}"
    if kind == "let":  # `see`: how to explain where the value comes from (a member of a team: plan explain … --payee 甲)
        return f"{d.get('name', node.text)} = {value}" + (f"  → {d['see']}" if d.get("see") else "")
    if kind in ("record", "param", "column"):
        return f"{node.text} = {value}  ← {_ref(d['ref'], w)}"
    if kind == "computed":
        row = {"file": d["ref"]["file"], "row": d["ref"]["row"]}
        return f"{node.text} = {value}  ← {_ref(row, w)} ({w['computed']})"
    if kind == "row":
        return f"{_ref(d['ref'], w)}: {value}"
    if kind == "aggregate":
        rows = w["members"] if d.get("table") == "members" else w["rows"]  # a team aggregate counts members, not rows
        count = f"{d['matched']} {w['of']} {d['rows']} {rows}" if lang == "en" else f"{d['matched']}{w['of']}{d['rows']} {rows}"
        return f"{node.text} = {value}  ({count})"
    if kind == "cond":
        return f"{node.text} = {value}  ({w['took']} {w[d['branch']]})"
    if kind == "tiers":
        mode = MODE_WORDS[lang].get(d["mode"], d["mode"])
        return f"{node.text} = {value}  [{mode}]"
    if kind == "band":
        if "rate" in d:
            rate = show_value(d["rate"], "percent") if not node.type.startswith("money") or _is_rate(d["rate"]) else show_value(d["rate"])
            amount = show_value(d["amount"], node.type if node.type.startswith("money") else "")
            return f"{w['band']} {node.text}: {amount} × {rate} = {value}"
        return f"{w['band']} {node.text} → {value}"
    if kind == "withheld":
        return f"{w['withheld']} = {value}"
    if kind == "gate":
        verdict = w["passed"] if node.value else w["failed"]
        return f"{node.text}: {verdict}"
    if kind in ("cap", "floor", "total_cap", "total_floor"):
        before = show_value(d["before"], node.type)
        after = show_value(d["after"], node.type)
        return f"{w[kind]} {show_value(d['limit'], node.type)}: {before} → {after}  ({w['adjustment']} {value})"
    if kind == "history":
        if d.get("default"):
            return f"{node.text} = {value}  ({w['default']})"
        if "period" in d and "fn" not in d:
            return f"{w['in']} {d['period']}: {value}"
        return f"{node.text} = {value}  ({w['history']}: {', '.join(d.get('periods', []))})"
    if kind == "line":
        return f"{node.text} = {value}  ({w['line_of']} \"{d.get('label', '')}\")"
    if kind == "period":
        return f"{node.text} = {value}"
    if kind == "call":  # an inlined function: its arguments' values, then (below) the body's steps
        args = ", ".join(f"{a['name']} = {show_value(a['value'], a['type']) if a['value'] is not None else '?'}" for a in d.get("args", ()))
        return f"{d['function']}({args}) = {value}"
    if kind == "posting":
        sources = "".join(f"; {w['from']} {s['period']} \"{s['line']}\" {show_value(s['amount'], node.type)}" for s in d.get("from", []))
        return f"{w.get(d['posting'], d['posting'])}: {node.text} = {value}{sources}"
    if kind == "rounding":
        unit = format_number(d["unit"])
        return f"{w['rounding']} {d['mode']} {unit}: {show_value(d['before'], node.type)} → {show_value(d['after'], node.type)}"
    return f"{node.text} = {value}"


def _is_rate(value) -> bool:
    return isinstance(value, Decimal) and abs(value) < 1


def _shown_children(node: Trace) -> list[Trace]:
    children = list(node.children)
    if node.kind == "gate" and len(children) == 1 and children[0].kind in ("cmp", "logic"):
        # "when X: met" already states X's value; show what X was computed from.
        children = list(children[0].children)
    return [c for c in children if not (c.kind == "const" and not c.children)]


def one_line(text: Optional[str]) -> Optional[str]:
    """Plan text that spans source lines (layout is free) as one line, so the tree stays intact."""
    return None if text is None else re.sub(r"[ \t]*\r?\n\s*", " ", text)



def _tree_lines(root: Trace, w, lang, seen: set) -> list[str]:
    """The tree of one line, without recursion (a chain of lets may be hundreds deep).

    A let or computed cell already derived in this explanation (`seen`) is shown
    with its value and "derived above", not derived again: the evaluator computed
    it once, and copying its derivation each time made 20 lets that each read the
    one before twice print 2^20 lines.
    """
    lines: list[str] = []
    stack = [(root, "", True, True)]  # node, prefix, is last of its siblings, is the root
    while stack:
        node, prefix, last, is_root = stack.pop()
        text = one_line(describe(node, w, lang))
        if text is None:  # folded into its parent: its children stand in its place
            children = list(node.children)
            stack.extend((child, prefix, i == len(children) - 1 and last, is_root) for i, child in reversed(list(enumerate(children))))
            continue
        key = derivation_key(node)
        repeated = key is not None and key in seen
        if repeated:
            text += f"  ({w['above']})"
        elif key is not None:
            seen.add(key)
        if is_root:
            lines.append(text)
            child_prefix = ""
        else:
            lines.append(prefix + ("└─ " if last else "├─ ") + text)
            child_prefix = prefix + ("   " if last else "│  ")
        if repeated:
            continue
        shown = _shown_children(node)
        stack.extend((child, child_prefix, i == len(shown) - 1, False) for i, child in reversed(list(enumerate(shown))))
    return lines


_NOT_PAY = ("pool", "fund", "unallocated")  # a team's rows that are reported, never paid


def _selected(result: PayeeResult, line: Optional[str]):
    """The lines (then the team's pools and funds, which are not pay) and flags to explain."""
    if line is None:
        return list(result.lines) + list(result.accruals), list(result.flags)
    return [l for l in result.lines + result.accruals if l.label == line], [f for f in result.flags if f.label == line]


def render_text(plan, result: PayeeResult, line: Optional[str] = None, lang: str = "zh") -> str:
    w = WORDS[lang]
    money = str(MoneyType(plan.currency))
    lines_, flags = _selected(result, line)
    out = [f"{plan.name} · {w['payee']} {result.payee} · {w['period']} {result.period}"]
    if line is None:
        out.append(f"{w['total']} = {show_value(result.total, money)} {plan.currency}")
    seen: set = set()
    for item in lines_:
        out.append("")
        tree = _tree_lines(item.trace, w, lang, seen) if item.trace is not None else [f"{item.label} = {show_value(item.value, money)}"]
        if item.kind in _NOT_PAY:
            tree[0] = f"{item.label} ({w[item.kind]}) = {show_value(item.value, money)}"
        out += tree
    for flag in flags:
        out.append("")
        out += _tree_lines(flag.trace, w, lang, seen) if flag.trace else [f"{flag.label} = {show_value(flag.value)}"]
    if line is None and result.balances:
        out += ["", w["balances"] + ":"] + [f"  {text}" for text in _balance_lines(result, w, money)]
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


def _md_lines(root: Trace, w, lang, seen: set) -> list[str]:
    """The nested list of one line, without recursion; shared derivations once (as _tree_lines)."""
    lines: list[str] = []
    stack = [(root, 0)]
    while stack:
        node, depth = stack.pop()
        text = one_line(describe(node, w, lang))
        if text is None:
            stack.extend((child, depth) for child in reversed(node.children))
            continue
        key = derivation_key(node)
        repeated = key is not None and key in seen
        if key is not None:
            seen.add(key)
        where = f" <sub>{node.span.file}:{node.span.line}</sub>" if node.span is not None and node.span.line > 0 and depth == 0 else ""
        lines.append("  " * depth + f"- `{text}`{where}" + (f" ({w['above']})" if repeated else ""))
        if not repeated:
            stack.extend((child, depth + 1) for child in reversed(_shown_children(node)))
    return lines


def render_markdown(plan, result: PayeeResult, line: Optional[str] = None, lang: str = "zh") -> str:
    w = WORDS[lang]
    money = str(MoneyType(plan.currency))
    lines_, flags = _selected(result, line)
    out = [f"# {plan.name} — {result.payee}", "", f"{w['period']}: {result.period} · {w['total']}: **{show_value(result.total, money)} {plan.currency}**", ""]
    out += [f"| {w['line']} | {w['value']} |", "|---|---:|"]
    for item in lines_:
        label = item.label if item.kind == "payout" else f"{item.label} ({w.get(item.kind, item.kind)})"
        out.append(f"| {label} | {show_value(item.value, money)} |")
    for flag in flags:
        out.append(f"| {flag.label} | {show_value(flag.value)} |")
    seen: set = set()
    for item in lines_:
        if item.trace is None:
            continue
        out += ["", f"## {item.label}" + ("" if item.kind == "payout" else f" ({w.get(item.kind, item.kind)})"), ""]
        out += _md_lines(item.trace, w, lang, seen)
    for flag in flags:
        if flag.trace is not None:
            out += ["", f"## {flag.label}", ""] + _md_lines(flag.trace, w, lang, seen)
    if line is None and result.balances:
        out += ["", f"## {w['balances']}", ""] + [f"- {text}" for text in _balance_lines(result, w, money)]
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
