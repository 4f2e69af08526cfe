"""The semantic model: built even with errors; symbols, their definitions and their uses.

Positions are 1-based lines and columns counted in characters, so a column
under a Chinese name is counted by hand in the comment beside it.
"""
from __future__ import annotations

from dsl import SymbolKind, load
from dsl.core.types import ERROR, MoneyType, PERCENT

PLAN = '''plan "提成" { currency CNY  period month  payee rep }
input deals: table { rep: payee, amount: money, renewed: bool }
input reps: record { rep: payee, rate: percent }
let 销售额 = sum(deals.amount)
let 续签额 = sum(deals.amount where renewed)
tiers 比例 marginal { [0, 50万) -> 2%  [50万, ..) -> 3% }
payout "提成" = 比例(销售额) + 续签额 * reps.rate
flag "无续签" = 续签额 == 0元
test "甲" { deals = [{amount: 10万, renewed: true}]  reps = {rate: 1%}  expect "提成" = 3000 }
'''


def positions(spans):
    return [(s.line, s.column) for s in spans]


def test_every_declaration_is_a_symbol_with_its_type_and_name_span():
    model = load(PLAN, "p.plan").model
    assert model.ok
    sales = model.symbols["销售额"]
    # line 4 "let 销售额 = ...": the name starts at column 5 and is 3 characters long
    assert (sales.kind, sales.type, sales.span.line, sales.span.column, sales.span.end_column) == (SymbolKind.LET, MoneyType("CNY"), 4, 5, 7)
    amount = model.symbols["deals.amount"]
    # line 2 "input deals: table { rep: payee, amount: ...": "amount" starts at column 34
    assert (amount.kind, amount.type, amount.span.column) == (SymbolKind.FIELD, MoneyType("CNY"), 34)
    assert model.symbols["reps.rate"].type == PERCENT
    assert model.symbols["比例"].kind == SymbolKind.TIERS
    assert model.symbols['"提成"'].kind == SymbolKind.PAYOUT  # a line may share the plan's name
    assert model.symbols['"无续签"'].kind == SymbolKind.FLAG
    assert model.symbols['test "甲"'].kind == SymbolKind.TEST


def test_uses_are_found_in_aggregates_row_expressions_tier_calls_and_tests():
    model = load(PLAN, "p.plan").model
    amount = model.symbols["deals.amount"]
    # lines 4 and 5 "let 销售额 = sum(deals.amount": deals at column 15, amount at 21
    assert positions(model.uses_of(amount))[:2] == [(4, 21), (5, 21)]
    # a bare name in a where filter is the table's field: "... sum(deals.amount where renewed)", column 34
    assert positions(model.uses_of(model.symbols["deals.renewed"]))[0] == (5, 34)
    # line 7 'payout "提成" = 比例(销售额) + ...': 比例 at column 15, 销售额 at 18
    assert positions(model.uses_of(model.symbols["比例"])) == [(7, 15)]
    assert positions(model.uses_of(model.symbols["销售额"])) == [(7, 18)]
    # 续签额 is read by the payout (column 25) and the flag (line 8 'flag "无续签" = 续签额', column 14)
    assert positions(model.uses_of(model.symbols["续签额"])) == [(7, 25), (8, 14)]
    # deals is named on lines 4 and 5 (column 15) and by the test (line 9 'test "甲" { deals', column 12);
    # the test expects the line "提成" at column 78 (71 for "expect", 6 letters and a space)
    assert positions(model.uses_of(model.symbols["deals"])) == [(4, 15), (5, 15), (9, 12)]
    assert positions(model.uses_of(model.symbols['"提成"'])) == [(9, 78)]
    # a test row names fields: line 9 "deals = [{amount: 10万, renewed: true}]" — amount at 22, renewed at 35
    assert positions(model.uses_of(amount))[-1] == (9, 22)
    assert positions(model.uses_of(model.symbols["deals.renewed"]))[-1] == (9, 35)
    assert positions(model.uses_of(model.symbols["reps.rate"])) == [(7, 36), (9, 60)]  # "reps = {rate: 1%}"


def test_symbol_at_prefers_the_innermost_name():
    model = load(PLAN, "p.plan").model
    # line 7: "reps.rate" starts at column 31; under "reps" the input, under "rate" the field
    assert model.symbol_at(7, 31).key == "reps"
    assert model.symbol_at(7, 36).key == "reps.rate"
    # on a definition's name: the symbol itself (go to definition lands here)
    assert model.symbol_at(4, 6).key == "销售额"
    # between names, nothing
    assert model.symbol_at(7, 23) is None


def test_a_plan_with_errors_still_has_its_model():
    text = PLAN.replace("续签额 * reps.rate", "续签额 * reps.ratio").replace("let 续签额 = sum(deals.amount where renewed)", "let 续签额 = sum(deals.amount where renewed) + 2%")
    compilation = load(text, "p.plan")
    model = compilation.model
    assert not model.ok and compilation.plan is None
    assert sorted(d.message for d in model.diagnostics) == ["cannot add money and a percent", "input 'reps' has no field 'ratio'"]
    # the IR is there, with the broken parts typed ERROR in place
    assert [p.label for p in model.plan.payouts] == ["提成"] and model.plan.payouts[0].expr.type == ERROR
    assert model.symbols["续签额"].type == ERROR
    # names that did resolve are still indexed: 销售额 and 比例 on the broken line
    assert positions(model.uses_of(model.symbols["销售额"])) == [(7, 18)]
    assert model.symbol_at(7, 15).key == "比例"


def test_a_duplicate_keeps_the_first_definition_and_a_cycle_is_typed_error():
    text = '''plan "x" { currency CNY }
let a = b
let b = a
let c = 1元
let c = 2元
'''
    model = load(text, "x.plan").model
    assert [d.code for d in model.diagnostics] == ["E106", "E107"]
    assert model.symbols["c"].span.line == 4  # the first definition
    # the cycle: a reads b, b reads a; both typed ERROR
    assert (model.symbols["a"].type, model.symbols["b"].type) == (ERROR, ERROR)
    assert positions(model.uses_of(model.symbols["a"])) == [(3, 9)]
    assert positions(model.uses_of(model.symbols["b"])) == [(2, 9)]


def test_text_that_does_not_parse_has_no_model():
    compilation = load('plan "x" {', "x.plan")
    assert (compilation.syntax, compilation.model, compilation.plan) == (None, None, None)
    assert [d.code for d in compilation.diagnostics] == ["E001"]
