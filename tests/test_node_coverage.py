"""Every AST expression class has a checker rule; every IR class an evaluator rule;
and one plan exercising the whole language produces every IR class."""
from __future__ import annotations

from dsl.syntax import ast
from dsl import ir
from dsl.run.interpreter import _DISPATCH
from dsl.check.expressions import ExprChecker
from dsl import SymbolKind, load
from dsl.syntax.parser import parse

ALL_CONSTRUCTS = '''
plan "all" { currency CNY  period month  payee rep  rounding half_up to 0.01  team by reps.manager  payees "部门" }
input deals: table { rep: payee, amount: money, channel: text, units: int }
input reps: record { rep: payee, rate: percent, manager: payee = "" }
input company: params { target: money }
tiers band marginal { [0, 10万) -> 1%  [10万, ..) -> 2% }
tiers grade lookup { (.., 10万] -> {base: 100元, bonus: 1%}  (10万, ..) -> {base: 200元, bonus: 2%} }
let deals.net = amount - (if channel == "x" then 10元 else 0元)
let sales = sum(deals.net where units > 0 and not (channel == "y"))
let ratio = sales / company.target
payout "a" = band(sales) + grade(sales).base + -max(sales, 1元) * 0 + clamp(sales, 0, 1元) + abs(sales) * reps.rate
payout "held part" = line("a") * 10% + previous(sales, 0元) * 0 + (if month(period.start) >= 1 then 0元 else 1元)
flag "f" = count(deals) > 0 or ratio >= 100% or sum(members.line("a") where ratio > 0) > 0元
test "t" { deals = [{amount: 1元, channel: "x", units: 1}]  reps = {rate: 1%}  company = {target: 1元}  expect 1 = 1 }
'''


def test_every_ast_expression_has_a_checker_rule():
    from dsl.check.expressions import _DISPATCH as CHECKER

    assert set(CHECKER) == set(ast.EXPR_CLASSES)
    for cls, method in CHECKER.items():  # each a method of the checker, named for its class
        assert getattr(ExprChecker, method.__name__) is method and method.__name__ == "_" + cls.__name__.lower()


def test_every_ir_expression_has_an_evaluator_rule():
    assert set(ir.EXPR_CLASSES) == set(_DISPATCH)


def _ir_nodes(node, found):
    found.add(type(node))
    for field in getattr(node, "__attrs_attrs__", ()):
        value = getattr(node, field.name)
        values = value if isinstance(value, tuple) else (value,)
        for child in values:
            if isinstance(child, ir.EXPR_CLASSES):
                _ir_nodes(child, found)


def test_one_plan_produces_every_ir_class():
    compilation = load(ALL_CONSTRUCTS, "all.plan")
    plan, diagnostics = compilation.plan, compilation.diagnostics
    assert plan is not None, diagnostics
    found: set = set()
    roots = [l.expr for l in plan.lets] + [c.expr for c in plan.columns] + [p.expr for p in plan.payouts]
    roots += [f.expr for f in plan.flags]
    for root in roots:
        _ir_nodes(root, found)
    assert set(ir.EXPR_CLASSES) - found == set()


# ---- every syntax class through the checker and the formatter; every IR class through the explanation

import attrs  # noqa: E402

EVERY_SYNTAX = ALL_CONSTRUCTS + '''
# 区域系数 by region; a comment is a node of its own
import 达成
fn 翻倍(x: money) -> money = x * 2
let 翻倍额 = 翻倍(达成.达成率(sales, company.target) * 1元)
input regions: record { rep: payee, region: enum("东", "西") = "东", start: date }
tiers 区域系数 lookup { "东" -> 1.1  else -> 1 }
payout "b" = 100元 * 区域系数(regions.region) when regions.start >= 2024-01-01 cap at 50元 floor at 0元 round half_up to 1
total cap "封顶" at 15万
total floor at 0元
hold "年终" = line("b") * 40% release at year end scaled by 1 forfeit 50% when regions.region == "西"
clawback "退回" = deals.amount * 1% within 6 months of regions.start recover at most 100元 per period keep at least 0元
draw "保底" = 10元 recoverable
pool "奖金池" = sum(members.line("a")) * 10% when count(members) > 0 {
  20% to manager as "池(经理)"
  40% equally among members where regions.region == "东" qualify when sales > 0元 as "池(东)"
  30% pro rata to sales among members as "池(按业绩)"
  5% to fund "基金"
  unqualified to fund "结余"
  remainder largest by sales
}
pool "小池" = 1元 { 100% to manager as "小池(经理)"  unqualified back  remainder largest by payee }
rank "排名" = members by sales where sales > 0元 ties by ratio top 3 as "排名奖" { [1, 1] -> 100元  [2, ..) -> 50元 }
test "t2" { payee "甲"  regions = {region: "西", start: 2024-02-01}  expect total = 1  expect "b" = 50  expect "f" = true }
test "t3" {
  payee "甲"
  regions = {start: 2024-02-01}  reps = {rate: 1%}  company = {target: 1元}
  period 2024-11 { expect held("年终") = 20  expect period == 2024-11 = true }  # "b": 100 × 1.1 = 110, capped at 50; 40% of 50
  period 2024-12 { expect released("年终") = 40 }  # 20 held in 2024-11 and 20 held in 2024-12, released at the year's end
}
'''


