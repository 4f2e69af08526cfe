"""What a run produces: per payee, its lines (payout, cap, floor and total
adjustments), its flags and its total, each with its trace when traced.

A payee's lines always add up to its total: cap, floor and total limits are lines
of their own, never silent changes to another line's value.
"""
from __future__ import annotations

from decimal import Decimal
from typing import Optional

import attrs

from dsl import ir
from dsl.run.trace import Trace


@attrs.frozen
class Line:
    label: str
    kind: str  # payout | cap | floor | total_cap | total_floor
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

    def line(self, label: str, kind: str = "payout") -> Optional[Line]:
        for line in self.lines:
            if line.label == label and line.kind == kind:
                return line
        return None


@attrs.frozen
class RunResult:
    plan: ir.Plan
    payees: tuple[PayeeResult, ...]
    diagnostics: tuple[Diagnostic, ...] = ()
