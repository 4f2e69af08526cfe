"""The cookbook: one page per bundled plan folder, built from the tool's real output.

For every `.plan` file of a folder under plans/ the page shows the plan, the
output of `plan run FILE` and of `plan explain FILE --payee P`, for the payee
the folder's README explains (`--payee P` in it), else the first payee of the
run. The commands are run through the `plan` command itself (dsl/cli), in this
process: the same code as on a terminal, without starting a process per page.

>>> from pathlib import Path
>>> page = cookbook_page(Path("plans/s1_big_account"))
>>> "$ plan explain plans/s1_big_account/plan.plan --payee 甲" in page
True
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Optional

import attrs
from click.testing import CliRunner

from dsl.cli.main import main

_PAYEE = re.compile(r"--payee\s+(\S+)")
_TITLE = re.compile(r"^#\s+(.+)$", re.MULTILINE)


@attrs.frozen
class Invocation:
    """One run of the `plan` command: its arguments, exit code, standard output and standard error."""

    args: tuple[str, ...]
    exit_code: int
    output: str
    errors: str

    @property
    def command(self) -> str:
        return "plan " + " ".join(self.args)


def invoke(*args: str) -> Invocation:
    """Run `plan ARGS` in this process, through the command's own entry point (its exit
    codes and error messages included), with its standard output and error captured.

    >>> invoke("check", "plans/s1_big_account/plan.plan").exit_code
    0
    >>> failed = invoke("explain", "plans/s1_big_account/plan.plan", "--payee", "丙")
    >>> failed.exit_code, failed.errors
    (2, "plan: error: payee '丙' does not appear in the data\\n")
    """
    runner = CliRunner()
    with runner.isolation() as (out, err, *_):
        try:
            main(list(args))
            code = 0
        except SystemExit as exit:
            code = exit.code if isinstance(exit.code, int) else (0 if exit.code is None else 1)
        return Invocation(tuple(args), code, out.getvalue().decode("utf-8"), err.getvalue().decode("utf-8"))


def folders(root: Path) -> list[Path]:
    """The bundled plan folders under `root` (each holds at least one .plan file), in the
    order of their numbers: s2 before s10.

    >>> [f.name for f in folders(Path("plans"))][:3]
    ['s1_big_account', 's2_service_center', 's3_sales_commission']
    """
    found = [p for p in root.iterdir() if p.is_dir() and any(p.glob("*.plan"))]
    return sorted(found, key=lambda p: [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", p.name)])


def title(folder: Path) -> str:
    """The folder README's first heading, else the folder's name.

    >>> title(Path("plans/s1_big_account"))
    'S1 大客户销售提成方案'
    """
    readme = folder / "README.md"
    if readme.is_file():
        match = _TITLE.search(readme.read_text(encoding="utf-8"))
        if match:
            return match.group(1).strip()
    return folder.name


def chosen_payee(folder: Path, plan_file: Path, run_output: str) -> Optional[str]:
    """The payee the page explains: the one the README explains for this plan, else the run's first.

    >>> chosen_payee(Path("plans/s1_big_account"), Path("plans/s1_big_account/plan.plan"), "payee,period\\n乙,2026-Q1\\n")
    '甲'
    """
    readme = folder / "README.md"
    if readme.is_file():
        for line in readme.read_text(encoding="utf-8").splitlines():
            match = _PAYEE.search(line)
            if match and plan_file.name in line:
                return match.group(1).strip("'\"`")
    rows = run_output.splitlines()[1:]
    return rows[0].split(",", 1)[0] if rows else None


def _block(language: str, text: str) -> str:
    fence = "````" if "```" in text else "```"
    return f"{fence}{language}\n{text.rstrip()}\n{fence}\n"


def _shown(invocation: Invocation) -> str:
    if invocation.exit_code != 0:
        raise RuntimeError(f"`{invocation.command}` exited {invocation.exit_code}: {invocation.errors.strip()}")
    # what the command printed on standard error (summaries such as "2 passed, 0 failed") follows its output
    return f"$ {invocation.command}\n{invocation.output}{invocation.errors}"


_DIRECTIVE = re.compile(r"^<!--\s*plan-(?P<what>output|file):\s*(?P<args>.+?)\s*-->\s*$", re.MULTILINE)


def expand_directives(markdown: str) -> str:
    """Replace each `<!-- plan-output: ARGS -->` line with a block showing `plan ARGS` and
    what it printed, and each `<!-- plan-file: PATH -->` with the file as a ```plan block,
    so a page shows the tool's real output on a real file (a command that fails stops the build).

    >>> print(expand_directives("<!-- plan-output: check plans/s1_big_account/plan.plan -->"))
    ```text
    $ plan check plans/s1_big_account/plan.plan
    checked 1 plan(s): 0 with errors
    ```
    <BLANKLINE>
    """
    import shlex

    def expand(match: re.Match) -> str:
        if match.group("what") == "file":
            return _block("plan", Path(match.group("args")).read_text(encoding="utf-8"))
        return _block("text", _shown(invoke(*shlex.split(match.group("args")))))

    return _DIRECTIVE.sub(expand, markdown)


# The fixed words of the pages, per language of the site (the explanation's own words
# follow `plan explain --lang`).
WORDS = {
    "en": {
        "run": "Every payee's lines, one CSV row per payee × period × line ({rows} rows):",
        "explain": "`plan explain` for {payee}",
        "explain_text": "The last period of the run, line by line:",
        "folder": "The plan folder `{folder}/`, with its data in `data/`. Everything below was produced by the `plan` command when this site was built.",
        "readme": "The folder's README",
        "index_title": "Cookbook",
        "index_text": "One page per bundled plan under `plans/`: the plan as written, the output of `plan run` on the folder's sample data, and `plan explain` for one payee. The pages are generated by running the tool while the site is built (dsl/docs_build/cookbook.py), so they always show what the tool does now.",
        "columns": "| plan | page |",
    },
    "zh": {
        "run": "每个收款人的各行，每行 CSV 一个收款人 × 期间 × 明细（共 {rows} 行）：",
        "explain": "{payee} 的 `plan explain`",
        "explain_text": "运行的最后一个期间，逐行说明：",
        "folder": "方案目录 `{folder}/`，数据在 `data/`。以下内容均由构建本站时运行 `plan` 命令生成。",
        "readme": "目录中的 README",
        "index_title": "方案示例",
        "index_text": "`plans/` 下每个内置方案一页：方案原文、在示例数据上 `plan run` 的输出，以及一个收款人的 `plan explain`。这些页面在构建本站时运行工具生成（dsl/docs_build/cookbook.py），因此总是工具当前的真实输出。",
        "columns": "| 方案 | 页面 |",
    },
}


def _words(language: str) -> dict:
    return WORDS.get(language, WORDS["en"])


def plan_section(folder: Path, plan_file: Path, display: str, language: str = "en") -> str:
    """The part of a page for one plan file: its text, its run, one payee's explanation."""
    words = _words(language)
    run = invoke("run", display)
    payee = chosen_payee(folder, plan_file, run.output)
    parts = [f"## `{plan_file.name}`\n", _block("plan", plan_file.read_text(encoding="utf-8"))]
    rows = max(len(run.output.splitlines()) - 1, 0)
    parts.append("\n### `plan run`\n\n" + words["run"].format(rows=rows) + "\n")
    parts.append(_block("text", _shown(run)))
    if payee is not None:
        explanation = invoke("explain", display, "--payee", payee, "--lang", "zh" if language == "zh" else "en")
        parts.append("\n### " + words["explain"].format(payee=payee) + "\n\n" + words["explain_text"] + "\n")
        parts.append(_block("text", _shown(explanation)))
    return "\n".join(parts)


def cookbook_page(folder: Path, root: Optional[Path] = None, language: str = "en") -> str:
    """The Markdown of one folder's cookbook page, in `language` (en or zh). Paths in commands
    are shown relative to `root` (the repository, default the current directory) as a user types them."""
    words = _words(language)
    root = root or Path.cwd()
    try:
        shown = folder.resolve().relative_to(root.resolve())
    except ValueError:
        shown = folder
    plan_files = sorted(folder.glob("*.plan"), key=lambda p: (p.name != "plan.plan", p.name))
    head = [f"# {title(folder)}\n", words["folder"].format(folder=shown.as_posix()) + "\n"]
    readme = folder / "README.md"
    if readme.is_file():
        body = _TITLE.sub("", readme.read_text(encoding="utf-8"), count=1).strip()
        head.append(f'??? note "{words["readme"]}"\n\n' + "\n".join(("    " + line) if line else "" for line in body.splitlines()) + "\n")
    sections = [plan_section(folder, p, (shown / p.name).as_posix(), language) for p in plan_files]
    return "\n".join(head) + "\n" + "\n".join(sections)


def index_page(pages: list[tuple[str, str]], language: str = "en") -> str:
    """The cookbook's index: (title, file name) of every page."""
    words = _words(language)
    lines = [f"# {words['index_title']}\n", words["index_text"] + "\n", words["columns"], "|---|---|"]
    lines += [f"| {t} | [{name.removesuffix('.md')}]({name}) |" for t, name in pages]
    return "\n".join(lines) + "\n"
