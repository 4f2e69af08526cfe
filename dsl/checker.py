"""Syntax tree → typed IR, with static diagnostics.

`check(plan_file, source)` resolves the header, input schemas, tier tables,
definitions (in dependency order, reporting cycles), payout lines, flags, total
caps and plan tests. Expression typing lives in expressions.py; this module owns
declarations: duplicates (E106), cycles (E107), tier tables (E108, and E109 for
overlapping bands, which make a rate ambiguous), the header (E110), inputs
(E112) and tests (E111).

The IR is returned only when there are no errors.
"""
from __future__ import annotations

from decimal import Decimal
from typing import Optional

from . import ast, ir
from .diagnostics import (
    BAD_HEADER,
    BAD_TEST,
    BAD_TIERS,
    CYCLE,
    DUPLICATE,
    TIER_OVERLAP,
    TYPE_MISMATCH,
    UNKNOWN_NAME,
    Diagnostic,
    diagnostic,
    did_you_mean,
    has_errors,
    register,
)
from .expressions import FUNCTION_NAMES, ExprChecker, Scope, describe
from .source import SourceFile, Span
from .types import (
    BOOL,
    DATE,
    ERROR,
    NUMBER,
    PAYEE,
    PERCENT,
    SCALAR_NAMES,
    TEXT,
    EnumType,
    FieldSchema,
    InputSchema,
    MoneyType,
    RecordType,
    Type,
    is_money,
    is_numeric,
    is_textual,
)

BAD_INPUT = register("E112", "invalid-input", "error", "An input declaration names an unknown type or lacks what its kind needs.")

PERIODS = ("month", "quarter", "half_year", "year", "week", "day")
DEFAULT_ROUNDING = ir.Rounding("half_up", Decimal("0.01"), stated=False)


def const_value(node, currency: str) -> tuple[object, Type]:
    """The value and type of a constant (literal) AST node."""
    if isinstance(node, ast.Number):
        return node.value, NUMBER
    if isinstance(node, ast.Percent):
        return node.value, PERCENT
    if isinstance(node, ast.Money):
        return node.value, MoneyType(node.currency or currency)
    if isinstance(node, ast.String):
        return node.value, TEXT
    if isinstance(node, ast.Bool):
        return node.value, BOOL
    if isinstance(node, ast.Date):
        return node.value, DATE
    return None, ERROR


def fits(value_type: Type, declared: Type) -> bool:
    """Can a constant of value_type stand where declared is expected (defaults, test rows)?

    Like a cell of a data file, a bare number in a money field is an amount in
    that field's currency.
    """
    if value_type == declared:
        return True
    if is_money(declared) and value_type == NUMBER:
        return True
    if is_numeric(declared) and value_type == NUMBER:
        return True
    if declared == PERCENT and value_type == PERCENT:
        return True
    if is_textual(declared) and value_type == TEXT:
        return True
    return False


