"""What Java, C++ and C# share: brace blocks, ``//`` and ``/* */`` comments, a function's end by
brace balance, and the skeleton of the scope analysis (scopes, uses, resolution) that
``java.py``, ``cpp.py`` and ``csharp.py`` drive over their own tree-sitter grammars --
:class:`TypeScopeAnalyzer` holds what Java and C# share on top of it (the file's types and
their members, imports, parameters, pattern/loop variables, outside names), parametrized by
node-type names. Go, Rust and TypeScript/JavaScript build their specs on :class:`CLikeSpec` too.

The package's modules:

* :mod:`.scopes` -- the scope analysis: :class:`Scope`, :class:`Use`, :class:`Analyzer`,
  :class:`TypeInfo`, :class:`TypeScopeAnalyzer` and the use kinds ``VAR``/``TYPE``/``CALL``;
* :mod:`.lines` -- the lexical scanner (code, comment or string per character, per flavour),
  indentation and the one-line signature test;
* :mod:`.spec` -- :class:`CLikeSpec`, the line, structure and placement helpers the brace
  languages share.
"""

from __future__ import annotations

from .lines import indent_width, looks_like_signature, scan
from .scopes import CALL, TYPE, VAR, Analyzer, Scope, TypeInfo, TypeScopeAnalyzer, Use
from .spec import CLikeSpec

__all__ = ["Scope", "Use", "Analyzer", "TypeInfo", "TypeScopeAnalyzer", "CLikeSpec", "VAR", "TYPE", "CALL"]
