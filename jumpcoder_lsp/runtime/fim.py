"""Fill-in-the-middle (FIM) dialects, as data.

A dialect turns (prefix, suffix) into the prompt pieces an infilling model was trained on, and
says which texts end the middle. Prefix-suffix-middle (PSM) dialects put the prefix first, which
lets every infill prompt share the KV cache of the code before its position.
"""

from __future__ import annotations

from dataclasses import dataclass

from .base import Prompt, Special


@dataclass(frozen=True)
class FimDialect:
    name: str
    prefix: str
    suffix: str
    middle: str
    #: "psm": <PRE> prefix <SUF> suffix <MID>;  "causal-mask": InCoder's causal masking
    order: str = "psm"
    #: texts that end the middle (besides the model's end-of-sequence token)
    end_markers: tuple[str, ...] = ()
    #: CodeLlama puts a space after <SUF> and before the suffix text
    suffix_space: bool = False

    def prompt(self, prefix: str, suffix: str) -> Prompt:
        if self.order == "causal-mask":
            # InCoder: left <|mask:0|> right <|mask:0|>  -> the model writes the span, then <|endofmask|>
            return (prefix, Special(self.prefix), suffix, Special(self.suffix))
        suffix_text = (" " + suffix) if self.suffix_space else suffix
        return (Special(self.prefix), prefix, Special(self.suffix), suffix_text, Special(self.middle))

    def clean(self, middle: str) -> str:
        """Cut the generated middle at the first end marker."""
        for marker in self.end_markers:
            i = middle.find(marker)
            if i >= 0:
                middle = middle[:i]
        return middle


DIALECTS: dict[str, FimDialect] = {
    d.name: d
    for d in (
        FimDialect("qwen", "<|fim_prefix|>", "<|fim_suffix|>", "<|fim_middle|>",
                   end_markers=("<|fim_pad|>", "<|endoftext|>", "<|file_sep|>", "<|repo_name|>")),
        FimDialect("starcoder2", "<fim_prefix>", "<fim_suffix>", "<fim_middle>",
                   end_markers=("<|endoftext|>", "<file_sep>", "<fim_pad>")),
        FimDialect("starcoder", "<fim_prefix>", "<fim_suffix>", "<fim_middle>",
                   end_markers=("<|endoftext|>",)),
        FimDialect("codellama", "<PRE>", "<SUF>", "<MID>", end_markers=("<EOT>",), suffix_space=True),
        FimDialect("deepseek", "<｜fim▁begin｜>", "<｜fim▁hole｜>", "<｜fim▁end｜>",
                   end_markers=("<|EOT|>", "<｜end▁of▁sentence｜>")),
        # InCoder (shared/papers/incoder-paper.md): mask the span, append the sentinel again, and the
        # model writes the span followed by <|endofmask|>.
        FimDialect("incoder", "<|mask:0|>", "<|mask:0|>", "", order="causal-mask",
                   end_markers=("<|endofmask|>", "<|endoftext|>")),
    )
}


def get_dialect(name: str) -> FimDialect:
    try:
        return DIALECTS[name]
    except KeyError:
        raise ValueError(f"unknown FIM dialect {name!r}; known: {', '.join(sorted(DIALECTS))}") from None
