"""The server configuration: camelCase keys, validation once, per-key fallback."""

from __future__ import annotations

import pytest

from jumpcoder_lsp import loading
from jumpcoder_lsp.config import MODEL_ENV, ConfigError, ServerConfig
from jumpcoder_lsp.engine.config import EngineConfig


def test_defaults_are_valid_and_match_the_loader():
    c = ServerConfig()
    assert c.engine == EngineConfig() and c.model == "default" and c.infill == "default"
    # the setting accepts exactly the runtimes the loader can choose from
    for runtime in loading.RUNTIMES:
        assert ServerConfig(runtime=runtime).runtime == runtime
    with pytest.raises(ConfigError, match="runtime must be one of auto, torch, llamacpp"):
        ServerConfig(runtime="onnx")


def test_camel_case_flat_and_nested_engine_keys():
    c = ServerConfig.from_mapping(
        {"jumpcoder": {"model": "m", "infillModel": "i", "debounceMs": 50, "k": 3, "engine": {"maxLines": 20}}}
    )
    assert (c.model, c.infill, c.debounce_ms, c.engine.k, c.engine.max_lines) == ("m", "i", 50, 3, 20)
    assert c.engine_for("python", inline=True).max_lines == 8
    assert c.models_key() != ServerConfig().models_key()
    assert ServerConfig.from_mapping({"k": None}, base=c).engine.k == EngineConfig().k


def test_invalid_values_are_all_named():
    with pytest.raises(ConfigError) as err:
        ServerConfig.from_mapping({"device": "tpu", "tau": -1, "nope": 1, "enableInline": "yes"})
    msg = str(err.value)
    for word in ("device", "tau", "nope", "enableInline"):
        assert word in msg


def test_merge_keeps_previous_value_per_key():
    base = ServerConfig.from_mapping({"k": 4, "debounceMs": 20})
    c, problems = ServerConfig.merge({"k": "five", "debounceMs": 30, "dtype": "int3"}, base=base)
    assert c.engine.k == 4 and c.debounce_ms == 30 and c.dtype == "auto"
    assert len(problems) == 2


def test_environment_overrides_the_model(monkeypatch):
    monkeypatch.setenv(MODEL_ENV, "scripted:x:y")
    assert ServerConfig.from_environment().model == "scripted:x:y"


def test_to_json_round_trips():
    c = ServerConfig.from_mapping({"k": 2, "method": "filtered", "enableDiagnostics": False})
    assert ServerConfig.from_mapping(c.to_json()) == c


def test_each_language_gets_the_presets_k_and_tau_unless_the_user_set_them():
    c = ServerConfig()
    assert c.engine_for("python") == EngineConfig()  # k=5, tau=0.3: the paper's Python values
    assert (c.engine_for("java").k, c.engine_for("java").tau) == (10, 0.3)
    assert (c.engine_for("cpp").k, c.engine_for("cpp").tau) == (10, 0.8)
    assert "engineSet" not in c.to_json()
    user = ServerConfig.from_mapping({"k": 3})
    assert (user.engine_for("cpp").k, user.engine_for("cpp").tau) == (3, 0.8)  # tau still the preset's
    nested = ServerConfig.from_mapping({"engine": {"tau": 0.5}})
    assert (nested.engine_for("cpp").k, nested.engine_for("cpp").tau) == (10, 0.5)
    reset = ServerConfig.from_mapping({"k": None}, base=user)
    assert reset.engine_for("java").k == 10  # null hands k back to the preset
    assert ServerConfig.from_mapping({"engine": None}, base=nested).engine_for("cpp").tau == 0.8


def test_a_model_that_is_no_preset_keeps_the_engine_defaults():
    c = ServerConfig.from_mapping({"model": "/models/my-own-checkpoint"})
    assert c.engine_for("java") == EngineConfig()


