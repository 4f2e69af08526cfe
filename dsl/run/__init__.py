"""IR + data → results: the reference interpreter (per payee, traced), the
results it produces, traces, and plan tests.
"""
