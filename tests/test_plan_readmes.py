"""The transcripts in the bundled plans' READMEs are what the tool prints today.

A README shows commands and their output, indented four spaces or fenced:

    $ plan explain plans/s4_classic_schemes/plan.plan --payee 张伟 --period 2024-02 …
    区域总销售额提成 · payee 张伟 · period 2024-02
    …

Each `$ plan …` line is run in a shell from the repository root (so a pipe into
grep works as the reader would type it) and what it prints (standard output and error, as
a terminal shows them) must equal the lines under it; a transcript ending in a line `…` shows only the start of the
output. `PLAN_UPDATE_GOLDEN=1 python -m pytest tests/test_plan_readmes.py`
rewrites the outputs in place, to review with `git diff`.
"""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import attrs
import pytest

from conftest import ROOT

READMES = sorted((ROOT / "plans").glob("*/README.md"))
ELLIPSIS = "…"


@attrs.frozen
class Transcript:
    readme: Path
    line: int  # 1-based line of the `$ plan` command
    command: str
    output: tuple[str, ...]
    indent: str  # how the block's lines are indented in the README
    end: int  # 0-based index of the line after the block


def transcripts(readme: Path) -> list[Transcript]:
    lines = readme.read_text(encoding="utf-8").split("\n")
    found, at = [], 0
    while at < len(lines):
        text = lines[at]
        fenced = text.strip() == "```" and at + 1 < len(lines) and lines[at + 1].startswith("$ plan ")
        if fenced or text.startswith("    $ plan "):
            indent = "" if fenced else "    "
            start = at + 1 if fenced else at
            end = start + 1
            while end < len(lines):
                if fenced and lines[end].strip() == "```":
                    break
                if not fenced and not (lines[end].startswith(indent) or lines[end] == ""):
                    break
                end += 1
            body = lines[start + 1:end]
            if not fenced:
                while body and body[-1] == "":
                    body.pop()
            found.append(Transcript(readme, start + 1, lines[start][len(indent) + 2:],
                                    tuple(line[len(indent):] for line in body), indent, start + 1 + len(body)))
            at = end + 1
        else:
            at += 1
    return found


ALL = [t for readme in READMES for t in transcripts(readme)]


def test_the_readmes_have_transcripts():
    # S3, S4, S5 and S10 show runs and explanations (10 transcripts when this test was written)
    assert len(ALL) >= 10
    assert {t.readme.parent.name for t in ALL} >= {"s3_sales_commission", "s4_classic_schemes", "s5_key_account_dept", "s10_hotel_sales"}


def printed(command: str) -> list[str]:
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
               PYTHONIOENCODING="utf-8", NO_COLOR="1")
    done = subprocess.run(["bash", "-c", f"set -o pipefail; {command}"], cwd=ROOT, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True, encoding="utf-8", env=env, timeout=120)
    assert done.returncode in (0, 1), f"{command}: exit {done.returncode}\n{done.stdout}"
    return done.stdout.rstrip("\n").split("\n")


@pytest.mark.parametrize("transcript", ALL, ids=[f"{t.readme.parent.name}:{t.line}" for t in ALL])
def test_a_readme_transcript_is_todays_output(transcript):
    actual = printed(transcript.command)
    expected = list(transcript.output)
    if expected and expected[-1] == ELLIPSIS:
        actual, expected = actual[:len(expected) - 1], expected[:-1]
    if os.environ.get("PLAN_UPDATE_GOLDEN") and actual != expected:
        _rewrite(transcript, actual)
        return
    assert actual == expected, f"{transcript.readme.relative_to(ROOT)}:{transcript.line}: the output has changed (PLAN_UPDATE_GOLDEN=1 rewrites it)"


def _rewrite(transcript: Transcript, actual: list[str]) -> None:
    lines = transcript.readme.read_text(encoding="utf-8").split("\n")
    (at,) = [i for i, line in enumerate(lines) if line == transcript.indent + "$ " + transcript.command]
    end = at + 1 + len(transcript.output)
    shown = actual + ([ELLIPSIS] if transcript.output and transcript.output[-1] == ELLIPSIS else [])
    lines[at + 1:end] = [(transcript.indent + line) if line else "" for line in shown]
    transcript.readme.write_text("\n".join(lines), encoding="utf-8")
