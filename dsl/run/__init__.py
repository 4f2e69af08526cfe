"""IR + data → results: the evaluation context (a payee in a period), the
reference interpreter (traced or not), the one meaning of a payout line
(lines.py), the results it produces, traces, and plan tests.
"""
