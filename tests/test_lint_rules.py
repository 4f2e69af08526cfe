"""Lint rules, one case file each way: tests/lint_cases/<CODE>_<name>_{bad,ok}[...].plan.

Every case file ends with `# expect: CODE LINE:COL` comments (or `# expect:
nothing`) listing ALL diagnostics the file must produce, checker and lint
alike. Lines and columns were counted by hand from the case text (each case
starts with the same 15-line prelude, so its own text begins on line 16).
"""
from __future__ import annotations

import re
import sys
import textwrap
from decimal import Decimal
from pathlib import Path

import pytest

from dsl.lint.config import Config
from dsl.core.diagnostics import REGISTRY
from dsl.lint import RULES, LintError, find_rule, lint_path, lint_text
from dsl.lint import registry as lint_registry

ROOT = Path(__file__).resolve().parent.parent
CASES = sorted((ROOT / "tests" / "lint_cases").glob("*.plan"))


def expected(path: Path) -> list[str]:
    return sorted(re.findall(r"# expect: (\w+ \d+:\d+)", path.read_text(encoding="utf-8")))


def found(diagnostics) -> list[str]:
    return sorted(f"{d.code} {d.span.line}:{d.span.column}" for d in diagnostics)


@pytest.mark.parametrize("case", CASES, ids=[c.stem for c in CASES])
def test_lint_case(case):
    assert found(lint_path(case, Config())) == expected(case)


@pytest.mark.parametrize("code", sorted(RULES))
def test_every_lint_rule_has_a_triggering_and_a_quiet_case(code):
    bad = [c for c in CASES if c.stem.startswith(code) and "_bad" in c.stem]
    ok = [c for c in CASES if c.stem.startswith(code) and c.stem.endswith("_ok")]
    assert bad, f"no tests/lint_cases/{code}_*_bad.plan"
    assert ok, f"no tests/lint_cases/{code}_*_ok.plan"
    for case in bad:
        assert any(e.startswith(code + " ") for e in expected(case)), f"{case.name} does not expect {code}"
    for case in ok:
        assert not any(e.startswith(code + " ") for e in expected(case))


CLIFF = textwrap.dedent(
    """\
    plan "cliff" {
      currency CNY
      period quarter
      payee rep
      rounding half_up to 0.01
    }
    input deals: table { rep: payee, amount: money }
    tiers t whole {
      [0, 100万) -> 5%
      [100万, ..) -> 3%
    }
    let sales = sum(deals.amount)
    payout "x" = t(sales)
    """
)


def test_payout_cliff_names_the_bound_and_the_exact_drop():
    cliffs = [d for d in lint_text(CLIFF, "cliff.plan", Config()) if d.name == "payout-cliff"]
    assert len(cliffs) == 1
    cliff = cliffs[0]
    # Hand calculation: just below the bound, 999,999.99 × 5% = 49,999.9995;
    # at the bound the whole amount takes 3%: 1,000,000 × 3% = 30,000;
    # the drop is 49,999.9995 − 30,000 = 19,999.9995.
    assert cliff.message == "pay falls by 19,999.9995 when sales rises from 999,999.99 to 1,000,000"
    assert (cliff.span.line, cliff.span.column) == (10, 3)  # the band [100万, ..)
    assert cliff.notes[0][0] == "pay is 49,999.9995 at 999,999.99 and 30,000 at 1,000,000"
    assert Decimal("999999.99") * Decimal("0.05") - Decimal("1000000") * Decimal("0.03") == Decimal("19999.9995")


def test_payout_cliff_is_quiet_on_s1_marginal_table():
    diagnostics = lint_path(ROOT / "plans" / "s1_big_account" / "plan.plan", Config())
    assert [d for d in diagnostics if d.name == "payout-cliff"] == []


def test_payout_cliff_from_a_gate_points_at_the_line():
    text = CLIFF.replace("payout \"x\" = t(sales)", "payout \"x\" = sales * 2% when sales < 50万")
    text = text.replace("[0, 100万) -> 5%\n  [100万, ..) -> 3%", "[0元, ..) -> 1%")
    text = text.replace("let sales", "payout \"y\" = t(sales)\nlet sales")
    cliffs = [d for d in lint_text(text, "gate.plan", Config()) if d.name == "payout-cliff"]
    # 499,999.99 × 2% + 499,999.99 × 1% = 14,999.9997; at 50万 the gated line is 0: 500,000 × 1% = 5,000
    assert [c.message for c in cliffs] == ["pay falls by 9,999.9997 when sales rises from 499,999.99 to 500,000"]
    assert cliffs[0].span.line == text.splitlines().index('payout "x" = sales * 2% when sales < 50万') + 1


