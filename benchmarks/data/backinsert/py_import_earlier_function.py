import os


def shuffled(xs):
    """A shuffled copy."""
    ys = list(xs)
    random.shuffle(ys)
    return ys


def size(path):
    """Size of a file."""
