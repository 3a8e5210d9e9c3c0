"""The runtime contract, with the same assertions for every runtime, on the real default model
(Qwen2.5-Coder-0.5B-Instruct): ``torch`` (the converted transformers directory), ``llamacpp``
(the preset's GGUF as is) and ``remote`` (the same GGUF behind llama-cpp-python's OpenAI-compatible
server on loopback, tests/runtime/engines.py). A runtime is skipped when its files or its library are
missing.

The remote runtime has no token ids of its own (the engine tokenizes) and that server computes prompt
log-probabilities in Python at about half a second a token on this CPU, so the tests that check the
runtime's own tokenization and its local KV cache (``needs_local_cache``) do not apply to it; its
scores are compared with the local llama.cpp runtime's in tests/runtime/test_remote_runtime.py.

Tolerance (stated once, used by every comparison of scores across cache states): llama.cpp's logits
depend on how a pass is split into batches (measured up to ~0.8 apart, mean 0.06), torch bf16's on
the batch shape; so scores of the same text computed on a cached prefix and from scratch must agree
on at least 95% of the greedy choices, with |log-probability difference| at most 1.0 per token and
0.05 on average. Greedy generation is compared exactly (text and tokens).

~1 min for llama.cpp, a few minutes for torch on a 2-core CPU.
"""

from __future__ import annotations

import pytest

from jumpcoder_lsp.engine.stop import infill_stop
from jumpcoder_lsp.languages import get_language
from jumpcoder_lsp.runtime.base import GenRequest, ScoreRequest, Special, stop_at_newline
from jumpcoder_lsp.runtime.fim import get_dialect

from min_sub_array import PREFIX, SUFFIX

pytestmark = [pytest.mark.real_model, pytest.mark.timeout(1800)]

PY = get_language("python")
FIM = get_dialect("qwen")

GREEDY_AGREEMENT = 0.95
MAX_LOGPROB_DIFF = 1.0
MEAN_LOGPROB_DIFF = 0.05

MORE = '''

def is_palindrome(text: str) -> bool:
    """Return True when text reads the same backwards (ignoring case)."""
    cleaned = text.lower()
    return cleaned == cleaned[::-1]
'''


def _stop_tokens():
    from jumpcoder_lsp.models.presets import default_preset

    return tuple(default_preset().stop_tokens)


def _load_torch():
    pytest.importorskip("torch")
    from tests.runtime.test_torch_runtime_real import _converted_dir

    directory = _converted_dir()
    if directory is None:
        pytest.skip("no converted model in the cache (run: jumpcoder-lsp models fetch)")
    from jumpcoder_lsp.runtime.torch_runtime import TorchRuntime

    # float32: greedy choices are compared exactly, and bf16 rounding differs with the batch shape
    # enough to flip near-ties (seen: `min(min_sum, curr_sum)` vs `min(curr_sum, min_sum)`)
    return TorchRuntime.load(directory, dtype="float32", stop_tokens=_stop_tokens())


def _load_llamacpp():
    pytest.importorskip("llama_cpp")
    from tests.runtime.test_llamacpp_runtime import default_gguf

    path = default_gguf()
    if path is None:
        pytest.skip("the default GGUF is not in the cache (run: jumpcoder-lsp models fetch)")
    from jumpcoder_lsp.runtime.llamacpp_runtime import LlamaCppRuntime

    return LlamaCppRuntime(path, stop_tokens=_stop_tokens(), name="qwen2.5-coder-0.5b")


def _load_remote():
    from tests.runtime.engines import shared_llama_server
    from jumpcoder_lsp.runtime.remote import RemoteRuntime, RemoteSettings

    server = shared_llama_server()
    return RemoteRuntime(RemoteSettings(server.url, timeout_s=600), stop_tokens=_stop_tokens())


def needs_local_cache(rt):
    """Tokenization and KV-cache bookkeeping are the local runtimes' (the remote's engine owns both)."""
    if rt.kind == "remote":
        pytest.skip("remote: the engine tokenizes and owns its cache (scores: test_remote_runtime.py)")


