"""Property tests of the formatter over generated plans.

The generator writes plan text the way people do: any layout (newlines, odd
spacing, redundant parentheses, `×`/`≤` spellings), comments on their own lines
and after code in every kind of place, Chinese and ASCII names and labels. For
every generated plan:

    parse(format_plan(x)) == x             (same syntax tree, positions aside)
    format_plan(parse(format_plan(x))) == format_plan(x)
    the comments survive, word for word
"""
from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dsl.syntax.printer import format_plan
from dsl.syntax.parser import parse

NAMES = ["sales", "rate", "target", "base", "x1", "销售额", "提成", "档位", "回款额", "客户数", "达成率", "奖金_2"]
TABLES = ["deals", "orders", "订单"]
LABELS = ["销售额提成", "续签奖励", "bonus", "a \\\"quoted\\\" label", "通讯补贴 (月)"]
MONEY = ["0", "0元", "3000元", "50万", "1.2亿", "50万元", "1,200,000.00元", "USD 850,000", "-500元"]
NUMBERS = ["0", "1", "2.5", "1,200,000.00", "90"]
PERCENTS = ["2%", "0.5%", "100%", "85%"]
COMMENT_WORDS = ["why", "seed §3", "边界含下限", "# nested hash", "expect 50万 × 2%", "TODO: 复核"]


@st.composite
def gap(draw, newline_ok=True):
    """Whitespace between two tokens, sometimes with a comment (always followed by a newline)."""
    kind = draw(st.sampled_from(["space", "space", "space", "spaces", "newline", "blank", "trailing", "own"] if newline_ok else ["space", "spaces"]))
    if kind == "space":
        return " "
    if kind == "spaces":
        return "   "
    if kind == "newline":
        return "\n  "
    if kind == "blank":
        return "\n\n"
    word = draw(st.sampled_from(COMMENT_WORDS))
    if kind == "trailing":
        return f"  # {word}\n  "
    return f"\n# {word}\n"


def literal(draw):
    pool = draw(st.sampled_from([MONEY, NUMBERS, PERCENTS, ['"直接全款"', '"A"'], ["2024-05-11"], ["true", "false"]]))
    return draw(st.sampled_from(pool))


PRECEDENCE = {"if": 0, "or": 1, "and": 2, "not": 3, "cmp": 4, "+": 5, "-": 5, "*": 6, "/": 6, "neg": 7, "post": 8, "atom": 9}


def expressions():
    """(text, precedence) pairs of random expressions."""
    atoms = st.one_of(
        st.builds(lambda n: (n, 9), st.sampled_from(NAMES)),
        st.builds(lambda t, f: (f"{t}.{f}", 8), st.sampled_from(TABLES), st.sampled_from(["amount", "金额", "renewed"])),
        st.composite(lambda draw: (literal(draw), 9))(),
    )

    def wrap(draw, part, minimum):
        text, level = part
        if level < minimum or draw(st.integers(0, 9)) == 0:
            return "(" + draw(gap()).replace("\n\n", "\n") + text + ")"
        return text

    @st.composite
    def combine(draw, children):
        kind = draw(st.sampled_from(["+", "-", "*", "/", "cmp", "and", "or", "not", "neg", "if", "call", "agg", "field"]))
        a, b, c = draw(children), draw(children), draw(children)
        g = draw(gap())
        if kind in "+-*/":
            level = PRECEDENCE[kind]
            op = {"*": draw(st.sampled_from(["*", "×"])), "/": draw(st.sampled_from(["/", "÷"]))}.get(kind, kind)
            return f"{wrap(draw, a, level)}{g}{op} {wrap(draw, b, level + 1)}", level
        if kind == "cmp":
            op = draw(st.sampled_from(["==", "!=", "<", "<=", ">", ">=", "≤", "≥", "≠"]))
            return f"{wrap(draw, a, 5)} {op}{g}{wrap(draw, b, 5)}", 4
        if kind in ("and", "or"):
            level = PRECEDENCE[kind]
            return f"{wrap(draw, a, level)}{g}{kind} {wrap(draw, b, level + 1)}", level
        if kind == "not":
            return f"not {wrap(draw, a, 3)}", 3
        if kind == "neg":
            return f"-{wrap(draw, a, 7)}", 7
        if kind == "if":
            return f"if {a[0]}{g}then {b[0]} else {c[0]}", 0
        if kind == "call":
            name = draw(st.sampled_from(["min", "max", "clamp", "abs", "档位", "rate"]))
            return f"{name}({a[0]},{g}{b[0]})", 8
        if kind == "agg":
            fn = draw(st.sampled_from(["sum", "count", "avg"]))
            where = f" where {b[0]}" if draw(st.booleans()) else ""
            return f"{fn}({a[0]}{where})", 8
        return f"{wrap(draw, a, 8)}.{draw(st.sampled_from(NAMES))}", 8

    return st.recursive(atoms, combine, max_leaves=8)