def test_threads_is_a_model_setting_validated_once():
    c = ServerConfig.from_mapping({"threads": 1})
    assert c.threads == 1 and c.models_key() != ServerConfig().models_key()  # a change reloads the models
    with pytest.raises(ConfigError, match="threads must be an integer"):
        ServerConfig.from_mapping({"threads": 0})
    assert ServerConfig.from_mapping({"threads": None}, base=c).threads is None


# -- scripted (test) models are refused from client settings ----------------------------------

SCRIPTED_DEMO = "scripted:jumpcoder_lsp.server.scripted:demo"


@pytest.mark.parametrize("key", ["model", "infillModel"])
def test_a_client_cannot_name_a_scripted_model_unless_the_process_allows_it(monkeypatch, key):
    monkeypatch.delenv("JUMPCODER_LSP_ALLOW_SCRIPTED", raising=False)
    for spec in ("scripted:os:abort", SCRIPTED_DEMO):
        with pytest.raises(ConfigError, match="refused.*--allow-scripted"):
            ServerConfig.from_mapping({key: spec})
    base = ServerConfig.from_mapping({"model": "qwen2.5-coder-0.5b"})
    c, problems = ServerConfig.merge({"jumpcoder": {key: "scripted:os:abort", "k": 3}}, base=base)
    assert (c.model, c.infill_model, c.engine.k) == ("qwen2.5-coder-0.5b", None, 3) and len(problems) == 1


@pytest.mark.parametrize("spec", ["scripted:os:abort", "scripted:jumpcoder_lsp.server.scripted:os",
                                  "scripted:jumpcoder_lsp.server.scripted:REGISTRY", "scripted:demo"])
def test_an_allowed_client_still_names_only_registered_scripted_models(monkeypatch, spec):
    monkeypatch.setenv("JUMPCODER_LSP_ALLOW_SCRIPTED", "1")
    with pytest.raises(ConfigError, match="refused"):
        ServerConfig.from_mapping({"model": spec})
    assert ServerConfig.from_mapping({"model": SCRIPTED_DEMO, "infillModel": SCRIPTED_DEMO}).model == SCRIPTED_DEMO


def test_the_loader_imports_no_module_a_scripted_spec_names(monkeypatch):
    import sys

    from jumpcoder_lsp.server import scripted
    from jumpcoder_lsp.server.worker import ModelLoadError, load_backend

    monkeypatch.delitem(sys.modules, "this", raising=False)  # importing `this` prints the Zen: a side effect
    for spec in ("scripted:this:x", "scripted:os:abort"):
        with pytest.raises(ModelLoadError, match="scripted model spec must be"):
            load_backend(ServerConfig(model=spec), lambda *a: None)
    assert "this" not in sys.modules
    assert load_backend(ServerConfig(model=SCRIPTED_DEMO), lambda *a: None).description == "scripted demo"
    with pytest.raises(ModelLoadError, match="needs a scripted model"):  # never handed to the real loader
        load_backend(ServerConfig(infill_model=SCRIPTED_DEMO), lambda *a: None)
    assert set(scripted.REGISTRY) == {"demo", "slow_loading", "failing", "engine_pair", "engine_import", "engine_env", "engine_java_env", "engine_score", "engine_lint", "context_full",
                                      "out_of_memory", "slow_infill", "stubborn", "stepped"}


def test_inline_requests_run_the_inline_policy_and_complete_function_the_papers_by_default():
    c = ServerConfig()
    assert c.engine_for("python", inline=True).policy == "inline"
    assert c.engine_for("python").policy == "paper"  # jumpcoder.completeFunction: the thorough mode
    # each is selectable, flat or under "engine" (the engine's policy is the inline one)
    assert ServerConfig.from_mapping({"policy": "cpu"}).engine_for("java", inline=True).policy == "cpu"
    assert ServerConfig.from_mapping({"engine": {"policy": "paper"}}).engine_for("java", inline=True).policy == "paper"
    both = ServerConfig.from_mapping({"policy": "paper", "functionPolicy": "inline"})
    assert (both.engine_for("cpp", inline=True).policy, both.engine_for("cpp").policy) == ("paper", "inline")
    assert ServerConfig.from_mapping({"policy": None}, base=both).policy == "inline"
    assert ServerConfig.from_mapping(both.to_json()) == both
    with pytest.raises(ConfigError, match="functionPolicy must be one of paper, cpu, inline"):
        ServerConfig.from_mapping({"functionPolicy": "fast"})
    with pytest.raises(ConfigError, match="policy must be one of"):
        ServerConfig.from_mapping({"engine": {"policy": 3}})
    c, problems = ServerConfig.merge({"policy": "fast", "functionPolicy": "cpu"})
    assert (c.policy, c.function_policy, len(problems)) == ("inline", "cpu", 1)


