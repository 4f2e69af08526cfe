"""Golden explanation of rep 甲 in S1 (text and JSON), through the real CLI.

The golden files were reviewed by hand; the key figures are also asserted here
independently, so a wrong golden cannot hide a wrong number. Regenerate after an
intended change with: PLAN_UPDATE_GOLDEN=1 python -m pytest tests/test_golden_explain.py
"""
from __future__ import annotations

import json
import os
from decimal import Decimal

import pytest

from conftest import ROOT, run_plan_cli

GOLDEN = ROOT / "tests" / "golden"
PLAN = "plans/s1_big_account/plan.plan"


@pytest.mark.parametrize("fmt, suffix", [("text", "txt"), ("json", "json")])
def test_explanation_matches_golden(fmt, suffix):
    result = run_plan_cli("explain", PLAN, "--payee", "甲", "--format", fmt)
    assert result.returncode == 0, result.stderr
    golden = GOLDEN / f"s1_甲.{suffix}"
    if os.environ.get("PLAN_UPDATE_GOLDEN"):
        golden.write_text(result.stdout, encoding="utf-8")
    assert result.stdout == golden.read_text(encoding="utf-8")


def test_golden_json_figures_by_hand():
    data = json.loads((GOLDEN / "s1_甲.json").read_text(encoding="utf-8"))
    lines = {l["label"]: l for l in data["lines"]}
    assert lines["销售额提成"]["value"] == "65000.00"   # 50万×2% + 50万×3% + 100万×4%
    assert lines["续签奖励"]["value"] == "6000.00"      # 120万 renewed × 0.5%
    assert data["total"] == "71000.00"                  # 65,000 + 6,000
    tiers = lines["销售额提成"]["trace"]["children"][0]
    bands = [(c["text"], Decimal(c["detail"]["amount"]), Decimal(c["detail"]["rate"]), Decimal(c["value"]))
             for c in tiers["children"] if c["kind"] == "band"]
    assert bands == [
        ("[0, 50万)", Decimal("500000"), Decimal("0.02"), Decimal("10000")),          # 50万 × 2%
        ("[50万, 100万)", Decimal("500000"), Decimal("0.03"), Decimal("15000")),      # 50万 × 3%
        ("[100万, 200万)", Decimal("1000000"), Decimal("0.04"), Decimal("40000")),    # 100万 × 4%
    ]
    let = tiers["children"][0]
    assert (let["kind"], let["derivation"]) == ("let", "let sales")
    sales = data["derivations"]["let sales"]  # the let's derivation, written once: sum(deals.amount)
    refs = [(c["detail"]["ref"]["file"], c["detail"]["ref"]["row"], Decimal(c["value"])) for c in sales["children"]]
    deals = "plans/s1_big_account/data/deals.csv"
    assert refs == [(deals, 2, Decimal("1200000")), (deals, 3, Decimal("800000"))]   # the two deals of 甲


def test_json_explanation_numbers_are_strings():
    data = json.loads((GOLDEN / "s1_甲.json").read_text(encoding="utf-8"))

    def walk(node):
        assert not isinstance(node.get("value"), float)
        for child in node.get("children", []):
            walk(child)

    for line in data["lines"]:
        walk(line["trace"])
    for derivation in data["derivations"].values():
        walk(derivation)


def test_explanations_validate_against_the_documented_schema():
    import jsonschema

    schema = json.loads((ROOT / "docs" / "explain.schema.json").read_text(encoding="utf-8"))
    for payee in ("甲", "乙"):
        result = run_plan_cli("explain", PLAN, "--payee", payee, "--format", "json")
        jsonschema.validate(json.loads(result.stdout), schema)


def test_both_languages_have_every_fixed_word():
    from dsl.explain.renderers import MODE_WORDS, WORDS

    assert set(WORDS["zh"]) == set(WORDS["en"])
    assert set(MODE_WORDS["zh"]) == set(MODE_WORDS["en"])


def test_a_closed_gate_shows_what_it_withheld():
    # 乙's renewal rate is 60% < 80%: the line is 0, and the explanation says why and
    # what was at stake (乙 renewed nothing, so 0.5% × 0 = 0.00).
    for lang, words in (("en", "withheld by the gate = 0.00"), ("zh", "因条件未满足而未发放 = 0.00")):
        result = run_plan_cli("explain", PLAN, "--payee", "乙", "--line", "续签奖励", "--lang", lang)
        assert result.returncode == 0, result.stderr
        assert words in result.stdout
        assert "reps.renewal_rate = 60%" in result.stdout


def test_the_schema_lists_exactly_the_trace_kinds():
    from dsl.run.trace import KINDS

    schema = json.loads((ROOT / "docs" / "explain.schema.json").read_text(encoding="utf-8"))
    assert schema["$defs"]["trace"]["properties"]["kind"]["enum"] == list(KINDS)
