"""The llama.cpp runtime on the default preset's GGUF (Qwen2.5-Coder-0.5B-Instruct, Q4_K_M).

Skipped when llama-cpp-python is not installed (scripts/build_llamacpp.sh) or the GGUF is not in the
model cache (``jumpcoder-lsp models fetch``). The model loads in about a second (mmap), so these run
in ~30 s on a 2-core CPU. Runtime-independent assertions live in test_runtime_contract.py.
"""

from __future__ import annotations

import glob
import math
import os
import sys
from pathlib import Path

import pytest

from jumpcoder_lsp.runtime.base import Cancelled, GenRequest, Runtime, ScoreRequest, Special, stop_at_newline

pytestmark = pytest.mark.real_model

STOP_TOKENS = ["<|endoftext|>", "<|fim_pad|>", "<|im_end|>", "<|file_sep|>", "<|repo_name|>"]

CODE = '''def minSubArraySum(nums):
    """
    Given an array of integers nums, find the minimum sum of any non-empty sub-array
    of nums.
    """
    min_sum = float('inf')
    for i in range(len(nums)):
'''

NON_ASCII = '''# -*- coding: utf-8 -*-
def grüß(name: str) -> str:
    """Sagt «Grüß Gott» 👋 — 日本語のコメント, émojis 🐍🐍 and tabs\tand  double  spaces."""
    ñ = "naïve café"  # 中文注释
    return f"{name} → {ñ} <|fim_prefix|> <|endoftext|> ✓"
'''


def _cache_root() -> Path:
    root = os.environ.get("JUMPCODER_CACHE_DIR")
    if not root:
        import platformdirs

        root = platformdirs.user_cache_dir("jumpcoder-lsp")
    return Path(os.path.expanduser(root))


def default_gguf():
    """The default preset's GGUF when it is already in the cache (no download in tests)."""
    try:
        from jumpcoder_lsp.models.presets import default_preset

        preset = default_preset()
        name = preset.file
    except Exception:
        name = None
    root = _cache_root() / "gguf"
    if name and (root / name).is_file():
        return root / name
    found = sorted(glob.glob(str(root / "qwen2.5-coder-0.5b*.gguf")))
    return Path(found[0]) if found else None


def converted_tokenizer_json():
    for path in sorted(glob.glob(str(_cache_root() / "hf" / "*" / "tokenizer.json"))):
        return Path(path)
    return None


@pytest.fixture(scope="module")
def rt():
    pytest.importorskip("llama_cpp")
    path = default_gguf()
    if path is None:
        pytest.skip("the default GGUF is not in the cache (run: jumpcoder-lsp models fetch)")
    from jumpcoder_lsp.runtime.llamacpp_runtime import LlamaCppRuntime

    runtime = LlamaCppRuntime(path, stop_tokens=STOP_TOKENS, name="qwen2.5-coder-0.5b")
    yield runtime
    runtime.close()


@pytest.fixture
def fresh(rt):
    rt.clear_cache()
    return rt


def test_is_a_runtime_with_a_description(rt):
    assert isinstance(rt, Runtime)
    assert rt.description.startswith("llama.cpp cpu Q4_K_M qwen2.5-coder-0.5b (")
    assert "thread" in rt.description


def test_tokenization_equals_the_hugging_face_tokenizer_on_real_code(rt):
    path = converted_tokenizer_json()
    if path is None:
        pytest.skip("no converted tokenizer.json in the cache")
    from tokenizers import Tokenizer

    from jumpcoder_lsp.runtime.tokens import text_only_tokenizer, tile_offsets

    hf = text_only_tokenizer(Tokenizer.from_file(str(path)))
    sources = [CODE, NON_ASCII, Path(__file__).read_text(encoding="utf-8"),
               Path(sys.modules["jumpcoder_lsp.runtime.base"].__file__).read_text(encoding="utf-8"),
               "   \n\n\t\t  x\r\n  \u00a0 \u200b end", "🐍" * 7 + "a🐍b", ""]
    for text in sources:
        enc = hf.encode(text, add_special_tokens=False)
        ids, offsets = rt.encode_with_offsets(text)
        assert ids == enc.ids, text[:80]
        assert offsets == tile_offsets(enc.offsets, len(text)) if text else offsets == []
        assert rt.decode(ids) == text


