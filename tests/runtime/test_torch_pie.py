"""TorchRuntime(kv_reuse="pie") on the tiny random Qwen2 model of conftest.py (fp32, seeded).

What is checked:

1. Bookkeeping: after an edit the runtime computes exactly the plan's compute spans (the ``_extend``
   calls and the store's counters) and reuses the rest; the prefix is the cached tensors, the moved
   values are the cached values, the moved keys are the cached keys rotated by the run's shift
   (checked against an independent complex-number rotation in float64).
2. Exactness of the construction: a key cached at position p and rotated by d equals the key the
   model computes at p + d for the same context (RoPE attention is relative; checked per layer
   against the old sequence run through the model at an offset), and the PIE logits equal the same
   layout built without any rotation (the moved runs' keys/values computed by the model at their new
   positions in their old context). Against a full recompute (the kept tokens did see the edit) the
   random model moves more: a loose bound, and PIE is much closer than the same cache left unrotated.
3. Scores stay exact: a score request after a PIE prefill is a full recompute's, computed from the
   last exact position on.

The real model (greedy next token after an edit vs a full recompute) is in test_torch_pie_real.py.
"""

from __future__ import annotations

import inspect
import logging
import textwrap

import pytest

from jumpcoder_lsp.runtime.base import Cancelled, GenRequest, ScoreRequest
from jumpcoder_lsp.runtime.kvreuse import plan_reuse

torch = pytest.importorskip("torch")

SRC = inspect.getsource(textwrap)[:1200]
LINES = SRC.split("\n")

EDITS = {
    "insert at the top": "import os\nimport sys\n" + SRC,
    "delete a block": "\n".join(LINES[:6] + LINES[12:]),
    "two edit regions": "\n".join(LINES[:4] + ["# a note"] + LINES[4:20] + ["x = 1"] + LINES[21:]),
}

#: the tiny model, fp32: the model computes its own RoPE angles in float32 (p * inv_freq), so a key
#: computed at p + d and one computed at p then rotated by d in float64 differ by ~1e-6 relative at the
#: positions of these ~400-token texts
FP32_TOL = 2e-4


def _never(text):
    return None


def _entry(rt, ids):
    return next(e for e in rt.store.entries() if e.ids == ids)


def _last_logprobs(rt, entry):
    with torch.inference_mode():
        return torch.log_softmax(rt._logits(entry.hidden[-1]), dim=-1)


def _prefilled(rt, text):
    rt.warm([text])
    return _entry(rt, rt.prompt_ids([text]))


def _rotate_complex(k, shift, inv_freq):
    """Independent reference: rotate_half RoPE as complex multiplication, (x_i + i x_{i+h}) * e^{i d theta_i}."""
    half = k.shape[-1] // 2
    z = torch.complex(k[..., :half].double(), k[..., half:].double())
    z = z * torch.polar(torch.ones_like(inv_freq, dtype=torch.float64), shift * inv_freq.double())
    return torch.cat([z.real, z.imag], dim=-1)


def _model_kv(rt, ids, start):
    """The model's keys/values of ``ids`` run from scratch at positions start, start+1, ..."""
    from transformers import DynamicCache

    cache = DynamicCache()
    with torch.inference_mode():
        out = rt._decoder(input_ids=torch.tensor([ids]), position_ids=torch.arange(start, start + len(ids))[None],
                          past_key_values=cache, use_cache=True)
    return [(layer.keys, layer.values) for layer in cache.layers], out.last_hidden_state[0]


@pytest.fixture
def pie(make_runtime):
    return make_runtime(kv_reuse="pie")


