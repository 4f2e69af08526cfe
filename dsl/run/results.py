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
from dsl.core.types import WHOLE_RUN, Period
from dsl.run.trace import Trace


class LineKind(enum.StrEnum):
    """A payee's lines: payout lines and the adjustments their limits make."""

    PAYOUT = "payout"
    CAP = "cap"  # a line's cap, below its payout line
    FLOOR = "floor"  # a line's floor, below its payout line
    TOTAL_CAP = "total_cap"  # the plan's total cap, after all lines
    TOTAL_FLOOR = "total_floor"  # the plan's total floor, after all lines


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


@attrs.frozen
class PayeeResult:
    payee: str
    lines: tuple[Line, ...]
    flags: tuple[FlagValue, ...]
    total: Decimal
    period: Period = WHOLE_RUN  # the period these lines are for

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