def test_offsets_tile_the_text_and_map_back_to_characters(rt):
    ids, offsets = rt.encode_with_offsets(NON_ASCII)
    assert offsets[0][0] == 0 and offsets[-1][1] == len(NON_ASCII)
    assert all(a[1] == b[0] for a, b in zip(offsets, offsets[1:]))
    text = "".join(NON_ASCII[s:e] for s, e in offsets)
    assert text == NON_ASCII


def test_special_pieces_are_one_id_and_literal_control_text_stays_text(rt):
    pre = rt.special_id("<|fim_prefix|>")
    ids = rt.prompt_ids((Special("<|fim_prefix|>"), "x = '<|fim_prefix|>'", Special("<|fim_middle|>")))
    assert ids[0] == pre and ids.count(pre) == 1  # no document start: the prompt starts with a Special
    assert ids[-1] == rt.special_id("<|fim_middle|>")
    with pytest.raises(ValueError):
        rt.special_id("<|no_such_token|>")


def test_a_prompt_starting_with_text_starts_a_document(rt):
    # Qwen: <|im_end|>, not its GGUF's BOS <|endoftext|>, which its tokenizer never adds (tokens.document_start)
    assert rt.start_id == 151645 and rt.piece(rt.start_id) == b"<|im_end|>"
    assert rt.prompt_ids(("x = 1\n",)) == [rt.start_id] + rt.encode_with_offsets("x = 1\n")[0]
    assert rt.prompt_ids(()) == [rt.start_id]


def test_generate_after_score_of_the_same_code_computes_nothing(fresh):
    fresh.score([ScoreRequest((), CODE)])
    misses = fresh.misses
    out = fresh.generate([GenRequest((CODE,), stop=stop_at_newline, max_new_tokens=16)])[0]
    assert fresh.misses == misses  # the prompt came from the cache, with its last logits row
    assert out.finish == "stop" and out.text.strip()


def test_generated_tokens_stay_cached_with_their_scores(fresh):
    # the engine's order: score the code, generate the next line, score code + line
    fresh.score([ScoreRequest((), CODE)])
    out = fresh.generate([GenRequest((CODE,), stop=stop_at_newline, max_new_tokens=24)])[0]
    misses = fresh.misses
    cached = fresh.score([ScoreRequest((), CODE + out.text)])[0]
    assert fresh.misses - misses <= 3  # only the retokenized line end, not the whole code
    fresh.clear_cache()
    scratch = fresh.score([ScoreRequest((), CODE + out.text)])[0]
    assert cached.tokens == scratch.tokens
    diffs = [abs(a - b) for a, b in zip(cached.logprobs, scratch.logprobs)]
    assert max(diffs) < 1.0 and sum(diffs) / len(diffs) < 0.1
    agree = sum(a == b for a, b in zip(cached.greedy, scratch.greedy))
    assert agree >= 0.95 * len(scratch.greedy)


def test_stop_rule_length_and_eos(fresh):
    out = fresh.generate([GenRequest((CODE,), stop=stop_at_newline, max_new_tokens=3)])[0]
    assert out.finish == "length" and len(out.tokens) == 3 and len(out.logits) == 3
    whole = "def add(a, b):\n    return a + b\n"
    got = fresh.generate([GenRequest((Special("<|fim_prefix|>"), "", Special("<|fim_suffix|>"), whole,
                                      Special("<|fim_middle|>")), stop=lambda t: None, max_new_tokens=40)])[0]
    assert got.finish in ("eos", "length")
    assert all(t not in fresh.eos_ids for t in got.tokens)


def test_bad_words_are_banned(fresh):
    prompt = ("def f(x):\n    ",)
    free = fresh.generate([GenRequest(prompt, max_new_tokens=8)])[0]
    first = free.text.strip().split()[0] if free.text.strip() else ""
    if not first:
        pytest.skip("the model wrote nothing to ban")
    word = first.split("(")[0]
    banned = fresh.generate([GenRequest(prompt, max_new_tokens=8, bad_words=(word,))])[0]
    assert not banned.text.strip().startswith(word)


def test_cancel_raises_cancelled_and_leaves_the_runtime_usable(fresh):
    calls = []

    def cancel():
        calls.append(1)
        return len(calls) > 3

    with pytest.raises(Cancelled):
        fresh.generate([GenRequest((CODE,), max_new_tokens=64), GenRequest((CODE + "    \n",), max_new_tokens=64)],
                       cancel=cancel)
    assert not any(s.pinned for s in fresh.store.entries())
    assert fresh.generate([GenRequest((CODE,), max_new_tokens=4)])[0].tokens


