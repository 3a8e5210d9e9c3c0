"""The llama.cpp runtime's saved sequences: one owner for its KV cache, as ``KVStore`` is for the
torch runtime's (:mod:`~jumpcoder_lsp.runtime.torch_runtime`), in the same words: lookup = longest
common prefix, an LRU bounded by entries and bytes, ``hits``/``misses`` counters, :meth:`SeqPool.clear`.

A llama.cpp context holds ``n_seq`` sequence ids over one unified KV cache. A :class:`Seq` is one id
and what it holds: the token ids whose keys/values are in the cache (positions ``0..len-1``), a memo
of per-position scores (the logit, log-probability and argmax of token ``p`` given ``ids[:p]``; NaN /
-1 where not computed) and, when known, the full logits row after the last token.

:class:`SeqPool` owns the ids and the rules over them:

* :meth:`~SeqPool.acquire`: the sequence a request starts from, pinned: the one sharing the longest
  common token prefix (:meth:`~SeqPool.best`, the most recently used winning ties), extended in place
  when it is a prefix of the request and not in use, forked (``seq_cp`` tags cells, computes nothing)
  when it holds more than what is reused, a fresh one when nothing is shared; cut back far enough that
  decoding the rest yields every score asked for.
* pinning: a sequence in use by a call (a live branch, a prompt being scored) is never evicted; pinning
  also makes it the most recently used.
* eviction: when ids run out (:meth:`~SeqPool.alloc`) or a decode finds no free KV cell
  (:meth:`~SeqPool.evict_one`), the least recently used unpinned sequence goes.
* dedup and bounds (:meth:`~SeqPool.keep`, after a call): a sequence whose ids are a prefix of another's
  is dropped (the longer one covers it), then the least recently used go until at most ``max_entries``
  are held and the cached ones' state (:meth:`Seq.nbytes`) is at most ``max_bytes``.

The runtime asks the pool for a sequence, decodes into it, and reports what it reused and computed
(:meth:`~SeqPool.count`). The pool touches the KV cells only through a :class:`SeqMemory` (remove, copy,
shift, clear); the llama.cpp runtime passes its ``llama_memory_*`` calls, a test a fake that records
them, so this bookkeeping runs without a model.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Optional, Protocol, Sequence

from .tokens import common_prefix_len, is_prefix, longest_prefix

#: bytes the saved sequences' state (:meth:`Seq.nbytes`) may hold between calls
MAX_CACHE_BYTES = 64 << 20


class ContextFull(RuntimeError):
    """A prompt does not fit in the llama.cpp context even after evicting every cached sequence."""


class SeqMemory(Protocol):
    """The KV cells of the sequences (llama.cpp's ``llama_memory_*``); positions ``[p0, p1)``, -1 = open end."""

    def seq_rm(self, sid: int, p0: int, p1: int) -> None: ...

    def seq_cp(self, src: int, dst: int, p0: int, p1: int) -> None: ...

    def seq_add(self, sid: int, p0: int, p1: int, delta: int) -> None: ...

    def clear(self) -> None: ...


@dataclass(eq=False)
class Seq:
    sid: int
    ids: list[int] = field(default_factory=list)
    logit: list[float] = field(default_factory=list)  # S of token p given ids[:p]; NaN = unknown
    logprob: list[float] = field(default_factory=list)
    greedy: list[int] = field(default_factory=list)  # argmax given ids[:p]; -1 = unknown
    last: object = None  # numpy logits row after the last token (predicts token len(ids)), or None
    pending: list = field(default_factory=list)  # PIE: [start, end) spans still to decode
    pinned: int = 0
    #: PIE: the first position whose cells were kept from a context without a later edit (None: all
    #: computed in this context), and how many PIE plans those cells went through since computed
    exact: Optional[int] = None
    pie_depth: int = 0

    def __len__(self) -> int:
        return len(self.ids)

    def nbytes(self) -> int:
        """What the sequence keeps alive on the Python side: its per-token lists (a pointer and an
        int/float object each) and the logits row after its last token. Its KV cells live in the
        context's preallocated buffer (``n_ctx`` cells), which does not grow."""
        row = int(getattr(self.last, "nbytes", 0) or 0)
        return 36 * len(self.ids) + 32 * (len(self.logit) + len(self.logprob)) + 36 * len(self.greedy) + row + 200


#: the score of one position: (logit, log-probability, argmax)
Score = tuple[float, float, int]


class SeqPool:
    """The sequence ids of a llama.cpp context and what each holds: an LRU of :class:`Seq`, bounded
    by entry count and by bytes (of the unpinned ones). Lookup = longest common prefix."""

    def __init__(self, memory: SeqMemory, n_seq: int, max_entries: int = 24, max_bytes: int = MAX_CACHE_BYTES):
        self.memory = memory
        self.n_seq = int(n_seq)
        self.max_entries = max(1, min(int(max_entries), self.n_seq))
        self.max_bytes = max(1, int(max_bytes))
        self._seqs: "OrderedDict[int, Seq]" = OrderedDict()  # least recently used first
        self._free = list(range(self.n_seq))
        self.hits = 0  # tokens served from the cache
        self.misses = 0  # tokens computed
        self.evictions = 0  # cached sequences dropped for room (sequence ids, entries, bytes or cells)
        self.cell_evictions = 0  # ... of which because a decode found no free KV cells

    # ------------------------------------------------------------------ state

    def __len__(self) -> int:
        return len(self._seqs)

    def __contains__(self, seq: Seq) -> bool:
        return self._seqs.get(seq.sid) is seq

    def entries(self) -> list[Seq]:
        """Every sequence held, pinned ones included, least recently used first."""
        return list(self._seqs.values())

    @property
    def total_tokens(self) -> int:
        """Tokens of the cached (unpinned) sequences."""
        return sum(len(s) for s in self._seqs.values() if not s.pinned)

    @property
    def total_bytes(self) -> int:
        """Bytes the cached (unpinned) sequences hold; live branches are the request's own."""
        return sum(s.nbytes() for s in self._seqs.values() if not s.pinned)

    def count(self, reused: int, computed: int) -> None:
        """What a decode reused from the cache and what it computed."""
        self.hits += reused
        self.misses += computed

    def clear(self) -> None:
        """Drop every sequence and its cells; every id is free again."""
        self.memory.clear()
        self._seqs.clear()
        self._free = list(range(self.n_seq))

    # ------------------------------------------------------------------ ids, pinning, eviction

    def pin(self, seq: Seq) -> Seq:
        """Mark ``seq`` in use (never evicted until unpinned) and most recently used."""
        seq.pinned += 1
        self._seqs.move_to_end(seq.sid)
        return seq

    def unpin(self, seq: Seq) -> None:
        seq.pinned = max(0, seq.pinned - 1)

    def drop(self, seq: Seq) -> None:
        """Remove ``seq`` and its cells; its id is free again."""
        self.memory.seq_rm(seq.sid, -1, -1)
        self._seqs.pop(seq.sid, None)
        self._free.append(seq.sid)

    def evict_one(self, cells: bool = False) -> bool:
        """Drop the least recently used unpinned sequence (``cells``: because a decode found no free KV
        cell); False when every sequence is pinned."""
        for seq in list(self._seqs.values()):
            if not seq.pinned:
                self.drop(seq)
                self.evictions += 1
                if cells:
                    self.cell_evictions += 1
                return True
        return False

    def alloc(self) -> Seq:
        """A new empty sequence, pinned; evicts for a free id, :class:`ContextFull` when all are pinned."""
        while not self._free:
            if not self.evict_one():
                raise ContextFull(f"all {self.n_seq} llama.cpp sequences are in use")
        sid = self._free.pop(0)
        self.memory.seq_rm(sid, -1, -1)
        seq = Seq(sid)
        self._seqs[sid] = seq
        return self.pin(seq)

    def fork(self, src: Seq, n: int) -> Seq:
        """A new pinned sequence holding ``src``'s first ``n`` tokens (their cells copied, their memo, and
        the last row when that is all of ``src``); ``src`` is not evicted for the new id."""
        self.pin(src)
        try:
            dst = self.alloc()
        finally:
            self.unpin(src)
        self.memory.seq_cp(src.sid, dst.sid, 0, n)
        dst.ids = src.ids[:n]
        dst.logit = src.logit[:n]
        dst.logprob = src.logprob[:n]
        dst.greedy = src.greedy[:n]
        dst.last = src.last if n == len(src) else None
        if src.exact is not None and src.exact < n:  # the copied cells hold kept (inexact) ones
            dst.exact, dst.pie_depth = src.exact, src.pie_depth
        return dst

    # ------------------------------------------------------------------ lookup

    def best(self, ids: Sequence[int]) -> tuple[Optional[Seq], int]:
        """The sequence sharing the longest common prefix with ``ids`` (the most recently used wins ties)
        and that length; ``(None, 0)`` when none shares a token. Recency is left alone (pinning it moves)."""
        return longest_prefix(reversed(self._seqs.values()), ids)

    def acquire(self, ids: list[int], need_from: int, need_last: bool,
                found: Optional[tuple[Optional[Seq], int]] = None) -> tuple[Seq, int, Optional[Score]]:
        """A pinned sequence holding a prefix ``ids[:n]`` of ``ids``, chosen so that decoding ``ids[n:]``
        yields every score from position ``need_from`` on (and the row after the last token when
        ``need_last``). Returns (seq, n, first): ``first`` is the score of position ``n`` when it is
        needed and in the memo; when it is needed and not there, ``seq.last`` (the row after ``ids[:n]``)
        is set to score it from. ``found``: :meth:`best` of ``ids``, when the caller has it."""
        src, n0 = found if found is not None else self.best(ids)
        if src is None or n0 <= 0:
            return self.alloc(), 0, None
        lo = max(1, need_from)
        cut = n0
        for p in range(lo, n0):
            if src.greedy[p] < 0:
                cut = p - 1  # the logits at p-1 are needed: re-decode from there
                break
        if cut == n0:
            has_last = n0 == len(src) and src.last is not None
            if n0 == len(ids):
                if need_last and not has_last:
                    cut = n0 - 1  # the row after the last token is needed: re-decode that token
            elif n0 >= lo and not has_last:
                cut = n0 - 1  # the first new token is scored from the row at n0-1: re-decode that token
        if cut <= 0:
            return self.alloc(), 0, None
        first = (src.logit[cut], src.logprob[cut], src.greedy[cut]) if lo <= cut < n0 else None
        if cut == len(src) and not src.pinned:
            return self.pin(src), cut, first  # extend in place: the longer sequence covers the shorter
        return self.fork(src, cut), cut, first

    # ------------------------------------------------------------------ after a call

    def keep(self, seq: Seq) -> None:
        """Keep ``seq`` as a cached sequence (call it unpinned): drop the unpinned sequences whose ids are
        a prefix of its ids (it covers them; an equal one hands it its last row), then evict the least
        recently used until the bounds hold. Nothing when ``seq`` is no longer held."""
        if seq not in self:
            return
        for other in list(self._seqs.values()):
            if other is seq or other.pinned:
                continue
            if is_prefix(other.ids, seq.ids):
                if len(other) == len(seq) and seq.last is None and other.last is not None:
                    seq.last = other.last
                self.drop(other)
        while len(self._seqs) > self.max_entries or self.total_bytes > self.max_bytes:
            victim = next((s for s in self._seqs.values() if not s.pinned), None)
            if victim is None:
                break
            self.drop(victim)
            self.evictions += 1

    def unshare(self, seq: Seq, start: int) -> bool:
        """Before ``seq``'s cells from position ``start`` on are moved: drop the other sequences that may
        share one of them (forks, :meth:`fork`, share cells, one position per cell), i.e. those with more
        than ``start`` tokens in common with ``seq``. False, dropping nothing, when one of them is pinned."""
        sharers = [s for s in self._seqs.values() if s is not seq and common_prefix_len(s.ids, seq.ids) > start]
        if any(s.pinned for s in sharers):
            return False
        for s in sharers:
            self.drop(s)
        return True
