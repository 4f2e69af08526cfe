"""The typed intermediate representation and the passes over it.

`dsl.ir` is what the checker produces and every backend consumes; its node
classes are defined in `nodes.py` and re-exported here, so `ir.Const` names one.
"""
from dsl.ir.nodes import (
    Const,
    LetRef,
    RecordRef,
    ParamRef,
    ColumnRef,
    ComputedRef,
    Arith,
    Neg,
    Cmp,
    Logic,
    Cond,
    Aggregate,
    Builtin,
    TierCall,
    FieldOf,
    Quotient,
    PeriodRef,
    LineRef,
    History,
    TeamAggregate,
    HistoryFn,
    Band,
    TierTable,
    Let,
    ComputedColumn,
    Rounding,
    Payout,
    Flag,
    Hold,
    Release,
    ReleaseKind,
    Forfeit,
    Clawback,
    Window,
    Draw,
    PoolShare,
    Pool,
    RankBand,
    Rank,
    Expectation,
    PlanTest,
    Plan,
    Expr,
    EXPR_CLASSES,
    CallSite,
)

__all__ = ['Const', 'LetRef', 'RecordRef', 'ParamRef', 'ColumnRef', 'ComputedRef', 'Arith', 'Neg', 'Cmp', 'Logic', 'Cond', 'Aggregate', 'Builtin', 'TierCall', 'FieldOf', 'Quotient', 'PeriodRef', 'LineRef', 'History', 'TeamAggregate', 'HistoryFn', 'Band', 'TierTable', 'Let', 'ComputedColumn', 'Rounding', 'Payout', 'Flag', 'Hold', 'Release', 'ReleaseKind', 'Forfeit', 'Clawback', 'Window', 'Draw', 'PoolShare', 'Pool', 'RankBand', 'Rank', 'Expectation', 'PlanTest', 'Plan', 'Expr', 'EXPR_CLASSES', 'CallSite']
from dsl.ir.nodes import WHOLE_RUN, ExpectationKind, FrozenDict, Period, PeriodUnit, TierMode, frozen  # noqa: E402

__all__ += ['WHOLE_RUN', 'ExpectationKind', 'FrozenDict', 'Period', 'PeriodUnit', 'TierMode', 'frozen']
