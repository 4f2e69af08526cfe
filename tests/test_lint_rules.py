"""Lint rules, one case file each way: tests/lint_cases/<CODE>_<name>_{bad,ok}[...].plan.

Every case file ends with `# expect: CODE LINE:COL` comments (or `# expect:
nothing`) listing ALL diagnostics the file must produce, checker and lint
alike. Lines and columns were counted by hand from the case text (each case
starts with the same 15-line prelude, so its own text begins on line 16).
"""
from __future__ import annotations

import ast as python_ast
import pkgutil
import re
import textwrap
from decimal import Decimal
from pathlib import Path

import pytest

from dsl.check.checker import check
from dsl.core.diagnostics import REGISTRY
from dsl.core.source import SourceFile
from dsl.lint.config import Config
from dsl.lint import CATALOGUE, Catalogue, Finding, LintError, Rule, all_codes, lint, lint_path, lint_text, rule
from dsl.syntax.parser import parse
from dsl.lint import catalogue as catalogue_module
from dsl.lint import rules as rules_package

ROOT = Path(__file__).resolve().parent.parent
CASES = sorted((ROOT / "tests" / "lint_cases").glob("*.plan"))


def expected(path: Path) -> list[str]:
    return sorted(re.findall(r"# expect: (\w+ \d+:\d+)", path.read_text(encoding="utf-8")))


def found(diagnostics) -> list[str]:
    return sorted(f"{d.code} {d.span.line}:{d.span.column}" for d in diagnostics)


@pytest.mark.parametrize("case", CASES, ids=[c.stem for c in CASES])
def test_lint_case(case):
    assert found(lint_path(case, Config())) == expected(case)


@pytest.mark.parametrize("code", [r.code for r in CATALOGUE])
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


def test_the_catalogue_is_one_table_of_codes_and_names():
    codes = all_codes()
    for entry in CATALOGUE:
        assert re.fullmatch(r"L\d{3}", entry.code)
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", entry.name)
        assert codes[entry.code].name == entry.name and codes[entry.code].group == "lint"
        assert CATALOGUE.find(entry.name) is entry and CATALOGUE.find(entry.code.lower()) is entry
    # 30 lint rules (L001 to L030) beside the 32 codes of the checker, data loader and test runner
    assert [r.code for r in CATALOGUE] == [f"L{n:03}" for n in range(1, 31)]
    assert len(codes) == 30 + 32 and len(REGISTRY) == 32
    assert not any(code.startswith("L") for code in REGISTRY)  # the core table holds no lint code


def _rules_defined_in(module_name: str) -> list[str]:
    """Names bound at module level to a @rule(...) function or a declare(...) call, read from the source."""
    path = ROOT / (module_name.replace(".", "/") + ".py")
    tree = python_ast.parse(path.read_text(encoding="utf-8"))
    names = []
    for node in tree.body:
        if isinstance(node, python_ast.FunctionDef):
            if any(isinstance(d, python_ast.Call) and getattr(d.func, "id", "") == "rule" for d in node.decorator_list):
                names.append(node.name)
        elif isinstance(node, python_ast.Assign) and isinstance(node.value, python_ast.Call):
            if getattr(node.value.func, "id", "") == "declare":
                names.extend(t.id for t in node.targets if isinstance(t, python_ast.Name))
    return names


def test_the_catalogue_lists_every_rule_of_every_rules_module():
    # Adding a rule is a function in a module under dsl/lint/rules/ plus one line in
    # dsl/lint/catalogue.py: a rule defined but left out of the catalogue never runs, so it fails here.
    modules = [f"dsl.lint.rules.{m.name}" for m in pkgutil.iter_modules(rules_package.__path__)] + ["dsl.lint.suppression"]
    defined = []
    for module in modules:
        names = _rules_defined_in(module)
        assert names, f"{module} defines no rule"
        for name in names:
            entry = getattr(__import__(module, fromlist=[name]), name)
            assert isinstance(entry, Rule) and entry.module == module
            assert entry in catalogue_module.RULES, f"{module}.{name} is not listed in dsl/lint/catalogue.py"
            defined.append(entry.code)
    # and the catalogue lists nothing else
    assert sorted(defined) == [r.code for r in CATALOGUE]


def test_every_rule_has_a_docs_page_and_a_row_in_the_lint_page():
    overview = (ROOT / "docs" / "lint.md").read_text(encoding="utf-8")
    for entry in CATALOGUE:
        page = ROOT / "docs" / entry.doc_page
        assert page.is_file(), f"no {page.relative_to(ROOT)}"
        assert page.read_text(encoding="utf-8").startswith(f"# {entry.code} {entry.name}\n")
        assert f"| [{entry.code}]({entry.doc_page}) | `{entry.name}` | {entry.severity} |" in overview


def test_defining_a_rule_registers_nothing():
    before = (CATALOGUE, dict(all_codes()))

    @rule("L998", "probe-rule", "warning", "A probe.")
    def probe(ctx):
        yield from ()

    assert isinstance(probe, Rule) and probe.code == "L998"
    assert (CATALOGUE, dict(all_codes())) == before and "L998" not in CATALOGUE


def _parsed_and_checked(text: str, name: str):
    """The syntax tree, the typed plan and the source of plan text, as `lint` takes them."""
    plan_file, _ = parse(text, name)
    source = SourceFile(name, text)
    checked = check(plan_file, source)
    if isinstance(checked, tuple):  # (the plan or None, diagnostics)
        return plan_file, checked[0], source
    return plan_file, (checked.plan if checked.ok else None), source  # a semantic model


def test_a_catalogue_with_a_new_rule_runs_it():
    @rule("L998", "probe-rule", "warning", "A probe.")
    def probe(ctx):
        yield Finding("probed", ctx.file.header().span)

    plan_file, plan, source = _parsed_and_checked(CLIFF, "probe.plan")
    with_probe = Catalogue.of((*CATALOGUE, probe))
    found = lint(plan_file, plan, source, Config(), with_probe)
    assert [(d.code, d.name, d.span.line) for d in found if d.code == "L998"] == [("L998", "probe-rule", 1)]
    assert "L998" not in [d.code for d in lint(plan_file, plan, source, Config())]  # the default catalogue is unchanged


def test_two_rules_with_one_code_are_an_error():
    twin = Rule("L001", "tier-gap-again", "warning", "A twin.")
    with pytest.raises(ValueError, match="lint code L001 is listed twice"):
        Catalogue.of((*CATALOGUE, twin))


def test_a_failing_rule_names_itself():
    def broken(ctx):
        raise ZeroDivisionError("boom")

    plan_file, plan, source = _parsed_and_checked(CLIFF, "broken.plan")
    catalogue = Catalogue.of((*CATALOGUE, Rule("L997", "broken-rule", "warning", "Broken.", broken)))
    with pytest.raises(LintError, match="L997 broken-rule failed on broken.plan"):
        lint(plan_file, plan, source, Config(), catalogue)


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
