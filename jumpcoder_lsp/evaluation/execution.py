"""Assemble a completion into a program, compile and run it in the sandbox, classify the outcome.

Error classes (``Outcome.error_class``):

* ``undefined_identifier`` -- Python ``NameError`` (incl. ``UnboundLocalError``), javac
  "cannot find symbol", g++ "was not declared in this scope" (clang: "use of undeclared
  identifier"), mcs ``CS0103`` ("The name `x' does not exist in the current context"): the
  paper's error class, the one JumpCoder's AST judge targets;
* ``assertion`` -- a failed test (Python ``AssertionError``, Java ``AssertionError`` under
  ``java -ea``, C++ ``assert`` ("Assertion ... failed", SIGABRT), C# ``Debug.Assert`` (mono's
  trace listener prints ``DefaultTraceListener.Fail`` on stderr; compiled with ``-d:DEBUG``);
* ``compile`` -- any other compile error (Python: ``SyntaxError`` / ``IndentationError``);
* ``runtime`` -- any other exception, crash, non-zero exit or output over the cap;
* ``timeout`` -- compile or run past its time limit.
"""

from __future__ import annotations

import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Optional

from .sandbox import GiB, Limits, RunResult, Sandbox, Workdir, default_sandbox, python_network_guard, sandbox_python

JAVATUPLES_JARS = ("/usr/share/java/javatuples.jar",)
ERROR_CLASSES = ("undefined_identifier", "assertion", "runtime", "compile", "timeout")


@dataclass
class Outcome:
    passed: bool
    error_class: Optional[str]  # None when passed
    detail: str = ""  # the line that decided the class (shortened)
    compile_seconds: float = 0.0
    run_seconds: float = 0.0


# -- assembling ---------------------------------------------------------------------------------

def truncate_at_stop(completion: str, stop_tokens) -> str:
    """Cut ``completion`` (text that starts at the beginning of a line) at the first stop token.
    Tokens are searched in "\\n" + completion so that a stop at the very first line (a C++ "}"
    that closes the function at once) counts too."""
    s = "\n" + completion
    cut = min((i for i in (s.find(t) for t in stop_tokens if t) if i >= 0), default=None)
    if cut is None:
        return completion
    return s[:cut][1:] if cut > 0 else ""


def assemble(prompt_with_insertions: str, continuation: str, tests: str, stop_tokens) -> tuple[str, str]:
    """(completed code, program): the prompt (with any lines JumpCoder inserted above the cursor),
    the continuation cut at the stop tokens, then the tests."""
    body = truncate_at_stop(continuation, stop_tokens)
    code = prompt_with_insertions + body
    if body and not code.endswith("\n"):
        code += "\n"
    return code, code + tests + ("" if tests.endswith("\n") else "\n")


# -- classification -------------------------------------------------------------------------------

def _first(lines: list[str], pred) -> str:
    for line in lines:
        if pred(line):
            return line.strip()[:300]
    return ""


def _timeout(res: RunResult, what: str) -> Optional[Outcome]:
    if res.timed_out:
        return Outcome(False, "timeout", f"{what} timed out after {res.seconds:.1f}s")
    return None


_PY_EXC = re.compile(r"^([A-Za-z_][\w.]*(?:Error|Exception|Exit|Interrupt|Warning)|[A-Za-z_][\w.]*)(?::|$)")


