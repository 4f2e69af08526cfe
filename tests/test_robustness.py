"""Parse and check never raise: any text gives a plan or diagnostics."""
from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dsl.core.diagnostics import Diagnostic
from dsl import load

# Fragments of real plans, so generated text often gets deep into the grammar
# before it goes wrong, plus Chinese, control characters and odd punctuation.
FRAGMENTS = [
    'plan "方案" { currency CNY period month payee rep }', "input deals: table { rep: payee, amount: money }",
    "input reps: record { rep: payee, rate: percent }", "let sales = sum(deals.amount)", "tiers t marginal {",
    "tiers t whole {", "tiers t lookup {", "[0, 50万) -> 2%", "(.., 10万] -> {a: 1元}", "[50万, ..) -> 3%", "}",
    'payout "提成" = ', "t(sales)", "when", "cap at", "floor at", "round half_up to 1", "total cap at 15万",
    'flag "警告" = ', 'test "t" {', "expect total = 1", 'deals = [{amount: 1元}]', "sales * 2%", "sales + 2%",
    "if", "then", "else", "where", "count(deals where amount > 0)", "min(", "max(", ")", "(", ",", "销售额", "1,200",
    "USD 850,000", "2024-05-11", "\x00", "\t", "\n", "\u3000", "¥", "％", "..", "->", "'", '"', "\\", "#", "＃",
]


@st.composite
def plan_like_text(draw):
    parts = draw(st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=8)), max_size=25))
    separators = draw(st.lists(st.sampled_from([" ", "\n", "", "  "]), min_size=len(parts), max_size=len(parts)))
    return "".join(p + s for p, s in zip(parts, separators))


def _assert_diagnostics_or_plan(text: str):
    compilation = load(text, "fuzz.plan")
    plan, diagnostics = compilation.plan, compilation.diagnostics
    assert all(isinstance(d, Diagnostic) for d in diagnostics)
    if plan is None:
        assert any(d.is_error for d in diagnostics)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text())
def test_arbitrary_text_never_raises(text):
    _assert_diagnostics_or_plan(text)


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(plan_like_text())
def test_plan_like_text_never_raises(text):
    _assert_diagnostics_or_plan(text)


def test_rendering_any_diagnostic_never_raises():
    from dsl.core.diagnostics import render
    from dsl.core.source import SourceFile

    text = 'plan "x" { currency CNY }\npayout "a" = 销售额 * \x07 2%'
    compilation = load(text, "bell.plan")
    _, diagnostics = compilation.plan, compilation.diagnostics
    rendered = "\n".join(render(d, {"bell.plan": SourceFile("bell.plan", text)}) for d in diagnostics)
    assert "bell.plan:2:" in rendered


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(plan_like_text())
def test_any_plan_that_parses_has_a_semantic_model(text):
    compilation = load(text, "fuzz.plan")
    if compilation.syntax is None:
        assert compilation.model is None and compilation.plan is None
        return
    model = compilation.model
    assert model is not None and model.plan is not None  # built even when the plan has errors
    assert compilation.ok == (not any(d.is_error for d in compilation.diagnostics))
    for use in model.uses:
        # every indexed use can be found again from its first character
        assert model.symbol_at(use.span.line, use.span.column) is not None
        assert use.span in model.uses_of(use.symbol)
