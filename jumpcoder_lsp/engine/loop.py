"""JumpCoder's iteration (paper Algorithm 4), the autoregressive baseline and JumpCoder (Filtered).

Each iteration adds one line: pick where to try infills (engine/positions.py choose_positions,
per ``EngineConfig.policy``; the paper's: score the code and take the k most uncertain eligible
lines), run the hybrid generation (next line + infills, one batch), filter and judge the infills,
and combine. The user's lines ("fixed") are never changed or dropped; what JumpCoder writes above
the cursor becomes :class:`Insertion` s and what it writes at the cursor the continuation.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from typing import Callable, Optional

from ..languages.base import LanguageSpec
from ..runtime.base import Cancelled, CancelCheck, Prompt, Runtime, ScoreRequest
from . import filtered
from .combine import best_candidate, combine, place
from .config import EngineConfig
from .context import SuffixWindow, context_window, suffix_window
from .filters import candidate
from .hybrid import hybrid_generation, next_line_prompt
from .judge import judge
from .lint import lint_clean
from .lint import summary as lint_summary
from .positions import choose_positions, eligible_lines, line_scores
from .speculative import SpeculativeCache
from .stop import (ends_function, environment_verdict, line_verdict, meets_suffix, next_line_stop, repeats,
                   repeats_in_line, rest_of_line_stop)
from .types import Candidate, Completion, Insertion, Line, ModelPair, Step, perplexity, split_lines

Progress = Callable[[str, Optional[float]], None]
#: called after each step that added to the suggestion with the Completion so far (:func:`_result`)
Partial = Callable[[Completion], None]


@dataclass
class _Request:
    """Everything fixed for one run."""

    fixed: list[Line]  # document lines before the cursor line
    head: str  # text of the cursor line before the cursor ("" or non-blank)
    cursor_line: int
    keep_final_newline: bool
    eligible_fixed: set[int]  # document lines an infill may go before
    block_indent: Optional[str]  # indent of the enclosing def header (None: no function)
    continuation_start: int  # character where the continuation's edit starts on the cursor line
    #: the code after the cursor the model sees (engine/context.py; empty: none, the paper's prompts)
    suffix: SuffixWindow = SuffixWindow()


def _prepare(text: str, line: int, character: int, language: LanguageSpec,
             doc_tree, config: EngineConfig) -> _Request:
    doc = split_lines(text)
    if line < 0 or line > len(doc) or (line == len(doc) and character > 0):
        raise ValueError(f"position {line}:{character} is outside the document ({len(doc)} lines)")
    cursor_text = doc[line] if line < len(doc) else ""
    body = cursor_text.rstrip("\r\n")
    if character < 0 or character > len(body):
        raise ValueError(f"character {character} is outside line {line} ({len(body)} characters)")
    head, tail = body[:character], body[character:]
    continuation_start = character
    if not head.strip():
        # Whitespace before the cursor: the model writes the whole line, indentation included
        # (a prompt ending in spaces splits the indent token and misleads the model).
        head, continuation_start = "", 0
    # the model sees a bounded window of the lines above (engine/context.py); each Line keeps its
    # document line number, and line numbers below are in the seen text until mapped back
    window = context_window(doc, line, max_lines=config.context_lines, max_chars=config.context_chars)
    seen_index = window.document_lines()
    fixed = [Line(doc[i], "fixed", i) for i in seen_index]
    if fixed and not fixed[-1].text.endswith(("\n", "\r")):
        fixed[-1] = Line(fixed[-1].text + "\n", "fixed", seen_index[-1])
    seen_line = len(fixed)  # the cursor line, in the seen text
    before = "".join(l.text for l in fixed) + head
    tree = language.parse(before.encode("utf-8"))
    # The function the cursor is in: on a blank cursor line, the one around the last code line
    # above it (the cursor often sits on a fresh line right after a def header or a body line).
    anchor = seen_line
    if not head:
        anchor = next((i for i in range(seen_line - 1, -1, -1) if fixed[i].text.strip()), seen_line)
    func = language.enclosing_function(before, anchor, tree=tree)
    # where an infill may go: document lines (positions.eligible_lines), kept where the model sees them
    seen = set(seen_index)
    eligible = {i for i in eligible_lines(language, text, line, tree=doc_tree, character=character) if i in seen}
    # ... and a bounded window of the code after the cursor (what follows the continuation)
    suffix = suffix_window(doc, line, continuation_start, max_lines=config.suffix_lines, max_chars=config.suffix_chars)
    return _Request(
        fixed=fixed,
        head=head,
        cursor_line=line,
        keep_final_newline=bool(tail.strip()),
        eligible_fixed=eligible,
        block_indent=func.indent if (func is not None and config.stop_at_function_end) else None,
        continuation_start=continuation_start,
        suffix=suffix,
    )


class _Run:
    """State of one JumpCoder run."""

    def __init__(self, req: _Request, models: ModelPair, language: LanguageSpec, config: EngineConfig,
                 cache: Optional[SpeculativeCache], progress: Optional[Progress], cancel: Optional[CancelCheck]):
        self.req, self.models, self.language, self.config = req, models, language, config
        self.cache, self.progress, self.cancel = cache, progress, cancel
        self.lines: list[Line] = list(req.fixed)
        self.steps: list[Step] = []
        self.ended = False
        self.stop_reason = ""  # why the run ended (engine/stop.py's reasons, or "max_lines")
        self.function_done = False  # the function is complete: only an infill-only iteration is left
        #: the typed line's rest as the model looped on it (engine/stop.py repeats_in_line), or None:
        #: nothing of it is suggested and nothing is written after it, but an infill-only iteration
        #: is left (the jump the line needs: the import of the ``math`` in ``math.sqrt(``)
        self.looped: Optional[str] = None
        self.added = 0  # lines JumpCoder added (generated + infilled)
        self.tried_undefined: set[str] = set()  # undefined names an iteration already branched for

    # -- helpers ---------------------------------------------------------------------------
    def texts(self) -> list[str]:
        return [l.text for l in self.lines]

    def check_cancel(self) -> None:
        if self.cancel is not None and self.cancel():
            raise Cancelled()

    def report(self, message: str) -> None:
        if self.progress is not None:
            self.progress(message, min(1.0, self.added / self.config.max_lines))

    def score(self, texts: list[str]):
        return self.models.gen.score([ScoreRequest((), "".join(texts))])[0]

    def eligible_positions(self) -> set[int]:
        """Lines an infill may go before: the eligible user lines and every written code line."""
        comment = tuple(self.language.comment_prefixes)
        return {
            idx
            for idx, line in enumerate(self.lines)
            if (line.fixed_index in self.req.eligible_fixed if line.fixed else line.text.strip())
            and not line.text.lstrip().startswith(comment)
        }

    def undefined(self, texts: list[str]) -> set[str]:
        # what the environment judge knows of the file's project (C#: the usings it makes visible)
        context = getattr(self.config.environment, "analysis_context", None) or {}
        return {u.name for u in self.language.undefined_names("".join(texts), **context)}

    def middle_from(self) -> int:
        """Where the suggestion's own lines start in ``self.lines``: after the last user line above
        the cursor (the FIM prefix ends there, engine/hybrid.py next_line_prompt)."""
        return next((i + 1 for i in range(len(self.lines) - 1, -1, -1) if self.lines[i].fixed), 0)

    def fim_suffix(self) -> str:
        """The suffix the next line's prompt holds ("" for a left-to-right prompt)."""
        return self.req.suffix.text if self.config.suffix_fim else ""

    def uses_fim(self) -> bool:
        """The next line is a FIM middle (code follows the cursor and the generation model has a
        FIM dialect)."""
        return bool(self.fim_suffix()) and self.models.next_line_fim() is not None

    def meets_suffix(self, line: str) -> bool:
        """The line is where the code after the cursor resumes (engine/stop.py meets_suffix)."""
        return bool(self.req.suffix) and meets_suffix(line, self.req.suffix.first_code)

    def end(self, reason: str) -> None:
        self.ended, self.stop_reason = True, reason

    def end_looped(self) -> None:
        """End the run whose typed line looped (:attr:`looped`), its text recorded in the last step."""
        cursor = next(i for i, l in enumerate(self.lines) if l.origin == "cursor")
        self.steps.append(Step("end", cursor, self.looped or ""))
        self.end("repeat_in_line")

    def finished_function(self) -> None:
        """The last line completed the function: no next line is generated any more. JumpCoder
        gets an infill-only iteration (a jump the finished code needs, such as an import for a
        name the ``return`` uses, is still made); without infill positions the run ends."""
        self.function_done = True

    # -- the partial cursor line -----------------------------------------------------------
    def complete_head(self) -> None:
        """Finish the line the user is typing (plain generation, no infills)."""
        head = self.req.head
        out = hybrid_generation(self.texts(), [], models=self.models, language=self.language, config=self.config,
                                cache=None, allow_function=False, gen_prefix=head, cancel=self.cancel,
                                gen_suffix=self.fim_suffix(), middle_from=len(self.lines),
                                gen_stop=rest_of_line_stop).generated
        rest = out.text
        if repeats_in_line(rest):
            # the model loops within the line (``1, 1, 1, ...``): nothing of it is suggested, and
            # the run ends after one infill-only iteration (end_looped)
            self.lines.append(Line(head, "cursor", self.req.cursor_line))
            self.looped = head + rest
            return
        if self.meets_suffix(head + rest):
            # the line being typed is completed into the line after the cursor: nothing to suggest
            self.lines.append(Line(head, "cursor", self.req.cursor_line))
            self.steps.append(Step("end", len(self.lines) - 1, head + rest))
            self.end("suffix")
            return
        if self.uses_fim() and out.finish == "eos" and self.req.keep_final_newline and rest.strip() and not rest.endswith("\n"):
            # a FIM middle that ends inside the line: the rest of the cursor line continues it
            self.lines.append(Line(head + rest, "cursor", self.req.cursor_line))
            self.steps.append(Step("generate", len(self.lines) - 1, head + rest))
            self.end("eos")
            return
        if not rest.endswith("\n"):
            rest += "\n"
        self.lines.append(Line(head + rest, "cursor", self.req.cursor_line))
        self.steps.append(Step("generate", len(self.lines) - 1, head + rest))
        if out.finish == "eos" and not out.text.strip():
            self.end("eos")
        elif ends_function(self.language, "".join(self.texts()), self.req.block_indent):
            self.finished_function()

    # -- one iteration (Algorithm 4's loop body) ---------------------------------------------
    def iterate(self, jump: bool) -> None:
        t0 = time.perf_counter()
        texts = self.texts()
        positions: list[int] = []
        scores = None
        undefined_before: set[str] = set()
        if jump and self.config.k > 0 and texts:
            if self.config.ast_judge or self.config.reject_new_undefined:
                undefined_before = self.undefined(texts)
            cached = ((lambda i: bool(self.cache.get("".join(texts[:i])))) if self.cache is not None
                      else (lambda i: False))
            choice = choose_positions(
                self.config.policy, self.language, texts, k=self.config.k, eligible=self.eligible_positions(),
                undefined=undefined_before, tried=self.tried_undefined, ast_judge=self.config.ast_judge,
                score=lambda: line_scores(texts, self.score(texts)), cached=cached,
            )
            positions, scores = choice.positions, choice.scores
            if positions:
                self.tried_undefined |= undefined_before
        self.check_cancel()
        if self.looped is not None and not positions:
            self.end_looped()
            return
        if self.function_done and not positions:
            self.end("function_end")
            return
        hybrid = hybrid_generation(
            texts, positions, models=self.models, language=self.language, config=self.config,
            cache=self.cache, allow_function=self.config.ast_judge and bool(undefined_before), cancel=self.cancel,
            generate_next=not (self.function_done or self.looped is not None),
            gen_stop=next_line_stop(self.language, self.req.block_indent, self.config.max_line_chars),
            gen_suffix=self.fim_suffix(), middle_from=self.middle_from(),
        )
        candidates = [self.candidate(r, texts) for r in hybrid.infills]
        live = [c for c in candidates if c.rejected is None]
        if live:
            self.judge(live, texts, scores, undefined_before)
        winner = best_candidate(candidates)
        if winner is not None:
            winner = place(self.lines, winner, self.language)  # the spec's placement, the file's format
            self.lines, dropped = combine(self.lines, winner, lambda t: Line(t, "infill"))
            if any(l.fixed or l.origin == "cursor" for l in dropped):  # never reached: judge guards it
                raise AssertionError("a user line would be dropped")
            self.added += len(winner.lines) - len(dropped)
            self.steps.append(Step("infill", winner.position, "".join(winner.lines), winner.judge, winner.value,
                                   [l.text for l in dropped], candidates, time.perf_counter() - t0))
            self.report(f"jumped back to line {winner.position + 1}")
            if self.looped is not None:
                self.end_looped()
            elif self.function_done:  # is the function still complete with the infill in it?
                self.function_done = ends_function(self.language, "".join(self.texts()), self.req.block_indent)
            return
        gen = hybrid.generated
        if gen is not None and self.uses_fim() and line_verdict(
                gen.text, self.language, self.req.block_indent, self.config.max_line_chars) is not None:
            # A FIM line that leaves the block (or is a fence, or loops within itself) is the small
            # instruct models' failure: they go on after the suffix instead (benchmarks/suffix.py).
            # Write it left to right.
            gen = hybrid_generation(
                texts, [], models=self.models, language=self.language, config=self.config, cache=None,
                allow_function=False, cancel=self.cancel,
                gen_stop=next_line_stop(self.language, self.req.block_indent, self.config.max_line_chars),
            ).generated
        text = gen.text if gen is not None else ""
        # the rules of engine/stop.py: one that ends the run drops the line it judged
        if self.looped is not None:
            self.end_looped()
            return
        if self.function_done:
            reason = "function_end"
        elif gen is None or (gen.finish == "eos" and not text.strip()):
            reason = "eos"
        else:
            reason = line_verdict(text, self.language, self.req.block_indent, self.config.max_line_chars)
            if reason is None and gen.finish == "length" and not text.endswith("\n"):
                reason = "length"  # a line longer than the token budget: stop rather than split it
            if reason is None and self.meets_suffix(text):
                reason = "suffix"  # the code after the cursor resumes here
            if reason is None:
                reason = environment_verdict("".join(texts), text, self.config.environment)
            if reason is None:
                written = [l.text for l in self.lines if not l.fixed and l.origin != "cursor"]
                if repeats(text, texts, written, self.config.max_line_repeats):
                    reason = "repeat"
        if reason is not None:
            self.end(reason)
            self.steps.append(Step("end", len(self.lines), text, candidates=candidates, seconds=time.perf_counter() - t0))
            return
        eos_after = not text.endswith("\n")
        if eos_after:
            text += "\n"
            self.end("eos")  # end of sequence after this line
        self.lines.append(Line(text, "generated"))
        self.added += 1
        self.steps.append(Step("generate", len(self.lines) - 1, text, candidates=candidates, seconds=time.perf_counter() - t0))
        self.report(f"{self.added} lines")
        if self.req.block_indent is None and not text.strip() and any(
            not l.fixed and l.origin != "cursor" and l.text.strip() for l in self.lines
        ):
            self.end("blank")  # outside a function: a blank line ends the paragraph
        elif not self.ended and ends_function(self.language, "".join(self.texts()), self.req.block_indent):
            self.finished_function()

    def candidate(self, result, texts: list[str]) -> Candidate:
        """The infill as a candidate, or rejected by a filter (engine/filters.py candidate)."""
        return candidate(result, texts, self.language, repetition_threshold=self.config.repetition_threshold,
                         filter_blocks=self.config.filter_blocks)

    def judge(self, live: list[Candidate], texts: list[str], scores, undefined_before: set[str]) -> None:
        """Algorithm 2 (engine/judge.py judge), with this run's names and the generation model."""
        judge(live, texts, self.lines, scores, undefined_before, self.config, undefined=self.undefined,
              score=lambda codes: [line_scores(c, s) for c, s in zip(
                  codes, self.models.gen.score([ScoreRequest((), "".join(c)) for c in codes]))])