def _ast_classes() -> set:
    return {c for c in vars(ast).values() if isinstance(c, type) and attrs.has(c) and c.__module__ == ast.__name__}


def _ast_nodes(node, found: set) -> None:
    found.add(type(node))
    for field in attrs.fields(type(node)):
        value = getattr(node, field.name)
        for child in value if isinstance(value, tuple) else (value,):
            for item in child if isinstance(child, tuple) else (child,):  # (name, value) pairs of records
                if attrs.has(type(item)):
                    _ast_nodes(item, found)


def test_the_syntax_plan_has_every_ast_class_and_checks_clean():
    compilation = load(EVERY_SYNTAX, "every.plan")
    assert compilation.ok, [d.message for d in compilation.diagnostics]
    found: set = set()
    _ast_nodes(compilation.syntax, found)
    for comment in compilation.syntax.comments:
        found.add(type(comment))
    _ast_nodes(parse('module "m"', "m.plan")[0], found)  # a module's header opens a module file, never a plan
    assert {c.__name__ for c in _ast_classes() - found} == set()


def test_the_checker_gives_every_declaration_a_symbol():
    model = load(EVERY_SYNTAX, "every.plan").model
    plan = model.plan
    expected = [s.name for s in plan.inputs] + [f"{s.name}.{f.name}" for s in plan.inputs for f in s.fields]
    expected += list(plan.tiers) + [l.name for l in plan.lets] + [f"{c.table}.{c.name}" for c in plan.columns]
    expected += [f'"{p.label}"' for p in plan.payouts] + [f'"{f.label}"' for f in plan.flags] + [f'"{l}"' for l in plan.total_labels.values()]
    expected += [f'"{a.label}"' for a in (*plan.holds, *plan.clawbacks, *plan.draws)]
    expected += [f'"{p.label}"' for p in plan.pools] + [f'"{s.label}"' for p in plan.pools for s in p.shares if s.kind != "fund"]
    expected += [f'"{r.label}"' for r in plan.ranks] + [f'"{r.award_label}"' for r in plan.ranks if r.award_label]
    expected += [f'test "{t.name}"' for t in plan.tests]
    expected += ["翻倍", "达成"]  # a function, an imported module's namespace
    assert sorted(model.symbols) == sorted(expected)
    kinds = {s.kind for s in model.symbols.values()}
    assert kinds == set(SymbolKind)
    # every symbol's span is its name as written
    for key, symbol in model.symbols.items():
        written = model_text(symbol.span)
        assert written in (symbol.name, symbol.name.split(".")[-1], f'"{symbol.name}"'), (key, written)


def model_text(span) -> str:
    return EVERY_SYNTAX[span.start : span.end]


def test_the_formatter_prints_every_ast_class_back():
    from dsl import format, parse

    tree, _ = parse(EVERY_SYNTAX, "every.plan")
    formatted, diagnostics = format(EVERY_SYNTAX, "every.plan")
    assert diagnostics == []
    again, _ = parse(formatted, "every.plan")
    assert again == tree  # same meaning, every class printed and read back
    assert format(formatted, "every.plan")[0] == formatted  # and canonical


# the trace kind the interpreter gives each IR expression class (docs/explain.schema.json)
TRACE_KIND = {
    ir.Const: "const", ir.LetRef: "let", ir.RecordRef: "record", ir.ParamRef: "param", ir.ColumnRef: "column",
    ir.ComputedRef: "computed", ir.Arith: "arith", ir.Neg: "neg", ir.Cmp: "cmp", ir.Logic: "logic", ir.Cond: "cond",
    ir.Aggregate: "aggregate", ir.Builtin: "builtin", ir.TierCall: "tiers", ir.FieldOf: "field",
    ir.Quotient: "arith",  # a chain computed division last is explained as the chain written
    ir.PeriodRef: "period", ir.LineRef: "line", ir.History: "history",
    ir.TeamAggregate: "aggregate",  # over the members of the team rather than the rows of a table
}


