"""Diagnostics in Chinese and English: the same codes, lines and columns, other words.

Each common mistake is written into a small plan (or its data) and run through the
real `plan check`, `plan run` or `plan lint`; its standard error (standard output
for lint) is compared with a golden file per language under
tests/golden/diagnostics/. Regenerate after an intended change with
PLAN_UPDATE_GOLDEN=1 python -m pytest tests/test_diagnostics_i18n.py and review
the diff. The other tests hold the choice of language (option, configuration,
locale) and the coverage of the translation table.
"""
from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT
from dsl.core import diagnostics, i18n
from dsl.core.i18n_zh import TEMPLATES
from dsl.lint.catalogue import CATALOGUE

GOLDEN = ROOT / "tests" / "golden" / "diagnostics"

PLAN = """\
plan "提成" {
  currency CNY
  period month
  payee rep
  rounding half_up to 0.01
}

input reps: record {
  rep: payee
  target: money
}

input deals: table {
  rep: payee
  amount: money
}

tiers 提成比例 marginal {
  [0, 50万) -> 2%
  [50万, ..) -> 3%
}

let sales = sum(deals.amount)
payout "销售额提成" = 提成比例(sales)
"""
REPS = "rep,target\n甲,100万\n"
DEALS = "rep,amount\n甲,60万\n"


def cli(args, cwd: Path, lang_env: str = "C.UTF-8") -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LC_")}
    env.update(PYTHONIOENCODING="utf-8", LANG=lang_env)
    return subprocess.run([sys.executable, "-m", "dsl.cli", *args], cwd=cwd, capture_output=True, text=True,
                          encoding="utf-8", env=env, timeout=300)


def write(folder: Path, plan: str = PLAN, reps: str | None = REPS, deals: str = DEALS) -> None:
    (folder / "data").mkdir(parents=True, exist_ok=True)
    (folder / "plan.plan").write_text(plan, encoding="utf-8")
    if reps is not None:
        (folder / "data" / "reps.csv").write_text(reps, encoding="utf-8")
    (folder / "data" / "deals.csv").write_text(deals, encoding="utf-8")


def edited(old: str, new: str) -> str:
    assert old in PLAN
    return PLAN.replace(old, new)


# name → (files, command, the code, line and column every language shows). Lines of PLAN: the payout
# line is 24, a line added at the end 25; columns count characters: `payout "销售额提成" = ` is 17 of them.
CASES = {
    "fullwidth_comma": (dict(plan=edited("[0, 50万)", "[0， 50万)")), "check", ("E001", 19, 5)),
    "fullwidth_parentheses": (dict(plan=edited("提成比例(sales)", "提成比例（sales）")), "check", ("E001", 24, 22)),
    "fullwidth_colon": (dict(plan=edited("  target: money", "  target： money")), "check", ("E001", 10, 9)),
    "ideographic_space": (dict(plan=edited("let sales =", "let sales\u3000=")), "check", ("E001", 23, 10)),
    "unknown_name": (dict(plan=edited("提成比例(sales)", "提成比例(salse)")), "check", ("E102", 24, 23)),
    "money_plus_percent": (dict(plan=PLAN + 'payout "加成" = sales + 5%\n'), "check", ("E103", 25, 15)),
    "missing_tier_mode": (dict(plan=edited("tiers 提成比例 marginal {", "tiers 提成比例 {")), "check", ("E103", 24, 18)),
    "tier_mode_word": (dict(plan=edited("tiers 提成比例 marginal {", "tiers 提成比例 超额累进 {")), "check", ("E001", 18, 12)),
    "unclosed_brace": (dict(plan=PLAN + "tiers 额外 marginal {\n  [0, ..) -> 1%\n"), "check", ("E001", 25, 19)),  # the `{` of `tiers 额外 marginal {` (line 25, character 19) is never closed
    "bad_data_cell": (dict(deals="rep,amount\n甲,六十万\n"), "run", ("D003", 2, 2)),
    "unknown_payee": (dict(deals="rep,amount\n甲,60万\n乙,10万\n"), "run", ("D004", 3, 1)),
    "missing_data_file": (dict(reps=None), "run", ("D001", None, None)),
    "tier_overlap": (dict(plan=edited("[0, 50万)", "[0, 50万]")), "check", ("E109", 20, 3)),
    "unguarded_division": (dict(plan=PLAN + 'payout "达成奖" = if sales / reps.target >= 100% then 1000元 else 0元\n'), "lint", ("L013", 25, 27)),
}


