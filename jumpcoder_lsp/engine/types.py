"""Plain data the engine works on and returns, shared by its stages: the lines, candidates, steps
and completions; the model pair (:class:`ModelPair`); the engine's line rule (:func:`split_lines`)
and the perplexity Filtered compares (:func:`perplexity`).

Vocabulary (from the paper, Sun et al., "JumpCoder"):

* **line** ``L_i``: one line of code including its trailing newline.
* **S**: the logit the generation model gives each actual token; a line's *uncertainty* is the S
  of its first non-indent token (low S = uncertain).
* **k**: how many of the most uncertain lines get an infill attempt per iteration.
* **infill** ``L'_i``: one line (or a whole function, with the adaptive stop) that the infilling
  model proposes to insert *before* line ``i``.
* **judge**: decides whether an infill beats the generated next line ``L'_{n+1}``. The *AST judge*
  gives +inf to an infill that defines a name the code uses but never binds; the *scoring judge*
  compares S of the following lines with and without the infill (threshold **tau**).
* **combination**: take the best judged infill (dropping the following lines that did not
  improve), or else the generated line.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field
from typing import Optional

from ..edits import split_lines as _lsp_split_lines
from ..runtime.base import Runtime, ScoreRequest
from ..runtime.fim import FimDialect

INF = math.inf

#: lines with their breaks, by LSP's rules (:func:`jumpcoder_lsp.edits.split_lines` with keepends)
split_lines = functools.partial(_lsp_split_lines, keepends=True)



@dataclass(frozen=True)
class Line:
    """A line of the working code. ``origin`` is "fixed" for the user's text (``fixed_index`` is its
    0-based line number in the document), "generated" or "infill" for lines JumpCoder wrote."""

    text: str
    origin: str = "fixed"
    fixed_index: Optional[int] = None

    @property
    def fixed(self) -> bool:
        return self.origin == "fixed"


@dataclass(frozen=True)
class LineScore:
    """S of every token of a line (the tokens that start in it), and the uncertainty (S of the
    first non-indent token; +inf for lines with no such token)."""

    token_logits: tuple[float, ...]
    uncertainty: float

    @property
    def mean(self) -> float:
        return sum(self.token_logits) / len(self.token_logits) if self.token_logits else 0.0


@dataclass
class Candidate:
    """An infill proposed before line ``position`` of the current code."""

    position: int
    lines: list[str]  # one line, or a whole function
    speculative_hit: bool = False
    rejected: Optional[str] = None  # why a filter or judge refused it
    judge: Optional[str] = None  # "ast" | "score"
    value: float = -INF  # V_i
    keep_until: Optional[int] = None  # t: last old line kept after the insertion (scoring judge)


@dataclass
class Step:
    """One JumpCoder iteration in the trace."""

    kind: str  # "generate" | "infill" | "end"
    line: int  # index in the code at that time where the text went
    text: str
    judge: Optional[str] = None
    value: Optional[float] = None
    removed: list[str] = field(default_factory=list)  # generated lines dropped after t
    candidates: list[Candidate] = field(default_factory=list)
    seconds: float = 0.0


@dataclass(frozen=True)
class Insertion:
    """Text to insert at the start of document line ``before_line`` (0-based; equal to the line
    count to append at the end). ``text`` is one or more whole lines."""

    before_line: int
    text: str


@dataclass
class Completion:
    """The engine's answer for one request."""

    code: str  # the final text before the cursor, with insertions and continuation
    continuation: str  # what goes at the cursor
    insertions: list[Insertion]  # what goes above the cursor, in document coordinates
    steps: list[Step]
    method: str = "jumpcoder"  # "jumpcoder" | "autoregressive" | "filtered:jumpcoder" | "filtered:autoregressive"
    seconds: float = 0.0
    #: character of the cursor line where the continuation's edit starts (the cursor, or 0 when
    #: only whitespace stood before the cursor: the continuation then brings its own indentation)
    continuation_start: int = 0
    #: why the suggestion ended (engine/stop.py): "eos", "fence", "length", "dedent", "repeat",
    #: "repeat_in_line" (the line being decoded, or the rest of the cursor line, loops: ``1, 1, 1, ...``),
    #: "suffix" (the next line would have been the first code line after the cursor: the code below
    #: resumes there, and the suggestion ends without repeating it), "function_end", "blank",
    #: "environment" (the next line imports or uses what the user's environment lacks) or
    #: "max_lines"
    stop_reason: str = ""
    #: what the lint-clean rule (engine/lint.py, ``EngineConfig.lint_clean``) found in the suggestion
    #: and cut it back for, one description each; empty: nothing (or the rule was off)
    lint: tuple = ()

    @property
    def jumps(self) -> int:
        return sum(1 for s in self.steps if s.kind == "infill")


@dataclass
class ModelPair:
    """The generation model M_G and the infilling model M_I (the same object when both roles
    name the same weights)."""

    gen: Runtime
    infill: Runtime
    fim: FimDialect  # the infilling model's FIM dialect
    description: str = ""
    #: the generation model's FIM dialect when it is another model than the infilling one (None:
    #: unknown, and the next line is then prompted left to right even with code after the cursor)
    gen_fim: Optional[FimDialect] = None

    def next_line_fim(self) -> Optional[FimDialect]:
        """The dialect in which the generation model writes the next line before code that follows
        the cursor (engine/hybrid.py next_line_prompt)."""
        return self.gen_fim if self.gen_fim is not None else (self.fim if self.gen is self.infill else None)


def perplexity(models: ModelPair, code: str) -> float:
    """exp(-mean log-probability) of the code under the generation model."""
    scored = models.gen.score([ScoreRequest((), code)])[0]
    values = [v for v in scored.logprobs[1:] if math.isfinite(v)]
    return math.exp(-sum(values) / len(values)) if values else math.inf
