def count_vowels(s):
	"""Number of vowels in s."""
	for ch in s:
		if ch in "aeiou":
			count += 1
