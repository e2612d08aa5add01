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

#[derive(Deserialize)]
struct Line {
    #[serde(default)]
    id: Option<serde_json::Value>,
    #[serde(default)]
    title: String,
    #[serde(default)]
    text: Option<String>,
    #[serde(default)]
    body: Option<String>,
    label: Option<String>,
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
    let mut documents = Vec::new();
    for (index, line) in std::io::BufReader::new(file).lines().enumerate() {
        if documents.len() >= limit {
            break;
        }
        let corpus_error = |reason: String| Error::Corpus {
            path: path.to_owned(),
            line: index + 1,
            reason,
        };
        let line = line.map_err(|e| corpus_error(e.to_string()))?;
        if line.trim().is_empty() {
            continue;
        }
        let parsed: Line = serde_json::from_str(&line)
            .map_err(|e| corpus_error(format!("not a JSON object: {e}")))?;
        documents.push(LabeledDocument {
            id: format!("{}:{}", path.display(), index + 1),
            title: parsed.title,
            text: parsed.text.or(parsed.body).unwrap_or_default(),
            label: 0,
        });
    }
    Ok(documents)
}

fn read_lines(
    reader: impl BufRead,
    path: &Path,
    labels: &[String],
    out: &mut Vec<LabeledDocument>,
) -> Result<()> {
    for (index, line) in reader.lines().enumerate() {
        let number = index + 1;
        let corpus_error = |reason: String| Error::Corpus {
            path: path.to_owned(),
            line: number,
            reason,
        };
        let line = line.map_err(|e| corpus_error(e.to_string()))?;
        if line.trim().is_empty() {
            continue;
        }
        let parsed: Line = serde_json::from_str(&line)
            .map_err(|e| corpus_error(format!("not a JSON object: {e}")))?;
        let label_name = parsed
            .label
            .ok_or_else(|| corpus_error("missing \"label\"".into()))?;
        let label = labels
            .iter()
            .position(|l| *l == label_name)
            .ok_or_else(|| {
                corpus_error(format!(
                    "unknown label {label_name:?} (expected one of {})",
                    labels.join(", ")
                ))
            })?;
        let id = match parsed.id {
            Some(serde_json::Value::String(s)) => s,
            Some(other) => other.to_string(),
            None => format!("{}:{number}", path.display()),
        };
        out.push(LabeledDocument {
            id,
            title: parsed.title,
            text: parsed.text.or(parsed.body).unwrap_or_default(),
            label,
        });
    }
    Ok(())
}
