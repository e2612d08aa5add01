//! Weighted term counts: the model's view of an article.

// foldhash: a fraction of SipHash's cost per short key, still seeded per
// process, so crafted text cannot aim for collisions.
use foldhash::HashMap;

use serde::{Deserialize, Serialize};

use super::is_han;
use super::term_key::TermKey;

/// Settings of the text path. They are stored in every model file, because a
/// model is only right for the features it was trained on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TextConfig {
    /// Let jieba's HMM join characters it has no dictionary word for.
    pub hmm: bool,
    /// How many times a title token counts, relative to a body token:
    /// headlines state the main subject, which is what a label is about.
    pub title_weight: f64,
    /// Also count adjacent token pairs (`东数_西算`) as features.
    pub bigrams: bool,
    /// Extra words jieba must keep whole (policy terms such as `专精特新`).
    pub user_words: Vec<String>,
    /// Drop news boilerplate (datelines, bylines, photo credits, editor
    /// lines) before segmenting: it names the paper, not the subject.
    #[serde(default)]
    pub strip_boilerplate: bool,
    /// How many times a token of the body's first sentence counts: the
    /// label guide defines the label by "what the headline and first
    /// paragraph are about", and news puts the subject first.
    #[serde(default = "one")]
    pub lead_weight: f64,
    /// Also count adjacent Han-character pairs (`#港口` for 港口): robust to
    /// segmentation mistakes and to words the dictionary lacks.
    #[serde(default)]
    pub char_bigrams: bool,
    /// Convert traditional characters to simplified ones before segmenting
    /// (OpenCC `t2s`): the dictionary and the training data are simplified.
    /// Off in models trained before it existed, which keep their features
    /// (and, not written when off, their bytes).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub traditional_to_simplified: bool,
}

fn one() -> f64 {
    1.0
}

impl Default for TextConfig {
    fn default() -> Self {
        Self {
            hmm: true,
            title_weight: 2.0,
            bigrams: false,
            user_words: Vec::new(),
            strip_boilerplate: false,
            lead_weight: 1.0,
            char_bigrams: false,
            traditional_to_simplified: false,
        }
    }
}

/// Term → weighted count for one article, sorted by term.
///
/// Sorted, so that every sum over an article's terms runs in the same order
/// on every run: floating-point addition is not associative, and a model file
/// must come out byte-identical from identical input.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Features {
    counts: Vec<(String, f64)>,
}

/// Receives an article's terms in the order the text path produces them.
///
/// The text path has one implementation ([`super::TextPipeline::features_into`])
/// and two consumers: [`FeatureBuilder`] names every term (training, reports,
/// `Features`), the model's id counter maps tokens straight to vocabulary ids
/// (serving). Both see the same calls in the same order, so they count the
/// same terms with the same floating-point sums.
pub trait TermSink {
    /// The content tokens of one part of the article, in order, each counting
    /// `weight`; with `bigrams`, also every adjacent pair (`first_second`),
    /// after the part's tokens.
    fn add_tokens(&mut self, tokens: &[&str], weight: f64, bigrams: bool);

    /// One pair of adjacent Han characters, named `#XY`.
    fn add_char_pair(&mut self, first: char, second: char, weight: f64);
}

/// Calls `sink.add_char_pair` for every pair of adjacent Han characters of
/// `text`.
pub(super) fn add_char_bigrams(sink: &mut impl TermSink, text: &str, weight: f64) {
    let mut previous: Option<char> = None;
    for ch in text.chars() {
        let han = is_han(ch);
        if let (true, Some(first)) = (han, previous) {
            sink.add_char_pair(first, ch, weight);
        }
        previous = han.then_some(ch);
    }
}

/// Accumulates named counts, then sorts them into [`Features`].
#[derive(Debug, Default)]
pub(super) struct FeatureBuilder {
    counts: HashMap<String, f64>,
    /// The name being added, reused from term to term.
    name: String,
}

impl TermSink for FeatureBuilder {
    fn add_tokens(&mut self, tokens: &[&str], weight: f64, bigrams: bool) {
        for token in tokens {
            self.add(TermKey::Word(token), weight);
        }
        if bigrams {
            for pair in tokens.windows(2) {
                self.add(TermKey::WordPair(pair[0], pair[1]), weight);
            }
        }
    }

    fn add_char_pair(&mut self, first: char, second: char, weight: f64) {
        self.add(TermKey::CharPair(first, second), weight);
    }
}

impl FeatureBuilder {
    /// Room for `terms` distinct terms before the map has to grow.
    pub(super) fn with_capacity(terms: usize) -> Self {
        Self {
            counts: HashMap::with_capacity_and_hasher(terms, Default::default()),
            name: String::new(),
        }
    }

    fn add(&mut self, key: TermKey<'_>, weight: f64) {
        if let TermKey::Word(word) = key {
            return self.add_named(word, weight);
        }
        let mut name = std::mem::take(&mut self.name);
        key.write_name(&mut name);
        self.add_named(&name, weight);
        self.name = name;
    }

    fn add_named(&mut self, name: &str, weight: f64) {
        match self.counts.get_mut(name) {
            Some(count) => *count += weight,
            None => {
                self.counts.insert(name.to_owned(), weight);
            }
        }
    }

    pub(super) fn finish(self) -> Features {
        let mut counts: Vec<(String, f64)> = self.counts.into_iter().collect();
        counts.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        Features { counts }
    }
}

impl Features {
    /// Features from `(term, count)` pairs in any order; a repeated term's
    /// counts add up.
    pub fn from_counts(counts: Vec<(String, f64)>) -> Self {
        let mut builder = FeatureBuilder::default();
        for (term, count) in counts {
            builder.add_named(&term, count);
        }
        builder.finish()
    }

    /// Terms with their counts, in term order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, f64)> {
        self.counts
            .iter()
            .map(|(term, count)| (term.as_str(), *count))
    }

    /// The count of `term`, 0 when absent.
    pub fn get(&self, term: &str) -> f64 {
        self.counts
            .binary_search_by(|(t, _)| t.as_str().cmp(term))
            .map_or(0.0, |i| self.counts[i].1)
    }

    /// Whether the article has no terms.
    pub fn is_empty(&self) -> bool {
        self.counts.is_empty()
    }

    /// Distinct terms.
    pub fn len(&self) -> usize {
        self.counts.len()
    }
}
