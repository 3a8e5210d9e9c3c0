def total_area(radii):
	"""Sum of the areas of circles."""
	total = 0
	for r in radii:
		total += circle_area(r)
