"""A pay statement: what a rep receives about one period's pay, built from a traced run.

`build_statement` is the one place that reads a payee's result and its traces
and writes down, in the chosen language, what the renderers (html, md, xlsx)
show: the total; each line with its label and one sentence a rep can check with
a calculator; the figures (lets) the lines read, each once, so a line refers to
them by name instead of deriving them again; where an amount stands in a tier
table and how far the next band is; every cap, gate, hold and rounding that
changed a value, with the amount at stake; the flags; and the input rows the
lines read, with the input's own columns (the payee column left out). Nothing
here computes pay: values are the evaluator's, shown with `dsl.core.display`.
"""
from __future__ import annotations

from collections import deque
from decimal import Decimal
from typing import Optional

import attrs

from dsl import ir
from dsl.core.display import show_value
from dsl.core.types import MoneyType
from dsl.explain.model import named
from dsl.explain.renderers import WORDS, one_line
from dsl.explain.rows import CreditedTable, credited_rows
from dsl.run.results import PayeeResult
from dsl.run.trace import Trace, TraceKind, derivation_key

LANGS = tuple(WORDS)
_OPERATORS = {"*": "×", "/": "÷", "-": "−", "+": "+"}
_NAMED = (TraceKind.RECORD, TraceKind.PARAM, TraceKind.LET, TraceKind.AGGREGATE, TraceKind.COLUMN, TraceKind.LINE, TraceKind.HISTORY)
_SPLIT = ("pool", "fund", "unallocated")  # the kinds of line a team's split reports (dsl/run/pools.py)
_LIMITS = (TraceKind.CAP, TraceKind.FLOOR, TraceKind.TOTAL_CAP, TraceKind.TOTAL_FLOOR)


@attrs.frozen
class StatementLine:
    label: str
    kind: str  # a LineKind: payout, cap, held, released, …
    value: Decimal
    sentence: str  # the one sentence that says how the value came about


@attrs.frozen
class Figure:
    """A let the lines read, shown once: its name, value (and type) and plan text."""

    name: str
    value: object
    type: str
    formula: str


@attrs.frozen
class Progress:
    """Where an amount stands in a tier table, and how far the next band is."""

    table: str
    amount: Decimal
    band: str
    next_band: Optional[str]
    distance: Optional[Decimal]
    sentence: str


@attrs.frozen
class FlagRow:
    label: str
    value: object
    type: str


@attrs.frozen
class Statement:
    plan: str
    payee: str
    period: str
    currency: str
    lang: str
    total: Decimal
    lines: tuple[StatementLine, ...]
    notes: tuple[str, ...]  # caps, gates, holds and rounding: one sentence each
    figures: tuple[Figure, ...]
    progress: tuple[Progress, ...]
    flags: tuple[FlagRow, ...]
    credited: tuple[CreditedTable, ...]
    balances: tuple[str, ...]
    pools: tuple[str, ...] = ()  # the pools this payee splits and the funds it keeps, not pay: one sentence each

    @property
    def words(self) -> dict:
        return WORDS[self.lang]

    @property
    def money(self) -> str:
        """The type text money is shown with (`money(CNY)`)."""
        return str(MoneyType(self.currency))

    def kind_word(self, kind: str) -> str:
        """A line's kind in the statement's language (a payout line's kind says nothing)."""
        return "" if kind == "payout" else self.words.get(kind, kind)


def periods_total(statements: list[Statement]) -> Decimal:
    """What a payee is paid over the periods of several statements."""
    return sum((one.total for one in statements), start=Decimal(0))


def build_statement(plan: ir.Plan, result: PayeeResult, dataset, lang: str = "zh") -> Statement:
    """The statement of one payee's period: `result` from a traced run of `plan` over `dataset`."""
    w = WORDS[lang]
    money = str(MoneyType(plan.currency))
    lines, notes, figures, progress, reads = [], [], [], [], []
    seen: set = set()
    for line in result.lines:
        sentence = _share_sentence(line, lang) if line.kind == "share" and line.trace is not None else _line_sentence(line, w, money)
        lines.append(StatementLine(line.label, str(line.kind), line.value, sentence))
        if line.trace is None:
            continue
        for node in _nodes(line.trace):
            note = _note(node, w, money, line.value) if node is not line.trace else None
            if note and note != sentence:  # a cap line's or a closed gate's own sentence already says it
                notes.append(f"{line.label}: {note}" if lang == "en" else f"{line.label}：{note}")
            if node.kind == TraceKind.TIERS and node.detail.get("mode") in ("marginal", "whole"):
                found = _progress(plan, node, w)
                if found is not None and found not in progress:
                    progress.append(found)
        line_reads, lets = _derivations(line.trace, seen)
        reads += line_reads
        figures += [Figure(let.detail.get("name", let.text), let.value, let.type, one_line(let.children[0].text)) for let in lets]
    flags = tuple(FlagRow(f.label, f.value, f.trace.type if f.trace is not None else "") for f in result.flags)
    balances = tuple(w["st_balance"].format(account=b.account, opening=show_value(b.opening, money), closing=show_value(b.closing, money))
                     for b in result.balances)
    return Statement(plan.name, result.payee, str(result.period), plan.currency, lang, result.total, tuple(lines), tuple(notes),
                     tuple(figures), tuple(progress), flags, credited_rows(dataset, reads), balances,
                     tuple(_pool_sentence(line, w, money, lang) for line in result.accruals if line.kind in _SPLIT))


