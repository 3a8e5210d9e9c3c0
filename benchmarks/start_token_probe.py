"""The evaluation with the llama.cpp runtime's document-start token replaced (``START``: a token
id, or ``none`` for no start token on text prompts), to measure what the first token does to the
instruct model (docs/baseline.md). Run at 9ffb4a9 (before tokens.document_start, when llama.cpp put
Qwen's ``<|endoftext|>`` first); rows in benchmarks/results/start_token/::

    START=151645 PYTHONPATH=. python benchmarks/start_token_probe.py --benchmark humaneval --runtime llamacpp \
        --threads 1 --max-lines 32 --methods autoregressive --limit 40 --out /tmp/start-imend --results-md ''
"""
import os, sys
sys.path.insert(0, os.getcwd())
from jumpcoder_lsp.runtime import llamacpp_runtime as M
from jumpcoder_lsp.runtime import tokens as T
start = os.environ["START"]
orig_init = M.LlamaCppRuntime.__init__
def init(self, *a, **kw):
    orig_init(self, *a, **kw)
    if start != "none":
        self.start_id = int(start)
M.LlamaCppRuntime.__init__ = init
if start == "none":
    orig = M.LlamaCppRuntime.prompt_ids
    def prompt_ids(self, prompt):
        if isinstance(prompt, (str, T.Special)):
            prompt = (prompt,)
        if prompt and not isinstance(prompt[0], T.Special):
            return T.encode_prompt(prompt, self.special_id, self._text_ids)
        return orig(self, prompt)
    M.LlamaCppRuntime.prompt_ids = prompt_ids
from jumpcoder_lsp.evaluation.run import main
raise SystemExit(main(sys.argv[1:]))