def test_the_explanation_renders_every_ir_class():
    from dsl import evaluate, explain
    from dsl.explain.renderers import WORDS, describe
    from dsl.run.testing import test_dataset

    assert set(TRACE_KIND) == set(ir.EXPR_CLASSES)
    # the flag's `or` stops at its first operand, so one more line reads the params input
    plan = load(ALL_CONSTRUCTS + 'payout "c" = company.target * 1%', "all.plan").plan
    result = evaluate(plan, test_dataset(plan, plan.tests[0]), periods="2024-01", trace=True)
    payee = result.payees[0]
    nodes = [n for line in payee.lines for n in line.trace.walk()] + [n for f in payee.flags for n in f.trace.walk()]
    assert set(TRACE_KIND.values()) - {n.kind for n in nodes} == set()
    for node in nodes:
        for lang in WORDS:
            line = describe(node, WORDS[lang], lang)
            # only a literal folds into its parent; every other step is a line of its own
            assert (line is None) == (node.kind == "const"), node.kind
    for fmt in ("text", "md", "json"):
        shown = explain(plan, payee, format=fmt, lang="en")
        assert all(l.label in shown for l in payee.lines) and all(f.label in shown for f in payee.flags)
def test_the_interpreter_dispatches_every_ir_expression_class_to_its_own_method():
    from dsl.run.interpreter import PayeeEvaluator

    assert set(_DISPATCH) == set(ir.EXPR_CLASSES)
    for cls in ir.EXPR_CLASSES:  # each entry is a method of the evaluator, so a subclass (lint's probe) sees every node
        handler = _DISPATCH[cls]
        assert getattr(PayeeEvaluator, handler.__name__, None) is handler, cls.__name__


def _trace_kinds(trace, found):
    found.add(str(trace["kind"]) if isinstance(trace, dict) else str(trace.kind))
    for child in (trace.get("children", ()) if isinstance(trace, dict) else trace.children):
        _trace_kinds(child, found)


TOTAL_LIMITS = '''
plan "limits" { currency CNY  period month  payee rep }
payout "a" = 50元
payout "b" = 60元
total floor at 200元
total cap at 150元
'''


def test_every_trace_kind_is_produced_by_a_bundled_plan_or_a_test():
    import json
    from pathlib import Path

    from dsl.data.dataset import Dataset
    from dsl.run.interpreter import evaluate, payee_evaluator
    from dsl.run.testing import test_dataset
    from dsl.run.trace import TraceKind

    found: set[str] = set()
    # the explanations of every payee of every bundled plan (test_golden_plans keeps these equal to `plan explain`)
    for golden in sorted(Path(__file__).parent.glob("golden/plans/*/explain.json")):
        for explanation in json.loads(golden.read_text(encoding="utf-8")).values():
            for item in explanation["lines"] + explanation["flags"]:
                if item.get("trace"):
                    _trace_kinds(item["trace"], found)
    # the plan of every construct, on its test's rows
    compilation = load(ALL_CONSTRUCTS, "all.plan")
    plan = compilation.plan
    assert plan is not None, compilation.diagnostics
    import dsl

    for payee in dsl.evaluate(plan, test_dataset(plan, plan.tests[0]), periods="2024-01", trace=True).payees:
        for item in payee.lines + payee.flags:
            _trace_kinds(item.trace, found)
    # the ledger: a hold's postings over two months (held in 2024-11, released at the year's end)
    compilation = load(EVERY_SYNTAX, "every.plan")
    plan = compilation.plan
    assert plan is not None, compilation.diagnostics
    for payee in dsl.evaluate(plan, test_dataset(plan, plan.tests[-1]), trace=True).payees:
        for item in payee.lines:
            _trace_kinds(item.trace, found)
    # total limits: subtotal 50 + 60 = 110, floor 200 (+90), then cap 150 (-50)
    compilation = load(TOTAL_LIMITS, "limits.plan")
    plan = compilation.plan
    assert plan is not None, compilation.diagnostics
    result = payee_evaluator(plan, Dataset({}, ["甲"]), "甲", trace=True).run()
    assert [(str(l.kind), l.value) for l in result.lines][2:] == [("total_floor", 90), ("total_cap", -50)]
    for item in result.lines:
        _trace_kinds(item.trace, found)
    assert {kind.value for kind in TraceKind} - found == set()
