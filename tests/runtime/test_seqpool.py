"""The llama.cpp runtime's sequence pool without a model: lookup, LRU eviction under the entry and
byte bounds, pinning, dedup, forks and clear, over a fake KV memory that records its calls."""

from __future__ import annotations

import math

import pytest

from jumpcoder_lsp.runtime.seqpool import ContextFull, Seq, SeqPool


class FakeMemory:
    """Records every call; ``cells[sid]`` = the positions a sequence holds (what llama.cpp would)."""

    def __init__(self):
        self.calls: list[tuple] = []
        self.cells: dict[int, set[int]] = {}

    def seq_rm(self, sid, p0, p1):
        self.calls.append(("rm", sid, p0, p1))
        held = self.cells.setdefault(sid, set())
        hi = math.inf if p1 < 0 else p1
        held -= {p for p in held if max(p0, 0) <= p < hi}

    def seq_cp(self, src, dst, p0, p1):
        self.calls.append(("cp", src, dst, p0, p1))
        self.cells.setdefault(dst, set()).update(p for p in self.cells.get(src, ()) if p0 <= p < p1)

    def seq_add(self, sid, p0, p1, delta):
        self.calls.append(("add", sid, p0, p1, delta))

    def clear(self):
        self.calls.append(("clear",))
        self.cells.clear()

    def of(self, kind):
        return [c for c in self.calls if c[0] == kind]


def filled(pool: SeqPool, ids, *, scored=True, last=None, keep=True) -> Seq:
    """A sequence of the pool holding ``ids`` as if decoded (every score known when ``scored``),
    released and kept like the runtime does after a call."""
    seq = pool.alloc()
    n = len(ids)
    seq.ids = list(ids)
    seq.logit = [float(p) for p in range(n)]
    seq.logprob = [-float(p) for p in range(n)]
    seq.greedy = [p if scored and p else -1 for p in range(n)]
    seq.last = last
    pool.memory.cells[seq.sid] = set(range(n))
    if keep:
        pool.unpin(seq)
        pool.keep(seq)
    return seq


class Row:
    """A stand-in logits row: only its ``nbytes`` counts."""

    def __init__(self, nbytes):
        self.nbytes = nbytes


@pytest.fixture
def mem():
    return FakeMemory()


# ------------------------------------------------------------------ lookup


def test_best_is_the_longest_common_prefix_and_the_most_recent_wins_ties(mem):
    pool = SeqPool(mem, 8)
    a = filled(pool, [1, 2, 3, 4])
    b = filled(pool, [1, 2, 9, 9, 9])
    assert pool.best([1, 2, 3, 7]) == (a, 3)
    assert pool.best([1, 2, 9, 9, 0]) == (b, 4)
    assert pool.best([5, 6]) == (None, 0)
    c = filled(pool, [1, 2, 8])  # shares 2 with [1, 2, 0] like a and b: the newest wins
    assert pool.best([1, 2, 0]) == (c, 2)
    assert pool.entries() == [a, b, c]  # a lookup leaves recency alone


def test_acquire_extends_in_place_when_the_cached_sequence_is_a_prefix(mem):
    pool = SeqPool(mem, 8)
    a = filled(pool, [1, 2, 3], last=Row(10))
    seq, n, first = pool.acquire([1, 2, 3, 4, 5], need_from=3, need_last=True)
    assert seq is a and n == 3 and seq.pinned == 1
    assert first is None and seq.last is a.last  # the first new token is scored from the kept row
    assert not mem.of("cp")


def test_acquire_forks_a_longer_sequence_at_the_common_prefix(mem):
    pool = SeqPool(mem, 8)
    a = filled(pool, [1, 2, 3, 4, 5, 6])
    # position 4 is scored from the row after [1, 2, 3, 4], which a does not keep: token 4 is re-decoded
    seq, n, first = pool.acquire([1, 2, 3, 4, 9], need_from=3, need_last=True)
    assert seq is not a and n == 3 and seq.ids == [1, 2, 3] and seq.pinned == 1 and not a.pinned
    assert mem.of("cp") == [("cp", a.sid, seq.sid, 0, 3)]
    assert mem.cells[seq.sid] == {0, 1, 2}
    assert seq.greedy == a.greedy[:3] and seq.last is None
    assert first == (a.logit[3], a.logprob[3], a.greedy[3])  # position 3's score is in a's memo


