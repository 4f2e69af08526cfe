"""`plan lint` as a user runs it: a real subprocess, every output format, exit codes."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

from dsl.lint import CATALOGUE, all_codes

ROOT = Path(__file__).resolve().parent.parent
CASES = ROOT / "tests" / "lint_cases"
SCHEMA = json.loads((ROOT / "tests" / "data" / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))


def plan(*args, cwd=None):
    return subprocess.run(
        [sys.executable, "-m", "dsl.cli", *args], cwd=cwd or ROOT, capture_output=True, text=True, encoding="utf-8",
        env=dict(os.environ, PYTHONIOENCODING="utf-8"),
    )


@pytest.fixture
def work(tmp_path):
    """A folder with three plans: clean, one warning (tier-gap 18:3), one error (plan test fails at 20:3)."""
    for name in ("L001_tier_gap_ok", "L001_tier_gap_bad", "L019_plan_test_disagrees_bad"):
        shutil.copy(CASES / f"{name}.plan", tmp_path / f"{name}.plan")
    (tmp_path / "plan.toml").write_text("", encoding="utf-8")  # stop the upward search here
    return tmp_path


def test_text_format_and_default_fail_on_error(work):
    clean = plan("lint", "L001_tier_gap_ok.plan", cwd=work)
    assert clean.returncode == 0 and clean.stdout == ""
    warned = plan("lint", "L001_tier_gap_bad.plan", cwd=work)
    assert warned.returncode == 0  # a warning does not fail by default
    first = warned.stdout.splitlines()[0]
    assert first.startswith("L001_tier_gap_bad.plan:18:3: warning: no band of 'rate' contains [50万, 60万)")
    assert first.endswith("[L001 tier-gap]")
    assert warned.stdout.splitlines()[1] == " 18 |   [60万, ..)  -> 3%"
    assert warned.stdout.splitlines()[2].startswith("    |   ^~~")
    assert "1 warning(s)" in warned.stderr


def test_fail_on_warning(work):
    assert plan("lint", "--fail-on", "warning", "L001_tier_gap_bad.plan", cwd=work).returncode == 1
    assert plan("lint", "--fail-on", "warning", "L001_tier_gap_ok.plan", cwd=work).returncode == 0


def test_an_error_fails_and_a_directory_is_searched(work):
    result = plan("lint", ".", cwd=work)
    assert result.returncode == 1
    assert "L019_plan_test_disagrees_bad.plan:20:3: error:" in result.stdout


def test_json_format(work):
    result = plan("lint", "--format", "json", "L001_tier_gap_bad.plan", cwd=work)
    findings = json.loads(result.stdout)
    assert [(f["code"], f["name"], f["severity"]) for f in findings] == [("L001", "tier-gap", "warning")]
    assert findings[0]["location"] == {"file": "L001_tier_gap_bad.plan", "line": 18, "column": 3, "end_line": 18, "end_column": 11}


def test_sarif_is_valid_and_lists_the_whole_catalogue(work):
    result = plan("lint", "--format", "sarif", ".", cwd=work)
    assert result.returncode == 1
    log = json.loads(result.stdout)
    jsonschema.validate(log, SCHEMA)
    run = log["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    ids = [r["id"] for r in rules]
    for code in ("E001", "E109", "E112", "D001", "R001", "T001", *(r.code for r in CATALOGUE)):
        assert code in ids
    assert set(ids) == set(all_codes())
    gap = rules[ids.index("L001")]
    assert gap["name"] == "tier-gap"
    assert gap["defaultConfiguration"]["level"] == "warning"
    assert gap["helpUri"] == "https://plan.example.org/rules/L001-tier-gap/"  # the default docs_url + the page of docs/rules/L001-tier-gap.md
    by_rule = {r["ruleId"]: r for r in run["results"]}
    assert set(by_rule) == {"L001", "L019"}
    for result_ in run["results"]:
        assert ids[result_["ruleIndex"]] == result_["ruleId"]
    location = by_rule["L001"]["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == "L001_tier_gap_bad.plan"
    # the band "[60万, ..)" is 9 characters, columns 3 to 11; SARIF's endColumn is one past the end
    assert location["region"] == {"startLine": 18, "startColumn": 3, "endLine": 18, "endColumn": 12}
    assert by_rule["L019"]["level"] == "error"


def test_github_format(work):
    result = plan("lint", "--format", "github", "L001_tier_gap_bad.plan", "L019_plan_test_disagrees_bad.plan", cwd=work)
    lines = result.stdout.splitlines()
    assert lines[0].startswith(
        "::warning file=L001_tier_gap_bad.plan,line=18,col=3,endLine=18,endColumn=11,title=L001 tier-gap::no band of 'rate'"
    )
    assert lines[1].startswith("::error file=L019_plan_test_disagrees_bad.plan,line=20,col=3,")
    assert "title=L019 plan-test-disagrees::" in lines[1]
    assert result.returncode == 1


def test_notes_map_to_github_notice(work):
    (work / "plan.toml").write_text('[severity]\ntier-gap = "note"\n', encoding="utf-8")
    result = plan("lint", "--format", "github", "--fail-on", "warning", "L001_tier_gap_bad.plan", cwd=work)
    assert result.stdout.startswith("::notice file=L001_tier_gap_bad.plan,line=18,")
    assert result.returncode == 0
    assert plan("lint", "--fail-on", "note", "L001_tier_gap_bad.plan", cwd=work).returncode == 1


def test_usage_errors_exit_2(work):
    assert plan("lint", "no-such.plan", cwd=work).returncode == 2
    assert plan("lint", "--format", "xml", "L001_tier_gap_ok.plan", cwd=work).returncode == 2


def test_a_syntax_error_is_a_finding(work):
    (work / "broken.plan").write_text('plan "x" { currency CNY\n', encoding="utf-8")
    result = plan("lint", "broken.plan", cwd=work)
    assert result.returncode == 1
    assert "[E001 syntax-error]" in result.stdout


def test_the_command_finds_what_the_library_finds():
    # `plan lint` reaches the rules through the public API and `lint_path` calls them
    # directly: on every case file (a finding of each rule, and the clean variants)
    # both give the same codes at the same places.
    from dsl.lint import lint_path

    result = plan("lint", "tests/lint_cases", "--format", "json")
    by_command = sorted((f["location"]["file"], f["location"]["line"], f["code"]) for f in json.loads(result.stdout)
                        if f["code"].startswith("L"))
    by_library = sorted(
        (d.span.file, d.span.line, d.code)
        for path in sorted(CASES.glob("*.plan"))
        for d in lint_path(path, display=f"tests/lint_cases/{path.name}")
        if d.code.startswith("L")
    )
    assert by_command == by_library


def test_an_unguarded_division_inside_a_chain_is_found_by_the_command(tmp_path):
    # `sales / target * 1000元` is computed division last (one Quotient), but the rule
    # reads the plan as written: target may be 0, and no gate guards it (L013).
    (tmp_path / "plan.toml").write_text("", encoding="utf-8")
    (tmp_path / "p.plan").write_text(
        'plan "x" { currency CNY  period month  payee rep  rounding half_up to 0.01 }\n'
        "input reps: record { rep: payee, sales: money, target: money }\n"
        'payout "a" = reps.sales / reps.target * 1000元\n', encoding="utf-8")
    result = plan("lint", "p.plan", "--format", "json", cwd=tmp_path)
    assert [(f["code"], f["location"]["line"]) for f in json.loads(result.stdout)] == [("L013", 3)]
