"""A tiny random-weight Qwen2 model and a tiny byte-level BPE tokenizer, built in the test session.

Greedy output of random weights is garbage but deterministic, which is all the runtime tests need.
fp32, so cached and uncached paths agree to ~1e-6.
"""

from __future__ import annotations

import inspect
import textwrap

import pytest

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")

SPECIALS = ["<|endoftext|>", "<|fim_prefix|>", "<|fim_suffix|>", "<|fim_middle|>", "<|fim_pad|>"]

CORPUS = '''
def minSubArraySum(nums):
    """Given an array of integers nums, find the minimum sum of any non-empty sub-array."""
    max_sum = 0
    for num in nums:
        curr_sum += -num
        if curr_sum < 0:
            curr_sum = 0
        max_sum = max(curr_sum, max_sum)
    if max_sum == 0:
        max_sum = max(-i for i in nums)
    return -max_sum


def is_prime(n):
    if n < 2:
        return False
    for i in range(2, int(n ** 0.5) + 1):
        if n % i == 0:
            return False
    return True


class Stack:
    def __init__(self):
        self.items = []

    def push(self, item):
        self.items.append(item)

    def pop(self):
        return self.items.pop()
'''


def build_tokenizer():
    from tokenizers import AddedToken, Tokenizer, decoders, models, pre_tokenizers, processors, trainers
    from transformers import PreTrainedTokenizerFast

    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    tok.post_processor = processors.ByteLevel(trim_offsets=False)
    trainer = trainers.BpeTrainer(
        vocab_size=600, special_tokens=SPECIALS, show_progress=False,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
    )
    tok.train_from_iterator([CORPUS, inspect.getsource(textwrap)], trainer=trainer)
    # a control token that is NOT marked special (as in some GGUF conversions): must stay text too
    tok.add_tokens([AddedToken("<|file_sep|>", special=False, normalized=False)])
    return PreTrainedTokenizerFast(tokenizer_object=tok, eos_token="<|endoftext|>", pad_token="<|fim_pad|>")


def build_model(vocab_size: int, seed: int = 0):
    from transformers import Qwen2Config, Qwen2ForCausalLM

    torch.manual_seed(seed)
    config = Qwen2Config(
        hidden_size=64, num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2,
        intermediate_size=128, vocab_size=vocab_size, max_position_embeddings=4096,
        initializer_range=0.2,  # peaky random logits: no near-ties in greedy argmax
        tie_word_embeddings=False,
    )
    model = Qwen2ForCausalLM(config).to(torch.float32).eval()
    model.generation_config.eos_token_id = None  # only the tokenizer's EOS (+ stop_tokens) end a branch
    return model


@pytest.fixture(scope="session")
def tiny_tokenizer():
    return build_tokenizer()


@pytest.fixture(scope="session")
def tiny_model(tiny_tokenizer):
    return build_model(len(tiny_tokenizer))


@pytest.fixture
def make_runtime(tiny_model, tiny_tokenizer):
    """A fresh runtime (empty KV store) over the shared tiny model."""
    from jumpcoder_lsp.runtime.torch_runtime import TorchRuntime

    def make(**kwargs):
        kwargs.setdefault("device", "cpu")
        kwargs.setdefault("dtype", torch.float32)
        return TorchRuntime(tiny_model, tiny_tokenizer, **kwargs)

    return make
