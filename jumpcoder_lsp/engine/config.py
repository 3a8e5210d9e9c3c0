"""Engine settings: the paper's hyperparameters and our product knobs, validated once."""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Any, Mapping, Optional

#: the values of EngineConfig.policy
POLICIES = ("paper", "cpu", "inline")


@dataclass(frozen=True)
class EngineConfig:
    #: k: infill attempts per iteration, at the k most uncertain lines (paper: 5 for Python, 10 for C++/Java)
    k: int = 5
    #: tau: a line counts as improved by an infill when its mean S rises by more than tau
    tau: float = 0.3
    #: most lines one request may add (generated + infilled)
    max_lines: int = 64
    #: token budget of one generated line / one single-line infill / one infilled function
    max_line_tokens: int = 96
    max_function_tokens: int = 384
    #: a generated line longer than this many characters ends the suggestion while it is decoded
    max_line_chars: int = 200
    #: a generated line that this run already wrote this many times ends the suggestion
    max_line_repeats: int = 3
    #: speculative infilling: re-verify the infill cached for a position in one forward pass
    speculative: bool = True
    #: drop infills whose gestalt similarity to a neighbouring/existing line is above this
    repetition_threshold: float = 0.85
    #: drop single-line infills that open a block (if/for/while/try...)
    filter_blocks: bool = True
    #: forbid the paper's bad words ("#", "pass") in generation and infills
    bad_words: bool = False
    #: use the AST (undefined-identifier) judge
    ast_judge: bool = True
    #: (not in the paper) reject an infill the scoring judge would accept when it leaves a name
    #: undefined that was not before, e.g. a line that uses variables above their declarations
    reject_new_undefined: bool = False
    #: where infills are tried (engine/positions.py choose_positions; one of POLICIES):
    #: "paper": at the top-k lines after every line, judged by the AST and the scoring judge;
    #: "cpu": spend infill branches only where a judge can accept: all k while a name is used but
    #: undefined (the AST judge's case), else the 2 most uncertain lines plus positions with a
    #: speculative-cache entry;
    #: "inline": the next line autoregressively, no scoring pass, and infills only when a name is
    #: used but undefined, at the positions where a definition can go, judged by the AST judge only
    policy: str = "paper"
    #: stop at the end of the enclosing function (JumpCoder's unit of work)
    stop_at_function_end: bool = True
    #: the bound on what the model sees (engine/context.py): the file head plus about this many
    #: lines before the cursor (the window moves in 64-line steps), at most this many characters
    context_lines: int = 256
    context_chars: int = 8192
    #: the bound on what the model sees after the cursor (engine/context.py suffix_window): at most
    #: this many lines below the cursor, at most this many characters; 0 turns the suffix off
    suffix_lines: int = 64
    suffix_chars: int = 2048
    #: with code after the cursor, write the next line as the middle of a FIM prompt that holds the
    #: suffix window (False: left to right, the suffix serves only the stop rule "suffix")
    suffix_fim: bool = True
    #: the lint-clean rule (issue 17, engine/lint.py): cut the suggestion back until accepting it
    #: adds no syntax error and no new undefined, unused or shadowed name to the document (the
    #: server turns it on for inline suggestions and completion items: its ``lintClean`` setting)
    lint_clean: bool = False
    #: the environment judge (jumpcoder_lsp/environment.py Environment, or None: off): an import or
    #: module.attr that definitely does not resolve there makes an infill lose (engine/judge.py
    #: environment_judge) and ends the suggestion before a generated line (stop reason
    #: "environment"); set from trusted input only (the CLI's --python, $JUMPCODER_PYTHON, the
    #: server's own discovery), never from settings (from_mapping refuses it)
    environment: Optional[Any] = None

    def __post_init__(self) -> None:
        problems = []
        if not (isinstance(self.k, int) and 0 <= self.k <= 64):
            problems.append(f"k must be an integer in 0..64, got {self.k!r}")
        if not isinstance(self.tau, (int, float)) or self.tau < 0:
            problems.append(f"tau must be a number >= 0, got {self.tau!r}")
        if not (isinstance(self.max_lines, int) and 1 <= self.max_lines <= 4096):
            problems.append(f"max_lines must be an integer in 1..4096, got {self.max_lines!r}")
        for name in ("max_line_tokens", "max_function_tokens"):
            v = getattr(self, name)
            if not (isinstance(v, int) and 1 <= v <= 8192):
                problems.append(f"{name} must be an integer in 1..8192, got {v!r}")
        for name, top in (("max_line_chars", 100000), ("max_line_repeats", 4096)):
            v = getattr(self, name)
            if not (isinstance(v, int) and not isinstance(v, bool) and 1 <= v <= top):
                problems.append(f"{name} must be an integer in 1..{top}, got {v!r}")
        for name, top in (("suffix_lines", 100_000), ("suffix_chars", 4_000_000)):
            v = getattr(self, name)
            if not (isinstance(v, int) and not isinstance(v, bool) and 0 <= v <= top):
                problems.append(f"{name} must be an integer in 0..{top}, got {v!r}")
        if not isinstance(self.lint_clean, bool):
            problems.append(f"lint_clean must be true or false, got {self.lint_clean!r}")
        if not isinstance(self.suffix_fim, bool):
            problems.append(f"suffix_fim must be true or false, got {self.suffix_fim!r}")
        if not (isinstance(self.repetition_threshold, (int, float)) and 0 < self.repetition_threshold <= 1):
            problems.append(f"repetition_threshold must be in (0, 1], got {self.repetition_threshold!r}")
        if not (isinstance(self.context_lines, int) and not isinstance(self.context_lines, bool)
                and 16 <= self.context_lines <= 100_000):
            problems.append(f"context_lines must be an integer in 16..100000, got {self.context_lines!r}")
        if not (isinstance(self.context_chars, int) and not isinstance(self.context_chars, bool)
                and 1024 <= self.context_chars <= 4_000_000):
            problems.append(f"context_chars must be an integer in 1024..4000000, got {self.context_chars!r}")
        if self.policy not in POLICIES:
            problems.append(f"policy must be one of {', '.join(POLICIES)}, got {self.policy!r}")
        if problems:
            raise ValueError("; ".join(problems))

    @property
    def scoring_judge(self) -> bool:
        """Whether infills may be accepted by the scoring judge (the inline policy: AST judge only)."""
        return self.policy != "inline"

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any], base: "EngineConfig | None" = None) -> "EngineConfig":
        """Build from user settings (camelCase or snake_case keys); unknown keys are an error."""
        known = {f.name for f in fields(cls)}
        changes = {}
        for key, value in values.items():
            name = "".join("_" + c.lower() if c.isupper() else c for c in key)
            if name == "environment":
                raise ValueError(f"engine setting {key!r} is refused: the environment judge's interpreter is "
                                 "a machine-level setting (--python or $JUMPCODER_PYTHON)")
            if name not in known:
                raise ValueError(f"unknown engine setting {key!r}")
            changes[name] = value
        return replace(base or cls(), **changes)
