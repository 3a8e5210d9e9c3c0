"""The import graph of jumpcoder_lsp: no circle, and no import runs up a floor.

Every import counts, the ones inside functions too (a lazy import is still a dependency: the
evaluation's report once imported its run lazily while the run imported the report). Floors, from
the layout (a module imports its own floor or lower):

0. ``jumpcoder_lsp`` (the package: the version only), ``edits`` (text and LSP positions),
   ``languages`` (tree-sitter specs), ``runtime`` (the model contract and its backends),
   ``environment`` (what the user's Python environment has: the environment judge's facts), ``removed_apis``
   (+ its table: the removed APIs a buffer uses, from those facts), ``toolchains`` (the environment
   judge's facts for Java, C++ and C#: the JDK, the include paths, the assemblies)
1. ``engine`` (the algorithm, over the Runtime and LanguageSpec contracts), ``diagnose`` (the
   undefined names and removed APIs of a text: the server's and ``check``'s), ``models`` (presets,
   fetch, convert)
2. ``loading`` (model pair from a preset: models + runtimes + engine types)
3. ``config``, ``server``, ``evaluation`` (the clients of the engine)
4. ``cli`` (every command) and ``__main__``

Within a floor: the engine imports only the runtime contract (``runtime.base``, ``runtime.fim``),
never a backend; ``languages`` and ``runtime`` do not import each other; and the engine,
languages, runtime contract and edits never import torch, transformers, llama_cpp or pygls.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "jumpcoder_lsp"

FLOORS = {
    "jumpcoder_lsp": 0, "edits": 0, "languages": 0, "runtime": 0, "environment": 0, "removed_apis": 0,
    "removed_apis_table": 0, "toolchains": 0,
    "diagnose": 1,
    "engine": 1, "models": 1,
    "loading": 2,
    "config": 3, "server": 3, "evaluation": 3,
    "cli": 4, "__main__": 4,
}
HEAVY = ("torch", "transformers", "llama_cpp", "pygls")
ENGINE_MAY_USE_FROM_RUNTIME = {"runtime.base", "runtime.fim"}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


MODULES = {module_name(p): p for p in PACKAGE.rglob("*.py")}


def imports_of(name: str) -> tuple[set[str], set[str]]:
    """(jumpcoder_lsp modules, other top-level packages) that module ``name`` imports anywhere."""
    path = MODULES[name]
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    ours, others = set(), set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                (ours if alias.name.split(".")[0] == "jumpcoder_lsp" else others).add(
                    alias.name if alias.name.startswith("jumpcoder_lsp") else alias.name.split(".")[0])
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target.split(".")[0] != "jumpcoder_lsp":
                others.add(target.split(".")[0])
                continue
            for alias in node.names:  # `from . import x` imports the module x when there is one
                sub = f"{target}.{alias.name}"
                ours.add(sub if sub in MODULES else target)
    return {m for m in ours if m in MODULES}, others


GRAPH = {name: imports_of(name) for name in MODULES}


def short(name: str) -> str:
    return name.split(".", 1)[1] if "." in name else name


def floor_of(name: str) -> tuple[str, int]:
    top = short(name).split(".")[0]
    return top, FLOORS[top]


def test_every_module_has_a_floor():
    missing = sorted({short(m).split(".")[0] for m in MODULES} - set(FLOORS))
    assert not missing, f"new top-level modules need a floor in tests/test_layering.py: {missing}"


def test_no_import_runs_up_a_floor():
    upward = []
    for name, (ours, _) in GRAPH.items():
        top, floor = floor_of(name)
        for target in ours:
            ttop, tfloor = floor_of(target)
            if tfloor > floor:
                upward.append(f"{short(name)} (floor {floor}) imports {short(target)} (floor {tfloor})")
            if top == "engine" and ttop == "runtime" and short(target) not in ENGINE_MAY_USE_FROM_RUNTIME:
                upward.append(f"{short(name)} imports the backend {short(target)}")
            if {top, ttop} == {"languages", "runtime"}:
                upward.append(f"{short(name)} imports {short(target)} (languages and runtime are apart)")
    assert not upward, "\n".join(sorted(upward))


def test_the_engine_and_the_contracts_import_no_model_library_or_lsp_server():
    light = [n for n in MODULES if floor_of(n)[0] in ("engine", "languages", "edits")
             or short(n) in ("runtime.base", "runtime.fim", "runtime.scripted")]
    assert any(short(n) == "engine.loop" for n in light)
    bad = [f"{short(n)} imports {lib}" for n in light for lib in GRAPH[n][1] if lib in HEAVY]
    assert not bad, bad


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (or a module importing itself)."""
    index, low, stack, on, out, counter = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1 or v in graph.get(v, ()):
                out.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def test_no_import_circle():
    found = cycles({name: ours for name, (ours, _) in GRAPH.items()})
    assert not found, [[short(m) for m in c] for c in found]


def test_the_circle_check_sees_a_circle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"a"}}) == [["a"]] and cycles({"a": {"b"}, "b": set()}) == []


def test_the_evaluation_report_and_run_share_rows_not_each_other():
    report, _ = GRAPH["jumpcoder_lsp.evaluation.report"]
    run, _ = GRAPH["jumpcoder_lsp.evaluation.run"]
    assert "jumpcoder_lsp.evaluation.run" not in report
    assert "jumpcoder_lsp.evaluation.rows" in report and "jumpcoder_lsp.evaluation.rows" in run
