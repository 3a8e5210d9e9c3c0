"""Every cache that is keyed by a prefix or holds tensors is bounded by bytes, not only by count:
fed many large entries, each stays under its byte cap (issue 12, bounded resources)."""

from __future__ import annotations

import sys
from collections import OrderedDict

import pytest

from jumpcoder_lsp.engine.speculative import MAX_BYTES as SPEC_BYTES, SpeculativeCache
from jumpcoder_lsp.runtime import tokens
from jumpcoder_lsp.runtime.base import GenRequest, ScoreRequest

MiB = 1 << 20


def test_piece_cache_is_bounded_by_bytes_of_keys_and_values():
    cache = tokens.PieceCache()
    assert cache.max_bytes == 32 * MiB
    piece = "x = 1\n" * 50_000  # 300k characters: a whole-prefix key of a large file
    for i in range(400):
        text = f"# {i}\n" + piece
        ids = tokens.piece_ids(cache, text, lambda t: list(range(len(t) // 4)))
        assert len(ids) == len(text) // 4
        assert cache.bytes <= cache.max_bytes
    real = sum(sys.getsizeof(k) + sys.getsizeof(v) for k, v in cache.items())
    assert real <= cache.max_bytes and cache.bytes == sum(tokens.piece_bytes(k, v) for k, v in cache.items())
    # the most recent piece is served from the cache, without encoding it again
    assert tokens.piece_ids(cache, text, lambda t: pytest.fail("encoded twice")) == ids
    # a piece larger than the whole bound is returned, not kept
    small = tokens.PieceCache(max_bytes=1000)
    assert tokens.piece_ids(small, "y" * 10_000, lambda t: [1, 2]) == [1, 2] and len(small) == 0


def test_plain_ordered_dict_piece_cache_keeps_its_count_bound():
    cache: OrderedDict = OrderedDict()
    for i in range(tokens.PIECE_CACHE + 10):
        tokens.piece_ids(cache, str(i), lambda t: [1])
    assert len(cache) == tokens.PIECE_CACHE


def test_speculative_cache_is_bounded_by_bytes_per_document():
    cache = SpeculativeCache()
    assert cache.max_bytes == SPEC_BYTES == 2 * MiB
    prefix = "def f(x):\n    return x\n" * 5_000  # 115k characters
    for i in range(200):
        cache.put(f"{i}\n" + prefix, "    y = 1\n")
        assert cache.bytes <= cache.max_bytes
    assert 4 * sum(len(k) + len(v) for k, v in cache._entries.items()) <= cache.max_bytes
    assert cache.get("199\n" + prefix) == "    y = 1\n"  # the newest is kept
    assert cache.get("0\n" + prefix) is None  # the oldest went
    cache.forget("199\n" + prefix)
    assert cache.get("199\n" + prefix) is None and cache.bytes >= 0
    cache.put("z" * (SPEC_BYTES // 2), "w")  # larger than the bound on its own: not kept
    assert cache.get("z" * (SPEC_BYTES // 2)) is None


def test_torch_kv_store_is_bounded_by_tensor_bytes(make_runtime):
    from jumpcoder_lsp.runtime.torch_runtime import MAX_CACHE_BYTES, entry_bytes

    assert MAX_CACHE_BYTES == 1 << 30
    assert make_runtime().store.max_bytes == MAX_CACHE_BYTES
    cap = 2 * MiB
    rt = make_runtime(max_cache_bytes=cap, max_cache_tokens=10**9, max_cache_entries=1000)
    per_token = None
    for i in range(30):
        text = f"value_{i} = [" + ", ".join(str(j * (i + 1)) for j in range(150)) + "]\n"
        rt.score([ScoreRequest((), text)])
        assert rt.store.total_bytes <= cap
        if per_token is None and len(rt.store):
            e = rt.store.entries()[0]
            per_token = entry_bytes(e) / len(e)
    assert len(rt.store) >= 1
    # the bound is real: the stored tensors' storages add up to no more than the cap
    real = sum(entry_bytes(e) for e in rt.store.entries())
    assert real == rt.store.total_bytes <= cap
    # without the byte cap the same requests keep more than the cap
    loose = make_runtime(max_cache_bytes=10**12, max_cache_tokens=10**9, max_cache_entries=1000)
    for i in range(30):
        text = f"value_{i} = [" + ", ".join(str(j * (i + 1)) for j in range(150)) + "]\n"
        loose.score([ScoreRequest((), text)])
    assert loose.store.total_bytes > cap


def test_torch_kv_store_drops_an_entry_larger_than_the_cap(make_runtime):
    rt = make_runtime(max_cache_bytes=1024)
    rt.score([ScoreRequest((), "x = [" + ", ".join(map(str, range(100))) + "]\n")])
    assert len(rt.store) == 0 and rt.store.total_bytes == 0


class _FakeMemory:
    def seq_rm(self, sid, p0, p1):
        pass

    def seq_cp(self, src, dst, p0, p1):
        pass

    def seq_add(self, sid, p0, p1, delta):
        pass

    def clear(self):
        pass


def test_llamacpp_saved_sequences_are_bounded_by_bytes():
    np = pytest.importorskip("numpy")
    from jumpcoder_lsp.runtime.llamacpp_runtime import MAX_CACHE_BYTES
    from jumpcoder_lsp.runtime.seqpool import SeqPool

    assert MAX_CACHE_BYTES == 64 * MiB
    pool = SeqPool(_FakeMemory(), 32, max_entries=24)  # the runtime's defaults; the bookkeeping only, no model
    assert pool.max_bytes == MAX_CACHE_BYTES
    n = 60_000  # tokens per sequence: a long prefix
    for k in range(32):
        seq = pool.alloc()
        seq.ids, seq.logit, seq.logprob = [k] + list(range(n)), [0.0] * (n + 1), [0.0] * (n + 1)
        seq.greedy, seq.last = [1] * (n + 1), np.zeros(151_936, dtype=np.float32)
        pool.unpin(seq)
        pool.keep(seq)
        assert pool.total_bytes <= pool.max_bytes
    assert len(pool) >= 1 and pool.entries()[-1].ids[0] == 31  # the newest stays
    real = sum(sys.getsizeof(s.ids) + sys.getsizeof(s.logit) + sys.getsizeof(s.logprob) + sys.getsizeof(s.greedy)
               + s.last.nbytes for s in pool.entries())
    assert real <= pool.max_bytes


def test_torch_clear_cache_leaves_the_store_empty(make_runtime):
    rt = make_runtime()
    rt.score([ScoreRequest((), "def f(x):\n    return x\n")])
    rt.generate([GenRequest(("def g(y):\n",), max_new_tokens=3)])
    assert len(rt.store) >= 1 and rt.store.total_tokens > 0
    rt.clear_cache()
    assert len(rt.store) == 0 and rt.store.total_tokens == 0 and rt.store.total_bytes == 0
    # and the runtime still works from scratch afterwards
    rt.score([ScoreRequest((), "x = 1\n")])
    assert len(rt.store) == 1
