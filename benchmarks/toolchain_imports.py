"""False positives and cost of the Java / C++ / C# environment judge (jumpcoder_lsp/toolchains) on
code nobody here wrote, and what it says of the committed evaluation rows' generated code.

Corpora, each judged with every import / ``#include`` / ``using`` line of every file:

* ``prompts``: the MultiPL-E prompts (benchmarks/data/multi_java.json, multi_cpp.json,
  humaneval-cs-reworded.jsonl), judged as the CLI judges a loose file (no workspace);
* ``rows``: the ``code`` of benchmarks/results/{java,cpp,csharp}.*.jsonl (prompt + generated code,
  a row per method x problem), no workspace; the lines a prompt does not have are the generated
  ones (counted apart);
* directories given on the command line (``--dir NAME=PATH``): real projects, judged with their
  root as the workspace (as the server judges a file of its workspace folder); the code is
  published and builds, so every "missing" is a false positive -- unless a file the build needs is
  not in the snapshot (a git submodule, a generated header), which the report lists.

Each "missing" verdict is listed; ``--compiler`` also asks the compiler about each distinct one
(javac of the import alone in a class; ``g++ -fsyntax-only`` of the include alone, with the
workspace's include flags unknown, so only the no-workspace corpora; ``mcs`` of the using alone).

    PYTHONPATH=. python benchmarks/toolchain_imports.py java --dir TheAlgorithms-Java=/tmp/TheAlgorithms-Java
    PYTHONPATH=. python benchmarks/toolchain_imports.py cpp --dir leveldb=/tmp/leveldb --compiler

Time: ms per judged line (``env.problems(code, [line])``, the call the engine makes per
candidate), median / p95 / max over the corpus, the first call (cold caches) apart.
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from jumpcoder_lsp.toolchains import for_language  # noqa: E402

EXTS = {"java": (".java",), "cpp": (".cc", ".cpp", ".cxx", ".c", ".h", ".hpp", ".hh", ".hxx", ".ipp", ".inl"),
        "csharp": (".cs",)}
IMPORT = {"java": re.compile(r"^\s*import\s"), "cpp": re.compile(r"^\s*#\s*include\s*[<\"]"),
          "csharp": re.compile(r"^\s*(global\s+)?using\s+(static\s+)?[\w.]+(\s*=\s*[\w.<>, ]+)?\s*;")}
PROMPTS = {"java": ("benchmarks/data/multi_java.json", "prompt"), "cpp": ("benchmarks/data/multi_cpp.json", "prompt"),
           "csharp": ("benchmarks/data/humaneval-cs-reworded.jsonl", "prompt")}


def prompts(language: str) -> list[str]:
    path, key = PROMPTS[language]
    text = (ROOT / path).read_text(encoding="utf-8")
    rows = [json.loads(l) for l in text.splitlines() if l.strip()] if path.endswith(".jsonl") else json.loads(text)
    return [r[key] for r in rows]


def rows(language: str) -> list[dict]:
    out = []
    for path in sorted(glob.glob(str(ROOT / f"benchmarks/results/{language}.*.jsonl"))):
        for line in Path(path).read_text(encoding="utf-8").splitlines():
            if line.strip():
                r = json.loads(line)
                r["_file"] = os.path.basename(path)
                out.append(r)
    return out


def judge(env, code: str, times: list[float]) -> list[tuple[int, str, str]]:
    """(line, text, name) of each import line the environment calls missing; each line judged
    alone (one call per line, as the engine judges a candidate), its time appended to ``times``."""
    found = []
    lines = code.splitlines()
    for i, text in enumerate(lines):
        if not IMPORT[env_lang(env)].match(text):
            continue
        t = time.perf_counter()
        problems = env.problems(code, [i])
        times.append((time.perf_counter() - t) * 1000)
        found.extend((i, text.strip(), p.name) for p in problems)
    return found


def env_lang(env) -> str:
    name = type(env).__name__
    return {"JavaEnvironment": "java", "CppEnvironment": "cpp", "CSharpEnvironment": "csharp"}[name]


def ms(times: list[float]) -> str:
    if not times:
        return "-"
    first, rest = times[0], sorted(times[1:]) or [times[0]]
    p95 = rest[min(len(rest) - 1, int(0.95 * len(rest)))]
    return f"first {first:.2f}, median {statistics.median(rest):.3f} / p95 {p95:.3f} / max {max(rest):.2f}"


def compiler_fails(language: str, line: str) -> bool | None:
    """Whether the compiler rejects ``line`` alone in a file (None: no compiler)."""
    with tempfile.TemporaryDirectory() as d:
        if language == "java":
            if not shutil.which("javac"):
                return None
            Path(d, "C.java").write_text(f"{line}\nclass C {{}}\n")
            cmd = ["javac", "-d", d, "-cp", "/usr/share/java/javatuples.jar", str(Path(d, "C.java"))]
        elif language == "cpp":
            if not shutil.which("g++"):
                return None
            Path(d, "t.cc").write_text(f"{line}\nint main() {{ return 0; }}\n")
            cmd = ["g++", "-E", "-std=c++17", "-o", os.devnull, str(Path(d, "t.cc"))]  # includes: the preprocessor
        else:
            if not shutil.which("mcs"):
                return None
            Path(d, "t.cs").write_text(f"{line}\nclass C {{ static void Main() {{}} }}\n")
            cmd = ["mcs", "-target:library", "-r:System.Numerics.dll", f"-out:{d}/t.dll", str(Path(d, "t.cs"))]
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=120, cwd=d)
        return done.returncode != 0


def mutants(line: str, language: str) -> list[str]:
    """Two hallucination-style variants of a correct import line: the last name misspelt (a
    letter doubled, one dropped) and a package / folder name misspelt (``java.utill``,
    ``<bits/stdc++h>``)."""
    if language == "cpp":
        m = re.match(r'^(\s*#\s*include\s*[<"])([^>"]+)([>"].*)$', line)
        if not m:
            return []
        head, target, tail = m.groups()
        parts = target.split("/")
        last = parts[-1]
        stem, dot, ext = last.partition(".")
        out = ["/".join(parts[:-1] + [stem + stem[-1] + dot + ext])]
        out.append("/".join(parts[:-1] + [stem[:-1] + dot + ext]) if len(stem) > 3 else
                   "/".join(parts[:-1] + [stem + "s" + dot + ext]))
        return [head + t + tail for t in out]
    m = re.match(r"^(\s*(?:global\s+)?(?:import|using)\s+(?:static\s+)?)(\w+(?:\.\w+)*)(.*)$", line)
    if not m:
        return []
    head, dotted, tail = m.groups()
    parts = dotted.split(".")
    if len(parts) < 2:
        return []
    last = len(parts) - 1
    a = parts[:]
    a[last] = a[last] + a[last][-1]
    b = parts[:]
    b[1 if len(parts) > 2 else last] = b[1 if len(parts) > 2 else last][:-1] + "l" * 2
    return [head + ".".join(x) + tail for x in (a, b) if x != parts]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("language", choices=sorted(EXTS))
    ap.add_argument("--dir", action="append", default=[], metavar="NAME=PATH", help="a real project (its root)")
    ap.add_argument("--compiler", action="store_true", help="ask the compiler about each distinct missing verdict "
                    "of the no-workspace corpora")
    ap.add_argument("--mutants", action="store_true", help="also judge two misspelt variants of each distinct "
                    "import line of the prompts and of a sample of the projects' (with --compiler, ask the compiler "
                    "about each)")
    ap.add_argument("--mutant-sample", type=int, default=60, help="distinct import lines of the --dir projects "
                    "mutated besides the prompts' (every n-th of them, sorted)")
    ap.add_argument("--alone", action="store_true", help="also judge each --dir project's files without their "
                    "workspace (as loose files: the toolchain alone decides)")
    ap.add_argument("--json", help="write the report here")
    args = ap.parse_args(argv)
    lang = args.language
    t = time.perf_counter()
    env = for_language(lang, None)
    if env is None:
        print(f"no {lang} toolchain on this machine", file=sys.stderr)
        return 1
    print(f"{lang}: {env.description} (discovered in {(time.perf_counter() - t) * 1000:.0f} ms)")
    report: dict = {"language": lang, "environment": env.description, "corpora": {}}

    def show(name: str, files: int, judged: int, missing: list, times: list, extra: str = ""):
        distinct = Counter(m[1] for m in missing)
        print(f"  {name}: {files} files, {judged} import lines judged, {len(missing)} missing "
              f"({len(distinct)} distinct){extra}; ms/line {ms(times)}")
        for text, n in distinct.most_common(40):
            print(f"      {n:4d} x {text}")
        report["corpora"][name] = {"files": files, "judged": judged, "missing": len(missing),
                                   "distinct": dict(distinct), "ms": ms(times)}
        return distinct

    # the prompts
    times: list[float] = []
    missing, judged = [], 0
    ps = prompts(lang)
    for code in ps:
        judged += sum(1 for l in code.splitlines() if IMPORT[lang].match(l))
        missing += judge(env, code, times)
    distinct = show("prompts", len(ps), judged, missing, times)
    checked = {}
    # the committed rows: every import line, and those the prompt lacks (generated)
    prompt_lines = {l.strip() for p in ps for l in p.splitlines()}
    times, missing, gen_missing, judged, generated = [], [], [], 0, Counter()
    rs = rows(lang)
    for r in rs:
        code = r.get("code") or ""
        for i, text in enumerate(code.splitlines()):
            if IMPORT[lang].match(text):
                judged += 1
                if text.strip() not in prompt_lines:
                    generated[text.strip()] += 1
        found = judge(env, code, times)
        missing += found
        gen_missing += [m for m in found if m[1] not in prompt_lines]
    files = sorted({r["_file"] for r in rs})
    d2 = show("rows", len(rs), judged, missing, times,
              f"; generated import lines (not in any prompt) {sum(generated.values())} ({len(generated)} distinct), "
              f"of which missing {len(gen_missing)} [{', '.join(files)}]")
    report["corpora"]["rows"]["generated"] = dict(generated)
    report["corpora"]["rows"]["generated_missing"] = len(gen_missing)
    for text, n in generated.most_common(30):
        print(f"      generated {n:3d} x {text}")
    if args.compiler:
        for text in sorted(set(distinct) | set(d2) | set(generated)):
            checked[text] = compiler_fails(lang, text)
        agree = sum(1 for text, fails in checked.items() if fails is not None and
                    fails == (text in distinct or text in d2))
        print(f"  compiler agreement on {len(checked)} distinct lines (missing verdicts + generated lines): {agree}")
        for text, fails in sorted(checked.items()):
            print(f"      {'fails' if fails else 'ok   '} {'MISSING' if (text in distinct or text in d2) else '-------'} {text}")
        report["compiler"] = checked
    if args.mutants:
        lines = {l.strip() for p in ps for l in p.splitlines() if IMPORT[lang].match(l)}
        corpus = set()
        for spec in args.dir:
            for f in sorted(Path(spec.partition("=")[2]).rglob("*")):
                if f.is_file() and f.name.endswith(EXTS[lang]) and ".git" not in f.parts:
                    corpus.update(l.strip() for l in f.read_text(encoding="utf-8", errors="replace").splitlines()
                                  if IMPORT[lang].match(l))
        corpus = sorted(corpus - lines)
        step = max(1, len(corpus) // args.mutant_sample)
        lines = sorted(lines) + corpus[::step][: args.mutant_sample]
        muts = sorted({m for l in lines for m in mutants(l, lang)})
        times, verdicts = [], {}
        for m in muts:
            verdicts[m] = bool(judge(env, m + "\n", times))
        print(f"  mutants of {len(lines)} distinct import lines (the prompts' and a sample of the projects'): {len(muts)}, missing {sum(verdicts.values())}; "
              f"ms/line {ms(times)}")
        report["mutants"] = verdicts
        if args.compiler:
            table = Counter()
            for m, v in verdicts.items():
                fails = compiler_fails(lang, m)
                table[(v, fails)] += 1
                print(f"      {'MISSING' if v else 'not    '} compiler {'fails' if fails else 'ok   '} {m}")
            print(f"  mutants, judge x compiler: missing & fails {table[(True, True)]}, missing & compiles "
                  f"{table[(True, False)]}, not missing & fails {table[(False, True)]}, not missing & compiles "
                  f"{table[(False, False)]}")
            report["mutants_vs_compiler"] = {f"{k[0]}/{k[1]}": v for k, v in table.items()}
    # real projects
    for spec in args.dir + ([f"{s.partition('=')[0]} (alone)={s.partition('=')[2]}" for s in args.dir]
                            if args.alone else []):
        name, _, path = spec.partition("=")
        root = Path(path)
        t = time.perf_counter()
        ws_env = for_language(lang, None if name.endswith("(alone)") else str(root))
        took = (time.perf_counter() - t) * 1000
        times, missing, judged, n = [], [], 0, 0
        for f in sorted(root.rglob("*")):
            if not f.is_file() or not f.name.endswith(EXTS[lang]) or ".git" in f.parts:
                continue
            try:
                code = f.read_text(encoding="utf-8", errors="replace")
            except OSError:
                continue
            n += 1
            fenv = ws_env.for_file(str(f)) if hasattr(ws_env, "for_file") else ws_env
            judged += sum(1 for l in code.splitlines() if IMPORT[lang].match(l))
            missing += [(str(f.relative_to(root)),) + m[1:] for m in judge(fenv, code, times)]
        show(name, n, judged, [(m[0], m[1]) for m in missing], times, f"; workspace read in {took:.0f} ms")
        for where in sorted({(m[0], m[1]) for m in missing})[:60]:
            print(f"      at {where[0]}: {where[1]}")
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