@pytest.fixture(scope="module", params=["torch", "llamacpp", "remote"])
def rt(request):
    runtime = {"torch": _load_torch, "llamacpp": _load_llamacpp, "remote": _load_remote}[request.param]()
    runtime.kind = request.param
    yield runtime
    if hasattr(runtime, "close"):
        runtime.close()


def fim_prompt(prefix: str, suffix: str):
    return FIM.prompt(prefix, suffix)


def assert_scores_close(a, b):
    assert a.tokens == b.tokens and a.offsets == b.offsets
    diffs = [abs(x - y) for x, y in zip(a.logprobs, b.logprobs)]
    agree = sum(x == y for x, y in zip(a.greedy, b.greedy))
    assert agree >= GREEDY_AGREEMENT * len(a.greedy), (agree, len(a.greedy))
    assert max(diffs) <= MAX_LOGPROB_DIFF, max(diffs)
    assert sum(diffs) / len(diffs) <= MEAN_LOGPROB_DIFF, sum(diffs) / len(diffs)


def test_batched_stepping_gives_the_same_greedy_tokens_as_sequential(rt):
    code = PREFIX + "        curr_sum = 0\n"
    requests = [
        GenRequest((code,), stop=stop_at_newline, max_new_tokens=16),
        GenRequest(fim_prompt(PREFIX, SUFFIX), stop=stop_at_newline, max_new_tokens=16),
        GenRequest((PREFIX,), stop=stop_at_newline, max_new_tokens=16),
        GenRequest(fim_prompt("", SUFFIX), stop=stop_at_newline, max_new_tokens=16),
    ]
    rt.clear_cache()
    batched = rt.generate(requests)
    for req, got in zip(requests, batched):
        rt.clear_cache()
        alone = rt.generate([req])[0]
        assert (got.text, got.tokens, got.finish) == (alone.text, alone.tokens, alone.finish)
    assert all(g.text.strip() for g in batched)


