"""Usage errors (exit 2) and `plan test`'s result lines read in the diagnostics' language.

A usage error is decided before a command has read its plan, so its language
comes from `--lang` among the arguments, the configuration beside the first
path given, or the locale (dsl.cli.common.usage_lang). Every message the CLI
raises as a usage error has a Chinese template: the last test reads them out of
the source, so a new one without a translation fails here.
"""
from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from dsl.core import i18n

from conftest import ROOT, run_plan_cli

S1 = str(ROOT / "plans" / "s1_big_account" / "plan.plan")


@pytest.mark.parametrize("args, zh, en", [
    (["run"], "错误：缺少参数 'PLAN_FILE'。", "Error: Missing argument 'PLAN_FILE'."),
    (["run", S1, "--bogus"], "错误：没有选项 '--bogus'。（你是否想写其中之一：'--bom', '--out'？）",
     "Error: No such option '--bogus'. (Did you mean one of: '--bom', '--out'?)"),
    (["run", S1, "--format", "nope"], "错误：'--format' 的值无效：'nope' 不是 'csv', 'json', 'xlsx' 之一。",
     "Error: Invalid value for '--format': 'nope' is not one of 'csv', 'json', 'xlsx'."),
    (["explain", S1], "错误：缺少选项 '--payee'。", "Error: Missing option '--payee'."),
    (["run", "nope.plan"], "plan：错误：没有这个文件：nope.plan", "plan: error: no such file: nope.plan"),
    (["run", S1, "--set", "x"], "plan：错误：--set x：请写成 input.field=value，例如 --set reps.quota=120万",
     "plan: error: --set x: write input.field=value, e.g. --set reps.quota=120万"),
    (["explain", S1, "--payee", "甲", "--line", "销售提成"],
     "plan：错误：方案没有支付行 \"销售提成\"；你是否想写 '销售额提成'？",
     "plan: error: the plan has no line \"销售提成\"; did you mean '销售额提成'?"),
])
def test_a_usage_error_reads_in_the_chosen_language(args, zh, en):
    chinese = run_plan_cli(*args, "--lang", "zh")
    english = run_plan_cli(*args, "--lang", "en")
    assert (chinese.returncode, english.returncode) == (2, 2)
    assert zh in chinese.stderr and en in english.stderr
    assert chinese.stdout == english.stdout == ""


def test_the_usage_line_and_help_pointer_are_translated_around_clicks_message():
    result = run_plan_cli("run", "--lang", "zh")
    assert result.returncode == 2
    assert result.stderr.splitlines()[:2] == ["用法：plan run [OPTIONS] PLAN_FILE", "运行 'plan run --help' 查看帮助。"]


def test_the_configuration_beside_the_plan_chooses_chinese_for_a_usage_error(tmp_path):
    (tmp_path / "pyproject.toml").write_text("[tool.plan]\nlang = \"zh\"\n", encoding="utf-8")
    plan = tmp_path / "p.plan"
    plan.write_text(Path(S1).read_text(encoding="utf-8"), encoding="utf-8")
    result = run_plan_cli("run", str(plan), "--data", str(Path(S1).parent / "data"), "--set", "reps.renewal_rat=79%", cwd=tmp_path)
    assert result.returncode == 2
    assert "plan：错误：--set reps.renewal_rat=79%：输入 reps 没有字段 'renewal_rat'；你是否想写 'renewal_rate'？" in result.stderr


def test_plan_test_prints_its_result_lines_in_chinese():
    result = run_plan_cli("test", S1, "--lang", "zh")
    assert result.returncode == 0
    lines = result.stdout.splitlines()
    # S1 has five tests; the first, 甲的季度, checks three expectations
    assert lines[0] == f"通过 {S1} :: 甲的季度（3 项预期）"
    assert len([line for line in lines if line.startswith("通过 ")]) == 5
    assert lines[-1] == "5 个通过，0 个失败"


