use std::io::{self, Read};

/// How often each word of standard input occurs, lower-cased, most frequent first.
pub fn word_freq() -> io::Result<Vec<(String, usize)>> {
    let mut text = String::new();
    io::stdin().read_to_string(&mut text)?;
    let mut counts = HashMap::new();
    for w in text.split_whitespace() {