def test_acquire_cuts_back_to_the_first_unknown_score(mem):
    pool = SeqPool(mem, 8)
    a = filled(pool, [1, 2, 3, 4, 5, 6], scored=False)  # prefilled without scores (greedy -1)
    seq, n, first = pool.acquire([1, 2, 3, 4, 5, 6, 7], need_from=3, need_last=True)
    assert n == 2 and seq.ids == [1, 2] and seq is not a  # the row at position 2 scores position 3
    assert first is None  # position 2 itself is not asked for
    # no score asked for but the last row: all six tokens are reused, a is extended in place
    seq2, n2, first2 = pool.acquire([1, 2, 3, 4, 5, 6, 7], need_from=7, need_last=True)
    assert seq2 is a and n2 == 6 and first2 is None


def test_acquire_of_exactly_the_cached_ids_redecodes_the_last_token_only_without_its_row(mem):
    pool = SeqPool(mem, 8)
    with_row = filled(pool, [1, 2, 3], last=Row(10))
    seq, n, _ = pool.acquire([1, 2, 3], need_from=3, need_last=True)
    assert seq is with_row and n == 3  # nothing to decode
    pool.unpin(seq)
    other = SeqPool(FakeMemory(), 8)
    filled(other, [1, 2, 3])
    seq, n, _ = other.acquire([1, 2, 3], need_from=3, need_last=True)
    assert n == 2


def test_acquire_forks_rather_than_extending_a_pinned_sequence(mem):
    pool = SeqPool(mem, 8)
    a = filled(pool, [1, 2, 3], last=Row(10))
    pool.pin(a)  # a live branch
    seq, n, _ = pool.acquire([1, 2, 3, 4], need_from=4, need_last=True)
    assert seq is not a and n == 3 and seq.last is a.last
    assert mem.of("cp") == [("cp", a.sid, seq.sid, 0, 3)]


def test_acquire_with_nothing_shared_is_a_fresh_cleared_sequence(mem):
    pool = SeqPool(mem, 8)
    filled(pool, [1, 2, 3])
    seq, n, first = pool.acquire([7, 8], need_from=2, need_last=True)
    assert n == 0 and first is None and seq.ids == [] and seq.pinned == 1
    assert mem.calls[-1] == ("rm", seq.sid, -1, -1)


# ------------------------------------------------------------------ LRU, bounds, pinning


def test_the_entry_bound_evicts_the_least_recently_used(mem):
    pool = SeqPool(mem, 8, max_entries=2)
    a = filled(pool, [1, 1])
    b = filled(pool, [2, 2])
    pool.unpin(pool.pin(a))  # a used again: b is now the least recently used
    c = filled(pool, [3, 3])
    assert pool.entries() == [a, c] and b not in pool
    assert ("rm", b.sid, -1, -1) in mem.calls and pool.evictions == 1


def test_the_byte_bound_evicts_the_least_recently_used_until_it_holds(mem):
    one = Seq(0, ids=[1], logit=[0.0], logprob=[0.0], greedy=[-1], last=Row(1000)).nbytes()
    pool = SeqPool(mem, 8, max_entries=8, max_bytes=2 * one + 10)
    a = filled(pool, [1], last=Row(1000))
    b = filled(pool, [2], last=Row(1000))
    assert pool.entries() == [a, b] and pool.total_bytes == 2 * one
    c = filled(pool, [3], last=Row(1000))
    assert pool.entries() == [b, c] and pool.total_bytes <= pool.max_bytes and pool.evictions == 1
    filled(pool, [4], last=Row(10 * one))  # larger than the bound on its own: not kept either
    assert pool.entries() == [] and pool.evictions == 4


def test_pinned_sequences_are_never_evicted(mem):
    pool = SeqPool(mem, 3, max_entries=1, max_bytes=1)
    live = [filled(pool, [k], keep=False) for k in range(3)]  # pinned: a call's branches
    assert all(s.pinned for s in live)
    pool.keep(live[0])  # over both bounds, but nothing is unpinned
    assert pool.entries() == live and pool.evictions == 0
    assert not pool.evict_one()
    with pytest.raises(ContextFull, match="all 3"):
        pool.alloc()
    pool.unpin(live[1])
    fresh = pool.alloc()  # the one unpinned sequence makes room
    assert live[1] not in pool and fresh.sid == live[1].sid and pool.evictions == 1
    assert live[0] in pool and live[2] in pool


def test_a_decode_out_of_cells_evicts_the_least_recent_unpinned_and_counts_it(mem):
    pool = SeqPool(mem, 4)
    a, b = filled(pool, [1]), filled(pool, [2])
    pool.pin(a)
    assert pool.evict_one(cells=True)
    assert b not in pool and a in pool and pool.evictions == 1 and pool.cell_evictions == 1
    assert not pool.evict_one(cells=True) and pool.cell_evictions == 1


