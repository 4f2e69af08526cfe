"""Checking plan tests: `test "..." { inputs…  expect … }` blocks inside a plan.

`check_test` (called by the checker) validates a test against the plan's inputs
and lines and turns it into an `ir.PlanTest`: inputs typed and completed with
their declared defaults, expectations typed. It reports the inputs and lines a
test names as uses of their symbols (for the semantic model). Running the tests
is `dsl.run.testing`.
"""
from __future__ import annotations

from decimal import Decimal
from typing import Optional

from dsl import ir
from dsl.core.diagnostics import BAD_TEST, TYPE_MISMATCH, did_you_mean
from dsl.check.expressions import const_value
from dsl.core.types import ERROR, MISSING, fits, is_money, is_numeric
from dsl.syntax import ast


DEFAULT_TEST_PAYEE = "test"


def _literal(node, checker) -> tuple[object, object]:
    if isinstance(node, ast.Negate):
        value, value_type = _literal(node.operand, checker)
        return (-value if isinstance(value, Decimal) else None), value_type
    return const_value(node, checker.currency)


def _complete(schema, row: dict) -> dict:
    """Fill the fields a test leaves out: declared defaults, else MISSING (an error only if read)."""
    return {f.name: row[f.name] if f.name in row else (f.default if f.has_default else MISSING) for f in schema.fields}


def check_test(checker, decl: ast.TestDecl, payouts, flags) -> Optional[ir.PlanTest]:
    errors_before = len(checker.diagnostics)
    payee = DEFAULT_TEST_PAYEE
    inputs: dict[str, object] = {}
    expectations = []
    line_labels = {p.label for p in payouts}
    flag_labels = {f.label: f for f in flags}
    for stmt in decl.stmts:
        if isinstance(stmt, ast.TestPayee):
            payee = stmt.payee
    for stmt in decl.stmts:
        if isinstance(stmt, ast.TestInput):
            schema = checker.inputs.get(stmt.name)
            if schema is not None:
                checker.use(stmt.name, checker.name_span(stmt.span, stmt.name))
            if schema is None:
                checker.error(BAD_TEST, f"the plan has no input '{stmt.name}'", stmt.span, hint=did_you_mean(stmt.name, checker.inputs))
                continue
            if stmt.name in inputs:
                checker.error(BAD_TEST, f"input '{stmt.name}' is given twice in this test", stmt.span)
                continue
            if schema.kind == "table" and not stmt.is_list:
                checker.error(BAD_TEST, f"'{stmt.name}' is a table: give its rows as a list, [{{...}}, {{...}}]", stmt.span)
                continue
            if schema.kind != "table" and stmt.is_list:
                checker.error(BAD_TEST, f"'{stmt.name}' is a {schema.kind}: give one {{...}}, not a list", stmt.span)
                continue
            rows = []
            for record in stmt.rows:
                row = {}
                for name, value_node in record.fields:
                    field = schema.field(name)
                    if field is None:
                        checker.error(BAD_TEST, f"input '{stmt.name}' has no field '{name}'", value_node.span, hint=did_you_mean(name, [f.name for f in schema.fields]))
                        continue
                    # the field's name is the last occurrence of it before its value (`amount: 10万`)
                    at = checker.source.text.rfind(name, record.span.start, value_node.span.start)
                    if at >= 0:
                        checker.use(f"{stmt.name}.{name}", checker.source.span(at, at + len(name)))
                    value, value_type = _literal(value_node, checker)
                    if is_money(value_type) and is_money(field.type) and value_type != field.type:
                        checker.error(TYPE_MISMATCH, f"field '{name}' is {field.type}, but the test gives {value_type}", value_node.span)
                        continue
                    if field.type != ERROR and not fits(value_type, field.type):
                        checker.error(TYPE_MISMATCH, f"field '{name}' is {field.type}, but the test gives {value_type}", value_node.span)
                        continue
                    row[name] = value
                if schema.payee_field and schema.payee_field not in row:
                    row[schema.payee_field] = payee
                rows.append(_complete(schema, row))
            inputs[stmt.name] = rows
    for schema in checker.inputs.values():
        if schema.name not in inputs:
            if schema.kind == "table":
                inputs[schema.name] = []
            else:
                row = {schema.payee_field: payee} if schema.payee_field else {}
                inputs[schema.name] = [_complete(schema, row)]
    for stmt in decl.stmts:
        if not isinstance(stmt, ast.TestExpect):
            continue
        expected, expected_type = _literal(stmt.expected, checker)
        if expected_type == ERROR:
            checker.error(BAD_TEST, "the expected value must be a literal (an amount, number, percent, text or true/false)", stmt.expected.span)
            continue
        target = stmt.target
        text = checker.source.slice(stmt.expected.span)
        if isinstance(target, ast.String):
            if target.value in line_labels or target.value in flag_labels:
                checker.use(f'"{target.value}"', target.span)
            if target.value in line_labels:
                if not (is_money(expected_type) or is_numeric(expected_type)):
                    checker.error(BAD_TEST, f'"{target.value}" is a payout line; expect an amount', stmt.expected.span)
                    continue
                expectations.append(ir.Expectation("line", target.value, None, expected, text, stmt.span))
            elif target.value in flag_labels:
                expectations.append(ir.Expectation("flag", target.value, None, expected, text, stmt.span))
            else:
                checker.error(BAD_TEST, f'the plan has no line or flag "{target.value}"', target.span, hint=did_you_mean(target.value, list(line_labels) + list(flag_labels)))
            continue
        if isinstance(target, ast.TotalRef):
            expectations.append(ir.Expectation("total", None, None, expected, text, stmt.span))
            continue
        expr = checker.exprs.check(target)
        if expr.type != ERROR:
            expectations.append(ir.Expectation("expr", checker.source.slice(target.span), expr, expected, text, stmt.span))
    if len(checker.diagnostics) > errors_before and any(d.is_error for d in checker.diagnostics[errors_before:]):
        return None
    if not expectations:
        checker.error(BAD_TEST, f'test "{decl.name}" expects nothing', decl.span, severity="warning")
    return ir.PlanTest(decl.name, payee, inputs, tuple(expectations), decl.span)