def classify_python(res: RunResult) -> Outcome:
    t = _timeout(res, "run")
    if t:
        return t
    if res.returncode == 0 and not res.output_truncated:
        return Outcome(True, None)
    if res.output_truncated:
        return Outcome(False, "runtime", "output over the cap")
    lines = [l for l in res.stderr.splitlines() if l.strip()]
    last = ""
    for line in reversed(lines):
        if not line.startswith(" ") and _PY_EXC.match(line):
            last = line.strip()
            break
    name = _PY_EXC.match(last).group(1).rsplit(".", 1)[-1] if last else ""
    if name in ("NameError", "UnboundLocalError"):
        return Outcome(False, "undefined_identifier", last[:300])
    if name == "AssertionError":
        return Outcome(False, "assertion", last[:300] or "AssertionError")
    if name in ("SyntaxError", "IndentationError", "TabError"):
        return Outcome(False, "compile", last[:300])
    if res.returncode is not None and res.returncode < 0:
        return Outcome(False, "runtime", f"killed by signal {-res.returncode}" + (f": {last}" if last else ""))
    return Outcome(False, "runtime", last[:300] or f"exit status {res.returncode}")


def classify_compile(language: str, res: RunResult) -> Optional[Outcome]:
    """None when the compiler succeeded."""
    t = _timeout(res, "compile")
    if t:
        return t
    if res.returncode == 0:
        return None
    lines = res.output.splitlines()
    if language == "java":
        hit = _first(lines, lambda l: "cannot find symbol" in l)
        if hit:
            sym = _first(lines, lambda l: l.strip().startswith("symbol:"))
            return Outcome(False, "undefined_identifier", f"{hit} {sym}".strip())
        return Outcome(False, "compile", _first(lines, lambda l: "error:" in l) or "javac failed")
    if language == "cpp":
        hit = _first(lines, lambda l: "was not declared in this scope" in l or "use of undeclared identifier" in l)
        if hit:
            return Outcome(False, "undefined_identifier", hit)
        return Outcome(False, "compile", _first(lines, lambda l: "error" in l) or "g++ failed")
    if language == "csharp":
        hit = _first(lines, lambda l: "error CS0103" in l)
        if hit:
            return Outcome(False, "undefined_identifier", hit)
        return Outcome(False, "compile", _first(lines, lambda l: "error CS" in l) or "mcs failed")
    return Outcome(False, "compile", _first(lines, lambda l: bool(l.strip())) or "compile failed")


def classify_run(language: str, res: RunResult) -> Outcome:
    if language == "python":
        return classify_python(res)
    t = _timeout(res, "run")
    if t:
        return t
    lines = res.output.splitlines()
    if res.output_truncated:
        return Outcome(False, "runtime", "output over the cap")
    if language == "csharp" and "DefaultTraceListener.Fail" in res.stderr:
        return Outcome(False, "assertion", "Debug.Assert failed")
    if res.returncode == 0:
        return Outcome(True, None)
    if language == "java":
        hit = _first(lines, lambda l: "java.lang.AssertionError" in l)
        if hit:
            return Outcome(False, "assertion", hit)
        return Outcome(False, "runtime", _first(lines, lambda l: "Exception" in l or "Error" in l)
                       or f"exit status {res.returncode}")
    if language == "cpp":
        hit = _first(lines, lambda l: "Assertion" in l and "failed" in l)
        if hit:
            return Outcome(False, "assertion", hit)
        sig = f"killed by signal {-res.returncode}" if res.returncode and res.returncode < 0 else f"exit status {res.returncode}"
        return Outcome(False, "runtime", sig)
    if language == "csharp":
        return Outcome(False, "runtime", _first(lines, lambda l: "Exception" in l) or f"exit status {res.returncode}")
    return Outcome(False, "runtime", f"exit status {res.returncode}")


# -- toolchains -------------------------------------------------------------------------------------

_JVM_FLAGS = ["-Xmx512m", "-Xss16m", "-XX:+UseSerialGC", "-XX:CompressedClassSpaceSize=64m",
              "-XX:ReservedCodeCacheSize=64m", "-XX:MaxMetaspaceSize=256m", "-XX:TieredStopAtLevel=1",
              "-XX:CICompilerCount=1", "-Xshare:auto"]


