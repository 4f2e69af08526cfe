"""Syntax tree → semantic model: the orchestration of checking one plan.

`check(plan_file, source)` resolves the header, input schemas, tier tables,
definitions (in dependency order, reporting cycles), payout lines, flags, total
caps and plan tests, and returns a `SemanticModel` (model.py): the typed IR, the
symbol table and the index of uses. Expression typing lives in expressions.py,
tier tables in tiers.py and plan tests in tests.py; this module owns the
declarations: duplicates (E106), cycles (E107), the header (E110), inputs (E112),
and which symbol each declaration defines.

The model is returned even when the plan has errors (its IR then has ERROR-typed
expressions in place of what did not check; see model.py); `model.ok` says
whether it may be evaluated.

>>> from dsl.syntax.parser import parse
>>> from dsl.core.source import SourceFile
>>> text = 'plan "x" { currency CNY }\\npayout "a" = sales * 2%'
>>> model = check(parse(text, "x.plan")[0], SourceFile("x.plan", text))
>>> model.ok, [p.label for p in model.plan.payouts], [d.message for d in model.diagnostics]
(False, ['a'], ["unknown name 'sales'"])
"""
from __future__ import annotations

from decimal import Decimal
from typing import Optional

from dsl.syntax import ast
from dsl import ir
from dsl.core.diagnostics import BAD_HEADER, BAD_MODULE, BAD_PERIOD, CYCLE, DUPLICATE, TYPE_MISMATCH, UNKNOWN_NAME, BAD_INPUT, VERSION_OVERLAP, Diagnostic, diagnostic, did_you_mean
from dsl.check.expressions import FUNCTION_NAMES, ExprChecker, Scope, const_value, describe
from dsl.check.model import SemanticModel, Symbol, SymbolKind, Use
from dsl.check.functions import Functions
from dsl.check.modules import Module, ModuleLoader, folder_of, misplaced
from dsl.check.ledger import LedgerChecker
from dsl.check.teams import TeamChecker
from dsl.check.tests import check_test
from dsl.check.levels import level_cycles, team_hierarchy
from dsl.core.periods import overlaps
from dsl.check.tiers import TierTableChecker
from dsl.core.source import SourceFile, Span
from dsl.core.types import BOOL, DATE, ERROR, INT, NUMBER, PAYEE, PERCENT, PERIOD, SCALAR_NAMES, TEXT, WHOLE_RUN, EnumType, FieldSchema, InputSchema, MoneyType, Period, PeriodUnit, Type, fits, is_money, is_numeric, is_textual


PERIODS = tuple(unit.value for unit in PeriodUnit)
DEFAULT_ROUNDING = ir.Rounding("half_up", Decimal("0.01"), stated=False)




