//! `eval --report FILE.html`: one self-contained page with the figures of an
//! evaluation (confusion-matrix heatmap, per-label precision/recall/F1 bars,
//! reliability diagram; SVG drawn with plotters and inlined) and the most
//! confident mistakes with the evidence the model gave for them.
//!
//! The summary supplies the confusion matrix and per-label metrics; the
//! reliability diagram and the mistakes come from classifying every
//! evaluated document again with `explain` on, because a summary keeps no
//! per-document predictions.

mod figures;
mod html;

use std::path::{Path, PathBuf};

use crate::classifier::{Classifier, ClassifyOptions};
use crate::model::metrics::{EvaluationSummary, ECE_BINS};
use crate::model::{LabeledDocument, TermEvidence};

pub use html::render_report;

/// How many mistakes the page lists, most confident first.
pub const MISTAKES_SHOWN: usize = 25;

/// What can go wrong writing a report.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// A figure could not be drawn.
    #[error("drawing a figure failed: {0}")]
    Drawing(String),
    /// The report file could not be written.
    #[error("{path}: {source}")]
    Io {
        /// The report file.
        path: PathBuf,
        /// What the operating system said.
        #[source]
        source: std::io::Error,
    },
}

impl<E: std::error::Error + Send + Sync> From<plotters::drawing::DrawingAreaErrorKind<E>>
    for ReportError
{
    fn from(error: plotters::drawing::DrawingAreaErrorKind<E>) -> Self {
        Self::Drawing(error.to_string())
    }
}

/// One evaluated document as the classifier saw it.
#[derive(Debug, Clone, PartialEq)]
pub struct Verdict {
    /// The document's id.
    pub id: String,
    /// Its headline.
    pub title: String,
    /// Label indices into the model's labels.
    pub truth: usize,
    /// The label the classifier gave (an index, like `truth`).
    pub predicted: usize,
    /// The classifier's probability of that label.
    pub confidence: f64,
    /// The probability the model gave the true label.
    pub truth_probability: f64,
    /// Terms that favour the predicted label over the runner-up.
    pub evidence: Vec<TermEvidence>,
}

/// Everything the page shows besides the summary.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportInput<'a> {
    /// The metrics the page shows.
    pub summary: &'a EvaluationSummary,
    /// Model version and configuration, shown under the title.
    pub model_description: String,
    /// Every evaluated document.
    pub verdicts: Vec<Verdict>,
    /// Documents the classifier refused (no words left to classify).
    pub unclassifiable: usize,
}

/// Classifies every document with `explain` on. `documents` carry label
/// indices into the classifier's model labels, as `read_corpus` gives them.
pub fn collect_verdicts(
    classifier: &Classifier,
    documents: &[LabeledDocument],
) -> (Vec<Verdict>, usize) {
    let labels = classifier.model().labels();
    let options = ClassifyOptions {
        explain: true,
        ..ClassifyOptions::default()
    };
    let mut verdicts = Vec::with_capacity(documents.len());
    let mut unclassifiable = 0;
    for document in documents {
        let article = document.article();
        let Ok(classification) = classifier.classify(article, &options) else {
            unclassifiable += 1;
            continue;
        };
        let index_of = |name: &str| labels.iter().position(|l| l == name);
        let truth_probability = classification
            .scores
            .iter()
            .find(|(label, _)| index_of(label) == Some(document.label))
            .map_or(0.0, |(_, p)| *p);
        verdicts.push(Verdict {
            id: document.id.clone(),
            title: document.title.clone(),
            truth: document.label,
            predicted: index_of(&classification.label).unwrap_or(document.label),
            confidence: classification.confidence,
            truth_probability,
            evidence: classification.evidence,
        });
    }
    (verdicts, unclassifiable)
}

/// Classifies `documents`, renders the page and writes it to `path`.
pub fn write_report(
    path: &Path,
    classifier: &Classifier,
    documents: &[LabeledDocument],
    summary: &EvaluationSummary,
    overwrite: bool,
) -> Result<(), ReportError> {
    let (verdicts, unclassifiable) = collect_verdicts(classifier, documents);
    let model = classifier.model();
    let input = ReportInput {
        summary,
        model_description: format!(
            "model {} ({})",
            model.version(),
            model.metadata().configuration
        ),
        verdicts,
        unclassifiable,
    };
    let page = render_report(&input)?;
    crate::files::write_atomically(path, page.as_bytes(), overwrite).map_err(|source| {
        ReportError::Io {
            path: path.to_owned(),
            source: already_exists_hint(source),
        }
    })
}

/// The error for an existing report without `overwrite` says what exists
/// (the CLI adds how to replace it: its flag is its own).
fn already_exists_hint(error: std::io::Error) -> std::io::Error {
    match error.kind() {
        std::io::ErrorKind::AlreadyExists => {
            std::io::Error::new(error.kind(), "report file exists")
        }
        _ => error,
    }
}

/// One equal-width confidence bin of the reliability diagram.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CalibrationBin {
    /// Predictions in the bin.
    pub count: usize,
    /// Their mean confidence.
    pub mean_confidence: f64,
    /// The share of them that are right.
    pub accuracy: f64,
}

/// [`ECE_BINS`] bins binned exactly as the calibration error is.
pub fn calibration_bins(verdicts: &[Verdict]) -> Vec<CalibrationBin> {
    let mut bins = vec![(0usize, 0f64, 0usize); ECE_BINS];
    for v in verdicts {
        let bin = ((v.confidence * ECE_BINS as f64) as usize).min(ECE_BINS - 1);
        bins[bin].0 += 1;
        bins[bin].1 += v.confidence;
        bins[bin].2 += usize::from(v.truth == v.predicted);
    }
    bins.into_iter()
        .map(|(count, confidence, correct)| {
            let n = count.max(1) as f64;
            CalibrationBin {
                count,
                mean_confidence: confidence / n,
                accuracy: correct as f64 / n,
            }
        })
        .collect()
}

/// Wrong answers, most confident first (ties: document order).
pub fn worst_mistakes(verdicts: &[Verdict], limit: usize) -> Vec<&Verdict> {
    let mut mistakes: Vec<&Verdict> = verdicts.iter().filter(|v| v.truth != v.predicted).collect();
    mistakes.sort_by(|a, b| b.confidence.total_cmp(&a.confidence));
    mistakes.truncate(limit);
    mistakes
}

#[cfg(test)]
mod tests;