def run_case(name: str, lang: str, folder: Path) -> str:
    files, command, _ = CASES[name]
    write(folder, **files)
    args = {"check": ["check", "plan.plan"], "run": ["run", "plan.plan"], "lint": ["lint", "plan.plan", "--format", "text", "--fail-on", "warning"]}[command]
    result = cli([*args, "--lang", lang], folder)
    assert result.returncode == 1, result.stderr  # a finding, never a usage error (2) or a traceback
    assert "Traceback" not in result.stderr
    return result.stdout if command == "lint" else result.stderr


def compare(path: Path, text: str) -> None:
    if os.environ.get("PLAN_UPDATE_GOLDEN"):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"no golden {path}: run with PLAN_UPDATE_GOLDEN=1"
    assert text == path.read_text(encoding="utf-8")


def first_location(text: str) -> tuple[str, int | None, int | None]:
    """The code, line and column of the first diagnostic printed (line and column None without a span)."""
    head = text.splitlines()[0]
    code = re.search(r"\[([EDRTL]\d{3}) [a-z-]+\]$", head).group(1)
    where = re.match(r"^[^:]+:(\d+):(\d+): ", head)
    return (code, int(where.group(1)), int(where.group(2))) if where else (code, None, None)


@pytest.mark.parametrize("name", sorted(CASES))
def test_each_mistake_reads_in_both_languages_at_the_same_place(name, tmp_path):
    en = run_case(name, "en", tmp_path / "en")
    zh = run_case(name, "zh", tmp_path / "zh")
    compare(GOLDEN / f"{name}.en.txt", en)
    compare(GOLDEN / f"{name}.zh.txt", zh)
    expected = CASES[name][2]
    assert first_location(en) == expected
    assert first_location(zh) == expected
    # the frame: every line that is a location, a source line or a caret is the same in both
    frame = lambda text: [l for l in text.splitlines() if re.match(r"^ *\d* *\|", l)]
    assert frame(en) == frame(zh)
    severity = "warning" if CASES[name][2][0].startswith("L") else "error"
    assert re.match(rf"^(\S+: )?{severity}: ", en) and re.match(rf"^(\S+: )?{i18n.word(severity, 'zh')}: ", zh)
    assert "error:" not in zh and "warning:" not in zh and "hint:" not in zh
    # the Chinese text is Chinese: no English message or hint is left behind
    for line in zh.splitlines():
        if line.startswith(("  = 建议:", "  = 提示:")) or ": 错误: " in line or ": 警告: " in line:
            assert re.search(r"[\u4e00-\u9fff]", line), line


def test_the_hints_read_naturally_in_chinese(tmp_path):
    zh = run_case("unknown_name", "zh", tmp_path / "a")
    assert "= 建议: 你是否想写 'sales'？" in zh
    comma = run_case("fullwidth_comma", "zh", tmp_path / "b")
    assert "这是全角逗号：请写成 ','" in comma and "半角标点" in comma
    word = run_case("tier_mode_word", "zh", tmp_path / "c")
    assert "'超额累进' 在这里写作 'marginal'" in word
    unstated = run_case("missing_tier_mode", "zh", tmp_path / "d")
    assert "超额累进" in unstated and "全额累进" in unstated


def test_the_option_beats_the_configuration_which_beats_the_locale(tmp_path):
    write(tmp_path, plan=edited("提成比例(sales)", "提成比例(salse)"))
    english, chinese = "unknown name 'salse'", "未知的名称 'salse'"
    # the locale alone decides
    assert chinese in cli(["check", "plan.plan"], tmp_path, lang_env="zh_CN.UTF-8").stderr
    assert english in cli(["check", "plan.plan"], tmp_path, lang_env="en_US.UTF-8").stderr
    # a configured language beats the locale
    (tmp_path / "plan.toml").write_text('lang = "zh"\n', encoding="utf-8")
    assert chinese in cli(["check", "plan.plan"], tmp_path, lang_env="en_US.UTF-8").stderr
    (tmp_path / "plan.toml").write_text('lang = "en"\n', encoding="utf-8")
    assert english in cli(["check", "plan.plan"], tmp_path, lang_env="zh_CN.UTF-8").stderr
    # and the option beats both
    assert chinese in cli(["check", "plan.plan", "--lang", "zh"], tmp_path, lang_env="en_US.UTF-8").stderr
    (tmp_path / "plan.toml").write_text('lang = "zh"\n', encoding="utf-8")
    assert english in cli(["check", "plan.plan", "--lang", "en"], tmp_path, lang_env="zh_CN.UTF-8").stderr
    # the [tool.plan] table of a pyproject.toml is read the same way
    (tmp_path / "plan.toml").unlink()
    (tmp_path / "pyproject.toml").write_text('[tool.plan]\nlang = "zh"\n', encoding="utf-8")
    assert chinese in cli(["check", "plan.plan"], tmp_path, lang_env="C.UTF-8").stderr
    # with nothing set, English
    (tmp_path / "pyproject.toml").unlink()
    assert english in cli(["check", "plan.plan"], tmp_path, lang_env="C.UTF-8").stderr


