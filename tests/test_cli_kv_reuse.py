"""``jumpcoder-lsp complete --kv-reuse``: validated by the parser, handed to the model loader."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from jumpcoder_lsp import cli, loading


def test_kv_reuse_defaults_to_prefix_and_refuses_unknown_modes(capsys):
    parser = cli.build_parser()
    assert parser.parse_args(["complete", "x.py", "--line", "1"]).kv_reuse == "prefix"
    assert parser.parse_args(["complete", "x.py", "--line", "1", "--kv-reuse", "pie"]).kv_reuse == "pie"
    with pytest.raises(SystemExit):
        parser.parse_args(["complete", "x.py", "--line", "1", "--kv-reuse", "suffix"])
    assert "invalid choice: 'suffix'" in capsys.readouterr().err


def test_complete_passes_kv_reuse_to_the_loader(tmp_path, monkeypatch):
    got = {}

    class Stop(Exception):
        pass

    def fake_pair(*args, **kwargs):
        got.update(kwargs)
        raise Stop

    monkeypatch.setattr(loading, "load_model_pair", fake_pair)
    path = tmp_path / "x.py"
    path.write_text("def f():\n")
    with pytest.raises(Stop):
        cli.main(["complete", str(path), "--line", "2", "--kv-reuse", "pie", "--quiet"])
    assert got["kv_reuse"] == "pie"
