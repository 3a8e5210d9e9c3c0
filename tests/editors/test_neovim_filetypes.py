"""The Neovim plugin's fallback filetypes (editors/neovim/lua/jumpcoder/init.lua: where it starts
a server before any server has reported its languages) name every language the server has, so a
buffer of a newly supported language starts the server instead of being ignored."""

import re
from pathlib import Path

from jumpcoder_lsp.languages import language_ids

INIT = Path(__file__).resolve().parents[2] / "editors" / "neovim" / "lua" / "jumpcoder" / "init.lua"


def test_every_server_language_has_a_fallback_filetype_that_starts_the_server():
    block = re.search(r"M\.FALLBACK_FILETYPES = \{(.*?)\}", INIT.read_text(), re.S)
    assert block, "M.FALLBACK_FILETYPES not found in init.lua"
    fallback = set(re.findall(r"'([^']+)'", block.group(1)))
    for language, ids in language_ids().items():
        assert fallback & set(ids), f"no fallback filetype starts the server for {language} ({ids})"
