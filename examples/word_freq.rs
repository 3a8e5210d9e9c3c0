// Cursor on line 8 (the blank line in the body): `HashMap::new()` needs
// `use std::collections::HashMap;`, which the file does not have yet.

/// How often each word of `text` occurs, lower-cased.
pub fn word_freq(text: &str) -> Vec<(String, usize)> {
    let mut counts = HashMap::new();
    for w in text.split_whitespace() {