def test_registry_is_one_catalogue():
    for code, entry in RULES.items():
        assert re.fullmatch(r"L\d{3}", code)
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", entry.name)
        assert REGISTRY[code].name == entry.name and REGISTRY[code].group == "lint"
        assert find_rule(entry.name) is entry and find_rule(code.lower()) is entry
    assert len({e.name for e in RULES.values()}) == len(RULES)


def test_a_new_rule_module_is_discovered(tmp_path, monkeypatch):
    from dsl.lint import _discover, rules

    (tmp_path / "zz_probe_rule.py").write_text(
        "from dsl.lint.registry import WARNING, Finding, rule\n"
        "@rule('L998', 'probe-rule', WARNING, 'A probe.')\n"
        "def probe(ctx):\n"
        "    yield Finding('probed', ctx.file.header().span)\n",
        encoding="utf-8",
    )
    monkeypatch.setattr(rules, "__path__", [*rules.__path__, str(tmp_path)])
    try:
        _discover()
        assert "L998" in RULES and REGISTRY["L998"].group == "lint"
        assert "L998" in [d.code for d in lint_text(CLIFF, "probe.plan", Config())]
    finally:
        RULES.pop("L998", None)
        REGISTRY.pop("L998", None)
        sys.modules.pop("dsl.lint.rules.zz_probe_rule", None)


def test_a_failing_rule_names_itself(monkeypatch):
    def broken(ctx):
        raise ZeroDivisionError("boom")

    entry = lint_registry.Rule("L997", "broken-rule", "warning", "Broken.", broken)
    monkeypatch.setitem(RULES, "L997", entry)
    with pytest.raises(LintError, match="L997 broken-rule failed on broken.plan"):
        lint_text(CLIFF, "broken.plan", Config())


def test_rules_needing_the_ir_do_not_run_when_the_plan_does_not_check():
    # E109 makes the plan fail to check: the AST rules still run (L003), the IR rules do not
    case = ROOT / "tests" / "lint_cases" / "L003_unreachable_band_bad.plan"
    codes = {d.code for d in lint_path(case, Config())}
    assert codes == {"E109", "L003"}


SUPPRESS = textwrap.dedent(
    """\
    plan "s" {
      currency CNY
      period quarter
      payee rep
      rounding half_up to 0.01
    }
    input deals: table { rep: payee, amount: money }
    let sales = sum(deals.amount)
    tiers t marginal {
      [0, 100万) -> 5%
      [100万, ..) -> 3%{trailing}
    }
    payout "x" = t(sales)
    """
)


@pytest.mark.parametrize(
    "trailing, codes",
    [
        ("", ["L009"]),
        ("  # plan: ignore[falling-rates] agreed decelerator", []),
        ("  # plan: ignore[L009] agreed decelerator", []),
        ("  # plan: ignore[tier-gap, falling-rates] agreed decelerator", ["L021"]),  # tier-gap suppresses nothing
        ("  # plan: ignore[falling-rates]", ["L020"]),  # suppressed, but no reason given
        ("  # plan: ignore reason but no rule", ["L009", "L021"]),
    ],
)
def test_trailing_suppressions(trailing, codes):
    diagnostics = lint_text(SUPPRESS.replace("{trailing}", trailing), "s.plan", Config())
    assert sorted(d.code for d in diagnostics) == codes
    for d in diagnostics:
        if d.code in ("L020", "L021"):
            assert (d.span.line, d.span.column) == (11, 21)  # the comment after "[100万, ..) -> 3%"


def test_own_line_suppression_covers_the_next_line():
    text = SUPPRESS.replace("{trailing}", "").replace(
        "  [100万, ..) -> 3%", "  # plan: ignore[falling-rates] agreed decelerator\n  # (signed off in May)\n  [100万, ..) -> 3%"
    )
    assert lint_text(text, "s.plan", Config()) == []


def test_checker_errors_cannot_be_suppressed():
    text = SUPPRESS.replace("{trailing}", "").replace("[100万, ..) -> 3%", "[90万, ..) -> 3%  # plan: ignore[E109] overlap is fine")
    codes = sorted(d.code for d in lint_text(text, "s.plan", Config()))
    assert "E109" in codes and "L021" in codes
