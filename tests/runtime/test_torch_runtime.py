"""TorchRuntime on a tiny random-weight Qwen2 (see conftest.py): batching, caching, tokens, stops."""

from __future__ import annotations

import pytest
import torch

from jumpcoder_lsp.runtime.base import Cancelled, GenRequest, Runtime, ScoreRequest, Special, stop_at_newline

TOL = 1e-4  # fp32: cached vs uncached paths differ by ~1e-6

CODE = "def minSubArraySum(nums):\n    max_sum = 0\n    for num in nums:\n        curr_sum += -num\n"
FIM = (Special("<|fim_prefix|>"), "def is_prime(n):\n", Special("<|fim_suffix|>"),
       "    return True\n", Special("<|fim_middle|>"))


def never(text):
    return None


def stop_after_5_chars(text):
    return 5 if len(text) >= 5 else None


def max_diff(a, b):
    assert len(a) == len(b)
    return max((abs(x - y) for x, y in zip(a, b)), default=0.0)


def reference_logits(model, ids):
    """Plain HF forward over the whole sequence, no cache: the ground truth."""
    with torch.inference_mode():
        return model(input_ids=torch.tensor([ids])).logits[0].float()


def test_is_a_runtime(make_runtime):
    rt = make_runtime()
    assert isinstance(rt, Runtime)
    assert "torch cpu float32" in rt.description


def test_batched_generate_equals_each_branch_alone(make_runtime):
    requests = [
        GenRequest((CODE,), stop=never, max_new_tokens=12),
        GenRequest(FIM, stop=never, max_new_tokens=9),
        GenRequest(("x",), stop=stop_after_5_chars, max_new_tokens=12),  # stops early
        GenRequest((CODE + "        if curr_sum < 0:\n",), stop=never, max_new_tokens=12),  # extends branch 0
        GenRequest((CODE,), stop=never, max_new_tokens=4),  # same prompt as branch 0, shorter budget
        GenRequest(("class Stack:\n    def push(self, item):\n",), stop=never, max_new_tokens=12,
                   bad_words=("self",)),
    ]
    rt = make_runtime()
    calls = []
    decoder = rt._decoder

    def counting(**kw):
        calls.append((tuple(kw["input_ids"].shape), kw.get("attention_mask") is not None))
        return decoder(**kw)

    rt._decoder = counting
    batched = rt.generate(requests)
    # 5 prefills (branch 4 is fully cached), then ONE forward per step for all live branches
    steps = [shape for shape, batched_step in calls if batched_step]
    assert len(calls) - len(steps) == 5
    # the first token of each branch comes from its prefill; step t then advances exactly the
    # branches that still want a token (finished rows leave the batch)
    assert steps == [(sum(1 for g in batched if len(g.tokens) > t + 1), 1) for t in range(len(steps))]
    assert len(steps) == 11 and steps[-1][0] < 6
    assert [g.finish for g in batched] == ["length", "length", "stop", "length", "length", "length"]
    assert len(batched[2].text) == 5 and len(batched[2].tokens) < 12
    assert batched[4].tokens == batched[0].tokens[:4]
    for req, got in zip(requests, batched):
        alone = make_runtime().generate([req])[0]  # fresh runtime: nothing cached
        assert got.tokens == alone.tokens
        assert got.text == alone.text
        assert got.finish == alone.finish
        assert max_diff(got.logits, alone.logits) < TOL


def test_generate_matches_transformers_greedy_generate(make_runtime, tiny_model):
    rt = make_runtime()
    got = rt.generate([GenRequest((CODE,), stop=never, max_new_tokens=10)])[0]
    ids = rt.prompt_ids((CODE,))
    with torch.inference_mode():
        ref = tiny_model.generate(torch.tensor([ids]), attention_mask=torch.ones(1, len(ids), dtype=torch.long),
                                  do_sample=False, max_new_tokens=10, min_new_tokens=10)
    assert got.tokens == ref[0, len(ids):].tolist()
    # S of each generated token = the raw logit of that token
    full = reference_logits(tiny_model, ids + got.tokens)
    expect = [full[len(ids) - 1 + t, tok].item() for t, tok in enumerate(got.tokens)]
    assert max_diff(got.logits, expect) < TOL


