"""The stage packages import only downwards, and no module imports itself back.

Every module under `dsl/` is parsed with Python's `ast` (nothing is imported, so a
module that would fail at import time is still read); every `import` and
`from … import` counts, including those inside functions and `if TYPE_CHECKING:`
blocks, because a function-local import is still a dependency (it only hides
the cycle until the function runs). The implicit import of a parent package
(`dsl.run.results` runs `dsl/__init__.py` first) is not an edge: Python resolves
it before the module body, so it cannot form a cycle of module bodies.

A module belongs to the package named by its second component (`dsl.check.tiers`
→ check); `dsl/__init__.py` and `dsl/api.py` form the package `api`, the one
composition of the stages. The allowed edges between packages are the layering
of docs/architecture.md.
"""
from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "dsl"

STAGES = ("core", "syntax", "check", "ir", "data", "run", "explain", "render", "lint", "sql")

# package → the packages it may import (besides itself)
ALLOWED: dict[str, frozenset[str]] = {
    "core": frozenset(),
    "syntax": frozenset({"core"}),
    "check": frozenset({"core", "syntax", "ir"}),
    "ir": frozenset({"core"}),
    "data": frozenset({"core"}),
    "run": frozenset({"core", "ir", "data"}),
    "explain": frozenset({"core", "ir", "run"}),
    "render": frozenset({"core", "ir", "run"}),
    "lint": frozenset({"core", "syntax", "check", "ir", "data", "run"}),
    "sql": frozenset({"core", "ir", "data", "run"}),  # of run, only dsl.run.results (checked below)
    "api": frozenset(STAGES),
    # a pay statement reads a traced result (run), the explanations' words (explain) and the exact workbook writer (render)
    "statement": frozenset({"core", "ir", "run", "explain", "render"}),
    "cli": frozenset({"api", "core", "statement"}),
    # highlighting reads the grammar's terminals from the parser (syntax) so its keywords cannot drift
    "highlight": frozenset({"syntax"}),
    # the docs build runs the `plan` command in-process (cli) for the cookbook and the CLI
    # reference, and lists the catalogue of codes (lint) for the rules index
    "docs_build": frozenset({"cli", "lint"}),
}

# Edges left out of the cycle check, each a known defect with its reason. Delete an
# entry as soon as its import is gone; nothing else may be added here.
KNOWN_CYCLE_EDGES: dict[tuple[str, str], str] = {}


def module_name(path: Path, root: Path = PACKAGE) -> str:
    """`dsl/run/results.py` → `dsl.run.results`; a package's `__init__.py` is the package."""
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def package_of(module: str) -> str:
    """The stage package a module belongs to.

    >>> package_of("dsl.check.tiers"), package_of("dsl.api"), package_of("dsl"), package_of("dsl.ir.passes.fold")
    ('check', 'api', 'api', 'ir')
    """
    parts = module.split(".")
    if len(parts) == 1 or parts[1] == "api":
        return "api"
    return parts[1]


