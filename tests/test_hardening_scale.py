"""Worst cases that used to blow up, each under a generous timeout (the timeouts
catch a return of quadratic or exponential cost; speed itself is measured by
benchmarks/bench_scale.py, not here).

- 8,000 unknown payees against a roster of 10,000 (did-you-mean was a roster scan per row: 585 s);
- a tier table of 8,000 bands through check and lint (17 s and 83 s, both quadratic);
- 20 lets that each read the one before twice, explained (the derivation was copied: 2^20 nodes, 679 MB);
- a chain of 300 lets, explained in every format (the JSON and the renderers recursed).
"""
from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

from conftest import ROOT, run_plan_cli

S1 = ROOT / "plans" / "s1_big_account"


def timed(seconds: float, *args: str, cwd: Path):
    started = time.monotonic()
    result = run_plan_cli(*args, cwd=cwd)
    elapsed = time.monotonic() - started
    assert "internal error" not in result.stderr and "Traceback" not in result.stderr, result.stderr[-2000:]
    assert elapsed < seconds, f"plan {' '.join(args)} took {elapsed:.1f} s"
    return result


def s1_with(tmp_path: Path, extra: str = "") -> Path:
    shutil.copytree(S1 / "data", tmp_path / "data")
    (tmp_path / "plan.plan").write_text((S1 / "plan.plan").read_text(encoding="utf-8") + extra, encoding="utf-8")
    return tmp_path


def test_thousands_of_unknown_payees_against_a_large_roster(tmp_path):
    s1_with(tmp_path)
    (tmp_path / "data" / "reps.csv").write_text(
        "rep,renewal_rate,satisfaction\n" + "".join(f"员工{i:05d},85%,92\n" for i in range(10_000)), encoding="utf-8")
    (tmp_path / "data" / "deals.csv").write_text(
        "rep,customer,amount,renewed\n" + "".join(f"外人{i:05d},x,1,true\n" for i in range(8_000)), encoding="utf-8")
    result = timed(60, "run", "plan.plan", cwd=tmp_path)
    assert result.returncode == 1
    # 50 errors shown, each with a hint; the other 7,950 summed up in one line
    assert result.stderr.count("[D004 unknown-payee]") == 51
    assert "... and 7950 more errors in data/deals.csv" in result.stderr


def band_table(bands: int) -> str:
    rows = "".join(f"  [{i * 1000}元, {(i + 1) * 1000}元) -> {1 + i % 7}%\n" for i in range(bands))
    return f"tiers 大表 marginal {{\n{rows}  [{bands * 1000}元, ..) -> 1%\n}}\npayout \"大表提成\" = 大表(sales)\n"


def test_a_tier_table_of_8000_bands_checks_and_lints(tmp_path):
    s1_with(tmp_path, band_table(8_000))
    assert timed(120, "check", "plan.plan", cwd=tmp_path).returncode == 0
    result = timed(120, "lint", "plan.plan", "--format", "json", cwd=tmp_path)
    findings = json.loads(result.stdout)
    # S1's own plan tests do not expect the added line (L019); nothing else is an error
    assert {f["code"] for f in findings if f["severity"] == "error"} <= {"L019"}


def test_overlapping_bands_are_still_all_reported(tmp_path):
    # [0, 10元] meets (10元, 20元] cleanly; [15元, 30元) shares (15, 20] with the band before it
    # and [25元, ..) shares [25, 30) with the one before it: two overlaps, nothing else.
    table = "tiers 叠 lookup {\n  [0, 10元] -> 1元\n  (10元, 20元] -> 2元\n  [15元, 30元) -> 3元\n  [25元, ..) -> 4元\n}\n"
    s1_with(tmp_path, table)
    result = timed(60, "check", "plan.plan", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.count("[E109 tier-overlap]") == 2
    assert "bands (10元, 20元] and [15元, 30元) of '叠' both contain the values [15, 20]" in result.stderr
    assert "bands [15元, 30元) and [25元, ..) of '叠' both contain the values [25, 30)" in result.stderr


def doubling_lets(count: int) -> str:
    # x0 = sales; x_i = x_{i-1} + x_{i-1}, so x_n = 2^n × sales
    return "let x0 = sales\n" + "".join(f"let x{i} = x{i - 1} + x{i - 1}\n" for i in range(1, count + 1))


def test_an_explanation_shares_repeated_derivations(tmp_path):
    s1_with(tmp_path, doubling_lets(20) + 'payout "翻倍" = x20\n')
    # 甲: sales 2,000,000 × 2^20 (1,048,576) = 2,097,152,000,000.00
    result = timed(60, "explain", "plan.plan", "--payee", "甲", "--line", "翻倍", "--format", "json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert len(result.stdout) < 200_000  # copied, it was 679 MB
    data = json.loads(result.stdout)
    assert data["lines"][0]["value"] == "2097152000000.00"
    assert list(data["derivations"])[:3] == ["let x20", "let x19", "let x18"]
    x1 = data["derivations"]["let x1"]  # x0 + x0, both uses naming the one derivation of x0
    assert [c["derivation"] for c in x1["children"]] == ["let x0", "let x0"]
    for fmt in ("text", "md"):
        shown = timed(60, "explain", "plan.plan", "--payee", "甲", "--line", "翻倍", "--format", fmt, "--lang", "en", cwd=tmp_path)
        assert shown.returncode == 0 and len(shown.stdout) < 50_000
        assert "(see above)" in shown.stdout  # each let after its first showing is referred to


def test_a_chain_of_300_lets_is_explained_in_every_format(tmp_path):
    chain = "let c0 = sales\n" + "".join(f"let c{i} = c{i - 1} + 1元\n" for i in range(1, 300))
    s1_with(tmp_path, chain + 'payout "链" = c299\n')
    for fmt in ("json", "text", "md"):
        result = timed(60, "explain", "plan.plan", "--payee", "甲", "--line", "链", "--format", fmt, cwd=tmp_path)
        assert result.returncode == 0, result.stderr[-2000:]
        assert "2,000,299.00" in result.stdout or "2000299.00" in result.stdout  # 2,000,000 + 299 × 1