def _result(run: _Run, req: _Request, method: str, started: float) -> Completion:
    """Turn the final lines into insertions above the cursor and the continuation at it.

    New lines before a user line are inserted before it; new lines after the last user line (and
    the rest of the cursor line) are the continuation.
    """
    insertions: list[Insertion] = []
    pending: list[str] = []
    cursor_rest = ""
    for line in run.lines:
        if line.fixed or line.origin == "cursor":
            if pending:
                insertions.append(Insertion(line.fixed_index, "".join(pending)))
                pending = []
            if line.origin == "cursor":
                cursor_rest = line.text[len(req.head):]
        else:
            pending.append(line.text)
    continuation = cursor_rest + "".join(pending)
    if continuation.endswith("\n") and not req.keep_final_newline:
        continuation = continuation[:-1]
    return Completion(
        code="".join(l.text for l in run.lines), continuation=continuation, insertions=insertions,
        steps=run.steps, method=method, seconds=time.perf_counter() - started,
        continuation_start=req.continuation_start, stop_reason=run.stop_reason or "max_lines",
    )


def _run(text, line, character, *, models, language, config, method, tree, progress, cancel, cache, partial=None):
    started = time.perf_counter()
    req = _prepare(text, line, character, language, tree, config)
    run = _Run(req, models, language, config, cache, progress, cancel)
    jump = method == "jumpcoder"

    def observed(step) -> None:
        """One step, then ``partial`` with the result so far when the step added a line."""
        before = len(run.steps)
        step()
        if partial is not None and len(run.steps) > before and run.steps[-1].kind != "end":
            partial(_result(run, req, method, started))

    if req.head:
        run.check_cancel()
        observed(run.complete_head)
        run.added += 1
    while not run.ended and run.added < config.max_lines:
        run.check_cancel()
        observed(lambda: run.iterate(jump))
    if run.looped is not None and not run.ended:  # max_lines left no infill-only iteration
        run.end_looped()
    return _result(run, req, method, started)


