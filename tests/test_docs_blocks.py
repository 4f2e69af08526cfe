"""Every ```plan block of README.md and docs/ is a plan that works, or says what it is.

A block with no marker is a complete plan: it passes `plan check`, `plan lint`
with no error or warning, `plan fmt --check` and `plan test`. A block after
`<!-- plan: fragment -->` must parse; one after `<!-- plan: wrong E109 -->` must
report E109 (dsl/docs_build/blocks.py reads the markers).
"""
from __future__ import annotations

from pathlib import Path

import pytest

import dsl
from dsl.docs_build.blocks import Block, all_blocks, plan_blocks
from conftest import run_plan_cli

ROOT = Path(__file__).resolve().parent.parent
BLOCKS = all_blocks(ROOT)


def problems(block: Block) -> list[str]:
    """What is wrong with a block, given what its marker says it is (nothing: it is fine)."""
    compilation = dsl.load(block.text, block.where)
    if block.kind == "fragment":
        return [f"{d.span}: {d.message}" for d in compilation.diagnostics if d.code in ("E001", "E002")]
    findings = list(compilation.diagnostics) + dsl.lint(compilation)
    if block.kind == "wrong":
        reported = {d.code for d in findings}
        return [f"expected {code}, got {sorted(reported)}" for code in block.codes if code not in reported]
    found = [f"{d.code} {d.severity}: {d.message}" for d in findings if d.severity in ("error", "warning")]
    if compilation.plan is None:
        return found
    # (lint's L019 runs the plan's own tests: a failing one is an error above)
    formatted, _ = dsl.format(block.text, block.where)
    if formatted != block.text:
        found.append("not in the canonical layout (plan fmt)")
    return found


@pytest.mark.parametrize("block", BLOCKS, ids=[b.where for b in BLOCKS])
def test_a_plan_block_is_what_its_marker_says(block):
    assert problems(block) == []


def test_the_docs_mark_blocks_of_each_kind():
    kinds = {b.kind for b in BLOCKS}
    assert kinds == {"plan", "fragment", "wrong"}


# ---- the checker itself catches what it should ------------------------------------

COMPLETE = 'plan "x" {\n  currency CNY\n  rounding half_up to 0.01\n}\n\npayout "a" = 100元 * 2%\n\ntest "t" {\n  expect "a" = 2.00  # 100元 × 2%\n}\n'


def _one(markdown: str) -> Block:
    (block,) = plan_blocks(markdown, "page.md")
    return block


def test_a_complete_plan_passes():
    assert problems(_one(f"```plan\n{COMPLETE}```\n")) == []


def test_a_plan_that_is_not_formatted_fails():
    messy = COMPLETE.replace('payout "a" = 100元 * 2%', 'payout "a"=100元*2%')
    assert problems(_one(f"```plan\n{messy}```\n")) == ["not in the canonical layout (plan fmt)"]


def test_a_plan_whose_test_fails_fails():
    wrong_expectation = COMPLETE.replace("expect \"a\" = 2.00", "expect \"a\" = 3.00")
    found = problems(_one(f"```plan\n{wrong_expectation}```\n"))
    assert found == ['L019 error: test "t": "a" expected 3.00, got 2.00']  # 100元 × 2% = 2.00


def test_a_plan_with_a_lint_warning_fails():
    unrounded = COMPLETE.replace("  rounding half_up to 0.01\n", "")
    assert [p.split(" ")[0] for p in problems(_one(f"```plan\n{unrounded}```\n"))] == ["L017"]


def test_a_fragment_must_parse_and_a_wrong_example_must_report_its_code():
    assert problems(_one("<!-- plan: fragment -->\n\n```plan\ntiers t marginal {\n  [0, ..) -> 2%\n}\n```\n")) == []
    assert problems(_one("<!-- plan: fragment -->\n```plan\ntiers t marginal {\n```\n")) != []
    assert problems(_one("<!-- plan: wrong E102 -->\n```plan\nplan \"x\" { currency CNY }\npayout \"a\" = y\n```\n")) == []
    assert problems(_one("<!-- plan: wrong E109 -->\n```plan\nplan \"x\" { currency CNY }\npayout \"a\" = y\n```\n")) == ["expected E109, got ['E102', 'L017']"]


def test_the_readme_sample_passes_the_real_commands(tmp_path):
    (sample,) = [b for b in BLOCKS if b.file == "README.md"]
    path = tmp_path / "sample.plan"
    path.write_text(sample.text, encoding="utf-8")
    assert run_plan_cli("check", str(path)).returncode == 0
    assert run_plan_cli("lint", "--fail-on", "warning", str(path)).returncode == 0
    assert run_plan_cli("fmt", "--check", str(path)).returncode == 0
    tested = run_plan_cli("test", str(path))
    # the sample's one test: 50万×2% + 50万×3% + 100万×4% = 65000
    assert tested.returncode == 0 and tested.stdout.strip().endswith("1 passed, 0 failed")
