//! `Classifier::classify_page`: split a page, then label each article.

use super::{split_page, PageArticle};
use crate::classifier::{Classification, Classifier, ClassifyOptions};
use crate::error::{Error, Result};
use crate::text::ArticleText;

/// What became of one article of the page.
#[derive(Debug, Clone, PartialEq)]
pub enum PageOutcome {
    /// The article's label and scores.
    Classified(Classification),
    /// The article has no words the model knows how to read (only numbers
    /// or punctuation, say): it keeps its span but gets no label, so that
    /// one odd fragment does not fail the whole page.
    Skipped(String),
}

/// One article of a page and what the classifier made of it.
#[derive(Debug, Clone, PartialEq)]
pub struct ClassifiedArticle {
    /// The article as split from the page.
    pub article: PageArticle,
    /// Its label, or why it has none.
    pub outcome: PageOutcome,
}

impl Classifier {
    /// Splits `page` into articles and classifies each with `options`.
    ///
    /// Fails only for the request as a whole: an empty page, or invalid
    /// options. An article without words is [`PageOutcome::Skipped`].
    pub fn classify_page(
        &self,
        page: &str,
        options: &ClassifyOptions,
    ) -> Result<Vec<ClassifiedArticle>> {
        self.classify_page_unless(page, options, &|| false)
    }

    /// [`Self::classify_page`], stopping with [`Error::Cancelled`] before
    /// the next article once `cancelled` says so: a page may hold dozens of
    /// articles, and a caller that has gone should not keep a core busy.
    pub fn classify_page_unless(
        &self,
        page: &str,
        options: &ClassifyOptions,
        cancelled: &dyn Fn() -> bool,
    ) -> Result<Vec<ClassifiedArticle>> {
        if page.trim().is_empty() {
            return Err(Error::InvalidRequest("`text` (the page) is empty".into()));
        }
        // Checked here too, so that bad options fail even a page with no
        // article to classify.
        self.check_options(options)?;
        split_page(page)
            .articles
            .into_iter()
            .map(|article| {
                if cancelled() {
                    return Err(Error::Cancelled);
                }
                let text = ArticleText::new(&article.title, &article.body);
                let outcome = match self.classify(text, options) {
                    Ok(result) => PageOutcome::Classified(result),
                    Err(Error::InvalidArticle(reason)) => PageOutcome::Skipped(reason),
                    Err(other) => return Err(other),
                };
                Ok(ClassifiedArticle { article, outcome })
            })
            .collect()
    }
}
