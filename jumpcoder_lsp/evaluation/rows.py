"""The evaluation's rows: one JSON object per (task, method), appended to ``OUT/<benchmark>.jsonl``.

The run (:mod:`.run`) writes them and the report (:mod:`.report`) reads them; both import this
module and neither imports the other.

A row's fields: ``benchmark``, ``task_id``, ``index``, ``language``, ``method`` (one of
:data:`METHODS`), ``engine_method``, ``code``, ``raw_code``, ``program``, ``jumps``, ``n_jumps``,
``n_steps``, ``stop_reason``, ``infills``, ``gen_seconds``, ``tokens``, ``passed``, ``error_class``,
``error``, ``exec_seconds``, ``tokens_per_s``, ``prompt_format`` (``completion`` or ``chat``; a row
from before the field existed is ``completion``); a derived Filtered row adds ``derived`` and
``perplexity``, a chat-format row the model's ``reply``.
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path
from typing import Optional

ROOT = Path(__file__).resolve().parents[2]
#: the evaluated methods, in report order
#: The paper's three methods (every benchmark section compares them on the same problems) ...
CORE_METHODS = ("autoregressive", "jumpcoder", "filtered")
#: ... and the server's inline policy (issue 14): the jumpcoder engine method with ``policy="inline"``,
#: run beside them, on all or only the first problems (the report gives it a section of its own then).
METHODS = CORE_METHODS + ("inline",)
#: method -> the EngineConfig.policy it forces (the other methods use --policy)
METHOD_POLICY = {"inline": "inline"}


def num(v):
    """JSON-safe float (inf -> "inf")."""
    if isinstance(v, float) and not math.isfinite(v):
        return "inf" if v > 0 else ("-inf" if v < 0 else "nan")
    return v


def read_rows(path: Path) -> list[dict]:
    """Rows of a JSONL file; a torn last line (a run killed mid-write) is ignored."""
    rows = []
    if not path.exists():
        return rows
    for line in path.read_text(encoding="utf-8").split("\n"):  # not splitlines: U+2028 etc. are in rows
        if not line.strip():
            continue
        try:
            rows.append(json.loads(line))
        except json.JSONDecodeError:
            continue
    return rows


class RowLog:
    """Append-only JSONL of finished (task, method) rows."""

    def __init__(self, path: Path, resume: bool, overwrite: bool):
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        existing = read_rows(path)
        if existing and not resume:
            if not overwrite:
                raise ValueError(f"{path} already has {len(existing)} rows: pass --resume to continue it "
                                 f"or --overwrite to start again")
            path.unlink()
            existing = []
        if path.exists() and path.read_bytes() and not path.read_bytes().endswith(b"\n"):
            with path.open("a", encoding="utf-8") as f:  # a torn last line: start a fresh one
                f.write("\n")
        self.rows: dict[tuple[str, str], dict] = {(r["task_id"], r["method"]): r for r in existing}

    def done(self, task_id: str, method: str) -> Optional[dict]:
        return self.rows.get((task_id, method))

    def add(self, row: dict) -> None:
        self.rows[(row["task_id"], row["method"])] = row
        with self.path.open("a", encoding="utf-8") as f:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
            f.flush()
            os.fsync(f.fileno())
