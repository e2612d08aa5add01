//! Traditional characters to simplified ones, before segmentation: jieba's
//! dictionary and every model are simplified, so `地鐵線路開通` would
//! otherwise be words the model has never seen.
//!
//! OpenCC's `t2s` conversion (characters and phrases), through the pure-Rust
//! `ferrous-opencc` (Apache-2.0). Converting costs about as much as
//! segmenting, and nearly all input is already simplified, so a text is
//! converted only when it holds a character that `t2s` changes: a set of
//! those characters is built once per process.
//!
//! Offsets the service returns are never offsets into converted text: page
//! spans index the page as sent, and evidence terms are terms, not spans.

use std::sync::OnceLock;

use ferrous_opencc::config::BuiltinConfig;
use ferrous_opencc::OpenCC;

/// The converter and the characters it changes.
struct Simplifier {
    opencc: OpenCC,
    /// One bit per code point below [`CODE_POINTS`]: set when converting the
    /// character alone changes it.
    traditional: Vec<u64>,
}

/// CJK ideographs end below U+30000 (extensions B–G included).
const CODE_POINTS: u32 = 0x3_0000;

/// Code point ranges that hold every character `t2s` maps: the ideographs
/// (unified, extensions A–G, compatibility) and a few symbols around them.
const RANGES: [(u32, u32); 4] = [
    (0x2E80, 0x4DBF),
    (0x4E00, 0x9FFF),
    (0xF900, 0xFAFF),
    (0x2_0000, 0x2_FFFF),
];

fn simplifier() -> &'static Simplifier {
    static SIMPLIFIER: OnceLock<Simplifier> = OnceLock::new();
    SIMPLIFIER.get_or_init(|| {
        let opencc = OpenCC::from_config(BuiltinConfig::T2s)
            .expect("OpenCC's t2s configuration is built into ferrous-opencc");
        let mut traditional = vec![0u64; (CODE_POINTS / 64) as usize];
        let mut buffer = [0u8; 4];
        for (start, end) in RANGES {
            for code in start..=end {
                let Some(ch) = char::from_u32(code) else {
                    continue;
                };
                let one = ch.encode_utf8(&mut buffer);
                if opencc.convert(one) != *one {
                    traditional[(code / 64) as usize] |= 1 << (code % 64);
                }
            }
        }
        Simplifier {
            opencc,
            traditional,
        }
    })
}

impl Simplifier {
    fn is_traditional(&self, ch: char) -> bool {
        let code = ch as u32;
        (0x2E80..CODE_POINTS).contains(&code)
            && self.traditional[(code / 64) as usize] & (1 << (code % 64)) != 0
    }
}

/// `text` in simplified characters; `None` when it has no character that
/// `t2s` changes (then it is left exactly as it is).
pub(super) fn simplified(text: &str) -> Option<String> {
    let simplifier = simplifier();
    text.chars()
        .any(|ch| simplifier.is_traditional(ch))
        .then(|| simplifier.opencc.convert(text))
}

/// Builds the converter now rather than on the first traditional text
/// (tens of milliseconds), e.g. before a server reports that it is ready.
pub(super) fn warm_up() {
    simplifier();
}

#[cfg(test)]
mod tests {
    use super::simplified;

    #[test]
    fn traditional_text_is_simplified_and_simplified_text_is_left_alone() {
        assert_eq!(
            simplified("地鐵新線開通運營，輕軌與高鐵換乘").as_deref(),
            Some("地铁新线开通运营，轻轨与高铁换乘")
        );
        assert_eq!(simplified("地铁新线开通运营"), None);
        assert_eq!(simplified("trade 5G 2026"), None);
        // Mixed text: only the traditional characters change.
        assert_eq!(simplified("关税保證保险").as_deref(), Some("关税保证保险"));
    }
}
