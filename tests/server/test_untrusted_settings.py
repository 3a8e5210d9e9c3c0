"""Settings are untrusted input: a client (a repository's .vscode/settings.json, anything that
reaches the server) cannot make the server import or run code by naming a scripted model. Only
the server process's own environment (JUMPCODER_LSP_ALLOW_SCRIPTED=1) or ``serve --allow-scripted``
lets client settings name one, and then only a function registered in
jumpcoder_lsp/server/scripted.py."""

from __future__ import annotations

import pytest
from lsprotocol import types
from pytest_lsp import ClientServerConfig

from .conftest import DEMO, SCRIPTED, SERVER_COMMAND, SERVER_ENV, Editor, _stop_editor, make_client

pytestmark = [pytest.mark.asyncio, pytest.mark.timeout(60)]

ABORT = "scripted:os:abort"  # imported and called by the old loader: the server process died
NOT_ALLOWED = {"JUMPCODER_LSP_ALLOW_SCRIPTED": "0", "JUMPCODER_LSP_MODEL": DEMO}  # the process's own model


def change_settings(ed: Editor, settings: dict) -> None:
    ed.client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings={"jumpcoder": settings}))


async def test_a_scripted_model_in_initialization_options_is_refused_without_the_env_var(make_editor):
    ed = await make_editor({"model": ABORT, "infillModel": SCRIPTED + "failing"}, env=NOT_ALLOWED)
    [msg] = await ed.wait_errors(1)
    assert "initializationOptions" in msg and ABORT in msg and "--allow-scripted" in msg and "infillModel" in msg
    st = await ed.status()
    assert st["state"] == "ready" and st["model"] == "scripted demo"  # the process's own JUMPCODER_LSP_MODEL
    assert st["config"]["model"] == DEMO and st["config"]["infillModel"] is None


async def test_a_scripted_model_in_did_change_configuration_is_refused_without_the_env_var(make_editor):
    ed = await make_editor({"debounceMs": 0}, env=NOT_ALLOWED)
    for spec in (ABORT, SCRIPTED + "failing"):  # unregistered or registered: no client may name either
        change_settings(ed, {"model": spec})
        msg = (await ed.wait_errors(len(ed.errors()) + 1))[-1]
        assert "invalid settings" in msg and spec in msg and "refused" in msg
    change_settings(ed, {"infillModel": ABORT, "debounceMs": 5})
    await ed.wait_errors(3)
    st = await ed.status(wait_idle=True)  # the process is alive and answers
    assert st["state"] == "ready" and st["model"] == "scripted demo" and st["error"] is None
    assert (st["config"]["model"], st["config"]["infillModel"], st["config"]["debounceMs"]) == (DEMO, None, 5)


async def test_with_the_env_var_only_registered_scripted_models_load(make_editor):
    ed = await make_editor({"model": ABORT}, env={"JUMPCODER_LSP_MODEL": DEMO})  # SERVER_ENV allows scripted
    [msg] = await ed.wait_errors(1)
    assert ABORT in msg and "scripted model spec must be" in msg
    change_settings(ed, {"model": ABORT})
    await ed.wait_errors(2)
    change_settings(ed, {"model": SCRIPTED + "engine_pair"})  # registered: accepted and loaded
    st = await ed.wait_ready()
    while st["model"] != "scripted engine pair":
        await ed.client.wait_for_notification(types.PROGRESS)
        st = await ed.wait_ready()
    assert st["state"] == "ready" and len(ed.errors()) == 2


async def test_the_serve_flag_allow_scripted_lets_client_settings_name_a_registered_model():
    env = {k: v for k, v in SERVER_ENV.items() if k != "JUMPCODER_LSP_ALLOW_SCRIPTED"}
    config = ClientServerConfig(server_command=SERVER_COMMAND + ["--allow-scripted"], client_factory=make_client,
                                server_env=env)
    client = await config.start()
    ed = client.editor = Editor(client, "vscode")
    try:
        await ed.start({"model": DEMO})
        st = await ed.wait_ready()
        assert st["state"] == "ready" and st["model"] == "scripted demo" and not ed.errors()
    finally:
        await _stop_editor(ed)
