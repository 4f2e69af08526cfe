"""Lint rules, one module per rule or small family of rules.

Every module in this package is imported by `dsl.lint` at start-up; a module
registers its rules with the `@rule(...)` decorator from `dsl.lint.registry`.
Adding a rule is adding a module here (and its page under docs/rules/).
"""
