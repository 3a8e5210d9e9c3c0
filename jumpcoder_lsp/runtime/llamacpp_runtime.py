"""The llama.cpp runtime: the GGUF as is (quantized, memory-mapped), through llama-cpp-python's
low-level API (``llama_cpp.llama_cpp``; the high-level ``Llama`` class has wrong ``echo``+``logprobs``
rows and a broken ``suffix=`` FIM path, see shared/notes/llamacpp-runtime.md).

Layout:

* One ``llama_model`` and one context with ``n_seq_max`` sequences over a *unified* KV cache: all
  sequences share one buffer, so forking a branch from a shared prefix (``llama_memory_seq_cp``) only
  tags cells and computes nothing.
* The saved sequences belong to one :class:`~jumpcoder_lsp.runtime.seqpool.SeqPool` (``self.store``,
  as the torch runtime's ``KVStore``): a :class:`~jumpcoder_lsp.runtime.seqpool.Seq` is one sequence id
  and what it holds (token ids, a memo of per-position scores, the logits row after the last token).
  The pool owns the ids, pinning, the LRU, eviction, dedup and the bounds: a request reuses the
  sequence with the longest common token prefix (forked when that sequence holds more than the common
  prefix, extended in place when it is a prefix of the request), and a sequence whose ids are a prefix
  of another's is dropped (the longer one covers it). When sequence ids or KV cells run out the least
  recently used unpinned sequence is evicted; a decode that still finds no room raises
  :class:`ContextFull` (prefill) or ends the branches with ``finish="length"`` (step). The pool reaches
  the cells through :class:`LlamaMemory` (the ``llama_memory_*`` calls).
* Prefill and scoring decode in fixed chunks aligned to absolute positions (multiples of
  :data:`CHUNK`): llama.cpp's logits depend on how a pass is split into batches, and the same split
  gives the same numbers. Logits are only requested at the positions a score needs (the lm_head over
  152k tokens costs about a third of a token's forward pass) and at the last prompt position.
* :meth:`LlamaCppRuntime.generate` prefills each branch (reusing the cache), then advances every live
  branch by one token with ONE ``llama_decode`` per step (one token per sequence). The generated
  tokens stay in the branch's sequence, with their scores, so the next JumpCoder iteration (the code
  plus the new line) is mostly a cache hit.

Shared with the torch runtime: prompt ids and the prefix arithmetic of the sequence LRU
(:mod:`~jumpcoder_lsp.runtime.tokens`, through the pool), the score request loop and the per-branch
generate results (:mod:`~jumpcoder_lsp.runtime.branches`).

Threading: meant to be driven by one worker thread; a lock serialises the public methods anyway.
"""

from __future__ import annotations

import bisect
import ctypes
import logging
import math
import os
import re
import threading
import time
from pathlib import Path
from typing import Callable, Optional, Sequence

from . import tokens
from .base import CancelCheck, Generated, GenRequest, Prompt, Scored, ScoreRequest
from .branches import Branches, check_cancel, score_each
from .cpu import physical_cores
from .kvreuse import MIN_KEPT, MODES, REFRESH_AFTER, Kept, ReusePlan, plan_reuse, refresh_due, reuse_stats
from .seqpool import MAX_CACHE_BYTES, ContextFull, Seq, SeqPool
from .tokens import bad_word_ids, tile_offsets, unique_ids

log = logging.getLogger(__name__)

Progress = Callable[[str, Optional[float]], None]

#: tokens per prefill/score decode (chunks aligned to multiples of this absolute position)
CHUNK = 256
#: the llama-cpp-python version this runtime was written and measured against
TESTED_VERSION = "0.3.36"
#: low-level functions this runtime calls: an older build lacks some of them
REQUIRED_FUNCTIONS = (
    "llama_backend_init", "llama_model_default_params", "llama_context_default_params",
    "llama_model_load_from_file", "llama_init_from_model", "llama_model_get_vocab", "llama_get_memory",
    "llama_memory_clear", "llama_memory_seq_rm", "llama_memory_seq_cp", "llama_memory_seq_add", "llama_batch_init",
    "llama_batch_free", "llama_decode", "llama_get_logits_ith", "llama_tokenize", "llama_token_to_piece",
    "llama_vocab_n_tokens", "llama_vocab_bos", "llama_vocab_eos", "llama_vocab_eot", "llama_model_desc",
    "llama_model_n_ctx_train", "llama_free", "llama_model_free", "llama_log_set",
)
INSTALL_HINT = (
    'install or rebuild it: pip install "jumpcoder-lsp[llamacpp]" or scripts/build_llamacpp.sh '
    f"(llama-cpp-python=={TESTED_VERSION}); see docs/llamacpp.md"
)


class LlamaCppUnavailable(ImportError):
    """llama-cpp-python is missing, too old, or its native library does not load."""


class ModelLoadError(RuntimeError):
    """llama.cpp could not load a model file."""


# --------------------------------------------------------------------------- import / environment

