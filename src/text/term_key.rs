//! How a feature is named in a model's vocabulary: the one place that writes
//! term names (training) and reads them back (serving's id tables, evidence).
//!
//! A word is its own name; a pair of adjacent tokens is `first_second`; a
//! pair of adjacent Han characters is `#XY`. Names are not a free encoding:
//! jieba keeps some tokens with `_` inside whole (`a_b`), so one name can
//! have several readings, and a reader must consider every one of them, as
//! any of them could have produced it.

/// One feature, as the text path produces it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TermKey<'a> {
    /// A content token.
    Word(&'a str),
    /// Two adjacent content tokens of one part of the article.
    WordPair(&'a str, &'a str),
    /// Two adjacent Han characters.
    CharPair(char, char),
}

impl<'a> TermKey<'a> {
    /// Writes the term's name into `name`, replacing what it held.
    pub fn write_name(&self, name: &mut String) {
        name.clear();
        match *self {
            Self::Word(word) => name.push_str(word),
            Self::WordPair(first, second) => {
                name.reserve(first.len() + second.len() + 1);
                name.push_str(first);
                name.push('_');
                name.push_str(second);
            }
            Self::CharPair(first, second) => {
                name.push('#');
                name.push(first);
                name.push(second);
            }
        }
    }

    /// The term's name (tests; the text path writes into a reused buffer).
    #[cfg(test)]
    pub(crate) fn name(&self) -> String {
        let mut name = String::new();
        self.write_name(&mut name);
        name
    }

    /// Every key whose name is `name`: always the word itself; a token pair
    /// for each `_` in it; a character pair for `#` and two characters.
    pub fn readings(name: &'a str) -> impl Iterator<Item = TermKey<'a>> + 'a {
        let word = std::iter::once(Self::Word(name));
        let pairs = name
            .match_indices('_')
            .map(move |(at, _)| Self::WordPair(&name[..at], &name[at + 1..]));
        let char_pair = name.strip_prefix('#').and_then(|pair| {
            let mut chars = pair.chars();
            match (chars.next(), chars.next(), chars.next()) {
                (Some(first), Some(second), None) => Some(Self::CharPair(first, second)),
                _ => None,
            }
        });
        word.chain(pairs).chain(char_pair)
    }

    /// The characters a name stands for as a reader sees them in the text:
    /// `#XY` is `XY`, `a_b` is `ab`, a word itself. Evidence merges terms
    /// with the same surface (`返岗`, `#返岗`, `返_岗`) into one entry.
    pub fn surface(name: &str) -> String {
        match name.strip_prefix('#') {
            Some(pair) if !pair.is_empty() => pair.to_owned(),
            _ => name.replace('_', ""),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::TermKey;

    #[test]
    fn every_key_is_among_the_readings_of_its_name() {
        let keys = [
            TermKey::Word("港口"),
            TermKey::Word("a_b"),
            TermKey::WordPair("东数", "西算"),
            TermKey::WordPair("a_b", "c"),
            TermKey::WordPair("a", "b_c"),
            TermKey::CharPair('港', '口'),
        ];
        for key in keys {
            let name = key.name();
            assert!(
                TermKey::readings(&name).any(|r| r == key),
                "{key:?} is not read back from {name}"
            );
        }
    }

    #[test]
    fn a_name_with_two_underscores_reads_as_both_of_its_pairs() {
        let readings: Vec<TermKey> = TermKey::readings("x_y_z").collect();
        assert_eq!(
            readings,
            [
                TermKey::Word("x_y_z"),
                TermKey::WordPair("x", "y_z"),
                TermKey::WordPair("x_y", "z"),
            ]
        );
        // `#` followed by anything but two characters is no character pair.
        assert_eq!(
            TermKey::readings("#港口岸").collect::<Vec<_>>(),
            [TermKey::Word("#港口岸")]
        );
    }

    #[test]
    fn surfaces_join_what_a_reader_sees_as_one_word() {
        assert_eq!(TermKey::surface("#返岗"), "返岗");
        assert_eq!(TermKey::surface("返_岗"), "返岗");
        assert_eq!(TermKey::surface("返岗"), "返岗");
        assert_eq!(TermKey::surface("#"), "#");
    }
}
