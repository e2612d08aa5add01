//! What of an article may appear in logs: a short prefix, never the text.

/// The first `max_chars` characters of `text`, with `…` when cut.
pub fn text_prefix(text: &str, max_chars: usize) -> String {
    match text.char_indices().nth(max_chars) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::text_prefix;

    #[test]
    fn cuts_at_characters_and_marks_the_cut() {
        assert_eq!(text_prefix("港口扩建工程开工", 2), "港口…");
        assert_eq!(text_prefix("港口", 2), "港口");
        assert_eq!(text_prefix("港口", 0), "…");
        assert_eq!(text_prefix("", 0), "");
    }
}
