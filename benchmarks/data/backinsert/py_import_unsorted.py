import sys
import os


def top_k(nums, k):
    """Return the k largest numbers."""
    best = heapq.nlargest(k, nums)
