"""Traces → explanations a person can check with a calculator: terminal tree,
Markdown and JSON, in Chinese or English.
"""