@pytest.mark.parametrize("edit", list(EDITS))
def test_an_edit_computes_the_plan_spans_only_and_moves_the_rest(pie, monkeypatch, edit):
    new = EDITS[edit]
    old = _prefilled(pie, SRC)
    old_ids, new_ids = pie.prompt_ids([SRC]), pie.prompt_ids([new])
    plan = plan_reuse(old_ids, new_ids, "pie")
    assert plan.moved and plan.computed < len(new_ids) // 4  # a real PIE plan
    calls = []
    real_extend = pie._extend

    def spy(kv, ids, start, cancel):
        calls.append((start, start + len(ids)))
        assert (kv[0][0].shape[2] if kv else 0) == start  # each span attends to everything before it
        return real_extend(kv, ids, start, cancel)

    monkeypatch.setattr(pie, "_extend", spy)
    hits, misses = pie.store.hits, pie.store.misses
    got = _prefilled(pie, new)
    assert pie.last_reuse["mode"] == "pie" and pie.last_reuse["plan"] == plan
    assert calls == plan.compute_spans()
    assert pie.store.misses - misses == plan.computed == sum(b - a for a, b in calls)
    assert pie.store.hits - hits == plan.reused == len(new_ids) - plan.computed
    assert pie.last_reuse["moved"] == sum(k.length for k in plan.moved)
    assert len(got.kv) == len(old.kv) and all(k.shape[2] == len(new_ids) for k, _ in got.kv)
    assert got.hidden.shape[0] == len(new_ids)
    # positions: exact up to the first moved token, approximate from there on
    assert got.exact == plan.moved[0].new and got.exact_len < len(new_ids)
    inv_freq = pie._decoder.rotary_emb.inv_freq
    p = plan.prefix
    for (k, v), (k0, v0) in zip(got.kv, old.kv):
        assert torch.equal(k[:, :, :p], k0[:, :, :p]) and torch.equal(v[:, :, :p], v0[:, :, :p])
        for run in plan.moved:
            new_k = k[:, :, run.new:run.new + run.length]
            old_k = k0[:, :, run.old:run.old + run.length]
            assert torch.equal(v[:, :, run.new:run.new + run.length], v0[:, :, run.old:run.old + run.length])
            assert torch.allclose(new_k.double(), _rotate_complex(old_k, run.shift, inv_freq), atol=1e-5, rtol=1e-5)
            if run.shift:
                assert not torch.allclose(new_k, old_k, atol=1e-3)  # really rotated
    for run in plan.moved:
        assert torch.equal(got.hidden[run.new:run.new + run.length], old.hidden[run.old:run.old + run.length])


def test_a_rotated_key_is_the_key_computed_at_the_shifted_position(make_runtime):
    """RoPE(p) then a rotation by d is RoPE(p + d): per layer, the old sequence's keys rotated by d
    equal the keys of the same sequence run through the model d positions later; values stay."""
    from jumpcoder_lsp.runtime.torch_runtime import _rotation, rotate_keys

    rt = make_runtime()
    ids = rt.prompt_ids([SRC])[:200]
    at0, _ = _model_kv(rt, ids, 0)
    inv_freq = rt._decoder.rotary_emb.inv_freq
    for d in (1, 15, 300):
        at_d, _ = _model_kv(rt, ids, d)
        cos, sin = _rotation(inv_freq, d)
        for (k0, v0), (kd, vd) in zip(at0, at_d):
            assert torch.allclose(rotate_keys(k0, cos, sin), kd, atol=FP32_TOL, rtol=FP32_TOL)
            assert torch.allclose(v0, vd, atol=FP32_TOL, rtol=FP32_TOL)
    # in float64, against the float64 reference, to the last bits
    k = torch.randn(1, 2, 5, 16, dtype=torch.float64)
    freq = 1.0 / (10000 ** (torch.arange(0, 16, 2, dtype=torch.float64) / 16))
    for d in (-7, 3, 4000):
        cos, sin = _rotation(freq, d)
        assert torch.allclose(rotate_keys(k, cos, sin), _rotate_complex(k, d, freq), atol=1e-12, rtol=0)
        back = rotate_keys(rotate_keys(k, cos, sin), *_rotation(freq, -d))
        assert torch.allclose(back, k, atol=1e-12, rtol=0)


def _same_layout_recomputed(rt, old_ids, new_ids, plan):
    """The PIE layout built without any rotation: the kept prefix and the compute spans as PIE has
    them, each moved run's keys/values computed by the model from the run's OLD context (the old
    sequence up to the run's end) at positions shifted by the run's shift. Returns the last logits."""
    from transformers import DynamicCache

    from jumpcoder_lsp.runtime.torch_runtime import _dynamic_cache

    kv, _ = _model_kv(rt, old_ids[:plan.prefix], 0) if plan.prefix else ([], None)
    pieces = [("span", a, b) for a, b in plan.compute_spans()] + [("run", r.new, r) for r in plan.moved]
    hidden = None
    for kind, start, what in sorted(pieces, key=lambda x: x[1]):
        if kind == "run":
            run = what
            shifted, _ = _model_kv(rt, old_ids[:run.old + run.length], run.shift)
            add = [(k[:, :, run.old:], v[:, :, run.old:]) for k, v in shifted]
            kv = [(torch.cat([k0, k], 2), torch.cat([v0, v], 2)) for (k0, v0), (k, v) in zip(kv, add)] if kv else add
        else:
            a, b = start, what
            cache = _dynamic_cache(kv) if kv else DynamicCache()
            with torch.inference_mode():
                out = rt._decoder(input_ids=torch.tensor([new_ids[a:b]]), position_ids=torch.arange(a, b)[None],
                                  past_key_values=cache, use_cache=True)
            kv = [(layer.keys, layer.values) for layer in cache.layers]
            hidden = out.last_hidden_state[0, -1]
    assert kv[0][0].shape[2] == len(new_ids)
    with torch.inference_mode():
        return torch.log_softmax(rt._logits(hidden), dim=-1)


