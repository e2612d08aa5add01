//! Serving's view of the vocabulary: tokens and token pairs straight to
//! vocabulary ids, so scoring an article builds no term names.
//!
//! Training names every feature (`东数_西算` for a bigram); serving would
//! have to build the same `String` for every token pair of every article only
//! to look it up. Instead every token that can occur in a vocabulary term
//! gets an id once, at model load, and a bigram is found by the pair of its
//! tokens' ids. Ids below the vocabulary size are vocabulary terms; higher
//! ids are tokens known only as halves of bigrams (they score nothing alone).

use foldhash::HashMap;

use super::weighting::SparseRow;
use crate::text::{TermKey, TermSink, TextConfig};

/// Token → id and (token id, token id) → bigram id.
#[derive(Debug, Clone)]
pub(crate) struct TermIds {
    /// foldhash: looked up once per token of every article.
    tokens: HashMap<Box<str>, u32>,
    pairs: HashMap<u64, u32>,
    /// `#XY` terms (adjacent Han characters) by their two characters, so a
    /// character pair costs an integer lookup, not a string built and hashed.
    char_pairs: HashMap<u64, u32>,
    vocabulary_size: u32,
}

/// A vocabulary that lists a term twice: one name would have two columns.
#[derive(Debug, thiserror::Error, PartialEq)]
#[error("the vocabulary lists the term {0:?} twice")]
pub(crate) struct RepeatedTerm(pub(crate) String);

impl TermIds {
    /// Every name is read every way [`TermKey::readings`] allows, so a term
    /// is found however the text path produced it; pairs are indexed only
    /// when `text` counts them (only then may `a_b` name a token pair, or
    /// `#XY` a character pair).
    pub(crate) fn new(vocabulary: &[String], text: &TextConfig) -> Result<Self, RepeatedTerm> {
        let vocabulary_size = u32::try_from(vocabulary.len()).expect("vocabulary fits in u32");
        let mut tokens: HashMap<Box<str>, u32> = HashMap::default();
        for (id, term) in vocabulary.iter().enumerate() {
            if tokens.insert(term.as_str().into(), id as u32).is_some() {
                return Err(RepeatedTerm(term.clone()));
            }
        }
        let mut pairs = HashMap::default();
        let mut char_pairs = HashMap::default();
        for (id, term) in vocabulary.iter().enumerate() {
            for key in TermKey::readings(term) {
                match key {
                    TermKey::Word(_) => {}
                    TermKey::WordPair(first, second) if text.bigrams => {
                        let first = token_id(&mut tokens, first);
                        let second = token_id(&mut tokens, second);
                        pairs.insert(pair_key(first, second), id as u32);
                    }
                    TermKey::CharPair(first, second) if text.char_bigrams => {
                        char_pairs.insert(pair_key(first as u32, second as u32), id as u32);
                    }
                    TermKey::WordPair(..) | TermKey::CharPair(..) => {}
                }
            }
        }
        Ok(Self {
            tokens,
            pairs,
            char_pairs,
            vocabulary_size,
        })
    }

    /// The id of a vocabulary term given by name (the named path's lookup).
    #[cfg(test)]
    pub(crate) fn term(&self, name: &str) -> Option<u32> {
        self.tokens
            .get(name)
            .copied()
            .filter(|&id| id < self.vocabulary_size)
    }
}

/// The id of `token`, adding it past the vocabulary if it is new.
fn token_id(tokens: &mut HashMap<Box<str>, u32>, token: &str) -> u32 {
    if let Some(&id) = tokens.get(token) {
        return id;
    }
    let id = u32::try_from(tokens.len()).expect("token ids fit in u32");
    tokens.insert(token.into(), id);
    id
}

fn pair_key(first: u32, second: u32) -> u64 {
    (u64::from(first) << 32) | u64::from(second)
}

/// A [`TermSink`] that counts vocabulary ids: the serving side of the text
/// path. Counts add up per id in the order the text path emits terms, which
/// is the order [`crate::text::Features`] adds them, so the sums are
/// bit-identical to counting by name.
pub(crate) struct IdCounter<'m, 's> {
    ids: &'m TermIds,
    sums: &'s mut DenseSums,
    /// Terms the article has, known to the model or not: zero means there was
    /// nothing to classify.
    terms_seen: usize,
    /// Word tokens the article has (every occurrence), and how many of them
    /// the model knows: its coverage.
    words: Coverage,
    /// The current part's token ids, reused between parts.
    part: Vec<Option<u32>>,
}