def _imported(tree: ast.AST, module: str, is_package: bool, modules: set[str]) -> set[str]:
    """The dsl modules one module's source imports (anywhere in its body)."""
    found: set[str] = set()

    def resolve(name: str) -> None:
        # `dsl.ir.nodes.Const` is not a module: the longest prefix that is one is the target
        parts = name.split(".")
        while parts and ".".join(parts) not in modules:
            parts.pop()
        if parts:
            found.add(".".join(parts))

    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name == "dsl" or alias.name.startswith("dsl."):
                    resolve(alias.name)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split(".") if is_package else module.split(".")[:-1]
                base = base[: len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if not (target == "dsl" or target.startswith("dsl.")):
                continue
            for alias in node.names:
                # `from dsl import ir` imports the module dsl.ir; `from dsl import load` the package dsl
                candidate = f"{target}.{alias.name}"
                if candidate in modules:
                    found.add(candidate)
                else:
                    resolve(target)
    found.discard(module)
    return found


def module_graph(root: Path = PACKAGE) -> dict[str, set[str]]:
    """Every module under `root` → the modules under `root` it imports."""
    paths = sorted(root.rglob("*.py"))
    modules = {module_name(p, root): p for p in paths}
    names = set(modules)
    graph = {}
    for name, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        graph[name] = _imported(tree, name, path.name == "__init__.py", names)
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle as a path that returns to its start, or None.

    >>> find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}})
    ['a', 'b', 'c', 'a']
    >>> find_cycle({"a": {"b"}, "b": set()}) is None
    True
    """
    WHITE, GREY, BLACK = 0, 1, 2
    colour = {node: WHITE for node in graph}
    for start in sorted(graph):
        if colour[start] != WHITE:
            continue
        path = [start]
        colour[start] = GREY
        stack = [iter(sorted(graph[start]))]
        while stack:
            nxt = next(stack[-1], None)
            if nxt is None:
                colour[path.pop()] = BLACK
                stack.pop()
                continue
            state = colour.get(nxt, BLACK)  # a target outside the graph closes no cycle
            if state == GREY:
                return path[path.index(nxt) :] + [nxt]
            if state == WHITE:
                colour[nxt] = GREY
                path.append(nxt)
                stack.append(iter(sorted(graph[nxt])))
    return None


def wrong_edges(graph: dict[str, set[str]], allowed: dict[str, frozenset[str]] = ALLOWED) -> list[str]:
    """Each import between packages that the layering does not allow, as a readable line.

    >>> wrong_edges({"dsl.core.types": {"dsl.run.results"}, "dsl.run.results": {"dsl.core.types"}})
    ['dsl.core.types imports dsl.run.results: core → run is not an allowed edge (core may import nothing)']
    """
    wrong = []
    for module in sorted(graph):
        source = package_of(module)
        for target in sorted(graph[module]):
            destination = package_of(target)
            if destination == source:
                continue
            may = allowed.get(source, frozenset())
            if destination not in may:
                listed = ", ".join(sorted(may)) if may else "nothing"
                wrong.append(f"{module} imports {target}: {source} → {destination} is not an allowed edge ({source} may import {listed})")
    return wrong


# ---- the real package ------------------------------------------------------


def test_every_module_is_in_a_known_package():
    unknown = sorted({package_of(m) for m in module_graph()} - set(ALLOWED))
    assert unknown == [], f"packages with no layering rule: {unknown}; add them to ALLOWED and docs/architecture.md"


def test_no_import_cycle_between_modules():
    graph = module_graph()
    for (source, target) in KNOWN_CYCLE_EDGES:
        graph.get(source, set()).discard(target)
    cycle = find_cycle(graph)
    assert cycle is None, "import cycle: " + " → ".join(cycle)


def test_packages_import_only_allowed_edges():
    wrong = wrong_edges(module_graph())
    assert wrong == [], "imports against the layering:\n" + "\n".join(wrong)


# The modules of run the columnar backend may import, each for one rule it must not implement twice.
SQL_READS_OF_RUN = {
    "dsl.run.results": "it builds the interpreter's RunResult",
    "dsl.run.ledger": "the ledger's steps, fed values computed in SQL, period by period",
    "dsl.run.errors": "an error value read by the ledger or a later period is the EvalError the interpreter raises",
    "dsl.run.prior": "a prior run's balances and lines, as the interpreter opens a run with them",
    "dsl.run.interpreter": "the population (who is run, R002/R004/D008: population), the period roster, the date functions' table and Timeline.index_of, "
                           "the teams' payments (which teams are split and ranked, how shares, awards and ranks join the results: _team_payments), "
                           "never PayeeEvaluator",
    "dsl.run.pools": "the one allocation and ranking rules (allocate, rank_places), which the SQL forms of both must equal",
}


def test_the_sql_backend_reads_only_the_results_of_run():
    """The columnar backend builds the interpreter's RunResult and reuses its rules, and computes nothing with the interpreter."""
    graph = module_graph()
    wrong = sorted(f"{module} imports {target}" for module, targets in graph.items() if package_of(module) == "sql"
                   for target in targets if package_of(target) == "run" and target not in SQL_READS_OF_RUN)
    assert wrong == [], "the sql package may import only these modules of run:\n" + "\n".join(wrong)


