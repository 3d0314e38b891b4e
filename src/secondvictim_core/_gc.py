"""Pausing the cyclic garbage collector around bulk reads.

Loading a pack or reading a response file allocates very many small objects with no
reference cycles; the collector rescans them again and again and finds nothing.
Reference counting still frees everything as usual while it is paused.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator


@contextlib.contextmanager
def paused_gc() -> Iterator[None]:
    """Pause the collector for the block; restore it afterwards, also after an error.

    Left alone if it was already off (an embedding application may manage it itself).
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
