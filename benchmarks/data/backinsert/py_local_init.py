def min_sub_array_sum(nums):
    """Smallest sum of a contiguous subarray."""
    min_sum = float("inf")
    for i in range(len(nums)):
        for j in range(i, len(nums)):
            curr_sum += nums[j]
