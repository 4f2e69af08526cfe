"""The ledger: what a payee is paid in a period, and what carries to the next.

DESIGN.md: periods run in order, and the ledger carries each payee's balances
from one period to the next as immutable postings; balances are a fold over
postings. This module is the one implementation of that fold, for one payee and
one period, given what the period earned (its lines) and the balances it opens
with. Its steps, in order:

1. holds, in the plan's order: this period's amount is held (pay −) and joins the
   balance as a vintage of this period; the first forfeit rule whose condition
   holds takes its share of every vintage (rounded like the plan, never paid);
   then the release rules: `at year end`, `on DATE` and `when COND` release the
   whole balance, `after N periods` the vintages held N or more periods ago; what
   is released is paid (pay +) and, `scaled by K`, adjusted to round(released × K);
2. clawbacks, in order: this period's reversals (rows within the window) add to
   what the payee owes; a negative amount (a collection after a deduction) first
   cancels what is owed, and what is left over is returned (pay +);
3. recovery: a negative pay carried from earlier periods is recovered first, then
   each clawback's balance, from the pay so far — never below the clawback's
   `keep at least`, at most its `recover at most … per period`;
4. draws: pay below a draw's guarantee is topped up to it (pay +); a recoverable
   draw's top-ups are owed, and recovered from pay above the guarantee in later
   periods (pay −);
5. a pay still below zero is carried: the payee is paid 0 and owes the rest.

Every step that changes pay is a line of the period (so the lines add up to
what is paid); forfeitures and clawed-back amounts are postings that change a
balance only. Conservation, to the cent, over any run:

    paid + held − owed = earned + scaled − forfeited − (clawed back − returned) + non-recoverable draws

where `owed` is what the payee owes on clawbacks, recoverable draws and carried
pay (tests/test_ledger_properties.py checks it for random runs).
"""
from __future__ import annotations

from decimal import Decimal
from typing import Callable, Optional

import attrs

from dsl import ir
from dsl.core.numeric import round_money
from dsl.core.periods import contains, ends_year
from dsl.core.types import MoneyType, Period
from dsl.run.errors import EvalError
from dsl.run.results import Balance, Line, LineKind, Posting, PostingKind
from dsl.run.trace import Trace, TraceKind

ZERO = Decimal(0)
CARRIED = "carried"  # the account of pay carried as owed from a period that came out below zero

Evaluate = Callable[[object], tuple[object, Optional[Trace]]]


@attrs.frozen
class Vintage:
    """Part of a balance, by the period it came from (`index` is that period's place in the run)."""

    index: int
    period: Period
    amount: Decimal
    label: str  # the hold, clawback, draw or carried pay it came from


@attrs.frozen
class LedgerState:
    """The balances a payee carries into a period: account label -> its vintages."""

    accounts: ir.FrozenDict = attrs.field(factory=ir.FrozenDict, converter=ir.frozen)

    def vintages(self, label: str) -> tuple[Vintage, ...]:
        return self.accounts.get(label, ())

    def balance(self, label: str) -> Decimal:
        return sum((v.amount for v in self.vintages(label)), ZERO)


EMPTY = LedgerState()


class _Period:
    """The bookkeeping of one period: postings, pay lines, balances, as they are made."""

    def __init__(self, plan: ir.Plan, state: LedgerState, period: Period, index: int, tracing: bool):
        self.plan = plan
        self.period = period
        self.index = index
        self.tracing = tracing
        self.accounts = {label: list(vintages) for label, vintages in state.accounts.items()}
        self.opening = {label: state.balance(label) for label in state.accounts}
        self.kinds: dict[str, str] = {}
        self.postings: list[Posting] = []
        self.lines: list[Line] = []
        self.money = str(MoneyType(plan.currency))

    def round(self, value: Decimal) -> Decimal:
        return round_money(value, self.plan.rounding.unit, self.plan.rounding.mode)

    def balance(self, label: str) -> Decimal:
        return sum((v.amount for v in self.accounts.get(label, ())), ZERO)

    def post(self, label: str, kind: PostingKind, amount: Decimal, pay: Decimal, text: str, span=None,
             children=(), sources: tuple[Vintage, ...] = ()) -> None:
        """Record a posting; one that changes pay is also a line of the period."""
        trace = None
        if self.tracing:
            detail = {"posting": kind.value, "balance": self.balance(label)}
            if sources:
                detail["from"] = [{"period": str(v.period), "line": v.label, "amount": v.amount} for v in sources]
            trace = Trace(TraceKind.POSTING, text, pay if pay else amount, self.money, span, tuple(c for c in children if c is not None), detail)
        self.postings.append(Posting(label, kind, amount, self.balance(label), tuple(sources), trace))
        if pay:
            self.lines.append(Line(label, LineKind(kind.value), pay, trace))

    def take(self, label: str, amount: Decimal) -> tuple[Vintage, ...]:
        """Reduce an account by `amount`, oldest vintage first; the vintages (parts) taken."""
        taken, left, kept = [], amount, []
        for vintage in self.accounts.get(label, []):
            if left <= 0:
                kept.append(vintage)
                continue
            part = min(vintage.amount, left)
            taken.append(attrs.evolve(vintage, amount=part))
            left -= part
            if vintage.amount > part:
                kept.append(attrs.evolve(vintage, amount=vintage.amount - part))
        self.accounts[label] = kept
        return tuple(taken)

    def add(self, kind: str, label: str, amount: Decimal, source_label: str) -> None:
        self.kinds[label] = kind
        self.accounts.setdefault(label, []).append(Vintage(self.index, self.period, amount, source_label))

    def state(self) -> LedgerState:
        return LedgerState({label: tuple(v for v in vintages if v.amount) for label, vintages in self.accounts.items() if any(v.amount for v in vintages)})

    def balances(self) -> tuple[Balance, ...]:
        labels = list(dict.fromkeys([*self.opening, *self.accounts]))
        return tuple(
            Balance(label, self.kinds.get(label, _kind_of(self.plan, label)), self.round(self.opening.get(label, ZERO)), self.round(self.balance(label)),
                    tuple(v for v in self.accounts.get(label, ()) if v.amount))
            for label in labels
            if self.opening.get(label, ZERO) or self.balance(label)
        )


