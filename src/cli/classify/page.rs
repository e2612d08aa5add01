//! `classify --page`: one JSON line per article of the page.

use std::io::Write;

use serde::Serialize;

use super::output::ResultLine;
use crate::classifier::{Classifier, ClassifyOptions};
use crate::cli::CliResult;
use crate::page::PageOutcome;

/// A classified article's result, or why it was skipped.
#[derive(Serialize)]
#[serde(untagged)]
enum Outcome<'a> {
    Classified(ResultLine<'a>),
    Skipped { id: &'a str, skipped: String },
}

#[derive(Serialize)]
struct PageLine<'a> {
    #[serde(flatten)]
    outcome: Outcome<'a>,
    index: usize,
    title: &'a str,
    start: usize,
    end: usize,
    body: &'a str,
}

/// Prints `{...result, "index","title","start","end","body"}` for each
/// article; a skipped article carries `"skipped"` (its reason) instead of a
/// label. Offsets count characters (Unicode scalar values) of the input.
pub(super) fn run(classifier: &Classifier, page: &str, options: &ClassifyOptions) -> CliResult {
    let articles = classifier.classify_page(page, options)?;
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let ids: Vec<String> = (0..articles.len()).map(|i| i.to_string()).collect();
    for ((index, classified), id) in articles.into_iter().enumerate().zip(&ids) {
        let article = classified.article;
        let outcome = match classified.outcome {
            PageOutcome::Classified(result) => {
                Outcome::Classified(ResultLine::new(id, result, classifier))
            }
            PageOutcome::Skipped(reason) => Outcome::Skipped {
                id,
                skipped: reason,
            },
        };
        let line = PageLine {
            outcome,
            index,
            title: &article.title,
            start: article.start,
            end: article.end,
            body: &article.body,
        };
        serde_json::to_writer(&mut out, &line)?;
        out.write_all(b"\n")?;
    }
    out.flush()?;
    Ok(())
}
