//! `classify`: JSONL articles or plain text in, one JSON result per article out.
//! With `--page FILE`: a newspaper page in, one JSON line per article found.

mod page;

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use clap::Args;
use serde_json::{json, Value};

use super::{model_source, CliResult};
use crate::classifier::{Classification, Classifier, ClassifyOptions};
use crate::model::corpus::article_lines;
use crate::text::ArticleText;

#[derive(Args)]
pub struct ClassifyArgs {
    /// Model file; the shipped model when omitted.
    #[arg(long, env = "POLICY_CLASSIFIER_MODEL")]
    model: Option<PathBuf>,
    /// Input: JSONL (`{"id","title","text"|"body"}` a line) or plain text (one
    /// article). `-` or nothing reads standard input.
    input: Option<PathBuf>,
    /// Include the terms that decided each label.
    #[arg(long)]
    explain: bool,
    /// Answer `other` when the top label's confidence is below this.
    #[arg(long, env = "POLICY_CLASSIFIER_MIN_CONFIDENCE")]
    min_confidence: Option<f64>,
    /// Read FILE (`-`: standard input) as a whole newspaper page: split it
    /// into articles and classify each (see docs/page-splitting.md).
    #[arg(long, value_name = "FILE", conflicts_with = "input")]
    page: Option<PathBuf>,
}

pub fn run(args: ClassifyArgs) -> CliResult {
    let classifier = model_source(args.model.clone()).load()?;
    let options = ClassifyOptions {
        explain: args.explain,
        min_confidence: args.min_confidence,
    };
    if let Some(path) = &args.page {
        return page::run(&classifier, &read_input(Some(path))?, &options);
    }
    let input = read_input(args.input.as_ref())?;
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let mut failures = 0usize;
    for (id, title, body) in articles(&input)? {
        let line = match classifier.classify(
            ArticleText {
                title: &title,
                body: &body,
            },
            &options,
        ) {
            Ok(result) => result_json(&id, result, &classifier),
            Err(error) => {
                failures += 1;
                json!({ "id": id, "error": error.to_string() })
            }
        };
        writeln!(out, "{line}")?;
    }
    if failures > 0 {
        return Err(
            format!("{failures} article(s) could not be classified (see their \"error\")").into(),
        );
    }
    Ok(())
}

fn read_input(path: Option<&PathBuf>) -> std::io::Result<String> {
    let mut text = String::new();
    match path.filter(|p| p.as_os_str() != "-") {
        Some(path) => text = std::fs::read_to_string(path)?,
        None => {
            std::io::stdin().read_to_string(&mut text)?;
        }
    }
    Ok(text)
}

/// `(id, title, body)` of every article: JSONL when the first non-blank line
/// is a JSON object, otherwise the whole input is one plain-text article.
fn articles(input: &str) -> Result<Vec<(String, String, String)>, String> {
    // A byte-order mark (Windows editors write one) is not part of the text.
    let input = input.strip_prefix('\u{feff}').unwrap_or(input);
    let first = input.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    if !first.trim_start().starts_with('{') {
        return Ok(vec![(String::new(), String::new(), input.to_owned())]);
    }
    article_lines(input.as_bytes(), Path::new("input"))
        .map(|item| {
            let (number, mut article) = item.map_err(|e| e.to_string())?;
            let id = article.id_or(|| number.to_string());
            let text = article.take_text();
            Ok((id, article.title, text))
        })
        .collect()
}

fn result_json(id: &str, result: Classification, classifier: &Classifier) -> Value {
    let scores: Vec<Value> = result
        .scores
        .iter()
        .map(|(label, p)| json!({ "label": label, "probability": p }))
        .collect();
    let mut line = json!({
        "id": id,
        "label": result.label,
        "confidence": result.confidence,
        "scores": scores,
        "model_version": classifier.model().version(),
    });
    if !result.evidence.is_empty() {
        line["evidence"] = result
            .evidence
            .iter()
            .map(|e| json!({ "term": e.term, "weight": e.weight }))
            .collect();
    }
    if let Some(reason) = &result.abstain_reason {
        line["abstained"] = json!(true);
        line["abstain_reason"] = json!(reason);
    }
    line
}