def test_score_matches_plain_forward(make_runtime, tiny_model):
    rt = make_runtime()
    target = "        if curr_sum < 0:\n            curr_sum = 0\n"
    s = rt.score([ScoreRequest((CODE,), target)])[0]
    ctx = rt.prompt_ids((CODE,))
    full = reference_logits(tiny_model, ctx + s.tokens)
    rows = full[len(ctx) - 1: len(ctx) - 1 + len(s.tokens)]
    tok = torch.tensor(s.tokens)
    assert max_diff(s.logits, rows.gather(1, tok[:, None])[:, 0].tolist()) < TOL
    assert max_diff(s.logprobs, torch.log_softmax(rows, -1).gather(1, tok[:, None])[:, 0].tolist()) < TOL
    assert s.greedy == rows.argmax(-1).tolist()
    assert all(lp <= 0 for lp in s.logprobs)


def test_score_on_cached_prefix_equals_score_from_scratch(make_runtime):
    rt = make_runtime()
    rt.score([ScoreRequest((CODE,), "        if curr_sum < 0:\n")])  # caches CODE + that line
    req = ScoreRequest((CODE, "        if curr_sum < 0:\n"), "            curr_sum = 0\n        max_sum = 1\n")
    hits_before = rt.store.hits
    cached = rt.score([req])[0]
    assert rt.store.hits - hits_before == len(rt.prompt_ids(req.context))  # the whole context was reused
    scratch = make_runtime().score([req])[0]
    assert cached.tokens == scratch.tokens and cached.offsets == scratch.offsets
    assert max_diff(cached.logits, scratch.logits) < TOL
    assert max_diff(cached.logprobs, scratch.logprobs) < TOL
    assert cached.greedy == scratch.greedy
    # a target inside an already cached sequence costs no forward pass and gives the same numbers
    misses = rt.store.misses
    inner = rt.score([ScoreRequest((CODE,), "        if curr_sum < 0:\n")])[0]
    assert rt.store.misses == misses
    fresh = make_runtime().score([ScoreRequest((CODE,), "        if curr_sum < 0:\n")])[0]
    assert max_diff(inner.logits, fresh.logits) < TOL and inner.greedy == fresh.greedy


def test_generate_stores_the_prompt_cache_for_later_requests(make_runtime):
    rt = make_runtime()
    rt.generate([GenRequest((CODE,), stop=never, max_new_tokens=3)])
    misses = rt.store.misses
    scored = rt.score([ScoreRequest((CODE,), "        if x:\n")])[0]
    assert rt.store.misses - misses == len(scored.tokens)  # only the target was computed
    scratch = make_runtime().score([ScoreRequest((CODE,), "        if x:\n")])[0]
    assert max_diff(scored.logits, scratch.logits) < TOL


def test_forking_does_not_change_the_cached_entry(make_runtime):
    rt = make_runtime()
    base = ScoreRequest((CODE,), "        if curr_sum < 0:\n")
    first = rt.score([base])[0]
    entry = max(rt.store.entries(), key=len)
    snapshot = [(k.clone(), v.clone()) for k, v in entry.kv]
    hidden = entry.hidden.clone()
    # extend a fork of it (generation) and branch off inside it (a different line after CODE)
    rt.generate([GenRequest((CODE, "        if curr_sum < 0:\n", "            "), stop=never, max_new_tokens=5),
                 GenRequest((CODE, "        if curr_sum > 0:\n"), stop=never, max_new_tokens=5)])
    for (k0, v0), (k1, v1) in zip(snapshot, entry.kv):
        assert torch.equal(k0, k1) and torch.equal(v0, v1)
    assert torch.equal(hidden, entry.hidden)
    again = rt.score([base])[0]
    assert again.logits == first.logits and again.greedy == first.greedy
    # and the KV of the shared prefix still gives from-scratch numbers for a new continuation
    other = ScoreRequest((CODE,), "        if curr_sum == 3:\n")
    assert max_diff(rt.score([other])[0].logits, make_runtime().score([other])[0].logits) < TOL


