"""Checking the team declarations: pools split among a team, rankings within a team.

    pool "部门奖金池" = 销售额 * 1% when 销售额 >= 任务 {
      40% to manager as "部门奖金(总监)"                         the team's manager (the payee whose team it is)
      50% equally among members where 销售岗 qualify when 达标 as "部门奖金(销售)"
      5% pro rata to 业绩 among members where 内勤 as "部门奖金(内勤)"
      5% to fund "最佳销售员基金"                                 a fund: reported, not paid
      unqualified to fund "部门基金"   |   unqualified back        where the shares of the unqualified go
      remainder largest by payee       |   remainder largest by 业绩   the tie order of the cent remainders
    }
    rank "销售排名" = members by 业绩 where 销售岗 ties by 回款额 top 25 as "排名奖" {    within each team
      [1, 1] -> 5000元
      [2, 10] -> 2000元
    }
    rank "达成率排名" = payees by 业绩达成率 ties by 业绩 top 25         every payee of the run; no award

Every expression of a share or a ranking other than the pool's amount is evaluated as each member
(or, for a manager's share, as the manager); it is a payee-level expression like a line's. `TeamChecker`
turns the declarations into `ir.Pool` and `ir.Rank`; what does not fit is an E117 at the part.
"""
from __future__ import annotations

from decimal import Decimal
from typing import Optional

from dsl import ir
from dsl.check.expressions import describe
from dsl.core.diagnostics import BAD_TEAM_RULE, DUPLICATE, TYPE_MISMATCH, UNKNOWN_NAME
from dsl.core.types import BOOL, ERROR, MoneyType, is_money, is_numeric
from dsl.syntax import ast

ONE = Decimal(1)


class TeamChecker:
    """Checks pools and rankings with the plan checker's expression checker and money rules."""

    def __init__(self, plan_checker):
        self.checker = plan_checker
        self.exprs = plan_checker.exprs
        self.error = plan_checker.error

    def needs_team(self, what: str, span) -> bool:
        if self.checker.hierarchy is not None:
            return True
        self.error(UNKNOWN_NAME, f"{what} is split among a team's members, and the plan names no hierarchy", span,
                   hint="name it in the header: team by staff.manager")
        return False

    def condition(self, node) -> Optional[ir.Expr]:
        if node is None:
            return None
        expr = self.exprs.check(node)
        if expr.type not in (BOOL, ERROR):
            self.error(TYPE_MISMATCH, f"a condition must be true or false, got {describe(expr.type)}", node.span)
            return ir.Const(None, ERROR, node.span)
        return expr

    def measure(self, node, what: str) -> Optional[ir.Expr]:
        if node is None:
            return None
        expr = self.exprs.check(node)
        if expr.type != ERROR and not (is_money(expr.type) or is_numeric(expr.type)):
            self.error(TYPE_MISMATCH, f"{what} is an amount or a number of each member, got {describe(expr.type)}", node.span)
            return ir.Const(None, ERROR, node.span)
        return expr

    def pool(self, decl: ast.PoolDecl) -> Optional[ir.Pool]:
        if not self.needs_team(f'pool "{decl.label}"', decl.span):
            return None
        expr = self.checker.money_expr(decl.expr, f'pool "{decl.label}"')
        gate = self.condition(decl.gate)
        shares, total = [], Decimal(0)
        for share in decl.shares:
            if not Decimal(0) < share.percent <= ONE:
                self.error(BAD_TEAM_RULE, f"a share of a pool is more than 0% and at most 100%, got {share.percent_text}", share.span)
                continue
            total += share.percent
            shares.append(ir.PoolShare(share.kind, share.percent, share.label, self.measure(share.measure, "a pro rata measure"),
                                       self.condition(share.where), self.condition(share.qualify), share.span))
        if total > ONE:
            self.error(BAD_TEAM_RULE, f'the shares of pool "{decl.label}" add up to {_percent(total)}, more than the pool', decl.span)
        unqualified, remainder = None, None
        unqualified_stated = remainder_stated = False
        seen: dict = {}
        for rule in decl.rules:
            key = rule.kind.split("_")[0]
            if key in seen:
                self.error(DUPLICATE, f"'{key}' is stated twice in this pool", rule.span, notes=(("first here", seen[key]),))
                continue
            seen[key] = rule.span
            if rule.kind == "unqualified_fund":
                unqualified, unqualified_stated = rule.fund, True
            elif rule.kind == "unqualified_back":
                unqualified_stated = True
            elif rule.kind == "remainder_measure":
                remainder, remainder_stated = self.measure(rule.measure, "the remainder's tie order"), True
            else:
                remainder_stated = True
        open_part = total < ONE or any(s.kind in ("equally", "pro_rata") for s in shares)
        if open_part and not unqualified_stated:
            self.error(BAD_TEAM_RULE, f'pool "{decl.label}" does not say where its unqualified part goes (a group with nobody who qualifies, '
                       "a share a member does not qualify for, or the part above the shares)", decl.span,
                       hint='add: unqualified to fund "部门基金"   or   unqualified back')
        return ir.Pool(decl.label, expr, gate, tuple(shares), unqualified, remainder, decl.span, unqualified_stated, remainder_stated)

    def rank(self, decl: ast.RankDecl) -> Optional[ir.Rank]:
        if decl.group == "members" and not self.needs_team(f'rank "{decl.label}"', decl.span):
            return None
        measure = self.measure(decl.measure, "a ranking's measure")
        where = self.condition(decl.where)
        tie = self.measure(decl.tie, "a tie-breaker")
        top = None
        if decl.top is not None:
            if decl.top != decl.top.to_integral_value() or decl.top < 1:
                self.error(BAD_TEAM_RULE, f"top takes a whole number of ranks, got {decl.top_text}", decl.span)
            else:
                top = int(decl.top)
        bands: list[ir.RankBand] = []
        for row in decl.bands:
            band = row.band
            low = _rank_bound(band.low, 1, band.low_closed, low=True)
            high = _rank_bound(band.high, None, band.high_closed, low=False)
            text = self.checker.source.slice(band.span)
            if low is None or (band.high is not None and high is None) or (high is not None and high < low):
                self.error(BAD_TEAM_RULE, f"a rank band is a range of whole ranks from 1, e.g. [1, 3] or [11, ..), got {text}", row.span)
                continue
            clash = next((b for b in bands if low <= (b.high if b.high is not None else low) and (high is None or b.low <= high)), None)
            if clash is not None:
                self.error(BAD_TEAM_RULE, f"rank bands {clash.text} and {text} both contain rank {max(low, clash.low)}", row.span,
                           notes=((f"{clash.text} is here", clash.span),))
                continue
            value = self.checker.money_expr(row.value, "a rank award")
            bands.append(ir.RankBand(low, high, value, text, row.span))
        return ir.Rank(decl.label, measure, where, tie, decl.shared, top, decl.award_label, tuple(bands), decl.span, decl.tie_stated, decl.group)


def _rank_bound(node, default, closed: bool, low: bool) -> Optional[int]:
    """A band's bound as a whole rank, inclusive: `(1, 4)` is ranks 2 to 3."""
    if node is None:
        return default
    value = node.value if isinstance(node, (ast.Number,)) else None
    if value is None or value != value.to_integral_value():
        return None
    rank = int(value)
    if not closed:
        rank = rank + 1 if low else rank - 1
    return rank if rank >= 1 else None


def _percent(value: Decimal) -> str:
    return f"{(value * 100).normalize():f}%"