@st.composite
def header(draw):
    settings_ = [
        f"currency {draw(st.sampled_from(['CNY', 'USD']))}",
        draw(st.sampled_from(["period quarter", "period month", "period 2024-06-16 .. 2024-08-01"])),
        f"payee {draw(st.sampled_from(['rep', 'staff', '销售']))}",
        draw(st.sampled_from(["rounding half_up to 0.01", "rounding to 1", "rounding half_even to 0.01", "rounding down to 10"])),
        "effective 2024-05-11 .. 2024-06-10",
    ]
    chosen = draw(st.lists(st.sampled_from(settings_), unique=True, max_size=5))
    body = "".join(draw(gap()) + s for s in chosen)
    return f'plan "{draw(st.sampled_from(LABELS))}" {{{body}{draw(gap())}}}'


@st.composite
def input_decl(draw):
    name = draw(st.sampled_from(TABLES + ["reps", "company", "员工"]))
    kind = draw(st.sampled_from(["table", "record", "params"]))
    types = ["payee", "money", "money(USD)", "number", "percent", "int", "bool = false", "text", "date", 'enum("A", "直接全款")', "money = 0元", "percent = 85%"]
    fields = draw(st.lists(st.tuples(st.sampled_from(NAMES + ["amount", "金额"]), st.sampled_from(types)), max_size=5, unique_by=lambda f: f[0]))
    body = "".join(draw(gap()) + f"{n}: {t}" + draw(st.sampled_from(["", ","])) for n, t in fields)
    return f"input {name}: {kind} {{{body}{draw(gap())}}}"


@st.composite
def tiers_decl(draw):
    mode = draw(st.sampled_from(["marginal ", "whole ", "lookup ", ""]))
    rows = []
    for _ in range(draw(st.integers(0, 4))):
        kind = draw(st.sampled_from(["band", "band", "unstated", "category", "else"]))
        value = draw(st.sampled_from(PERCENTS + MONEY[:4] + ["{底薪: 4000元, 提成: 1.5%}", "{a: -1%, b: 2元,}"]))
        if kind == "band":
            low = draw(st.sampled_from(MONEY + [".."]))
            high = draw(st.sampled_from(MONEY + [".."]))
            left, right = draw(st.sampled_from("[(")), draw(st.sampled_from("])"))
            rows.append(f"{left}{low},{draw(gap(False))}{high}{right} -> {value}")
        elif kind == "unstated":
            rows.append(f"{draw(st.sampled_from(MONEY))} .. {draw(st.sampled_from(MONEY + ['..']))} -> {value}")
        elif kind == "category":
            rows.append(f'"{draw(st.sampled_from(["直接全款", "中介", "A"]))}" -> {value}')
        else:
            rows.append(f"else -> {value}")
    body = "".join(draw(gap()) + r + draw(st.sampled_from(["", ","])) for r in rows)
    return f"tiers {draw(st.sampled_from(NAMES))} {mode}{{{body}{draw(gap())}}}"