def test_special_pieces_are_one_id_and_literal_control_text_stays_text(make_runtime, tiny_tokenizer):
    rt = make_runtime()
    pre, mid, sep = (tiny_tokenizer.convert_tokens_to_ids(t) for t in ("<|fim_prefix|>", "<|fim_middle|>", "<|file_sep|>"))
    text = "s = '<|fim_prefix|>' + '<|file_sep|>'\n"
    ids = rt.prompt_ids((Special("<|fim_prefix|>"), text, Special("<|fim_middle|>")))
    assert ids[0] == pre and ids[-1] == mid
    body = ids[1:-1]
    assert pre not in body and sep not in body and mid not in body  # the literal stays text
    assert rt.decode(body) == text
    assert rt.prompt_ids((Special("<|file_sep|>"),)) == [sep]
    assert rt.count_tokens(text) == len(body)
    with pytest.raises(ValueError):
        rt.prompt_ids((Special("<|no_such_token|>"),))
    with pytest.raises(ValueError):
        rt.prompt_ids((Special("def f"),))  # text, not one token


def test_stop_rule_cuts_the_text_and_keeps_the_tokens(make_runtime):
    rt = make_runtime()
    free = rt.generate([GenRequest((CODE,), stop=never, max_new_tokens=8)])[0]
    # stop once 3 tokens' worth of text exists, keeping 2 characters
    n3 = len(rt.decode(free.tokens[:3]))
    got = rt.generate([GenRequest((CODE,), stop=lambda t: 2 if len(t) >= n3 else None, max_new_tokens=8)])[0]
    assert got.finish == "stop"
    assert got.tokens == free.tokens[:3] and len(got.logits) == 3
    assert got.text == free.text[:2]
    # the newline rule from base.py
    nl = rt.generate([GenRequest((CODE,), stop=stop_at_newline, max_new_tokens=40)])[0]
    assert nl.finish in ("stop", "length", "eos")
    if nl.finish == "stop":
        assert nl.text.endswith("\n") and nl.text.count("\n") == 1


def test_max_new_tokens_finishes_with_length(make_runtime):
    rt = make_runtime()
    out = rt.generate([GenRequest((CODE,), stop=never, max_new_tokens=n) for n in (0, 1, 6)])
    assert [g.finish for g in out] == ["length"] * 3
    assert [len(g.tokens) for g in out] == [0, 1, 6]
    assert [len(g.logits) for g in out] == [0, 1, 6]
    assert out[1].tokens == out[2].tokens[:1]


def test_eos_token_finishes_the_branch(make_runtime, tiny_tokenizer):
    free = make_runtime().generate([GenRequest((CODE,), stop=never, max_new_tokens=8)])[0]
    # make the 4th greedy token an end-of-sequence token (as a preset's stop token would)
    tok = free.tokens[3]
    assert tok not in free.tokens[:3]
    rt = make_runtime(stop_tokens=[tiny_tokenizer.convert_ids_to_tokens(tok), "<|not_a_token|>"])
    assert tok in rt.eos_ids and tiny_tokenizer.eos_token_id in rt.eos_ids
    got = rt.generate([GenRequest((CODE,), stop=never, max_new_tokens=8)])[0]
    assert got.finish == "eos"
    assert got.tokens == free.tokens[:3]  # the EOS token itself is not part of the output
    assert got.text == rt.decode(free.tokens[:3])


def test_bad_words_are_banned(make_runtime):
    rt = make_runtime()
    free = rt.generate([GenRequest((CODE,), stop=never, max_new_tokens=10)])[0]
    texts = rt.token_texts()
    word = next(texts[t].strip() for t in free.tokens if texts[t].strip())
    banned = rt.generate([GenRequest((CODE,), stop=never, max_new_tokens=10, bad_words=(word,))])[0]
    assert banned.tokens != free.tokens
    for t in banned.tokens:
        stripped = texts[t].lstrip()
        assert not (stripped.startswith(word) and (
            not word[-1].isalnum() or len(stripped) == len(word) or not stripped[len(word)].isalnum()))
    # the same branch without bad words, in the same batch, is unaffected
    both = rt.generate([GenRequest((CODE,), stop=never, max_new_tokens=10),
                        GenRequest((CODE,), stop=never, max_new_tokens=10, bad_words=(word,))])
    assert both[0].tokens == free.tokens and both[1].tokens == banned.tokens


