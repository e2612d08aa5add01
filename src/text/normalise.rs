//! Width, case and whitespace folding.

use unicode_normalization::UnicodeNormalization;

/// Folds full-width letters, digits and punctuation to their ASCII forms
/// (NFKC), lower-cases Latin letters, turns control characters into spaces
/// and collapses runs of whitespace into one space.
///
/// NFKC is what makes `ＡＩ` and `AI`, `２０２２` and `2022` the same
/// token; lower-casing makes `5G` and `5g` one.
pub fn normalise(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut pending_space = false;
    for ch in text.nfkc() {
        if ch.is_whitespace() || ch.is_control() {
            pending_space = !out.is_empty();
            continue;
        }
        if pending_space {
            out.push(' ');
            pending_space = false;
        }
        out.extend(ch.to_lowercase());
    }
    out
}
