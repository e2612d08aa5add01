//! Width, case and whitespace folding.

use unicode_normalization::UnicodeNormalization;

/// Folds full-width letters, digits and punctuation to their ASCII forms
/// (NFKC), lower-cases Latin letters, turns control characters into spaces
/// and collapses runs of whitespace into one space.
///
/// NFKC is what makes `ＡＩ` and `AI`, `２０２２` and `2022` the same
/// token; lower-casing makes `5G` and `5g` one.
///
/// Speed: the NFKC machinery costs more than jieba's segmentation of the
/// same text, yet news text is almost all CJK ideographs and ASCII, which
/// NFKC leaves alone. So only the runs around other characters go through
/// it; the result is identical to NFKC-ing the whole text (a test checks).
pub fn normalise(text: &str) -> String {
    let mut out = Folded::with_capacity(text.len());
    // Start (byte offset) of a run that must go through NFKC.
    let mut slow_from: Option<usize> = None;
    // The last stable character, not yet written: if a combining mark
    // follows, NFKC may compose the two, so it joins that run.
    let mut held: Option<(usize, char)> = None;
    for (i, ch) in text.char_indices() {
        if is_nfkc_boundary(ch) {
            if let Some(start) = slow_from.take() {
                text[start..i].nfkc().for_each(|c| out.push(c));
            } else if let Some((_, previous)) = held {
                out.push(previous);
            }
            held = Some((i, ch));
        } else if slow_from.is_none() {
            slow_from = Some(held.take().map_or(i, |(start, _)| start));
        }
    }
    if let Some(start) = slow_from {
        text[start..].nfkc().for_each(|c| out.push(c));
    } else if let Some((_, last)) = held {
        out.push(last);
    }
    out.text
}

/// Characters NFKC maps to themselves and never combines with what comes
/// before (ASCII, CJK unified ideographs): text can be split before them
/// and normalised piecewise with the same result.
fn is_nfkc_boundary(ch: char) -> bool {
    ch.is_ascii() || is_cjk_ideograph(ch)
}

fn is_cjk_ideograph(ch: char) -> bool {
    matches!(ch, '\u{4E00}'..='\u{9FFF}' | '\u{3400}'..='\u{4DBF}')
}

/// The case and whitespace folding applied to each NFKC character.
struct Folded {
    text: String,
    pending_space: bool,
}

impl Folded {
    fn with_capacity(capacity: usize) -> Self {
        Self {
            text: String::with_capacity(capacity),
            pending_space: false,
        }
    }

    fn push(&mut self, ch: char) {
        if ch.is_whitespace() || ch.is_control() {
            self.pending_space = !self.text.is_empty();
            return;
        }
        if self.pending_space {
            self.text.push(' ');
            self.pending_space = false;
        }
        if ch.is_ascii() {
            self.text.push(ch.to_ascii_lowercase());
        } else if is_cjk_ideograph(ch) {
            self.text.push(ch);
        } else {
            self.text.extend(ch.to_lowercase());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The plain definition: NFKC over the whole text, then folding.
    fn reference(text: &str) -> String {
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

    /// Characters where piecewise NFKC could go wrong: combining marks
    /// after ASCII and after ideographs, Hangul jamo that compose, full-width
    /// forms, ligatures, compatibility ideographs, Kangxi radicals, spaces.
    const TRICKY: &[char] = &[
        'a',
        'E',
        'z',
        '1',
        ' ',
        '\t',
        '\n',
        '\u{0}',
        ',',
        '港',
        '口',
        '丽',
        '\u{3400}',
        '\u{0301}',
        '\u{0308}',
        '\u{0323}',
        '\u{3099}',
        '\u{309A}',
        'か',
        'ｶ',
        'ﾞ',
        '\u{1100}',
        '\u{1161}',
        '\u{11A8}',
        '가',
        'Ａ',
        'ｚ',
        '２',
        '，',
        '　',
        'ﬁ',
        'Ⅻ',
        '㍿',
        '\u{F900}',
        '\u{2F00}',
        '\u{2F800}',
        'İ',
        'Σ',
        'ς',
        '\u{00A0}',
        '\u{2028}',
        '🚀',
        'é',
        'Å',
        '\u{212B}',
        'ё',
        '\u{0627}',
        '\u{0653}',
    ];

    #[test]
    fn matches_whole_text_nfkc_on_tricky_sequences() {
        let mut state = 0x9E37_79B9_7F4A_7C15_u64;
        for _ in 0..20_000 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let len = (state % 12) as usize;
            let text: String = (0..len)
                .map(|k| TRICKY[((state >> (k * 5)) % TRICKY.len() as u64) as usize])
                .collect();
            assert_eq!(normalise(&text), reference(&text), "{text:?}");
        }
    }

    #[test]
    fn combining_marks_compose_with_the_character_before_them() {
        assert_eq!(normalise("Cafe\u{0301}"), "café");
        assert_eq!(normalise("港e\u{0301}口"), "港é口");
        assert_eq!(normalise("\u{1100}\u{1161}"), "가");
    }
}