def test_the_sql_backend_never_evaluates_with_the_interpreter():
    """Of the interpreter, the sql package imports only rules, never the evaluator."""
    used = set()
    for path in sorted((PACKAGE / "sql").glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module == "dsl.run.interpreter":
                used.update(alias.name for alias in node.names)
    assert used and used <= {"population", "_period_roster", "_DATE_BUILTINS", "Timeline", "_team_payments"}, sorted(used)


def test_benchmarks_call_only_the_public_api():
    modules = set(module_graph())
    wrong = []
    for path in sorted((ROOT / "benchmarks").glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        for target in sorted(_imported(tree, "benchmarks." + path.stem, False, modules)):
            if package_of(target) not in ("api", "core"):
                wrong.append(f"{path.relative_to(ROOT)} imports {target}: benchmarks may import dsl (the API) and dsl.core only")
    assert wrong == [], "\n".join(wrong)


def test_the_graph_resolves_imports_to_modules():
    graph = module_graph()
    # `from dsl import ir` is an import of the module dsl.ir, not of the API
    assert "dsl.ir" in graph["dsl.check.checker"] and "dsl" not in graph["dsl.check.checker"]
    # `from dsl.check.model import SemanticModel` is an edge to the module, not to the name
    assert "dsl.check.model" in graph["dsl.check.checker"]
    # the CLI reaches the stages only through the API
    assert "dsl" in graph["dsl.cli.main"]


# ---- the checker catches what it should (synthetic packages on disk) -------


def _write(root: Path, files: dict[str, str]) -> Path:
    package = root / "dsl"
    for relative, text in files.items():
        path = package / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return package


def test_a_cycle_through_a_function_local_import_is_found(tmp_path):
    package = _write(
        tmp_path,
        {
            "__init__.py": "",
            "check/__init__.py": "",
            "check/checker.py": "from dsl.check.tests import check_test\n",
            "check/tests.py": "def check_test():\n    from dsl.check import checker\n",
        },
    )
    graph = module_graph(package)
    # checker → tests (top level), tests → checker (inside a function)
    assert find_cycle(graph) == ["dsl.check.checker", "dsl.check.tests", "dsl.check.checker"]


def test_an_upward_import_is_named_with_its_edge(tmp_path):
    package = _write(
        tmp_path,
        {
            "__init__.py": "from dsl.api import load\n",
            "api.py": "from dsl.run import interpreter\n",
            "core/__init__.py": "",
            "core/types.py": "",
            "run/__init__.py": "",
            "run/interpreter.py": "from dsl.core import types\n\ndef f():\n    import dsl.lint.rules\n",
            "lint/__init__.py": "",
            "lint/rules.py": "from dsl import load\n",
            "cli/__init__.py": "",
            "cli/main.py": "from dsl import load\nfrom dsl.run.interpreter import f\n",
        },
    )
    graph = module_graph(package)
    assert wrong_edges(graph) == [
        "dsl.cli.main imports dsl.run.interpreter: cli → run is not an allowed edge (cli may import api, core, statement)",
        "dsl.lint.rules imports dsl: lint → api is not an allowed edge (lint may import check, core, data, ir, run, syntax)",
        "dsl.run.interpreter imports dsl.lint.rules: run → lint is not an allowed edge (run may import core, data, ir)",
    ]
    # dsl → dsl.api → dsl.run.interpreter → dsl.lint.rules → dsl: a cycle as well
    assert find_cycle(graph) == ["dsl", "dsl.api", "dsl.run.interpreter", "dsl.lint.rules", "dsl"]


def test_a_relative_import_is_resolved(tmp_path):
    package = _write(
        tmp_path,
        {
            "__init__.py": "",
            "core/__init__.py": "",
            "core/types.py": "from ..run import results\n",
            "run/__init__.py": "",
            "run/results.py": "from . import trace\n",
            "run/trace.py": "",
        },
    )
    graph = module_graph(package)
    assert graph["dsl.core.types"] == {"dsl.run.results"}
    assert graph["dsl.run.results"] == {"dsl.run.trace"}
