//! Segmentation with jieba and the filter that keeps only topical tokens.

use jieba_rs::Jieba;

use super::is_han;
use super::stopwords::is_stopword;

/// Tokens of already-normalised text that carry topic: no whitespace, no
/// punctuation, no bare numbers, no stop words.
pub(super) fn content_tokens<'t>(
    jieba: &Jieba,
    normalised: &'t str,
    hmm: bool,
) -> impl Iterator<Item = &'t str> {
    jieba
        .cut(normalised, hmm)
        .into_iter()
        .map(|token| token.word)
        .filter(|word| is_content_token(word))
}

/// Whether a segmented token can carry topic.
///
/// Numbers "as such" (`2022`, `3.5`, `12%`) say nothing about the subject;
/// a number glued to a word by jieba (`5g`) does and is kept.
pub fn is_content_token(word: &str) -> bool {
    let has_letter_or_ideograph = word.chars().any(is_letter);
    has_letter_or_ideograph && !is_stopword(word)
}

/// `char::is_alphabetic`, answering the common case (a CJK ideograph)
/// before its table search.
fn is_letter(ch: char) -> bool {
    is_han(ch) || ch.is_alphabetic()
}
