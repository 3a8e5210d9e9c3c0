"""Deterministic stand-in models for protocol tests and editor integration tests.

Use one with ``"model": "scripted:jumpcoder_lsp.server.scripted:<name>"`` in initializationOptions
(or the ``JUMPCODER_LSP_MODEL`` environment variable). A spec names one of the functions in
:data:`REGISTRY`, nothing else: no other module is imported. Client settings (initializationOptions,
didChangeConfiguration) may name one only when the server process was started with
``JUMPCODER_LSP_ALLOW_SCRIPTED=1`` or ``jumpcoder-lsp serve --allow-scripted`` (tests); the
process's own ``--model`` / ``JUMPCODER_LSP_MODEL`` always may. None of them is a language model:

* :func:`demo`: a backend answering from a table of function signatures (below), with JumpCoder-style
  insertions above the cursor. It follows typing: after ``def hyp(x):`` + ``ret`` it continues with
  ``urn math.sqrt(x)``. In a Java or C++ document (the ``language`` the server passes) it answers
  from :data:`RULES_BY_LANGUAGE` the same way, e.g. Java ``words`` / C++ ``hyp`` (editor tests of
  those languages). Functions named ``slow*`` generate one line every ``SLOW_STEP`` seconds for
  a long time and honour cancellation between lines (for cancellation and stale-version tests).
* :func:`slow_loading`: :func:`demo` after a load that reports progress for ~1.5 s.
* :func:`failing`: a load that fails (the server must say so once and stay up).
* :func:`engine_pair`: a :class:`~jumpcoder_lsp.engine.ModelPair` of
  :class:`~jumpcoder_lsp.runtime.scripted.ScriptedRuntime` s, run through the real engine.
* :func:`engine_import`: the same for where an import lands (``def top(xs, k):`` over imports).
* :func:`stubborn`: :func:`demo` whose completions in a ``stuck*`` function block for 30 s
  without polling cancellation (answers that must not wait for the model thread).
* :func:`engine_score`: the same for which policy a request runs (a jump only the scoring judge takes).
* :func:`engine_lint`: the same for the lint-clean rule (a last line that uses an undefined name).
* :func:`engine_env`: the same for the environment judge (an import of ``orjsonx``, a module
  only some environments have).
* :func:`engine_java_env`: the same in Java (``import java.utill.List;``, a package no JDK has).
* :func:`stepped`: :func:`demo` whose ``budget*`` functions take :data:`BUDGET_LINES` steps of
  :data:`BUDGET_STEP` s, report the result so far through ``partial`` after each (as the engine
  does) and end with a jump (an import above); for the inline time budget.
"""

from __future__ import annotations

import os
import re
import time
from dataclasses import dataclass
from typing import Callable, Optional

from ..engine.types import Completion, Insertion, Step
from ..runtime.base import Cancelled

#: the prefix of a scripted model spec, and the one module its functions come from
PREFIX = "scripted:"
MODULE = "jumpcoder_lsp.server.scripted"
#: environment variable (of the server process) that lets client settings name a scripted model
ALLOW_ENV = "JUMPCODER_LSP_ALLOW_SCRIPTED"

SLOW_STEP = 0.05
SLOW_LINES = 400
BUDGET_STEP = 0.1
BUDGET_LINES = 12


@dataclass(frozen=True)
class Rule:
    body: tuple[str, ...]  # the function body, without the indentation of its first level
    imports: tuple[str, ...] = ()  # lines inserted where imports go
    helpers: tuple[str, ...] = ()  # lines inserted right above the function (a helper definition)


RULES: dict[str, Rule] = {
    "hyp": Rule(("return math.sqrt(x)",), imports=("import math",)),
    "product": Rule(("return reduce(lambda a, b: a * b, xs, 1)",), imports=("from functools import reduce",)),
    "count_primes": Rule(
        ("total = 0", "for i in range(n):", "    if is_prime(i):", "        total += 1", "return total"),
        imports=("import math",),
        helpers=(
            "def is_prime(k):",
            "    return k > 1 and all(k % d for d in range(2, math.isqrt(k) + 1))",
            "",
            "",
        ),
    ),
    "plain": Rule(("return 42",)),
}

# Java and C++: the same kind of rules, keyed by method / function name; imports go after the last
# import (Java: or package) / #include line, else at the top
RULES_BY_LANGUAGE: dict[str, dict[str, Rule]] = {
    "python": RULES,
    "java": {
        "words": Rule(('return Arrays.asList(s.split(" "));',), imports=("import java.util.Arrays;",)),
    },
    "cpp": {
        "hyp": Rule(("return std::sqrt(x * x + y * y);",), imports=("#include <cmath>",)),
    },
}

