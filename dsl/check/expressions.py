"""Typing and name resolution of expressions (AST expression → IR expression).

The rules, in brief:
- money ± money needs one currency (E104); money ± percent or number is an error
  (E103) — a commission is money × rate, not money + rate;
- money × number/percent and money ÷ number are money; money ÷ money is a ratio,
  shown as a percent;
- a chain of `*` and `/` is typed as a whole by the unit algebra
  (`dsl.core.types.unit_of_product`): `bonus * sales / target` is money, while a
  chain that comes to money × money (or 1 ÷ money) is an error;
- comparing money with a percent is an error; comparing money with a bare number
  is allowed here and flagged by the linter (suspicious-units);
- the literal 0 takes the type of what it meets, so `max(x, 0)` works for money;
- inside an aggregate (`sum(deals.amount * 2% where renewed)`) the argument is a
  row expression over one table; bare names there are that table's columns first.

`ExprChecker.check(node, row_table)` returns an IR node whose type is ERROR when a
diagnostic was already reported, so one mistake yields one message. Each name it
resolves (a definition, an input, a field, a computed column, a tier table) is
reported to the scope with its span: the semantic model's index of uses.
"""
from __future__ import annotations

from decimal import Decimal
from typing import Callable, Optional

import attrs

from dsl.syntax import ast
from dsl import ir
from dsl.core.diagnostics import ARGUMENT_COUNT, MIXED_CURRENCY, TYPE_MISMATCH, UNKNOWN_NAME, Diagnostic, diagnostic, did_you_mean
from dsl.core.source import SourceFile, Span
from dsl.core.types import BOOL, DATE, ERROR, INT, NUMBER, PERCENT, PERIOD, TEXT, EnumType, MoneyPower, MoneyType, RecordType, Type, is_money, is_numeric, is_textual, unit_of_product

AGGREGATES = ("sum", "count", "avg", "min", "max")
SCALAR_FUNCTIONS = {"min": (2, None), "max": (2, None), "clamp": (3, 3), "abs": (1, 1), "round": (2, 2)}
# date functions: name -> the types of their arguments ("when" = a date or a period, read at its start) and result
DATE_FUNCTIONS = {
    "year": (("when",), INT),
    "month": (("when",), INT),
    "day": (("when",), INT),
    "quarter": (("when",), INT),
    "months_between": ((DATE, DATE), INT),
    "days_between": ((DATE, DATE), INT),
    "add_months": ((DATE, INT), DATE),
    "add_days": ((DATE, INT), DATE),
}
HISTORY_FUNCTIONS = tuple(fn.value for fn in ir.HistoryFn)
FUNCTION_NAMES = ("sum", "count", "avg", "min", "max", "clamp", "abs", "round", "line", *DATE_FUNCTIONS, *HISTORY_FUNCTIONS)


def describe(t: Type) -> str:
    if is_money(t):
        return f"money ({t.currency})"
    if isinstance(t, EnumType):
        return str(t)
    if isinstance(t, RecordType):
        return f"a lookup record {t}"
    if isinstance(t, MoneyPower):
        return f"money to the power {t.power} ({t.currency})"
    return {"int": "a count", "number": "a number", "percent": "a percent", "bool": "a true/false value", "period": "a period"}.get(t.name, t.name)


class Scope:
    """What names mean while checking: supplied by the plan checker.

    Every reference the expression checker resolves is reported to `use(key,
    span)`, with the key of the symbol it names (`sales`, `deals.amount`,
    `提成比例`); the checker turns them into the semantic model's index of uses.
    """

    def __init__(
        self,
        inputs: dict,
        tiers: dict,
        resolve_let: Callable[[str, Span], Optional[ir.Expr]],
        resolve_column: Callable[[str, str, Span], Optional[ir.Expr]],
        let_names: Callable[[], list[str]],
        computed_names: Callable[[str], list[str]],
        use: Callable[[str, Span], None] = lambda key, span: None,
        line_labels: Callable[[], list[str]] = lambda: [],
        has_team: Callable[[], bool] = lambda: False,
        functions=None,
        modules: Optional[dict] = None,
        prefix: str = "",
    ):
        self.inputs = inputs
        self.tiers = tiers
        self.resolve_let = resolve_let
        self.resolve_column = resolve_column
        self.let_names = let_names
        self.computed_names = computed_names
        self.use = use  # records a resolved reference: (symbol key as in check/model.py, span)
        self.line_labels = line_labels  # the labels of the plan's payout lines (what line("…") may read)
        self.has_team = has_team  # does the header name a hierarchy (`team by staff.manager`), so `members` means the team?
        self.functions = functions  # the file's functions (check/functions.py), or None
        self.modules = modules if modules is not None else {}  # namespace -> imported module (check/modules.py)
        self.prefix = prefix  # a module's tier tables and definitions are named `阶梯.x` in the plans that import it


