"""The one traversal of the syntax tree: children come from each node's fields, so
every construct of a plan is reached and a new node class needs no walk code."""
from __future__ import annotations

import attrs

from conftest import ROOT
from dsl.core.source import span_field
from dsl.syntax import ast
from dsl.syntax.parser import parse

INNER_CLASSES = {ast.Setting, ast.TypeRef, ast.FieldDecl, ast.Band, ast.RecordValue, ast.BandRow, ast.CategoryRow,
                 ast.DefaultRow, ast.Clause, ast.TestRecord, ast.TestPayee, ast.TestInput, ast.TestExpect}


def every_plan_file():
    yield parse('total cap at 15万\ntotal floor at 0元\n')[0]  # no bundled plan limits its total
    yield parse('draw "保底" = 1000元 recoverable\n')[0]  # no seed scheme pays a draw
    # until the bundled plans use them (issue 8's plans): a period literal, `period`, a clawback
    yield parse('let q = period == 2026-07\nclawback "c" = r.amount * 1% within 6 months of r.sold_on\n')[0]
    for path in sorted(ROOT.rglob("*.plan")):
        if ".venv" in path.parts:
            continue
        tree, _ = parse(path.read_text(encoding="utf-8"), str(path))
        if tree is not None:
            yield tree


def test_walking_the_plans_reaches_every_node_class():
    seen = {type(node) for tree in every_plan_file() for node in ast.walk(tree)}
    expected = {ast.PlanFile} | set(ast.ITEM_CLASSES) | set(ast.EXPR_CLASSES) | INNER_CLASSES
    assert expected - seen == set()
    assert ast.Comment not in seen  # comments are not part of the tree's meaning


def test_a_walk_reaches_every_value_the_fields_hold():
    text = 'tiers t lookup { [0, 1万) -> {base: 1元, rate: 2%}  "A" -> 3元  else -> -4元 }\n'
    tree, _ = parse(text)
    literals = [node.text for node in ast.walk(tree) if isinstance(node, (ast.Number, ast.Money, ast.Percent))]
    # in source order: the band's bounds 0 and 1万, the record's 1元 and 2%, then 3元 and -4元
    assert literals == ["0", "1万", "1元", "2%", "3元", "-4元"]


def test_children_of_a_new_node_class_need_no_code():
    @attrs.frozen
    class Twice:
        label: str
        pair: tuple
        span: object = span_field()

    one, two = ast.Name("a"), ast.Number(2, "2")
    assert ast.children(Twice("x", (("k", one), two))) == (one, two)