# where a name used in code comes from (for the insert-missing-definition infill)
DEFINITIONS = {
    "math": "import math",
    "os": "import os",
    "reduce": "from functools import reduce",
    "defaultdict": "from collections import defaultdict",
}

_DEF = re.compile(r"^([ \t]*)(?:async\s+)?def\s+(\w+)\s*\(.*\)[^:]*:\s*(#.*)?$")
_IMPORT = re.compile(r"^(import|from)\s")
# a C-like function header ending in "{": modifiers and a return type, the name, the parameters
_C_DEF = re.compile(r"^([ \t]*)(?:[\w<>\[\],.:*&]+\s+)+(\w+)\s*\([^;{}]*\)\s*(?:const\s*)?\{\s*$")
_DEFS = {"python": _DEF, "java": _C_DEF, "cpp": _C_DEF}
_IMPORTS = {"python": _IMPORT, "java": re.compile(r"^(import|package)\s"), "cpp": re.compile(r"^#\s*include\b")}


class DemoBackend:
    """Answers from :data:`RULES`; counts its runs."""

    description = "scripted demo"

    def __init__(self) -> None:
        self.runs = 0
        self.warms = 0

    # the engine's complete(), scripted
    def complete(
        self,
        text: str,
        line: int,
        character: int,
        *,
        language=None,
        config=None,
        method: str = "jumpcoder",
        tree=None,
        progress: Optional[Callable[[str, Optional[float]], None]] = None,
        cancel: Optional[Callable[[], bool]] = None,
        **_ignored,
    ) -> Completion:
        self.runs += 1
        start = time.monotonic()
        lines = text.split("\n")
        cur = lines[line][:character]
        lang = getattr(language, "name", None) or "python"
        sig_re, rules = _DEFS.get(lang), RULES_BY_LANGUAGE.get(lang, {})
        if sig_re is None:
            return _empty(text, start)
        sig_line = next((i for i in range(line - 1, -1, -1) if sig_re.match(lines[i])), None)
        if sig_line is None:
            return _empty(text, start)
        indent, name = sig_re.match(lines[sig_line]).group(1, 2)
        body_indent = indent + "    "
        if name.startswith("slow") and lang == "python":
            rule = Rule(tuple(f"step_{i} = {i}" for i in range(SLOW_LINES)) + ("return None",))
        else:
            rule = rules.get(name)
        if rule is None:
            return _empty(text, start)
        # the lines of the body the user has already written must match the rule
        written = [ln for ln in lines[sig_line + 1 : line] if ln.strip()]
        body = list(rule.body)
        if [w.strip() for w in written] != [b.strip() for b in body[: len(written)]]:
            return _empty(text, start)
        rest = body[len(written) :]
        if not rest:
            return _empty(text, start)
        typed = cur.lstrip(" \t")
        if cur[: len(cur) - len(typed)] not in ("", body_indent) or not rest[0].startswith(typed):
            return _empty(text, start)
        max_lines = getattr(config, "max_lines", 10_000) if config is not None else 10_000
        out_lines: list[str] = []
        for i, b in enumerate(rest[:max_lines]):
            if cancel is not None and cancel():
                raise Cancelled()
            if name.startswith("slow"):
                time.sleep(SLOW_STEP)
            first = i == 0
            out_lines.append(b[len(typed):] if first else (body_indent + b if b else b))
            if progress is not None:
                progress(f"{i + 1} lines generated", None)
        continuation = "\n".join(out_lines)
        prefix_before = "\n".join(lines[:sig_line])
        insertions = []
        if rule.imports:
            missing = [imp for imp in rule.imports if imp not in lines]
            if missing:
                insertions.append(Insertion(_import_line(lines, sig_line, _IMPORTS[lang]), "\n".join(missing) + "\n"))
        if rule.helpers and not any(ln.startswith(rule.helpers[0]) for ln in lines):
            insertions.append(Insertion(sig_line, "\n".join(indent + h if h else h for h in rule.helpers) + "\n"))
        steps = [Step(kind="infill", line=ins.before_line, text=ins.text, judge="ast") for ins in insertions]
        steps += [Step(kind="generate", line=line + i, text=t) for i, t in enumerate(out_lines)]
        if cancel is not None and cancel():
            raise Cancelled()
        return Completion(
            code=prefix_before,
            continuation=continuation,
            insertions=insertions,
            steps=steps,
            method=method,
            seconds=time.monotonic() - start,
            continuation_start=character,
        )

    def warm(self, text: str, line: int, character: int, *, cancel=None, **_ignored) -> int:
        """The background prefill, scripted: in a buffer with a ``slow*`` function it takes
        :data:`SLOW_LINES` steps of :data:`SLOW_STEP` s, polling ``cancel`` between them."""
        self.warms += 1
        steps = SLOW_LINES if re.search(r"def slow\w*\(", text) else 1
        for _ in range(steps):
            if cancel is not None and cancel():
                raise Cancelled()
            if steps > 1:
                time.sleep(SLOW_STEP)
        return len(text.split())

    def infill(self, prefix: str, suffix: str) -> str:
        """The scripted infilling model's middle for a hole: a definition for the first known
        undefined name in the suffix, when the hole is at the top level (imports); nothing inside
        functions."""
        at_top = prefix == "" or prefix.endswith("\n") and not suffix[:1].isspace()
        for name, line in DEFINITIONS.items():
            if re.search(rf"\b{name}\b", suffix) and at_top:
                return line + "\n"
        return ""

    def propose_definition(self, text: str, name: str, use_line: int, *, language, config, tree=None,
                           cancel=None) -> Optional[Insertion]:
        """The engine's verb (:func:`jumpcoder_lsp.engine.hybrid.propose_definition`) over a
        scripted infilling model that answers each FIM hole with :meth:`infill`."""
        from ..engine import ModelPair
        from ..engine.hybrid import propose_definition
        from ..runtime.fim import get_dialect
        from ..runtime.scripted import ScriptedRuntime

        fim = get_dialect("qwen")

        def infill_continue(prompt: str) -> str:
            prefix, _, rest = prompt[len(fim.prefix):].partition(fim.suffix)
            suffix = rest[: rest.rfind(fim.middle)] if fim.middle in rest else rest
            return self.infill(prefix, suffix) + "<|fim_pad|>"

        rt = ScriptedRuntime(infill_continue, eos="<|fim_pad|>", description="scripted infill")
        return propose_definition(text, name, use_line, models=ModelPair(rt, rt, fim, self.description),
                                  language=language, config=config, tree=tree, cancel=cancel)


