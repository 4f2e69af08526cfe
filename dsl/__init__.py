"""A plan-as-code language for sales compensation.

The pipeline, one module per stage, composed in `pipeline.py`:

    text ──parser──> AST ──checker──> IR ──evaluator──> lines + traces ──explain──> text / Markdown / JSON
                      └── lint, fmt                                        testing: plan tests

The public API:

>>> from dsl import load_plan_text
>>> plan, diagnostics, source = load_plan_text('plan "x" { currency CNY }\\npayout "a" = 100元 * 2%')
>>> [p.label for p in plan.payouts]
['a']
"""
from dsl.api import check_text, load_plan, load_plan_text, parse_text, run_plan

__all__ = ["load_plan", "load_plan_text", "check_text", "parse_text", "run_plan"]
