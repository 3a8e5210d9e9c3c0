"""Stage 1: hybrid generation (paper section 3.1).

The generation model writes the next line ``L'_{n+1}`` from the code, and the infilling model
writes a line ``L'_i`` before each chosen position i from ``<PRE> L[1:i-1] <SUF> L[i:n] <MID>``.
All branches go to the runtime as one batch (one forward pass per step for every live branch);
when both roles share one model they share the batch too. Infills cached by speculative
infilling are verified first, in one scoring pass, and only the misses are decoded.

With code after the cursor (``gen_suffix``, engine/context.py's suffix window) the next line is the
middle of a FIM prompt instead, as llama.vim and Copilot do: ``<PRE> code up to the cursor <SUF>
suffix <MID>`` followed by what the suggestion wrote so far (:func:`next_line_prompt`), so the
model sees the code below and each new line only extends the cached prompt. The scoring judge
still scores the code left to right.

Every infill request is built here (:func:`infill_request`: the FIM prompt, the adaptive stop of
engine/stop.py :func:`~jumpcoder_lsp.engine.stop.infill_stop`, the token budget), the jumps' and
the "insert missing definition" action's alike (:func:`propose_definition`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Sequence

from ..edits import line_starts, normalize_eol
from ..languages.base import LanguageSpec
from ..runtime.base import CancelCheck, Generated, GenRequest, Prompt, ScoreRequest, StopRule, stop_at_newline
from .config import EngineConfig
from .context import hole_window
from .speculative import SpeculativeCache, verified
from .stop import infill_stop, repeats_in_line
from .types import Insertion, ModelPair


@dataclass
class InfillResult:
    position: int
    text: str  # the infilled middle, cut by its stop rule ("" when nothing usable came out)
    finish: str
    speculative_hit: bool = False


@dataclass
class HybridResult:
    generated: Optional[Generated]
    infills: list[InfillResult]


def _bad_words(language: LanguageSpec, config: EngineConfig) -> tuple[str, ...]:
    return tuple(language.bad_words) if config.bad_words else ()


def infill_request(prompt: Prompt, *, language: LanguageSpec, config: EngineConfig, allow_function: bool) -> GenRequest:
    """The request for one infill from its FIM ``prompt``: the paper's adaptive stop (one line, or a
    whole function when ``allow_function``) and the matching token budget."""
    budget = config.max_function_tokens if allow_function else config.max_line_tokens
    return GenRequest(prompt, stop=infill_stop(language, allow_function), max_new_tokens=budget,
                      bad_words=_bad_words(language, config))


def next_line_prompt(models: ModelPair, code: str, middle: str, suffix: str) -> Prompt:
    """The prompt of the next generated line: ``code + middle`` left to right without a suffix
    (the paper's, byte for byte); with one, a FIM prompt whose prefix is ``code`` (the text before
    the suggestion) and whose middle so far is ``middle`` (the suggestion up to here), in the
    generation model's FIM dialect (:meth:`ModelPair.next_line_fim`; left to right when it has
    none)."""
    fim = models.next_line_fim() if suffix else None
    if fim is None:
        return (code + middle,)
    prompt = fim.prompt(code, suffix)
    return prompt + (middle,) if middle else prompt


def hybrid_generation(
    lines: Sequence[str],
    positions: Sequence[int],
    *,
    models: ModelPair,
    language: LanguageSpec,
    config: EngineConfig,
    cache: Optional[SpeculativeCache],
    allow_function: bool,
    generate_next: bool = True,
    gen_prefix: str = "",
    gen_stop: StopRule = stop_at_newline,
    cancel: Optional[CancelCheck] = None,
    gen_suffix: str = "",
    middle_from: Optional[int] = None,
) -> HybridResult:
    """One batch: the next line after ``lines`` + ``gen_prefix`` (unless not ``generate_next``) and
    an infill before each of ``positions``. ``gen_suffix``: the code after the cursor (next line by
    FIM; "" for none); ``lines[middle_from:]`` are the lines the suggestion wrote after the last
    user line, the FIM middle so far (default: none)."""
    code = "".join(lines)
    prompts = {}
    for i in positions:
        prefix, suffix = "".join(lines[:i]), "".join(lines[i:])
        prompts[i] = (prefix, models.fim.prompt(prefix, suffix))

    # Speculative infilling: verify cached infills in one scoring pass.
    results: dict[int, InfillResult] = {}
    if cache is not None and config.speculative:
        guesses = [(i, cache.get(prefix)) for i, (prefix, _) in prompts.items()]
        guesses = [(i, text) for i, text in guesses if text]
        if guesses:
            scored = models.infill.score([ScoreRequest(prompts[i][1], text) for i, text in guesses])
            for (i, text), s in zip(guesses, scored):
                if verified(s):
                    cache.hits += 1
                    results[i] = InfillResult(i, text, "stop", speculative_hit=True)
                else:
                    cache.misses += 1

    bad = _bad_words(language, config)
    # In line order: each infill prompt then extends the previous one's cached <PRE> prefix.
    infill_requests = [
        (i, infill_request(prompts[i][1], language=language, config=config, allow_function=allow_function))
        for i in sorted(positions)
        if i not in results
    ]
    split = len(lines) if middle_from is None else middle_from
    gen_prompt = next_line_prompt(models, "".join(lines[:split]), "".join(lines[split:]) + gen_prefix, gen_suffix)
    gen_request = GenRequest(gen_prompt, stop=gen_stop, max_new_tokens=config.max_line_tokens, bad_words=bad)

    generated: Optional[Generated] = None
    if models.infill is models.gen:
        batch = ([gen_request] if generate_next else []) + [r for _, r in infill_requests]
        outs = models.gen.generate(batch, cancel=cancel) if batch else []
        if generate_next:
            generated, outs = outs[0], outs[1:]
    else:
        if generate_next:
            generated = models.gen.generate([gen_request], cancel=cancel)[0]
        outs = models.infill.generate([r for _, r in infill_requests], cancel=cancel) if infill_requests else []

    for (i, _), out in zip(infill_requests, outs):
        text = models.fim.clean(out.text)
        results[i] = InfillResult(i, text, out.finish)
        if cache is not None and out.finish == "stop" and text:
            cache.put(prompts[i][0], text)
    return HybridResult(generated, [results[i] for i in positions])


def propose_definition(text: str, name: str, use_line: int, *, models: ModelPair, language: LanguageSpec,
                       config: EngineConfig = EngineConfig(), tree=None,
                       cancel: Optional[CancelCheck] = None) -> Optional[Insertion]:
    """A line that defines the undefined ``name`` used on line ``use_line`` of ``text`` (the
    "insert missing definition" action), or None.

    The infilling model writes one line (:func:`infill_request`, no function) at two holes in one
    batch: the language's import position (:meth:`~jumpcoder_lsp.languages.base.LanguageSpec.import_line`,
    line 0 without one) and right above the use, each bounded like the engine's context
    (engine/context.py :func:`~jumpcoder_lsp.engine.context.hole_window`, ``config.context_chars``).
    The first one-line proposal after which ``name`` is no longer undefined wins; above the use it
    takes that line's indentation. The insertion's line is in ``text`` with its line breaks
    normalized to ``\n`` (``tree``: its parse, when the caller has one)."""
    text = normalize_eol(text)
    lines = text.split("\n")
    starts = line_starts(text)
    import_line = getattr(language, "import_line", None)
    candidates = [import_line(text, tree) if callable(import_line) else 0]
    if use_line not in candidates:
        candidates.append(use_line)
    holes = [hole_window(text[: starts[c]] if c < len(starts) else text, text[starts[c]:] if c < len(starts) else "",
                         max_chars=config.context_chars) for c in candidates]
    requests = [infill_request(models.fim.prompt(prefix, suffix), language=language, config=config,
                               allow_function=False) for prefix, suffix in holes]
    proposals = [models.fim.clean(g.text) for g in models.infill.generate(requests, cancel=cancel)]
    undefined = getattr(language, "undefined_names", None)
    for c, proposal in zip(candidates, proposals):
        body = proposal.rstrip("\n")
        if not body.strip() or "\n" in body or repeats_in_line(body):  # a loop the stop rule cut
            continue
        if c == use_line:
            indent = lines[use_line][: len(lines[use_line]) - len(lines[use_line].lstrip())]
            if not body.startswith(indent):
                body = indent + body.lstrip()
        new_text = "\n".join(lines[:c] + [body] + lines[c:])
        context = getattr(config.environment, "analysis_context", None) or {}
        if callable(undefined) and name in {u.name for u in undefined(new_text, None, **context)}:
            continue
        return Insertion(c, body + "\n")
    return None