class _SteppedBackend(DemoBackend):
    description = "scripted stepped demo"

    def complete(self, text: str, line: int, character: int, *, method: str = "jumpcoder",
                 cancel=None, partial=None, **kw) -> Completion:
        lines = text.split("\n")
        sig = next((i for i in range(line - 1, -1, -1) if re.match(r"\s*def ", lines[i])), None)
        if sig is None or not re.match(r"\s*def budget\w*\(", lines[sig]) or lines[line][:character].strip():
            return super().complete(text, line, character, method=method, cancel=cancel, **kw)
        self.runs += 1
        start = time.monotonic()
        indent = re.match(r"\s*", lines[sig]).group(0) + "    "
        out: list[str] = []
        steps: list[Step] = []

        def result(insertions: list[Insertion]) -> Completion:
            return Completion(code=text, continuation="\n".join(out), insertions=insertions, steps=list(steps),
                              method=method, seconds=time.monotonic() - start, continuation_start=character)

        for i in range(BUDGET_LINES):
            if cancel is not None and cancel():
                raise Cancelled()
            time.sleep(BUDGET_STEP)
            out.append(("" if i == 0 else indent) + f"v{i} = math.sqrt({i})")
            steps.append(Step(kind="generate", line=line + i, text=out[-1]))
            if partial is not None:
                partial(result([]))
        if cancel is not None and cancel():
            raise Cancelled()
        time.sleep(BUDGET_STEP)  # the jump: the import the lines need, the last step
        insertions = [] if "import math" in lines else [Insertion(0, "import math\n")]
        steps.extend(Step(kind="infill", line=0, text=ins.text, judge="ast") for ins in insertions)
        if partial is not None and insertions:
            partial(result(insertions))
        return result(insertions)


def stepped(config=None) -> DemoBackend:
    return _SteppedBackend()


def _import_line(lines: list[str], before: int, pattern: "re.Pattern[str]" = _IMPORT) -> int:
    last = None
    for i in range(before):
        if pattern.match(lines[i]):
            last = i
    return 0 if last is None else last + 1


