"""Every kind of static error, run through the real `plan check` command.

Each file in tests/cases/ states on its first line what `plan check` must report:
    # expect: LINE:COL CODE [hint text]
The line and column are counted by hand (columns in characters, so a Chinese
character is one column).
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from conftest import ROOT, run_plan_cli

CASES = sorted((ROOT / "tests" / "cases").glob("e*.plan"))
EXPECT = re.compile(r"^# expect: (\d+):(\d+) (\w+)(?: (.*))?$")


def expectation(path: Path):
    first = path.read_text(encoding="utf-8").splitlines()[0]
    match = EXPECT.match(first)
    assert match, f"{path.name}: first line must be '# expect: LINE:COL CODE'"
    line, column, code, hint = match.groups()
    return int(line), int(column), code, hint


def test_every_checker_error_code_has_a_case():
    from dsl.core.diagnostics import REGISTRY

    covered = {expectation(p)[2] for p in CASES}
    check_codes = {code for code, entry in REGISTRY.items() if entry.group == "check"}
    assert check_codes <= covered, f"no case for {sorted(check_codes - covered)}"


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_plan_check_reports_the_error(path):
    line, column, code, hint = expectation(path)
    relative = path.relative_to(ROOT).as_posix()
    result = run_plan_cli("check", relative)
    assert result.returncode == 1, result.stdout + result.stderr
    location = f"{relative}:{line}:{column}: error: "
    matching = [l for l in result.stderr.splitlines() if l.startswith(location) and f"[{code} " in l]
    assert matching, f"expected {location}… [{code}] in:\n{result.stderr}"
    if hint:
        assert f"= hint: {hint}" in result.stderr
    assert "Traceback" not in result.stderr


def test_caret_lines_up_under_chinese_text():
    # `payout "销售额提成" = sale * 2%`: sale starts after 17 characters, 5 of them
    # Chinese (two cells each), so the caret sits under display column 17 + 5 = 22.
    path = ROOT / "tests" / "cases" / "e102_unknown_name.plan"
    result = run_plan_cli("check", path.relative_to(ROOT).as_posix())
    lines = result.stderr.splitlines()
    source_line = next(i for i, l in enumerate(lines) if l.startswith(" 5 | "))
    caret = lines[source_line + 1]
    gutter = len(" 5 | ")
    assert caret[gutter:] == " " * 22 + "^~~~"


def test_clean_plan_exits_zero():
    result = run_plan_cli("check", "plans/s1_big_account/plan.plan", "plans/s8_service_sales/plan.plan")
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout == ""


def test_missing_file_is_a_usage_error():
    result = run_plan_cli("check", "no/such.plan")
    assert result.returncode == 2
    assert "no such file or directory: no/such.plan" in result.stderr


def test_s11_seed_bands_as_written_overlap_twice():
    # The seed: ≤20万 5%, 20万≤ … 8%, ≥100万 10% — both 20万 and 100万 fall in two bands.
    path = "tests/cases/s11_seed_bands_as_written.plan"
    result = run_plan_cli("check", path)
    assert result.returncode == 1
    errors = [l for l in result.stderr.splitlines() if "[E109 tier-overlap]" in l]
    assert errors == [
        f"{path}:24:3: error: bands [0, 20万] and [20万, 100万] of '返点' both contain 200,000 [E109 tier-overlap]",
        f"{path}:25:3: error: bands [20万, 100万] and [100万, ..) of '返点' both contain 1,000,000 [E109 tier-overlap]",
    ]
