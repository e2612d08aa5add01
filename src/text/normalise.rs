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
/// same text, yet news text is almost all CJK ideographs, ASCII and CJK
/// punctuation, which NFKC maps one to one. So only the runs around other
/// characters go through it; the result is identical to NFKC-ing the whole
/// text (a test checks).
pub fn normalise(text: &str) -> String {
    let mut out = Folded::with_capacity(text.len());
    // Start (byte offset) of a run that must go through NFKC.
    let mut slow_from: Option<usize> = None;
    // The last stable character, not yet written: if a combining mark
    // follows, NFKC may compose the two, so it joins that run.
    let mut held: Option<(usize, Simple)> = None;
    for (i, ch) in text.char_indices() {
        if let Some(folded) = simple_nfkc(ch) {
            if let Some(start) = slow_from.take() {
                text[start..i].nfkc().for_each(|c| out.push(c));
            } else if let Some((_, previous)) = held {
                out.push_simple(previous);
            }
            held = Some((i, folded));
        } else if slow_from.is_none() {
            slow_from = Some(held.take().map_or(i, |(start, _)| start));
        }
    }
    if let Some(start) = slow_from {
        text[start..].nfkc().for_each(|c| out.push(c));
    } else if let Some((_, last)) = held {
        out.push_simple(last);
    }
    out.text
}

/// A character whose NFKC form is one known character (see [`simple_nfkc`]).
#[derive(Debug, Clone, Copy, PartialEq)]
enum Simple {
    /// Folds to this ASCII character.
    Ascii(char),
    /// Is its own NFKC form and has no case and no whitespace or control
    /// meaning, so it is copied as it is (CJK ideographs and punctuation):
    /// by far the most common case, kept off the Unicode tables.
    Caseless(char),
}

/// The NFKC form of characters that NFKC maps to one character that never
/// combines with what comes before it (a normalisation boundary): ASCII, CJK
/// ideographs, CJK punctuation and quotes, full-width ASCII forms. Text can
/// be split before them and normalised piecewise with the same result.
fn simple_nfkc(ch: char) -> Option<Simple> {
    match ch {
        '\0'..='\u{7F}' => Some(Simple::Ascii(ch)),
        '\u{4E00}'..='\u{9FFF}' | '\u{3400}'..='\u{4DBF}' => Some(Simple::Caseless(ch)),
        // 、。〃 and the CJK brackets 〈〉《》「」『』【】
        '\u{3001}'..='\u{3003}' | '\u{3008}'..='\u{3011}' => Some(Simple::Caseless(ch)),
        // ‘ ’ “ ” — ·
        '\u{2018}' | '\u{2019}' | '\u{201C}' | '\u{201D}' | '\u{2014}' | '\u{00B7}' => {
            Some(Simple::Caseless(ch))
        }
        // Full-width ASCII (！ to ～) and the ideographic space.
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(ch as u32 - 0xFEE0).map(Simple::Ascii),
        '\u{3000}' => Some(Simple::Ascii(' ')),
        _ => None,
    }
}

/// An upper bound on `normalise(text).chars().count()`, found without
/// building the normalised text: one character for each character NFKC
/// keeps as it is (nearly all news text), otherwise the length of its
/// compatibility decomposition after lower-casing. Composition and the
/// collapsing of whitespace only shorten.
///
/// Why: NFKC can turn one character into eighteen (U+FDFA), so a request
/// within the character limit could still make seconds of work; the
/// service bounds this number before any segmentation is done. Cost: one
/// pass, a table lookup per uncommon character.
pub fn normalised_len_bound(text: &str) -> usize {
    normalised_len_bound_up_to(text, usize::MAX)
}

/// [`normalised_len_bound`], but stops counting once past `limit` (and
/// returns a number above it): refusing an oversized text costs no more
/// than reading as much of it as the limit allows.
pub fn normalised_len_bound_up_to(text: &str, limit: usize) -> usize {
    let mut total = 0usize;
    for len in text.chars().map(|ch| {
        if simple_nfkc(ch).is_some() {
            return 1;
        }
        let mut len = 0;
        unicode_normalization::char::decompose_compatible(ch, |part| {
            len += if part.is_ascii() {
                1
            } else {
                part.to_lowercase().count()
            };
        });
        len
    }) {
        total = total.saturating_add(len);
        if total > limit {
            break;
        }
    }
    total
}

