def group_by_length(words):
    """Group the words by their length: a dict from each length to the list of its words."""
    groups = {}
    for w in words:
        groups.setdefault(len(w), []).append(w)