impl<'m, 's> IdCounter<'m, 's> {
    pub(crate) fn new(ids: &'m TermIds, sums: &'s mut DenseSums) -> Self {
        sums.start(ids.vocabulary_size as usize);
        Self {
            ids,
            sums,
            terms_seen: 0,
            words: Coverage::default(),
            part: Vec::new(),
        }
    }

    fn add(&mut self, id: u32, weight: f64) {
        if id < self.ids.vocabulary_size {
            self.sums.add(id, weight);
        }
    }

    /// The known terms' counts in vocabulary order, how many terms the
    /// article had in all, and its word coverage.
    pub(crate) fn finish(self) -> (SparseRow, usize, Coverage) {
        (self.sums.row(), self.terms_seen, self.words)
    }
}

/// How many of an article's word tokens the model knows (word pairs and
/// character pairs are not counted: a known pair implies known words or
/// characters, and unknown pairs of known words are ordinary).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(crate) struct Coverage {
    pub(crate) words: usize,
    pub(crate) known: usize,
}

impl Coverage {
    /// The share of word tokens the model knows; 0 when there are none.
    pub(crate) fn share(&self) -> f64 {
        if self.words == 0 {
            0.0
        } else {
            self.known as f64 / self.words as f64
        }
    }
}

/// One sum per vocabulary id, reused from article to article (one per
/// thread): adding is an array write, not a hash-map insert, and only the
/// ids an article touched are read back. With character bigrams an article
/// has about as many distinct terms as characters, and the hash map's
/// inserts and growth were a tenth of classification time.
#[derive(Debug, Default)]
pub(crate) struct DenseSums {
    sums: Vec<f64>,
    /// `stamp` where `sums[id]` belongs to the current article.
    seen: Vec<u32>,
    stamp: u32,
    touched: Vec<u32>,
}

impl DenseSums {
    fn start(&mut self, vocabulary_size: usize) {
        if self.sums.len() < vocabulary_size {
            self.sums.resize(vocabulary_size, 0.0);
            self.seen.resize(vocabulary_size, 0);
        }
        self.stamp = self.stamp.wrapping_add(1);
        if self.stamp == 0 {
            // Wrapped: no old stamp may look current.
            self.seen.fill(0);
            self.stamp = 1;
        }
        self.touched.clear();
    }

    fn add(&mut self, id: u32, weight: f64) {
        let i = id as usize;
        if self.seen[i] == self.stamp {
            self.sums[i] += weight;
        } else {
            // The named path inserts the first weight as is; so do we.
            self.seen[i] = self.stamp;
            self.sums[i] = weight;
            self.touched.push(id);
        }
    }

    fn row(&mut self) -> SparseRow {
        self.touched.sort_unstable();
        self.touched
            .iter()
            .map(|&id| (id, self.sums[id as usize]))
            .collect()
    }
}

impl TermSink for IdCounter<'_, '_> {
    fn add_tokens(&mut self, tokens: &[&str], weight: f64, bigrams: bool) {
        self.terms_seen += tokens.len();
        let mut part = std::mem::take(&mut self.part);
        part.clear();
        self.words.words += tokens.len();
        for token in tokens {
            let id = self.ids.tokens.get(*token).copied();
            if let Some(id) = id {
                self.words.known += usize::from(id < self.ids.vocabulary_size);
                self.add(id, weight);
            }
            part.push(id);
        }
        if bigrams {
            self.terms_seen += tokens.len().saturating_sub(1);
            for pair in part.windows(2) {
                if let [Some(first), Some(second)] = *pair {
                    if let Some(&id) = self.ids.pairs.get(&pair_key(first, second)) {
                        self.add(id, weight);
                    }
                }
            }
        }
        self.part = part;
    }

    fn add_char_pair(&mut self, first: char, second: char, weight: f64) {
        self.terms_seen += 1;
        let key = pair_key(first as u32, second as u32);
        if let Some(&id) = self.ids.char_pairs.get(&key) {
            self.add(id, weight);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dense_sums_forget_the_previous_article_even_when_the_stamp_wraps() {
        let mut sums = DenseSums::default();
        sums.start(4);
        sums.add(2, 1.0);
        sums.add(2, 2.0);
        assert_eq!(sums.row(), vec![(2, 3.0)]);
        // The next article starts clean, also across the wrap of the stamp.
        sums.stamp = u32::MAX;
        sums.seen[3] = 1;
        sums.start(4);
        sums.add(3, 5.0);
        sums.add(1, 1.0);
        assert_eq!(sums.row(), vec![(1, 1.0), (3, 5.0)]);
    }
}