_LOG_CALLBACK = None  # keep the ctypes callback alive


def _install_log_callback(L) -> None:
    """Route llama.cpp's logging (very chatty at load) to Python logging: errors as warnings, the rest
    as debug. Without this, importing llama_cpp prints every load message to stderr."""
    global _LOG_CALLBACK
    if _LOG_CALLBACK is not None:
        return

    @L.llama_log_callback
    def _cb(level, text, user_data):  # pragma: no cover - called from C
        try:
            msg = text.decode("utf-8", "replace").rstrip() if text else ""
            if msg:
                (log.warning if level == 4 else log.debug)("llama.cpp: %s", msg)  # GGML_LOG_LEVEL_ERROR
        except Exception:
            pass

    _LOG_CALLBACK = _cb
    L.llama_log_set(_cb, ctypes.c_void_p(0))


def import_llama_cpp():
    """The low-level ``llama_cpp.llama_cpp`` module, checked; :class:`LlamaCppUnavailable` otherwise."""
    try:
        import llama_cpp  # noqa: F401
        import llama_cpp.llama_cpp as L
    except ImportError as e:
        raise LlamaCppUnavailable(f"llama-cpp-python is not installed ({e}); {INSTALL_HINT}") from e
    except OSError as e:  # the shared library failed to load (wrong CPU, missing libgomp, ...)
        raise LlamaCppUnavailable(f"llama-cpp-python's native library does not load ({e}); {INSTALL_HINT}") from e
    version = getattr(llama_cpp, "__version__", "?")
    missing = [name for name in REQUIRED_FUNCTIONS if not hasattr(L, name)]
    fields = {f[0] for f in getattr(L.llama_context_params, "_fields_", [])}
    if "kv_unified" not in fields:
        missing.append("llama_context_params.kv_unified")
    if missing:
        raise LlamaCppUnavailable(
            f"llama-cpp-python {version} is too old for this runtime (missing: {', '.join(missing)}); {INSTALL_HINT}")
    _install_log_callback(L)
    return L


def llama_cpp_available() -> tuple[bool, str]:
    """(usable, reason): for ``--runtime auto``."""
    try:
        import_llama_cpp()
    except LlamaCppUnavailable as e:
        return False, str(e)
    import llama_cpp

    return True, f"llama-cpp-python {getattr(llama_cpp, '__version__', '?')}"


_QUANT = [(" - Medium", "_M"), (" - Small", "_S"), (" - Large", "_L"), (" - Extra Small", "_XS")]


def _quant_name(desc: str) -> str:
    """'qwen2 1B Q4_K - Medium' -> 'Q4_K_M'."""
    parts = desc.split(" ", 2)
    q = parts[2] if len(parts) == 3 else desc
    for long, short in _QUANT:
        q = q.replace(long, short)
    return q.replace(" ", "")


# --------------------------------------------------------------------------- sequences


class LlamaMemory:
    """The :class:`~jumpcoder_lsp.runtime.seqpool.SeqMemory` of a llama.cpp context: its
    ``llama_memory_*`` calls (positions ``[p0, p1)``, -1 = open end)."""

    def __init__(self, L, mem):
        self._L, self._mem = L, mem

    def seq_rm(self, sid: int, p0: int, p1: int) -> None:
        self._L.llama_memory_seq_rm(self._mem, sid, p0, p1)

    def seq_cp(self, src: int, dst: int, p0: int, p1: int) -> None:
        self._L.llama_memory_seq_cp(self._mem, src, dst, p0, p1)

    def seq_add(self, sid: int, p0: int, p1: int, delta: int) -> None:
        self._L.llama_memory_seq_add(self._mem, sid, p0, p1, delta)

    def clear(self) -> None:
        self._L.llama_memory_clear(self._mem, True)