def _empty(text: str, start: float) -> Completion:
    return Completion(code=text, continuation="", insertions=[], steps=[], seconds=time.monotonic() - start)


def demo(config=None) -> DemoBackend:
    return DemoBackend()


def slow_loading(config=None, progress=None) -> DemoBackend:
    for i in range(15):
        if progress is not None:
            progress(f"loading shard {i + 1}/15", (i + 1) / 15)
        time.sleep(0.1)
    return DemoBackend()


def failing(config=None):
    raise FileNotFoundError("no weights at /nonexistent/model.safetensors")


def engine_pair(config=None):
    """ScriptedRuntimes through the real engine: the generation model writes ``reduce(...)``
    without the import; the infilling model proposes the import at the top of the file."""
    from ..engine import ModelPair
    from ..runtime.fim import get_dialect
    from ..runtime.scripted import ScriptedRuntime

    fim = get_dialect("qwen")

    def gen_continue(prompt: str) -> str:
        if prompt.endswith("    return "):
            return "reduce(lambda a, b: a * b, xs, 1)\n<|endoftext|>"
        if prompt.rstrip().endswith(")") and "return reduce" in prompt:
            return "\n<|endoftext|>"
        return "<|endoftext|>"

    def infill_continue(prompt: str) -> str:
        if prompt.startswith(fim.prefix + fim.suffix) or prompt.startswith(fim.prefix + "\n" + fim.suffix):
            return "from functools import reduce\n<|fim_pad|>"
        return "<|fim_pad|>"

    def logits(context: str, target: str, start: int, tok: str) -> float:
        return -5.0 if tok == "reduce" and "import reduce" not in context + target[:start] else 1.0

    gen = ScriptedRuntime(gen_continue, logits, description="scripted gen")
    infill = ScriptedRuntime(infill_continue, logits, eos="<|fim_pad|>", description="scripted infill")
    return ModelPair(gen=gen, infill=infill, fim=fim, description="scripted engine pair")


def engine_import(config=None):
    """ScriptedRuntimes through the real engine, for where an import lands: the generation model
    writes ``return heapq.nlargest(k, xs)`` in ``def top(xs, k):`` without the import; the
    infilling model proposes ``import heapq`` at every top-level position (none inside a
    function), so the engine's eligible lines decide where it goes."""
    from ..engine import ModelPair
    from ..runtime.fim import get_dialect
    from ..runtime.scripted import ScriptedRuntime

    fim = get_dialect("qwen")

    def gen_continue(prompt: str) -> str:
        if prompt.endswith("def top(xs, k):\n"):
            return "    return heapq.nlargest(k, xs)\n<|endoftext|>"
        return "<|endoftext|>"

    def infill_continue(prompt: str) -> str:
        prefix, _, suffix = prompt[len(fim.prefix):].partition(fim.suffix)
        at_top = (prefix == "" or prefix.endswith("\n")) and not suffix[:1].isspace()
        return ("import heapq\n" if at_top else "") + "<|fim_pad|>"

    def logits(context: str, target: str, start: int, tok: str) -> float:
        return -5.0 if tok == "heapq" and "import heapq" not in context + target[:start] else 1.0

    gen = ScriptedRuntime(gen_continue, logits, description="scripted gen")
    infill = ScriptedRuntime(infill_continue, logits, eos="<|fim_pad|>", description="scripted infill")
    return ModelPair(gen=gen, infill=infill, fim=fim, description="scripted engine import")


def engine_env(config=None):
    """ScriptedRuntimes through the real engine, for the environment judge: the generation model
    writes ``return orjsonx.dumps(x)`` in ``def dump(x):`` without the import; the infilling model
    proposes ``import orjsonx`` at every top-level position. Whether the jump is taken depends on
    whether the server's environment has a module ``orjsonx`` (jumpcoder_lsp/environment.py)."""
    from ..engine import ModelPair
    from ..runtime.fim import get_dialect
    from ..runtime.scripted import ScriptedRuntime

    fim = get_dialect("qwen")

    def gen_continue(prompt: str) -> str:
        if prompt.endswith("def dump(x):\n"):
            return "    return orjsonx.dumps(x)\n<|endoftext|>"
        return "<|endoftext|>"

    def infill_continue(prompt: str) -> str:
        prefix, _, suffix = prompt[len(fim.prefix):].partition(fim.suffix)
        at_top = (prefix == "" or prefix.endswith("\n")) and not suffix[:1].isspace()
        return ("import orjsonx\n" if at_top else "") + "<|fim_pad|>"

    gen = ScriptedRuntime(gen_continue, None, description="scripted gen")
    infill = ScriptedRuntime(infill_continue, None, eos="<|fim_pad|>", description="scripted infill")
    return ModelPair(gen=gen, infill=infill, fim=fim, description="scripted engine env")


