"""What one evaluation is about: a payee in a period, and where its rows are.

An `EvalContext` is keyed by (payee, period): two contexts with the same key are
equal, whatever rows they point at. Besides its key it carries what the
interpreter needs to read that payee's data without searching: for each table
input the indices of the payee's rows in the period, and for each record input
the index of the payee's row (None when the payee has none), and for each
params input the index of its row in force (row 0, unless it is placed by period).

`payee_context` builds a context from a dataset's indexes (built once, when the
dataset was loaded), so making one per payee costs a few dictionary reads.
"""
from __future__ import annotations

from typing import Iterable, Mapping, Optional, Sequence

import attrs

from dsl.core.types import WHOLE_RUN, InputKind, InputSchema, Period
from dsl.data.dataset import Dataset


@attrs.frozen
class EvalContext:
    """One payee in one period; `rows` and `records` locate its data.

    >>> a = EvalContext("甲", WHOLE_RUN, {"deals": (0, 2)}, {"reps": 0})
    >>> a == EvalContext("甲", WHOLE_RUN, {}, {}), a.key == ("甲", WHOLE_RUN)
    (True, True)
    """

    payee: str
    period: Period = WHOLE_RUN
    rows: Mapping[str, Sequence[int]] = attrs.field(factory=dict, eq=False, repr=False)  # table input -> row indices
    records: Mapping[str, Optional[int]] = attrs.field(factory=dict, eq=False, repr=False)  # record input -> row index
    params: Mapping[str, Optional[int]] = attrs.field(factory=dict, eq=False, repr=False)  # params input -> row index in the period

    @property
    def key(self) -> tuple[str, Period]:
        return (self.payee, self.period)


def payee_context(schemas: Iterable[InputSchema], dataset: Dataset, payee: str, period: Period = WHOLE_RUN) -> EvalContext:
    """The context of `payee` in `period` over `dataset`, for the inputs `schemas` declares.

    An input the dataset has no table for reads as empty (no rows, no record row).
    """
    rows: dict[str, Sequence[int]] = {}
    records: dict[str, Optional[int]] = {}
    params: dict[str, Optional[int]] = {}
    tables = dataset.tables
    for schema in schemas:
        table = tables.get(schema.name)
        if schema.kind == InputKind.TABLE:
            rows[schema.name] = table.rows_of(payee, period) if table is not None else ()
        elif schema.kind == InputKind.RECORD:
            records[schema.name] = dataset.record_row(schema.name, payee, period)
        else:
            params[schema.name] = dataset.params_row(schema.name, period)
    return EvalContext(payee, period, rows, records, params)