def _nodes(root: Trace):
    """The nodes of one line's own expression: not inside a let or computed cell (their derivation is a figure's),
    nor inside a read of other periods (their values are those periods')."""
    stack = [root]
    while stack:
        node = stack.pop()
        yield node
        if derivation_key(node) is None and node.kind != TraceKind.HISTORY:
            stack.extend(reversed(node.children))


def _derivations(root: Trace, seen: set) -> tuple[list[dict], list[Trace]]:
    """The data cells a line read this period and the lets it read, directly or through other lets, in the
    order first read; each let's derivation once across the statement (`seen`), so a figure two lines
    read is listed once and both refer to it by name. Reads of other periods are those periods' own."""
    refs, lets, queue = [], [], deque([root])
    while queue:
        node = queue.popleft()
        if node.kind in (TraceKind.COLUMN, TraceKind.ROW, TraceKind.COMPUTED) and "ref" in node.detail:
            refs.append(node.detail["ref"])
        key = derivation_key(node)
        if node.kind == TraceKind.HISTORY or (key is not None and key in seen):
            continue
        if key is not None:
            seen.add(key)
            if node.kind == TraceKind.LET:
                lets.append(node)
        queue.extend(node.children)
    return refs, lets


def _body(trace: Trace) -> Optional[Trace]:
    """The expression a line pays (not its gate, limits or rounding)."""
    for child in trace.children:
        if child.kind not in (TraceKind.GATE, TraceKind.WITHHELD, TraceKind.ROUNDING, *_LIMITS):
            return child
    return None


_PRECEDENCE = {"+": 1, "-": 1, "*": 2, "/": 2}


def calculation(node: Trace) -> str:
    """The arithmetic of an expression with each operand's value in its place: `521,406.25 × 20%`."""
    if node.kind == TraceKind.ARITH and len(node.children) == 2:
        op = node.detail.get("op", "")
        parts = []
        for right, child in enumerate(node.children):
            text = calculation(child)
            inner = _PRECEDENCE.get(child.detail.get("op"), 3) if child.kind == TraceKind.ARITH else 3
            if inner < _PRECEDENCE.get(op, 0) or (right and inner == _PRECEDENCE.get(op) and op in "-/"):
                text = f"({text})"
            parts.append(text)
        return f" {_OPERATORS.get(op, op)} ".join(parts)
    if node.kind == TraceKind.NEG and node.children:
        inner = calculation(node.children[0])
        return f"−({inner})" if node.children[0].kind == TraceKind.ARITH else "−" + inner
    return show_value(node.value, node.type)


def _line_sentence(line, w: dict, money: str) -> str:
    trace = line.trace
    value = show_value(line.value, money)
    if trace is None:
        return value
    if trace.kind == TraceKind.POSTING:
        return _posting_sentence(trace, w, money)
    if trace.kind in _LIMITS:
        return _note(trace, w, money) or value
    closed = next((c for c in trace.children if c.kind == TraceKind.GATE and not c.value), None)
    if closed is not None:  # the condition decided the line: say so
        return _note(closed, w, money)
    body = _body(trace)
    if body is None:
        return value
    value = show_value(body.value, body.type)  # before rounding: a rounding that changes it is a note of its own
    if body.kind == TraceKind.TIERS and body.detail.get("mode") in ("marginal", "whole"):
        bands = [c for c in body.children if c.kind == TraceKind.BAND and "rate" in c.detail]
        amount = show_value(body.children[0].value, body.children[0].type)
        if body.detail["mode"] == "marginal" and bands:
            parts = " + ".join(f"{show_value(b.detail['amount'], b.type)}×{show_value(b.detail['rate'], 'percent')}" for b in bands)
            return w["st_marginal"].format(amount=amount, parts=parts, value=value)
        if bands:
            return w["st_whole"].format(amount=amount, band=bands[-1].text, rate=show_value(bands[-1].detail["rate"], "percent"), value=value)
    calc = calculation(body)
    if calc == show_value(body.value, body.type):  # a single value: its plan text says where it comes from
        return f"{one_line(body.text)} = {value}"
    return w["st_calc"].format(formula=one_line(body.text), calc=calc, value=value)


