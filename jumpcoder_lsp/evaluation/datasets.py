"""The benchmarks, from the files committed in benchmarks/data/ (nothing is fetched at run time).

=========  ======================================  =====  ========  ==============================
name       file                                    count  language  prompt
=========  ======================================  =====  ========  ==============================
humaneval  humaneval.json (JumpCoder repo)          164    python    0-shot: signature + docstring
mbpp       mbpp.json (JumpCoder repo, test split)   500    python    1-shot as in the paper: the task
                                                                     text + one test in a docstring,
                                                                     then the signature
java       multi_java.json (MultiPL-E via JC repo)  158    java      class Problem { ... method {
cpp        multi_cpp.json (MultiPL-E via JC repo)   161    cpp       includes ... function {
csharp     humaneval-cs-reworded.jsonl (MultiPL-E)  158    csharp    usings, class Problem { method {
=========  ======================================  =====  ========  ==============================

Every prompt ends with a newline; the model continues from there. ``tests`` is what follows the
completion (Python: asserts / ``check(entry_point)``; the others: the closing braces + main),
``stop_tokens`` end the completion (searched from the start of the completion's first line).
See benchmarks/data/SOURCE.md for sources and licenses.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

DATA_DIR = Path(__file__).resolve().parents[2] / "benchmarks" / "data"


@dataclass(frozen=True)
class Problem:
    benchmark: str
    task_id: str
    index: int
    language: str  # the engine's language name (get_language)
    prompt: str
    tests: str
    stop_tokens: tuple[str, ...]
    entry_point: str = ""
    meta: dict = field(default_factory=dict, compare=False, hash=False)


@dataclass(frozen=True)
class Benchmark:
    name: str
    file: str
    language: str
    count: int  # records in the file
    shots: str
    description: str


BENCHMARKS: dict[str, Benchmark] = {
    "humaneval": Benchmark("humaneval", "humaneval.json", "python", 164, "0-shot", "HumanEval (OpenAI)"),
    "mbpp": Benchmark("mbpp", "mbpp.json", "python", 500, "1-shot", "MBPP test split (Google)"),
    "java": Benchmark("java", "multi_java.json", "java", 158, "0-shot", "MultiPL-E HumanEval Java"),
    "cpp": Benchmark("cpp", "multi_cpp.json", "cpp", 161, "0-shot", "MultiPL-E HumanEval C++"),
    "csharp": Benchmark("csharp", "humaneval-cs-reworded.jsonl", "csharp", 158, "0-shot",
                        "MultiPL-E HumanEval C# (reworded)"),
}


def benchmark_names() -> list[str]:
    return list(BENCHMARKS)


def _records(path: Path) -> list[dict]:
    if path.suffix == ".jsonl":
        return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return json.loads(path.read_text(encoding="utf-8"))


def load_benchmark(name: str, data_dir: Optional[Path] = None, limit: Optional[int] = None,
                   offset: int = 0) -> list[Problem]:
    """Problems of benchmark ``name`` in file order (``offset``, then at most ``limit``)."""
    if name not in BENCHMARKS:
        raise ValueError(f"unknown benchmark {name!r}; choose from {', '.join(BENCHMARKS)}")
    bench = BENCHMARKS[name]
    path = (data_dir or DATA_DIR) / bench.file
    if not path.exists():
        raise FileNotFoundError(f"{path} is missing (benchmarks/data/ ships it; see benchmarks/data/SOURCE.md)")
    problems = []
    for i, rec in enumerate(_records(path)):
        if name == "csharp":
            task_id, tests, entry = rec["name"], rec["tests"], rec["name"]
        else:
            entry = str(rec.get("entry_point", ""))
            tests = rec["reference"]
            if name == "humaneval":
                task_id = f"HumanEval/{i}"
            elif name == "mbpp":
                task_id = f"Mbpp/{entry}"
            else:
                task_id = entry
        problems.append(Problem(
            benchmark=name, task_id=task_id, index=i, language=bench.language, prompt=rec["prompt"],
            tests=tests, stop_tokens=tuple(rec.get("stop_tokens") or ()), entry_point=entry,
        ))
    problems = problems[offset:]
    return problems if limit is None else problems[:limit]
