# Copyright 2024 Example Corp.
# Licensed under the MIT license.
"""Paths."""


def home_file(name):
    """A file in the home directory."""
    return pathlib.Path.home() / name
