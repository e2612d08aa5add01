//! The text path: one article in, the features the model sees out.
//!
//! `normalise` folds width and case, `segment` cuts with jieba and drops what
//! carries no topic, `features` turns tokens into weighted term counts. The
//! same [`TextPipeline`] serves training and serving, so both see identical
//! features for identical input.

mod boilerplate;
mod features;
mod normalise;
mod script;
mod segment;
mod stopwords;
mod term_key;

pub use boilerplate::strip_boilerplate;
pub use features::{Features, TermSink, TextConfig};
pub(crate) use normalise::is_han;
pub use normalise::{normalise, normalised_len_bound, normalised_len_bound_up_to};
pub use segment::is_content_token;
pub use term_key::TermKey;

use std::borrow::Cow;

use jieba_rs::Jieba;

/// One article's text as the model reads it, borrowed: the headline block
/// (a newspaper's kicker above the headline, the headline, the deck below
/// it) and the body. A byline is not part of it: names carry no topic, and
/// cross-validation did not favour reading them (docs/accuracy.md).
#[derive(Debug, Clone, Copy, Default)]
pub struct ArticleText<'a> {
    /// The kicker (引题) printed above the headline; often empty.
    pub kicker: &'a str,
    /// The headline.
    pub title: &'a str,
    /// The deck (副题) printed below the headline; often empty.
    pub subtitle: &'a str,
    /// The body.
    pub body: &'a str,
}

impl<'a> ArticleText<'a> {
    /// An article with a headline and a body only (no kicker or deck).
    pub const fn new(title: &'a str, body: &'a str) -> Self {
        Self {
            kicker: "",
            title,
            subtitle: "",
            body,
        }
    }
}

/// One article's text read from a file, owned; [`Self::text`] lends it as
/// an [`ArticleText`].
#[derive(Debug, Clone, Default, PartialEq)]
pub struct OwnedArticle {
    /// The kicker (引题), empty when there is none.
    pub kicker: String,
    /// The headline.
    pub title: String,
    /// The deck (副题), empty when there is none.
    pub subtitle: String,
    /// The body.
    pub body: String,
}

/// Anything that holds one article's text: a labelled document, an
/// unlabelled one, an article read for classifying.
pub trait HasArticle {
    /// The text the model reads.
    fn article(&self) -> ArticleText<'_>;
}

impl HasArticle for OwnedArticle {
    fn article(&self) -> ArticleText<'_> {
        self.text()
    }
}

impl OwnedArticle {
    /// This article's text, borrowed.
    pub fn text(&self) -> ArticleText<'_> {
        ArticleText {
            kicker: &self.kicker,
            title: &self.title,
            subtitle: &self.subtitle,
            body: &self.body,
        }
    }
}

/// Normaliser, segmenter and feature builder configured by a [`TextConfig`].
///
/// Building one loads jieba's dictionary (tens of milliseconds), so build it
/// once and share it; all methods take `&self` and are safe to call from many
/// threads.
pub struct TextPipeline {
    jieba: Jieba,
    config: TextConfig,
}

impl std::fmt::Debug for TextPipeline {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The dictionary is jieba's and the user words are in the config.
        f.debug_struct("TextPipeline")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl TextPipeline {
    /// A pipeline for `config`: loads jieba's dictionary and the user words.
    pub fn new(config: TextConfig) -> Self {
        let mut jieba = Jieba::new();
        for word in &config.user_words {
            // A frequency high enough that jieba keeps the term whole.
            jieba.add_word(word, Some(USER_WORD_FREQUENCY), None);
        }
        if config.traditional_to_simplified {
            script::warm_up();
        }
        Self { jieba, config }
    }

    /// `text` as the segmenter reads it: normalised (see [`normalise`]),
    /// then in simplified characters when the config says so.
    fn prepare(&self, text: &str) -> String {
        let normalised = normalise(text);
        if !self.config.traditional_to_simplified {
            return normalised;
        }
        script::simplified(&normalised).unwrap_or(normalised)
    }

    /// The settings the pipeline runs with.
    pub fn config(&self) -> &TextConfig {
        &self.config
    }

    /// The word tokens the model reads in `article`, in order: normalised,
    /// boilerplate removed, segmented, filtered; the words of
    /// [`Self::features_into`], without its pairs and weights.
    pub fn article_tokens(&self, article: ArticleText<'_>) -> Vec<String> {
        let mut tokens = TokenList::default();
        self.features_into(article, &mut tokens);
        tokens.0
    }

    /// [`Self::article_tokens`] of `text` read as an article's body.
    pub fn tokens(&self, text: &str) -> Vec<String> {
        self.article_tokens(ArticleText::new("", text))
    }

    /// The features of one article, named: training, evaluation and reports.
    pub fn features(&self, article: ArticleText<'_>) -> Features {
        let title_and_body = article.kicker.len()
            + article.title.len()
            + article.subtitle.len()
            + article.body.len();
        // Sized for a typical article's distinct terms; grows if needed.
        let mut builder = features::FeatureBuilder::with_capacity(title_and_body / 6);
        self.features_into(article, &mut builder);
        builder.finish()
    }

    /// Feeds one article's terms to `sink`: the single text path behind
    /// [`Self::features`] and the model's id-based serving path.
    pub fn features_into(&self, article: ArticleText<'_>, sink: &mut impl TermSink) {
        // Each part of the headline block is cut on its own, so that no word
        // pair spans the kicker and the headline; all take the title weight.
        // Empty parts add nothing: an article without kicker or deck has
        // exactly the features it had before they existed.
        let kicker = self.prepare(article.kicker);
        let title = self.prepare(article.title);
        let subtitle = self.prepare(article.subtitle);
        let mut body = self.prepare(article.body);
        if self.config.strip_boilerplate {
            // Most articles have no boilerplate: keep the body rather than
            // copy it.
            if let Cow::Owned(stripped) = strip_boilerplate(&body) {
                body = stripped;
            }
        }
        let hmm = self.config.hmm;
        let (lead, rest) = split_lead(&body);
        let weighted_parts = [
            (kicker.as_str(), self.config.title_weight),
            (title.as_str(), self.config.title_weight),
            (subtitle.as_str(), self.config.title_weight),
            (lead, self.config.lead_weight),
            (rest, 1.0),
        ];
        let mut tokens: Vec<&str> = Vec::new();
        for (part, weight) in weighted_parts {
            tokens.clear();
            tokens.extend(segment::content_tokens(&self.jieba, part, hmm));
            sink.add_tokens(&tokens, weight, self.config.bigrams);
            if self.config.char_bigrams {
                features::add_char_bigrams(sink, part, weight);
            }
        }
    }
}

/// A [`TermSink`] that keeps the word tokens only.
#[derive(Default)]
struct TokenList(Vec<String>);

impl TermSink for TokenList {
    fn add_tokens(&mut self, tokens: &[&str], _weight: f64, _bigrams: bool) {
        self.0.extend(tokens.iter().map(|&token| token.to_owned()));
    }

    fn add_char_pair(&mut self, _first: char, _second: char, _weight: f64) {}
}

/// The first sentence of `body` (through its `。`, `!` or `?`) and the rest.
fn split_lead(body: &str) -> (&str, &str) {
    match body.find(['。', '!', '?']) {
        Some(end) => {
            let end = end + body[end..].chars().next().map_or(0, char::len_utf8);
            body.split_at(end)
        }
        None => (body, ""),
    }
}

/// Frequency given to user-dictionary words: above any entry of jieba's
/// default dictionary that could compete with a policy term's parts.
const USER_WORD_FREQUENCY: usize = 200_000;

#[cfg(test)]
mod tests;