def test_eviction_when_sequences_and_cells_run_out_never_crashes(rt):
    from jumpcoder_lsp.runtime.llamacpp_runtime import ContextFull, LlamaCppRuntime

    small = LlamaCppRuntime(rt.path, n_ctx=512, n_seq_max=4, max_cache_entries=3, stop_tokens=STOP_TOKENS)
    try:
        for k in range(3):
            code = f"# file {k}\n" + CODE * 3  # ~160 tokens: three unrelated ones fill most of 512 cells
            small.score([ScoreRequest((), code)])
            outs = small.generate([GenRequest((code,), max_new_tokens=8),
                                   GenRequest((Special("<|fim_prefix|>"), code, Special("<|fim_suffix|>"), "",
                                               Special("<|fim_middle|>")), max_new_tokens=8),
                                   GenRequest((f"x = {k}\n" + CODE * 3,), max_new_tokens=8)])
            assert len(outs) == 3 and all(o.tokens for o in outs)
        assert small.evictions > 0 and small.cell_evictions > 0
        assert len(small.store) <= 4
        with pytest.raises(ContextFull, match="n_ctx"):
            small.score([ScoreRequest((), CODE * 20)])
        # branches that cannot all fit: the last one ends empty instead of failing the call
        outs = small.generate([GenRequest((f"# {k}\n" + CODE * 4,), max_new_tokens=4) for k in range(3)])
        assert [o.finish for o in outs] == ["length", "length", "length"]
        assert outs[0].tokens and not outs[2].tokens
        assert small.score([ScoreRequest((), "x = 1\n")])[0].tokens  # still usable
    finally:
        small.close()


def test_clear_errors_for_a_missing_or_unloadable_file(tmp_path, rt):
    from jumpcoder_lsp.runtime.llamacpp_runtime import LlamaCppRuntime, ModelLoadError

    with pytest.raises(ModelLoadError, match="no model file"):
        LlamaCppRuntime(tmp_path / "missing.gguf")
    bad = tmp_path / "bad.gguf"
    bad.write_bytes(b"GGUF" + b"\0" * 64)
    with pytest.raises(ModelLoadError, match="could not load"):
        LlamaCppRuntime(bad)


def test_a_missing_or_too_old_llama_cpp_is_a_clear_error(monkeypatch):
    from jumpcoder_lsp.runtime import llamacpp_runtime as mod

    monkeypatch.setitem(sys.modules, "llama_cpp", None)
    with pytest.raises(mod.LlamaCppUnavailable, match="build_llamacpp.sh"):
        mod.import_llama_cpp()
    ok, reason = mod.llama_cpp_available()
    assert not ok and "not installed" in reason


def test_load_llamacpp_takes_a_resolved_model(rt):
    from types import SimpleNamespace

    from jumpcoder_lsp.runtime.llamacpp_runtime import ModelLoadError, load_llamacpp

    messages = []
    got = load_llamacpp(SimpleNamespace(spec="x", gguf_path=rt.path, stop_tokens=tuple(STOP_TOKENS),
                                        preset=SimpleNamespace(name="qwen2.5-coder-0.5b")),
                        threads=1, progress=lambda m, f=None: messages.append(m))
    try:
        assert got.description == "llama.cpp cpu Q4_K_M qwen2.5-coder-0.5b (1 thread)"
        assert any("loaded" in m for m in messages)
    finally:
        got.close()
    with pytest.raises(ModelLoadError, match="--runtime torch"):
        load_llamacpp(SimpleNamespace(spec="some/repo", gguf_path=None, stop_tokens=()))


def test_scores_are_finite_log_probabilities(fresh):
    s = fresh.score([ScoreRequest((), CODE)])[0]
    assert len(s.tokens) == len(s.offsets) == len(s.logits) == len(s.logprobs) == len(s.greedy)
    assert all(math.isfinite(x) and x <= 0 for x in s.logprobs)
    assert all(0 <= g < fresh.n_vocab for g in s.greedy)


def test_warm_prefills_the_prompt_so_that_generate_decodes_only(fresh):
    assert fresh.warm((CODE,)) == len(fresh.prompt_ids((CODE,)))
    misses = fresh.misses
    out = fresh.generate([GenRequest((CODE,), stop=stop_at_newline, max_new_tokens=16)])[0]
    assert fresh.misses == misses  # the prompt came from the warmed sequence, with its last logits row
    assert out.finish == "stop" and out.text.strip()
    with pytest.raises(Cancelled):
        fresh.clear_cache() or fresh.warm((CODE,), cancel=lambda: True)