@st.composite
def definition(draw):
    target = draw(st.sampled_from(NAMES + [f"{t}.{n}" for t in TABLES for n in ("单车提成", "x")]))
    return f"let {target} ={draw(gap())}{draw(expressions())[0]}"


@st.composite
def output(draw):
    kind = draw(st.sampled_from(["payout", "payout", "flag", "total cap", "total floor"]))
    value = draw(expressions())[0]
    if kind.startswith("total"):
        return f"{kind} at {value}"
    if kind == "flag":
        return f'flag "{draw(st.sampled_from(LABELS))}" = {value}'
    clauses = []
    for clause in draw(st.lists(st.sampled_from(["when", "cap", "floor", "round"]), unique=True, max_size=4)):
        if clause == "when":
            clauses.append(f"when {draw(expressions())[0]}")
        elif clause in ("cap", "floor"):
            clauses.append(f"{clause} at {draw(st.sampled_from(MONEY))}")
        else:
            clauses.append(draw(st.sampled_from(["round half_up to 1", "round to 0.01", "round down to 100"])))
    tail = "".join(draw(gap()) + c for c in clauses)
    return f'payout "{draw(st.sampled_from(LABELS))}" ={draw(gap())}{value}{tail}'


@st.composite
def record(draw):
    fields = draw(st.lists(st.tuples(st.sampled_from(NAMES + ["amount"]), st.composite(literal)()), max_size=3))
    comma = draw(st.sampled_from(["", ","])) if fields else ""
    return "{" + ", ".join(f"{n}:{draw(gap())}{v}" for n, v in fields) + comma + "}"


@st.composite
def plan_test(draw):
    stmts = []
    for _ in range(draw(st.integers(0, 4))):
        kind = draw(st.sampled_from(["payee", "list", "record", "expect", "expect"]))
        if kind == "payee":
            stmts.append(f'payee "{draw(st.sampled_from(["甲", "乙", "rep 1"]))}"')
        elif kind == "list":
            rows = draw(st.lists(record(), max_size=3))
            stmts.append(f"{draw(st.sampled_from(TABLES))} = [" + f",{draw(gap())}".join(rows) + "]")
        elif kind == "record":
            stmts.append(f"{draw(st.sampled_from(['reps', '员工']))} = {draw(record())}")
        else:
            target = draw(st.sampled_from([f'"{draw(st.sampled_from(LABELS))}"', "total", draw(expressions())[0]]))
            expected = draw(st.sampled_from(["65000.00", "-24.00", "true", "0", "85%", "-5万"]))
            stmts.append(f"expect {target} = {expected}")
    body = "".join(draw(gap()) + s for s in stmts)
    return f'test "{draw(st.sampled_from(LABELS))}" {{{body}{draw(gap())}}}'


@st.composite
def plan_texts(draw):
    items = [draw(header())] if draw(st.integers(0, 5)) else []
    makers = [input_decl(), tiers_decl(), definition(), output(), plan_test()]
    items += draw(st.lists(st.one_of(*makers), max_size=8))
    if draw(st.booleans()) and len(items) > 1:
        items = draw(st.permutations(items))
    lead = draw(st.sampled_from(["", "# 方案说明\n#\n", "# header comment\n\n"]))
    end = draw(st.sampled_from(["", "\n", "\n# the end\n", "  # after the last item\n"]))
    return lead + "".join(item + draw(gap()) for item in items) + end


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(plan_texts())
def test_format_round_trips_and_is_idempotent(text):
    tree, diagnostics = parse(text, "generated.plan")
    assert tree is not None, (diagnostics, text)
    once = format_plan(tree)
    again, diagnostics = parse(once, "generated.plan")
    assert again is not None, (diagnostics, once)
    assert again == tree
    assert format_plan(again) == once
    assert sorted(c.text.rstrip() for c in again.comments) == sorted(c.text.rstrip() for c in tree.comments)
