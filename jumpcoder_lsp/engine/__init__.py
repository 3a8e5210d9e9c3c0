"""The JumpCoder algorithm (shared/papers/jumpcoder-paper.md, section 3 and Appendix A).

One module per stage: :mod:`.positions` (top-k uncertain lines), :mod:`.hybrid` (the generated
line and the infills in one batch), :mod:`.judge` (AST and scoring judges), :mod:`.combine`
(pick the winner), :mod:`.filters` (repetition, block openers), :mod:`.speculative` (the per-position
infill cache) and :mod:`.loop` (the iteration, plus the autoregressive and Filtered variants).
The engine never imports torch or pygls: it talks to :class:`~jumpcoder_lsp.runtime.base.Runtime`
and :class:`~jumpcoder_lsp.languages.base.LanguageSpec`.
"""

from .config import EngineConfig
from .loop import complete
from .types import Completion, Insertion, ModelPair, Step

__all__ = ["EngineConfig", "ModelPair", "complete", "Completion", "Insertion", "Step"]
