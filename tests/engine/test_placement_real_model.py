"""Issue 15's placement on the real default model (Qwen2.5-Coder-0.5B, torch): the import the
buffer lacks lands at the sorted position of the existing block, below the module docstring."""

import pytest

from jumpcoder_lsp.engine import EngineConfig, complete
from jumpcoder_lsp.engine.apply import apply_completion
from jumpcoder_lsp.languages import get_language

pytestmark = [pytest.mark.real_model, pytest.mark.timeout(1200)]

PY = get_language("python")

BUFFER = (
    '"""Top-k helpers."""\n'
    "import os\n"
    "import sys\n"
    "\n"
    "\n"
    "def top_k(nums, k):\n"
    '    """Return the k largest numbers."""\n'
    "    best = heapq.nlargest(k, nums)\n"
)


@pytest.fixture(scope="module")
def models():
    from jumpcoder_lsp.loading import load_model_pair

    return load_model_pair("qwen2.5-coder-0.5b", runtime="torch", threads=1)


def test_real_model_import_goes_to_the_sorted_position_of_the_block(models):
    line = BUFFER.count("\n")
    result = complete(BUFFER, line, 0, models=models, language=PY, config=EngineConfig(max_lines=4))
    assert (1, "import heapq\n") in [(i.before_line, i.text) for i in result.insertions]
    new = apply_completion(BUFFER, line, 0, result)
    assert new.startswith('"""Top-k helpers."""\nimport heapq\nimport os\nimport sys\n\n\ndef top_k(nums, k):\n')
    assert "heapq" not in {u.name for u in PY.undefined_names(new)}
