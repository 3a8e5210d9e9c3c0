"""Speculative infilling (paper section 3.1.2).

JumpCoder often infills the same position again on later iterations and gets the same line. The
infill produced for a position is cached under the code before it; next time, one teacher-forced
pass over the cached text checks that greedy decoding would write exactly it (every token equals
the model's argmax), and the decode is skipped on a hit.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Optional

from ..runtime.base import Scored


class SpeculativeCache:
    def __init__(self, capacity: int = 256):
        self.capacity = capacity
        self._entries: "OrderedDict[str, str]" = OrderedDict()
        self.hits = 0
        self.misses = 0

    def get(self, prefix: str) -> Optional[str]:
        text = self._entries.get(prefix)
        if text is not None:
            self._entries.move_to_end(prefix)
        return text

    def put(self, prefix: str, text: str) -> None:
        self._entries[prefix] = text
        self._entries.move_to_end(prefix)
        while len(self._entries) > self.capacity:
            self._entries.popitem(last=False)

    def forget(self, prefix: str) -> None:
        self._entries.pop(prefix, None)


def verified(scored: Scored) -> bool:
    """True when greedy decoding reproduces every token of the cached infill."""
    return bool(scored.tokens) and all(g == t for g, t in zip(scored.greedy, scored.tokens))