def test_inline_budget_ms_is_validated_once():
    assert ServerConfig().inline_budget_ms == 500
    config, problems = ServerConfig.merge({"inlineBudgetMs": 0})
    assert config.inline_budget_ms == 0 and not problems
    for bad in (-1, 60_001, 1.5, True, "500"):
        config, problems = ServerConfig.merge({"inlineBudgetMs": bad})
        assert config.inline_budget_ms == 500 and problems and "inlineBudgetMs" in problems[0], (bad, problems)


@pytest.mark.parametrize("settings", [{"python": "/usr/bin/python3"}, {"pythonPath": "/tmp/x/python"},
                                      {"interpreter": "python"}, {"engine": {"environment": "/tmp/venv"}},
                                      {"jumpcoder": {"venv": "/tmp/venv"}}])
def test_a_client_cannot_name_the_environment_judges_interpreter(settings):
    with pytest.raises(ConfigError, match="refused: the interpreter of the environment judge is a machine-level"):
        ServerConfig.from_mapping(settings)
    config, problems = ServerConfig.merge({**settings, "debounceMs": 7})
    assert config.debounce_ms == 7 and len(problems) == 1 and "--python" in problems[0]
    assert config.engine.environment is None


def test_the_environment_is_not_a_setting_in_the_status_json():
    assert "environment" not in ServerConfig().to_json()["engine"]


def test_kv_reuse_is_a_model_setting_validated_once():
    assert ServerConfig().kv_reuse == "prefix"  # the default until docs/kvreuse.md's figures change it
    c = ServerConfig.from_mapping({"kvReuse": "pie"})
    assert c.kv_reuse == "pie" and c.models_key() != ServerConfig().models_key()  # a change reloads the models
    assert c.to_json()["kvReuse"] == "pie"
    with pytest.raises(ConfigError, match="kvReuse must be one of prefix, pie, got 'suffix'"):
        ServerConfig.from_mapping({"kvReuse": "suffix"})
    assert ServerConfig.from_mapping({"kvReuse": None}, base=c).kv_reuse == "prefix"


def test_the_server_loads_the_models_with_its_kv_reuse_setting(monkeypatch):
    from jumpcoder_lsp.server import worker

    got = {}

    class Stop(Exception):
        pass

    def fake_pair(*args, **kwargs):
        got.update(kwargs)
        raise Stop

    monkeypatch.setattr(loading, "load_model_pair", fake_pair)
    with pytest.raises(Stop):
        worker.load_real(ServerConfig.from_mapping({"kvReuse": "pie"}), lambda message, fraction=None: None)
    assert got["kv_reuse"] == "pie"


def test_lint_clean_is_on_for_inline_requests_by_default_and_off_for_complete_function():
    c = ServerConfig()
    assert c.lint_clean is True
    assert c.engine_for("python", inline=True).lint_clean is True
    assert c.engine_for("python", inline=False).lint_clean is False
    off = ServerConfig.from_mapping({"lintClean": False})
    assert off.engine_for("python", inline=True).lint_clean is False
    # under "engine" it is the same one server setting, as policy is
    nested = ServerConfig.from_mapping({"engine": {"lintClean": False}})
    assert nested == off and "lintClean" not in nested.to_json()["engine"]
    assert ServerConfig.from_mapping(off.to_json()) == off
    with pytest.raises(ConfigError, match="lintClean must be true or false"):
        ServerConfig.from_mapping({"lintClean": "yes"})