def test_fork_never_evicts_its_source_for_the_new_id(mem):
    pool = SeqPool(mem, 2)
    a = filled(pool, [1, 2, 3, 4])
    b = filled(pool, [5, 6])  # a is the least recently used, and no id is free
    seq, n, _ = pool.acquire([1, 2, 3, 9], need_from=4, need_last=True)
    assert n == 3 and a in pool and b not in pool and seq.sid == b.sid
    assert mem.of("cp")[-1] == ("cp", a.sid, seq.sid, 0, 3)


# ------------------------------------------------------------------ dedup, unshare, clear


def test_keep_drops_the_unpinned_sequences_it_covers_and_inherits_an_equal_ones_row(mem):
    pool = SeqPool(mem, 8)
    same = filled(pool, [1, 2, 3], last=Row(10))
    short = filled(pool, [1, 2])  # kept: it covers nothing, and nothing yet covers it
    live = filled(pool, [1], keep=False)  # a prefix too, but pinned
    other = filled(pool, [1, 3])
    seq = pool.alloc()
    seq.ids = [1, 2, 3]
    pool.unpin(seq)
    pool.keep(seq)
    assert short not in pool and same not in pool
    assert live in pool and other in pool and seq in pool
    assert seq.last is same.last
    assert pool.evictions == 0  # dedup is not eviction


def test_keep_of_a_sequence_no_longer_held_does_nothing(mem):
    pool = SeqPool(mem, 8)
    a = filled(pool, [1, 2], keep=False)
    b = filled(pool, [1, 2, 3], keep=False)
    pool.unpin(a)
    pool.unpin(b)
    pool.keep(b)  # drops a, which b covers
    assert a not in pool
    c = filled(pool, [1], keep=False)
    pool.unpin(c)  # a prefix of a's ids: keeping a would drop it
    calls = len(mem.calls)
    pool.keep(a)
    assert len(mem.calls) == calls and pool.entries() == [b, c]


def test_unshare_drops_the_forks_of_moved_cells_unless_one_is_live(mem):
    pool = SeqPool(mem, 8)
    base = filled(pool, [1, 2, 3, 4, 5, 6])
    fork = filled(pool, [1, 2, 3, 4, 9])  # shares cells 0..3 with base
    early = filled(pool, [1, 2, 7])  # shares cells 0..1
    pool.pin(fork)
    assert not pool.unshare(base, 2) and fork in pool and early in pool  # a live sharer: give up
    pool.unpin(fork)
    assert pool.unshare(base, 2)
    assert fork not in pool and early in pool and base in pool


def test_clear_drops_everything_and_frees_every_id(mem):
    pool = SeqPool(mem, 3)
    for k in range(3):
        filled(pool, [k, k])
    pool.count(5, 7)
    pool.clear()
    assert len(pool) == 0 and pool.total_tokens == 0 and pool.total_bytes == 0
    assert mem.calls[-1] == ("clear",) and mem.cells == {}
    assert sorted(pool.alloc().sid for _ in range(3)) == [0, 1, 2]  # no eviction needed
    assert pool.evictions == 0
    assert (pool.hits, pool.misses) == (5, 7)  # the counters are the runtime's lifetime totals


def test_bounds_are_clamped_to_the_ids():
    pool = SeqPool(FakeMemory(), 4, max_entries=99, max_bytes=0)
    assert pool.max_entries == 4 and pool.max_bytes == 1


# ------------------------------------------------------------------ the llama.cpp side, without a model


def test_llamacpp_clear_cache_goes_through_the_pool(mem):
    import threading

    from jumpcoder_lsp.runtime.llamacpp_runtime import LlamaCppRuntime

    rt = LlamaCppRuntime.__new__(LlamaCppRuntime)  # no model: the lock and the pool only
    rt._lock, rt.store = threading.RLock(), SeqPool(mem, 4)
    filled(rt.store, [1, 2])
    filled(rt.store, [3])
    rt.store.count(2, 3)
    rt.clear_cache()
    assert len(rt.store) == 0 and mem.calls[-1] == ("clear",)
    assert (rt.hits, rt.misses, rt.evictions) == (2, 3, 0)  # the runtime's counters are the pool's


def test_llama_memory_forwards_to_the_llama_memory_calls():
    from jumpcoder_lsp.runtime.llamacpp_runtime import LlamaMemory

    calls = []

    class FakeL:
        def __getattr__(self, name):
            return lambda *args: calls.append((name, *args))

    memory = LlamaMemory(FakeL(), "MEM")
    memory.seq_rm(3, -1, -1)
    memory.seq_cp(1, 2, 0, 5)
    memory.seq_add(2, 4, 9, -3)
    memory.clear()
    assert calls == [("llama_memory_seq_rm", "MEM", 3, -1, -1), ("llama_memory_seq_cp", "MEM", 1, 2, 0, 5),
                     ("llama_memory_seq_add", "MEM", 2, 4, 9, -3), ("llama_memory_clear", "MEM", True)]
