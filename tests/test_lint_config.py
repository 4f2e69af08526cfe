"""Lint configuration: [tool.plan] in pyproject.toml or a plan.toml, nearest wins."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from dsl.lint.config import Config, ConfigError, find_config, read_config
from dsl.lint import lint_path

ROOT = Path(__file__).resolve().parent.parent
GAP = ROOT / "tests" / "lint_cases" / "L001_tier_gap_bad.plan"  # one finding: L001 tier-gap at 18:3


def codes(path, config=None):
    return [(d.code, d.severity) for d in lint_path(path, config)]


@pytest.fixture
def project(tmp_path):
    plans = tmp_path / "plans" / "team"
    plans.mkdir(parents=True)
    shutil.copy(GAP, plans / "gap.plan")
    return tmp_path


def test_no_configuration_means_every_rule_at_its_severity(project):
    assert codes(project / "plans" / "team" / "gap.plan") == [("L001", "warning")]


def test_pyproject_tool_plan_disable_by_name(project):
    (project / "pyproject.toml").write_text('[tool.plan]\ndisable = ["tier-gap"]\n', encoding="utf-8")
    assert codes(project / "plans" / "team" / "gap.plan") == []


def test_nearest_file_wins_and_plan_toml_uses_top_level_keys(project):
    (project / "pyproject.toml").write_text('[tool.plan]\ndisable = ["tier-gap"]\n', encoding="utf-8")
    (project / "plans" / "plan.toml").write_text('[severity]\nL001 = "error"\n', encoding="utf-8")
    assert codes(project / "plans" / "team" / "gap.plan") == [("L001", "error")]


def test_pyproject_without_tool_plan_is_passed_over(project):
    (project / "pyproject.toml").write_text('[tool.plan]\nseverity = {tier-gap = "note"}\n', encoding="utf-8")
    (project / "plans" / "pyproject.toml").write_text('[project]\nname = "x"\n', encoding="utf-8")
    assert codes(project / "plans" / "team" / "gap.plan") == [("L001", "note")]


def test_disable_all_then_enable_one(project):
    (project / "plan.toml").write_text('disable = ["all"]\nenable = ["L001"]\n', encoding="utf-8")
    config = find_config(project / "plans" / "team" / "gap.plan")
    assert config.severity_of("L001", "warning") == "warning"
    assert config.severity_of("L017", "warning") is None
    assert config.severity_of("E109", "error") == "error"  # checker codes are never switched off


def test_severity_off_switches_a_rule_off(project):
    (project / "plan.toml").write_text('[severity]\ntier-gap = "off"\n', encoding="utf-8")
    assert codes(project / "plans" / "team" / "gap.plan") == []


def test_explicit_config_object_overrides_search(project):
    (project / "plan.toml").write_text('disable = ["all"]\n', encoding="utf-8")
    assert codes(project / "plans" / "team" / "gap.plan", Config()) == [("L001", "warning")]


@pytest.mark.parametrize(
    "text, message",
    [
        ("disable = [\"tier-gapp\"]\n", "unknown rule 'tier-gapp'; did you mean 'tier-gap'?"),
        ("disabled = [\"tier-gap\"]\n", "unknown setting 'disabled'; did you mean 'disable'?"),
        ("disable = \"tier-gap\"\n", "'disable' must be a list"),
        ("[severity]\ntier-gap = \"fatal\"\n", "severity of 'tier-gap' must be one of error, warning, note, off"),
        ("disable = [\"E109\"]\n", "E109, a checker diagnostic"),
        ("disable = [\n", "invalid TOML"),
    ],
)
def test_bad_configuration_names_the_file(project, text, message):
    path = project / "plan.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        read_config(path)
    assert str(path) in str(caught.value)
    assert message in str(caught.value)


def test_cli_exits_2_on_bad_configuration(project):
    (project / "plan.toml").write_text('enable = ["nope"]\n', encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "dsl.cli", "lint", "plans"], cwd=project, capture_output=True, text=True, encoding="utf-8",
        env=dict(os.environ, PYTHONIOENCODING="utf-8"),
    )
    assert result.returncode == 2
    assert "plan.toml" in result.stderr and "unknown rule 'nope'" in result.stderr
