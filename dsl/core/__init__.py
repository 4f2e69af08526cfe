"""The foundation every stage stands on: source text and spans, diagnostics (every
code), static types and the one unit algebra, the numeric policy, and display.
Imports nothing else of the package.
"""
