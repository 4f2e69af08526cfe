"""What a run produces: per payee, its lines (payout, cap, floor and total
adjustments), its flags and its total, each with its trace when traced.

A payee's lines always add up to its total: cap, floor and total limits are lines
of their own, never silent changes to another line's value.
"""
from __future__ import annotations

import enum
from decimal import Decimal
from typing import Optional

import attrs

from dsl import ir
from dsl.core.numeric import round_money
from dsl.core.types import WHOLE_RUN, Period, is_money
from dsl.run.trace import Trace


class LineKind(enum.StrEnum):
    """A payee's lines: payout lines and the adjustments their limits make."""

    PAYOUT = "payout"
    CAP = "cap"  # a line's cap, below its payout line
    FLOOR = "floor"  # a line's floor, below its payout line
    TOTAL_CAP = "total_cap"  # the plan's total cap, after all lines
    TOTAL_FLOOR = "total_floor"  # the plan's total floor, after all lines
    # the ledger's postings that change pay (dsl/run/ledger.py), after the earned lines
    HELD = "held"
    RELEASED = "released"
    SCALED = "scaled"
    RETURNED = "returned"
    RECOVERED = "recovered"
    DRAW_PAID = "draw_paid"
    DRAW_RECOVERED = "draw_recovered"
    CARRIED = "carried"
    CARRY_RECOVERED = "carry_recovered"
    # what a team pays its members after its values are computed (dsl/run/pools.py)
    SHARE = "share"  # a member's (or the manager's) share of a pool
    AWARD = "award"  # a ranking's award
    # rows of a team that are not pay: in `PayeeResult.accruals`, never in the total
    POOL = "pool"  # a pool's amount
    FUND = "fund"  # what a pool puts into a fund
    UNALLOCATED = "unallocated"  # the unqualified part of a pool that goes back (`unqualified back`)


EARNED_KINDS = frozenset({LineKind.PAYOUT, LineKind.CAP, LineKind.FLOOR, LineKind.TOTAL_CAP, LineKind.TOTAL_FLOOR, LineKind.SHARE, LineKind.AWARD})


class PostingKind(enum.StrEnum):
    """What a ledger posting does to an account (DESIGN.md's ledger)."""

    HELD = "held"  # kept back from pay into a hold
    RELEASED = "released"  # paid out of a hold
    SCALED = "scaled"  # what a release's coefficient added or took away
    FORFEITED = "forfeited"  # lost from a hold (not paid)
    CLAWED_BACK = "clawed_back"  # now owed on reversals (negative: no longer owed)
    RETURNED = "returned"  # paid back after a recovery proved not due
    RECOVERED = "recovered"  # taken from pay against what is owed
    DRAW_PAID = "draw_paid"  # pay topped up to a guarantee
    DRAW_RECOVERED = "draw_recovered"  # a recoverable draw taken back from pay above the guarantee
    CARRIED = "carried"  # pay below zero, carried as owed
    CARRY_RECOVERED = "carry_recovered"  # carried pay taken from a later period's pay


@attrs.frozen
class Line:
    label: str
    kind: LineKind
    value: Decimal
    trace: Optional[Trace] = None


@attrs.frozen
class FlagValue:
    label: str
    value: object
    trace: Optional[Trace] = None


def reported_flag(flag: ir.Flag, value: object, rounding: ir.Rounding) -> object:
    """What a flag reports: an amount of money rounded by the plan's rule, as its lines are (so every
    money flag prints at the unit's scale, 1234.50 rather than 1234.500000); any other value as computed.

    >>> from dsl.core.types import MoneyType
    >>> flag = ir.Flag("预估", ir.Const(Decimal("411.49995885"), MoneyType("CNY"), None, "x"))
    >>> reported_flag(flag, Decimal("411.49995885"), ir.Rounding("half_up", Decimal("0.01")))
    Decimal('411.50')
    """
    if is_money(flag.expr.type) and isinstance(value, Decimal):
        return round_money(value, rounding.unit, rounding.mode)
    return value


@attrs.frozen
class Posting:
    """One movement of a ledger account: `amount` by `kind`, leaving `balance`; `sources` are the
    parts of earlier periods' balances it moved (the period and the line each came from)."""

    account: str
    kind: PostingKind
    amount: Decimal
    balance: Decimal
    sources: tuple = ()  # ledger.Vintage parts
    trace: Optional[Trace] = None


@attrs.frozen
class Balance:
    """An account at the start and end of a period, and the vintages it carries forward."""

    account: str
    kind: str  # hold | clawback | draw | carried
    opening: Decimal
    closing: Decimal
    vintages: tuple = ()  # ledger.Vintage: (period, amount, line) of what is carried


@attrs.frozen
class PayeeResult:
    payee: str
    lines: tuple[Line, ...]
    flags: tuple[FlagValue, ...]
    total: Decimal  # what is paid this period: the sum of the lines
    period: Period = WHOLE_RUN  # the period these lines are for
    postings: tuple[Posting, ...] = ()
    balances: tuple[Balance, ...] = ()
    accruals: tuple[Line, ...] = ()  # a team's pools and funds: reported, not paid, not in the total

    @property
    def earned(self) -> Decimal:
        """The earned lines (payouts and their limits), before the ledger's postings."""
        return sum((line.value for line in self.lines if line.kind in EARNED_KINDS), Decimal(0))

    def posted(self, account: str, kind: str) -> Decimal:
        """The total of `account`'s postings of `kind` this period (0 when none)."""
        return sum((p.amount for p in self.postings if p.account == account and p.kind == kind), Decimal(0))

    def balance(self, account: str) -> Decimal:
        """What `account` carries forward at the end of the period."""
        for balance in self.balances:
            if balance.account == account:
                return balance.closing
        return Decimal(0)

    def line(self, label: str, kind: str = LineKind.PAYOUT) -> Optional[Line]:
        for line in self.lines:
            if line.label == label and line.kind == kind:
                return line
        return None


@attrs.frozen
class RunResult:
    plan: ir.Plan
    payees: tuple[PayeeResult, ...]
    diagnostics: tuple[Diagnostic, ...] = ()
