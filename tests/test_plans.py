"""Every bundled plan is real: it checks, its own tests pass, it runs on its data,
and its explanation traces every line that depends on data back to input rows."""
from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pytest

from conftest import ROOT, run_plan_cli

PLANS = sorted(p for p in (ROOT / "plans").rglob("*.plan"))
WITH_DATA = [p for p in PLANS if (p.parent / "data").is_dir()]


def rel(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def test_every_plan_folder_names_its_seed():
    for path in PLANS:
        head = "\n".join(path.read_text(encoding="utf-8").splitlines()[:3])
        assert re.search(r"\bS\d+\b", head), f"{rel(path)} does not name its seed id in its header comment"


@pytest.mark.parametrize("path", PLANS, ids=rel)
def test_plan_checks_and_its_tests_pass(path):
    result = run_plan_cli("test", rel(path))
    assert result.returncode == 0, result.stdout + result.stderr
    passed = int(re.search(r"(\d+) passed, 0 failed", result.stdout).group(1))
    assert passed >= 3, f"{rel(path)} has {passed} tests; every plan carries at least 3"


@pytest.mark.parametrize("path", WITH_DATA, ids=rel)
def test_plan_runs_and_explains_to_input_rows(path):
    result = run_plan_cli("run", rel(path))
    assert result.returncode == 0, result.stdout + result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert rows, "plan run printed no lines"
    payee = rows[0]["payee"]
    explained = run_plan_cli("explain", rel(path), "--payee", payee, "--format", "json")
    assert explained.returncode == 0, explained.stderr
    data = json.loads(explained.stdout)

    def refs(node):
        found = [node["detail"]["ref"]] if "ref" in node.get("detail", {}) else []
        for child in node.get("children", []):
            found += refs(child)
        return found

    def reads_data(node):
        return node["kind"] in ("record", "param", "column", "computed", "aggregate", "row") or any(
            reads_data(c) for c in node.get("children", [])
        )

    for line in data["lines"]:
        trace = line["trace"]
        if reads_data(trace):
            cells = refs(trace)
            aggregates_over_rows = any(n for n in _walk(trace) if n["kind"] == "aggregate" and n["detail"]["matched"] > 0)
            plain_reads = any(n for n in _walk(trace) if n["kind"] in ("record", "param", "column", "computed"))
            if aggregates_over_rows or plain_reads:
                assert cells, f"{line['label']} reads data but its trace names no input row"
                for cell in cells:
                    assert cell["file"] and cell["row"] >= 1


def _walk(node):
    yield node
    for child in node.get("children", []):
        yield from _walk(child)