def test_cancel_raises_cancelled(make_runtime):
    rt = make_runtime()
    with pytest.raises(Cancelled):
        rt.generate([GenRequest((CODE,), stop=never, max_new_tokens=5)], cancel=lambda: True)
    polls = []

    def cancel_at_third_poll():
        polls.append(1)
        return len(polls) >= 3

    with pytest.raises(Cancelled):
        rt.generate([GenRequest((CODE,), stop=never, max_new_tokens=50)], cancel=cancel_at_third_poll)
    assert len(polls) == 3
    # the runtime is still usable and correct afterwards
    after = rt.generate([GenRequest((CODE,), stop=never, max_new_tokens=5)])[0]
    assert after.tokens == make_runtime().generate([GenRequest((CODE,), stop=never, max_new_tokens=5)])[0].tokens


def test_offsets_map_tokens_back_to_target_characters_including_non_ascii(make_runtime):
    rt = make_runtime()
    target = "s = '😀 中文 é'  # ünïcode\n\n    return s\n"
    s = rt.score([ScoreRequest(("x = 1\n",), target)])[0]
    assert s.offsets[0][0] == 0 and s.offsets[-1][1] == len(target)
    for (a0, a1), (b0, b1) in zip(s.offsets, s.offsets[1:]):
        assert a1 == b0 and a0 <= a1  # the spans tile the target
    assert "".join(target[a:b] for a, b in s.offsets) == target
    # each span ends where the decoded tokens so far end (a character split over tokens belongs to the
    # token holding its first byte; the following pieces get empty spans)
    for j, (_, end) in enumerate(s.offsets):
        decoded = rt.decode(s.tokens[: j + 1])
        if decoded.endswith("\ufffd"):
            assert target[: end - 1] == decoded.rstrip("\ufffd")
        else:
            assert target[:end] == decoded
    emoji = target.index("😀")
    owners = [j for j, (a, b) in enumerate(s.offsets) if a <= emoji < b]
    assert len(owners) == 1
    assert any(a == b for a, b in s.offsets)  # the emoji's trailing byte pieces
    assert rt.encode_with_offsets(target)[1] == s.offsets


def test_empty_context_and_empty_target(make_runtime, tiny_model, tiny_tokenizer):
    rt = make_runtime()
    s = rt.score([ScoreRequest((), "def f():\n"), ScoreRequest(("x",), "")])
    assert s[1].tokens == [] and s[1].logits == []
    eos = tiny_tokenizer.eos_token_id  # no BOS in this tokenizer: the target is scored after EOS
    full = reference_logits(tiny_model, [eos] + s[0].tokens)
    assert s[0].greedy == full[:-1].argmax(-1).tolist()
    g = rt.generate([GenRequest((), stop=never, max_new_tokens=3)])[0]
    assert len(g.tokens) == 3


def test_store_is_bounded_by_entries_and_tokens(make_runtime):
    rt = make_runtime(max_cache_entries=3, max_cache_tokens=10_000)
    for i in range(6):
        rt.score([ScoreRequest((f"v{i} = {i}\n",), "print(v)\n")])
    assert len(rt.store) == 3
    rt = make_runtime(max_cache_entries=10, max_cache_tokens=60)
    for i in range(6):
        rt.score([ScoreRequest((f"value_{i} = {i} * 2\n",), "print(value)\n" * 2)])
    assert rt.store.total_tokens <= 60 or len(rt.store) == 1
    # an entry that extends another replaces it
    rt = make_runtime()
    rt.score([ScoreRequest((CODE,), "        if x:\n")])
    rt.score([ScoreRequest((CODE, "        if x:\n"), "            y = 1\n")])
    assert len(rt.store) == 1


def test_warm_prefills_the_prompt_so_that_generate_decodes_only(make_runtime):
    rt = make_runtime()
    n = rt.warm((CODE,))
    assert n == len(rt.prompt_ids((CODE,)))
    misses = rt.store.misses
    out = rt.generate([GenRequest((CODE,), stop=never, max_new_tokens=4)])[0]
    assert rt.store.misses == misses  # the prompt came from the warmed cache
    assert out.tokens == make_runtime().generate([GenRequest((CODE,), stop=never, max_new_tokens=4)])[0].tokens


def test_warm_is_cancelled_between_prefill_chunks(make_runtime):
    rt = make_runtime()
    with pytest.raises(Cancelled):
        rt.warm((CODE,), cancel=lambda: True)
