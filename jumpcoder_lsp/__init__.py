"""jumpcoder-lsp: JumpCoder (jump back and insert the missing line) as a language server."""
__version__ = "0.1.0"
