"""Speculative infilling (engine/speculative.py) on its own: the cache's keys and bounds, and the
verification rule (every token of the cached infill is the model's greedy choice)."""

from __future__ import annotations

from jumpcoder_lsp.engine.speculative import SpeculativeCache, verified
from jumpcoder_lsp.runtime.base import Scored


def scored(tokens, greedy):
    return Scored(tokens=list(tokens), offsets=[(i, i + 1) for i in range(len(tokens))],
                  logits=[0.0] * len(tokens), logprobs=[0.0] * len(tokens), greedy=list(greedy))


def test_verified_needs_every_token_to_be_the_greedy_choice():
    assert verified(scored([1, 2, 3], [1, 2, 3]))
    assert not verified(scored([1, 2, 3], [1, 9, 3]))
    assert not verified(scored([], []))  # nothing to verify is not a hit


def test_entries_are_keyed_by_the_exact_code_before_the_position():
    cache = SpeculativeCache()
    cache.put("def f():\n", "    x = 1\n")
    assert cache.get("def f():\n") == "    x = 1\n"
    assert cache.get("def f():") is None and cache.get("def f():\n\n") is None
    cache.put("def f():\n", "    y = 2\n")  # a new answer replaces the old one
    assert cache.get("def f():\n") == "    y = 2\n" and cache.entries == 1
    cache.forget("def f():\n")
    assert cache.get("def f():\n") is None and cache.entries == 0 and cache.bytes == 0


def test_lru_by_count_keeps_the_recently_used():
    cache = SpeculativeCache(capacity=2)
    cache.put("a", "1\n")
    cache.put("b", "2\n")
    assert cache.get("a") == "1\n"  # touch a: b is now the oldest
    cache.put("c", "3\n")
    assert cache.get("b") is None and cache.get("a") == "1\n" and cache.get("c") == "3\n"


def test_bytes_are_bounded_and_counted_exactly():
    cache = SpeculativeCache(capacity=1000, max_bytes=2000)
    for i in range(50):
        cache.put(f"prefix {i}\n" * 3, f"line {i}\n")
        assert cache.bytes <= 2000
    assert 0 < cache.entries < 50
    cache.put("p" * 1000, "too big\n")  # larger than the whole bound: not kept, nothing evicted for it
    assert cache.get("p" * 1000) is None and cache.entries > 0
    for i in range(50):
        cache.forget(f"prefix {i}\n" * 3)
    assert cache.bytes == 0
