"""The `plan` command: check, run, explain, test, lint and fmt.
"""
