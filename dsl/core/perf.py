"""Pausing Python's cyclic garbage collector during bulk work.

Loading a million rows or building a million trace nodes allocates millions of
objects that live until the run ends and form no reference cycles. The cyclic
collector would scan the growing heap again and again (1M deals took 118 s to
load with it, 100k took 2.4 s); reference counting still frees everything, so the
collector is paused for the duration and restored after.
"""
from __future__ import annotations

import contextlib
import gc


@contextlib.contextmanager
def paused_gc():
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