def test_lint_text_follows_the_configured_language(tmp_path):
    write(tmp_path, plan=CASES["unguarded_division"][0]["plan"])
    (tmp_path / "plan.toml").write_text('lang = "zh"\n', encoding="utf-8")
    result = cli(["lint", "plan.plan"], tmp_path)
    assert "警告: 'reps.target' 来自数据，可能为 0" in result.stdout
    assert "warning: 'reps.target' comes from the data" in cli(["lint", "plan.plan", "--lang", "en"], tmp_path).stdout
    # --config names the file the language is read from, as it does for the rules
    (tmp_path / "other.toml").write_text('lang = "en"\n', encoding="utf-8")
    assert "warning: 'reps.target'" in cli(["lint", "plan.plan", "--config", "other.toml"], tmp_path).stdout


def test_a_bad_configured_language_is_a_usage_error(tmp_path):
    write(tmp_path)
    (tmp_path / "plan.toml").write_text('lang = "fr"\n', encoding="utf-8")
    result = cli(["check", "plan.plan"], tmp_path)
    assert result.returncode == 2
    assert "'lang' must be one of zh, en, not 'fr'" in result.stderr and "plan.toml" in result.stderr


def test_every_command_that_prints_diagnostics_takes_lang(tmp_path):
    write(tmp_path, plan=edited("提成比例(sales)", "提成比例(salse)"))
    for args in (["test", "plan.plan"], ["explain", "plan.plan", "--payee", "甲"],
                 ["statement", "plan.plan", "--payee", "甲", "--format", "md"], ["diff", "plan.plan", "plan.plan"],
                 ["run", "plan.plan"], ["lint", "plan.plan"]):
        result = cli([*args, "--lang", "zh"], tmp_path)
        assert result.returncode == 1, (args, result.stderr)
        assert "未知的名称 'salse'" in result.stderr + result.stdout, args
    broken = edited('payout "销售额提成"', 'payout "销售额提成"，')
    (tmp_path / "plan.plan").write_text(broken, encoding="utf-8")
    result = cli(["fmt", "--check", "plan.plan", "--lang", "zh"], tmp_path)
    assert result.returncode == 1 and "全角逗号" in result.stderr


def test_machine_formats_keep_the_english_message(tmp_path):
    write(tmp_path, plan=edited("提成比例(sales)", "提成比例(salse)"))
    for output in ("json", "sarif", "github"):
        result = cli(["lint", "plan.plan", "--format", output, "--lang", "zh"], tmp_path)
        assert "unknown name 'salse'" in result.stdout and "未知的名称" not in result.stdout, output


def test_render_translates_the_frame_words_and_keeps_code_and_place():
    from dsl.core.source import SourceFile

    source = SourceFile("p.plan", "payout \"a\" = salse\n")
    diag = diagnostics.diagnostic(diagnostics.UNKNOWN_NAME, "unknown name 'salse'", source.span(13, 18),
                                  hint="did you mean 'sales'?", notes=(("first defined here", None),))
    assert diagnostics.render(diag, {"p.plan": source}, "zh").splitlines() == [
        "p.plan:1:14: 错误: 未知的名称 'salse' [E102 unknown-name]",
        ' 1 | payout "a" = salse',
        "   |              ^~~~~",
        "  = 提示: 第一次定义在这里",
        "  = 建议: 你是否想写 'sales'？",
    ]
    assert diagnostics.render(diag, {"p.plan": source}).splitlines()[0] == "p.plan:1:14: error: unknown name 'salse' [E102 unknown-name]"
    # a name from the plan is never translated, even when it is a word the table knows ("table" → 表)
    assert i18n.translate("unknown name 'table'", "zh") == "未知的名称 'table'"
    assert i18n.translate("'deals' is a table: give its rows as a list, [{...}, {...}]", "zh").startswith("'deals' 是表")
    # a message nobody translated is shown as it is, never dropped
    odd = diagnostics.diagnostic(diagnostics.EVAL_ERROR, "something new went wrong")
    assert diagnostics.render(odd, lang="zh") == "错误: something new went wrong [R001 evaluation-error]"


# ---- coverage of the translation table


