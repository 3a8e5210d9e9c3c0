"""The chat-format prompt (``--prompt-format chat``): the protocol the model's published figures use.

Qwen2.5-Coder's technical report gives its Instruct models' HumanEval scores (0.5B 61.6, 1.5B 70.7)
from a chat prompt, not from the completion prompt the JumpCoder paper (and :mod:`.run`'s default)
uses. Its evaluation code (QwenLM/Qwen2.5-Coder, ``qwencoder-eval/instruct/eval_plus/model.py``,
class ``ChatML``, run by ``test.sh`` with ``--greedy``) sends:

* system: "You are an intelligent programming assistant to produce Python algorithmic solutions"
* user: "Can you complete the following Python function?" then the problem's prompt (stripped) in a
  ```` ```python ```` fence;
* and starts the assistant's reply with ```` ```python ```` and a newline, so the model writes code
  at once; decoding is greedy and stops at ``"\\n```"``, ``"\\nif __name__"``, ``"\\ndef main("``,
  ``"\\nprint("`` or ``"\\n#"`` (test code after the function), or at the end of the message.

This module uses the same wording, reply start and stop strings, rendered with the preset's chat
template (:class:`jumpcoder_lsp.models.presets.ChatTemplate`, ChatML for Qwen), greedy, without bad
words, at most :data:`MAX_NEW_TOKENS` tokens (Qwen's harness allows 2048; every reply it needs ends
far sooner, and a reply that runs on costs minutes on a CPU: ``finish`` says when the cap was hit).

The code is the first fenced block of the reply (the reply start opens it; it ends at the closing
fence or at the end of the reply; a reply without a fence is code as a whole). A block that defines
the problem's function is a full function: it replaces the prompt's stub (the prompt up to the
function's ``def`` line is kept, so its imports and helper functions stay); any other block is the
body and is appended to the prompt (indented by four spaces when it starts at column 0). Qwen's
harness instead runs the reply alone after EvalPlus's sanitizer; keeping the prompt's imports can
only help a reply that forgot them.

Only the autoregressive method exists in this format: JumpCoder's infills and judges are defined on
the code document (a completion prompt), not on a conversation.
"""

from __future__ import annotations

import re
import time
from typing import Optional

from ..runtime.base import GenRequest
from .datasets import Problem
from .execution import assemble

SYSTEM = "You are an intelligent programming assistant to produce Python algorithmic solutions"
USER = "Can you complete the following Python function?\n```python\n{prompt}\n```\n"
REPLY_START = "```python\n"
#: generation ends at the first of these in the reply (Qwen's ChatML stop strings)
STOP_STRINGS = ("\n```", "\nif __name__", "\ndef main(", "\nprint(", "\n#")
MAX_NEW_TOKENS = 1024
#: the languages the format is written for (the wording and the stub rule are Python's)
LANGUAGES = ("python",)

_FENCE_OPEN = re.compile(r"^[ \t]*```[\w+.-]*[ \t]*$")
_FENCE_CLOSE = re.compile(r"^[ \t]*```[ \t]*$")


def settings() -> dict:
    """The protocol, as the run's metadata records it."""
    return {"system": SYSTEM, "user": USER, "reply_start": REPLY_START, "stop_strings": list(STOP_STRINGS),
            "max_new_tokens": MAX_NEW_TOKENS, "bad_words": False, "decoding": "greedy",
            "source": "QwenLM/Qwen2.5-Coder qwencoder-eval/instruct/eval_plus/model.py (ChatML)"}


def messages(problem: Problem) -> list[tuple[str, str]]:
    return [("system", SYSTEM), ("user", USER.format(prompt=problem.prompt.strip()))]


def stop_rule(text: str) -> Optional[int]:
    """Keep the reply up to the first stop string (excluded); None while none has appeared."""
    cuts = [i for i in (text.find(s) for s in STOP_STRINGS) if i >= 0]
    return min(cuts) if cuts else None


def first_block(reply: str) -> str:
    """The first fenced block of ``reply`` (its lines between the opening fence and the closing one
    or the end of the reply), or the whole reply when it has no opening fence."""
    lines = reply.splitlines(keepends=True)
    start = next((i for i, line in enumerate(lines) if _FENCE_OPEN.match(line.rstrip("\n"))), None)
    if start is None:
        return reply
    body = []
    for line in lines[start + 1:]:
        if _FENCE_CLOSE.match(line.rstrip("\n")):
            break
        body.append(line)
    return "".join(body)


def _def_line(code: str, name: str) -> Optional[re.Match]:
    return re.search(rf"^[ \t]*(?:async[ \t]+)?def[ \t]+{re.escape(name)}[ \t]*\(", code, re.M) if name else None


def code_from_block(problem: Problem, block: str) -> str:
    """The program text (without tests) for a reply's code block: a full function replaces the
    prompt's stub, a body is appended to the prompt."""
    if block and not block.endswith("\n"):
        block += "\n"
    if _def_line(block, problem.entry_point):
        stub = _def_line(problem.prompt, problem.entry_point)
        head = problem.prompt[:stub.start()] if stub else ""
        if head and not head.endswith("\n"):
            head += "\n"
        return head + block
    first = next((line for line in block.splitlines() if line.strip()), "")
    if first and not first[0].isspace():
        block = "".join("    " + line if line.strip() else line for line in block.splitlines(keepends=True))
    prompt = problem.prompt if problem.prompt.endswith("\n") else problem.prompt + "\n"
    return prompt + block


def generate(problem: Problem, *, models, template, clear=lambda: None) -> dict:
    """One chat-format answer: the row fields :func:`jumpcoder_lsp.evaluation.run.generate` gives,
    plus the reply."""
    prompt = template.render(messages(problem), REPLY_START)
    clear()
    t0 = time.perf_counter()
    out = models.gen.generate([GenRequest(prompt, stop=stop_rule, max_new_tokens=MAX_NEW_TOKENS)])[0]
    seconds = time.perf_counter() - t0
    reply = REPLY_START + out.text
    code, program = assemble(code_from_block(problem, first_block(reply)), "", problem.tests, ())
    return {
        "engine_method": "autoregressive:chat",
        "code": code,
        "raw_code": code,
        "reply": reply,
        "program": program,
        "jumps": [],
        "n_jumps": 0,
        "n_steps": 1,
        "stop_reason": out.finish,
        "infills": {"tried": 0, "rejected": {}},
        "gen_seconds": round(seconds, 3),
        "tokens": len(out.tokens),
    }
