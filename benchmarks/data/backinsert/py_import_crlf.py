"""Top-k helpers."""
import os
import sys


def top_k(nums, k):
    """Return the k largest numbers."""
    best = heapq.nlargest(k, nums)
