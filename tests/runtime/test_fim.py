"""FIM dialects build the prompt layout each model family was trained on."""

import pytest

from jumpcoder_lsp.runtime.base import Special
from jumpcoder_lsp.runtime.fim import DIALECTS, get_dialect

PRE, SUF = "def f(x):\n", "    return y\n"


@pytest.mark.parametrize(
    "name, expected",
    [
        ("qwen", (Special("<|fim_prefix|>"), PRE, Special("<|fim_suffix|>"), SUF, Special("<|fim_middle|>"))),
        ("starcoder2", (Special("<fim_prefix>"), PRE, Special("<fim_suffix>"), SUF, Special("<fim_middle>"))),
        ("starcoder", (Special("<fim_prefix>"), PRE, Special("<fim_suffix>"), SUF, Special("<fim_middle>"))),
        ("codellama", (Special("<PRE>"), PRE, Special("<SUF>"), " " + SUF, Special("<MID>"))),
        ("deepseek", (Special("<｜fim▁begin｜>"), PRE, Special("<｜fim▁hole｜>"), SUF, Special("<｜fim▁end｜>"))),
        # InCoder's causal masking: left, mask sentinel, right, the sentinel again to start the span
        ("incoder", (PRE, Special("<|mask:0|>"), SUF, Special("<|mask:0|>"))),
    ],
)
def test_dialect_prompt_layout(name, expected):
    assert get_dialect(name).prompt(PRE, SUF) == expected


def test_prefix_comes_first_in_psm_dialects_so_infills_share_the_cached_prefix():
    for d in DIALECTS.values():
        if d.order == "psm":
            assert d.prompt(PRE, "a")[:2] == d.prompt(PRE, "b")[:2]


@pytest.mark.parametrize("name, middle, clean", [
    ("qwen", "    y = x\n<|endoftext|>junk", "    y = x\n"),
    ("codellama", "    y = x\n<EOT>", "    y = x\n"),
    ("incoder", "    y = x\n<|endofmask|>more", "    y = x\n"),
])
def test_clean_cuts_at_the_end_marker(name, middle, clean):
    assert get_dialect(name).clean(middle) == clean


def test_unknown_dialect_is_a_clear_error():
    with pytest.raises(ValueError, match="unknown FIM dialect"):
        get_dialect("nope")
