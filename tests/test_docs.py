"""The documentation site: generated pages show the tool's real output, and it builds.

The cookbook, the CLI reference, the index of codes and every `plan-output`
block are generated while mkdocs builds the site (dsl/docs_build/). These tests
compare what the build generates with what the real `plan` command prints when
run as a separate process, and build the whole site once with `--strict`.
"""
from __future__ import annotations

import doctest
import re
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT, run_plan_cli
from dsl.docs_build.cli_reference import cli_page
from dsl.docs_build.cookbook import cookbook_page, expand_directives, folders
from dsl.docs_build.rules_index import rules_page
from dsl.lint.report import catalogue, doc_page

EXAMPLES = sorted((ROOT / "docs" / "examples").glob("*/plan.plan"))


def test_a_cookbook_page_holds_the_real_output_of_run_and_explain():
    folder = ROOT / "plans" / "s1_big_account"
    page = cookbook_page(folder, ROOT)
    run = run_plan_cli("run", "plans/s1_big_account/plan.plan")
    # the folder's README explains 甲: the page explains the same payee
    explain = run_plan_cli("explain", "plans/s1_big_account/plan.plan", "--payee", "甲", "--lang", "en")
    assert run.returncode == 0 and explain.returncode == 0
    assert f"```text\n$ plan run plans/s1_big_account/plan.plan\n{run.stdout}```" in page
    assert f"```text\n$ plan explain plans/s1_big_account/plan.plan --payee 甲 --lang en\n{explain.stdout}```" in page
    # 甲: 50万×2% + 50万×3% + 100万×4% = 65000 on the 200万 of deals.csv, + 0.5% × 120万 renewed = 6000
    assert "甲,quarter,销售额提成,payout,65000.00" in run.stdout and "total = 71,000.00 CNY" in explain.stdout
    plan_text = (folder / "plan.plan").read_text(encoding="utf-8")
    assert f"```plan\n{plan_text}```" in page


def test_every_plan_folder_has_a_page_and_every_plan_file_a_section():
    found = folders(ROOT / "plans")
    assert sorted(f.name for f in found) == sorted(p.name for p in (ROOT / "plans").iterdir() if any(p.glob("*.plan")))
    names = [f.name for f in found]
    assert names.index("s9_key_account_manager") < names.index("s10_hotel_sales")  # by number, not by text
    s10 = cookbook_page(ROOT / "plans" / "s10_hotel_sales", ROOT)
    assert "$ plan run plans/s10_hotel_sales/plan.plan" in s10


def test_a_plan_output_directive_is_replaced_by_the_real_output():
    page = expand_directives("Before.\n\n<!-- plan-output: test docs/examples/first/plan.plan -->\n\nAfter.\n")
    real = run_plan_cli("test", "docs/examples/first/plan.plan")
    # the two tests of the first plan: 甲 (3 expectations) and 续签率不足 (2)
    assert real.stdout.endswith("2 passed, 0 failed\n")
    assert f"```text\n$ plan test docs/examples/first/plan.plan\n{real.stdout}{real.stderr}```" in page
    assert page.startswith("Before.\n\n") and page.endswith("\nAfter.\n")


def test_a_failing_command_stops_the_build():
    with pytest.raises(RuntimeError, match="exited 2"):
        expand_directives("<!-- plan-output: explain docs/examples/first/plan.plan --payee 丙 -->")


def test_a_plan_file_directive_shows_the_file():
    page = expand_directives("<!-- plan-file: docs/examples/first/plan.plan -->")
    assert page == "```plan\n" + (ROOT / "docs/examples/first/plan.plan").read_text(encoding="utf-8") + "```\n"


def test_the_cli_reference_prints_what_help_prints():
    page = cli_page()
    commands = ["check", "diff", "explain", "fmt", "lint", "run", "statement", "test"]
    assert re.findall(r"^## plan (\w+)$", page, re.MULTILINE) == commands
    for name in commands:
        helped = run_plan_cli(name, "--help")
        assert helped.returncode == 0
        assert f"```text\n{helped.stdout.rstrip()}\n```" in page, name
    assert "| `--payee TEXT` | option | Whose payout to explain.  [required] |" in page


def test_the_index_of_codes_links_every_code_to_its_page():
    page = rules_page()
    links = re.findall(r"^\| \[(\w+)\]\(([^)]+)\)", page, re.MULTILINE)
    assert [code for code, _ in links] == [c.code for c in catalogue()]
    for code, target in links:
        assert (ROOT / "docs" / "rules" / target).is_file() and doc_page(code) == f"docs/rules/{target}"


def test_the_api_page_examples_run():
    text = (ROOT / "docs" / "api.md").read_text(encoding="utf-8")
    examples = "\n".join(re.findall(r"```pycon\n(.*?)```", text, re.DOTALL))
    test = doctest.DocTestParser().get_doctest(examples, {}, "docs/api.md", str(ROOT / "docs" / "api.md"), 0)
    runner = doctest.DocTestRunner()
    runner.run(test)
    assert runner.failures == 0 and runner.tries >= 10


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.parent.name for p in EXAMPLES])
def test_an_example_plan_of_the_docs_passes_every_command(path):
    shown = path.relative_to(ROOT).as_posix()
    for args in (["check"], ["lint", "--fail-on", "warning"], ["fmt", "--check"], ["test"]):
        done = run_plan_cli(*args, shown)
        assert done.returncode == 0, (args, done.stdout, done.stderr)


def test_the_site_builds_strictly_with_highlighted_plans_and_real_output(tmp_path):
    site = tmp_path / "site"
    built = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--quiet", "-d", str(site)],
        cwd=ROOT, capture_output=True, text=True, encoding="utf-8", timeout=600,
        env={**__import__("os").environ, "NO_MKDOCS_2_WARNING": "1"},
    )
    assert built.returncode == 0, built.stderr
    for folder in folders(ROOT / "plans"):
        assert (site / "cookbook" / folder.name / "index.html").is_file(), folder.name
    s1 = (site / "cookbook" / "s1_big_account" / "index.html").read_text(encoding="utf-8")
    # the plan is highlighted by the package's lexer: keywords, amounts and percents get their classes
    assert '<span class="k">payout</span>' in s1 and '<span class="m">50万</span>' in s1 and '<span class="m">2%</span>' in s1
    assert "甲,quarter,销售额提成,payout,65000.00" in s1  # 50万×2% + 50万×3% + 100万×4%
    home = (site / "index.html").read_text(encoding="utf-8")
    assert "$ plan run docs/examples/first/plan.plan" in home and "plan-output" not in home
    assert "plan check" in (site / "cli" / "index.html").read_text(encoding="utf-8")
    assert "E001" in (site / "rules" / "index.html").read_text(encoding="utf-8")
    # the Chinese site: its own pages where translated, the cookbook explained in Chinese
    zh = (site / "zh" / "cookbook" / "s1_big_account" / "index.html").read_text(encoding="utf-8")
    assert "档 [0, 50万): 500,000.00 × 2% = 10,000.00" in zh and 'lang="zh"' in zh
    assert "销售薪酬方案即代码" in (site / "zh" / "index.html").read_text(encoding="utf-8")
    assert (site / "zh" / "language" / "index.html").is_file()  # untranslated: the English page