class PlanChecker:
    def __init__(self, plan_file: ast.PlanFile, source: SourceFile, currency: str = "CNY", loader: Optional[ModuleLoader] = None, prefix: str = ""):
        self.file = plan_file
        self.source = source
        self.diagnostics: list[Diagnostic] = []
        self.currency = currency
        self.loader = loader  # made on first import when None: one per check of a plan (check/modules.py)
        self.prefix = prefix  # a module imported by a plan names its tables and definitions `module.name` there
        self.is_module = plan_file.module_header() is not None
        self.modules: dict[str, Module] = {}  # namespace -> imported module
        self.functions = Functions(self, {})
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
        self.symbols: dict[str, Symbol] = {}
        self.use_spans: list[tuple[str, Span]] = []  # (symbol key, span), resolved into Uses at the end
        self.tier_versions: dict[str, list] = {}  # dated tier tables: name -> [(dates, table, span)]
        self.let_versions: dict[str, list[ast.LetDecl]] = {}  # dated definitions: name -> their declarations
        self.let_version_exprs: dict[str, list] = {}  # name -> [(dates, checked expr)] for names with several versions
        self.total_labels: dict[str, str] = {}
        # the labels of the statement: payout lines, flags, the total's lines, holds, clawbacks, draws
        self.labels: dict[str, Span] = {}
        self.payout_labels: dict[str, Span] = {}

    def error(self, code, message, span, **kwargs):
        self.diagnostics.append(diagnostic(code, message, span, **kwargs))

    # ---- symbols
    def define(self, kind: SymbolKind, name: str, type: Optional[Type], span: Span) -> None:
        symbol = Symbol(kind, name, type, span)
        self.symbols.setdefault(symbol.key, symbol)

    def use(self, key: str, span: Span) -> None:
        """Record a reference to the symbol keyed `key` (see `Symbol.key`) at `span`."""
        self.use_spans.append((key, span))

    def name_span(self, span: Span, name: str, after: str = "") -> Span:
        """The span of `name` as written inside a declaration's `span` (after `after`), else `span`."""
        text = self.source.text
        start = span.start
        if after:
            found = text.find(after, start, span.end)
            start = found + len(after) if found >= 0 else start
        found = text.find(name, start, span.end) if name else -1
        return self.source.span(found, found + len(name)) if found >= 0 else span

    def uses(self) -> tuple[Use, ...]:
        seen, uses = set(), []
        for key, span in sorted(self.use_spans, key=lambda u: (u[1].start, u[1].end)):
            symbol = self.symbols.get(key)
            if symbol is not None and (key, span.start, span.end) not in seen:
                seen.add((key, span.start, span.end))
                uses.append(Use(symbol, span))
        return tuple(uses)

    # ---- namespace
    def declare(self, name: str, span: Span, what: str) -> bool:
        if name in FUNCTION_NAMES:
            self.error(DUPLICATE, f"'{name}' is a built-in function and cannot name {what}", span)
            return False
        if name in self.names:
            first = self.names[name]
            self.error(DUPLICATE, f"'{name}' is defined twice", span, notes=(("first defined here", first),))
            return False
        self.names[name] = span
        return True

    # ---- header
    def header(self) -> dict:
        headers = [i for i in self.file.items if isinstance(i, ast.PlanHeader)]
        result = {"name": "", "period": WHOLE_RUN, "payee": "payee", "rounding": DEFAULT_ROUNDING, "effective": None, "stages": (), "payees": (), "team": None}
        if self.is_module:
            return self.module_header(result)
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
                else:
                    result["period"] = Period(PeriodUnit(period))
            elif setting.key == "period_range":
                dates = setting.values
                stages = []
                for start, end in zip(dates[::2], dates[1::2]):
                    if end < start:
                        self.error(BAD_HEADER, f"the period ends ({end}) before it starts ({start})", setting.span)
                    elif stages and start <= stages[-1].end:
                        self.error(BAD_PERIOD, f"the periods {stages[-1]} and {start}..{end} overlap or are out of order; list them in order, each after the last", setting.span)
                    else:
                        stages.append(Period(None, start, end))
                if stages:
                    result["period"] = Period(None, stages[0].start, stages[-1].end)
                    result["stages"] = tuple(stages)
            elif setting.key == "payee":
                result["payee"] = setting.values[0]
            elif setting.key == "payees":
                declared: list[str] = []
                for name in setting.values:
                    if not name.strip():
                        self.error(BAD_HEADER, "a declared payee needs a name", setting.span)
                    elif name in declared:
                        self.error(DUPLICATE, f"payee '{name}' is declared twice", setting.span)
                    else:
                        declared.append(name)
                result["payees"] = tuple(declared)
            elif setting.key == "team":
                result["team"] = setting
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

    def module_header(self, result: dict) -> dict:
        """A module file: one `module "…"` line, and only what a module may hold."""
        headers = [i for i in self.file.items if isinstance(i, ast.ModuleHeader)]
        for extra in headers[1:]:
            self.error(DUPLICATE, "a module file has one module header", extra.span, notes=(("first header", headers[0].span),))
        result["name"] = headers[0].name
        for item in self.file.items:
            why = misplaced(item)
            if why is not None:
                self.error(BAD_MODULE, why, item.span, notes=(("the module header", headers[0].span),))
        return result

    def imports(self) -> None:
        """Load each imported module and claim its namespace (`import 阶梯 as J` claims J)."""
        for decl in self.file.imports():
            if self.loader is None:
                self.loader = ModuleLoader(self.currency, PlanChecker)
                self.loader.start(self.source)
            namespace = decl.namespace
            if not self.declare(namespace, decl.span, "a module"):
                continue
            module = self.loader.load(decl, folder_of(self.source), self.diagnostics)
            if module is None:
                self.modules[namespace] = None  # reported: what the file reads from it is not reported again
                continue
            self.modules[namespace] = module
            self.define(SymbolKind.MODULE, namespace, None, self.name_span(decl.span, namespace, " as " if decl.alias else "import"))
            for name, table in module.tiers().items():
                self.tiers.setdefault(name, table)
            known = {let.name for let in self.let_order}
            self.let_order[:0] = [let for let in module.lets() if let.name not in known]

    def function_decls(self) -> None:
        """Claim each function's name; its body is checked after the definitions are known."""
        decls: dict[str, ast.FnDecl] = {}
        for item in self.file.items:
            if isinstance(item, ast.FnDecl) and self.declare(item.name, item.name_span, "a function"):
                decls[item.name] = item
                self.define(SymbolKind.FUNCTION, item.name, None, item.name_span)
        self.functions = Functions(self, decls)

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
        if ref.name == "percent":
            if tuple(ref.args) != ("points",):
                self.error(BAD_INPUT, "percent takes one reading, percent(points), for data that writes 85 for 85%", ref.span)
                return ERROR
            return PERCENT
        self.error(UNKNOWN_NAME, f"unknown type '{ref.name}'", ref.span, hint=did_you_mean(ref.name, ["money", "enum", *SCALAR_NAMES]))
        return ERROR

    def input_decl(self, decl: ast.InputDecl) -> None:
        if not self.declare(decl.name, decl.span, "an input"):
            return
        self.define(SymbolKind.INPUT, decl.name, None, self.name_span(decl.span, decl.name, "input"))
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
            fields.append(FieldSchema(field.name, field_type, default, has_default, points=field.type.name == "percent" and bool(field.type.args)))
            self.define(SymbolKind.FIELD, f"{decl.name}.{field.name}", field_type, self.name_span(field.span, field.name))
        payees = [f for f in fields if f.type == PAYEE]
        if decl.kind == "record" and not payees:
            self.error(BAD_INPUT, f"record input '{decl.name}' has one row per payee, so it needs a field of type payee", decl.span)
        if decl.shared and decl.kind != "table":
            self.error(BAD_INPUT, f"only a table is shared: a {decl.kind} input cannot be", decl.span,
                       hint="a params input is one row every payee reads already" if decl.kind == "params" else None)
        elif decl.shared and payees:
            self.error(BAD_INPUT, f"shared table '{decl.name}' is read whole by every payee, so it has no payee column, "
                       f"but '{payees[0].name}' is one", decl.span, hint=f"drop `shared` to give each payee the rows that name them")
        elif decl.kind == "table" and not payees and not decl.shared:
            self.error(BAD_INPUT, f"table input '{decl.name}' has no payee column, so every payee would read all its rows",
                       decl.span, hint=f"if that is meant, say so: input {decl.name}: shared table {{ … }}; "
                                       "else add the column that names each row's payee (rep: payee)")
        team = self.team_setting.values if self.team_setting is not None else None
        if len(payees) == 2 and team == (decl.name, payees[1].name):
            pass  # the hierarchy: the row's payee, then the payee who manages it
        elif len(payees) > 1:
            self.error(BAD_INPUT, f"input '{decl.name}' has {len(payees)} payee fields; a row belongs to one payee", decl.span)
        if decl.kind == "params" and payees:
            self.error(BAD_INPUT, f"params input '{decl.name}' holds plan-wide values and cannot have a payee field", decl.span)
        by = None
        if decl.by is not None:
            by_field = next((f for f in fields if f.name == decl.by), None)
            by_span = self.name_span(decl.span, decl.by, " by ")
            if by_field is None:
                self.error(UNKNOWN_NAME, f"input '{decl.name}' has no field '{decl.by}' to place its rows in periods", by_span, hint=did_you_mean(decl.by, [f.name for f in fields]))
            elif by_field.type not in (DATE, PERIOD):
                self.error(BAD_PERIOD, f"'{decl.name}.{decl.by}' places rows in periods, so it must be a date or a month/period, not {describe(by_field.type)}", by_span)
            else:
                by = decl.by
                self.use(f"{decl.name}.{decl.by}", by_span)
        self.inputs[decl.name] = InputSchema(decl.name, decl.kind, tuple(fields), by)

    # ---- tier tables
    def tiers_decl(self, decl: ast.TiersDecl) -> None:
        if decl.name in self.tier_versions:
            table = TierTableChecker(self.error, self.source, self.currency).check(decl)
            if self.add_version(self.tier_versions[decl.name], decl, "tier table"):
                first = self.tiers[decl.name]
                if table.key_type != first.key_type or table.mode != first.mode:
                    self.error(VERSION_OVERLAP, f"every version of tier table '{decl.name}' has the same mode and kind of bands", decl.name_span)
                self.tier_versions[decl.name].append((decl.effective, table, decl.span))
            return
        if self.declare(decl.name, decl.name_span, "a tier table"):
            self.tiers[decl.name] = TierTableChecker(self.error, self.source, self.currency).check(decl)
            self.define(SymbolKind.TIERS, decl.name, None, decl.name_span)
            if decl.effective is not None:
                self.tier_versions[decl.name] = [(decl.effective, self.tiers[decl.name], decl.span)]

    def add_version(self, versions: list, decl, what: str) -> bool:
        """May `decl` be another version of a dated `what`? Every version states its dates, and no two share a day."""
        if decl.effective is None:
            self.error(VERSION_OVERLAP, f"'{decl.name}' has dated versions, so this one needs its dates too: effective FROM..TO", decl.span,
                       notes=(("a dated version", versions[0][2]),))
            return False
        start, end = decl.effective
        if end < start:
            self.error(BAD_PERIOD, f"this version ends ({end}) before it starts ({start})", decl.span)
            return False
        for dates, _, span in versions:
            if overlaps(dates, decl.effective):
                self.error(VERSION_OVERLAP, f"two versions of {what} '{decl.name}' are both in force from {max(dates[0], start)} to {min(dates[1], end)}",
                           decl.span, notes=(("the other version", span),))
                return False
        return True

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
        return ir.LetRef(let.name, let.expr.type, span, self.source.slice(span))

    def check_let(self, decl: ast.LetDecl) -> None:
        self.lets[decl.name] = None
        self.stack.append(decl.name)
        expr = self.exprs.check(decl.expr)
        for version in self.let_versions.get(decl.name, ())[1:]:
            other = self.exprs.check(version.expr)
            if ERROR not in (expr.type, other.type) and other.type != expr.type:
                self.error(TYPE_MISMATCH, f"every version of '{decl.name}' has the same type: this one is {describe(other.type)}, the first {describe(expr.type)}", version.expr.span)
            self.let_version_exprs.setdefault(decl.name, [(decl.effective, expr)]).append((version.effective, other))
        self.stack.pop()
        let = ir.Let(self.prefix + decl.name, expr, decl.span)
        self.lets[decl.name] = let
        self.define(SymbolKind.LET, decl.name, expr.type, self.name_span(decl.span, decl.name, "let"))
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
        self.define(SymbolKind.COLUMN, f"{decl.table}.{decl.name}", expr.type, self.name_span(decl.span, decl.name, f"{decl.table}."))
        self.column_order.append(column)

    # ---- the whole plan
    def run(self) -> SemanticModel:
        header = self.header()
        self.team_setting = header["team"]
        items = self.file.items
        self.imports()
        for item in items:
            if isinstance(item, ast.InputDecl):
                self.input_decl(item)
        self.hierarchy = team_hierarchy(header["team"], self.inputs, self.error)
        for item in items:
            if isinstance(item, ast.TiersDecl):
                self.tiers_decl(item)
        for item in items:
            if isinstance(item, ast.PayoutDecl):
                self.payout_labels.setdefault(item.label, item.span)
            elif isinstance(item, ast.PoolDecl):  # a member's share is a line of that member (read only to say E116)
                for share in item.shares:
                    if share.kind != "fund":
                        self.payout_labels.setdefault(share.label, share.span)
            elif isinstance(item, ast.RankDecl) and item.award_label is not None:
                self.payout_labels.setdefault(item.award_label, item.span)
        for item in items:
            if isinstance(item, ast.LetDecl) and item.name in self.let_versions:
                if self.add_version([(v.effective, v, v.span) for v in self.let_versions[item.name]], item, "definition"):
                    self.let_versions[item.name].append(item)
            elif isinstance(item, ast.LetDecl) and self.declare(item.name, item.span, "a definition"):
                self.let_decls[item.name] = item
                if item.effective is not None:
                    self.let_versions[item.name] = [item]
            elif isinstance(item, ast.ColumnDecl):
                self.column_target(item)
        self.function_decls()
        scope = Scope(
            self.inputs,
            self.tiers,
            self.resolve_let,
            self.resolve_column,
            lambda: list(self.let_decls),
            lambda table: [n for (t, n) in self.column_decls if t == table],
            self.use,
            lambda: list(self.payout_labels),
            lambda: self.hierarchy is not None,
            self.functions,
            self.modules,
            self.prefix,
        )
        self.exprs = ExprChecker(scope, self.source, self.currency, self.diagnostics)
        for name in self.functions.names():
            self.functions.check_definition(name)
        for item in items:
            if isinstance(item, ast.LetDecl) and item.name in self.let_decls and item.name not in self.lets:
                if self.let_decls[item.name] is item:
                    self.check_let(item)
            elif isinstance(item, ast.ColumnDecl) and (item.table, item.name) in self.column_decls:
                if self.column_decls[(item.table, item.name)] is item and (item.table, item.name) not in self.columns:
                    self.check_column(item)
        self.check_periods(header)
        payouts, flags = self.outputs(header)
        self.line_cycles(payouts)
        pools, ranks = self.teams()
        shares = {share.label: (pool.label, share.span) for pool in pools for share in pool.shares if share.kind != "fund"}
        shares |= {rank.award_label: (rank.label, rank.span) for rank in ranks if rank.award_label is not None}
        self.diagnostics += level_cycles(self.let_order, payouts, flags, shares, pools, ranks)
        total_cap, total_floor = self.totals()
        holds, clawbacks, draws = self.ledger()
        self.accounts = {h.label: "hold" for h in holds} | {c.label: "clawback" for c in clawbacks} | {d.label: "draw" for d in draws}
        if self.accounts:  # a plan with a ledger carries pay below zero in the account "carried"
            self.accounts.setdefault("carried", "carried pay")
        tests = self.tests(payouts, flags)
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
            holds,
            clawbacks,
            draws,
            self.total_labels,
            header["stages"],
            {name: tuple((dates, table) for dates, table, _ in versions) for name, versions in self.tier_versions.items() if len(versions) > 1},
            {name: tuple(versions) for name, versions in self.let_version_exprs.items()},
            header["payees"],
            self.hierarchy,
            tuple(pools),
            tuple(ranks),
        )
        return SemanticModel(plan, dict(self.symbols), self.uses(), tuple(self.diagnostics))

    def column_target(self, decl: ast.ColumnDecl) -> None:
        schema = self.inputs.get(decl.table)
        if schema is None:
            self.error(UNKNOWN_NAME, f"unknown table '{decl.table}'", decl.span, hint=did_you_mean(decl.table, [n for n, s in self.inputs.items() if s.kind == "table"]))
            return
        if schema.kind != "table":
            self.error(TYPE_MISMATCH, f"computed columns belong to tables; '{decl.table}' is a {schema.kind}", decl.span)
            return
        self.use(decl.table, self.name_span(decl.span, decl.table, "let"))
        key = (decl.table, decl.name)
        if schema.field(decl.name) is not None or key in self.column_decls:
            first = self.column_decls[key].span if key in self.column_decls else None
            notes = (("first defined here", first),) if first else ()
            self.error(DUPLICATE, f"'{decl.table}.{decl.name}' is defined twice", decl.span, notes=notes)
            return
        self.column_decls[key] = decl

    def modeless_table(self, expr) -> Optional[ir.TierTable]:
        """The banded tier table without a stated mode whose value `expr` is (directly, or
        through a let defined as such a call), if any: applied to an amount it gives a rate."""
        seen = 0
        while isinstance(expr, ir.LetRef) and seen < 100:
            let = next((let for let in self.let_order if let.name == expr.name), None)
            expr, seen = (let.expr if let is not None else None), seen + 1
        if isinstance(expr, ir.TierCall):
            table = self.tiers.get(expr.tiers)
            if table is not None and not table.mode_stated and table.bands and is_numeric(table.value_type):
                return table
        return None

    def money_expr(self, node, what: str) -> ir.Expr:
        expr = self.exprs.check(node)
        expr = self.exprs.coerce_zero(expr, MoneyType(self.currency))
        if expr.type != ERROR and not is_money(expr.type):
            unstated = self.modeless_table(expr)
            if unstated is not None:  # the mistake is at the table, not here: say so there
                self.error(TYPE_MISMATCH, f"{what} must be money, but tier table '{unstated.name}' states no mode, so it is read as "
                           f"lookup and gives the band's value itself ({describe(unstated.value_type)})", node.span,
                           hint=f"write 'tiers {unstated.name} marginal' (each band's rate on the part inside it) or "
                                f"'tiers {unstated.name} whole' (the reached band's rate on the whole amount)",
                           notes=((f"tier table '{unstated.name}' is defined here", unstated.span),))
                return ir.Const(None, ERROR, node.span)
            self.error(TYPE_MISMATCH, f"{what} must be money, got {describe(expr.type)}", node.span, hint="multiply an amount by a rate, e.g. sales * 2%" if is_numeric(expr.type) else None)
            return ir.Const(None, ERROR, node.span)
        if is_money(expr.type) and expr.type.currency != self.currency:
            self.error(TYPE_MISMATCH, f"{what} is in {expr.type.currency}, but the plan pays in {self.currency}", node.span)
            return ir.Const(None, ERROR, node.span)
        return expr

    def label(self, label: str, span: Span) -> bool:
        """Claim a label of the statement (a line, flag, hold, clawback, draw or the total's line)."""
        if label in self.labels:
            self.error(DUPLICATE, f'the label "{label}" is used twice', span, notes=(("first used here", self.labels[label]),))
            return False
        self.labels[label] = span
        return True

    def check_periods(self, header) -> None:
        """Inputs placed by period need a plan that has periods."""
        period = header["period"]
        for decl in self.file.items:
            if isinstance(decl, ast.InputDecl) and decl.by is not None and period.unit is None and not header["stages"]:
                self.error(BAD_PERIOD, f"input '{decl.name}' places its rows in periods, but the header names no period; add e.g. period month",
                           self.name_span(decl.span, decl.by, " by "))

    def line_cycles(self, payouts: list[ir.Payout]) -> None:
        """A line that reads itself through other lines (and the definitions between) is an E107 naming the circle.

        Without recursion: the lets are in dependency order, so each let's lines are known
        when a later let reads it, and the search for a circle keeps its own stack."""
        from dsl.ir.walk import walk

        let_lines: dict[str, frozenset[str]] = {}

        def lines_of(expr) -> set[str]:
            found: set[str] = set()
            for node in walk(expr):
                if isinstance(node, ir.LineRef):
                    found.add(node.label)
                elif isinstance(node, ir.LetRef):
                    found |= let_lines.get(node.name, frozenset())
            return found

        for let in self.let_order:
            let_lines[let.name] = frozenset(lines_of(let.expr))
        reads = {}
        for payout in payouts:
            found: set[str] = set()
            for expr in (payout.expr, payout.gate, payout.cap, payout.floor):
                if expr is not None:
                    found |= lines_of(expr)
            reads[payout.label] = sorted(found)
        spans = {p.label: p.span for p in payouts}
        state: dict[str, int] = {}  # 1: on the path being searched, 2: done
        for payout in payouts:
            if payout.label in state:
                continue
            path = [payout.label]
            pending = [iter(reads.get(payout.label, ()))]
            state[payout.label] = 1
            while pending:
                label = path[-1]
                other = next(pending[-1], None)
                if other is None:
                    state[label] = 2
                    path.pop()
                    pending.pop()
                elif state.get(other) == 1:
                    circle = path[path.index(other):] + [other]
                    self.error(CYCLE, f'the line "{other}" depends on itself: ' + " → ".join(f'"{c}"' for c in circle), spans[label],
                               notes=((f'"{other}" is defined here', spans[other]),))
                    return
                elif other not in state:
                    state[other] = 1
                    path.append(other)
                    pending.append(iter(reads.get(other, ())))

    def teams(self) -> tuple[list[ir.Pool], list[ir.Rank]]:
        """The plan's pools and rankings; each claims its label and the lines it pays (a member's share, a rank's award)."""
        checker = TeamChecker(self)
        pools, ranks = [], []
        for item in self.file.items:
            if isinstance(item, ast.PoolDecl) and self.label(item.label, item.span):
                pool = checker.pool(item)
                if pool is None:
                    continue
                self.define(SymbolKind.POOL, pool.label, MoneyType(self.currency), self.name_span(item.span, f'"{pool.label}"'))
                for share in pool.shares:
                    if share.kind != "fund" and self.label(share.label, share.span):
                        self.define(SymbolKind.PAYOUT, share.label, MoneyType(self.currency), self.name_span(share.span, f'"{share.label}"'))
                pools.append(pool)
            elif isinstance(item, ast.RankDecl) and self.label(item.label, item.span):
                rank = checker.rank(item)
                if rank is None:
                    continue
                if rank.award_label is not None and self.label(rank.award_label, item.span):
                    self.define(SymbolKind.PAYOUT, rank.award_label, MoneyType(self.currency), self.name_span(item.span, f'"{rank.award_label}"'))
                self.define(SymbolKind.FLAG, rank.label, INT, self.name_span(item.span, f'"{rank.label}"'))
                ranks.append(rank)
        return pools, ranks

    def ledger(self) -> tuple[tuple, tuple, tuple]:
        checker = LedgerChecker(self)
        holds, clawbacks, draws = [], [], []
        for item in self.file.items:
            if isinstance(item, (ast.HoldDecl, ast.ClawbackDecl, ast.DrawDecl)) and self.label(item.label, item.span):
                self.define(SymbolKind.ACCOUNT, item.label, MoneyType(self.currency), self.name_span(item.span, f'"{item.label}"'))
                if isinstance(item, ast.HoldDecl):
                    holds.append(checker.hold(item))
                elif isinstance(item, ast.ClawbackDecl):
                    clawback = checker.clawback(item)
                    if clawback is not None:
                        clawbacks.append(clawback)
                else:
                    draws.append(checker.draw(item))
        return tuple(holds), tuple(clawbacks), tuple(draws)

    def outputs(self, header) -> tuple[list[ir.Payout], list[ir.Flag]]:
        payouts, flags = [], []
        for item in self.file.items:
            if not isinstance(item, (ast.PayoutDecl, ast.FlagDecl)):
                continue
            if not self.label(item.label, item.span):
                continue
            label_span = self.name_span(item.span, f'"{item.label}"')
            if isinstance(item, ast.FlagDecl):
                # A flag is reported, never paid: it may be money (an amount deferred to year end).
                expr = self.exprs.check(item.expr)
                flags.append(ir.Flag(item.label, expr, item.span))
                self.define(SymbolKind.FLAG, item.label, expr.type, label_span)
                continue
            expr = self.money_expr(item.expr, f'payout "{item.label}"')
            self.define(SymbolKind.PAYOUT, item.label, expr.type, label_span)
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
                if item.label is not None and self.label(item.label, item.span):
                    self.total_labels[item.kind] = item.label
                    self.define(SymbolKind.PAYOUT, item.label, MoneyType(self.currency), self.name_span(item.span, f'"{item.label}"'))
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
        result = []
        names: dict[str, Span] = {}
        for item in self.file.items:
            if not isinstance(item, ast.TestDecl):
                continue
            if item.name in names:
                self.error(DUPLICATE, f'test "{item.name}" is defined twice', item.span, notes=(("first defined here", names[item.name]),))
                continue
            names[item.name] = item.span
            self.define(SymbolKind.TEST, item.name, None, self.name_span(item.span, f'"{item.name}"', "test"))
            test = check_test(self, item, payouts, flags, self.accounts, self.total_labels.values())
            if test is not None:
                result.append(test)
        return result


def check(plan_file: ast.PlanFile, source: SourceFile, loader: Optional[ModuleLoader] = None) -> SemanticModel:
    """Check a parsed plan: its semantic model, built even when the plan has errors.

    >>> from dsl.syntax.parser import parse
    >>> text = 'plan "x" { currency CNY }\\ninput deals: table { rep: payee, amount: money }\\nlet sales = sum(deals.amount)'
    >>> model = check(parse(text, "x.plan")[0], SourceFile("x.plan", text))
    >>> sorted(model.symbols), model.ok
    (['deals', 'deals.amount', 'deals.rep', 'sales'], True)
    >>> [(u.symbol.name, u.span.column) for u in model.uses]
    [('deals', 17), ('deals.amount', 23)]
    """
    return PlanChecker(plan_file, source, loader=loader).run()