def _holes(node) -> str | None:
    """An f-string or string literal → a sample message with every hole filled by a placeholder word."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        parts = node.values
        return "".join(_part(part, parts[i - 1] if i else None, parts[i + 1] if i + 1 < len(parts) else None)
                       for i, part in enumerate(parts))
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = _holes(node.left), _holes(node.right)
        return None if left is None or right is None else left + right
    return None


# Holes that add an optional clause (" in 2026-07", "; its periods after … are not computed"),
# written straight after a word or quote, are empty in the plainest form of the message.
OPTIONAL = {"where", "later", "extra", "forfeit"}


def _part(part, before, after) -> str:
    if isinstance(part, ast.Constant):
        return part.value
    if (isinstance(part.value, ast.Name) and part.value.id in OPTIONAL and isinstance(before, ast.Constant)
            and not before.value[-1:].isspace() and not (isinstance(after, ast.Constant) and after.value[:1] in "'\"")):
        return ""
    if isinstance(part.value, ast.IfExp):  # {'has' if everywhere else f'row {n} has'}: the first branch
        return _holes(part.value.body) or "v"
    return "v"


# Exceptions whose text becomes part of a diagnostic: the reason a value cannot be computed (R001),
# a literal, a data cell or file, a period cannot be read (E002, D003, D006, R003); and ValueError in the
# data readers.
REASONS = {"EvalError", "AmountError", "NumericError", "_LiteralError", "_Unreadable", "PeriodError"}


def raised_messages() -> list[tuple[str, str, str]]:
    """(code, where, sample message) of every literal message, hint and note the code base reports with
    a code, of every lint finding and of every reason it raises for one: read from the source, so a
    new message shows up here by itself."""
    constants = {name: value.code for name, value in vars(diagnostics).items() if isinstance(value, diagnostics.Code)}
    rule_codes = {}
    found = []
    for path in sorted((ROOT / "dsl").rglob("*.py")):
        if path.name in ("diagnostics.py", "i18n.py", "i18n_zh.py"):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef):
                for decorator in node.decorator_list:
                    if isinstance(decorator, ast.Call) and decorator.args and isinstance(decorator.args[0], ast.Constant):
                        for inner in ast.walk(node):
                            rule_codes[id(inner)] = decorator.args[0].value
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            raised = getattr(node.func, "id", None)
            if raised in REASONS or (raised == "ValueError" and path.name == "readers.py"):
                sample = _holes(node.args[0])  # a reason that becomes the {why} of a diagnostic
                if sample:
                    found.append((raised, f"{path.relative_to(ROOT)}:{node.lineno}", sample))
                continue
            first = node.args[0]
            code = constants.get(getattr(first, "id", getattr(first, "attr", None)))
            texts = []
            if code is not None and len(node.args) > 1:
                texts.append(node.args[1])
            elif getattr(node.func, "id", None) == "Finding":
                code = rule_codes.get(id(node), "L")
                texts.append(first)
            else:
                continue
            texts += [k.value for k in node.keywords if k.arg == "hint"]
            for notes in (k.value for k in node.keywords if k.arg == "notes"):
                if isinstance(notes, ast.Tuple):  # ((message, span), …) written out
                    texts += [note.elts[0] for note in notes.elts if isinstance(note, ast.Tuple) and note.elts]
            for text in texts:
                sample = _holes(text)
                if sample:
                    found.append((code, f"{path.relative_to(ROOT)}:{node.lineno}", sample))
    return found


def test_every_message_raised_with_a_code_has_a_chinese_template():
    messages = raised_messages()
    assert len(messages) > 250  # the checker, readers, evaluator and lint rules report this many literal messages
    untranslated = [(code, where, sample) for code, where, sample in messages if i18n.match(sample, code) is None]
    assert untranslated == [], "\n".join(f"{code} {where}: {sample}" for code, where, sample in untranslated)


def test_every_code_has_a_translated_template():
    # L019 reports the T001 failures of the plan's own tests, with their messages
    covered = {code for code, _, _ in TEMPLATES} | {"L019"}
    every = set(diagnostics.REGISTRY) | {rule.code for rule in CATALOGUE}
    assert every - covered == set()
    assert covered - every == {""}  # no template under a code that does not exist


def test_every_template_fills_the_holes_it_names():
    for code, english, chinese in TEMPLATES:
        holes = set(re.findall(r"\{([a-z_][a-z0-9_]*)\}", english))
        assert set(re.findall(r"\{([a-z_][a-z0-9_]*)\}", chinese)) <= holes, (code, english)
        assert re.search(r"[\u4e00-\u9fff]", chinese), (code, english)