class LlamaCppRuntime:
    """A :class:`~jumpcoder_lsp.runtime.base.Runtime` over a GGUF file, with llama.cpp.

    ``stop_tokens``: control tokens that end a generated branch like EOS (e.g. ``<|fim_pad|>``), on top
    of the vocabulary's EOS/EOT; unknown ones are ignored (logged). ``threads``: default the physical
    cores. ``n_ctx``: KV cells shared by all sequences (capped at the model's training context);
    ``n_seq_max``: sequence ids (live branches + cached prompts); ``max_cache_entries``: cached
    sequences kept between calls, their state at most ``max_cache_bytes`` bytes. ``batch_invariant`` (default): turn off CPU weight repacking so that a
    branch's logits do not depend on how many branches are stepped with it.
    """

    def __init__(
        self,
        gguf_path,
        *,
        threads: Optional[int] = None,
        n_ctx: int = 16384,
        n_seq_max: int = 32,
        max_cache_entries: int = 24,
        max_cache_bytes: int = MAX_CACHE_BYTES,
        stop_tokens: Sequence[str] = (),
        name: Optional[str] = None,
        description: Optional[str] = None,
        n_gpu_layers: Optional[int] = None,
        batch_invariant: bool = True,
        kv_reuse: str = "prefix",
        pie_refresh: Optional[int] = REFRESH_AFTER,
    ):
        import numpy as np

        if kv_reuse not in MODES:
            raise ValueError(f"kvReuse must be one of {', '.join(MODES)}, not {kv_reuse!r}")

        self._np = np
        L = import_llama_cpp()
        self._L = L
        path = Path(gguf_path)
        if not path.is_file():
            raise ModelLoadError(f"no model file at {path}")
        L.llama_backend_init()
        self.threads = int(threads) if threads else physical_cores()
        mparams = L.llama_model_default_params()
        if n_gpu_layers is not None:
            mparams.n_gpu_layers = int(n_gpu_layers)
        if batch_invariant and hasattr(mparams, "use_extra_bufts"):
            # No CPU weight repacking (Q4_0/Q4_K -> 8x8 blocks): the repacked kernels round differently
            # for 1 and for >= 4 rows, so a branch's greedy tokens changed with the number of branches
            # stepped beside it (measured: the curr_sum infill flipped between "0" and "nums[i]").
            # Without it, batched stepping gives exactly the tokens of stepping each branch alone.
            mparams.use_extra_bufts = False
        self.batch_invariant = bool(batch_invariant)
        t0 = time.perf_counter()
        self._model = L.llama_model_load_from_file(str(path).encode("utf-8"), mparams)
        if not self._model:
            raise ModelLoadError(
                f"llama.cpp could not load {path}: not a GGUF file, corrupted, or an architecture/quantization "
                f"this llama.cpp build does not know (llama-cpp-python {self._version()}); try a newer "
                f"llama-cpp-python ({INSTALL_HINT}) or --runtime torch")
        self.load_seconds = time.perf_counter() - t0
        n_train = int(L.llama_model_n_ctx_train(self._model))
        self.n_ctx = int(min(n_ctx, n_train) if n_train > 0 else n_ctx)
        self.n_seq_max = max(2, int(n_seq_max))
        cparams = L.llama_context_default_params()
        cparams.n_ctx = self.n_ctx
        cparams.n_batch = CHUNK
        cparams.n_ubatch = CHUNK
        cparams.n_seq_max = self.n_seq_max
        cparams.n_threads = cparams.n_threads_batch = self.threads
        cparams.kv_unified = True
        cparams.no_perf = True
        self._ctx = L.llama_init_from_model(self._model, cparams)
        if not self._ctx:
            L.llama_model_free(self._model)
            self._model = None
            raise ModelLoadError(f"llama.cpp could not create a context for {path} (n_ctx={self.n_ctx}, "
                                 f"n_seq_max={self.n_seq_max}): out of memory? try a smaller n_ctx")
        self._vocab = L.llama_model_get_vocab(self._model)
        self._mem = L.llama_get_memory(self._ctx)
        self.n_vocab = int(L.llama_vocab_n_tokens(self._vocab))
        self._batch = L.llama_batch_init(max(CHUNK, self.n_seq_max), 0, 1)
        self._lock = threading.RLock()
        #: the saved sequences: ids, pinning, LRU, eviction, dedup, bounds, hits/misses
        self.store = SeqPool(LlamaMemory(L, self._mem), self.n_seq_max, max_cache_entries, max_cache_bytes)
        self._piece_ids: tokens.PieceCache = tokens.PieceCache()
        self._piece_bytes: dict[int, bytes] = {}
        self._special_ids: dict[str, int] = {}
        self._bad_ids: dict[str, object] = {}
        self._token_texts: Optional[list[str]] = None
        #: "prefix" or "pie" (edit-aware reuse: kept tokens after an edit are moved, not recomputed)
        can_shift = getattr(L, "llama_memory_can_shift", None)
        self.kv_reuse = kv_reuse if kv_reuse == "prefix" or can_shift is None or can_shift(self._mem) else "prefix"
        if self.kv_reuse != kv_reuse:
            log.warning("this model's KV cache cannot shift positions: kvReuse pie falls back to prefix")
        #: PIE plans in a row a cached sequence's kept cells may go through; the next edit recomputes from
        #: the first kept cell (:func:`~.kvreuse.refresh_due`; None: never)
        self.pie_refresh = pie_refresh
        self.pie_refreshes = 0  # refreshes done
        self.pie_moved = 0  # tokens reused at a shifted position by PIE plans
        self.pie_plans = 0  # PIE plans carried out
        self.last_plan: Optional[ReusePlan] = None  # the last PIE plan carried out (tests, benchmarks)

        stop_ids, unknown = tokens.special_ids(stop_tokens, self.special_id)
        for text in unknown:
            log.warning("stop token %r is not a single token of this vocabulary; ignored", text)
        self.eos_ids: tuple[int, ...] = unique_ids(
            [L.llama_vocab_eos(self._vocab), L.llama_vocab_eot(self._vocab), *stop_ids])
        #: the document-start token prepended to prompts that start with text (tokens.document_start)
        self.start_id = tokens.document_start(int(L.llama_vocab_bos(self._vocab)),
                                              bool(L.llama_vocab_get_add_bos(self._vocab)), self.eos_ids)

        buf = ctypes.create_string_buffer(256)
        L.llama_model_desc(self._model, buf, 256)
        self.model_desc = buf.value.decode("utf-8", "replace")
        self.quant = _quant_name(self.model_desc)
        self.name = name or self._meta("general.name") or path.stem
        self.path = path
        gpu = bool(getattr(L, "llama_supports_gpu_offload", lambda: False)()) and mparams.n_gpu_layers != 0
        self.device = "gpu" if gpu else "cpu"
        self.dtype = self.quant  # weights stay quantized (e.g. Q4_K_M)
        self.description = description or (
            f"llama.cpp {self.device} {self.quant} {self.name} ({self.threads} thread{'s' if self.threads != 1 else ''})")

    # ------------------------------------------------------------------ loading

    @classmethod
    def load(cls, gguf_path, *, threads: Optional[int] = None, stop_tokens: Sequence[str] = (),
             progress: Optional[Progress] = None, name: Optional[str] = None, **kwargs) -> "LlamaCppRuntime":
        say = progress or (lambda message, fraction=None: None)
        say(f"loading {gguf_path} with llama.cpp", None)
        rt = cls(gguf_path, threads=threads, stop_tokens=stop_tokens, name=name, **kwargs)
        say(f"loaded {rt.name} in {rt.load_seconds:.1f}s ({rt.description})", None)
        return rt

    def _version(self) -> str:
        try:
            import llama_cpp

            return llama_cpp.__version__
        except Exception:  # pragma: no cover
            return "?"

    def _meta(self, key: str) -> Optional[str]:
        fn = getattr(self._L, "llama_model_meta_val_str", None)
        if fn is None:
            return None
        buf = ctypes.create_string_buffer(512)
        n = fn(self._model, key.encode(), buf, 512)
        return buf.value.decode("utf-8", "replace") if n > 0 else None

    def close(self) -> None:
        """Free the context and the model (the runtime is unusable afterwards)."""
        L = getattr(self, "_L", None)
        if L is None:
            return
        with self._lock:
            if getattr(self, "_batch", None) is not None:
                L.llama_batch_free(self._batch)
                self._batch = None
            if getattr(self, "_ctx", None):
                L.llama_free(self._ctx)
                self._ctx = None
            if getattr(self, "_model", None):
                L.llama_model_free(self._model)
                self._model = None

    def __del__(self):  # pragma: no cover - best effort
        try:
            self.close()
        except Exception:
            pass

    def clear_cache(self) -> None:
        """Drop every cached sequence (e.g. when the document was closed)."""
        with self._lock:
            self.store.clear()

    # the store's counters, read-only (benchmarks and tests read them here)

    @property
    def hits(self) -> int:
        """Tokens served from the cache."""
        return self.store.hits

    @property
    def misses(self) -> int:
        """Tokens computed."""
        return self.store.misses

    def reuse_stats(self) -> dict:
        """The prompt cache's counters since the load (:func:`~.kvreuse.reuse_stats`)."""
        return reuse_stats(self.kv_reuse, computed=self.store.misses, reused=self.store.hits,
                           moved=self.pie_moved, plans=self.pie_plans)

    @property
    def evictions(self) -> int:
        """Cached sequences dropped for room (sequence ids, cache entries, bytes or cells)."""
        return self.store.evictions

    @property
    def cell_evictions(self) -> int:
        """... of which because a decode found no free KV cells."""
        return self.store.cell_evictions

    def set_threads(self, threads: int) -> None:
        with self._lock:
            self.threads = max(1, int(threads))
            self._L.llama_set_n_threads(self._ctx, self.threads, self.threads)

    # ------------------------------------------------------------------ tokens

    def _tokenize(self, text: str, parse_special: bool) -> list[int]:
        if not text:
            return []
        data = text.encode("utf-8")
        n_max = len(data) + 8
        buf = (self._L.llama_token * n_max)()
        n = self._L.llama_tokenize(self._vocab, data, len(data), buf, n_max, False, parse_special)
        if n < 0:
            n_max = -n
            buf = (self._L.llama_token * n_max)()
            n = self._L.llama_tokenize(self._vocab, data, len(data), buf, n_max, False, parse_special)
            if n < 0:
                raise RuntimeError(f"llama_tokenize failed ({n})")
        return list(buf[:n])

    def piece(self, token: int) -> bytes:
        """The bytes of one token (control tokens as their text)."""
        got = self._piece_bytes.get(token)
        if got is None:
            buf = ctypes.create_string_buffer(64)
            n = self._L.llama_token_to_piece(self._vocab, int(token), buf, 64, 0, True)
            if n < 0:
                buf = ctypes.create_string_buffer(-n)
                n = self._L.llama_token_to_piece(self._vocab, int(token), buf, -n, 0, True)
            got = buf.raw[:max(0, n)]
            self._piece_bytes[token] = got
        return got

    def special_id(self, text: str) -> int:
        """The id of a control token given by its text; ValueError unless it is exactly one known token."""
        got = self._special_ids.get(text)
        if got is not None:
            return got
        ids = self._tokenize(text, True)
        if len(ids) != 1 or self.piece(ids[0]).decode("utf-8", "replace") != text:
            raise ValueError(f"{text!r} is not a single token of this vocabulary")
        self._special_ids[text] = ids[0]
        return ids[0]

    def _text_ids(self, text: str) -> list[int]:
        return tokens.piece_ids(self._piece_ids, text, self._encode_text)

    def _encode_text(self, text: str) -> list[int]:
        return self._tokenize(text, False)  # text is never parsed for control tokens

    def prompt_ids(self, prompt: Prompt) -> list[int]:
        """Each piece tokenized separately, ids concatenated; a prompt that starts with text (or is
        empty) starts a document and gets :attr:`start_id` first."""
        return tokens.prompt_ids(prompt, self.start_id, self.special_id, self._text_ids)

    def encode_with_offsets(self, text: str) -> tuple[list[int], list[tuple[int, int]]]:
        """Token ids of a text piece and each token's character span (the spans tile the text).

        A character belongs to the first token holding one of its bytes (the rule of
        :func:`~jumpcoder_lsp.runtime.tokens.tile_offsets` for Hugging Face offsets)."""
        if not text:
            return [], []
        ids = self._text_ids(text)
        char_starts: list[int] = []  # byte offset where each character starts
        b = 0
        for ch in text:
            char_starts.append(b)
            o = ord(ch)
            b += 1 if o < 0x80 else 2 if o < 0x800 else 3 if o < 0x10000 else 4
        ends = []
        pos = 0
        for t in ids:
            pos += len(self.piece(t))
            ends.append((0, bisect.bisect_left(char_starts, pos)))
        return list(ids), tile_offsets(ends, len(text))

    def decode(self, ids: Sequence[int]) -> str:
        return b"".join(self.piece(int(t)) for t in ids).decode("utf-8", "replace")

    def count_tokens(self, text: str) -> int:
        return len(self._text_ids(text))

    def token_texts(self) -> list[str]:
        """The decoded text of every token id (computed once; ~0.3 s for 152k tokens)."""
        if self._token_texts is None:
            self._token_texts = [self.piece(i).decode("utf-8", "replace") for i in range(self.n_vocab)]
        return self._token_texts

    def _banned(self, words: Sequence[str]):
        np = self._np
        parts = []
        for word in words:
            if word not in self._bad_ids:
                self._bad_ids[word] = np.asarray(bad_word_ids(self.token_texts(), word), dtype=np.int64)
            parts.append(self._bad_ids[word])
        parts = [p for p in parts if p.size]
        return np.concatenate(parts) if parts else None

    # ------------------------------------------------------------------ sequences

    def _acquire(self, ids: list[int], need_from: int, need_last: bool):
        """The store's pinned sequence to decode ``ids`` into (:meth:`SeqPool.acquire`: (seq, n, first)),
        or with ``kv_reuse="pie"`` the PIE plan's when no cached sequence is a prefix of ``ids``."""
        found = self.store.best(ids)
        src, n0 = found
        if self.kv_reuse == "pie" and not (src is not None and n0 == len(src)):
            got = self._pie_acquire(ids, need_from, n0)
            if got is not None:
                return got
            if src is not None and refresh_due(src.pie_depth, self.pie_refresh) and src.exact is not None \
                    and n0 > src.exact:
                # the periodic full refresh: an edit after ``pie_refresh`` PIE plans recomputes from the
                # first position whose cells were kept from before an edit
                found = (src, src.exact)
                self.pie_refreshes += 1
        return self.store.acquire(ids, need_from, need_last, found)

    #: cached sequences a PIE plan is tried against (most recent first; the diff costs ~ms each)
    PIE_CANDIDATES = 4

    def _pie_acquire(self, ids: list[int], need_from: int, n0: int):
        """PIE: the cached sequence whose plan reuses the most tokens, taken over in place (its cells
        are moved, so it cannot stay as it was), with dropped spans removed, kept runs shifted to their
        new positions and the compute spans decoded; None when no plan beats the common prefix ``n0``.
        Positions from ``need_from - 1`` on are always computed (scores asked for are computed, never
        taken from moved tokens)."""
        cut_at = max(1, min(len(ids) - 1, need_from - 1))
        best, best_plan = None, None
        for seq in list(reversed(self.store.entries()))[:self.PIE_CANDIDATES]:
            if seq.pinned or not seq.ids or refresh_due(seq.pie_depth, self.pie_refresh):
                continue
            plan = _truncate(plan_reuse(seq.ids, ids, "pie"), cut_at)
            if plan.moved and plan.reused >= n0 + MIN_KEPT and (best_plan is None or plan.reused > best_plan.reused):
                best, best_plan = seq, plan
        if best is None:
            return None
        shifted = [k for k in best_plan.moved if k.shift]
        if shifted:
            # cells forked from ``best`` (llama_memory_seq_cp shares cells, one position per cell) would
            # move too: drop the sequences that may share a shifted cell, or give up when one is live
            if not self.store.unshare(best, min(k.old for k in shifted)):
                return None
        return self._pie_apply(best, best_plan, ids), None, None

    def _pie_apply(self, seq: Seq, plan: ReusePlan, ids: list[int]) -> Seq:
        """Carry out ``plan`` on ``seq``'s cells (remove, shift) and its memo; the compute spans are left
        for :meth:`_pie_compute`. Returns ``seq`` pinned."""
        memory, sid = self.store.memory, seq.sid
        for a, b in plan.dropped_spans():
            memory.seq_rm(sid, a, b)
        moved = [k for k in plan.moved if k.shift]
        # left moves first, in order; then right moves from the last: a range never catches a moved run
        for k in [k for k in moved if k.shift < 0] + [k for k in reversed(moved) if k.shift > 0]:
            memory.seq_add(sid, k.old, k.old + k.length, k.shift)
        n = len(ids)
        logit, logprob, greedy = [math.nan] * n, [math.nan] * n, [-1] * n
        head = plan.prefix
        logit[:head], logprob[:head], greedy[:head] = seq.logit[:head], seq.logprob[:head], seq.greedy[:head]
        seq.ids, seq.logit, seq.logprob, seq.greedy, seq.last = list(ids), logit, logprob, greedy, None
        seq.pending = plan.compute_spans()
        seq.exact = plan.prefix if seq.exact is None else min(seq.exact, plan.prefix)
        seq.pie_depth += 1
        self.pie_plans += 1
        self.pie_moved += sum(k.length for k in plan.moved)
        self.last_plan = plan
        return self.store.pin(seq)

    def _pie_compute(self, seq: Seq, need_from: int, need_last: bool, cancel: Optional[CancelCheck]) -> None:
        """Decode the compute spans of the PIE plan just applied, at their new positions, in chunks
        aligned to multiples of CHUNK (between kept cells: the causal mask is by position)."""
        spans, seq.pending = seq.pending, []
        ids, total = seq.ids, len(seq.ids)
        computed = sum(b - a for a, b in spans)
        self.store.count(total - computed, computed)
        try:
            self._pie_decode(seq, spans, need_from, need_last, cancel)
        except BaseException:
            self.store.drop(seq)  # half moved, half computed: nothing in it can be trusted
            raise

    def _pie_decode(self, seq: Seq, spans, need_from: int, need_last: bool, cancel: Optional[CancelCheck]) -> None:
        # llama_decode refuses a batch at positions not after a sequence's last cell (llama.cpp 0.3.36:
        # "inconsistent sequence positions"), so a span between kept cells is decoded on a scratch
        # sequence holding the cells before it (seq_cp tags cells, computes nothing), then its new
        # cells are tagged with ``seq`` and the scratch sequence is removed
        store = self.store
        for a, b in spans:
            tmp = store.alloc()
            try:
                store.memory.seq_cp(seq.sid, tmp.sid, 0, a)
                self._pie_span(seq, tmp.sid, a, b, need_from, need_last, cancel)
                store.memory.seq_cp(tmp.sid, seq.sid, a, b)
            finally:
                store.drop(tmp)

    def _pie_span(self, seq: Seq, sid: int, a: int, b: int, need_from: int, need_last: bool,
                  cancel: Optional[CancelCheck]) -> None:
        ids, total = seq.ids, len(seq.ids)
        if True:
            p = a
            while p < b:
                check_cancel(cancel)
                end = min(b, (p // CHUNK + 1) * CHUNK)
                entries = []
                for q in range(p, end):
                    want = (q + 1 < total and q + 1 >= need_from) or (q == total - 1 and need_last)
                    entries.append((ids[q], q, sid, want))
                if not self._decode(entries):
                    raise ContextFull(f"the llama.cpp context is full (n_ctx={self.n_ctx}) with a {total}-token prompt; "
                                      "use a larger n_ctx")
                for i, (_tok, q, _sid, want) in enumerate(entries):
                    if not want:
                        continue
                    row = self._row(i)
                    if q + 1 < total:
                        seq.logit[q + 1], seq.logprob[q + 1], seq.greedy[q + 1] = self._score_row(row, ids[q + 1])
                    if q == total - 1:
                        seq.last = row.copy()
                p = end

    # ------------------------------------------------------------------ decoding

    def _decode(self, entries: list[tuple[int, int, int, bool]]) -> bool:
        """One llama_decode of (token, pos, seq id, want logits) entries. On 'no KV slot', evict the
        least recently used unpinned sequence and retry; False when nothing is left to evict."""
        L, batch = self._L, self._batch
        batch.n_tokens = len(entries)
        for i, (tok, pos, sid, want) in enumerate(entries):
            batch.token[i] = tok
            batch.pos[i] = pos
            batch.n_seq_id[i] = 1
            batch.seq_id[i][0] = sid
            batch.logits[i] = 1 if want else 0
        while True:
            rc = L.llama_decode(self._ctx, batch)
            if rc == 0:
                return True
            if rc == 1:
                if self.store.evict_one(cells=True):
                    continue
                return False
            raise RuntimeError(f"llama_decode failed with code {rc}")

    def _row(self, i: int):
        return self._np.ctypeslib.as_array(self._L.llama_get_logits_ith(self._ctx, i), shape=(self.n_vocab,))

    def _score_row(self, row, token: int) -> tuple[float, float, int]:
        np = self._np
        m = float(row.max())
        lse = m + math.log(float(np.exp(row - m).sum()))
        s = float(row[token])
        return s, s - lse, int(row.argmax())

    def _extend(self, seq: Seq, ids: list[int], need_from: int, need_last: bool,
                cancel: Optional[CancelCheck], first=None) -> None:
        """Decode ``ids[len(seq):]`` into ``seq`` in chunks aligned to multiples of CHUNK, asking logits
        where a score at position >= need_from needs them (and at the last position if need_last)."""
        total = len(ids)
        p = len(seq)
        self.store.count(p, total - p)
        carry = first  # the score of a chunk's first token, computed from the previous row
        if p < total:
            if carry is None and p >= max(1, need_from):
                if seq.last is None:  # SeqPool.acquire guarantees one of them
                    raise AssertionError("no logits row to score the first new token")
                carry = self._score_row(seq.last, ids[p])
            seq.last = None
        while p < total:
            check_cancel(cancel)
            end = min(total, (p // CHUNK + 1) * CHUNK)
            entries = []
            for q in range(p, end):
                want = (q + 1 < total and q + 1 >= need_from) or (q == total - 1 and need_last)
                entries.append((ids[q], q, seq.sid, want))
            if not self._decode(entries):
                raise ContextFull(
                    f"the llama.cpp context is full (n_ctx={self.n_ctx}) with a {total}-token prompt; "
                    "use a larger n_ctx")
            for q in range(p, end):
                seq.ids.append(ids[q])
                seq.logit.append(math.nan)
                seq.logprob.append(math.nan)
                seq.greedy.append(-1)
            if carry is not None:
                seq.logit[p], seq.logprob[p], seq.greedy[p] = carry
                carry = None
            for i, (_tok, q, _sid, want) in enumerate(entries):
                if not want:
                    continue
                row = self._row(i)
                if q + 1 < total:
                    vals = self._score_row(row, ids[q + 1])
                    if q + 1 < end:
                        seq.logit[q + 1], seq.logprob[q + 1], seq.greedy[q + 1] = vals
                    else:
                        carry = vals
                if q == total - 1:
                    seq.last = row.copy()
            p = end

    def _prefill(self, ids: list[int], need_from: int, need_last: bool, cancel: Optional[CancelCheck]) -> Seq:
        """A pinned sequence holding exactly ``ids`` with the memo filled from ``need_from``."""
        seq, n, first = self._acquire(ids, need_from, need_last)
        try:
            if seq.pending:
                self._pie_compute(seq, need_from, need_last, cancel)
            else:
                self._extend(seq, ids, need_from, need_last, cancel, first)
        except BaseException:
            self.store.unpin(seq)
            raise
        return seq

    def warm(self, prompt: Prompt, cancel: Optional[CancelCheck] = None) -> int:
        """Prefill ``prompt`` into a saved sequence (the last row's logits too, which a generate of
        the same prompt starts from) and decode nothing; cancel is polled per prefill chunk."""
        with self._lock:
            check_cancel(cancel)
            ids = self.prompt_ids(prompt)
            seq = self._prefill(ids, len(ids), True, cancel)
            self.store.unpin(seq)
            self.store.keep(seq)
            return len(ids)

    # ------------------------------------------------------------------ score

    def score(self, requests: Sequence[ScoreRequest]) -> list[Scored]:
        """Teacher-forced scores of each target given its context (an empty context starts a document:
        the first target token is scored after the document-start token)."""
        with self._lock:
            return score_each(requests, self.encode_with_offsets, self.prompt_ids, self._score_ids)

    def _score_ids(self, ctx_ids: list[int], tgt_ids: list[int], offsets: list[tuple[int, int]]) -> Scored:
        ids = ctx_ids + tgt_ids
        lo, hi = len(ctx_ids), len(ids)
        # the last row too (one more lm_head row): a later generate of the same text reuses it
        seq = self._prefill(ids, lo, True, None)
        try:
            return Scored(tokens=tgt_ids, offsets=offsets, logits=seq.logit[lo:hi],
                          logprobs=seq.logprob[lo:hi], greedy=seq.greedy[lo:hi])
        finally:
            self.store.unpin(seq)
            self.store.keep(seq)

    # ------------------------------------------------------------------ generate

    def generate(self, requests: Sequence[GenRequest], cancel: Optional[CancelCheck] = None) -> list[Generated]:
        """Greedy decoding of all branches together: one llama_decode per step for the live ones.

        ``Generated.tokens`` holds every generated token up to the one that finished the branch (the EOS
        token itself excluded); ``text`` is their decoded text cut by the stop rule. ``cancel()`` is
        polled before each prefill chunk and each step (raises :class:`Cancelled`).
        """
        if not requests:
            return []
        requests = list(requests)
        with self._lock:
            out: list[Generated] = []
            group = max(1, self.n_seq_max - 1)
            for lo in range(0, len(requests), group):
                out.extend(self._generate(requests[lo:lo + group], cancel))
            return out

    def _generate(self, requests: list[GenRequest], cancel: Optional[CancelCheck]) -> list[Generated]:
        np = self._np

        check_cancel(cancel)
        n = len(requests)
        branches = Branches(requests, self.decode)
        seqs: list[Optional[Seq]] = [None] * n
        try:
            for i, req in enumerate(requests):
                if req.max_new_tokens <= 0:
                    branches.end(i, "length")
                    continue
                check_cancel(cancel)
                ids = self.prompt_ids(req.prompt)
                try:
                    seqs[i] = self._prefill(ids, len(ids), True, cancel)
                except ContextFull as e:
                    # the live branches of this call hold the rest of the context: this one gets nothing
                    log.warning("%s; branch %d of %d ends empty", e, i + 1, n)
                    branches.end(i, "length")
            banned = [self._banned(req.bad_words) if req.bad_words else None for req in requests]
            live = branches.live()
            rows = {i: seqs[i].last for i in live}

            while live:
                check_cancel(cancel)
                feed = []
                for i in live:
                    raw = rows[i]
                    if banned[i] is not None:
                        masked = raw.copy()
                        masked[banned[i]] = -np.inf
                        tok = int(masked.argmax())
                    else:
                        tok = int(raw.argmax())
                    if tok in self.eos_ids:
                        branches.end(i, "eos")
                        continue
                    s, lp, g = self._score_row(raw, tok)
                    if branches.push(i, tok, s):
                        feed.append((i, tok, s, lp, g))
                for i in live:
                    if branches.results[i] is not None:
                        seqs[i].last = rows[i] if seqs[i].last is None else seqs[i].last
                if not feed:
                    break
                check_cancel(cancel)
                entries = [(tok, len(seqs[i]), seqs[i].sid, True) for i, tok, _, _, _ in feed]
                if not self._decode(entries):
                    log.warning("llama.cpp context full (n_ctx=%d): ending %d branches early", self.n_ctx, len(feed))
                    for i, *_ in feed:
                        branches.end(i, "length")
                    break
                live = []
                for k, (i, tok, s, lp, g) in enumerate(feed):
                    seq = seqs[i]
                    seq.ids.append(tok)
                    seq.logit.append(s)
                    seq.logprob.append(lp)
                    seq.greedy.append(g)
                    row = self._row(k).copy()
                    seq.last = row
                    rows[i] = row
                    live.append(i)
        finally:
            for seq in seqs:
                if seq is not None:
                    self.store.unpin(seq)
            for seq in seqs:
                if seq is not None:
                    self.store.keep(seq)  # nothing when an earlier one's dedup dropped it
        return branches.done()


def _truncate(plan: ReusePlan, end: int) -> ReusePlan:
    """``plan`` with every kept run cut at new position ``end`` (the tokens from there are computed)."""
    kept = []
    for k in plan.kept:
        n = min(k.length, end - k.new)
        if n > 0:
            kept.append(Kept(k.old, k.new, n))
    return ReusePlan(tuple(kept), plan.old_len, plan.new_len)


# --------------------------------------------------------------------------- loading.py hook


def load_llamacpp(resolved, threads: Optional[int] = None, progress: Optional[Progress] = None,
                  **kwargs) -> LlamaCppRuntime:
    """Load a :class:`~jumpcoder_lsp.models.resolve.ResolvedModel` with llama.cpp (its verified GGUF).

    Raises :class:`LlamaCppUnavailable` (not installed / too old) or :class:`ModelLoadError` (no GGUF for
    this spec, or llama.cpp cannot load it); both name the fix.
    """
    import_llama_cpp()
    path = getattr(resolved, "gguf_path", None)
    if path is None:
        raise ModelLoadError(
            f"{getattr(resolved, 'spec', resolved)!r} has no GGUF file: the llama.cpp runtime needs a preset or a "
            ".gguf file (use --runtime torch for a transformers directory or hub repo)")
    name = None
    preset = getattr(resolved, "preset", None)
    if preset is not None:
        name = getattr(preset, "name", None)
    return LlamaCppRuntime.load(path, threads=threads, stop_tokens=getattr(resolved, "stop_tokens", ()),
                                progress=progress, name=name, **kwargs)
