"""LlamaCppRuntime(kv_reuse="pie") on the default preset's GGUF: after an edit above the end of the
prompt, only the tokens of the PIE plan are computed (the runtime's own ``misses`` counter), and the
next greedy token equals a full recompute's.

Skipped like test_llamacpp_runtime.py when llama-cpp-python or the GGUF is absent. 1 thread, a
2,048-cell context and a ~250-token buffer of this repo's code, so each full recompute is a few seconds.

Tolerance: the log-probability of the full recompute's greedy token, PIE vs full, differed on these
edits by 0.48 (two imports inserted at the top: every kept token lost that context), 0.006 (a deleted
block), 0.018 (two edit regions) and 0.004 (after a chain of four edits); measured with
``pytest -s`` on qwen2.5-coder-0.5b Q4_K_M, 1 thread, AVX2. The bound is 0.75; the greedy token is exact.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from jumpcoder_lsp.runtime.kvreuse import plan_reuse

from tests.runtime.test_llamacpp_runtime import STOP_TOKENS, default_gguf

pytestmark = pytest.mark.real_model

LOGPROB_BOUND = 0.75

_KVREUSE = (Path(__file__).resolve().parents[2] / "jumpcoder_lsp" / "runtime" / "kvreuse.py").read_text()
SRC = _KVREUSE[_KVREUSE.index("@dataclass(frozen=True)\nclass ReusePlan"):][:1000]
LINES = SRC.split("\n")


def _runtime(mode):
    pytest.importorskip("llama_cpp")
    path = default_gguf()
    if path is None:
        pytest.skip("the default GGUF is not in the cache (run: jumpcoder-lsp models fetch)")
    from jumpcoder_lsp.runtime.llamacpp_runtime import LlamaCppRuntime

    return LlamaCppRuntime(path, stop_tokens=STOP_TOKENS, threads=1, n_ctx=2048, n_seq_max=8,
                           max_cache_entries=4, kv_reuse=mode)


@pytest.fixture(scope="module")
def pie():
    runtime = _runtime("pie")
    yield runtime
    runtime.close()


@pytest.fixture(scope="module")
def full():
    runtime = _runtime("prefix")
    yield runtime
    runtime.close()


def _seq(rt, text):
    ids = rt.prompt_ids([text])
    return next(s for s in rt.store.entries() if s.ids == ids)


def _next_logprobs(rt, text):
    """Log-probabilities of the token after ``text`` (warm computes the last row)."""
    import numpy as np

    rt.warm([text])
    row = _seq(rt, text).last
    return row - (row.max() + np.log(np.exp(row - row.max()).sum()))


def _recompute(full, text):
    full.clear_cache()
    return _next_logprobs(full, text)


def _edit_computes_the_plan_only(pie, full, old, new):
    pie.clear_cache()
    _next_logprobs(pie, old)
    plan = plan_reuse(pie.prompt_ids([old]), pie.prompt_ids([new]), "pie")
    assert plan.moved and plan.computed < plan.new_len // 4  # a real PIE plan, not a prefix one
    before, plans = pie.misses, pie.pie_plans
    got = _next_logprobs(pie, new)
    assert pie.misses - before == plan.computed
    assert pie.pie_plans == plans + 1 and pie.last_plan == plan
    want = _recompute(full, new)
    top = int(want.argmax())
    assert int(got.argmax()) == top
    assert abs(float(got[top]) - float(want[top])) < LOGPROB_BOUND
    return plan


def test_an_insertion_above_computes_only_the_inserted_tokens(pie, full):
    plan = _edit_computes_the_plan_only(pie, full, SRC, "import os\nimport sys\n" + SRC)
    assert plan.prefix == 0 or plan.kept[1].shift > 0


def test_a_deleted_block_moves_the_rest_left(pie, full):
    plan = _edit_computes_the_plan_only(pie, full, SRC, "\n".join(LINES[:5] + LINES[9:]))
    assert all(k.shift < 0 for k in plan.moved)


def test_two_edit_regions_compute_both_and_keep_between(pie, full):
    new = "\n".join(LINES[:3] + ["# note"] + LINES[3:14] + ["x = 1"] + LINES[15:])
    plan = _edit_computes_the_plan_only(pie, full, SRC, new)
    assert len(plan.compute_spans()) >= 3  # two edits and the last token


def test_edits_in_too_many_regions_fall_back_to_recompute_after_the_prefix(pie):
    pie.clear_cache()
    _next_logprobs(pie, SRC)
    # a comment on every other line from line 2 on: more edit regions than MAX_REGIONS
    new = "\n".join(line + "  # x" if i % 2 and i > 1 else line for i, line in enumerate(LINES))
    old_ids, new_ids = pie.prompt_ids([SRC]), pie.prompt_ids([new])
    plan = plan_reuse(old_ids, new_ids, "pie")
    assert not plan.moved  # the plan is the common prefix alone
    before, plans = pie.misses, pie.pie_plans
    _next_logprobs(pie, new)
    assert pie.pie_plans == plans
    assert pie.misses - before == len(new_ids) - plan.prefix


def test_a_chain_of_edits_keeps_the_cells_at_the_new_positions(pie, full):
    pie.clear_cache()
    _next_logprobs(pie, SRC)
    text = SRC
    edits = [lambda t: "import re\n" + t,
             lambda t: t.replace("old_len: int", "old_len: int = 0", 1),
             lambda t: "\n".join(t.split("\n")[:4] + t.split("\n")[7:]),
             lambda t: "# header\n" + t]
    for edit in edits:
        new = edit(text)
        assert new != text
        plans = pie.pie_plans
        _next_logprobs(pie, new)
        assert pie.pie_plans == plans + 1
        text = new
        seq = _seq(pie, text)
        L = pie._L
        assert L.llama_memory_seq_pos_min(pie._mem, seq.sid) == 0
        assert L.llama_memory_seq_pos_max(pie._mem, seq.sid) == len(seq.ids) - 1
    got, want = _next_logprobs(pie, text), _recompute(full, text)
    top = int(want.argmax())
    assert int(got.argmax()) == top
    assert abs(float(got[top]) - float(want[top])) < LOGPROB_BOUND


def test_the_full_refresh_recomputes_from_the_first_kept_token_after_that_many_pie_plans(full):
    """``pie_refresh=2``: two edits in a row are PIE plans; the third (below the first) is not planned
    against the twice moved cells: it recomputes from the first of them, and its logits are a full
    recompute's (the same greedy token; the sums in other batches differ a little)."""
    pie = _runtime("pie")
    pie.pie_refresh = 2
    try:
        _next_logprobs(pie, SRC)
        text = SRC
        edits = [lambda t: "import re\n" + t, lambda t: "import os\n" + t,
                 lambda t: t.replace("old_len: int", "old_len: int = 0", 1)]  # after the first kept token
        for n, edit in enumerate(edits, 1):
            text = edit(text)
            plans, before = pie.pie_plans, pie.misses
            got = _next_logprobs(pie, text)
            seq = _seq(pie, text)
            if n <= 2:
                assert pie.pie_plans == plans + 1 and seq.pie_depth == n and seq.exact is not None
                assert pie.misses - before < 10
            else:
                assert pie.pie_plans == plans and pie.pie_refreshes == 1
                assert seq.exact is None and seq.pie_depth == 0
                assert pie.misses - before == len(seq.ids) - 1  # all but the start token
        want = _recompute(full, text)
        top = int(want.argmax())  # a full recompute's, up to llama.cpp's batching (other batch splits)
        assert int(got.argmax()) == top and abs(float(got[top]) - float(want[top])) < 0.05
    finally:
        pie.close()
