"""Benchmark harness: HumanEval, MBPP and MultiPL-E Java / C++ / C# through autoregressive,
JumpCoder (Vanilla) and JumpCoder (Filtered) on the same model pair and prompts, with the generated
code tested in a sandbox.

* :mod:`.datasets` -- the committed benchmark files (benchmarks/data/) as :class:`Problem` s
* :mod:`.sandbox` -- process isolation and limits for running generated code
* :mod:`.execution` -- assembling programs, toolchains, error classes
* :mod:`.run` -- the harness (``python benchmarks/eval.py`` / ``jumpcoder-lsp eval``)
* :mod:`.report` -- summary tables and docs/results.md
"""

from .run import add_eval_subcommand, main

__all__ = ["add_eval_subcommand", "main"]
