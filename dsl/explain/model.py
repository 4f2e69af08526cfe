"""The explanation of one payee's lines, as steps a person reads: trace trees → `Step` lists.

The evaluator's trace is faithful to the plan's expression tree; a rep reads
something shorter. This module is the one place that decides what of a trace is
shown, for the text and the Markdown renderers alike:

- a `let` or a computed cell is one step, its name, its definition and its value
  (`累计销售额 = sum(customers.ytd_sales) = 4,700,000.00`), and a derivation shown
  once — a let, a computed cell, an aggregate — is referred to afterwards
  (`累计销售额 = 4,700,000.00（见上）`);
- a condition (`if … then … else …`) is its value and which tests held, then the
  branch taken: no `then`/`else` in the reader's way;
- a gate lists each of its conjuncts with its verdict and the values it compared;
- an aggregate with `where` says how many rows it left out and why, and lists
  them on request;
- a data cell names its row by the data's own columns (customer, kind, quarter)
  beside the file and row number;
- a rounding that changed nothing is not shown.

Nothing here computes pay: values are the evaluator's, shown with `dsl.core.display`.
"""
from __future__ import annotations

import re
from decimal import Decimal
from typing import Optional

import attrs

from dsl.core.display import format_number, show_value
from dsl.core.i18n import translate
from dsl.explain.rows import RowNames
from dsl.explain.words import MODE_WORDS, ROUNDING_WORDS
from dsl.run.trace import Trace, TraceKind, derivation_key

K = TraceKind


@attrs.frozen
class Step:
    depth: int
    text: str
    location: Optional[str] = None  # `file:line` of a line's first step


@attrs.define
class Context:
    """What one explanation shares across its lines: the words, the derivations already
    shown, the dataset's row names, whether to list excluded rows, and the rows read."""

    w: dict
    lang: str
    rows: RowNames
    show_excluded: bool = False
    seen: set = attrs.field(factory=set)
    refs: list = attrs.field(factory=list)  # every data row a shown step read, in order


def one_line(text: Optional[str]) -> Optional[str]:
    """Plan text that spans source lines (layout is free) as one line, so the tree stays intact."""
    return None if text is None else re.sub(r"[ \t]*\r?\n\s*", " ", text)


def _value(node: Trace, w: dict) -> str:
    if isinstance(node.value, bool):
        return w["true"] if node.value else w["false"]
    return show_value(node.value, node.type)


def _file(path: str) -> str:
    return path.replace("\\", "/").rsplit("/", 1)[-1]


def _pointer(ref: dict, w: dict, rows: Optional[RowNames] = None, row: Optional[tuple] = None, text: str = "") -> str:
    """`华美贸易 · 老客户（customers.csv 行 9）`; "" for a cell of the row being explained. The
    column is named unless the step's own text (`customers.ytd_sales`) already names it."""
    if row is not None and (ref.get("file"), ref.get("row")) == row:
        return ""
    column = ref.get("column")
    named = column and text and (text == column or text.endswith("." + column))
    place = f"{_file(ref['file'])} {w['row']} {ref['row']}" + (f", {w['column']} {column}" if column and not named else "")
    name = rows.name(ref) if rows is not None else None
    return place if name is None else w["named_row"].format(name=name, place=place)


def _paren(text: str, w: dict) -> str:
    return w["paren"].format(text)


def _verdict(node: Trace, w: dict) -> str:
    return w["holds"] if node.value else w["fails"]