def _pool_sentence(line, w: dict, money: str, lang: str) -> str:
    """A pool this payee splits, or a fund it keeps (reported, not paid): its amount and where each part went."""
    steps = [c for c in line.trace.children if c.kind == TraceKind.LET] if line.trace is not None else []
    parts = ("; " if lang == "en" else "；").join(f"{named(c, lang)} {show_value(c.value, money)}" for c in steps)
    return w["st_pool"].format(label=line.label, kind=w.get(str(line.kind), str(line.kind)), value=show_value(line.value, money), parts=parts)


def _share_sentence(line, lang: str) -> str:
    """A share of a pool: the pool and whose it is, the rule with its exact value, and the remainder
    step when it moved the value (`赵刚 的奖池 "…" = 30,380.00；50% 由 3 名成员均分，精确值 = 5,063.3333333333…；余数处理：…`)."""
    parts = []
    for step in line.trace.children:
        if step.text == "remainder" and len(parts) > 1 and step.value == line.trace.children[1].value:
            continue  # the rule's exact value was already a whole cent
        parts.append(f"{named(step, lang)} = {show_value(step.value, step.type)}")
    return ("; " if lang == "en" else "；").join(parts)


def _posting_sentence(trace: Trace, w: dict, money: str) -> str:
    d = trace.detail
    value = show_value(trace.value, money)
    kind = d.get("posting", "")
    if kind == "held" and trace.children:
        body = trace.children[0]
        return w["st_held"].format(formula=one_line(body.text), calc=calculation(body), value=show_value(body.value, money),
                                   balance=show_value(d.get("balance", Decimal(0)), money))
    if kind == "released" and d.get("from"):
        sources = ", ".join(f"{s['period']} {show_value(s['amount'], money)}" for s in d["from"])
        return w["st_released"].format(sources=sources)
    if kind == "scaled" and trace.children:
        return w["st_scaled"].format(factor=show_value(trace.children[0].value, trace.children[0].type), value=value)
    return w["st_posting"].format(kind=w.get(kind, kind), value=value)


def _note(node: Trace, w: dict, money: str, line_value: Decimal = Decimal(0)) -> Optional[str]:
    """One sentence for a cap, floor, gate or a rounding that changed the value; None for any other node."""
    d = node.detail
    if node.kind in _LIMITS:
        excess = abs(d["before"] - d["after"])
        return w["st_" + str(node.kind)].format(limit=show_value(d["limit"], node.type), excess=show_value(excess, node.type))
    if node.kind == TraceKind.GATE:
        if node.value:
            return w["st_gate_met"].format(condition=_condition(node), value=show_value(line_value, money))
        kept = next((c for c in node.children if c.kind == TraceKind.WITHHELD), None)
        return w["st_gate_failed"].format(condition=_condition(node), value=show_value(kept.value if kept else Decimal(0), money))
    if node.kind == TraceKind.ROUNDING and d.get("before") != d.get("after"):
        return w["st_rounding"].format(before=show_value(d["before"], node.type), after=show_value(d["after"], node.type))
    return None


def _condition(gate: Trace) -> str:
    """A gate's condition with the values it compared: `reps.renewal_rate >= 80% (reps.renewal_rate = 60%)`."""
    text = one_line(gate.text.removeprefix("when ").strip())
    read, stack = [], list(reversed(gate.children))
    while stack:  # the named values the condition compares, not what they were computed from
        node = stack.pop()
        if node.kind in _NAMED:
            read.append(f"{node.text} = {show_value(node.value, node.type)}")
        else:  # not the operand a traced run read past the one that decided an `and` or `or`
            stack.extend(reversed(node.children[:1] if node.detail.get("short_circuit") else node.children))
    return f"{text} ({', '.join(read)})" if read else text


def _progress(plan: ir.Plan, node: Trace, w: dict) -> Optional[Progress]:
    table = plan.tiers.get(node.detail.get("table"))
    amount = node.children[0].value if node.children else None
    if table is None or not isinstance(amount, Decimal) or not table.bands:
        return None
    kind = node.children[0].type
    for index, band in enumerate(table.bands):
        if band.contains(amount):
            break
    else:
        return None
    rate = _band_value(band)
    shown = show_value(amount, kind)
    if index + 1 < len(table.bands) and table.bands[index + 1].low is not None:
        nxt = table.bands[index + 1]
        distance = nxt.low - amount
        sentence = w["st_next"].format(table=table.name, amount=shown, band=band.text, rate=rate, next=nxt.text,
                                       next_rate=_band_value(nxt), distance=show_value(distance, kind))
        return Progress(table.name, amount, band.text, nxt.text, distance, sentence)
    return Progress(table.name, amount, band.text, None, None, w["st_top"].format(table=table.name, amount=shown, band=band.text, rate=rate))


def _band_value(band) -> str:
    return show_value(band.value, "percent") if isinstance(band.value, Decimal) and abs(band.value) < 1 else show_value(band.value)
