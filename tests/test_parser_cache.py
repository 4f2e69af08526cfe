"""The saved LALR parser: built once per grammar, found again by a digest of it,
never used for another grammar, and never needed: a cache directory that cannot
be written or holds a damaged file only costs the build."""
from __future__ import annotations

import lark
import pytest

from conftest import ROOT, run_plan_cli
from dsl.syntax.lalr import GRAMMAR, build_parser, cache_path

SMALL = 'start: WORD+\nWORD: /[a-z]+/\n%ignore " "\n'
OTHER = 'start: NUMBER+\nNUMBER: /[0-9]+/\n%ignore " "\n'


def test_the_first_build_saves_the_parser_and_the_next_loads_it(tmp_path):
    first = build_parser(SMALL, tmp_path)
    saved = cache_path(SMALL, tmp_path)
    assert [p.name for p in tmp_path.iterdir()] == [saved.name]  # one file, no temporary left behind
    stamp = saved.stat().st_mtime_ns
    second = build_parser(SMALL, tmp_path)
    assert saved.stat().st_mtime_ns == stamp  # read, not written again
    assert second.parse("ab cd") == first.parse("ab cd")


def test_a_changed_grammar_never_reads_the_parser_saved_for_the_old_one(tmp_path):
    build_parser(SMALL, tmp_path)
    assert cache_path(OTHER, tmp_path) != cache_path(SMALL, tmp_path)
    other = build_parser(OTHER, tmp_path)
    assert len(other.parse("12 34").children) == 2
    with pytest.raises(lark.exceptions.UnexpectedInput):
        other.parse("ab")  # the old grammar's language is not accepted


def test_a_damaged_file_is_rebuilt_and_replaced(tmp_path):
    saved = cache_path(SMALL, tmp_path)
    saved.write_bytes(b"not a saved parser")
    parser = build_parser(SMALL, tmp_path)
    assert len(parser.parse("a b c").children) == 3
    assert saved.read_bytes() != b"not a saved parser"
    assert len(build_parser(SMALL, tmp_path).parse("a b").children) == 2


def test_a_directory_that_cannot_be_written_only_costs_the_build(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("x", encoding="utf-8")
    unwritable = blocker / "cache"  # below a file: cannot be created, even by root
    parser = build_parser(SMALL, unwritable)
    assert len(parser.parse("a b").children) == 2
    assert not unwritable.exists()


def test_plan_check_on_a_fresh_machine_then_from_the_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    plan = ROOT / "plans" / "s1_big_account" / "plan.plan"
    for _ in range(2):  # the first run builds and saves, the second loads
        result = run_plan_cli("check", str(plan))
        assert result.returncode == 0, result.stderr
        assert result.stderr.strip() == "checked 1 plan(s): 0 with errors"
    grammar = GRAMMAR.read_text(encoding="utf-8")
    assert cache_path(grammar, tmp_path / "plan-dsl").exists()


def test_plan_check_without_a_usable_cache_directory(tmp_path, monkeypatch):
    blocker = tmp_path / "a-file"
    blocker.write_text("x", encoding="utf-8")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    result = run_plan_cli("check", str(ROOT / "plans" / "s1_big_account" / "plan.plan"))
    assert result.returncode == 0, result.stderr
    assert result.stderr.strip() == "checked 1 plan(s): 0 with errors"  # and no warning about the cache
