"""Checking the ledger's declarations: holds, clawbacks and draws.

    hold "年终部分" = line("提成奖金") * 40%       money kept back from this period's pay
      release at year end | release on DATE | release after N periods | release when COND
      scaled by EXPR                                what is released is multiplied (S3's coefficients)
      forfeit [SHARE] when COND                     the balance (or SHARE of it) is lost
      when COND                                     hold only when COND
    clawback "退款追回" = refunds.amount * at(提成率, refunds.sold_on)
      within N months|days|periods of ROW_DATE      the reversal window (rows outside it are not recovered)
      recover at most EXPR per period               instalments
      keep at least EXPR                            recovery never takes pay below this
    draw "保底" = 1000元 recoverable | nonrecoverable

`LedgerChecker` turns them into `ir.Hold`, `ir.Clawback` and `ir.Draw`; a rule
that does not fit is an E114 at the rule.
"""
from __future__ import annotations

from decimal import Decimal
from typing import Optional

from dsl import ir
from dsl.core.diagnostics import BAD_LEDGER, DUPLICATE, TYPE_MISMATCH
from dsl.check.expressions import describe
from dsl.core.types import BOOL, DATE, ERROR, PERIOD, MoneyType, is_money, is_numeric
from dsl.syntax import ast

WINDOW_UNITS = ("months", "days", "periods")
RELEASE_UNITS = ("periods", "months")
_RELEASES = {"release_year_end": ir.ReleaseKind.YEAR_END, "release_on": ir.ReleaseKind.ON,
             "release_after": ir.ReleaseKind.AFTER, "release_when": ir.ReleaseKind.WHEN}


class LedgerChecker:
    """Checks ledger declarations with the plan checker's expression checker and money rules."""

    def __init__(self, plan_checker):
        self.checker = plan_checker
        self.exprs = plan_checker.exprs
        self.error = plan_checker.error

    def condition(self, node) -> ir.Expr:
        expr = self.exprs.check(node)
        if expr.type not in (BOOL, ERROR):
            self.error(TYPE_MISMATCH, f"a condition must be true or false, got {describe(expr.type)}", node.span)
            return ir.Const(None, ERROR, node.span)
        return expr

    def once(self, clause: ast.LedgerClause, seen: dict) -> bool:
        key = "release" if clause.kind.startswith("release") else clause.kind
        if key in seen and key not in ("release", "forfeit"):
            self.error(DUPLICATE, f"'{key}' appears twice here", clause.span, notes=(("first here", seen[key]),))
            return False
        seen.setdefault(key, clause.span)
        return True

    def hold(self, decl: ast.HoldDecl) -> ir.Hold:
        expr = self.checker.money_expr(decl.expr, f'hold "{decl.label}"')
        gate = scale = None
        releases: list[ir.Release] = []
        forfeits: list[ir.Forfeit] = []
        seen: dict = {}
        for clause in decl.clauses:
            if not self.once(clause, seen):
                continue
            text = self.checker.source.slice(clause.span)
            if clause.kind == "when":
                gate = self.condition(clause.expr)
            elif clause.kind in _RELEASES:
                kind = _RELEASES[clause.kind]
                if kind == ir.ReleaseKind.AFTER:
                    count = clause.number
                    if clause.unit not in RELEASE_UNITS or count != count.to_integral_value() or count < 1:
                        self.error(BAD_LEDGER, f"release after takes a whole number of periods, e.g. release after 3 periods (got {clause.text} {clause.unit})", clause.span)
                        continue
                    releases.append(ir.Release(kind, count=int(count), text=text, span=clause.span))
                elif kind == ir.ReleaseKind.WHEN:
                    releases.append(ir.Release(kind, condition=self.condition(clause.expr), text=text, span=clause.span))
                else:
                    releases.append(ir.Release(kind, date=clause.date, text=text, span=clause.span))
            elif clause.kind == "scaled":
                scale = self.exprs.check(clause.expr)
                if scale.type != ERROR and not is_numeric(scale.type):
                    self.error(TYPE_MISMATCH, f"'scaled by' takes a coefficient (a number or percent), got {describe(scale.type)}", clause.expr.span)
                    scale = ir.Const(None, ERROR, clause.expr.span)
            elif clause.kind == "forfeit":
                share = clause.number if clause.number is not None else Decimal(1)
                if not Decimal(0) < share <= Decimal(1):
                    self.error(BAD_LEDGER, f"a forfeited share is more than 0% and at most 100%, got {clause.text}", clause.span)
                    continue
                forfeits.append(ir.Forfeit(share, self.condition(clause.expr), text, clause.span))
            else:
                self.error(BAD_LEDGER, f"'{clause.kind}' is a rule of a clawback, not of a hold", clause.span)
        return ir.Hold(decl.label, expr, gate, tuple(releases), scale, tuple(forfeits), decl.span)

    def clawback(self, decl: ast.ClawbackDecl) -> Optional[ir.Clawback]:
        table = self.exprs.row_table_of(decl.expr)
        schema = self.checker.inputs.get(table) if table else None
        if schema is None or schema.kind != "table":
            self.error(BAD_LEDGER, f'clawback "{decl.label}" recovers per reversal row: its amount is a row expression over one table, '
                       "e.g. refunds.amount * 3%", decl.expr.span)
            return None
        expr = self.exprs.check(decl.expr, table)
        expr = self.exprs.coerce_zero(expr, MoneyType(self.checker.currency))
        if expr.type != ERROR and not (is_money(expr.type) and expr.type.currency == self.checker.currency):
            self.error(TYPE_MISMATCH, f'clawback "{decl.label}" must be money in {self.checker.currency}, got {describe(expr.type)}', decl.expr.span)
            expr = ir.Const(None, ERROR, decl.expr.span)
        window = instalment = keep = None
        seen: dict = {}
        for clause in decl.clauses:
            if not self.once(clause, seen):
                continue
            text = self.checker.source.slice(clause.span)
            if clause.kind == "window":
                count = clause.number
                if clause.unit not in WINDOW_UNITS or count != count.to_integral_value() or count < 1:
                    self.error(BAD_LEDGER, f"a window is a whole number of {', '.join(WINDOW_UNITS)}, e.g. within 6 months of {table}.sold_on", clause.span)
                    continue
                origin = self.exprs.check(clause.expr, table)
                if origin.type not in (DATE, PERIOD, ERROR):
                    self.error(TYPE_MISMATCH, f"the window is counted from the original transaction's date or period, got {describe(origin.type)}", clause.expr.span)
                    continue
                window = ir.Window(int(count), clause.unit, origin, text, clause.span)
            elif clause.kind == "instalment":
                instalment = self.checker.money_expr(clause.expr, "an instalment")
            elif clause.kind == "keep":
                keep = self.checker.money_expr(clause.expr, "the pay kept")
        return ir.Clawback(decl.label, table, expr, window, instalment, keep, decl.span)

    def draw(self, decl: ast.DrawDecl) -> ir.Draw:
        return ir.Draw(decl.label, self.checker.money_expr(decl.expr, f'draw "{decl.label}"'), decl.recoverable, decl.span)