class PlanChecker:
    def __init__(self, plan_file: ast.PlanFile, source: SourceFile):
        self.file = plan_file
        self.source = source
        self.diagnostics: list[Diagnostic] = []
        self.currency = "CNY"
        self.inputs: dict[str, InputSchema] = {}
        self.tiers: dict[str, ir.TierTable] = {}
        self.let_decls: dict[str, ast.LetDecl] = {}
        self.lets: dict[str, Optional[ir.Let]] = {}  # None while being checked
        self.let_order: list[ir.Let] = []
        self.column_decls: dict[tuple[str, str], ast.ColumnDecl] = {}
        self.columns: dict[tuple[str, str], Optional[ir.ComputedColumn]] = {}
        self.column_order: list[ir.ComputedColumn] = []
        self.stack: list[str] = []
        self.names: dict[str, Span] = {}  # global namespace: inputs, tiers, lets

    def error(self, code, message, span, **kwargs):
        self.diagnostics.append(diagnostic(code, message, span, **kwargs))

    # ---- namespace
    def declare(self, name: str, span: Span, what: str) -> bool:
        if name in FUNCTION_NAMES:
            self.error(DUPLICATE, f"'{name}' is a built-in function and cannot name {what}", span)
            return False
        if name in self.names:
            first = self.names[name]
            self.error(DUPLICATE, f"'{name}' is defined twice", span, notes=((f"first defined here", first),))
            return False
        self.names[name] = span
        return True

    # ---- header
    def header(self) -> dict:
        headers = [i for i in self.file.items if isinstance(i, ast.PlanHeader)]
        result = {"name": "", "period": "period", "payee": "payee", "rounding": DEFAULT_ROUNDING, "effective": None}
        if not headers:
            self.error(BAD_HEADER, 'the file has no plan header; start it with: plan "名称" { currency CNY  period month  payee rep }', self.source.span(0, 1))
            return result
        for extra in headers[1:]:
            self.error(DUPLICATE, "a plan file has one header", extra.span, notes=(("first header", headers[0].span),))
        header = headers[0]
        result["name"] = header.name
        seen: dict[str, Span] = {}
        for setting in header.settings:
            key = "period" if setting.key == "period_range" else setting.key
            if key in seen:
                self.error(DUPLICATE, f"'{key}' is set twice in the header", setting.span, notes=(("first set here", seen[key]),))
                continue
            seen[key] = setting.span
            if setting.key == "currency":
                code = setting.values[0]
                if not (len(code) == 3 and code.isascii() and code.isupper()):
                    self.error(BAD_HEADER, f"'{code}' is not an ISO currency code such as CNY or USD", setting.span)
                else:
                    self.currency = code
            elif setting.key == "period":
                period = setting.values[0]
                if period not in PERIODS:
                    self.error(BAD_HEADER, f"unknown period '{period}'", setting.span, hint=did_you_mean(period, PERIODS) or f"use one of {', '.join(PERIODS)} or a date range")
                result["period"] = period
            elif setting.key == "period_range":
                start, end = setting.values
                if end < start:
                    self.error(BAD_HEADER, f"the period ends ({end}) before it starts ({start})", setting.span)
                result["period"] = f"{start}..{end}"
            elif setting.key == "payee":
                result["payee"] = setting.values[0]
            elif setting.key == "rounding":
                mode, unit, _ = setting.values
                if unit <= 0:
                    self.error(BAD_HEADER, "the rounding unit must be positive", setting.span)
                else:
                    result["rounding"] = ir.Rounding(mode, unit)
            elif setting.key == "effective":
                start, end = setting.values
                if end < start:
                    self.error(BAD_HEADER, f"the plan's effective range ends ({end}) before it starts ({start})", setting.span)
                result["effective"] = (start, end)
        return result

    # ---- inputs
    def resolve_type(self, ref: ast.TypeRef) -> Type:
        if ref.name == "money":
            if len(ref.args) > 1:
                self.error(BAD_INPUT, "money takes one currency code, e.g. money(USD)", ref.span)
                return ERROR
            return MoneyType(ref.args[0] if ref.args else self.currency)
        if ref.name == "enum":
            if not ref.args:
                self.error(BAD_INPUT, 'enum needs its values, e.g. enum("A", "B", "C")', ref.span)
                return ERROR
            if len(set(ref.args)) != len(ref.args):
                self.error(DUPLICATE, "an enum value is listed twice", ref.span)
            return EnumType(tuple(ref.args))
        if ref.name in SCALAR_NAMES and not ref.args:
            return SCALAR_NAMES[ref.name]
        self.error(UNKNOWN_NAME, f"unknown type '{ref.name}'", ref.span, hint=did_you_mean(ref.name, ["money", "enum", *SCALAR_NAMES]))
        return ERROR

    def input_decl(self, decl: ast.InputDecl) -> None:
        if not self.declare(decl.name, decl.span, "an input"):
            return
        fields = []
        seen: dict[str, Span] = {}
        for field in decl.fields:
            if field.name in seen:
                self.error(DUPLICATE, f"field '{field.name}' is declared twice in '{decl.name}'", field.span, notes=(("first declared here", seen[field.name]),))
                continue
            seen[field.name] = field.span
            field_type = self.resolve_type(field.type)
            default, has_default = None, False
            if field.default is not None:
                default, value_type = const_value(field.default, self.currency)
                if field_type != ERROR and not fits(value_type, field_type):
                    self.error(TYPE_MISMATCH, f"the default of '{field.name}' is {describe(value_type)}, but the field is {describe(field_type)}", field.default.span)
                elif isinstance(field_type, EnumType) and default not in field_type.values:
                    self.error(TYPE_MISMATCH, f"the default '{default}' is not one of {', '.join(field_type.values)}", field.default.span)
                has_default = True
            fields.append(FieldSchema(field.name, field_type, default, has_default))
        payees = [f for f in fields if f.type == PAYEE]
        if decl.kind == "record" and not payees:
            self.error(BAD_INPUT, f"record input '{decl.name}' has one row per payee, so it needs a field of type payee", decl.span)
        if len(payees) > 1:
            self.error(BAD_INPUT, f"input '{decl.name}' has {len(payees)} payee fields; a row belongs to one payee", decl.span)
        if decl.kind == "params" and payees:
            self.error(BAD_INPUT, f"params input '{decl.name}' holds plan-wide values and cannot have a payee field", decl.span)
        self.inputs[decl.name] = InputSchema(decl.name, decl.kind, tuple(fields))

    # ---- tier tables
    def tier_value(self, node, span) -> tuple[object, Type]:
        if isinstance(node, ast.RecordValue):
            values, types = {}, []
            for name, value_node in node.fields:
                if name in values:
                    self.error(DUPLICATE, f"'{name}' appears twice in this band", value_node.span)
                    continue
                value, value_type = const_value(value_node, self.currency)
                values[name] = value
                types.append((name, value_type))
            return values, RecordType(tuple(types))
        return const_value(node, self.currency)

    def tiers_decl(self, decl: ast.TiersDecl) -> None:
        if not self.declare(decl.name, decl.name_span, "a tier table"):
            return
        mode = decl.mode or "lookup"
        bands: list[ir.Band] = []
        categories: list[tuple[str, object, Span]] = []
        default, has_default = None, False
        key_types: list[tuple[Type, Span]] = []
        value_types: list[tuple[Type, Span]] = []
        broken = False
        for row in decl.rows:
            value, value_type = self.tier_value(row.value, row.span)
            value_types.append((value_type, row.value.span))
            if isinstance(row, ast.BandRow):
                band = row.band
                low = high = None
                for bound in (band.low, band.high):
                    if bound is not None:
                        bound_value, bound_type = const_value(bound, self.currency)
                        if not (is_money(bound_type) or is_numeric(bound_type)):
                            self.error(BAD_TIERS, f"a band bound must be an amount, number or percent, got {describe(bound_type)}", bound.span)
                            broken = True
                            continue
                        key_types.append((bound_type, bound.span))
                low = const_value(band.low, self.currency)[0] if band.low is not None else None
                high = const_value(band.high, self.currency)[0] if band.high is not None else None
                if low is not None and high is not None and isinstance(low, Decimal) and isinstance(high, Decimal):
                    if high < low or (high == low and not (band.low_closed and band.high_closed)):
                        self.error(BAD_TIERS, f"band {self.source.slice(band.span)} is empty: its upper bound is not above its lower bound", band.span)
                        broken = True
                bands.append(ir.Band(low, high, band.low_closed, band.high_closed, value, band.stated, row.span, self.source.slice(band.span)))
            elif isinstance(row, ast.CategoryRow):
                if any(key == row.key for key, _, _ in categories):
                    self.error(DUPLICATE, f"category '{row.key}' appears twice in '{decl.name}'", row.span)
                categories.append((row.key, value, row.span))
            else:
                if has_default:
                    self.error(DUPLICATE, f"'{decl.name}' has two 'else' rows", row.span)
                default, has_default = value, True
        if not decl.rows:
            self.error(BAD_TIERS, f"tier table '{decl.name}' has no rows", decl.span)
            broken = True
        if bands and categories:
            self.error(BAD_TIERS, f"tier table '{decl.name}' mixes bands and categories", decl.span)
            broken = True
        if has_default and mode == "marginal":
            self.error(BAD_TIERS, f"a marginal table pays each band on the part of the amount inside it, so an 'else' row has no part to pay on; give a last band like [300万, ..) instead", decl.span)
            broken = True
        if categories and mode != "lookup":
            self.error(BAD_TIERS, f"a table keyed by category returns values: write 'tiers {decl.name} lookup'", decl.span)
            broken = True
        key_type = self.common_type(key_types, decl, "bounds") if bands else TEXT
        value_type = self.common_type(value_types, decl, "values")
        if key_type == ERROR or value_type == ERROR:
            broken = True
        if not broken and mode in ("marginal", "whole"):
            broken = not self.check_rate_table(decl, mode, key_type, value_type, bands)
        if not broken and bands:
            self.check_overlaps(decl, bands)
        self.tiers[decl.name] = ir.TierTable(
            decl.name,
            mode,
            decl.mode is not None,
            ERROR if broken else key_type,
            value_type,
            tuple(bands),
            tuple(categories),
            default,
            has_default,
            decl.span,
        )

    def common_type(self, types: list[tuple[Type, Span]], decl, what: str) -> Type:
        """The one type of a table's bounds or values, or ERROR after reporting the mix.

        Money needs one currency (a bare 0 may stand beside it); numbers and percents
        mix freely (0 beside 2% is a percent); lookup records must name the same
        values, and each named value gets its own common type.
        """
        if not types:
            return ERROR
        kinds = [t for t, _ in types]

        def mixed(a: Type, b: Type, span: Span) -> Type:
            self.error(BAD_TIERS, f"the {what} of '{decl.name}' mix {describe(a)} and {describe(b)}", span)
            return ERROR

        money = [t for t in kinds if is_money(t)]
        if money:
            for t, span in types:
                if is_money(t) and t != money[0]:
                    self.error(BAD_TIERS, f"the {what} of '{decl.name}' mix {money[0].currency} and {t.currency}", span)
                    return ERROR
                if not is_money(t) and not (is_numeric(t) and self.is_zero(span)):
                    return mixed(money[0], t, span)
            return money[0]
        if all(is_numeric(t) for t in kinds):
            distinct = set(kinds)
            if len(distinct) == 1:
                return kinds[0]
            return PERCENT if PERCENT in distinct else NUMBER
        if all(isinstance(t, RecordType) for t in kinds):
            names = [n for n, _ in kinds[0].fields]
            for t, span in types:
                if [n for n, _ in t.fields] != names:
                    self.error(BAD_TIERS, f"every band of '{decl.name}' must name the same values ({', '.join(names)})", span)
                    return ERROR
            merged = [(n, self.common_type([(t.field(n), span) for t, span in types], decl, f"values named '{n}'")) for n in names]
            return ERROR if any(t == ERROR for _, t in merged) else RecordType(tuple(merged))
        for t, span in types[1:]:
            if t != kinds[0] and not (is_textual(t) and is_textual(kinds[0])):
                return mixed(kinds[0], t, span)
        return kinds[0]

    def is_zero(self, span: Span) -> bool:
        text = self.source.slice(span).strip()
        return text.lstrip("-").replace(".", "").strip("0") == "" and text != ""

    def check_rate_table(self, decl, mode, key_type, value_type, bands) -> bool:
        if not bands:
            self.error(BAD_TIERS, f"a {mode} table needs bands like [0, 50万) -> 2%", decl.span)
            return False
        if isinstance(value_type, RecordType) or not (is_numeric(value_type) or (is_money(value_type) and not is_money(key_type))):
            self.error(BAD_TIERS, f"a {mode} table multiplies by its band's value, so values must be rates (or amounts per unit), not {describe(value_type)}", decl.span, hint="use 'lookup' to return other values")
            return False
        if mode == "marginal":
            first = min(bands, key=lambda b: (b.low is not None, b.low if b.low is not None else 0))
            if first.low is None:
                self.error(BAD_TIERS, "a marginal table needs a finite lowest bound (usually 0): each band pays on the part of the amount inside it", first.span)
                return False
        return True

    def check_overlaps(self, decl, bands: list[ir.Band]) -> None:
        def low_key(b):
            return (b.low is not None, b.low if b.low is not None else Decimal(0), not b.low_closed)

        ordered = sorted(bands, key=low_key)
        for i, a in enumerate(ordered):
            for b in ordered[i + 1 :]:
                shared = overlap(a, b)
                if shared:
                    self.error(
                        TIER_OVERLAP,
                        f"bands {a.text} and {b.text} of '{decl.name}' both contain {shared}",
                        b.span,
                        notes=((f"band {a.text}", a.span), (f"band {b.text}", b.span)),
                        hint="decide which band the shared value belongs to and make one bound open: ] → ) or [ → (",
                    )

    # ---- definitions
    def resolve_let(self, name: str, span: Span) -> Optional[ir.Expr]:
        if name not in self.let_decls:
            return None
        if name in self.lets and self.lets[name] is None:
            cycle = self.stack[self.stack.index(name) :] + [name]
            self.error(CYCLE, f"'{name}' depends on itself: {' → '.join(cycle)}", span)
            return ir.Const(None, ERROR, span)
        if name not in self.lets:
            self.check_let(self.let_decls[name])
        let = self.lets[name]
        if let is None or let.expr.type == ERROR:
            return ir.Const(None, ERROR, span)
        return ir.LetRef(name, let.expr.type, span, self.source.slice(span))

    def check_let(self, decl: ast.LetDecl) -> None:
        self.lets[decl.name] = None
        self.stack.append(decl.name)
        expr = self.exprs.check(decl.expr)
        self.stack.pop()
        let = ir.Let(decl.name, expr, decl.span)
        self.lets[decl.name] = let
        self.let_order.append(let)

    def resolve_column(self, table: str, name: str, span: Span) -> Optional[ir.Expr]:
        key = (table, name)
        if key not in self.column_decls:
            return None
        label = f"{table}.{name}"
        if key in self.columns and self.columns[key] is None:
            cycle = self.stack[self.stack.index(label) :] + [label]
            self.error(CYCLE, f"'{label}' depends on itself: {' → '.join(cycle)}", span)
            return ir.Const(None, ERROR, span)
        if key not in self.columns:
            self.check_column(self.column_decls[key])
        column = self.columns[key]
        if column is None or column.expr.type == ERROR:
            return ir.Const(None, ERROR, span)
        return ir.ComputedRef(table, name, column.expr.type, span, self.source.slice(span))

    def check_column(self, decl: ast.ColumnDecl) -> None:
        key = (decl.table, decl.name)
        self.columns[key] = None
        self.stack.append(f"{decl.table}.{decl.name}")
        expr = self.exprs.check(decl.expr, decl.table)
        self.stack.pop()
        column = ir.ComputedColumn(decl.table, decl.name, expr, decl.span)
        self.columns[key] = column
        self.column_order.append(column)

    # ---- the whole plan
    def run(self) -> tuple[Optional[ir.Plan], list[Diagnostic]]:
        header = self.header()
        items = self.file.items
        for item in items:
            if isinstance(item, ast.InputDecl):
                self.input_decl(item)
        for item in items:
            if isinstance(item, ast.TiersDecl):
                self.tiers_decl(item)
        for item in items:
            if isinstance(item, ast.LetDecl) and self.declare(item.name, item.span, "a definition"):
                self.let_decls[item.name] = item
            elif isinstance(item, ast.ColumnDecl):
                self.column_target(item)
        scope = Scope(
            self.inputs,
            self.tiers,
            self.resolve_let,
            self.resolve_column,
            lambda: list(self.let_decls),
            lambda table: [n for (t, n) in self.column_decls if t == table],
        )
        self.exprs = ExprChecker(scope, self.source, self.currency, self.diagnostics)
        for item in items:
            if isinstance(item, ast.LetDecl) and item.name in self.let_decls and item.name not in self.lets:
                if self.let_decls[item.name] is item:
                    self.check_let(item)
            elif isinstance(item, ast.ColumnDecl) and (item.table, item.name) in self.column_decls:
                if self.column_decls[(item.table, item.name)] is item and (item.table, item.name) not in self.columns:
                    self.check_column(item)
        payouts, flags = self.outputs(header)
        total_cap, total_floor = self.totals()
        tests = self.tests(payouts, flags)
        if has_errors(self.diagnostics):
            return None, self.diagnostics
        plan = ir.Plan(
            header["name"],
            self.file.file,
            self.currency,
            header["period"],
            header["payee"],
            header["rounding"],
            header["effective"],
            tuple(self.inputs.values()),
            dict(self.tiers),
            tuple(self.let_order),
            tuple(self.column_order),
            tuple(payouts),
            tuple(flags),
            total_cap,
            total_floor,
            tuple(tests),
        )
        return plan, self.diagnostics

    def column_target(self, decl: ast.ColumnDecl) -> None:
        schema = self.inputs.get(decl.table)
        if schema is None:
            self.error(UNKNOWN_NAME, f"unknown table '{decl.table}'", decl.span, hint=did_you_mean(decl.table, [n for n, s in self.inputs.items() if s.kind == "table"]))
            return
        if schema.kind != "table":
            self.error(TYPE_MISMATCH, f"computed columns belong to tables; '{decl.table}' is a {schema.kind}", decl.span)
            return
        key = (decl.table, decl.name)
        if schema.field(decl.name) is not None or key in self.column_decls:
            first = self.column_decls[key].span if key in self.column_decls else None
            notes = (("first defined here", first),) if first else ()
            self.error(DUPLICATE, f"'{decl.table}.{decl.name}' is defined twice", decl.span, notes=notes)
            return
        self.column_decls[key] = decl

    def money_expr(self, node, what: str) -> ir.Expr:
        expr = self.exprs.check(node)
        expr = self.exprs.coerce_zero(expr, MoneyType(self.currency))
        if expr.type != ERROR and not is_money(expr.type):
            self.error(TYPE_MISMATCH, f"{what} must be money, got {describe(expr.type)}", node.span, hint="multiply an amount by a rate, e.g. sales * 2%" if is_numeric(expr.type) else None)
            return ir.Const(None, ERROR, node.span)
        if is_money(expr.type) and expr.type.currency != self.currency:
            self.error(TYPE_MISMATCH, f"{what} is in {expr.type.currency}, but the plan pays in {self.currency}", node.span)
            return ir.Const(None, ERROR, node.span)
        return expr

    def outputs(self, header) -> tuple[list[ir.Payout], list[ir.Flag]]:
        payouts, flags = [], []
        labels: dict[str, Span] = {}
        for item in self.file.items:
            if not isinstance(item, (ast.PayoutDecl, ast.FlagDecl)):
                continue
            if item.label in labels:
                self.error(DUPLICATE, f'the line "{item.label}" is defined twice', item.span, notes=(("first defined here", labels[item.label]),))
                continue
            labels[item.label] = item.span
            if isinstance(item, ast.FlagDecl):
                # A flag is reported, never paid: it may be money (an amount deferred to year end).
                expr = self.exprs.check(item.expr)
                flags.append(ir.Flag(item.label, expr, item.span))
                continue
            expr = self.money_expr(item.expr, f'payout "{item.label}"')
            gate = cap = floor = None
            rounding = header["rounding"]
            seen: dict[str, Span] = {}
            for clause in item.clauses:
                if clause.kind in seen:
                    self.error(DUPLICATE, f"'{clause.kind}' appears twice on this line", clause.span, notes=(("first here", seen[clause.kind]),))
                    continue
                seen[clause.kind] = clause.span
                if clause.kind == "when":
                    gate = self.exprs.check(clause.expr)
                    if gate.type not in (BOOL, ERROR):
                        self.error(TYPE_MISMATCH, f"'when' needs a true/false condition, got {describe(gate.type)}", clause.expr.span)
                elif clause.kind == "cap":
                    cap = self.money_expr(clause.expr, "a cap")
                elif clause.kind == "floor":
                    floor = self.money_expr(clause.expr, "a floor")
                elif clause.kind == "round":
                    if clause.unit <= 0:
                        self.error(TYPE_MISMATCH, "the rounding unit must be positive", clause.span)
                    rounding = ir.Rounding(clause.mode or header["rounding"].mode, clause.unit)
            payouts.append(ir.Payout(item.label, expr, gate, cap, floor, rounding, item.span))
        return payouts, flags

    def totals(self):
        cap = floor = None
        for item in self.file.items:
            if isinstance(item, ast.TotalDecl):
                expr = self.money_expr(item.expr, f"the total {item.kind}")
                if item.kind == "cap":
                    if cap is not None:
                        self.error(DUPLICATE, "the total is capped twice", item.span)
                    cap = expr
                else:
                    if floor is not None:
                        self.error(DUPLICATE, "the total has two floors", item.span)
                    floor = expr
        return cap, floor

    # ---- tests
    def tests(self, payouts, flags) -> list[ir.PlanTest]:
        from .testing import check_test  # tests are checked by the module that runs them

        result = []
        names: dict[str, Span] = {}
        for item in self.file.items:
            if not isinstance(item, ast.TestDecl):
                continue
            if item.name in names:
                self.error(DUPLICATE, f'test "{item.name}" is defined twice', item.span, notes=(("first defined here", names[item.name]),))
                continue
            names[item.name] = item.span
            test = check_test(self, item, payouts, flags)
            if test is not None:
                result.append(test)
        return result


def overlap(a: ir.Band, b: ir.Band) -> Optional[str]:
    """Describe the values two bands share, or None. Bounds are Decimals or None."""
    low, low_closed = a.low, a.low_closed
    if b.low is not None and (low is None or b.low > low or (b.low == low and not b.low_closed)):
        low, low_closed = b.low, b.low_closed
    high, high_closed = a.high, a.high_closed
    if b.high is not None and (high is None or b.high < high or (b.high == high and not b.high_closed)):
        high, high_closed = b.high, b.high_closed
    if low is not None and high is not None:
        if high < low or (high == low and not (low_closed and high_closed)):
            return None
        if high == low:
            return f"{_show(low)}"
    lo = ("[" if low_closed else "(") + (_show(low) if low is not None else "..")
    hi = (_show(high) if high is not None else "..") + ("]" if high_closed else ")")
    return f"the values {lo}, {hi}"


def _show(value: Decimal) -> str:
    from .values import format_number

    return format_number(value)


def check(plan_file: ast.PlanFile, source: SourceFile) -> tuple[Optional[ir.Plan], list[Diagnostic]]:
    """Check a parsed plan. Returns (IR, diagnostics); IR is None when any error was found."""
    return PlanChecker(plan_file, source).run()
