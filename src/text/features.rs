//! Weighted term counts: the model's view of an article.

// foldhash: a fraction of SipHash's cost per short key, still seeded per
// process, so crafted text cannot aim for collisions.
use foldhash::HashMap;

use serde::{Deserialize, Serialize};

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

/// Accumulates counts, then sorts them into [`Features`].
#[derive(Debug, Default)]
pub(super) struct FeatureBuilder {
    counts: HashMap<String, f64>,
}

impl FeatureBuilder {
    /// Room for `terms` distinct terms before the map has to grow.
    pub(super) fn with_capacity(terms: usize) -> Self {
        Self {
            counts: HashMap::with_capacity_and_hasher(terms, Default::default()),
        }
    }

    pub(super) fn add_tokens(&mut self, tokens: &[&str], weight: f64, config: &TextConfig) {
        for token in tokens {
            self.add(token, weight);
        }
        if config.bigrams {
            for pair in tokens.windows(2) {
                self.add(&bigram(pair[0], pair[1]), weight);
            }
        }
    }

    /// Adds every pair of adjacent Han characters of `text` as `#XY`.
    pub(super) fn add_char_bigrams(&mut self, text: &str, weight: f64) {
        let mut previous: Option<char> = None;
        let mut name = String::with_capacity(7);
        for ch in text.chars() {
            let han = ('\u{4e00}'..='\u{9fff}').contains(&ch);
            if let (true, Some(first)) = (han, previous) {
                name.clear();
                name.push('#');
                name.push(first);
                name.push(ch);
                self.add(&name, weight);
            }
            previous = han.then_some(ch);
        }
    }

    fn add(&mut self, term: &str, weight: f64) {
        match self.counts.get_mut(term) {
            Some(count) => *count += weight,
            None => {
                self.counts.insert(term.to_owned(), weight);
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
            builder.add(&term, count);
        }
        builder.finish()
    }

    /// Terms with their counts, in term order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, f64)> {
        self.counts
            .iter()
            .map(|(term, count)| (term.as_str(), *count))
    }

    pub fn get(&self, term: &str) -> f64 {
        self.counts
            .binary_search_by(|(t, _)| t.as_str().cmp(term))
            .map_or(0.0, |i| self.counts[i].1)
    }

    pub fn is_empty(&self) -> bool {
        self.counts.is_empty()
    }

    pub fn len(&self) -> usize {
        self.counts.len()
    }
}

/// The feature name of an adjacent pair of tokens.
pub fn bigram(first: &str, second: &str) -> String {
    let mut name = String::with_capacity(first.len() + second.len() + 1);
    name.push_str(first);
    name.push('_');
    name.push_str(second);
    name
}
