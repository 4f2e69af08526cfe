"""The `plan diff` command: what a plan change, or a what-if value, does to every payee's pay.

    plan diff OLD.plan NEW.plan [--data D] [--set input.field=value]...
    plan diff FILE --rev REV [--rev REV2]       (a plan against an earlier version of itself in git)

Both plans run on the same data (default: the data/ folder beside NEW, or beside
FILE), over the same periods; `--set` applies to the new side only, so
`plan diff P P --set reps.quota=120万` is a pure what-if. The comparison is
dsl/run/diff.py, its renderings dsl/render/diff.py; this module only finds the two
plans and prints. A plan that does not check, or data that cannot be read, is
reported with its diagnostics (exit 1); a bad option or revision exits 2; any
computed diff exits 0, whatever it shows.
"""
from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Callable

import click

import dsl
from dsl.cli.common import ENCODING, EXIT_FINDINGS, LANG, UsageError, diagnostics_lang, emit, existing_plan, run_or_report


def _reported(compilation: dsl.Compilation, lang: str) -> dsl.Compilation:
    emit(list(compilation.diagnostics), {compilation.source.name: compilation.source}, lang=lang)
    return compilation


def revision_text(path: Path, revision: str) -> str:
    """The text of `path` at a git `revision`, read with `git show` in the file's own repository."""
    try:
        shown = subprocess.run(["git", "show", f"{revision}:./{path.name}"], cwd=path.parent if str(path.parent) else ".",
                               capture_output=True, timeout=60)
    except FileNotFoundError:
        raise UsageError("--rev needs git, and no git command was found") from None
    except OSError as exc:  # the folder does not exist
        raise UsageError(f"--rev {revision}: cannot run git for {path}: {exc.strerror}") from None
    if shown.returncode != 0:
        reason = shown.stderr.decode("utf-8", "replace").strip().splitlines()
        raise UsageError(f"--rev {revision}: git cannot show {path} at {revision}" + (f": {reason[0]}" if reason else ""))
    try:
        return shown.stdout.decode("utf-8")
    except UnicodeDecodeError:
        raise UsageError(f"--rev {revision}: {path} at {revision} is not UTF-8 text") from None


def _compilations(plans: tuple[str, ...], revisions: tuple[str, ...], lang: str) -> tuple[dsl.Compilation, dsl.Compilation, Path]:
    """The old and new plans, checked and their diagnostics printed, and the path whose data/ folder is the default."""
    if revisions:
        if len(plans) != 1 or len(revisions) > 2:
            raise UsageError("with --rev give one plan file and one or two revisions: plan diff FILE --rev OLD [--rev NEW]")
        path = Path(plans[0])
        old = _reported(dsl.load(revision_text(path, revisions[0]), f"{revisions[0]}:{path}"), lang)
        if len(revisions) == 2:
            new = _reported(dsl.load(revision_text(path, revisions[1]), f"{revisions[1]}:{path}"), lang)
        else:
            new = _reported(dsl.load(existing_plan(path)), lang)
        return old, new, path
    if len(plans) != 2:
        raise UsageError("give the old and the new plan (plan diff OLD.plan NEW.plan), or one plan and --rev REV")
    return _reported(dsl.load(existing_plan(plans[0])), lang), _reported(dsl.load(existing_plan(plans[1])), lang), Path(plans[1])


def command(choose_periods: Callable) -> click.Command:
    """The `diff` command, computing each side with the CLI's own `run_or_report` (as `plan run` does)."""

    @click.command("diff")
    @click.argument("plans", nargs=-1, required=True, metavar="OLD.plan [NEW.plan]")
    @click.option("--rev", "revisions", multiple=True, metavar="REV",
                  help="Compare with the plan file at this git revision (old = REV, new = the file); twice: --rev OLD --rev NEW.")
    @click.option("--data", "data", help="The data both plans run on (default: data/ beside the new plan).")
    @click.option("--period", "period", help="Run one period: 2026-07, 2026-Q3, 2026 (default: the periods the data cover).")
    @click.option("--periods", "periods", help="Run a sequence of periods in order: 2026-01..2026-12.")
    @click.option("--format", "fmt", type=click.Choice(dsl.api.DIFF_FORMATS), default="text", show_default=True)
    @click.option("--out", type=click.Path(dir_okay=False), help="Write here instead of standard output (required for xlsx).")
    @LANG
    @click.option("--set", "overrides", multiple=True, metavar="INPUT.FIELD=VALUE|LET=VALUE",
                  help="What if, on the new side only: this field of this input holds VALUE in every row (as in a data cell), "
                       "or this let of the plan is VALUE (as in the plan). Repeatable.")
    @ENCODING
    def diff(plans, revisions, data, period, periods, fmt, out, lang, overrides, encoding):
        """Compare two plans (or a plan and a what-if) on the same data: per payee, line and in total."""
        if fmt == "xlsx" and not out:
            raise UsageError("--format xlsx writes a workbook: give it a file with --out diff.xlsx")
        chosen = choose_periods(period, periods)
        shown = diagnostics_lang(lang, plans[-1])
        lang = lang or "zh"  # the words of the diff itself are Chinese unless --lang says otherwise
        old, new, beside = _compilations(plans, revisions, shown)
        if old.plan is None or new.plan is None:
            raise SystemExit(EXIT_FINDINGS)
        if old.plan.currency != new.plan.currency:
            raise UsageError(f"the plans pay in different currencies ({old.plan.currency}, {new.plan.currency}): their totals cannot be compared")
        _, old_result, _ = run_or_report(beside, data, trace=False, periods=chosen, compilation=old, encoding=encoding, lang=shown)
        _, new_result, _ = run_or_report(beside, data, trace=False, periods=chosen, compilation=new, overrides=overrides, encoding=encoding, lang=shown)
        compared = dsl.api.diff(old_result, new_result)
        if out:
            dsl.api.write_diff(compared, out, fmt, lang)
            click.echo(f"wrote the diff of {len(compared.payees)} payee result(s) to {out}", err=True)
        else:
            click.echo(dsl.api.render_diff(compared, fmt, lang), nl=False)

    return diff
