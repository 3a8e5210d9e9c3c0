from __future__ import annotations

import os


def newest(paths):
    """The newest file."""
    return max(paths, key=lambda p: os.path.getmtime(p))


def pick(xs):
    """A random element."""
    return random.choice(xs)
