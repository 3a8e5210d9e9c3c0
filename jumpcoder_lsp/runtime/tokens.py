"""Pure token helpers shared by runtimes (no torch, no model).

* :func:`text_only_tokenizer`: a copy of a Hugging Face ``tokenizers.Tokenizer`` that never turns
  text into control tokens, so user code that literally contains ``<|fim_prefix|>`` stays text.
* :func:`tile_offsets`: turn a tokenizer's offset mapping into spans that tile the text exactly.
* :func:`bad_word_ids`: the token ids a bad word bans.
* :func:`common_prefix_len`, :func:`is_prefix` and :func:`longest_prefix`: the prefix arithmetic of
  both runtimes' caches. Each runtime keeps an LRU of cached token sequences (the torch runtime's
  ``KVStore`` of ``CacheEntry`` objects, the llama.cpp runtime's ``SeqPool`` of ``Seq`` objects;
  anything with ``.ids``); a request reuses the one sharing the longest common token prefix with it
  (:func:`longest_prefix`, the most recently used first, which wins ties), and a cached sequence
  whose ids are a prefix of another's is dropped, the longer one covering it (:func:`is_prefix`).
* :func:`encode_prompt` and :func:`prompt_ids`: a prompt's ids, each piece tokenized on its own
  (text through a runtime's :func:`piece_ids` LRU, control tokens by name), so the same pieces
  always give the same ids and the caches above can match them.
* :func:`special_ids`: the ids of the stop tokens a runtime was given, and those it does not know.
"""

from __future__ import annotations

import json
import re
from collections import OrderedDict
from typing import Callable, Iterable, Optional, Sequence, TypeVar

from .base import Prompt, Special

_CONTROL = re.compile(r"^\s*(<[^<>\s]+>|<\|.*\|>|<｜.*｜>|▁?<[A-Z]+>)\s*$")


def looks_like_control(content: str) -> bool:
    """``<|fim_prefix|>``, ``<fim_prefix>``, ``<PRE>``, ``<｜fim▁begin｜>``, ``<s>``: control-token spellings."""
    return bool(_CONTROL.match(content))


def text_only_tokenizer(backend):
    """A clone of ``backend`` (a ``tokenizers.Tokenizer``) without control-like added tokens.

    ``split_special_tokens=True`` in transformers only covers added tokens marked *special*; Qwen-style
    vocabularies also hold non-special control tokens (e.g. ``<|file_sep|>`` in some conversions), which
    the tokenizer would still match inside user code. The clone drops every added token that is special
    or spelled like a control token, and keeps the other added tokens (e.g. whitespace runs some code
    tokenizers add, which are ordinary text). Text pieces are encoded with this clone; control tokens
    are looked up by name instead.
    """
    from tokenizers import Tokenizer

    data = json.loads(backend.to_str())
    kept = [
        t for t in data.get("added_tokens", [])
        if not t.get("special", False) and not looks_like_control(t.get("content", ""))
    ]
    data["added_tokens"] = kept
    clone = Tokenizer.from_str(json.dumps(data))
    clone.no_truncation()
    clone.no_padding()
    return clone


def tile_offsets(offsets: Sequence[tuple[int, int]], n_chars: int) -> list[tuple[int, int]]:
    """Make per-token character spans tile ``[0, n_chars)``: contiguous, non-overlapping, in order.

    Fast tokenizers give every byte-level piece of a character split over several tokens (an emoji is
    4 bytes, often 2-4 tokens) the whole character's span, and may trim a token's leading whitespace
    from its span. Rule here: a character belongs to the first token whose span covers it; whitespace a
    tokenizer trimmed goes to the token that follows it; tokens made only of the remaining bytes of an
    already assigned character get an empty span ``(e, e)``. The last span ends at ``n_chars``.
    """
    out: list[tuple[int, int]] = []
    prev = 0
    for _, end in offsets:
        start = prev
        end = max(start, min(int(end), n_chars))
        out.append((start, end))
        prev = end
    if out:
        start, _ = out[-1]
        out[-1] = (start, n_chars)
    return out


def _matches(text: str, word: str) -> bool:
    t = text.lstrip()
    if not t.startswith(word):
        return False
    if word[-1:].isalnum() or word[-1:] == "_":
        # an alphabetic word needs a word boundary after it: "pass" bans " pass", "pass\n", not "passed"
        rest = t[len(word):]
        return not rest or not (rest[0].isalnum() or rest[0] == "_")
    return True


def bad_word_ids(token_texts: Sequence[str], word: str) -> list[int]:
    """Ids of the tokens whose text, stripped of leading whitespace, starts with ``word``.

    Only single tokens are checked: a word the model spells over several tokens (e.g. ``pa`` + ``ss``)
    is not caught.
    """
    word = word.strip()
    if not word:
        return []
    return [i for i, text in enumerate(token_texts) if text and _matches(text, word)]


def common_prefix_len(a: Sequence[int], b: Sequence[int]) -> int:
    n = min(len(a), len(b))
    i = 0
    # compare in chunks: cheap for long equal prefixes
    step = 256
    while i < n and a[i:i + step] == b[i:i + step]:
        i += step
    i = min(i, n)
    while i < n and a[i] == b[i]:
        i += 1
    return i


def unique_ids(ids: Iterable[int | None]) -> tuple[int, ...]:
    seen: list[int] = []
    for i in ids:
        if i is not None and i >= 0 and i not in seen:
            seen.append(int(i))
    return tuple(seen)


