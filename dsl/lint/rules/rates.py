"""Rules about what a tier table pays: its mode and its rates.

A table without a stated mode is read as `lookup`, which is rarely what a
commission schedule means, so the mode must be written. In `marginal` and
`whole` tables over amounts of money the band values are commission rates: a
rate above 100% pays more than the sale (often `2` written for `2%`), and a
rate that falls as the bands rise pays less per yuan for selling more, which in
a `whole` table also makes total pay drop at the bound (see payout-cliff).
"""
from __future__ import annotations

from decimal import Decimal

from dsl.syntax import ast
from dsl.core.display import format_percent
from dsl.lint.registry import WARNING, Finding, rule
from dsl.ir.analysis.intervals import low_key
from dsl.lint.walk import table_bands

ONE = Decimal(1)


def _rate_tables(ctx):
    """Marginal and whole tables keyed by money, with their bands."""
    for item in ctx.file.items:
        if isinstance(item, ast.TiersDecl) and item.mode in ("marginal", "whole"):
            bands = table_bands(item)
            if bands and bands[0].kind == "money":
                yield item, bands


@rule("L007", "tier-mode-not-stated", WARNING, "A tier table does not say whether it is marginal, whole or lookup.")
def tier_mode_not_stated(ctx):
    for item in ctx.file.items:
        if isinstance(item, ast.TiersDecl) and item.mode is None:
            yield Finding(
                f"tier table '{item.name}' does not state its mode; it is read as 'lookup'",
                item.name_span,
                hint=f"write 'tiers {item.name} marginal' (each band's rate on the part inside it), "
                f"'whole' (the band reached sets the rate for the whole amount) or 'lookup'",
            )


@rule("L008", "rate-above-100-percent", WARNING, "A commission rate in a marginal or whole table is above 100%.")
def rate_above_100_percent(ctx):
    for decl, bands in _rate_tables(ctx):
        for band in bands:
            if band.value is None or band.value_kind == "money" or band.value <= ONE:
                continue
            value_node = band.row.value
            written = ctx.slice(value_node.span)
            if band.value_kind == "number":
                message = f"rate {written} in '{decl.name}' is {format_percent(band.value)} of the amount"
                hint = f"did you mean {written}%?"
            else:
                message = f"rate {written} in '{decl.name}' pays more than the amount itself"
                hint = "check the rate; a multiplier belongs in a lookup table or the payout expression"
            yield Finding(message, value_node.span, hint=hint)


@rule("L009", "falling-rates", WARNING, "The rates of a marginal or whole table fall as the bands rise.")
def falling_rates(ctx):
    for decl, bands in _rate_tables(ctx):
        ordered = sorted((b for b in bands if b.value is not None), key=lambda b: low_key(b.interval))
        for previous, band in zip(ordered, ordered[1:]):
            if band.value < previous.value:
                lower = ctx.slice(band.row.value.span)
                higher = ctx.slice(previous.row.value.span)
                extra = " and total pay drops at the bound" if decl.mode == "whole" else ""
                yield Finding(
                    f"band {ctx.slice(band.span)} of '{decl.name}' pays {lower}, less than the band below it ({higher}): "
                    f"selling more earns a lower rate{extra}",
                    band.row.value.span,
                    notes=((f"the band below pays {higher}", previous.row.value.span),),
                    hint="if the decline is intended (a decelerator), suppress this with a reason",
                )
