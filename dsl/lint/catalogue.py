"""The catalogue of lint rules: every rule, listed once, in one tuple.

`RULES` names each rule of each module under `dsl/lint/rules/` and the two
codes the engine reports about suppressions. `CATALOGUE` is built from it once:
an immutable lookup by code and by name, where two rules with one code or one
name are an error. Nothing is registered anywhere else: adding a rule is a
module (or a function in one) under `rules/`, one line here, a case file pair
under `tests/lint_cases/` and a page under `docs/rules/`.

`all_codes()` joins the lint codes with the static table of the other codes
(`dsl.core.diagnostics.REGISTRY`): the one list SARIF, the configuration and
the docs pages show.

    >>> CATALOGUE.find("tier-gap").code, CATALOGUE.find("l018").name
    ('L001', 'payout-cliff')
    >>> all_codes()["E109"].name, all_codes()["L001"].group
    ('tier-overlap', 'lint')
"""
from __future__ import annotations

from typing import Mapping

from dsl.core.diagnostics import CORE_CODES, Code, combine
from dsl.lint import suppression
from dsl.lint.registry import Catalogue, Rule
from dsl.lint.rules import bands, cliff, division, limits, plan, rates, teams, time, units, usage

__all__ = ["RULES", "CATALOGUE", "all_codes"]


RULES: tuple[Rule, ...] = (
    bands.tier_gap,
    bands.unsorted_bands,
    bands.unreachable_band,
    bands.else_not_last,
    bands.unstated_bound_inclusivity,
    bands.range_not_covered,
    rates.tier_mode_not_stated,
    rates.rate_above_100_percent,
    rates.falling_rates,
    limits.cap_below_floor,
    limits.cap_never_binds,
    units.suspicious_units,
    division.unguarded_division,
    usage.unused_input,
    usage.unused_definition,
    usage.shadowed_name,
    plan.missing_rounding,
    cliff.payout_cliff,
    plan.plan_test_disagrees,
    suppression.WITHOUT_REASON,
    suppression.UNUSED,
    time.hold_without_release,
    time.clawback_without_window,
    time.effective_gap,
    time.history_beyond_run,
    teams.pool_shares_not_100,
    teams.remainder_rule_not_stated,
    teams.rank_tie_not_stated,
    teams.team_aggregate_may_be_empty,
    units.percent_compared_with_number,
)

CATALOGUE = Catalogue.of(RULES)


def all_codes(catalogue: Catalogue = CATALOGUE) -> Mapping[str, Code]:
    """Every diagnostic code: parsing, checking, data, evaluation and tests, then lint."""
    return combine(CORE_CODES, catalogue.codes())
