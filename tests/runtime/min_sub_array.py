"""The paper's running example (Figure 1): a prefix that uses ``curr_sum`` before defining it and
its suffix. Shared by the runtime tests and benchmarks/runtime_probe.py so that they measure and
check the same prompt."""

PREFIX = '''def minSubArraySum(nums):
    """
    Given an array of integers nums, find the minimum sum of any non-empty sub-array
    of nums.
    Example
    minSubArraySum([2, 3, 4, 1, 2, 4]) == 1
    minSubArraySum([-1, -2, -3]) == -6
    """
    min_sum = float('inf')
    for i in range(len(nums)):
'''
SUFFIX = '''        for j in range(i, len(nums)):
            curr_sum += nums[j]
            min_sum = min(min_sum, curr_sum)
    return min_sum
'''
