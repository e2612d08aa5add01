//! Labelled JSONL corpora: `{"id", "title", "text" | "body", "label"}` a line.

use std::io::BufRead;
use std::path::Path;

use serde::Deserialize;

use crate::error::{Error, Result};

/// One labelled article, its label an index into the label list.
#[derive(Debug, Clone, PartialEq)]
pub struct LabeledDocument {
    pub id: String,
    pub title: String,
    pub text: String,
    pub label: usize,
}

/// One JSONL article line as users write it: `id` may be any JSON value,
/// `text` or `body` holds the text, `label` is optional here.
#[derive(Debug, Deserialize)]
pub struct ArticleLine {
    #[serde(default)]
    id: Option<serde_json::Value>,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    text: Option<String>,
    #[serde(default)]
    body: Option<String>,
    #[serde(default)]
    pub label: Option<String>,
}

impl ArticleLine {
    /// The id as text (a number's digits, a string as is), or `fallback`.
    pub fn id_or(&self, fallback: impl FnOnce() -> String) -> String {
        match &self.id {
            Some(serde_json::Value::String(s)) => s.clone(),
            Some(other) => other.to_string(),
            None => fallback(),
        }
    }

    /// `text`, or `body` when there is no `text`.
    pub fn take_text(&mut self) -> String {
        self.text.take().or(self.body.take()).unwrap_or_default()
    }
}

/// The non-blank lines of a JSONL stream, parsed, with their 1-based line
/// numbers. A line that is not a JSON article is an error naming `path` and
/// the line; every reader of articles goes through here.
pub fn article_lines<'a>(
    reader: impl BufRead + 'a,
    path: &'a Path,
) -> impl Iterator<Item = Result<(usize, ArticleLine)>> + 'a {
    reader.lines().enumerate().filter_map(move |(index, line)| {
        let number = index + 1;
        let parsed = line
            .map_err(|e| e.to_string())
            .and_then(|line| {
                if line.trim().is_empty() {
                    return Ok(None);
                }
                serde_json::from_str(&line)
                    .map(Some)
                    .map_err(|e| format!("not a JSON object: {e}"))
            })
            .map_err(|reason| corpus_error(path, number, reason));
        parsed
            .transpose()
            .map(|r| r.map(|article| (number, article)))
    })
}

fn corpus_error(path: &Path, line: usize, reason: String) -> Error {
    Error::Corpus {
        path: path.to_owned(),
        line,
        reason,
    }
}

/// Reads every file in order. A line that is not JSON, has no `label`, or a
/// label outside `labels` stops reading with its file and line number.
/// Blank lines are skipped.
pub fn read_corpus(paths: &[impl AsRef<Path>], labels: &[String]) -> Result<Vec<LabeledDocument>> {
    let mut documents = Vec::new();
    for path in paths {
        let path = path.as_ref();
        let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
        read_lines(std::io::BufReader::new(file), path, labels, &mut documents)?;
    }
    if documents.is_empty() {
        return Err(Error::EmptyCorpus);
    }
    Ok(documents)
}

/// Reads up to `limit` unlabelled articles (`{"title", "text" | "body"}` a
/// line; any `label` is ignored), with their labels set to 0. A bad line
/// stops reading with its line number.
pub fn read_unlabeled(path: &Path, limit: usize) -> Result<Vec<LabeledDocument>> {
    let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    article_lines(std::io::BufReader::new(file), path)
        .take(limit)
        .map(|item| {
            let (number, mut article) = item?;
            Ok(LabeledDocument {
                id: format!("{}:{number}", path.display()),
                text: article.take_text(),
                title: article.title,
                label: 0,
            })
        })
        .collect()
}

fn read_lines(
    reader: impl BufRead,
    path: &Path,
    labels: &[String],
    out: &mut Vec<LabeledDocument>,
) -> Result<()> {
    for item in article_lines(reader, path) {
        let (number, mut article) = item?;
        let label_name = article
            .label
            .take()
            .ok_or_else(|| corpus_error(path, number, "missing \"label\"".into()))?;
        let label = labels
            .iter()
            .position(|l| *l == label_name)
            .ok_or_else(|| {
                corpus_error(
                    path,
                    number,
                    format!(
                        "unknown label {label_name:?} (expected one of {})",
                        labels.join(", ")
                    ),
                )
            })?;
        out.push(LabeledDocument {
            id: article.id_or(|| format!("{}:{number}", path.display())),
            text: article.take_text(),
            title: article.title,
            label,
        });
    }
    Ok(())
}
