"""--prompt-format chat (evaluation/chat.py): the ChatML prompt, the code taken from the reply's first
fenced block (a full function replaces the stub, a body is appended), bad words off, autoregressive
only, and --resume never mixing formats. A scripted model answers HumanEval/0."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "engine"))

from engine_scripts import EOS, FIM  # noqa: E402

from jumpcoder_lsp.engine import EngineConfig, ModelPair  # noqa: E402
from jumpcoder_lsp.evaluation import chat  # noqa: E402
from jumpcoder_lsp.evaluation import run as runmod  # noqa: E402
from jumpcoder_lsp.evaluation.datasets import load_benchmark  # noqa: E402
from jumpcoder_lsp.evaluation.run import read_rows, run_benchmark  # noqa: E402
from jumpcoder_lsp.models.presets import get_preset  # noqa: E402
from jumpcoder_lsp.runtime.scripted import ScriptedRuntime  # noqa: E402

TEMPLATE = get_preset("qwen2.5-coder-0.5b").chat
ASSISTANT = "<|im_start|>assistant\n```python\n"

# a correct has_close_elements; the comment would be cut by the paper's bad words ("#")
BODY = ("    # every pair once\n"
        "    for i, a in enumerate(numbers):\n"
        "        for b in numbers[i + 1:]:\n"
        "            if abs(a - b) < threshold:\n"
        "                return True\n"
        "    return False\n")
FULL = "def has_close_elements(numbers: List[float], threshold: float) -> bool:\n" + BODY
WRONG = "def has_close_elements(numbers, threshold):\n    return True\n"


def chat_pair(reply: str):
    """A model that answers the chat prompt (and only it) with ``reply``."""
    rt = ScriptedRuntime(lambda prompt: reply + EOS if prompt.endswith(ASSISTANT) else EOS)
    return ModelPair(rt, rt, FIM, "scripted"), rt


def run_chat(tmp_path, reply: str, **kw):
    models, rt = chat_pair(reply)
    rows = run_benchmark("humaneval", load_benchmark("humaneval", limit=1), ["autoregressive"], models=models,
                         config=EngineConfig(bad_words=True), out_dir=tmp_path, meta={"command": "test"},
                         prompt_format="chat", chat_template=TEMPLATE, **kw)
    return rows[0], rt


def test_chat_prompt_is_the_qwen_chatml_conversation_with_the_reply_opened_by_a_python_fence(tmp_path):
    row, rt = run_chat(tmp_path, FULL + "```\n")
    prompt = load_benchmark("humaneval", limit=1)[0].prompt
    assert rt.generated_prompts == [
        "<|im_start|>system\nYou are an intelligent programming assistant to produce Python algorithmic solutions"
        "<|im_end|>\n<|im_start|>user\nCan you complete the following Python function?\n```python\n"
        + prompt.strip() + "\n```\n<|im_end|>\n" + ASSISTANT]
    assert row["prompt_format"] == "chat" and row["method"] == "autoregressive" and row["n_jumps"] == 0
    meta = json.loads((tmp_path / "humaneval.run.json").read_text())
    assert meta["prompt_format"] == "chat" and meta["chat"]["bad_words"] is False
    assert meta["chat"]["user"] == chat.USER


def test_chat_fenced_full_function_replaces_the_stub_and_keeps_the_prompts_imports(tmp_path):
    row, _ = run_chat(tmp_path, FULL + "```\n\nThis checks every pair.")
    assert row["passed"], row["error"]
    assert row["code"] == "from typing import List\n\n\n" + FULL
    assert row["code"].count("def has_close_elements") == 1 and '"""' not in row["code"]
    assert "# every pair once" in row["code"]  # bad words are off in the chat format


def test_chat_fenced_body_is_appended_to_the_prompt(tmp_path):
    row, _ = run_chat(tmp_path, BODY + "```\n")
    prompt = load_benchmark("humaneval", limit=1)[0].prompt
    assert row["passed"], row["error"]
    assert row["code"] == prompt + BODY


def test_chat_reply_that_never_closes_its_fence_is_code_to_its_end(tmp_path):
    row, _ = run_chat(tmp_path, FULL)
    assert row["passed"], row["error"]
    assert row["stop_reason"] == "eos"
    assert row["code"].endswith(FULL)


