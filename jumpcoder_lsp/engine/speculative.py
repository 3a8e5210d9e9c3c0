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


#: bytes one document's speculative cache may hold (keys and infills, 4 bytes a character)
MAX_BYTES = 2 << 20


def _size(prefix: str, text: str) -> int:
    return 4 * (len(prefix) + len(text)) + 128


class SpeculativeCache:
    """Infills by the code before their position: an LRU bounded by count and by bytes (the keys
    are whole prefixes); an entry larger than the bound is not kept."""

    def __init__(self, capacity: int = 256, max_bytes: int = MAX_BYTES):
        self.capacity = capacity
        self.max_bytes = max_bytes
        self.bytes = 0
        self._entries: "OrderedDict[str, str]" = OrderedDict()
        self.hits = 0
        self.misses = 0

    @property
    def entries(self) -> int:
        return len(self._entries)

    def get(self, prefix: str) -> Optional[str]:
        text = self._entries.get(prefix)
        if text is not None:
            self._entries.move_to_end(prefix)
        return text

    def put(self, prefix: str, text: str) -> None:
        self.forget(prefix)
        if _size(prefix, text) > self.max_bytes:
            return
        self._entries[prefix] = text
        self.bytes += _size(prefix, text)
        while len(self._entries) > self.capacity or self.bytes > self.max_bytes:
            old, old_text = self._entries.popitem(last=False)
            self.bytes -= _size(old, old_text)

    def forget(self, prefix: str) -> None:
        text = self._entries.pop(prefix, None)
        if text is not None:
            self.bytes -= _size(prefix, text)


def verified(scored: Scored) -> bool:
    """True when greedy decoding reproduces every token of the cached infill."""
    return bool(scored.tokens) and all(g == t for g, t in zip(scored.greedy, scored.tokens))