def is_prefix(a: Sequence[int], b: Sequence[int]) -> bool:
    """Whether ``a`` is a prefix of ``b`` (equal included)."""
    return len(a) <= len(b) and common_prefix_len(a, b) == len(a)


E = TypeVar("E")


def longest_prefix(entries: Iterable[E], ids: Sequence[int]) -> tuple[Optional[E], int]:
    """The entry (anything with ``.ids``) sharing the longest common prefix with ``ids``, and that
    length; the first of equals wins, so pass the most recently used first. ``(None, 0)`` when no
    entry shares even one token."""
    best, best_n = None, 0
    for entry in entries:
        n = common_prefix_len(entry.ids, ids)
        if n > best_n:
            best, best_n = entry, n
    return best, best_n


#: text pieces whose ids a runtime remembers (the prompt pieces of the last few requests), bounded
#: by count and by bytes (:func:`piece_bytes` of each key and value)
PIECE_CACHE = 4096
PIECE_CACHE_BYTES = 32 << 20


def piece_bytes(text: str, ids: list[int]) -> int:
    """What one remembered piece costs, roughly as CPython stores it: the text (up to 4 bytes a
    character, plus the object) and the list of ids (a pointer and a small int each)."""
    return 4 * len(text) + 64 + 36 * len(ids) + 64


class PieceCache(OrderedDict):
    """The LRU :func:`piece_ids` fills; keeps the byte total of its entries."""

    def __init__(self, max_bytes: int = PIECE_CACHE_BYTES, max_entries: int = PIECE_CACHE):
        super().__init__()
        self.max_bytes, self.max_entries, self.bytes = max_bytes, max_entries, 0


def piece_ids(cache: "OrderedDict[str, list[int]]", text: str, encode: Callable[[str], list[int]]) -> list[int]:
    """The ids of a text piece: from ``cache`` (an LRU of at most :data:`PIECE_CACHE` pieces and,
    for a :class:`PieceCache`, its byte bound; a piece larger than that is not kept), else
    ``encode(text)`` (not called for empty text), remembered."""
    ids = cache.get(text)
    if ids is not None:
        cache.move_to_end(text)
        return ids
    ids = encode(text) if text else []
    max_bytes = getattr(cache, "max_bytes", None)
    max_entries = getattr(cache, "max_entries", PIECE_CACHE)
    size = piece_bytes(text, ids)
    if max_bytes is not None and size > max_bytes:
        return ids
    cache[text] = ids
    if max_bytes is not None:
        cache.bytes += size
    while len(cache) > max_entries or (max_bytes is not None and cache.bytes > max_bytes):
        old, old_ids = cache.popitem(last=False)
        if max_bytes is not None:
            cache.bytes -= piece_bytes(old, old_ids)
    return ids


def document_start(bos: Optional[int], adds_bos: bool, eos_ids: Sequence[int]) -> int:
    """The document-start token: what a prompt that starts with text gets first (so ``score((),
    code)`` and ``generate((code,))`` share their ids). The tokenizer's BOS when the tokenizer itself
    puts one before a text (Llama, DeepSeek); else the model's first end token (Qwen's instruct
    models: ``<|im_end|>``). Qwen's BOS ``<|endoftext|>`` is a pretraining document separator its
    tokenizer never adds: put first, the instruct model wrote far weaker code (autoregressive pass@1
    on the first 40 HumanEval problems, llama.cpp: 13 with it, 27 with ``<|im_end|>``; docs/baseline.md)."""
    if bos is not None and bos >= 0 and adds_bos:
        return bos
    if eos_ids:
        return eos_ids[0]
    return bos if bos is not None and bos >= 0 else 0


def encode_prompt(prompt: Prompt, special_id: Callable[[str], int], text_ids: Callable[[str], list[int]]) -> list[int]:
    """Each piece tokenized separately (text never parsed for control tokens), ids concatenated."""
    if isinstance(prompt, (str, Special)):
        prompt = (prompt,)
    ids: list[int] = []
    for piece in prompt:
        if isinstance(piece, Special):
            ids.append(special_id(piece.text))
        elif isinstance(piece, str):
            ids.extend(text_ids(piece))
        else:
            raise TypeError(f"prompt piece must be str or Special, not {type(piece).__name__}")
    return ids


def prompt_ids(prompt: Prompt, start_id: int, special_id: Callable[[str], int],
               text_ids: Callable[[str], list[int]]) -> list[int]:
    """:func:`encode_prompt`, and a prompt that starts with text (or an empty one) starts a document:
    it gets ``start_id`` (the document-start token) first; one that starts with a control token (FIM)
    gets nothing prepended."""
    if isinstance(prompt, (str, Special)):
        prompt = (prompt,)
    ids = encode_prompt(prompt, special_id, text_ids)
    if not prompt or not isinstance(prompt[0], Special):
        ids = [start_id] + ids
    return ids


def special_ids(texts: Iterable[str], special_id: Callable[[str], int]) -> tuple[list[int], list[str]]:
    """(ids, unknown): the id of each text ``special_id`` knows, and the texts it rejects (ValueError)."""
    ids: list[int] = []
    unknown: list[str] = []
    for text in texts:
        try:
            ids.append(special_id(text))
        except ValueError:
            unknown.append(text)
    return ids, unknown