def complete(
    text: str,
    line: int,
    character: int,
    *,
    models: ModelPair,
    language: LanguageSpec,
    config: EngineConfig = EngineConfig(),
    method: str = "jumpcoder",
    tree=None,
    progress: Optional[Progress] = None,
    cancel: Optional[CancelCheck] = None,
    cache: Optional[SpeculativeCache] = None,
    partial: Optional[Partial] = None,
) -> Completion:
    """Run JumpCoder at (line, character) of ``text`` (0-based; character counts code points).

    The model sees the text before the cursor and a window of the code after it
    (:func:`~jumpcoder_lsp.engine.context.suffix_window`: the next line is then a FIM middle, and
    the suggestion ends where that code resumes); the result's ``continuation`` goes at the cursor
    (replacing the cursor line from ``continuation_start``) and its ``insertions`` go above it, in
    the document's line numbers. ``method`` is "jumpcoder" (Vanilla), "autoregressive" or
    "filtered" (:func:`~jumpcoder_lsp.engine.filtered.choose`: JumpCoder unless an infill was
    accepted by the scoring judge, in which case the code with the lower perplexity wins). An infill may go before the lines
    :func:`~jumpcoder_lsp.engine.positions.eligible_lines` gives (the import block and the enclosing
    function); ``tree`` is the parse of ``text`` when the caller has one (the server's incremental
    tree), else the engine parses it. ``cancel`` is polled between
    decode steps; a cancelled run raises :class:`~jumpcoder_lsp.runtime.base.Cancelled`.
    ``cache`` keeps speculative infills across calls (pass the same one for one document).
    ``partial`` (optional) is called on the calling thread after each step that added a line (a
    generated line or an accepted infill) with the :class:`Completion` so far, built as the final
    one is (:func:`_result`); it observes only (the run's decisions do not depend on it). With
    "filtered" it observes the JumpCoder run only (the autoregressive one runs after it).
    The model sees a bounded part of the text (:func:`~jumpcoder_lsp.engine.context.context_window`,
    ``config.context_lines`` / ``context_chars``): the file head and a window before the cursor; the
    result's line numbers are the document's, and its ``code`` is the text the model saw.
    With ``config.lint_clean`` (issue 17, engine/lint.py lint_clean) the result and every partial
    one are cut back until accepting them adds no syntax error and no new undefined, unused or
    shadowed name to ``text`` (its ``lint``: what was found; ``code`` stays the run's).
    """
    if method not in ("jumpcoder", "autoregressive", "filtered"):
        raise ValueError(f"unknown method {method!r}")
    if config.lint_clean:  # the run as without the rule; what it reports and returns, cut back
        was: list = []  # the document's lint summary, computed once for every result of the run

        def linted(c: Completion) -> Completion:
            if not was:
                was.append(lint_summary(text, language))
            cut, findings = lint_clean(text, line, character, c, language, before_summary=was[0])
            return replace(cut, lint=tuple(str(f) for f in findings)) if findings else c

        result = complete(text, line, character, models=models, language=language,
                          config=replace(config, lint_clean=False), method=method, tree=tree, progress=progress,
                          cancel=cancel, cache=cache, partial=None if partial is None else lambda c: partial(linted(c)))
        return linted(result)
    if cache is None:
        cache = SpeculativeCache()
    args = dict(models=models, language=language, config=config, tree=tree,
                progress=progress, cancel=cancel, cache=cache)
    if method != "filtered":
        return _run(text, line, character, method=method, partial=partial, **args)
    jc = _run(text, line, character, method="jumpcoder", partial=partial, **args)
    ar: list[Completion] = []

    def autoregressive() -> str:
        ar.append(_run(text, line, character, method="autoregressive", **args))
        return ar[0].code

    choice = filtered.choose([s.judge for s in jc.steps if s.kind == "infill"], jc.code, autoregressive,
                             lambda code: perplexity(models, code))
    return replace(jc if choice.method == filtered.JUMPCODER else ar[0], method=choice.label)


def prompt_prefix(text: str, line: int, character: int, *, language: LanguageSpec,
                  config: EngineConfig = EngineConfig(), tree=None, models: Optional[ModelPair] = None) -> Prompt:
    """The prompt the first generated line of a request at (line, character) starts with: the
    bounded context the model sees (:func:`_prepare`, :func:`~jumpcoder_lsp.engine.context.context_window`)
    plus what is typed on the cursor line, left to right; with code after the cursor (and
    ``models`` given, whose generation model has a FIM dialect) the FIM prompt of
    :func:`~jumpcoder_lsp.engine.hybrid.next_line_prompt`, as the engine builds it. What the server
    prefills in the background (``Runtime.warm``) so that the request itself decodes only."""
    req = _prepare(text, line, character, language, tree, config)
    code = "".join(l.text for l in req.fixed)
    suffix = req.suffix.text if config.suffix_fim else ""
    if models is None or not suffix:
        return (code + req.head,)
    return next_line_prompt(models, code, req.head, suffix)