def _kind_of(plan: ir.Plan, label: str) -> str:
    for kind, items in (("hold", plan.holds), ("clawback", plan.clawbacks), ("draw", plan.draws)):
        if any(item.label == label for item in items):
            return kind
    return "carried"


@attrs.frozen
class LedgerResult:
    lines: tuple[Line, ...]  # the postings that change pay, in order
    postings: tuple[Posting, ...]
    balances: tuple[Balance, ...]  # every account open at the start or the end of the period
    paid: Decimal
    state: LedgerState


def ledger_period(plan: ir.Plan, state: LedgerState, period: Period, index: int, earned: Decimal, evaluate: Evaluate,
                  clawed: Callable[[ir.Clawback], tuple[Decimal, Optional[Trace]]], tracing: bool = False) -> LedgerResult:
    """One period of a payee's ledger (see the module docstring for the steps and their order)."""
    book = _Period(plan, state, period, index, tracing)
    pay = earned
    for hold in plan.holds:
        pay += _hold(book, hold, evaluate)
    for clawback in plan.clawbacks:
        pay += _clawback(book, clawback, clawed)
    pay = _recover(book, pay, evaluate)
    for draw in plan.draws:
        pay = _draw(book, draw, pay, evaluate)
    if pay < 0:
        book.kinds[CARRIED] = "carried"
        book.add("carried", CARRIED, -pay, CARRIED)
        book.post(CARRIED, PostingKind.CARRIED, -pay, -pay, CARRIED)
        pay = book.round(ZERO)
    return LedgerResult(tuple(book.lines), tuple(book.postings), book.balances(), pay, book.state())


def _fires(release: ir.Release, book: _Period, evaluate: Evaluate):
    """Does a whole-balance release rule fire this period? (and its condition's trace)"""
    if release.kind == ir.ReleaseKind.YEAR_END:
        return ends_year(book.period), None
    if release.kind == ir.ReleaseKind.ON:
        return contains(book.period, release.date), None
    if release.kind == ir.ReleaseKind.WHEN:
        value, trace = evaluate(release.condition)
        return bool(value), trace
    return False, None


