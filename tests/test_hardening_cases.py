"""Every crasher found (by the issue's adversarial run and by tests/test_fuzz.py) is a
regression case in tests/cases/crash_*.plan. None of them may reach the CLI's
"internal error" handler in any command: each ends with exit 0 or 1 and, where it
fails, with a diagnostic."""
from __future__ import annotations

import pytest

from conftest import ROOT, run_plan_cli

CRASHERS = sorted((ROOT / "tests" / "cases").glob("crash_*.plan"))


def test_there_are_regression_cases():
    assert len(CRASHERS) >= 7


@pytest.mark.parametrize("command", [["check"], ["lint"], ["fmt", "--check"], ["test"]], ids=lambda c: c[0])
@pytest.mark.parametrize("path", CRASHERS, ids=[p.stem for p in CRASHERS])
def test_no_regression_case_reaches_the_internal_error_handler(path, command):
    result = run_plan_cli(*command, path.relative_to(ROOT).as_posix())
    assert "internal error" not in result.stderr, result.stderr[-3000:]
    assert "Traceback" not in result.stderr
    assert result.returncode in (0, 1), result.stdout[-2000:] + result.stderr[-2000:]
    if result.returncode == 1 and command[0] == "check":
        assert "error:" in result.stderr


def test_the_let_chain_case_computes_its_test():
    # c299 = 1元 + 299 × 1元 = 300.00, through 300 lets
    result = run_plan_cli("test", "tests/cases/crash_let_chain.plan")
    assert result.returncode == 0, result.stdout + result.stderr[-2000:]
    assert "1 passed, 0 failed" in result.stdout