def describe(node: Trace, w: dict, lang: str) -> Optional[str]:
    """One line for a trace node on its own, or None to fold it into its parent (a literal)."""
    d = node.detail
    value = _value(node, w)
    kind = node.kind
    if kind == K.CONST:
        return None
    if kind in (K.PAYOUT, K.FLAG):
        return f"{node.text} = {value}"
    if kind == K.LET:  # `see`: how to explain where the value comes from (a member of a team: plan explain … --payee 甲)
        return f"{named(node, lang)} = {value}" + (f"  → {d['see']}" if d.get("see") else "")
    if kind in (K.RECORD, K.PARAM, K.COLUMN):
        return f"{node.text} = {value}  ← {_pointer(d['ref'], w, text=node.text)}"
    if kind == K.COMPUTED:
        return f"{node.text} = {value}  ← {_pointer({'file': d['ref']['file'], 'row': d['ref']['row']}, w)}"
    if kind == K.ROW:
        return f"{_pointer(d['ref'], w)}: {value}"
    if kind == K.AGGREGATE:
        return f"{node.text} = {value}" + _paren(_counted(node, w, lang), w)
    if kind in (K.CMP, K.LOGIC) and isinstance(node.value, bool):
        return f"{one_line(node.text)}: {_verdict(node, w)}"
    if kind == K.COND:
        test = node.children[0] if node.children else None
        tested = f"{one_line(test.text)} {_verdict(test, w)}, " if test is not None else ""
        return f"{value}" + _paren(f"{tested}{w['took']} {w[d['branch']]}", w)
    if kind == K.TIERS:
        return f"{node.text} = {value}  [{MODE_WORDS[lang].get(d['mode'], d['mode'])}]"
    if kind == K.BAND:
        if "rate" in d:
            rate = show_value(d["rate"], "percent") if not node.type.startswith("money") or _is_rate(d["rate"]) else show_value(d["rate"])
            amount = show_value(d["amount"], node.type if node.type.startswith("money") else "")
            return f"{w['band']} {node.text}: {amount} × {rate} = {value}"
        return f"{w['band']} {node.text} → {value}"
    if kind == K.WITHHELD:
        return f"{w['withheld']} = {value}"
    if kind == K.GATE:
        return f"{w['when']} {one_line(node.text.removeprefix('when ').strip())}: {w['passed'] if node.value else w['failed']}"
    if kind in (K.CAP, K.FLOOR, K.TOTAL_CAP, K.TOTAL_FLOOR):
        before, after = show_value(d["before"], node.type), show_value(d["after"], node.type)
        return f"{w[kind]} {show_value(d['limit'], node.type)}: {before} → {after}  ({w['adjustment']} {value})"
    if kind == K.HISTORY:
        if d.get("default"):
            return f"{node.text} = {value}" + _paren(w["default"], w)
        if "period" in d and "fn" not in d:
            return f"{w['in']} {d['period']}: {value}"
        return f"{node.text} = {value}" + _paren(f"{w['history']}: {', '.join(d.get('periods', []))}", w)
    if kind == K.LINE:
        return f"{node.text} = {value}" + _paren(f"{w['line_of']} \"{d.get('label', '')}\"", w)
    if kind == K.PERIOD:
        return f"{w['period']} = {value}"
    if kind == K.CALL:  # an inlined function: its arguments' values, then (below) the body's steps
        args = ", ".join(f"{a['name']} = {show_value(a['value'], a['type']) if a['value'] is not None else '?'}" for a in d.get("args", ()))
        return f"{d['function']}({args}) = {value}"
    if kind == K.POSTING:
        sources = d.get("from", [])
        shown = "; ".join(f"{w['from']} {s['period']} \"{s['line']}\" {show_value(s['amount'], node.type)}" for s in sources)
        if sources and not node.children:  # a release's plan text (`release after 1 periods`) says less than its sources
            return f"{w.get(d['posting'], d['posting'])} = {value}" + _paren(shown, w)
        return f"{w.get(d['posting'], d['posting'])}: {one_line(node.text)} = {value}" + (f"; {shown}" if shown else "")
    if kind == K.ROUNDING:
        mode = ROUNDING_WORDS[lang].get(d["mode"], d["mode"])
        return f"{w['rounding']} {mode} {format_number(d['unit'])}: {show_value(d['before'], node.type)} → {show_value(d['after'], node.type)}"
    return f"{one_line(node.text)} = {value}"


def named(node: Trace, lang: str) -> str:
    """A let step's name in `lang`. The steps a pool or a ranking adds are named by the tool in
    English (`pool "奖池" of 赵刚`, `50% equally among 3 members, exactly`, marked `words`) and are
    translated; a share's step keeps who it is and translates its rule. A let of the plan keeps its name."""
    d = node.detail
    name = d.get("name", node.text)
    if lang == "en":
        return name
    if "rule" in d:
        return f"{d['who']}（{translate(d['rule'], lang)}）"
    return translate(name, lang) if d.get("words") else name


def _is_rate(value) -> bool:
    return isinstance(value, Decimal) and abs(value) < 1


def _counted(node: Trace, w: dict, lang: str) -> str:
    """`3/3 行`; with `where`: `符合 1/2 行，排除 1 行（条件 renewed 不满足）`."""
    d = node.detail
    noun = ("members", "member") if d.get("table") == "members" else ("rows", "row")  # a team aggregate counts members

    def rows(n: int) -> str:
        return w[noun[1]] if n == 1 and lang == "en" else w[noun[0]]

    count = f"{d['matched']} {w['of']} {d['rows']} {rows(d['rows'])}" if lang == "en" else f"{d['matched']}{w['of']}{d['rows']} {rows(d['rows'])}"
    left_out = d.get("rows", 0) - d.get("matched", 0)
    if not d.get("where") or left_out <= 0:
        return count
    why = f"{w['because']} {one_line(d['where'])} {w['not_met']}"
    if lang == "en":
        return f"{w['matched']} {count}; {w['excluded']} {left_out} {rows(left_out)}: {why}"
    return f"{w['matched']} {count}，{w['excluded']} {left_out} {rows(left_out)}：{why}"