@pytest.mark.parametrize("edit", list(EDITS))
def test_pie_logits_equal_the_same_layout_computed_without_rotation(pie, edit):
    new = EDITS[edit]
    _prefilled(pie, SRC)
    got = _last_logprobs(pie, _prefilled(pie, new))
    old_ids, new_ids = pie.prompt_ids([SRC]), pie.prompt_ids([new])
    want = _same_layout_recomputed(pie, old_ids, new_ids, plan_reuse(old_ids, new_ids, "pie"))
    assert torch.allclose(got, want, atol=FP32_TOL, rtol=0), float((got - want).abs().max())


#: max |logprob difference| over the vocabulary, PIE vs a full recompute, on the random tiny model
#: (measured with ``pytest -s``: 0.107 / 0.689 / 0.638 for the three edits; the same cache with the
#: moved keys left unrotated: 8.0 / 6.8 / 7.2)
FULL_BOUND = 1.5


@pytest.mark.parametrize("edit", list(EDITS))
def test_pie_logits_are_near_a_full_recompute_and_nearer_than_unrotated_keys(pie, make_runtime, edit):
    from jumpcoder_lsp.runtime import torch_runtime

    new = EDITS[edit]
    _prefilled(pie, SRC)
    got = _last_logprobs(pie, _prefilled(pie, new))
    full = make_runtime()
    want = _last_logprobs(full, _prefilled(full, new))
    err = float((got - want).abs().max())
    # the same PIE prefill with the rotation switched off: the moved keys keep their old positions
    wrong = make_runtime(kv_reuse="pie")
    _prefilled(wrong, SRC)
    real_rotate = torch_runtime.rotate_keys
    try:
        torch_runtime.rotate_keys = lambda k, cos, sin: k
        unrotated = _last_logprobs(wrong, _prefilled(wrong, new))
    finally:
        torch_runtime.rotate_keys = real_rotate
    err_unrotated = float((unrotated - want).abs().max())
    print(f"{edit}: max |Δlogprob| pie {err:.3f}, unrotated {err_unrotated:.3f}")
    assert err < FULL_BOUND
    assert err < err_unrotated / 3


def test_scores_after_a_pie_prefill_are_a_full_recompute(pie, make_runtime):
    new = EDITS["insert at the top"]
    _prefilled(pie, SRC)
    approx = _prefilled(pie, new)
    exact_n = approx.exact
    misses = pie.store.misses
    got = pie.score([ScoreRequest((), new)])[0]
    assert pie.store.misses - misses == len(pie.prompt_ids([new])) - exact_n  # recomputed from the last exact position
    want = make_runtime().score([ScoreRequest((), new)])[0]
    assert got.tokens == want.tokens and got.greedy == want.greedy
    assert max(abs(a - b) for a, b in zip(got.logprobs, want.logprobs)) < 1e-4
    # the exact entry replaced the approximate one: the next generate starts from it
    entry = _entry(pie, pie.prompt_ids([new]))
    assert entry.exact is None and entry.exact_len == len(entry.ids)


def test_a_score_never_reads_moved_tokens_even_with_a_cached_pie_entry(pie, make_runtime):
    """A score whose context is the edited buffer minus its tail: the PIE entry covers it as a prefix,
    but only its exact head is reused."""
    new = EDITS["delete a block"]
    _prefilled(pie, SRC)
    approx = _prefilled(pie, new)
    ctx, tgt = new[:-40], new[-40:]
    got = pie.score([ScoreRequest((ctx,), tgt)])[0]
    want = make_runtime().score([ScoreRequest((ctx,), tgt)])[0]
    assert approx.exact < len(pie.prompt_ids([ctx]))
    assert got.greedy == want.greedy
    assert max(abs(a - b) for a, b in zip(got.logprobs, want.logprobs)) < 1e-4


def test_generate_after_an_edit_uses_pie_and_starts_from_its_logits(pie):
    new = EDITS["two edit regions"]
    _prefilled(pie, SRC)
    out = pie.generate([GenRequest((new,), stop=_never, max_new_tokens=4),
                        GenRequest((SRC,), stop=_never, max_new_tokens=4)])
    entry = _entry(pie, pie.prompt_ids([new]))
    assert entry.exact is not None  # the PIE entry, approximate after the first edit
    assert pie.reuse_totals["pie_calls"] == 1
    assert out[0].tokens[0] == int(_last_logprobs(pie, entry).argmax())
    assert len(out[0].tokens) == 4 and len(out[1].tokens) == 4


