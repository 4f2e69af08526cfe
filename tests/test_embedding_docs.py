"""The embedding page, docs/embedding.md: its Python examples run, and show what `dsl.run` returns today.

The page's ```pycon blocks run in order as doctests sharing one namespace, from the repository's root
(the examples name plans/s1_big_account/plan.plan); every line of expected output must match, and a
failure names the page's line.
"""
from __future__ import annotations

import doctest
import re

from conftest import ROOT

PAGE = ROOT / "docs" / "embedding.md"


def blocks() -> list[tuple[int, str]]:
    """(line of the page where the block's code starts, counted from 0, the block's text) per ```pycon block."""
    text = PAGE.read_text(encoding="utf-8")
    return [(text.count("\n", 0, m.start(1)), m.group(1)) for m in re.finditer(r"```pycon\n(.*?)```", text, re.DOTALL)]


def test_the_embedding_page_examples_run(monkeypatch):
    monkeypatch.chdir(ROOT)
    parser, runner, namespace = doctest.DocTestParser(), doctest.DocTestRunner(optionflags=doctest.ELLIPSIS), {}
    for line, block in blocks():
        test = parser.get_doctest(block, namespace, "docs/embedding.md", str(PAGE), line)
        runner.run(test, clear_globs=False)
        namespace = test.globs  # a doctest runs in a copy: the next block sees what this one defined
    assert runner.failures == 0
    assert runner.tries >= 30  # every example of the page, not a block lost to a fence written differently


def test_the_page_shows_the_hand_totals():
    # 甲: 50万×2% + 50万×3% + 100万×4% + 0.5% × 120万 = 71,000; 乙: 10,000 + 15,000 + 20万×4% = 33,000
    assert "\n".join(block for _, block in blocks()).count("{'甲': Decimal('71000.00'), '乙': Decimal('33000.00')}") == 4
