"""The language server (pygls): documents, the model worker, features. Entry points:
:func:`jumpcoder_lsp.server.main.add_serve_subcommand` / :func:`~jumpcoder_lsp.server.main.main_serve`
for ``jumpcoder-lsp serve``, and ``python -m jumpcoder_lsp.server``."""