/// A CJK unified ideograph, basic block or Extension A.
pub(crate) fn is_han(ch: char) -> bool {
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

    fn push_simple(&mut self, simple: Simple) {
        match simple {
            Simple::Ascii(ch) => self.push(ch),
            Simple::Caseless(ch) => {
                self.flush_space();
                self.text.push(ch);
            }
        }
    }

    fn flush_space(&mut self) {
        if self.pending_space {
            self.text.push(' ');
            self.pending_space = false;
        }
    }

    fn push(&mut self, ch: char) {
        if ch.is_whitespace() || ch.is_control() {
            self.pending_space = !self.text.is_empty();
            return;
        }
        self.flush_space();
        if ch.is_ascii() {
            self.text.push(ch.to_ascii_lowercase());
        } else if is_han(ch) {
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
    const TRICKY: &str = concat!(
        "aEz1 \t\n\u{0},港口丽\u{3400}",
        "\u{0301}\u{0308}\u{0323}\u{3099}\u{309A}かｶﾞ",
        "\u{1100}\u{1161}\u{11A8}가Ａｚ２，　ﬁⅫ㍿\u{F900}\u{2F00}\u{2F800}",
        "İΣς\u{00A0}\u{2028}🚀éÅ\u{212B}ё\u{0627}\u{0653}",
        "、。《】“”‘—·（：…％\u{FF5E}\u{FF5F}",
    );

    #[test]
    fn simple_characters_are_their_own_nfkc() {
        let simple = (0..=0x10FFFF)
            .filter_map(char::from_u32)
            .filter_map(|c| simple_nfkc(c).map(|folded| (c, folded)));
        for (ch, folded) in simple {
            let nfkc: Vec<char> = ch.to_string().nfkc().collect();
            let (Simple::Ascii(folded) | Simple::Caseless(folded)) = folded;
            assert_eq!(nfkc, vec![folded], "{ch:?}");
            if let Some(Simple::Caseless(_)) = simple_nfkc(ch) {
                // Copied as is: must need none of `push`'s folding.
                assert!(
                    !ch.is_ascii() && !ch.is_whitespace() && !ch.is_control(),
                    "{ch:?}"
                );
                assert_eq!(ch.to_lowercase().collect::<Vec<_>>(), vec![ch], "{ch:?}");
            }
        }
    }

    #[test]
    fn matches_whole_text_nfkc_on_tricky_sequences() {
        let tricky: Vec<char> = TRICKY.chars().collect();
        let mut state = 0x9E37_79B9_7F4A_7C15_u64;
        for _ in 0..20_000 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let len = (state % 12) as usize;
            let text: String = (0..len)
                .map(|k| tricky[((state >> (k * 5)) % tricky.len() as u64) as usize])
                .collect();
            assert_eq!(normalise(&text), reference(&text), "{text:?}");
        }
    }

    #[test]
    fn length_bound_holds_and_is_exact_for_plain_text() {
        for text in [
            TRICKY,
            "港口扩建 Port ２０２２",
            "\u{FDFA}\u{FDFA}",
            "İİ㍿ﬃ",
            "",
        ] {
            let actual = normalise(text).chars().count();
            assert!(normalised_len_bound(text) >= actual, "{text:?}");
        }
        assert_eq!(normalised_len_bound("港口扩建工程，ＡＩ"), 9);
        // One U+FDFA becomes 18 characters.
        assert_eq!(normalised_len_bound("\u{FDFA}"), 18);
        assert_eq!(normalise("\u{FDFA}").chars().count(), 18);
        // Counting stops just past the limit.
        let long = "\u{FDFA}".repeat(1000);
        let stopped = normalised_len_bound_up_to(&long, 100);
        assert!((101..=118).contains(&stopped), "{stopped}");
    }

    #[test]
    fn combining_marks_compose_with_the_character_before_them() {
        assert_eq!(normalise("Cafe\u{0301}"), "café");
        assert_eq!(normalise("港e\u{0301}口"), "港é口");
        assert_eq!(normalise("\u{1100}\u{1161}"), "가");
    }
}