def engine_lint(config=None):
    """ScriptedRuntimes through the real engine, for the lint-clean rule (issue 17): in
    ``def g(a):`` the generation model writes ``b = a + 1`` and then ``return c``, a name nothing
    defines (the infilling model has nothing to offer): an inline suggestion under ``lintClean``
    (the default) ends before that line, one without it and jumpcoder.completeFunction keep it."""
    from ..engine import ModelPair
    from ..runtime.fim import get_dialect
    from ..runtime.scripted import ScriptedRuntime

    fim = get_dialect("qwen")
    program = ["    b = a + 1\n", "    return c\n"]

    def gen_continue(prompt: str) -> str:
        if prompt.startswith(fim.prefix):
            return "<|fim_pad|>"
        done = prompt.splitlines(keepends=True)
        return next((line for line in program if line not in done), "") + "<|endoftext|>"

    gen = ScriptedRuntime(gen_continue, None, description="scripted gen")
    infill = ScriptedRuntime(lambda prompt: "<|fim_pad|>", None, eos="<|fim_pad|>", description="scripted infill")
    return ModelPair(gen=gen, infill=infill, fim=fim, description="scripted engine lint")


def engine_java_env(config=None):
    """ScriptedRuntimes through the real engine, for the environment judge in Java: in
    ``static List<String> words(String s) {`` the generation model writes ``return List.of(...)``;
    the infilling model proposes ``import java.utill.List;`` above the class, which the AST judge
    takes (it binds ``List``) and the JDK lacks (jumpcoder_lsp/toolchains/java.py)."""
    from ..engine import ModelPair
    from ..runtime.fim import get_dialect
    from ..runtime.scripted import ScriptedRuntime

    fim = get_dialect("qwen")

    def gen_continue(prompt: str) -> str:
        if prompt.endswith("static List<String> words(String s) {\n        "):
            return 'return List.of(s.split(" "));\n<|endoftext|>'
        if prompt.endswith("static List<String> words(String s) {\n"):
            return '        return List.of(s.split(" "));\n<|endoftext|>'
        return "<|endoftext|>"

    def infill_continue(prompt: str) -> str:
        _prefix, _, suffix = prompt[len(fim.prefix):].partition(fim.suffix)
        if not suffix.startswith("public class"):
            return "<|fim_pad|>"
        return "import java.utill.List;\n<|fim_pad|>"

    gen = ScriptedRuntime(gen_continue, None, description="scripted gen")
    infill = ScriptedRuntime(infill_continue, None, eos="<|fim_pad|>", description="scripted infill")
    return ModelPair(gen=gen, infill=infill, fim=fim, description="scripted engine java env")


def engine_score(config=None):
    """ScriptedRuntimes through the real engine, for which policy a request runs: in
    ``def f(a):`` the generation model writes ``b = a + 1`` and ``return b`` (every name defined);
    the infilling model proposes ``a = abs(a)`` above ``b = a + 1``, which raises the scores of the
    lines after it: the scoring judge (the paper policy) takes that jump, the inline policy (AST
    judge only, and no name undefined) never tries it."""
    from ..engine import ModelPair
    from ..runtime.fim import get_dialect
    from ..runtime.scripted import ScriptedRuntime

    fim = get_dialect("qwen")
    program = ["    b = a + 1\n", "    return b\n"]
    marker = "    a = abs(a)\n"

    def gen_continue(prompt: str) -> str:
        if prompt.startswith(fim.prefix):  # a speculative infill re-verified by a scoring pass
            return infill_continue(prompt)
        done = prompt.splitlines(keepends=True)
        return next((line for line in program if line not in done), "") + "<|endoftext|>"

    def infill_continue(prompt: str) -> str:
        body = prompt[len(fim.prefix):]
        _, _, rest = body.partition(fim.suffix)
        suffix, _, written = rest.partition(fim.middle)
        answer = (marker if suffix.startswith("    b = a") else "") + "<|fim_pad|>"
        return answer[len(written):] if answer.startswith(written) else "<|fim_pad|>"

    def logits(context: str, target: str, start: int, tok: str) -> float:
        at = target.find(marker)
        return 1.0 if at >= 0 and start >= at + len(marker) else 0.0

    gen = ScriptedRuntime(gen_continue, logits, description="scripted gen")
    infill = ScriptedRuntime(infill_continue, logits, eos="<|fim_pad|>", description="scripted infill")
    return ModelPair(gen=gen, infill=infill, fim=fim, description="scripted engine score")


