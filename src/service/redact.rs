//! What of client input may appear in logs and status messages: a bounded
//! prefix, with anything that could forge a line or drive a terminal escaped.

/// How many characters of a client-chosen id (or path) a log line or status
/// message shows.
pub const ID_SHOWN_CHARS: usize = 128;

/// The first `max_chars` characters of `text`, with `…` when cut.
pub fn text_prefix(text: &str, max_chars: usize) -> String {
    match text.char_indices().nth(max_chars) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_owned(),
    }
}

/// `text` made safe for one log line: cut to `max_chars` characters (with
/// `…`), and every character that [`is_unsafe_in_log`] names, and `\`,
/// written as an escape (`\n`, `\u{1b}`, `\u{202e}`, `\\`), so the result
/// cannot end the line, colour the terminal or reorder what follows.
pub fn log_field(text: &str, max_chars: usize) -> String {
    let mut shown = String::with_capacity(text.len().min(max_chars * 4) + 3);
    for (count, c) in text.chars().enumerate() {
        if count == max_chars {
            shown.push('…');
            break;
        }
        push_escaped(&mut shown, c);
    }
    shown
}

/// Appends `c`, escaped if it is unsafe in a log line or a backslash.
pub fn push_escaped(out: &mut String, c: char) {
    if c == '\\' || is_unsafe_in_log(c) {
        out.extend(c.escape_default());
    } else {
        out.push(c);
    }
}

/// Control characters (C0, DEL, C1: newlines, ESC...), and the invisible
/// format characters that reorder or hide text on display: bidi embeddings,
/// overrides and isolates, zero-width characters, line and paragraph
/// separators, the byte-order mark.
pub fn is_unsafe_in_log(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061C}'
                | '\u{180E}'
                | '\u{200B}'..='\u{200F}'
                | '\u{2028}'..='\u{202E}'
                | '\u{2060}'..='\u{206F}'
                | '\u{FEFF}'
                | '\u{FFF9}'..='\u{FFFB}'
        )
}

#[cfg(test)]
mod tests {
    use super::{log_field, text_prefix, ID_SHOWN_CHARS};

    #[test]
    fn cuts_at_characters_and_marks_the_cut() {
        assert_eq!(text_prefix("港口扩建工程开工", 2), "港口…");
        assert_eq!(text_prefix("港口", 2), "港口");
        assert_eq!(text_prefix("港口", 0), "…");
        assert_eq!(text_prefix("", 0), "");
    }

    #[test]
    fn log_field_escapes_line_breaks_terminal_escapes_and_bidi() {
        let forged = "a\n2026-01-01T00:00:00Z  INFO forged\r\x1b[31mred\u{202e}txt\u{2028}\\n";
        let shown = log_field(forged, 1000);
        assert_eq!(
            shown,
            "a\\n2026-01-01T00:00:00Z  INFO forged\\r\\u{1b}[31mred\\u{202e}txt\\u{2028}\\\\n"
        );
        assert!(!shown.chars().any(super::is_unsafe_in_log));
        assert_eq!(log_field("\u{85}\u{7f}\0\t", 10), "\\u{85}\\u{7f}\\u{0}\\t");
    }

    #[test]
    fn log_field_keeps_ordinary_text_and_cuts_long_ids() {
        assert_eq!(
            log_field("港口 扩建-2026/a_b \"q\"", 100),
            "港口 扩建-2026/a_b \"q\""
        );
        assert_eq!(log_field("港口扩建", 2), "港口…");
        assert_eq!(log_field("", 0), "");
        let long = "x".repeat(3_000_000);
        let shown = log_field(&long, ID_SHOWN_CHARS);
        assert_eq!(shown.chars().count(), ID_SHOWN_CHARS + 1);
        assert!(shown.ends_with('…'));
        // The bound counts characters of the input, before escaping.
        assert_eq!(log_field("\n\n\n", 2), "\\n\\n…");
    }
}
