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
from dsl.core.types import ERROR, MISSING, PERIOD, fits, is_money, is_numeric
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


POSTINGS = {
    "hold": ("held", "released", "scaled", "forfeited", "balance"),
    "clawback": ("clawed_back", "recovered", "returned", "owed"),
    "draw": ("draw_paid", "draw_recovered", "owed"),
    "carried pay": ("carried", "carry_recovered", "owed"),  # the account named "carried": pay below zero, owed
}


def _test_inputs(checker, stmts, payee: str, into: dict) -> None:
    """The inputs a test (or one period of it) gives, typed, into `into` (input name -> rows)."""
    for stmt in stmts:
        if not isinstance(stmt, ast.TestInput):
            continue
        schema = checker.inputs.get(stmt.name)
        if schema is not None:
            checker.use(stmt.name, checker.name_span(stmt.span, stmt.name))
        if schema is None:
            checker.error(BAD_TEST, f"the plan has no input '{stmt.name}'", stmt.span, hint=did_you_mean(stmt.name, checker.inputs))
            continue
        if stmt.name in into:
            checker.error(BAD_TEST, f"input '{stmt.name}' is given twice here", stmt.span)
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
            rows.append(row)
        into[stmt.name] = rows


def _completed(checker, given: dict, payee: str, period=None) -> dict:
    """Every input's rows: the given ones completed with defaults, the rest empty (tables) or one
    row of defaults (records, params). In a period, a row's period field is that period unless given."""
    inputs = {}
    for schema in checker.inputs.values():
        rows = given.get(schema.name)
        if rows is None:
            rows = [] if schema.kind == "table" else [{schema.payee_field: payee} if schema.payee_field else {}]
        if period is not None and schema.period_field is not None:
            field = schema.field(schema.period_field)
            placed = period if field.type == PERIOD else period.start
            rows = [row if schema.period_field in row else {**row, schema.period_field: placed} for row in rows]
        inputs[schema.name] = [_complete(schema, row) for row in rows]
    return inputs


def _expectations(checker, stmts, line_labels, flag_labels, accounts, period=None) -> list:
    expectations = []
    for stmt in stmts:
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
                expectations.append(ir.Expectation("line", target.value, None, expected, text, stmt.span, period=period))
            elif target.value in flag_labels:
                expectations.append(ir.Expectation("flag", target.value, None, expected, text, stmt.span, period=period))
            else:
                hint = did_you_mean(target.value, list(line_labels) + list(flag_labels))
                if target.value in accounts:
                    hint = f'"{target.value}" is a {accounts[target.value]}: expect one of its postings, e.g. {POSTINGS[accounts[target.value]][0]}("{target.value}")'
                elif target.value in checker.payout_labels:  # a share or an award: a line of the run, not of one payee
                    hint = (f'"{target.value}" is a pool\'s share or a ranking\'s award: it is split over the whole run\'s teams, '
                            "and a plan test computes one payee with no team (test it on a real run)")
                checker.error(BAD_TEST, f'the plan has no line or flag "{target.value}"', target.span, hint=hint)
            continue
        if isinstance(target, ast.TotalRef):
            expectations.append(ir.Expectation("total", None, None, expected, text, stmt.span, period=period))
            continue
        if isinstance(target, ast.Name) and target.name == "earned" and target.name not in checker.let_decls:
            expectations.append(ir.Expectation("earned", None, None, expected, text, stmt.span, period=period))
            continue
        posting = _posting(checker, target, accounts)
        if posting is not None:
            if posting:
                fn, label = posting
                expectations.append(ir.Expectation("posting", label, None, expected, text, stmt.span, posting=fn, period=period))
            continue
        expr = checker.exprs.check(target)
        if expr.type != ERROR:
            expectations.append(ir.Expectation("expr", checker.source.slice(target.span), expr, expected, text, stmt.span, period=period))
    return expectations


def _posting(checker, target, accounts):
    """`held("年终部分")` and the like: (posting, label); () when reported as wrong; None when not a posting."""
    names = {n for ns in POSTINGS.values() for n in ns}
    if not (isinstance(target, ast.Call) and isinstance(target.func, ast.Name) and target.func.name in names):
        return None
    fn = target.func.name
    if len(target.args) != 1 or not isinstance(target.args[0], ast.String):
        checker.error(BAD_TEST, f'{fn} takes the label of a hold, clawback or draw, e.g. {fn}("年终部分")', target.span)
        return ()
    label = target.args[0].value
    kind = accounts.get(label)
    if kind is None:
        checker.error(BAD_TEST, f'the plan has no hold, clawback or draw "{label}"', target.args[0].span, hint=did_you_mean(label, list(accounts)))
        return ()
    if fn not in POSTINGS[kind]:
        checker.error(BAD_TEST, f'"{label}" is a {kind}; its postings are {", ".join(POSTINGS[kind])}', target.span)
        return ()
    return fn, label


def check_test(checker, decl: ast.TestDecl, payouts, flags, accounts=None, total_labels=()) -> Optional[ir.PlanTest]:
    errors_before = len(checker.diagnostics)
    accounts = accounts or {}
    payee = DEFAULT_TEST_PAYEE
    line_labels = {p.label for p in payouts} | set(total_labels)
    flag_labels = {f.label: f for f in flags}
    for stmt in decl.stmts:
        if isinstance(stmt, ast.TestPayee):
            payee = stmt.payee
    given: dict = {}
    _test_inputs(checker, decl.stmts, payee, given)
    expectations = _expectations(checker, decl.stmts, line_labels, flag_labels, accounts)
    blocks = [stmt for stmt in decl.stmts if isinstance(stmt, ast.TestPeriod)]
    periods, period_inputs = [], []
    if blocks and expectations:
        checker.error(BAD_TEST, "in a test with periods, each expect belongs inside its period { … }", expectations[0].span)
    for block in blocks:
        if periods and block.period <= periods[-1]:
            checker.error(BAD_TEST, f"the periods of a test are in order, each after the last: {block.text} is not after {periods[-1]}", block.span)
            continue
        for inner in block.stmts:
            if isinstance(inner, (ast.TestPeriod, ast.TestPayee)):
                checker.error(BAD_TEST, "a test's period holds inputs and expectations only", inner.span)
        mine: dict = {}
        _test_inputs(checker, block.stmts, payee, mine)
        periods.append(block.period)
        period_inputs.append(_completed(checker, {**given, **mine}, payee, block.period))
        expectations += _expectations(checker, block.stmts, line_labels, flag_labels, accounts, block.period)
    inputs = _completed(checker, given, payee)
    if len(checker.diagnostics) > errors_before and any(d.is_error for d in checker.diagnostics[errors_before:]):
        return None
    if not expectations:
        checker.error(BAD_TEST, f'test "{decl.name}" expects nothing', decl.span, severity="warning")
    return ir.PlanTest(decl.name, payee, inputs, tuple(expectations), decl.span, tuple(periods), tuple(period_inputs))