# -- failures and slowness for the lost-edit and progress tests -------------------------------

#: how long :func:`slow_infill`'s infill takes (it ignores cancellation, like a model mid-batch)
SLOW_INFILL_S = 1.0


class _FailingBackend(DemoBackend):
    """:class:`DemoBackend` whose completion fails after its first generated line."""

    def __init__(self, error: Callable[[], BaseException], description: str) -> None:
        super().__init__()
        self._error = error
        self.description = description

    def complete(self, text: str, line: int, character: int, *, progress=None, **kw) -> Completion:
        self.runs += 1
        if progress is not None:
            progress("1 lines generated", None)
        raise self._error()


class _SlowInfillBackend(DemoBackend):
    description = "scripted demo, slow infill"

    def propose_definition(self, text, name, use_line, **kw) -> Optional[Insertion]:
        time.sleep(SLOW_INFILL_S)  # does not poll ``cancel``: the server must check before it edits
        return super().propose_definition(text, name, use_line, **kw)


def context_full(config=None) -> DemoBackend:
    """Completions fail mid-way with a RuntimeError, as a backend whose context is full does."""
    return _FailingBackend(lambda: RuntimeError("the context is full (4096 tokens)"), "scripted context full")


def out_of_memory(config=None) -> DemoBackend:
    """Completions fail mid-way with a MemoryError (an out-of-memory while decoding)."""
    return _FailingBackend(lambda: MemoryError("out of memory while decoding"), "scripted out of memory")


def slow_infill(config=None) -> DemoBackend:
    """:func:`demo` whose infilling model takes :data:`SLOW_INFILL_S` per call and ignores cancellation."""
    return _SlowInfillBackend()


#: how long :func:`stubborn`'s completions for ``stuck*`` functions block, ignoring cancellation
STUBBORN_S = 30.0


class _StubbornBackend(DemoBackend):
    description = "scripted demo, stubborn"

    def complete(self, text: str, line: int, character: int, **kw) -> Completion:
        if re.search(r"def stuck\w*\(", text):
            time.sleep(STUBBORN_S)  # one long step that never polls ``cancel`` (a long prefill)
        return super().complete(text, line, character, **kw)


def stubborn(config=None) -> DemoBackend:
    """:func:`demo` whose completions in a buffer with a ``stuck*`` function block for
    :data:`STUBBORN_S` without polling cancellation: the server must answer (a superseded request,
    ``shutdown``) without waiting for the model thread."""
    return _StubbornBackend()


#: the scripted models a spec may name: ``scripted:jumpcoder_lsp.server.scripted:<name>``
REGISTRY: dict[str, Callable] = {
    "demo": demo,
    "slow_loading": slow_loading,
    "failing": failing,
    "engine_pair": engine_pair,
    "engine_import": engine_import,
    "engine_env": engine_env,
    "engine_java_env": engine_java_env,
    "stepped": stepped,
    "engine_score": engine_score,
    "engine_lint": engine_lint,
    "context_full": context_full,
    "out_of_memory": out_of_memory,
    "slow_infill": slow_infill,
    "stubborn": stubborn,
}


def is_scripted(spec: object) -> bool:
    return isinstance(spec, str) and spec.startswith(PREFIX)


def allowed_from_clients(environ=None) -> bool:
    """Whether client settings may name a scripted model: the server process's own environment
    has ``JUMPCODER_LSP_ALLOW_SCRIPTED=1`` (``serve --allow-scripted`` sets it)."""
    return (os.environ if environ is None else environ).get(ALLOW_ENV) == "1"


def factory(spec: str) -> Callable:
    """The registered function ``spec`` names; :class:`ValueError` for any other spec (nothing is
    imported: a spec can only pick an entry of :data:`REGISTRY`)."""
    module, sep, name = spec[len(PREFIX):].rpartition(":") if is_scripted(spec) else ("", "", "")
    if not sep or module != MODULE:
        raise ValueError(f"a scripted model spec must be '{PREFIX}{MODULE}:<name>', got {spec!r}")
    fn = REGISTRY.get(name)
    if fn is None:
        raise ValueError(f"unknown scripted model {name!r} (registered: {', '.join(sorted(REGISTRY))})")
    return fn
