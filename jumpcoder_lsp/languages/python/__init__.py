"""Python support: :class:`PythonSpec`, built on tree-sitter-python.

The heart of it is :meth:`PythonSpec.undefined_names`, JumpCoder's "AST judge" (paper §3.2,
Appendix B.1): a pyflakes-like scope analysis over a tree-sitter tree, so that it also works on
unfinished code (the ``ast`` module rejects a half-written last line; tree-sitter wraps it in an
``ERROR`` node and keeps the rest of the tree).

The package's modules:

* :mod:`.scopes` -- the scope model (scopes, uses, the builtins) and name resolution;
* :mod:`.analyzer` -- the walk over the tree that binds names and records uses, broken code
  (``ERROR`` nodes) included;
* :mod:`.lines` -- what is read from the text line by line, without a tree: the small
  tokenizer behind :meth:`PythonSpec.function_end`, indentation, the line patterns;
* :mod:`.spec` -- :class:`PythonSpec` itself (parsing, the judge, lines, structure, import
  placement).
"""

from __future__ import annotations

from .scopes import BUILTIN_NAMES
from .spec import PY_LANGUAGE, PythonSpec

__all__ = ["PythonSpec", "PY_LANGUAGE", "BUILTIN_NAMES"]