def test_a_cancelled_pie_prefill_stores_nothing(pie):
    _prefilled(pie, SRC)
    n = len(pie.store)
    polls = []
    with pytest.raises(Cancelled):
        pie.warm([EDITS["two edit regions"]], cancel=lambda: polls.append(1) or len(polls) > 2)
    assert len(pie.store) == n and pie.reuse_totals["pie_calls"] == 0


def test_prefix_mode_never_moves_tokens(make_runtime):
    rt = make_runtime()
    assert rt.kv_reuse == "prefix"
    _prefilled(rt, SRC)
    new = EDITS["insert at the top"]
    misses = rt.store.misses
    entry = _prefilled(rt, new)
    old_ids, new_ids = rt.prompt_ids([SRC]), rt.prompt_ids([new])
    assert rt.store.misses - misses == len(new_ids) - plan_reuse(old_ids, new_ids, "prefix").prefix
    assert entry.exact is None and rt.reuse_totals["pie_calls"] == 0


def test_a_small_edit_near_the_end_is_a_prefix_hit(pie):
    _prefilled(pie, SRC)
    pie.warm([SRC + "x = 1\n"])
    assert pie.last_reuse["mode"] == "prefix" and pie.reuse_totals["pie_calls"] == 0


def test_a_rotary_embedding_that_cannot_be_rerotated_falls_back_to_prefix(make_runtime, tiny_model, monkeypatch,
                                                                          caplog):
    monkeypatch.setattr(tiny_model.model.rotary_emb, "rope_type", "dynamic")
    with caplog.at_level(logging.WARNING):
        rt = make_runtime(kv_reuse="pie")
    assert rt.kv_reuse == "prefix" and "cannot be re-rotated" in caplog.text
    with pytest.raises(ValueError, match="kvReuse must be one of prefix, pie"):
        make_runtime(kv_reuse="suffix")


def test_a_chain_of_edits_moves_moved_tokens_again(pie, make_runtime):
    """Each edit starts from the previous PIE entry (the most recent, whose plan reuses the most).
    After each, the entry's exact head is what a full recompute computes (the positions a score may
    reuse) and the rest is not; the final logits stay near a full recompute."""
    _prefilled(pie, SRC)
    text = SRC
    edits = [lambda t: "import re\n" + t,
             lambda t: t.replace("import re", "import re, os", 1),
             lambda t: "\n".join(t.split("\n")[:4] + t.split("\n")[7:]),
             lambda t: "# header\n" + t]
    for edit in edits:
        new = edit(text)
        assert new != text
        plan = plan_reuse(pie.prompt_ids([text]), pie.prompt_ids([new]), "pie")
        misses, calls = pie.store.misses, pie.reuse_totals["pie_calls"]
        entry = _prefilled(pie, new)
        assert pie.reuse_totals["pie_calls"] == calls + 1 and pie.store.misses - misses == plan.computed
        full = make_runtime()
        want = _prefilled(full, new)
        n = entry.exact
        assert 0 < n < len(entry.ids)
        assert torch.allclose(entry.hidden[:n], want.hidden[:n], atol=1e-4, rtol=1e-4)
        assert not torch.allclose(entry.hidden[n:], want.hidden[n:], atol=1e-3, rtol=1e-3)
        text = new
    got, want = _last_logprobs(pie, _entry(pie, pie.prompt_ids([text]))), _last_logprobs(full, want)
    assert float((got - want).abs().max()) < FULL_BOUND


def test_the_full_refresh_recomputes_from_the_first_approximate_position_after_that_many_pie_plans(make_runtime):
    """``pie_refresh=2``: two edits in a row are PIE plans; the third (below the first) is not planned
    against the twice-moved entry: it recomputes from its first approximate position, and the result
    is a full recompute's (exact, depth 0)."""
    pie = make_runtime(kv_reuse="pie", pie_refresh=2, max_cache_entries=1)  # one entry: each edit plans on the last
    _prefilled(pie, SRC)
    text = SRC
    edits = [lambda t: "import re\n" + t, lambda t: "import os\n" + t, lambda t: "\n".join(t.split("\n")[:8] + t.split("\n")[10:])]
    for n, edit in enumerate(edits, 1):
        text = edit(text)
        calls = pie.reuse_totals["pie_calls"]
        entry = _prefilled(pie, text)
        if n <= 2:
            assert pie.reuse_totals["pie_calls"] == calls + 1 and entry.pie_depth == n and entry.exact is not None
        else:
            assert pie.reuse_totals["pie_calls"] == calls and pie.pie_refreshes == 1
            assert entry.exact is None and entry.pie_depth == 0
    want = _prefilled(make_runtime(), text)
    assert torch.allclose(entry.hidden, want.hidden, atol=1e-4, rtol=1e-4)
