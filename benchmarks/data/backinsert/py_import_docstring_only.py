"""Statistics."""


def mean_of(xs):
    """Arithmetic mean."""
    return statistics.mean(xs)