def _hold(book: _Period, hold: ir.Hold, evaluate: Evaluate) -> Decimal:
    """Step 1 for one hold; returns its change to pay."""
    label = hold.label
    book.kinds[label] = "hold"
    change = ZERO
    held, held_trace, gate_trace = ZERO, None, None
    open_gate = True
    if hold.gate is not None:
        open_gate, gate_trace = evaluate(hold.gate)
    if open_gate:
        raw, held_trace = evaluate(hold.expr)
        held = book.round(raw)
        if held < 0:
            raise EvalError(f'hold "{label}" would hold a negative amount ({held}); a hold keeps money back, it does not pay it', hold.expr.span)
    if held:
        book.add("hold", label, held, label)
        book.post(label, PostingKind.HELD, held, -held, hold.expr.text, hold.expr.span, (held_trace, gate_trace))
        change -= held
    for forfeit in hold.forfeits:
        applies, trace = evaluate(forfeit.condition)
        if not applies:
            continue
        lost_parts, kept = [], []
        for vintage in book.accounts.get(label, []):
            cut = vintage.amount if forfeit.share == 1 else book.round(vintage.amount * forfeit.share)
            if cut:
                lost_parts.append(attrs.evolve(vintage, amount=cut))
            if vintage.amount - cut:
                kept.append(attrs.evolve(vintage, amount=vintage.amount - cut))
        book.accounts[label] = kept
        lost = sum((v.amount for v in lost_parts), ZERO)
        if lost:
            book.post(label, PostingKind.FORFEITED, lost, ZERO, forfeit.text, forfeit.span, (trace,), tuple(lost_parts))
        break  # the first forfeit rule that applies is the one
    released_parts: tuple[Vintage, ...] = ()
    traces = []
    rule = None  # the release rule that fired, named on the posting
    for release in hold.releases:
        fires, trace = _fires(release, book, evaluate)
        traces.append(trace)
        if fires:
            released_parts = book.take(label, book.balance(label))
            rule = release
            break
    else:
        due = [v for v in book.accounts.get(label, []) for r in hold.releases if r.kind == ir.ReleaseKind.AFTER and book.index - v.index >= r.count]
        if due:
            released_parts = tuple(dict.fromkeys(due))
            book.accounts[label] = [v for v in book.accounts[label] if v not in released_parts]
            rule = next(r for r in hold.releases if r.kind == ir.ReleaseKind.AFTER)
    released = sum((v.amount for v in released_parts), ZERO)
    if released:
        book.post(label, PostingKind.RELEASED, released, released, rule.text if rule else label, rule.span if rule else None,
                  tuple(traces), released_parts)
        change += released
        if hold.scale is not None:
            factor, factor_trace = evaluate(hold.scale)
            scaled = book.round(released * factor) - released
            if scaled:
                book.post(label, PostingKind.SCALED, scaled, scaled, hold.scale.text, hold.scale.span, (factor_trace,))
                change += scaled
    return change


def _clawback(book: _Period, clawback: ir.Clawback, clawed) -> Decimal:
    """Step 2 for one clawback; returns its change to pay (a return)."""
    label = clawback.label
    book.kinds[label] = "clawback"
    raw, trace = clawed(clawback)
    amount = book.round(raw)
    if amount > 0:
        book.add("clawback", label, amount, label)
        book.post(label, PostingKind.CLAWED_BACK, amount, ZERO, clawback.expr.text, clawback.expr.span, (trace,))
        return ZERO
    if amount < 0:
        cancelled = book.take(label, min(-amount, book.balance(label)))
        cancel = sum((v.amount for v in cancelled), ZERO)
        if cancel:
            book.post(label, PostingKind.CLAWED_BACK, -cancel, ZERO, clawback.expr.text, clawback.expr.span, (trace,), cancelled)
        back = -amount - cancel
        if back:
            book.post(label, PostingKind.RETURNED, back, back, clawback.expr.text, clawback.expr.span, (trace,))
            return back
    return ZERO


def _recover(book: _Period, pay: Decimal, evaluate: Evaluate) -> Decimal:
    """Step 3: carried pay first, then each clawback, from the pay so far."""
    owed = book.balance(CARRIED)
    if owed and pay > 0:
        amount = min(owed, pay)
        parts = book.take(CARRIED, amount)
        book.post(CARRIED, PostingKind.CARRY_RECOVERED, amount, -amount, CARRIED, None, (), parts)
        pay -= amount
    for clawback in book.plan.clawbacks:
        owed = book.balance(clawback.label)
        if not owed:
            continue
        keep, keep_trace = evaluate(clawback.keep) if clawback.keep is not None else (ZERO, None)
        room = max(ZERO, pay - book.round(keep))
        amount = min(owed, room)
        limit_trace = None
        if clawback.instalment is not None:
            limit, limit_trace = evaluate(clawback.instalment)
            amount = min(amount, book.round(limit))
        if amount > 0:
            parts = book.take(clawback.label, amount)
            book.post(clawback.label, PostingKind.RECOVERED, amount, -amount, clawback.label, clawback.span,
                      (keep_trace, limit_trace), parts)
            pay -= amount
    return pay


def _draw(book: _Period, draw: ir.Draw, pay: Decimal, evaluate: Evaluate) -> Decimal:
    """Step 4 for one draw; returns the pay after it."""
    label = draw.label
    book.kinds[label] = "draw"
    raw, trace = evaluate(draw.expr)
    guarantee = book.round(raw)
    if pay < guarantee:
        top_up = guarantee - pay
        if draw.recoverable:
            book.add("draw", label, top_up, label)
        book.post(label, PostingKind.DRAW_PAID, top_up, top_up, draw.expr.text, draw.expr.span, (trace,))
        return guarantee
    owed = book.balance(label)
    if draw.recoverable and owed and pay > guarantee:
        amount = min(owed, pay - guarantee)
        parts = book.take(label, amount)
        book.post(label, PostingKind.DRAW_RECOVERED, amount, -amount, draw.expr.text, draw.expr.span, (trace,), parts)
        return pay - amount
    return pay
