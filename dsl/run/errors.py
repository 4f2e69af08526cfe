"""Evaluation errors: a value that cannot be computed for one payee.

Division by zero, a value no tier band contains, a payee without its record row:
each is an `EvalError` carrying the plan span of the expression that failed. The
interpreter turns it into an R001 diagnostic naming the payee, and goes on with
the other payees; plan tests turn it into a failed expectation.
"""
from __future__ import annotations

from typing import Optional

from dsl.core.source import Span


class EvalError(Exception):
    """Why a value could not be computed, and where in the plan.

    >>> str(EvalError("division by zero: 'target' is 0", None))
    "division by zero: 'target' is 0"
    """

    def __init__(self, message: str, span: Optional[Span]):
        super().__init__(message)
        self.span = span
