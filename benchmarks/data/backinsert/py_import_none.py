def product(nums):
    """Multiply all numbers."""
    return reduce(lambda a, b: a * b, nums)
