"""The `plan` command line keeps the conventions CI maintainers expect: report
formats on every checking command, JUnit XML, --quiet, colour only on a terminal,
plans on standard input, directory walks that skip hidden and excluded folders,
one exit code for a missing file, SARIF links and suppressions, CSV totals and a BOM.

Every test runs the real CLI in a subprocess on real files."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = json.loads((ROOT / "tests" / "data" / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
S1 = ROOT / "plans" / "s1_big_account" / "plan.plan"

GOOD = 'plan "好" {\n  currency CNY\n  rounding half_up to 0.01\n}\n\npayout "a" = 100元 * 2%\n'  # in the canonical layout
# line 5, column 14: `销售额` is not defined
BROKEN = 'plan "坏" {\n  currency CNY\n  rounding half_up to 0.01\n}\npayout "a" = 销售额 * 2%\n'
# two tests; the second expects 100元 × 2% = 3元, but it is 2.00
TESTED = (
    'plan "测" {\n'
    '  currency CNY\n'
    '  rounding half_up to 0.01\n'
    '}\n'
    'payout "a" = 100元 * 2%\n'
    'test "对" {\n'
    '  expect "a" = 2.00\n'
    '}\n'
    'test "错" {\n'
    '  expect "a" = 3.00\n'
    '}\n'
)
FAILING_EXPECTATION_LINE = 10


def plan(*args, cwd=None, stdin=None, env=None):
    environment = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    environment.update(PYTHONIOENCODING="utf-8", **(env or {}))
    return subprocess.run([sys.executable, "-m", "dsl.cli", *args], capture_output=True, text=True, encoding="utf-8",
                          cwd=cwd or ROOT, input=stdin, env=environment, timeout=300)


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


# ---- 1. --format on check and test ---------------------------------------------------


def test_check_json_names_the_undefined_name(tmp_path):
    write(tmp_path / "bad.plan", BROKEN)
    done = plan("check", "--format", "json", "bad.plan", cwd=tmp_path)
    assert done.returncode == 1
    found = json.loads(done.stdout)
    assert [d["severity"] for d in found] == ["error"]
    location = found[0]["location"]
    assert (location["line"], location["column"]) == (5, 14)  # `payout "a" = ` is 13 characters, 销售额 starts at 14
    assert "销售额" in found[0]["message"]


def test_check_sarif_is_valid_and_points_at_the_error(tmp_path):
    write(tmp_path / "bad.plan", BROKEN)
    write(tmp_path / "good.plan", GOOD)
    done = plan("check", "--format", "sarif", "bad.plan", "good.plan", cwd=tmp_path)
    assert done.returncode == 1  # one of the two plans has an error
    log = json.loads(done.stdout)
    jsonschema.validate(log, SCHEMA)
    results = log["runs"][0]["results"]
    assert len(results) == 1
    location = results[0]["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == "bad.plan"
    assert location["region"]["startLine"] == 5
    assert [a["location"]["uri"] for a in log["runs"][0]["artifacts"]] == ["bad.plan", "good.plan"]


def test_check_github_annotation(tmp_path):
    write(tmp_path / "bad.plan", BROKEN)
    done = plan("check", "--format", "github", "bad.plan", cwd=tmp_path)
    assert done.returncode == 1
    assert done.stdout.startswith("::error file=bad.plan,line=5,col=14,")


def test_test_formats_report_the_failing_expectation(tmp_path):
    write(tmp_path / "t.plan", TESTED)
    done = plan("test", "--format", "json", "t.plan", cwd=tmp_path)
    assert done.returncode == 1
    found = json.loads(done.stdout)  # standard output is the report alone
    assert len(found) == 1  # only test "错" fails
    assert found[0]["location"]["line"] == FAILING_EXPECTATION_LINE
    assert "expected 3.00, got 2.00" in found[0]["message"]  # 100元 × 2% = 2.00
    assert "1 passed, 1 failed" in done.stderr

    sarif = plan("test", "--format", "sarif", "t.plan", cwd=tmp_path)
    log = json.loads(sarif.stdout)
    jsonschema.validate(log, SCHEMA)
    assert [r["locations"][0]["physicalLocation"]["region"]["startLine"] for r in log["runs"][0]["results"]] == [FAILING_EXPECTATION_LINE]

    github = plan("test", "--format", "github", "t.plan", cwd=tmp_path)
    assert github.stdout.startswith(f"::error file=t.plan,line={FAILING_EXPECTATION_LINE},")


# ---- 2. JUnit XML ---------------------------------------------------------------------


def test_junit_has_a_suite_per_file_and_a_case_per_test(tmp_path):
    write(tmp_path / "t.plan", TESTED)
    write(tmp_path / "s1.plan", S1.read_text(encoding="utf-8"))
    done = plan("test", "t.plan", "s1.plan", "--junit", "out.xml", cwd=tmp_path)
    assert done.returncode == 1
    first = (tmp_path / "out.xml").read_bytes()
    root = ET.fromstring(first)
    suites = root.findall("testsuite")
    assert [s.get("name") for s in suites] == ["t.plan", "s1.plan"]
    t_cases = suites[0].findall("testcase")
    assert [c.get("name") for c in t_cases] == ["对", "错"]
    assert (t_cases[0].find("failure"), suites[0].get("failures")) == (None, "1")
    failure = t_cases[1].find("failure")
    assert "expected 3.00, got 2.00" in failure.get("message")
    assert failure.text.startswith(f"t.plan:{FAILING_EXPECTATION_LINE}: ")
    # S1 has five tests (甲的季度, 两种读法, 边界, 续签奖励门槛, 满意度恰好90), all passing
    assert (suites[1].get("tests"), suites[1].get("failures")) == ("5", "0")
    assert root.get("tests") == "7"  # 2 + 5
    again = plan("test", "t.plan", "s1.plan", "--junit", "out.xml", cwd=tmp_path)
    assert again.returncode == 1
    assert (tmp_path / "out.xml").read_bytes() == first  # deterministic: no times, no host


def test_junit_reports_a_plan_that_does_not_check(tmp_path):
    write(tmp_path / "bad.plan", BROKEN)
    done = plan("test", "bad.plan", "--junit", "out.xml", cwd=tmp_path)
    assert done.returncode == 1
    suite = ET.parse(tmp_path / "out.xml").getroot().find("testsuite")
    failure = suite.find("testcase").find("failure")
    assert (suite.get("name"), suite.get("failures")) == ("bad.plan", "1")
    assert failure.text.startswith("bad.plan:5: unknown name '销售额'")  # line 5: payout "a" = 销售额 * 2%


# ---- 3. --quiet -------------------------------------------------------------------------


@pytest.mark.parametrize("command", ["check", "lint", "test", "fmt"])
@pytest.mark.parametrize("flag", ["-q", "--quiet"])
def test_quiet_prints_no_summary(tmp_path, command, flag):
    write(tmp_path / "good.plan", GOOD)
    loud = plan(command, "good.plan", cwd=tmp_path)
    quiet = plan(command, flag, "good.plan", cwd=tmp_path)
    assert loud.returncode == quiet.returncode == 0
    assert (loud.stdout + loud.stderr).strip() != ""  # the summary line
    assert (quiet.stdout + quiet.stderr) == ""


def test_quiet_keeps_the_findings_and_the_exit_code(tmp_path):
    write(tmp_path / "bad.plan", BROKEN)
    done = plan("check", "-q", "bad.plan", cwd=tmp_path)
    assert done.returncode == 1
    assert done.stderr.startswith("bad.plan:5:14: error:")
    assert "checked" not in done.stderr
    write(tmp_path / "t.plan", TESTED)
    tested = plan("test", "-q", "t.plan", cwd=tmp_path)
    assert tested.returncode == 1
    assert "FAIL t.plan :: 错" in tested.stdout and "ok " not in tested.stdout and "passed" not in tested.stdout


# ---- 4. colour -------------------------------------------------------------------------


def test_colour_is_forced_or_refused_by_the_environment(tmp_path):
    write(tmp_path / "bad.plan", BROKEN)
    forced = plan("check", "bad.plan", cwd=tmp_path, env={"FORCE_COLOR": "1"})
    assert forced.returncode == 1
    assert "\x1b[1;31merror\x1b[0m" in forced.stderr  # the severity word in bold red
    assert "\x1b[1;31m^" in forced.stderr  # and the caret
    refused = plan("check", "bad.plan", cwd=tmp_path, env={"NO_COLOR": "1"})
    piped = plan("check", "bad.plan", cwd=tmp_path)
    assert refused.returncode == piped.returncode == 1
    assert "\x1b" not in refused.stderr and "\x1b" not in piped.stderr
    both = plan("lint", "bad.plan", cwd=tmp_path, env={"NO_COLOR": "", "FORCE_COLOR": "1"})
    assert "\x1b" not in both.stdout + both.stderr  # NO_COLOR wins, whatever its value


def test_colour_on_a_terminal(tmp_path):
    import pty

    write(tmp_path / "bad.plan", BROKEN)
    leader, follower = pty.openpty()
    try:
        environment = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
        done = subprocess.run([sys.executable, "-m", "dsl.cli", "check", "bad.plan"], cwd=tmp_path, stdout=subprocess.PIPE,
                              stderr=follower, env=environment, timeout=300)
        os.close(follower)
        follower = -1
        seen = b""
        while True:
            try:
                chunk = os.read(leader, 4096)
            except OSError:  # the terminal is closed once everything is read
                break
            if not chunk:
                break
            seen += chunk
    finally:
        if follower != -1:
            os.close(follower)
        os.close(leader)
    assert done.returncode == 1
    assert "\x1b[1;31merror\x1b[0m" in seen.decode("utf-8")  # standard error is a terminal: coloured


# ---- 5. standard input -----------------------------------------------------------------


def test_check_reads_stdin_and_reports_it_under_its_name(tmp_path):
    done = plan("check", "-", "--stdin-filename", "sub/x.plan", cwd=tmp_path, stdin=BROKEN)
    assert done.returncode == 1
    assert done.stderr.startswith("sub/x.plan:5:14: error:")
    assert plan("check", "-", cwd=tmp_path, stdin=GOOD).returncode == 0
    alone = plan("check", "good.plan", "--stdin-filename", "x.plan", cwd=tmp_path)
    assert alone.returncode == 2 and "'-'" in alone.stderr  # the name of a plan that is not read from stdin


def test_stdin_plan_imports_modules_beside_its_name(tmp_path):
    write(tmp_path / "sub" / "比例.plan", 'module "比例"\nfn 两成(x: money) -> money = x * 20%\n')
    text = GOOD.replace('payout "a" = 100元 * 2%', 'import 比例\npayout "a" = 比例.两成(100元)\ntest "两成" {\n  expect "a" = 20.00\n}')
    write(tmp_path / "sub" / "x.plan", text)  # the file an editor has open; its unsaved text comes on stdin
    checked = plan("check", "-", "--stdin-filename", "sub/x.plan", cwd=tmp_path, stdin=text)
    assert checked.returncode == 0, checked.stderr
    tested = plan("test", "-", "--stdin-filename", "sub/x.plan", cwd=tmp_path, stdin=text)
    assert tested.returncode == 0, tested.stdout + tested.stderr
    assert "ok   sub/x.plan :: 两成 (1 expectations)" in tested.stdout  # 100元 × 20% = 20.00
    linted = plan("lint", "-", "--stdin-filename", "sub/x.plan", "--format", "json", cwd=tmp_path, stdin=text.replace("比例.两成", "比例.两层"))
    assert linted.returncode == 1
    found = json.loads(linted.stdout)
    assert found[0]["location"]["file"] == "sub/x.plan"
    assert "两成" in (found[0]["hint"] or "") + found[0]["message"]  # did you mean the module's function


# ---- 6. directory walks -----------------------------------------------------------------


def test_walks_skip_hidden_folders_and_excluded_globs(tmp_path):
    write(tmp_path / "pyproject.toml", '[tool.plan]\nexclude = ["drafts", "*_old.plan"]\n')
    write(tmp_path / "plans" / "good.plan", GOOD)
    for hidden in (".git/a.plan", ".venv/lib/b.plan", "plans/.cache/c.plan", "plans/drafts/d.plan", "plans/e_old.plan"):
        write(tmp_path / hidden, BROKEN)
    checked = plan("check", ".", cwd=tmp_path)
    assert (checked.returncode, checked.stderr) == (0, "checked 1 plan(s): 0 with errors\n")  # only plans/good.plan
    linted = plan("lint", ".", cwd=tmp_path)
    assert linted.returncode == 0 and "linted 1 plan(s)" in linted.stderr
    tested = plan("test", ".", cwd=tmp_path)
    assert tested.returncode == 0 and "0 passed, 0 failed" in tested.stdout  # good.plan has no tests
    formatted = plan("fmt", "--check", ".", cwd=tmp_path)
    assert formatted.returncode == 0 and "1 plan(s)" in formatted.stderr
    # a file named on the command line is always checked
    assert plan("check", "plans/e_old.plan", cwd=tmp_path).returncode == 1


# ---- 7. a missing file -----------------------------------------------------------------


@pytest.mark.parametrize("args", [
    ["check", "missing.plan"],
    ["lint", "missing.plan"],
    ["test", "missing.plan"],
    ["fmt", "missing.plan"],
    ["run", "missing.plan"],
    ["explain", "missing.plan", "--payee", "甲"],
    ["statement", "missing.plan", "--payee", "甲", "--format", "md"],
    ["diff", "missing.plan", "other.plan"],
])
def test_a_missing_file_is_a_usage_error_everywhere(tmp_path, args):
    write(tmp_path / "other.plan", GOOD)
    done = plan(*args, cwd=tmp_path)
    assert done.returncode == 2
    assert "missing.plan" in done.stderr and "Traceback" not in done.stderr


# ---- 8. SARIF links and suppressions -----------------------------------------------------


SUPPRESSED = (
    'plan "降" {\n'
    '  currency CNY\n'
    '  rounding half_up to 0.01\n'
    '}\n'
    'tiers 比例 marginal {\n'
    '  [0, 100万) -> 5%\n'
    '  [100万, ..) -> 3%   # plan: ignore[falling-rates] decelerator agreed with sales leadership\n'
    '}\n'
    'payout "a" = 比例(200万)\n'
)


def test_sarif_links_rules_to_the_configured_docs_and_keeps_suppressed_findings(tmp_path):
    write(tmp_path / "plan.toml", 'docs_url = "https://docs.example.com/plan"\n')
    write(tmp_path / "r.plan", SUPPRESSED)
    done = plan("lint", "--format", "sarif", "r.plan", cwd=tmp_path)
    log = json.loads(done.stdout)
    jsonschema.validate(log, SCHEMA)
    rules = {r["id"]: r for r in log["runs"][0]["tool"]["driver"]["rules"]}
    assert rules["L009"]["helpUri"] == "https://docs.example.com/plan/rules/L009-falling-rates/"  # docs/rules/L009-falling-rates.md
    # the summary, then the first paragraph of "What it finds" in docs/rules/L009-falling-rates.md
    assert rules["L009"]["help"]["text"] == (rules["L009"]["shortDescription"]["text"] + "\n\nFinds a band of a `marginal` or "
                                             "`whole` table whose rate is lower than the rate of the band below it.")
    results = [r for r in log["runs"][0]["results"] if r["ruleId"] == "L009"]
    assert len(results) == 1  # the band of line 7 pays 3% after 5%: suppressed, but reported
    assert results[0]["locations"][0]["physicalLocation"]["region"]["startLine"] == 7
    assert results[0]["suppressions"] == [{"kind": "inSource", "justification": "decelerator agreed with sales leadership"}]
    assert "L021" not in {r["ruleId"] for r in log["runs"][0]["results"]}  # the suppression is used
    text = plan("lint", "r.plan", cwd=tmp_path)
    assert "L009" not in text.stdout  # text still leaves suppressed findings out


def test_sarif_default_docs_url(tmp_path):
    write(tmp_path / "good.plan", GOOD)
    log = json.loads(plan("check", "--format", "sarif", "good.plan", cwd=tmp_path).stdout)
    rules = {r["id"]: r for r in log["runs"][0]["tool"]["driver"]["rules"]}
    assert rules["E109"]["helpUri"] == "https://plan.example.org/rules/E109-tier-overlap/"  # docs/rules/E109-tier-overlap.md
    assert log["runs"][0]["results"] == []


# ---- 9. CSV totals and BOM ----------------------------------------------------------------


def test_run_csv_totals_and_bom(tmp_path):
    done = plan("run", str(S1), "--totals")
    assert done.returncode == 0, done.stderr
    rows = done.stdout.splitlines()
    # plans/s1_big_account/README.md: 甲's 200万 pays 50万×2% + 50万×3% + 100万×4% = 65,000; the renewed
    # 120万 deal (renewal 85% ≥ 80%, satisfaction 92 ≥ 90) adds 120万 × 0.5% = 6,000; 65,000 + 6,000 = 71,000
    assert rows[1:4] == ["甲,quarter,销售额提成,payout,65000.00", "甲,quarter,续签奖励,payout,6000.00", "甲,quarter,total,total,71000.00"]
    # 乙: 120万 marginal = 50万×2% + 50万×3% + 20万×4% = 10,000 + 15,000 + 8,000 = 33,000; renewal 60% < 80%: no bonus
    assert "乙,quarter,total,total,33000.00" in rows
    plain = plan("run", str(S1))
    assert "total" not in plain.stdout  # the default CSV is unchanged
    out = tmp_path / "results.csv"
    written = plan("run", str(S1), "--totals", "--bom", "--out", str(out))
    assert written.returncode == 0, written.stderr
    data = out.read_bytes()
    assert data.startswith(b"\xef\xbb\xbfpayee,period,line,kind,value\n")
    assert data[3:].decode("utf-8") == done.stdout
    assert plan("run", str(S1), "--bom", "--format", "json").returncode == 2  # a CSV option