def test_a_failing_plan_test_is_marked_in_chinese(tmp_path):
    text = Path(S1).read_text(encoding="utf-8").replace("65000.00", "65000.01", 1)
    assert text != Path(S1).read_text(encoding="utf-8")
    plan = tmp_path / "p.plan"
    plan.write_text(text, encoding="utf-8")
    result = run_plan_cli("test", str(plan), "--lang", "zh")
    assert result.returncode == 1
    assert any(line.startswith(f"失败 {plan} :: ") for line in result.stdout.splitlines())
    broken = tmp_path / "broken.plan"
    broken.write_text("plan \"x\" {\n", encoding="utf-8")
    result = run_plan_cli("test", str(broken), "--lang", "zh")
    assert f"失败 {broken}：方案没有通过检查" in result.stdout


# --- every usage message of the CLI has a Chinese form ---------------------------------------

_RAISERS = ("UsageError", "OverrideError", "_hinted")
_SOURCES = ("dsl/cli/common.py", "dsl/cli/main.py", "dsl/cli/lint.py", "dsl/cli/diff.py", "dsl/cli/statement.py",
            "dsl/data/overrides.py")
# what may stay in Latin letters in a Chinese message: options, commands, file names, formats
_KEPT = re.compile(r"--[a-z-]+|[\w.-]+\.(?:xlsx|csv|plan)\b|'[^']*'|\"[^\"]*\"|\bplan (?:diff|run)\b|input\.field=value|reps\.quota|X1|"
                   r"\b(?:OLD|NEW|REV|FILE|DIR|ID|UTF|git|xlsx|csv|data|let|plan|diff)\b")


def _sample(node, names: dict):
    """The message a raise builds, each interpolated value shown as X1 (a name bound to an f-string, such as
    `prefix`, read through `names`)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        parts = []
        for value in node.values:
            if isinstance(value, ast.Constant):
                parts.append(value.value)
            elif isinstance(value.value, ast.Name) and value.value.id == "hint":  # a did_you_mean(...) result
                parts.append("did you mean 'X1'?")
            elif isinstance(value.value, ast.Name) and value.value.id in names:
                parts.append(names[value.value.id])
            elif isinstance(value.value, ast.IfExp) and isinstance(value.value.body, ast.Constant):
                parts.append(str(value.value.body.value))
            else:
                parts.append("X1")
        return "".join(parts)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = _sample(node.left, names), _sample(node.right, names)
        return None if left is None or right is None else left + right
    if isinstance(node, ast.IfExp):
        return _sample(node.body, names)
    return None  # str(exc): a message raised elsewhere, translated where it is made


def _usage_messages():
    for name in _SOURCES:
        tree = ast.parse((ROOT / name).read_text(encoding="utf-8"))
        names = {target.id: _sample(node.value, {}) for node in ast.walk(tree) if isinstance(node, ast.Assign)
                 for target in node.targets if isinstance(target, ast.Name) and isinstance(node.value, ast.JoinedStr)}
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", None)) in _RAISERS and node.args:
                message = _sample(node.args[0], names)
                if message is not None:
                    yield f"{name}:{node.lineno}", message


def test_the_scan_finds_the_usage_messages():
    found = dict(_usage_messages())
    assert len(found) >= 30  # 23 in dsl/cli, 9 in the --set reader, at the time of writing
    assert "--set X1: write input.field=value, e.g. --set reps.quota=120万" in found.values()


@pytest.mark.parametrize("where, message", list(_usage_messages()))
def test_every_usage_message_has_a_chinese_form(where, message):
    chinese = i18n.translate(message, "zh")
    assert chinese != message, f"{where}: no template for {message!r}"
    left = _KEPT.sub("", chinese)
    assert not re.search(r"[A-Za-z]{3,}", left), f"{where}: {chinese!r} keeps English words"


def test_plan_alone_prints_its_help_not_an_error():
    result = run_plan_cli()
    assert result.returncode == 2
    assert result.stderr.startswith("Usage: plan [OPTIONS] COMMAND [ARGS]...\n\n  Plan-as-code for sales compensation")
    assert "Error" not in result.stderr and "错误" not in result.stderr
