"""The transformers runtime: one place owns the KV cache and the batched step.

Layout (gpt-fast in spirit: plain PyTorch, the model's decoder is called directly):

* :class:`KVStore` keeps a few :class:`CacheEntry` objects (LRU). An entry is everything computed for
  one token sequence: the ids, per layer the keys/values ``[1, kv_heads, L, head_dim]``, the final
  (normed) hidden state at every position, and a memo of per-position scores (the logit and
  log-probability of token ``p`` given ``ids[:p]``, and the argmax there), filled lazily from the
  hidden states, so ``lm_head`` (136M multiply-adds per position for Qwen2.5's 152k vocabulary) runs
  only where a score is asked for. Entries are immutable apart from that memo.
* :meth:`TorchRuntime._prefill` finds the entry with the longest common token prefix, forks it (slices
  are views; the extension goes through ``DynamicLayer.update``, which concatenates into new tensors
  and never writes into the entry's), computes only the uncached suffix (in chunks), and stores the
  result. A request fully covered by an entry costs no forward pass at all.
* ``kv_reuse="pie"`` (PIE, :mod:`~jumpcoder_lsp.runtime.kvreuse`, docs/kvreuse.md): a prompt that
  differs from a cached entry by edits keeps the cached keys/values of the unchanged tokens after
  the edit too, each moved run's keys rotated once per layer by its position delta
  (:func:`rotate_keys`, float64 angles), and computes only the edited spans and the last token
  (:meth:`TorchRuntime._prefill_pie`). Such an entry is approximate from its first moved token on
  (``CacheEntry.exact``); score requests reuse only exact positions, so scores are always a full
  recompute's.
* :meth:`TorchRuntime.generate` prefills each branch that way, then left-pads and merges the branch
  caches into one preallocated buffer per layer (:class:`_BufferLayer`: each step writes its new
  key/value in place instead of re-concatenating the whole cache) and decodes all live branches with
  ONE forward pass per step: ``attention_mask`` has zeros on the pads, ``position_ids`` are each
  branch's real length + t. Finished rows leave the batch (index_select), and pad columns no live row
  needs are trimmed.

Shared with the llama.cpp runtime: prompt ids and the prefix arithmetic of the store
(:mod:`~jumpcoder_lsp.runtime.tokens`), the score request loop and the per-branch generate results
(:mod:`~jumpcoder_lsp.runtime.branches`).

Threading: a runtime is meant to be driven by one worker thread (the server's model worker). A lock
serialises the public methods anyway, so a stray concurrent call waits instead of corrupting the store.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Optional, Sequence

import torch
from transformers import DynamicCache
from transformers.cache_utils import DynamicLayer

from . import kvreuse, tokens
from .base import CancelCheck, Generated, GenRequest, Prompt, Scored, ScoreRequest
from .branches import Branches, check_cancel, score_each
from .device import DeviceChoice, dtype_name, physical_cores, pick
from .tokens import (bad_word_ids, common_prefix_len, is_prefix, longest_prefix, text_only_tokenizer, tile_offsets,
                     unique_ids)

log = logging.getLogger(__name__)

#: ``progress(message, fraction)``, as in :mod:`jumpcoder_lsp.models.fetch`
Progress = Callable[[str, Optional[float]], None]

PREFILL_CHUNK = 512  # tokens per prefill forward (measured: ~400 tok/s at 512, lower for 2048 at once)
HEAD_CHUNK = 64  # positions per lm_head matmul when filling scores (64 x 152k floats = 39 MB)


# --------------------------------------------------------------------------- KV cache store


@dataclass(eq=False)
class CacheEntry:
    ids: list[int]
    kv: list[tuple[torch.Tensor, torch.Tensor]]  # per layer, [1, kv_heads, L, head_dim]
    hidden: torch.Tensor  # [L, hidden]: final hidden state at each position (predicts token p+1)
    logit: torch.Tensor  # [L] float32: S of token p given ids[:p]; NaN = not computed yet (always at 0)
    logprob: torch.Tensor  # [L] float32
    greedy: torch.Tensor  # [L] int64: argmax given ids[:p]; -1 = not computed yet
    #: leading positions whose keys/values/hidden states are exact (a full recompute's); PIE's moved
    #: tokens and everything after them are approximate. None = all of them.
    exact: Optional[int] = None
    #: PIE plans the approximate positions went through since computed (the full refresh, kvreuse.refresh_due)
    pie_depth: int = 0

    @property
    def exact_len(self) -> int:
        return len(self.ids) if self.exact is None else min(self.exact, len(self.ids))

    def __len__(self) -> int:
        return len(self.ids)

    def prefix(self, n: int) -> "CacheEntry":
        """The first n tokens: views, no copy. The memo is shared, which is right: a score at position
        p depends only on ids[:p+1], the same in both."""
        if n == len(self.ids):
            return self
        return CacheEntry(
            ids=self.ids[:n],
            kv=[(k[:, :, :n], v[:, :, :n]) for k, v in self.kv],
            hidden=self.hidden[:n],
            logit=self.logit[:n],
            logprob=self.logprob[:n],
            greedy=self.greedy[:n],
            exact=None if self.exact is None or self.exact >= n else self.exact,
            pie_depth=0 if self.exact is None or self.exact >= n else self.pie_depth,
        )


#: bytes the KV store may hold (keys, values, hidden states and the score memo of its entries)
MAX_CACHE_BYTES = 1 << 30


def entry_bytes(entry: "CacheEntry") -> int:
    """Bytes an entry keeps alive: the whole storage of each of its tensors (a prefix view keeps its
    base's storage), each storage counted once, the ids list at 8 bytes an id."""
    seen: dict[int, int] = {}
    for t in [entry.hidden, entry.logit, entry.logprob, entry.greedy, *(x for kv in entry.kv for x in kv)]:
        storage = t.untyped_storage()
        seen[storage.data_ptr()] = storage.nbytes()
    return sum(seen.values()) + 8 * len(entry.ids)


class KVStore:
    """LRU of cache entries, bounded by entry count, total tokens and total bytes
    (:func:`entry_bytes`). Lookup = longest common prefix.

    An entry whose ids are a prefix of a newer entry's is dropped: the newer one covers it. An entry
    larger than the byte bound on its own is not kept.
    """

    def __init__(self, max_entries: int = 24, max_tokens: int = 32768, max_bytes: int = MAX_CACHE_BYTES):
        self.max_entries = max(1, max_entries)
        self.max_tokens = max(1, max_tokens)
        self.max_bytes = max(1, max_bytes)
        self._bytes: dict[int, int] = {}
        self._entries: "OrderedDict[int, CacheEntry]" = OrderedDict()
        self.hits = 0  # tokens served from the cache
        self.misses = 0  # tokens computed

    def __len__(self) -> int:
        return len(self._entries)

    def entries(self) -> list[CacheEntry]:
        return list(self._entries.values())

    @property
    def total_tokens(self) -> int:
        return sum(len(e) for e in self._entries.values())

    @property
    def total_bytes(self) -> int:
        return sum(self._bytes.values())

    def clear(self) -> None:
        self._entries.clear()
        self._bytes.clear()

    def _drop(self, key: int) -> None:
        del self._entries[key]
        self._bytes.pop(key, None)

    def best(self, ids: list[int]) -> tuple[Optional[CacheEntry], int]:
        best, best_n = longest_prefix(reversed(self._entries.values()), ids)  # most recent first: wins ties
        if best is not None:
            self._entries.move_to_end(id(best))
        return best, best_n

    def best_exact(self, ids: list[int]) -> tuple[Optional[CacheEntry], int]:
        """Like :meth:`best`, counting only each entry's exact positions (for scores)."""
        best, best_n = None, 0
        for entry in reversed(self._entries.values()):
            n = min(common_prefix_len(entry.ids, ids), entry.exact_len)
            if n > best_n:
                best, best_n = entry, n
        if best is not None:
            self._entries.move_to_end(id(best))
        return best, best_n

    def add(self, entry: CacheEntry) -> None:
        for key, old in list(self._entries.items()):
            # an exact entry is not dropped for an approximate (PIE) one that covers it
            if is_prefix(old.ids, entry.ids) and old.exact_len <= entry.exact_len:
                self._drop(key)
        self._entries[id(entry)] = entry
        self._bytes[id(entry)] = entry_bytes(entry)
        while self._entries and (
            (len(self._entries) > 1 and (len(self._entries) > self.max_entries or self.total_tokens > self.max_tokens))
            or self.total_bytes > self.max_bytes
        ):
            self._drop(next(iter(self._entries)))


# --------------------------------------------------------------------------- cache layers


def _dynamic_cache(kv: Sequence[tuple[torch.Tensor, torch.Tensor]]) -> DynamicCache:
    """A DynamicCache over existing tensors, without copying them (DynamicCache(ddp_cache_data=...)
    would torch.cat each into a new tensor). update() concatenates into new tensors, so the given
    tensors are never written to."""
    cache = DynamicCache()
    for k, v in kv:
        layer = DynamicLayer()
        layer.lazy_initialization(k, v)
        layer.keys, layer.values = k, v
        cache.layers.append(layer)
    return cache


class _BufferLayer(DynamicLayer):
    """A cache layer over a preallocated buffer ``[B, kv_heads, capacity, head_dim]``.

    ``update`` writes the new keys/values in place after the current length and returns views, so a
    decode step does not re-concatenate the whole cache in every layer. Only used for the merged
    decode batch, whose buffers are never shared with the store.
    """

    def __init__(self, k_buf: torch.Tensor, v_buf: torch.Tensor, length: int):
        super().__init__()
        self.dtype, self.device = k_buf.dtype, k_buf.device
        self.is_initialized = True
        self.k_buf, self.v_buf, self.length = k_buf, v_buf, length
        self._views()

    def _views(self) -> None:
        self.keys = self.k_buf[:, :, : self.length]
        self.values = self.v_buf[:, :, : self.length]

    def update(self, key_states, value_states, *args, **kwargs):
        end = self.length + key_states.shape[-2]
        if end > self.k_buf.shape[-2]:
            cap = max(end, 2 * self.k_buf.shape[-2])
            for name in ("k_buf", "v_buf"):
                old = getattr(self, name)
                new = old.new_zeros(old.shape[0], old.shape[1], cap, old.shape[3])
                new[:, :, : self.length] = old[:, :, : self.length]
                setattr(self, name, new)
        self.k_buf[:, :, self.length:end] = key_states
        self.v_buf[:, :, self.length:end] = value_states
        self.length = end
        self._views()
        return self.keys, self.values

    def get_seq_length(self) -> int:
        return self.length

    def select(self, rows: Optional[torch.Tensor], start: int) -> None:
        """Keep only ``rows`` (None = all) and drop the first ``start`` (pad) columns."""
        if rows is not None:
            self.k_buf = self.k_buf.index_select(0, rows)
            self.v_buf = self.v_buf.index_select(0, rows)
        if start:
            self.k_buf = self.k_buf[:, :, start:]
            self.v_buf = self.v_buf[:, :, start:]
            self.length -= start
        self._views()


# --------------------------------------------------------------------------- rotary correction (PIE)

#: rotary types whose frequencies do not depend on the sequence length (a fixed rotation per position)
_STATIC_ROPE = ("default", "linear", "llama3")


def _rope_inv_freq(decoder, config) -> Optional[torch.Tensor]:
    """The rotary inverse frequencies ``[head_dim/2]`` of a decoder whose keys can be re-rotated by a
    position delta (standard rotate_half RoPE over the whole head, fixed frequencies, no attention
    scaling), else None."""
    rotary = getattr(decoder, "rotary_emb", None)
    inv_freq = getattr(rotary, "inv_freq", None)
    if inv_freq is None or getattr(rotary, "rope_type", "default") not in _STATIC_ROPE:
        return None
    if float(getattr(rotary, "attention_scaling", 1.0)) != 1.0:
        return None
    head_dim = getattr(config, "head_dim", None) or config.hidden_size // config.num_attention_heads
    if getattr(config, "partial_rotary_factor", 1.0) not in (None, 1.0) or 2 * inv_freq.numel() != head_dim:
        return None
    return inv_freq.detach().double().cpu()


def _rotation(inv_freq: torch.Tensor, delta: int) -> tuple[torch.Tensor, torch.Tensor]:
    """float64 cos/sin ``[head_dim]`` of the rotation by ``delta`` positions (angles ``delta * theta_i``,
    in float64: at a delta of thousands of positions float32 angles would lose ~1e-4 rad)."""
    angles = float(delta) * inv_freq.double()
    emb = torch.cat([angles, angles])
    return emb.cos(), emb.sin()


def rotate_keys(k: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor) -> torch.Tensor:
    """Keys ``[..., head_dim]`` rotated (rotate_half RoPE, as transformers' ``apply_rotary_pos_emb``)
    by the angles of ``cos``/``sin``; computed in float64 and returned in ``k``'s dtype.
    RoPE(p) then RoPE(d) is RoPE(p + d): a key cached at position p, rotated by d, is the key at p + d."""
    work = k.double()
    cos, sin = cos.to(work.device, torch.float64), sin.to(work.device, torch.float64)
    half = work.shape[-1] // 2
    rot = torch.cat([-work[..., half:], work[..., :half]], dim=-1)
    return (work * cos + rot * sin).to(k.dtype)


# --------------------------------------------------------------------------- the runtime


class TorchRuntime:
    """A :class:`~jumpcoder_lsp.runtime.base.Runtime` over a transformers causal LM.

    ``model`` must already be on ``device`` in ``dtype`` (use :meth:`load` for a model directory).
    ``stop_tokens``: control tokens that end a generated branch like EOS (e.g. ``<|fim_pad|>``), on
    top of the tokenizer's EOS and the generation config's EOS ids; unknown ones are ignored (logged).
    """

    def __init__(
        self,
        model,
        tokenizer,
        *,
        device: str = "cpu",
        dtype: torch.dtype = torch.float32,
        stop_tokens: Sequence[str] = (),
        max_cache_entries: int = 24,
        max_cache_tokens: int = 32768,
        max_cache_bytes: int = MAX_CACHE_BYTES,
        description: Optional[str] = None,
        kv_reuse: str = "prefix",
        pie_refresh: Optional[int] = kvreuse.REFRESH_AFTER,
    ):
        self.model = model.eval()
        self.tokenizer = tokenizer
        self.device = torch.device(device)
        self.dtype = dtype
        self.config = model.config
        self._decoder = getattr(model, model.base_model_prefix)
        self._lm_head = model.get_output_embeddings()
        text_config = self.config.get_text_config(decoder=True) if hasattr(self.config, "get_text_config") else self.config
        self._softcap = getattr(text_config, "final_logit_softcapping", None)
        self._logit_scale = getattr(text_config, "logit_scale", None)
        self._text_tok = text_only_tokenizer(tokenizer.backend_tokenizer)
        self._decode_tok = tokenizer.backend_tokenizer
        self._piece_ids: tokens.PieceCache = tokens.PieceCache()
        self._special_ids: dict[str, int] = {}
        self._bad_ids: dict[str, torch.Tensor] = {}
        self._token_texts: Optional[list[str]] = None
        self.store = KVStore(max_cache_entries, max_cache_tokens, max_cache_bytes)
        self._lock = threading.RLock()
        if kv_reuse not in kvreuse.MODES:
            raise ValueError(f"kvReuse must be one of {', '.join(kvreuse.MODES)}, not {kv_reuse!r}")
        self._rope = _rope_inv_freq(self._decoder, text_config)
        if kv_reuse == "pie" and self._rope is None:
            log.warning("kvReuse pie: this model's rotary embedding cannot be re-rotated; using prefix reuse")
            kv_reuse = "prefix"
        self.kv_reuse = kv_reuse
        #: bookkeeping of the last prefill (mode, reused, computed, moved, plan) and totals, for tests
        #: and benchmarks
        self.last_reuse: dict = {}
        self.reuse_totals = {"reused": 0, "computed": 0, "moved": 0, "pie_calls": 0}
        #: PIE plans in a row an entry's approximate positions may go through; the next edit recomputes
        #: from the first of them (:func:`~.kvreuse.refresh_due`; None: never)
        self.pie_refresh = pie_refresh
        self.pie_refreshes = 0

        gen_eos = getattr(getattr(model, "generation_config", None), "eos_token_id", None)
        gen_eos = gen_eos if isinstance(gen_eos, (list, tuple)) else [gen_eos]
        stop_ids, unknown = tokens.special_ids(stop_tokens, self.special_id)
        for text in unknown:
            log.warning("stop token %r is not a single token of this tokenizer; ignored", text)
        self.eos_ids: tuple[int, ...] = unique_ids([tokenizer.eos_token_id, *gen_eos, *stop_ids])
        bos = tokenizer.bos_token_id
        adds_bos = bos is not None and tokenizer("x").input_ids[:1] == [bos]
        #: the document-start token prepended to prompts that start with text (tokens.document_start)
        self.start_id = tokens.document_start(bos, adds_bos, self.eos_ids)
        name = getattr(self.config, "_model_name_or_path", None) or Path(
            str(getattr(self.config, "_name_or_path", "") or "model")).name
        self.description = description or f"torch {self.device.type} {dtype_name(dtype)} {name}"

    # ------------------------------------------------------------------ loading

    @classmethod
    def load(
        cls,
        hf_dir,
        device: str = "auto",
        dtype: str = "auto",
        stop_tokens: Sequence[str] = (),
        progress: Optional[Progress] = None,
        name: Optional[str] = None,
        threads: Optional[int] = None,
        **kwargs,
    ) -> "TorchRuntime":
        """Load a transformers model directory (safetensors + tokenizer files).

        ``threads`` sets torch's CPU threads (default: the physical cores). ``name`` goes into :attr:`description` (e.g. the preset name); by default the model name the
        config carries (a GGUF's ``general.name``), else the directory name. Other keyword arguments go
        to the constructor (``max_cache_entries``, ``max_cache_tokens``, ``max_cache_bytes``, ``description``,
        ``kv_reuse``).
        """
        from transformers import AutoModelForCausalLM, AutoTokenizer

        say = progress or (lambda message, fraction=None: None)
        choice: DeviceChoice = pick(device, dtype)
        if choice.device == "cpu":
            torch.set_num_threads(threads or physical_cores())
        t0 = time.perf_counter()
        say(f"loading {hf_dir} on {choice.reason}", None)
        tokenizer = AutoTokenizer.from_pretrained(str(hf_dir))
        model = AutoModelForCausalLM.from_pretrained(str(hf_dir), dtype=choice.dtype)
        if choice.device != "cpu":
            model = model.to(choice.device)
        model.eval()
        name = name or getattr(model.config, "_model_name_or_path", None) or Path(hf_dir).name
        say(f"loaded {name} in {time.perf_counter() - t0:.1f}s", None)
        description = kwargs.pop("description", None) or f"torch {choice.short} {name}"
        return cls(model, tokenizer, device=choice.device, dtype=choice.dtype, stop_tokens=stop_tokens,
                   description=description, **kwargs)

    def clear_cache(self) -> None:
        """Drop every cached prefix (e.g. when memory is tight or the document was closed)."""
        with self._lock:
            self.store.clear()

    def reuse_stats(self) -> dict:
        """The prompt cache's counters since the load (:func:`~.kvreuse.reuse_stats`)."""
        return kvreuse.reuse_stats(self.kv_reuse, computed=self.store.misses, reused=self.store.hits,
                                   moved=self.reuse_totals["moved"], plans=self.reuse_totals["pie_calls"])

    # ------------------------------------------------------------------ tokens

    def special_id(self, text: str) -> int:
        """The id of a control token given by its text; ValueError unless it is exactly one known token."""
        got = self._special_ids.get(text)
        if got is not None:
            return got
        tid = self.tokenizer.convert_tokens_to_ids(text)
        if isinstance(tid, list) or tid is None or tid < 0 or self.tokenizer.convert_ids_to_tokens(int(tid)) != text:
            raise ValueError(f"{text!r} is not a single token of this tokenizer")
        self._special_ids[text] = int(tid)
        return int(tid)

    def _text_ids(self, text: str) -> list[int]:
        return tokens.piece_ids(self._piece_ids, text, self._encode_text)

    def _encode_text(self, text: str) -> list[int]:
        return self._text_tok.encode(text, add_special_tokens=False).ids

    def encode_prompt(self, prompt: Prompt) -> list[int]:
        """Each piece tokenized separately (text never parsed for control tokens), ids concatenated."""
        return tokens.encode_prompt(prompt, self.special_id, self._text_ids)

    def prompt_ids(self, prompt: Prompt) -> list[int]:
        """Ids of a score context or a generate prompt. A prompt that starts with text (or an empty
        one) starts a document and gets the document-start token first (BOS; EOS for Qwen, which
        has no BOS), so ``score((), code)`` and ``generate((code,))`` give the same ids and share
        the KV cache; a prompt that starts with a control token (FIM) gets nothing prepended."""
        return tokens.prompt_ids(prompt, self.start_id, self.special_id, self._text_ids)

    def encode_with_offsets(self, text: str) -> tuple[list[int], list[tuple[int, int]]]:
        """Token ids of a text piece and each token's character span (the spans tile the text)."""
        if not text:
            return [], []
        enc = self._text_tok.encode(text, add_special_tokens=False)
        return list(enc.ids), tile_offsets(enc.offsets, len(text))

    def decode(self, ids: Sequence[int]) -> str:
        return self._decode_tok.decode(list(ids), skip_special_tokens=False)

    def count_tokens(self, text: str) -> int:
        return len(self._text_ids(text))

    def token_texts(self) -> list[str]:
        """The decoded text of every token id of the tokenizer (computed once)."""
        if self._token_texts is None:
            n = len(self.tokenizer)
            self._token_texts = self._decode_tok.decode_batch([[i] for i in range(n)], skip_special_tokens=False)
        return self._token_texts

    def _banned(self, words: Sequence[str]) -> Optional[torch.Tensor]:
        parts = []
        for word in words:
            if word not in self._bad_ids:
                self._bad_ids[word] = torch.tensor(bad_word_ids(self.token_texts(), word), dtype=torch.long)
            parts.append(self._bad_ids[word])
        parts = [p for p in parts if p.numel()]
        return torch.cat(parts).to(self.device) if parts else None

    # ------------------------------------------------------------------ model calls

    def _logits(self, hidden: torch.Tensor) -> torch.Tensor:
        """lm_head on final hidden states [..., hidden] -> float32 logits [..., vocab]."""
        logits = self._lm_head(hidden).float()
        if self._logit_scale is not None:
            logits = logits * self._logit_scale
        if self._softcap is not None:
            logits = torch.tanh(logits / self._softcap) * self._softcap
        return logits

    def _extend(self, kv, new_ids: list[int], start: int, cancel: Optional[CancelCheck]):
        """Feed new_ids after a cache of `start` tokens (batch 1). Returns (kv, hidden [T, hidden])."""
        hiddens = []
        for lo in range(0, len(new_ids), PREFILL_CHUNK):
            check_cancel(cancel)
            chunk = new_ids[lo:lo + PREFILL_CHUNK]
            cache = _dynamic_cache(kv)
            pos = torch.arange(start + lo, start + lo + len(chunk), device=self.device)[None]
            out = self._decoder(
                input_ids=torch.tensor([chunk], device=self.device),
                position_ids=pos,
                past_key_values=cache,
                use_cache=True,
            )
            kv = [(layer.keys, layer.values) for layer in cache.layers]
            hiddens.append(out.last_hidden_state[0])
        return kv, torch.cat(hiddens) if len(hiddens) > 1 else hiddens[0]

    def _prefill(self, ids: list[int], cancel: Optional[CancelCheck] = None, exact: bool = False) -> CacheEntry:
        """The cache entry for exactly `ids`: reuse the longest cached prefix, compute the rest, store it.

        With ``kv_reuse="pie"`` and ``exact=False`` (generate, warm), a prompt that is not (almost) a
        prefix hit reuses the cached entry with the best :func:`~.kvreuse.plan_reuse` plan (see
        :meth:`_prefill_pie`). ``exact=True`` (scores) reuses only exact positions, so scores are
        always those of a full recompute.
        """
        pie = self.kv_reuse == "pie"
        entry, n = self.store.best_exact(ids) if exact and pie else self.store.best(ids)
        if pie and not exact and len(ids) - n > kvreuse.MIN_KEPT:
            got = self._prefill_pie(ids, n, cancel)
            if got is not None:
                return got
        if (pie and entry is not None and n < len(entry) and kvreuse.refresh_due(entry.pie_depth, self.pie_refresh)
                and entry.exact_len < n):
            # the periodic full refresh: an edit after ``pie_refresh`` PIE plans recomputes from the first
            # approximate position
            n = entry.exact_len
            self.pie_refreshes += 1
        self._note("prefix", n, len(ids) - n, 0, None)
        if entry is not None and n == len(ids):
            self.store.hits += n
            return entry.prefix(n)
        self.store.hits += n
        self.store.misses += len(ids) - n
        kv = [] if entry is None or n == 0 else entry.prefix(n).kv
        kv, hidden = self._extend(kv, ids[n:], n, cancel)
        m = len(ids) - n
        base_exact = len(ids)
        if entry is not None and n:
            base = entry.prefix(n)
            base_exact = base.exact_len if base.exact_len < n else len(ids)
            hidden = torch.cat([base.hidden, hidden])
            logit = torch.cat([base.logit, torch.full((m,), math.nan)])
            logprob = torch.cat([base.logprob, torch.full((m,), math.nan)])
            greedy = torch.cat([base.greedy, torch.full((m,), -1, dtype=torch.long)])
        else:
            logit = torch.full((m,), math.nan)
            logprob = torch.full((m,), math.nan)
            greedy = torch.full((m,), -1, dtype=torch.long)
        new = CacheEntry(ids=list(ids), kv=kv, hidden=hidden, logit=logit, logprob=logprob, greedy=greedy,
                         exact=None if base_exact >= len(ids) else base_exact,
                         pie_depth=0 if base_exact >= len(ids) else entry.pie_depth)
        self.store.add(new)
        return new

    def _note(self, mode: str, reused: int, computed: int, moved: int, plan) -> None:
        self.last_reuse = {"mode": mode, "reused": reused, "computed": computed, "moved": moved, "plan": plan}
        self.reuse_totals["reused"] += reused
        self.reuse_totals["computed"] += computed
        self.reuse_totals["moved"] += moved
        self.reuse_totals["pie_calls"] += mode == "pie"

    #: cached entries a PIE plan is tried against (most recent first; the diff costs ~ms each)
    PIE_CANDIDATES = 4

    def _prefill_pie(self, ids: list[int], prefix_n: int, cancel: Optional[CancelCheck]) -> Optional[CacheEntry]:
        """PIE: the entry for `ids` built from the cached entry whose plan reuses the most tokens, or
        None when no plan beats the prefix hit of ``prefix_n`` tokens.

        The cache is assembled in order of new positions: the kept prefix, then each compute span as an
        extension of the cache so far (positions ``start..end``, attending to everything before it in
        the new layout), then each moved run's cached keys re-rotated by its shift (values as they
        are). The moved tokens' hidden states are the cached ones (computed without the edit in their
        context): their positions and everything after the first moved run are marked approximate
        (``CacheEntry.exact``), so score requests recompute them; the last token is always computed.
        """
        best, best_plan = None, None
        for cand in list(reversed(self.store.entries()))[:self.PIE_CANDIDATES]:
            if not cand.ids or kvreuse.refresh_due(cand.pie_depth, self.pie_refresh):
                continue
            plan = kvreuse.plan_reuse(cand.ids, ids, "pie")
            if (plan.moved and plan.reused >= prefix_n + kvreuse.MIN_KEPT
                    and (best_plan is None or plan.reused > best_plan.reused)):
                best, best_plan = cand, plan
        if best is None:
            return None
        plan = best_plan
        self.store._entries.move_to_end(id(best))
        kv: list = []
        hiddens: list[torch.Tensor] = []
        if plan.prefix:
            base = best.prefix(plan.prefix)
            kv = list(base.kv)
            hiddens.append(base.hidden)
        spans = iter(plan.compute_spans())
        span = next(spans, None)
        for run in plan.moved:
            while span is not None and span[0] < run.new:
                kv, h = self._extend(kv, ids[span[0]:span[1]], span[0], cancel)
                hiddens.append(h)
                span = next(spans, None)
            assert sum(h.shape[0] for h in hiddens) == run.new
            kv = self._append_moved(kv, best, run)
            hiddens.append(best.hidden[run.old:run.old + run.length])
        while span is not None:
            kv, h = self._extend(kv, ids[span[0]:span[1]], span[0], cancel)
            hiddens.append(h)
            span = next(spans, None)
        hidden = torch.cat(hiddens)
        assert hidden.shape[0] == len(ids) and kv[0][0].shape[2] == len(ids)
        L = len(ids)
        logit = torch.full((L,), math.nan)
        logprob = torch.full((L,), math.nan)
        greedy = torch.full((L,), -1, dtype=torch.long)
        first_moved = plan.moved[0].new
        if plan.prefix:  # exact scores of the prefix stay valid
            logit[:plan.prefix] = best.logit[:plan.prefix]
            logprob[:plan.prefix] = best.logprob[:plan.prefix]
            greedy[:plan.prefix] = best.greedy[:plan.prefix]
        exact_n = min(first_moved, best.exact_len if best.exact_len < plan.prefix else first_moved)
        new = CacheEntry(ids=list(ids), kv=kv, hidden=hidden, logit=logit, logprob=logprob, greedy=greedy,
                         exact=exact_n, pie_depth=best.pie_depth + 1)
        self.store.hits += plan.reused
        self.store.misses += plan.computed
        self._note("pie", plan.reused, plan.computed, sum(k.length for k in plan.moved), plan)
        self.store.add(new)
        return new

    def _append_moved(self, kv, src: CacheEntry, run: "kvreuse.Kept"):
        """``kv`` with the cached run ``src[run.old:run.old+run.length]`` appended, keys re-rotated by ``run.shift``."""
        cos, sin = _rotation(self._rope, run.shift)
        out = []
        for li, (k, v) in enumerate(src.kv):
            ks = k[:, :, run.old:run.old + run.length]
            vs = v[:, :, run.old:run.old + run.length]
            if run.shift:
                ks = rotate_keys(ks, cos, sin)
            if kv:
                k0, v0 = kv[li]
                out.append((torch.cat([k0, ks], dim=2), torch.cat([v0, vs], dim=2)))
            else:
                out.append((ks, vs))
        return out

    def _fill_scores(self, entry: CacheEntry, lo: int, hi: int) -> None:
        """Make sure the memo holds the scores of positions lo..hi-1 (lo >= 1)."""
        missing = torch.nonzero(torch.isnan(entry.logit[lo:hi])).flatten() + lo
        if not missing.numel():
            return
        ids = torch.tensor(entry.ids, dtype=torch.long)
        dev = entry.hidden.device
        for i in range(0, missing.numel(), HEAD_CHUNK):
            pos = missing[i:i + HEAD_CHUNK]
            rows = self._logits(entry.hidden[(pos - 1).to(dev)])  # on the model's device
            s = rows.gather(1, ids[pos].to(dev)[:, None])[:, 0]
            entry.logit[pos] = s.cpu()
            entry.logprob[pos] = (s - torch.logsumexp(rows, dim=-1)).cpu()
            entry.greedy[pos] = rows.argmax(dim=-1).cpu()

    def warm(self, prompt: Prompt, cancel: Optional[CancelCheck] = None) -> int:
        """Prefill ``prompt`` into the KV store and decode nothing; cancel is polled per chunk."""
        with self._lock, torch.inference_mode():
            check_cancel(cancel)
            ids = self.prompt_ids(prompt)
            self._prefill(ids, cancel)
            return len(ids)

    # ------------------------------------------------------------------ score

    def score(self, requests: Sequence[ScoreRequest]) -> list[Scored]:
        """Teacher-forced scores of each target given its context.

        A context that is empty or starts with text begins with the document-start token (see
        :meth:`prompt_ids`), so the first target token always has a position to be scored from.
        """
        with self._lock, torch.inference_mode():
            return score_each(requests, self.encode_with_offsets, self.prompt_ids, self._score_ids)

    def _score_ids(self, ctx_ids: list[int], tgt_ids: list[int], offsets: list[tuple[int, int]]) -> Scored:
        entry = self._prefill(ctx_ids + tgt_ids, exact=True)
        lo, hi = len(ctx_ids), len(ctx_ids) + len(tgt_ids)
        self._fill_scores(entry, lo, hi)
        return Scored(
            tokens=tgt_ids,
            offsets=offsets,
            logits=entry.logit[lo:hi].tolist(),
            logprobs=entry.logprob[lo:hi].tolist(),
            greedy=entry.greedy[lo:hi].tolist(),
        )

    # ------------------------------------------------------------------ generate

    def generate(self, requests: Sequence[GenRequest], cancel: Optional[CancelCheck] = None) -> list[Generated]:
        """Greedy decoding of all branches together, one forward pass per step for the live ones.

        ``Generated.tokens`` holds every generated token up to the one that finished the branch (the
        EOS token itself excluded); ``text`` is their decoded text cut by the stop rule, so with
        ``stop_at_newline`` a token such as ``"):\\n\\n"`` is in ``tokens`` while ``text`` ends at the
        first newline. ``cancel()`` is polled before each prefill chunk and each step.
        """
        if not requests:
            return []
        with self._lock, torch.inference_mode():
            return self._generate(list(requests), cancel)

    def _generate(self, requests: list[GenRequest], cancel: Optional[CancelCheck]) -> list[Generated]:
        """Prefill every prompt, then decode the live branches together (:meth:`_decode_n`)."""
        check_cancel(cancel)
        branches = Branches(requests, self.decode)
        entries = self._prefill_prompts(requests, cancel)
        for i, req in enumerate(requests):
            if req.max_new_tokens <= 0:
                branches.end(i, "length")
        live = branches.live()
        if live:
            self._decode_n(branches, requests, [entries[i] for i in live], live, cancel)
        return branches.done()

    def _prefill_prompts(self, requests: Sequence[GenRequest], cancel: Optional[CancelCheck]) -> list[CacheEntry]:
        """Prefill: the cache entry of each request's prompt (the store's longest prefix reused)."""
        entries = []
        for req in requests:
            check_cancel(cancel)
            entries.append(self._prefill(self.prompt_ids(req.prompt), cancel))
        return entries

    def _pick(self, logits: torch.Tensor, live: list[int], banned: list[Optional[torch.Tensor]]):
        """Greedy choice of each live row (bad words masked): (token ids, their S before masking)."""
        raw = logits
        if any(banned[i] is not None for i in live):
            logits = logits.clone()
            for row, i in enumerate(live):
                if banned[i] is not None:
                    logits[row, banned[i]] = -math.inf
        choice = logits.argmax(dim=-1)
        return choice, raw.gather(1, choice[:, None])[:, 0].tolist()

    def _decode_one(self, batch: "_DecodeBatch", tokens: torch.Tensor) -> torch.Tensor:
        """One batched decode step: feed each live row its token, return the next logits [B, vocab]."""
        cache, mask, pos = batch.step_inputs()
        out = self._decoder(
            input_ids=tokens[:, None],
            attention_mask=mask,
            position_ids=pos,
            past_key_values=cache,
            use_cache=True,
        )
        batch.advance()
        return self._logits(out.last_hidden_state[:, -1])

    def _decode_n(self, branches: Branches, requests: list[GenRequest], entries: list[CacheEntry], live: list[int],
                  cancel: Optional[CancelCheck]) -> None:
        """Decode the ``live`` branches (prefilled to ``entries``) until each has ended: pick a token
        per row, let the branch take it (its stop rule, budget or EOS may end it), drop ended rows
        from the batch, one step for the rest."""
        requests_live = [requests[i] for i in live]
        banned = [self._banned(req.bad_words) if req.bad_words else None for req in requests]
        batch = _DecodeBatch(entries, max(r.max_new_tokens for r in requests_live), self.device)
        logits = self._logits(torch.stack([e.hidden[-1] for e in entries]))
        while True:
            check_cancel(cancel)
            choice, s = self._pick(logits, live, banned)
            choice_list = choice.tolist()
            keep_rows = []
            for row, i in enumerate(live):
                tok = choice_list[row]
                if tok in self.eos_ids:
                    branches.end(i, "eos")
                elif branches.push(i, tok, s[row]):
                    keep_rows.append(row)
            if not keep_rows:
                return
            if len(keep_rows) < len(live):
                rows = torch.tensor(keep_rows, dtype=torch.long, device=self.device)
                live = [live[r] for r in keep_rows]
                choice = choice.index_select(0, rows)
            else:
                rows = None
            batch.keep(rows)
            check_cancel(cancel)
            logits = self._decode_one(batch, choice)


class _DecodeBatch:
    """The one owner of a generate call's batched KV cache: the live rows' cache entries merged,
    left-padded, into preallocated per-layer buffers (:class:`_BufferLayer`), the attention mask
    over their columns, the next position of each row and the columns in use."""

    def __init__(self, entries: list[CacheEntry], max_new_tokens: int, device):
        lens = [len(e) for e in entries]
        width = max(lens)
        capacity = width + max_new_tokens
        bsz = len(entries)
        self.layers = []
        for li, (k0, v0) in enumerate(entries[0].kv):
            kb = k0.new_zeros(bsz, k0.shape[1], capacity, k0.shape[3])
            vb = v0.new_zeros(bsz, v0.shape[1], capacity, v0.shape[3])
            for row, e in enumerate(entries):
                k, v = e.kv[li]
                kb[row, :, width - k.shape[2]:width] = k[0]
                vb[row, :, width - v.shape[2]:width] = v[0]
            self.layers.append(_BufferLayer(kb, vb, width))
        self.mask = torch.zeros(bsz, capacity, dtype=torch.bool, device=device)
        for row, length in enumerate(lens):
            self.mask[row, width - length:width] = True
        self.pos = torch.tensor(lens, dtype=torch.long, device=device)  # next position of each row
        self.cur = width  # cache columns in use

    def keep(self, rows: Optional[torch.Tensor]) -> None:
        """Keep only ``rows`` (None: all) and drop the pad columns no kept row needs any more."""
        if rows is not None:
            self.mask = self.mask.index_select(0, rows)
            self.pos = self.pos.index_select(0, rows)
        start = int(self.mask[:, :self.cur].any(dim=0).int().argmax()) if rows is not None else 0
        if rows is not None or start:
            for layer in self.layers:
                layer.select(rows, start)
            self.mask = self.mask[:, start:]
            self.cur -= start

    def step_inputs(self):
        """(cache, attention mask, position ids) of the next step, its column opened in the mask."""
        if self.cur + 1 > self.mask.shape[1]:
            self.mask = torch.cat([self.mask, self.mask.new_zeros(self.mask.shape[0], self.mask.shape[1])], dim=1)
        self.mask[:, self.cur] = True
        cache = DynamicCache()
        cache.layers.extend(self.layers)
        return cache, self.mask[:, : self.cur + 1], self.pos[:, None]

    def advance(self) -> None:
        """After a step: one more column in use, each row one position further."""
        self.cur += 1
        self.pos = self.pos + 1
