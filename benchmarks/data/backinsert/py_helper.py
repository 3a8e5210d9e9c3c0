def is_palindrome(text):
    """True when text reads the same backwards, ignoring case and punctuation."""
    s = normalize(text)