def test_chat_uses_the_first_of_two_fenced_blocks(tmp_path):
    row, _ = run_chat(tmp_path, FULL + "```\n\nOr shorter:\n```python\n" + WRONG + "```\n")
    assert row["passed"], row["error"]
    assert "return True\n    return False" in row["code"] and "Or shorter" not in row["code"]


def test_chat_test_code_after_the_function_ends_the_reply(tmp_path):
    row, _ = run_chat(tmp_path, FULL + "\nprint(has_close_elements([1.0, 2.0], 0.5))\nassert False\n")
    assert row["passed"], row["error"]
    assert "print(" not in row["code"] and row["stop_reason"] == "stop"


def test_first_block_without_a_fence_is_the_whole_reply_and_the_first_of_two_otherwise():
    assert chat.first_block("def f():\n    return 1\n") == "def f():\n    return 1\n"
    two = "Here:\n```python\nx = 1\n```\ntext\n```\ny = 2\n```\n"
    assert chat.first_block(two) == "x = 1\n"
    assert chat.first_block("```py\nz = 3") == "z = 3"


def test_a_body_written_at_column_0_is_indented_into_the_function():
    problem = load_benchmark("humaneval", limit=1)[0]
    code = chat.code_from_block(problem, "return False\n")
    assert code == problem.prompt + "    return False\n"


def test_chat_with_jumpcoder_is_an_error_naming_the_reason(tmp_path):
    models, _ = chat_pair(FULL)
    with pytest.raises(ValueError, match="autoregressive method only.*completion prompts"):
        run_benchmark("humaneval", load_benchmark("humaneval", limit=1), ["autoregressive", "jumpcoder"],
                      models=models, config=EngineConfig(), out_dir=tmp_path, meta={}, prompt_format="chat",
                      chat_template=TEMPLATE)
    assert not (tmp_path / "humaneval.jsonl").exists()


def test_chat_on_a_java_benchmark_or_without_a_template_is_an_error():
    with pytest.raises(ValueError, match="python benchmarks, not java"):
        runmod.check_prompt_format("chat", ["autoregressive"], ["java"], TEMPLATE)
    with pytest.raises(ValueError, match=r"\[chat\]"):
        runmod.check_prompt_format("chat", ["autoregressive"], ["humaneval"], None)
    runmod.check_prompt_format("completion", ["autoregressive", "jumpcoder"], ["java"], None)


def test_cli_chat_with_jumpcoder_fails_before_loading_a_model(capsys):
    assert runmod.main(["--limit", "1", "--methods", "jumpcoder", "--prompt-format", "chat", "--results-md", ""]) == 1
    assert "autoregressive method only" in capsys.readouterr().err


def test_cli_chat_turns_bad_words_off_in_the_recorded_engine_settings():
    p = runmod.argparse.ArgumentParser()
    runmod.add_arguments(p)
    assert runmod.engine_config(p.parse_args(["--prompt-format", "chat"]), "python").bad_words is False
    assert runmod.engine_config(p.parse_args([]), "python").bad_words is True


def test_resume_refuses_to_mix_prompt_formats(tmp_path):
    row, _ = run_chat(tmp_path, FULL)
    assert read_rows(tmp_path / "humaneval.jsonl")[0]["prompt_format"] == "chat"
    models, _ = chat_pair(FULL)
    problems = load_benchmark("humaneval", limit=1)
    with pytest.raises(ValueError, match="prompt_format"):  # the run's settings differ
        run_benchmark("humaneval", problems, ["autoregressive"], models=models, config=EngineConfig(),
                      out_dir=tmp_path, meta={}, resume=True)
    (tmp_path / "humaneval.run.json").unlink()
    with pytest.raises(ValueError, match="rows of the chat prompt format"):  # the rows themselves say so
        run_benchmark("humaneval", problems, ["autoregressive"], models=models, config=EngineConfig(),
                      out_dir=tmp_path, meta={}, resume=True)


def test_resume_counts_an_older_run_without_prompt_format_as_completion(tmp_path):
    (tmp_path / "humaneval.run.json").write_text(json.dumps({"preset": "p", "filtered": "derive"}))
    assert runmod._settled("prompt_format", None) == "completion"
    models, _ = chat_pair(FULL)
    with pytest.raises(ValueError, match="prompt_format"):
        run_benchmark("humaneval", load_benchmark("humaneval", limit=1), ["autoregressive"], models=models,
                      config=EngineConfig(), out_dir=tmp_path, meta={"preset": "p", "filtered": "derive"},
                      resume=True, prompt_format="chat", chat_template=TEMPLATE)
