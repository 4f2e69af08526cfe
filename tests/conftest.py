"""Shared helpers: run the real `plan` command as a subprocess."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import dsl

ROOT = Path(__file__).resolve().parent.parent


def run_plan_cli(*args: str, cwd: Path | None = None, input: str | None = None) -> subprocess.CompletedProcess:
    """Run `python -m dsl.cli ARGS` the way a user runs `plan ARGS`."""
    env = dict(os.environ, PYTHONIOENCODING="utf-8")
    return subprocess.run(
        [sys.executable, "-m", "dsl.cli", *args],
        cwd=cwd or ROOT,
        capture_output=True,
        text=True,
        encoding="utf-8",
        input=input,
        env=env,
        timeout=300,
    )


@pytest.fixture
def plan_cli():
    return run_plan_cli


def check_text(text: str, name: str = "<plan>"):
    """Plan text → the plan as every backend evaluates it (after the IR passes; None
    when it has errors) and its diagnostics."""
    compilation = dsl.load(text, name)
    return compilation.plan, list(compilation.diagnostics)


def pytest_addoption(parser):
    parser.addoption("--fuzz-minutes", type=float, default=0.0,
                     help="run the long fuzzing test (marked fuzz) for this many minutes; see docs/hardening.md")


def pytest_configure(config):
    config.addinivalue_line("markers", "fuzz: the long fuzzing run, only with --fuzz-minutes N")
