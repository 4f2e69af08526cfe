"""Every AST expression class has a checker rule; every IR class an evaluator rule;
and one plan exercising the whole language produces every IR class."""
from __future__ import annotations

from dsl.syntax import ast
from dsl import ir
from dsl.run.interpreter import _DISPATCH
from dsl.check.expressions import ExprChecker
from dsl.api import check_text

ALL_CONSTRUCTS = '''
plan "all" { currency CNY  period month  payee rep  rounding half_up to 0.01 }
input deals: table { rep: payee, amount: money, channel: text, units: int }
input reps: record { rep: payee, rate: percent }
input company: params { target: money }
tiers band marginal { [0, 10万) -> 1%  [10万, ..) -> 2% }
tiers grade lookup { (.., 10万] -> {base: 100元, bonus: 1%}  (10万, ..) -> {base: 200元, bonus: 2%} }
let deals.net = amount - (if channel == "x" then 10元 else 0元)
let sales = sum(deals.net where units > 0 and not (channel == "y"))
let ratio = sales / company.target
payout "a" = band(sales) + grade(sales).base + -max(sales, 1元) * 0 + clamp(sales, 0, 1元) + abs(sales) * reps.rate
flag "f" = count(deals) > 0 or ratio >= 100%
test "t" { deals = [{amount: 1元, channel: "x", units: 1}]  reps = {rate: 1%}  company = {target: 1元}  expect 1 = 1 }
'''


def test_every_ast_expression_has_a_checker_rule():
    missing = [cls.__name__ for cls in ast.EXPR_CLASSES if not hasattr(ExprChecker, "_" + cls.__name__.lower())]
    assert missing == []


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
    plan, diagnostics = check_text(ALL_CONSTRUCTS, "all.plan")
    assert plan is not None, diagnostics
    found: set = set()
    roots = [l.expr for l in plan.lets] + [c.expr for c in plan.columns] + [p.expr for p in plan.payouts]
    roots += [f.expr for f in plan.flags]
    for root in roots:
        _ir_nodes(root, found)
    assert set(ir.EXPR_CLASSES) - found == set()


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
    plan, diagnostics = check_text(ALL_CONSTRUCTS, "all.plan")
    assert plan is not None, diagnostics
    for payee in evaluate(plan, test_dataset(plan, plan.tests[0]), trace=True).payees:
        for item in payee.lines + payee.flags:
            _trace_kinds(item.trace, found)
    # total limits: subtotal 50 + 60 = 110, floor 200 (+90), then cap 150 (-50)
    plan, diagnostics = check_text(TOTAL_LIMITS, "limits.plan")
    assert plan is not None, diagnostics
    result = payee_evaluator(plan, Dataset({}, ["甲"]), "甲", trace=True).run()
    assert [(str(l.kind), l.value) for l in result.lines][2:] == [("total_floor", 90), ("total_cap", -50)]
    for item in result.lines:
        _trace_kinds(item.trace, found)
    assert {kind.value for kind in TraceKind} - found == set()