class ExprChecker:
    def __init__(self, scope: Scope, source: SourceFile, currency: str, diagnostics: list[Diagnostic]):
        self.scope = scope
        self.source = source
        self.currency = currency
        self.diagnostics = diagnostics
        self.params: dict[str, ir.Expr] = {}  # inside a function's body: parameter -> the argument it stands for

    # ---- helpers
    def error(self, code, message: str, span: Span, **kwargs) -> None:
        self.diagnostics.append(diagnostic(code, message, span, **kwargs))

    def text(self, span: Span) -> str:
        return self.source.slice(span) if span.end > span.start else ""

    def bad(self, node) -> ir.Const:
        return ir.Const(None, ERROR, node.span, self.text(node.span))

    def money(self, currency: Optional[str] = None) -> MoneyType:
        return MoneyType(currency or self.currency)

    # ---- entry
    def check(self, node: ast.Expr, row_table: Optional[str] = None) -> ir.Expr:
        method = _DISPATCH.get(type(node))
        if method is None:  # pragma: no cover - every AST expression class has a method (tested)
            raise TypeError(f"no checker rule for {type(node).__name__}")
        return method(self, node, row_table)

    # ---- literals
    def _number(self, node: ast.Number, row_table):
        return ir.Const(node.value, NUMBER, node.span, node.text)

    def _percent(self, node: ast.Percent, row_table):
        return ir.Const(node.value, PERCENT, node.span, node.text)

    def _money(self, node: ast.Money, row_table):
        return ir.Const(node.value, self.money(node.currency), node.span, node.text)

    def _string(self, node: ast.String, row_table):
        return ir.Const(node.value, TEXT, node.span, self.text(node.span))

    def _date(self, node: ast.Date, row_table):
        return ir.Const(node.value, DATE, node.span, node.text)

    def _bool(self, node: ast.Bool, row_table):
        return ir.Const(node.value, BOOL, node.span, self.text(node.span))

    def _periodlit(self, node: ast.PeriodLit, row_table):
        return ir.Const(node.value, PERIOD, node.span, node.text)

    def _periodref(self, node: ast.PeriodRef, row_table):
        return ir.PeriodRef(PERIOD, node.span, self.text(node.span))

    # ---- names
    def visible_names(self, row_table: Optional[str]) -> list[str]:
        names = list(self.params) + list(self.scope.let_names()) + list(self.scope.inputs) + list(self.scope.tiers)
        names += self.function_names() + list(self.scope.modules)
        if row_table:
            names += [f.name for f in self.scope.inputs[row_table].fields] + self.scope.computed_names(row_table)
        return names

    def function_names(self) -> list[str]:
        return self.scope.functions.names() if self.scope.functions is not None else []

    def _name(self, node: ast.Name, row_table):
        name = node.name
        span = node.span
        if name in self.params:
            return self.params[name]
        if name in self.scope.modules and self.scope.modules[name] is None:
            return self.bad(node)  # a module that could not be imported: said at the import
        if name in self.scope.modules:
            self.error(TYPE_MISMATCH, f"'{name}' is a module; name one of its functions, tier tables or definitions, e.g. {name}.{self.scope.modules[name].example()}", span)
            return self.bad(node)
        if name in self.function_names():
            self.error(TYPE_MISMATCH, f"'{name}' is a function; call it, e.g. {name}(...)", span)
            return self.bad(node)
        if row_table is not None:
            schema = self.scope.inputs[row_table]
            field = schema.field(name)
            if field is not None:
                self.scope.use(f"{row_table}.{name}", span)
                return ir.ColumnRef(row_table, name, field.type, span, self.text(span))
            if name in self.scope.computed_names(row_table):
                self.scope.use(f"{row_table}.{name}", span)
                resolved = self.scope.resolve_column(row_table, name, span)
                return resolved if resolved is not None else self.bad(node)
        resolved = self.scope.resolve_let(name, span)
        if resolved is not None:
            self.scope.use(name, span)
            return resolved
        if name in self.scope.inputs or name in self.scope.tiers:
            self.scope.use(name, span)  # a misuse still names the symbol (rename must find it)
        if name in self.scope.inputs:
            schema = self.scope.inputs[name]
            example = schema.fields[0].name if schema.fields else "field"
            self.error(TYPE_MISMATCH, f"'{name}' is an input; name one of its fields, e.g. {name}.{example}", span)
            return self.bad(node)
        if name in self.scope.tiers:
            self.error(TYPE_MISMATCH, f"tier table '{name}' must be applied to a value, e.g. {name}(sales)", span)
            return self.bad(node)
        if name in FUNCTION_NAMES:
            self.error(TYPE_MISMATCH, f"'{name}' is a function; call it, e.g. {name}(...)", span)
            return self.bad(node)
        self.error(UNKNOWN_NAME, f"unknown name '{name}'", span, hint=did_you_mean(name, self.visible_names(row_table)))
        return self.bad(node)

    def _totalref(self, node: ast.TotalRef, row_table):
        self.error(UNKNOWN_NAME, "'total' can only be used in a test's expect line", node.span)
        return self.bad(node)

    def _field(self, node: ast.Field, row_table):
        span = node.span
        module = self.module_of(node)
        if module is BROKEN:
            return self.bad(node)
        if module is not None:  # `阶梯.基数`: a definition of an imported module
            resolved = module.constant(node.name)
            if resolved is None:
                self.error(UNKNOWN_NAME, f"module '{node.target.name}' has no definition '{node.name}'", self.member_span(node),
                           hint=did_you_mean(node.name, module.names()))
                return self.bad(node)
            return attrs.evolve(resolved, span=span, text=self.text(span))
        if isinstance(node.target, ast.Name) and node.target.name in self.scope.inputs and not (
            row_table and self.scope.inputs[row_table].field(node.target.name)
        ):
            schema = self.scope.inputs[node.target.name]
            field = schema.field(node.name)
            computed = schema.kind == "table" and node.name in self.scope.computed_names(schema.name)
            self.scope.use(schema.name, node.target.span)
            if field is not None or computed:
                self.scope.use(f"{schema.name}.{node.name}", self.member_span(node))
            if field is None and not computed:
                candidates = [f.name for f in schema.fields] + self.scope.computed_names(schema.name)
                self.error(
                    UNKNOWN_NAME,
                    f"input '{schema.name}' has no field '{node.name}'",
                    span,
                    hint=did_you_mean(node.name, candidates),
                )
                return self.bad(node)
            if schema.kind == "record":
                return ir.RecordRef(schema.name, node.name, field.type, span, self.text(span))
            if schema.kind == "params":
                return ir.ParamRef(schema.name, node.name, field.type, span, self.text(span))
            if row_table != schema.name:
                where = "outside an aggregate" if row_table is None else f"inside an aggregate over '{row_table}'"
                self.error(
                    TYPE_MISMATCH,
                    f"'{schema.name}.{node.name}' has one value per row and cannot be used {where}; "
                    f"aggregate it, e.g. sum({schema.name}.{node.name})",
                    span,
                )
                return self.bad(node)
            if computed:
                resolved = self.scope.resolve_column(schema.name, node.name, span)
                return resolved if resolved is not None else self.bad(node)
            return ir.ColumnRef(schema.name, node.name, field.type, span, self.text(span))
        target = self.check(node.target, row_table)
        if target.type == ERROR:
            return self.bad(node)
        if target.type == PERIOD:
            if node.name not in ("start", "end"):
                self.error(UNKNOWN_NAME, f"a period has no '{node.name}'; it has start and end (dates)", span, hint=did_you_mean(node.name, ("start", "end")))
                return self.bad(node)
            return ir.Builtin(node.name, (target,), DATE, span, self.text(span))
        if isinstance(target.type, RecordType):
            field_type = target.type.field(node.name)
            if field_type is None:
                names = [n for n, _ in target.type.fields]
                self.error(UNKNOWN_NAME, f"the lookup has no value named '{node.name}'", span, hint=did_you_mean(node.name, names))
                return self.bad(node)
            return ir.FieldOf(target, node.name, field_type, span, self.text(span))
        self.error(TYPE_MISMATCH, f"{describe(target.type)} has no field '{node.name}'", span)
        return self.bad(node)

    def member_span(self, node: ast.Field) -> Span:
        """The span of the name after the dot in `target.name`."""
        end = node.span.end
        start = end - len(node.name)
        if start < node.span.start or self.source.text[start:end] != node.name:
            return node.span
        return self.source.span(start, end)

    def _filtered(self, node: ast.Filtered, row_table):
        self.error(TYPE_MISMATCH, "'where' filters the rows of an aggregate, e.g. sum(deals.amount where renewed)", node.span)
        return self.bad(node)

    def module_of(self, node):
        """The imported module `node` (a `NS.name`) names before its dot, or None."""
        if isinstance(node, ast.Field) and isinstance(node.target, ast.Name) and node.target.name not in self.params:
            if node.target.name in self.scope.modules:
                return self.scope.modules[node.target.name] or BROKEN
        return None

    def function_call(self, functions, name: str, shown: str, node: ast.Call, row_table):
        args = [self.check(a, row_table) for a in node.args]
        return functions.call(name, shown, node, args, self)

    def module_call(self, module, node: ast.Call, row_table):
        """`阶梯.提成(x)`: a function or a tier table of an imported module."""
        namespace, name = node.func.target.name, node.func.name
        if name in module.functions.decls:
            return self.function_call(module.functions, name, f"{namespace}.{name}", node, row_table)
        key = module.tier_key(name)
        if key is not None:
            if len(node.args) != 1:
                self.error(ARGUMENT_COUNT, f"tier table '{namespace}.{name}' takes 1 argument, got {len(node.args)}", node.span)
                return self.bad(node)
            return self.tier_call(key, node.args[0], node, row_table)
        self.error(UNKNOWN_NAME, f"module '{namespace}' has no function or tier table '{name}'", self.member_span(node.func),
                   hint=did_you_mean(name, module.names()))
        return self.bad(node)

    # ---- calls
    def _call(self, node: ast.Call, row_table):
        span = node.span
        module = self.module_of(node.func)
        if module is BROKEN:
            return self.bad(node)
        if module is not None:
            return self.module_call(module, node, row_table)
        if isinstance(node.func, ast.Name) and node.func.name in self.function_names() and node.func.name not in self.params:
            return self.function_call(self.scope.functions, node.func.name, node.func.name, node, row_table)
        if not isinstance(node.func, ast.Name):
            self.error(TYPE_MISMATCH, "only functions and tier tables can be called", span)
            return self.bad(node)
        name = node.func.name
        args = node.args
        if name in self.scope.tiers:
            self.scope.use(name, node.func.span)
            if len(args) != 1:
                self.error(ARGUMENT_COUNT, f"tier table '{name}' takes 1 argument, got {len(args)}", span)
                return self.bad(node)
            return self.tier_call(name, args[0], node, row_table)
        if name == "line":
            return self.line_ref(node)
        if name in HISTORY_FUNCTIONS:
            return self.history(name, node, row_table)
        if name in DATE_FUNCTIONS:
            return self.date_function(name, node, row_table)
        if name in AGGREGATES and len(args) == 1 and _over_members(args[0]) and MEMBERS not in self.scope.inputs:  # an input named members is that input
            return self.team_aggregate(name, args[0], node, row_table)
        if name in AGGREGATES and len(args) == 1 and (name in ("sum", "count", "avg") or self.row_table_of(args[0])):
            return self.aggregate(name, args[0], node, row_table)
        if name in ("sum", "count", "avg"):
            self.error(ARGUMENT_COUNT, f"{name} takes 1 argument (a column or a table, optionally with 'where'), got {len(args)}", span)
            return self.bad(node)
        if name in SCALAR_FUNCTIONS:
            low, high = SCALAR_FUNCTIONS[name]
            if len(args) < low or (high is not None and len(args) > high):
                expected = str(low) if low == high else f"at least {low}"
                self.error(ARGUMENT_COUNT, f"{name} takes {expected} arguments, got {len(args)}", span)
                return self.bad(node)
            checked = [self.check(a, row_table) for a in args]
            if any(c.type == ERROR for c in checked):
                return self.bad(node)
            if name == "round":
                value, unit = checked
                if not (is_money(value.type) or is_numeric(value.type)) or not is_numeric(unit.type):
                    self.error(TYPE_MISMATCH, f"round takes money or a number and a unit such as 0.01 or 1, got {describe(value.type)} and {describe(unit.type)}", span)
                    return self.bad(node)
                return ir.Builtin(name, tuple(checked), value.type, span, self.text(span))
            if name == "abs":
                if not (is_money(checked[0].type) or is_numeric(checked[0].type)):
                    self.error(TYPE_MISMATCH, f"abs needs money or a number, got {describe(checked[0].type)}", span)
                    return self.bad(node)
                return ir.Builtin(name, tuple(checked), checked[0].type, span, self.text(span))
            unified, result = self.unify_all(checked, span, f"{name}")
            if result is None:
                return self.bad(node)
            return ir.Builtin(name, tuple(unified), result, span, self.text(span))
        known = list(FUNCTION_NAMES) + list(self.scope.tiers) + self.function_names()
        self.error(UNKNOWN_NAME, f"unknown function or tier table '{name}'", node.func.span, hint=did_you_mean(name, known))
        return self.bad(node)

    def line_ref(self, node: ast.Call):
        """`line("label")`: a payout line's value (after its gate, rounding, floor and cap)."""
        labels = self.scope.line_labels()
        if len(node.args) != 1 or not isinstance(node.args[0], ast.String):
            self.error(ARGUMENT_COUNT, 'line takes the label of a payout line, e.g. line("销售额提成")', node.span)
            return self.bad(node)
        label = node.args[0].value
        if label not in labels:
            self.error(UNKNOWN_NAME, f'the plan has no payout line "{label}"', node.args[0].span, hint=did_you_mean(label, labels))
            return self.bad(node)
        self.scope.use(f'"{label}"', node.args[0].span)
        return ir.LineRef(label, self.money(), node.span, self.text(node.span))

    def history(self, name: str, node: ast.Call, row_table):
        """A read of this payee's values in other periods; its first argument is a payee-level value."""
        fn = ir.HistoryFn(name)
        shapes = {
            ir.HistoryFn.PREVIOUS: ("previous(x, default) takes a value and what it is in the run's first period", 2),
            ir.HistoryFn.SUM_LAST: ("sum_last(x, n) takes a value and a number of periods", 2),
            ir.HistoryFn.COUNT_LAST: ("count_last(condition, n) takes a condition and a number of periods", 2),
            ir.HistoryFn.STREAK: ("streak(condition) takes a condition", 1),
            ir.HistoryFn.YTD: ("ytd(x) takes a value", 1),
            ir.HistoryFn.AT: ("at(x, when) takes a value and a period or a date", 2),
        }
        usage, count = shapes[fn]
        if len(node.args) != count:
            self.error(ARGUMENT_COUNT, f"{usage}; got {len(node.args)} argument(s)", node.span)
            return self.bad(node)
        value = self.check(node.args[0])  # payee level: evaluated in each period it reads
        if value.type == ERROR:
            return self.bad(node)
        arg = None
        if fn in (ir.HistoryFn.COUNT_LAST, ir.HistoryFn.STREAK):
            if value.type != BOOL:
                self.error(TYPE_MISMATCH, f"{name} counts periods that meet a condition; got {describe(value.type)}", node.args[0].span)
                return self.bad(node)
            result = INT
        elif fn == ir.HistoryFn.PREVIOUS:
            result = value.type
        else:
            if fn != ir.HistoryFn.AT and not (is_money(value.type) or is_numeric(value.type)):
                self.error(TYPE_MISMATCH, f"{name} adds up amounts or numbers; got {describe(value.type)}", node.args[0].span)
                return self.bad(node)
            result = value.type
        if fn in (ir.HistoryFn.SUM_LAST, ir.HistoryFn.COUNT_LAST):
            n = node.args[1]
            if not (isinstance(n, ast.Number) and n.value == n.value.to_integral_value() and n.value >= 1):
                self.error(TYPE_MISMATCH, f"{name}'s number of periods is a whole number of at least 1, e.g. {name}(…, 3)", n.span)
                return self.bad(node)
            arg = ir.Const(n.value, INT, n.span, n.text)
        elif fn == ir.HistoryFn.PREVIOUS:
            default = self.check(node.args[1], row_table)
            if default.type == ERROR:
                return self.bad(node)
            (value, default), result = self.unify_all([value, default], node.span, "previous and its default")
            if result is None:
                return self.bad(node)
            arg = default
        elif fn == ir.HistoryFn.AT:
            arg = self.check(node.args[1], row_table)  # a row's date reads the period that row belongs to
            if arg.type == ERROR:
                return self.bad(node)
            if arg.type not in (DATE, PERIOD):
                self.error(TYPE_MISMATCH, f"at reads a value in a period: its second argument is a period or a date, got {describe(arg.type)}", node.args[1].span)
                return self.bad(node)
        return ir.History(fn, value, arg, result, node.span, self.text(node.span))

    def date_function(self, name: str, node: ast.Call, row_table):
        kinds, result = DATE_FUNCTIONS[name]
        if len(node.args) != len(kinds):
            self.error(ARGUMENT_COUNT, f"{name} takes {len(kinds)} argument(s), got {len(node.args)}", node.span)
            return self.bad(node)
        args = [self.check(a, row_table) for a in node.args]
        if any(a.type == ERROR for a in args):
            return self.bad(node)
        for kind, arg, arg_node in zip(kinds, args, node.args):
            wanted = (DATE, PERIOD) if kind == "when" else (kind,)
            fits_int = kind == INT and arg.type in (INT, NUMBER) and isinstance(arg, ir.Const) and arg.value == arg.value.to_integral_value()
            if arg.type not in wanted and not fits_int and not (kind == INT and arg.type == INT):
                words = "a date or a period" if kind == "when" else describe(kind)
                self.error(TYPE_MISMATCH, f"{name} needs {words} here, got {describe(arg.type)}", arg_node.span)
                return self.bad(node)
        return ir.Builtin(name, tuple(args), result, node.span, self.text(node.span))

    def row_table_of(self, node) -> Optional[str]:
        """The table whose rows an aggregate argument ranges over (first `T.col` or bare `T`)."""
        tables = self.tables_in(node)
        return tables[0] if tables else None

    def unknown_table(self, node) -> Optional[ast.Name]:
        """The first `X.field` in `node` whose X names nothing the plan declares (a misspelled table)."""
        known = set(self.scope.inputs) | set(self.visible_names(None))
        for n in ast.walk(node):
            if isinstance(n, ast.Field) and isinstance(n.target, ast.Name) and n.target.name not in known:
                return n.target
        return None

    def tables_in(self, node) -> list[str]:
        found: list[str] = []

        def visit(n):
            if isinstance(n, ast.Field) and isinstance(n.target, ast.Name):
                schema = self.scope.inputs.get(n.target.name)
                if schema is not None and schema.kind == "table":
                    if n.target.name not in found:
                        found.append(n.target.name)
                    return
            if isinstance(n, ast.Name):
                schema = self.scope.inputs.get(n.name)
                if schema is not None and schema.kind == "table" and n.name not in found:
                    found.append(n.name)
                return
            if isinstance(n, ast.Filtered):
                visit(n.expr)  # the table is named by the aggregated expression
                if not found:
                    visit(n.where)
                return
            for child in ast.children(n):
                visit(child)

        visit(node)
        return found

    def aggregate(self, fn: str, arg, node: ast.Call, outer_row_table):
        span = node.span
        if outer_row_table is not None:
            self.error(TYPE_MISMATCH, f"{fn}(...) cannot be nested inside a row expression over '{outer_row_table}'", span)
            return self.bad(node)
        expr_node, where_node = (arg.expr, arg.where) if isinstance(arg, ast.Filtered) else (arg, None)
        tables = self.tables_in(expr_node) or self.tables_in(arg)
        unknown = None if tables else self.unknown_table(arg)
        if unknown is not None:  # sum(deal.amount): a misspelled table, not a type error
            tables_declared = [name for name, schema in self.scope.inputs.items() if schema.kind == "table"]
            self.error(UNKNOWN_NAME, f"unknown table '{unknown.name}'", unknown.span, hint=did_you_mean(unknown.name, tables_declared))
            return self.bad(node)
        if not tables:
            self.error(
                TYPE_MISMATCH,
                f"{fn} needs the rows of a table, e.g. {fn}(deals.amount)" if fn != "count" else "count needs a table, e.g. count(deals where renewed)",
                span,
            )
            return self.bad(node)
        if len(tables) > 1:
            self.error(TYPE_MISMATCH, f"{fn} ranges over one table at a time; this names {', '.join(tables)}", span)
            return self.bad(node)
        table = tables[0]
        where = None
        if where_node is not None:
            where = self.check(where_node, table)
            if where.type not in (BOOL, ERROR):
                self.error(TYPE_MISMATCH, f"'where' needs a true/false condition, got {describe(where.type)}", where_node.span)
                return self.bad(node)
        if isinstance(expr_node, ast.Name) and expr_node.name == table:
            self.scope.use(table, expr_node.span)
        if fn == "count":
            if not (isinstance(expr_node, ast.Name) and expr_node.name == table):
                self.error(TYPE_MISMATCH, f"count counts rows: write count({table}) or count({table} where …)", expr_node.span)
                return self.bad(node)
            if where is not None and where.type == ERROR:
                return self.bad(node)
            return ir.Aggregate(fn, table, None, where, INT, span, self.text(span))
        if isinstance(expr_node, ast.Name) and expr_node.name == table:
            self.error(TYPE_MISMATCH, f"{fn} needs a column of '{table}', e.g. {fn}({table}.amount)", expr_node.span)
            return self.bad(node)
        expr = self.check(expr_node, table)
        if expr.type == ERROR or (where is not None and where.type == ERROR):
            return self.bad(node)
        if not (is_money(expr.type) or is_numeric(expr.type)) and not (fn in ("min", "max") and expr.type == DATE):
            self.error(TYPE_MISMATCH, f"{fn} needs money or numbers, got {describe(expr.type)}", expr_node.span)
            return self.bad(node)
        result = expr.type
        if fn == "avg" and result == INT:
            result = NUMBER
        return ir.Aggregate(fn, table, expr, where, result, span, self.text(span))

    def team_aggregate(self, fn: str, arg, node: ast.Call, row_table):
        """`sum(members.业绩)`, `count(members where 达成率 < 100%)`, `sum(members.line("提成"))`: an aggregate
        over the payee's team, whose value and condition are payee-level expressions evaluated as each member."""
        span = node.span
        if not self.scope.has_team():
            self.error(UNKNOWN_NAME, "'members' is the payee's team, and the plan names no hierarchy", span,
                       hint="name the roster's manager field in the header, e.g. team by staff.manager")
            return self.bad(node)
        if row_table is not None:
            self.error(TYPE_MISMATCH, f"{fn}(members…) cannot be nested inside a row expression over '{row_table}'", span)
            return self.bad(node)
        value_node, where_node = (arg.expr, arg.where) if isinstance(arg, ast.Filtered) else (arg, None)
        where = None
        if where_node is not None:
            where = self.check(where_node)
            if where.type == ERROR:
                return self.bad(node)
            if where.type != BOOL:
                self.error(TYPE_MISMATCH, f"'where' needs a true/false condition, got {describe(where.type)}", where_node.span)
                return self.bad(node)
        if isinstance(value_node, ast.Name):  # the bare team: only count counts it
            if fn != "count":
                self.error(TYPE_MISMATCH, f"{fn} needs a value of each member, e.g. {fn}(members.业绩) or {fn}(members.line(\"提成\"))", value_node.span)
                return self.bad(node)
            return ir.TeamAggregate(fn, None, where, INT, span, self.text(span))
        if fn == "count":
            self.error(TYPE_MISMATCH, "count counts members: write count(members) or count(members where …)", value_node.span)
            return self.bad(node)
        member = _member_value(value_node)
        value = self.check(member)
        if value.type == ERROR:
            return self.bad(node)
        if not (is_money(value.type) or is_numeric(value.type)):
            self.error(TYPE_MISMATCH, f"{fn} needs money or numbers, got {describe(value.type)}", value_node.span)
            return self.bad(node)
        result = NUMBER if fn == "avg" and value.type == INT else value.type
        return ir.TeamAggregate(fn, value, where, result, span, self.text(span))

    def tier_call(self, name: str, arg_node, node: ast.Call, row_table):
        table: ir.TierTable = self.scope.tiers[name]
        arg = self.check(arg_node, row_table)
        if arg.type == ERROR or table.key_type == ERROR:
            return self.bad(node)
        key = table.key_type
        if table.categories or (table.has_default and not table.bands):
            if not is_textual(arg.type):
                self.error(TYPE_MISMATCH, f"tier table '{name}' is keyed by category, but got {describe(arg.type)}", arg_node.span)
                return self.bad(node)
            if isinstance(arg.type, EnumType):
                missing = [v for v in arg.type.values if v not in {k for k, _, _ in table.categories}]
                if missing and not table.has_default:
                    self.error(
                        TYPE_MISMATCH,
                        f"tier table '{name}' has no row for {', '.join(repr(m) for m in missing)} and no 'else' row",
                        node.span,
                    )
                    return self.bad(node)
        else:
            arg = self.coerce_zero(arg, key)
            zero_bounds_only = all(b in (None, 0) for band in table.bands for b in (band.low, band.high))
            if zero_bounds_only and is_money(arg.type) and is_numeric(key):
                key = arg.type  # `[0, ..)` has no unit of its own: it fits money as well as numbers
            if is_money(key) != is_money(arg.type) or (is_money(key) and key != arg.type):
                if is_money(key) and is_money(arg.type):
                    self.error(MIXED_CURRENCY, f"tier table '{name}' has bands in {key.currency}, but the value is in {arg.type.currency}", arg_node.span)
                else:
                    self.error(TYPE_MISMATCH, f"tier table '{name}' has bands of {describe(key)}, but got {describe(arg.type)}", arg_node.span)
                return self.bad(node)
        key = name if "." in name else self.scope.prefix + name  # an imported module's table is already named with its module
        return ir.TierCall(key, arg, table_result_type(table, arg.type), node.span, self.text(node.span))

    # ---- operators
    def coerce_zero(self, expr: ir.Expr, target: Type) -> ir.Expr:
        if isinstance(expr, ir.Const) and expr.type in (NUMBER, INT) and expr.value == 0 and is_money(target):
            return ir.Const(Decimal(0) * expr.value, target, expr.span, expr.text)
        return expr

    def whole(self, expr: ir.Expr, other: Type) -> ir.Expr:
        """A whole-number literal beside a count is a count: `1 - day(d)` stays a count (add_days takes it)."""
        if other == INT and isinstance(expr, ir.Const) and expr.type == NUMBER and expr.value == expr.value.to_integral_value():
            return ir.Const(expr.value, INT, expr.span, expr.text)
        return expr

    def unify_all(self, exprs: list[ir.Expr], span: Span, what: str):
        """Common type of several operands (min, max, clamp, if branches)."""
        money = [e.type for e in exprs if is_money(e.type)]
        if money:
            exprs = [self.coerce_zero(e, money[0]) for e in exprs]
            for e in exprs:
                if not is_money(e.type):
                    self.error(TYPE_MISMATCH, f"{what} mixes money with {describe(e.type)}", e.span)
                    return exprs, None
                if e.type != money[0]:
                    self.error(MIXED_CURRENCY, f"{what} mixes {money[0].currency} and {e.type.currency}", e.span)
                    return exprs, None
            return exprs, money[0]
        if all(is_numeric(e.type) for e in exprs):
            types = {e.type for e in exprs}
            if len(types) == 1:
                return exprs, types.pop()
            return exprs, PERCENT if PERCENT in types else NUMBER  # `if r > 0 then r else 0` stays a rate
        first = exprs[0].type
        for e in exprs[1:]:
            if e.type != first and not (is_textual(e.type) and is_textual(first)):
                self.error(TYPE_MISMATCH, f"{what} mixes {describe(first)} with {describe(e.type)}", e.span)
                return exprs, None
        return exprs, first

    def _negate(self, node: ast.Negate, row_table):
        operand = self.check(node.operand, row_table)
        if operand.type == ERROR:
            return self.bad(node)
        if not (is_money(operand.type) or is_numeric(operand.type)):
            self.error(TYPE_MISMATCH, f"cannot negate {describe(operand.type)}", node.span)
            return self.bad(node)
        return ir.Neg(operand, operand.type, node.span, self.text(node.span))

    def _not(self, node: ast.Not, row_table):
        operand = self.check(node.operand, row_table)
        if operand.type == ERROR:
            return self.bad(node)
        if operand.type != BOOL:
            self.error(TYPE_MISMATCH, f"'not' needs a true/false value, got {describe(operand.type)}", node.operand.span)
            return self.bad(node)
        return ir.Logic("not", (operand,), BOOL, node.span, self.text(node.span))

    def _logical(self, node: ast.Logical, row_table):
        left = self.check(node.left, row_table)
        right = self.check(node.right, row_table)
        if ERROR in (left.type, right.type):
            return self.bad(node)
        for side, checked in ((node.left, left), (node.right, right)):
            if checked.type != BOOL:
                self.error(TYPE_MISMATCH, f"'{node.op}' needs true/false values, got {describe(checked.type)}", side.span)
                return self.bad(node)
        return ir.Logic(node.op, (left, right), BOOL, node.span, self.text(node.span))

    def _if(self, node: ast.If, row_table):
        condition = self.check(node.condition, row_table)
        then = self.check(node.then, row_table)
        otherwise = self.check(node.otherwise, row_table)
        if ERROR in (condition.type, then.type, otherwise.type):
            return self.bad(node)
        if condition.type != BOOL:
            self.error(TYPE_MISMATCH, f"'if' needs a true/false condition, got {describe(condition.type)}", node.condition.span)
            return self.bad(node)
        (then, otherwise), result = self.unify_all([then, otherwise], node.span, "the branches of 'if'")
        if result is None:
            return self.bad(node)
        return ir.Cond(condition, then, otherwise, result, node.span, self.text(node.span))

    def _binary(self, node: ast.Binary, row_table):
        if node.op in "*/":
            return self.chain(node, row_table)
        left = self.check(node.left, row_table)
        right = self.check(node.right, row_table)
        if ERROR in (left.type, right.type):
            return self.bad(node)
        op = node.op
        if left.type == PERIOD and right.type in (INT, NUMBER) and op in "+-":
            if not (right.type == INT or (isinstance(right, ir.Const) and right.value == right.value.to_integral_value())):
                self.error(TYPE_MISMATCH, "a period moves by a whole number of periods, e.g. period - 1", node.right.span)
                return self.bad(node)
            back = f"-{right.text}" if isinstance(right, ir.Const) else f"-({right.text})"  # the text a trace shows beside the value
            steps = right if op == "+" else ir.Neg(right, right.type, right.span, back)
            return ir.Builtin("shift", (left, steps), PERIOD, node.span, self.text(node.span))
        if op in "+-":  # `x - 0` keeps x's unit; in `x * 0` the 0 is a plain factor
            left = self.coerce_zero(left, right.type)
            right = self.coerce_zero(right, left.type)
            left, right = self.whole(left, right.type), self.whole(right, left.type)
        lt, rt = left.type, right.type
        result = self.arith_type(op, lt, rt, node)
        if result is None:
            return self.bad(node)
        return ir.Arith(op, left, right, result, node.span, self.text(node.span))

    def chain(self, node: ast.Binary, row_table):
        """A chain of `*` and `/`, typed as a whole: its inner products may be money × money
        (a MoneyPower) as long as the chain comes back to money or a ratio."""
        product = self.product(node, row_table)
        if isinstance(product.type, MoneyPower):
            left, right = product.left.type, product.right.type
            plain = not isinstance(left, MoneyPower) and not isinstance(right, MoneyPower)
            if plain and node.op == "*":
                self.error(TYPE_MISMATCH, "cannot multiply money by money", node.span, hint="multiply money by a rate or a count")
            elif plain:
                self.error(TYPE_MISMATCH, f"cannot divide {describe(left)} by {describe(right)}", node.span)
            else:
                self.error(
                    TYPE_MISMATCH,
                    f"this chain of * and / comes to {describe(product.type)}, neither money nor a ratio",
                    node.span,
                    hint="divide by an amount as often as you multiply by one, e.g. bonus * sales / target",
                )
            return self.bad(node)
        return product

    def product(self, node: ast.Binary, row_table) -> ir.Expr:
        sides = []
        for side in (node.left, node.right):
            in_chain = isinstance(side, ast.Binary) and side.op in "*/"
            sides.append(self.product(side, row_table) if in_chain else self.check(side, row_table))
        left, right = sides
        if ERROR in (left.type, right.type):
            return self.bad(node)
        result = self.arith_type(node.op, left.type, right.type, node)
        if result is None:
            return self.bad(node)
        return ir.Arith(node.op, left, right, result, node.span, self.text(node.span))

    def arith_type(self, op: str, lt: Type, rt: Type, node) -> Optional[Type]:
        symbol = {"+": "add", "-": "subtract", "*": "multiply", "/": "divide"}[op]
        if op in "*/" and (isinstance(lt, MoneyPower) or isinstance(rt, MoneyPower)):
            result = unit_of_product(op, lt, rt)
            if result is None:
                self.error(TYPE_MISMATCH, f"cannot {symbol} {describe(lt)} by {describe(rt)}", node.span)
            return result
        if is_money(lt) and is_money(rt) and lt != rt and op in "+-/":
            self.error(MIXED_CURRENCY, f"cannot {symbol} {lt.currency} and {rt.currency} amounts", node.span)
            return None
        if op in "+-":
            if is_money(lt) and is_money(rt):
                return lt
            if is_numeric(lt) and is_numeric(rt):
                if lt == rt:
                    return lt
                return NUMBER
            if lt in (DATE, PERIOD) or rt in (DATE, PERIOD):
                self.error(TYPE_MISMATCH, "dates do not add or subtract: use days_between(a, b), months_between(a, b), add_days or add_months", node.span)
                return None
            if (is_money(lt) and rt == PERCENT) or (lt == PERCENT and is_money(rt)):
                self.error(
                    TYPE_MISMATCH,
                    f"cannot {symbol} money and a percent",
                    node.span,
                    hint="a rate applies by multiplication, e.g. amount * 2%",
                )
                return None
            self.error(TYPE_MISMATCH, f"cannot {symbol} {describe(lt)} and {describe(rt)}", node.span)
            return None
        if op == "*":
            if is_money(lt) and is_money(rt):
                if lt == rt:
                    return unit_of_product(op, lt, rt)  # money × money: valid only inside a longer chain
                self.error(TYPE_MISMATCH, "cannot multiply money by money", node.span, hint="multiply money by a rate or a count")
                return None
            if is_money(lt) and is_numeric(rt):
                return lt
            if is_numeric(lt) and is_money(rt):
                return rt
            if is_numeric(lt) and is_numeric(rt):
                if lt == INT and rt == INT:
                    return INT
                if PERCENT in (lt, rt):
                    return PERCENT
                return NUMBER
            self.error(TYPE_MISMATCH, f"cannot multiply {describe(lt)} by {describe(rt)}", node.span)
            return None
        # division
        if is_money(lt) and is_money(rt):
            return PERCENT  # a ratio of amounts (attainment, collection rate) reads as a percent
        if is_money(lt) and is_numeric(rt):
            return lt
        if is_numeric(lt) and is_numeric(rt):
            return NUMBER
        if is_numeric(lt) and is_money(rt):
            return unit_of_product(op, lt, rt)  # 1 ÷ money: valid only inside a longer chain
        self.error(TYPE_MISMATCH, f"cannot divide {describe(lt)} by {describe(rt)}", node.span)
        return None

    def _compare(self, node: ast.Compare, row_table):
        left = self.check(node.left, row_table)
        right = self.check(node.right, row_table)
        if ERROR in (left.type, right.type):
            return self.bad(node)
        left = self.coerce_zero(left, right.type)
        right = self.coerce_zero(right, left.type)
        lt, rt = left.type, right.type
        ordered = node.op not in ("==", "!=")
        ok = False
        if is_money(lt) and is_money(rt):
            if lt != rt:
                self.error(MIXED_CURRENCY, f"cannot compare {lt.currency} with {rt.currency}", node.span)
                return self.bad(node)
            ok = True
        elif (is_money(lt) and rt == PERCENT) or (lt == PERCENT and is_money(rt)):
            self.error(
                TYPE_MISMATCH,
                "cannot compare money with a percent",
                node.span,
                hint="compare an attainment ratio (sales / target) with the percent, or money with money",
            )
            return self.bad(node)
        elif (is_money(lt) and is_numeric(rt)) or (is_numeric(lt) and is_money(rt)):
            ok = True  # allowed; the linter asks for a unit (suspicious-units)
        elif is_numeric(lt) and is_numeric(rt):
            ok = True
        elif lt == DATE and rt == DATE:
            ok = True
        elif lt == PERIOD and rt == PERIOD:
            ok = True
        elif is_textual(lt) and is_textual(rt):
            ok = not ordered
            for enum_side, other in ((lt, right), (rt, left)):
                if isinstance(enum_side, EnumType) and isinstance(other, ir.Const) and other.value not in enum_side.values:
                    self.error(
                        TYPE_MISMATCH,
                        f"'{other.value}' is not one of {', '.join(enum_side.values)}",
                        other.span,
                        hint=did_you_mean(str(other.value), enum_side.values),
                    )
                    return self.bad(node)
        elif lt == BOOL and rt == BOOL:
            ok = not ordered
        if not ok:
            self.error(TYPE_MISMATCH, f"cannot compare {describe(lt)} with {describe(rt)} using '{node.op}'", node.span)
            return self.bad(node)
        return ir.Cmp(node.op, left, right, BOOL, node.span, self.text(node.span))