def shown_key(node: Trace) -> Optional[str]:
    """What names a derivation shown once and referred to afterwards: a let, a computed cell
    (`dsl.run.trace.derivation_key`), or an aggregate, which one payee's period computes once
    for its text whatever reads it."""
    key = derivation_key(node)
    if key is None and node.kind == K.AGGREGATE and node.children:
        d = node.detail
        key = f"aggregate {node.text} {d.get('table')} {d.get('matched')}/{d.get('rows')} = {node.value}"
    return key


def _noop(node: Trace) -> bool:
    return node.kind == K.ROUNDING and node.detail.get("before") == node.detail.get("after")


def _reads(test: Trace) -> list[Trace]:
    """What a condition's verdict was computed from: a comparison's operands, else the condition itself."""
    if test.kind in (K.CMP, K.LOGIC):
        return list(test.children)
    return [test]


def _conjuncts(node: Trace) -> list[Trace]:
    """The operands of a chain of `and`s (`a and b and c`), each once, in the plan's order."""
    out, stack = [], [node]
    while stack:
        part = stack.pop()
        if part.kind == K.LOGIC and part.detail.get("op") == "and" and len(part.children) == 2:
            stack.extend(reversed(part.children))
        else:
            out.append(part)
    return out


def _expand(node: Trace, ctx: Context, row: Optional[tuple]) -> tuple[Optional[str], list, Optional[tuple]]:
    """The step for `node`: its text (None: folded, its children stand in its place), the
    children shown under it, and the data row they are read from (its cells need no pointer)."""
    w, d = ctx.w, node.detail
    kind = node.kind
    if kind in (K.LET, K.COMPUTED) and node.children:
        name = named(node, ctx.lang) if kind == K.LET else node.text
        here = row
        pointer = ""
        if kind == K.COMPUTED:
            here = (d["ref"]["file"], d["ref"]["row"])
            ctx.refs.append(d["ref"])
            place = _pointer({"file": d["ref"]["file"], "row": d["ref"]["row"]}, w, ctx.rows, row)
            pointer = f"  ← {place}" if place else ""
        phrase, children = _phrase(node.children[0], ctx, here)
        see = f"  → {d['see']}" if d.get("see") else ""
        return f"{name} = {phrase}{pointer}{see}", children, here
    if kind in (K.RECORD, K.PARAM, K.COLUMN, K.ROW):
        if "ref" in d and kind in (K.COLUMN, K.ROW):
            ctx.refs.append(d["ref"])
        place = _pointer(d["ref"], w, ctx.rows, row, node.text)
        if kind == K.ROW:
            return f"{place or w['row']}: {_value(node, w)}", list(node.children), (d["ref"]["file"], d["ref"]["row"])
        return f"{node.text} = {_value(node, w)}" + (f"  ← {place}" if place else ""), [], row
    if kind == K.COND:
        verdicts, children = _cond(node, ctx, row)
        return f"{_value(node, w)}" + _paren(verdicts, w), children, row
    if kind == K.GATE:
        inner = node.children[0] if node.children else None
        parts = _conjuncts(inner) if inner is not None and inner.kind in (K.CMP, K.LOGIC) else []
        if len(parts) == 1:  # one comparison: its verdict is the gate's, so show what it compared
            parts = _reads(parts[0])
        rest = [c for c in node.children if c is not inner] if parts else list(node.children)
        return describe(node, w, ctx.lang), parts + rest, row
    if kind == K.HISTORY and "period" in d and "fn" not in d and len(node.children) == 1:
        child = node.children[0]  # one period's value: the period, then the cell or the name that gave it
        if child.kind in (K.RECORD, K.PARAM, K.COLUMN):
            text, children, here = _expand(child, ctx, row)
            return f"{w['in']} {d['period']}: {text}", children, here
        if shown_key(child) is not None:  # that period's derivation is its own explanation, not this one's
            return f"{w['in']} {d['period']}: {_short(child, ctx, row)}" + _paren(w["other_period"].format(period=d["period"]), w), [], row
    if kind == K.AGGREGATE:
        children: list = list(node.children)
        if ctx.show_excluded and d.get("excluded"):
            children += [f"{w['excluded']}: {_pointer({'file': d['file'], 'row': number}, w, ctx.rows)}" for number in d["excluded"]]
        return describe(node, w, ctx.lang), children, row
    if kind == K.ARITH:
        return describe(node, w, ctx.lang), _operands(node), row
    return describe(node, w, ctx.lang), list(node.children), row


