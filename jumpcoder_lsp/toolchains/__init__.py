"""The environment judge's facts for Java, C++ and C# (issue 17): does an ``import``, an
``#include`` or a ``using`` name something the installed toolchain (the JDK, the C++ compiler's
include paths, the .NET assemblies) or the workspace has? The Python counterpart is
:mod:`jumpcoder_lsp.environment`; the objects here have the same contract
(``problems(code, lines)``, ``description``, ``complete``), so the engine's environment judge
(``engine/judge.py environment_judge``, ``engine/stop.py environment_verdict``) uses them as it
uses a Python :class:`~jumpcoder_lsp.environment.Environment`.

Answers are three-valued (resolves, definitely missing, unknown) and only "definitely missing"
is reported, for the names only the toolchain can provide: ``java.``/``javax.``/``jdk.``/``sun.``
packages of the JDK (javax.* only inside the JDK's own javax packages), headers that exist in no
include directory of the compiler, the machine or the workspace, ``System``/``Microsoft``
namespaces of no installed assembly and of no package the project could use.

Trust: what is read or run is the machine's (the JDK on ``$JAVA_HOME``/``PATH``, the system's
``g++``/``c++``, the installed Mono/.NET assemblies); a workspace's files are only read (a
``compile_commands.json``, a ``.csproj``), never run, and nothing a client or workspace setting
names is used. Facts of the toolchain are cached on disk (:func:`cache_path`), keyed by what
identifies its version.
"""

from __future__ import annotations

from typing import Any, Optional

from .common import Problem, cache_path, cached

__all__ = ["Problem", "cache_path", "cached", "for_language"]

def for_language(language: str, workspace: Optional[str] = None, *, search_up: bool = False) -> Optional[Any]:
    """The environment of ``language`` ("java", "cpp", "csharp"; None for another language or
    when the toolchain is not installed): the machine's toolchain, plus ``workspace`` (a folder;
    ``search_up``: the project root is looked for from there upwards, as the CLI does for a file)."""
    if language == "java":
        from .java import discover
    elif language == "cpp":
        from .cpp import discover
    elif language == "csharp":
        from .csharp import discover
    else:
        return None
    return discover(workspace, search_up=search_up)