# One table, class → method, as the interpreter's: the one dispatch style of the stages.
_DISPATCH = {
    ast.Number: ExprChecker._number,
    ast.Percent: ExprChecker._percent,
    ast.Money: ExprChecker._money,
    ast.String: ExprChecker._string,
    ast.Date: ExprChecker._date,
    ast.Bool: ExprChecker._bool,
    ast.PeriodLit: ExprChecker._periodlit,
    ast.PeriodRef: ExprChecker._periodref,
    ast.Name: ExprChecker._name,
    ast.TotalRef: ExprChecker._totalref,
    ast.Field: ExprChecker._field,
    ast.Filtered: ExprChecker._filtered,
    ast.Call: ExprChecker._call,
    ast.Negate: ExprChecker._negate,
    ast.Not: ExprChecker._not,
    ast.Logical: ExprChecker._logical,
    ast.If: ExprChecker._if,
    ast.Binary: ExprChecker._binary,
    ast.Compare: ExprChecker._compare,
}


def _over_members(arg) -> bool:
    """Does an aggregate's argument range over the team: `members`, `members.x`, `members.line("…")`, each maybe with `where`?"""
    node = arg.expr if isinstance(arg, ast.Filtered) else arg
    if isinstance(node, ast.Call):
        node = node.func
    if isinstance(node, ast.Field):
        node = node.target
    return isinstance(node, ast.Name) and node.name == MEMBERS


def _member_value(node):
    """The payee-level expression a member contributes: `members.业绩` → `业绩`; `members.line("提成")` → `line("提成")`."""
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Field):
        return attrs.evolve(node, func=ast.Name(node.func.name, span=node.func.span))
    if isinstance(node, ast.Field):
        return ast.Name(node.name, span=node.span)
    return node


BROKEN = object()  # the namespace of an import that failed (reported there)

MEMBERS = "members"  # in an aggregate: the payee's team in this period (the header's `team by …`)


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
    if isinstance(node, ast.PeriodLit):
        return node.value, PERIOD
    return None, ERROR


def table_result_type(table: ir.TierTable, arg_type: Optional[Type] = None) -> Type:
    if table.mode == "lookup":
        return table.value_type
    key = arg_type if arg_type is not None and is_money(arg_type) else table.key_type
    if is_money(key):
        return key
    if is_money(table.value_type):
        return table.value_type  # per-unit amounts over a count
    return NUMBER
