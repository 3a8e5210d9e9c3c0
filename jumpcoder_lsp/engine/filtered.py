"""JumpCoder (Filtered): the one rule that picks between the Vanilla and the autoregressive code.

The paper's Filtered variant keeps the Vanilla (JumpCoder) code when every jump it took was
accepted by the AST judge (each one resolved an undefined name); otherwise it runs the plain
autoregressive baseline too and keeps whichever code has the lower perplexity under the generation
model (a tie goes to the autoregressive code). :func:`choose` is that rule; the engine's
``complete(method="filtered")`` and the evaluation's ``derive_filtered`` (which reuses the rows of
both runs) both call it, so changing the rule is one edit here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterable, Optional

JUMPCODER = "jumpcoder"
AUTOREGRESSIVE = "autoregressive"


@dataclass(frozen=True)
class Choice:
    """Which code Filtered keeps, and the perplexities it compared (None: no comparison needed)."""

    method: str  # JUMPCODER | AUTOREGRESSIVE
    perplexity: Optional[dict] = None  # {"jumpcoder": float, "autoregressive": float}

    @property
    def label(self) -> str:
        """The method name a Filtered result carries: ``filtered:jumpcoder`` / ``filtered:autoregressive``."""
        return f"filtered:{self.method}"


def needs_comparison(judges: Iterable[Optional[str]]) -> bool:
    """True unless every jump of the Vanilla run was accepted by the AST judge (no jump: False)."""
    return not all(j == "ast" for j in judges)


def choose(judges: Iterable[Optional[str]], jumpcoder_code: str, autoregressive_code: Callable[[], str],
           perplexity: Callable[[str], float]) -> Choice:
    """The Filtered decision.

    ``judges``: the judge of each jump of the Vanilla run; ``jumpcoder_code``: its code;
    ``autoregressive_code()``: the autoregressive code, asked for only when the decision needs it
    (the engine runs the baseline then); ``perplexity(code)``: under the generation model, called on
    the Vanilla code first, then on the autoregressive code.
    """
    if not needs_comparison(judges):
        return Choice(JUMPCODER)
    ar_code = autoregressive_code()
    p_jc = perplexity(jumpcoder_code)
    p_ar = perplexity(ar_code)
    return Choice(JUMPCODER if p_jc < p_ar else AUTOREGRESSIVE, {JUMPCODER: p_jc, AUTOREGRESSIVE: p_ar})
