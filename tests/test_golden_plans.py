"""The safety net of every bundled plan: `plan run --format json` of each plan and
`plan explain --format json` of each of its payees, compared with golden files.

The goldens were written by the code before the foundation refactor; a change to
any digit, line, trace or data reference shows here. Their figures are asserted by
hand elsewhere (tests/test_plans.py, the plans' own tests, tests/test_golden_explain.py);
this file only guards that nothing moves. Regenerate after an intended change with
PLAN_UPDATE_GOLDEN=1 python -m pytest tests/test_golden_plans.py and review the diff.
"""
from __future__ import annotations

import json
import os

import pytest

from conftest import ROOT, run_plan_cli

GOLDEN = ROOT / "tests" / "golden" / "plans"
PLANS = sorted(p.relative_to(ROOT) for p in (ROOT / "plans").rglob("*.plan"))


def golden_name(plan) -> str:
    return f"{plan.parent.name}__{plan.stem}"


def compare(path, text: str) -> None:
    if os.environ.get("PLAN_UPDATE_GOLDEN"):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"no golden {path}: run with PLAN_UPDATE_GOLDEN=1"
    assert text == path.read_text(encoding="utf-8")


@pytest.mark.parametrize("plan", PLANS, ids=golden_name)
def test_run_and_every_explanation_match_the_goldens(plan):
    run = run_plan_cli("run", str(plan), "--format", "json")
    assert run.returncode == 0, run.stderr
    compare(GOLDEN / golden_name(plan) / "run.json", run.stdout)
    payees = [p["payee"] for p in json.loads(run.stdout)["payees"]]
    assert payees, "a bundled plan pays somebody"
    # One explain call per payee would start hundreds of processes; the explanations
    # of all payees are one golden file per plan, each produced by the real CLI.
    explanations = {}
    for payee in payees:
        result = run_plan_cli("explain", str(plan), "--payee", payee, "--format", "json")
        assert result.returncode == 0, result.stderr
        explanations[payee] = json.loads(result.stdout)
    text = json.dumps(explanations, ensure_ascii=False, indent=1, sort_keys=True) + "\n"
    compare(GOLDEN / golden_name(plan) / "explain.json", text)