def _cond(node: Trace, ctx: Context, row) -> tuple[str, list]:
    """A chain of conditions (`if a then x else if b then y else z`): each test tried with
    its verdict (`类别 == "新客户" 不成立；类别 == "大客户" 成立`), then what the tests read
    and the branch taken."""
    w = ctx.w
    verdicts, children = [], []
    while node.kind == K.COND and len(node.children) == 2:
        test, taken = node.children
        verdicts.append(f"{one_line(test.text)} {_verdict(test, w)}")
        children += [read for read in _reads(test) if not _already(read, children)]  # 类别 read by each test: once
        node = taken
    children.append(node)
    return w["sep"].join(verdicts), children


def _already(node: Trace, shown: list) -> bool:
    key = shown_key(node)
    return any(node is other or (key is not None and shown_key(other) == key) for other in shown)


def _operands(node: Trace) -> list[Trace]:
    """An arithmetic node's operands, a chain of the same `+` or `*` (`a * b * c`) as one list."""
    op = node.detail.get("op")
    if node.kind != K.ARITH or op not in ("+", "*"):
        return list(node.children)
    out, stack = [], list(reversed(node.children))
    while stack:
        part = stack.pop()
        if part.kind == K.ARITH and part.detail.get("op") == op and len(part.children) == 2:
            stack.extend(reversed(part.children))
        else:
            out.append(part)
    return out


def _phrase(body: Trace, ctx: Context, row) -> tuple[str, list]:
    """A definition written after its name (`name = …`): its plan text and value, and what it read."""
    if body.kind == K.CONST:
        return _value(body, ctx.w), []
    if body.kind in (K.LET, K.COMPUTED, K.LINE, K.HISTORY, K.RECORD, K.PARAM, K.COLUMN):
        return _value(body, ctx.w), [body]  # a name of its own: its step says where it comes from
    key = shown_key(body)
    if key is not None:
        if key in ctx.seen:
            return _value(body, ctx.w), [body]
        ctx.seen.add(key)
    text, children, _ = _expand(body, ctx, row)
    return (_value(body, ctx.w) if text is None else text), children


def steps(root: Trace, ctx: Context) -> list[Step]:
    """The steps of one line, without recursion (a chain of lets may be hundreds deep).

    A derivation already shown in this explanation (`ctx.seen`) is one step, its
    value and "see above": the evaluator computed it once, and copying it each time
    made 20 lets that each read the one before twice print 2^20 lines.
    """
    out: list[Step] = []
    stack: list = [(root, 0, None)]
    while stack:
        node, depth, row = stack.pop()
        if isinstance(node, str):  # a row an aggregate left out, listed on request
            out.append(Step(depth, node))
            continue
        if _noop(node) or (node.kind == K.CONST and not node.children):
            continue
        key = shown_key(node)
        if key is not None and key in ctx.seen:
            text = one_line(_short(node, ctx, row)) + _paren(ctx.w["above"], ctx.w)
            children: list = []
        else:
            if key is not None:
                ctx.seen.add(key)
            text, children, row = _expand(node, ctx, row)
            if text is None:  # folded into its parent: its children stand in its place
                stack.extend((child, depth, row) for child in reversed(children))
                continue
            text = one_line(text)
            # a cell of the row being explained, or the period the heading names, says its value in place
            given = [c for c in children if not isinstance(c, str) and _in_place(c, row)]
            if given:
                children = [c for c in children if isinstance(c, str) or not _in_place(c, row)]
                text += "  [" + ", ".join(f"{ctx.w['period'] if c.kind == K.PERIOD else c.text} = {_value(c, ctx.w)}" for c in given) + "]"
        where = f"{node.span.file}:{node.span.line}" if depth == 0 and node.span is not None and node.span.line > 0 else None
        out.append(Step(depth, text, where))
        stack.extend((child, depth + 1, row) for child in reversed(children))
    return out


def _in_place(node: Trace, row: Optional[tuple]) -> bool:
    if node.kind == K.PERIOD:
        return True
    ref = node.detail.get("ref") or {}
    return node.kind == K.COLUMN and not node.children and row is not None and (ref.get("file"), ref.get("row")) == row


def _short(node: Trace, ctx: Context, row) -> str:
    """A derivation shown before: its name (or text) and value, and for a computed cell its row."""
    w = ctx.w
    if node.kind == K.LET:
        return f"{node.detail.get('name', node.text)} = {_value(node, w)}"
    if node.kind == K.COMPUTED:
        ref = node.detail["ref"]
        place = _pointer({"file": ref["file"], "row": ref["row"]}, w, ctx.rows, row)
        return f"{node.text} = {_value(node, w)}" + (f"  ← {place}" if place else "")
    return f"{one_line(node.text)} = {_value(node, w)}"