@dataclass(frozen=True)
class Toolchain:
    language: str
    source_name: str
    compile: Optional[Callable[[Path], list[str]]]
    run: Callable[[Path], list[str]]
    needs: tuple[str, ...]  # executables that must exist
    compile_limits: Limits = Limits(timeout_s=60.0, memory_bytes=2 * GiB, max_processes=64)
    run_limits: Limits = Limits(timeout_s=10.0, memory_bytes=2 * GiB, max_processes=64)
    env: tuple[tuple[str, str], ...] = ()

    def missing(self) -> list[str]:
        miss = [exe for exe in self.needs if shutil.which(exe) is None]
        if self.language == "java" and not any(os.path.exists(j) for j in JAVATUPLES_JARS):
            miss.append("javatuples.jar (Debian: libjavatuples-java)")
        return miss


def _java_cp() -> str:
    return ":".join(j for j in JAVATUPLES_JARS if os.path.exists(j))


TOOLCHAINS: dict[str, Toolchain] = {
    "python": Toolchain("python", "main.py", None, lambda d: [sandbox_python(), "-I", "main.py"], ()),
    "cpp": Toolchain("cpp", "main.cpp", lambda d: ["g++", "-std=c++17", "-O1", "-o", "main", "main.cpp"],
                     lambda d: ["./main"], ("g++",)),
    "java": Toolchain(
        "java", "Problem.java",
        lambda d: ["javac", *("-J" + f for f in _JVM_FLAGS), "-nowarn", "-encoding", "UTF-8",
                   "-cp", _java_cp(), "Problem.java"],
        lambda d: ["java", *_JVM_FLAGS, "-ea", "-cp", ".:" + _java_cp(), "Problem"],
        ("javac", "java"),
        compile_limits=Limits(timeout_s=60.0, memory_bytes=4 * GiB, max_processes=256),
        run_limits=Limits(timeout_s=15.0, memory_bytes=4 * GiB, max_processes=256),
    ),
    "csharp": Toolchain(
        "csharp", "Problem.cs",
        lambda d: ["mcs", "-d:DEBUG", "-r:System.Numerics.dll", "-out:Problem.exe", "Problem.cs"],
        lambda d: ["mono", "Problem.exe"],
        ("mcs", "mono"),
        compile_limits=Limits(timeout_s=60.0, memory_bytes=4 * GiB, max_processes=256),
        run_limits=Limits(timeout_s=15.0, memory_bytes=4 * GiB, max_processes=256),
        env=(("MONO_TRACE_LISTENER", "Console.Error"),),
    ),
}


def toolchain(language: str) -> Toolchain:
    if language not in TOOLCHAINS:
        raise ValueError(f"no toolchain for {language!r}")
    return TOOLCHAINS[language]


def execute(language: str, program: str, *, sandbox: Optional[Sandbox] = None,
            run_timeout: Optional[float] = None) -> Outcome:
    """Compile (where needed) and run ``program`` in a fresh temporary directory."""
    sb = sandbox or default_sandbox()
    tc = toolchain(language)
    missing = tc.missing()
    if missing:
        raise RuntimeError(f"{language}: missing {', '.join(missing)} (run scripts/setup_eval_toolchains.sh)")
    if language == "python" and sb.network != "namespace":
        program = python_network_guard() + program
    env = dict(tc.env)
    with Workdir() as d:
        (d / tc.source_name).write_text(program, encoding="utf-8")
        compile_s = 0.0
        if tc.compile is not None:
            cres = sb.run(tc.compile(d), d, tc.compile_limits, env)
            compile_s = cres.seconds
            bad = classify_compile(language, cres)
            if bad is not None:
                bad.compile_seconds = compile_s
                return bad
        limits = tc.run_limits
        if run_timeout is not None:
            limits = Limits(run_timeout, limits.memory_bytes, limits.max_output_bytes, limits.max_processes,
                            limits.max_file_bytes)
        rres = sb.run(tc.run(d), d, limits, env)
        out = classify_run(language, rres)
        out.compile_seconds, out.run_seconds = compile_s, rres.seconds
        return out
