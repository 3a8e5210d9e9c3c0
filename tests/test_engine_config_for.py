"""k and tau per language: the preset TOML is their only source, and ``loading.engine_config_for``
is the one merge (engine defaults, then the preset's per-language values, then what the user set)
that the CLI, the server and the evaluation share."""

import argparse
import tomllib
from dataclasses import replace
from pathlib import Path

import pytest

from jumpcoder_lsp import cli
from jumpcoder_lsp.config import ServerConfig
from jumpcoder_lsp.engine import EngineConfig
from jumpcoder_lsp.evaluation import run as evalrun
from jumpcoder_lsp.loading import DEFAULT_PRESET, engine_config_for

PRESET_TOML = Path(__file__).resolve().parents[1] / "models" / f"{DEFAULT_PRESET}.toml"
LANGUAGES = ("python", "java", "cpp", "csharp")


def toml_k_tau(language: str) -> tuple[int, float]:
    table = tomllib.loads(PRESET_TOML.read_text(encoding="utf-8"))["languages"][language]
    return table["k"], table["tau"]


@pytest.mark.parametrize("language", LANGUAGES)
def test_each_language_gets_the_preset_tomls_k_and_tau(language):
    config = engine_config_for(None, language, {})
    assert (config.k, config.tau) == toml_k_tau(language)
    assert replace(config, k=EngineConfig.k, tau=EngineConfig.tau) == EngineConfig()  # the rest: defaults
    assert engine_config_for(DEFAULT_PRESET, language, {}) == config  # None is the default preset


def test_csharp_takes_the_tomls_k_not_the_python_default():
    assert toml_k_tau("csharp")[0] == 10 != EngineConfig().k
    assert engine_config_for(None, "csharp", {}).k == 10


@pytest.mark.parametrize("language", LANGUAGES)
def test_what_the_user_set_wins_and_what_they_did_not_set_stays_the_presets(language):
    k, tau = toml_k_tau(language)
    assert (engine_config_for(None, language, {"k": 3}).k, engine_config_for(None, language, {"k": 3}).tau) == (3, tau)
    only_tau = engine_config_for(None, language, {"tau": 0.55, "maxLines": 9})
    assert (only_tau.k, only_tau.tau, only_tau.max_lines) == (k, 0.55, 9)


def test_no_preset_leaves_the_engine_defaults_and_base_is_the_bottom_layer():
    assert engine_config_for("/no/such/model.gguf", "cpp", {"max_lines": 7}) == EngineConfig(max_lines=7)
    base = EngineConfig(k=2, tau=0.1, max_lines=11)
    merged = engine_config_for(None, "cpp", {}, base=base)
    assert (merged.k, merged.tau, merged.max_lines) == (*toml_k_tau("cpp"), 11)


def test_a_bad_override_is_refused():
    with pytest.raises(ValueError, match="unknown engine setting"):
        engine_config_for(None, "python", {"kk": 3})


def _cli(argv: list[str], language: str) -> EngineConfig:
    args = cli.build_parser().parse_args(["complete", "x.txt", "--line", "1", *argv])
    return cli.engine_config(args, language)


def _server(settings: dict, language: str) -> EngineConfig:
    return ServerConfig.from_mapping(settings).engine_for(language)


def _evaluation(argv: list[str], language: str) -> EngineConfig:
    parser = argparse.ArgumentParser()
    evalrun.add_arguments(parser)
    # --no-bad-words: the evaluation's protocol forbids them by default, the CLI and server do not
    return evalrun.engine_config(parser.parse_args(["--no-bad-words", *argv]), language)


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("argv,settings,user", [
    ([], {}, {}),
    (["--k", "3"], {"k": 3}, {"k": 3}),
    (["--tau", "0.6"], {"engine": {"tau": 0.6}}, {"tau": 0.6}),
    (["--k", "7", "--tau", "0.2", "--max-lines", "20"], {"k": 7, "tau": 0.2, "maxLines": 20},
     {"k": 7, "tau": 0.2, "max_lines": 20}),
    # the server's completeFunction runs functionPolicy (its inline requests run `policy`)
    (["--policy", "inline"], {"functionPolicy": "inline"}, {"policy": "inline"}),
])
def test_cli_server_and_evaluation_build_the_same_engine_config(language, argv, settings, user):
    expected = engine_config_for(None, language, user)
    assert _cli(argv, language) == expected
    assert _server(settings, language) == expected
    assert _evaluation(argv, language) == expected
