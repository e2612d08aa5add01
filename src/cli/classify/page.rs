//! `classify --page`: one JSON line per article of the page.

use std::io::Write;

use serde_json::json;

use super::result_json;
use crate::classifier::{Classifier, ClassifyOptions};
use crate::cli::CliResult;
use crate::page::PageOutcome;

/// Prints `{"index","title","start","end","body", ...result}` for each
/// article; a skipped article carries `"skipped"` (its reason) instead of a
/// label. Offsets count characters (Unicode scalar values) of the input.
pub(super) fn run(classifier: &Classifier, page: &str, options: &ClassifyOptions) -> CliResult {
    let articles = classifier.classify_page(page, options)?;
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    for (index, classified) in articles.into_iter().enumerate() {
        let article = classified.article;
        let mut line = match classified.outcome {
            PageOutcome::Classified(result) => result_json(&index.to_string(), result, classifier),
            PageOutcome::Skipped(reason) => json!({ "id": index.to_string(), "skipped": reason }),
        };
        line["index"] = json!(index);
        line["title"] = json!(article.title);
        line["start"] = json!(article.start);
        line["end"] = json!(article.end);
        line["body"] = json!(article.body);
        writeln!(out, "{line}")?;
    }
    Ok(())
}
