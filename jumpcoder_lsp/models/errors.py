"""Errors of the model layer: one base class, so callers (the CLI, the server) can show a one-line message."""

from __future__ import annotations


class ModelError(Exception):
    """A model could not be found, fetched, verified, converted or resolved."""


class PresetError(ModelError):
    """A preset file is missing, malformed or unknown."""


class FetchError(ModelError):
    """No source delivered the model file."""


class VerifyError(ModelError):
    """A model file does not have the expected size or sha256."""