def test_fork_and_rollback_leave_the_other_branches_untouched(rt):
    needs_local_cache(rt)
    rt.clear_cache()
    a_req = GenRequest((PREFIX,), stop=stop_at_newline, max_new_tokens=16)
    b_req = GenRequest((PREFIX + "        curr_sum = 0\n",), stop=stop_at_newline, max_new_tokens=16)
    a, b = rt.generate([a_req, b_req])
    scored = rt.score([ScoreRequest((), PREFIX + SUFFIX)])[0]
    # fork from the shared prefix and roll back into the middle of it, several times
    half = PREFIX[: len(PREFIX) // 2]
    rt.score([ScoreRequest((), half + "    # a different ending\n")])
    rt.generate([GenRequest((half + "x = 1\n",), max_new_tokens=8),
                 GenRequest((PREFIX + "        pass\n",), max_new_tokens=8),
                 GenRequest(fim_prompt(half, SUFFIX), max_new_tokens=8)])
    rt.score([ScoreRequest((), PREFIX + "        total = 0\n" + SUFFIX)])
    a2, b2 = rt.generate([a_req, b_req])
    assert (a2.text, a2.tokens) == (a.text, a.tokens)
    assert (b2.text, b2.tokens) == (b.text, b.tokens)
    again = rt.score([ScoreRequest((), PREFIX + SUFFIX)])[0]
    assert again.tokens == scored.tokens and again.greedy == scored.greedy
    assert max(abs(x - y) for x, y in zip(again.logprobs, scored.logprobs)) <= 1e-4


def test_scoring_on_a_cached_prefix_matches_scoring_from_scratch(rt):
    needs_local_cache(rt)
    text = PREFIX + SUFFIX + MORE
    rt.clear_cache()
    rt.score([ScoreRequest((), PREFIX)])
    rt.generate([GenRequest((PREFIX + SUFFIX,), max_new_tokens=4)])
    cached = rt.score([ScoreRequest((), text)])[0]
    fim_cached = rt.score([ScoreRequest(fim_prompt(PREFIX, SUFFIX), "        curr_sum = 0\n")])[0]
    rt.clear_cache()
    scratch = rt.score([ScoreRequest((), text)])[0]
    rt.clear_cache()
    fim_scratch = rt.score([ScoreRequest(fim_prompt(PREFIX, SUFFIX), "        curr_sum = 0\n")])[0]
    assert_scores_close(cached, scratch)
    assert_scores_close(fim_cached, fim_scratch)
    assert "".join(text[s:e] for s, e in scratch.offsets) == text


def test_a_prompt_starting_with_text_starts_a_document(rt):
    """score((), code) and generate((code,)) see the same ids: the document-start token, then code."""
    needs_local_cache(rt)
    ids = rt.prompt_ids((PREFIX,))
    assert ids == [rt.start_id] + rt.encode_with_offsets(PREFIX)[0]
    assert rt.prompt_ids(fim_prompt("", SUFFIX))[0] == rt.special_id("<|fim_prefix|>")


def infill(rt, prefix, suffix, allow_function=False):
    req = GenRequest(fim_prompt(prefix, suffix), stop=infill_stop(PY, allow_function), max_new_tokens=256)
    return FIM.clean(rt.generate([req])[0].text)


def test_canonical_infill_curr_sum(rt):
    prefix = "def minSubArraySum(nums):\n    min_sum = float('inf')\n    for i in range(len(nums)):\n"
    suffix = ("        for j in range(i, len(nums)):\n            curr_sum += nums[j]\n"
              "            min_sum = min(min_sum, curr_sum)\n    return min_sum\n")
    assert infill(rt, prefix, suffix).strip() == "curr_sum = 0"


def test_canonical_infill_reduce_import(rt):
    suffix = ("def product(nums):\n"
              '    """Return the product of all numbers in nums."""\n'
              "    return reduce(lambda a, b: a * b, nums, 1)\n")
    assert infill(rt, "", suffix).strip() == "from functools import reduce"


def test_canonical_infill_is_prime_helper(rt):
    suffix = "def count_primes(numbers):\n    return sum(1 for n in numbers if is_prime(n))\n"
    text = infill(rt, "", suffix, allow_function=True)
    assert text.startswith("def is_prime(")
    assert PY.function_end(text + "x = 1\n") == len(text)
    assert len(text.splitlines()) >= 3
    assert "is_prime" not in {u.name for u in PY.undefined_names(text + suffix)}


def cached_tokens(rt) -> int:
    """Tokens the runtime keeps cached between calls (its KV store / saved sequences)."""
    if rt.kind == "torch":
        return rt.store.total_tokens
    held = sum(len(s) for s in rt.store.entries())
    # the llama.cpp memory itself: a sequence holds positions up to pos_max (-1 when empty)
    in_memory = sum(rt._L.llama_memory_seq_pos_max(rt._mem, sid) + 1 for sid in range(rt.n_seq_max))
    return held + in_memory


def test_clear_cache_leaves_nothing_cached(rt):
    if rt.kind == "remote":
        # the engine owns the prefix cache: clear_cache is the contract's verb and keeps the runtime usable
        rt.clear_cache()
        again = rt.score([ScoreRequest((), "x = 1\n")])[0]
        assert len(again.tokens) >= 3 and len(again.logprobs) == len(again.tokens)
        return
    rt.clear_cache()
    rt.score([ScoreRequest((), "x = 1\n")])
    rt.generate([GenRequest(("def f(a):\n",), max_new_tokens=3)])
    assert cached_tokens(rt) > 0
    rt.clear_cache()
    assert cached_tokens(rt) == 0
    again = rt.score([ScoreRequest((), "x = 1\n")])[0]  # from scratch, still right
    assert len(again.tokens) >= 3 and cached_tokens(rt) > 0
